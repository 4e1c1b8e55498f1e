"""The expert's yearly statement as a CSV file for a spreadsheet, in the page's language.

Finnish and Swedish spreadsheets expect semicolons and decimal commas, English
ones commas and decimal points. UTF-8 with a byte-order mark, so that
spreadsheets show ä and ö right. Rejected payouts are not earnings and are
left out; payouts not yet paid are listed with their status.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _

from app.common.timeutil import to_helsinki
from app.payouts.exports import spreadsheet_text
from app.payouts.queries import NOT_EARNED_STATUSES, YearEarnings
from app.web.labels import PAYOUT_STATUS, label
from app.web.templating import current_language


def statement_csv(earnings: YearEarnings) -> str:
    """One row per payout of the year and a totals row (the same sums as the page)."""
    comma_decimals = current_language() in ("fi", "sv")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if comma_decimals else ",", lineterminator="\r\n")

    def money(value: Decimal) -> str:
        text = f"{value.quantize(Decimal('0.01')):f}"
        return text.replace(".", ",") if comma_decimals else text

    writer.writerow([
        _("Date of the work"), _("Work"), _("Status"), _("Fee"), _("Withholding percentage"),
        _("Withholding"), _("Net fee"), _("Travel costs (tax-free)"),
        _("Daily allowance (tax-free)"), _("To your account"), _("Paid on"),
    ])
    for item in earnings.items:
        if item.status in NOT_EARNED_STATUSES:
            continue
        paid_at = item.batch.paid_at if item.batch is not None else None
        writer.writerow([
            to_helsinki(item.work_date).date().isoformat(),
            spreadsheet_text(item.assignment.order.title),
            label(PAYOUT_STATUS, item.status), money(item.fee), money(item.withholding_percent),
            money(item.withholding), money(item.net_fee), money(item.travel),
            money(item.per_diem), money(item.total_paid),
            to_helsinki(paid_at).date().isoformat() if paid_at else "",
        ])
    total = earnings.total
    writer.writerow([
        _("Total %(year)s", year=earnings.year), "", "", money(total.fee), "",
        money(total.withholding), money(total.net_fee), money(total.travel),
        money(total.per_diem), money(total.total_paid), "",
    ])
    return "\ufeff" + out.getvalue()
