"""Helpers for browser tests: signing in through the real form, axe-core checks."""

from __future__ import annotations

from urllib.parse import urlparse

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

#: The password `flask seed-demo` gives every demo account (the live server's data).
DEMO_PASSWORD = "kokemus-demo"

#: Passed to Debian's Chromium; see ../shared/TESTING.md.
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

_axe = Axe()


def login_as(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait for the page it leads to."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form:has(#password) [type=submit]").first.click()
    if urlparse(page.url).path.rstrip("/").endswith("/login"):
        alerts = page.locator("[role=alert], .error, .errors").all_inner_texts()
        raise AssertionError(f"signing in as {email} failed; the page says: {alerts}")


def axe_violations(page: Page, context=None) -> list[dict]:
    """axe-core's violations on the page as it is now (all rules axe runs by default)."""
    return _axe.run(page, context=context).response["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" [{violation.get('helpUrl', '')}]"
        )
        for node in violation["nodes"][:3]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
        if len(violation["nodes"]) > 3:
            lines.append(f"    … and {len(violation['nodes']) - 3} more")
    return "\n".join(lines)


def assert_accessible(page: Page, context=None) -> None:
    """Fail, listing each violation, unless axe-core finds none on the page."""
    results = _axe.run(page, context=context)
    if results.violations_count > 0:
        raise AssertionError(
            f"{results.violations_count} accessibility violation(s) on {page.url}:\n"
            + format_violations(results.response["violations"])
        )
