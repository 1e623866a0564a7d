"""The mentor directory in SQL: `application.ports.MentorDirectory` on `users` + `profiles`.

A query word must start a word of the mentor's `search_text` (the full-text index decides:
PostgreSQL's GIN index over the words as they are, SQLite's FTS5 table); relevance then weighs
where each word is found, with LIKE over the words of each field (`' ' || words LIKE '% w%'`:
a word that starts with w), which both databases evaluate alike. Tags and language codes are
matched whole in their comma-joined lists. Statements are built once per shape of query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from mentorat.adapters.sql.mapping import (
    PROFILE_COLUMNS,
    PROFILE_WIDTH,
    STANDING_FIELDS,
    Row,
    profile_from_row,
    standing_from_row,
)
from mentorat.adapters.sql.statements import Runner, Statement
from mentorat.adapters.sql.tables import Id, profiles, users
from mentorat.domain.directory import (
    BIO_WEIGHT,
    NAME_WEIGHT,
    SKILL_WEIGHT,
    Cursor,
    DirectoryPage,
    DirectoryQuery,
    MentorCard,
)
from mentorat.domain.profiles import search_terms
from mentorat.domain.users import UserId

# What a page of cards reads from `profiles` alone (the ranking runs on it); the owners'
# names are joined in for the rows of the page only.
_PROFILE_PART: Final = (*PROFILE_COLUMNS, *(profiles.c[name] for name in STANDING_FIELDS))
_PROFILE_AT: Final = 5
_STANDING_AT: Final = _PROFILE_AT + PROFILE_WIDTH
_LISTED: Final = profiles.c.listed
_AVAILABLE: Final = profiles.c.available
_SPACE: Final[ColumnElement[str]] = literal_column("' '", String)
_COMMA: Final[ColumnElement[str]] = literal_column("','", String)


def _has_word_starting(words: ColumnElement[str], name: str) -> ColumnElement[bool]:
    return (_SPACE + words).like(bindparam(name))


def _has_tag(tags: ColumnElement[str], name: str) -> ColumnElement[bool]:
    return (_COMMA + tags + _COMMA).like(bindparam(name))


def _relevance(terms: int) -> ColumnElement[Any]:
    weights = (
        (profiles.c.skills_text, SKILL_WEIGHT),
        (profiles.c.names_text, NAME_WEIGHT),
        (profiles.c.bio_text, BIO_WEIGHT),
    )
    return _total(
        case((_has_word_starting(words, f"t{i}"), weight), else_=0)
        for i in range(terms)
        for words, weight in weights
    )


def _total(parts: Iterable[ColumnElement[Any]]) -> ColumnElement[Any]:
    total: ColumnElement[Any] = literal(0, Integer)
    for part in parts:
        total = total + part
    return total


# Each database's full-text match of :pg_words / :fts_words (see `_words_query`).
# Spelled as the index's expression (tables.SEARCH_VECTOR), so PostgreSQL answers from it.
_PG_MATCH: Final[ColumnElement[bool]] = func.array_to_tsvector(
    func.string_to_array(profiles.c.search_text, _SPACE)
).bool_op("@@")(cast(bindparam("pg_words", type_=String), TSQUERY))
_FTS_MATCH: Final = profiles.c.user_id.in_(
    text("SELECT rowid FROM profiles_search WHERE profiles_search MATCH :fts_words").columns(
        column("rowid", Integer)
    )
)


def _with_owners(page: Any, order: Sequence[ColumnElement[Any]]) -> Any:
    """The cards of `page` (a subquery of `_PROFILE_PART` and a last `rank` or `overlap`
    column): each with its owner's names, in `order`."""
    return (
        select(
            users.c.id,
            users.c.username,
            users.c.first_name,
            users.c.last_name,
            users.c.is_verified,
            *(page.c[column.name] for column in _PROFILE_PART),
            page.c[page.c.keys()[-1]],
        )
        .join_from(page, users, users.c.id == page.c.user_id)
        .order_by(*order)
    )


@cache
def _search(
    terms: int, skills: int, languages: int, available: bool | None, after: bool
) -> Statement:
    """The statement of every query of this shape: the page ranked on `profiles` alone."""

    def build(match: ColumnElement[bool] | None) -> Any:
        where: list[ColumnElement[bool]] = [_LISTED]
        if match is not None:
            where.append(match)
        where += [_has_tag(profiles.c.skills, f"s{i}") for i in range(skills)]
        where += [_has_tag(profiles.c.languages, f"l{i}") for i in range(languages)]
        if available is not None:
            where.append(_AVAILABLE if available else not_(_AVAILABLE))
        rank = _relevance(terms).label("rank")
        found = select(*_PROFILE_PART, rank).where(*where).subquery("found")
        page = select(*found.c)
        if after:
            after_rank = bindparam("after_rank", type_=Integer)
            after_id = bindparam("after_id", type_=Id)
            page = page.where(
                or_(
                    found.c.rank < after_rank,
                    and_(found.c.rank == after_rank, found.c.user_id > after_id),
                )
            )
        rows = (
            page.order_by(found.c.rank.desc(), found.c.user_id)
            .limit(bindparam("rows", type_=Integer))
            .subquery("page")
        )
        return _with_owners(rows, (rows.c.rank.desc(), rows.c.user_id))

    if not terms:
        return Statement(build(None))
    return Statement(build(_PG_MATCH), sqlite=build(_FTS_MATCH))


# SQLite's full-text match of any of the wanted tags' words (see `_tags_query`).
_FTS_ANY_TAG: Final = profiles.c.user_id.in_(
    text("SELECT rowid FROM profiles_search WHERE profiles_search MATCH :fts_tags").columns(
        column("rowid", Integer)
    )
)
_CANDIDATE: Final = and_(
    _LISTED, _AVAILABLE, profiles.c.user_id != bindparam("mentee_id", type_=Id)
)


def _overlap(wanted: int) -> ColumnElement[Any]:
    return _total(case((_has_tag(profiles.c.skills, f"s{i}"), 1), else_=0) for i in range(wanted))


# PostgreSQL counts shared tags in its postings of available mentors' skills (`mentor_skills`,
# kept by a trigger: see docs/persistence.md), reading that index alone.
_POSTINGS: Final = (
    text(
        "SELECT s.user_id, count(*) AS overlap FROM mentor_skills s"
        " WHERE s.skill = ANY(CAST(:wanted AS text[])) AND s.user_id <> :mentee_id"
        " GROUP BY s.user_id ORDER BY overlap DESC, s.user_id LIMIT :rows"
    )
    .columns(column("user_id", Id), column("overlap", Integer))
    .subquery("page")
)
_FROM_POSTINGS: Final = (
    select(
        users.c.id,
        users.c.username,
        users.c.first_name,
        users.c.last_name,
        users.c.is_verified,
        *_PROFILE_PART,
        _POSTINGS.c.overlap,
    )
    .join_from(_POSTINGS, profiles, profiles.c.user_id == _POSTINGS.c.user_id)
    .join(users, users.c.id == _POSTINGS.c.user_id)
    .order_by(_POSTINGS.c.overlap.desc(), _POSTINGS.c.user_id)
)


@cache
def _sharing(wanted: int) -> Statement:
    """Candidates with at least one wanted tag, the most first, then by id. On SQLite the
    full-text index finds who has every word of some tag, and LIKE counts whole tags."""
    found = (
        select(*_PROFILE_PART, _overlap(wanted).label("overlap"))
        .where(_CANDIDATE, _FTS_ANY_TAG)
        .subquery("found")
    )
    rows = (
        select(*found.c)
        .where(found.c.overlap > 0)
        .order_by(found.c.overlap.desc(), found.c.user_id)
        .limit(bindparam("rows", type_=Integer))
        .subquery("page")
    )
    return Statement(
        _FROM_POSTINGS, sqlite=_with_owners(rows, (rows.c.overlap.desc(), rows.c.user_id))
    )


@cache
def _sharing_none(wanted: int) -> Statement:
    """Candidates with none of the wanted tags, by id (the rest of the candidates' order)."""
    rows = (
        select(*_PROFILE_PART, literal(0, Integer).label("overlap"))
        .where(_CANDIDATE, _overlap(wanted) == 0)
        .order_by(profiles.c.user_id)
        .limit(bindparam("rows", type_=Integer))
        .subquery("page")
    )
    return Statement(_with_owners(rows, (rows.c.user_id,)))


def _tags_query(tags: Sequence[str]) -> dict[str, object]:
    """The wanted tags, as each database reads them: PostgreSQL's postings take the tags,
    SQLite's full-text match "every word of one of these tags" (exact words)."""
    words = [search_terms(tag) for tag in tags]
    return {
        "wanted": list(tags),
        "fts_tags": " OR ".join("(" + " AND ".join(f'"{w}"' for w in ws) + ")" for ws in words),
    }


def _words_query(terms: Sequence[str]) -> dict[str, str]:
    """Each database's spelling of "every term starts a word". Terms hold letters and digits
    only (`domain.profiles.search_terms`), so quoting them needs no escaping."""
    return {
        "pg_words": " & ".join(f"'{term}':*" for term in terms),
        "fts_words": " AND ".join(f'"{term}"*' for term in terms),
    }


def _card(row: Row, rank: int) -> MentorCard:
    standing = standing_from_row(row, _STANDING_AT)
    return MentorCard(
        user_id=UserId(row[0]),
        username=row[1],
        first_name=row[2],
        last_name=row[3],
        is_verified=row[4],
        profile=profile_from_row(row, _PROFILE_AT),
        active_mentees=standing.active_mentees,
        answer_time=standing.answer_time,
        rank=rank,
    )


class SqlMentorDirectory:
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def search(self, query: DirectoryQuery) -> DirectoryPage:
        params: dict[str, Any] = {"rows": query.limit + 1}
        if query.terms:
            params.update(_words_query(query.terms))
            params.update({f"t{i}": f"% {term}%" for i, term in enumerate(query.terms)})
        params.update({f"s{i}": f"%,{skill},%" for i, skill in enumerate(query.skills)})
        params.update({f"l{i}": f"%,{code},%" for i, code in enumerate(query.languages)})
        if query.after is not None:
            params.update(after_rank=query.after.rank, after_id=query.after.user_id)
        statement = _search(
            len(query.terms),
            len(query.skills),
            len(query.languages),
            query.available,
            query.after is not None,
        )
        rows = await self._run.rows(statement, params)
        cards = [_card(row, row[-1]) for row in rows[: query.limit]]
        more = len(rows) > query.limit
        return DirectoryPage(cards, Cursor(cards[-1].rank, cards[-1].user_id) if more else None)

    async def candidates(
        self, mentee_id: UserId, wanted_skills: Sequence[str], limit: int
    ) -> list[MentorCard]:
        params: dict[str, Any] = {"mentee_id": mentee_id, "rows": limit}
        params.update({f"s{i}": f"%,{skill},%" for i, skill in enumerate(wanted_skills)})
        found: list[Row] = []
        if wanted_skills:
            params.update(_tags_query(wanted_skills))
            found = await self._run.rows(_sharing(len(wanted_skills)), params)
        if len(found) < limit:
            params["rows"] = limit - len(found)
            found += await self._run.rows(_sharing_none(len(wanted_skills)), params)
        return [_card(row, 0) for row in found]
