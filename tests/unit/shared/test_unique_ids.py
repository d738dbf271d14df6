import os
import uuid

from shared.unique_ids import unique_hex, unique_uuid


def test_unique_uuid_is_a_version_4_uuid_in_its_canonical_text() -> None:
    for _ in range(1000):
        text = unique_uuid()
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_ids_do_not_repeat() -> None:
    assert len({unique_uuid() for _ in range(10_000)}) == 10_000
    hexes = {unique_hex() for _ in range(10_000)}
    assert len(hexes) == 10_000
    assert all(len(h) == 32 and int(h, 16) >= 0 for h in hexes)


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    # random reseeds itself in a forked child; without that, web and worker processes started
    # by fork would make the same ETags and lock tokens.
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, unique_hex().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child != unique_hex()
