"""The identifier screen on the labelled corpus: recall, false positives, phrases per second."""

import time
from collections import Counter

from lims.identifiers import most_certain
from tests.lims.identifier_corpus import IDENTIFIERS, LAB_NOTES

MIN_RECALL, MAX_FALSE_POSITIVE_RATE = 0.95, 0.02
ROUNDS = 5


def main() -> None:
    missed = Counter(kind for text, kind in IDENTIFIERS if most_certain(text) is None)
    refused = [text for text in LAB_NOTES if most_certain(text)]
    recall = 1 - sum(missed.values()) / len(IDENTIFIERS)
    false_positive_rate = len(refused) / len(LAB_NOTES)
    phrases = [text for text, _ in IDENTIFIERS] + LAB_NOTES
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for text in phrases:
            most_certain(text)
    speed = ROUNDS * len(phrases) / (time.perf_counter() - start)
    print(
        f"{'recall on identifiers':<42} {recall:9.3f}   target >= {MIN_RECALL}   "
        f"{'ok' if recall >= MIN_RECALL else 'LOW'}   ({len(IDENTIFIERS)} phrases)"
    )
    print(
        f"{'false positives on lab notes':<42} {false_positive_rate:9.3f}   "
        f"target <= {MAX_FALSE_POSITIVE_RATE}   "
        f"{'ok' if false_positive_rate <= MAX_FALSE_POSITIVE_RATE else 'HIGH'}"
        f"   ({len(LAB_NOTES)} phrases)"
    )
    print(f"{'phrases screened per second':<42} {speed:9.0f}")
    for kind, count in sorted(missed.items()):
        print(f"  missed {count} {kind}")
    for text in refused:
        print(f"  refused lab note: {text!r} ({most_certain(text).meaning})")
