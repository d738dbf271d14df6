"""Request bodies: strict shapes; unknown fields, wrong types and fractions are refused."""

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_camel

from shared.domain.menu import MENU


class StrictBody(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=False, extra="forbid", strict=True
    )


def _whole_number(value: object) -> object:
    """2.0 is the number 2 in JSON (and in the JSON Schema the API is described with)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
_MENU_IDS: list[JsonValue] = list(sorted(MENU))


class AddItemRequest(StrictBody):
    # Described as the menu's ids: any other id is refused (422 unknown-product).
    product_id: str = Field(min_length=1, max_length=64, json_schema_extra={"enum": _MENU_IDS})
    # A single request adds 1-99 portions; the cart line itself is capped at 99 too.
    quantity: WholeNumber = Field(ge=1, le=99)


class CreateCartRequest(StrictBody):
    """Creating a cart takes no fields; an empty body or {} is fine."""
