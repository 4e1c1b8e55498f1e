"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime; SQLite keeps no offset, so it is restored on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def __repr__(self) -> str:
        return "UTCDateTime()"

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class FixedDecimal(TypeDecorator):
    """A `Decimal` with a fixed number of places, stored as a scaled integer.

    Integers are exact on SQLite and PostgreSQL alike (SQLite has no decimal
    type and would hand back floats), and ``SUM`` in SQL stays exact too.
    Check constraints on such columns are therefore written in scaled units
    (cents for `Money`).
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int = 2):
        super().__init__()
        self.places = places
        self.step = Decimal(1).scaleb(-places)
        self.scale = 10**places

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.places})"

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("exact amounts must be Decimal, not float")
        amount = Decimal(value)
        if amount != amount.quantize(self.step):
            raise ValueError(f"{amount} has more than {self.places} decimals")
        return int(amount * self.scale)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / self.scale).quantize(self.step)


class Money(FixedDecimal):
    """Euros with two decimals, stored as integer cents."""

    cache_ok = True

    def __init__(self):
        super().__init__(2)

    def __repr__(self) -> str:
        return "Money()"
