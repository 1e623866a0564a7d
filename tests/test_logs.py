"""The log formats: JSON lines and text, request ids on records, one configuration for uvicorn."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest

from mentorat.adapters.http.server import ServerOptions
from mentorat.logs import JsonFormatter, RequestIdFilter, TextFormatter, request_id


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
