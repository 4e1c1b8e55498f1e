"""The access matrix: every route of the url_map × every role × GET and POST, on objects that
belong to someone else (issue 11, point 12).

``ACCESS`` says, per endpoint, which roles may use it. The objects in the URLs belong to the
"owners": the organisation Demo hyvinvointialue (its member ``org@demo.test`` plays ``member``)
and the expert ``expert2@demo.test`` (plays ``expert``: booked, reported, paid, in a group).
Everybody else is an outsider to them: ``other_expert`` (a verified expert with no work and no
group), ``other_member`` (``org2@demo.test``, another organisation), ``participant`` (a
participant in no group), the staff roles and ``anonymous``. Pages are asked with a signed-in
test client, ``/api/v1`` with each role's bearer token (and no cookie); staff sign in and get
their tokens with a fresh TOTP code (tests/support/two_factor.py), as in production.

For a role that ACCESS does not list, every method of the rule (GET, POST, PATCH, DELETE) is
tried (an empty form or JSON object, or PAYLOADS) and must be refused: a redirect to the login
page, 401, 403 or 404, and the database must be exactly as before (every table but the
reference data, row by row; only the actor's own wrong-code count may grow: WRONG_CODE_TABLES).
For a listed role only GET is asked, which must not fail (no 5xx) nor be refused (a refusal
means the table is wrong). Each request runs inside a savepoint that is rolled back, so no
request sees another's changes and the demo data stays as it was.

A rule whose endpoint is not in ACCESS fails ``test_every_route_is_in_the_matrix``: add a line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import inspect, select, text, update

from app.extensions import db
from tests.support.two_factor import sign_in_post

ROLES = ("anonymous", "expert", "other_expert", "member", "other_member", "participant",
         "coordinator", "finance", "admin")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
STAFF = frozenset({"coordinator", "finance", "admin"})

DEMO_PASSWORD = "kokemus-demo"
#: The demo users who play a role (the other two roles are made fresh: see `world`).
DEMO_USERS = {
    "expert": "expert2@demo.test",
    "other_member": "org2@demo.test",
    "member": "org@demo.test",
    "coordinator": "coordinator@demo.test",
    "finance": "finance@demo.test",
    "admin": "admin@demo.test",
}
#: Reference tables that no request of the matrix may touch either, but that are too large to
#: read after every request (thousands of postcodes); the admin pages that change reference
#: data change other tables (expertise areas, fee schedules), which are compared.
UNCOMPARED = {"postcodes", "municipalities", "alembic_version"}
#: Roles that may use a list page or call but must see none of the owners' rows in it.
OUTSIDERS = ("other_expert", "other_member", "participant")
#: Endpoints that show experts to organisations by design (the expert directory).
SHOWS_EXPERTS = {"expert_directory.index", "api.list_experts_get"}
#: Endpoints whose URL holds a secret (a calendar feed's address, an e-mailed sign-in link):
#: whoever holds it may read what it shows, so the outsiders' check does not apply; that the
#: address without the secret shows nothing is checked first in `test_access_matrix`.
SECRET_ADDRESSES = {"calendar_feed.feed", "accounts.sign_in_link",
                    "organisations.colleague_invitation"}
#: Answers that refuse a request (a redirect is refused only when it goes to the login page).
#: For an allowed role a redirect to /login/confirm (a fresh second factor before a money
#: move) is not a refusal: the role may go on after typing a code. A forbidden role must be
#: refused outright, so /login/confirm counts as an answer there, not as a refusal.
REFUSALS = {401, 403, 404}
#: A wrong two-factor code is counted and audited in its own write even when the request is
#: then refused (the throttle against guessing codes: WrongCode.after_rollback). Those rows,
#: about the actor's own account only, are the one change a refused request may make.
WRONG_CODE_TABLES = ("audit_entries", "login_attempts")
WRONG_CODE_ACTIONS = {"totp_failed", "totp_paused"}


def roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLES)
    assert not unknown, unknown
    return frozenset(names)


#: endpoint → the roles that may use it on the owners' objects.
ACCESS: dict[str, frozenset[str]] = {
    "accounts.change_email": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    #: Only the account whose address change the link confirms (the owner expert's).
    "accounts.confirm_email_change": roles("expert"),
    "accounts.confirm_second_factor": SIGNED_IN,  # a non-staff user is sent on at once
    "accounts.forgot_password": EVERYONE,
    "accounts.login": EVERYONE,
    "accounts.logout": EVERYONE,
    "accounts.register_expert": EVERYONE,
    "accounts.register_organisation": EVERYONE,
    "accounts.request_sign_in_link": EVERYONE,
    "accounts.reset_password": EVERYONE,
    "accounts.sign_in_link": EVERYONE,  # whoever holds the e-mailed link (the owner expert's)
    "accounts.sign_out_everywhere": SIGNED_IN,
    #: Only someone halfway through a staff sign-in (password given, code not yet): none of
    #: the roles here, who are all signed in or anonymous, so they are sent to /login.
    "accounts.two_factor": frozenset(),
    "accounts.two_factor_setup": frozenset(),
    "admin.area_detail": roles("admin"),
    "admin.areas": roles("admin"),
    "admin.audit_log": roles("admin"),
    "admin.audit_log_csv": roles("admin"),
    "admin.change_area": roles("admin"),
    "admin.change_role": roles("admin"),
    "admin.dashboard": roles("admin"),
    "admin.set_active": roles("admin"),
    "admin.settings": roles("admin"),
    "admin.user_detail": roles("admin"),
    "admin.users": roles("admin"),
    "api.accept_post": roles("expert"),
    "api.approve_payout_post": roles("finance"),
    "api.approve_payouts_post": roles("finance", "admin"),
    "api.batch_bank_file_get": roles("finance", "admin"),
    "api.batch_payroll_get": roles("finance"),
    "api.cancel_post": roles("member", "coordinator", "admin"),  # staff on its behalf
    "api.change_order_patch": roles("member", "coordinator", "admin"),
    "api.close_my_account_post": SIGNED_IN - STAFF,
    "api.confirm_assignment_post": roles("member", "coordinator", "admin"),
    "api.correct_payout_post": roles("finance", "admin"),
    "api.create_batch_post": roles("finance", "admin"),
    "api.create_order_post": roles("member", "other_member"),
    "api.create_token_post": EVERYONE,
    "api.decline_post": roles("expert"),
    "api.dispute_assignment_post": roles("member", "coordinator", "admin"),
    "api.export_my_data_get": SIGNED_IN,
    "api.fee_quote_post": EVERYONE,
    "api.get_batch_get": roles("finance", "admin"),
    "api.get_order_get": roles("member", "coordinator", "admin"),
    "api.get_payout_get": roles("finance", "admin"),
    "api.invite_post": roles("coordinator", "admin"),
    "api.list_audit_entries_get": roles("admin"),
    "api.list_batches_get": roles("finance", "admin"),
    "api.list_expertise_areas_get": EVERYONE,
    "api.list_experts_get": roles("member", "other_member", "coordinator", "admin"),
    "api.list_invoices_get": roles("member", "other_member", "finance", "admin"),
    "api.list_orders_get": roles("member", "other_member", "coordinator", "admin"),
    "api.list_payouts_get": roles("finance", "admin"),
    "api.mark_batch_paid_post": roles("finance", "admin"),
    "api.me_get": SIGNED_IN,
    "api.my_assignments_get": roles("expert", "other_expert"),
    "api.my_calendar_get": roles("expert", "other_expert", "member", "other_member"),
    "api.my_earnings_get": roles("expert", "other_expert"),
    "api.my_invitations_get": roles("expert", "other_expert"),
    "api.openapi_document_get": EVERYONE,
    "api.order_matches_get": roles("coordinator", "admin"),
    "api.register_bank_payment_post": roles("finance", "admin"),
    "api.reject_payout_post": roles("finance", "admin"),
    "api.reply_to_dispute_post": roles("expert"),
    "api.report_assignment_post": roles("expert"),
    "api.reset_my_calendar_post": roles("expert", "other_expert", "member", "other_member"),
    "api.resolve_dispute_post": roles("coordinator", "admin"),
    "api.revoke_token_delete": SIGNED_IN,
    "api.withdraw_post": roles("expert"),
    "bookings.cancel": roles("member", "coordinator", "admin"),  # staff on its behalf
    "bookings.confirm": roles("member"),
    "bookings.edit_order": roles("member", "coordinator", "admin"),
    "bookings.new_order": roles("member", "other_member"),
    "bookings.order_detail": roles("member", "coordinator", "admin"),  # staff: to the console
    "calendar_feed.feed": EVERYONE,  # whoever holds the secret address (the owner expert's)
    "calendar_feed.reset": roles("expert", "other_expert", "member", "other_member"),
    "calendar_feed.settings": roles("expert", "other_expert", "member", "other_member"),
    "channel.form": EVERYONE,
    "channel.thanks": EVERYONE,
    "channel_staff.channel_archive": roles("coordinator", "admin"),
    "channel_staff.channel_forward": roles("coordinator", "admin"),
    "channel_staff.channel_forwarded": roles("member", "other_member"),
    "channel_staff.channel_inbox": roles("coordinator", "admin"),
    "channel_staff.channel_message": roles("coordinator", "admin"),
    "channel_staff.channel_tags": roles("coordinator", "admin"),
    "expert_directory.index": roles("member", "other_member"),
    "expert_work.dispute_reply": roles("expert"),
    "expert_work.invitation": roles("expert"),
    "expert_work.offers": roles("expert", "other_expert"),
    "expert_work.past": roles("expert", "other_expert"),
    "expert_work.report": roles("expert"),
    "expert_work.task": roles("expert"),
    "expert_work.task_calendar": roles("expert"),
    "expert_work.withdraw": roles("expert"),
    "experts.add_training": roles("expert", "other_expert"),
    "experts.add_unavailability": roles("expert", "other_expert"),
    "experts.application": roles("expert", "other_expert"),
    "experts.availability": roles("expert", "other_expert"),
    "experts.certificate": roles("expert", "coordinator", "admin"),
    "experts.dashboard": roles("expert", "other_expert"),
    "experts.pause": roles("expert", "other_expert"),
    "experts.profile": roles("expert", "other_expert"),
    "experts.remove_unavailability": roles("expert"),
    "experts.resubmit_application": roles("expert", "other_expert"),
    "experts.resume": roles("expert", "other_expert"),
    "experts.upload_certificate": roles("expert", "other_expert"),
    "fees.admin_fees": roles("admin"),
    "fees.new_rates": roles("admin"),
    "fees.new_schedule": roles("admin"),
    "fees.new_type": roles("admin"),
    "fees.prices": EVERYONE,
    "matching.add_note": roles("coordinator", "admin"),
    "matching.console": roles("coordinator", "admin"),
    "matching.dashboard": roles("coordinator", "admin"),
    "matching.order_matches": roles("coordinator", "admin"),
    "matching.receipt": roles("coordinator", "admin"),
    "matching.resolve": roles("coordinator", "admin"),
    "money.index": roles("expert", "other_expert"),
    "money.statement": roles("expert", "other_expert"),
    "money.statement_download": roles("expert", "other_expert"),
    "ops.healthz": EVERYONE,
    "ops.prometheus_metrics": frozenset(),  # only with the metrics token or from a network
    "ops.readyz": EVERYONE,
    "organisations.cancel_invitation": roles("member"),  # the organisation's administrator
    "organisations.colleague_invitation": EVERYONE,  # whoever holds the e-mailed link
    "organisations.dashboard": roles("member", "other_member"),
    "organisations.members": roles("member", "other_member"),
    "organisations.remove_member": roles("member"),
    "organisations.resend_invitation": roles("member"),
    "organisations.settings": roles("member", "other_member"),
    "participation.activate": roles("member", "coordinator", "admin"),
    "participation.add_criterion": roles("expert", "member", "coordinator", "admin"),
    "participation.change_role": roles("member", "coordinator", "admin"),
    "participation.close": roles("member", "coordinator", "admin"),
    "participation.contact_sharing": roles("expert", "member"),  # the group's own members
    "participation.edit_group": roles("member", "coordinator", "admin"),
    "participation.evaluate": roles("expert"),
    "participation.follow_up": roles("member", "coordinator", "admin"),
    "participation.group": roles("expert", "member", "coordinator", "admin"),
    "participation.group_evaluation": roles("expert", "member", "coordinator", "admin"),
    "participation.home": SIGNED_IN,
    "participation.invitation": roles("expert"),  # only the invited person
    "participation.members": roles("member", "coordinator", "admin"),
    "participation.move_topic": roles("expert", "member", "coordinator", "admin"),
    "participation.new_group": roles("member", "other_member", "coordinator", "admin"),
    "participation.new_meeting": roles("member"),
    "participation.propose_topic": roles("expert", "member", "coordinator", "admin"),
    "participation.remove_member": roles("member", "coordinator", "admin"),
    "participation.reopen": roles("member", "coordinator", "admin"),
    "participation.retire_criterion": roles("expert", "member", "coordinator", "admin"),
    "participation.session": roles("expert", "member", "coordinator", "admin"),
    "participation_feedback.feedback_list": SIGNED_IN - {"participant", "finance"},
    "participation_feedback.give_feedback": roles("expert", "member"),
    "participation_feedback.report_back": roles("member", "coordinator", "admin"),
    "participation_feedback.reports_back": SIGNED_IN,
    "payments.bank_payments": roles("finance", "admin"),
    "payments.bank_payments_file": roles("finance", "admin"),
    "payments.finance_invoice": roles("finance", "admin"),
    "payments.finance_invoices": roles("finance", "admin"),
    "payments.mark_paid": roles("finance", "admin"),
    "payments.organisation_invoice": roles("member"),
    "payments.organisation_invoices": roles("member", "other_member"),
    "payments.service_fees": roles("admin"),
    "payments.stripe_webhook": EVERYONE,
    "payouts.approve": roles("finance", "admin"),
    "payouts.batch": roles("finance", "admin"),
    "payouts.batches": roles("finance", "admin"),
    "payouts.create_batch": roles("finance", "admin"),
    "payouts.dashboard": roles("finance", "admin"),
    "payouts.download_bank_file": roles("finance", "admin"),
    "payouts.download_payroll": roles("finance"),
    "payouts.edit": roles("finance", "admin"),
    "payouts.item": roles("finance", "admin"),
    "payouts.mark_paid": roles("finance", "admin"),
    "payouts.queue": roles("finance", "admin"),
    "payouts.reject": roles("finance", "admin"),
    "payouts.reveal_identity_code": roles("finance"),
    "payouts.two_factor": roles("finance", "admin"),
    "payouts.wage_types": roles("admin"),
    "privacy.account": SIGNED_IN,
    "privacy.close": SIGNED_IN - STAFF,
    "privacy.export": SIGNED_IN,
    "privacy.staff_close": roles("coordinator", "admin"),
    "receipts.receipt": roles("expert", "coordinator", "finance"),
    "reports.reports_csv": roles("member", "other_member", "coordinator", "admin"),
    "reports.reports_page": roles("member", "other_member", "coordinator", "admin"),
    "static": EVERYONE,
    "verification.approve": roles("coordinator", "admin"),
    "verification.queue": roles("coordinator", "admin"),
    "verification.reject": roles("coordinator", "admin"),
    "verification.request_info": roles("coordinator", "admin"),
    "verification.review": roles("coordinator", "admin"),
    "vetting.decide": roles("coordinator", "admin"),
    "vetting.queue": roles("coordinator", "admin"),
    "web.accessibility": EVERYONE,
    "web.choose_language": EVERYONE,
    "web.home": SIGNED_IN,
    "web.index": EVERYONE,
}


# --- the world: the demo data, a receipt, an outsider expert and participant ----------------


@dataclass
class World:
    ids: dict[str, object]
    clients: dict[str, object]
    tokens: dict[str, str | None]


def _one(statement):
    found = db.session.scalars(statement).first()
    assert found is not None, f"the demo data has nothing for {statement}"
    return found


def build_world(app, tmp_path) -> dict[str, object]:
    """Seed the demo data and look up one object of the owners for each URL parameter."""
    from app.accounts.services import make_reset_token
    from app.accounts.tokens import make_email_change_token, make_sign_in_token, new_secret
    from app.bookings.feeds import calendar_feed_of, feed_secret
    from app.bookings.models import Assignment, Invitation, OrderSession
    from app.common.timeutil import utcnow
    from app.common.uploads import kind_of, store_upload
    from app.demo import seed_demo
    from app.experts.models import ExpertProfile, TrainingRecord, Unavailability
    from app.organisations.models import ColleagueInvitation, Organisation
    from app.participation.channel.models import AnonymousFeedback
    from app.participation.feedback.models import ImpactReport
    from app.participation.groups.models import (
        EvaluationCriterion,
        FollowUp,
        GroupMeeting,
        GroupMember,
        ParticipationGroup,
        Topic,
    )
    from app.payouts.models import PayoutItem
    from app.reference.models import ExpertiseArea
    from tests import factories
    from tests.payments.helpers import ensure_demo_invoice
    from tests.payouts.helpers import ensure_demo_batch

    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    seed_demo(password=DEMO_PASSWORD)
    db.session.commit()

    def user(email: str):
        from app.accounts.models import User

        return _one(select(User).where(User.email == email))

    owner_expert = user(DEMO_USERS["expert"]).expert_profile
    organisation = _one(select(Organisation).where(Organisation.name == "Demo hyvinvointialue"))
    reported = _one(select(Assignment).where(Assignment.expert_id == owner_expert.id,
                                             Assignment.status == "reported"))
    receipt = b"%PDF-1.4\n% parking 6,00 EUR\n"
    reported.report.receipt_path = store_upload(receipt, kind_of(receipt), "receipts")
    # Disputed by the owners' organisation: the expert may answer, a coordinator resolve.
    reported.status = "disputed"
    reported.report.disputed_at = utcnow() - timedelta(days=1)
    reported.report.dispute_reason = "Matka oli lyhyempi."
    today = date.today()
    soon = utcnow() + timedelta(days=60)
    period = Unavailability(expert_id=owner_expert.id, starts_at=soon,
                            ends_at=soon + timedelta(days=1))
    db.session.add(period)
    training = _one(select(TrainingRecord).where(TrainingRecord.expert_id == owner_expert.id))
    training.certificate_path = store_upload(receipt, kind_of(receipt), "certificates")
    colleague = factories.member(organisation)  # a second member the owners could remove
    other_expert = factories.expert(email="outsider-expert@example.fi",
                                    password=DEMO_PASSWORD)
    factories.user("participant", email="outsider-participant@example.fi",
                   password=DEMO_PASSWORD)
    db.session.flush()
    applicant = _one(select(ExpertProfile).join(ExpertProfile.user).where(
        ExpertProfile.status != "verified"))
    panel = _one(select(GroupMember.group_id).where(GroupMember.role == "chair"))
    # An invitation to the owner expert, not yet answered, to a group of the organisation.
    joined = select(GroupMember.group_id).where(GroupMember.user_id == owner_expert.user_id)
    invited = GroupMember(
        group_id=_one(select(ParticipationGroup.id).where(
            ParticipationGroup.organisation_id == organisation.id,
            ParticipationGroup.id.not_in(joined))),
        user_id=owner_expert.user_id, name=owner_expert.user.full_name, kind="expert",
        role="member", status="invited", joined_at=utcnow())
    db.session.add(invited)
    colleague_invitation = _one(select(ColleagueInvitation).where(
        ColleagueInvitation.organisation_id == organisation.id,
        ColleagueInvitation.status == "pending"))
    colleague_token, colleague_invitation.token_hash = new_secret()
    db.session.flush()
    ids = {
        "order_id": reported.order_id,
        "assignment_id": reported.id,
        "invitation_id": reported.invitation_id or _one(
            select(Invitation.id).where(Invitation.expert_id == owner_expert.id)),
        "item_id": _one(select(PayoutItem.id).where(PayoutItem.expert_id == owner_expert.id)),
        "batch_id": ensure_demo_batch(),
        "invoice_id": ensure_demo_invoice(),
        "expert_id": applicant.id,
        "user_id": colleague.id,
        "period_id": period.id,
        "training_id": training.id,
        "future_order": _one(select(Assignment.order_id).where(
            Assignment.expert_id == owner_expert.id, Assignment.status == "booked",
            Assignment.starts_at > utcnow())),
        "area_id": _one(select(ExpertiseArea.id).order_by(ExpertiseArea.id)),
        "group_id": panel,
        "member_id": _one(select(GroupMember.id).where(GroupMember.group_id == panel,
                                                       GroupMember.role == "member")),
        "criterion_id": _one(select(EvaluationCriterion.id).where(
            EvaluationCriterion.group_id == panel)),
        "topic_id": _one(select(Topic.id).where(Topic.group_id == panel)),
        "follow_up_id": _one(select(FollowUp.id)),
        "session_id": _one(select(OrderSession.id).join(
            GroupMeeting, GroupMeeting.order_id == OrderSession.order_id).where(
            GroupMeeting.group_id == panel)),
        "report_id": _one(select(ImpactReport.id).order_by(ImpactReport.id)),
        "message_id": _one(select(AnonymousFeedback.id).order_by(AnonymousFeedback.id)),
        "year": today.year,
        "token": make_reset_token(app.config["SECRET_KEY"], owner_expert.user),
        "sign_in_token": make_sign_in_token(app.config["SECRET_KEY"], owner_expert.user),
        "email_change_token": make_email_change_token(
            app.config["SECRET_KEY"], owner_expert.user, "expert2-uusi@example.fi"),
        "secret": feed_secret(calendar_feed_of(owner_expert.user)),
        # Waits for a coordinator's decision: a refused POST must leave it waiting.
        "organisation_id": _one(select(Organisation.id).where(
            Organisation.name == "Uusi kokemusyhdistys ry")),
        "invited_member": invited.id,
        # The demo organisation's colleague invitation, its link's secret known here.
        "colleague_invitation": colleague_invitation.id,
        "colleague_token": colleague_token,
        "code": "fi",
        "filename": "style.css",
        "change": "up",
        "other_expert_user": other_expert.user_id,
    }
    #: What only the owners' people may read: a list answer to an outsider must not show it.
    ids["markers"] = (organisation.name, reported.order.title, owner_expert.user.email)
    db.session.commit()
    return ids


#: Values for a parameter of one endpoint only (endpoint → {parameter: value or an ids key}).
ACTIONS = {
    "participation.move_topic": {"action": "decline"},
    "participation.follow_up": {"action": "done"},
    "channel_staff.channel_archive": {"action": "archive"},
    "expert_work.withdraw": {"order_id": "future_order"},
    "api.withdraw_post": {"order_id": "future_order"},
    "accounts.sign_in_link": {"token": "sign_in_token"},
    "accounts.confirm_email_change": {"token": "email_change_token"},
    "organisations.colleague_invitation": {"token": "colleague_token"},
    "organisations.cancel_invitation": {"invitation_id": "colleague_invitation"},
    "organisations.resend_invitation": {"invitation_id": "colleague_invitation"},
    "participation.invitation": {"member_id": "invited_member"},
}

#: Bodies that pass the form's own checks, for views that check the input before the access:
#: sent so that the access check is what answers (endpoint → form fields or JSON object).
PAYLOADS = {
    "participation.add_criterion": {"question": "Tuliko asiasi kuulluksi?"},
    "participation.propose_topic": {"title": "Kuljetuspalvelut", "description": "Toive."},
    "api.reply_to_dispute_post": {"reply": "Ajoin toiseen paikkaan samana päivänä."},
    "expert_work.dispute_reply": {"reply": "Ajoin toiseen paikkaan samana päivänä."},
}

ACTOR_EMAILS = {
    **DEMO_USERS,
    "other_expert": "outsider-expert@example.fi",
    "participant": "outsider-participant@example.fi",
}


def sign_in(app, role: str):
    """A test client signed in as ``role`` (staff with a fresh TOTP code, as in real life)."""
    client = app.test_client()
    if role != "anonymous":
        response = sign_in_post(client, "/login", ACTOR_EMAILS[role],
                                {"email": ACTOR_EMAILS[role], "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"{role} could not sign in"
        assert urlsplit(response.headers["Location"]).path not in (
            "/login", "/login/two-factor", "/login/two-factor/setup"), f"{role}: half signed in"
    return client


def api_token(client, role: str) -> str | None:
    if role == "anonymous":
        return None
    response = sign_in_post(client, "/api/v1/auth/token", ACTOR_EMAILS[role], {},
                            json={"email": ACTOR_EMAILS[role], "password": DEMO_PASSWORD})
    return response.get_json()["token"] if response.status_code == 200 else None


# --- comparing the database -------------------------------------------------------------------


def fingerprint(connection, tables: list[str],
                below: dict[str, int] | None = None) -> dict[str, str]:
    """A digest of every row of each table (order-free); with ``below``, of the rows whose id
    is at most the table's number there."""
    digests = {}
    for table in tables:
        where = f" WHERE id <= {int(below[table])}" if below else ""
        rows = connection.execute(text(f'SELECT * FROM "{table}"{where}')).all()
        digest = hashlib.sha256()
        for row in sorted(repr(tuple(row)) for row in rows):
            digest.update(row.encode())
        digests[table] = digest.hexdigest()
    return digests


# --- the requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    endpoint: str
    method: str
    path: str

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


def rules(app) -> Iterator:
    yield from sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def requests_of(app, ids: dict[str, object]) -> list[Request]:
    adapter = app.url_map.bind("localhost")
    made = []
    for rule in rules(app):
        special = ACTIONS.get(rule.endpoint, {})
        values = {name: ids.get(special[name], special[name]) if name in special
                  else ids.get(name) for name in rule.arguments}
        missing = [name for name, value in values.items() if value is None]
        assert not missing, f"no value for {missing} of {rule.rule}: add it to build_world"
        path = adapter.build(rule.endpoint, values, force_external=False)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            made.append(Request(rule.endpoint, method, path))
    return made


def send(client, request: Request, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if request.api and token else {}
    if request.method == "GET":
        return client.get(request.path, headers=headers)
    body = PAYLOADS.get(request.endpoint, {})
    if request.api:
        return client.open(request.path, method=request.method, json=body, headers=headers)
    return client.open(request.path, method=request.method, data=body, headers=headers)


def top_ids(connection) -> dict[str, int]:
    """The highest id of each table of WRONG_CODE_TABLES (rows above it are new)."""
    return {table: connection.execute(text(
        f'SELECT coalesce(max(id), 0) FROM "{table}"')).scalar_one()
        for table in WRONG_CODE_TABLES}


def beyond_wrong_codes(connection, changed: list[str], baseline: dict[str, str],
                       tops: dict[str, int], email: str | None) -> list[str]:
    """``changed`` unless the only changes are new rows that count the actor's own wrong
    two-factor code (see WRONG_CODE_TABLES); then nothing."""
    if not changed or email is None or not set(changed) <= set(WRONG_CODE_TABLES):
        return changed
    user_id = connection.execute(text("SELECT id FROM users WHERE email = :email"),
                                 {"email": email}).scalar_one()
    attempts = connection.execute(text(
        "SELECT email, kind, succeeded FROM login_attempts WHERE id > :top"),
        {"top": tops["login_attempts"]}).all()
    entries = connection.execute(text(
        "SELECT actor_id, action, subject_type, subject_id FROM audit_entries WHERE id > :top"),
        {"top": tops["audit_entries"]}).all()
    own = (all(a.email == email and a.kind == "totp" and not a.succeeded for a in attempts)
           and all(e.actor_id == user_id and e.action in WRONG_CODE_ACTIONS
                   and e.subject_type == "user" and str(e.subject_id) == str(user_id)
                   for e in entries))
    old_rows = fingerprint(connection, list(WRONG_CODE_TABLES), below=tops)
    if own and all(old_rows[t] == baseline[t] for t in WRONG_CODE_TABLES):
        return []
    return changed


def write_count(connection) -> int:
    """A number that grows with every row written on ``connection`` (a cheap first check)."""
    if connection.dialect.name == "sqlite":
        return connection.execute(text("SELECT total_changes()")).scalar_one()
    return connection.execute(text(
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
        "FROM pg_stat_xact_user_tables")).scalar_one()


def assert_writes_are_counted(connection) -> None:
    """The cheap check must see a write (else the matrix would miss every change)."""
    savepoint = connection.begin_nested()
    try:
        before = write_count(connection)
        connection.execute(text("UPDATE users SET full_name = full_name"))
        assert write_count(connection) > before, "write_count does not see writes"
    finally:
        savepoint.rollback()


#: Page endpoints after which a signed-in test client signs in again (its cookie is gone).
SESSION_ENDING = {"accounts.logout"}


def refused(response) -> bool:
    if response.status_code in REFUSALS:
        return True
    if response.status_code in (302, 303):
        return urlsplit(response.headers.get("Location", "")).path == "/login"
    return False


# --- the tests -------------------------------------------------------------------------------


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ACCESS))
    assert not missing, (
        "Routes missing from the access matrix. Add a line per endpoint to ACCESS in "
        "tests/test_access_matrix.py naming the roles that may use it on objects of the "
        "owners (org@demo.test's organisation, expert2@demo.test), e.g.\n"
        '    "bookings.order_detail": roles("member", "coordinator"),\n'
        "and, when it has a new URL parameter, a value for it in build_world:\n  "
        + "\n  ".join(missing))
    stale = sorted(set(ACCESS) - endpoints)
    assert not stale, f"ACCESS lists endpoints the app no longer has: {stale}"


@pytest.fixture
def world(app, tmp_path) -> Iterator[World]:
    """The demo world, each role signed in. Requests run outside this app context, so each
    has its own session (as in production) that ends with the request."""
    saved = app.config.get("UPLOAD_FOLDER")
    with app.app_context():
        ids = build_world(app, tmp_path)
        db.session.remove()
    clients = {role: sign_in(app, role) for role in ROLES}
    api_client = app.test_client()
    tokens = {role: api_token(api_client, role) for role in ROLES}
    with app.app_context():  # used just now: their last use is not written during the run
        from app.accounts.models import ApiToken
        from app.common.timeutil import utcnow

        db.session.execute(update(ApiToken).values(last_used_at=utcnow()))
        db.session.commit()
        db.session.remove()
    clients_api = {role: app.test_client() for role in ROLES}
    yield World(ids=ids, clients={"pages": clients, "api": clients_api}, tokens=tokens)
    app.config["UPLOAD_FOLDER"] = saved


def test_access_matrix(app, world, capsys, monkeypatch):
    # The tokens were used just now: their last use is not written again during the run.
    monkeypatch.setitem(app.config, "API_TOKEN_TOUCH_SECONDS", 10**6)
    connection = db._app_engines[app][None]
    tables = sorted(set(inspect(connection).get_table_names()) - UNCOMPARED)
    check_secret_addresses_need_the_secret(app, world)
    requests = requests_of(app, world.ids)
    baseline, tops = fingerprint(connection, tables), top_ids(connection)
    assert_writes_are_counted(connection)
    assert any(r.method == "PATCH" for r in requests), "the matrix sends no PATCH"
    failures, observed, sent = [], {}, 0
    for request in requests:
        allowed = ACCESS.get(request.endpoint, frozenset())
        for role in ROLES:
            if role in allowed and request.method != "GET":
                continue
            client = world.clients["api" if request.api else "pages"][role]
            where = f"{role} {request.method} {request.path} ({request.endpoint})"
            savepoint = connection.begin_nested()
            try:
                sent += 1
                writes = write_count(connection)
                try:
                    response = send(client, request, world.tokens[role])
                except Exception as error:  # noqa: BLE001 - TESTING lets errors through: a 500
                    failures.append(f"{where}: 500 ({error!r})")
                    continue
                status = response.status_code
                if status >= 500:
                    failures.append(f"{where}: {status}")
                elif role in allowed:
                    if refused(response):
                        failures.append(f"{where}: refused ({status}) but ACCESS allows it")
                    elif (role in OUTSIDERS and request.endpoint not in SHOWS_EXPERTS
                          and request.endpoint not in SECRET_ADDRESSES):
                        body = response.get_data().decode("utf-8", "replace")
                        shown = [m for m in world.ids["markers"] if m in body]
                        if shown:
                            failures.append(f"{where}: an outsider sees {shown}")
                else:
                    if not refused(response):
                        failures.append(f"{where}: answered {status}, not refused")
                        observed.setdefault(request.endpoint, {})[role] = status
                    if write_count(connection) != writes:
                        changed = beyond_wrong_codes(
                            connection, [t for t, d in fingerprint(connection, tables).items()
                                         if d != baseline[t]],
                            baseline, tops, ACTOR_EMAILS.get(role))
                        if changed:
                            failures.append(f"{where}: changed {changed}")
            finally:
                savepoint.rollback()
                if request.endpoint in SESSION_ENDING and role != "anonymous":
                    world.clients["pages"][role] = sign_in(app, role)
                    # the sign-in's own rows
                    baseline, tops = fingerprint(connection, tables), top_ids(connection)
    with capsys.disabled():
        print(f"\naccess matrix: {len({r.path for r in requests})} routes × {len(ROLES)} roles, "
              f"{len(requests)} route-methods: {sent} requests")
        for endpoint, who in sorted(observed.items()):
            print(f'    "{endpoint}": {who},')
    assert not failures, "\n".join(failures)


def check_secret_addresses_need_the_secret(app, world) -> None:
    """The addresses of SECRET_ADDRESSES show nothing without the owner's secret (a part of
    `test_access_matrix`, which has the world built already)."""
    client = app.test_client()
    feed = client.get("/calendar/" + world.ids["secret"][::-1] + ".ics")
    assert feed.status_code == 404
    assert "expert2@demo.test" not in feed.get_data(as_text=True)
    forged = world.ids["sign_in_token"][:-4] + "AAAA"
    for method in ("GET", "POST"):
        link = client.open(f"/login/link/{forged}", method=method)
        assert link.status_code == 302
        assert urlsplit(link.headers["Location"]).path == "/login/link"
    assert client.get("/account/sign-out-everywhere").status_code == 302  # not signed in
    forged = world.ids["colleague_token"][:-4] + "AAAA"
    for method in ("GET", "POST"):
        link = client.open(f"/organisation/join/{forged}", method=method)
        assert link.status_code == 404
        assert "Demo hyvinvointialue" not in link.get_data(as_text=True)
    assert client.get("/calendar/" + world.ids["secret"] + ".ics").status_code == 200
