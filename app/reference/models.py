"""Expertise areas, municipalities (with centre coordinates) and postcodes."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ExpertiseArea(db.Model):
    __tablename__ = "expertise_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_fi: Mapped[str] = mapped_column(String(200))
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: False once the administrator retires it: kept for history, not offered for new work.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The administrator's order of the areas in lists (smallest first).
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_fi


class Municipality(db.Model):
    __tablename__ = "municipalities"

    #: Statistics Finland's three-digit municipality code, e.g. "609" for Pori.
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name_fi: Mapped[str] = mapped_column(String(100))
    name_sv: Mapped[str] = mapped_column(String(100))
    region_fi: Mapped[str] = mapped_column(String(100))
    region_sv: Mapped[str] = mapped_column(String(100))
    #: Centre coordinates (WGS84 degrees) for distance estimates, not routing.
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_fi

    def region(self, language: str) -> str:
        return self.region_sv if language == "sv" else self.region_fi


class Postcode(db.Model):
    __tablename__ = "postcodes"

    postcode: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_fi: Mapped[str] = mapped_column(String(100))
    name_sv: Mapped[str] = mapped_column(String(100))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
