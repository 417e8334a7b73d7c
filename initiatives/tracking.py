"""Tracking codes: easy to read aloud and type on a phone, hard to guess.

12 symbols from Crockford's base-32 alphabet (no I, L, O or U, so no look-alikes) carry
60 bits from the operating system's secure generator; they are shown in groups of four,
`K7QM-4XRP-9HTC`. What a person types is normalised first: case, spaces and dashes do not
matter, and O, I and L are read as 0, 1 and 1.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(typed: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one."""
    raw = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return format_code(raw)
