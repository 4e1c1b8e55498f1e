"""Coordinators check applications: accept, ask for more information or reject with a reason.

The applicant is told by e-mail in their language, every decision is in the
audit log, only coordinators and admins may decide, and an applicant asked for
more information can add training and send the application again.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.accounts.models import User
from app.common.errors import Conflict, PermissionDenied
from app.common.timeutil import utcnow
from app.experts import services
from app.experts.models import ExpertProfile
from app.extensions import db
from tests import factories
from tests.experts.helpers import PDF, audit_entries, file_field, mails
from tests.web.helpers import field_error, logged_in, page, redirect_path, use_english


@pytest.fixture
def people(app):
    """Two applicants (the older one asked for more information), a verified expert, staff."""
    with app.app_context():
        now = utcnow()
        older = factories.expert("info_requested", full_name="Olli Odottaja",
                                 status_reason="Lähetä todistus.",
                                 created_at=now - timedelta(days=3))
        newer = factories.expert("applied", full_name="Hanna Hakija",
                                 email="hanna.hakija@example.fi",
                                 created_at=now - timedelta(days=1))
        newer.user.language = "sv"
        verified = factories.expert(full_name="Veera Valmis")
        coordinator = factories.user("coordinator")
        admin = factories.user("admin")
        finance = factories.user("finance")
        member = factories.member()
        db.session.commit()
        return SimpleNamespace(
            older=older.id, older_email=older.user.email,
            newer=newer.id, newer_email=newer.user.email,
            newer_training=newer.trainings[0].id,
            verified=verified.id, verified_email=verified.user.email,
            coordinator=coordinator.email, coordinator_id=coordinator.id,
            admin=admin.email, finance=finance.email, member=member.email,
        )


def profile_of(app, expert_id: int) -> ExpertProfile:
    with app.app_context():
        profile = db.session.get(ExpertProfile, expert_id)
        db.session.expunge(profile)
        return profile


def test_queue_lists_applications_oldest_first_with_training(app, client, people):
    logged_in(client, people.coordinator)
    response = client.get("/coordinator/applications")
    assert response.status_code == 200
    html = page(response)
    assert html.index("Olli Odottaja") < html.index("Hanna Hakija")
    assert "Veera Valmis" not in html
    assert "Kokemusasiantuntijakoulutus" in html and "Testikoulutus ry" in html
    assert f"/coordinator/applications/{people.newer}" in html


def test_queue_links_the_certificate(app, client, people):
    expert = logged_in(app.test_client(), people.newer_email)
    response = expert.post("/expert/application/certificate", data={
        "certificate-training_id": str(people.newer_training),
        "certificate-certificate": file_field(PDF, "todistus.pdf"),
    }, content_type="multipart/form-data")
    assert redirect_path(response) == "/expert/application"
    logged_in(client, people.coordinator)
    link = f"/expert/trainings/{people.newer_training}/certificate"
    assert link in page(client.get("/coordinator/applications"))
    assert link in page(client.get(f"/coordinator/applications/{people.newer}"))
    assert client.get(link).data == PDF


def test_approve_makes_the_expert_bookable_mails_and_audits(app, client, people):
    logged_in(client, people.coordinator)
    detail = client.get(f"/coordinator/applications/{people.newer}")
    assert detail.status_code == 200
    assert "hanna.hakija@example.fi" in page(detail)

    response = client.post(f"/coordinator/applications/{people.newer}/approve")
    assert redirect_path(response) == "/coordinator/applications"
    profile = profile_of(app, people.newer)
    assert profile.status == "verified" and profile.is_bookable
    assert profile.verified_by_id == people.coordinator_id
    assert profile.verified_at is not None
    ((to, subject, body),) = mails(app, "expert_verified")
    assert to == people.newer_email
    assert subject and "/expert/profile" in body
    (entry,) = audit_entries(app, "expert_verified", people.newer)
    assert entry["actor_id"] == people.coordinator_id
    queue = page(client.get("/coordinator/applications"))
    assert f"/coordinator/applications/{people.newer}\"" not in queue


def test_asking_for_more_information_needs_a_message(app, client, people):
    use_english(client)
    logged_in(client, people.coordinator)
    response = client.post(f"/coordinator/applications/{people.newer}/request-info",
                           data={"info-message": "  "})
    assert response.status_code == 422
    assert "Write what information" in field_error(response, "info-message")
    assert profile_of(app, people.newer).status == "applied"
    assert mails(app, "expert_info_requested") == []

    message = "Lähetäthän kopion koulutustodistuksesta."
    response = client.post(f"/coordinator/applications/{people.newer}/request-info",
                           data={"info-message": message})
    assert redirect_path(response) == "/coordinator/applications"
    profile = profile_of(app, people.newer)
    assert (profile.status, profile.status_reason) == ("info_requested", message)
    ((to, _subject, body),) = mails(app, "expert_info_requested")
    assert to == people.newer_email and message in body and "/expert/application" in body
    (entry,) = audit_entries(app, "expert_info_requested", people.newer)
    assert entry["details"]["message"] == message


def test_rejecting_needs_a_reason_that_the_applicant_is_told(app, client, people):
    use_english(client)
    logged_in(client, people.coordinator)
    response = client.post(f"/coordinator/applications/{people.newer}/reject",
                           data={"reject-reason": ""})
    assert response.status_code == 422
    assert field_error(response, "reject-reason")
    assert profile_of(app, people.newer).status == "applied"

    reason = "Koulutus ei ole kokemusasiantuntijakoulutus."
    response = client.post(f"/coordinator/applications/{people.newer}/reject",
                           data={"reject-reason": reason})
    assert redirect_path(response) == "/coordinator/applications"
    profile = profile_of(app, people.newer)
    assert (profile.status, profile.status_reason) == ("rejected", reason)
    ((to, _subject, body),) = mails(app, "expert_rejected")
    assert to == people.newer_email and reason in body
    (entry,) = audit_entries(app, "expert_rejected", people.newer)
    assert entry["details"]["reason"] == reason
    assert reason in page(logged_in(app.test_client(), people.newer_email).get("/expert/"))


def test_admins_may_decide_too(app, client, people):
    logged_in(client, people.admin)
    assert client.get("/coordinator/applications").status_code == 200
    response = client.post(f"/coordinator/applications/{people.older}/approve")
    assert redirect_path(response) == "/coordinator/applications"
    assert profile_of(app, people.older).status == "verified"


def test_a_decided_application_cannot_be_decided_again(app, client, people):
    use_english(client)
    logged_in(client, people.coordinator)
    response = client.post(f"/coordinator/applications/{people.verified}/approve",
                           follow_redirects=True)
    assert "not possible in the current state" in page(response)
    assert audit_entries(app, "expert_verified", people.verified) == []
    response = client.post(f"/coordinator/applications/{people.verified}/reject",
                           data={"reject-reason": "Ei."})
    assert response.status_code == 422
    assert profile_of(app, people.verified).status == "verified"


@pytest.mark.parametrize("who", ["verified_email", "newer_email", "member", "finance"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/coordinator/applications"),
        ("get", "/coordinator/applications/{newer}"),
        ("post", "/coordinator/applications/{newer}/approve"),
        ("post", "/coordinator/applications/{newer}/request-info"),
        ("post", "/coordinator/applications/{newer}/reject"),
    ],
)
def test_only_coordinators_and_admins_decide(app, client, people, who, method, path):
    logged_in(client, getattr(people, who))
    url = path.format(newer=people.newer)
    data = {"info-message": "x", "reject-reason": "x"}
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == 403
    assert profile_of(app, people.newer).status == "applied"
    assert audit_entries(app, "expert_verified") == []


def test_unknown_application_is_not_found(app, client, people):
    logged_in(client, people.coordinator)
    assert client.get("/coordinator/applications/999999").status_code == 404
    assert client.post("/coordinator/applications/999999/approve").status_code == 404


def test_services_refuse_non_coordinators(app, people):
    with app.app_context():
        expert_user = db.session.get(ExpertProfile, people.verified).user
        with pytest.raises(PermissionDenied):
            services.approve_expert(expert_user, people.newer)
        assert db.session.get(ExpertProfile, people.newer).status == "applied"


def test_applicant_asked_for_information_adds_training_and_sends_again(app, client, people):
    use_english(client)
    logged_in(client, people.older_email)
    application = client.get("/expert/application")
    assert application.status_code == 200
    assert "Lähetä todistus." in page(application)
    assert "Send my application again" in page(application)

    response = client.post("/expert/application/training", data={
        "training-provider": "Mielenterveysseura",
        "training-course": "Kokemusasiantuntijan jatkokoulutus",
        "training-completed_on": "2025-03-01",
        "training-certificate": file_field(PDF, "jatkokoulutus.pdf"),
    }, content_type="multipart/form-data")
    assert redirect_path(response) == "/expert/application"
    with app.app_context():
        profile = db.session.get(ExpertProfile, people.older)
        added = [t for t in profile.trainings if t.provider == "Mielenterveysseura"]
        assert len(added) == 1 and added[0].certificate_filename == "jatkokoulutus.pdf"

    response = client.post("/expert/application/resubmit")
    assert redirect_path(response) == "/expert/application"
    assert profile_of(app, people.older).status == "applied"
    (entry,) = audit_entries(app, "expert_resubmitted", people.older)
    with app.app_context():
        assert entry["actor_id"] == db.session.get(ExpertProfile, people.older).user_id

    coordinator = logged_in(app.test_client(), people.coordinator)
    queue = page(coordinator.get("/coordinator/applications"))
    assert "Olli Odottaja" in queue and "Kokemusasiantuntijan jatkokoulutus" in queue


def test_only_an_applicant_asked_for_information_can_send_again(app, client, people):
    use_english(client)
    logged_in(client, people.newer_email)
    response = client.post("/expert/application/resubmit", follow_redirects=True)
    assert "not possible in the current state" in page(response)
    assert profile_of(app, people.newer).status == "applied"
    assert audit_entries(app, "expert_resubmitted") == []


def test_a_checked_expert_cannot_change_the_training(app, client, people):
    use_english(client)
    logged_in(client, people.verified_email)
    response = client.post("/expert/application/training", data={
        "training-provider": "X", "training-course": "Y", "training-completed_on": "2025-01-01",
    })
    assert response.status_code == 422
    assert "already been checked" in page(response)
    with app.app_context():
        assert len(db.session.get(ExpertProfile, people.verified).trainings) == 1


def test_training_in_the_future_is_refused(app, client, people):
    use_english(client)
    logged_in(client, people.newer_email)
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    response = client.post("/expert/application/training", data={
        "training-provider": "X", "training-course": "Y", "training-completed_on": tomorrow,
    })
    assert response.status_code == 422
    assert "future" in field_error(response, "training-completed_on")


def test_the_applicant_mail_is_in_the_applicants_language(app, people):
    with app.app_context(), app.test_request_context():
        coordinator = db.session.get(User, people.coordinator_id)
        with pytest.raises(Conflict):
            services.approve_expert(coordinator, people.verified)
        services.approve_expert(coordinator, people.newer)
        db.session.commit()
    ((to, subject, body),) = mails(app, "expert_verified")
    assert to == people.newer_email and subject
    assert body.startswith("Hej Hanna Hakija,")
