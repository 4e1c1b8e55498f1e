"""E-invoice addresses (OVT = 0037 + business ID digits + optional suffix) and operator IDs."""

from __future__ import annotations

import pytest

from app.organisations.einvoice import normalize_operator, normalize_ovt, ovt_for


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("003701120389", "003701120389"),  # Nokia Oyj, business ID 0112038-9
        ("0037 0112038-9", "003701120389"),
        ("003712345671", "003712345671"),
        ("003712345671sote", "003712345671SOTE"),
        ("00371234567112345", "00371234567112345"),
    ],
)
def test_valid_ovt_codes(value, expected):
    assert normalize_ovt(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "003712345672",  # wrong check digit of the business ID
        "003812345671",  # not the Finnish prefix
        "0037123456",  # too short
        "003712345671123456",  # suffix longer than 5
        "003712345671ÄÖ",
        "",
    ],
)
def test_invalid_ovt_codes(value):
    assert normalize_ovt(value) is None


def test_ovt_must_be_the_organisations_own_when_asked():
    assert normalize_ovt("003712345671", "1234567-1") == "003712345671"
    assert normalize_ovt("003701120389", "1234567-1") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NDEAFIHH", "NDEAFIHH"),
        ("ndeafihh", "NDEAFIHH"),
        ("OKOYFIHH", "OKOYFIHH"),
        ("003721291126", "003721291126"),  # Maventa
        ("E204503", "E204503"),  # OpusCapita
    ],
)
def test_valid_operators(value, expected):
    assert normalize_operator(value) == expected


@pytest.mark.parametrize("value", ["", "ABC", "003712345672", "NDEA FIHH!", "X" * 18])
def test_invalid_operators(value):
    assert normalize_operator(value) is None


def test_ovt_for_a_business_id():
    assert ovt_for("1234567-1") == "003712345671"
    assert ovt_for("1234567-1", "sote") == "003712345671SOTE"
    with pytest.raises(ValueError):
        ovt_for("1234567-2")
    with pytest.raises(ValueError):
        ovt_for("1234567-1", "TOOLONG")
