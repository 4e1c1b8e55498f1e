"""Two-factor codes (TOTP, RFC 6238) of the staff: new secrets, the otpauth address, the
time step a six-digit code belongs to. Pure: no Flask, no database."""

from __future__ import annotations

from datetime import datetime

import pyotp

ISSUER = "Kokemuspankki"
#: Codes of the previous and the next 30-second step are accepted too (clock drift).
VALID_WINDOW = 1


def new_secret() -> str:
    """A fresh random base32 secret (160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` address an authenticator app reads (shown as text, no QR service)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four characters, easier to type: "KOKE MUSP ANKK …"."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


#: Seconds of one time step.
STEP_SECONDS = 30


def time_step(now: datetime) -> int:
    """The number of the 30-second step that ``now`` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: object, now: datetime,
                  after_step: int | None = None) -> int | None:
    """The time step around ``now`` whose code ``code`` is (six digits, spaces allowed), or
    None. Only steps later than ``after_step`` count: a code is accepted once."""
    text = str(code or "").replace(" ", "").strip()
    if len(text) != 6 or not text.isdigit():
        return None
    generator = pyotp.TOTP(secret)
    current = time_step(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue
        if pyotp.utils.strings_equal(generator.at(step * STEP_SECONDS), text):
            return step
    return None


def code_is_valid(secret: str, code: object, now: datetime) -> bool:
    """Whether ``code`` is the secret's code around ``now`` (used or not)."""
    return matching_step(secret, code, now) is not None
