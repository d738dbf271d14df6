"""The query text and continuation tokens of the Cosmos DB document store.

Values always travel as query parameters; only field paths are written into the text, and
only after checking that they are plain dotted names. Cosmos DB's continuation tokens are
wrapped so that API clients see an opaque, URL-safe string tied to the query that issued it.
"""

from collections.abc import Mapping
from typing import Any

from shared.document_rules import decode_token, encode_token, field_segments
from shared.ports import InvalidContinuationToken, JsonScalar

# Keywords of the Cosmos DB NoSQL query language; a property so named is written c["name"].
# fmt: off
_RESERVED_WORDS = frozenset([
    "AND", "ARRAY", "AS", "ASC", "BETWEEN", "BY", "CASE", "CAST", "CONVERT", "CROSS",
    "DESC", "DISTINCT", "ELSE", "END", "ESCAPE", "EXISTS", "FALSE", "FOR", "FROM",
    "GROUP", "HAVING", "IN", "INNER", "INSERT", "INTO", "IS", "JOIN", "LEFT", "LIKE",
    "LIMIT", "NOT", "NULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVER", "RIGHT",
    "SELECT", "SET", "THEN", "TOP", "TRUE", "UDF", "UNDEFINED", "UPDATE", "VALUE",
    "WHEN", "WHERE", "WITH",
])
# fmt: on


def field_reference(field: str) -> str:
    """``outbox.status`` -> ``c.outbox.status``, for a path field_segments lets through.

    A segment that is a keyword of the query language (``value``, ``order``...) is written
    ``["value"]``, the quoted property form the query language provides for such names.
    """
    return "c" + "".join(
        f'["{segment}"]' if segment.upper() in _RESERVED_WORDS else f".{segment}"
        for segment in field_segments(field)
    )


def equality_filters(where: Mapping[str, JsonScalar]) -> tuple[list[str], list[dict[str, Any]]]:
    """Equality conditions, values always as parameters (``c.outbox.status = @p0``)."""
    conditions: list[str] = []
    parameters: list[dict[str, Any]] = []
    for index, (field, value) in enumerate(where.items()):
        name = f"@p{index}"
        conditions.append(f"{field_reference(field)} = {name}")
        parameters.append({"name": name, "value": value})
    return conditions, parameters


def where_clause(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def wrap_token(cosmos_token: str, fingerprint: str) -> str:
    """Cosmos DB's continuation token, tied to its query and made opaque and URL-safe."""
    return encode_token(fingerprint, {"t": cosmos_token})


def unwrap_token(token: str, fingerprint: str) -> str:
    """The Cosmos DB token inside ``token``; InvalidContinuationToken if it is not ours."""
    cosmos_token = decode_token(token, fingerprint).get("t")
    # Sent as an HTTP header: printable ASCII only.
    if not (
        isinstance(cosmos_token, str)
        and cosmos_token
        and cosmos_token.isascii()
        and cosmos_token.isprintable()
    ):
        raise InvalidContinuationToken("The continuation token is malformed.")
    return cosmos_token
