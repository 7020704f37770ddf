"""Person names: 1990 US Census first names and surnames matched as pairs, or after a cue.

Lab text is full of capitalised words that are also names ("May 2026 kit lot", "Lavender top",
"Will recollect", "Baker cabinet"), so a lone lexicon word counts only after a cue ("patient",
"spoke with", "Mrs") and a bare pair needs a first name that is not an ordinary word followed by a
surname.
"""

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from lims.identifiers.recognizers import Finding, words

MEANING = "a person's name"
DATA = Path(__file__).parent / "data"

# Capitalised words after "Dr"/"Mr" that are not a name ("Dr. Order changed").
NOT_A_NAME_AFTER_TITLE = words(
    "order orders ordered office visit visits note notes lab clinic team request requested "
    "signed approved on at said says asked wants aware notified informed called paged"
)

_WORD = r"[A-Za-z][A-Za-z'’-]*"
# "Linda", "McDonald", "O'Brien", "Smith-Jones", "Walker's".
# Each part starts with a mark or a capital, so a word splits one way only (no backtracking
# blow-up), and a word has at most four parts.
_CAPITALISED = r"[A-Z][a-z]*(?:(?:['’-][A-Z]?|[A-Z])[a-z]+){0,3}"
_TITLE_WORD = r"(?:[A-Z][a-z'’-]+|[A-Z]{2,}(?![a-z]))"
_LABEL = (
    r"(?:(?:first|last|given|family|full|maiden|patient(?:'s)?|participant(?:'s)?)\s*name"
    r"|name|surname)"
)
_CUE = (
    r"(?:patient|pt|participant|subject|donor|guardian|contact|mother|father|parent|son|daughter"
    r"|husband|wife|sister|brother|spoke\s+(?:with|to|w/)|talked\s+(?:with|to)|called|told|asked)"
)
_LABEL_WITH_SEPARATOR = re.compile(rf"\b{_LABEL}\s*[:=-]\s*\S", re.IGNORECASE)
_LABEL_THEN_WORD = re.compile(rf"\b{_LABEL}(?:\s+is)?\s+({_WORD})", re.IGNORECASE)
_TITLE = re.compile(r"\b(?i:mr|mrs|ms|miss|mx|dr|prof)\b\.?\s+([A-Z][A-Za-z'’-]+)")
_CUE_THEN_WORD = re.compile(
    rf"\b(?i:{_CUE})\b\.?(?:\s+is)?\s*[:=-]?\s*({_TITLE_WORD}|[A-Z]\.\s*[A-Z][a-z]+)"
)
# Lookaheads, so that overlapping pairs are all tried ("Sample Linda Brown").
_PAIR = re.compile(rf"\b(?=({_CAPITALISED})\s+(?:[A-Z]\.?\s+)?({_CAPITALISED}))")
_SAME_CASE_PAIR = re.compile(r"\b(?=([a-z]{3,}|[A-Z]{3,})\s+([a-z]{2,}|[A-Z]{2,})\b)")
# Written all in lower or upper case a pair is told from lab words by frequency alone: the most
# common names only ("john smith", "MARIA GARCIA").
FREQUENT_FIRST_NAMES, FREQUENT_SURNAMES = 1000, 2000
_INITIAL_AND_SURNAME = re.compile(rf"(?<![\w.])[A-Z]\.\s?({_CAPITALISED})")


@cache
def lexicon(name: str, top: int | None = None) -> frozenset[str]:
    """The lower-cased names of a data file, or only its ``top`` most frequent ones."""
    return frozenset((DATA / f"{name}.txt").read_text().lower().split()[:top])


def _bare(word: str) -> str:
    """The word as the Census writes it, in lower case: no possessive ("Walker's" is "walker")
    and no apostrophe ("O'Brien" is "obrien")."""
    return re.sub(r"['’]", "", re.sub(r"['’]s$", "", word)).lower()


def _is_first_name(word: str) -> bool:
    """A Census first name that is not also an ordinary word ("Will recollect", "May 2026 kit
    lot", "Royal Blue top": capitalised at the start of a note, these mean the word)."""
    return _bare(word) in lexicon("first_names") and _bare(word) not in lexicon(
        "ordinary_first_names"
    )


def _is_surname(word: str) -> bool:
    """A Census surname, or a double-barrelled one with a Census surname in it ("Garcia-Lopez")."""
    bare = _bare(word)
    return bare in lexicon("surnames") or any(
        part in lexicon("surnames") for part in bare.split("-") if "-" in bare
    )


def _is_name(word: str) -> bool:
    return _is_first_name(word) or _is_surname(word)


def _spans(text: str) -> Iterator[tuple[int, int, float]]:
    for match in _LABEL_WITH_SEPARATOR.finditer(text):
        yield match.start(), match.end(), 0.9
    for match in _LABEL_THEN_WORD.finditer(text):
        if _is_name(match.group(1)):
            yield match.start(), match.end(), 0.85
    for match in _TITLE.finditer(text):
        if _bare(match.group(1)) not in NOT_A_NAME_AFTER_TITLE:
            yield match.start(), match.end(), 0.85
    for match in _CUE_THEN_WORD.finditer(text):
        word = match.group(1)
        if "." in word or _is_name(word):
            yield match.start(), match.end(), 0.8
    for match in _PAIR.finditer(text):
        if _is_first_name(match.group(1)) and _is_surname(match.group(2)):
            yield match.start(), match.end(2), 0.7
    for match in _SAME_CASE_PAIR.finditer(text):
        first, surname = (word.lower() for word in match.groups())
        if (
            first in lexicon("first_names", FREQUENT_FIRST_NAMES)
            and first not in lexicon("ordinary_first_names")
            and surname in lexicon("surnames", FREQUENT_SURNAMES)
        ):
            yield match.start(), match.end(2), 0.6
    for match in _INITIAL_AND_SURNAME.finditer(text):
        if _is_surname(match.group(1)):
            yield match.start(), match.end(), 0.6


def analyze(text: str) -> Iterator[Finding]:
    for start, end, score in _spans(text):
        yield Finding(MEANING, start, end, score, "person_name")
