"""GET /api/v1/expertise-areas: every area with its fi/sv/en names, no sign-in needed."""

from __future__ import annotations

import csv
from pathlib import Path

import app as app_package

AREAS_CSV = Path(app_package.__file__).parent / "data" / "expertise-areas.csv"


def shipped_areas() -> dict[str, dict[str, str]]:
    with open(AREAS_CSV, newline="", encoding="utf-8") as handle:
        return {
            row["slug"]: {"fi": row["name_fi"], "sv": row["name_sv"], "en": row["name_en"]}
            for row in csv.DictReader(handle)
        }


def test_expertise_areas_without_sign_in(app, client):
    response = client.get("/api/v1/expertise-areas")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "next"}
    assert body["next"] is None
    items = body["items"]
    assert len(items) == 16
    assert all(set(item) == {"slug", "name"} for item in items)
    assert {item["slug"]: item["name"] for item in items} == shipped_areas()
    assert len({item["slug"] for item in items}) == len(items)
