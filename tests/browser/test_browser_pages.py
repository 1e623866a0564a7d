"""Pages one at a time in a real browser: the language, the keyboard, a phone's width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.support import LAPTOP, PHONE, check_page
from tests.e2e.support import Server

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
