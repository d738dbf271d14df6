"""The AMQP 1.0 side of the test broker, on python-qpid-proton's reactor (one thread).

Clients attach links to three kinds of node (see addresses.py). Messages sent to a queue are
stored (queue.py); a receiving link gets messages as far as its credit allows, each locked
(peek-lock) or, when the client asked for pre-settled deliveries, removed (receive-and-delete).
The client's outcome settles the lock: accepted completes, rejected with the
``com.microsoft:dead-letter`` condition dead-letters, modified with delivery-failed abandons,
released gives the lock back uncounted.
"""

import socket
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from proton import Condition, Connection, Delivery, Event, Link, Message, Terminus
from proton._reactor import Task  # what Container.schedule returns; proton does not export it
from proton.handlers import MessagingHandler
from proton.reactor import Container

from tests.stand_ins.servicebus import addresses
from tests.stand_ins.servicebus.queue import LockLost, Queue, QueueFull
from tests.stand_ins.servicebus.requests import answer_cbs, answer_management
from tests.stand_ins.servicebus.wire import as_delivered, delivery_tag

DEAD_LETTER_CONDITION = "com.microsoft:dead-letter"
# Credit the broker gives each sending client (flow control on incoming messages).
INCOMING_CREDIT = 100

Outcome = Callable[[Queue, Any, datetime], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Broker(MessagingHandler):
    def __init__(self, queues: dict[str, Queue], host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(prefetch=INCOMING_CREDIT, auto_accept=False, auto_settle=True)
        self._entities: dict[str, Queue] = {}
        for queue in queues.values():
            self._entities[queue.name] = queue
            if queue.dead_letters is not None:
                self._entities[queue.dead_letters.name] = queue.dead_letters
        self._url = f"amqp://{host}:{port}"
        self._consumers: list[Link] = []
        self._container: Container | None = None
        self._timer: Task | None = None  # the one lock-expiry timer, due at _timer_at
        self._timer_at = datetime.max.replace(tzinfo=UTC)

    # Start-up

    def on_start(self, event: Event) -> None:
        self._container = event.container
        acceptor = self._container.listen(self._url)
        # Proton does not say which port the OS picked; its listening socket does.
        listening = acceptor._selectable._delegate
        assert isinstance(listening, socket.socket)
        port = listening.getsockname()[1]
        # The test fixture reads this line.
        print(f"Service Bus test broker listening on 127.0.0.1:{port}", flush=True)

    # Links

    def on_link_opening(self, event: Event) -> None:
        link = _link(event)
        remote = link.remote_source if link.is_sender else link.remote_target
        address = addresses.parse(remote.address)
        if address is None or (address.node != "cbs" and address.entity not in self._entities):
            # Proton opens the link once this returns: refuse it when it is open.
            link.refusal = Condition("amqp:not-found", f"No such node: {remote.address!r}")
            return
        # Both were checked by parse() above: an address the broker serves.
        assert remote.address is not None
        if link.is_sender:
            link.source.address = remote.address
            link.source.type = Terminus.SOURCE
            if address.node == "entity":
                self._consumers.append(link)
        else:
            link.target.address = remote.address

    def on_link_opened(self, event: Event) -> None:
        link = _link(event)
        refusal = getattr(link, "refusal", None)
        if refusal is not None:
            link.condition = refusal
            link.close()

    def on_link_closing(self, event: Event) -> None:
        self._forget(_link(event))

    def on_disconnected(self, event: Event) -> None:
        for link in [link for link in self._consumers if link.connection == event.connection]:
            self._forget(link)

    def _forget(self, link: Link) -> None:
        if link in self._consumers:
            self._consumers.remove(link)

    # Incoming messages: sends to a queue, and requests to $cbs and $management

    def on_message(self, event: Event) -> None:
        link, delivery = _link(event), _delivery(event)
        address = addresses.parse(link.target.address)
        if address is None or getattr(link, "refusal", None) is not None:
            self.reject(delivery)  # sent on a link being refused
            return
        message: Message = event.message
        if address.node == "entity":
            self._enqueue(delivery, self._entities[address.entity], message)
            return
        if address.node == "cbs":
            response = answer_cbs(message)
        else:
            response = answer_management(self._entities[address.entity], message, utc_now())
        self._reply(link, response)
        self.accept(delivery)
        self._pump_all()

    def _enqueue(self, delivery: Delivery, queue: Queue, message: Message) -> None:
        if queue.dead_letters is None:
            self.reject(delivery)  # Service Bus refuses sends to a dead-letter queue
            return
        try:
            queue.enqueue(message.encode(), _text(message.id), utc_now())
        except QueueFull as full:
            delivery.local.condition = Condition("amqp:resource-limit-exceeded", str(full))
            self.reject(delivery)
            return
        self.accept(delivery)
        self._pump(queue)

    def _reply(self, request_link: Link, response: Message) -> None:
        """Answer on the client's receiving link attached to the same node."""
        for link in _sending_links(request_link.connection):
            if link.source.address == request_link.target.address:
                link.send(response)
                return

    # Outgoing messages: peek-lock and receive-and-delete deliveries

    def on_sendable(self, event: Event) -> None:
        link = _link(event)
        if link in self._consumers:
            self._deliver(link)

    def on_link_flow(self, event: Event) -> None:
        # Proton calls on_sendable only for credit; a drain request may come with none.
        link = _link(event)
        if link in self._consumers and link.drain_mode:
            self._deliver(link)

    def _pump(self, queue: Queue) -> None:
        for link in self._consumers:
            if self._entity_of(link) is queue:
                self._deliver(link)

    def _pump_all(self) -> None:
        for link in list(self._consumers):
            self._deliver(link)

    def _deliver(self, link: Link) -> None:
        queue = self._entity_of(link)
        now = utc_now()
        while link.credit > 0:
            if link.remote_snd_settle_mode == Link.SND_SETTLED:
                taken = queue.take_next(now)
                if taken is None:
                    break
                link.send(as_delivered(taken)).settle()
                continue
            locked = queue.lock_next(now)
            if locked is None:
                break
            assert locked.lock_token is not None
            assert locked.locked_until is not None
            delivery = link.send(as_delivered(locked), tag=delivery_tag(locked.lock_token))
            # Proton reads delivery tags back as UTF-8 text, which a GUID's bytes are not:
            # keep the token on the delivery as well.
            delivery.lock_token = locked.lock_token
            self._wake_at(locked.locked_until)
        if link.drain_mode:
            # The receiver asked for its unused credit back (the SDK does before closing a
            # receiver and after a receive times out) and waits for this answer.
            link.drained()

    def _entity_of(self, link: Link) -> Queue:
        address = addresses.parse(link.source.address)
        assert address is not None
        return self._entities[address.entity]

    # Settlement of peek-locked deliveries

    def on_accepted(self, event: Event) -> None:
        self._settle(event, lambda queue, token, now: queue.complete(token, now))

    def on_rejected(self, event: Event) -> None:
        condition = _delivery(event).remote.condition
        info: dict[str, Any] = {}
        if condition is not None and condition.name == DEAD_LETTER_CONDITION:
            raw: Any = condition.info or {}
            info = {str(key): value for key, value in raw.items()}
        # A plain reject dead-letters too (Service Bus does the same), without a reason.
        reason = _text(info.get("DeadLetterReason"))
        description = _text(info.get("DeadLetterErrorDescription"))
        self._settle(
            event, lambda queue, token, now: queue.dead_letter(token, reason, description, now)
        )

    def on_released(self, event: Event) -> None:
        delivery = _delivery(event)
        modified = delivery.remote_state == Delivery.MODIFIED
        if modified and delivery.remote.undeliverable:
            # Defer (modified, undeliverable-here) is not served: fail loudly, not wrongly.
            link = _link(event)
            link.condition = Condition(
                "amqp:not-implemented", "The test broker does not implement defer."
            )
            link.close()
        elif modified and delivery.remote.failed:
            self._settle(event, lambda queue, token, now: queue.abandon(token, now))
        else:
            self._settle(event, lambda queue, token, now: queue.release(token, now))

    def _settle(self, event: Event, outcome: Outcome) -> None:
        link, delivery = _link(event), _delivery(event)
        lock_token = getattr(delivery, "lock_token", None)
        if link not in self._consumers or lock_token is None:
            return
        queue = self._entity_of(link)
        # Settling an expired lock changes nothing: the message was delivered again.
        with suppress(LockLost):
            outcome(queue, lock_token, utc_now())
        # The SDK's peek-lock receiver settles second (rcv-settle-mode second): it waits for
        # the broker to settle, echoing the outcome it sent.
        if not delivery.settled:
            delivery.update(delivery.remote_state)
            delivery.settle()
        self._pump(queue)

    # Lock expiry: one timer, armed for the earliest lock the broker knows of. Proton dates a
    # timer from the moment its current batch of events began, not from now, so a timer can
    # fire a little before the moment asked for; a lock renewal also moves an expiry later
    # than the timer set for it. So each firing expires what is due, serves waiting credit,
    # and re-arms for the locks still held, instead of trusting that the firing was on time.

    def _wake_at(self, moment: datetime) -> None:
        assert self._container is not None
        if self._timer is not None:
            if self._timer_at <= moment:
                return
            self._timer.cancel()
        delay = max(0.0, (moment - utc_now()).total_seconds())
        self._timer, self._timer_at = self._container.schedule(delay, self), moment

    def on_timer_task(self, event: Event) -> None:
        self._timer = None
        now = utc_now()
        for queue in self._entities.values():
            queue.expire_locks(now)
        self._pump_all()
        expiries = [queue.next_lock_expiry() for queue in self._entities.values()]
        if held := [moment for moment in expiries if moment is not None]:
            self._wake_at(min(held))


def _link(event: Event) -> Link:
    link = event.link
    assert link is not None
    return link


def _delivery(event: Event) -> Delivery:
    delivery = event.delivery
    assert delivery is not None
    return delivery


def _sending_links(connection: Connection) -> list[Link]:
    links: list[Link] = []
    link = connection.link_head(Link.LOCAL_ACTIVE)
    while link is not None:
        if link.is_sender:
            links.append(link)
        link = link.next(Link.LOCAL_ACTIVE)
    return links


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def serve(queues: dict[str, Queue], host: str = "127.0.0.1", port: int = 0) -> None:
    Container(Broker(queues, host, port)).run()
