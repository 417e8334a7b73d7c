"""Text folding for matching Vietnamese names the way people type them."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case `text` and strip its diacritics, so "gia lam" matches "Gia Lâm".

    "Đ"/"đ" is a letter of its own in Unicode (not D plus a mark), so it is mapped by hand.
    Runs of white space become one space.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare).strip().lower()
