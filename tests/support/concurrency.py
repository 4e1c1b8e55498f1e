"""Real concurrency in tests: an app on its own scratch database, and racing threads.

Threads cannot share the rolled-back test transaction, so these tests commit for
real on a scratch database of their own (see `databases.scratch_database`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from tests.support.databases import build_schema, scratch_database


@contextlib.contextmanager
def committing_app(directory, name: str, pool_size: int, **config) -> Iterator:
    """An app with its own migrated scratch database and a pool for ``pool_size`` threads."""
    from app import create_app
    from app.extensions import db
    from config import TestConfig

    with scratch_database(directory, name) as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **config,
                         SQLALCHEMY_ENGINE_OPTIONS={"pool_size": pool_size + 5,
                                                    "max_overflow": 10})
        build_schema(app)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def race(app, calls: list[Callable]) -> list:
    """Run each call in its own thread and app context, all released at once.

    Each call's result (or the exception it raised) comes back in order; a
    call that returns is committed, one that raises is rolled back.
    """
    from app.extensions import db

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = call()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the outcome is what we test
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
