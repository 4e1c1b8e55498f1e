"""The configuration checks one by one, against real services on loopback."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.ops import checks
from config import TestConfig
from tests.support.databases import scratch_database

STRONG_KEY = "9f3c2a7be41d08c6f5a9e2d47b1c3e8a0d6f2b9c4e7a1d5f"


@pytest.mark.parametrize(("key", "expected"), [
    (None, "SECRET_KEY is not set"),
    ("", "SECRET_KEY is not set"),
    ("short-key-123", "SECRET_KEY is too weak"),
    ("a" * 64, "SECRET_KEY is too weak"),
    ("my-very-long-secret-key-that-is-guessable-0123", "SECRET_KEY is too weak"),
    (STRONG_KEY, None),
])
def test_secret_key(key, expected):
    problems = checks.secret_key_problems(key)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(expected)


@pytest.mark.parametrize(("url", "ok"), [
    ("https://kokemuspankki.example.fi", True),
    ("https://kokemuspankki.example.fi/", True),
    ("http://kokemuspankki.example.fi", False),
    ("https://127.0.0.1:5000", False),
    ("", False),
    ("kokemuspankki.example.fi", False),
])
def test_base_url_must_be_public_https(url, ok):
    assert (checks.base_url_problems(url) == []) is ok


@pytest.mark.parametrize(("iban", "bic", "expected"), [
    ("FI2112345600000785", "NDEAFIHH", []),
    ("FI21 1234 5600 0007 85", "NDEAFIHHXXX", []),
    ("FI2112345600000786", "NDEAFIHH", ["BANK_IBAN is not a valid IBAN"]),
    ("FI2112345600000785", "NOPE", ["BANK_BIC is not a valid BIC"]),
    ("", "", ["BANK_IBAN is not set", "BANK_BIC is not set"]),
])
def test_bank_account(iban, bic, expected):
    assert checks.bank_account_problems(iban, bic) == expected


@pytest.mark.parametrize(("settings", "expected"), [
    ({}, ["no Stripe keys"]),
    ({"MANUAL_INVOICING": True}, []),
    ({"STRIPE_SECRET_KEY": "sk_live_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc"}, []),
    ({"STRIPE_SECRET_KEY": "sk_live_abc"}, ["STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK"]),
    ({"STRIPE_WEBHOOK_SECRET": "whsec_abc"}, ["STRIPE_WEBHOOK_SECRET is set but"]),
    ({"STRIPE_SECRET_KEY": "pk_live_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc"},
     ["STRIPE_SECRET_KEY does not look like"]),
])
def test_stripe_keys_both_or_none_with_manual_invoicing(settings, expected):
    problems = checks.stripe_problems(settings)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start)


@pytest.mark.parametrize(("settings", "count"), [
    ({}, 0),
    ({"METRICS_ALLOWED_NETWORKS": ("10.0.0.0/8", "127.0.0.1", "::1/128")}, 0),
    ({"METRICS_ALLOWED_NETWORKS": ("10.0.0.0/33",)}, 1),
    ({"METRICS_TOKEN": "short"}, 1),
])
def test_metrics_settings(settings, count):
    assert len(checks.metrics_problems(settings)) == count


def test_redis_reachable(redis_url):
    assert checks.is_redis_url(redis_url)
    assert checks.redis_problems(redis_url) == []


def test_redis_unreachable(closed_port):
    (problem,) = checks.redis_problems(f"redis://127.0.0.1:{closed_port}/0")
    assert problem.startswith("Redis at RATELIMIT_STORAGE_URI is not reachable")


def test_smtp_reachable(smtp_port):
    assert checks.smtp_problems({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port}) == []


def test_smtp_unreachable_or_missing(closed_port):
    (problem,) = checks.smtp_problems({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed_port})
    assert problem.startswith(f"the SMTP server 127.0.0.1:{closed_port} is not usable")
    assert checks.smtp_problems({}) == [
        "MAIL_SERVER is not set: e-mails would wait in the outbox for ever"]


def test_smtp_starttls_refused(smtp_port):
    """The plain aiosmtpd server offers no STARTTLS, so MAIL_USE_TLS cannot work."""
    (problem,) = checks.smtp_problems(
        {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_USE_TLS": True})
    assert "is not usable" in problem


def test_database_migrated_to_head(app, database_url):
    assert checks.database_problems(database_url) == []


def test_database_unreachable(closed_port):
    url = f"postgresql+psycopg://app:app@127.0.0.1:{closed_port}/app"
    (problem,) = checks.database_problems(url)
    assert problem.startswith("the database is not reachable")


def test_database_url_malformed():
    (problem,) = checks.database_problems("nosuchdriver://x")
    assert problem.startswith("DATABASE_URL is not a usable database URL")


def test_database_not_migrated_or_behind(tmp_path):
    """An empty database, then one a migration behind the code."""
    with scratch_database(tmp_path, "ops_unmigrated") as url:
        assert checks.database_problems(url) == [
            "the database has no migrations applied: run `flask db upgrade`"]
        scratch = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with scratch.app_context():
            upgrade(revision="aa5b92842a97")  # the initial schema only
            db.session.remove()
            db.engine.dispose()
        (problem,) = checks.database_problems(url)
        assert problem.startswith("the database is at migration aa5b92842a97, the code expects ")
        assert problem.endswith("run `flask db upgrade`")


def test_production_configuration_lists_every_problem(closed_port):
    problems = checks.configuration_problems({
        "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://a:b@127.0.0.1:{closed_port}/x",
    }, production=True)
    starts = ["SECRET_KEY is not set", "IDENTITY_CODE_KEY is not set",
              "the database is not reachable", "RATELIMIT_STORAGE_URI is memory://",
              "MAIL_SERVER is not set",
              "BASE_URL must be", "BANK_IBAN is not set", "BANK_BIC is not set",
              "no Stripe keys"]
    assert len(problems) == len(starts)
    for problem, start in zip(problems, starts, strict=True):
        assert problem.startswith(start)


def test_development_checks_only_what_is_configured(app, database_url):
    assert checks.configuration_problems(
        {"SQLALCHEMY_DATABASE_URI": database_url}, production=False) == []
