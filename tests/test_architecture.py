"""The dependency rule of docs/architecture.md, held by a test: no import circle among the
application's modules, and imports run down the layers (a domain never imports one above
it), apart from the listed old exceptions, which may only shrink."""

from __future__ import annotations

import textwrap

import pytest

from tests.support.import_graph import build_graph, cycles, unplaced, upward_imports

#: The layers, top first. A module belongs to the longest name that prefixes it; it may
#: import its own domain and any domain of a lower layer, never one above it nor a
#: neighbour of its own layer. Keep in step with docs/architecture.md.
LAYERS = [
    ["wsgi"],
    ["app"],  # create_app: binds everything
    ["app.cli"],
    ["app.demo"],
    ["app.ops"],  # health, readiness and logging hooks: read the jobs' schedule
    ["app.participation.demo", "app.api", "app.models", "app.jobs"],
    ["app.admin.views"],
    ["app.admin.users"],  # role changes create or retire profiles and memberships
    ["app.privacy"],  # data export and closure read every domain; told of paid batches
    ["app.retention"],  # the daily clean-up reads the domains whose rows it removes
    ["app.reports"],
    ["app.ops.metrics"],  # counters that the job runner feeds
    ["app.participation"],
    ["app.matching"],
    ["app.journeys"],  # "what needs you now" and the order timeline read bookings and money
    ["app.payouts"],
    ["app.experts", "app.payments"],
    ["app.bookings", "app.admin"],
    ["app.fees", "app.organisations"],
    ["app.audit.queries"],  # the audit log page names the actors
    ["app.accounts"],
    ["app.reference.areas"],  # managing expertise areas is audited
    ["app.reference", "app.web", "app.mail", "app.audit"],
    ["app.common", "app.extensions", "config"],
]

#: Imports that ran against the layers before the rule existed (issue 10 broke the
#: circles, not all of these). Remove an entry when its import goes; adding one needs a
#: reason in docs/architecture.md.
KNOWN_UPWARD = {
    # sign-up creates the expert profile or the organisation with the account
    ("app.accounts.services", "app.experts.models"),
    ("app.accounts.services", "app.organisations.business_id"),
    ("app.accounts.services", "app.organisations.models"),
    # work offers and cascades read the experts and rank them with matching
    ("app.bookings.offers", "app.experts.models"),
    ("app.bookings.offers", "app.matching.distance"),
    ("app.bookings.services", "app.experts.models"),
    ("app.bookings.services", "app.matching.services"),
    # the administrators' settings (admin.services) are read by bookings
    ("app.bookings.services", "app.admin.services"),
    ("app.bookings.views", "app.admin.services"),
    # the order estimate measures the travel of the experts
    ("app.fees.estimate", "app.experts.models"),
    ("app.fees.estimate", "app.matching.distance"),
    ("app.organisations.views", "app.bookings.queries"),
    # load-reference seeds the fee schedule, and the payroll's default wage types
    ("app.reference.services", "app.fees.models"),
    ("app.reference.services", "app.payouts.models"),
    # the shared page plumbing knows the fee errors, the offers and the front page's fees
    ("app.web.fields_errors", "app.fees.errors"),
    ("app.web.templating", "app.bookings.offers"),
    ("app.web.views", "app.fees.services"),
    ("app.web.views", "app.fees.views"),
}


@pytest.fixture(scope="module")
def graph():
    return build_graph()


def test_the_graph_reads_the_whole_application(graph):
    assert "app.bookings.services" in graph["app.payouts.services"]
    assert "app.bookings.models" in graph["app.bookings.services"]
    # a lazy import inside a function body counts too
    assert "app.participation.feedback.impact" in graph["app.jobs"]
    assert len(graph) > 100


def test_no_import_circle_remains(graph):
    assert cycles(graph) == []


def test_every_module_has_a_layer(graph):
    assert unplaced(graph, LAYERS) == []


def test_imports_run_down_the_layers(graph):
    found = set(upward_imports(graph, LAYERS))
    assert sorted(found - KNOWN_UPWARD) == [], "a new import runs up (see docs/architecture.md)"
    assert sorted(KNOWN_UPWARD - found) == [], "an old exception is gone: remove it from the list"


# --- the checks themselves, on synthetic graphs and packages ----------------------------------


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b", "d"}, "b": {"a"}, "d": {"e"}, "e": {"d"}}, [["a", "b"], ["d", "e"]]),
        ({"a": {"missing"}}, []),
    ],
)
def test_cycles_finds_every_circle(graph, expected):
    assert cycles(graph) == expected


def _package(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_a_reintroduced_circle_fails_even_when_the_import_is_lazy(tmp_path):
    """The mutation of issue 10 undone: payouts imports bookings at the top, bookings
    imports payouts inside a function (as `_pay_late_cancellation` once did)."""
    _package(tmp_path, {
        "app/__init__.py": "",
        "app/bookings/__init__.py": "",
        "app/bookings/services.py": """
            def cancel():
                from app.payouts.services import create_payout_item
                create_payout_item()
        """,
        "app/payouts/__init__.py": "",
        "app/payouts/services.py": """
            from app.bookings.services import cancel


            def create_payout_item():
                pass
        """,
    })
    graph = build_graph(tmp_path, modules=())
    assert cycles(graph) == [["app.bookings.services", "app.payouts.services"]]


def test_relative_and_submodule_imports_are_resolved(tmp_path):
    _package(tmp_path, {
        "app/__init__.py": "from app.api import routes\n",
        "app/api/__init__.py": "from . import routes  # noqa\n",
        "app/api/core.py": "bp = None\n",
        "app/api/routes.py": "from .core import bp\nfrom app import api\n",
    })
    graph = build_graph(tmp_path, modules=())
    assert graph["app"] == {"app.api.routes"}
    assert graph["app.api"] == {"app.api.routes"}
    assert graph["app.api.routes"] == {"app.api.core", "app.api"}
    assert cycles(graph) == [["app.api", "app.api.routes"]]


def test_an_upward_or_sideways_import_is_reported():
    layers = [["app.payouts"], ["app.bookings", "app.admin"], ["app.common"]]
    graph = {
        "app.payouts.services": {"app.bookings.services", "app.common.errors"},
        "app.bookings.services": {"app.payouts.services", "app.admin.services",
                                  "app.bookings.models"},
        "app.bookings.models": {"app.common.types"},
        "app.admin.services": set(),
        "app.common.errors": set(),
        "app.common.types": set(),
    }
    assert upward_imports(graph, layers) == [
        ("app.bookings.services", "app.admin.services"),
        ("app.bookings.services", "app.payouts.services"),
    ]
    assert unplaced({"app.other": set()}, layers) == ["app.other"]
