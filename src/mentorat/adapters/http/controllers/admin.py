"""Administration: /api/admin/ (accounts, statistics, the audit trail), for `is_staff` users.

Every route here, and every path under /api/admin/ that is no route, answers a caller who is
not an administrator with the same 403 (`staff_only`): nobody else can tell which exist. (One
exception: a method a route does not take is a 405 from the router, before any hook runs.)
Administrators are made from the command line (`mentorat user promote`), never here.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import HttpMethod, Request, Response, get, post, route
from litestar.params import JSONBody, Parameter

from mentorat.adapters.http.admin_schemas import (
    AccountOut,
    AuditEntryOut,
    StatisticsOut,
    TemporaryPasswordIn,
    account_out,
    audit_entry_out,
    statistics_out,
)
from mentorat.adapters.http.auth import require_caller
from mentorat.adapters.http.context import client_address, use_cases
from mentorat.adapters.http.controllers import (
    ID_SCHEMA,
    Authenticated,
    link_doc,
    link_header,
    query_int,
    query_integer,
)
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.personal_schemas import ExportOut, export_out
from mentorat.application.actors import Actor
from mentorat.application.list_users import USERS_PAGE_DEFAULT, USERS_PAGE_MAX, UsersQuery
from mentorat.application.personal_data import EraseCommand
from mentorat.application.read_audit import (
    AUDIT_PAGE_DEFAULT,
    AUDIT_PAGE_MAX,
    AuditQuery,
    audit_action,
)
from mentorat.application.views import AccountView, UserView
from mentorat.domain.audit import AuditId
from mentorat.domain.chat import ID_MAX
from mentorat.domain.errors import NotFound, StaffOnly, UserNotFound
from mentorat.domain.users import UserId

TAGS = ["admin"]
PATH: Final = "/api/admin/"
USER_ID = Parameter(description="A user id.", schema_extra=ID_SCHEMA)
ADMIN_ERRORS: Final = (401, 403)


async def require_staff(request: Request[Any, Any, Any]) -> None:
    """Authenticate the caller as `require_caller` does, then refuse anyone but staff."""
    await require_caller(request)
    user: UserView | None = request.scope.get("user")
    if request.scope.get("method") != "OPTIONS" and (user is None or not user.is_staff):
        raise StaffOnly()


def _actor(request: Authenticated) -> Actor:
    return Actor(request.user.id, client_address(request))


def _user_id(raw: str) -> UserId:
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and 0 < int(raw) <= ID_MAX:
        return UserId(int(raw))
    raise UserNotFound()


@get(
    f"{PATH}users/",
    operation_id="adminListUsers",
    summary="Accounts, by id, searched by username, email or names",
    tags=TAGS,
    response_headers=[link_doc('RFC 8288: rel="next" when more accounts match.')],
    responses=error_responses(400, *ADMIN_ERRORS, 503),
)
async def list_users(
    request: Authenticated,
    search: Annotated[
        str | None,
        Parameter(
            description="Text the username, email or names contain (case ignored).", max_length=150
        ),
    ] = None,
    limit: Annotated[
        str | None,
        Parameter(
            description=f"How many accounts, 1-{USERS_PAGE_MAX} (default {USERS_PAGE_DEFAULT}).",
            schema_extra=query_integer(1, USERS_PAGE_MAX),
        ),
    ] = None,
    after: Annotated[
        str | None,
        Parameter(
            description="Only accounts with a greater id (the cursor a Link gives).",
            schema_extra=query_integer(0, ID_MAX),
        ),
    ] = None,
) -> Response[list[AccountOut]]:
    size = query_int("limit", limit)
    cursor = query_int("after", after)
    query = UsersQuery(
        search=search or "",
        after=None if cursor is None else UserId(cursor),
        limit=USERS_PAGE_DEFAULT if size is None else size,
    )
    page = await use_cases(request).list_users(query)
    kept: dict[str, object] = {"search": search} if search else {}
    rels = {} if page.next_after is None else {"next": {"after": page.next_after}}
    headers = link_header(request, "api/admin/users/", {**kept, "limit": query.limit}, rels)
    return Response([account_out(a) for a in page.accounts], headers=headers)


def _account_action(action: str, use_case: str, summary: str) -> Any:
    @post(
        f"{PATH}users/{{user_id:str}}/{action}/",
        status_code=200,
        operation_id=f"admin{action.title()}User",
        summary=summary,
        tags=TAGS,
        responses=error_responses(*ADMIN_ERRORS, 404, 503),
        name=f"admin_{action}",
    )
    async def handler(request: Authenticated, user_id: Annotated[str, USER_ID]) -> AccountOut:
        change = getattr(use_cases(request), use_case)
        account: AccountView = await change(_user_id(user_id), _actor(request))
        return account_out(account)

    return handler


ACTIONS = [
    _account_action("verify", "verify_user", "Mark the user verified"),
    _account_action("unverify", "unverify_user", "Withdraw the user's verification"),
    _account_action("deactivate", "deactivate_user", "Shut the account; its tokens stop working"),
    _account_action("reactivate", "reactivate_user", "Open a deactivated account again"),
]


@post(
    f"{PATH}users/{{user_id:str}}/password/",
    status_code=200,
    operation_id="adminSetTemporaryPassword",
    summary="Set a temporary password the user must change at their next login",
    tags=TAGS,
    responses=error_responses(400, *ADMIN_ERRORS, 404, 413, 415, 503),
)
async def set_temporary_password(
    request: Authenticated,
    user_id: Annotated[str, USER_ID],
    data: JSONBody[TemporaryPasswordIn],
) -> AccountOut:
    """The user's tokens stop working; their next login answers `password_change_required`.
    Tell them the password by a channel of your own: it is never shown again."""
    account = await use_cases(request).set_temporary_password(
        _user_id(user_id), data.password, _actor(request)
    )
    return account_out(account)


@get(
    f"{PATH}users/{{user_id:str}}/export/",
    operation_id="adminExportUser",
    summary="Everything the service holds about a user, as one JSON document",
    tags=TAGS,
    responses=error_responses(*ADMIN_ERRORS, 404, 503),
)
async def export_user(request: Authenticated, user_id: Annotated[str, USER_ID]) -> ExportOut:
    return export_out(
        await use_cases(request).export_personal_data(_user_id(user_id), _actor(request))
    )


@post(
    f"{PATH}users/{{user_id:str}}/erase/",
    status_code=204,
    operation_id="adminEraseUser",
    summary="Erase a user: details, credentials and message texts go, open mentorings end",
    tags=TAGS,
    responses=error_responses(*ADMIN_ERRORS, 404, 503),
)
async def erase_user(request: Authenticated, user_id: Annotated[str, USER_ID]) -> None:
    await use_cases(request).erase_person(EraseCommand(_user_id(user_id), None, _actor(request)))


@get(
    f"{PATH}stats/",
    operation_id="adminStatistics",
    summary="Programme statistics",
    tags=TAGS,
    responses=error_responses(*ADMIN_ERRORS, 503),
)
async def statistics(request: Authenticated) -> StatisticsOut:
    return statistics_out(await use_cases(request).show_statistics())


@get(
    f"{PATH}audit/",
    operation_id="adminAudit",
    summary="The audit trail, oldest first",
    tags=TAGS,
    response_headers=[link_doc('RFC 8288: rel="next" when more entries match.')],
    responses=error_responses(400, *ADMIN_ERRORS, 503),
)
async def audit(
    request: Authenticated,
    after: Annotated[
        str | None,
        Parameter(
            description="Only entries with a greater id (the cursor a Link gives).",
            schema_extra=query_integer(0, ID_MAX),
        ),
    ] = None,
    limit: Annotated[
        str | None,
        Parameter(
            description=f"How many entries, 1-{AUDIT_PAGE_MAX} (default {AUDIT_PAGE_DEFAULT}).",
            schema_extra=query_integer(1, AUDIT_PAGE_MAX),
        ),
    ] = None,
    user: Annotated[
        str | None,
        Parameter(
            description="Only entries about this user id.", schema_extra=query_integer(1, ID_MAX)
        ),
    ] = None,
    action: Annotated[str | None, Parameter(description="Only entries of this action.")] = None,
) -> Response[list[AuditEntryOut]]:
    cursor, size, subject = (
        query_int("after", after),
        query_int("limit", limit),
        query_int("user", user),
    )
    query = AuditQuery(
        after=None if cursor is None else AuditId(cursor),
        limit=AUDIT_PAGE_DEFAULT if size is None else size,
        subject_id=None if subject is None else UserId(subject),
        action=audit_action(action) if action else None,
    )
    page = await use_cases(request).read_audit(query)
    kept: dict[str, object] = {
        name: value for name, value in (("user", user), ("action", action)) if value
    }
    rels = {} if page.next_after is None else {"next": {"after": page.next_after}}
    headers = link_header(request, "api/admin/audit/", {**kept, "limit": query.limit}, rels)
    return Response([audit_entry_out(e) for e in page.entries], headers=headers)


@route(
    [
        f"{PATH}{{rest:path}}",
        f"{PATH}users/{{user:str}}/",
        f"{PATH}users/{{user:str}}/{{rest:path}}",
    ],
    http_method=[
        HttpMethod.GET,
        HttpMethod.POST,
        HttpMethod.PUT,
        HttpMethod.PATCH,
        HttpMethod.DELETE,
    ],
    include_in_schema=False,
)
async def no_such_admin_route(
    request: Authenticated,
    rest: Annotated[str | None, Parameter(description="Any path.")] = None,
    user: Annotated[str | None, Parameter(description="Any user.")] = None,
) -> None:
    """Reached by administrators only (`require_staff` answers everyone else first)."""
    raise NotFound("Not found.")


ROUTES = [
    list_users,
    *ACTIONS,
    set_temporary_password,
    export_user,
    erase_user,
    statistics,
    audit,
    no_such_admin_route,
]
