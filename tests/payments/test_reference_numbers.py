"""Finnish reference numbers (7-3-1) and RF creditor references (ISO 11649)."""

from __future__ import annotations

import random

import pytest
from stdnum import iso11649

from app.payments.reference_numbers import (
    check_digit,
    finnish_reference,
    format_finnish,
    format_rf,
    is_valid_finnish_reference,
    is_valid_rf_reference,
    normalize_reference,
    rf_reference,
)


@pytest.mark.parametrize(
    ("base", "reference"),
    [
        # Examples printed in Finnish banks' and Finance Finland's guides.
        ("123", "1232"),
        ("123456", "1234561"),
        ("1234567", "12345672"),
        ("1000", "10003"),
        ("1009", "10090"),  # a weighted sum that is a multiple of ten gives 0
    ],
)
def test_check_digit_of_known_references(base, reference):
    assert finnish_reference(base) == reference
    assert is_valid_finnish_reference(reference)


@pytest.mark.parametrize(
    "value",
    ["1233", "1234560", "12345671", "123", "12a2", "", "1" * 21, "１２３２"],
)
def test_wrong_or_malformed_finnish_references_fail(value):
    assert not is_valid_finnish_reference(value)


def test_spaces_in_a_finnish_reference_are_allowed():
    assert is_valid_finnish_reference("1234 5672")
    assert format_finnish("12345672") == "123 45672"
    assert format_finnish("123456789012344") == "12345 67890 12344"


def test_check_digit_refuses_a_base_of_the_wrong_length():
    with pytest.raises(ValueError):
        check_digit("12")
    with pytest.raises(ValueError):
        check_digit("1" * 20)


@pytest.mark.parametrize(
    ("finnish", "rf"),
    [
        # Finance Finland's example of the RF form of a domestic reference.
        ("1232", "RF111232"),
        ("12345672", "RF8512345672"),
    ],
)
def test_rf_form_of_known_references(finnish, rf):
    assert rf_reference(finnish) == rf
    assert is_valid_rf_reference(rf)
    assert normalize_reference(rf) == finnish


@pytest.mark.parametrize(
    "value", ["RF18 5390 0754 7034", "rf18539007547034", "RF18000000000539007547034"]
)
def test_iso_11649_examples_are_valid(value):
    assert is_valid_rf_reference(value)


@pytest.mark.parametrize(
    "value", ["RF19 5390 0754 7034", "RF18", "XX18539007547034", "RF1853900754703!"]
)
def test_wrong_rf_references_fail(value):
    assert not is_valid_rf_reference(value)


def test_rf_agrees_with_an_independent_implementation():
    """python-stdnum's ISO 11649 check accepts every RF form we make, and no altered one."""
    rng = random.Random(15)
    for _ in range(300):
        base = str(rng.randrange(100, 10**rng.randrange(3, 19)))
        finnish = finnish_reference(base)
        rf = rf_reference(finnish)
        assert iso11649.is_valid(rf), rf
        altered = rf[:4] + str((int(rf[4]) + 1) % 10) + rf[5:]
        assert not iso11649.is_valid(altered)
        assert not is_valid_rf_reference(altered)


def test_normalize_takes_either_form_and_drops_bank_padding():
    assert normalize_reference("0000 0012 3456 72") == "12345672"
    assert normalize_reference(" RF85 1234 5672 ") == "12345672"
    assert normalize_reference("12345673") is None
    assert normalize_reference("RF86 1234 5672") is None
    assert normalize_reference("") is None
    assert format_rf("RF8512345672") == "RF85 1234 5672"
    with pytest.raises(ValueError):
        rf_reference("12345673")
