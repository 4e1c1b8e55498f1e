"""Benchmark of making a payment batch (not a test; pytest does not collect it).

    python -m tests.bench.bench_batch --database postgres --url postgresql+psycopg://...
    python -m tests.bench.bench_batch --database sqlite

Builds a fresh database with the real migrations and reference data (as
``bench_matching`` does, in the database ``bench_batch``), bulk-inserts experts
with bank accounts and, for each size in ``--sizes`` (largest 5,000 by default),
that many approved payout items of confirmed work. Then it makes the batch with
`app.payouts.services.create_batch` — which builds the pain.001 bank file, validates
it against the XSD once, builds the payroll CSV, stores the batch, moves the items
into it and writes the audit entry — and commits. Each size is made ``--rounds``
times after one warm-up, rolled back in between (the last round is kept, so the
bank file is read back as the download does). The Markdown table gives the median
and largest service time of ``create_batch`` with its commit and the number of
SQL statements it issues. ``make bench-batch`` runs it on a throwaway PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select, update

from app.accounts.models import FINANCE, User
from app.bookings.models import Assignment, Order, OrderSession, order_expertise_areas
from app.experts.identity_code import encrypt_identity_code
from app.experts.models import ExpertProfile
from app.extensions import db
from app.payouts.models import PayoutBatch, PayoutComponent, PayoutItem
from tests.bench.bench_matching import (
    Seeder,
    bulk,
    counted_statements,
    fresh_database,
    reset_sequences,
    server_version,
)
from tests.payouts.helpers import IDENTITY_CODES

#: Valid IBANs (check digits right) the bench experts are paid to.
IBANS = ("FI5542345670000081", "FI4950009420028730", "FI7944052020036082",
         "DE89370400440532013000")
BANK = {"BANK_IBAN": "FI2112345600000785", "BANK_BIC": "NDEAFIHH",
        "BANK_NAME": "Kokemuspankki ry"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--url", help="a PostgreSQL URL whose role may CREATE DATABASE "
                                      "(default: TEST_DATABASE_URL)")
    parser.add_argument("--experts", type=int, default=1_000)
    parser.add_argument("--sizes", default="50,500,5000",
                        help="batch sizes, comma-separated (items per batch)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--output", help="also append the table to this Markdown file")
    return parser.parse_args(argv)


class BatchSeeder(Seeder):
    """Experts with bank accounts and approved payout items, each of its own confirmed work."""

    def experts_with_accounts(self) -> None:
        self.users_and_organisations()
        self.experts()
        for number, iban in enumerate(IBANS):
            db.session.execute(update(ExpertProfile).where(
                ExpertProfile.id % len(IBANS) == number).values(iban=iban))
        for number, code in enumerate(IDENTITY_CODES):
            db.session.execute(update(ExpertProfile).where(
                ExpertProfile.id % len(IDENTITY_CODES) == number).values(
                identity_code_encrypted=encrypt_identity_code(code, current_app.config)))
        self.finance_id = self.args.experts + 1_000
        bulk(User, [{"id": self.finance_id, "email": "finance@bench.test",
                     "password_hash": "!", "role": FINANCE, "full_name": "Talous",
                     "language": "fi", "active": True, "password_changed_at": self.now,
                     "created_at": self.now}])

    def approved_items(self, count: int) -> list[int]:
        rng = self.rng
        orders, sessions, links, assignments, payouts, components = [], [], [], [], [], []
        first_item = db.session.scalar(select(sa.func.coalesce(sa.func.max(PayoutItem.id), 0)))
        rule = self.rules["lecture"]
        for _ in range(count):
            start = (self.now - timedelta(days=rng.uniform(1, 60))).replace(
                minute=0, second=0, microsecond=0)
            order, order_sessions, order_links = self._order_rows(
                [start], 45, "lecture", "completed", True, "fi", [rng.choice(self.area_ids)])
            orders.append(order)
            sessions.extend(order_sessions)
            links.extend(order_links)
            assignment_id = self.next_assignment
            self.next_assignment += 1
            expert_id = rng.randint(1, self.args.experts)
            assignments.append({
                "id": assignment_id, "order_id": order["id"],
                "session_id": order_sessions[0]["id"], "expert_id": expert_id,
                "status": "confirmed", "starts_at": start,
                "ends_at": start + timedelta(minutes=45), "created_at": start,
                "fee_due_despite_cancellation": False, "calendar_sequence": 0,
            })
            fee = rule.amount
            withholding = (fee * Decimal("0.2")).quantize(Decimal("0.01"))
            travel = Decimal(rng.choice(("0.00", "12.40", "46.20")))
            payouts.append({
                "id": first_item + len(payouts) + 1, "assignment_id": assignment_id,
                "expert_id": expert_id, "status": "approved", "batch_id": None,
                "fee_schedule_id": self.schedule_id, "fee": fee, "travel": travel,
                "per_diem": Decimal("0.00"), "withholding_percent": Decimal("20.00"),
                "withholding": withholding, "net_fee": fee - withholding,
                "total_paid": fee - withholding + travel, "work_date": start,
                "created_at": start, "decided_at": self.now, "decided_by_id": self.finance_id,
            })
            item_id = payouts[-1]["id"]
            components.append({"payout_item_id": item_id, "position": 1, "component": "fee",
                               "assignment_type": "lecture", "quantity": Decimal("1.00"),
                               "rate": fee, "amount": fee, "withholding": withholding,
                               "net": fee - withholding, "halved": False})
            if travel:
                components.append({"payout_item_id": item_id, "position": 2,
                                   "component": "public_transport", "assignment_type": None,
                                   "quantity": None, "rate": None, "amount": travel,
                                   "withholding": Decimal("0.00"), "net": travel,
                                   "halved": False})
        bulk(Order, orders)
        bulk(OrderSession, sessions)
        bulk(order_expertise_areas, links)
        bulk(Assignment, assignments)
        bulk(PayoutItem, payouts)
        bulk(PayoutComponent, components)
        return [p["id"] for p in payouts]


def analyse() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def measure(seeder: BatchSeeder, size: int, rounds: int) -> dict:
    """Make a batch of ``size`` approved items ``rounds`` times (after a warm-up)."""
    from app.payouts import services

    ids = seeder.approved_items(size)
    reset_sequences()
    db.session.commit()
    analyse()
    finance = db.session.get(User, seeder.finance_id)
    timings, cpu, statements_seen = [], [], []
    batch_id = None
    for attempt in range(rounds + 1):
        db.session.expire_all()
        finance = db.session.get(User, seeder.finance_id)
        keep = attempt == rounds
        with counted_statements() as statements:
            began, began_cpu = time.perf_counter(), time.process_time()
            batch = services.create_batch(finance, ids, seeder.now)
            if keep:
                db.session.commit()
            else:
                db.session.flush()
            elapsed = (time.perf_counter() - began) * 1000
            used = (time.process_time() - began_cpu) * 1000
        batch_id = batch.id
        if not keep:
            db.session.rollback()
        if attempt == 0:
            continue
        timings.append(elapsed)
        cpu.append(used)
        statements_seen.append(len(statements))
    db.session.expire_all()
    finance = db.session.get(User, seeder.finance_id)
    with counted_statements() as export_statements:
        began = time.perf_counter()
        services.record_batch_download(finance, batch_id, "pain001")
        _batch, payroll = services.payroll_file(finance, batch_id, "fi")
        db.session.commit()
        export_ms = (time.perf_counter() - began) * 1000
    assert payroll.count(b"\r\n") > size
    db.session.expire_all()
    stored = db.session.get(PayoutBatch, batch_id)
    assert stored.item_count == size and stored.sepa_xml.startswith("<?xml")
    moved = db.session.scalar(select(sa.func.count()).select_from(PayoutItem).where(
        PayoutItem.batch_id == batch_id, PayoutItem.status == "in_batch"))
    assert moved == size, (moved, size)
    return {"size": size, "median": statistics.median(timings), "max": max(timings),
            "cpu": statistics.median(cpu), "export": export_ms,
            "export_statements": len(export_statements),
            "statements": (min(statements_seen), max(statements_seen)),
            "payments": stored.sepa_xml.count("<CdtTrfTxInf>"),
            "xml_kb": len(stored.sepa_xml.encode()) / 1024, "samples": len(timings)}


def run(args: argparse.Namespace) -> tuple[list[dict], str]:
    import flask_migrate

    from app import create_app
    from app.reference.services import load_reference_data
    from config import TestConfig

    now = datetime.now(UTC)
    results = []
    with fresh_database(args.database, args.url, name="bench_batch") as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **BANK)
        try:
            with app.app_context():
                flask_migrate.upgrade()
                load_reference_data()
                db.session.commit()
                seeder = BatchSeeder(args, now)
                seeder.experts_with_accounts()
                db.session.commit()
                for size in sorted(int(s) for s in args.sizes.split(",")):
                    results.append(measure(seeder, size, args.rounds))
                server = server_version()
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return results, server


def table(args: argparse.Namespace, results: list[dict], server: str) -> str:
    lines = [
        "| database | items in the batch | payments (experts) | bank file KiB | rounds "
        "| median ms | max ms | median CPU ms of the app process | SQL statements "
        "| both files downloaded ms | SQL statements |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        low, high = r["statements"]
        statements = str(low) if low == high else f"{low}–{high}"
        lines.append(f"| {args.database} | {r['size']:,} | {r['payments']:,} "
                     f"| {r['xml_kb']:,.0f} | {r['samples']} | {r['median']:.0f} "
                     f"| {r['max']:.0f} | {r['cpu']:.0f} | {statements} "
                     f"| {r['export']:.0f} | {r['export_statements']} |")
    lines += ["", f"{server}; {args.experts:,} experts; {os.cpu_count()} CPUs, 1-minute load "
              f"average {os.getloadavg()[0]:.1f} after the timing. Times are "
              "`create_batch` with its commit (the bank file built and validated once, the batch "
              "stored, the items moved, the audit entry); the download is the bank file and "
              "the Finnish payroll file (built from the stored income components, identity "
              "codes decrypted, every read audited), once, with its commit."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results, server = run(args)
    text = table(args, results, server)
    print(text)
    if args.output:
        with open(args.output, "a", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
