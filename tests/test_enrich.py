"""Stories, inferred links and syndicated copies (graph.enrich): unit cases, the corpus, the RDF."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app
from graph.enrich import ACTIVITY, enrich
from graph.enrich.stories import Article, Options, detect, story_key
from graph.enrich.text import Matrix, tokens
from graph.rdf.reading import read_rdf
from graph.sparql.store import query

PAIRS = Path(__file__).parent / "data" / "story_pairs.csv"
T0 = datetime(2020, 5, 6, 8, tzinfo=UTC)


def _art(iri: str, title: str, hours: float = 0, outlet: str = "o", places: frozenset[str] = frozenset()) -> Article:
    from graph.enrich.stories import counts

    return Article(iri, title, "", T0 + timedelta(hours=hours), outlet, places, counts(title))


def test_a_chain_of_template_headlines_is_split_into_one_story_per_event() -> None:
    arts = [
        _art("or1", "Oregon reports 70 new coronavirus cases, two deaths", 0, "o1", frozenset({"US-OR"})),
        _art("or2", "Oregon Health Authority reports 70 new coronavirus cases", 2, "o2", frozenset({"US-OR"})),
        _art("th1", "Thailand reports three new coronavirus cases", 1, "o3", frozenset({"TH"})),
        _art("th2", "Thailand reports three new coronavirus cases, no deaths", 3, "o4", frozenset({"TH"})),
        _art("sg1", "Singapore confirms 788 new coronavirus cases", 1, "o5", frozenset({"SG"})),
        _art("sg2", "Singapore's health ministry confirms 788 new coronavirus cases", 5, "o6", frozenset({"SG"})),
    ]
    chain = [("or1", "th1"), ("th1", "sg1"), ("sg1", "or2"), ("or2", "th2"), ("th2", "sg2")]  # a publisher's chain
    found = detect(arts, chain)
    assert found.stories == [["or1", "or2"], ["sg1", "sg2"], ["th1", "th2"]]
    assert {(p.a, p.b) for p in found.inferred} == {("or1", "or2"), ("sg1", "sg2"), ("th1", "th2")}
    assert ("or1", "th1") in found.vetoed  # the places in the headlines disagree


def test_reports_of_different_figures_are_different_stories() -> None:
    arts = [_art("a", "Nebraska reports 12 more deaths"), _art("b", "Nebraska reports 3 more deaths", 20)]
    assert detect(arts, [("a", "b")]).stories == []


def test_copies_point_at_the_earliest_and_need_near_identical_text() -> None:
    wire = "Japan approves remdesivir to treat coronavirus patients"
    arts = [_art("late", wire, 5, "o2"), _art("first", wire, 0, "o1"), _art("later", wire.title() + "!", 9, "o3")]
    arts.append(_art("other", "Japan extends its state of emergency to the end of May", 1))
    found = detect(arts)
    assert [(c, o) for c, o, _ in found.copies] == [("late", "first"), ("later", "first")]
    assert found.stories == [["first", "late", "later"]]


def test_an_article_without_text_takes_no_part() -> None:
    arts = [_art("a", "Moderna gets approval for a larger vaccine trial"), _art("b", ""), _art("c", "Moderna trial")]
    found = detect(arts, [("a", "b")])
    assert all("b" not in members for members in found.stories)


def test_a_story_key_depends_on_its_founding_article_only() -> None:
    a, b, c = _art("https://x/1", "one", 0), _art("https://x/2", "two", 3), _art("https://x/0", "zero", 9)
    assert story_key([a, b]) == story_key([b, a]) == story_key([a, b, c])  # later coverage joins, same key
    assert story_key([b, c]) != story_key([a, b])


def _found(found: Any) -> tuple[Any, ...]:
    return (found.stories, found.inferred, found.copies, list(found.pairs.items()), found.vetoed, found.strength)


def test_a_memo_gives_the_same_stories_and_compares_only_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """detect(memo=...) equals detect() after every kind of edit; most edits take the memo's short path."""
    rng = random.Random(5)
    events = [f"{place} {what}" for place in ("Oregon", "Texas", "Ohio", "Iowa") for what in ("ban", "vote", "fire")]
    words = [f"w{i}" for i in range(120)]

    def text() -> str:
        return f"{rng.choice(events)} {rng.randint(1, 9)} " + " ".join(rng.choices(words, k=rng.randint(2, 5)))

    arts = [_art(f"a{i:02}", text(), rng.randint(0, 120)) for i in range(60)]
    related = {(f"a{rng.randrange(60):02}", f"a{rng.randrange(60):02}") for _ in range(25)}
    walked: list[bool] = []
    real = Matrix.candidates

    def spy(self: Matrix, *args: Any, **kwargs: Any) -> Any:
        walked.append(kwargs.get("only") is not None)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Matrix, "candidates", spy)
    opt = Options(cap=6, window=1, floor=0.02)  # small blocks: edits make words rare or common near their day
    memo = detect(arts, related, opt).memo
    short = 0
    for step in range(60):
        i = rng.randrange(len(arts))
        kind = step % 5
        if kind == 0:  # a headline edited with a new, rare word
            arts[i] = dataclasses.replace(arts[i], title=arts[i].title + f" fix{step}")
        elif kind == 1:  # moved in time
            arts[i] = dataclasses.replace(arts[i], published=T0 + timedelta(hours=rng.randint(0, 120)))
        elif kind == 2:  # a publisher's link comes or goes
            related ^= {(f"a{rng.randrange(60):02}", f"a{rng.randrange(60):02}")}
        elif kind == 3:  # another event's headline
            arts[i] = dataclasses.replace(arts[i], title=text())
        else:  # undated
            arts[i] = dataclasses.replace(arts[i], published=None)
        walked.clear()
        again = detect(arts, related, opt, memo=memo)
        assert _found(again) == _found(detect(arts, related, opt)), (step, kind)
        memo = again.memo
        short += walked[0]
    assert short >= 20, "most edits should not weigh every pair again"


def test_candidates_skip_common_words_and_distant_days() -> None:
    # d2j and d2j+1 share a word on one day; di and di+30 share one 30 days apart; all share common words
    docs = {f"d{i}": tokens(f"common words here near{i // 2} far{i % 30}") for i in range(60)}
    days = {f"d{i}": i // 10 * 10 for i in range(60)}  # ten a day, every tenth day
    pairs = Matrix(docs).candidates(days, cap=5, window=3, floor=0.0)
    assert pairs == sorted(tuple(sorted((f"d{2 * j}", f"d{2 * j + 1}"))) for j in range(30))


def _reference_candidates(
    vectors: dict[str, dict[str, float]], day: dict[str, int | None], cap: int, window: int, floor: float
) -> set[tuple[str, str]]:
    """The blocking rule as plain loops (what Matrix.candidates did before it walked arrays)."""
    postings: dict[str, list[tuple[int, str, float]]] = {}
    for key in sorted(vectors):
        d = day.get(key)
        for word, w in vectors[key].items():
            postings.setdefault(word, []).append((-1 if d is None else d, key, w))
    partial: dict[tuple[str, str], float] = {}

    def meet(first: list[tuple[int, str, float]], rest: list[tuple[int, str, float]]) -> None:
        for i, (_, a, wa) in enumerate(first):
            for _, b, wb in itertools.chain(first[i + 1 :], rest):
                pair = (a, b) if a < b else (b, a)
                partial[pair] = partial.get(pair, 0.0) + wa * wb

    for entries in postings.values():
        entries.sort()
        undated = sum(1 for e in entries if e[0] < 0)
        if undated and len(entries) <= cap:
            meet(entries[:undated], entries[undated:])
        for start in range(undated, len(entries)):
            if start > undated and entries[start - 1][0] == entries[start][0]:
                continue  # one block per day, from its first entry
            end = start
            while end < len(entries) and entries[end][0] == entries[start][0]:
                end += 1
            stop = end
            while stop < len(entries) and entries[stop][0] - entries[start][0] <= window:
                stop += 1
            if stop - start <= cap:
                meet(entries[start:end], entries[end:stop])
    return {pair for pair, score in partial.items() if score >= floor - 1e-12}


def test_array_blocking_finds_what_plain_loops_find() -> None:
    rng = random.Random(11)
    vocabulary = [f"w{i}" for i in range(30)]
    docs = {f"d{i:02}": Counter(rng.choices(vocabulary, k=rng.randint(1, 6))) for i in range(70)}
    day: dict[str, int | None] = {k: (None if rng.random() < 0.1 else rng.randint(100, 112)) for k in docs}
    matrix = Matrix(docs)
    vectors = {k: {str(w): x for w, x in zip(*_words(matrix, k), strict=True)} for k in matrix.keys}
    for cap, window, floor in [(5, 3, 0.0), (8, 1, 0.05), (40, 3, 0.08), (3, 0, 0.0)]:
        ours = matrix.candidates(day, cap, window, floor)
        assert ours == sorted(ours)
        assert set(ours) == _reference_candidates(vectors, day, cap, window, floor), (cap, window, floor)


def _words(matrix: Matrix, key: str) -> tuple[list[int], list[float]]:
    vector = matrix.vector(key)
    return list(vector), list(vector.values())


def test_tfidf_cosines_are_scikit_learns() -> None:
    text_module = pytest.importorskip("sklearn.feature_extraction.text", reason="scikit-learn is a test extra")
    rng = random.Random(7)
    words = [
        "oregon",
        "reports",
        "new",
        "cases",
        "deaths",
        "thailand",
        "singapore",
        "ministry",
        "confirms",
        "vaccine",
        "trial",
        "788",
        "70",
    ]
    texts = {f"t{i}": " ".join(rng.choices(words, k=rng.randint(3, 9))) for i in range(80)}
    ours = Matrix.of(texts)
    keys = sorted(texts)
    vectorizer = text_module.TfidfVectorizer(analyzer=lambda text: list(tokens(text).elements()))
    matrix = vectorizer.fit_transform([texts[k] for k in keys])
    theirs = (matrix @ matrix.T).toarray()
    pairs = list(itertools.combinations(keys, 2))
    for (a, b), cos in zip(pairs, ours.cosines(pairs), strict=True):
        assert cos == pytest.approx(theirs[keys.index(a), keys.index(b)], abs=1e-9)


def test_enrich_twice_changes_nothing_and_a_clean_graph_is_left_alone(seeds_dir: Path) -> None:
    kg = graph.build([seeds_dir], stories=True)
    assert ACTIVITY in kg.graph
    assert enrich(kg.graph).changed == set()
    plain = graph.build([seeds_dir], stories=False)
    assert ACTIVITY not in plain.graph and "story" not in plain.report.nodes


def _wire_copies(write_item: Any) -> Path:
    """Three outlets carrying one wire story (copies), and an unrelated item."""
    title = "Japan approves remdesivir to treat coronavirus patients"
    for i, domain in enumerate(["a.example", "b.example", "c.example"]):
        write_item(
            f"{i}.md",
            title=title,
            excerpt="The health ministry approved the drug on Thursday.",
            webUrl=f"https://{domain}/remdesivir",
            publishedDateTime=f"2020-05-07T0{i}:00:00Z",
            provider={"name": domain, "domain": domain},
        )
    return write_item("3.md", title="Oregon reopens its parks", webUrl="https://d.example/parks").parent


def test_stories_are_valid_rdf_and_read_back(write_item: Any, tmp_path: Path) -> None:
    kg = graph.build([_wire_copies(write_item)], stories=True)
    out = tmp_path / "out"
    graph.write_outputs(kg, out)
    report = graph.validate(out / "graph.ttl")
    assert report.conforms, report.violations
    back = read_rdf(out / "graph.nt")
    made = {n: d for n, d in kg.graph.nodes(data=True) if d["kind"] in ("story", "inference", "activity")}
    kinds = sorted(d["kind"] for d in made.values())
    assert kinds == ["activity", *["inference"] * 5, "story"]  # 3 unlinked pairs of one story, 2 copies
    for node, data in made.items():
        assert back.nodes[node] == data  # scores (xsd:decimal), dates, IRIs and JSON read back the same
    inferred = ("part_of", "copy_of", "first_outlet", "inferred_related")
    edges = {(u, v, r) for u, v, r in kg.graph.edges(data="relation") if r in inferred}
    assert len(edges) == 3 + 2 + 1 + 3
    assert edges <= {(u, v, r) for u, v, r in back.edges(data="relation")}


def test_copies_are_queried_from_the_store(write_item: Any, tmp_path: Path) -> None:
    graph.write_outputs(graph.build([_wire_copies(write_item)], stories=True), tmp_path / "out")
    rows = query(tmp_path / "out", "syndicated").to_dataframe()
    assert sorted(zip(rows["copy"], rows["original"], strict=True)) == [
        ("https://b.example/remdesivir", "https://a.example/remdesivir"),
        ("https://c.example/remdesivir", "https://a.example/remdesivir"),
    ]


def test_cli_refuses_stories_with_stream(seeds_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", str(seeds_dir), "-o", str(tmp_path), "--stream", "--stories"])
    assert result.exit_code == 2
    assert "--stories cannot be used with --stream" in result.output


# --------------------------------------------------------------------------- the shared corpus


@pytest.fixture(scope="module")
def corpus_stories(corpus_dir: Path) -> Any:
    return graph.build([corpus_dir], stories=True)


def _labelled() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_labelled_pairs_are_well_formed() -> None:
    rows = _labelled()
    assert len(rows) >= 150
    assert {r["label"] for r in rows} == {"same", "different"}
    assert {r["stratum"] for r in rows} == {"linked", "component", "similar", "random"}
    assert all(r["reason"] and r["a"] < r["b"] for r in rows)


@pytest.mark.corpus
def test_same_story_precision_and_recall_on_the_labelled_pairs(corpus_stories: Any) -> None:
    g = corpus_stories.graph
    story = {u: v for u, v, rel in g.edges(data="relation") if rel == "part_of"}
    rows = _labelled()
    predicted = [r["a"] in story and story.get(r["a"]) == story.get(r["b"]) for r in rows]
    same = [r["label"] == "same" for r in rows]
    tp = sum(p and s for p, s in zip(predicted, same, strict=True))
    precision, recall = tp / sum(predicted), tp / sum(same)
    assert precision >= 0.9 and recall >= 0.8, (precision, recall)


@pytest.mark.corpus
def test_the_39_article_chain_is_split(corpus_stories: Any) -> None:
    g = corpus_stories.graph
    related = nx.Graph((u, v) for u, v, rel in g.edges(data="relation") if rel == "related")
    chain = max(nx.connected_components(related), key=len)
    assert len(chain) == 39
    story = {u: v for u, v, rel in g.edges(data="relation") if rel == "part_of"}
    groups: dict[str, list[str]] = {}
    for member in chain:
        if member in story:
            groups.setdefault(story[member], []).append(g.nodes[member]["title"])
    assert len(groups) >= 5 and max(len(v) for v in groups.values()) <= 6
    for titles in groups.values():  # no story mixes the places of the chain's case-count reports
        places = {p for p in ("Oregon", "Thailand", "Singapore", "Malaysia", "India") if any(p in t for t in titles)}
        assert len(places) <= 1, titles
