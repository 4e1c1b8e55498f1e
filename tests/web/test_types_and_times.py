"""Exact money and aware UTC times on SQLite and PostgreSQL; times shown in Helsinki time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string, session
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from app.accounts.models import User
from app.experts.models import ExpertProfile
from app.extensions import db
from tests import factories

HELSINKI = ZoneInfo("Europe/Helsinki")


def stored_limit(app, amount) -> Decimal | None:
    """Store ``amount`` as an expert's monthly earnings limit; read it back in a new session."""
    with app.app_context():
        profile = factories.expert(monthly_earnings_limit=amount)
        db.session.commit()
        profile_id = profile.id
    with app.app_context():
        return db.session.scalar(
            select(ExpertProfile.monthly_earnings_limit).where(ExpertProfile.id == profile_id)
        )


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("0.01"), "0.01"),
        (Decimal("0.10"), "0.10"),
        (Decimal("0.1"), "0.10"),
        (Decimal("19.99"), "19.99"),
        (Decimal("30"), "30.00"),
        (Decimal("1234567.89"), "1234567.89"),
        (Decimal("9999999999999.99"), "9999999999999.99"),
        (12, "12.00"),
        (None, None),
    ],
)
def test_money_round_trips_exactly(app, amount, expected):
    value = stored_limit(app, amount)
    if expected is None:
        assert value is None
    else:
        assert isinstance(value, Decimal)
        assert str(value) == expected


def test_money_sums_exactly(app):
    """0.10 + 0.20 is 0.30 (binary floats would not add up exactly)."""
    with app.app_context():
        for amount in ("0.10", "0.20"):
            factories.expert(
                monthly_earnings_limit=Decimal(amount), email=f"sum{amount}@example.fi"
            )
        db.session.commit()
    with app.app_context():
        values = db.session.scalars(
            select(ExpertProfile.monthly_earnings_limit).where(
                ExpertProfile.monthly_earnings_limit.is_not(None)
            )
        ).all()
        assert sum(values, Decimal(0)) == Decimal("0.30")


@pytest.mark.parametrize(
    ("amount", "error"),
    [(19.99, TypeError), (0.5, TypeError), (Decimal("0.001"), ValueError)],
)
def test_money_refuses_floats_and_fractions_of_cents(app, amount, error):
    with app.app_context():
        profile = factories.expert()
        db.session.commit()
        profile.monthly_earnings_limit = amount
        with pytest.raises((error, StatementError)) as raised:
            db.session.flush()
        cause = raised.value.orig if isinstance(raised.value, StatementError) else raised.value
        assert isinstance(cause, error)
        db.session.rollback()


def stored_time(app, moment: datetime) -> datetime:
    with app.app_context():
        user = factories.user("coordinator", last_login_at=moment)
        db.session.commit()
        user_id = user.id
    with app.app_context():
        return db.session.scalar(select(User.last_login_at).where(User.id == user_id))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 10, 11, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 13, 0, 0, 123456, tzinfo=HELSINKI),  # winter, +02:00
        datetime(2026, 7, 1, 13, 0, tzinfo=HELSINKI),  # summer, +03:00
        datetime(2026, 10, 25, 3, 30, tzinfo=HELSINKI, fold=1),  # the hour that repeats
        datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_utc_datetime_comes_back_aware_and_in_utc(app, moment):
    value = stored_time(app, moment)
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)
    # The same instant (timestamps: == between zones is always False for a fold=1 time).
    assert value.timestamp() == moment.timestamp()
    assert value.replace(tzinfo=None) == moment.astimezone(UTC).replace(tzinfo=None)


def test_utc_datetime_compares_in_queries(app):
    moment = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    stored_time(app, moment)
    with app.app_context():
        # 12:59 and 13:01 Helsinki summer time are just before and after 10:00 UTC.
        before = datetime(2026, 7, 1, 12, 59, tzinfo=HELSINKI)
        after = datetime(2026, 7, 1, 13, 1, tzinfo=HELSINKI)
        found = db.session.scalars(
            select(User.id).where(User.last_login_at > before, User.last_login_at < after)
        ).all()
        assert len(found) == 1


def test_utc_datetime_refuses_naive_values(app):
    with app.app_context():
        user = factories.user("coordinator")
        db.session.commit()
        user.last_login_at = datetime(2026, 3, 10, 11, 0)
        with pytest.raises((ValueError, StatementError)):
            db.session.flush()
        db.session.rollback()


def render_helsinki(app, moment, language=None) -> str:
    with app.test_request_context("/"):
        if language:
            session["language"] = language
        return render_template_string("{{ moment|helsinki }}", moment=moment)


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 3, 10, 11, 0, tzinfo=UTC), "10.3.2026 klo 13.00"),  # winter, UTC+2
        (datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "1.7.2026 klo 13.00"),  # summer, UTC+3
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "29.3.2026 klo 2.30"),  # before the change
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "29.3.2026 klo 4.30"),  # after it
        (datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "1.1.2027 klo 0.30"),  # next day
        (datetime(2026, 3, 10, 13, 5, tzinfo=HELSINKI), "10.3.2026 klo 13.05"),
        (None, ""),
    ],
)
def test_helsinki_filter_in_finnish(app, moment, shown):
    assert render_helsinki(app, moment) == shown


@pytest.mark.parametrize(("language", "expected"), [("sv", "10.3.2026 kl. 13.00"),
                                                    ("en", "10 Mar 2026, 13:00")])
def test_helsinki_filter_in_other_languages(app, language, expected):
    """Swedish like Finnish with "kl." (never CLDR's ISO "2026-03-10 13:00"); English
    with the day first and a 24-hour clock."""
    assert render_helsinki(app, datetime(2026, 3, 10, 11, 0, tzinfo=UTC), language) == expected
