"""Form fields for Finnish and Swedish input: decimal commas and spaces are accepted."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms.widgets import TextInput

#: No amount or distance typed in a form comes near this; the columns hold a little more.
LARGEST = Decimal(10) ** 9


class LocalDecimalField(DecimalField):
    """A decimal field that accepts "12,50" as well as "12.50" (and "1 234,50").

    Rendered as a text input (with ``inputmode="decimal"`` from the templates):
    a number input would refuse the decimal comma in some browsers.
    """

    widget = TextInput()

    def _value(self):
        """The value shown back in the page's number format (12,50 in Finnish and Swedish),
        or exactly what the user typed when the form is shown again."""
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        number = Decimal(self.data)
        if self.places is not None:
            places = self.places
            number = number.quantize(Decimal(1).scaleb(-places))
        else:
            places = max(0, -number.normalize().as_tuple().exponent)
        return format_decimal(number, format="0" + ("." + "0" * places if places else ""))

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            self.data = None
            return
        text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Give a number, for example 12,50.")) from None
        if not number.is_finite():
            self.data = None
            raise ValueError(_l("Give a number, for example 12,50."))
        if abs(number) >= LARGEST:
            self.data = None
            raise ValueError(_l("The number is too large."))
        if self.places is not None and number != number.quantize(Decimal(1).scaleb(-self.places)):
            self.data = None  # the column holds ``places`` decimals: refuse, do not round
            raise ValueError(_l("Give at most %(places)s decimals.", places=self.places))
        self.data = number
