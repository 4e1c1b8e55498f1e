"""Fixtures for payment tests: a real localstripe server on loopback, Stripe settings.

``localstripe`` runs in this process, in a thread with its own event loop,
bound to 127.0.0.1 only, with its pickle store switched off and the one-off
invoice routes of `tests.payments.localstripe_ext` added. The app talks to it
over HTTP through the real ``stripe`` library (``STRIPE_API_BASE``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
import stripe

from app.common.timeutil import utcnow
from tests.payments import localstripe_ext

STRIPE_KEY = "sk_test_kokemuspankki"
WEBHOOK_SECRET = "whsec_kokemuspankki_test"


class LocalStripe:
    """localstripe's aiohttp app served on 127.0.0.1 in a background thread.

    This is what ``aiohttp.web.run_app(app, host="127.0.0.1", port=N)`` does,
    spelled out with an `AppRunner` so that the port can be 0 (no race for a
    free port) and the server can be stopped cleanly at the end of the run.
    """

    def __init__(self):
        import localstripe.resources

        localstripe.resources.Store.dump_to_disk = lambda self: None  # no /tmp pickle
        from localstripe import server  # (imported quietly by localstripe_ext)

        self.app = localstripe_ext.install(server.app)
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="localstripe", daemon=True)

    def _serve(self) -> None:
        from aiohttp import web

        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._ready.set()
        self.loop.run_forever()
        for task in asyncio.all_tasks(self.loop):
            task.cancel()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def start(self) -> LocalStripe:
        self._thread.start()
        assert self._ready.wait(15), "localstripe did not start"
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(15)

    def client(self) -> stripe.StripeClient:
        """A client of our own, for looking at what the app made."""
        return stripe.StripeClient(STRIPE_KEY, base_addresses={"api": self.url},
                                   max_network_retries=0)

    def flush(self) -> None:
        """Forget every object (and idempotency key) from earlier tests."""
        import urllib.request

        request = urllib.request.Request(f"{self.url}/_config/data", method="DELETE")
        urllib.request.urlopen(request, timeout=10).close()

    def register_webhook(self, name: str, url: str, secret: str) -> None:
        """Have localstripe send its events, signed with ``secret``, to ``url``."""
        import urllib.parse
        import urllib.request

        data = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
        urllib.request.urlopen(f"{self.url}/_config/webhooks/{name}", data=data,
                               timeout=10).close()

    def unregister_webhook(self, name: str) -> None:
        from localstripe import webhooks

        webhooks._webhooks.pop(name, None)  # localstripe has no route for this


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    stripe.max_network_retries = 0
    server = LocalStripe().start()
    yield server
    server.stop()


def stripe_settings(localstripe: LocalStripe) -> dict:
    return {
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_API_BASE": localstripe.url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def stripe_on(app, localstripe) -> Iterator[LocalStripe]:
    """The app configured with Stripe keys pointing at a freshly emptied localstripe."""
    localstripe.flush()
    saved = {key: app.config.get(key) for key in stripe_settings(localstripe)}
    app.config.update(stripe_settings(localstripe))
    yield localstripe
    app.config.update(saved)


@pytest.fixture
def webhook_secret(app) -> Iterator[str]:
    """Only the webhook secret set (no Stripe keys needed to receive events)."""
    saved = app.config.get("STRIPE_WEBHOOK_SECRET")
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    yield WEBHOOK_SECRET
    app.config["STRIPE_WEBHOOK_SECRET"] = saved


@pytest.fixture
def now():
    return utcnow().replace(microsecond=0)


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield
