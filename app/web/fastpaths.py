"""Per-request work done once: the session cookie's signer, the page's translations and
the URLs of the site's fixed links (the login page renders with no SQL, so these were most
of its cost next to the template itself)."""

from __future__ import annotations

import wtforms.widgets
from flask import Flask, current_app, g, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_translations
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup, escape
from wtforms.widgets import core as wtforms_widgets
from wtforms.widgets.core import clean_key


class CachedSignerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the signer built once per set of keys instead of
    twice per request (opening and saving the session)."""

    def __init__(self) -> None:
        self._signers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        try:
            return self._signers[key]
        except KeyError:
            signer = self._signers[key] = super().get_signing_serializer(app)
            return signer


def request_translations():
    """The translations of the page's language, found once per request and language.

    Flask-Babel resolves the context, domain and locale on every gettext call; a page calls
    it dozens of times. The cache is keyed by the locale object that Flask-Babel keeps for
    the request, so ``force_locale`` (mails in the recipient's language) still switches."""
    if not g:
        return get_translations()
    babel_state = g.get("_flask_babel")
    locale = getattr(babel_state, "babel_locale", None)
    if locale is None:  # the first call of the request chooses the locale
        return get_translations()
    cached = getattr(babel_state, "kp_translations", None)
    if cached is None or cached[0] is not locale:
        cached = babel_state.kp_translations = (locale, get_translations())
    return cached[1]


def fixed_url(endpoint: str) -> str:
    """``url_for(endpoint)`` of a link without arguments, built once per application and
    root path (the header's and footer's links are the same on every page)."""
    urls = current_app.extensions.setdefault("kp_fixed_urls", {})
    key = (request.script_root, endpoint)
    try:
        return urls[key]
    except KeyError:
        url = urls[key] = url_for(endpoint)
        return url


#: WTForms' own function, as imported before `init_app` replaces it (the tests compare).
WTFORMS_HTML_PARAMS = wtforms_widgets.html_params


def html_params(**kwargs) -> Markup:
    """WTForms' ``html_params`` with the same output, without ``Markup.format`` (a string
    formatter per attribute made the form fields most of a form page's rendering time)."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = clean_key(key)
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{escape(key)}="{escape(value)}"')
    return Markup(" ".join(params))


def init_app(app: Flask) -> None:
    # The widgets look it up in their module, <input> in its class, labels in the package.
    wtforms_widgets.html_params = wtforms.widgets.html_params = html_params
    wtforms_widgets.Input.html_params = staticmethod(html_params)
    app.session_interface = CachedSignerSessionInterface()
    translations = request_translations
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["fixed_url"] = fixed_url
