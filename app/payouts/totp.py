"""Two-factor codes (TOTP, RFC 6238) for finance users: new secrets, the otpauth address,
checking a six-digit code."""

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


def code_is_valid(secret: str, code: object, now: datetime) -> bool:
    """Whether ``code`` (six digits, spaces allowed) is the secret's code around ``now``."""
    text = str(code or "").replace(" ", "").strip()
    if len(text) != 6 or not text.isdigit():
        return False
    return pyotp.TOTP(secret).verify(text, for_time=now, valid_window=VALID_WINDOW)
