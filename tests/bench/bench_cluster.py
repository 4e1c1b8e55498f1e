"""Benchmark: one web instance against two behind HAProxy (not a test; pytest does not collect it).

    python -m tests.bench.bench_cluster --url postgresql+psycopg://USER:PW@HOST:PORT/DB

Migrates the PostgreSQL database of ``--url`` (it should be empty: `make bench-cluster`
starts a throwaway server), loads the reference and demo data, and starts the
production shape on loopback: Redis for the rate limits, gunicorn instances of
``--workers`` workers each behind HAProxy (round robin). A load generator of
``--clients`` concurrent clients (threads in two processes, keep-alive to the
proxy) sends a mixed workload for ``--seconds`` after a short warm-up:

    30 %  GET  /api/v1/orders/<id>        an organisation reads one of its orders
    20 %  GET  /api/v1/me/invitations     an expert reads their invitations
    15 %  GET  /login                     a server-rendered page
    15 %  POST /api/v1/fees/quote         the fee engine
    20 %  POST /api/v1/orders             an organisation creates an order (writes)

first against one instance, then against two. Prints a Markdown table with
answered requests (2xx) per second, their median and 95th-percentile latency,
the failed requests, the CPU time the web instances spent per request (read
from /proc; it hardly depends on what else runs on the machine), and the
scaling ratio (two instances' requests per second over one's).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import requests

from tests.support import cluster

SECRET = "bench-cluster-secret"
TRAVEL = {"km_driven": "84", "passengers": 1, "public_transport_eur": "0",
          "parking_eur": "4.50", "trip_hours": "7", "one_way_km": "42", "free_meals": 1}
MIX = (("read_order", 30), ("invitations", 20), ("login_page", 15), ("quote", 15),
       ("create_order", 20))


def prepare(url: str) -> dict:
    """Migrate, load reference and demo data; API tokens and order ids for the clients."""
    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import User
    from app.accounts.services import issue_api_token
    from app.bookings.models import Order
    from app.extensions import db
    from app.organisations.models import Membership
    from config import TestConfig
    from tests.support.databases import build_schema

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    build_schema(app, demo=True)
    with app.app_context():
        organiser = db.session.scalar(select(User).where(User.email == "org@demo.test"))
        expert = db.session.scalar(select(User).where(User.email == "expert1@demo.test"))
        organisation_id = db.session.scalar(select(Membership.organisation_id).where(
            Membership.user_id == organiser.id))
        orders = db.session.scalars(select(Order.id).where(
            Order.organisation_id == organisation_id)).all()
        fixture = {"organiser": issue_api_token(organiser), "expert": issue_api_token(expert),
                   "orders": list(orders)}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return fixture


def one_request(session: requests.Session, base: str, kind: str, fixture: dict,
                rng: random.Random) -> int:
    organiser = {"Authorization": f"Bearer {fixture['organiser']}"}
    if kind == "read_order":
        answer = session.get(f"{base}/api/v1/orders/{rng.choice(fixture['orders'])}",
                             headers=organiser, timeout=60)
    elif kind == "invitations":
        answer = session.get(f"{base}/api/v1/me/invitations", timeout=60,
                             headers={"Authorization": f"Bearer {fixture['expert']}"})
    elif kind == "login_page":
        answer = session.get(f"{base}/login", timeout=60)
    elif kind == "quote":
        answer = session.post(f"{base}/api/v1/fees/quote", timeout=60, json={
            "assignment_type": "lecture", "duration_minutes": rng.choice((45, 90, 120)),
            "date": date.today().isoformat(), "travel": TRAVEL})
    else:
        start = date.today() + timedelta(days=rng.randint(20, 200))
        answer = session.post(f"{base}/api/v1/orders", headers=organiser, timeout=60, json={
            "title": "Kuormitustesti", "assignment_type": "lecture",
            "expertise_areas": ["mental-health"], "language": "fi", "experts_needed": 1,
            "starts_at": f"{start.isoformat()}T10:00:00+02:00", "duration_minutes": 45,
            "remote": False, "municipality_code": "609", "address": "Itsenäisyydenkatu 33, Pori"})
    return answer.status_code


def client_process(base: str, fixture: dict, threads: int, start_at: float, stop_at: float,
                   seed: int, results) -> None:
    """``threads`` clients from now to ``stop_at`` (``time.monotonic``, the same clock in
    every process); (latency s, kind, status) of the requests sent after ``start_at``."""
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    collected: list[tuple[float, str, int]] = []
    lock = threading.Lock()

    def run(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        mine = []
        with requests.Session() as session:
            while (now := time.monotonic()) < stop_at:
                kind = rng.choice(kinds)
                try:
                    status = one_request(session, base, kind, fixture, rng)
                except requests.RequestException:
                    status = 0
                if now >= start_at:
                    mine.append((time.monotonic() - now, kind, status))
        with lock:
            collected.extend(mine)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put(collected)


def cpu_seconds(group_ids: list[int]) -> float:
    """CPU time (user + system) used so far by the processes of these process groups."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) in group_ids:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def load(base: str, fixture: dict, clients: int, warmup: float, seconds: float,
         web_groups: list[int]) -> dict:
    """Run the mixed workload from two client processes; requests/s, latencies, CPU."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.monotonic() + 3 + warmup  # the clients need a moment to start
    stop_at = start_at + seconds
    processes = [context.Process(target=client_process,
                                 args=(base, fixture, clients // 2, start_at, stop_at, n, results))
                 for n in range(2)]
    for process in processes:
        process.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu_before = cpu_seconds(web_groups)
    time.sleep(max(0.0, stop_at - time.monotonic()))
    cpu_used = cpu_seconds(web_groups) - cpu_before
    samples = [sample for _ in processes for sample in results.get(timeout=120)]
    for process in processes:
        process.join()
    latencies = sorted(latency for latency, _kind, status in samples if 200 <= status < 300)
    failed = Counter(f"{kind} {status}" for _latency, kind, status in samples
                     if not 200 <= status < 300)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "median_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "errors": sum(failed.values()),
        "failed": dict(failed),
        "cpu_ms": 1000 * cpu_used / max(1, len(samples)),
    }


def run_setup(url: str, instances: int, workers: int, clients: int, warmup: float,
              seconds: float, fixture: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as directory, \
            cluster.Processes(Path(directory)) as processes:
        env = cluster.app_environment(
            url, instance_path=Path(directory) / "instance", secret_key=SECRET,
            RATELIMIT_STORAGE_URI=cluster.start_redis(processes),
            RATELIMIT_KEY_PREFIX=f"kp-bench-{instances}", PROXY_COUNT="1")
        web = {f"web{n}": cluster.start_web(processes, f"web{n}", env, workers=workers)
               for n in range(1, instances + 1)}
        proxy = cluster.start_proxy(processes, web)
        with requests.Session() as session:  # every kind of request works before we time it
            rng = random.Random(0)
            for kind, _weight in MIX:
                status = one_request(session, proxy, kind, fixture, rng)
                if not 200 <= status < 300:
                    raise SystemExit(f"{kind} answered {status}; not benchmarking a broken setup")
        groups = [processes.running[name].pid for name in web]
        result = load(proxy, fixture, clients, warmup, seconds, groups)
        result["load"] = os.getloadavg()[0]
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL"), required=False)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per setup")
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args()
    if not args.url:
        raise SystemExit("give --url postgresql+psycopg://… (an empty database)")
    fixture = prepare(args.url)
    rows = {}
    for instances in (1, 2):
        print(f"… {instances} instance(s) × {args.workers} workers, {args.clients} clients, "
              f"{args.seconds:.0f} s", flush=True)
        rows[instances] = run_setup(args.url, instances, args.workers, args.clients,
                                    args.warmup, args.seconds, fixture)
    print(f"\nCPU cores: {os.cpu_count()}; Python {platform.python_version()}\n")
    print("| instances | workers | clients | requests | req/s | median ms | p95 ms | errors "
          "| web CPU ms per request | load average |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for instances, row in rows.items():
        print(f"| {instances} | {instances * args.workers} | {args.clients} | {row['requests']} "
              f"| {row['rps']:.1f} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} "
              f"| {row['errors']} | {row['cpu_ms']:.1f} | {row['load']:.1f} |")
    print(f"\nScaling ratio (2 instances / 1): {rows[2]['rps'] / rows[1]['rps']:.2f}")
    for instances, row in rows.items():
        if row["failed"]:
            print(f"Failed requests with {instances} instance(s): {row['failed']}")


if __name__ == "__main__":
    main()
