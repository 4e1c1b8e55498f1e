"""A tiny state-machine helper: each domain owns a transition table and uses this."""

from __future__ import annotations

from collections.abc import Mapping

from app.common.errors import Conflict


class IllegalTransition(Conflict):
    """A state change that the domain's transition table does not allow: a domain error
    (409 ``illegal_transition`` in the API, a friendly message on the pages), e.g.
    declining an accepted invitation or disputing a confirmed report."""

    code = "illegal_transition"

    def __init__(self, machine: str, state: str, action: str):
        super().__init__(
            "This is not possible in the current state. Reload the page and check."
        )
        self.detail = f"{machine}: cannot {action} from {state}"
        self.machine = machine
        self.state = state
        self.action = action


class StateMachine:
    """A transition table ``{(state, action): new_state}`` with a name for errors."""

    def __init__(self, name: str, transitions: Mapping[tuple[str, str], str]):
        self.name = name
        self.transitions = dict(transitions)
        self.states = tuple(
            dict.fromkeys([s for s, _ in self.transitions] + list(self.transitions.values()))
        )

    def next_state(self, state: str, action: str) -> str:
        try:
            return self.transitions[(state, action)]
        except KeyError:
            raise IllegalTransition(self.name, state, action) from None

    def can(self, state: str, action: str) -> bool:
        return (state, action) in self.transitions

    def apply(self, obj, action: str) -> str:
        """Move ``obj.status`` along ``action``; raises `IllegalTransition` if not allowed."""
        obj.status = self.next_state(obj.status, action)
        return obj.status
