"""Distances between municipality centres: great-circle distance × 1.3 for roads.

Pure functions, no Flask, no database. Coordinates are WGS84 degrees.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_KM = 6371.0088
#: Roads are longer than the straight line; DESIGN.md fixes the factor at 1.3.
ROAD_FACTOR = 1.3


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The haversine distance in kilometres."""
    phi1, phi2 = radians(lat1), radians(lat2)
    d_phi, d_lambda = phi2 - phi1, radians(lon2 - lon1)
    a = sin(d_phi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))


def road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> Decimal:
    """The estimated one-way road distance, to a tenth of a kilometre."""
    km = great_circle_km(lat1, lon1, lat2, lon2) * ROAD_FACTOR
    return Decimal(repr(km)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
