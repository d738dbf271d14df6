"""Base model: camelCase JSON on the wire, snake_case in Python."""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """Stored documents and API payloads share one spelling: camelCase."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        # Stored documents carry computed fields (totals) and store metadata; ignore them on load.
        extra="ignore",
    )
