"""The application factory, the test configuration, and the per-test rollback harness."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.extensions import db
from app.reference.models import ExpertiseArea
from config import ProductionConfig

PROBE_SLUG = "rollback-probe"


def test_test_config(app, database_url):
    assert app.testing
    assert app.config["WTF_CSRF_ENABLED"] is False
    assert app.config["SECRET_KEY"] == "test-secret-key"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url


def test_csrf_app_shares_the_database(app, csrf_app):
    assert csrf_app.config["WTF_CSRF_ENABLED"] is True
    assert csrf_app.config["SQLALCHEMY_DATABASE_URI"] == app.config["SQLALCHEMY_DATABASE_URI"]


def test_production_requires_a_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=None, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_reference_data_is_loaded(app):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExpertiseArea)) > 0


def _probe_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(ExpertiseArea).where(ExpertiseArea.slug == PROBE_SLUG)
    )


def _commit_probe(app) -> None:
    """Commit a row as a service would, and check other sessions see it during the test."""
    with app.app_context():
        assert _probe_count() == 0, "a row committed by another test was not rolled back"
        db.session.add(
            ExpertiseArea(slug=PROBE_SLUG, name_fi="Koe", name_sv="Prov", name_en="Probe")
        )
        db.session.commit()
    with app.app_context():  # a new context means a new session
        assert _probe_count() == 1


# The same test twice: whichever runs second fails unless the first one's commit
# was rolled back at the end of that test.
def test_commits_are_rolled_back_after_each_test_first(app):
    _commit_probe(app)


def test_commits_are_rolled_back_after_each_test_second(app):
    _commit_probe(app)


def test_a_failed_commit_rolls_back_only_to_the_last_commit(app):
    with app.app_context():
        db.session.add(ExpertiseArea(slug=PROBE_SLUG, name_fi="A", name_sv="A", name_en="A"))
        db.session.commit()
        db.session.add(ExpertiseArea(slug=PROBE_SLUG, name_fi="B", name_sv="B", name_en="B"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert _probe_count() == 1
        assert (
            db.session.scalar(select(ExpertiseArea.name_fi).where(ExpertiseArea.slug == PROBE_SLUG))
            == "A"
        )


def test_cli_runner_uses_the_test_app(runner):
    result = runner.invoke(args=["load-reference"])
    assert result.exit_code == 0, result.output
