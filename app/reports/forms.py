"""The filter of the reports page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("Until"), validators=[Optional()])
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
