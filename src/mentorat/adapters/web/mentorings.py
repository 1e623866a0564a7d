"""One mentoring: its chat (newest page, older pages, new messages), its goals, its progress,
and ending it."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from litestar import Request, get, post
from litestar.response import Response, Template

from mentorat.adapters.web.forms import PathId, an_id, form_of, maybe_date, text
from mentorat.adapters.web.visits import redirect, render, signed_in, use_cases
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.manage_goals import AddGoalCommand, EditGoalCommand, ListGoalsQuery
from mentorat.application.mark_chat_read import MarkReadCommand
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.views import MessagePageView, ProgressView, UserView
from mentorat.domain.chat import PageRequest
from mentorat.domain.errors import InvalidInput, MentoringNotFound
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.goals import GoalEdit, GoalId
from mentorat.domain.mentoring import Ending

AnyRequest = Request[Any, Any, Any]
# Messages per page of the chat: a screenful or two; older ones come on demand.
CHAT_PAGE: Final = 30


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    in_period: bool
    today: bool
    in_month: bool


def month_of(today: date, start: date, end: date) -> list[list[Day]]:
    """The weeks of the month to show: this month while the mentoring runs, else the month
    it starts or ends in."""
    shown = min(max(today, start), end)
    weeks = calendar.Calendar().monthdatescalendar(shown.year, shown.month)
    return [
        [Day(d, start <= d <= end, d == today, d.month == shown.month) for d in week]
        for week in weeks
    ]


async def _progress(request: AnyRequest, mentoring_id: int, user: UserView) -> ProgressView:
    wanted = an_id(mentoring_id)
    for view in await use_cases(request).show_progress(user.id):
        if view.mentoring.id == wanted:
            return view
    raise MentoringNotFound()


def _page(request: AnyRequest) -> PageRequest:
    before, after = request.query_params.get("before"), request.query_params.get("after")
    for name, raw in (("before", before), ("after", after)):
        if raw is not None and not (raw.isascii() and raw.isdigit() and len(raw) < 19):
            raise InvalidInput(name, f"{name} must be a message id.")
    return PageRequest(
        limit=CHAT_PAGE,
        before=MessageId(int(before)) if before else None,
        after=MessageId(int(after)) if after is not None else None,
    )


def _last_id(page: MessagePageView, fallback: int = 0) -> int:
    return page.messages[-1].id if page.messages else fallback


@get("/mentorings/{mentoring_id:int}", name="web-mentoring")
async def mentoring_page(request: AnyRequest, mentoring_id: PathId) -> Template:
    user = signed_in(request)
    view = await _progress(request, mentoring_id, user)
    mentorat = use_cases(request)
    page = _page(request)
    chat = await mentorat.list_messages(ListMessagesQuery(view.mentoring.id, user.id, page))
    goals = await mentorat.list_goals(ListGoalsQuery(view.mentoring.id, user.id))
    other = view.mentee if view.mentor.id == user.id else view.mentor
    if page.before is None and chat.messages:
        await mentorat.mark_chat_read(
            MarkReadCommand(view.mentoring.id, user.id, chat.messages[-1].id)
        )
    today = date.today()
    return render(
        request,
        "mentoring.html",
        view=view,
        mentoring_id=view.mentoring.id,
        other=other,
        chat=chat,
        newest=page.before is None and chat.newer_cursor is None,
        last_id=_last_id(chat),
        goals=goals,
        month=month_of(today, view.mentoring.start_date, view.mentoring.end_date),
        open=view.mentoring.status.is_open,
    )


@get("/mentorings/{mentoring_id:int}/messages", name="web-messages")
async def messages_fragment(request: AnyRequest, mentoring_id: PathId) -> Template:
    """For htmx: the older page before `before` (in place of its link), or the messages
    after `after` (appended to the chat, with the poller that asks for the next ones)."""
    user = signed_in(request)
    page = _page(request)
    view = await _progress(request, mentoring_id, user)
    chat = await use_cases(request).list_messages(
        ListMessagesQuery(view.mentoring.id, user.id, page)
    )
    other = view.mentee if view.mentor.id == user.id else view.mentor
    if page.after is not None:
        if chat.messages:
            await use_cases(request).mark_chat_read(
                MarkReadCommand(view.mentoring.id, user.id, chat.messages[-1].id)
            )
        return render(
            request,
            "_newer.html",
            chat=chat,
            other=other,
            mentoring_id=mentoring_id,
            last_id=_last_id(chat, page.after),
        )
    return render(request, "_older.html", chat=chat, other=other, mentoring_id=mentoring_id)


@post("/mentorings/{mentoring_id:int}/messages", name="web-post-message")
async def post_message(request: AnyRequest, mentoring_id: PathId) -> Response[Any]:
    user = signed_in(request)
    form = await form_of(request)
    await use_cases(request).post_message(
        PostMessageCommand(MentoringId(an_id(mentoring_id)), user.id, text(form, "message"))
    )
    if "hx-request" in request.headers:
        return Response(b"", status_code=204)  # the poller brings it, as it does the other's
    return redirect(request, f"/mentorings/{mentoring_id}#chat")


@post("/mentorings/{mentoring_id:int}/goals", name="web-add-goal")
async def add_goal(request: AnyRequest, mentoring_id: PathId) -> Response[Any]:
    user = signed_in(request)
    form = await form_of(request)
    await use_cases(request).add_goal(
        AddGoalCommand(
            MentoringId(an_id(mentoring_id)),
            user.id,
            text(form, "title"),
            due_date=maybe_date(form, "due_date"),
        )
    )
    return redirect(request, f"/mentorings/{mentoring_id}#goals")


@post("/mentorings/{mentoring_id:int}/goals/{goal_id:int}", name="web-tick-goal")
async def tick_goal(request: AnyRequest, mentoring_id: PathId, goal_id: PathId) -> Response[Any]:
    user = signed_in(request)
    form = await form_of(request)
    await use_cases(request).edit_goal(
        EditGoalCommand(
            MentoringId(an_id(mentoring_id)),
            GoalId(an_id(goal_id)),
            user.id,
            GoalEdit(done=text(form, "done") == "true"),
        )
    )
    return redirect(request, f"/mentorings/{mentoring_id}#goals")


@post("/mentorings/{mentoring_id:int}/end", name="web-end")
async def end(request: AnyRequest, mentoring_id: PathId) -> Response[Any]:
    user = signed_in(request)
    form = await form_of(request)
    ending = text(form, "ending")
    if ending not in (Ending.COMPLETED, Ending.CANCELLED):
        raise InvalidInput("ending", "ending must be completed or cancelled.")
    await use_cases(request).end_mentoring(
        EndCommand(
            MentoringId(an_id(mentoring_id)),
            user.id,
            Ending(ending),
            reason=text(form, "reason") or None,
        )
    )
    return redirect(request, f"/mentorings/{mentoring_id}")


PAGES = [mentoring_page, messages_fragment, post_message, add_goal, tick_goal, end]
