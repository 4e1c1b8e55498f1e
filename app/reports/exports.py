"""The participation figures as a CSV file for a spreadsheet, in the page's language.

Finnish and Swedish spreadsheets expect semicolons and decimal commas, English ones
commas and decimal points; UTF-8 with a byte-order mark. The same numbers as the page.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _

from app.payouts.exports import spreadsheet_text
from app.reports.services import Figures
from app.web.templating import current_language, localized_name


def figure_rows(figures: Figures) -> list[tuple[str, object, str]]:
    """(label, value, kind) of every summary figure, in the order of the page; kind is
    "count", "decimal", "percent" or "money"."""
    rows: list[tuple[str, object, str]] = [
        (_("Orders"), figures.orders, "count"),
        (_("Orders filled"), figures.orders_filled, "count"),
        (_("Share of orders filled"), figures.fill_rate, "percent"),
        (_("Orders cancelled"), figures.orders_cancelled, "count"),
        (_("Orders without experts"), figures.orders_unfilled, "count"),
        (_("Work done (assignments)"), figures.assignments, "count"),
        (_("Experts who worked"), figures.experts, "count"),
        (_("Experts' cancellations"), figures.withdrawals, "count"),
        (_("Fees (approved or paid)"), figures.fees, "money"),
        (_("Travel costs (approved or paid)"), figures.travel, "money"),
        (_("Daily allowances (approved or paid)"), figures.allowances, "money"),
        (_("Feedback from organisations"), figures.organisation_feedback, "count"),
        (_("Organisations' average rating (1–5)"), figures.organisation_rating, "decimal"),
        (_("Feedback from experts"), figures.expert_feedback, "count"),
        (_("Experts' average rating (1–5)"), figures.expert_rating, "decimal"),
        (_("Experts who felt heard"), figures.heard_share, "percent"),
        (_("Requests to report back"), figures.reports_requested, "count"),
        (_("Reports back answered"), figures.reports_answered, "count"),
        (_("Report-back rate"), figures.report_back_rate, "percent"),
        (_("Evaluation answers"), figures.evaluation_answers, "count"),
        (_("Evaluation average (1–3)"), figures.evaluation_average, "decimal"),
        (_("Active groups"), figures.groups_active, "count"),
        (_("Members of active groups"), figures.group_members, "count"),
    ]
    if figures.anonymous_messages is not None:
        rows.append((_("Anonymous messages"), figures.anonymous_messages, "count"))
    if figures.fairness is not None:
        rows += [
            (_("Verified experts"), figures.fairness.verified_experts, "count"),
            (_("Experts with work in the last 90 days"), figures.fairness.active_recently,
             "count"),
            (_("Share of experts with work in the last 90 days"),
             figures.fairness.share_active, "percent"),
            (_("Gini coefficient of work (0 = evenly spread)"), figures.fairness.gini,
             "decimal"),
        ]
    return rows


def figures_csv(figures: Figures) -> str:
    comma_decimals = current_language() in ("fi", "sv")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if comma_decimals else ",", lineterminator="\r\n")

    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            text = f"{value:f}"
            return text.replace(".", ",") if comma_decimals else text
        return str(value)

    period = figures.period
    writer.writerow([_("Period"), f"{period.start.isoformat()} – {period.end.isoformat()}"])
    writer.writerow([_("Figure"), _("Value")])
    for name, value, _kind in figure_rows(figures):
        writer.writerow([name, cell(value)])
    writer.writerow([])
    writer.writerow([_("Month"), _("All work")]
                    + [spreadsheet_text(localized_name(t)) for t in figures.types])
    for row in figures.months:
        writer.writerow([f"{row.year}-{row.month:02d}", row.total]
                        + [row.by_type.get(t.code, 0) for t in figures.types])
    writer.writerow([])
    writer.writerow([_("Expertise area"), _("Work done (assignments)")])
    for area, count in figures.areas:
        writer.writerow([spreadsheet_text(area.name(current_language())), count])
    return "\ufeff" + out.getvalue()
