"""Ids made from human names: one function for every one of them.

Submission ids made from folder or file names, QDA project ids made from a project's name, the
steward agents of provenance records and the people of an RO-Crate all go through `slug`, so a
name gives the same id wherever cokg makes one.

Accented letters are spelt in ASCII, not dropped: "Étude Québec – été" is `etude-quebec-ete`
(it was `tude-qu-bec-t`, and "à Lyon" and "ô Lyon" were one id). A name with letters that have
no Latin spelling (Greek, Cyrillic, CJK ...) keeps what is Latin in it and gets a short hash of
the whole name, so two such names are two ids and an id is never empty.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["legacy_slug", "slug", "transliterate"]

# Latin letters that NFKD does not decompose into a base letter and marks.
_LETTERS = {
    "ß": "ss",
    "æ": "ae",
    "ø": "o",
    "œ": "oe",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "ŋ": "ng",
    "ĸ": "k",
    "ſ": "s",
    "ƒ": "f",
    "ɨ": "i",
    "ʉ": "u",
    "ƀ": "b",
    "ɗ": "d",
    "ƙ": "k",
    "ƴ": "y",
    "ə": "e",
    "ɛ": "e",
    "ɔ": "o",
    "ʒ": "z",
}
_TABLE = str.maketrans(_LETTERS)
_NOT_ID = re.compile(r"[^a-z0-9]+")
HASH_LENGTH = 8


def transliterate(text: str) -> str:
    """`text` lower-cased with its Latin letters spelt in ASCII ("Grüße, Łódź" -> "grusse,
    lodz"): compatibility-decomposed (NFKD: ligatures, full-width and accented letters), marks
    dropped, and the letters NFKD leaves whole spelt by a table (ß, æ, ø, œ, ł, đ, þ ...).
    Characters with no Latin spelling are left as they are."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(_TABLE)
    decomposed = unicodedata.normalize("NFKD", lowered)
    # after NFKD the table again: a compatibility form may decompose to one of its letters
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_TABLE)


def _unspelt(text: str) -> bool:
    """Whether `text` (transliterated) still holds letters or digits with no ASCII spelling."""
    return any(not c.isascii() and unicodedata.category(c)[0] in "LN" for c in text)


def slug(text: str, *, empty: str = "submission", max_length: int = 64) -> str:
    """An id from a human name: lower-case ASCII letters and digits, words joined by single
    hyphens, at most `max_length` characters ("Étude Québec – entrevues" ->
    "etude-quebec-entrevues"). A name with letters or digits that have no Latin spelling gets
    `-` and 8 hex digits of its hash ("東京 2024" -> "2024-<hash>"; "東京" -> "<empty>-<hash>"),
    kept when the id is shortened; a name with nothing in it gives `empty`."""
    name = unicodedata.normalize("NFC", text).strip()
    spelt = transliterate(name)
    words = _NOT_ID.sub("-", spelt).strip("-")
    if not _unspelt(spelt) and (words or not name):
        return _shorten(words, max_length) or empty
    if not name.strip(" -_.") and not words:
        return empty
    # what cannot be spelt is told apart by its hash, stable whatever the case of the rest
    digest = hashlib.sha256(name.lower().encode("utf-8")).hexdigest()[:HASH_LENGTH]
    head = _shorten(words or empty, max_length - HASH_LENGTH - 1)
    return f"{head}-{digest}" if head else digest


def _shorten(words: str, max_length: int) -> str:
    return words[:max_length].strip("-")


def legacy_slug(text: str) -> str:
    """The id cokg made from a name before `slug` spelt accented letters: every character
    outside a-z and 0-9 dropped ("Étude Québec" -> "tude-qu-bec"). Only to recognise a
    submission stored under such an id, never to make one."""
    return _NOT_ID.sub("-", text.lower()).strip("-") or "submission"
