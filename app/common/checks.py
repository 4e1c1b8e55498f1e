"""Helpers for writing check constraints that read the same on every database."""

from __future__ import annotations

from sqlalchemy import CheckConstraint


def one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``values``."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)
