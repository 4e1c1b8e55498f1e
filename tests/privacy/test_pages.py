"""The pages: My account, download my data, close my account, a coordinator closes one."""

from __future__ import annotations

import io
import json
import re
import zipfile

from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.web.helpers import csrf_token


def test_the_account_page_links_to_export_and_closing(pair, client, login):
    person, _other = pair
    login(client, person.email)
    page = client.get("/account")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lataa tietoni" in html and 'href="/account/close"' in html
    assert 'href="/password/change"' in html


def test_download_my_data_from_the_page(pair, client, login):
    person, other = pair
    login(client, person.email)
    response = client.post("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("data.json"))
    assert data["account"]["email"] == person.email
    assert other.email not in response.data.decode("latin-1")


def test_the_export_form_needs_its_csrf_token(pair, csrf_client, login):
    person, _other = pair
    email = db.session.get(User, person.user_id).email
    token = csrf_token(csrf_client.get("/login"))
    csrf_client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD,
                                     "csrf_token": token})
    assert csrf_client.get("/account").status_code == 200
    response = csrf_client.post("/account/export")
    assert response.status_code == 400 and response.mimetype != "application/zip"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "data_exported")) \
        is None


def test_closing_with_a_wrong_password_keeps_the_form(pair, client, login):
    person, _other = pair
    login(client, person.email)
    response = client.post("/account/close", data={"understood": "y",
                                                   "password": "not-my-password"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Salasana ei ole oikein." in html
    (checkbox,) = re.findall(r'<input[^>]*id="understood"[^>]*>', html)
    assert " checked" in checkbox  # what the user gave is kept
    assert db.session.get(User, person.user_id).closed_at is None


def test_closing_without_the_tick_is_refused(pair, client, login):
    person, _other = pair
    login(client, person.email)
    response = client.post("/account/close", data={"password": DEFAULT_PASSWORD})
    assert response.status_code == 422
    assert "Rastita ruutu" in response.get_data(as_text=True)
    assert db.session.get(User, person.user_id).closed_at is None


def test_closing_signs_out_and_the_old_session_dies(pair, app, login):
    person, _other = pair
    browser, other_browser = app.test_client(), app.test_client()
    login(browser, person.email)
    login(other_browser, person.email)
    assert other_browser.get("/account").status_code == 200

    response = browser.post("/account/close", data={"understood": "y",
                                                    "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert db.session.get(User, person.user_id).closed_at is not None
    assert browser.get("/account").status_code == 302
    gone = other_browser.get("/account")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    again = login(app.test_client(), person.email)
    assert "ei ole oikein" in again.get_data(as_text=True)


def test_staff_cannot_use_the_self_service_page(client, login):
    coordinator = factories.user("coordinator")
    db.session.commit()
    login(client, coordinator.email)
    assert client.get("/account/close").status_code == 403


def test_a_coordinator_closes_an_account_on_request(pair, client, login):
    person, _other = pair
    coordinator = factories.user("coordinator")
    db.session.commit()
    login(client, coordinator.email)
    page = client.get(f"/privacy/users/{person.user_id}/close")
    assert page.status_code == 200
    assert person.name in page.get_data(as_text=True)
    refused = client.post(f"/privacy/users/{person.user_id}/close", data={})
    assert refused.status_code == 422
    response = client.post(f"/privacy/users/{person.user_id}/close", data={"understood": "y"})
    assert response.status_code == 302
    user = db.session.get(User, person.user_id)
    assert user.closed_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account_closed"))
    assert entry.actor_id == coordinator.id
    closed_page = client.get(f"/privacy/users/{person.user_id}/close")
    assert "suljettiin" in closed_page.get_data(as_text=True)


def test_the_expert_review_page_links_to_closing(pair, client, login):
    person, _other = pair
    coordinator = factories.user("coordinator")
    db.session.commit()
    login(client, coordinator.email)
    page = client.get(f"/coordinator/applications/{person.expert_id}")
    assert f'href="/privacy/users/{person.user_id}/close"' in page.get_data(as_text=True)


def test_others_cannot_close_on_request(pair, client, login, organiser):
    person, _other = pair
    login(client, organiser.email)
    assert client.get(f"/privacy/users/{person.user_id}/close").status_code == 403
    assert client.post(f"/privacy/users/{person.user_id}/close",
                       data={"understood": "y"}).status_code == 403
    assert db.session.get(User, person.user_id).closed_at is None


def test_a_coordinator_cannot_close_an_admin(client, login):
    coordinator, admin = factories.user("coordinator"), factories.user("admin")
    db.session.commit()
    login(client, coordinator.email)
    response = client.post(f"/privacy/users/{admin.id}/close", data={"understood": "y"})
    assert response.status_code == 403
    assert db.session.get(User, admin.id).closed_at is None


def test_unknown_user_is_404(client, login):
    coordinator = factories.user("coordinator")
    db.session.commit()
    login(client, coordinator.email)
    assert client.get("/privacy/users/999999/close").status_code == 404
