"""One visit: who is signed in (the session cookie), the form token, the language, and the
answers every page gives (a rendered template or a redirect, with the cookies to set).

The session cookie holds the access and refresh tokens the token use case issues, so a
session is checked exactly as an API call is (`IdentifyCaller`: a deactivated account is
out at once) and renewed with `RefreshTokens` when the access token has expired. Forms carry a
per-browser token (double submit): a random value in an HttpOnly cookie that every POST must
send back in its `csrf_token` field or its `X-CSRF-Token` header.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, unquote

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Response, Template

from mentorat.adapters.web.i18n import LANGUAGES, Translate, choose_language, translator
from mentorat.application.service import Mentorat
from mentorat.application.views import UserView
from mentorat.domain.errors import AuthenticationFailed

SESSION_COOKIE: Final = "mentorat_session"
CSRF_COOKIE: Final = "mentorat_csrf"
LANGUAGE_COOKIE: Final = "mentorat_lang"
FLASH_COOKIE: Final = "mentorat_flash"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
# A year, for the language choice; the form token lives as long as the browser keeps it.
LANGUAGE_MAX_AGE: Final = 365 * 24 * 3600
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotSignedIn(Exception):
    """The page needs a signed-in visitor; they are sent to the login page."""


class CsrfRefused(Exception):
    """A form came back without this browser's token: it was not sent from our page."""


@dataclass(frozen=True, slots=True)
class WebContext:
    """Kept in the app's state under `web`; built once by the web plugin."""

    mentorat: Mentorat
    # Asset name -> its URL with a digest of its content, so browsers may keep it for a year.
    assets: dict[str, str]


@dataclass(slots=True)
class Visit:
    user: UserView | None
    language: str
    csrf: str
    flash: tuple[str, str] | None = None
    cookies: list[Cookie] = field(default_factory=list)
    secure: bool = False
    # Where a form goes back to when it broke a rule: the page it was sent from.
    back: str = "/"

    @property
    def t(self) -> Translate:
        return translator(self.language)

    def set_cookie(self, name: str, value: str, *, max_age: int | None = None) -> None:
        self.cookies.append(
            Cookie(
                key=name,
                value=value,
                path="/",
                max_age=max_age,
                httponly=True,
                samesite="lax",
                secure=self.secure,
            )
        )

    def clear_cookie(self, name: str) -> None:
        self.set_cookie(name, "", max_age=0)

    def sign_in(self, access: str, refresh: str) -> None:
        self.set_cookie(SESSION_COOKIE, f"{access}~{refresh}")

    def sign_out(self) -> None:
        self.user = None
        self.clear_cookie(SESSION_COOKIE)
        # A new form token with each session, so a token seen before cannot be replayed.
        self.csrf = secrets.token_urlsafe(32)
        self.set_cookie(CSRF_COOKIE, self.csrf)

    def say(self, kind: str, text: str) -> None:
        """A message for the next page (after a redirect): kind "ok" or "error"."""
        self.set_cookie(FLASH_COOKIE, quote(f"{kind}:{text}"))


def web_context(request: Request[Any, Any, Any]) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


def use_cases(request: Request[Any, Any, Any]) -> Mentorat:
    return web_context(request).mentorat


def visit_of(request: Request[Any, Any, Any]) -> Visit:
    visit: Visit = request.state.visit
    return visit


def signed_in(request: Request[Any, Any, Any]) -> UserView:
    user = visit_of(request).user
    if user is None:
        raise NotSignedIn()
    return user


def start_visit(request: Request[Any, Any, Any]) -> Visit:
    """The visit as the cookies alone tell it (nobody signed in yet), kept on the request."""
    cookies = request.cookies
    sent_token = cookies.get(CSRF_COOKIE, "")
    visit = Visit(
        user=None,
        language=choose_language(
            cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
        ),
        csrf=sent_token,
        secure=request.url.scheme == "https",
    )
    request.state.visit = visit
    if len(sent_token) < 32:
        visit.csrf = secrets.token_urlsafe(32)
        visit.set_cookie(CSRF_COOKIE, visit.csrf)
    return visit


async def open_visit(request: Request[Any, Any, Any]) -> None:
    """The web router's `before_request`: reads the cookies, checks a form's token."""
    visit = start_visit(request)
    cookies = request.cookies
    if request.method in UNSAFE_METHODS:
        form = await request.form()
        visit.back = local_path(form.get("back"), request.url.path)
        sent_token = cookies.get(CSRF_COOKIE, "")
        given = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD) or ""
        if not (
            isinstance(given, str)
            and len(sent_token) >= 32
            and secrets.compare_digest(given.encode(), sent_token.encode())
        ):
            raise CsrfRefused()
    flash = cookies.get(FLASH_COOKIE)
    if flash and request.method == "GET" and "hx-request" not in request.headers:
        kind, _, text = unquote(flash).partition(":")
        visit.flash = (kind if kind in ("ok", "error") else "error", text)
        visit.clear_cookie(FLASH_COOKIE)
    session = cookies.get(SESSION_COOKIE)
    if session:
        await _resume(visit, use_cases(request), session)
        # Where Litestar (and the access log) look for the authenticated user.
        request.scope["user"] = visit.user


async def _resume(visit: Visit, mentorat: Mentorat, session: str) -> None:
    access, _, refresh = session.partition("~")
    try:
        visit.user = await mentorat.identify_caller(access)
        return
    except AuthenticationFailed:
        pass
    try:
        fresh = await mentorat.refresh_tokens(refresh)
        visit.user = await mentorat.identify_caller(fresh.access)
    except AuthenticationFailed:
        visit.sign_out()
        return
    visit.sign_in(fresh.access, fresh.refresh or refresh)


def local_path(raw: object, default: str = "/") -> str:
    """`raw` if it is a path of this site (never another host: no open redirect)."""
    if (
        isinstance(raw, str)
        and raw.startswith("/")
        and not raw.startswith("//")
        and "\\" not in raw
        and len(raw) < 2000
    ):
        return raw
    return default


def render(
    request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any
) -> Template:
    visit = visit_of(request)
    ctx = web_context(request)
    other = next(code for code in LANGUAGES if code != visit.language)
    return Template(
        template_name=template,
        context={
            "t": visit.t,
            "lang": visit.language,
            "other_lang": other,
            "user": visit.user,
            "csrf": visit.csrf,
            "flash": visit.flash,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "asset": ctx.assets,
            **context,
        },
        status_code=status_code,
        cookies=visit.cookies,
        headers=PAGE_HEADERS,
    )


def redirect(request: Request[Any, Any, Any], path: str) -> Response[Any]:
    """After a form: 303 to `path` (htmx follows it and swaps in what it asked for)."""
    visit = visit_of(request)
    return Redirect(path, status_code=303, cookies=visit.cookies, headers=PAGE_HEADERS)


def go_back(request: Request[Any, Any, Any], path: str) -> Response[Any]:
    """After a form that broke a rule: back to `path`, where the message is shown; htmx is
    told to load that page itself, so that the message shows there."""
    visit = visit_of(request)
    if "hx-request" in request.headers:
        return Response(
            b"",
            status_code=200,
            headers={"HX-Redirect": path, **PAGE_HEADERS},
            cookies=visit.cookies,
        )
    return redirect(request, path)


# Pages show one person's data: never cached by a shared cache, never framed. Scripts and
# styles only from this site: a message that slipped through escaping still could not run.
PAGE_HEADERS: Final = {
    "cache-control": "no-store",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
}
