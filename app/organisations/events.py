"""What organisations tell the domains above it (bookings) through app/common/events.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OrganisationApproved:
    """A coordinator approved the organisation: its submitted orders, which waited, go on."""

    organisation_id: int
    now: datetime
