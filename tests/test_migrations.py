"""The Alembic migrations agree with the models, and run down to base and up again."""

from __future__ import annotations

from pprint import pformat

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.support.databases import scratch_database


def _differences(connection: sa.Connection) -> list:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": False}
    )
    return compare_metadata(context, db.metadata)


def test_migrations_have_a_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_and_migrations_agree(app):
    """What autogenerate would write for the migrated database: nothing."""
    with app.app_context():
        differences = _differences(db.session.connection())
    assert differences == [], "models and migrations differ:\n" + pformat(differences)


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    """On a database of its own, so that the session's database stays as it is."""
    with scratch_database(tmp_path, "app_migrations") as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        try:
            with app.app_context():
                flask_migrate.upgrade()
                tables = set(sa.inspect(db.engine).get_table_names())
                assert set(db.metadata.tables) <= tables

                flask_migrate.downgrade(revision="base")
                left = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
                assert left == set(), f"tables left after downgrading to base: {sorted(left)}"

                flask_migrate.upgrade()
                with db.engine.connect() as connection:
                    differences = _differences(connection)
                assert differences == [], pformat(differences)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
