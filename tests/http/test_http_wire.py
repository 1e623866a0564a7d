"""The served protocol writes header names in the case the original Django API used."""

from __future__ import annotations

import asyncio

import pytest

from mentorat.adapters.http.wire import _ResponseTransport, canonical, recase_head


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (b"www-authenticate", b"WWW-Authenticate"),
        (b"retry-after", b"Retry-After"),
        (b"link", b"Link"),
        (b"content-type", b"Content-Type"),
        (b"access-control-allow-origin", b"Access-Control-Allow-Origin"),
        (b"etag", b"ETag"),
    ],
)
def test_header_names_get_their_canonical_case(name: bytes, expected: bytes) -> None:
    assert canonical(name) == expected


def test_a_response_head_is_recased_and_values_are_left_alone() -> None:
    head = (
        b"HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Bearer\r\n"
        b'link: <http://x/?a=b>; rel="prev"\r\ncontent-length: 2\r\n\r\n'
    )
    assert recase_head(head) == (
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n"
        b'Link: <http://x/?a=b>; rel="prev"\r\nContent-Length: 2\r\n\r\n'
    )


class _Sink:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0


HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n"
RECASED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"


async def test_a_head_is_recased_and_sent_with_its_body_in_one_write() -> None:
    sink = _Sink()
    transport = _ResponseTransport(sink, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(HEAD)
    assert sink.written == []
    assert transport.get_write_buffer_size() == len(RECASED)
    transport.write(b'{"detail": "retry-after: x\r\n\r\n"}')
    assert sink.written == [RECASED + b'{"detail": "retry-after: x\r\n\r\n"}']
    # Bodies pass through untouched, even one that looks like a header line.
    transport.write(b"more")
    assert sink.written[1:] == [b"more"]
    assert transport.is_closing() is False


async def test_a_head_whose_body_does_not_come_leaves_at_the_end_of_the_loop_turn() -> None:
    sink = _Sink()
    transport = _ResponseTransport(sink, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(HEAD)
    await asyncio.sleep(0)
    assert sink.written == [RECASED]
    transport.write(b"{}")
    assert sink.written == [RECASED, b"{}"]


async def test_closing_sends_a_held_head_first() -> None:
    sink = _Sink()
    transport = _ResponseTransport(sink, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(HEAD)
    transport.close()
    assert sink.written == [RECASED]
    assert sink.closed
    await asyncio.sleep(0)  # the end-of-turn flush finds nothing left to send
    assert sink.written == [RECASED]


async def test_an_interim_response_is_sent_at_once() -> None:
    # The client waits for "100 Continue" before it sends the body the app waits for.
    sink = _Sink()
    transport = _ResponseTransport(sink, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert sink.written == [b"HTTP/1.1 100 Continue\r\n\r\n"]


async def test_writelines_keeps_the_order_of_a_held_head() -> None:
    sink = _Sink()
    transport = _ResponseTransport(sink, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(HEAD)
    transport.writelines([b"[", bytearray(b"1"), memoryview(b"]")])
    assert sink.written == [RECASED + b"[1]"]
