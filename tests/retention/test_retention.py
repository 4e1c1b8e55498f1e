"""The retention clean-up: each rule, with a driven clock, removes exactly what has outlived it."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.accounts.models import ApiToken, LoginAttempt, User
from app.accounts.services import _token_hash
from app.accounts.tokens import new_secret
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.bookings.models import CompletionReport
from app.common.timeutil import HELSINKI
from app.common.uploads import kind_of, store_upload, stored_path
from app.experts.models import REJECTED, ExpertProfile, TrainingRecord
from app.extensions import db
from app.jobs import JOBS, run_job
from app.mail.models import OutboxMessage
from app.organisations.models import ColleagueInvitation
from app.participation.channel.models import AnonymousFeedback, AnonymousFeedbackTag
from app.payouts.models import PayoutBatch, PayoutItem
from app.retention import services as retention
from tests import factories
from tests.payouts.helpers import confirmed_assignment, expert_with_iban, payout

#: The driven clock: noon in Helsinki on a day whose month boundaries are easy to see.
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=HELSINKI).astimezone(UTC)
PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


@pytest.fixture(autouse=True)
def _app_context(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    with app.test_request_context("/"):
        yield


def ids(model, *where) -> set[int]:
    return set(db.session.scalars(select(model.id).where(*where)))


@pytest.mark.parametrize(("day", "months"), [
    (date(2026, 11, 15), 24), (date(2026, 3, 31), 1), (date(2024, 2, 29), 12),
    (date(2026, 1, 10), 13),
])
def test_months_before_counts_calendar_months(day, months):
    expected = {
        (date(2026, 11, 15), 24): date(2024, 11, 15),
        (date(2026, 3, 31), 1): date(2026, 2, 28),
        (date(2024, 2, 29), 12): date(2023, 2, 28),
        (date(2026, 1, 10), 13): date(2024, 12, 10),
    }
    assert retention.months_before(day, months) == expected[(day, months)]


def test_anonymous_messages_go_after_24_months():
    def message(day):
        row = AnonymousFeedback(topic="services", text="Viesti", received_on=day)
        row.tags.append(AnonymousFeedbackTag(tag="odotus"))
        db.session.add(row)
        db.session.flush()
        return row.id

    old = message(date(2024, 11, 14))
    boundary = message(date(2024, 11, 15))
    new = message(date(2026, 1, 1))
    assert retention.remove_anonymous_messages(NOW) == 1
    assert ids(AnonymousFeedback) == {boundary, new}
    assert db.session.scalar(select(func.count()).select_from(AnonymousFeedbackTag).where(
        AnonymousFeedbackTag.feedback_id == old)) == 0


def _rejected(at: datetime) -> ExpertProfile:
    profile = factories.expert(status=REJECTED)
    record_audit(None, "expert_rejected", "expert", profile.id, reason="x").created_at = at
    db.session.flush()
    return profile


def test_rejected_applications_go_12_months_after_rejection(app):
    cutoff = datetime(2025, 11, 15, 12, 0, tzinfo=HELSINKI).astimezone(UTC)
    old = _rejected(cutoff - timedelta(minutes=1))
    certificate = store_upload(PNG, kind_of(PNG), "certificates")
    old.trainings[0].certificate_path = certificate
    old_user_id, old_email, old_name = old.user.id, old.user.email, old.user.full_name
    db.session.add(OutboxMessage(to_address=old_email, user_id=old_user_id, subject="Hakemus",
                                 body_text=f"Hei {old_name}", kind="expert_rejected"))
    db.session.add(LoginAttempt(email=old_email, succeeded=False))
    recent = _rejected(cutoff + timedelta(minutes=1))
    applied = factories.expert(status="applied")
    verified = factories.expert()
    db.session.flush()
    old_id = old.id

    assert retention.remove_rejected_applications(NOW) == 1

    assert ids(ExpertProfile, ExpertProfile.id.in_([old_id, recent.id, applied.id,
                                                    verified.id])) == {
        recent.id, applied.id, verified.id}
    assert ids(TrainingRecord, TrainingRecord.expert_id == old_id) == set()
    assert stored_path(certificate) is None
    user = db.session.get(User, old_user_id)
    assert not user.active and user.password_hash == ""
    assert old_email not in user.email and old_name not in user.full_name
    # Nothing else in the database still carries the applicant's e-mail or name.
    for model, column in ((OutboxMessage, OutboxMessage.to_address),
                          (OutboxMessage, OutboxMessage.body_text),
                          (LoginAttempt, LoginAttempt.email), (User, User.email),
                          (User, User.full_name)):
        assert db.session.scalar(select(func.count()).select_from(model).where(
            column.contains(old_email) | column.contains(old_name))) == 0
    assert recent.user.active and recent.user.full_name


def test_a_rejected_application_with_work_behind_it_is_kept():
    profile = _rejected(NOW - timedelta(days=800))
    confirmed_assignment(profile, NOW - timedelta(days=900))
    assert retention.remove_rejected_applications(NOW) == 0
    assert db.session.get(ExpertProfile, profile.id) is not None


def test_outbox_texts_go_90_days_after_queueing_but_pending_mail_stays():
    def mail(days_ago, status="sent"):
        row = OutboxMessage(to_address="a@example.fi", subject="Aihe", body_text="Teksti",
                            ics="BEGIN:VCALENDAR", kind="test", status=status,
                            created_at=NOW - timedelta(days=days_ago))
        db.session.add(row)
        db.session.flush()
        return row

    old_sent, old_failed = mail(91), mail(91, "failed")
    old_pending, recent = mail(91, "pending"), mail(89)
    assert retention.clear_outbox_bodies(NOW) == 2
    db.session.expire_all()
    assert (old_sent.body_text, old_sent.ics) == ("", None)
    assert (old_failed.body_text, old_failed.ics) == ("", None)
    assert old_sent.subject == "Aihe"
    assert old_pending.body_text == "Teksti" and recent.body_text == "Teksti"
    assert recent.ics == "BEGIN:VCALENDAR"


def test_tokens_go_30_days_after_expiry_or_revocation():
    user = factories.user("expert")

    def token(name, expires_days, revoked_days=None):
        row = ApiToken(user_id=user.id, token_hash=_token_hash(name),
                       expires_at=NOW + timedelta(days=expires_days),
                       revoked_at=None if revoked_days is None
                       else NOW + timedelta(days=revoked_days))
        db.session.add(row)
        db.session.flush()
        return row.id

    expired = token("expired", -31)
    revoked = token("revoked", 10, revoked_days=-31)
    recently_expired = token("recently-expired", -29)
    recently_revoked = token("recently-revoked", 10, revoked_days=-29)
    valid = token("valid", 10)
    assert retention.remove_old_tokens(NOW) == 2
    assert ids(ApiToken, ApiToken.user_id == user.id) == {
        recently_expired, recently_revoked, valid}
    assert expired not in ids(ApiToken) and revoked not in ids(ApiToken)


def test_login_attempts_go_after_30_days():
    def attempt(days_ago):
        row = LoginAttempt(email="x@example.fi", succeeded=False,
                           created_at=NOW - timedelta(days=days_ago))
        db.session.add(row)
        db.session.flush()
        return row.id

    attempt(31)
    kept = {attempt(29), attempt(0)}
    assert retention.remove_old_login_attempts(NOW) == 1
    assert ids(LoginAttempt) == kept


def test_previous_email_addresses_go_30_days_after_the_change():
    def moved(days_ago, previous="vanha@example.fi"):
        user = factories.user("expert", previous_email=previous,
                              email_changed_at=NOW - timedelta(days=days_ago))
        return user

    old, month, recent, never = moved(31), moved(30, "kuukausi@example.fi"), moved(1), \
        factories.user("expert")
    assert retention.forget_previous_emails(NOW) == 1
    db.session.expire_all()
    assert old.previous_email is None and old.email_changed_at is not None
    assert (month.previous_email, recent.previous_email) == ("kuukausi@example.fi",
                                                             "vanha@example.fi")
    assert never.previous_email is None


def test_ended_colleague_invitations_go_90_days_after_they_ended():
    organisation = factories.organisation()

    def invitation(status, ended_days_ago=None, expires_days=7):
        row = ColleagueInvitation(
            organisation_id=organisation.id, full_name="Kutsuttu", language="fi",
            email=f"kutsuttu{factories.sequence()}@example.fi", token_hash=new_secret()[1],
            status=status, created_at=NOW - timedelta(days=200),
            sent_at=NOW - timedelta(days=200), expires_at=NOW + timedelta(days=expires_days),
            ended_at=None if ended_days_ago is None else NOW - timedelta(days=ended_days_ago))
        db.session.add(row)
        db.session.flush()
        return row.id

    gone = {invitation(status, 91) for status in ("accepted", "declined", "cancelled",
                                                  "expired")}
    kept = {invitation("cancelled", 89), invitation("expired", 1),
            invitation("pending"), invitation("pending", expires_days=-100)}
    assert retention.remove_ended_colleague_invitations(NOW) == len(gone)
    assert ids(ColleagueInvitation) == kept


def test_receipts_and_bank_files_go_6_years_after_their_year_but_the_books_stay():
    # Vouchers of 2019 may go from 1 January 2026; those of 2020 stay until 2027.
    end_of_2019 = datetime(2020, 1, 1, tzinfo=HELSINKI).astimezone(UTC)
    assert retention.voucher_cutoff(NOW) == end_of_2019
    expert = expert_with_iban()
    old_assignment = confirmed_assignment(expert, end_of_2019 - timedelta(days=30))
    new_assignment = confirmed_assignment(expert, end_of_2019 + timedelta(days=30))
    reports = []
    for assignment, made in ((old_assignment, end_of_2019 - timedelta(minutes=1)),
                             (new_assignment, end_of_2019)):
        report = db.session.scalar(select(CompletionReport).where(
            CompletionReport.assignment_id == assignment.id))
        report.created_at = made
        report.receipt_path = store_upload(PNG, kind_of(PNG), "receipts")
        reports.append(report)
    admin = factories.user("finance")
    batches = []
    for number, made in enumerate((end_of_2019 - timedelta(minutes=1), end_of_2019)):
        batch = PayoutBatch(status="paid", created_by_id=admin.id, created_at=made,
                            total_net=Decimal("30.00"), item_count=1,
                            sepa_message_id=f"RETENTION-{number}-{factories.sequence()}",
                            sepa_xml="<Document/>", execution_date=made.date())
        db.session.add(batch)
        batches.append(batch)
    item = payout(expert, starts_at=end_of_2019 - timedelta(days=60))
    item.created_at = end_of_2019 - timedelta(days=59)
    db.session.flush()
    net_fee = item.net_fee
    old_file, new_file = reports[0].receipt_path, reports[1].receipt_path

    assert retention.remove_old_receipts(NOW) == 1
    assert retention.clear_old_bank_files(NOW) == 1
    db.session.expire_all()
    assert reports[0].receipt_path is None and stored_path(old_file) is None
    assert reports[1].receipt_path == new_file and os.path.isfile(stored_path(new_file))
    assert batches[0].sepa_xml == ""
    assert batches[1].sepa_xml == "<Document/>"
    # Bookkeeping itself is kept: the batch rows with their totals and the payout item.
    assert db.session.get(PayoutItem, item.id).net_fee == net_fee
    assert batches[0].total_net == Decimal("30.00")


def test_the_daily_job_runs_every_rule_once_and_audits_the_counts(app):
    db.session.add(AnonymousFeedback(topic="services", text="Vanha", received_on=date(2020, 1, 1)))
    db.session.commit()
    assert JOBS["retention_cleanup"][0] == 24 * 3600
    assert run_job(app, "retention_cleanup", "test-a", now=NOW)
    assert not run_job(app, "retention_cleanup", "test-b", now=NOW + timedelta(hours=3))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retention_run"))
    assert entry.actor_id is None and entry.details["anonymous_messages"] == 1
    assert set(entry.details) == {rule.key for rule in retention.RULES}
    assert ids(AnonymousFeedback, AnonymousFeedback.text == "Vanha") == set()


def test_the_documented_table_names_every_rule():
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    with open(os.path.join(root, "docs", "retention.md"), encoding="utf-8") as handle:
        text = handle.read()
    for rule in retention.RULES:
        assert f"`{rule.key}`" in text
