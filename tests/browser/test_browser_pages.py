"""Pages one at a time in a real browser: the language, the keyboard, a phone's width."""

from __future__ import annotations

import re
import subprocess
import time

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.support import LAPTOP, PHONE, check_page, sign_up
from tests.e2e.support import MENTORAT, Server

pytestmark = pytest.mark.e2e


def test_an_english_browser_reads_english_and_the_switch_goes_back_to_french(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(locale="en-US", viewport=LAPTOP, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.base}/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check_page(page, "en-login")
    page.get_by_role("link", name="Lire ce site en français").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    context.close()


def test_the_keyboard_meets_the_skip_link_first_and_sees_where_it_is(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.base}/signup")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Nom d'utilisateur")).to_be_focused()
    check_page(page, "phone-signup")
    context.close()


def test_an_administrator_reads_the_statistics_and_verifies_a_mentor(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(locale="fr-FR", viewport=LAPTOP, bypass_csp=True)
    page = context.new_page()
    sign_up(page, server.base, "claireadmin", "Claire", mentor=True)
    page.get_by_role("button", name="Se déconnecter").click()
    sign_up(page, server.base, "ada", "Ada", mentor=False)
    promoted = subprocess.run(
        [MENTORAT, "user", "promote", "ada"],
        env=server.env,
        cwd=server.directory,
        capture_output=True,
        check=False,
    )
    assert promoted.returncode == 0, promoted.stderr
    # Another process's change reaches the server within its cache of callers (a few seconds).
    deadline = time.monotonic() + 15
    while page.goto(f"{server.base}/admin").status == 403 and time.monotonic() < deadline:
        time.sleep(0.5)
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques du programme")
    check_page(page, "admin-statistics")
    page.get_by_role("link", name="Utilisateurs").click()
    page.get_by_label("Chercher (nom, e-mail)").fill("claireadmin")
    page.get_by_role("button", name="Chercher", exact=True).click()
    page.get_by_role("button", name="Vérifier claireadmin").click()
    expect(page.get_by_role("button", name="Retirer la vérification claireadmin")).to_be_visible()
    check_page(page, "admin-users")
    context.close()
