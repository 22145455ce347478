"""Sample candidate article pairs for the "same story" evaluation set.

Builds the knowledge graph with the project's own pipeline and draws
unordered article pairs (node IRIs, ``a < b``) from four strata:

``linked``
    pairs joined by a publisher ``related`` edge (either direction);
``component``
    pairs in the same connected component of the undirected related-links
    graph that are not directly linked; the largest component is
    over-sampled (``--largest-component`` pairs);
``similar``
    pairs in *different* components whose headlines look alike (Jaccard of
    the lower-cased title word sets without stop words and words in more than
    1% of titles >= 0.3 with 2+ shared words, or 3+ shared rare title
    words), published within 7 days of each other; half of the draw comes
    from the most similar band (Jaccard >= 0.5) so that the stratum contains
    a useful number of genuinely same-event pairs;
``random``
    uniform random pairs of articles with a title.

The output CSV has the columns of ``tests/data/story_pairs.csv`` with empty
``label`` and ``reason`` fields (labels are added by hand).  ``--excerpts``
appends the two excerpts to help the labeller.

Everything is deterministic for a given corpus and ``--seed``::

    python benchmarks/story_pairs_sample.py --out /tmp/story_pairs_candidates.csv
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import networkx as nx

from graph.pipeline import build

DEFAULT_CORPUS = "/work/shared/corpora/coronavirus-news"
DEFAULT_SEED = 20200506
STRATA = ("component", "linked", "random", "similar")

COLUMNS = [
    "a",
    "b",
    "stratum",
    "label",
    "reason",
    "a_title",
    "b_title",
    "a_date",
    "b_date",
    "a_outlet",
    "b_outlet",
]

# Function words plus the words every headline in a COVID-19 corpus shares.
_STOP_WORDS = """
    a an the of in on at to for from by with and or but as is are was were be
    been being it its this that these those he she they we you i his her their
    our your not no than then so if into over after before about amid amidst
    up down out off new more says say said will would can could may might has
    have had do does did how what why who when where which while just also
    coronavirus covid covid-19 covid19 virus pandemic outbreak sars-cov-2
"""
STOP = frozenset(_STOP_WORDS.split())

WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
OUTLET_SUFFIX = re.compile(r"\s+[|\-\u2013\u2014]\s+[^|\-\u2013\u2014]{2,60}$")


def title_words(title: str) -> frozenset[str]:
    """Lower-cased content words of a headline (outlet suffix removed)."""
    title = OUTLET_SUFFIX.sub("", title or "")
    words = WORD.findall(title.lower().replace("\u2019", "'"))
    return frozenset(w for w in words if w not in STOP and len(w) > 1)


def article_table(g: nx.MultiDiGraph) -> dict[str, dict]:
    """IRI -> title, excerpt, date, outlet, stub for every titled article."""
    table = {}
    for node, data in g.nodes(data=True):
        if data.get("kind") != "article" or not data.get("title"):
            continue
        outlets = sorted(
            g.nodes[v].get("label") or ""
            for _, v, ed in g.out_edges(node, data=True)
            if ed.get("relation") == "published_by"
        )
        table[node] = {
            "title": data.get("title") or "",
            "excerpt": data.get("excerpt") or "",
            "date": data.get("published_at"),
            "outlet": outlets[0] if outlets else "",
            "stub": bool(data.get("stub")),
        }
    return table


def related_graph(g: nx.MultiDiGraph, arts: dict) -> nx.Graph:
    rel = nx.Graph()
    for u, v, data in g.edges(data=True):
        if data.get("relation") == "related" and u != v and u in arts and v in arts:
            rel.add_edge(u, v)
    return rel


def pair(u: str, v: str) -> tuple[str, str]:
    return (u, v) if u < v else (v, u)


def sample_linked(rel: nx.Graph, rng: random.Random, k: int) -> list:
    edges = sorted(pair(u, v) for u, v in rel.edges())
    return rng.sample(edges, min(k, len(edges)))


def sample_component(rel: nx.Graph, rng: random.Random, k: int, k_largest: int) -> list:
    comps = sorted(
        (sorted(c) for c in nx.connected_components(rel)),
        key=lambda c: (-len(c), c[0]),
    )

    def unlinked(comp):
        return [p for p in itertools.combinations(comp, 2) if not rel.has_edge(*p)]

    chosen = rng.sample(unlinked(comps[0]), min(k_largest, len(unlinked(comps[0]))))
    # Other components: round-robin, one random unlinked pair per component per
    # round, so that many different components are represented.
    pools = [unlinked(c) for c in comps[1:]]
    pools = [p for p in pools if p]
    rng.shuffle(pools)
    for pool in pools:
        rng.shuffle(pool)
    while len(chosen) < k and any(pools):
        for pool in pools:
            if pool and len(chosen) < k:
                chosen.append(pool.pop())
    return [pair(*p) for p in chosen]


def similar_candidates(arts: dict, comp_of: dict) -> list[tuple[float, int, tuple]]:
    words = {n: title_words(a["title"]) for n, a in arts.items()}
    df = Counter(w for ws in words.values() for w in ws)
    common = {w for w, c in df.items() if c > 0.01 * len(arts)}
    rare = {w for w, c in df.items() if c <= 20}
    content = {n: ws - common for n, ws in words.items()}
    index = defaultdict(list)
    for n in sorted(arts):
        for w in content[n]:
            index[w].append(n)
    seen = set()
    out = []
    for w in sorted(index):
        nodes = index[w]
        if len(nodes) > 200:
            continue
        for u, v in itertools.combinations(nodes, 2):
            p = pair(u, v)
            if p in seen:
                continue
            seen.add(p)
            if comp_of.get(u, u) == comp_of.get(v, v):
                continue
            du, dv = arts[u]["date"], arts[v]["date"]
            if du and dv and abs(du - dv) > timedelta(days=7):
                continue
            a, b = content[u], content[v]
            if not a or not b:
                continue
            shared = a & b
            jac = len(shared) / len(a | b)
            shared_rare = len(shared & rare)
            # one shared word (often a number) between two short headlines is
            # not a meaningful similarity: require at least two
            if (jac >= 0.3 and len(shared) >= 2) or shared_rare >= 3:
                out.append((jac, shared_rare, p))
    out.sort(key=lambda t: t[2])
    return out


def sample_similar(cands: list, rng: random.Random, k: int) -> list:
    high = [c[2] for c in cands if c[0] >= 0.5]
    low = [c[2] for c in cands if c[0] < 0.5]
    n_high = min(len(high), k // 2)
    chosen = rng.sample(high, n_high)
    chosen += rng.sample(low, min(len(low), k - n_high))
    return chosen


def sample_random(arts: dict, rng: random.Random, k: int, taken: set) -> list:
    nodes = sorted(arts)
    chosen = []
    while len(chosen) < k:
        p = pair(*rng.sample(nodes, 2))
        if p not in taken:
            taken.add(p)
            chosen.append(p)
    return chosen


def iso(d) -> str:
    return d.date().isoformat() if d else ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help="corpus folder (default: %(default)s)")
    ap.add_argument("--out", default="story_pairs_candidates.csv", help="output CSV (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    ap.add_argument("--per-stratum", type=int, default=50, help="pairs per stratum (default: %(default)s)")
    ap.add_argument(
        "--largest-component",
        type=int,
        default=17,
        help="component pairs drawn from the largest component (default: %(default)s)",
    )
    ap.add_argument("--excerpts", action="store_true", help="append a_excerpt, b_excerpt columns")
    ap.add_argument(
        "--check",
        metavar="CSV",
        help="also verify that a labelled CSV (e.g. tests/data/story_pairs.csv) "
        "holds exactly the sampled pairs and strata; exit 1 if not",
    )
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    kg = build([args.corpus])
    g = kg.graph
    t_build = time.perf_counter() - t0

    arts = article_table(g)
    rel = related_graph(g, arts)
    comp_of = {}
    for i, comp in enumerate(sorted(nx.connected_components(rel), key=lambda c: min(c))):
        for n in comp:
            comp_of[n] = i

    k = args.per_stratum
    strata = {}
    strata["linked"] = sample_linked(rel, random.Random(f"{args.seed}/linked"), k)
    strata["component"] = sample_component(rel, random.Random(f"{args.seed}/component"), k, args.largest_component)
    cands = similar_candidates(arts, comp_of)
    strata["similar"] = sample_similar(cands, random.Random(f"{args.seed}/similar"), k)
    taken = {p for ps in strata.values() for p in ps}
    strata["random"] = sample_random(arts, random.Random(f"{args.seed}/random"), k, taken)

    rows, seen = [], set()
    for stratum in STRATA:
        for a, b in sorted(strata[stratum]):
            if (a, b) in seen:
                continue
            seen.add((a, b))
            A, B = arts[a], arts[b]
            row = {
                "a": a,
                "b": b,
                "stratum": stratum,
                "label": "",
                "reason": "",
                "a_title": A["title"],
                "b_title": B["title"],
                "a_date": iso(A["date"]),
                "b_date": iso(B["date"]),
                "a_outlet": A["outlet"],
                "b_outlet": B["outlet"],
            }
            if args.excerpts:
                row["a_excerpt"] = A["excerpt"]
                row["b_excerpt"] = B["excerpt"]
            rows.append(row)

    cols = COLUMNS + (["a_excerpt", "b_excerpt"] if args.excerpts else [])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)

    status = 0
    if args.check:
        with open(args.check, newline="", encoding="utf-8") as fh:
            labelled = {(r["a"], r["b"]): r["stratum"] for r in csv.DictReader(fh)}
        sampled = {(r["a"], r["b"]): r["stratum"] for r in rows}
        if labelled != sampled:
            missing = len(sampled.keys() - labelled.keys())
            extra = len(labelled.keys() - sampled.keys())
            print(
                f"check FAILED: {args.check} differs from the sample ({missing} sampled pairs missing, {extra} extra)",
                file=sys.stderr,
            )
            status = 1
        else:
            print(f"check ok: {args.check} holds exactly the sampled pairs", file=sys.stderr)

    counts = Counter(r["stratum"] for r in rows)
    big = max(nx.connected_components(rel), key=len)
    n_big = sum(1 for r in rows if r["stratum"] == "component" and r["a"] in big)
    print(
        f"{len(arts)} titled articles, {rel.number_of_edges()} related links, "
        f"{len(cands)} similar candidates; wrote {len(rows)} pairs to {out} "
        f"({dict(sorted(counts.items()))}; {n_big} from the largest component); "
        f"build {t_build:.1f}s, total {time.perf_counter() - t0:.1f}s",
        file=sys.stderr,
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
