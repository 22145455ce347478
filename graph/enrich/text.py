"""Text evidence: TF-IDF vectors of headline and excerpt, and the pairs worth comparing (blocking).

The weights are scikit-learn's ``TfidfVectorizer`` defaults (raw counts, smooth
idf ``ln((1 + n) / (1 + df)) + 1``, L2 norm; ``tests/test_enrich.py`` checks
them against scikit-learn). They are computed here because importing
scikit-learn's text module takes 1.8 s, longer than a whole rebuild (measured
2026-11-30), while these numpy passes take about 0.1 s for the corpus.

No all-pairs comparison: :meth:`Matrix.candidates` only looks at pairs that
share a rare word (one that at most ``cap`` articles use within the same few
days), adds up the part of their cosine those words make, and keeps a pair
whose partial score reaches ``floor``; :meth:`Matrix.cosines` then gives the
exact cosine of the pairs kept.

>>> m = Matrix.of({"a": "Oregon reports 70 new cases", "b": "Oregon: 70 new cases reported",
...                "c": "Thailand reports one case"})
>>> [round(c, 3) for c in m.cosines([("a", "b"), ("a", "c")])]
[0.69, 0.237]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

__all__ = ["STOP_WORDS", "Matrix", "tokens"]

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
    words = [w[:-2] if w.endswith(_POSSESSIVE) else w for w in _WORD.findall(text.lower())]
    return Counter([w for w in words if len(w) > 1 and w not in STOP_WORDS])


_POSSESSIVE: Final = ("'s", "’s")


class Matrix:
    """The vectors as flat numpy arrays (one entry per document and word), for blocking and cosines in bulk.

    Python loops over the 700,000 word-sharing pairs of the corpus took 0.7 s and the 59,000
    exact cosines 0.6 s; these array passes take a few tens of milliseconds (measured 2026-11-30).

    >>> m = Matrix.of({"a": "Oregon reports 70 cases", "b": "Oregon 70 cases", "c": "Thailand case"})
    >>> m.candidates({"a": 0, "b": 1, "c": 1}, cap=5, window=3, floor=0.1)
    [('a', 'b')]
    >>> [round(c, 3) for c in m.cosines([("a", "b"), ("a", "c")])]
    [0.796, 0.0]
    """

    def __init__(self, docs: Mapping[str, Mapping[str, int]]) -> None:
        """The TF-IDF matrix of ``docs`` (each a bag of :func:`tokens`); an empty document has no row."""
        import numpy as np

        self.keys = sorted(k for k, bag in docs.items() if bag)
        self.index = {k: i for i, k in enumerate(self.keys)}
        vocab: dict[str, int] = {}
        add = vocab.setdefault
        bags = [docs[k] for k in self.keys]
        words = np.array([add(w, len(vocab)) for bag in bags for w in bag], dtype=np.int64)
        counts = np.array([c for bag in bags for c in bag.values()], dtype=np.float64)
        self.doc = np.repeat(np.arange(len(bags), dtype=np.int64), [len(bag) for bag in bags])
        self.word = words
        self.vocabulary = len(vocab)
        n = len(bags)
        df = np.bincount(words, minlength=self.vocabulary)
        weight = counts * (np.log((1 + n) / (1 + df)) + 1.0)[words]
        norm = np.sqrt(np.bincount(self.doc, weights=weight * weight, minlength=n))
        self.weight = weight / norm[self.doc] if n else weight
        # entries are in document order: document i's are doc_start[i]:doc_start[i + 1]
        self.doc_start = np.searchsorted(self.doc, np.arange(n + 1))
        code = self.doc * max(1, self.vocabulary) + self.word
        order = np.argsort(code, kind="stable")
        self._code, self._code_weight = code[order], self.weight[order]

    @classmethod
    def of(cls, texts: Mapping[str, str]) -> Matrix:
        """The matrix of ``texts`` (key → text)."""
        return cls({k: tokens(t) for k, t in texts.items()})

    def vector(self, key: str) -> dict[str, float]:
        """The weights of one document, by word index (for tests and inspection)."""
        i = self.index[key]
        lo, hi = int(self.doc_start[i]), int(self.doc_start[i + 1])
        return dict(zip(self.word[lo:hi].tolist(), self.weight[lo:hi].tolist(), strict=True))

    def candidates(
        self,
        day: Mapping[str, int | None],
        cap: int,
        window: int,
        floor: float,
        only: Collection[str] | None = None,
    ) -> list[tuple[str, str]]:
        """Pairs ``(a, b)`` (``a < b``, sorted) sharing rare words worth at least ``floor`` of their cosine.

        ``day``: each document's day number (None when undated: compared with every day). A word is
        rare when at most ``cap`` documents within ``window`` days of a day use it; commoner words
        still count in the exact cosine, they only make no candidates.

        One block per word and day: that day's entries and those of the ``window`` days after it;
        undated entries are compared with all. A block of more than ``cap`` entries is skipped: the
        word is common in those days. Entries are sorted by word, day and document; an entry meets
        the later entries of its block, so only the next ``cap`` entries need looking at.

        ``only``: just the pairs with one of these documents (its words' blocks are walked whole,
        so each pair's partial score is the same as without ``only``).
        """

        if only is not None:
            return self._candidates_of(only, day, cap, window, floor)
        return self._walk(None, day, cap, window, floor)

    def _candidates_of(
        self, only: Collection[str], day: Mapping[str, int | None], cap: int, window: int, floor: float
    ) -> list[tuple[str, str]]:
        import numpy as np

        rows = np.array(sorted(self.index[k] for k in only if k in self.index), dtype=np.int64)
        if not len(rows):
            return []
        mine = np.zeros(len(self.keys), dtype=bool)
        mine[rows] = True
        words = np.zeros(max(1, self.vocabulary), dtype=bool)
        words[self.word[mine[self.doc]]] = True
        found = self._walk(words[self.word], day, cap, window, floor)
        index = self.index
        return [(a, b) for a, b in found if mine[index[a]] or mine[index[b]]]

    def _walk(
        self, entries: Any, day: Mapping[str, int | None], cap: int, window: int, floor: float
    ) -> list[tuple[str, str]]:
        """The candidate pairs from the entries selected by the boolean mask ``entries`` (None: all)."""
        import numpy as np

        doc, word, weight = self.doc, self.word, self.weight
        if entries is not None:
            doc, word, weight = doc[entries], word[entries], weight[entries]
        days = np.array([-1 if (n := day.get(k)) is None else n for k in self.keys], dtype=np.int64)
        entry_day = days[doc]
        order = np.lexsort((doc, entry_day, word))
        word, d, doc, weight = word[order], entry_day[order], doc[order], weight[order]
        stride = int(d.max(initial=0)) + window + 3
        key = word * stride + (d + 1)
        undated = d < 0
        end = np.where(undated, word * stride + stride - 1, key + window)
        start = np.where(undated, word * stride, key)
        count = np.searchsorted(key, end, side="right") - np.searchsorted(key, start, side="left")
        rare = count <= cap
        found_a: list[Any] = []
        found_b: list[Any] = []
        found_w: list[Any] = []
        for k in range(1, cap + 1):
            e = np.arange(len(word) - k)
            f = e + k
            keep = rare[e] & (word[f] == word[e]) & (undated[e] | (d[f] - d[e] <= window))
            e, f = e[keep], f[keep]
            if not len(e):
                break  # no word has k + 1 entries in a rare block: none has more
            found_a.append(doc[e])
            found_b.append(doc[f])
            found_w.append(weight[e] * weight[f])
        if not found_a:
            return []
        a, b = np.concatenate(found_a), np.concatenate(found_b)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        pairs, inverse = np.unique(lo * len(self.keys) + hi, return_inverse=True)
        partial = np.bincount(inverse, weights=np.concatenate(found_w))
        kept = pairs[partial >= floor]
        keys = self.keys
        return [(keys[p // len(keys)], keys[p % len(keys)]) for p in kept.tolist()]

    def cosines(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """The exact cosine of each pair: the sum over the first document's words of both weights."""
        import numpy as np

        if not pairs:
            return []
        a = np.array([self.index[x] for x, _ in pairs], dtype=np.int64)
        b = np.array([self.index[y] for _, y in pairs], dtype=np.int64)
        starts, lengths = self.doc_start[a], self.doc_start[a + 1] - self.doc_start[a]
        owner = np.repeat(np.arange(len(pairs)), lengths)
        rows = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths) + starts[owner]
        wanted = b[owner] * max(1, self.vocabulary) + self.word[rows]
        at = np.searchsorted(self._code, wanted)
        at[at == len(self._code)] = 0
        hit = self._code[at] == wanted
        products = np.where(hit, self.weight[rows] * self._code_weight[at], 0.0)
        return [float(x) for x in np.bincount(owner, weights=products, minlength=len(pairs))]
