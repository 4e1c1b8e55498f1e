"""Two schedulers delivering the outbox at the same moment send every mail once (PostgreSQL).

A run of `deliver_mail` may still be sending when the next slot's run starts in
another process; each message is locked from reading to commit, so the other
run skips it. Real threads on a scratch database, a real SMTP server.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import deliver_pending, queue_mail
from tests.support import concurrency
from tests.support.cluster import SmtpSink
from tests.support.databases import on_postgres

pytestmark = pytest.mark.skipif(not on_postgres(), reason="row locks are tested on PostgreSQL")

MAILS = 40
DELIVERERS = 4


@pytest.fixture
def committing_app(tmp_path):
    with concurrency.committing_app(tmp_path, "app_outbox", DELIVERERS) as app:
        yield app


def test_concurrent_deliveries_send_each_mail_once(committing_app):
    app = committing_app
    with SmtpSink() as sink:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
        with app.test_request_context("/"):
            for number in range(MAILS):
                queue_mail(f"vastaanottaja{number}@example.fi", "password_reset", language="fi",
                           kind="test", user={"full_name": "Testi"}, hours=1,
                           link="https://example.fi/reset")
            db.session.commit()
            db.session.remove()

        def deliver():
            with app.test_request_context("/"):
                return deliver_pending()

        sent = concurrency.race(app, [deliver] * DELIVERERS)
    assert all(isinstance(count, int) for count in sent), sent
    assert sum(sent) == MAILS
    assert len(sink.received) == MAILS
    assert set(sink.received.values()) == {1}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "sent")) == MAILS
