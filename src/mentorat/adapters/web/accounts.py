"""Pages of one's account: home, sign up, log in and out, the profile, the language switch."""

from __future__ import annotations

import contextlib
import secrets
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Response, Template

from mentorat.adapters.web.forms import a_number, checked, form_of, tags, text
from mentorat.adapters.web.i18n import LANGUAGES
from mentorat.adapters.web.visits import (
    CSRF_COOKIE,
    LANGUAGE_COOKIE,
    LANGUAGE_MAX_AGE,
    SESSION_COOKIE,
    local_path,
    redirect,
    render,
    signed_in,
    use_cases,
    visit_of,
)
from mentorat.application.edit_profile import EditProfileCommand
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.ports import TokenPair
from mentorat.application.register_user import RegisterCommand
from mentorat.domain.errors import AuthenticationFailed

AnyRequest = Request[Any, Any, Any]


@get("/", name="web-home")
async def home(request: AnyRequest) -> Template:
    user = visit_of(request).user
    if user is None:
        return render(request, "home.html", mentorings=[])
    mentorings = await use_cases(request).show_progress(user.id)
    return render(request, "home.html", mentorings=mentorings)


@get("/signup", name="web-signup")
async def signup_page(request: AnyRequest) -> Template:
    return render(request, "signup.html")


@post("/signup", name="web-signup-post")
async def signup(request: AnyRequest) -> Response[Any]:
    form = await form_of(request)
    mentorat = use_cases(request)
    username, password = text(form, "username"), text(form, "password")
    await mentorat.register_user(
        RegisterCommand(
            username=username,
            password=password,
            email=text(form, "email"),
            first_name=text(form, "first_name"),
            last_name=text(form, "last_name"),
            is_mentor=checked(form, "is_mentor"),
        )
    )
    tokens = await mentorat.obtain_tokens(LoginCommand(username, password, _address(request)))
    _sign_in(request, tokens)
    return redirect(request, "/profile")


@get("/login", name="web-login")
async def login_page(request: AnyRequest) -> Template:
    return render(request, "login.html", next=local_path(request.query_params.get("next")))


@post("/login", name="web-login-post")
async def login(request: AnyRequest) -> Response[Any]:
    form = await form_of(request)
    tokens = await use_cases(request).obtain_tokens(
        LoginCommand(text(form, "username"), text(form, "password"), _address(request))
    )
    _sign_in(request, tokens)
    return redirect(request, local_path(form.get("next")))


@post("/logout", name="web-logout")
async def logout(request: AnyRequest) -> Response[Any]:
    """The session's refresh token is spent (`LogOut`), not only forgotten by this browser."""
    _, _, refresh = request.cookies.get(SESSION_COOKIE, "").partition("~")
    if refresh:
        with contextlib.suppress(AuthenticationFailed):
            await use_cases(request).log_out(refresh, _address(request))
    visit_of(request).sign_out()
    return redirect(request, "/")


def _sign_in(request: AnyRequest, tokens: TokenPair) -> None:
    visit = visit_of(request)
    visit.sign_in(tokens.access, tokens.refresh)
    # A new form token with each session: one learnt before logging in is worth nothing after.
    visit.csrf = secrets.token_urlsafe(32)
    visit.set_cookie(CSRF_COOKIE, visit.csrf)


def _address(request: AnyRequest) -> str:
    return request.client.host if request.client else ""


@get("/profile", name="web-profile")
async def profile_page(request: AnyRequest) -> Template:
    user = signed_in(request)
    view = await use_cases(request).show_profile(user.id)
    return render(request, "profile.html", me=view)


@post("/profile", name="web-profile-post")
async def edit_profile(request: AnyRequest) -> Response[Any]:
    user = signed_in(request)
    form = await form_of(request)
    common: dict[str, Any] = {
        "first_name": text(form, "first_name"),
        "last_name": text(form, "last_name"),
        "email": text(form, "email"),
        "phone_number": text(form, "phone_number").strip() or None,
        "bio": text(form, "bio"),
        "languages": tags(form, "languages"),
        "timezone": text(form, "timezone").strip() or None,
    }
    if user.is_mentor:
        command = EditProfileCommand(
            user.id,
            skills=tags(form, "skills"),
            capacity=a_number(form, "capacity"),
            accepting_requests=checked(form, "accepting_requests"),
            **common,
        )
    else:
        command = EditProfileCommand(user.id, wanted_skills=tags(form, "wanted_skills"), **common)
    await use_cases(request).edit_profile(command)
    visit = visit_of(request)
    visit.say("ok", visit.t("profile.saved"))
    return redirect(request, "/profile")


@get("/lang/{code:str}", name="web-language")
async def choose_language(
    request: AnyRequest, code: Annotated[str, Parameter(description="fr or en")]
) -> Response[Any]:
    """The switch: a plain link, so that it works without a form token (it changes nothing
    but the visitor's own reading preference)."""
    visit = visit_of(request)
    if code in LANGUAGES:
        visit.set_cookie(LANGUAGE_COOKIE, code, max_age=LANGUAGE_MAX_AGE)
    return redirect(request, local_path(request.query_params.get("next")))


PAGES = [
    home,
    signup_page,
    signup,
    login_page,
    login,
    logout,
    profile_page,
    edit_profile,
    choose_language,
]
