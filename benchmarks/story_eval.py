"""How good the stories are: the hand-labelled pairs, and the publishers' links they find again.

Usage: python benchmarks/story_eval.py [--corpus DIR] [--pairs CSV] [--share 0.2] [--seed 5] [--json]

Two measures, both from the real build (:func:`graph.pipeline.build` with ``stories=True``):

- **labelled pairs** (``tests/data/story_pairs.csv``, see ``tests/data/story_pairs.md``): the
  precision and recall of "these two articles are one story", for the stories the build finds and
  for the old rule, "in one connected component of the publishers' ``related`` links";
- **held-out links**: the ``related`` lists of a seeded random ``share`` of the files are
  removed from a copy of the corpus, which is built again; of the article pairs that lost every
  link between them (either direction), how many the stories still put together.

``--json`` prints the figures as JSON (what ``benchmarks/bench.py`` reads), otherwise a table.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from graph.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "coronavirus-news"
PAIRS = ROOT / "tests" / "data" / "story_pairs.csv"
#: The held-out measure's defaults: the share of files whose related lists go, and the seed that picks them.
SHARE, SEED = 0.2, 5


@dataclass(frozen=True, slots=True)
class LabelledPair:
    """Two article IRIs and whether a person judged them one story."""

    a: str
    b: str
    same: bool
    stratum: str = ""


@dataclass(frozen=True, slots=True)
class Score:
    """A binary "same story" prediction scored against labels.

    >>> s = Score(tp=3, fp=1, fn=2, tn=4)
    >>> s.precision, s.recall, round(s.f1, 3)
    (0.75, 0.6, 0.667)
    """

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 0 when nothing was predicted "same"."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 0 when no pair is labelled "same"."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """The harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """The counts and the three rates (for JSON)."""
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


def load_pairs(path: Path = PAIRS) -> list[LabelledPair]:
    """The labelled pairs of a CSV with columns ``a``, ``b``, ``label`` (``same``/``different``), ``stratum``."""
    with path.open(encoding="utf-8", newline="") as f:
        return [
            LabelledPair(row["a"], row["b"], row["label"].strip() == "same", row.get("stratum") or "")
            for row in csv.DictReader(f)
        ]


def score(pairs: Iterable[LabelledPair], together: Callable[[str, str], bool]) -> Score:
    """Score ``together(a, b)`` (the prediction "one story") against the labels of ``pairs``.

    >>> pairs = [LabelledPair("a", "b", True), LabelledPair("a", "c", False), LabelledPair("c", "d", True)]
    >>> score(pairs, same_group({"a": 1, "b": 1, "c": 1}))
    Score(tp=1, fp=1, fn=1, tn=0)
    """
    tp = fp = fn = tn = 0
    for pair in pairs:
        predicted = together(pair.a, pair.b)
        if predicted and pair.same:
            tp += 1
        elif predicted:
            fp += 1
        elif pair.same:
            fn += 1
        else:
            tn += 1
    return Score(tp, fp, fn, tn)


def same_group(group: Mapping[str, Hashable]) -> Callable[[str, str], bool]:
    """The prediction "both are in ``group`` and in the same one" (an article in no group is alone)."""
    missing = object()
    return lambda a, b: a in group and group[a] == group.get(b, missing)


def story_of(g: nx.MultiDiGraph) -> dict[str, str]:
    """article IRI → the story it is ``part_of`` (articles in no story are absent)."""
    return {u: v for u, v, relation in g.edges(data="relation") if relation == "part_of"}


def related_links(g: nx.MultiDiGraph) -> set[frozenset[str]]:
    """The publishers' ``related`` links, undirected, between two different nodes."""
    return {frozenset((u, v)) for u, v, relation in g.edges(data="relation") if relation == "related" and u != v}


def component_of(g: nx.MultiDiGraph) -> dict[str, int]:
    """node → its connected component of the ``related`` links (the old "same story" rule)."""
    links = nx.Graph(tuple(link) for link in related_links(g))
    return {node: i for i, part in enumerate(nx.connected_components(links)) for node in part}


def labelled(g: nx.MultiDiGraph, pairs: Sequence[LabelledPair]) -> dict[str, Any]:
    """Precision and recall on ``pairs`` of the stories of ``g`` and of the related-links components.

    ``missing`` counts the pairs with an article that is not in ``g`` (scored as "different").
    """
    rules = {"stories": same_group(story_of(g)), "components": same_group(component_of(g))}
    strata = sorted({p.stratum for p in pairs})
    return {
        "pairs": len(pairs),
        "same": sum(p.same for p in pairs),
        "missing": sum(1 for p in pairs if p.a not in g or p.b not in g),
        **{name: score(pairs, rule).as_dict() for name, rule in rules.items()},
        "by_stratum": {
            s: {name: asdict(score([p for p in pairs if p.stratum == s], rule)) for name, rule in rules.items()}
            for s in strata
        },
    }


def strip_related(text: str) -> str | None:
    """``text`` without the ``related`` list of its front matter; None when it has none.

    >>> print(strip_related("---\\ntitle: A\\nrelated:\\n  - title: B\\n\\n    webUrl: x\\nsecured: s\\n---\\nbody"))
    ---
    title: A
    secured: s
    ---
    body
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return None
        if lines[i].rstrip() == "related:":
            end = i + 1
            while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t", "- "))):
                end += 1
            return "\n".join(lines[:i] + lines[end:])
    return None


def hold_out(folder: Path, share: float = SHARE, seed: int = SEED) -> tuple[int, int]:
    """Remove the ``related`` lists of a seeded random ``share`` of the files under ``folder``, in place.

    Returns (files picked, files that had a related list).
    """
    files = sorted(folder.rglob("*.md"))
    picked = random.Random(seed).sample(files, int(len(files) * share))
    stripped = 0
    for path in picked:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        without = strip_related(text)
        if without is not None:
            path.write_text(without, encoding="utf-8", errors="surrogateescape")
            stripped += 1
    return len(picked), stripped


def held_out(
    corpus: Path,
    share: float = SHARE,
    seed: int = SEED,
    links: set[frozenset[str]] | None = None,
    jobs: int | None = None,
) -> dict[str, Any]:
    """Remove the related lists of ``share`` of the files of a copy of ``corpus``, build it with stories,
    and count the pairs that lost every link and are still in one story.

    ``links``: the related links of the whole corpus (built here when not given). Only pairs whose
    two articles are still in the graph count (an article known only from a removed list is gone).
    """
    if links is None:
        links = related_links(build([corpus], jobs=jobs).graph)
    with tempfile.TemporaryDirectory(prefix="newsgraph-heldout-") as tmp:
        copy = Path(tmp) / "corpus"
        shutil.copytree(corpus, copy)
        picked, stripped = hold_out(copy, share, seed)
        started = time.perf_counter()
        g = build([copy], jobs=jobs, stories=True).graph
        seconds = time.perf_counter() - started
    removed = [tuple(sorted(pair)) for pair in links - related_links(g) if all(node in g for node in pair)]
    together = sum(same_group(story_of(g))(a, b) for a, b in removed)
    return {
        "share": share,
        "seed": seed,
        "files_picked": picked,
        "files_stripped": stripped,
        "removed": len(removed),
        "same_story": together,
        "recovered": together / len(removed) if removed else None,
        "build_s": seconds,
    }


def evaluate(
    corpus: Path = CORPUS,
    pairs: Path | None = PAIRS,
    share: float = SHARE,
    seed: int = SEED,
    jobs: int | None = None,
) -> dict[str, Any]:
    """Both measures on ``corpus`` (the labelled pairs skipped when ``pairs`` is None), from one build
    of the corpus with stories and one of the held-out copy."""
    started = time.perf_counter()
    g = build([corpus], jobs=jobs, stories=True).graph
    seconds = time.perf_counter() - started
    stories = {v for v in story_of(g).values()}
    result: dict[str, Any] = {
        "corpus": str(corpus),
        "articles": sum(1 for _, kind in g.nodes(data="kind") if kind == "article"),
        "stories": len(stories),
        "in_stories": len(story_of(g)),
        "build_s": seconds,
    }
    if pairs is not None:
        result["labelled"] = labelled(g, load_pairs(pairs))
    result["held_out"] = held_out(corpus, share, seed, related_links(g), jobs)
    return result


def table(result: Mapping[str, Any]) -> str:
    """The figures of :func:`evaluate` as a markdown table."""
    lines = [
        f"{result['articles']:,} articles, {result['stories']:,} stories holding {result['in_stories']:,} of them",
        "",
    ]
    lab = result.get("labelled")
    if lab:
        lines += [
            f"labelled pairs: {lab['pairs']} ({lab['same']} same; {lab['missing']} with an article not in the graph)",
            "",
            "| rule | precision | recall | F1 | tp | fp | fn |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, title in (("stories", "stories"), ("components", "related-links components (old)")):
            s = lab[name]
            lines.append(
                f"| {title} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
                f"{s['tp']} | {s['fp']} | {s['fn']} |"
            )
        lines.append("")
    h = result["held_out"]
    share = f"{h['recovered']:.1%}" if h["recovered"] is not None else "n/a"
    lines.append(
        f"held-out links ({h['share']:.0%} of the files lose their related lists, seed {h['seed']}): "
        f"{h['same_story']} of {h['removed']} removed pairs in one story ({share})"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus the labelled pairs come from")
    parser.add_argument("--pairs", type=Path, default=PAIRS, help="labelled pairs (CSV); 'none' to skip")
    parser.add_argument("--share", type=float, default=SHARE, help="share of files whose related lists go")
    parser.add_argument("--seed", type=int, default=SEED, help="seed picking those files")
    parser.add_argument("--jobs", type=int, default=None, help="read workers (default: the build's)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"no corpus at {args.corpus}")
    pairs = None if str(args.pairs).lower() == "none" else args.pairs
    result = evaluate(args.corpus, pairs, args.share, args.seed, args.jobs)
    print(json.dumps(result, indent=2) if args.json else table(result), end="\n" if args.json else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
