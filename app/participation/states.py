"""The participation state machines: groups, members, topics, follow-ups, anonymous messages."""

from app.common.statemachine import StateMachine

GROUP = StateMachine(
    "group",
    {
        ("forming", "activate"): "active",
        ("forming", "close"): "closed",
        #: An active group that no longer meets its rule (e.g. members left) forms again.
        ("active", "lapse"): "forming",
        ("active", "close"): "closed",
        ("closed", "reopen"): "forming",
    },
)
GROUP_STATUSES = GROUP.states

#: Nobody is put into a group without consent: a member starts "invited" and only the person
#: accepts (or declines); someone without an account is added "active" by the group's lead.
MEMBER = StateMachine("group member", {
    ("invited", "accept"): "active",
    ("invited", "decline"): "declined",
    ("active", "leave"): "left",
    ("left", "reinvite"): "invited",
    ("declined", "reinvite"): "invited",
})
MEMBER_STATUSES = MEMBER.states

TOPIC = StateMachine(
    "topic",
    {
        ("proposed", "schedule"): "on_agenda",
        ("proposed", "decline"): "declined",
        ("proposed", "finish"): "done",
        ("on_agenda", "finish"): "done",
        ("on_agenda", "decline"): "declined",
        ("on_agenda", "unschedule"): "proposed",
        ("declined", "reopen"): "proposed",
    },
)
TOPIC_STATUSES = TOPIC.states

FOLLOW_UP = StateMachine("follow-up", {("open", "finish"): "done", ("done", "reopen"): "open"})
FOLLOW_UP_STATUSES = FOLLOW_UP.states

CHANNEL = StateMachine(
    "anonymous feedback",
    {
        ("new", "read"): "read",
        ("new", "forward"): "forwarded",
        ("read", "forward"): "forwarded",
        ("forwarded", "forward"): "forwarded",
        ("new", "archive"): "archived",
        ("read", "archive"): "archived",
        ("forwarded", "archive"): "archived",
        ("archived", "restore"): "read",
    },
)
CHANNEL_STATUSES = CHANNEL.states
