"""The document store on an embedded SQLite file: the local twin of Cosmos DB.

One row per document with its container, partition key, id, ETag and JSON body. Queries filter
and sort with ``json_extract`` on the body, and page with keyset continuation tokens.

Containers can have a time to live, as on Cosmos DB: the body is stored with the time of its
last write (``_ts``, seconds, Cosmos DB's name for it, removed again on reading), a document
older than its container's time to live is invisible, and writing to the container deletes
the expired ones.
"""

import json
import math
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shared.adapters.sqlite_database import SqliteDatabase
from shared.document_rules import (
    CrossPartitionQuery,
    DocumentKey,
    PartitionQuery,
    RuleCheckedDocumentStore,
    already_exists,
    decode_token,
    encode_token,
    etag_changed,
    field_segments,
    not_found,
)
from shared.ports import InvalidContinuationToken, JsonScalar, Page, StoredDocument
from shared.unique_ids import unique_hex

# The expression indexes must spell json_extract exactly as the queries do, with the JSON path
# as a literal: SQLite matches an expression index only against the same expression.
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    container TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    id TEXT NOT NULL,
    etag TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (container, partition_key, id)
) WITHOUT ROWID;

-- A partition's documents newest first (carts and orders of one customer).
CREATE INDEX IF NOT EXISTS documents_by_created_at
    ON documents (container, partition_key, json_extract(body, '$.createdAt'), id);

-- The outbox recovery sweep: pending outbox entries of any partition, oldest first.
CREATE INDEX IF NOT EXISTS documents_by_outbox_status
    ON documents (
        container,
        json_extract(body, '$.outbox.status'),
        json_extract(body, '$.outbox.recordedAt')
    );
"""

SortValue = str | int | float | None


class SqliteDocumentStore(RuleCheckedDocumentStore):
    """Documents in one SQLite file, safe to share between the web and worker processes."""

    def __init__(
        self,
        database_path: Path,
        partition_fields: Mapping[str, str],
        time_to_live: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``partition_fields``: see RuleCheckedDocumentStore; ``time_to_live``: seconds by
        container, like Cosmos DB's ``defaultTtl``."""
        super().__init__(partition_fields)
        self._database = SqliteDatabase(database_path, SCHEMA)
        self._time_to_live = dict(time_to_live or {})
        self._clock = clock

    def _live(self, container: str) -> tuple[str, list[Any]]:
        """A condition for documents of ``container`` that have not expired, and its values."""
        ttl = self._time_to_live.get(container)
        if ttl is None:
            return "1", []
        # Documents written before the store kept _ts have none: they do not expire.
        return "coalesce(json_extract(body, '$._ts') > ?, 1)", [int(self._clock()) - ttl]

    async def _read(self, key: DocumentKey) -> StoredDocument | None:
        live, values = self._live(key.container)
        row = await self._database.lookup(  # by primary key
            lambda connection: connection.execute(
                "SELECT etag, body FROM documents"
                f" WHERE container = ? AND partition_key = ? AND id = ? AND {live}",
                (key.container, key.partition_key, key.id, *values),
            ).fetchone()
        )
        if row is None:
            return None
        etag, body = row
        return _stored(etag, body)

    async def _create(self, key: DocumentKey, body: Mapping[str, Any]) -> StoredDocument:
        text = self._to_stored_json(body)
        etag = _new_etag()

        def insert(connection: sqlite3.Connection) -> None:
            self._delete_expired(connection, key.container)
            connection.execute(
                "INSERT INTO documents (container, partition_key, id, etag, body)"
                " VALUES (?, ?, ?, ?, ?)",
                (key.container, key.partition_key, key.id, etag, text),
            )

        try:
            await self._database.write(insert)
        except sqlite3.IntegrityError:
            raise already_exists(key) from None
        return _stored(etag, text)

    async def _replace(
        self, key: DocumentKey, body: Mapping[str, Any], if_match: str
    ) -> StoredDocument:
        text = self._to_stored_json(body)
        etag = _new_etag()
        where = (key.container, key.partition_key, key.id)

        # One write transaction from the ETag check to the update: no other process can
        # replace the document in between.
        def check_and_update(connection: sqlite3.Connection) -> None:
            self._delete_expired(connection, key.container)
            row = connection.execute(
                "SELECT etag FROM documents WHERE container = ? AND partition_key = ? AND id = ?",
                where,
            ).fetchone()
            if row is None:
                raise not_found(key)
            if row[0] != if_match:
                raise etag_changed(key.id, if_match)
            connection.execute(
                "UPDATE documents SET etag = ?, body = ?"
                " WHERE container = ? AND partition_key = ? AND id = ?",
                (etag, text, *where),
            )

        await self._database.write(check_and_update)
        return _stored(etag, text)

    async def _query(self, query: PartitionQuery) -> Page:
        sort = _json_extract(query.newest_first_by)
        live, values = self._live(query.container)
        conditions = ["container = ?", "partition_key = ?", live]
        parameters: list[Any] = [query.container, query.partition_key, *values]
        _add_filters(query.where, conditions, parameters)
        if query.continuation_token is not None:
            last_sort_value, last_id = _decode_position(query.continuation_token, query.fingerprint)
            _add_after_condition(sort, last_sort_value, last_id, conditions, parameters)
        # One row more than the page tells whether another page follows.
        parameters.append(query.limit + 1)
        sql = (
            f"SELECT etag, body, {sort}, id FROM documents"
            f" WHERE {' AND '.join(conditions)}"
            f" ORDER BY {sort} DESC, id DESC LIMIT ?"
        )
        rows = await self._database.read(
            lambda connection: connection.execute(sql, parameters).fetchall()
        )
        page = rows[: query.limit]
        next_token = None
        if len(rows) > query.limit:
            _, _, last_sort_value, last_id = page[-1]
            next_token = encode_token(query.fingerprint, {"v": last_sort_value, "id": last_id})
        return Page(
            documents=[_stored(etag, body) for etag, body, _, _ in page],
            continuation_token=next_token,
        )

    async def _find(self, query: CrossPartitionQuery) -> list[StoredDocument]:
        sort = _json_extract(query.oldest_first_by)
        live, values = self._live(query.container)
        conditions = ["container = ?", live]
        parameters: list[Any] = [query.container, *values]
        _add_filters(query.where, conditions, parameters)
        parameters.append(query.limit)
        # The partition_key column holds the partition field's value: the same order as
        # Cosmos DB's ORDER BY on that field.
        sql = (
            f"SELECT etag, body FROM documents WHERE {' AND '.join(conditions)}"
            f" ORDER BY {sort}, partition_key, id LIMIT ?"
        )
        rows = await self._database.read(
            lambda connection: connection.execute(sql, parameters).fetchall()
        )
        return [_stored(etag, body) for etag, body in rows]

    async def close(self) -> None:
        await self._database.close()

    def _to_stored_json(self, body: Mapping[str, Any]) -> str:
        return _to_json({**body, "_ts": int(self._clock())})

    def _delete_expired(self, connection: sqlite3.Connection, container: str) -> None:
        if container in self._time_to_live:
            live, values = self._live(container)
            connection.execute(
                f"DELETE FROM documents WHERE container = ? AND NOT {live}", (container, *values)
            )


def _to_json(body: Mapping[str, Any]) -> str:
    # allow_nan=False: NaN and Infinity are not JSON, and Cosmos DB refuses them.
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _stored(etag: str, body: str) -> StoredDocument:
    document = json.loads(body)
    document.pop("_ts", None)
    return StoredDocument(body=document, etag=etag)


def _new_etag() -> str:
    return unique_hex()


def _json_path(field: str) -> str:
    """``outbox.status`` -> ``$.outbox.status``, written into the SQL text so that the
    expression indexes apply: safe only because field_segments lets plain names through."""
    return "$." + ".".join(field_segments(field))


def _json_extract(field: str) -> str:
    return f"json_extract(body, '{_json_path(field)}')"


def _json_type(field: str) -> str:
    return f"json_type(body, '{_json_path(field)}')"


def _add_filters(
    where: Mapping[str, JsonScalar], conditions: list[str], parameters: list[Any]
) -> None:
    """Equality as Cosmos DB has it: a value matches only a JSON value of the same type.

    json_extract alone would let true match 1, null match a missing field, and a string match
    an object's JSON text, so each condition also checks the JSON type.
    """
    for field, value in where.items():
        json_type = _json_type(field)
        if value is None:
            conditions.append(f"{json_type} = 'null'")
        elif isinstance(value, bool):
            conditions.append(f"{json_type} = '{'true' if value else 'false'}'")
        elif isinstance(value, int):
            conditions.append(f"{_json_extract(field)} = ? AND {json_type} IN ('integer', 'real')")
            parameters.append(value)
        else:
            conditions.append(f"{_json_extract(field)} = ? AND {json_type} = 'text'")
            parameters.append(value)


def _add_after_condition(
    sort: str,
    last_sort_value: SortValue,
    last_id: str,
    conditions: list[str],
    parameters: list[Any],
) -> None:
    """Rows after (last_sort_value, last_id) in ``sort DESC, id DESC`` order.

    SQLite sorts NULL lowest, so documents without the sort field come last.
    """
    if last_sort_value is None:
        conditions.append(f"({sort} IS NULL AND id < ?)")
        parameters.append(last_id)
    else:
        conditions.append(f"({sort} < ? OR ({sort} = ? AND id < ?) OR {sort} IS NULL)")
        parameters.extend([last_sort_value, last_sort_value, last_id])


def _decode_position(token: str, fingerprint: str) -> tuple[SortValue, str]:
    position = decode_token(token, fingerprint)
    if not isinstance(position.get("id"), str) or not _is_sort_value(position.get("v")):
        raise InvalidContinuationToken("The continuation token was not issued for this query.")
    return position["v"], position["id"]


def _is_sort_value(value: object) -> bool:
    """A value SQLite can bind: the fingerprint is public, so a forged token may hold anything."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str)
