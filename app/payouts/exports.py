"""The bank file of a payout batch: the SEPA credit transfer (pain.001.001.03).

The payroll file is in `app.payouts.payroll`.

Plain values in, file contents out; no database. The bank file is built with
``sepaxml`` (amounts as integer cents) and checked against the XSD that ships
with it before anything is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from sepaxml import SepaTransfer
from text_unidecode import unidecode

from app.common.errors import DomainError
from app.common.timeutil import to_helsinki

SEPA_SCHEMA = "pain.001.001.03"
#: Remittance information (Ustrd) and creditor names are cut to these lengths by the standard.
MAX_REMITTANCE = 140
MAX_NAME = 70
#: Characters outside the EPC's basic Latin set of SEPA (a–z, A–Z, 0–9 and / - ? : ( ) . , ' +
#: and the space) after transliteration.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
CENT = Decimal("0.01")

class BankFileInvalid(DomainError):
    """The pain.001 file did not pass its XML schema: nothing is stored."""

    status = 422
    code = "bank_file_invalid"


@dataclass(frozen=True)
class Transfer:
    """One net payment to one expert: the sum of their items' total paid."""

    end_to_end_id: str
    name: str
    iban: str
    amount: Decimal
    remittance: str


def sepa_text(value: str, max_length: int = MAX_NAME) -> str:
    """Text in the SEPA character set: transliterated (ä→a, ö→o, å→a, ß→ss, Ł→L…), the rest dropped.

    Whitespace runs become one space; "//" becomes "/" and a leading or trailing
    "/" goes (the EPC rules forbid them). Returns "" when no letter or digit is left.
    """
    text = _NOT_SEPA.sub("", unidecode(value or "").replace("\t", " "))
    text = re.sub(r"/{2,}", "/", re.sub(r"\s+", " ", text)).strip(" /")
    text = text[:max_length].rstrip(" /")
    return text if any(char.isalnum() for char in text) else ""


def cents(amount: Decimal) -> int:
    """Euros with at most two decimals as integer cents (exactly; anything finer is an error)."""
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(scaled)


class _Transfer(SepaTransfer):
    """sepaxml's transfer with our own message id (the batch's reference)."""

    def __init__(self, config: dict, message_id: str, created_at: datetime):
        self._message_id = message_id
        self._created_at = created_at
        super().__init__(config, schema=SEPA_SCHEMA)

    def _create_header(self):
        self.msg_id = self._message_id
        super()._create_header()
        # sepaxml writes the server's local time without an offset; ours says which time it is.
        node = self._xml.find("CstmrCdtTrfInitn/GrpHdr/CreDtTm")
        node.text = to_helsinki(self._created_at).isoformat(timespec="seconds")


def build_pain001(
    *,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str,
    message_id: str,
    execution_date: date,
    transfers: list[Transfer],
    created_at: datetime | None = None,
) -> bytes:
    """The pain.001.001.03 document: one batch booking with one transaction per transfer.

    Its group header's NbOfTxs is the number of transfers and CtrlSum their sum;
    CreDtTm is ``created_at`` in Helsinki time with its UTC offset. Names and
    remittance texts are put in the SEPA character set (`sepa_text`); a name
    with nothing left is an error here, so the caller leaves such payees out
    first (`sepa_text(name) == ""`). Not validated here (see `validate_pain001`).
    """
    config = {"name": sepa_text(debtor_name), "IBAN": debtor_iban, "batch": True,
              "currency": "EUR"}
    if debtor_bic:
        config["BIC"] = debtor_bic
    document = _Transfer(config, message_id, created_at or datetime.now(UTC))
    for transfer in transfers:
        name = sepa_text(transfer.name)
        if not name:
            raise ValueError(f"transfer {transfer.end_to_end_id}: the name has no SEPA characters")
        document.add_payment({
            "name": name,
            "IBAN": transfer.iban,
            "amount": cents(transfer.amount),
            "execution_date": execution_date,
            "description": sepa_text(transfer.remittance, MAX_REMITTANCE),
            "endtoend_id": transfer.end_to_end_id,
        })
    return document.export(validate=False)


@lru_cache(maxsize=1)
def _schema():
    """The pain.001.001.03 XSD, parsed once per process by libxml2 (lxml): validating a
    5,000-payment file takes milliseconds instead of seconds in pure Python."""
    from lxml import etree

    path = resources.files("sepaxml").joinpath("schemas", f"{SEPA_SCHEMA}.xsd")
    with resources.as_file(path) as xsd:
        return etree.XMLSchema(etree.parse(str(xsd)))


def validate_pain001(document: bytes) -> None:
    """Check the bank file against the pain.001.001.03 XSD; `BankFileInvalid` if it fails."""
    from lxml import etree

    try:
        valid = _schema().validate(etree.fromstring(document))
    except etree.XMLSyntaxError:
        valid = False
    if not valid:
        raise BankFileInvalid(
            "The bank file did not pass its check, so no batch was made. "
            "Check the names and account numbers of the experts in it."
        )


def spreadsheet_text(value: str) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula ("=…" gets a quote)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
