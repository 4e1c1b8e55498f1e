"""Fixtures for payout tests: an app context, the bank's own account, a fixed moment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.payouts import services
from tests.payouts.helpers import (
    BANK_BIC,
    BANK_IBAN,
    approved,
    code,
    expert_with_iban,
    finance_user,
    helsinki,
    payout,
)


@pytest.fixture(autouse=True)
def _app_context(app, monkeypatch):
    """An app context, with the bank's own account configured for the SEPA exports."""
    monkeypatch.setitem(app.config, "BANK_IBAN", BANK_IBAN)
    monkeypatch.setitem(app.config, "BANK_BIC", BANK_BIC)
    monkeypatch.setitem(app.config, "BANK_NAME", "Kokemuspankki ry")
    with app.app_context():
        yield


@pytest.fixture
def now():
    """A fixed moment after the test work (2026-03-10) was done: 2026-03-20 12:00 Helsinki."""
    return helsinki(2026, 3, 20, 12)


@pytest.fixture
def finance():
    return finance_user()


@pytest.fixture
def other_finance():
    return finance_user()


@pytest.fixture
def earnings_data(finance, now):
    """A known year for one expert (20 % withholding), with the totals computed by hand:

    =========  =====  ===========  ======  ======  ========  =====  ===========
    work (Hki) fee    withholding  net     travel  per diem  total  status
    =========  =====  ===========  ======  ======  ========  =====  ===========
    15.1.2026  30.00   6.00        24.00   46.20    0.00     70.20  paid
    31.1. 23.30 20.00  4.00        16.00    0.00   25.00     41.00  approved
    1.2. 00.30 15.00   3.00        12.00   10.50    0.00     22.50  pending
    10.3.2026  60.00  (rejected: not counted)
    31.12.2025, 1.1.2027 00.30: other years
    =========  =====  ===========  ======  ======  ========  =====  ===========

    January: fee 50.00, withholding 10.00, net 40.00, travel 46.20, per diem 25.00,
    total 111.20 of which paid 70.20; February: 15.00, 3.00, 12.00, 10.50, 0.00, 22.50.
    Year: 65.00, 13.00, 52.00, 56.70, 25.00, 133.70, paid 70.20.
    """
    expert = expert_with_iban(withholding_percent=Decimal("20"), monthly_earnings_limit=Decimal(
        "40.00"), yearly_earnings_limit=Decimal("1000.00"))
    paid = payout(expert, starts_at=helsinki(2026, 1, 15), fee="30.00", travel="46.20",
                  title="Tammikuun luento")
    late_january = payout(expert, starts_at=helsinki(2026, 1, 31, 23, 30), fee="20.00",
                          per_diem="25.00")
    first_of_february = payout(expert, starts_at=helsinki(2026, 2, 1, 0, 30), fee="15.00",
                               travel="10.50")
    rejected = payout(expert, starts_at=helsinki(2026, 3, 10), fee="60.00")
    payout(expert, starts_at=helsinki(2025, 12, 31, 23), fee="30.00")
    payout(expert, starts_at=helsinki(2027, 1, 1, 0, 30), fee="30.00")
    assert first_of_february.work_date.month == 1  # still January in UTC
    approved([paid, late_january], finance, now)
    batch = services.create_batch(finance, [paid.id], now)
    services.mark_batch_paid(finance, batch.id, now)
    services.reject_payout_item(finance, rejected.id, "Tuplaraportti.", code(finance, now), now)
    db.session.commit()
    return expert
