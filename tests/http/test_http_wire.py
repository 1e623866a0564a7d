"""The served protocol writes header names in the case the original Django API used."""

from __future__ import annotations

import pytest

from mentorat.adapters.http.wire import _RecasingTransport, canonical, recase_head


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

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return False


def test_the_transport_recases_heads_only_and_passes_bodies_through_untouched() -> None:
    sink = _Sink()
    transport = _RecasingTransport(sink)  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n")
    transport.write(b'{"detail": "retry-after: x\\r\\n\\r\\n"}')
    assert sink.written == [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n",
        b'{"detail": "retry-after: x\\r\\n\\r\\n"}',
    ]
    assert transport.is_closing() is False
