"""Per-request work done once: the session cookie's signer, the page's translations and
the URLs of the site's fixed links (the login page renders with no SQL, so these were most
of its cost next to the template itself)."""

from __future__ import annotations

import time
from collections.abc import Callable

import wtforms.widgets
from flask import Flask, current_app, g, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, get_translations
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
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


#: Stands for the CSRF token in a stored page (no real token has these characters).
TOKEN_MARK = "\x00csrf-token\x00"
#: How long a rendered page is reused, in seconds (it depends on nothing that changes, but
#: a bounded age keeps any overlooked input from living long).
PAGE_SECONDS = 300


def anonymous_page(template: str, context: Callable[[], dict]) -> str:
    """``render_template(template, **context())``, rendered once per language and path for
    visitors who are not signed in (``context`` is called only when the page is rendered:
    building a form costs as much as the rest of the request).

    Pages such as the login page are the same for every anonymous visitor but for the
    CSRF token, so the rendered HTML is kept per worker (for `PAGE_SECONDS`) with the
    token cut out and this visitor's token put back in. Anything that could differ —
    a signed-in user, a flashed message, a query string, a method other than GET — renders
    the page as usual. Only for contexts that do not depend on the request otherwise
    (an empty form)."""
    if (request.method != "GET" or request.args or current_user.is_authenticated
            or session.get("_flashes")):
        return render_template(template, **context())
    token = generate_csrf()
    pages = current_app.extensions.setdefault("kp_anonymous_pages", {})
    key = (template, request.script_root, request.path, str(get_locale()))
    stored = pages.get(key)
    now = time.monotonic()
    if stored is not None and stored[0] > now:
        return stored[1].replace(TOKEN_MARK, token)
    html = render_template(template, **context())
    if token in html and TOKEN_MARK not in html:
        pages[key] = (now + PAGE_SECONDS, html.replace(token, TOKEN_MARK))
    return html


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
