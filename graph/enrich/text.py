"""Text evidence: TF-IDF vectors of headline and excerpt, and the pairs worth comparing (blocking).

The weights are scikit-learn's ``TfidfVectorizer`` defaults (raw counts, smooth
idf ``ln((1 + n) / (1 + df)) + 1``, L2 norm; ``tests/test_enrich.py`` checks
the cosines against scikit-learn on the shared corpus). They are computed here
because importing scikit-learn's text module takes 1.8 s, longer than a whole
rebuild (measured 2026-11-30), while these few lines take 0.2 s for the corpus.

No all-pairs comparison: :func:`candidate_pairs` only looks at pairs that share
a rare word (one that fewer than ``cap`` articles use, within the same few days),
accumulating the part of their cosine those words make, and keeps a pair whose
partial score already reaches ``floor``; its exact cosine is computed afterwards.

>>> docs = {"a": tokens("Oregon reports 70 new cases"), "b": tokens("Oregon: 70 new cases reported"),
...         "c": tokens("Thailand reports one case")}
>>> vec = tfidf(docs)
>>> round(cosine(vec["a"], vec["b"]), 3), round(cosine(vec["a"], vec["c"]), 3)
(0.69, 0.237)
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from typing import Final

__all__ = ["STOP_WORDS", "candidate_pairs", "cosine", "tfidf", "tokens"]

#: Words too common in news to say anything about which story a text is about.
STOP_WORDS: Final = frozenset(
    (  # noqa: SIM905 - a paragraph reads better than 130 strings
        "a about after against all also amid an and any are as at be been before being but by can could did do "
        "does during each few for from had has have he her here his how i if in into is it its just may might more "
        "most much new no not now of on once one only or other our out over own said says say she should since so "
        "some such than that the their them then there these they this those through to too under until up upon "
        "very via was we were what when where which while who whom why will with would you your"
    ).split()
)

_WORD: Final = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def tokens(text: str) -> Counter[str]:
    """The words of ``text`` that can tell stories apart: lower case, no stop words, no possessive ``'s``.

    >>> sorted(tokens("Singapore's health ministry confirms 788 new cases").items())
    [('788', 1), ('cases', 1), ('confirms', 1), ('health', 1), ('ministry', 1), ('singapore', 1)]
    """
    out: Counter[str] = Counter()
    for word in _WORD.findall(text.lower()):
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if len(word) > 1 and word not in STOP_WORDS:
            out[word] += 1
    return out


Vector = dict[str, float]


def tfidf(docs: Mapping[str, Counter[str]]) -> dict[str, Vector]:
    """L2-normalised TF-IDF vectors of ``docs`` (scikit-learn's defaults); an empty document has none."""
    n = len(docs)
    df: Counter[str] = Counter()
    for counts in docs.values():
        df.update(counts.keys())
    idf = {word: math.log((1 + n) / (1 + k)) + 1.0 for word, k in df.items()}
    out: dict[str, Vector] = {}
    for key, counts in docs.items():
        weights = {word: count * idf[word] for word, count in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if norm:
            out[key] = {word: w / norm for word, w in weights.items()}
    return out


def cosine(a: Vector, b: Vector) -> float:
    """The cosine of two normalised vectors."""
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum(w * get(word, 0.0) for word, w in a.items())


def candidate_pairs(
    vectors: Mapping[str, Vector], day: Mapping[str, int | None], cap: int, window: int, floor: float
) -> set[tuple[str, str]]:
    """Pairs ``(a, b)`` (``a < b``) sharing rare words worth at least ``floor`` of their cosine.

    ``day``: each document's day number (None when undated: compared with every day). A word is
    rare when at most ``cap`` documents within ``window`` days either side of a day use it;
    commoner words still count in the exact cosine, they only do not make candidates.
    """
    postings: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
    for key in sorted(vectors):
        d = day.get(key)
        for word, w in vectors[key].items():
            postings[word].append((-1 if d is None else d, key, w))
    partial: dict[tuple[str, str], float] = defaultdict(float)
    for entries in postings.values():
        if len(entries) < 2:
            continue
        entries.sort()
        for first, rest in _blocks(entries, cap, window):
            for i, (_, a, wa) in enumerate(first):
                for _, b, wb in itertools.chain(first[i + 1 :], rest):
                    partial[(a, b) if a < b else (b, a)] += wa * wb
    return {pair for pair, score in partial.items() if score >= floor}


Entry = tuple[int, str, float]


def _blocks(entries: list[Entry], cap: int, window: int) -> Iterator[tuple[list[Entry], list[Entry]]]:
    """``(first, rest)`` blocks of one word's ``entries`` (sorted by day): every pair to compare is
    a pair within ``first`` or between ``first`` and ``rest``, and is in one block only.

    One block per day: that day's entries, and those of the ``window`` days after it; undated
    entries (day -1) come first and are compared with all. A block of more than ``cap`` entries is
    skipped: the word is common in those days.

    >>> e = [(-1, "u", 1.0), (0, "a", 1.0), (1, "b", 1.0), (9, "c", 1.0)]
    >>> [([k for _, k, _ in f], [k for _, k, _ in r]) for f, r in _blocks(e, 10, 3)]
    [(['u'], ['a', 'b', 'c']), (['a'], ['b']), (['b'], []), (['c'], [])]
    """
    undated = 0
    while undated < len(entries) and entries[undated][0] < 0:
        undated += 1
    if undated and len(entries) <= cap:
        yield entries[:undated], entries[undated:]
    start = undated
    while start < len(entries):
        day = entries[start][0]
        end = start
        while end < len(entries) and entries[end][0] == day:
            end += 1
        stop = end
        while stop < len(entries) and entries[stop][0] - day <= window:
            stop += 1
        if stop - start <= cap:
            yield entries[start:end], entries[end:stop]
        start = end
