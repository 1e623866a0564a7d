"""The log formats: JSON lines and text, request ids on records, one configuration for uvicorn."""

from __future__ import annotations

import io
import json
import logging
import os
import select
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorat.adapters.http.server import ServerOptions
from mentorat.logs import (
    AccessEntry,
    JsonFormatter,
    LineHandler,
    RequestIdFilter,
    TextFormatter,
    access_record,
    access_records,
    request_id,
    utc_time,
    whole_lines,
)


@pytest.fixture
def record() -> Iterator[logging.LogRecord]:
    token = request_id.set("rid-1")
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            made = logging.LogRecord(
                "mentorat.test", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info()
            )
        RequestIdFilter().filter(made)
        made.route = "/x/{id}"
        yield made
    finally:
        request_id.reset(token)


def test_a_json_line_holds_the_fields_the_request_id_and_the_extras(
    record: logging.LogRecord,
) -> None:
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["message"]) == (
        "ERROR",
        "mentorat.test",
        "failed here",
    )
    assert (line["request_id"], line["route"]) == ("rid-1", "/x/{id}")
    assert line["time"].endswith("+00:00")
    assert "RuntimeError: boom" in line["exc"]
    assert "\n" not in JsonFormatter().format(record)


def test_a_text_line_shows_the_request_id_in_brackets(record: logging.LogRecord) -> None:
    text = TextFormatter().format(record)
    assert " ERROR mentorat.test [rid-1]: failed here" in text
    assert "Traceback" in text


def test_without_tracebacks_an_error_stays_one_line(record: logging.LogRecord) -> None:
    assert "\n" not in TextFormatter(tracebacks=False).format(record)
    assert "exc" not in json.loads(JsonFormatter(tracebacks=False).format(record))


def test_a_line_outside_a_request_has_no_request_id() -> None:
    made = logging.LogRecord("mentorat", logging.INFO, __file__, 1, "started", (), None)
    RequestIdFilter().filter(made)
    assert "request_id" not in json.loads(JsonFormatter().format(made))
    assert "[" not in TextFormatter().format(made)


def test_uvicorn_gets_mentorats_configuration_and_no_access_log_of_its_own() -> None:
    options = ServerOptions(host="127.0.0.1", port=0, workers=1, access_log=True, log_format="text")
    config = options.uvicorn()
    assert config["access_log"] is False
    log_config = config["log_config"]
    assert log_config["loggers"]["mentorat.access"]["level"] == "INFO"
    assert log_config["loggers"]["uvicorn.error"] == {
        "handlers": [],
        "propagate": True,
        "level": "INFO",
    }
    assert log_config["formatters"]["mentorat"]["()"] is TextFormatter
    # The root's one handler writes everything, uvicorn's lines included (tests/e2e runs it).
    assert log_config["root"]["handlers"] == ["stderr"]
    assert log_config["handlers"]["stderr"]["filters"] == ["request_id"]


def test_a_lone_surrogate_is_escaped_not_lost() -> None:
    record = logging.LogRecord("mentorat", logging.WARNING, __file__, 1, "odd name %s", None, None)
    record.args = ("a\udc80b",)
    line = JsonFormatter().format(record)
    assert json.loads(line)["message"] == "odd name a\udc80b"


# --- the access log's records: many requests, a line each -------------------------------------

ENTRIES = [
    AccessEntry(1764930000.123, "rid-a", "GET", "/auth/me", 200, 1.5, 7),
    AccessEntry(1764930000.9996, "rid-b", "POST", "/api/mentoring/{id}/goals", 201, 12.25, 8),
    AccessEntry(1764930061.05, "0" * 32, "GET", "(no route)", 404, 0.31, None),
]


def access(entries: list[AccessEntry] = ENTRIES) -> logging.LogRecord:
    return access_record(logging.getLogger("mentorat.access"), entries)


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_an_access_record_is_written_as_a_record_per_request_would_be(
    formatter: logging.Formatter,
) -> None:
    record = access()
    one_by_one = [formatter.format(each) for each in access_records(record)]
    assert formatter.format(record).split("\n") == one_by_one
    assert len(one_by_one) == len(ENTRIES)


def test_each_access_line_has_its_own_time_request_id_and_fields() -> None:
    lines = [json.loads(line) for line in JsonFormatter().format(access()).split("\n")]
    assert [line["time"] for line in lines] == [
        "2025-12-05T10:20:00.123+00:00",
        "2025-12-05T10:20:00.999+00:00",
        "2025-12-05T10:21:01.050+00:00",
    ]
    assert lines[1] == {
        "time": "2025-12-05T10:20:00.999+00:00",
        "level": "INFO",
        "logger": "mentorat.access",
        "message": "POST /api/mentoring/{id}/goals 201 12.25 ms",
        "pid": os.getpid(),
        "request_id": "rid-b",
        "method": "POST",
        "route": "/api/mentoring/{id}/goals",
        "status": 201,
        "duration_ms": 12.25,
        "user_id": 8,
    }
    assert lines[2]["user_id"] is None
    assert [line["request_id"] for line in lines] == ["rid-a", "rid-b", "0" * 32]


def test_another_formatter_still_gets_every_request_of_an_access_record() -> None:
    text = logging.Formatter("%(levelname)s %(message)s").format(access())
    assert text.splitlines() == [
        "INFO GET /auth/me 200 1.50 ms request_id=rid-a user_id=7",
        "POST /api/mentoring/{id}/goals 201 12.25 ms request_id=rid-b user_id=8",
        f"GET (no route) 404 0.31 ms request_id={'0' * 32} user_id=None",
    ]


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_the_time_of_a_line_is_iso_8601_utc_to_the_millisecond(milliseconds: int) -> None:
    expected = datetime.fromtimestamp(milliseconds / 1000, UTC).isoformat(timespec="milliseconds")
    assert utc_time(milliseconds / 1000 + 0.0004) == expected


class Writes(io.StringIO):
    """A stream that keeps each flushed write apart, as a pipe receives them."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def flush(self) -> None:
        written = self.getvalue()
        if written:
            self.writes.append(written)
            self.seek(0)
            self.truncate()


def test_the_handler_writes_whole_lines_at_most_pipe_buf_at_a_time() -> None:
    stream = Writes()
    handler = LineHandler(stream)
    handler.setFormatter(JsonFormatter())
    entries = [e._replace(request_id=f"rid-{i}") for i in range(200) for e in ENTRIES[:1]]
    handler.handle(access(entries))
    assert len(stream.writes) > 1
    assert all(len(w) <= select.PIPE_BUF and w.endswith("\n") for w in stream.writes)
    lines = "".join(stream.writes).splitlines()
    assert [json.loads(line)["request_id"] for line in lines] == [f"rid-{i}" for i in range(200)]


def test_any_other_record_is_one_write_however_long() -> None:
    stream = Writes()
    handler = LineHandler(stream)
    handler.setFormatter(TextFormatter())
    long_text = "\n".join(f"  frame {i}: " + "x" * 60 for i in range(200))
    handler.handle(logging.LogRecord("mentorat", logging.ERROR, __file__, 1, long_text, None, None))
    [write] = stream.writes
    assert len(write) > select.PIPE_BUF


@given(st.lists(st.text(st.characters(exclude_characters="\n"), max_size=40), min_size=1))
def test_whole_lines_cuts_only_between_lines_and_loses_nothing(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    pieces = list(whole_lines(text, 32))
    assert "".join(pieces) == text
    for piece in pieces:
        assert piece.endswith("\n")
        assert len(piece) <= 32 or piece.count("\n") == 1


def test_an_access_line_with_a_lone_surrogate_is_escaped_not_lost() -> None:
    odd = ENTRIES[0]._replace(route="/a\udc80b")
    [line] = JsonFormatter().format(access([odd])).split("\n")
    assert json.loads(line)["route"] == "/a\udc80b"
