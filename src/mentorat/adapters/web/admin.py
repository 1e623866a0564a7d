"""Administration pages for staff: the programme's statistics, and the users with verify,
unverify, deactivate and reactivate. Anyone else gets a 403 page."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import Parameter
from litestar.response import Response, Template

from mentorat.adapters.web.forms import PathId, an_id
from mentorat.adapters.web.visits import redirect, render, signed_in, use_cases, visit_of
from mentorat.application.actors import Actor
from mentorat.application.list_users import UsersQuery
from mentorat.application.views import UserView
from mentorat.domain.errors import InvalidInput
from mentorat.domain.users import UserId

AnyRequest = Request[Any, Any, Any]
ACTIONS: Final = ("verify", "unverify", "deactivate", "reactivate")


def staff(request: AnyRequest) -> UserView:
    user = signed_in(request)
    if not user.is_staff:
        raise PermissionDeniedException(visit_of(request).t("error.staff_only"))
    return user


@get("/admin", name="web-admin")
async def statistics(request: AnyRequest) -> Template:
    staff(request)
    figures = await use_cases(request).show_statistics()
    busiest = max((count for _, count in figures.messages_per_day), default=0)
    return render(request, "admin.html", figures=figures, busiest=busiest)


@get("/admin/users", name="web-admin-users")
async def users(request: AnyRequest) -> Template:
    staff(request)
    search = request.query_params.get("search", "")
    after = request.query_params.get("after", "")
    if after and not (after.isascii() and after.isdigit() and len(after) < 19):
        raise InvalidInput("after", "after must be a user id.")
    page = await use_cases(request).list_users(
        UsersQuery(search=search, after=UserId(int(after)) if after else None)
    )
    next_url = None
    if page.next_after is not None:
        kept = {"search": search} if search else {}
        next_url = "/admin/users?" + urlencode({**kept, "after": page.next_after})
    return render(request, "admin_users.html", page=page, search=search, next_url=next_url)


@post("/admin/users/{user_id:int}/{action:str}", name="web-admin-act")
async def act(
    request: AnyRequest,
    user_id: PathId,
    action: Annotated[str, Parameter(description="verify, unverify, deactivate, reactivate")],
) -> Response[Any]:
    me = staff(request)
    if action not in ACTIONS:
        raise InvalidInput("action", f"action is one of {', '.join(ACTIONS)}.")
    mentorat = use_cases(request)
    change = {
        "verify": mentorat.verify_user,
        "unverify": mentorat.unverify_user,
        "deactivate": mentorat.deactivate_user,
        "reactivate": mentorat.reactivate_user,
    }[action]
    address = request.client.host if request.client else ""
    await change(UserId(an_id(user_id)), Actor(me.id, address))
    return redirect(request, visit_of(request).back)


PAGES = [statistics, users, act]
