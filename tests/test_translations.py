"""The message catalogs: complete, not fuzzy, placeholders intact, and in use.

* Every msgid of the Finnish and Swedish catalogs has a translation that is
  not fuzzy and keeps the msgid's ``%(name)s`` placeholders.
* Every string in the source (Python and templates, extracted the same way as
  ``app/translations/extract.sh`` does) is in both catalogs, so a new string
  without a translation fails here: run ``bash app/translations/extract.sh``
  and translate the new entries.
* The app really shows the translations (compiled here into a temporary
  directory, so no committed or prebuilt .mo files are needed).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "app" / "translations"
SCRIPT = TRANSLATIONS / "extract.sh"
TRANSLATED_LOCALES = ("fi", "sv")
ALL_LOCALES = ("fi", "sv", "en")

#: ``%(name)s``-style placeholders, with their conversion (``%(n)d`` ≠ ``%(n)s``).
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def extract_keywords() -> list[str]:
    """The extra keywords of extract.sh (``KEYWORDS=(...)``), so both agree."""
    match = re.search(r"^KEYWORDS=\((.*)\)\s*$", SCRIPT.read_text(), re.MULTILINE)
    assert match, f"no KEYWORDS=(...) line in {SCRIPT}"
    return shlex.split(match.group(1))


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text or "")}


def describe(message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    context = f" [context {message.context!r}]" if message.context else ""
    return f"{msgid!r}{context}"


def translated_messages(catalog: Catalog) -> Iterator:
    for message in catalog:
        if message.id:  # skip the header entry
            yield message


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    found = {}
    for locale in ALL_LOCALES:
        path = po_path(locale)
        assert path.is_file(), f"missing catalog {path.relative_to(ROOT)}"
        found[locale] = load_catalog(path, locale)
    return found


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The messages of the current source, extracted like extract.sh does."""
    pot = tmp_path_factory.mktemp("extract") / "messages.pot"
    args = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg")]
    for keyword in extract_keywords():
        args += ["-k", keyword]
    args += ["-o", str(pot), str(ROOT)]
    CommandLineInterface().run(args)
    assert pot.is_file(), "message extraction wrote no .pot file"
    return load_catalog(pot)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_every_message_is_translated(catalogs, locale):
    catalog = catalogs[locale]
    problems = []
    if catalog.fuzzy:
        problems.append("the catalog header is marked fuzzy")
    for message in translated_messages(catalog):
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not any(strings):
            problems.append(f"missing: {describe(message)}")
        elif not all(strings):
            problems.append(f"a plural form is empty: {describe(message)}")
        if message.fuzzy:
            problems.append(f"fuzzy: {describe(message)}")
    assert not problems, f"{po_path(locale).relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_placeholders_are_kept(catalogs, locale):
    catalog = catalogs[locale]
    problems = []
    for message in translated_messages(catalog):
        if isinstance(message.id, str):
            checks = [(placeholders(message.id), message.string, False)]
        else:
            # Form 0 answers the singular and may leave the number out ("one
            # session"), as gettext allows; the other forms answer the plural.
            singular, plural = placeholders(message.id[0]), placeholders(message.id[1])
            checks = [
                (singular | plural if i == 0 else plural, form, i == 0)
                for i, form in enumerate(message.string or ())
            ]
        for expected, msgstr, may_omit in checks:
            if not msgstr:
                continue  # reported by test_every_message_is_translated
            found = placeholders(msgstr)
            if found != expected and not (may_omit and found <= expected):
                problems.append(
                    f"{describe(message)}: expected {sorted(expected)}, "
                    f"translation has {sorted(found)}: {msgstr!r}"
                )
    assert not problems, f"{po_path(locale).relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("locale", ALL_LOCALES)
def test_pybabel_compile_finds_no_errors(catalogs, locale):
    """Babel's own checks, which make `pybabel compile` (and `make`) fail.

    They also catch positional specs: "60 % is withheld" contains "% i", so
    Babel treats the msgid as a format string and wants "% i"-like text back.
    """
    problems = [
        f"{describe(message)}: {error}"
        for message, errors in catalogs[locale].check()
        for error in errors
    ]
    assert not problems, f"{po_path(locale).relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_every_source_string_is_in_the_catalog(catalogs, source_messages, locale):
    catalog = catalogs[locale]
    missing = []
    for message in translated_messages(source_messages):
        entry = catalog.get(message.id, message.context)
        if entry is None:
            where = ", ".join(
                f"{os.path.relpath(file, ROOT)}:{line}" for file, line in message.locations[:3]
            )
            missing.append(f"{describe(message)} ({where})")
    assert not missing, (
        f"{len(missing)} source string(s) are not in {po_path(locale).relative_to(ROOT)}; "
        "run `bash app/translations/extract.sh` and translate them:\n  " + "\n  ".join(missing)
    )


def test_plural_forms_match_the_language(catalogs):
    for locale in ALL_LOCALES:
        catalog = catalogs[locale]
        assert catalog.num_plurals == 2, f"{locale}: {catalog.plural_forms}"
        for message in translated_messages(catalog):
            if locale in TRANSLATED_LOCALES and message.pluralizable:
                assert len(message.string) == catalog.num_plurals, describe(message)


@pytest.fixture(scope="module")
def compiled_translations(tmp_path_factory: pytest.TempPathFactory, catalogs) -> Path:
    """The catalogs compiled into a temporary translation directory."""
    directory = tmp_path_factory.mktemp("translations")
    for locale, catalog in catalogs.items():
        target = directory / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    return directory


@pytest.fixture()
def translated_app(compiled_translations):
    from app import create_app
    from app.extensions import babel
    from config import TestConfig

    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI="sqlite://",
        BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations),
    )
    # Flask-Babel caches loaded catalogs on the extension object that every app
    # shares; empty it so this app reads the directory above (and so no other
    # test keeps catalogs from a temporary directory).
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield app
    with app.app_context():
        babel.domain_instance.cache.clear()


@pytest.mark.parametrize(
    ("locale", "expected"), [("fi", "Kirjaudu sisään"), ("sv", "Logga in"), ("en", "Sign in")]
)
def test_the_app_shows_the_translation(translated_app, locale, expected):
    from flask import render_template_string
    from flask_babel import force_locale, gettext, lazy_gettext

    with translated_app.test_request_context(), force_locale(locale):
        assert gettext("Sign in") == expected
        assert str(lazy_gettext("Sign in")) == expected
        assert render_template_string('{{ _("Sign in") }}') == expected
        if locale != "en":
            assert gettext("Sign in") != "Sign in"


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_domain_error_messages_are_translated(translated_app, locale):
    from flask_babel import force_locale

    from app.common.errors import InvalidInput, translated

    error = InvalidInput("The password must be at least 10 characters long.")
    with translated_app.test_request_context(), force_locale(locale):
        text = translated(error)
    assert text and text != error.message
