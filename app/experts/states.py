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
        # The account was closed (app/privacy), or the administrator gave the person
        # another role (app/admin/users.py): the profile stays for history.
        **{(status, "retire"): RETIRED
           for status in (APPLIED, INFO_REQUESTED, VERIFIED, PAUSED, REJECTED)},
    },
)

#: Statuses in which the applicant may still add training records and certificates.
APPLICATION_OPEN = (APPLIED, INFO_REQUESTED)
