"""Continuation tokens as both document stores issue them: an opaque, URL-safe JSON object.

A token is the URL-safe base64 of a small flat JSON object that names its query (``q``, a
fingerprint) and where the next page starts. Clients may send anything back, so a token is
checked for size, alphabet and nesting depth before it is decoded: ``json.loads`` recurses
once per level, and a forged token of a thousand ``[`` would exhaust the interpreter's stack.
"""

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from shared.ports import InvalidContinuationToken, JsonScalar

# Tokens travel in query strings; a Cosmos DB token wrapped in ours stays well under this.
MAX_TOKEN_LENGTH = 4096
# Ours are flat objects: one level. A little slack, no more.
MAX_NESTING_DEPTH = 2
_TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")


def query_fingerprint(
    container: str, partition_key: str, where: Mapping[str, JsonScalar], sort_field: str
) -> str:
    """Ties a token to its query, so a token from another query is refused, not misapplied."""
    query = json.dumps([container, partition_key, sorted(where.items()), sort_field])
    return hashlib.sha256(query.encode()).hexdigest()[:16]


def encode_token(fingerprint: str, position: Mapping[str, Any]) -> str:
    payload = json.dumps({"q": fingerprint, **position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")


def decode_token(token: str, fingerprint: str) -> dict[str, Any]:
    """The token's object, whose ``q`` is ``fingerprint``; InvalidContinuationToken otherwise."""
    if len(token) > MAX_TOKEN_LENGTH or not _TOKEN_ALPHABET.fullmatch(token):
        _malformed()
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError.
        _malformed()
    if nesting_depth(text) > MAX_NESTING_DEPTH:
        _malformed()
    try:
        payload = json.loads(text)
    except ValueError:  # JSONDecodeError
        _malformed()
    if not isinstance(payload, dict) or payload.get("q") != fingerprint:
        raise InvalidContinuationToken("The continuation token was not issued for this query.")
    return payload


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON text, brackets inside strings not counted."""
    depth = deepest = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


def _malformed() -> NoReturn:
    raise InvalidContinuationToken("The continuation token is malformed.") from None
