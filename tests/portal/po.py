"""A small .po reader for the catalogue tests: the portal's English (test_english) and the
Vietnamese for Django's own missing strings (test_django_vietnamese)."""

import ast
import gettext
from pathlib import Path


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file (obsolete "#~" entries left out; the header is the entry with
    an empty msgid), each a dict of its fields ("msgid", "msgid_plural", "msgstr", "msgstr[0]",
    …) plus "flags", "sources" (the "#:" references) and "line"."""
    entries, current, field = [], None, None

    def finish():
        if current is not None and "msgid" in current:
            entries.append(current)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            current, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = {"flags": set(), "sources": "", "line": number}
        if line.startswith("#,"):
            current["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#:"):
            current["sources"] += line[2:] + " "
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            current[field] = ast.literal_eval(value)
    finish()
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def describe(entries) -> str:
    return "\n".join(f"  line {e['line']}: {e['msgid'][:70]!r}" for e in entries)


def compiled(mo_path: Path) -> dict:
    """The catalogue of a compiled .mo file, as gettext reads it."""
    with open(mo_path, "rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def stale_entries(entries, catalog: dict, plurals: int) -> list[dict]:
    """The entries whose translation the compiled `catalog` does not hold as the .po says
    (`plurals`: the language's number of plural forms)."""
    stale = []
    for entry in entries:
        key = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            ok = all(catalog.get((key, n)) == entry.get(f"msgstr[{n}]") for n in range(plurals))
        else:
            ok = catalog.get(key) == entry["msgstr"]
        if not ok:
            stale.append(entry)
    return stale
