"""Log lines in one format for mentorat and its server: JSON lines or text, with request ids.

`logging_config` is a `logging.config.dictConfig` dictionary: the CLI applies it, and
`mentorat serve` hands the same one to uvicorn (its documented `log_config`), so uvicorn's
loggers write through the same handler as mentorat's. The standard library is enough here: the
only structure mentorat adds to a record is a few `extra` fields and the request id, which a
filter on the handler copies from a context variable set by the HTTP edge.

The access log is the one exception to a record per line: the HTTP edge hands the lines of many
requests to `mentorat.access` as one record (`access_record`), which mentorat's formatters
write as one line per request, each with its own time and request id, exactly as a record per
request would be written. A line costs a few µs that way instead of tens (docs/performance.md).
"""

from __future__ import annotations

import functools
import json
import logging
import select
import sys
import time
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any, Final, Literal, NamedTuple, TextIO

import msgspec

LogFormat = Literal["json", "text"]
LOG_FORMATS: Final = ("json", "text")

# The id of the request being served in this task; None outside a request.
request_id: ContextVar[str | None] = ContextVar("mentorat_request_id", default=None)

# The extra attribute of an access record that holds its requests.
ACCESS_ENTRIES: Final = "access_entries"
_ENCODER: Final = msgspec.json.Encoder(enc_hook=str)

# A LogRecord's own attributes: anything else on a record came from `extra=` and is logged.
_RECORD_KEYS: Final = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
    "taskName",
    ACCESS_ENTRIES,
}


class AccessEntry(NamedTuple):
    """One answered request, as the access log tells it."""

    # When its answer ended, in seconds since the epoch.
    time: float
    request_id: str
    method: str
    # The route's template (never the raw path, whose ids would split the lines' groups).
    route: str
    status: int
    duration_ms: float
    user_id: int | None

    def message(self) -> str:
        return f"{self.method} {self.route} {self.status} {self.duration_ms:.2f} ms"

    def extra(self) -> dict[str, Any]:
        """The fields a line has beside the message, in the order they are written."""
        return {
            "method": self.method,
            "route": self.route,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "user_id": self.user_id,
        }


class _Requests:
    """An access record's message for a formatter that is not mentorat's: a line per request,
    made only if that formatter asks for it."""

    __slots__ = ("entries",)

    def __init__(self, entries: Sequence[AccessEntry]) -> None:
        self.entries = entries

    def __str__(self) -> str:
        return "\n".join(
            f"{e.message()} request_id={e.request_id} user_id={e.user_id}" for e in self.entries
        )


def access_record(logger: logging.Logger, entries: Sequence[AccessEntry]) -> logging.LogRecord:
    """One INFO record for the lines of `entries`, to hand to `logger.handle`."""
    return logger.makeRecord(
        logger.name,
        logging.INFO,
        __file__,
        0,
        "%s",
        (_Requests(entries),),
        None,
        extra={ACCESS_ENTRIES: entries},
    )


def access_records(record: logging.LogRecord) -> Iterator[logging.LogRecord]:
    """The record of each request of an access record: what logging a request at a time would
    have made."""
    entries: Sequence[AccessEntry] = getattr(record, ACCESS_ENTRIES)
    for entry in entries:
        yield logging.makeLogRecord(
            {
                **record.__dict__,
                ACCESS_ENTRIES: None,
                "msg": entry.message(),
                "args": None,
                "created": entry.time,
                "msecs": float(int(entry.time * 1000) % 1000),
                "request_id": entry.request_id,
                **entry.extra(),
            }
        )


def utc_time(created: float) -> str:
    """`created` (seconds since the epoch) in ISO 8601, UTC, to the millisecond."""
    whole, ms = divmod(int(created * 1000), 1000)
    return f"{_utc_second(whole)}.{ms:03d}+00:00"


@functools.lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    # Made once a second rather than once a line: a few µs each.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


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


class _AccessLine(msgspec.Struct):
    """An access line's fields, in the order `JsonFormatter.format` writes a record's: a struct
    is made and encoded in half the time of a dict."""

    time: str
    level: str
    logger: str
    message: str
    pid: int | None
    request_id: str
    method: str
    route: str
    status: int
    duration_ms: float
    user_id: int | None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ms), level, logger, message, pid, request_id, and
    the record's `extra` fields (the access line's method, route, status, duration_ms, user_id)."""

    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__()
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, ACCESS_ENTRIES, None) is not None:
            return self._access_lines(record)
        line: dict[str, Any] = {
            "time": utc_time(record.created),
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
            return _ENCODER.encode(line).decode()
        except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot hold: escaped
            return json.dumps(line, default=str)

    def _access_lines(self, record: logging.LogRecord) -> str:
        """What `format` makes of each of `access_records(record)`, a line each, made in one go."""
        entries: Sequence[AccessEntry] = getattr(record, ACCESS_ENTRIES)
        level, name, pid = record.levelname, record.name, record.process
        lines = [
            _AccessLine(
                utc_time(e.time),
                level,
                name,
                e.message(),
                pid,
                e.request_id,
                e.method,
                e.route,
                e.status,
                e.duration_ms,
                e.user_id,
            )
            for e in entries
        ]
        try:
            # Each line ends with a newline; the handler adds the last one.
            return _ENCODER.encode_lines(lines)[:-1].decode()
        except UnicodeEncodeError:
            return "\n".join(json.dumps(msgspec.to_builtins(line)) for line in lines)


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message`, for reading at a terminal."""

    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, ACCESS_ENTRIES, None) is not None:
            return "\n".join(self.format(each) for each in access_records(record))
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


class LineHandler(logging.StreamHandler[TextIO]):
    """A `StreamHandler` that writes an access record's lines in pieces of whole lines, each at
    most `select.PIPE_BUF` bytes: a pipe keeps such a write in one piece, so the lines of the
    workers that share stderr never mix within a line. (The access line's fields are ASCII: its
    characters are its bytes.) Any other record is written as StreamHandler writes it."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, ACCESS_ENTRIES, None) is None:
            super().emit(record)
            return
        try:
            text = self.format(record) + self.terminator
            for piece in whole_lines(text, select.PIPE_BUF):
                self.stream.write(piece)
                self.stream.flush()
        except RecursionError:  # as StreamHandler.emit
            raise
        except Exception:
            self.handleError(record)


def whole_lines(text: str, limit: int) -> Iterator[str]:
    """`text` in consecutive pieces of whole lines, each at most `limit` characters long when
    its first line is."""
    start, end = 0, len(text)
    while end - start > limit:
        cut = text.rfind("\n", start, start + limit) + 1
        if cut <= start:  # the next line alone is longer than `limit`
            cut = text.find("\n", start + limit) + 1 or end
        yield text[start:cut]
        start = cut
    if start < end:
        yield text[start:]


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
                "class": "mentorat.logs.LineHandler",
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
