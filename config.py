"""Configuration read from the environment, with safe defaults for local use.

`Config` is the embedded default (SQLite in ``instance/``, no Stripe keys, no
SMTP); `ProductionConfig` refuses to start without a real secret key;
`TestConfig` is what the test suite runs with.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _intervals(name: str) -> dict[str, int]:
    """``"deliver_mail=30,expire_invitations=60"`` → ``{"deliver_mail": 30, …}``."""
    intervals = {}
    for item in os.environ.get(name, "").split(","):
        key, _, value = item.partition("=")
        if not item.strip():
            continue
        if not key.strip() or not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"{name}: expected job=seconds, e.g. deliver_mail=30; got {item!r}")
        intervals[key.strip()] = int(value)
    return intervals


def database_url(default_sqlite: Path | None = None) -> str:
    """The SQLAlchemy URL: ``DATABASE_URL`` (PostgreSQL through psycopg 3) or SQLite."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        path = default_sqlite or INSTANCE_DIR / "kokemuspankki.db"
        return f"sqlite:///{path}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def local_secret_key() -> str:
    """A secret key kept in ``instance/secret_key`` so sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Config:
    """Embedded default: one process, SQLite, optional Stripe and SMTP."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled in by create_app
    SQLALCHEMY_DATABASE_URI = database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    PORT = _int("PORT", 5000)

    # Language and time: Finnish first, stored in UTC, shown in Helsinki time.
    LANGUAGES = ("fi", "sv", "en")
    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    # Sessions and forms.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024

    # Rate limits: shared storage (e.g. redis://) when several workers run.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Prefix of the limit counters in shared storage, so several deployments may share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "kokemuspankki")
    #: Reverse proxies in front of the app that add X-Forwarded-For/-Proto/-Host (0: none).
    #: Only that many hops are trusted, so rate limits see the real client, not the proxy.
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    #: Wrong passwords per account in the window before passwords pause (the owner can
    #: still sign in with an e-mailed link), and per client address (to any account).
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
    #: Server-side sessions: idle timeout of finance, coordinators and admins, of everyone
    #: else, and the absolute lifetime of any session.
    SESSION_IDLE_MINUTES_STAFF = _int("SESSION_IDLE_MINUTES_STAFF", 30)
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 8 * 60)
    SESSION_LIFETIME_HOURS = _int("SESSION_LIFETIME_HOURS", 12)
    LOGIN_FAILURE_WINDOW_MINUTES = _int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)

    # Stripe (optional: without keys invoices are handled manually).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    STRIPE_MAX_NETWORK_RETRIES = _int("STRIPE_MAX_NETWORK_RETRIES", 2)
    #: Stated when the bank sends its invoices by hand (no Stripe keys in production).
    MANUAL_INVOICING = _bool("MANUAL_INVOICING", False)

    # E-mail (optional: without a server mails wait in the outbox).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Kokemuspankki <noreply@kokemuspankki.local>")
    #: Where the accessibility statement asks users to report accessibility problems.
    ACCESSIBILITY_FEEDBACK_EMAIL = os.environ.get(
        "ACCESSIBILITY_FEEDBACK_EMAIL", "saavutettavuus@kokemuspankki.fi")
    #: The bank's address for questions, given in mails that ask the reader to contact it
    #: (e.g. an invitation to an address that already has an account).
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "tuki@kokemuspankki.fi")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    #: How long a web worker keeps the landing page's fee list before reading it again.
    FEE_CACHE_SECONDS = _int("FEE_CACHE_SECONDS", 60)
    #: How long a web worker keeps the participation report's figures of one period and
    #: organisation before counting them again (the page says when they were counted).
    REPORT_CACHE_SECONDS = _int("REPORT_CACHE_SECONDS", 300)
    #: An API token's last use is written down at most this often (reads do not write).
    API_TOKEN_TOUCH_SECONDS = _int("API_TOKEN_TOUCH_SECONDS", 300)

    # Background jobs: run by `flask scheduler`, never inside web workers.
    SCHEDULER_ENABLED = _bool("SCHEDULER_ENABLED", True)
    SCHEDULER_LEASE_SECONDS = _int("SCHEDULER_LEASE_SECONDS", 60)
    #: Port where `flask scheduler` serves its own job metrics (0: none), on this address.
    SCHEDULER_METRICS_PORT = _int("SCHEDULER_METRICS_PORT", 0)
    SCHEDULER_METRICS_ADDRESS = os.environ.get("SCHEDULER_METRICS_ADDRESS", "127.0.0.1")

    # Operations: logs (one JSON object per line, or plain text) and Prometheus metrics,
    # served at /metrics only with the bearer token or to the listed networks (CIDRs).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    METRICS_ALLOWED_NETWORKS = tuple(
        part.strip() for part in os.environ.get("METRICS_ALLOWED_NETWORKS", "").split(",")
        if part.strip()
    )

    #: Other intervals for some jobs, e.g. ``deliver_mail=10,expire_invitations=30`` (seconds).
    JOB_INTERVALS = _intervals("JOB_INTERVALS")

    # The bank's own account for SEPA exports.
    BANK_NAME = os.environ.get("BANK_NAME", "Kokemuspankki")
    BANK_IBAN = os.environ.get("BANK_IBAN", "")
    BANK_BIC = os.environ.get("BANK_BIC", "")
    #: VAT of invoice lines in percent (e.g. "25.5"); empty: the lines are VAT exempt
    #: and the invoice prints INVOICE_VAT_EXEMPTION_REASON.
    INVOICE_VAT_PERCENT = os.environ.get("INVOICE_VAT_PERCENT", "")
    INVOICE_VAT_EXEMPTION_REASON = os.environ.get(
        "INVOICE_VAT_EXEMPTION_REASON",
        "Arvonlisäveroton sosiaalihuollon palvelu (AVL 34 §)",
    )
    #: The payer's business ID (Y-tunnus) in the payroll file.
    PAYER_BUSINESS_ID = os.environ.get("PAYER_BUSINESS_ID", "")
    #: Fernet key for personal identity codes; required in production, derived from
    #: SECRET_KEY elsewhere (`app.experts.identity_code`).
    IDENTITY_CODE_KEY = os.environ.get("IDENTITY_CODE_KEY", "")


class ProductionConfig(Config):
    """Production: a secret key from the environment and secure cookies."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")


class TestConfig(Config):
    """The test suite's settings; ``TEST_DATABASE_URL`` selects the database."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
    FEE_CACHE_SECONDS = 0  # every test sees its own fee schedules
    REPORT_CACHE_SECONDS = 0  # and its own figures
    SCHEDULER_ENABLED = False
    MAIL_SERVER = ""
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    STRIPE_API_BASE = ""
    STRIPE_MAX_NETWORK_RETRIES = 0
    #: A well-known example account (not a real one) so payout batches can be tried.
    BANK_IBAN = "FI2112345600000785"
    BANK_BIC = "NDEAFIHH"


def config_for_environment() -> type[Config]:
    """Pick the configuration class named by ``KOKEMUSPANKKI_ENV``."""
    name = os.environ.get("KOKEMUSPANKKI_ENV", "development").lower()
    return {"production": ProductionConfig, "test": TestConfig}.get(name, Config)
