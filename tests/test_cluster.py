"""The whole service as it runs on several hosts, with parts of it killed half-way.

On loopback: a fresh PostgreSQL database, a throwaway Redis for the rate limits,
an aiosmtpd server as the SMTP relay, two gunicorn instances of two workers
each behind HAProxy (round robin), and two `flask scheduler` processes with
short job intervals. The workload goes through the proxy: orders, invitations,
50 concurrent accepts, sign-ins, the token endpoint's and the anonymous
channel's rate limits, reports, confirmations and the mail they cause. When the
first half is done and its mail is out, one web instance (with its workers) and
the scheduler that ran the latest job are killed with SIGKILL; the second half
runs on what is left.

Afterwards: no order is overbooked; every due job slot ran exactly once; every
outbox mail reached the SMTP server exactly once; the limits were shared by the
instances; a session made on one instance worked on the other; the surviving
instance answered no request with a 5xx.

Runs on the PostgreSQL run of `make test` only (PostgreSQL is the database of a
multi-host deployment; SQLite is one process's database).
"""

from __future__ import annotations

import re
import shutil
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from tests.support import cluster
from tests.support.databases import build_schema, on_postgres, scratch_database

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(not on_postgres(), reason="the cluster runs on PostgreSQL"),
    pytest.mark.skipif(not (shutil.which(cluster.HAPROXY) and shutil.which(cluster.REDIS_SERVER)),
                       reason="haproxy and redis-server are needed (tests/support/system-deps.sh)"),
]

SECRET = "cluster-test-secret"
ACCEPTERS = 50
PAST_WORK = 6
#: Short job intervals so the test sees many slots; every scheduler gets the same.
INTERVALS = {"deliver_mail": 2, "expire_invitations": 2, "expire_unfilled_orders": 4,
             "send_reminders": 4, "request_reports": 4, "end_finished_breaks": 4,
             "invoicing_run": 4, "impact_report_requests": 4, "feedback_requests": 4}
TRAVEL = {"km_driven": "84", "passengers": 1, "public_transport_eur": "0",
          "parking_eur": "4.50", "trip_hours": "7", "one_way_km": "42", "free_meals": 1}


class Traffic:
    """Every request sent through the proxy, with the instance that answered it."""

    def __init__(self, base: str):
        self.base = base
        self.lock = threading.Lock()
        self.answers: list[tuple[str, int, str]] = []  # (served by, status, path)

    def send(self, method: str, path: str, token: str | None = None,
             session: requests.Session | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = (session or requests).request(method, self.base + path, headers=headers,
                                                 timeout=60, allow_redirects=False, **kwargs)
        with self.lock:
            self.answers.append((response.headers.get("X-Served-By", "-"),
                                 response.status_code, path))
        return response


def csrf_of(response: requests.Response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', response.text)
    assert match, "no csrf_token on the page"
    return match.group(1)


def sign_in(instance: str, email: str) -> requests.Session:
    from tests.factories import DEFAULT_PASSWORD

    session = requests.Session()
    form = session.get(f"{instance}/login", timeout=30)
    answer = session.post(f"{instance}/login", timeout=30, allow_redirects=False,
                          data={"csrf_token": csrf_of(form), "email": email,
                                "password": DEFAULT_PASSWORD})
    assert answer.status_code == 302, answer.text[:500]
    return session


def signed_in_on(session: requests.Session, instance: str) -> bool:
    answer = session.get(f"{instance}/home", timeout=30, allow_redirects=False)
    return answer.status_code in (200, 302) and "/login" not in answer.headers.get("Location", "")


@pytest.fixture
def cluster_db(tmp_path):
    """A fresh migrated PostgreSQL database, its URL and an app (TestConfig) to set it up."""
    from app import create_app
    from app.extensions import db
    from config import TestConfig

    with scratch_database(tmp_path, "app_cluster") as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        build_schema(app)
        yield url, app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def make_people(app) -> dict:
    """Coordinator, organisation admin, experts, and past work waiting for a report."""
    from app.accounts.services import issue_api_token
    from app.common.timeutil import utcnow
    from app.extensions import db
    from tests import factories

    with app.app_context():
        coordinator = factories.user("coordinator")
        organisation = factories.organisation()
        organiser = factories.organisation_admin(organisation)
        experts = [factories.expert() for _ in range(ACCEPTERS)]
        worked = (utcnow() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        past = []
        for expert in experts[:PAST_WORK]:
            order = factories.order(organisation, status="filled", sessions=[(worked, 90)],
                                    created_by=organiser)
            (assignment,) = factories.booking(order, expert)
            past.append((expert.user, assignment.id))
        db.session.flush()
        people = {
            "coordinator": issue_api_token(coordinator),
            "organiser": issue_api_token(organiser),
            "organiser_email": organiser.email,
            "experts": {e.id: issue_api_token(e.user) for e in experts},
            "past": [(issue_api_token(user), assignment_id) for user, assignment_id in past],
        }
        db.session.commit()
        return people


def new_order(traffic: Traffic, token: str, days: int, needed: int) -> int:
    from app.common.timeutil import to_helsinki, utcnow

    start = (utcnow() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    answer = traffic.send("POST", "/api/v1/orders", token, json={
        "title": f"Kokemuspuheenvuoro {days}", "assignment_type": "lecture",
        "expertise_areas": ["mental-health"], "language": "fi", "experts_needed": needed,
        "starts_at": to_helsinki(start).isoformat(), "duration_minutes": 45, "remote": False,
        "municipality_code": "609", "address": "Itsenäisyydenkatu 33, Pori"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def invite(traffic: Traffic, token: str, order_id: int, expert_ids: list[int]) -> dict[int, int]:
    answer = traffic.send("POST", f"/api/v1/orders/{order_id}/invitations", token,
                          json={"expert_ids": expert_ids})
    assert answer.status_code == 201, answer.text
    items = answer.json()["items"]  # in the order the experts were given
    return {expert_id: item["id"] for expert_id, item in zip(expert_ids, items, strict=True)}


def accept_all(traffic: Traffic, people: dict, invitations: dict[int, int]) -> Counter:
    """Every invited expert accepts at the same moment; returns the statuses."""
    barrier = threading.Barrier(len(invitations))
    statuses: list[int] = []

    def accept(expert_id: int, invitation_id: int) -> None:
        barrier.wait(timeout=60)
        answer = traffic.send("POST", f"/api/v1/invitations/{invitation_id}/accept",
                              people["experts"][expert_id])
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=accept, args=pair) for pair in invitations.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(statuses)


def outbox_counts(app) -> Counter:
    from app.extensions import db
    from app.mail.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, func.count())
                                  .group_by(OutboxMessage.status)).all()
        db.session.remove()
    return Counter(dict(rows))


def wait_for_mail(app, sink: cluster.SmtpSink, timeout: float = 60) -> None:
    """Until nothing waits in the outbox and the relay has every sent mail."""
    def done() -> bool:
        counts = outbox_counts(app)
        return counts["pending"] == 0 and sum(sink.received.values()) >= counts["sent"]

    cluster.wait_until(done, "outbox delivery", timeout)


def job_runs(app) -> list:
    from app.admin.models import JobRun
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(select(JobRun.job, JobRun.slot, JobRun.holder,
                                         JobRun.finished_at)).all()
        db.session.remove()
    return rows


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_cluster_survives_losing_an_instance_and_the_active_scheduler(cluster_db, tmp_path):
    from app.participation.channel.services import make_form_token

    url, app = cluster_db
    people = make_people(app)
    with cluster.Processes(tmp_path) as processes, cluster.SmtpSink() as sink:
        env = cluster.app_environment(
            url, instance_path=tmp_path / "instance", secret_key=SECRET,
            RATELIMIT_STORAGE_URI=cluster.start_redis(processes),
            RATELIMIT_KEY_PREFIX="kp-cluster", PROXY_COUNT="1",
            MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port),
            JOB_INTERVALS=",".join(f"{name}={sec}" for name, sec in INTERVALS.items()))
        web = {name: cluster.start_web(processes, name, env, workers=2)
               for name in ("web1", "web2")}
        proxy = cluster.start_proxy(processes, web)
        env["BASE_URL"] = proxy
        schedulers = {cluster.start_scheduler(processes, name, env): name
                      for name in ("scheduler1", "scheduler2")}
        traffic = Traffic(proxy)

        # --- First half: everything runs. ---------------------------------------------
        big = new_order(traffic, people["organiser"], days=9, needed=2)
        small = new_order(traffic, people["organiser"], days=10, needed=1)
        invitations = invite(traffic, people["coordinator"], big, list(people["experts"]))
        accepts = accept_all(traffic, people, invitations)
        assert accepts == {200: 2, 409: ACCEPTERS - 2}, accepts
        served = Counter(by for by, _status, path in traffic.answers if path.endswith("/accept"))
        assert set(served) == {"web1", "web2"}, served

        # Sessions: signed in on one instance, recognised by the other (and back).
        on_web1 = sign_in(web["web1"], people["organiser_email"])
        on_web2 = sign_in(web["web2"], people["organiser_email"])
        assert signed_in_on(on_web1, web["web2"]) and signed_in_on(on_web2, web["web1"])
        assert not signed_in_on(requests.Session(), web["web2"])

        # The token endpoint's limit is one count for both instances (30 per minute).
        tokens = [traffic.send("POST", "/api/v1/auth/token", json={"email": "x@example.test"})
                  for _ in range(31)]
        assert [t.status_code for t in tokens[:30]] == [422] * 30
        assert tokens[30].status_code == 429
        token_servers = Counter(t.headers["X-Served-By"] for t in tokens)
        assert token_servers["web1"] >= 10 and token_servers["web2"] >= 10, token_servers

        # The anonymous channel's limit likewise (10 posts per minute).
        visitor = requests.Session()
        form = traffic.send("GET", "/feedback/", session=visitor)
        fields = {"csrf_token": csrf_of(form), "topic": "services", "about": "",
                  "website": "", "text": "Jonotin puhelimessa tunnin."}
        posts = []
        for _ in range(11):
            stamp = make_form_token(SECRET, datetime.now(UTC) - timedelta(seconds=10))
            posts.append(traffic.send("POST", "/feedback/", session=visitor,
                                      data={**fields, "form_token": stamp}))
        assert [p.status_code for p in posts[:10]] == [302] * 10, [p.status_code for p in posts]
        assert posts[10].status_code == 429
        assert {p.headers["X-Served-By"] for p in posts} == {"web1", "web2"}

        # The second order gets its expert; then all mail of the first half goes out.
        (first_expert,) = list(people["experts"])[-1:]
        invited = invite(traffic, people["coordinator"], small, [first_expert])
        assert accept_all(traffic, people, invited) == {200: 1}
        wait_for_mail(app, sink)

        # --- Kill one web instance and the scheduler that ran the latest job. ---------
        runs = job_runs(app)
        latest = max(runs, key=lambda row: (as_utc(row.slot), row.finished_at is not None))
        active_pid = int(latest.holder.rsplit(":", 1)[1])
        killed_scheduler = schedulers[active_pid]
        survivor_scheduler = next(n for n in schedulers.values() if n != killed_scheduler)
        killed_holder = latest.holder
        processes.kill("web2")
        processes.kill(killed_scheduler)
        killed_at = datetime.now(UTC)
        # A request the proxy had already handed to the dying instance gets a 502 from the
        # proxy (it cannot know whether a POST was done); wait until it has seen the loss.
        cluster.wait_until(lambda: cluster.proxy_states(processes)["web2"].startswith("DOWN"),
                           "HAProxy noticing the lost instance", 30)

        # --- Second half: what is left carries on. -----------------------------------
        for token, assignment_id in people["past"]:
            reported = traffic.send("POST", f"/api/v1/assignments/{assignment_id}/report",
                                    token, json={"duration_minutes": 90, "remote": False,
                                                 "travel": TRAVEL})
            assert reported.status_code == 200, reported.text
            confirmed = traffic.send("POST", f"/api/v1/assignments/{assignment_id}/confirm",
                                     people["organiser"])
            assert confirmed.status_code == 200, confirmed.text
        later = new_order(traffic, people["organiser"], days=12, needed=1)
        pair = list(people["experts"])[-3:-1]
        assert accept_all(traffic, people, invite(traffic, people["coordinator"], later, pair)
                          ) == {200: 1, 409: 1}
        assert signed_in_on(on_web2, proxy), "a session made on the dead instance still works"
        assert traffic.send("GET", "/home", session=on_web2).status_code in (200, 302)

        # The surviving scheduler takes over: it finishes runs of slots after the kill.
        def survivor_took_over() -> bool:
            return sum(1 for row in job_runs(app)
                       if row.job == "deliver_mail" and row.finished_at is not None
                       and row.holder != killed_holder
                       and as_utc(row.slot) > killed_at + timedelta(seconds=2)) >= 2

        cluster.wait_until(survivor_took_over, "the standby scheduler", 60,
                           processes.log(survivor_scheduler))
        wait_for_mail(app, sink)
        runs = job_runs(app)
        web1_statuses = cluster.access_statuses(processes, "web1")

    # --- What must hold afterwards. ---------------------------------------------------
    from app.bookings.models import Assignment, Order
    from app.extensions import db

    with app.app_context():
        booked = db.session.execute(
            select(Order.id, Order.experts_needed, Assignment.session_id, func.count())
            .join(Assignment, Assignment.order_id == Order.id)
            .group_by(Order.id, Order.experts_needed, Assignment.session_id)).all()
        db.session.remove()
    assert booked, "the workload booked something"
    assert all(count <= needed for _o, needed, _s, count in booked), booked
    assert {order_id: count for order_id, _n, _s, count in booked}[big] == 2

    slots = Counter((row.job, as_utc(row.slot)) for row in runs)
    assert max(slots.values()) == 1
    for job, interval in INTERVALS.items():
        mine = sorted(as_utc(row.slot) for row in runs if row.job == job)
        assert mine, f"{job} never ran"
        expected = [mine[0] + timedelta(seconds=interval * n)
                    for n in range(int((mine[-1] - mine[0]).total_seconds()) // interval + 1)]
        assert mine == expected, f"{job}: a due slot was skipped"
        unfinished = [row for row in runs if row.job == job and row.finished_at is None]
        # Only a run the kill interrupted, or the survivor's run still going at the end.
        assert all(row.holder == killed_holder or as_utc(row.slot) == mine[-1]
                   for row in unfinished), (job, unfinished)
        assert sum(1 for row in unfinished if row.holder == killed_holder) <= 1
    holders = {row.holder for row in runs}
    assert killed_holder in holders and len(holders) == 2, holders

    counts = outbox_counts(app)
    assert counts["pending"] == 0 and counts["failed"] == 0, counts
    assert counts["sent"] >= ACCEPTERS, counts
    assert len(sink.received) == counts["sent"]
    assert set(sink.received.values()) == {1}, "a mail reached the relay twice"

    assert web1_statuses and not any(status >= 500 for status in web1_statuses), web1_statuses
    server_errors = [answer for answer in traffic.answers if answer[1] >= 500]
    assert server_errors == [], server_errors
    print(f"cluster: {len(traffic.answers)} requests through the proxy "
          f"{dict(Counter(by for by, _s, _p in traffic.answers))}, {counts['sent']} mails, "
          f"{len(runs)} job runs by {len(holders)} schedulers, web1 answered "
          f"{dict(web1_statuses)}")
