"""What the browser tests share: the system Chromium, the accessibility check, screenshots,
and the story's steps."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).with_name("vendor") / "axe-4.14.1.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
# No sandbox (tests run as root in CI), no GPU, and none of Chromium's own traffic
# (updates, sync, field trials): only what the page asks for.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await window.axe.run(document)")
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_page(page: Page, name: str, *, js: bool = True) -> None:
    """No serious or critical accessibility violation, and a screenshot for the reviewer.

    axe-core runs in the page, so a context without JavaScript only takes the screenshot (the
    server sends the same HTML to both; the JavaScript story checks it)."""
    if js:
        assert serious_violations(page) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_up(page: Page, base: str, username: str, first_name: str, *, mentor: bool) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Nom d'utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(f"{username}-pass-2025")
    page.get_by_label("Adresse e-mail").fill(f"{username}@example.com")
    page.get_by_label("Prénom").fill(first_name)
    if mentor:
        page.get_by_label("Je veux être mentor").check()
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(re.compile(r"/profile$"))


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nom d'utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(f"{username}-pass-2025")
    page.get_by_role("button", name="Se connecter").click()
