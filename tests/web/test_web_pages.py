"""The web pages' guarantees that need no browser: form tokens, escaping, cookie flags, the
language, who may see what."""

from __future__ import annotations

import asyncio
import re

import pytest
from litestar.testing import TestClient

from mentorat.adapters.web.i18n import CATALOGUE, choose_language
from mentorat.adapters.web.visits import CSRF_COOKIE, SESSION_COOKIE
from mentorat.application.list_requests import ListRequestsQuery
from mentorat.bootstrap import http_app, seed_demo
from mentorat.demo.story import DEMO_PASSWORD
from mentorat.domain.errors import AuthenticationFailed
from mentorat.domain.mentoring import Role
from tests.web.conftest import Browser


def test_every_word_is_in_both_languages() -> None:
    assert set(CATALOGUE["fr"]) == set(CATALOGUE["en"])
    assert all(text.strip() for words in CATALOGUE.values() for text in words.values())


def test_french_by_default_english_from_the_browser_and_the_switch_wins(browser: Browser) -> None:
    client = browser.client
    assert '<html lang="fr">' in client.get("/").text
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert '<html lang="en">' in english.text
    assert "Log in" in english.text
    switched = client.get("/lang/fr?next=/login", follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login"
    again = client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in again.text


def test_accept_language_is_read_by_quality() -> None:
    assert choose_language(None, "de, en;q=0.4, fr;q=0.8") == "fr"
    assert choose_language(None, "de") == "fr"
    assert choose_language(None, "en-US;q=0") == "fr"
    assert choose_language("en", "fr") == "en"


def test_a_form_without_this_browsers_token_is_refused(browser: Browser) -> None:
    browser.sign_up("hugo")
    client = browser.client
    forged = client.post(
        "/profile",
        data={"csrf_token": "x" * 43, "email": "evil@example.com"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    missing = client.post("/logout", data={}, follow_redirects=False)
    assert missing.status_code == 403
    assert client.get("/profile").text.count("hugo@example.com") == 1  # unchanged
    # Another browser's token does not fit this browser's cookie either.
    with TestClient(http_app(browser.system).app) as other:
        stolen = other.get("/login").cookies.get(CSRF_COOKIE)
    refused = client.post("/logout", data={"csrf_token": stolen or ""}, follow_redirects=False)
    assert refused.status_code == 403


def test_cookies_are_httponly_and_lax_and_secure_over_https(browser: Browser) -> None:
    browser.client.get("/")
    answer = browser.post(
        "/signup",
        {"username": "ada", "password": "ada-pass-2025", "email": "ada@example.com"},
        back="/signup",
    )
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session
    assert "Secure" not in session
    with TestClient(http_app(browser.system).app, base_url="https://testserver.local") as secure:
        first = secure.get("/login")
        assert all("Secure" in c for c in first.headers.get_list("set-cookie"))


def test_pages_are_not_cached_and_allow_no_foreign_script(browser: Browser) -> None:
    page = browser.client.get("/login")
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]


def test_a_page_for_people_sends_an_anonymous_visitor_to_log_in(browser: Browser) -> None:
    for path in ("/profile", "/mentors", "/suggestions", "/requests", "/mentorings/1"):
        answer = browser.client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == f"/login?next={path}"


def test_logging_in_goes_where_the_visitor_was_going_and_never_off_site(browser: Browser) -> None:
    browser.sign_up("hugo")
    browser.post("/logout", {})
    data = {"username": "hugo", "password": "hugo-pass-2025"}
    going = browser.post("/login", {**data, "next": "/requests"}, back="/login")
    assert going.headers["location"] == "/requests"
    browser.post("/logout", {})
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = browser.post("/login", {**data, "next": elsewhere}, back="/login")
        assert answer.headers["location"] == "/", elsewhere


def test_a_wrong_password_goes_back_to_the_form_with_the_reason(browser: Browser) -> None:
    browser.sign_up("hugo")
    browser.post("/logout", {})
    answer = browser.post(
        "/login", {"username": "hugo", "password": "nope-nope-1"}, back="/login?next=/requests"
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/requests"
    page = browser.client.get(answer.headers["location"])
    assert "Nom d&#39;utilisateur ou mot de passe incorrect." in page.text
    assert 'role="alert"' in page.text


def test_a_message_holding_a_script_is_shown_as_text(browser: Browser) -> None:
    mentee, mentor = browser, Browser(TestClient(http_app(browser.system).app), browser.system)
    with mentor.client:
        mentoring = _requested(mentee, mentor)
        assert mentor.post(f"/requests/{mentoring}/accept", {}).status_code == 303
        mentee.post(f"/mentorings/{mentoring}/messages", {"message": "<script>alert(1)</script>"})
        page = mentor.client.get(f"/mentorings/{mentoring}")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>alert(1)" not in page.text
        fragment = mentor.client.get(
            f"/mentorings/{mentoring}/messages?after=0", headers={"HX-Request": "true"}
        )
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment.text


def test_a_badge_counts_the_messages_not_yet_shown_in_this_browser(browser: Browser) -> None:
    mentee, mentor = browser, Browser(TestClient(http_app(browser.system).app), browser.system)
    with mentor.client:
        mentoring = _requested(mentee, mentor)
        mentor.post(f"/requests/{mentoring}/accept", {})
        mentor.client.get(f"/mentorings/{mentoring}")
        for text in ("Bonjour", "Vous êtes là ?"):
            sent = mentee.post(f"/mentorings/{mentoring}/messages", {"message": text})
            mentee.client.get(sent.headers["location"])  # the chat again, as a browser goes
        assert "2 non lu(s)" in mentor.client.get("/").text
        assert "non lu" not in mentee.client.get("/").text  # one's own messages are read
        mentor.client.get(f"/mentorings/{mentoring}")
        assert "non lu" not in mentor.client.get("/").text


def test_the_chat_shows_its_newest_page_and_older_ones_on_demand(browser: Browser) -> None:
    mentee, mentor = browser, Browser(TestClient(http_app(browser.system).app), browser.system)
    with mentor.client:
        mentoring = _requested(mentee, mentor)
        mentor.post(f"/requests/{mentoring}/accept", {})
        token = mentee.token(f"/mentorings/{mentoring}")
        for n in range(35):
            mentee.client.post(
                f"/mentorings/{mentoring}/messages",
                data={"csrf_token": token, "message": f"message {n}"},
                headers={"HX-Request": "true"},
            )
        page = mentor.client.get(f"/mentorings/{mentoring}").text
        shown = re.findall(r"message (\d+)</p>", page)
        assert shown == [str(n) for n in range(5, 35)]
        older = re.search(r'href="(/mentorings/\d+\?before=\d+)#chat"', page)
        assert older
        without_js = mentor.client.get(older.group(1)).text
        assert re.findall(r"message (\d+)</p>", without_js) == [str(n) for n in range(5)]
        assert "Revenir aux derniers messages" in without_js
        fragment = mentor.client.get(
            older.group(1).replace("?", "/messages?"), headers={"HX-Request": "true"}
        ).text
        assert re.findall(r"message (\d+)</p>", fragment) == [str(n) for n in range(5)]
        assert "<html" not in fragment


def test_a_stranger_does_not_hear_a_mentorings_events(browser: Browser) -> None:
    mentee, mentor = browser, Browser(TestClient(http_app(browser.system).app), browser.system)
    with mentor.client:
        mentoring = _requested(mentee, mentor)
        # (A participant's stream never ends by itself: tests/browser listens to it.)
        with TestClient(http_app(browser.system).app) as stranger_client:
            stranger = Browser(stranger_client, browser.system)
            stranger.sign_up("eve")
            assert stranger.client.get(f"/mentorings/{mentoring}/events").status_code == 404


def test_someone_else_s_mentoring_is_not_found(browser: Browser) -> None:
    browser.sign_up("eve")
    answer = browser.client.get("/mentorings/1")
    assert answer.status_code == 404
    assert '<html lang="fr">' in answer.text


def test_a_session_ends_when_the_account_is_deactivated(browser: Browser) -> None:
    browser.sign_up("hugo")
    assert browser.client.get("/profile").status_code == 200
    asyncio.run(browser.system.mentorat.deactivate_user("hugo"))
    answer = browser.client.get("/profile", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/profile"


def _user_id(browser: Browser) -> int:
    page = browser.client.get("/profile")
    username = re.search(r"@(\w+)", page.text)
    assert username
    user = browser.system.mentorat

    async def find() -> int:
        async with user.uow(write=False) as tx:
            found = await tx.users.get_by_username(username.group(1))
            assert found
            return int(found.id)

    return asyncio.run(find())


def _requested(mentee: Browser, mentor: Browser) -> int:
    """Claire signs up as a mentor, Hugo as a mentee, and Hugo asks her: the request's id."""
    mentor.sign_up("claire", mentor=True)
    mentee.sign_up("hugo")
    mentee.post(
        "/requests",
        {"mentor_id": str(_user_id(mentor)), "start_date": "2026-01-01", "end_date": "2026-06-30"},
    )
    return _only_request(mentee)


def _only_request(browser: Browser) -> int:
    mentee = _user_id(browser)
    found = asyncio.run(
        browser.system.mentorat.list_requests(
            ListRequestsQuery(mentee, role=Role.MENTEE)  # type: ignore[arg-type]
        )
    )
    assert len(found) == 1
    return int(found[0].id)


def test_the_directory_pages_through_the_mentors_keeping_its_filters(browser: Browser) -> None:
    asyncio.run(seed_demo(browser.system))
    browser.sign_up("hugo")
    first = browser.client.get("/mentors?available=on")
    names = re.findall(r"@(mentor\d+)", first.text)
    assert first.text.count('<li class="card">') == 12
    after = re.search(r'href="(/mentors\?[^"]+)" rel="next"', first.text)
    assert after
    assert "available=on" in after.group(1)
    second = browser.client.get(after.group(1).replace("&amp;", "&"))
    more = re.findall(r"@(mentor\d+)", second.text)
    assert more
    assert not set(more) & set(names)


def test_suggestions_give_their_score_and_reasons_in_the_visitors_language(
    browser: Browser,
) -> None:
    asyncio.run(seed_demo(browser.system))
    log_in = browser.post("/login", {"username": "owner", "password": DEMO_PASSWORD}, back="/login")
    assert log_in.status_code == 303
    french = browser.client.get("/suggestions").text
    assert "Score " in french
    assert "Compétences recherchées en commun" in french
    english = browser.client.get("/suggestions", headers={"Accept-Language": "en"}).text
    assert "wanted skills" in english


def test_logging_out_spends_the_sessions_refresh_token(browser: Browser) -> None:
    browser.sign_up("hugo")
    session = browser.client.cookies.get(SESSION_COOKIE)
    assert session
    assert browser.post("/logout", {}).status_code == 303
    _, _, refresh = session.partition("~")
    with pytest.raises(AuthenticationFailed):
        asyncio.run(browser.system.mentorat.refresh_tokens(refresh))


def test_administration_is_for_staff_who_verify_and_deactivate_from_it(browser: Browser) -> None:
    other = Browser(TestClient(http_app(browser.system).app), browser.system)
    with other.client:
        other.sign_up("claire", mentor=True)
        assert other.client.get("/admin").status_code == 403
        assert other.client.get("/admin/users").status_code == 403
        browser.sign_up("ada")
        asyncio.run(browser.system.mentorat.promote_user("ada"))
        statistics = browser.client.get("/admin")
        assert statistics.status_code == 200
        assert "Statistiques du programme" in statistics.text
        listed = browser.client.get("/admin/users?search=claire")
        assert "@claire" in listed.text
        assert "@ada" not in listed.text
        claire = _user_id(other)
        back = "/admin/users?search=claire"
        answer = browser.post(f"/admin/users/{claire}/verify", {}, back=back)
        assert answer.headers["location"] == back
        assert "Retirer la vérification" in browser.client.get(back).text
        browser.post(f"/admin/users/{claire}/deactivate", {}, back=back)
        assert other.client.get("/profile", follow_redirects=False).status_code == 303
        assert "Réactiver" in browser.client.get(back).text
