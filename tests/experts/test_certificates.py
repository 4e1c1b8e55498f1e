"""Training certificates: PDF, PNG or JPEG by content, at most 5 MB, random names outside the
web root, downloadable only by the expert and the bank's coordinators and admins."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from app.experts import certificates
from app.experts.models import ExpertProfile, TrainingRecord
from app.extensions import db
from tests import factories
from tests.experts.helpers import JPEG, PDF, PNG, file_field
from tests.web.helpers import field_error, logged_in, page, redirect_path, use_english

FIVE_MB = 5 * 1024 * 1024


@pytest.fixture
def people(app):
    with app.app_context():
        applicant = factories.expert("applied", full_name="Hilla Hakija")
        other = factories.expert("applied")
        coordinator = factories.user("coordinator")
        admin = factories.user("admin")
        finance = factories.user("finance")
        member = factories.member()
        db.session.commit()
        return SimpleNamespace(
            applicant=applicant.user.email, applicant_id=applicant.id,
            training=applicant.trainings[0].id,
            other=other.user.email, coordinator=coordinator.email, admin=admin.email,
            finance=finance.email, member=member.email,
        )


def upload(client, training_id: int, content: bytes, name: str):
    return client.post("/expert/application/certificate", data={
        "certificate-training_id": str(training_id),
        "certificate-certificate": file_field(content, name),
    }, content_type="multipart/form-data")


def stored(app, training_id: int) -> tuple[str | None, str | None]:
    with app.app_context():
        record = db.session.get(TrainingRecord, training_id)
        return record.certificate_path, record.certificate_filename


def files_in(folder) -> list[str]:
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_a_real_pdf_is_stored_under_a_random_name_outside_the_web_root(
    app, client, people, upload_dir
):
    logged_in(client, people.applicant)
    response = upload(client, people.training, PDF, "Hillan todistus.pdf")
    assert redirect_path(response) == "/expert/application"
    path, filename = stored(app, people.training)
    assert filename == "Hillan todistus.pdf"
    assert path.startswith("certificates/") and path.endswith(".pdf")
    name = os.path.basename(path)
    assert "Hillan" not in name and len(name) == 32 + len(".pdf")
    assert files_in(upload_dir / "certificates") == [name]
    assert (upload_dir / path).read_bytes() == PDF
    assert not str(upload_dir / path).startswith(app.static_folder)
    assert "Hillan todistus.pdf" in page(client.get("/expert/application"))


def test_uploads_live_in_the_instance_folder_by_default(app, monkeypatch):
    monkeypatch.delitem(app.config, "UPLOAD_FOLDER")
    with app.app_context():
        assert certificates.upload_root() == os.path.join(app.instance_path, "uploads")


@pytest.mark.parametrize(
    ("content", "name", "extension", "download"),
    [
        (PNG, "kuva.png", ".png", "kuva.png"),
        (JPEG, "kuva.jpeg", ".jpg", "kuva.jpg"),
        (JPEG, "valokuva.pdf", ".jpg", "valokuva.jpg"),  # the content decides, not the name
    ],
)
def test_images_are_accepted_by_their_content(app, client, people, content, name, extension,
                                              download):
    logged_in(client, people.applicant)
    assert redirect_path(upload(client, people.training, content, name)) == "/expert/application"
    path, filename = stored(app, people.training)
    assert path.endswith(extension) and filename == download


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"This is plain text, not a PDF.\n", "todistus.pdf"),
        (b"<html><script>alert(1)</script></html>", "todistus.png"),
        (b"MZ\x90\x00executable", "todistus.jpg"),
        (b"", "tyhja.pdf"),
    ],
)
def test_other_content_is_refused_whatever_its_name(app, client, people, upload_dir, content,
                                                   name):
    use_english(client)
    logged_in(client, people.applicant)
    response = upload(client, people.training, content, name)
    assert response.status_code == 422
    assert "PDF file or a photo" in (field_error(response, "certificate-certificate") or "")
    assert stored(app, people.training) == (None, None)
    assert files_in(upload_dir / "certificates") == []


def test_a_file_over_5_mb_is_refused_with_a_clear_message(app, client, people, upload_dir):
    use_english(client)
    logged_in(client, people.applicant)
    response = upload(client, people.training, PDF + b"0" * (FIVE_MB - len(PDF) + 1), "iso.pdf")
    assert response.status_code == 422
    assert "at most 5 MB" in field_error(response, "certificate-certificate")
    assert stored(app, people.training) == (None, None)
    assert files_in(upload_dir / "certificates") == []


def test_a_file_of_exactly_5_mb_is_accepted(app, client, people):
    logged_in(client, people.applicant)
    response = upload(client, people.training, PDF + b"0" * (FIVE_MB - len(PDF)), "raja.pdf")
    assert redirect_path(response) == "/expert/application"


def test_a_request_over_the_server_limit_shows_the_friendly_page(app, client, people):
    use_english(client)
    logged_in(client, people.applicant)
    response = upload(client, people.training, PDF + b"0" * (7 * 1024 * 1024), "valtava.pdf")
    assert response.status_code == 413
    assert "The file is too large" in page(response)
    assert "at most 5 MB" in page(response)
    assert stored(app, people.training) == (None, None)


def test_a_new_certificate_replaces_the_old_file(app, client, people, upload_dir):
    logged_in(client, people.applicant)
    upload(client, people.training, PDF, "eka.pdf")
    first, _ = stored(app, people.training)
    upload(client, people.training, PNG, "toka.png")
    second, filename = stored(app, people.training)
    assert first != second and filename == "toka.png"
    assert files_in(upload_dir / "certificates") == [os.path.basename(second)]


def test_an_applicant_cannot_attach_to_anothers_training(app, client, people):
    logged_in(client, people.other)
    response = upload(client, people.training, PDF, "vieras.pdf")
    assert response.status_code == 422  # not one of the choices of this applicant
    assert stored(app, people.training) == (None, None)


def test_downloads_are_attachments_for_the_expert_and_coordinators(app, client, people):
    logged_in(client, people.applicant)
    upload(client, people.training, PDF, "todistus.pdf")
    url = f"/expert/trainings/{people.training}/certificate"
    for email in (people.applicant, people.coordinator, people.admin):
        response = logged_in(app.test_client(), email).get(url)
        assert response.status_code == 200, email
        assert response.data == PDF
        assert response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment") and "todistus.pdf" in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("who", "status"), [("other", 403), ("member", 403), ("finance", 403)])
def test_nobody_else_can_download_a_certificate(app, client, people, who, status):
    logged_in(client, people.applicant)
    upload(client, people.training, PDF, "todistus.pdf")
    response = logged_in(app.test_client(), getattr(people, who)).get(
        f"/expert/trainings/{people.training}/certificate"
    )
    assert response.status_code == status
    assert PDF not in response.data


def test_missing_certificates_are_not_found(app, client, people):
    logged_in(client, people.coordinator)
    assert client.get(f"/expert/trainings/{people.training}/certificate").status_code == 404
    assert client.get("/expert/trainings/999999/certificate").status_code == 404


def test_anonymous_visitors_must_sign_in(app, client, people):
    response = client.get(f"/expert/trainings/{people.training}/certificate")
    assert redirect_path(response) == "/login"


def test_upload_without_a_file_asks_for_one(app, client, people):
    logged_in(client, people.applicant)
    response = client.post("/expert/application/certificate",
                           data={"certificate-training_id": str(people.training)})
    assert response.status_code == 422
    assert field_error(response, "certificate-certificate")
    with app.app_context():
        assert db.session.get(ExpertProfile, people.applicant_id).status == "applied"


@pytest.mark.parametrize(
    ("content", "kind"),
    [(PDF, ".pdf"), (PNG, ".png"), (JPEG, ".jpg"), (b"GIF89a", None), (b"%PD", None), (b"", None)],
)
def test_kind_is_recognised_from_the_first_bytes(content, kind):
    found = certificates.kind_of(content)
    assert (found.extension if found else None) == kind


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("todistus.pdf", "todistus.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\hilla\\Todistus ä.PDF", "Todistus ä.pdf"),
        ("rivi\r\nvaihto.pdf", "rivivaihto.pdf"),
        ("", "certificate.pdf"),
    ],
)
def test_download_names_are_made_safe(original, expected):
    assert certificates.display_filename(original, certificates.KINDS[0]) == expected
