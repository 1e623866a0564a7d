"""Reading Django's users: from `manage.py dumpdata auth.user` (or the custom user model, such as
the original service's `core.user`) as JSON, or straight from its PostgreSQL database."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from mentorat.application.import_accounts import ImportedAccount

# Django's AbstractUser, then what the original service added (when its table has them).
_COLUMNS = (
    "id",
    "username",
    "password",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "date_joined",
)
_EXTRA = ("is_mentor", "phone_number", "is_verified")


class SourceError(Exception):
    """The source cannot be read as Django users."""


def _moment(raw: Any) -> datetime:
    moment = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _account(user_id: Any, fields: Mapping[str, Any]) -> ImportedAccount:
    try:
        return ImportedAccount(
            id=int(user_id),
            username=str(fields["username"]),
            password=str(fields.get("password") or ""),
            email=str(fields.get("email") or ""),
            first_name=str(fields.get("first_name") or ""),
            last_name=str(fields.get("last_name") or ""),
            is_active=bool(fields.get("is_active", True)),
            joined_at=_moment(fields["date_joined"]),
            is_mentor=bool(fields.get("is_mentor", False)),
            phone_number=fields.get("phone_number") or None,
            is_verified=bool(fields.get("is_verified", False)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SourceError(f"user {user_id!r}: {error}") from None


def read_dump(path: Path) -> list[ImportedAccount]:
    """The users of a `dumpdata` JSON file: every object whose model is a user model."""
    try:
        objects = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SourceError(f"{path}: {error}") from None
    if not isinstance(objects, list):
        raise SourceError(f"{path}: not a dumpdata list of objects")
    return sorted(
        (
            _account(item.get("pk"), item.get("fields") or {})
            for item in objects
            if isinstance(item, dict) and str(item.get("model", "")).endswith(".user")
        ),
        key=lambda account: account.id,
    )


def read_database(url: str, table: str = "auth_user") -> list[ImportedAccount]:
    """The users of the Django database at `url` (PostgreSQL), from `table`."""
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            present = {
                row[0]
                for row in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                    (table,),
                )
            }
            if not set(_COLUMNS) <= present:
                raise SourceError(f"table {table!r} lacks Django's user columns")
            wanted = [*_COLUMNS, *(c for c in _EXTRA if c in present)]
            query = sql.SQL("SELECT {} FROM {} ORDER BY id").format(
                sql.SQL(", ").join(map(sql.Identifier, wanted)), sql.Identifier(table)
            )
            rows = conn.execute(query).fetchall()
    except psycopg.Error as error:
        raise SourceError(f"the Django database did not answer: {error}") from None
    return [_account(row[0], dict(zip(wanted, row, strict=True))) for row in rows]
