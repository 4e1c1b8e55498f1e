"""Which language and time zone a page is shown in."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import current_app, request, session
from flask_login import current_user


def select_locale() -> str:
    """The visitor's chosen language, then the signed-in user's, then Finnish."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if request and request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or "fi"
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=16)
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def select_locale_object() -> Locale:
    """`select_locale` as a Babel ``Locale``, parsed once per language: Flask-Babel parses
    the selector's string on every request otherwise (and takes a ``Locale`` as it is)."""
    return _parsed(select_locale())


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
