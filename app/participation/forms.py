"""What the participation forms share; each sub-package has its own forms.py (groups,
feedback, channel) and the reports filter is in app/reports/forms.py. Plain words, one
question at a time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REQUIRED = _l("This field is required.")
#: The "no answer" choice of radio questions.
NO_ANSWER = "none"
