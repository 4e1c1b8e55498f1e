"""The reflow and duplicate-id checks of the page table (tests/browser/test_pages.py) catch
what they should, and the stacked-table pattern labels its cells on a phone.

The page table runs ``assert_unique_ids`` and ``assert_fits(page, 1280)`` then
``assert_fits(page, 320)`` on every page of every role; these tests show on small pages
of our own that each check fails where a reader would be let down.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import assert_fits, assert_unique_ids, login_as

STYLE = '<link rel="stylesheet" href="/static/style.css">'


def show(page: Page, body: str) -> None:
    """A page of the app's own style sheet (loaded from the live server) with ``body``."""
    page.goto("/static/style.css")  # same origin, so that the style sheet loads
    page.set_content(f'<!doctype html><html lang="fi"><head><meta name="viewport" '
                     f'content="width=device-width, initial-scale=1">{STYLE}</head>'
                     f'<body><main>{body}</main></body></html>', wait_until="load")


WIDE_TABLE = ("<table><caption id='c'>Maksut</caption><tr>"
              + "".join(f"<td>Ennakonpidätys&nbsp;{n}&nbsp;000,00&nbsp;€</td>" for n in range(12))
              + "</tr></table>")


def test_a_page_wider_than_a_phone_fails_at_320_px(page: Page):
    show(page, '<p>Tavallinen kappale.</p><img alt="" width="600" height="10" '
               'src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
               '<pre>' + "kokemusasiantuntijapankki" * 4 + '</pre>')
    assert_fits(page, 1280)
    assert_fits(page, 320)  # images, <pre> and long words are kept inside by the style sheet
    show(page, WIDE_TABLE)
    with pytest.raises(AssertionError, match="scrolls\\s+sideways"):
        assert_fits(page, 320)


def test_a_labelled_scroll_region_may_scroll_on_a_phone_but_nothing_is_cut_at_1280(page: Page):
    region = ('<div class="table-scroll" role="region" aria-labelledby="c" tabindex="0">'
              + WIDE_TABLE + "</div>")
    show(page, region)
    assert_fits(page, 320)  # scrolls inside its own, focusable and named box
    with pytest.raises(AssertionError, match="cut off"):
        assert_fits(page, 1280)  # …but a laptop must show the whole table


def test_a_scrolling_box_that_a_keyboard_cannot_reach_fails(page: Page):
    show(page, '<div class="table-scroll">' + WIDE_TABLE + "</div>")
    with pytest.raises(AssertionError, match="cannot\\s+reach"):
        assert_fits(page, 320)


def test_a_repeated_id_fails(page: Page):
    show(page, '<form><input type="hidden" id="csrf_token" name="csrf_token"></form>'
               '<form><input type="hidden" id="csrf_token" name="csrf_token"></form>')
    with pytest.raises(AssertionError, match="csrf_token"):
        assert_unique_ids(page)


def test_the_order_list_stacks_into_labelled_rows_on_a_phone(page: Page):
    login_as(page, "org@demo.test")
    page.goto("/organisation/")
    cell = page.locator("table.stack td[data-label]").first
    label = cell.get_attribute("data-label")
    assert label == "Milloin"

    def before(target) -> str:
        return target.evaluate("e => getComputedStyle(e, '::before').content")

    def display(target) -> str:
        return target.evaluate("e => getComputedStyle(e).display")

    assert display(cell) == "table-cell" and before(cell) in ("none", "normal")
    page.set_viewport_size({"width": 320, "height": 800})
    assert display(cell) == "block"
    assert before(cell) == '"Milloin: "'
    assert page.locator("table.stack thead").bounding_box()["width"] <= 1
    assert_fits(page, 320)
