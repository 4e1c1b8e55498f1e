"""Screenshots for reviewers: every page of the browser page table (tests/browser/test_pages.py,
``CASES`` that answer 200) of every role, at 1280 and at 390 CSS px, as full-page PNG files.

Not part of the test suite (the file name does not start with ``test_``); ``make screenshots``
runs it::

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest -p no:cacheprovider \\
        tests/browser/screenshots.py -n 2

The pages come from the same live server with demo data as the browser tests (SQLite by
default, PostgreSQL when ``TEST_DATABASE_URL`` is set). Files are written as
``<dir>/<width>/<role>--<page>.png``; see docs/screenshots/README.md.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.test_pages import (  # noqa: F401  (fixtures used by name)
    CASES,
    Case,
    demo_ids,
    signed_in,
)

#: The widths reviewers look at: a laptop and a common phone.
WIDTHS = (1280, 390)

SHOWN = [case for case in CASES if case.status == 200]


def file_name(case: Case) -> str:
    """A file name from the case id: role, path and note, without characters file systems
    dislike (ids in paths stay as their {placeholders}, so names are stable between runs)."""
    name = re.sub(r"[^A-Za-z0-9äöåÄÖÅ_.-]+", "-", case.id).strip("-")
    return f"{name[:150]}.png"


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    directory = os.environ.get("SCREENSHOTS_DIR")
    if not directory:
        pytest.skip("set SCREENSHOTS_DIR (make screenshots does) to take screenshots")
    return Path(directory)


@pytest.mark.parametrize("case", SHOWN, ids=[case.id for case in SHOWN])
def test_screenshot(new_context, signed_in, demo_ids, screenshots_dir,  # noqa: F811
                    case: Case):
    user = case.user.format(**demo_ids) if case.user else None
    page = new_context(storage_state=signed_in(user, "fi")).new_page()
    response = page.goto(case.path.format(**demo_ids))
    if case.then is not None and response is not None and response.ok:
        response = case.then(page)
    assert response is not None and response.status == 200, case.id
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        target = screenshots_dir / str(width) / file_name(case)
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 0
