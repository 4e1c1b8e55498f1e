"""The personal identity code (henkilötunnus): validation, encryption, masking.

Pure except for the key, which comes from a configuration mapping:
``IDENTITY_CODE_KEY`` (a Fernet key, required in production) or, outside
production, a key derived from ``SECRET_KEY``. The database only ever holds
the Fernet token. A code is DDMMYY, a century sign, a three-digit individual
number and a check character: the remainder of the nine digits divided by 31
picks it from "0123456789ABCDEFHJKLMNPRSTUVWXY". Century signs: ``+`` 1800s;
``-`` and (since 2023) ``Y X W V U`` 1900s; ``A`` and (since 2023)
``B C D E F`` 2000s.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURIES = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}
_SHAPE = re.compile(r"(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])")


def N_(text: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown."""
    return text


#: Why an identity code was refused, as the expert reads it.
IDENTITY_CODE_ERRORS = {
    "format": N_("Write the personal identity code in the form 131052-308T: the date of "
                 "birth, a sign for the century, three digits and a check character."),
    "date": N_("The date of birth in the personal identity code is not a real date. "
               "Check it."),
    "individual_number": N_("The personal identity code is not right. Check the three "
                            "digits after the century sign."),
    "check_character": N_("The last character of the personal identity code does not match "
                          "the rest. Check every character."),
}


class InvalidIdentityCode(ValueError):
    """The text is not a valid personal identity code; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalize_identity_code(text: str, today: date | None = None) -> str:
    """The code in upper case without spaces, checked; else `InvalidIdentityCode`.

    Reasons: ``format`` (not DDMMYYCZZZQ or an unknown century sign), ``date``
    (no such day, or after ``today``: a wrong century sign), ``individual_number``
    (000 or 001) and ``check_character``.
    """
    code = "".join((text or "").split()).upper()
    match = _SHAPE.fullmatch(code)
    if match is None:
        raise InvalidIdentityCode("format")
    day, month, year, sign, individual, check = match.groups()
    try:
        born = date(CENTURIES[sign] + int(year), int(month), int(day))
    except ValueError:
        raise InvalidIdentityCode("date") from None
    if born > (today or date.today()):
        raise InvalidIdentityCode("date")
    if int(individual) < 2:
        raise InvalidIdentityCode("individual_number")
    if CHECK_CHARACTERS[int(day + month + year + individual) % 31] != check:
        raise InvalidIdentityCode("check_character")
    return code


def birth_date(code: str) -> date:
    """The date of birth of a valid code."""
    code = normalize_identity_code(code)
    return date(CENTURIES[code[6]] + int(code[4:6]), int(code[2:4]), int(code[0:2]))


def mask_identity_code(code: str | None) -> str:
    """The code with only the date part shown: 131052-****."""
    return f"{code[:6]}-****" if code else ""


def fernet_for(config: Mapping) -> Fernet:
    """The Fernet of ``IDENTITY_CODE_KEY``, or outside production one derived from
    ``SECRET_KEY`` (so development and tests need no extra setting)."""
    key = config.get("IDENTITY_CODE_KEY")
    if key:
        return _fernet(key)
    if config.get("ENV_NAME") == "production":
        raise RuntimeError("IDENTITY_CODE_KEY must be set in production")
    secret = str(config.get("SECRET_KEY") or "").encode("utf-8")
    if not secret:
        raise RuntimeError("SECRET_KEY is needed to derive the identity code key")
    digest = hashlib.sha256(b"kokemuspankki identity code key\x00" + secret).digest()
    return _fernet(base64.urlsafe_b64encode(digest))


@lru_cache(maxsize=8)
def _fernet(key: str | bytes) -> Fernet:
    """One Fernet per key (a payroll file decrypts a code per payee)."""
    return Fernet(key)


def encrypt_identity_code(code: str, config: Mapping) -> str:
    """The Fernet token of a valid code (validated again here)."""
    return fernet_for(config).encrypt(normalize_identity_code(code).encode("ascii")).decode("ascii")


def decrypt_identity_code(token: str | None, config: Mapping) -> str | None:
    """The plain code of a stored token (None when there is none).

    A token made with another key raises `InvalidToken`: the key was changed
    without re-encrypting, which must not pass silently.
    """
    if not token:
        return None
    return fernet_for(config).decrypt(token.encode("ascii")).decode("ascii")


__all__ = [
    "IDENTITY_CODE_ERRORS",
    "InvalidIdentityCode",
    "InvalidToken",
    "birth_date",
    "decrypt_identity_code",
    "encrypt_identity_code",
    "fernet_for",
    "mask_identity_code",
    "normalize_identity_code",
]
