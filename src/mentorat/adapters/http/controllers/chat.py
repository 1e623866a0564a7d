"""The chat of a mentoring: /api/mentoring/chat/{mentoring_id}/messages/ (GET pages, POST)."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get, post
from litestar.params import JSONBody, Parameter

from mentorat.adapters.http.context import use_cases
from mentorat.adapters.http.controllers import (
    ID_SCHEMA,
    Authenticated,
    link_doc,
    link_header,
    parse_id,
    query_int,
    query_integer,
)
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.idempotency import IdempotencyKeyParam, idempotency_of
from mentorat.adapters.http.schemas import MessageIn, MessageOut, ReadIn, ReadOut, message_out
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.mark_chat_read import MarkReadCommand
from mentorat.application.post_message import PostMessageCommand
from mentorat.domain.chat import ID_MAX, PAGE_DEFAULT, PAGE_MAX, PageRequest
from mentorat.domain.events import MessageId

TAGS = ["chat"]
PATH = "/api/mentoring/chat/{mentoring_id:str}/messages/"
MentoringIdParam = Annotated[
    str, Parameter(description="The mentoring's id.", schema_extra=ID_SCHEMA)
]
LINK = link_doc(
    'RFC 8288: rel="prev" (the next older page) exactly when older messages exist, '
    'rel="next" (the next newer page) exactly when newer ones exist.'
)


@get(
    PATH,
    operation_id="listMessages",
    summary="One page of the chat, oldest first (the newest 50 by default)",
    tags=TAGS,
    response_headers=[LINK],
    responses=error_responses(400, 401, 404, 503),
)
async def list_messages(
    request: Authenticated,
    mentoring_id: MentoringIdParam,
    limit: Annotated[
        str | None,
        Parameter(
            description=f"How many messages, 1-{PAGE_MAX} (default {PAGE_DEFAULT}).",
            schema_extra=query_integer(1, PAGE_MAX),
        ),
    ] = None,
    before: Annotated[
        str | None,
        Parameter(
            description="The `limit` messages just before this message id.",
            schema_extra=query_integer(1, ID_MAX),
        ),
    ] = None,
    after: Annotated[
        str | None,
        Parameter(
            description="The `limit` messages just after this message id (0: from the first).",
            schema_extra=query_integer(0, ID_MAX - 1),
        ),
    ] = None,
) -> Response[list[MessageOut]]:
    """Polling with `after` never skips a message; the body is always a plain array."""
    size = query_int("limit", limit)
    older = query_int("before", before)
    newer = query_int("after", after)
    page = PageRequest(
        limit=PAGE_DEFAULT if size is None else size,
        before=None if older is None else MessageId(older),
        after=None if newer is None else MessageId(newer),
    )
    chat_id = parse_id(mentoring_id)
    view = await use_cases(request).list_messages(ListMessagesQuery(chat_id, request.user.id, page))
    body = [message_out(m) for m in view.messages]
    rels: dict[str, dict[str, object]] = {}
    if view.older_cursor is not None:
        rels["prev"] = {"before": view.older_cursor}
    if view.newer_cursor is not None:
        rels["next"] = {"after": view.newer_cursor}
    path = f"api/mentoring/chat/{chat_id}/messages/"
    return Response(body, headers=link_header(request, path, {"limit": view.limit}, rels))


@post(
    PATH,
    operation_id="postMessage",
    summary="Post a message while the mentoring is pending or active",
    tags=TAGS,
    responses=error_responses(400, 401, 404, 409, 413, 415, 422, 503),
)
async def post_message(
    request: Authenticated,
    data: JSONBody[MessageIn],
    mentoring_id: MentoringIdParam,
    idempotency_key: Annotated[str | None, IdempotencyKeyParam] = None,
) -> MessageOut:
    """The text is stripped; empty or over 4000 characters is a 400."""
    key, fingerprint = await idempotency_of(request)
    view = await use_cases(request).post_message(
        PostMessageCommand(
            parse_id(mentoring_id),
            request.user.id,
            data.message,
            idempotency_key=key,
            fingerprint=fingerprint,
        )
    )
    return message_out(view)


@post(
    "/api/mentoring/chat/{mentoring_id:str}/read/",
    operation_id="markChatRead",
    summary="Mark the chat read up to a message (never moves back)",
    tags=TAGS,
    status_code=200,
    responses=error_responses(400, 401, 404, 413, 415, 422, 503),
)
async def mark_read(
    request: Authenticated, data: JSONBody[ReadIn], mentoring_id: MentoringIdParam
) -> ReadOut:
    """Read up to the chat's last message at or before `message_id`, unless the caller had
    read further; `unread` counts the messages after the mark. The caller's other devices
    hear of it on their event stream (`chat_read`)."""
    view = await use_cases(request).mark_chat_read(
        MarkReadCommand(parse_id(mentoring_id), request.user.id, MessageId(data.message_id))
    )
    return ReadOut(view.mentoring_id, view.message_id, view.unread)


PROTECTED = [list_messages, post_message, mark_read]
