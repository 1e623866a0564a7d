"""Finding a mentor: the directory (/api/mentors/) and suggestions (/api/mentors/suggested/)."""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Response, get
from litestar.params import Parameter

from mentorat.adapters.http.context import use_cases
from mentorat.adapters.http.controllers import (
    Authenticated,
    link_doc,
    link_header,
    query_choice,
    query_int,
    query_integer,
)
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.profile_schemas import (
    MentorCardOut,
    SuggestionOut,
    card_out,
    suggestion_out,
)
from mentorat.application.find_mentors import SuggestQuery
from mentorat.domain.directory import PAGE_DEFAULT, PAGE_MAX, Cursor, DirectoryQuery
from mentorat.domain.errors import InvalidInput
from mentorat.domain.matching import SUGGESTIONS_MAX

TAGS = ["mentors"]
PATH: Final = "/api/mentors/"
LINK: Final = link_doc('RFC 8288: rel="next" when more mentors match.')
_BOOLEANS: Final = {"true": True, "false": False}


@get(
    PATH,
    operation_id="searchMentors",
    summary="The mentor directory: search and filter mentors, most relevant first",
    tags=TAGS,
    response_headers=[LINK],
    responses=error_responses(400, 401, 503),
)
async def search_mentors(
    request: Authenticated,
    q: Annotated[
        str | None,
        Parameter(
            description="Words to find in names, bio and skills (accents and case ignored; "
            "each word may be the start of a longer one).",
            max_length=200,
        ),
    ] = None,
    skill: Annotated[
        list[str] | None,
        Parameter(description="A skill every mentor listed has (repeatable: all must match)."),
    ] = None,
    language: Annotated[
        list[str] | None,
        Parameter(description="An ISO 639-1 code every mentor listed speaks (repeatable)."),
    ] = None,
    available: Annotated[
        str | None,
        Parameter(
            description="true: only mentors accepting requests with a place left; false: the "
            "others.",
            schema_extra=query_choice("true", "false"),
        ),
    ] = None,
    limit: Annotated[
        str | None,
        Parameter(
            description=f"How many mentors, 1-{PAGE_MAX} (default {PAGE_DEFAULT}).",
            schema_extra=query_integer(1, PAGE_MAX),
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Parameter(description="Where the page starts: the value a previous page's Link gave."),
    ] = None,
) -> Response[list[MentorCardOut]]:
    """The body is a plain array; the next page's address is in the `Link` header."""
    if available and available not in _BOOLEANS:
        raise InvalidInput("available", "available must be true or false.")
    size = query_int("limit", limit)
    query = DirectoryQuery.build(
        q=q or "",
        skills=[s for s in skill or () if s],
        languages=[code for code in language or () if code],
        available=_BOOLEANS[available] if available else None,
        limit=PAGE_DEFAULT if size is None else size,
        after=Cursor.decode(cursor) if cursor else None,
    )
    page = await use_cases(request).search_mentors(query)
    body = [card_out(card) for card in page.cards]
    asked = {"q": q, "skill": skill, "language": language, "available": available}
    kept: dict[str, object] = {name: value for name, value in asked.items() if value}
    rels = {} if page.next is None else {"next": {"cursor": page.next.encode()}}
    headers = link_header(request, "api/mentors/", {**kept, "limit": query.limit}, rels)
    return Response(body, headers=headers)


@get(
    f"{PATH}suggested/",
    operation_id="suggestMentors",
    summary="The mentors who suit the caller best, each with a score and its reasons",
    tags=TAGS,
    responses=error_responses(400, 401, 503),
)
async def suggested_mentors(
    request: Authenticated,
    limit: Annotated[
        str | None,
        Parameter(
            description=f"How many mentors, 1-{SUGGESTIONS_MAX} (default {SUGGESTIONS_MAX}).",
            schema_extra=query_integer(1, SUGGESTIONS_MAX),
        ),
    ] = None,
) -> list[SuggestionOut]:
    """Never the caller, a mentor who is full or not accepting requests, or a mentor the
    caller already has a pending or active mentoring with."""
    size = query_int("limit", limit)
    if size is not None and not 1 <= size <= SUGGESTIONS_MAX:
        raise InvalidInput("limit", f"limit must be an integer between 1 and {SUGGESTIONS_MAX}.")
    found = await use_cases(request).suggest_mentors(
        SuggestQuery(request.user.id, SUGGESTIONS_MAX if size is None else size)
    )
    return [suggestion_out(s) for s in found]


PROTECTED = [search_mentors, suggested_mentors]
