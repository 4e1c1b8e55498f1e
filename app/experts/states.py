"""The expert's state machine (DESIGN.md, "Users and their journeys"): the only place it is defined.

An applicant is verified, asked for more information or rejected by a
coordinator; an applicant asked for more information sends the application
again; a verified expert may take a break and come back.
"""

from app.common.statemachine import StateMachine
from app.experts.models import APPLIED, INFO_REQUESTED, PAUSED, REJECTED, RETIRED, VERIFIED

EXPERT_PROFILE = StateMachine(
    "expert",
    {
        (APPLIED, "approve"): VERIFIED,
        (INFO_REQUESTED, "approve"): VERIFIED,
        (APPLIED, "request_info"): INFO_REQUESTED,
        (INFO_REQUESTED, "request_info"): INFO_REQUESTED,
        (APPLIED, "reject"): REJECTED,
        (INFO_REQUESTED, "reject"): REJECTED,
        (INFO_REQUESTED, "resubmit"): APPLIED,
        (VERIFIED, "pause"): PAUSED,
        (PAUSED, "pause"): PAUSED,
        (PAUSED, "resume"): VERIFIED,
        # The administrator gives the person another role: the profile stays for history.
        (APPLIED, "retire"): RETIRED,
        (INFO_REQUESTED, "retire"): RETIRED,
        (VERIFIED, "retire"): RETIRED,
        (PAUSED, "retire"): RETIRED,
    },
)

#: Statuses in which the applicant may still add training records and certificates.
APPLICATION_OPEN = (APPLIED, INFO_REQUESTED)
