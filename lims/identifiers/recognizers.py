"""Pattern recognizers in the style of Microsoft Presidio: scored patterns, context, validation.

A recognizer scores each match of its patterns; words shortly before the match raise the score
(its context: "SSN", "MRN") or lower it (lab words: "lot", "tracking", "FedEx"), and a validation
function can reject a match outright (an SSN the SSA never issues, a 31st of February). A finding
at or above THRESHOLD is reported.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass


def words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string: long lists stay readable."""
    return frozenset(text.split())


THRESHOLD = 0.5
CONTEXT_BOOST = 0.35  # Presidio's default context similarity factor
CONTEXT_WORDS = 5  # words looked at before a match (Presidio's default prefix count)

# Words that make a number a lab number (lot, tracking, tube, order) rather than a person's.
LAB_CONTEXT = words(
    "lot kit batch tracking track fedex ups dhl usps courier waybill airbill order ref "
    "reference serial s/n sn barcode tube box rack shelf freezer aliquot specimen sample "
    "shipment manifest catalog cat model part invoice po protocol study"
)


@dataclass(frozen=True)
class Finding:
    meaning: str
    start: int
    end: int
    score: float
    recognizer: str


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern
    score: float


@dataclass(frozen=True)
class PatternRecognizer:
    name: str
    meaning: str
    patterns: tuple[Pattern, ...]
    context: frozenset[str] = frozenset()
    damped_by_lab_context: bool = False
    validate: Callable[[re.Match], bool] | None = None

    def analyze(self, text: str) -> Iterator[Finding]:
        for pattern in self.patterns:
            for match in pattern.regex.finditer(text):
                if self.validate and not self.validate(match):
                    continue
                score = pattern.score + context_adjustment(
                    text, match.start(), self.context, self.damped_by_lab_context
                )
                if score >= THRESHOLD:
                    yield Finding(self.meaning, match.start(), match.end(), score, self.name)


def context_adjustment(text: str, start: int, context: frozenset[str], damped: bool) -> float:
    """Raise a score for its own context words before ``start``; lower it for lab words."""
    # Five words fit in a short slice; the whole prefix would make many findings quadratic.
    window = text[max(0, start - 16 * CONTEXT_WORDS) : start].lower()
    before = set(re.findall(r"[a-z/#]+", window)[-CONTEXT_WORDS:])
    before |= {word.rstrip("#") for word in before}
    adjustment = CONTEXT_BOOST if before & context else 0.0
    if damped and before & LAB_CONTEXT:
        adjustment -= CONTEXT_BOOST
    return adjustment


def _compile(*sources: str, flags: int = re.IGNORECASE) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(source, flags) for source in sources)


def _ssn_is_issuable(match: re.Match) -> bool:
    """The SSA never issues area 000, 666 or 9xx, group 00 or serial 0000."""
    digits = re.sub(r"\D", "", match.group())
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


SSN = PatternRecognizer(
    name="us_ssn",
    meaning="a social security number",
    patterns=(
        Pattern(re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"), 0.85),
        Pattern(re.compile(r"(?<![\w-])\d{3} \d{2} \d{4}(?![\w-])"), 0.6),
        Pattern(re.compile(r"(?<![\w-])\d{9}(?![\w-])"), 0.5),
    ),
    context=words("ssn ss# ss social security soc sec ssa"),
    damped_by_lab_context=True,
    validate=_ssn_is_issuable,
)

MRN = PatternRecognizer(
    name="medical_record_number",
    meaning="a medical record number",
    patterns=tuple(
        Pattern(regex, 0.85)
        for regex in _compile(
            r"\b(?:mrn|mr\s*#|med(?:ical)?\.?\s*rec(?:ord)?\.?)\s*(?:no\.?|number|num|#)?\s*[:#-]?\s*"
            r"[a-z]{0,2}\d{5,12}\b",
            r"\b(?:chart|hosp(?:ital)?\.?|(?:health\s+)?record)\s*(?:no\.?|number|num|#)\s*[:#-]?\s*"
            r"[a-z]{0,2}\d{5,12}\b",
        )
    ),
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"


def _numeric_date_is_real(match: re.Match) -> bool:
    """Day and month in range whichever comes first (US and European order both occur)."""
    parts = [int(part) for part in re.findall(r"\d+", match.group())]
    first, second = (parts[1], parts[2]) if parts[0] > 31 else (parts[0], parts[1])
    return 1 <= min(first, second) <= 12 and max(first, second) <= 31


NUMERIC_DATE = PatternRecognizer(
    name="numeric_date",
    meaning="a full date",
    patterns=(
        Pattern(re.compile(rf"(?<![\w/.-])\d{{1,2}}([/.-])\d{{1,2}}\1{_YEAR}(?![\w/.-])"), 0.8),
        Pattern(re.compile(r"(?<![\w/.-])\d{1,2}/\d{1,2}/\d{2}(?![\w/.-])"), 0.6),
        Pattern(re.compile(rf"(?<![\w/.-]){_YEAR}([/.-])\d{{1,2}}\1\d{{1,2}}(?![\w/.-])"), 0.8),
    ),
    validate=_numeric_date_is_real,
)

WRITTEN_DATE = PatternRecognizer(
    name="written_date",
    meaning="a full date",
    patterns=tuple(
        Pattern(regex, 0.8)
        for regex in _compile(
            rf"\b{_MONTH}\s+{_DAY},?\s+(?:{_YEAR}|'\d{{2}})\b",
            rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?:{_YEAR}|'\d{{2}})\b",
        )
    ),
)

DATE_OF_BIRTH = PatternRecognizer(
    name="date_of_birth",
    meaning="a date of birth",
    patterns=tuple(
        Pattern(regex, 0.9)
        for regex in _compile(
            r"\b(?:d\.?o\.?b|date\s+of\s+birth|birth\s*date|birthday|born)\b",
            rf"(?<![\w.-])b\.?\s?{_YEAR}\b",
        )
    ),
)

# A spelled-out dot or at needs spaces or brackets round it; a bare "." needs none or both, so
# that a sentence's full stop ("arrived at lab. US courier") is not read as one.
_DOT = r"(?:\.|\s+\.\s+|\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+)"
_AT = r"(?:\s*@\s*|\s*[\[({]\s*at\s*[\])}]\s*|\s+at\s+)"
_TLD = r"(?:com|org|net|edu|gov|mil|int|info|biz|io|us|uk|ca|de|fr|au|nl|ch|es|it)"
_PROVIDER = (
    r"(?:gmail|googlemail|yahoo|hotmail|outlook|aol|icloud|protonmail|proton|live|msn|comcast)"
)
# Matches start where no address character precedes and repeat a bounded number of times, so
# that a long run of "a.a.a…" or "x dot x dot …" costs linear time, not quadratic.
_LOCAL = r"(?<![\w.+-])[\w+-]+(?:(?:\.|\s+dot\s+)[\w+-]+){0,4}"

EMAIL = PatternRecognizer(
    name="email_address",
    meaning="an e-mail address",
    patterns=(
        Pattern(re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), 0.9),
        Pattern(
            re.compile(
                rf"{_LOCAL}{_AT}[\w-]+(?:{_DOT}[\w-]+){{0,4}}?{_DOT}{_TLD}\b", re.IGNORECASE
            ),
            0.8,
        ),
        Pattern(re.compile(rf"{_LOCAL}{_AT}{_PROVIDER}\b", re.IGNORECASE), 0.8),
    ),
)

_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Ter|Circle|Cir|Highway|Hwy|Parkway|Pkwy|Loop|Square|Sq|Trail|Trl|Route|Rte)"
)
_STATE = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV"
    r"|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)"
)

STREET_ADDRESS = PatternRecognizer(
    name="street_address",
    meaning="a street address",
    patterns=(
        # "12 Elm Street", "4400 N Lake Shore Dr", "55 W 3rd St": capitalised words, then a suffix.
        Pattern(
            re.compile(
                rf"\b\d{{1,6}}[A-Z]?\s+(?:(?:[A-Z][\w'-]*|\d+(?:st|nd|rd|th))\s+){{0,4}}"
                rf"{_SUFFIX}\b(?!-)"
            ),
            0.8,
        ),
        # "12 elm street": in lower case only the suffixes that are never lab words.
        Pattern(
            re.compile(
                r"\b\d{1,6}\s+(?:[a-z][\w'-]*\s+){1,3}(?:street|avenue|boulevard|st|ave|blvd)\b"
            ),
            0.7,
        ),
        Pattern(re.compile(r"\bp\.?\s?o\.?\s*box\s+\d+", re.IGNORECASE), 0.85),
        Pattern(re.compile(rf"[A-Z][a-z]+,\s*{_STATE}\s+\d{{5}}(?:-\d{{4}})?\b"), 0.85),
    ),
)

RECOGNIZERS = (SSN, MRN, NUMERIC_DATE, WRITTEN_DATE, DATE_OF_BIRTH, EMAIL, STREET_ADDRESS)
