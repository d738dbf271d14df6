"""List, show and re-queue messages that did not become orders.

    python -m tools.dead_letters list [--source poison|dlq|all] [--limit N]
    python -m tools.dead_letters show ID [--source poison|dlq]
    python -m tools.dead_letters requeue ID [--source poison|dlq]
    python -m tools.dead_letters counts [--limit N]
    python -m tools.dead_letters purge-placed [--dry-run]

Two places hold them: the poison store (messages the handler rejected as never processable;
the function completes them) and the queue's dead-letter sub-queue (messages that failed
MaxDeliveryCount times). ID is the message id (for the embedded queue's dead letters also the
sequence number). Settings are read as the app reads them: environment variables over the
``Values`` of local.settings.json over the embedded defaults.

Re-queueing a poison message sends its body again with a new message id
(``<id>:requeue:<n>``: the queue's duplicate detection would drop the original id) and the same
correlation id. ``counts`` prints what an operator watches: SubmitOrder messages still pending in
the outbox, poison messages not re-queued, dead letters (each counted up to N; ``N+`` when
there may be more). An embedded dead letter is made available again in place; a Service Bus dead
letter is sent again like a poison message and then removed from the dead-letter sub-queue.

A SubmitOrder message can be dead-lettered although its order was placed (every delivery
outlived its lock, yet one of them got as far as creating the order). ``list`` says for each
message whether its order exists (ORDER: placed, missing, or - when the body names none), and
``purge-placed`` removes exactly the dead letters whose order exists: re-queueing them would be
harmless, but they are not failures and would hide the ones that are.
"""

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, TextIO

from local_host.app_settings import load_settings
from local_host.errors import StartupError
from shared.adapters.sqlite_queue import SqliteQueue
from shared.bootstrap import build_document_store, build_message_sender
from shared.poison_store import PoisonStore
from shared.repositories import CartRepository, OrderRepository
from shared.services.clock import utc_now
from shared.services.quarantine import PoisonRecordNotFound, Quarantine
from shared.settings import SettingError, Settings
from tools.arguments import bounded_int
from tools.dead_letter_sources import (
    DeadLetterSource,
    EmbeddedDeadLetters,
    Entry,
    EntryNotFound,
    OrderState,
    order_named_in,
    poison_entry,
)

Source = Literal["poison", "dlq"]
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
# Counting reads the entries themselves (no count queries in the ports): up to this many each.
COUNT_LIMIT = 1000
MAX_LIMIT = 100_000


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.dead_letters",
        description="List, show and re-queue poison and dead-lettered messages.",
    )
    parser.add_argument("--app-dir", type=Path, default=Path.cwd(), help="the function app")
    parser.add_argument("--settings", type=Path, help="settings file (default local.settings.json)")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="poison and dead-lettered messages, newest first")
    listing.add_argument("--source", choices=("poison", "dlq", "all"), default="all")
    listing.add_argument("--limit", type=bounded_int(1, MAX_LIMIT), default=100)
    counting = commands.add_parser("counts", help="outbox pending, poison stored, dead letters")
    counting.add_argument("--limit", type=bounded_int(1, MAX_LIMIT), default=COUNT_LIMIT)
    for name in ("show", "requeue"):
        command = commands.add_parser(name, help=f"{name} one message")
        command.add_argument("id")
        command.add_argument("--source", choices=("poison", "dlq"))
    purge = commands.add_parser(
        "purge-placed", help="remove the dead letters whose order was placed all the same"
    )
    purge.add_argument("--dry-run", action="store_true", help="list them, remove nothing")
    return parser.parse_args(argv)


class DeadLetterTool:
    """The commands, over the poison store and the queue's dead letters."""

    def __init__(self, settings: Settings, out: TextIO) -> None:
        self._settings = settings
        self._out = out
        self._queue = settings.submit_order_queue()
        self._store = build_document_store(settings)
        self._sender = build_message_sender(settings)
        self._poison = PoisonStore(self._store)
        self._orders = OrderRepository(self._store)
        self._quarantine = Quarantine(self._poison, self._sender, utc_now)
        self._dlq = dead_letter_source(settings, self._queue)

    async def close(self) -> None:
        await self._dlq.close()
        await self._sender.close()
        await self._store.close()

    async def list_entries(self, source: str, limit: int) -> int:
        entries: list[Entry] = []
        if source in ("poison", "all"):
            records = await self._poison.newest(self._queue, limit=limit)
            entries.extend(poison_entry(record) for record in records)
        if source in ("dlq", "all"):
            entries.extend(await self._dlq.newest(limit))
        entries.sort(key=lambda entry: entry.when, reverse=True)
        shown = entries[:limit]
        print_table(shown, [await self._order_state(entry) for entry in shown], self._out)
        return 0

    async def counts(self, limit: int) -> int:
        pending = await CartRepository(self._store).with_pending_outbox(limit)
        records = await self._poison.newest(self._queue, limit=limit)
        poisoned = [record for record in records if record.status == "poisoned"]
        dead_letters = await self._dlq.newest(limit)

        def counted(number: int, read: int) -> str:
            return f"{number}+" if read >= limit else str(number)

        self._out.write(f"outbox pending: {counted(len(pending), len(pending))}\n")
        self._out.write(f"poison stored:  {counted(len(poisoned), len(records))}\n")
        self._out.write(f"dead letters:   {counted(len(dead_letters), len(dead_letters))}\n")
        return 0

    async def purge_placed(self, dry_run: bool) -> int:
        """Remove the dead letters whose order exists; the others stay, untouched."""
        placed = [
            entry
            for entry in await self._dlq.newest(MAX_LIMIT)
            if await self._order_state(entry) == "placed"
        ]
        if dry_run:
            for entry in placed:
                self._out.write(f"Would purge dead letter {entry.id}: its order was placed\n")
            self._out.write(f"{len(placed)} dead letter(s) would be purged.\n")
            return 0
        purged = await self._dlq.purge(placed)
        for entry in purged:
            self._out.write(f"Purged dead letter {entry.id}: its order was placed\n")
        self._out.write(f"{len(purged)} dead letter(s) purged.\n")
        return 0

    async def _order_state(self, entry: Entry) -> OrderState:
        order = order_named_in(entry)
        if order is None:
            return "-"
        customer, order_id = order
        return "placed" if await self._orders.get(customer, order_id) is not None else "missing"

    async def show(self, id: str, source: Source | None) -> int:
        entry = await self._find(id, source)
        json.dump(entry.details, self._out, indent=2, default=str)
        self._out.write("\n")
        return 0

    async def requeue(self, id: str, source: Source | None) -> int:
        entry = await self._find(id, source)
        if entry.source == "poison":
            new_id = await self._quarantine.requeue(self._queue, entry.id)
            self._out.write(f"Re-queued poison message {entry.id} as {new_id}\n")
        else:
            self._out.write(await self._dlq.requeue(entry) + "\n")
        return 0

    async def _find(self, id: str, source: Source | None) -> Entry:
        found: list[Entry] = []
        if source in (None, "poison"):
            saved = await self._poison.get(self._queue, id)
            if saved is not None:
                found.append(poison_entry(saved.value))
        if source in (None, "dlq"):
            found.extend(await self._dlq.find(id))
        if not found:
            raise EntryNotFound(f"No poison or dead-lettered message '{id}' on '{self._queue}'.")
        if len(found) > 1:
            places = ", ".join(f"{e.source} {e.id}" for e in found)
            raise EntryNotFound(f"'{id}' is ambiguous ({places}); name it with --source.")
        return found[0]


def dead_letter_source(settings: Settings, queue: str) -> DeadLetterSource:
    if settings.messaging_backend() == "servicebus":
        # Imported only here: the embedded path needs no Service Bus SDK.
        from tools.servicebus_dead_letters import ServiceBusDeadLetters

        return ServiceBusDeadLetters.from_settings(settings, queue)
    return EmbeddedDeadLetters(SqliteQueue.from_settings(settings.embedded(), queue))


def print_table(entries: Sequence[Entry], orders: Sequence[OrderState], out: TextIO) -> None:
    if not entries:
        out.write("No poison or dead-lettered messages.\n")
        return
    header = (
        "SOURCE",
        "ID",
        "STATUS",
        "REASON",
        "ORDER",
        "DELIVERIES",
        "WHEN (UTC)",
        "DESCRIPTION",
    )
    rows = [header] + [
        (*entry.row()[:4], order, *entry.row()[4:])
        for entry, order in zip(entries, orders, strict=True)
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


async def run(
    argv: Sequence[str], environ: Mapping[str, str] = os.environ, out: TextIO = sys.stdout
) -> int:
    arguments = parse_arguments(argv)
    try:
        settings = load_settings(arguments.app_dir.resolve(), arguments.settings, environ)
        tool = DeadLetterTool(settings, out)
    except (StartupError, SettingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if arguments.command == "list":
            return await tool.list_entries(arguments.source, arguments.limit)
        if arguments.command == "counts":
            return await tool.counts(arguments.limit)
        if arguments.command == "show":
            return await tool.show(arguments.id, arguments.source)
        if arguments.command == "purge-placed":
            return await tool.purge_placed(arguments.dry_run)
        return await tool.requeue(arguments.id, arguments.source)
    except (EntryNotFound, PoisonRecordNotFound) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    finally:
        await tool.close()


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:])))


if __name__ == "__main__":
    main()
