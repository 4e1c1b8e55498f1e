"""Checks of a deployment's settings and the services it depends on.

Plain functions without Flask: each takes values (a settings mapping, a URL, an
open connection) and returns a list of problems, one clear line each. `flask
check-config` and `GET /readyz` call them; an empty list means all is well.
"""

from __future__ import annotations

import ipaddress
import smtplib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
#: How long a check waits for a service before calling it unreachable.
CONNECT_TIMEOUT_SECONDS = 3
#: Secret keys shorter than this (or with few different characters) are too weak.
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 10
WEAK_SECRET_WORDS = ("secret", "change", "password", "kokemus", "example", "test", "dev")
REDIS_SCHEMES = ("redis", "rediss", "redis+sentinel", "redis+cluster")


def migration_heads(migrations_dir: Path = MIGRATIONS_DIR) -> tuple[str, ...]:
    """The head revision(s) of the migration scripts shipped with this code."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir))
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


def schema_problems(connection: sa.Connection, heads: tuple[str, ...]) -> list[str]:
    """Problems when the database behind ``connection`` is not migrated to ``heads``."""
    current: tuple[str, ...] = ()
    if sa.inspect(connection).has_table("alembic_version"):
        current = tuple(sorted(connection.scalars(
            sa.text("SELECT version_num FROM alembic_version")).all()))
    if current == heads:
        return []
    if not current:
        return ["the database has no migrations applied: run `flask db upgrade`"]
    return [
        f"the database is at migration {', '.join(current)}, the code expects "
        f"{', '.join(heads)}: run `flask db upgrade`"
    ]


def database_problems(url: str, heads: tuple[str, ...] | None = None) -> list[str]:
    """Problems reaching the database at ``url`` or with its migration state."""
    if not url:
        return ["DATABASE_URL is not set"]
    connect_args = {}
    if url.startswith("postgresql"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=connect_args)
    except Exception as error:  # a malformed URL or an unknown driver
        return [f"DATABASE_URL is not a usable database URL ({_short(error)})"]
    try:
        with engine.connect() as connection:
            return schema_problems(connection, heads or migration_heads())
    except sa.exc.SQLAlchemyError as error:
        return [f"the database is not reachable ({_short(error)})"]
    finally:
        engine.dispose()


def is_redis_url(url: str) -> bool:
    return urlsplit(url or "").scheme in REDIS_SCHEMES


def redis_problems(url: str) -> list[str]:
    """Problems reaching the Redis server at ``url`` (PING)."""
    import redis

    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=CONNECT_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError, OSError) as error:
        return [f"Redis at RATELIMIT_STORAGE_URI is not reachable ({_short(error)})"]
    return []


def smtp_problems(settings: Mapping) -> list[str]:
    """Problems with the SMTP relay: not set, not reachable, TLS or sign-in refused."""
    server = settings.get("MAIL_SERVER") or ""
    if not server:
        return ["MAIL_SERVER is not set: e-mails would wait in the outbox for ever"]
    port = settings.get("MAIL_PORT") or 25
    try:
        with smtplib.SMTP(server, int(port), timeout=CONNECT_TIMEOUT_SECONDS) as smtp:
            smtp.ehlo()
            if settings.get("MAIL_USE_TLS"):
                smtp.starttls()
                smtp.ehlo()
            if settings.get("MAIL_USERNAME"):
                smtp.login(settings["MAIL_USERNAME"], settings.get("MAIL_PASSWORD") or "")
    except smtplib.SMTPAuthenticationError:
        return [f"the SMTP server {server}:{port} refused MAIL_USERNAME and MAIL_PASSWORD"]
    except (OSError, smtplib.SMTPException) as error:
        return [f"the SMTP server {server}:{port} is not usable ({_short(error)})"]
    return []


def secret_key_problems(key: str | None) -> list[str]:
    if not key:
        return ["SECRET_KEY is not set"]
    lowered = key.lower()
    if (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_DISTINCT
        or any(word in lowered for word in WEAK_SECRET_WORDS)
    ):
        return [
            f"SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters, "
            "e.g. from `python3 -c 'import secrets; print(secrets.token_hex(32))'`"
        ]
    return []


def identity_code_key_problems(key: str | None) -> list[str]:
    """The Fernet key of personal identity codes: set, and a valid Fernet key."""
    if not key:
        return ["IDENTITY_CODE_KEY is not set (a Fernet key: personal identity codes are "
                "encrypted with it)"]
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return ["IDENTITY_CODE_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)"]
    return []


def base_url_problems(url: str) -> list[str]:
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not parts.hostname:
        return [f"BASE_URL must be the public https:// address (now {url!r})"]
    if parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return [f"BASE_URL must be the public address, not {parts.hostname}"]
    return []


def bank_account_problems(iban: str, bic: str) -> list[str]:
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException

    problems = []
    try:
        IBAN(iban or "")
    except SchwiftyException:
        problems.append("BANK_IBAN is not a valid IBAN" if iban else "BANK_IBAN is not set")
    try:
        BIC(bic or "")
    except SchwiftyException:
        problems.append("BANK_BIC is not a valid BIC" if bic else "BANK_BIC is not set")
    return problems


def stripe_problems(settings: Mapping) -> list[str]:
    """Stripe keys both set (and well-formed), or none and manual invoicing stated."""
    secret = settings.get("STRIPE_SECRET_KEY") or ""
    webhook = settings.get("STRIPE_WEBHOOK_SECRET") or ""
    if not secret and not webhook:
        if settings.get("MANUAL_INVOICING"):
            return []
        return [
            "no Stripe keys: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or "
            "MANUAL_INVOICING=1 to state that invoices are handled by hand"
        ]
    problems = []
    if not secret:
        problems.append("STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not")
    elif not secret.startswith(("sk_", "rk_")):
        problems.append("STRIPE_SECRET_KEY does not look like a Stripe secret key (sk_…)")
    if not webhook:
        problems.append("STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not")
    elif not webhook.startswith("whsec_"):
        problems.append("STRIPE_WEBHOOK_SECRET does not look like a webhook secret (whsec_…)")
    return problems


def metrics_problems(settings: Mapping) -> list[str]:
    problems = []
    for network in settings.get("METRICS_ALLOWED_NETWORKS") or ():
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            problems.append(f"METRICS_ALLOWED_NETWORKS has {network!r}, which is not a network")
    token = settings.get("METRICS_TOKEN") or ""
    if token and len(token) < 16:
        problems.append("METRICS_TOKEN is too short: use at least 16 random characters")
    return problems


def configuration_problems(settings: Mapping, *, production: bool) -> list[str]:
    """Every problem with ``settings`` (an app's config), one line each.

    Outside production only the services that are configured are checked
    (database; Redis and SMTP when set); in production every setting must be right.
    """
    problems: list[str] = []
    database_url = settings.get("SQLALCHEMY_DATABASE_URI") or ""
    if production:
        problems += secret_key_problems(settings.get("SECRET_KEY"))
        problems += identity_code_key_problems(settings.get("IDENTITY_CODE_KEY"))
        if database_url.startswith("sqlite"):
            problems.append("DATABASE_URL must name the shared PostgreSQL database, not SQLite")
    problems += database_problems(database_url)
    storage = settings.get("RATELIMIT_STORAGE_URI") or "memory://"
    if is_redis_url(storage):
        problems += redis_problems(storage)
    elif production and storage.startswith("memory"):
        problems.append(
            "RATELIMIT_STORAGE_URI is memory://: with several workers set it to redis://…"
        )
    if production or settings.get("MAIL_SERVER"):
        problems += smtp_problems(settings)
    problems += metrics_problems(settings)
    if production:
        problems += base_url_problems(settings.get("BASE_URL") or "")
        problems += bank_account_problems(settings.get("BANK_IBAN"), settings.get("BANK_BIC"))
        problems += stripe_problems(settings)
    return problems


def _short(error: BaseException) -> str:
    """The first line of an error message, without the SQLAlchemy background link."""
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = text[0] if text else type(error).__name__
    return first[:200]

