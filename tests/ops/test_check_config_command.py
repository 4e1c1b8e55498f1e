"""`flask check-config` as an operator runs it: a separate process reading the environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.support.databases import on_postgres

ROOT = Path(__file__).resolve().parents[2]
#: Settings the command reads; the test's own environment must not leak into them.
SETTINGS = ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI", "MAIL_SERVER", "MAIL_PORT",
            "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD", "BASE_URL", "BANK_IBAN",
            "BANK_BIC", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "MANUAL_INVOICING",
            "METRICS_TOKEN", "METRICS_ALLOWED_NETWORKS", "KOKEMUSPANKKI_ENV",
            "IDENTITY_CODE_KEY")


@pytest.fixture
def complete(tmp_path, database_url, redis_url, smtp_port) -> dict[str, str]:
    """A complete production environment on the migrated test database."""
    return {
        "KOKEMUSPANKKI_ENV": "production",
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": secrets.token_hex(32),
        "IDENTITY_CODE_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "BASE_URL": "https://kokemuspankki.example.fi",
        "BANK_IBAN": "FI2112345600000785",
        "BANK_BIC": "NDEAFIHH",
        "MANUAL_INVOICING": "1",
    }


def check_config(settings: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(settings)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "check-config"]
    return subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def problems_of(result: subprocess.CompletedProcess) -> list[str]:
    return [line.removeprefix("problem: ") for line in result.stderr.splitlines()
            if line.startswith("problem: ")]


needs_postgres = pytest.mark.skipif(
    not on_postgres(), reason="production requires PostgreSQL; runs in the PostgreSQL suite")


@needs_postgres
def test_passes_on_a_complete_production_configuration(app, complete):
    result = check_config(complete)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Configuration OK."
    assert problems_of(result) == []


def test_missing_secret_key_is_one_clear_line(app, complete):
    del complete["SECRET_KEY"]
    result = check_config(complete)
    assert result.returncode == 1
    expected = ["SECRET_KEY is not set"]
    if not on_postgres():
        expected.append("DATABASE_URL must name the shared PostgreSQL database, not SQLite")
    assert problems_of(result) == expected
    assert "Traceback" not in result.stderr


def test_missing_or_malformed_identity_code_key_is_named(app, complete):
    del complete["IDENTITY_CODE_KEY"]
    missing = problems_of(check_config(complete))
    complete["IDENTITY_CODE_KEY"] = "not-a-fernet-key"
    malformed = problems_of(check_config(complete))
    assert missing[0].startswith("IDENTITY_CODE_KEY is not set")
    assert malformed[0].startswith("IDENTITY_CODE_KEY is not a valid Fernet key")


def test_unreachable_database_and_missing_key(app, complete, closed_port):
    complete["DATABASE_URL"] = f"postgresql://app:app@127.0.0.1:{closed_port}/app"
    complete["SECRET_KEY"] = "changeme"
    result = check_config(complete)
    assert result.returncode == 1
    problems = problems_of(result)
    assert len(problems) == 2, result.stderr
    assert problems[0].startswith("SECRET_KEY is too weak")
    assert problems[1].startswith("the database is not reachable (")
    assert "Traceback" not in result.stderr


def test_sqlite_and_missing_services_each_named(app, complete, closed_port, tmp_path):
    complete.update(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite'}",
                    RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port}/0",
                    MAIL_PORT=str(closed_port), BASE_URL="http://kokemuspankki.example.fi",
                    BANK_IBAN="FI2112345600000786", MANUAL_INVOICING="0")
    result = check_config(complete)
    assert result.returncode == 1
    starts = ["DATABASE_URL must name the shared PostgreSQL database",
              "the database has no migrations applied", "Redis at RATELIMIT_STORAGE_URI",
              f"the SMTP server 127.0.0.1:{closed_port}", "BASE_URL must be the public https",
              "BANK_IBAN is not a valid IBAN", "no Stripe keys"]
    problems = problems_of(result)
    assert len(problems) == len(starts), result.stderr
    for problem, start in zip(problems, starts, strict=True):
        assert problem.startswith(start)


def test_development_checks_the_configured_database(app, database_url, tmp_path):
    result = check_config({"KOKEMUSPANKKI_ENV": "development", "INSTANCE_PATH": str(tmp_path),
                           "DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "only the configured services were checked" in result.stdout
