"""`wire_time` lets msgspec write most timestamps: the text must be `timestamp`'s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from mentorat.adapters.http.schemas import MessageOut, timestamp, wire_time

zones = st.sampled_from(
    [UTC, UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)
moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=zones
) | st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30))


@given(moments)
def test_wire_time_encodes_exactly_as_the_formatted_timestamp(moment: datetime) -> None:
    assert wire_time(moment) == timestamp(moment)
    fast = msgspec.json.encode(MessageOut(1, "1", "hi", wire_time(moment)))
    formatted = msgspec.json.encode(MessageOut(1, "1", "hi", timestamp(moment)))
    assert fast == formatted


def test_a_whole_second_keeps_its_six_zero_digits() -> None:
    moment = datetime(2025, 4, 11, 12, 58, 43, tzinfo=UTC)
    assert msgspec.json.encode(wire_time(moment)) == b'"2025-04-11T12:58:43.000000Z"'
