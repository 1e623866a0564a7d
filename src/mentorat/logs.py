"""Log lines in one format for mentorat and its server: JSON lines or text, with request ids.

`logging_config` is a `logging.config.dictConfig` dictionary: the CLI applies it, and
`mentorat serve` hands the same one to uvicorn (its documented `log_config`), so uvicorn's
loggers write through the same handler as mentorat's. The standard library is enough here: the
only structure mentorat adds to a record is a few `extra` fields and the request id, which a
filter on the handler copies from a context variable set by the HTTP edge.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final, Literal

import msgspec

LogFormat = Literal["json", "text"]
LOG_FORMATS: Final = ("json", "text")

# The id of the request being served in this task; None outside a request.
request_id: ContextVar[str | None] = ContextVar("mentorat_request_id", default=None)

# A LogRecord's own attributes: anything else on a record came from `extra=` and is logged.
_RECORD_KEYS: Final = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
    "taskName",
}


def default_format() -> LogFormat:
    """Text for a person at a terminal, JSON lines for whatever collects stderr otherwise."""
    return "text" if sys.stderr.isatty() else "json"


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request's id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _RECORD_KEYS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ms), level, logger, message, pid, request_id, and
    the record's `extra` fields (the access line's method, route, status, duration_ms, user_id)."""

    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__()
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # Which worker: a server's lines interleave.
            "pid": record.process,
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            line["request_id"] = rid
        line.update(_extra(record))
        if self._tracebacks and record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if self._tracebacks and record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        try:
            return msgspec.json.encode(line, enc_hook=str).decode()
        except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot hold: escaped
            return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message`, for reading at a terminal."""

    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        record.__dict__["rid"] = f" [{rid}]" if rid else ""
        try:
            return super().format(record)
        finally:
            del record.__dict__["rid"]

    def formatException(self, ei: Any) -> str:  # noqa: N802 (the stdlib's name)
        return super().formatException(ei) if self._tracebacks else ""

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return super().formatStack(stack_info) if self._tracebacks else ""


def logging_config(
    level: str,
    log_format: LogFormat,
    *,
    access_log: bool = True,
    tracebacks: bool = True,
) -> dict[str, Any]:
    """A dictConfig for mentorat's and uvicorn's loggers: one stderr handler, one format.

    `access_log`: whether `mentorat.access` writes a line per request (uvicorn's own access
    log stays off: mentorat's line carries the route, the user and the request id).
    """
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"mentorat": {"()": formatter, "tracebacks": tracebacks}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["request_id"],
                "formatter": "mentorat",
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "mentorat": {"level": level},
            "mentorat.access": {"level": "INFO" if access_log else "WARNING"},
            # uvicorn's loggers write through the root's handler.
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }
