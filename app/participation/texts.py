"""Plain-language names of participation's codes, shown instead of raw values."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from app.participation.rules import Shortfall

GROUP_KIND = {
    "client_panel": _l("Client panel"),
    "participation_group": _l("Client participation group"),
    "developer_group": _l("Regional developer group"),
}
GROUP_KIND_HINT = {
    "client_panel": _l("Clients from different services develop the services together. "
                       "Needs at least ten members, a chair and a secretary."),
    "participation_group": _l("Clients or their relatives and professionals develop and "
                              "evaluate services together. Needs a responsible person."),
    "developer_group": _l("Groups in different places bring clients' views to the work. "
                          "Needs a responsible person and a key person."),
}
GROUP_STATUS = {
    "forming": _l("Being formed"),
    "active": _l("Active"),
    "closed": _l("Closed"),
}
GROUP_ROLE = {
    "member": _l("Member"),
    "chair": _l("Chair"),
    "secretary": _l("Secretary"),
    "key_person": _l("Key person"),
    "responsible": _l("Responsible person"),
}
MEMBER_KIND = {
    "expert": _l("Experience expert"),
    "client": _l("Client"),
    "relative": _l("Relative"),
    "staff": _l("Professional"),
}
MEMBER_STATUS = {"active": _l("Member"), "left": _l("Has left")}
TOPIC_STATUS = {
    "proposed": _l("Proposed"),
    "on_agenda": _l("On a meeting's agenda"),
    "done": _l("Handled"),
    "declined": _l("Not taken up"),
}
TOPIC_SOURCE = {
    "member": _l("Proposed by a member"),
    "organisation": _l("Proposed by the organisation"),
    "bank": _l("Proposed by the bank"),
}
ENTRY_KIND = {
    "agenda": _l("Agenda"),
    "notes": _l("Notes"),
    "idea": _l("Idea"),
    "decision": _l("Decision"),
}
FOLLOW_UP_STATUS = {"open": _l("To do"), "done": _l("Done")}
CHANNEL_TOPIC = {
    "services": _l("Services and how they work"),
    "treatment": _l("How I was treated"),
    "accessibility": _l("Accessibility"),
    "experts": _l("Experience experts' work"),
    "other": _l("Something else"),
}
CHANNEL_STATUS = {
    "new": _l("New"),
    "read": _l("Read"),
    "forwarded": _l("Forwarded"),
    "archived": _l("Archived"),
}
#: The smiley scale of evaluations: text first, the face only as decoration.
SMILEY = {3: _l("Yes"), 2: _l("Partly"), 1: _l("No")}
SMILEY_FACE = {3: "🙂", 2: "😐", 1: "🙁"}
#: How the cooperation worked, 1–5.
RATING = {
    5: _l("Very well"),
    4: _l("Well"),
    3: _l("Partly well, partly badly"),
    2: _l("Badly"),
    1: _l("Very badly"),
}
RATING_FACE = {5: "😀", 4: "🙂", 3: "😐", 2: "🙁", 1: "😞"}
HEARD = {True: _l("Yes"), False: _l("No"), None: _l("I cannot say")}


def shortfall_text(shortfall: Shortfall) -> str:
    if shortfall.code == "too_few_members":
        return str(_l("The group needs at least %(needed)s members. Now it has %(have)s.",
                      needed=shortfall.needed, have=shortfall.have))
    return str(_l("The group needs a person in this task: %(role)s.",
                  role=GROUP_ROLE.get(shortfall.role, shortfall.role)))


def person_name(user) -> str:
    """How a person is named in a group's records: experts by the name they show (their
    full name stays private), everyone else by their name."""
    if user is None:
        return ""
    profile = getattr(user, "expert_profile", None)
    return profile.display_name if profile is not None else user.full_name


def _label(table: dict, code) -> str:
    return str(table.get(code, code if code is not None else ""))


def init_app(app: Flask) -> None:
    """Jinja filters: ``{{ group.kind|group_kind }}`` and so on."""
    for name, table in {
        "group_kind": GROUP_KIND,
        "group_status": GROUP_STATUS,
        "group_role": GROUP_ROLE,
        "member_kind": MEMBER_KIND,
        "member_status": MEMBER_STATUS,
        "topic_status": TOPIC_STATUS,
        "topic_source": TOPIC_SOURCE,
        "entry_kind": ENTRY_KIND,
        "follow_up_status": FOLLOW_UP_STATUS,
        "channel_topic": CHANNEL_TOPIC,
        "channel_status": CHANNEL_STATUS,
        "smiley": SMILEY,
        "rating": RATING,
        "heard": HEARD,
    }.items():
        app.jinja_env.filters[name] = lambda code, table=table: _label(table, code)
    app.jinja_env.filters["shortfall"] = shortfall_text
    app.jinja_env.filters["person"] = person_name
    app.jinja_env.filters["decimal"] = _decimal


def _decimal(value) -> str:
    """A figure such as 2.50 as "2,50" (fi, sv) or "2.50" (en); empty for None."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.00")
