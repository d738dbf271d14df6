"""Request-response nodes: ``$cbs`` (token exchange) and ``<queue>/$management``.

Both take a request message and answer one correlated by the request's message id. Status
property names differ between them, as in Service Bus: ``status-code`` on ``$cbs``,
``statusCode`` on ``$management``.
"""

from datetime import datetime
from typing import Any

from proton import UNDESCRIBED, Array, Data, Message, timestamp

from tests.stand_ins.servicebus.queue import LockLost, Queue
from tests.stand_ins.servicebus.wire import as_delivered

VENDOR = "com.microsoft:"
# Proton's marker for an array whose elements carry no descriptor (typed as a plain value).
_UNDESCRIBED: Any = UNDESCRIBED
LOCK_LOST = VENDOR + "message-lock-lost"


def answer_cbs(request: Message) -> Message:
    """Accept any put-token: the SDK's token exchange is exercised, not the token itself
    (the broker is a test double; real keys, SAS signatures and Entra ID tokens are checked
    only by Service Bus)."""
    properties: dict[str, Any] = request.properties or {}
    if properties.get("operation") != "put-token":
        return _response(request, 400, "Only put-token is served.", cbs=True)
    return _response(request, 202, "Accepted", cbs=True)


def answer_management(queue: Queue, request: Message, now: datetime) -> Message:
    properties: dict[str, Any] = request.properties or {}
    operation = str(properties.get("operation", ""))
    body: dict[Any, Any] = request.body if isinstance(request.body, dict) else {}
    try:
        if operation == VENDOR + "renew-lock":
            expirations = [
                _millis(queue.renew_lock(token, now)) for token in _elements(body["lock-tokens"])
            ]
            return _response(
                request,
                200,
                "OK",
                body={"expirations": Array(_UNDESCRIBED, Data.TIMESTAMP, *expirations)},
            )
        if operation == VENDOR + "peek-message":
            peeked = queue.peek(int(body["from-sequence-number"]), int(body["message-count"]))
            if not peeked:
                return _response(request, 204, "No messages")
            encoded = [{"message": as_delivered(message).encode()} for message in peeked]
            return _response(request, 200, "OK", body={"messages": encoded})
        if operation == VENDOR + "update-disposition":
            _settle(queue, body, now)
            return _response(request, 200, "OK")
    except LockLost as lost:
        return _response(request, 410, str(lost), condition=LOCK_LOST)
    except KeyError as missing:
        return _response(request, 400, f"The request has no {missing}.")
    return _response(request, 501, f"The test broker does not implement {operation!r}.")


def _settle(queue: Queue, body: dict[Any, Any], now: datetime) -> None:
    status = body["disposition-status"]
    for token in _elements(body["lock-tokens"]):
        if status == "completed":
            queue.complete(token, now)
        elif status == "abandoned":
            queue.abandon(token, now)
        elif status == "suspended":
            queue.dead_letter(
                token, body.get("deadletter-reason"), body.get("deadletter-description"), now
            )
        else:
            raise KeyError(f"disposition {status!r} the test broker serves")


def _elements(value: Any) -> list[Any]:
    return list(value.elements) if isinstance(value, Array) else list(value)


def _millis(moment: datetime) -> timestamp:
    return timestamp(int(moment.timestamp() * 1000))


def _response(
    request: Message,
    status: int,
    description: str,
    *,
    body: Any = None,
    condition: str | None = None,
    cbs: bool = False,
) -> Message:
    code, text = (
        ("status-code", "status-description") if cbs else ("statusCode", "statusDescription")
    )
    properties: dict[str, Any] = {code: status, text: description}
    if condition is not None:
        properties["errorCondition"] = condition
    return Message(
        correlation_id=request.id, address=request.reply_to, properties=properties, body=body
    )
