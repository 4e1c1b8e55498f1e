"""Read helpers for expert pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.experts.models import APPLIED, INFO_REQUESTED, ExpertProfile
from app.extensions import db


def verification_queue() -> list[ExpertProfile]:
    """Applicants waiting for a coordinator's decision, oldest first."""
    return list(
        db.session.scalars(
            select(ExpertProfile)
            .where(ExpertProfile.status.in_((APPLIED, INFO_REQUESTED)))
            .options(
                selectinload(ExpertProfile.trainings),
                selectinload(ExpertProfile.user),
                selectinload(ExpertProfile.home_municipality),
            )
            .order_by(ExpertProfile.created_at, ExpertProfile.id)
        )
    )
