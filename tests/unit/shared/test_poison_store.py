"""shared/poison_store.py: how poison records are keyed."""

from shared.poison_store import record_id


def test_a_message_id_that_cannot_be_a_document_id_gets_a_digest() -> None:
    assert record_id("plain-id", b"x") == "plain-id"
    unusable = record_id("a/b?c", b"x")
    assert unusable.startswith("sha256-")
    assert unusable == record_id("a/b?c", b"x")
    assert unusable != record_id("a/b?c", b"y")
    assert record_id(None, b"x").startswith("sha256-")
    assert record_id("x" * 300, b"x").startswith("sha256-")
