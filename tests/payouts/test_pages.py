"""The finance pages (queue, four eyes, TOTP, batches, two-factor set-up) and the expert's
money pages (monthly totals, the earnings-limit gauge, the yearly statement)."""

from __future__ import annotations

import csv
import io
import re

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.payouts import services
from app.payouts.models import PayoutBatch, PayoutItem
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.payouts.helpers import approved, code, expert_with_iban, finance_user, payout
from tests.support.two_factor import sign_in_post
from tests.web.helpers import page, redirect_path


class SignedInClient:
    """A signed-in test client whose every request runs in an app context of its own.

    The tests hold an app context for their factories; a request would otherwise share it
    (and Flask-Login's cached user in ``g``) with every other client of the test.
    """

    def __init__(self, app, email: str, english: bool):
        self.app = app
        self.client = app.test_client()
        with app.app_context():
            response = sign_in_post(self.client, "/login", email,
                                    {"email": email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, page(response)
        if english:
            self.get("/language/en")

    def get(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.post(*args, **kwargs)


@pytest.fixture
def signed_in(app):
    """``signed_in(user_or_email, english=False)``: commits the test's data and signs in."""

    def open_as(user, english: bool = False) -> SignedInClient:
        email = getattr(user, "email", user)
        db.session.commit()
        return SignedInClient(app, email, english)

    return open_as


@pytest.fixture
def live_now(monkeypatch, now):
    """Pin the pages' clock to ``now`` so that codes made for ``now`` are current."""
    import app.payouts.views as views

    monkeypatch.setattr(views, "utcnow", lambda: now)
    return now


def checkbox(item) -> str:
    return f'name="item_ids" value="{item.id}"'


def status_of(item_id: int) -> str:
    db.session.expire_all()
    return db.session.get(PayoutItem, item_id).status


# --- the approval queue and four eyes -------------------------------------------------------


def test_no_approve_checkbox_for_own_work_and_the_reason_is_shown(signed_in, finance, live_now):
    mine = payout(reported_by=finance, title="Oma raportti")
    payee = finance_user()
    paid_to_me = payout(expert_with_iban(), reported_by=factories.user("coordinator"))
    paid_to_me.expert.user_id = payee.id
    others = payout(title="Toisen työ")
    html = page(signed_in(finance, english=True).get("/finance/payouts"))
    assert checkbox(others) in html and checkbox(paid_to_me) in html
    assert checkbox(mine) not in html
    assert "You reported this work. Another finance user approves it." in html
    assert 'name="totp"' in html

    as_payee = signed_in(payee, english=True)
    html = page(as_payee.get("/finance/payouts"))
    assert checkbox(paid_to_me) not in html and checkbox(others) in html
    assert "This payout is paid to you. Another finance user approves it." in html
    item_page = page(as_payee.get(f"/finance/payouts/{paid_to_me.id}"))
    assert "Approve this payout" not in item_page and "Reject this payout" not in item_page
    assert "This payout is paid to you" in item_page
    other_page = page(as_payee.get(f"/finance/payouts/{others.id}"))
    assert "Approve this payout" in other_page and "Reject this payout" in other_page


def test_approve_several_with_one_code_on_the_page(signed_in, finance, live_now):
    items = [payout(), payout(expert_with_iban(1))]
    client = signed_in(finance, english=True)
    wrong = "000000" if code(finance, live_now) != "000000" else "111111"
    response = client.post("/finance/payouts/approve",
                           data={"item_ids": [i.id for i in items], "totp": wrong})
    assert response.status_code == 422
    assert "two-factor code is wrong" in page(response)
    assert {status_of(i.id) for i in items} == {"pending_approval"}
    missing = client.post("/finance/payouts/approve", data={"item_ids": [items[0].id]})
    assert missing.status_code == 422
    response = client.post("/finance/payouts/approve", data={
        "item_ids": [i.id for i in items], "totp": code(finance, live_now)})
    assert response.status_code == 302
    assert {status_of(i.id) for i in items} == {"approved"}


def test_a_wrong_code_keeps_the_chosen_payouts_chosen(signed_in, finance, live_now):
    """Issue 14: after a wrong code the same payouts are ticked (and only those), the code
    typed is shown again, and the error summary takes the focus."""
    chosen, left = payout(), payout(expert_with_iban(1))
    client = signed_in(finance, english=True)
    wrong = "000000" if code(finance, live_now) != "000000" else "111111"
    response = client.post("/finance/payouts/approve",
                           data={"item_ids": [chosen.id], "totp": wrong})
    assert response.status_code == 422
    html = page(response)
    ticked = set(re.findall(r'<input type="checkbox" name="item_ids" value="(\d+)"[^>]*checked',
                            html))
    assert ticked == {str(chosen.id)}
    assert f'value="{left.id}"' in html  # still listed, not ticked
    assert re.search(r'id="totp"[^>]*value="' + wrong, html) or re.search(
        r'value="' + wrong + r'"[^>]*id="totp"', html)
    assert re.search(r'id="error-summary"[^>]*autofocus', html)
    assert {status_of(i.id) for i in (chosen, left)} == {"pending_approval"}


def test_a_forged_approval_of_own_work_is_refused(signed_in, finance, live_now):
    mine = payout(reported_by=finance)
    client = signed_in(finance, english=True)
    response = client.post("/finance/payouts/approve",
                           data={"item_ids": [mine.id], "totp": code(finance, live_now)})
    assert "because you reported the work" in page(response)
    assert status_of(mine.id) == "pending_approval"



def test_reject_on_the_item_page_needs_a_reason(signed_in, finance, live_now):
    item = payout()
    client = signed_in(finance, english=True)
    url = f"/finance/payouts/{item.id}/reject"
    response = client.post(url, data={"reject-reason": "", "reject-totp": code(finance, live_now)})
    assert response.status_code == 422
    assert "Write the reason. The expert sees it." in page(response)
    response = client.post(url, data={"reject-reason": "Päivä ei täsmää.",
                                      "reject-totp": code(finance, live_now)})
    assert response.status_code == 302
    assert status_of(item.id) == "rejected"


def test_correction_on_the_item_page(signed_in, finance, other_finance, live_now):
    item = payout(travel="46.20")
    client = signed_in(finance)
    response = client.post(f"/finance/payouts/{item.id}/edit",
                           data={"travel": "40,50", "per_diem": "0", "reason": "Lyhyempi reitti"})
    assert response.status_code == 302
    db.session.expire_all()
    corrected = db.session.get(PayoutItem, item.id)
    assert str(corrected.travel) == "40.50" and corrected.prepared_by_id == finance.id
    assert checkbox(item) not in page(client.get("/finance/payouts"))
    assert checkbox(item) in page(signed_in(other_finance).get("/finance/payouts"))


@pytest.mark.parametrize(("who", "status"), [("expert", 403), ("coordinator", 403),
                                             ("admin", 200)])
def test_finance_pages_are_for_finance_and_admins(signed_in, who, status):
    user = expert_with_iban().user if who == "expert" else factories.user(who)
    client = signed_in(user)
    for path in ("/finance/payouts", "/finance/batches", "/finance/two-factor"):
        assert client.get(path).status_code == status, path


# --- batches --------------------------------------------------------------------------------


def test_batch_pages_create_download_and_mark_paid(signed_in, finance, other_finance, live_now):
    items = [payout(), payout(expert_with_iban(1))]
    approved(items, other_finance, live_now)
    client = signed_in(finance, english=True)
    html = page(client.get("/finance/batches"))
    assert all(checkbox(i) in html for i in items)
    response = client.post("/finance/batches", data={"item_ids": [i.id for i in items]})
    assert response.status_code == 302
    batch = db.session.scalars(select(PayoutBatch)).one()
    detail = page(client.get(f"/finance/batches/{batch.id}"))
    assert f"/finance/batches/{batch.id}/pain001.xml" in detail
    assert f"/finance/batches/{batch.id}/payroll.csv" in detail
    not_confirmed = client.post(f"/finance/batches/{batch.id}/paid", data={})
    assert not_confirmed.status_code == 422
    assert client.post(f"/finance/batches/{batch.id}/paid",
                       data={"confirm": "y"}).status_code == 302
    assert {status_of(i.id) for i in items} == {"paid"}
    again = client.post(f"/finance/batches/{batch.id}/paid", data={"confirm": "y"})
    assert "already been marked paid" in page(again)


def test_a_batch_with_a_missing_iban_is_refused_on_the_page_with_names(signed_in, finance,
                                                                       other_finance, live_now):
    item = payout(expert_with_iban(full_name="Tiliton Tiina", iban=None))
    approved([item], other_finance, live_now)
    response = signed_in(finance, english=True).post("/finance/batches",
                                                   data={"item_ids": [item.id]})
    assert response.status_code == 422
    assert "Tiliton Tiina" in page(response)
    assert db.session.scalars(select(PayoutBatch)).first() is None


# --- two-factor set-up ----------------------------------------------------------------------


def test_two_factor_enrolment_shows_the_key_as_text_and_saves_it_with_a_code(signed_in):
    """Finance without two-factor authentication sets it up at sign-in, before any page."""
    user = finance_user(totp_secret=None)
    client = signed_in(user)  # the password is right: on to the set-up
    assert redirect_path(client.get("/finance/payouts")) == "/login"
    html = page(client.get("/login/two-factor/setup"))
    uri = re.search(r"(otpauth://totp/[^<\s]+)", html).group(1).replace("&amp;", "&")
    secret = pyotp.parse_uri(uri).secret
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in html
    assert "issuer=Kokemuspankki" in uri
    assert "<img" not in html  # no QR image from an outside service
    assert secret[:8] in page(client.get("/login/two-factor/setup"))  # the same key again
    wrong = client.post("/login/two-factor/setup", data={"code": "12345"})
    assert wrong.status_code == 422
    ok = client.post("/login/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 200
    assert len(re.findall(r'<code class="secret">[0-9a-f]{5}-[0-9a-f]{5}</code>', page(ok))) == 10
    db.session.expire_all()
    assert db.session.get(type(user), user.id).totp_secret == secret
    assert client.get("/finance/payouts").status_code == 200  # signed in now


# --- the expert's money pages ---------------------------------------------------------------


def test_money_page_totals_by_month_and_the_gauge(signed_in, earnings_data):
    html = page(signed_in(earnings_data.user).get("/expert/money?year=2026"))
    # January and the year, as counted by hand in the fixture (Finnish number format).
    january = re.search(r"<th scope=\"row\">tammikuu.*?</tr>", html, re.S).group(0)
    assert re.findall(r"(\d+,\d\d) €", january) == [
        "50,00", "10,00", "40,00", "46,20", "25,00", "111,20"]
    assert "yli kuukausirajasi" in january
    assert "133,70 €" in html and "70,20 €" in html
    assert '<meter id="year-gauge" min="0" max="1000.00" value="65.00"' in html
    assert "Tuplaraportti." in html  # the rejection reason
    assert "Tammikuun luento" in html


def test_money_page_in_english_says_the_limit_in_words(signed_in, earnings_data):
    html = page(signed_in(earnings_data.user, english=True).get("/expert/money?year=2026"))
    assert "€65.00 of your limit €1,000.00 (6 %)." in html
    assert "€935.00 left before the limit." in html


def test_statement_csv_and_printable_page(signed_in, earnings_data):
    client = signed_in(earnings_data.user)
    response = client.get("/expert/money/2026/statement.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, *lines, total = rows
    assert len(header) == 11 and len(lines) == 3  # the rejected payout is not listed
    assert [line[0] for line in lines] == ["2026-01-15", "2026-01-31", "2026-02-01"]
    assert total[3:10] == ["65,00", "", "13,00", "52,00", "56,70", "25,00", "133,70"]
    assert lines[0][10] != "" and lines[1][10] == ""  # only the first has been paid
    printable = client.get("/expert/money/2026/statement")
    assert printable.status_code == 200
    assert "133,70 €" in page(printable) and "Tuplaraportti" not in page(printable)


def test_money_pages_are_the_experts_own(signed_in, earnings_data, finance):
    other = expert_with_iban()
    assert "133,70" not in page(signed_in(other.user).get("/expert/money?year=2026"))
    assert signed_in(finance).get("/expert/money").status_code == 403


def test_paid_batch_shows_on_the_experts_page(signed_in, finance, other_finance, now):
    item = payout(title="Maksettu luento")
    approved([item], finance, now)
    batch = services.create_batch(finance, None, now)
    services.mark_batch_paid(other_finance, batch.id, now)
    html = page(signed_in(item.expert.user, english=True).get("/expert/money?year=2026"))
    assert "Paid to your account on" in html


def test_money_page_hides_the_months_without_work_until_asked(signed_in, earnings_data):
    client = signed_in(earnings_data.user)
    html = page(client.get("/expert/money?year=2026"))
    months = re.findall(r"<th scope=\"row\">([a-zäö]+)", html)
    # January and February have work; March's only payout was rejected: not counted.
    assert months == ["tammikuu", "helmikuu"]
    assert "10 kuukautta ilman työtä ei näytetä." in html
    assert "133,70 €" in html  # the year's total still counts every month
    every = page(client.get("/expert/money?year=2026&months=all"))
    assert len(re.findall(r"<th scope=\"row\">([a-zäö]+)", every)) == 12
    assert "maaliskuu" in every and "joulukuu" in every
