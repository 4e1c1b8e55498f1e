"""Benchmark of `match_order` on a large pool (not a test; pytest does not collect it).

    python -m tests.bench.bench_matching --database sqlite
    python -m tests.bench.bench_matching --database postgres --url postgresql+psycopg://...

Builds a fresh database with the real migrations and reference data (an SQLite
file in a temporary directory, or the PostgreSQL database ``bench_matching``
next to ``--url`` / ``TEST_DATABASE_URL``, dropped afterwards), bulk-inserts
10,000 experts spread over municipalities, expertise areas, languages and
types of work, 200,000 past assignments (about 60 % of them paid out, so the
90-day rotation counts and the earnings mean something), future bookings and
unavailabilities, then matches 50 different orders (one-off and series, on site
and remote). Each order is matched once to warm up and then ``--rounds`` times;
the Markdown table gives the median and 95th percentile of those timings and
the number of SQL statements one match issues. ``make bench-matching`` runs it
on both databases.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, insert, select
from sqlalchemy.engine import make_url

from app.accounts.models import EXPERT, ORGANISATION_MEMBER, User
from app.bookings.models import Assignment, Order, OrderSession, order_expertise_areas
from app.experts.models import (
    ExpertArea,
    ExpertAssignmentType,
    ExpertLanguage,
    ExpertProfile,
    Unavailability,
)
from app.extensions import db
from app.fees.models import AssignmentType, FeeRuleRow, FeeSchedule
from app.organisations.models import Membership, Organisation
from app.payouts.models import PayoutBatch, PayoutItem
from app.reference.models import ExpertiseArea, Municipality

BENCH_DATABASE = "bench_matching"
#: Languages experts work in, with the share of experts who speak each.
LANGUAGE_SHARES = (("fi", 0.92), ("sv", 0.12), ("en", 0.25), ("ru", 0.03), ("ar", 0.02),
                   ("so", 0.01), ("uk", 0.02), ("et", 0.02))
#: Larger towns where experts cluster (a third of experts live in one of these).
TOWNS = ("091", "049", "092", "837", "564", "853", "179", "398", "297", "609", "405", "286")
CHUNK = 5_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--url", help="a PostgreSQL URL whose role may CREATE DATABASE "
                                      "(default: TEST_DATABASE_URL)")
    parser.add_argument("--experts", type=int, default=10_000)
    parser.add_argument("--assignments", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261201)
    return parser.parse_args(argv)


@contextmanager
def fresh_database(kind: str, url: str | None, name: str = BENCH_DATABASE) -> Iterator[str]:
    """A new, empty database (``name`` on PostgreSQL); yields its URL and removes it
    afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-matching-") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.sqlite'}"
        return
    base = url or os.environ.get("TEST_DATABASE_URL", "")
    if make_url(base or "sqlite://").get_backend_name() != "postgresql":
        sys.exit("--database postgres needs --url or TEST_DATABASE_URL with a PostgreSQL URL")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    drop()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()


def bulk(model, rows: list[dict]) -> None:
    """Core bulk insert in chunks (executemany)."""
    table = model.__table__ if hasattr(model, "__table__") else model
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])


def reset_sequences() -> None:
    """On PostgreSQL, move the id sequences past the explicit ids inserted here."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (User, Organisation, Membership, ExpertProfile, Order, OrderSession, Assignment,
                  PayoutBatch, PayoutItem, Unavailability):
        table = model.__tablename__
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))


class Seeder:
    """Generates the benchmark's data with a fixed random seed."""

    def __init__(self, args: argparse.Namespace, now: datetime):
        self.args = args
        self.now = now
        self.rng = random.Random(args.seed)
        self.municipalities = [
            (code, lat, lon) for code, lat, lon in db.session.execute(
                select(Municipality.code, Municipality.latitude, Municipality.longitude)
                .order_by(Municipality.code))
        ]
        self.codes = [code for code, _lat, _lon in self.municipalities]
        self.towns = [code for code in TOWNS if code in self.codes]
        self.area_ids = list(db.session.scalars(
            select(ExpertiseArea.id).order_by(ExpertiseArea.id)))
        self.types = {code: type_id for type_id, code in db.session.execute(
            select(AssignmentType.id, AssignmentType.code).order_by(AssignmentType.id))}
        schedule = db.session.scalar(select(FeeSchedule).order_by(FeeSchedule.effective_from))
        self.schedule_id = schedule.id
        self.rules = {
            code: db.session.scalar(select(FeeRuleRow).where(
                FeeRuleRow.schedule_id == schedule.id, FeeRuleRow.assignment_type_id == type_id))
            for code, type_id in self.types.items()
        }
        self.next_order = 1
        self.next_session = 1
        self.next_assignment = 1

    def municipality(self) -> str:
        if self.rng.random() < 0.35:
            return self.rng.choice(self.towns)
        return self.rng.choice(self.codes)

    def users_and_organisations(self) -> None:
        n = self.args.experts
        users = [
            {"id": i, "email": f"expert{i}@bench.test", "password_hash": "!", "role": EXPERT,
             "full_name": f"Asiantuntija {i}", "language": "fi", "active": True,
             "password_changed_at": self.now, "created_at": self.now}
            for i in range(1, n + 1)
        ]
        self.org_users = []
        organisations = []
        memberships = []
        for k in range(1, 21):
            user_id = n + k
            self.org_users.append((k, user_id))
            users.append({"id": user_id, "email": f"tilaaja{k}@bench.test", "password_hash": "!",
                          "role": ORGANISATION_MEMBER, "full_name": f"Tilaaja {k}",
                          "language": "fi", "active": True, "password_changed_at": self.now,
                          "created_at": self.now})
            organisations.append({"id": k, "name": f"Organisaatio {k}",
                                  "business_id": f"{9000000 + k:07d}-0", "kind": "municipality",
                                  "billing_email": f"laskut{k}@bench.test", "active": True,
                                  "created_at": self.now})
            memberships.append({"id": k, "user_id": user_id, "organisation_id": k,
                                "is_admin": True, "created_at": self.now})
        bulk(User, users)
        bulk(Organisation, organisations)
        bulk(Membership, memberships)

    def experts(self) -> None:
        rng = self.rng
        profiles, areas, languages, types = [], [], [], []
        for i in range(1, self.args.experts + 1):
            roll = rng.random()
            status = ("verified" if roll < 0.94 else "paused" if roll < 0.96
                      else "applied" if roll < 0.98 else "retired")
            profiles.append({
                "id": i, "user_id": i, "display_name": f"Asiantuntija {i}", "bio": "",
                "status": status, "home_municipality_code": self.municipality(),
                "travel_range_km": rng.choice((30, 50, 80, 100, 150, 200, 300)),
                "remote_ok": rng.random() < 0.7,
                "monthly_earnings_limit": Decimal("300.00") if rng.random() < 0.2 else None,
                "yearly_earnings_limit": Decimal("1500.00") if rng.random() < 0.1 else None,
                "created_at": self.now,
            })
            for area_id in rng.sample(self.area_ids, rng.choice((1, 1, 2, 2, 3))):
                areas.append({"expert_id": i, "area_id": area_id,
                              "visible_to_organisations": rng.random() < 0.5})
            spoken = [code for code, share in LANGUAGE_SHARES if rng.random() < share] or ["fi"]
            languages.extend({"expert_id": i, "language": code} for code in spoken)
            for code in rng.sample(sorted(self.types), rng.choice((1, 2, 3))):
                types.append({"expert_id": i, "assignment_type_id": self.types[code]})
        bulk(ExpertProfile, profiles)
        bulk(ExpertArea, areas)
        bulk(ExpertLanguage, languages)
        bulk(ExpertAssignmentType, types)

    def _order_rows(self, starts: list[datetime], minutes: int, code: str, status: str,
                    remote: bool, language: str, area_ids: list[int]) -> tuple[dict, list[dict],
                                                                          list[dict]]:
        organisation, user_id = self.rng.choice(self.org_users)
        order_id = self.next_order
        self.next_order += 1
        municipality = None if remote else self.municipality()
        order = {
            "id": order_id, "organisation_id": organisation, "created_by_id": user_id,
            "title": f"Tilaus {order_id}", "description": "",
            "assignment_type_id": self.types[code],
            "fee_schedule_id": self.schedule_id, "language": language, "experts_needed": 2,
            "remote": remote, "municipality_code": municipality, "address": "",
            "audience": "", "accessibility": "", "billing_reference": "", "status": status,
            "created_at": min(starts) - timedelta(days=30),
            "submitted_at": min(starts) - timedelta(days=30), "cancelled_late": False,
            "series_template": "co_development_3" if len(starts) > 1 else None,
        }
        sessions = []
        for position, start in enumerate(starts, start=1):
            sessions.append({"id": self.next_session, "order_id": order_id, "position": position,
                             "title": "", "starts_at": start, "duration_minutes": minutes,
                             "agenda": ""})
            self.next_session += 1
        links = [{"order_id": order_id, "area_id": area_id} for area_id in area_ids]
        return order, sessions, links

    def assignments(self) -> None:
        """Past work (two experts per order) with payout items, and future bookings."""
        rng = self.rng
        orders, sessions, links, assignments, payouts = [], [], [], [], []
        verified = list(range(1, self.args.experts + 1))
        batch_id = 1
        past_orders = self.args.assignments // 2
        future_orders = max(1, self.args.experts // 4)
        for number in range(past_orders + future_orders):
            past = number < past_orders
            if past:
                start = self.now - timedelta(days=rng.uniform(1, 730))
            else:
                start = self.now + timedelta(days=rng.uniform(1, 120))
            start = start.replace(minute=0, second=0, microsecond=0)
            code = rng.choice(sorted(self.types))
            minutes = {"lecture": 45, "meeting": 180, "group_guidance": 60}.get(code, 60)
            order, order_sessions, order_links = self._order_rows(
                [start], minutes, code, "completed" if past else "filled", False, "fi",
                [rng.choice(self.area_ids)])
            orders.append(order)
            sessions.extend(order_sessions)
            links.extend(order_links)
            session = order_sessions[0]
            rule = self.rules[code]
            for expert_id in rng.sample(verified, 2):
                assignment_id = self.next_assignment
                self.next_assignment += 1
                if past:
                    roll = rng.random()
                    status = ("paid" if roll < 0.6 else "confirmed" if roll < 0.8
                              else "cancelled_by_expert" if roll < 0.9
                              else "cancelled_by_organisation")
                else:
                    status = "booked"
                assignments.append({
                    "id": assignment_id, "order_id": order["id"], "session_id": session["id"],
                    "expert_id": expert_id, "status": status, "starts_at": start,
                    "ends_at": start + timedelta(minutes=minutes), "created_at": start,
                    "fee_due_despite_cancellation": False, "calendar_sequence": 0,
                })
                if status in ("paid", "confirmed"):
                    fee = rule.amount
                    withholding = (fee * Decimal("0.6")).quantize(Decimal("0.01"))
                    payouts.append({
                        "id": len(payouts) + 1, "assignment_id": assignment_id,
                        "expert_id": expert_id,
                        "status": "paid" if status == "paid" else "approved",
                        "batch_id": batch_id if status == "paid" else None,
                        "fee_schedule_id": self.schedule_id, "fee": fee,
                        "travel": Decimal("0.00"), "per_diem": Decimal("0.00"),
                        "withholding_percent": Decimal("60.00"), "withholding": withholding,
                        "net_fee": fee - withholding, "total_paid": fee - withholding,
                        "work_date": start, "created_at": start,
                    })
        paid = [p for p in payouts if p["status"] == "paid"]
        bulk(PayoutBatch, [{
            "id": batch_id, "status": "paid", "created_by_id": 1, "created_at": self.now,
            "total_net": sum((p["net_fee"] for p in paid), Decimal("0.00")),
            "item_count": len(paid), "sepa_message_id": "BENCH-1", "sepa_xml": "",
            "execution_date": self.now.date(), "paid_at": self.now,
        }])
        bulk(Order, orders)
        bulk(OrderSession, sessions)
        bulk(order_expertise_areas, links)
        bulk(Assignment, assignments)
        bulk(PayoutItem, payouts)
        self.counts = {"assignments": len(assignments), "payout_items": len(payouts)}

    def unavailabilities(self) -> None:
        rows = []
        for number in range(1, self.args.experts // 2 + 1):
            start = self.now + timedelta(days=self.rng.uniform(0, 120))
            rows.append({"id": number, "expert_id": self.rng.randint(1, self.args.experts),
                         "starts_at": start,
                         "ends_at": start + timedelta(days=self.rng.uniform(0.5, 14))})
        bulk(Unavailability, rows)

    def bench_orders(self) -> list[int]:
        """The orders to match: one-off and series, on site and remote, various needs."""
        rng = self.rng
        ids = []
        orders, sessions, links = [], [], []
        for number in range(self.args.orders):
            code = ("lecture", "meeting", "group_guidance")[number % 3]
            minutes = {"lecture": 45, "meeting": 180, "group_guidance": 60}[code]
            first = (self.now + timedelta(days=rng.uniform(3, 90))).replace(
                minute=0, second=0, microsecond=0)
            starts = [first]
            if number % 7 == 3:  # a co-development series of three sessions
                starts = [first, first + timedelta(days=14), first + timedelta(days=35)]
            language = "fi" if number % 10 < 8 else ("sv" if number % 10 == 8 else "en")
            areas = rng.sample(self.area_ids, 2 if number % 6 == 5 else 1)
            order, order_sessions, order_links = self._order_rows(
                starts, minutes, code, "submitted", number % 5 == 4, language, areas)
            orders.append(order)
            sessions.extend(order_sessions)
            links.extend(order_links)
            ids.append(order["id"])
        bulk(Order, orders)
        bulk(OrderSession, sessions)
        bulk(order_expertise_areas, links)
        return ids


def seed(args: argparse.Namespace, now: datetime) -> tuple[list[int], dict]:
    seeder = Seeder(args, now)
    seeder.users_and_organisations()
    seeder.experts()
    seeder.assignments()
    seeder.unavailabilities()
    order_ids = seeder.bench_orders()
    reset_sequences()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return order_ids, seeder.counts


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(order_ids: list[int], rounds: int, now: datetime) -> dict:
    from app.matching.services import match_order

    timings, queries, candidates = [], [], []
    load_before = os.getloadavg()[0]
    for order_id in order_ids:
        for attempt in range(rounds + 1):
            db.session.expire_all()
            order = db.session.get(Order, order_id)
            with counted_statements() as statements:
                began = time.perf_counter()
                matches = match_order(order, now)
                elapsed = (time.perf_counter() - began) * 1000
            if attempt == 0:
                continue  # warm-up
            timings.append(elapsed)
            queries.append(len(statements))
            candidates.append(len(matches))
        db.session.rollback()
    return {
        "median": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "max": max(timings),
        "queries": (min(queries), max(queries)),
        "candidates": statistics.median(candidates),
        "samples": len(timings),
        "load": (load_before, os.getloadavg()[0]),
    }


def server_version() -> str:
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(select(sa.func.version())).split(" on ")[0]
    return f"SQLite {sqlite3.sqlite_version}"


def run(args: argparse.Namespace) -> dict:
    import flask_migrate

    from app import create_app
    from app.reference.services import load_reference_data
    from config import TestConfig

    now = datetime.now(UTC)
    with fresh_database(args.database, args.url) as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        try:
            with app.app_context():
                flask_migrate.upgrade()
                load_reference_data()
                db.session.commit()
                began = time.perf_counter()
                order_ids, counts = seed(args, now)
                seeded = time.perf_counter() - began
                result = measure(order_ids, args.rounds, now)
                result.update(counts, seed_seconds=seeded, server=server_version())
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return result


def table(args: argparse.Namespace, result: dict) -> str:
    low, high = result["queries"]
    queries = str(low) if low == high else f"{low}–{high}"
    return "\n".join([
        "| database | experts | past and future assignments | orders × rounds | median ms "
        "| p95 ms | max ms | SQL statements per match | candidates (median) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {args.database} | {args.experts:,} | {result['assignments']:,} "
        f"| {args.orders} × {args.rounds} | {result['median']:.1f} | {result['p95']:.1f} "
        f"| {result['max']:.1f} | {queries} | {result['candidates']:.0f} |",
        "",
        f"{result['server']}; {result['payout_items']:,} payout items; "
        f"seeded in {result['seed_seconds']:.0f} s; {os.cpu_count()} CPUs, 1-minute load "
        f"average {result['load'][0]:.1f} before and {result['load'][1]:.1f} after the timing.",
    ])


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    result = run(args)
    print(table(args, result))


if __name__ == "__main__":
    main()
