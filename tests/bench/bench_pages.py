"""Benchmark of the key pages at 1×, 10× and 100× data (not a test; pytest does not collect it).

    python -m tests.bench.bench_pages --url postgresql+psycopg://app:app@127.0.0.1:PORT/app

`make bench-pages` runs it on a throwaway PostgreSQL server and writes docs/benchmarks.md.

Builds the database ``bench_pages`` next to ``--url`` with the real migrations and the
reference data (dropped afterwards), seeds the people of `tests.support.scale` and grows
their data to each scale in turn (the organisation's orders 16 → 160 → 1,600, the expert's
assignments 25 → 250 → 3,500, payout items waiting for approval 50 → 500 → 5,000). At
each scale it

- counts the SQL statements of one request of each key page (Flask test client, signed in
  as the page's person, after a warm-up request);
- serves the app with gunicorn (deploy/gunicorn.conf.py, 2 sync workers) and a bare
  Flask endpoint (tests/bench/bare_app.py) under the same config, and loads both with a
  bounded Python load generator on loopback (a fixed number of requests from a few
  threads, a new connection per request as sync workers close them); p50 and p99 are
  the latencies the generator saw.

At 100× it also approves the waiting payout items and times one payment batch of all of
them (`create_batch`, service time and statements, then the SEPA and payroll files).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support import scale
from tests.support.sql import counted_statements

ROOT = Path(__file__).resolve().parents[2]
BENCH_DATABASE = "bench_pages"
#: The heading of this benchmark's section in docs/benchmarks.md.
SECTION = "\n## Pages (`make bench-pages`)\n"
PASSWORD = scale.factories.DEFAULT_PASSWORD


@dataclass(frozen=True)
class Page:
    name: str
    who: str | None  # a ScaleCast attribute with the e-mail; None: anonymous
    url: str

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")


PAGES = (
    Page("login page", None, "/login"),
    Page("organisation dashboard (order list)", "org_admin", "/organisation/"),
    Page("expert dashboard", "expert", "/expert/"),
    Page("finance approval list", "finance", "/finance/payouts?status=pending_approval"),
    Page("GET /api/v1/me/assignments", "expert", "/api/v1/me/assignments"),
    Page("reports page (whole bank)", "coordinator", "/participation/reports"),
)


@dataclass
class Result:
    statements: int = 0
    p50: float = 0.0
    p99: float = 0.0
    rate: float = 0.0
    requests: int = 0
    errors: int = 0
    #: CPU time of the gunicorn workers per request (user + system), less noisy than wall
    #: time on a shared machine.
    cpu_ms: float = 0.0


@dataclass
class Run:
    scales: dict[int, dict[str, Result]] = field(default_factory=dict)
    bare: dict[int, Result] = field(default_factory=dict)
    batch: dict | None = None
    rows: dict[int, dict[str, int]] = field(default_factory=dict)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL", ""),
                        help="a PostgreSQL URL whose role may CREATE DATABASE")
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--requests", type=int, default=120,
                        help="requests per page and scale (the login page and the bare "
                             "endpoint get ten times as many)")
    parser.add_argument("--budget", type=float, default=40.0,
                        help="at most this many seconds of load per page and scale")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--only", default="",
                        help="measure only the pages whose names start with this (e.g. "
                             "'login' for a before/after comparison of the login page)")
    return parser.parse_args(argv)


@contextmanager
def fresh_database(base: str):
    if make_url(base or "sqlite://").get_backend_name() != "postgresql":
        sys.exit("bench-pages needs --url or TEST_DATABASE_URL with a PostgreSQL URL")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")

    drop()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {BENCH_DATABASE}")
    try:
        yield make_url(base).set(database=BENCH_DATABASE).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict[str, str], log: Path):
    """A gunicorn with deploy/gunicorn.conf.py and 2 sync workers; yields its port."""
    port = free_port()
    environment = dict(os.environ, **env, GUNICORN_BIND=f"127.0.0.1:{port}",
                       GUNICORN_WORKERS="2", GUNICORN_THREADS="1")
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             target], cwd=ROOT, env=environment, stdout=output, stderr=output)
    try:
        for _ in range(300):
            try:
                status, _body, _headers = request(port, "GET", "/healthz")
                if status < 500:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {target} exited; see {log}")
            time.sleep(0.1)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def workers_cpu_seconds(master: int) -> float:
    """User and system CPU seconds of a gunicorn master's worker processes so far."""
    total = 0.0
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0.0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def request(port: int, method: str, path: str, headers: dict | None = None,
            body: bytes | None = None) -> tuple[int, bytes, http.client.HTTPMessage]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


def session_headers(port: int, page: Page, cast: scale.ScaleCast) -> dict[str, str]:
    """Headers that make a request come from the page's person (cookie or bearer token)."""
    if page.who is None:
        return {}
    email = getattr(cast, page.who)
    if page.api:
        import json

        status, body, _h = request(port, "POST", "/api/v1/auth/token",
                                   {"Content-Type": "application/json"},
                                   json.dumps({"email": email, "password": PASSWORD}).encode())
        assert status == 200, body[:300]
        return {"Authorization": f"Bearer {json.loads(body)['token']}"}
    status, body, headers = request(port, "GET", "/login")
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    form = urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    status, body, headers = request(port, "POST", "/login", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, form)
    assert status == 302, (status, body[:300])
    return {"Cookie": headers.get("Set-Cookie", "").split(";")[0]}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def load(server: tuple[int, int], path: str, headers: dict, total: int, concurrency: int,
         budget: float) -> Result:
    """``total`` GETs from ``concurrency`` threads (stopping after ``budget`` seconds)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    left = [total]
    deadline = time.perf_counter() + budget

    def worker() -> None:
        while True:
            with lock:
                if left[0] <= 0 or time.perf_counter() > deadline:
                    return
                left[0] -= 1
            began = time.perf_counter()
            status, _body, _h = request(port, "GET", path, headers)
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed * 1000)
                if status != 200:
                    errors[0] += 1

    port, master = server
    # Warm up the workers (and their connection pools) before timing.
    for _ in range(4):
        request(port, "GET", path, headers)
    cpu_before = workers_cpu_seconds(master)
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    cpu = workers_cpu_seconds(master) - cpu_before
    return Result(p50=statistics.median(latencies), p99=percentile(latencies, 0.99),
                  rate=len(latencies) / wall, requests=len(latencies), errors=errors[0],
                  cpu_ms=cpu * 1000 / max(len(latencies), 1))


def count_statements(app, cast: scale.ScaleCast) -> dict[str, int]:
    from flask import Flask

    assert isinstance(app, Flask)
    counts = {}
    for page in PAGES:
        client = app.test_client()
        email = getattr(cast, page.who) if page.who else None
        headers = {}
        if page.api:
            token = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
        elif email:
            assert client.post("/login", data={"email": email, "password": PASSWORD}
                               ).status_code == 302
        client.get(page.url, headers=headers)
        with counted_statements() as statements:
            response = client.get(page.url, headers=headers)
        assert response.status_code == 200, (page.url, response.status_code)
        counts[page.name] = len(statements)
    return counts


def table_counts(app) -> dict[str, int]:
    from app.bookings.models import Assignment, Invitation, Order
    from app.extensions import db
    from app.payouts.models import PayoutItem

    with app.app_context():
        return {name: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for name, model in (("orders", Order), ("assignments", Assignment),
                                    ("invitations", Invitation), ("payout items", PayoutItem))}


def batch_of_everything(app, cast: scale.ScaleCast) -> dict:
    """Approve every waiting item, then time one batch of all of them and its files."""
    from app.accounts.models import User
    from app.extensions import db
    from app.payouts import services
    from app.payouts.models import PayoutBatch, PayoutItem

    with app.app_context():
        db.session.execute(sa.update(PayoutItem).where(PayoutItem.status == "pending_approval")
                           .values(status="approved"))
        db.session.commit()
        actor = db.session.scalar(sa.select(User).where(User.email == cast.finance))
        with counted_statements() as statements:
            began = time.perf_counter()
            batch = services.create_batch(actor, None, datetime.now(UTC))
            db.session.commit()
            seconds = time.perf_counter() - began
        batch = db.session.get(PayoutBatch, batch.id)
        return {"items": batch.item_count, "seconds": seconds, "statements": len(statements),
                "sepa_bytes": len(batch.sepa_xml.encode()),
                "payroll_bytes": len(batch.payroll_csv.encode())}


def run(args: argparse.Namespace) -> Run:
    import flask_migrate

    from app import create_app
    from app.extensions import db
    from app.reference.services import load_reference_data
    from config import TestConfig

    scales = [int(s) for s in args.scales.split(",")]
    result = Run()
    global PAGES
    PAGES = tuple(page for page in PAGES if page.name.startswith(args.only))
    log = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "gunicorn.log"
    with fresh_database(args.url) as url:
        bank = {"BANK_IBAN": "FI2112345600000785", "BANK_BIC": "NDEAFIHH",
                "BANK_NAME": "Kokemuspankki ry"}
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **bank)
        env = dict(bank, DATABASE_URL=url, SECRET_KEY="bench-pages-" + "x" * 40,
                   KOKEMUSPANKKI_ENV="development", SCHEDULER_ENABLED="0",
                   RATELIMIT_STORAGE_URI="memory://", INSTANCE_PATH=str(log.parent))
        try:
            with app.app_context():
                flask_migrate.upgrade()
                load_reference_data()
                db.session.commit()
                cast = scale.people()
                db.session.commit()
            grown: dict[str, int] = {}
            for factor in scales:
                with app.app_context():
                    scale.grow(cast, scale.difference(scale.SCALES[factor], grown))
                    db.session.commit()
                    grown = dict(scale.SCALES[factor])
                    with db.engine.connect().execution_options(
                            isolation_level="AUTOCOMMIT") as connection:
                        connection.exec_driver_sql("VACUUM ANALYZE")
                result.rows[factor] = table_counts(app)
                counts = count_statements(app, cast)  # no app context: one per request
                pages: dict[str, Result] = {}
                with gunicorn("wsgi:app", env, log) as server, \
                        gunicorn("tests.bench.bare_app:app", env, log) as bare_server:
                    for page in PAGES:
                        headers = session_headers(server[0], page, cast)
                        many = 10 if page.who is None else 1
                        pages[page.name] = load(server, page.url, headers, args.requests * many,
                                                args.concurrency, args.budget)
                        pages[page.name].statements = counts[page.name]
                        print(f"{factor}× {page.name}: {pages[page.name]}", file=sys.stderr)
                    result.bare[factor] = load(bare_server, "/", {}, args.requests * 10,
                                               args.concurrency, args.budget)
                    print(f"{factor}× bare: {result.bare[factor]}", file=sys.stderr)
                result.scales[factor] = pages
            if 100 in scales:
                try:
                    result.batch = batch_of_everything(app, cast)
                except Exception as error:  # noqa: BLE001 - reported in the table instead
                    result.batch = {"error": f"{type(error).__name__}: {error}"[:300]}
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return result


def commit_id() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def markdown(args: argparse.Namespace, run_: Run) -> str:
    scales = sorted(run_.scales)
    low, high = scales[0], scales[-1]
    lines = [
        SECTION.strip(),
        "",
        f"`make bench-pages` on commit {commit_id()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; PostgreSQL (throwaway server), gunicorn "
        f"with deploy/gunicorn.conf.py and 2 sync workers, a Python load generator with "
        f"{args.concurrency} threads on loopback (a new connection per request), "
        f"{os.cpu_count()} CPUs shared with other work (1-minute load average "
        f"{os.getloadavg()[0]:.1f} at the end). Latencies are what the load generator saw.",
        "",
        "Rows in the database at each scale: " + "; ".join(
            f"{factor}×: " + ", ".join(f"{n:,} {name}" for name, n in run_.rows[factor].items())
            for factor in scales) + ".",
        "",
        "| page | statements per request " + " / ".join(f"{f}×" for f in scales)
        + " | p50 ms " + " / ".join(f"{f}×" for f in scales)
        + " | p99 ms " + " / ".join(f"{f}×" for f in scales)
        + f" | p50 {high}× ÷ p50 {low}× | share of the bare endpoint's req/s "
        + " / ".join(f"{f}×" for f in scales)
        + " | worker CPU ms per request " + " / ".join(f"{f}×" for f in scales)
        + " | bare endpoint's CPU ÷ the page's " + " / ".join(f"{f}×" for f in scales) + " |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in PAGES:
        results = [run_.scales[f][page.name] for f in scales]
        errors = sum(r.errors for r in results)
        lines.append(
            f"| {page.name}{f' ({errors} non-200 answers)' if errors else ''} | "
            + " / ".join(str(r.statements) for r in results) + " | "
            + " / ".join(f"{r.p50:.1f}" for r in results) + " | "
            + " / ".join(f"{r.p99:.1f}" for r in results) + " | "
            + f"{results[-1].p50 / results[0].p50:.2f} | "
            + " / ".join(f"{r.rate / run_.bare[f].rate:.3f}" for r, f in zip(
                results, scales, strict=True)) + " | "
            + " / ".join(f"{r.cpu_ms:.2f}" for r in results) + " | "
            + " / ".join(f"{run_.bare[f].cpu_ms / r.cpu_ms:.3f}" if r.cpu_ms else "–"
                         for r, f in zip(results, scales, strict=True)) + " |")
    lines.append(
        "| bare Flask endpoint (tests/bench/bare_app.py) | 0 | "
        + " / ".join(f"{run_.bare[f].p50:.1f}" for f in scales) + " | "
        + " / ".join(f"{run_.bare[f].p99:.1f}" for f in scales) + " | "
        + f"{run_.bare[high].p50 / run_.bare[low].p50:.2f} | "
        + " / ".join(f"1 ({run_.bare[f].rate:.0f} req/s)" for f in scales) + " | "
        + " / ".join(f"{run_.bare[f].cpu_ms:.2f}" for f in scales) + " | 1 |")
    lines += ["", "Requests per page and scale: "
              + ", ".join(f"{page.name} " + "/".join(str(run_.scales[f][page.name].requests)
                                                      for f in scales) for page in PAGES)
              + " (fewer than asked when the time budget ran out)."]
    if run_.batch and "error" in run_.batch:
        lines += ["", f"The payment batch of every approved item failed: {run_.batch['error']}"]
    elif run_.batch:
        b = run_.batch
        lines += ["", "### One payment batch of every approved item (100×)", "",
                  "| items | service time s | SQL statements | SEPA file bytes "
                  "| payroll CSV bytes |",
                  "| ---: | ---: | ---: | ---: | ---: |",
                  f"| {b['items']:,} | {b['seconds']:.2f} | {b['statements']:,} "
                  f"| {b['sepa_bytes']:,} | {b['payroll_bytes']:,} |"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_ = run(args)
    text = markdown(args, run_)
    print(text)
    output = Path(args.output)
    previous = output.read_text() if output.exists() else "# Benchmarks\n"
    if SECTION in previous:  # replace this benchmark's section, keep the others
        before, _, rest = previous.partition(SECTION)
        after = rest[rest.index("\n## "):] if "\n## " in rest else ""
        output.write_text(before + text.rstrip("\n") + "\n" + after)
    else:
        output.write_text(previous.rstrip("\n") + "\n\n" + text)


if __name__ == "__main__":
    main()
