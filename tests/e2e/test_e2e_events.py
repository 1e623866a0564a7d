"""The event stream of a real `mentorat serve` on SQLite, read with httpx as a client would."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import Server, api_user, ask, bearer, event_stream, say, server_env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module: each test makes people of its own."""
    directory = tmp_path_factory.mktemp("events")
    started = Server(directory, server_env(directory)).start()
    yield started
    started.stop()


class Names:
    """Usernames no other test of the module uses."""

    count = 0

    @classmethod
    def new(cls, prefix: str) -> str:
        cls.count += 1
        return f"{prefix}{cls.count}"


def a_pair(base: str) -> tuple[tuple[int, str], tuple[int, str]]:
    """A mentee and a mentor: (id, token) each."""
    return api_user(base, Names.new("mia")), api_user(base, Names.new("max"), mentor=True)


def test_the_stream_needs_a_token(server: Server) -> None:
    answer = httpx.get(f"{server.base}/api/events/")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    bad = httpx.get(f"{server.base}/api/events/", headers=bearer("not-a-token"))
    assert bad.status_code == 401


def test_a_bad_cursor_is_a_400(server: Server) -> None:
    _, token = api_user(server.base, Names.new("cursor"))
    for headers, params in (({"Last-Event-ID": "x"}, {}), ({}, {"after": "-1"})):
        answer = httpx.get(
            f"{server.base}/api/events/", headers={**bearer(token), **headers}, params=params
        )
        assert answer.status_code == 400, answer.text


def test_the_stream_carries_the_callers_events_in_the_apis_shapes(server: Server) -> None:
    base = server.base
    mentee, mentor = a_pair(base)
    with event_stream(base, mentor[1]) as stream:
        request = ask(base, mentee, mentor)
        accepted = httpx.patch(
            f"{base}/api/mentoring/requests/{request['id']}/respond/",
            json={"status": "active"},
            headers=bearer(mentor[1]),
        )
        assert accepted.status_code == 200
        posted = say(base, mentee, request["id"], "Bonjour 👋")
        events = [stream.next() for _ in range(3)]
    assert [e["event"] for e in events] == [
        "mentoring_requested",
        "mentoring_accepted",
        "message_posted",
    ]
    assert events[0]["id"] < events[1]["id"] < events[2]["id"]
    assert events[0]["data"] == {"mentoring": request, "by": mentee[0]}
    assert events[1]["data"] == {"mentoring": accepted.json(), "by": mentor[0]}
    chat = httpx.get(
        f"{base}/api/mentoring/chat/{request['id']}/messages/", headers=bearer(mentor[1])
    )
    assert events[2]["data"] == {"mentoring_id": request["id"], "message": chat.json()[-1]}
    assert chat.json()[-1] == posted


def test_a_strangers_stream_never_carries_another_mentoring(server: Server) -> None:
    base = server.base
    mentee, mentor = a_pair(base)
    stranger, other_mentor = a_pair(base)
    with event_stream(base, stranger[1]) as stream:
        theirs = ask(base, mentee, mentor)
        say(base, mentee, theirs["id"], "not for strangers")
        own = ask(base, stranger, other_mentor)
        first = stream.next()
    assert (first["event"], first["data"]["mentoring"]["id"]) == ("mentoring_requested", own["id"])
    # Replayed from the start, the stranger's events are still only their own.
    with event_stream(base, stranger[1], after=0) as replay:
        assert replay.next() == first


def test_last_event_id_and_after_resume_with_each_event_exactly_once(server: Server) -> None:
    base = server.base
    mentee, mentor = a_pair(base)
    request = ask(base, mentee, mentor)
    texts = ["one", "two", "three"]
    for text in texts:
        say(base, mentor, request["id"], text)
    with event_stream(base, mentee[1], after=0) as stream:
        seen = [stream.next() for _ in range(4)]
    assert [e["event"] for e in seen] == ["mentoring_requested"] + ["message_posted"] * 3
    resumes: list[dict[str, int]] = [{"last_event_id": seen[1]["id"]}, {"after": seen[1]["id"]}]
    for n, resume in enumerate(resumes):
        with event_stream(base, mentee[1], **resume) as stream:
            expected = seen[2:]  # with the live event of the first resume, on the second
            assert [stream.next() for _ in expected] == expected
            newer = say(base, mentee, request["id"], f"new {n}")
            live = stream.next()
        assert live["data"]["message"] == newer
        assert live["id"] > seen[-1]["id"]
        seen.append(live)


def test_a_cursor_older_than_what_is_kept_gets_a_reset(server: Server) -> None:
    base = server.base
    mentee, mentor = a_pair(base)
    request = ask(base, mentee, mentor)
    say(base, mentee, request["id"], "soon forgotten")
    with event_stream(base, mentee[1], after=0) as stream:
        first = stream.next()
    # What pruning does past the retention: the oldest events are gone.
    database = Path(server.directory) / "mentorat.db"
    with sqlite3.connect(database) as conn:
        conn.execute("DELETE FROM outbox_events WHERE id <= ?", (first["id"],))
    with event_stream(base, mentee[1], last_event_id=first["id"] - 1) as stream:
        reset = stream.next()
        assert reset["event"] == "reset"
        assert reset["data"]["last_event_id"] == reset["id"]
        newer = say(base, mentee, request["id"], "after the reset")
        while (event := stream.next())["event"] != "message_posted" or event["data"][
            "message"
        ] != newer:
            assert event["id"] > reset["id"]


def test_changes_to_goals_reach_both_participants_in_the_apis_shapes(server: Server) -> None:
    base = server.base
    mentee, mentor = a_pair(base)
    request = ask(base, mentee, mentor)
    goals = f"{base}/api/mentoring/{request['id']}/goals/"
    accepted = httpx.patch(
        f"{base}/api/mentoring/requests/{request['id']}/respond/",
        json={"status": "active"},
        headers=bearer(mentor[1]),
    )
    assert accepted.status_code == 200
    with event_stream(base, mentee[1]) as stream:
        added = httpx.post(goals, json={"title": "Ship it"}, headers=bearer(mentor[1]))
        assert added.status_code == 201, added.text
        goal = added.json()
        edited = httpx.patch(
            f"{goals}{goal['id']}/", json={"done": True}, headers=bearer(mentee[1])
        )
        assert edited.status_code == 200, edited.text
        deleted = httpx.delete(f"{goals}{goal['id']}/", headers=bearer(mentee[1]))
        assert deleted.status_code == 204, deleted.text
        events = [stream.next() for _ in range(3)]
    assert [e["event"] for e in events] == ["goal_added", "goal_edited", "goal_deleted"]
    assert events[0]["data"] == {"mentoring_id": request["id"], "goal": goal, "by": mentor[0]}
    assert events[1]["data"]["goal"] == edited.json()
    assert events[2]["data"] == {
        "mentoring_id": request["id"],
        "goal_id": goal["id"],
        "by": mentee[0],
    }


def test_marking_a_chat_read_answers_the_unread_count_and_tells_the_readers_other_devices(
    server: Server,
) -> None:
    base = server.base
    mentee, mentor = a_pair(base)
    stranger = api_user(base, Names.new("eve"))
    request = ask(base, mentee, mentor)
    first, _second = (say(base, mentee, request["id"], t) for t in ("one", "two"))
    read = f"{base}/api/mentoring/chat/{request['id']}/read/"
    with (
        event_stream(base, mentor[1]) as mentor_stream,
        event_stream(base, mentee[1]) as mentee_stream,
    ):
        marked = httpx.post(read, json={"message_id": first["id"]}, headers=bearer(mentor[1]))
        assert marked.status_code == 200, marked.text
        assert marked.json() == {
            "mentoring_id": request["id"],
            "message_id": first["id"],
            "unread": 1,
        }
        again = httpx.post(read, json={"message_id": 1}, headers=bearer(mentor[1]))
        assert again.json()["message_id"] == first["id"]  # never back
        event = mentor_stream.next()
        assert (event["event"], event["data"]) == ("chat_read", marked.json())
        # The other participant is not told; their next event is the next message.
        third = say(base, mentor, request["id"], "three")
        assert mentee_stream.next()["data"]["message"] == third
    hidden = httpx.post(read, json={"message_id": 1}, headers=bearer(stranger[1]))
    assert hidden.status_code == 404
    bad = httpx.post(read, json={"message_id": "1"}, headers=bearer(mentor[1]))
    assert bad.status_code == 400


# --- A stream ends when its credentials no longer hold ----------------------------------------

LIFETIME = 5  # seconds an access token lives on the server below
CHECK_EVERY = 0.5  # its keep-alive interval, which is also how often a stream checks


@pytest.fixture(scope="module")
def checking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Short-lived access tokens and frequent checks, so that a stream's end comes soon."""
    directory = tmp_path_factory.mktemp("events-auth")
    env = server_env(
        directory,
        MENTORAT_ACCESS_TOKEN_LIFETIME=str(LIFETIME),
        MENTORAT_EVENT_KEEPALIVE_SECONDS=str(CHECK_EVERY),
    )
    started = Server(directory, env).start()
    yield started
    started.stop()


def test_a_stream_ends_with_an_unauthorized_event_once_its_token_expires(
    checking_server: Server,
) -> None:
    base = checking_server.base
    mentee, mentor = a_pair(base)
    issued = time.monotonic()
    with event_stream(base, mentor[1]) as stream:
        # Checked every CHECK_EVERY seconds, the token holds until it expires.
        time.sleep(3 * CHECK_EVERY)
        request = ask(base, mentee, mentor)
        assert stream.next()["data"]["mentoring"]["id"] == request["id"]
        event = stream.next()
        assert time.monotonic() - issued >= LIFETIME - 1.5  # JWT times are whole seconds
        assert event == {
            "id": None,
            "event": "unauthorized",
            "data": {"status": 401, "detail": "Token is expired", "code": "token_not_valid"},
        }
        assert stream.ended()


def test_a_stream_ends_once_its_owner_changes_their_password(checking_server: Server) -> None:
    base = checking_server.base
    _, token = api_user(base, Names.new("pat"))
    time.sleep(1.1)  # a token issued in the very second of the change would stay valid
    with event_stream(base, token) as stream:
        changed = httpx.post(
            f"{base}/auth/me/password/",
            json={"current_password": "a long passphrase", "new_password": "another passphrase"},
            headers=bearer(token),
        )
        assert changed.status_code == 200, changed.text
        event = stream.next()
        assert (event["event"], event["data"]["status"]) == ("unauthorized", 401)
        assert event["data"]["detail"] == "Token was issued before the password changed"
        assert stream.ended()
    with event_stream(base, changed.json()["access"]):
        pass  # the new token opens a new stream
