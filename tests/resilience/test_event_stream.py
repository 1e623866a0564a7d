"""The event stream across processes on PostgreSQL: a post through one server reaches a stream
on another; a client that loses its server resumes on the other with every event exactly once;
streams outlive a restart of PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.e2e.support import EventStream, api_user, ask, bearer, event_stream, say

from .harness import Cluster, StartServer


def messages_of(stream: EventStream, count: int) -> list[dict[str, Any]]:
    events = [stream.next() for _ in range(count)]
    assert {e["event"] for e in events} == {"message_posted"}
    return events


def test_a_post_through_one_server_reaches_a_stream_on_another_and_a_lost_stream_resumes(
    pg_url: str, start_server: StartServer
) -> None:
    one = start_server(pg_url, workers=1)
    other = start_server(pg_url, workers=1)
    mentee = api_user(one.base, "mia")
    mentor = api_user(one.base, "max", mentor=True)
    with event_stream(other.base, mentor[1]) as stream:
        request = ask(one.base, mentee, mentor)
        first = say(one.base, mentee, request["id"], "through the first server")
        requested, posted = stream.next(), stream.next()
        assert (requested["event"], requested["data"]["mentoring"]) == (
            "mentoring_requested",
            request,
        )
        assert posted["data"]["message"] == first
        texts = [f"while the other server lives {n}" for n in range(3)]
        sent = [say(one.base, mentee, request["id"], text) for text in texts]
        read = messages_of(stream, 1)
    other.kill()  # the client's server dies; its client reconnects to the first one
    sent += [say(one.base, mentee, request["id"], f"while it is down {n}") for n in range(2)]
    with event_stream(one.base, mentor[1], last_event_id=read[-1]["id"]) as stream:
        rest = messages_of(stream, 4)
        live = say(one.base, mentor, request["id"], "and live again")
        last = messages_of(stream, 1)
    assert [e["data"]["message"] for e in read + rest + last] == [*sent, live]
    ids = [e["id"] for e in [requested, posted, *read, *rest, *last]]
    assert ids == sorted(set(ids))


def test_notifications_wake_the_other_server_at_once_and_a_burst_loses_no_tail(
    pg_url: str, start_server: StartServer
) -> None:
    # Polls 60 s apart: an event that comes sooner came through a notification.
    one = start_server(pg_url, workers=1, MENTORAT_EVENT_POLL_SECONDS="60")
    other = start_server(pg_url, workers=1, MENTORAT_EVENT_POLL_SECONDS="60")
    mentee = api_user(one.base, "mia")
    mentor = api_user(one.base, "max", mentor=True)
    request = ask(one.base, mentee, mentor)
    with event_stream(other.base, mentor[1], after=0) as stream:
        assert stream.next()["event"] == "mentoring_requested"
        for n in range(3):  # one at a time: each is notified on its own
            started = time.monotonic()
            sent = say(one.base, mentee, request["id"], f"alone {n}")
            assert messages_of(stream, 1)[0]["data"]["message"] == sent
            assert time.monotonic() - started < 5
        # A burst: the notifications are coalesced, and the last post still gets one.
        started = time.monotonic()
        burst = [say(one.base, mentee, request["id"], f"burst {n}") for n in range(30)]
        assert [e["data"]["message"] for e in messages_of(stream, 30)] == burst
        assert time.monotonic() - started < 10


def retried_post(base: str, who: tuple[int, str], mentoring_id: int, text: str) -> dict[str, Any]:
    """A post sent again while the server answers 503 (its database is coming back)."""
    for _ in range(100):
        answer = httpx.post(
            f"{base}/api/mentoring/chat/{mentoring_id}/messages/",
            json={"message": text},
            headers=bearer(who[1]),
            timeout=30,
        )
        if answer.status_code != 503:
            assert answer.status_code == 201, answer.text
            posted: dict[str, Any] = answer.json()
            return posted
        time.sleep(0.2)
    raise AssertionError("the server never recovered its database")


def test_streams_outlive_a_restart_of_postgresql_and_miss_nothing(
    cluster: Cluster, cluster_database: str, start_server: StartServer
) -> None:
    server = start_server(cluster_database, workers=2, MENTORAT_EVENT_POLL_SECONDS="1")
    mentee = api_user(server.base, "mia")
    mentor = api_user(server.base, "max", mentor=True)
    request = ask(server.base, mentee, mentor)
    with event_stream(server.base, mentor[1], after=0) as stream:
        assert stream.next()["event"] == "mentoring_requested"
        before = say(server.base, mentee, request["id"], "before the restart")
        assert stream.next()["data"]["message"] == before
        cluster.stop()
        cluster.start()
        after = [retried_post(server.base, mentee, request["id"], f"after {n}") for n in range(3)]
        assert [e["data"]["message"] for e in messages_of(stream, 3)] == after
