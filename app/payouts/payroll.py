"""The payroll file: one row per income component per payee, in two CSV formats.

Pure: plain values in, components and file contents out; no Flask, no
database. A payout item's components come from the fee engine's lines
(`components_from_lines`): the fee by assignment type carries the whole
withholding; the car line is split into the kilometre allowance
(round(km × car rate)) and the passenger supplement (the rest of the line,
so both add up exactly to the line rounded once); tickets, parking and the
daily allowances (with a "halved for free meals" flag) are tax-free.

Formats: ``fi`` for a Finnish spreadsheet (``;``, decimal comma, dates
d.m.yyyy, UTF-8 with BOM, CRLF) and ``machine`` (``,``, dot decimals, ISO
dates, UTF-8, CRLF). The nets of all rows add up to the bank file's CtrlSum;
the amounts to CtrlSum plus the withholdings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache

from app.fees.rules import Line, kilometre_parts
from app.payouts.exports import spreadsheet_text

FORMATS = ("fi", "machine")
ZERO = Decimal("0.00")

#: Fee-engine line kinds that map to one component each (the car line is split).
_LINE_COMPONENT = {
    "fee": "fee",
    "public_transport": "public_transport",
    "parking": "parking",
    "per_diem_full": "daily_allowance_full",
    "per_diem_partial": "daily_allowance_partial",
}
TRAVEL_COMPONENTS = ("kilometre_allowance", "passenger_supplement", "public_transport", "parking",
                     "travel_correction")
PER_DIEM_COMPONENTS = ("daily_allowance_full", "daily_allowance_partial",
                       "daily_allowance_correction")

COLUMNS = (
    "payer_business_id", "batch_reference", "payment_date", "payee_name", "payee_identity_code",
    "payout_item_id", "assignment_id", "work_date", "component", "wage_type",
    "halved_for_free_meals", "quantity", "rate", "amount", "withholding", "net",
)
#: The same columns as a Finnish payroll clerk reads them.
COLUMNS_FI = (
    "Maksajan Y-tunnus", "Erän viite", "Maksupäivä", "Saajan nimi", "Saajan henkilötunnus",
    "Maksu", "Tehtävä", "Työpäivä", "Tulolaji", "Palkkalaji", "Puolitettu ilmaisten aterioiden "
    "vuoksi", "Määrä", "Hinta", "Summa", "Ennakonpidätys", "Netto",
)


@dataclass(frozen=True)
class Component:
    """One income component of a payout item."""

    component: str
    amount: Decimal
    withholding: Decimal = ZERO
    quantity: Decimal | None = None
    rate: Decimal | None = None
    assignment_type: str | None = None
    halved: bool = False

    @property
    def net(self) -> Decimal:
        return self.amount - self.withholding


@dataclass(frozen=True)
class PayrollRow:
    """One payroll row: a component with its payee and item."""

    payee_name: str
    payee_identity_code: str
    payout_item_id: int
    assignment_id: int
    work_date: date
    component: Component


def components_from_lines(
    lines: Sequence[Line], assignment_type: str, fee: Decimal, withholding: Decimal,
    travel: Decimal = ZERO, per_diem: Decimal = ZERO,
) -> list[Component]:
    """The components of one payout item from the fee engine's lines.

    ``lines`` may be empty (amounts given without the engine's lines): then
    the fee is one component without quantity and non-zero ``travel`` and
    ``per_diem`` become correction components (totals given by hand).
    ``withholding`` goes on the fee.
    """
    components = []
    for line in lines:
        if line.kind == "car":
            car, supplement = kilometre_parts(line)
            car_rate = line.unit_price - line.passengers * (line.passenger_rate or ZERO)
            components.append(Component("kilometre_allowance", car, quantity=line.quantity,
                                        rate=car_rate))
            if line.passengers:
                components.append(Component(
                    "passenger_supplement", supplement, quantity=line.quantity * line.passengers,
                    rate=line.passenger_rate))
        elif line.kind == "fee":
            components.append(Component("fee", line.amount, withholding, line.quantity,
                                        line.unit_price, assignment_type))
        else:
            components.append(Component(_LINE_COMPONENT[line.kind], line.amount,
                                        quantity=line.quantity, rate=line.unit_price,
                                        halved=line.halved))
    if not lines:
        components = [Component("fee", fee, withholding, assignment_type=assignment_type),
                      Component("travel_correction", travel),
                      Component("daily_allowance_correction", per_diem)]
    return [c for c in components if c.component == "fee" or c.amount > 0]


def corrected_components(
    components: Iterable[Component], travel: Decimal, per_diem: Decimal, withholding: Decimal
) -> list[Component]:
    """The components after finance corrected the travel and daily-allowance totals.

    A total that did not change keeps its components; a changed one becomes
    one correction component of the new total (left out when zero). The fee
    gets the new ``withholding``.
    """
    components = list(components)
    result = [replace(c, withholding=withholding) for c in components if c.component == "fee"]
    for kinds, total, correction in ((TRAVEL_COMPONENTS, travel, "travel_correction"),
                                     (PER_DIEM_COMPONENTS, per_diem,
                                      "daily_allowance_correction")):
        own = [c for c in components if c.component in kinds]
        if sum((c.amount for c in own), ZERO) == total:
            result.extend(own)
        elif total > 0:
            result.append(Component(correction, total))
    return result


def wage_type_of(component: Component, wage_types: Mapping[str, str]) -> str:
    """The payroll system's code: ``fee:<type>``, else ``fee``, else the component's own."""
    if component.component == "fee" and component.assignment_type:
        specific = wage_types.get(f"fee:{component.assignment_type}")
        if specific:
            return specific
    return wage_types.get(component.component, "")


def build_payroll_csv(
    rows: Sequence[PayrollRow], *, fmt: str, payer_business_id: str, batch_reference: str,
    payment_date: date, wage_types: Mapping[str, str],
) -> bytes:
    """The payroll file in ``fmt`` (``fi`` or ``machine``) as bytes, one row per component."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown payroll format {fmt!r}")
    finnish = fmt == "fi"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if finnish else ",", lineterminator="\r\n")
    writer.writerow(COLUMNS_FI if finnish else COLUMNS)

    def number(value: Decimal | None, places: int = 2) -> str:
        if value is None:
            return ""
        text = _plain(value, places)
        return text.replace(".", ",") if finnish else text

    def day(value: date) -> str:
        return f"{value.day}.{value.month}.{value.year}" if finnish else value.isoformat()

    for row in rows:
        c = row.component
        halved = ("kyllä" if c.halved else "ei") if finnish else ("1" if c.halved else "0")
        writer.writerow([
            payer_business_id, batch_reference, day(payment_date),
            spreadsheet_text(row.payee_name), row.payee_identity_code, row.payout_item_id,
            row.assignment_id, day(row.work_date), c.component, wage_type_of(c, wage_types),
            halved, number(c.quantity, 0), number(c.rate), number(c.amount),
            number(c.withholding), number(c.net),
        ])
    text = out.getvalue()
    return ("\ufeff" + text).encode("utf-8") if finnish else text.encode("utf-8")


@lru_cache(maxsize=4096)
def _plain(value: Decimal, places: int) -> str:
    """A number without exponent, with at least ``places`` decimals (0.53, 0.525, 84, 12.5)."""
    normal = value.normalize()
    if normal.as_tuple().exponent > -places:
        normal = normal.quantize(Decimal(1).scaleb(-places))
    return f"{normal:f}"
