"""The whole story in a real browser: a mentor and a mentee, each in their own browser context,
from signing up to a completed mentoring; with JavaScript (live chat) and without it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.support import LAPTOP, PHONE, check_page, sign_up
from tests.e2e.support import Server

pytestmark = pytest.mark.e2e

# A message (or a goal) arrives in the other window without a reload within this many
# milliseconds: through the event stream, the chat's poller being only a 30 s safety net.
LIVE_MS = 1500


def _context(browser: Browser, *, js: bool, phone: bool) -> BrowserContext:
    return browser.new_context(
        java_script_enabled=js,
        viewport=PHONE if phone else LAPTOP,
        locale="fr-FR",
        # axe-core is injected as an inline script, which the pages' CSP refuses.
        bypass_csp=True,
    )


def _open_mentoring(page: Page, base: str, other: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name=f"Mentorat avec {other}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Mentorat avec {other}")


def _send(page: Page, text: str) -> None:
    page.get_by_label("Votre message").fill(text)
    page.get_by_role("button", name="Envoyer", exact=True).click()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_a_mentee_and_a_mentor_go_from_signing_up_to_a_completed_mentoring(
    browser: Browser, server: Server, js: bool
) -> None:
    tag = "js" if js else "nojs"
    base = server.base
    mentor_ctx = _context(browser, js=js, phone=False)
    mentee_ctx = _context(browser, js=js, phone=True)
    mentor, mentee = mentor_ctx.new_page(), mentee_ctx.new_page()

    # The mentor signs up and describes herself.
    mentor.goto(f"{base}/")
    check_page(mentor, f"{tag}-01-home-anonymous", js=js)
    mentor.goto(f"{base}/signup")
    check_page(mentor, f"{tag}-02-signup", js=js)
    sign_up(mentor, base, f"claire{tag}", "Claire", mentor=True)
    mentor.get_by_label("Nom", exact=True).fill(f"Mentor{tag}")
    mentor.get_by_label("Présentation").fill("Développeuse backend : Python, API REST, tests.")
    mentor.get_by_label("Compétences").fill(f"Python, REST, skill{tag}")
    mentor.get_by_label("Langues").fill("fr, en")
    mentor.get_by_label("Fuseau horaire").fill("Europe/Paris")
    mentor.get_by_label("Nombre de mentorés à la fois").fill("2")
    mentor.get_by_role("button", name="Enregistrer").click()
    expect(mentor.get_by_role("status")).to_have_text("Profil enregistré.")
    check_page(mentor, f"{tag}-03-profile-mentor", js=js)

    # The mentee signs up, says what he wants to learn, and finds her by a skill.
    sign_up(mentee, base, f"hugo{tag}", "Hugo", mentor=False)
    mentee.get_by_label("Compétences recherchées").fill(f"python, skill{tag}")
    mentee.get_by_label("Langues").fill("fr")
    mentee.get_by_label("Fuseau horaire").fill("Europe/Brussels")
    mentee.get_by_role("button", name="Enregistrer").click()
    expect(mentee.get_by_role("status")).to_have_text("Profil enregistré.")
    check_page(mentee, f"{tag}-04-profile-mentee", js=js)
    mentee.goto(f"{base}/suggestions")
    expect(mentee.get_by_text(f"Claire Mentor{tag}").first).to_be_visible()
    check_page(mentee, f"{tag}-05-suggestions", js=js)
    mentee.get_by_role("link", name="Trouver un mentor").click()
    mentee.get_by_label("Compétence", exact=True).fill(f"Skill{tag}")
    mentee.get_by_label("Seulement les mentors disponibles").check()
    mentee.get_by_role("button", name="Rechercher").click()
    cards = mentee.locator(".cards > li")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(f"Claire Mentor{tag}")
    check_page(mentee, f"{tag}-06-directory", js=js)

    # He asks her for a mentoring; she accepts.
    cards.first.get_by_text(f"Demander un mentorat à Claire Mentor{tag}").click()
    cards.first.get_by_role("button", name="Envoyer la demande").click()
    expect(mentee.get_by_role("status")).to_have_text("Demande envoyée.")
    expect(mentee.get_by_text("en attente")).to_be_visible()
    check_page(mentee, f"{tag}-07-requests-mentee", js=js)
    mentor.goto(f"{base}/requests")
    expect(mentor.get_by_text("De Hugo")).to_be_visible()
    check_page(mentor, f"{tag}-08-requests-mentor", js=js)
    mentor.get_by_role("button", name="Accepter").click()
    expect(mentor.get_by_text("en cours")).to_be_visible()
    expect(mentor.get_by_text("Vous suivez 1 mentoré(s) sur 2.")).to_be_visible()

    # They talk.
    _open_mentoring(mentee, base, f"Claire Mentor{tag}")
    _open_mentoring(mentor, base, "Hugo")
    if js:  # a mark that a reload would wipe: the updates below come without one
        for page in (mentee, mentor):
            page.evaluate("window.notReloaded = true")
    _send(mentee, "Bonjour Claire, merci pour votre accord.")
    if not js:
        mentor.reload()
    expect(mentor.locator("#messages")).to_contain_text(
        "Bonjour Claire, merci pour votre accord.", timeout=LIVE_MS if js else 5000
    )
    _send(mentor, "Avec plaisir. <script>alert('boom')</script>")
    if not js:
        mentee.reload()
    message = mentee.locator("li.msg").last
    wait = LIVE_MS if js else 5000
    expect(message).to_contain_text("<script>alert('boom')</script>", timeout=wait)
    expect(message.locator("script")).to_have_count(0)

    # A goal, ticked off: the progress moves.
    mentee.get_by_label("Nouvel objectif").fill("Écrire une API REST avec des tests")
    mentee.get_by_role("button", name="Ajouter").click()
    expect(mentee.get_by_text("Pas encore d'objectif.")).to_have_count(0)
    expect(mentee.get_by_text("Objectifs atteints : 0 sur 1")).to_be_visible()
    # With JavaScript the other side's goals and progress follow without a reload.
    if not js:
        mentor.reload()
    mentor.get_by_role("button", name="Cocher « Écrire une API REST avec des tests »").click()
    expect(mentor.get_by_text("Objectifs atteints : 1 sur 1")).to_be_visible()
    check_page(mentor, f"{tag}-09-mentoring-mentor", js=js)
    if not js:
        mentee.reload()
    expect(mentee.get_by_text("Objectifs atteints : 1 sur 1")).to_be_visible(timeout=LIVE_MS)
    if js:
        assert mentee.evaluate("window.notReloaded") is True
        assert mentor.evaluate("window.notReloaded") is True
    check_page(mentee, f"{tag}-10-mentoring-mentee", js=js)

    # He marks it completed.
    mentee.get_by_role("button", name="Marquer comme terminé").click()
    expect(mentee.get_by_text("Statut : terminé")).to_be_visible()
    expect(mentee.get_by_label("Votre message")).to_have_count(0)
    mentee.goto(f"{base}/")
    check_page(mentee, f"{tag}-11-home-mentee", js=js)
    mentor.goto(f"{base}/requests")
    expect(mentor.get_by_text("Vous suivez 0 mentoré(s) sur 2.")).to_be_visible()

    # Out, and the pages are closed to her.
    mentor.get_by_role("button", name="Se déconnecter").click()
    mentor.goto(f"{base}/profile")
    expect(mentor).to_have_url(re.compile(r"/login\?next=/profile$"))
    check_page(mentor, f"{tag}-12-login", js=js)
    mentor_ctx.close()
    mentee_ctx.close()
