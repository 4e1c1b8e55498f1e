"""Benchmark of the key pages at 1×, 10× and 100× data (not a test; pytest does not collect it).

    python -m tests.bench.bench_pages --url postgresql+psycopg://app:app@127.0.0.1:PORT/app

`make bench-pages` runs it on a throwaway PostgreSQL server and writes docs/benchmarks.md.

Builds one database per scale next to ``--url`` (``bench_pages_1``, ``_10``, ``_100``) with
the real migrations and the reference data (dropped afterwards), seeds the people of
`tests.support.scale` in each and grows their data to the scale (the organisation's orders
16 → 160 → 1,600, the expert's assignments 25 → 250 → 3,500, payout items waiting for
approval 50 → 500 → 5,000). For each scale it

- counts the SQL statements of one request of each key page (Flask test client, signed in
  as the page's person, after a warm-up request) and times matching in process;
- serves the app with gunicorn (deploy/gunicorn.conf.py, 2 sync workers).

A bare Flask endpoint (tests/bench/bare_app.py) runs under the same config. Each page is
then loaded with a bounded Python load generator on loopback (a few threads, a new
connection per request as sync workers close them) in rounds of short bursts that take
the page's scales and the bare endpoint in turn: on a shared machine whose load changes
from minute to minute, the figures that are compared (100× against 1×, a page against the
bare endpoint) are measured side by side. p50 and p99 are the latencies the generator saw.

Then it runs the batch benchmark (`tests/bench/bench_batch.py`: one batch of 5,000 approved
items with their income components, created and exported) and the matching benchmark
(`tests/bench/bench_matching.py`: 10,000 experts, 200,000 assignments) in databases of their
own, so one run gives every figure of issue 13; `--only` skips both.
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
from contextlib import ExitStack, contextmanager
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
    #: The bare endpoint, measured in turn with each page (by page name).
    bare: dict[str, Result] = field(default_factory=dict)
    matching: dict | None = None
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
                        help="after this many seconds of a page's rounds, stop after the "
                             "current round")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=6,
                        help="bursts per page and scale, taken in turn with the other scales "
                             "and the bare endpoint")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--only", default="",
                        help="measure only the pages whose names start with this (e.g. "
                             "'login' for a before/after comparison of the login page)")
    return parser.parse_args(argv)


@contextmanager
def fresh_database(base: str, name: str = BENCH_DATABASE):
    if make_url(base or "sqlite://").get_backend_name() != "postgresql":
        sys.exit("bench-pages needs --url or TEST_DATABASE_URL with a PostgreSQL URL")
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
    """User and system CPU seconds of a gunicorn master's worker processes so far: the live
    workers' own, plus those of workers that exited (gunicorn replaces a worker after
    ``max_requests``) as the master's reaped children."""
    ticks = os.sysconf("SC_CLK_TCK")

    def stat(pid: str) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    try:
        fields = stat(str(master))
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0.0
    total = (int(fields[13]) + int(fields[14])) / ticks  # cutime, cstime
    for pid in children:
        try:
            fields = stat(pid)
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
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


def staff_code_for(app, email: str) -> dict[str, str]:
    """``{"totp": code}`` for a staff member (they sign in with a second factor), else {}."""
    from tests.support.two_factor import staff_code

    with app.app_context():
        code = staff_code(email)
    return {"totp": code} if code else {}


def session_headers(app, port: int, page: Page, cast: scale.ScaleCast) -> dict[str, str]:
    """Headers that make a request come from the page's person (cookie or bearer token)."""
    if page.who is None:
        return {}
    email = getattr(cast, page.who)
    second_factor = staff_code_for(app, email)
    if page.api:
        import json

        status, body, _h = request(port, "POST", "/api/v1/auth/token",
                                   {"Content-Type": "application/json"},
                                   json.dumps({"email": email, "password": PASSWORD,
                                               **second_factor}).encode())
        assert status == 200, body[:300]
        return {"Authorization": f"Bearer {json.loads(body)['token']}"}
    status, body, headers = request(port, "GET", "/login")
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    form = urlencode({"csrf_token": token, "email": email, "password": PASSWORD,
                      **second_factor}).encode()
    status, body, headers = request(port, "POST", "/login", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, form)
    assert status == 302, (status, body[:300])
    return {"Cookie": headers.get("Set-Cookie", "").split(";")[0]}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def burst(port: int, path: str, headers: dict, total: int,
          concurrency: int) -> tuple[list[float], float, int]:
    """``total`` GETs from ``concurrency`` threads: (latencies in ms, wall seconds, non-200)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    left = [total]

    def worker() -> None:
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            began = time.perf_counter()
            status, _body, _h = request(port, "GET", path, headers)
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed * 1000)
                if status != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - began, errors[0]


@dataclass
class Target:
    """One server and path to load: a page at one scale, or the bare endpoint."""

    key: object
    server: tuple[int, int]  # (port, gunicorn master pid)
    path: str
    headers: dict
    total: int
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    errors: int = 0

    def result(self, statements: int = 0) -> Result:
        return Result(statements=statements, p50=statistics.median(self.latencies),
                      p99=percentile(self.latencies, 0.99),
                      rate=len(self.latencies) / self.wall, requests=len(self.latencies),
                      errors=self.errors,
                      cpu_ms=self.cpu * 1000 / max(len(self.latencies), 1))


def interleaved(targets: list[Target], concurrency: int, rounds: int, budget: float) -> None:
    """Load every target in ``rounds`` short bursts, taking the targets in turn (forwards,
    then backwards) so that each meets the same changes in the machine's load: on a shared
    machine the 1× and 100× figures of a page, and a page and the bare endpoint, are then
    measured side by side instead of minutes apart. Stops after the round in which the
    time ``budget`` ran out."""
    for target in targets:  # warm up the workers and their connection pools
        for _ in range(4):
            request(target.server[0], "GET", target.path, target.headers)
    deadline = time.perf_counter() + budget
    for number in range(rounds):
        for target in (targets if number % 2 == 0 else targets[::-1]):
            cpu_before = workers_cpu_seconds(target.server[1])
            latencies, wall, errors = burst(
                target.server[0], target.path, target.headers,
                max(1, -(-target.total // rounds)), concurrency)
            target.cpu += workers_cpu_seconds(target.server[1]) - cpu_before
            target.latencies += latencies
            target.wall += wall
            target.errors += errors
        if time.perf_counter() > deadline:
            break


def count_statements(app, cast: scale.ScaleCast) -> dict[str, int]:
    from flask import Flask

    from tests.support.two_factor import sign_in_post

    assert isinstance(app, Flask)
    counts = {}
    for page in PAGES:
        client = app.test_client()
        email = getattr(cast, page.who) if page.who else None
        headers = {}
        if page.api:
            token = sign_in_post(client, "/api/v1/auth/token", email, {},
                                 json={"email": email, "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
        elif email:
            assert sign_in_post(client, "/login", email,
                                {"email": email, "password": PASSWORD}).status_code == 302
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


def batch_and_matching(args: argparse.Namespace) -> tuple[dict, dict]:
    """The payment batch of 5,000 approved items and matching on 10,000 experts, by the
    benchmarks of their own (`tests.bench.bench_batch`, `tests.bench.bench_matching`) in
    databases of their own, so that one run of `make bench-pages` shows every figure of
    issue 13."""
    from tests.bench import bench_batch, bench_matching

    batch_args = bench_batch.parse_args(["--database", "postgres", "--url", args.url,
                                         "--sizes", "5000", "--rounds", "3"])
    batch_results, _server = bench_batch.run(batch_args)
    matching_args = bench_matching.parse_args(["--database", "postgres", "--url", args.url])
    return batch_results[-1], {"args": matching_args,
                               "result": bench_matching.run(matching_args)}


def seeded(args: argparse.Namespace, stack: ExitStack, factor: int, bank: dict):
    """A database of its own with the cast grown to ``factor``: (url, app, cast)."""
    import flask_migrate

    from app import create_app
    from app.extensions import db
    from app.reference.services import load_reference_data
    from config import TestConfig

    url = stack.enter_context(fresh_database(args.url, f"{BENCH_DATABASE}_{factor}"))
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **bank)

    def dispose() -> None:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    stack.callback(dispose)
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        db.session.commit()
        cast = scale.people()
        db.session.commit()
        scale.grow(cast, scale.SCALES[factor])
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return url, app, cast


def run(args: argparse.Namespace) -> Run:
    scales = [int(s) for s in args.scales.split(",")]
    result = Run()
    global PAGES
    PAGES = tuple(page for page in PAGES if page.name.startswith(args.only))
    log = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "gunicorn.log"
    bank = {"BANK_IBAN": "FI2112345600000785", "BANK_BIC": "NDEAFIHH",
            "BANK_NAME": "Kokemuspankki ry"}
    with ExitStack() as stack:
        databases, counts, servers = {}, {}, {}
        for factor in scales:
            url, app, cast = databases[factor] = seeded(args, stack, factor, bank)
            result.rows[factor] = table_counts(app)
            counts[factor] = count_statements(app, cast)  # no app context: one per request
            print(f"{factor}× seeded: {result.rows[factor]}", file=sys.stderr)
        for factor, (url, _app, _cast) in databases.items():
            env = dict(bank, DATABASE_URL=url, SECRET_KEY="bench-pages-" + "x" * 40,
                       KOKEMUSPANKKI_ENV="development", SCHEDULER_ENABLED="0",
                       RATELIMIT_STORAGE_URI="memory://", INSTANCE_PATH=str(log.parent))
            servers[factor] = stack.enter_context(gunicorn("wsgi:app", env, log))
        bare_server = stack.enter_context(gunicorn("tests.bench.bare_app:app", env, log))
        for factor in scales:
            result.scales[factor] = {}
        for page in PAGES:
            many = 10 if page.who is None else 1
            targets = [Target(factor, servers[factor], page.url,
                              session_headers(databases[factor][1], servers[factor][0], page,
                                              databases[factor][2]),
                              args.requests * many) for factor in scales]
            bare = Target("bare", bare_server, "/", {}, args.requests * 10)
            interleaved([*targets, bare], args.concurrency, args.rounds, args.budget)
            for target in targets:
                result.scales[target.key][page.name] = target.result(counts[target.key][page.name])
                print(f"{target.key}× {page.name}: {result.scales[target.key][page.name]}",
                      file=sys.stderr)
            result.bare[page.name] = bare.result()
    if not args.only:
        result.batch, result.matching = batch_and_matching(args)
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
    per_scale = " / ".join(f"{f}×" for f in scales)
    lines = [
        SECTION.strip(),
        "",
        f"`make bench-pages` on commit {commit_id()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; PostgreSQL (throwaway server, one database "
        f"per scale), one gunicorn per scale with deploy/gunicorn.conf.py and 2 sync workers, "
        f"and the bare Flask endpoint under the same config; a Python load generator with "
        f"{args.concurrency} threads on loopback (a new connection per request). Each page is "
        f"loaded in {args.rounds} rounds of short bursts that take its scales and the bare "
        f"endpoint in turn, so all of them meet the same load of the machine "
        f"({os.cpu_count()} CPUs shared with other work; 1-minute load average "
        f"{os.getloadavg()[0]:.1f} at the end). Latencies are what the load generator saw.",
        "",
        "Rows in the database at each scale: " + "; ".join(
            f"{factor}×: " + ", ".join(f"{n:,} {name}" for name, n in run_.rows[factor].items())
            for factor in scales) + ".",
        "",
        f"| page | statements per request {per_scale} | p50 ms {per_scale} "
        f"| p99 ms {per_scale} | p50 {high}× ÷ p50 {low}× "
        f"| share of the bare endpoint's req/s {per_scale} "
        f"| worker CPU ms per request {per_scale} | bare endpoint's p50 ms, req/s, CPU ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in PAGES:
        results = [run_.scales[f][page.name] for f in scales]
        bare = run_.bare[page.name]
        errors = sum(r.errors for r in results)
        lines.append(
            f"| {page.name}{f' ({errors} non-200 answers)' if errors else ''} | "
            + " / ".join(str(r.statements) for r in results) + " | "
            + " / ".join(f"{r.p50:.1f}" for r in results) + " | "
            + " / ".join(f"{r.p99:.1f}" for r in results) + " | "
            + f"**{results[-1].p50 / results[0].p50:.2f}** | "
            + " / ".join(f"{r.rate / bare.rate:.3f}" for r in results) + " | "
            + " / ".join(f"{r.cpu_ms:.2f}" for r in results) + " | "
            + f"{bare.p50:.1f}, {bare.rate:.0f}, {bare.cpu_ms:.2f} |")
    lines += ["", "Requests per page and scale: "
              + ", ".join(f"{page.name} " + "/".join(str(run_.scales[f][page.name].requests)
                                                      for f in scales) for page in PAGES)
              + " (fewer than asked when the time budget ran out)."]
    if run_.batch:
        from tests.bench import bench_matching

        b = run_.batch
        lines += ["", "### One payment batch of 5,000 approved items "
                  "(`tests/bench/bench_batch.py`)",
                  "", f"{b['size']:,} approved items of {b['payments']:,} experts, each with its "
                  "income components; median of 3 rounds after a warm-up.", "",
                  "| items | created ms (statements) | exported ms (statements) "
                  "| created and exported ms | bank file KiB |",
                  "| ---: | ---: | ---: | ---: | ---: |",
                  f"| {b['size']:,} | {b['median']:.0f} ({b['statements'][1]}) "
                  f"| {b['export']:.0f} ({b['export_statements']}) "
                  f"| **{b['median'] + b['export']:.0f}** | {b['xml_kb']:,.0f} |",
                  "", "Created: `create_batch` with its commit (the bank file built and "
                  "validated once, the batch stored, the items moved, the audit entry). "
                  "Exported: the bank file's download and the Finnish payroll file (built from "
                  "the stored income components, identity codes decrypted, every read "
                  "audited), once, with its commit.",
                  "", "### Matching (`tests/bench/bench_matching.py`)", "",
                  bench_matching.table(run_.matching["args"], run_.matching["result"])]
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
