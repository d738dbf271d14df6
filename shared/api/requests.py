"""Request bodies: strict shapes; unknown fields, wrong types and floats are refused."""

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class StrictBody(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=False, extra="forbid", strict=True
    )


class AddItemRequest(StrictBody):
    product_id: str = Field(min_length=1, max_length=64)
    # A single request adds 1-99 portions; the cart line itself is capped at 99 too.
    quantity: int = Field(ge=1, le=99)


class CreateCartRequest(StrictBody):
    """Creating a cart takes no fields; an empty body or {} is fine."""
