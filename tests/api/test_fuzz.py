"""Schemathesis fuzzes every operation of /api/v1/openapi.json (issue 11, point 6).

Each operation gets ``EXAMPLES`` generated requests, valid and invalid ones (positive and
negative generation), each with the bearer token of one of the roles (drawn per example,
so every operation meets every role, and sometimes no token at all). A 5xx answer or an
answer that does not match the documented schema fails the test; the report names the
operation, the request and the answer. The run is deterministic (derandomised) and
bounded: no shrinking, no example database, a few seconds per operation.

The app runs on a scratch database of its own with committed data (the operations commit),
on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.extensions import db
from tests.support import concurrency
from tests.support.databases import on_postgres
from tests.support.two_factor import sign_in_post

#: Generated requests per operation (about 40 operations).
EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance]
#: Operations that end the tokens or the accounts the others use: fuzzed last, in this order.
LAST = ["DELETE /api/v1/auth/token", "POST /api/v1/me/close"]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    with concurrency.committing_app(tmp_path_factory.mktemp("fuzz"), "app_fuzz", 1) as app:
        yield app


@pytest.fixture(scope="module")
def tokens(fuzz_app) -> list[str | None]:
    """A bearer token of each role (an organisation's admin and member, an expert, the
    staff), with orders, bookings and reports for them to find; None: no token."""
    from tests import factories

    with fuzz_app.app_context():
        cast = factories.cast()
        _work_for(cast)
        db.session.commit()
        client = fuzz_app.test_client()
        found = []
        for number, email in enumerate((cast.a_admin, cast.a_member, cast.expert,
                                        cast.coordinator, cast.finance, cast.admin)):
            response = sign_in_post(client, "/api/v1/auth/token", email, {}, json={
                "email": email, "password": factories.DEFAULT_PASSWORD},
                environ_base={"REMOTE_ADDR": f"10.9.0.{number + 1}"})
            assert response.status_code == 200, response.get_data(as_text=True)
            found.append(response.get_json()["token"])
        db.session.remove()
    return [*found, None]


def _work_for(cast) -> None:
    """Invitations, coming bookings (one of a series) and reported past work for the cast's
    expert."""
    from datetime import timedelta

    from app.common.timeutil import utcnow
    from app.experts.models import ExpertProfile
    from app.organisations.models import Organisation
    from tests import factories

    expert = db.session.get(ExpertProfile, cast.expert_id)
    organisation = db.session.get(Organisation, cast.org_a)
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    for days, status in ((12, "booked"), (-3, "booked"), (-5, "reported"), (-8, "confirmed")):
        order = factories.order(organisation, status="filled",
                                sessions=[(hour + timedelta(days=days), 60)])
        factories.booking(order, expert, status=status)
    # A coming series, for PATCH with the times of its sessions.
    series = factories.order(organisation, status="filled", series_template="co_development_3",
                             sessions=[(hour + timedelta(days=days), 120) for days in (30, 37, 44)])
    factories.booking(series, expert)


def _operations(fuzz_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda operation: (
        LAST.index(operation.label) if operation.label in LAST else -1, operation.label))


def fuzz_operation(operation, tokens, statuses: Counter) -> str | None:
    """Send ``EXAMPLES`` generated requests to one operation; the first failure, or None.
    ``statuses`` counts the answers' status codes."""
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], print_blob=False,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy, token=st.sampled_from(tokens))
    def fuzz(case, token):
        # Our token replaces the random one schemathesis makes up for the bearer scheme.
        generated = {k: v for k, v in (case.headers or {}).items()
                     if k.lower() != "authorization"}
        case.headers = {**generated, **({"Authorization": f"Bearer {token}"} if token else {})}
        headers = dict(case.headers)
        response = case.call()
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        fuzz()
    except Exception as error:  # noqa: BLE001 - a server error raised in testing mode, too
        return f"{operation.label}: {type(error).__name__}: {str(error)[:2000]}"
    return None


@pytest.mark.skipif(not on_postgres(), reason="fuzzed in the PostgreSQL pass, where ids "
                    "beyond the integer range and NUL bytes fail (SQLite takes both)")
def test_no_operation_answers_5xx_or_off_its_schema(fuzz_app, tokens):
    operations = _operations(fuzz_app)
    assert len(operations) >= 30, [operation.label for operation in operations]
    statuses: Counter = Counter()
    failures = [failure for operation in operations
                if (failure := fuzz_operation(operation, tokens, statuses)) is not None]
    print(f"schemathesis: {len(operations)} operations, {EXAMPLES} examples each, "
          f"{len(failures)} failing; answers {dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(failures)
    # The requests reached the handlers: signed in, valid enough to succeed now and then.
    assert sum(n for status, n in statuses.items() if status < 300) >= len(operations), statuses
