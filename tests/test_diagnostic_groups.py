"""The build summary groups repeated problems (one line per kind, a site-relative URL per URL);
report.json keeps every one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from graph.records import Diagnostic, group_diagnostics

from .conftest import WriteItem


def item(i: int, **extra: object) -> dict[str, object]:
    return {"title": f"Story {i}", "webUrl": f"https://news.example.org/{i}", **extra}


def build(folder: Path, out: Path) -> tuple[list[str], dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "graph", "build", str(folder), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return done.stderr.splitlines(), report


def test_repeated_warnings_are_one_line_each_and_every_one_is_kept(write_item: WriteItem, tmp_path: Path) -> None:
    for i in range(20):  # a site-relative logo, two distinct ones
        logo = "/assets/images/a.com-50x50.jpg" if i < 12 else "/assets/images/b.com-50x50.jpg"
        write_item(f"logo{i}.md", **item(i, provider={"name": "A", "images": [{"url": logo}]}))
    for i in range(20, 30):  # a bad date, a different value in each
        write_item(f"date{i}.md", **item(i, publishedDateTime=f"the {i}th of May"))
    write_item("broken.md", raw="---\ntitle: [unclosed\n---\n")
    lines, report = build(tmp_path / "corpus", tmp_path / "out")
    problems = [line for line in lines if ": warning: " in line or ": error: " in line]
    assert len(problems) == 4, lines
    assert problems[0].startswith(str(tmp_path / "corpus" / "broken.md")) and ": error: " in problems[0]
    a = [line for line in problems if "a.com-50x50.jpg" in line]
    b = [line for line in problems if "b.com-50x50.jpg" in line]
    dates = [line for line in problems if "[bad-date]" in line]
    assert len(a) == len(b) == len(dates) == 1
    assert a[0].endswith("(and 11 more like it: 12 in 12 files)")
    assert b[0].endswith("(and 7 more like it: 8 in 8 files)")
    assert dates[0].endswith("(and 9 more like it: 10 in 10 files)")
    diagnostics = report["diagnostics"]
    assert isinstance(diagnostics, list)
    assert sum(d["code"] == "bad-url" for d in diagnostics) == 20
    assert sum(d["code"] == "bad-date" for d in diagnostics) == 10
    assert any(d["code"] == "yaml-syntax" for d in diagnostics)


def test_past_twenty_kinds_the_summary_says_how_many_more(write_item: WriteItem, tmp_path: Path) -> None:
    for i in range(25):
        write_item(f"logo{i}.md", **item(i, provider={"name": "A", "images": [{"url": f"/assets/{i}.jpg"}]}))
    lines, report = build(tmp_path / "corpus", tmp_path / "out")
    assert sum("[bad-url]" in line for line in lines) == 20
    assert "... and 5 more problems of 5 more kinds" in lines
    assert len(report["diagnostics"]) == 25  # type: ignore[arg-type]


def test_groups_keep_severities_apart_and_errors_first() -> None:
    same = "'title' holds U+0007 (control or bidi-override character); replaced by U+FFFD"
    ds = [
        Diagnostic("a.md", "warning", "control-character", same),
        Diagnostic("b.md", "info", "control-character", same),
        Diagnostic("c.md", "warning", "control-character", same.replace("title", "excerpt")),
        Diagnostic("d.md", "error", "read-error", "cannot read the file: Permission denied"),
    ]
    groups = group_diagnostics(ds)
    assert [(g.severity, g.count, sorted(g.files)) for g in groups] == [
        ("error", 1, ["d.md"]),
        ("warning", 2, ["a.md", "c.md"]),
        ("info", 1, ["b.md"]),
    ]
    assert groups[0].describe() == "d.md: error: cannot read the file: Permission denied [read-error]"
