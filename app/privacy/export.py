"""Everything the service holds about one person, as one ZIP: ``data.json`` (machine-readable),
``summary.html`` (readable, in their language) and their files (certificates, receipts,
yearly statements).

Only rows that belong to the person are read, and of other people only ids are given
(e.g. who decided on a payout): the export never carries anyone else's personal data.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import or_, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.bookings.models import Assignment, CompletionReport, Invitation, Order
from app.common.timeutil import to_helsinki, utcnow
from app.common.uploads import stored_path
from app.extensions import db
from app.participation.feedback.models import Feedback
from app.participation.groups.models import (
    EvaluationResponse,
    FollowUp,
    GroupMember,
    MeetingEntry,
    Topic,
)
from app.payouts.models import PayoutItem

FORMAT_VERSION = 1


@dataclass
class Export:
    """What goes into the ZIP: the data and the files (name in the ZIP → stored path)."""

    data: dict
    files: dict[str, str] = field(default_factory=dict)
    #: Generated files (name → text), e.g. the yearly statements.
    texts: dict[str, str] = field(default_factory=dict)


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj, *names: str) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def _file_name(folder: str, row_id: int, stored: str) -> str:
    return f"{folder}/{row_id}{os.path.splitext(stored)[1]}"


def gather(user: User, now: datetime | None = None) -> Export:
    """Collect the person's data (reads only; the caller audits the export)."""
    now = now or utcnow()
    export = Export(data={})
    data = export.data
    data["format_version"] = FORMAT_VERSION
    data["exported_at"] = now.isoformat()
    data["account"] = _row(user, "id", "email", "previous_email", "email_changed_at",
                           "full_name", "phone", "role", "language", "active", "created_at",
                           "last_login_at", "password_changed_at")
    data["account"]["two_factor_enrolled"] = bool(user.totp_secret)
    _organisation(user, data)
    _expert(user, export)
    data["orders_created"] = [
        _row(o, "id", "organisation_id", "title", "description", "status", "address",
             "audience", "accessibility", "billing_reference", "created_at", "submitted_at",
             "cancelled_at")
        | {"sessions": [_row(s, "position", "starts_at", "duration_minutes")
                        for s in o.sessions]}
        for o in db.session.scalars(
            select(Order).where(Order.created_by_id == user.id).order_by(Order.id))
    ]
    _participation(user, data)
    data["audit_entries"] = [
        _row(e, "id", "created_at", "actor_id", "action", "subject_type", "subject_id")
        | {"details": e.details, "by_you": e.actor_id == user.id}
        for e in db.session.scalars(
            select(AuditEntry).where(or_(AuditEntry.actor_id == user.id,
                                         *_about(user))).order_by(AuditEntry.id))
    ]
    return export


def _about(user: User) -> list:
    """Audit conditions for entries whose subject is the person (account or expert profile)."""
    conditions = [(AuditEntry.subject_type == "user") & (AuditEntry.subject_id == str(user.id))]
    if user.expert_id is not None:
        conditions.append((AuditEntry.subject_type == "expert")
                          & (AuditEntry.subject_id == str(user.expert_id)))
    return conditions


def _organisation(user: User, data: dict) -> None:
    membership = user.membership
    if membership is None:
        data["organisation_membership"] = None
        return
    organisation = membership.organisation
    data["organisation_membership"] = _row(membership, "organisation_id", "is_admin",
                                           "created_at") | {
        "organisation": _row(organisation, "id", "name", "business_id", "kind")}


def _expert(user: User, export: Export) -> None:
    data = export.data
    profile = user.expert_profile
    if profile is None:
        data["expert_profile"] = None
        return
    data["expert_profile"] = _row(
        profile, "id", "display_name", "bio", "status", "status_reason", "paused_until",
        "home_municipality_code", "travel_range_km", "remote_ok", "monthly_earnings_limit",
        "yearly_earnings_limit", "iban", "withholding_percent", "verified_at", "created_at",
    ) | {
        "expertise_areas": [{"area": a.area.slug, "visible_to_organisations":
                             a.visible_to_organisations} for a in profile.areas],
        "languages": sorted(lang.language for lang in profile.languages),
        "assignment_type_ids": sorted(t.assignment_type_id for t in profile.assignment_types),
        "unavailability": [_row(u, "starts_at", "ends_at", "note")
                           for u in profile.unavailabilities],
    }
    trainings = []
    for record in profile.trainings:
        row = _row(record, "id", "provider", "course", "completed_on", "certificate_filename",
                   "created_at")
        if record.certificate_path and stored_path(record.certificate_path):
            name = _file_name("certificates", record.id, record.certificate_path)
            export.files[name] = record.certificate_path
            row["file"] = name
        trainings.append(row)
    data["expert_profile"]["trainings"] = trainings
    data["invitations"] = [
        _row(i, "id", "order_id", "status", "created_at", "expires_at", "responded_at",
             "decline_reason") | {"order_title": i.order.title,
                                  "organisation": i.order.organisation.name}
        for i in db.session.scalars(
            select(Invitation).where(Invitation.expert_id == profile.id).order_by(Invitation.id))
    ]
    assignments = []
    for a in db.session.scalars(
            select(Assignment).where(Assignment.expert_id == profile.id).order_by(Assignment.id)):
        row = _row(a, "id", "order_id", "status", "starts_at", "ends_at", "cancelled_at",
                   "cancel_reason") | {"order_title": a.order.title,
                                       "organisation": a.order.organisation.name}
        row["report"] = _report(a.report, export)
        assignments.append(row)
    data["assignments"] = assignments
    items = list(db.session.scalars(
        select(PayoutItem).where(PayoutItem.expert_id == profile.id).order_by(PayoutItem.id)))
    data["payouts"] = [
        _row(i, "id", "assignment_id", "status", "fee", "travel", "per_diem",
             "withholding_percent", "withholding", "net_fee", "total_paid", "work_date",
             "decided_at", "rejection_reason", "batch_id")
        | {"paid_at": _plain(i.batch.paid_at) if i.batch else None,
           "batch_reference": i.batch.sepa_message_id if i.batch else None}
        for i in items
    ]
    _statements(user, profile, items, export)


def _report(report: CompletionReport | None, export: Export) -> dict | None:
    if report is None:
        return None
    row = _row(report, "duration_minutes", "remote", "km_driven", "passengers",
               "public_transport_eur", "parking_eur", "departure_at", "return_at", "trip_hours",
               "one_way_km", "free_meals", "created_at", "confirmed_at", "disputed_at",
               "dispute_reason")
    if report.receipt_path and stored_path(report.receipt_path):
        name = _file_name("receipts", report.id, report.receipt_path)
        export.files[name] = report.receipt_path
        row["receipt_file"] = name
    return row


def _statements(user: User, profile, items: list[PayoutItem], export: Export) -> None:
    """The yearly statements (as on the "My fees" page), one CSV per year with payouts."""
    from app.payouts.queries import year_earnings
    from app.payouts.statement import statement_csv

    years = sorted({to_helsinki(i.work_date).year for i in items})
    with force_locale(user.language):
        for year in years:
            export.texts[f"statements/{year}.csv"] = statement_csv(
                year_earnings(profile, year, utcnow()))
    export.data["statements"] = [f"statements/{year}.csv" for year in years]


def _participation(user: User, data: dict) -> None:
    data["feedback_given"] = [
        _row(f, "id", "assignment_id", "author_kind", "rating", "input_heard", "text",
             "share_identity_with_organisation", "created_at")
        for f in db.session.scalars(
            select(Feedback).where(Feedback.author_id == user.id).order_by(Feedback.id))
    ]
    data["group_memberships"] = [
        _row(m, "group_id", "name", "kind", "role", "status", "joined_at", "left_at")
        | {"group": m.group.name}
        for m in db.session.scalars(
            select(GroupMember).where(GroupMember.user_id == user.id).order_by(GroupMember.id))
    ]
    data["meeting_notes_written"] = [
        _row(e, "id", "session_id", "kind", "text", "created_at")
        for e in db.session.scalars(
            select(MeetingEntry).where(MeetingEntry.author_id == user.id)
            .order_by(MeetingEntry.id))
    ]
    data["topics_proposed"] = [
        _row(t, "id", "group_id", "title", "description", "status", "created_at")
        for t in db.session.scalars(
            select(Topic).where(Topic.proposed_by_id == user.id).order_by(Topic.id))
    ]
    data["follow_ups"] = [
        _row(f, "id", "session_id", "text", "due_on", "status", "created_at")
        | {"yours_to_do": f.owner_id == user.id, "written_by_you": f.created_by_id == user.id}
        for f in db.session.scalars(
            select(FollowUp).where(or_(FollowUp.owner_id == user.id,
                                       FollowUp.created_by_id == user.id))
            .order_by(FollowUp.id))
    ]
    data["evaluations"] = [
        _row(r, "id", "session_id", "group_id", "comment", "created_at")
        | {"answers": [{"criterion_id": a.criterion_id, "score": a.score} for a in r.answers]}
        for r in db.session.scalars(
            select(EvaluationResponse).where(EvaluationResponse.respondent_id == user.id)
            .order_by(EvaluationResponse.id))
    ]


def _when(text: str | None) -> str:
    """An ISO time or date of data.json shown in the reader's language (Helsinki time)."""
    from app.web.templating import helsinki_datetime, localized_date

    if not text:
        return ""
    if "T" in text:
        return helsinki_datetime(datetime.fromisoformat(text))
    return localized_date(date.fromisoformat(text))


def _money(text: str | None) -> str:
    from app.web.templating import euros

    return euros(Decimal(text)) if text is not None else ""


def build_zip(user: User, export: Export) -> bytes:
    """The ZIP: data.json, summary.html in the person's language, and the files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(export.data, ensure_ascii=False, indent=2,
                                                 default=str))
        with force_locale(user.language):
            summary = render_template("privacy/summary.html", data=export.data,
                                      language=user.language, when=_when, money=_money)
        archive.writestr("summary.html", summary)
        for name, stored in sorted(export.files.items()):
            path = stored_path(stored)
            if path:
                archive.write(path, name)
        for name, text in sorted(export.texts.items()):
            archive.writestr(name, text)
    return buffer.getvalue()
