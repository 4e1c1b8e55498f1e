"""The backup drill's checks on a restored database (run by tests/support/backup-drill.sh).

    python -m tests.support.backup_smoke --source URL --restored URL

Compares the row count of every table in the source and the restored database,
then uses the app on the restored one: an organisation user signs in through
the login form (with CSRF on), reads one of the organisation's orders, and the
finance user makes a payment batch of the approved payouts through the API and
downloads its SEPA file. Exits non-zero with a message on the first failure.
"""

from __future__ import annotations

import argparse
import re
import sys
import time

import sqlalchemy as sa

DEMO_PASSWORD = "kokemus-demo"
ORGANISATION_USER = "org@demo.test"
FINANCE_USER = "finance@demo.test"


class DrillFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DrillFailed(message)


def table_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            return {
                name: connection.scalar(
                    sa.select(sa.func.count()).select_from(sa.table(name))
                )
                for name in sorted(names)
            }
    finally:
        engine.dispose()


def compare_rows(source: str, restored: str) -> int:
    before, after = table_counts(source), table_counts(restored)
    check(set(before) == set(after), f"tables differ: {sorted(set(before) ^ set(after))}")
    differing = {name: (before[name], after[name]) for name in before
                 if before[name] != after[name]}
    check(not differing, f"row counts differ (source, restored): {differing}")
    check(before.get("users", 0) > 0 and before.get("orders", 0) > 0, "the source has no data")
    return sum(after.values())


def smoke(restored: str) -> list[str]:
    from app import create_app
    from app.accounts.models import User
    from app.bookings.models import Order
    from app.extensions import db
    from app.organisations.models import Membership
    from config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=restored, WTF_CSRF_ENABLED=True)
    done = []
    try:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        check(token is not None, "the login form has no CSRF token")
        response = client.post("/login", data={
            "email": ORGANISATION_USER, "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
        check(response.status_code == 302, f"sign-in answered {response.status_code}")
        done.append(f"signed in as {ORGANISATION_USER}")

        with app.app_context():
            order = db.session.scalars(
                sa.select(Order)
                .join(Membership, Membership.organisation_id == Order.organisation_id)
                .join(User, User.id == Membership.user_id)
                .where(User.email == ORGANISATION_USER)
                .order_by(Order.id)
                .limit(1)
            ).first()
            check(order is not None, f"{ORGANISATION_USER} has no orders")
            order_id, title = order.id, order.title
        response = client.get(f"/organisation/orders/{order_id}")
        check(response.status_code == 200, f"the order page answered {response.status_code}")
        check(title in response.get_data(as_text=True), "the order page lacks the order's title")
        done.append(f"read order {order_id} ({title})")

        api = app.test_client()
        with app.app_context():
            from tests.support.two_factor import staff_code

            code = staff_code(FINANCE_USER)
        response = api.post("/api/v1/auth/token",
                            json={"email": FINANCE_USER, "password": DEMO_PASSWORD, "totp": code})
        check(response.status_code == 200, f"the finance token answered {response.status_code}")
        headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
        response = api.post("/api/v1/payout-batches", json={}, headers=headers)
        check(response.status_code == 201,
              f"making a batch answered {response.status_code}: {response.get_data(as_text=True)}")
        batch = response.get_json()
        response = api.get(f"/api/v1/payout-batches/{batch['id']}/pain001", headers=headers)
        check(response.status_code == 200, f"the SEPA file answered {response.status_code}")
        xml = response.get_data(as_text=True)
        check("<CstmrCdtTrfInitn>" in xml, "the SEPA file is not a pain.001 credit transfer")
        done.append(f"exported batch {batch['id']} ({len(xml)} bytes of pain.001)")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--restored", required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        rows = compare_rows(args.source, args.restored)
        print(f"  rows: {rows} in the restored database, every table as in the source")
        for line in smoke(args.restored):
            print(f"  smoke: {line}")
    except DrillFailed as error:
        print(f"BACKUP DRILL FAILED: {error}", file=sys.stderr)
        return 1
    print(f"  smoke test took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
