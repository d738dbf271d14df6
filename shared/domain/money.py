"""Money is Decimal, rounded to the grosz; never a float."""

from decimal import ROUND_HALF_UP, Decimal

CURRENCY = "PLN"
_GROSZ = Decimal("0.01")


def to_money(value: Decimal) -> Decimal:
    return value.quantize(_GROSZ, rounding=ROUND_HALF_UP)
