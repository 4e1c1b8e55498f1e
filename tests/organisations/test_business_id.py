"""Finnish business IDs (Y-tunnus): the check digit, old six-digit IDs, anything else refused."""

from __future__ import annotations

import pytest

from app.organisations.business_id import normalize_business_id

WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("0828159-9", "0828159-9"),  # remainder 2 -> 9
        ("0112038-9", "0112038-9"),  # Nokia Oyj
        ("1234567-1", "1234567-1"),  # remainder 10 -> 1
        ("7654321-2", "7654321-2"),  # remainder 9 -> 2
        ("2000100-0", "2000100-0"),  # remainder 0 -> 0
        (" 0828159-9 ", "0828159-9"),  # surrounding spaces
        ("828159-9", "0828159-9"),  # old six-digit form gets its leading zero
        ("112038-9", "0112038-9"),
        ("123456-2", "0123456-2"),
    ],
)
def test_valid(typed, normalized):
    assert normalize_business_id(typed) == normalized


@pytest.mark.parametrize(
    "typed",
    ["0828159-8", "0828159-0", "1234567-2", "0112038-1", "2000100-1", "828159-8", "123456-3"],
)
def test_wrong_check_digit(typed):
    assert normalize_business_id(typed) is None


@pytest.mark.parametrize("digits", ["0000006", "0000030", "1000040"])
@pytest.mark.parametrize("check", range(10))
def test_remainder_one_is_never_valid(digits, check):
    assert sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11 == 1
    assert normalize_business_id(f"{digits}-{check}") is None


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "abc",
        "0828159",  # no check digit
        "08281599",  # no hyphen
        "0828159-",
        "0828159-99",
        "00828159-9",  # eight digits
        "12345-1",  # five digits
        "0828159 9",
        "0828159\u20139",  # en dash
        "O828159-9",  # letter O
        "FI08281599",
        "0828159-9x",
        "0828159-9\n1234567-1",
        "٠٨٢٨١٥٩-٩",  # Arabic-Indic digits
    ],
)
def test_garbage(typed):
    assert normalize_business_id(typed) is None


def reference_check_digit(digits: str) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11
    return None if remainder == 1 else (0 if remainder == 0 else 11 - remainder)


def test_exactly_one_check_digit_fits_unless_remainder_one():
    for number in range(0, 10_000_000, 7919):
        digits = f"{number:07d}"
        accepted = [c for c in range(10) if normalize_business_id(f"{digits}-{c}")]
        expected = reference_check_digit(digits)
        assert accepted == ([] if expected is None else [expected]), digits
