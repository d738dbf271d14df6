"""The rules every document store keeps, written once: both backends enforce exactly these.

They are Cosmos DB's rules, so that the embedded SQLite twin refuses what Cosmos DB would:
ids and partition keys (non-empty strings of at most 255 characters, none of ``/ \\ ? #``),
the partition key carried in the document itself, in its container's partition field, page
limits, field paths (plain dotted names, the only text either store writes into a query), and
continuation tokens (an opaque, URL-safe JSON object tied to the query that issued it).

RuleCheckedDocumentStore applies them once, for both stores: each store implements its hooks
(``_read``, ``_create``, ``_replace``, ``_query``, ``_find``), which get the checked request.

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
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from shared.ports import (
    DocumentAlreadyExists,
    DocumentNotFound,
    DocumentStore,
    InvalidContinuationToken,
    JsonScalar,
    Page,
    PreconditionFailed,
    StoredDocument,
)

# Cosmos DB refuses these in ids and partition keys: they would break the resource URL.
FORBIDDEN_KEY_CHARACTERS = frozenset("/\\?#")
MAX_KEY_LENGTH = 255

# Tokens travel in query strings; a Cosmos DB token wrapped in ours stays well under this.
MAX_TOKEN_LENGTH = 4096
# Ours are flat objects: one level. A little slack, no more.
MAX_NESTING_DEPTH = 2
_TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")

_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_valid_key(value: object) -> bool:
    """Whether ``value`` may be a document id or partition key (the rule of check_key)."""
    try:
        check_key("key", value)
    except ValueError:
        return False
    return True


def check_key(what: str, value: object) -> str:
    """``value``, if it is a valid id or partition key; ValueError naming ``what`` otherwise."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"The {what} must be a non-empty string, not {value!r}.")
    if len(value) > MAX_KEY_LENGTH:
        raise ValueError(f"The {what} is longer than {MAX_KEY_LENGTH} characters.")
    if FORBIDDEN_KEY_CHARACTERS.intersection(value):
        raise ValueError(f"The {what} {value!r} contains one of / \\ ? #.")
    return value


@dataclass(frozen=True)
class DocumentKey:
    """Where one document is: container, partition key and id, all checked."""

    container: str
    partition_key: str
    id: str


@dataclass(frozen=True)
class PartitionQuery:
    """A checked query() of one partition (see DocumentStore.query)."""

    container: str
    partition_field: str
    partition_key: str
    where: Mapping[str, JsonScalar]
    newest_first_by: str
    limit: int
    continuation_token: str | None
    # Ties the continuation tokens to this query (query_fingerprint).
    fingerprint: str


@dataclass(frozen=True)
class CrossPartitionQuery:
    """A checked find_across_partitions() (see DocumentStore.find_across_partitions)."""

    container: str
    partition_field: str
    where: Mapping[str, JsonScalar]
    oldest_first_by: str
    limit: int


def checked_document_id(partition_field: str, partition_key: str, body: Mapping[str, Any]) -> str:
    """The document's id, after checking it, the partition key and the body's partition field.

    Cosmos DB takes the partition key from the document itself; a ``partition_field`` that
    differed from ``partition_key`` would store the document where reads would not find it.
    """
    check_key("partition key", partition_key)
    document_id = check_key("id", body.get("id"))
    if body.get(partition_field) != partition_key:
        raise ValueError(
            f"The document's '{partition_field}' field must equal the partition key"
            f" {partition_key!r}, not {body.get(partition_field)!r}."
        )
    return document_id


def already_exists(key: DocumentKey) -> DocumentAlreadyExists:
    return DocumentAlreadyExists(
        f"Document '{key.id}' already exists in partition '{key.partition_key}'"
        f" of container '{key.container}'."
    )


def not_found(key: DocumentKey) -> DocumentNotFound:
    return DocumentNotFound(
        f"Document '{key.id}' does not exist in partition '{key.partition_key}'"
        f" of container '{key.container}'."
    )


def etag_changed(document_id: str, if_match: str) -> PreconditionFailed:
    return PreconditionFailed(f"Document '{document_id}' changed since ETag '{if_match}' was read.")


def check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}.")


def field_segments(field: str) -> list[str]:
    """``outbox.status`` -> ``["outbox", "status"]``, refusing anything but plain field names.

    Both stores write field paths into their query text (parameters cannot name fields), which
    is safe only because every segment is a plain identifier.
    """
    segments = field.split(".")
    if not all(_FIELD_NAME.fullmatch(segment) for segment in segments):
        raise ValueError(f"Field path {field!r} is not a dotted list of plain field names.")
    return segments


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


class RuleCheckedDocumentStore(DocumentStore):
    """A document store whose every call is checked against these rules before its backend runs.

    ``partition_fields`` names, for each container the store serves, the field its documents
    carry their partition key in (Cosmos DB: the container's partition key path, ``/customer``
    for ``customer``); a container not named there is refused (ValueError).
    """

    def __init__(self, partition_fields: Mapping[str, str]) -> None:
        for field in partition_fields.values():
            field_segments(field)
        self._partition_fields = dict(partition_fields)

    def partition_field(self, container: str) -> str:
        """The field ``container``'s documents keep their partition key in."""
        field = self._partition_fields.get(container)
        if field is None:
            raise ValueError(f"Container {container!r} has no partition field configured.")
        return field

    async def read(self, container: str, partition_key: str, id: str) -> StoredDocument | None:
        self.partition_field(container)
        key = DocumentKey(container, check_key("partition key", partition_key), check_key("id", id))
        return await self._read(key)

    async def create(
        self, container: str, partition_key: str, body: Mapping[str, Any]
    ) -> StoredDocument:
        return await self._create(self._key_of(container, partition_key, body), body)

    async def replace(
        self, container: str, partition_key: str, body: Mapping[str, Any], *, if_match: str
    ) -> StoredDocument:
        return await self._replace(self._key_of(container, partition_key, body), body, if_match)

    async def query(
        self,
        container: str,
        partition_key: str,
        *,
        where: Mapping[str, JsonScalar],
        newest_first_by: str,
        limit: int,
        continuation_token: str | None,
    ) -> Page:
        check_limit(limit)
        check_key("partition key", partition_key)
        checked = PartitionQuery(
            container=container,
            partition_field=self.partition_field(container),
            partition_key=partition_key,
            where=where,
            newest_first_by=newest_first_by,
            limit=limit,
            continuation_token=continuation_token,
            fingerprint=query_fingerprint(container, partition_key, where, newest_first_by),
        )
        return await self._query(checked)

    async def find_across_partitions(
        self,
        container: str,
        *,
        where: Mapping[str, JsonScalar],
        oldest_first_by: str,
        limit: int,
    ) -> list[StoredDocument]:
        check_limit(limit)
        partition_field = self.partition_field(container)
        return await self._find(
            CrossPartitionQuery(container, partition_field, where, oldest_first_by, limit)
        )

    def _key_of(self, container: str, partition_key: str, body: Mapping[str, Any]) -> DocumentKey:
        partition_field = self.partition_field(container)
        document_id = checked_document_id(partition_field, partition_key, body)
        return DocumentKey(container, partition_key, document_id)

    @abstractmethod
    async def _read(self, key: DocumentKey) -> StoredDocument | None:
        """Point read; None if absent."""

    @abstractmethod
    async def _create(self, key: DocumentKey, body: Mapping[str, Any]) -> StoredDocument:
        """Create; raises already_exists(key) if the id is taken."""

    @abstractmethod
    async def _replace(
        self, key: DocumentKey, body: Mapping[str, Any], if_match: str
    ) -> StoredDocument:
        """Compare-and-swap on the ETag; raises etag_changed or not_found(key)."""

    @abstractmethod
    async def _query(self, query: PartitionQuery) -> Page:
        """One page; raises InvalidContinuationToken for a token this store did not issue."""

    @abstractmethod
    async def _find(self, query: CrossPartitionQuery) -> list[StoredDocument]:
        """Up to ``query.limit`` documents of any partition, oldest first."""


def _malformed() -> NoReturn:
    raise InvalidContinuationToken("The continuation token is malformed.") from None
