"""Helpers for browser tests: signing in through the real form, axe-core checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin, urlparse

from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from lxml import html as lxml_html
from playwright.sync_api import APIRequestContext, APIResponse, Locator, Page, Response

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


#: The live server's app (set by tests/browser/conftest.py): staff sign-ins read the user's
#: last used two-factor step from its database to type a code that is not used yet.
LIVE_APP: Flask | None = None


def live_code(email: str) -> str | None:
    """A two-factor code of ``email`` on the live server that has not been used yet."""
    from tests.support.two_factor import staff_code

    assert LIVE_APP is not None, "the live server is not running"
    with live_db(LIVE_APP):
        return staff_code(email)


def login_as(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait for the page it leads to; staff (coordinator,
    finance, admin) then type a fresh two-factor code on the second step."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form:has(#password) [type=submit]").first.click()
    if urlparse(page.url).path.rstrip("/").endswith("/login/two-factor"):
        page.fill("#totp", live_code(email) or "")
        with page.expect_navigation():
            page.locator("form:has(#totp) [type=submit]").first.click()
    if urlparse(page.url).path.rstrip("/").endswith(("/login", "/login/two-factor")):
        alerts = page.locator("[role=alert], .error, .errors").all_inner_texts()
        raise AssertionError(f"signing in as {email} failed; the page says: {alerts}")


def sign_in_over_http(request: APIRequestContext, email: str,
                      password: str = DEMO_PASSWORD) -> None:
    """``login_as`` without a page: the same login form (and, for staff, the two-factor
    step with a fresh code) fetched and sent over HTTP with its hidden fields (the CSRF
    token); the request context keeps the signed-in cookies (``request.storage_state()``)."""
    response = _send_form(request, request.get("/login"), "password",
                          {"email": email, "password": password})
    if urlparse(response.url).path.rstrip("/").endswith("/login/two-factor"):
        response = _send_form(request, response, "totp", {"totp": live_code(email) or ""})
    if urlparse(response.url).path.rstrip("/").endswith(("/login", "/login/two-factor")):
        alerts = parse_html(response.body()).xpath(
            "//*[@role='alert' or contains(@class, 'error')]//text()")
        raise AssertionError(f"signing in as {email} failed; the page says: {alerts}")


def _send_form(request: APIRequestContext, page: APIResponse, field: str,
               values: dict[str, str]) -> APIResponse:
    """Send the form of ``page`` that has the field ``field`` as a browser would submit it:
    its own fields (hidden ones included) with ``values`` typed in, to its action."""
    assert page.ok, f"{page.url}: {page.status}"
    (form,) = [form for form in parse_html(page.body()).forms
               if form.xpath(f".//*[@name={field!r}]")]
    data = {**dict(form.form_values()), **values}
    action = urljoin(page.url, form.get("action") or page.url)
    return request.fetch(action, method=form.method, form=data)


#: Starts axe-core (every rule it runs by default) and keeps only the violations: the full
#: results (passes, inapplicable rules …) are large and slow to pass to Python.
_AXE_START = """([context, options]) => {
    window.__axeViolations = undefined;
    axe.run(context === null ? document : context, options).then(
        results => { window.__axeViolations = results.violations; },
        error => { window.__axeViolations = {error: String(error)}; });
}"""


def axe_violations(page: Page, context=None, timeout_ms: float = 30_000) -> list[dict]:
    """axe-core's violations on the page as it is now (all rules axe runs by default).

    Needs the page's JavaScript (axe runs asynchronously in the page): in a context made
    with ``java_script_enabled=False`` it fails after ``timeout_ms`` instead of hanging.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    page.evaluate(_AXE_START, [context, {"resultTypes": ["violations"]}])
    outcome = page.wait_for_function("() => window.__axeViolations", timeout=timeout_ms)
    violations = outcome.json_value()
    if isinstance(violations, dict):
        raise AssertionError(f"axe-core failed on {page.url}: {violations['error']}")
    return violations


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
    violations = axe_violations(page, context)
    if violations:
        raise AssertionError(
            f"{len(violations)} accessibility violation(s) on {page.url}:\n"
            + format_violations(violations)
        )


def assert_page_structure(page: Page, language: str = "fi") -> None:
    """The page says its language, has exactly one h1 and one main landmark."""
    lang, h1s, mains = page.evaluate("""() => [
        document.documentElement.getAttribute("lang"),
        document.querySelectorAll("h1").length,
        document.querySelectorAll("main, [role=main]").length,
    ]""")
    check_structure(page.url, lang, h1s, mains, language)


def check_structure(where: str, lang: str | None, h1s: int, mains: int, language: str) -> None:
    """The checks of ``assert_page_structure`` (and of ``assert_html_page_structure``)."""
    assert lang == language, f"{where}: html lang={lang!r}, expected {language!r}"
    assert h1s == 1, f"{where}: {h1s} h1 elements, expected exactly one"
    assert mains == 1, f"{where}: {mains} main landmarks, expected exactly one"


#: Duplicate ids in the whole document (e.g. two forms' ``csrf_token``), each with its count.
_DUPLICATE_IDS = """() => {
    const counts = {};
    for (const element of document.querySelectorAll("[id]")) {
        counts[element.id] = (counts[element.id] || 0) + 1;
    }
    return Object.entries(counts).filter(([, count]) => count > 1);
}"""


def assert_unique_ids(page: Page) -> None:
    """No id is used twice in the document (valid HTML; labels and ARIA point at one element)."""
    duplicates = page.evaluate(_DUPLICATE_IDS)
    assert not duplicates, f"{page.url}: ids used more than once: {duplicates}"


#: How wide the document is against the viewport, and the elements that scroll sideways in
#: it (a table-scroll region, a ``<pre>``…) with whether a keyboard user can reach and name
#: them. Elements narrower than 2 px (visually hidden text clipped to 1 px) are not boxes
#: that a reader sees, and form fields scroll their own text, so they are left out.
_REFLOW = """() => {
    const root = document.documentElement;
    const describe = element => element.tagName.toLowerCase()
        + (element.id ? "#" + element.id : "")
        + (element.className && typeof element.className === "string"
           ? "." + element.className.trim().split(/\\s+/).join(".") : "");
    const scrolling = [];
    for (const element of document.body.querySelectorAll("*")) {
        const overflow = getComputedStyle(element).overflowX;
        if (!["auto", "scroll", "hidden", "clip"].includes(overflow)) continue;
        // A field's own text scrolls inside it; that is how form controls work.
        if (["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName)) continue;
        if (element.clientWidth < 2 || element.scrollWidth <= element.clientWidth + 1) continue;
        scrolling.push({
            element: describe(element),
            overflow: overflow,
            scrollWidth: element.scrollWidth,
            clientWidth: element.clientWidth,
            reachable: element.tabIndex >= 0 && element.getAttribute("role") === "region"
                && !!(element.getAttribute("aria-labelledby")
                      || element.getAttribute("aria-label")),
        });
    }
    // The widest element sticking out of the viewport: where to look when the page is too wide.
    let widest = null;
    if (root.scrollWidth > root.clientWidth) {
        for (const element of document.body.querySelectorAll("*")) {
            const right = element.getBoundingClientRect().right + window.scrollX;
            if (right > root.clientWidth + 1 && (!widest || right > widest.right)) {
                widest = {element: describe(element), right: Math.round(right)};
            }
        }
    }
    return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, scrolling, widest};
}"""


def reflow(page: Page) -> dict:
    """The document's width against the viewport and the boxes that scroll sideways."""
    return page.evaluate(_REFLOW)


def assert_fits(page: Page, width: int) -> None:
    """At ``width`` CSS px the page does not scroll sideways (WCAG 1.4.10 Reflow at 320 px).

    At 1280 px nothing is cut off either: no table-scroll region (or any other box that
    clips or scrolls) needs to scroll. At narrower widths a box may scroll inside itself
    only when it is a focusable, labelled region (``role=region``, ``tabindex=0``,
    ``aria-labelledby``), so that a keyboard user can scroll it and a screen reader names it.
    """
    if page.viewport_size["width"] != width:
        page.set_viewport_size({"width": width, "height": page.viewport_size["height"]})
    found = reflow(page)
    assert found["scrollWidth"] <= found["clientWidth"], (
        f"{page.url} at {width} px: the page is {found['scrollWidth']} px wide and scrolls "
        f"sideways; widest box: {found['widest']}")
    if width >= 1280:
        assert not found["scrolling"], (
            f"{page.url} at {width} px: content is cut off in {found['scrolling']}")
    else:
        unreachable = [box for box in found["scrolling"] if not box["reachable"]]
        assert not unreachable, (
            f"{page.url} at {width} px: boxes scroll sideways that a keyboard user cannot "
            f"reach or a screen reader cannot name (use a table-scroll region): {unreachable}")


def press_key(page: Page, control: Locator, key: str) -> None:
    """Focus a control and press a key on it, as a keyboard user does."""
    control.focus()
    page.keyboard.press(key)


def press_button(page: Page, name: str) -> Response:
    """Focus the button called ``name``, press Enter and wait for the page it leads to."""
    button = page.get_by_role("button", name=name, exact=True)
    with page.expect_navigation() as navigation:
        press_key(page, button, "Enter")
    return navigation.value


@contextmanager
def live_db(app: Flask) -> Iterator:
    """The live server's database session (look up ids, make tokens) in an app context."""
    from app.extensions import db

    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


def assert_security_headers(response: Response | APIResponse, signed_in: bool) -> None:
    """The answer has the security headers of issue 11: a CSP without 'unsafe-inline' that
    forbids framing, nosniff, a referrer and a permissions policy; no-store when signed in.

    ``response`` is a page's (``page.goto``) or a plain HTTP request's (``context.request``,
    whose ``headers`` are the same lower-case mapping)."""
    headers = (response.headers if isinstance(response, APIResponse)
               else response.all_headers())
    policy = headers.get("content-security-policy", "")
    where = response.url
    assert policy and "unsafe-inline" not in policy, f"{where}: CSP {policy!r}"
    assert "frame-ancestors 'none'" in policy, f"{where}: CSP {policy!r}"
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy"), where
    assert headers.get("permissions-policy"), where
    if signed_in:
        assert "no-store" in headers.get("cache-control", ""), f"{where}: may be cached"

#: What the number-format scan looks at: the page's visible text and the values of its text
#: inputs (a decimal field shown again must say 12,5 in Finnish and Swedish).
_PAGE_TEXT = """() => [document.body.innerText,
    ...Array.from(document.querySelectorAll("input[type=text], input:not([type])"),
                  input => input.value)].join("\\n")"""
#: Times after "klo"/"kl." (17.00, and a range 17.00–18.30) are Finnish and Swedish times;
#: "WCAG 2.1" is the name of a standard, not an amount.
_TIMES = re.compile(r"\b(?:klo|kl\.)\s+\d{1,2}\.\d{2}(?:\s*[–-]\s*\d{1,2}\.\d{2})?"
                    r"|\bWCAG \d\.\d\b")
#: Dates as the pages write them: 1.12.2026 and 1.12.
_DATES = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?:\d{4})?(?![\d])")
#: A number with a decimal point (30.00, 0.55, 562.7) or an ISO date (2026-12-11).
_DOT_DECIMAL = re.compile(r"(?<![\w.,])\d+\.\d+(?![\w.])|\b\d{4}-\d{2}-\d{2}\b")


def dot_decimals(text: str) -> list[str]:
    """The numbers in ``text`` written the English way (or as ISO dates), with their
    surroundings; Finnish and Swedish write 30,00 €, 562,7 km and 1.12.2026 klo 17.00."""
    text = _DATES.sub("D", _TIMES.sub("T", text))
    return [text[max(0, m.start() - 25):m.end() + 10].replace("\n", " ")
            for m in _DOT_DECIMAL.finditer(text)]


def assert_local_number_formats(page: Page) -> None:
    """Fail when a Finnish or Swedish page shows a dot-decimal amount or an ISO date."""
    check_local_number_formats(page.url, page.evaluate(_PAGE_TEXT))


def check_local_number_formats(where: str, text: str) -> None:
    """The check of ``assert_local_number_formats`` on a page's text (from the browser's
    ``_PAGE_TEXT`` or from ``html_page_text``)."""
    found = dot_decimals(text)
    assert not found, f"{where}: numbers or dates in English format: {found}"


# --- the same checks on a page's HTML, without a browser ------------------------------------
#
# ``test_page_uses_swedish_number_formats`` fetches each page over HTTP (the browser context's
# cookies, no rendering) and checks the HTML the server sent: much cheaper than loading it in
# Chromium. forms.js (the only script) changes no text but the character counters' hints,
# which it fills with whole numbers.

#: Elements that are not rendered (``display: none`` in every browser's own style sheet), so
#: ``innerText`` leaves out their text; elements with the ``hidden`` attribute likewise.
#: (``<noscript>`` is read: what it says is shown to readers without JavaScript.)
_NOT_RENDERED = frozenset({"head", "title", "script", "style", "template", "meta", "link",
                           "base"})
#: Inline (phrasing) elements: ``innerText`` joins their text to what is around them, and
#: puts a line break around every other (block, list, table …) element's text.
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "button", "cite", "code", "data", "del",
                     "dfn", "em", "font", "i", "img", "input", "ins", "kbd", "label", "mark",
                     "output", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
                     "u", "var", "wbr"})
_SPACES = re.compile(r"[ \t\r\n\f]+")
_LINE_BREAKS = re.compile(r" *\n[ \n]*")


def parse_html(body: bytes | str):
    """The document of an HTML answer (lxml; the ``<meta charset>`` decides the encoding)."""
    return lxml_html.document_fromstring(body)


def _rendered_text(element, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else None  # None: a comment
    if tag is None or tag in _NOT_RENDERED or element.get("hidden") is not None:
        pass
    elif tag == "br":
        parts.append("\n")
    else:
        block = tag not in _INLINE
        if block:
            parts.append("\n")
        if element.text:
            parts.append(element.text if tag in ("pre", "textarea")
                         else _SPACES.sub(" ", element.text))
        for child in element:
            _rendered_text(child, parts)
        if block:
            parts.append("\n")
    if element.tail:
        parts.append(_SPACES.sub(" ", element.tail))


def html_page_text(document) -> str:
    """What ``_PAGE_TEXT`` reads in the browser, from the page's HTML: the text of the body
    without scripts, styles, comments, attributes and elements that are not rendered, then
    the values of its text inputs. Slightly more than ``innerText`` (option texts, a
    textarea's text, ``<noscript>``, a box hidden by the style sheet): never blinder."""
    parts: list[str] = []
    body = document.find("body")
    if body is not None:
        parts.append(_SPACES.sub(" ", body.text or ""))
        for child in body:
            _rendered_text(child, parts)
    text = _LINE_BREAKS.sub("\n", "".join(parts)).strip()
    values = [(field.get("value") or "").replace("\r", "").replace("\n", "")
              for field in document.iter("input")
              if field.get("type") is None or field.get("type").lower() == "text"]
    return "\n".join([text, *values])


def assert_html_page_structure(document, where: str, language: str) -> None:
    """``assert_page_structure`` on a page's HTML: html[lang], one h1, one main landmark."""
    check_structure(where, document.get("lang"), len(document.xpath("//h1")),
                    len(document.xpath("//main | //*[@role='main']")), language)


def assert_html_local_number_formats(document, where: str) -> None:
    """``assert_local_number_formats`` on a page's HTML (its ``html_page_text``)."""
    check_local_number_formats(where, html_page_text(document))
