"""Identifiers that must be unique but need not be secret, made without a system call.

``uuid.uuid4()`` reads the operating system's random source (``os.urandom``) on every call, and
that call lets go of the interpreter lock: in a process whose SQLite writer threads are busy,
taking it back can cost more than the rest of the id. Invocation ids, ETags, lock tokens and
correlation ids only have to differ from each other, so they come from ``random``'s generator,
which the standard library seeds from the operating system at start and again in a forked
child. An id that guards something a caller could guess (a shopping cart's) stays ``uuid4``.
"""

import random

# RFC 9562's version 4 layout: the version (4) in bits 76-79, the variant (10) in bits 62-63.
_VERSION_4 = 0x4 << 76
_VARIANT = 0x2 << 62
_RANDOM_BITS = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)


def unique_uuid() -> str:
    """A random version 4 UUID as text (``"1b4e28ba-2fa1-4d2b-883f-0016d3cca427"``).

    Formatted here rather than through ``uuid.UUID``, whose checks cost more than the bits.
    """
    digits = f"{random.getrandbits(128) & _RANDOM_BITS | _VERSION_4 | _VARIANT:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def unique_hex() -> str:
    """128 random bits as 32 lower-case hex digits."""
    return f"{random.getrandbits(128):032x}"
