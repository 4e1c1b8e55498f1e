"""Every page of every role, in Chromium, with zero axe-core violations.

``CASES`` is the table: who signs in (``None``: nobody), which page, and
optionally what to do on it first (press "Calculate the price", send an empty
form so that the error summary shows, …). Each case gets a fresh browser
context (signed in as its role: each user signs in through the login form once,
and the cases reuse those cookies), loads the page and checks that the
answer is the expected status (never 5xx), that ``html[lang]`` is the page's
language, that there is exactly one ``h1`` and one ``main`` landmark, that no id is
used twice, that axe-core finds nothing, that the answer carries the security headers (a
CSP without 'unsafe-inline', no-store for a signed-in user), and then — on the same loaded
page — that nothing is cut off at 1280 px and that the page does not scroll sideways at
320 px (only a focusable, labelled table-scroll region may scroll inside itself). The table
runs in Finnish; ``LOCALISED`` repeats key pages in Swedish and English. On Finnish and
Swedish pages no number is written the English way (``30.00 €``, ``562.7 km``) and no date
as ISO (``2026-12-11``): the Finnish run checks it on every case, and every case runs once
more in Swedish without axe and the width checks (``test_page_uses_swedish_number_formats``).
That Swedish repeat does not render the page: it fetches the page's HTML over HTTP with the
same signed-in cookies (``context.request``: ``check_page_over_http``) and makes the same
checks on it — the status (and no redirect elsewhere), the security headers, ``html[lang]``,
one ``h1``, one ``main``, and the dot-decimal/ISO-date scan on the page's visible text and
text inputs (``html_page_text`` in helpers.py: the text outside scripts, styles, comments,
attributes and unrendered elements, as ``innerText`` reads it). Only the cases with a
``then`` step (pressing a button first) still load in Chromium for it.
``test_the_html_scan_*`` show that the scan fails on a planted English number or ISO date in
visible text and not in attributes or scripts, and that it reads every number the browser
shows on pages full of amounts and dates.

Ids in paths and sign-ins (``{order_filled}``, ``{invitee}`` …) come from the
live server's demo database (``demo_ids``), so the table never hard-codes them.

``test_every_page_has_a_browser_test`` fails when the app has a GET page (an
url_map rule outside /api/ and /static/) that no case covers: add a case for
each new page, or — only for redirects, downloads and machine endpoints — an entry in ``NOT_PAGES``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Playwright, Response, expect
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from tests.browser.helpers import (
    _PAGE_TEXT,
    DEMO_PASSWORD,
    assert_accessible,
    assert_fits,
    assert_html_local_number_formats,
    assert_html_page_structure,
    assert_local_number_formats,
    assert_page_structure,
    assert_security_headers,
    assert_unique_ids,
    html_page_text,
    live_db,
    parse_html,
    sign_in_over_http,
)
from tests.support.databases import on_postgres

ORG = "org@demo.test"  # admin of Demo hyvinvointialue (orders in every state)
ORG2 = "org2@demo.test"  # an ordinary member of another organisation
EXPERT = "expert1@demo.test"  # verified, with coming and past bookings
SERIES_EXPERT = "expert5@demo.test"  # booked for the three meetings of the demo series
APPLICANT = "applicant@demo.test"  # applied, not yet verified
COORDINATOR = "coordinator@demo.test"
FINANCE = "finance@demo.test"
ADMIN = "admin@demo.test"
PARTICIPANT = "raati@demo.test"  # chair of the client panel, member of the co-development group
CLIENT = "asiakas@demo.test"  # a panel member who has not evaluated the past panel meeting
PENDING_ORG = "org3@demo.test"  # admin of an organisation waiting for the bank's approval
NEW_STAFF = "uusi-koordinaattori@demo.test"  # made by demo_ids without a two-factor secret
INVITEE = "{invitee}"  # the expert of a pending demo invitation (looked up)
PAYEE = "{payee}"  # the expert of the demo payout waiting for approval (looked up)
DISPUTED_EXPERT = "{disputed_expert}"  # the expert of the demo's disputed report (looked up)

#: A calculator query with a result (travel by car, a daily allowance, 2026 rates).
PRICE_QUERY = (
    "/prices?assignment_type=lecture&duration_minutes=90&date=2026-03-10&km_driven=84%2C5"
    "&passengers=1&public_transport_eur=&parking_eur=6&trip_hours=7&one_way_km=42&free_meals=1"
)

#: GET rules that are not pages of their own (endpoint: why there is no case).
NOT_PAGES = {
    "web.choose_language": "stores the language and redirects back (used by LOCALISED cases)",
    "web.home": "redirects to the signed-in user's dashboard",
    "experts.certificate": "a certificate file download (attachment), not an HTML page",
    "receipts.receipt": "a work report's receipt file download (attachment), not an HTML page",
    "reports.reports_csv": "the participation figures as a CSV download (attachment)",
    "payouts.download_bank_file": "a payment batch's pain.001 file download (attachment)",
    "payouts.download_payroll": "a payment batch's payroll CSV download (attachment)",
    "money.statement_download": "the expert's yearly statement as a CSV download (attachment)",
    "ops.healthz": "JSON for load balancers (process alive), not an HTML page",
    "ops.readyz": "JSON for load balancers (database and Redis ready), not an HTML page",
    "ops.prometheus_metrics": "Prometheus text for the monitoring system, not an HTML page",
    "admin.audit_log_csv": "the filtered audit log as a CSV download (attachment)",
    "calendar_feed.feed": "the secret calendar subscription (text/calendar) for calendar apps",
    "expert_work.task_calendar": "one booked task as an .ics download (attachment)",
    "matching.receipt": "the receipts of a disputed report as a download (attachment)",
}

Step = Callable[[Page], Response]


@dataclass(frozen=True)
class Case:
    user: str | None
    path: str
    status: int = 200
    then: Step | None = None
    note: str = ""

    @property
    def id(self) -> str:
        who = (self.user or "anonymous").split("@")[0].strip("{}")
        return f"{who}:{self.path}" + (f"[{self.note}]" if self.note else "")


# --- steps done on a page before it is checked ----------------------------------------------


def submit(form: str, fill: dict[str, str] | None = None) -> Step:
    """Fill fields (CSS selector: value) and press the first submit button of ``form``."""

    def step(page: Page) -> Response:
        for selector, value in (fill or {}).items():
            page.fill(selector, value)
        with page.expect_navigation() as navigation:
            page.locator(f"{form} [type=submit]").first.click()
        return navigation.value

    return step


def follow(selector: str) -> Step:
    """Follow the first link matching ``selector`` (e.g. the pager's "Next page")."""

    def step(page: Page) -> Response:
        with page.expect_navigation() as navigation:
            page.locator(selector).first.click()
        return navigation.value

    return step


def choose_member_role_without_organisation(page: Page) -> Response:
    """Ask for the organisation-member role without an organisation: refused, nothing changes."""
    page.select_option("#role", "organisation_member")
    with page.expect_navigation() as navigation:
        page.locator('form[action$="/role"] [type=submit]').first.click()
    return navigation.value


def calculate_order_price(page: Page) -> Response:
    """Fill the order form (by field ids: the same in every language), press "Calculate"."""
    page.check("input[name=kind][value=single]")
    page.select_option("#assignment_type", "lecture")
    page.fill("#title", "Luento henkilöstöpäivillä")
    page.check("input[name=expertise_areas][value=mental-health]")
    page.fill("#date", _in_days(21).isoformat())
    page.fill("#start_time", "13:00")
    page.fill("#duration_minutes", "90")
    page.select_option("#municipality_code", "609")  # Pori
    response = _press_action(page, "estimate")
    expect(page.locator("#estimate-total-all")).to_be_visible()
    return response


def password_step(email: str) -> Step:
    """From the sign-in page (where the step pages send a visitor who has not typed a
    password yet), sign in with the password only: a staff member lands on the next step."""
    return submit("form:has(#password)", {"#email": email, "#password": DEMO_PASSWORD})


def wrong_second_step(page: Page) -> Response:
    """The finance user's password, then a code that cannot be right: the error shows."""
    password_step(FINANCE)(page)
    response = submit("main form", {"#totp": "12"})(page)
    expect(page.locator("#totp-error")).to_be_visible()
    return response


def approve_with_a_wrong_code(page: Page) -> Response:
    """Choose the first payout in the queue and approve it with a code that cannot be right."""
    page.locator("input[name=item_ids]").first.check()
    page.fill("#totp", "12")
    with page.expect_navigation() as navigation:
        page.locator('form[action$="/payouts/approve"] [type=submit]').click()
    expect(page.locator("#totp-error")).to_be_visible()
    return navigation.value


def send_empty_order(page: Page) -> Response:
    response = _press_action(page, "submit")
    expect(page.locator("#error-summary")).to_be_visible()
    return response


def _press_action(page: Page, action: str) -> Response:
    with page.expect_navigation() as navigation:
        page.click(f"button[name=action][value={action}]")
    return navigation.value


def _in_days(days: int):
    from app.common.timeutil import to_helsinki, utcnow

    return to_helsinki(utcnow()).date() + timedelta(days=days)


# --- the table -------------------------------------------------------------------------------

#: Order ids looked up from the demo data: one per status, the series, a past booked order.
ORDER_STATES = ("draft", "submitted", "matching", "partially_filled", "filled", "series",
                "past_filled", "completed", "closed", "cancelled", "unfilled")
#: The organisation's order page in the states whose page differs (buttons, booked experts,
#: cancellation notes); "matching", "completed" and "closed" differ only in the status text.
ORDER_PAGES = ("draft", "submitted", "partially_filled", "filled", "series", "past_filled",
               "cancelled", "unfilled")

CASES: list[Case] = [
    # Anonymous visitors.
    Case(None, "/"),
    Case(None, "/login"),
    Case(None, "/login", then=submit("form:has(#password)", {
        "#email": "nobody@demo.test", "#password": "not-the-password"}), note="wrong password"),
    Case(None, "/register/organisation"),
    Case(None, "/register/organisation", 422, submit("main form"), "empty"),
    Case(None, "/register/expert"),
    Case(None, "/register/expert", 422, submit("main form"), "empty"),
    Case(None, "/password/forgot"),
    Case(None, "/password/forgot", 200, submit("main form"), "empty"),
    Case(None, "/password/reset/{reset_token}"),
    Case(None, "/login/two-factor", then=password_step(COORDINATOR), note="second step"),
    Case(None, "/login/two-factor", 422, then=wrong_second_step, note="wrong code"),
    Case(None, "/login/two-factor/setup", then=password_step(NEW_STAFF), note="set-up"),
    Case(None, "/login/link"),
    Case(None, "/login/link", 422, submit("main form"), "empty"),
    Case(None, "/login/link/{sign_in_token}"),
    Case(None, "/organisation/join/{colleague_token}"),
    Case(None, "/organisation/join/{colleague_token}", 422,
         submit("main form:has(#password)"), "empty"),
    Case(None, "/organisation/join/not-a-real-link", 404, note="link that does not work"),
    Case(FINANCE, "/login/confirm?next=/finance/batches"),
    Case(EXPERT, "/account/sign-out-everywhere"),
    Case(EXPERT, "/account/email"),
    Case(EXPERT, "/account/email", 422, submit("main form"), "empty"),
    Case(EXPERT, "/account/email/confirm/{email_change_token}"),  # shown, not confirmed
    Case(ORG, "/account/email/confirm/{email_change_token}", 403, note="another's link"),
    Case(None, "/accessibility"),
    Case(None, "/prices"),
    Case(None, PRICE_QUERY),
    Case(None, "/prices?assignment_type=lecture&duration_minutes=lots&date=2026-03-10", 422,
         note="invalid"),
    Case(None, "/no-such-page", 404),
    Case(None, "/feedback/"),
    Case(None, "/feedback/", 422, submit("main form"), "empty"),
    Case(None, "/feedback/thanks"),
    Case(EXPERT, "/finance/", 403),
    # Organisation members.
    Case(ORG, "/organisation/"),
    Case(ORG, "/organisation/?limit=2", 200, follow("a[rel=next]"), "second page"),
    Case(ORG, "/organisation/?cursor=forged", 422, note="bad page link"),
    Case(ORG, "/organisation/?status=filled&limit=1", 200, follow("a[rel=next]"),
         "filtered second page"),
    Case(ORG, "/organisation/?status=boss", 422, note="bad filter"),
    Case(ORG, "/organisation/members"),
    Case(ORG, "/organisation/experts"),
    Case(ORG, "/organisation/experts?q=&area=mental-health&language=&region=", note="search"),
    Case(ORG, "/organisation/orders/new"),
    Case(ORG, "/organisation/orders/new", then=calculate_order_price, note="price estimate"),
    Case(ORG, "/organisation/orders/new", 422, send_empty_order, "errors"),
    *[Case(ORG, f"/organisation/orders/{{order_{state}}}") for state in ORDER_PAGES],
    Case(ORG, "/organisation/orders/{order_submitted}/cancel"),
    Case(ORG, "/organisation/orders/{order_filled}/cancel"),
    Case(ORG, "/organisation/orders/{order_past_filled}/cancel", note="started"),
    Case(ORG, "/organisation/orders/{order_filled}/edit"),
    Case(ORG, "/organisation/orders/{order_filled}/edit", 422,
         submit("main form", {"#title": ""}), "empty title"),
    Case(ORG, "/organisation/orders/{order_past_filled}/edit", note="started"),
    Case(ORG, "/organisation/orders/{order_series}/edit", note="series"),
    Case(ORG, "/organisation/orders/{order_series}/edit", 422,
         submit("main form", {"#date_2": ""}), "series, a session's date missing"),
    Case(ORG, "/organisation/orders/{reported_order}/assignments/{reported_assignment}"),
    Case(ORG, "/organisation/invoices"),
    Case(ORG, "/organisation/invoices?cursor={newest_keys}", note="later page"),
    Case(ORG, "/organisation/invoices/{invoice}"),
    Case(ORG2, "/organisation/invoices/{invoice}", 404, note="another organisation's"),
    Case(ORG2, "/organisation/"),
    Case(ORG2, "/organisation/members"),
    Case(ORG, "/organisation/settings"),
    Case(ORG, "/organisation/settings", 422,
         submit("main form", {"#einvoice_address": "003799999999"}), "invalid OVT"),
    Case(ORG2, "/organisation/settings", note="member"),
    # Experts.
    Case(EXPERT, "/expert/"),
    Case(EXPERT, "/expert/work/"),
    Case(SERIES_EXPERT, "/expert/work/?limit=1", 200, follow("a[rel=next]"), "second page"),
    Case(EXPERT, "/expert/work/?limit=0", 422, note="bad page size"),
    Case(EXPERT, "/expert/work/past"),
    Case(EXPERT, "/expert/work/past?limit=1", 200, follow("a[rel=next]"), "second page"),
    Case(EXPERT, "/expert/work/invitations/{accepted_invitation}"),
    Case(EXPERT, "/expert/work/orders/{withdrawable_order}/withdraw"),
    Case(EXPERT, "/expert/work/assignments/{past_assignment}/report"),
    Case(EXPERT, "/expert/work/assignments/{coming_assignment}", note="booked task"),
    Case(EXPERT, "/expert/work/assignments/{past_assignment}", note="task to report"),
    Case(ORG2, "/expert/work/assignments/{coming_assignment}", 403, note="not an expert"),
    Case(EXPERT, "/calendar"),
    Case(ORG, "/calendar"),
    Case(EXPERT, "/expert/work/assignments/{past_assignment}/report",
         then=lambda page: _press_action(page, "calculate"), note="calculated"),
    Case(EXPERT, "/expert/profile"),
    Case(EXPERT, "/expert/profile", 422, submit("form:has(#iban)", {"#iban": "FI00 1234"}),
         "invalid IBAN"),
    Case(EXPERT, "/expert/availability"),
    Case(EXPERT, "/expert/availability", 422, submit('form[action$="/availability/periods"]'),
         "empty period"),
    Case(EXPERT, "/expert/application"),
    Case(EXPERT, "/expert/money"),
    Case(PAYEE, "/expert/money?year={payout_year}", note="payouts"),
    Case(PAYEE, "/expert/money?year={payout_year}&months=all", note="every month"),
    Case(PAYEE, "/expert/money/{payout_year}/statement"),
    Case(INVITEE, "/expert/work/invitations/{pending_invitation}"),
    Case(DISPUTED_EXPERT, "/expert/work/"),
    Case(DISPUTED_EXPERT, "/expert/work/assignments/{disputed_assignment}/reply"),
    Case(APPLICANT, "/expert/"),
    Case(APPLICANT, "/expert/work/"),
    Case(APPLICANT, "/expert/profile"),
    Case(APPLICANT, "/expert/availability"),
    Case(APPLICANT, "/expert/application"),
    Case(APPLICANT, "/expert/application", 422,
         submit('form[action$="/application/training"]'), "empty training"),
    # Coordinators.
    Case(COORDINATOR, "/coordinator/"),
    Case(COORDINATOR, "/coordinator/applications"),
    Case(COORDINATOR, "/coordinator/organisations"),
    Case(COORDINATOR, "/coordinator/organisations/{pending_organisation}"),
    Case(COORDINATOR, "/coordinator/organisations/{pending_organisation}", 422,
         follow("main form button[value=reject]"), note="reject without a reason"),
    Case(PENDING_ORG, "/organisation/"),
    Case(PENDING_ORG, "/organisation/experts", 403, note="waiting for approval"),
    Case("{group_invitee}", "/participation/invitations/{group_invitation}"),
    Case(COORDINATOR, "/coordinator/applications/{applicant_expert}"),
    Case(COORDINATOR, "/coordinator/applications/{applicant_expert}", 422,
         submit('form[action$="/reject"]'), "reject without reason"),
    Case(COORDINATOR, "/coordinator/orders/{order_matching}"),
    Case(COORDINATOR, "/coordinator/orders/{order_partially_filled}"),
    Case(COORDINATOR, "/coordinator/orders/{order_series}"),
    Case(COORDINATOR, "/coordinator/orders/{order_closed}", note="cannot invite"),
    Case(COORDINATOR, "/coordinator/orders/{order_filled}", note="contacts and notes"),
    Case(COORDINATOR, "/coordinator/orders/{disputed_order}", note="disputed report"),
    Case(COORDINATOR, "/coordinator/orders"),
    Case(COORDINATOR, "/coordinator/orders?needs_attention=y", note="needs attention"),
    Case(COORDINATOR, "/coordinator/orders?limit=2", 200, follow("a[rel=next]"), "second page"),
    Case(COORDINATOR, "/coordinator/orders?status=boss&starts_from=2026-05-02"
         "&starts_to=2026-05-01", 422, note="bad filter"),
    Case(COORDINATOR, "/coordinator/assignments/{disputed_assignment}/resolve"),
    Case(COORDINATOR, "/coordinator/assignments/{disputed_assignment}/resolve", 422,
         submit("main form"), "no decision"),
    Case(COORDINATOR, "/organisation/orders/{order_filled}/cancel", note="on behalf"),
    Case(COORDINATOR, "/organisation/orders/{order_filled}/edit", note="staff"),
    # Finance.
    Case(FINANCE, "/finance/"),
    Case(FINANCE, "/finance/invoices"),
    Case(FINANCE, "/finance/invoices?status=open", note="filtered"),
    Case(FINANCE, "/finance/invoices?status=open&cursor={newest_keys}", note="later page"),
    Case(FINANCE, "/finance/invoices/{invoice}"),
    Case(FINANCE, "/finance/bank-payments"),
    Case(FINANCE, "/finance/bank-payments", 422,
         submit('form[action$="/bank-payments"]', {"#reference": "12345673"}), "invalid"),
    Case(FINANCE, "/finance/payouts"),
    Case(FINANCE, "/finance/payouts?status=all", note="all"),
    Case(FINANCE, "/finance/payouts?status=all&limit=1", 200, follow("a[rel=next]"),
         "second page"),
    Case(FINANCE, "/finance/payouts", 422, approve_with_a_wrong_code, "wrong code"),
    Case(FINANCE, "/finance/payouts/{payout_pending}"),
    Case(FINANCE, "/finance/payouts/{payout_pending}", 422, submit('form[action$="/reject"]'),
         "reject without reason"),
    Case(FINANCE, "/finance/batches"),
    Case(FINANCE, "/finance/batches/{batch}"),
    Case(FINANCE, "/finance/batches/{batch}?cursor={first_keys}", note="later page"),
    Case(FINANCE, "/finance/batches?cursor={newest_keys}", note="later page"),
    Case(FINANCE, "/finance/two-factor"),
    Case(ADMIN, "/finance/two-factor", note="enrolled"),
    # Participation: groups, meetings and their records, feedback, reporting back, the
    # anonymous channel (participants, organisations, experts and coordinators).
    Case(PARTICIPANT, "/participation/"),
    Case(ORG, "/participation/"),
    Case(EXPERT, "/participation/"),
    Case(COORDINATOR, "/participation/"),
    Case(ORG, "/participation/groups/new"),
    Case(ORG, "/participation/groups/new", 422, submit("main form"), "empty"),
    Case(COORDINATOR, "/participation/groups/new", note="staff"),
    Case(ORG, "/participation/groups/{panel}"),
    Case(PARTICIPANT, "/participation/groups/{panel}"),
    Case(EXPERT, "/participation/groups/{panel}"),
    Case(ORG, "/participation/groups/{co_development_group}"),
    Case(ORG, "/participation/groups/{panel}/edit"),
    Case(ORG, "/participation/groups/{panel}/members"),
    Case(ORG, "/participation/groups/{panel}/meetings/new"),
    Case(ORG, "/participation/groups/{co_development_group}/evaluation"),
    Case(PARTICIPANT, "/participation/groups/{co_development_group}/evaluation"),
    Case(ORG, "/participation/sessions/{past_panel_session}"),
    Case(PARTICIPANT, "/participation/sessions/{past_panel_session}"),
    Case(ORG, "/participation/sessions/{co_development_session}"),
    Case(CLIENT, "/participation/sessions/{past_panel_session}/evaluation"),
    Case(ORG, "/participation/feedback"),
    Case(EXPERT, "/participation/feedback"),
    Case(COORDINATOR, "/participation/feedback", note="staff"),
    Case(COORDINATOR, "/participation/feedback?cursor={newest_keys}", note="staff, later page"),
    Case(COORDINATOR, "/participation/?cursor={first_name_keys}", note="groups, later page"),
    Case(ORG, "/participation/feedback/assignments/{organisation_feedback_assignment}"),
    Case(EXPERT, "/participation/feedback/assignments/{expert_feedback_assignment}"),
    Case(ORG, "/participation/reports-back"),
    Case(ORG, "/participation/reports-back/{open_report}"),
    Case(PARTICIPANT, "/participation/reports-back/{answered_report}"),
    Case(ORG, "/participation/reports"),
    Case(COORDINATOR, "/participation/reports", note="staff"),
    Case(COORDINATOR, "/participation/channel"),
    Case(COORDINATOR, "/participation/channel/{forwarded_message}"),
    Case(ORG, "/participation/channel/forwarded"),
    # Administrators.
    Case(ADMIN, "/admin/"),
    Case(ADMIN, "/admin/fees"),
    Case(ADMIN, "/admin/service-fees"),
    Case(ADMIN, "/admin/service-fees", 422, submit("main form"), "empty"),
    Case(ADMIN, "/admin/fees/schedules/new"),
    Case(ADMIN, "/admin/fees/rates/new"),
    Case(ADMIN, "/admin/fees/types/new"),
    Case(ADMIN, "/admin/fees/types/new", 200, submit("main form"), "empty"),
    Case(ADMIN, "/admin/settings"),
    Case(ADMIN, "/admin/users"),
    Case(ADMIN, "/admin/users?q=demo&limit=5", 200, follow("a[rel=next]"), "second page"),
    Case(ADMIN, "/admin/users?role=boss", 422, note="bad filter"),
    Case(ADMIN, "/admin/users/{org_user}"),
    Case(ADMIN, "/admin/users/{coordinator_user}", 422, choose_member_role_without_organisation,
         "refused"),
    Case(ADMIN, "/admin/audit"),
    Case(ADMIN, "/admin/audit?limit=2", 200, follow("a[rel=next]"), "second page"),
    Case(ADMIN, "/admin/audit?start=eilen", 422, note="bad date"),
    Case(ADMIN, "/admin/areas"),
    Case(ADMIN, "/admin/areas", 422, submit('form:has(#name_fi)'), "empty"),
    Case(ADMIN, "/admin/areas/{area}"),
    Case(ADMIN, "/finance/wage-types"),
    Case(ADMIN, "/finance/wage-types", 422, submit("main form", {"#wt_fee": ""}), "empty"),
    Case(ADMIN, "/coordinator/", note="admin"),
    # Every signed-in user changes their own password here.
    *[Case(user, "/password/change")
      for user in (ORG, ORG2, EXPERT, APPLICANT, COORDINATOR, FINANCE, ADMIN, PARTICIPANT)],
    Case(ORG, "/password/change", 200, submit("main form"), "empty"),
    # My account: download my data, close my account (sent empty: nothing is closed).
    *[Case(user, "/account") for user in (ORG, EXPERT, COORDINATOR, PARTICIPANT)],
    Case(EXPERT, "/account/close"),
    Case(EXPERT, "/account/close", 422, submit("main form"), "empty"),
    Case(ORG2, "/account/close"),
    Case(COORDINATOR, "/account/close", 403),
    Case(COORDINATOR, "/privacy/users/{expert_user}/close"),
    Case(COORDINATOR, "/privacy/users/{expert_user}/close", 422, submit("main form"), "empty"),
]

#: Key pages again in Swedish and English (untranslated layout, lang attributes, text length).
LOCALISED: list[tuple[str, Case]] = [
    (language, case)
    for language in ("sv", "en")
    for case in (
        Case(None, PRICE_QUERY),
        Case(None, "/register/expert", 422, submit("main form"), "empty"),
        Case(ORG, "/organisation/orders/new", then=calculate_order_price, note="price estimate"),
        Case(INVITEE, "/expert/work/invitations/{pending_invitation}"),
        Case(None, "/organisation/join/{colleague_token}"),
        Case(ORG, "/organisation/members"),
        Case(PARTICIPANT, "/participation/groups/{panel}"),
        Case(COORDINATOR, "/coordinator/orders/{order_matching}"),
        Case(COORDINATOR, "/coordinator/assignments/{disputed_assignment}/resolve"),
        Case(FINANCE, "/finance/payouts"),
        Case(PAYEE, "/expert/money?year={payout_year}", note="payouts"),
        Case(EXPERT, "/account/close", 422, submit("main form"), "empty"),
        Case(ADMIN, "/admin/audit"),
        Case(ADMIN, "/admin/areas"),
    )
]


# --- ids from the live server's demo data -----------------------------------------------------


@pytest.fixture(scope="session")
def demo_ids(live_server) -> dict[str, str]:
    """Order, invitation and applicant ids (and a reset token) from the live demo database."""
    from app.accounts.models import User
    from app.accounts.services import create_user, make_reset_token
    from app.accounts.tokens import make_email_change_token, make_sign_in_token
    from app.bookings.models import Assignment, Invitation, Order
    from app.common.timeutil import utcnow
    from app.organisations.models import Organisation

    app = live_server.app
    with live_db(app) as session:
        now = utcnow()
        organisation = session.scalar(
            select(Organisation).where(Organisation.name == "Demo hyvinvointialue"))
        orders = session.scalars(select(Order).where(Order.organisation_id == organisation.id)
                                 .order_by(Order.id)).all()
        ids: dict[str, object] = {}
        for order in orders:
            ids.setdefault(f"order_{order.status}", order.id)
            if order.series_template:
                ids.setdefault("order_series", order.id)
            if order.status == "filled" and order.starts_at < now:
                ids.setdefault("order_past_filled", order.id)

        def expert_user(email: str) -> User:
            return session.scalar(select(User).where(User.email == email))

        pending = session.scalars(
            select(Invitation).where(Invitation.status == "pending", Invitation.expires_at > now)
            .order_by(Invitation.id)).first()
        ids["pending_invitation"] = pending.id
        ids["invitee"] = pending.expert.user.email

        expert = expert_user(EXPERT).expert_profile
        ids["accepted_invitation"] = session.scalars(
            select(Invitation).where(Invitation.expert_id == expert.id,
                                     Invitation.status == "accepted")
            .order_by(Invitation.id)).first().id
        ids["withdrawable_order"] = session.scalars(
            select(Assignment.order_id).where(Assignment.expert_id == expert.id,
                                              Assignment.status == "booked",
                                              Assignment.starts_at > now)
            .order_by(Assignment.starts_at)).first()
        ids["coming_assignment"] = session.scalars(
            select(Assignment.id).where(Assignment.expert_id == expert.id,
                                        Assignment.status == "booked",
                                        Assignment.starts_at > now)
            .order_by(Assignment.starts_at)).first()
        ids["past_assignment"] = session.scalars(
            select(Assignment.id).where(Assignment.expert_id == expert.id,
                                        Assignment.status == "booked",
                                        Assignment.ends_at < now)
            .order_by(Assignment.starts_at)).first()
        reported = session.scalars(select(Assignment).where(Assignment.status == "reported")
                                   .order_by(Assignment.id)).first()
        ids["reported_assignment"], ids["reported_order"] = reported.id, reported.order_id
        disputed = session.scalars(select(Assignment).where(Assignment.status == "disputed")
                                   .order_by(Assignment.id)).first()
        ids["disputed_assignment"], ids["disputed_order"] = disputed.id, disputed.order_id
        ids["disputed_expert"] = disputed.expert.user.email

        ids["applicant_expert"] = expert_user(APPLICANT).expert_profile.id
        from app.organisations.models import Organisation as Org
        from app.participation.groups.models import GroupMember

        ids["pending_organisation"] = session.scalars(
            select(Org.id).where(Org.status == "pending").order_by(Org.id)).first()
        group_invitation = session.scalars(
            select(GroupMember).where(GroupMember.status == "invited")
            .order_by(GroupMember.id)).first()
        ids["group_invitation"] = group_invitation.id
        ids["group_invitee"] = group_invitation.user.email
        ids["expert_user"] = expert_user(EXPERT).id
        ids["org_user"] = expert_user(ORG).id
        ids["coordinator_user"] = expert_user(COORDINATOR).id
        from app.reference.models import ExpertiseArea

        ids["area"] = session.scalars(select(ExpertiseArea.id).order_by(ExpertiseArea.id)).first()
        from tests.payments.helpers import ensure_demo_invoice

        ids["invoice"] = ensure_demo_invoice()
        from app.common.timeutil import to_helsinki
        from app.payouts.models import PayoutItem
        from tests.payouts.helpers import ensure_demo_batch

        ids["batch"] = ensure_demo_batch()
        from datetime import UTC, datetime

        from app.common.paging import encode_cursor

        # Cursors before the first row of an ascending and a descending list: a later page
        # that still shows the demo's few rows.
        ids["first_keys"] = encode_cursor([0, 0])
        ids["newest_keys"] = encode_cursor([datetime(2999, 1, 1, tzinfo=UTC), 2**31 - 1])
        ids["first_name_keys"] = encode_cursor(["", 0])
        waiting = session.scalars(select(PayoutItem).where(
            PayoutItem.status == "pending_approval").order_by(PayoutItem.id)).first()
        ids["payout_pending"] = waiting.id
        ids["payee"] = waiting.expert.user.email
        ids["payout_year"] = to_helsinki(waiting.work_date).year
        ids.update(participation_ids(session, now, expert_user))
        ids["reset_token"] = make_reset_token(app.config["SECRET_KEY"],
                                              expert_user("expert24@demo.test"))
        ids["sign_in_token"] = make_sign_in_token(app.config["SECRET_KEY"],
                                                  expert_user("expert23@demo.test"))
        ids["email_change_token"] = make_email_change_token(
            app.config["SECRET_KEY"], expert_user(EXPERT), "expert1-uusi@example.fi")
        ids["colleague_token"] = colleague_invitation_link(session, organisation,
                                                           expert_user(ORG), now)
        if expert_user(NEW_STAFF) is None:  # a coordinator who has not set up two-factor
            create_user(NEW_STAFF, DEMO_PASSWORD, "coordinator", "Uusi Koordinaattori")
            session.commit()
    missing = [f"order_{state}" for state in ORDER_STATES if f"order_{state}" not in ids]
    assert not missing, f"the demo data has no order for {missing}"
    return {key: str(value) for key, value in ids.items()}


def colleague_invitation_link(session, organisation, admin, now) -> str:
    """The secret of a colleague invitation of the demo organisation, made here (the demo's
    own invitation's secret is not kept); the members page lists it too."""
    from app.accounts.tokens import new_secret
    from app.organisations.invitations import INVITATION_LIFETIME
    from app.organisations.models import ColleagueInvitation

    secret, token_hash = new_secret()
    session.add(ColleagueInvitation(
        organisation_id=organisation.id, full_name="Kerttu Kutsuttu",
        email="kerttu.kutsuttu@example.fi", language="fi", invited_by_id=admin.id,
        token_hash=token_hash, status="pending", created_at=now, sent_at=now,
        expires_at=now + INVITATION_LIFETIME))
    session.commit()
    return secret


def participation_ids(session, now, expert_user) -> dict[str, object]:
    """The demo's client panel and co-development group, their sessions, reports back, an
    anonymous message and assignments still waiting for feedback."""
    from app.bookings.models import Order
    from app.participation.channel.models import AnonymousFeedback
    from app.participation.feedback.models import ImpactReport
    from app.participation.feedback.services import waiting_for_feedback
    from app.participation.groups.models import GroupMeeting, ParticipationGroup

    def group(kind: str) -> ParticipationGroup:
        return session.scalars(select(ParticipationGroup).where(ParticipationGroup.kind == kind)
                               .order_by(ParticipationGroup.id)).first()

    def sessions_of(group: ParticipationGroup):
        orders = session.scalars(select(Order).join(GroupMeeting)
                                 .where(GroupMeeting.group_id == group.id)
                                 .order_by(Order.id)).all()
        return sorted((s for order in orders for s in order.sessions), key=lambda s: s.starts_at)

    panel, co_development = group("client_panel"), group("participation_group")
    reports = session.scalars(select(ImpactReport).order_by(ImpactReport.id)).all()
    return {
        "panel": panel.id,
        "co_development_group": co_development.id,
        "past_panel_session": next(s.id for s in sessions_of(panel) if s.starts_at < now),
        "co_development_session": sessions_of(co_development)[0].id,
        "open_report": next(r.id for r in reports if r.answered_at is None),
        "answered_report": next(r.id for r in reports if r.answered_at is not None),
        # Forwarded, not new: opening a new message would mark it read for other tests.
        "forwarded_message": session.scalars(
            select(AnonymousFeedback.id).where(AnonymousFeedback.status == "forwarded")
            .order_by(AnonymousFeedback.id)).first(),
        "organisation_feedback_assignment": waiting_for_feedback(expert_user(ORG), now)[0].id,
        "expert_feedback_assignment": waiting_for_feedback(expert_user(EXPERT), now)[0].id,
    }


# --- the checks ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def signed_in(playwright: Playwright, base_url: str):
    """``state(user, language)``: the cookies of ``user`` signed in through the login form.

    Each user signs in once per language (after choosing it with /language/<code>, which
    only stores it in the session); every case then starts a fresh context from those
    cookies instead of typing the password again, which keeps the table fast. The sign-in
    sends the login form over HTTP (``sign_in_over_http``: its fields and CSRF token, the
    two-factor step for staff) rather than typing into a page; the browser tests of the
    sign-in itself (``login_as``, the table's sign-in cases) use the form in Chromium.
    """
    states: dict[tuple[str | None, str], dict] = {}

    def state(user: str | None, language: str) -> dict:
        if (user, language) not in states:
            request = playwright.request.new_context(base_url=base_url)
            try:
                if language != "fi":
                    assert request.get(f"/language/{language}").ok
                if user:
                    sign_in_over_http(request, user)
                states[user, language] = request.storage_state()
            finally:
                request.dispose()
        return states[user, language]

    return state


def check_page(new_context, signed_in, case: Case, ids: dict[str, str],
               language: str = "fi", axe: bool = True) -> None:
    user = case.user.format(**ids) if case.user else None
    page = new_context(storage_state=signed_in(user, language)).new_page()
    path = case.path.format(**ids)
    response = page.goto(path)
    if case.then is None:
        assert urlsplit(page.url).path == urlsplit(path).path, f"{path} led to {page.url}"
    elif response is not None and response.ok:
        response = case.then(page)
    assert response is not None, f"no answer for {path}"
    assert response.status < 500, f"{path}: {response.status}"
    assert response.status == case.status, f"{path}: {response.status}, not {case.status}"
    assert_security_headers(response, signed_in=user is not None)
    assert_page_structure(page, language)
    if language in ("fi", "sv"):
        assert_local_number_formats(page)
    if axe:
        assert_unique_ids(page)
        assert_accessible(page)
        # Reflow on the same loaded page: nothing cut off on a laptop, no sideways scrolling
        # on a 320 px phone (WCAG 1.4.10).
        assert_fits(page, 1280)
        assert_fits(page, 320)


def check_page_over_http(playwright: Playwright, base_url: str, signed_in, case: Case,
                         ids: dict[str, str], language: str) -> None:
    """``check_page`` without axe and the width checks, for a case without a ``then`` step,
    on the page's HTML fetched over HTTP with the cookies of the case's signed-in browser
    context (a fresh request context each time, as ``check_page`` takes a fresh page)."""
    assert case.then is None, f"{case.id}: a step on the page needs the browser"
    user = case.user.format(**ids) if case.user else None
    path = case.path.format(**ids)
    request = playwright.request.new_context(base_url=base_url,
                                             storage_state=signed_in(user, language))
    try:
        response = request.get(path)  # follows redirects, as page.goto does
        assert urlsplit(response.url).path == urlsplit(path).path, (
            f"{path} led to {response.url}")
        assert response.status < 500, f"{path}: {response.status}"
        assert response.status == case.status, f"{path}: {response.status}, not {case.status}"
        assert_security_headers(response, signed_in=user is not None)
        document = parse_html(response.body())
    finally:
        request.dispose()
    assert_html_page_structure(document, response.url, language)
    if language in ("fi", "sv"):
        assert_html_local_number_formats(document, response.url)


#: The whole table runs in the SQLite pass (with the 320 px, 1280 px, repeated-id and number
#: format checks); the PostgreSQL pass runs the LOCALISED key pages and the other browser
#: tests, which keeps `make test` within its time budget.
@pytest.mark.skipif(on_postgres(), reason="the whole page table runs in the SQLite pass; "
                    "the PostgreSQL pass runs the LOCALISED key pages")
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_page_is_accessible_in_finnish(new_context, signed_in, demo_ids, case: Case):
    check_page(new_context, signed_in, case, demo_ids)


@pytest.mark.parametrize(("language", "case"), LOCALISED,
                         ids=[f"{language}-{case.id}" for language, case in LOCALISED])
def test_key_page_is_accessible_in_other_languages(new_context, signed_in, demo_ids, language,
                                                   case: Case):
    check_page(new_context, signed_in, case, demo_ids, language)


@pytest.mark.skipif(on_postgres(), reason="the Swedish repeat of the table runs in the SQLite "
                    "pass only (the number formats do not depend on the database)")
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_page_uses_swedish_number_formats(new_context, signed_in, demo_ids, playwright,
                                          base_url, case: Case):
    """Every case of the table again in Swedish, without axe (the LOCALISED cases run it):
    the status, the structure and no dot-decimal amount or ISO date on the page. Over HTTP
    (the page's HTML), except the cases that press a button first (in Chromium)."""
    if case.then is None:
        check_page_over_http(playwright, base_url, signed_in, case, demo_ids, "sv")
    else:
        check_page(new_context, signed_in, case, demo_ids, "sv", axe=False)


#: Swedish pages full of amounts, dates and times (no character counters: forms.js rewrites
#: those hints after loading).
SCAN_SAMPLES = [
    Case(PAYEE, "/expert/money?year={payout_year}&months=all"),
    Case(FINANCE, "/finance/batches/{batch}"),
    Case(None, PRICE_QUERY),
]


@pytest.mark.skipif(on_postgres(), reason="runs with the Swedish repeat of the table")
def test_the_html_scan_reads_every_number_the_browser_shows(new_context, signed_in, demo_ids,
                                                            playwright, base_url):
    """The HTTP scan is not blinder than the browser: every word with a digit in it that the
    browser's ``_PAGE_TEXT`` reads on these pages is in ``html_page_text`` of the same page's
    HTML too (and the pages pass both scans)."""
    for case in SCAN_SAMPLES:
        user = case.user.format(**demo_ids) if case.user else None
        path = case.path.format(**demo_ids)
        state = signed_in(user, "sv")
        page = new_context(storage_state=state).new_page()
        assert page.goto(path).status == 200, path
        shown = page.evaluate(_PAGE_TEXT)
        request = playwright.request.new_context(base_url=base_url, storage_state=state)
        try:
            scanned = html_page_text(parse_html(request.get(path).body()))
        finally:
            request.dispose()
        numbers = {word for word in shown.split() if any(c.isdigit() for c in word)}
        assert len(numbers) >= 5, f"{path}: too few numbers to compare: {numbers}"
        unseen = sorted(word for word in numbers if word not in scanned)
        assert not unseen, f"{path}: the browser shows {unseen}, the HTML scan does not read them"
        check_page_over_http(playwright, base_url, signed_in, case, demo_ids, "sv")
        assert_local_number_formats(page)


def _swedish_page(body: str, head: str = "") -> bytes:
    return ('<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Utbetalningar'
            f'</title>{head}</head><body><header><a href="/">Kokemuspankki</a></header>'
            f'<main id="main"><h1>Utbetalningar</h1>{body}</main>'
            '<script src="/static/forms.js" defer></script></body></html>').encode()


#: English numbers and ISO dates where a reader sees them: each alone fails the scan.
PLANTED_VISIBLE = [
    "<p>Summa 30.00 €</p>",
    "<table><tr><th>Datum</th><td>2026-12-11</td></tr></table>",
    "<p>Summa <strong>30.00</strong>&nbsp;€</p>",
    "<ul><li>Resa 562.7 km</li></ul>",
    "<p>Betald <time datetime='2026-12-11'>2026-12-11</time></p>",
    "<label for='x'>Belopp</label><input id='x' name='x' value='30.00'>",
    "<label for='y'>Datum</label><input id='y' type='text' value='2026-12-11'>",
    "<select name='s'><option>30.00 €</option></select>",
    "<noscript><p>Summa 30.00 €</p></noscript>",
]
#: The same in places that are not shown as text (or written the Swedish way): all pass.
PLANTED_UNSEEN = (
    "<p title='30.00 €' data-amount='30.00' aria-describedby='d-2026-12-11'>Summa 30,00 €</p>"
    "<p><time datetime='2026-12-11T17:00'>11.12.2026 kl. 17.00–18.30</time></p>"
    "<a href='/finance/payouts?from=2026-12-11&amp;amount=30.00'>Utbetalningar 11.12.</a>"
    "<input type='hidden' name='amount' value='30.00'>"
    "<input type='number' name='km' value='562.7'>"
    "<!-- 2026-12-11 30.00 € -->"
    "<script>const amount = '30.00 €', day = '2026-12-11';</script>"
    "<style>.total::after { content: '30.00 €'; width: 12.5em; }</style>"
    "<div hidden><p>2026-12-11</p></div>"
    "<template><p>30.00 €</p></template>"
    "<p>Tillgänglighet enligt WCAG 2.1, AA-nivå</p>"
    "<img src='/static/x.png' alt='2026-12-11'>"
)


@pytest.mark.parametrize("visible", PLANTED_VISIBLE)
def test_the_html_scan_fails_on_english_numbers_in_visible_text(visible: str):
    document = parse_html(_swedish_page(PLANTED_UNSEEN + visible))
    with pytest.raises(AssertionError, match="numbers or dates in English format"):
        assert_html_local_number_formats(document, "planted")


def test_the_html_scan_passes_numbers_in_attributes_scripts_and_swedish_text():
    document = parse_html(_swedish_page(
        PLANTED_UNSEEN, head="<script>var total = '30.00 €';</script><style>p{top:1.5em}</style>"))
    assert_html_local_number_formats(document, "planted")
    assert_html_page_structure(document, "planted", "sv")
    text = html_page_text(document)
    assert "Summa 30,00 €" in text and "11.12.2026 kl. 17.00–18.30" in text


@pytest.mark.parametrize(("page", "problem"), [
    (_swedish_page("").replace(b'lang="sv"', b'lang="fi"'), "html lang='fi', expected 'sv'"),
    (_swedish_page("").replace(b' lang="sv"', b""), "html lang=None, expected 'sv'"),
    (_swedish_page("<h1>Andra</h1>"), "2 h1 elements"),
    (_swedish_page("").replace(b"<h1>Utbetalningar</h1>", b""), "0 h1 elements"),
    (_swedish_page("<div role='main'>Mer</div>"), "2 main landmarks"),
    (_swedish_page("").replace(b'<main id="main">', b"<div>").replace(b"</main>", b"</div>"),
     "0 main landmarks"),
])
def test_the_html_structure_check_fails_as_the_browser_one(page: bytes, problem: str):
    with pytest.raises(AssertionError, match=re.escape(problem)):
        assert_html_page_structure(parse_html(page), "planted", "sv")


def test_every_page_has_a_browser_test(live_server, demo_ids):
    """Each GET page of the url_map has a case above (matched by endpoint)."""
    app = live_server.app
    adapter = app.url_map.bind("127.0.0.1")
    covered = set()
    for case in CASES + [case for _, case in LOCALISED]:
        try:
            endpoint, _ = adapter.match(urlsplit(case.path.format(**demo_ids)).path, "GET")
        except NotFound:
            assert case.status == 404, f"no page at {case.path}"
            continue
        covered.add(endpoint)
    pages = {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith(("/api/", "/static/"))
    }
    uncovered = sorted(f"{rule} ({endpoint})" for endpoint, rule in pages.items()
                       if endpoint not in covered and endpoint not in NOT_PAGES)
    assert not uncovered, (
        "GET pages without a case in tests/browser/test_pages.py (add one, or explain in "
        "NOT_PAGES why it is not a page):\n  " + "\n  ".join(uncovered))
    stale = sorted(set(NOT_PAGES) - set(pages))
    assert not stale, f"NOT_PAGES lists endpoints the app no longer has: {stale}"


def test_the_axe_check_finds_violations(page: Page):
    """The checker itself works and runs the WCAG and best-practice rules: a page with a
    nameless image, an unlabelled field, pale text, a skipped heading level, an empty link
    and content outside the landmarks fails with each of them."""
    page.set_content(
        '<!doctype html><html lang="fi"><head><title>Koe</title></head><body><main>'
        '<h1>Otsikko</h1><h3>Väliotsikko</h3><img src="x.png"><input>'
        '<p style="color:#bbb;background:#fff">Vaalea teksti</p><a href="/x"></a>'
        '</main><div>Maamerkkien ulkopuolella</div></body></html>')
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    for rule in ("image-alt", "label", "color-contrast", "heading-order", "link-name", "region"):
        assert f"- {rule} (" in str(failure.value), rule
