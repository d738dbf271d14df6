"""A small Service Bus test broker on AMQP 1.0 (python-qpid-proton), for tests only.

It serves what the azure-servicebus SDK needs for queues: the ``$cbs`` put-token exchange,
send, peek-lock and receive-and-delete receiving, settlement (complete, abandon,
dead-letter with reason and description, release), the ``$management`` node's renew-lock,
peek and update-disposition, lock expiry, MaxDeliveryCount, the ``$deadletterqueue``
sub-queue and duplicate detection on the message id. Queues come from the emulator's
Config.json. It binds 127.0.0.1 only and holds at most queue.MAX_MESSAGES per queue.

Not served: topics and subscriptions, sessions, scheduled and deferred messages, batches sent
as one transfer, message expiry (TTL), transactions, forwarding, and any check of the token
itself. docs/functions-host.md lists what only Service Bus can show.
"""
