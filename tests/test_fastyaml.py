"""The YAML fast path must agree with PyYAML exactly, or step aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.read import fastyaml
from graph.read.parse import _HANDLER, _Loader


def same(a: Any, b: Any) -> bool:
    """Equal *and* of the same types all the way down (True == 1 in Python, not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def check(text: str) -> Any:
    fast = fastyaml.load(text)
    if fast is not fastyaml.FALLBACK:
        assert same(fast, yaml.load(text, Loader=_Loader)), text
    return fast


def test_seeds_take_the_fast_path(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.iterdir()):
        fm, _ = _HANDLER.split(path.read_text(encoding="utf-8"))
        assert check(fm) is not fastyaml.FALLBACK


@pytest.mark.corpus
def test_agrees_with_pyyaml_on_the_whole_corpus(corpus_dir: Path) -> None:
    fallbacks = []
    for path in sorted(corpus_dir.iterdir()):
        fm, _ = _HANDLER.split(path.read_text(encoding="utf-8"))
        if check(fm) is fastyaml.FALLBACK:
            fallbacks.append(path.name)
    # only the file with a raw control character needs the full parser (which reports it)
    assert fallbacks == [
        "2020-05-07-sweden-is-testing-conservatives-preferred-coronavirus-response-and-its-not-going-well.md"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2]",
        "a: {b: 1}",
        "a: &x 1\nb: *x",
        "a: !!str 1",
        "a: |\n  block\n",
        "a: >\n  folded\n",
        "a: plain\n  continued\n",
        'a: "open\n  quote"\n',
        "a: 'it''s'\nb: 'open\n",
        "a: 1 # comment",
        "a: 0x1F",
        "a: 012",
        "a: 1_000",
        "a: 1.5",
        "a: .inf",
        "a: 1:30",
        "true: 1",
        "null: 1",
        '"quoted key": 1',
        "a:\n\t- tab",
        "a: x\x07y",
        "a: 'x\x85y'",
        "a: x\u2028y",
        "  indented: start",
        "a: 1\n b: 2",
        "a:\n  - - nested",
        'a: "\\q unknown escape"',
        'a: "ends with \\\\"',
        "",
    ],
)
def test_outside_the_subset_falls_back(text: str) -> None:
    assert fastyaml.load(text) is fastyaml.FALLBACK


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 'it''s'", {"a": "it's"}),
        ('a: "tab\\tand \\u00e9 \\x41 \\"q\\""', {"a": 'tab\tand é A "q"'}),
        ("a: NO\nb: yes\nc: on", {"a": "NO", "b": "yes", "c": "on"}),
        ("a: true\nb: False\nc: ~\nd:", {"a": True, "b": False, "c": None, "d": None}),
        ("a: -12\nb: +3\nc: 0", {"a": -12, "b": 3, "c": 0}),
        ("d: 2023-06-23T13:03:00Z", {"d": "2023-06-23T13:03:00Z"}),
        ("tags:\n- CA\n- US\nnext: 1", {"tags": ["CA", "US"], "next": 1}),
        ("a:\n  - x: 1\n    y: 2\n  - z\n# comment\n\nb: c", {"a": [{"x": 1, "y": 2}, "z"], "b": "c"}),
        ("a: 1\na: 2", {"a": 2}),
        ("- top\n- level", ["top", "level"]),
        ("url: https://e.com/a?b=c#d", {"url": "https://e.com/a?b=c#d"}),
    ],
)
def test_values(text: str, expected: Any) -> None:
    assert same(check(text), expected)


_key = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda k: k not in {"true", "false", "True", "False", "TRUE", "FALSE", "null", "Null", "NULL"}
)
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
_doc = st.dictionaries(
    _key,
    st.recursive(
        _scalar,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_key, inner, max_size=4)),
        max_leaves=12,
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(doc=_doc, width=st.sampled_from([80, 10_000]), indent=st.sampled_from([2, 4]))
def test_agrees_with_pyyaml_on_dumped_documents(doc: dict[str, Any], width: int, indent: int) -> None:
    for text in (
        yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=width, indent=indent),
        yaml.safe_dump(doc, sort_keys=False, allow_unicode=False, default_style='"'),
    ):
        check(text)
