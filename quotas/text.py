"""Vietnamese text: folding names to match them the way people type them, and sorting them
the way Vietnamese readers expect."""

import functools
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


# Vietnamese alphabetical order (as ICU's "vi" collation): a < ă < â, d < đ, e < ê, o < ô < ơ,
# u < ư are letters of their own; tones (none, huyền, hỏi, ngã, sắc, nặng) only break ties;
# case last. fold() would put "Đ" with "D" (and code points put it after "Z"). Built once into
# two str.translate tables (per-letter Unicode decomposition cost 18 ms for a province's picker).
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve, circumflex, horn
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# "LĐLĐ tỉnh Đắk Lắk" is looked for under Đ, not under "LĐLĐ t…": the generic head of a
# province's or a district's name is read after the place name.
_GENERIC_HEAD = re.compile(r"^(?:LĐLĐ|Liên đoàn Lao động)\s+(?:tỉnh|thành phố|huyện|quận|thị xã)\s+", re.IGNORECASE)


def _collation_tables() -> tuple[dict, dict]:
    """{code point: the letter's place in the alphabet} (upper and lower case alike, above
    spaces, punctuation and digits) and {code point: its tone, "0"–"5"}, for the Latin letters."""
    letters, tones = {}, {}
    for point in [*range(0x20, 0x250), *range(0x1E00, 0x1F00)]:
        lower = chr(point).lower()
        if len(lower) != 1:
            continue
        if lower == "đ":
            base, marks = "d", ["\u0306"]  # the letter after d
        else:
            base, *marks = unicodedata.normalize("NFD", lower)
        if "a" <= base <= "z":
            letter_mark = max((_LETTER_MARKS.get(m, 0) for m in marks), default=0)
            letters[point] = chr(0x1000 + (ord(base) - ord("a")) * 4 + letter_mark)
        tones[point] = str(max((_TONES.get(m, 0) for m in marks), default=0))
    return letters, tones


_LETTERS, _TONE_DIGITS = _collation_tables()


@functools.total_ordering
class _Ties:
    """The end of a vietnamese_key: the tones (the place's, then the whole name's), then the
    name as written. Worked out only when two keys get this far, i.e. when two names have the
    same letters: the tables of a district's thousand unions then cost one str.translate a name
    (about 5 µs), not four (the largest district's rows took 20 ms to sort with four)."""

    __slots__ = ("_name", "_start", "_ties")

    def __init__(self, name: str, start: int):
        self._name, self._start, self._ties = name, start, None

    def _key(self) -> tuple:
        if self._ties is None:
            tones = self._name.translate(_TONE_DIGITS)  # one character for one: the place's are a slice
            self._ties = (tones[self._start:], tones, self._name)
        return self._ties

    def __eq__(self, other):
        return self._key() == other._key() if isinstance(other, _Ties) else NotImplemented

    def __lt__(self, other):
        return self._key() < other._key() if isinstance(other, _Ties) else NotImplemented

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"_Ties({self._name!r})"


def vietnamese_key(name: str) -> tuple:
    """A sort key putting names in Vietnamese alphabetical order, by place name first: the
    place's letters, the whole name's letters, then (only looked at on a tie) the place's tones,
    the name's tones and the name as written."""
    name = " ".join(unicodedata.normalize("NFC", name).split())
    head = _GENERIC_HEAD.match(name)
    start = head.end() if head else 0
    letters = name.translate(_LETTERS)  # one character for one, so the place's are a slice
    return letters[start:], letters, _Ties(name, start)


def in_vietnamese_order(units) -> list:
    """The units (a queryset, read in tree order, or any iterable of things with a `name`), in
    Vietnamese alphabetical order of their names; namesakes in the order they came. Sorted in
    Python: the database's order by the folded name puts Đ with D, and its collations differ
    between PostgreSQL's locales and SQLite."""
    return sorted(units.order_by("path") if hasattr(units, "order_by") else units,
                  key=lambda unit: vietnamese_key(unit.name))
