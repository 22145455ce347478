"""The explorer page in a real browser (Playwright driving Debian's Chromium): what a person sees.

Skips, saying why, when Chromium or Playwright is absent. Timing bounds are
generous (the machine is shared); the real figures are in the issue note.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app
from graph.explorer import render_html

pytestmark = pytest.mark.browser

HOSTILE = Path(__file__).parent / "hostile"
FACIAL = "https://www.electronicsforu.com/news/ai-driven-facial-recognition-repression-and-innovation"


@dataclass
class Opened:
    page: Any
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    wall: float = 0.0


def open_page(browser: Any, path: Path) -> Opened:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    opened = Opened(page)
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on("console", lambda m: opened.problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: opened.problems.append(str(e)))

    def dialog(d: Any) -> None:
        opened.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("window.__ng && window.__ng.ready", timeout=30_000)
    opened.wall = time.perf_counter() - started
    return opened


def assert_clean(opened: Opened, path: Path) -> None:
    assert opened.requests == [path.as_uri()], "the page made requests"
    assert opened.problems == []
    assert opened.dialogs == []


def node_xy(page: Any, node_id: int) -> tuple[float, float]:
    """Where a node is on the screen."""
    box = page.locator("#ng-network").bounding_box()
    p = page.evaluate(
        "id => { const n = __ng.network; const c = n.getPositions([id])[id]; return n.canvasToDOM(c); }", node_id
    )
    return box["x"] + p["x"], box["y"] + p["y"]


def ids(page: Any, kind: str) -> list[int]:
    """The page numbers of the drawn nodes of ``kind``."""
    return list(page.evaluate("k => __ng.raw.filter(n => n.k === k && __ng.inPic[n.id]).map(n => n.id)", kind))


def drawn_pixels(page: Any) -> int:
    """Non-white pixels on the canvas: something is drawn."""
    return int(
        page.evaluate(
            """() => { const c = document.querySelector('#ng-network canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240) n++; return n; }"""
        )
    )


def labels_overlap(page: Any) -> list[tuple[int, int]]:
    """Pairs of drawn labels whose boxes overlap (the page keeps each label's screen box)."""
    boxes = page.evaluate("__ng.labels")
    return [
        (a[4], b[4])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


@pytest.fixture(scope="module")
def seeds_page(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    path = tmp_path_factory.mktemp("html") / "seeds.html"
    path.write_text(render_html(graph.build([seeds_dir])), encoding="utf-8")
    return path


def test_seeds_page_draws_and_is_offline(browser: Any, seeds_page: Path) -> None:
    opened = open_page(browser, seeds_page)
    page = opened.page
    assert len(ids(page, "article")) == 5 and len(ids(page, "provider")) == 5 and len(ids(page, "topic")) == 2
    assert page.evaluate("__ng.network.body.nodeIndices.length") == 12
    assert page.evaluate("__ng.drawnAtStart") == 12
    assert drawn_pixels(page) > 2000
    assert "article (dot): 5" in page.locator("#ng-kinds").inner_text()
    rels = page.locator("#ng-rels").inner_text()
    assert "related: the publisher's link" in rels and "inferred link" in rels and "syndicated copy" in rels
    # the story index opens the side panel: the seeds' one story, with its size, outlets and dates
    assert page.locator("#ng-story-list li").count() == 1
    row = page.locator("#ng-story-list li").inner_text()
    assert "AI-driven Facial Recognition" in row and "2 articles · 2 outlets" in row and "2023" in row
    assert page.evaluate("__ng.labels.length") > 0 and labels_overlap(page) == []
    assert_clean(opened, seeds_page)
    page.close()


def test_search_selects_and_click_highlights_story(browser: Any, seeds_page: Path) -> None:
    opened = open_page(browser, seeds_page)
    page = opened.page
    page.fill("#ng-search", "hindustan")
    page.press("#ng-search", "Enter")
    selected = page.evaluate("__ng.network.getSelectedNodes()")
    assert [page.evaluate("id => __ng.raw[id].label", selected[0])] == ["Hindustan Times"]
    assert "Hindustan Times" in page.locator("#ng-details").inner_text()
    # a person clicks the electronicsforu article: its story lights up and its timeline opens
    facial = page.evaluate("u => __ng.raw.find(n => n.u === u).id", FACIAL)
    page.evaluate("() => __ng.network.fit({animation: false})")
    x, y = node_xy(page, facial)
    page.mouse.click(x, y)
    assert page.evaluate("__ng.selected") == facial
    story = page.evaluate("__ng.story.map(i => __ng.raw[i].t).sort()")
    assert story == [
        "AI-driven Facial Recognition: Repression And Innovation",
        "Lawsuit Highlights Legal Risks of Facial Recognition Tech",
    ]
    details = page.locator("#ng-details").inner_text()
    assert "In a story of 2 articles from 2 outlets" in details and "Open the article" in details
    # each article of the coverage and of the links outside the story says its outlet and date
    assert "Government Technology · Jul " in details or "govtech" in details.lower()
    assert "Linked outside the story (1)" in details
    assert page.locator("#ng-details a").get_attribute("href") == FACIAL
    assert page.locator("#ng-timeline").is_visible()
    dimmed = page.evaluate("__ng.nodes.get().filter(n => n.opacity !== undefined && n.opacity < 0.5).length")
    assert dimmed >= 2  # the other articles fade
    labelled = {box[4] for box in page.evaluate("__ng.labels")}
    faded = set(
        page.evaluate("__ng.nodes.get().filter(n => n.opacity !== undefined && n.opacity < 0.5).map(n => n.id)")
    )
    assert facial in labelled and not labelled & faded  # faded nodes get no label
    # hovering shows the tooltip with title, outlet and date
    page.mouse.move(x + 200, y + 200)
    page.mouse.move(x, y)
    page.wait_for_selector("#ng-tip", state="visible", timeout=5000)
    tip = page.locator("#ng-tip").inner_text()
    assert "AI-driven Facial Recognition" in tip and "electronicsforu" in tip and "Jul 13, 2023" in tip
    # filters: by topic
    ai = page.evaluate("() => __ng.raw.find(n => n.label === 'AI').id")
    page.select_option("#ng-topic", str(ai))
    assert page.evaluate("__ng.visible") < 12
    assert page.evaluate("__ng.nodes.get().filter(n => n.hidden && __ng.raw[n.id].k === 'article').length") == 3
    assert_clean(opened, seeds_page)
    page.close()


def slide(page: Any, control: str, value: int) -> None:
    """Move a range input as a person does: live input events, then the change when released."""
    page.evaluate(
        """([id, v]) => { const c = document.getElementById(id); c.value = String(v);
        c.dispatchEvent(new Event('input')); c.dispatchEvent(new Event('change')); }""",
        [control, value],
    )
    page.wait_for_timeout(50)


def test_time_slider_and_depth_change_what_is_drawn(browser: Any, seeds_page: Path) -> None:
    opened = open_page(browser, seeds_page)
    page = opened.page
    days = page.evaluate("Number(document.getElementById('ng-to').max)") + 1
    assert days >= 3
    shown = "() => __ng.nodes.get().filter(n => !n.hidden && __ng.raw[n.id].k === 'article').length"
    assert page.evaluate(shown) == 5
    scale = page.evaluate("__ng.network.getScale()")
    slide(page, "ng-from", days - 1)  # the last day only
    last = page.evaluate(shown)
    assert 0 < last < 5
    assert "(1 day of" in page.locator("#ng-time-text").inner_text()
    assert page.evaluate("__ng.fitted") < 12 and page.evaluate("__ng.network.getScale()") != scale  # re-zoomed
    slide(page, "ng-from", 0)
    assert page.evaluate(shown) == 5
    # depth: the neighbourhood of the selection grows with it
    facial = page.evaluate("u => __ng.raw.find(n => n.u === u).id", FACIAL)
    page.evaluate("id => __ng.choose(id)", facial)
    one = len(page.evaluate("__ng.highlighted"))
    page.select_option("#ng-depth", "3")
    three = len(page.evaluate("__ng.highlighted"))
    assert three > one
    assert "--depth 3" in page.evaluate("__ng.command")
    assert_clean(opened, seeds_page)
    page.close()


def test_colours_match_the_legend_before_and_after_select_and_reset(browser: Any, seeds_page: Path) -> None:
    opened = open_page(browser, seeds_page)
    page = opened.page
    before = page.evaluate("__ng.snapshot()")
    legend = page.evaluate(
        """() => { const out = {}; document.querySelectorAll('#ng-kinds li').forEach(li => {
          const s = li.querySelector('.ng-swatch'), box = li.querySelector('input');
          out[box ? box.dataset.kind : li.dataset.legend] = [getComputedStyle(s).backgroundColor,
            getComputedStyle(s).borderTopColor]; }); return out; }"""
    )

    def drawn_colours() -> dict[str, list[str]]:
        """kind (or ring) → the fill and border vis-network draws each node of the picture with."""
        return dict(
            page.evaluate(
                """() => { const out = {}, rgb = (c) => { const d = document.createElement('span');
                  d.style.color = c; document.body.appendChild(d); const v = getComputedStyle(d).color;
                  d.remove(); return v; };
                  __ng.network.body.nodeIndices.forEach(id => { const node = __ng.network.body.nodes[id];
                    const g = node.options.group, k = g === 'ring' || g === 'hub' ? g : __ng.raw[id].k;
                    out[k] = [rgb(node.options.color.background), rgb(node.options.color.border)]; });
                  return Object.entries(out); }"""
            )
        )

    def check() -> None:
        for kind, (fill, border) in drawn_colours().items():
            if kind == "ring":
                assert fill == legend["ring"][0] and border == legend["ring"][1]
            else:
                assert fill == legend[kind][0], kind

    check()
    relations = page.evaluate(
        """() => { const out = {}; document.querySelectorAll('#ng-rels li').forEach(li => {
          out[li.dataset.rel] = getComputedStyle(li.querySelector('.ng-line')).borderTopColor; }); return out; }"""
    )
    edge_colours = page.evaluate(
        """() => __ng.edges.get().map(e => { const d = document.createElement('span'); d.style.color = e.color.color;
          document.body.appendChild(d); const v = getComputedStyle(d).color; d.remove();
          return [__ng.edgeList[e.id].rel, v, e.color.highlight === e.color.color]; })"""
    )
    assert edge_colours and all(relations[rel] == colour and same for rel, colour, same in edge_colours)
    # select an article, click empty space: the picture is as it was
    facial = page.evaluate("u => __ng.raw.find(n => n.u === u).id", FACIAL)
    page.evaluate("() => __ng.network.fit({animation: false})")
    x, y = node_xy(page, facial)
    page.mouse.click(x, y)
    assert page.evaluate("__ng.snapshot()") != before
    check()
    box = page.locator("#ng-network").bounding_box()
    page.mouse.click(box["x"] + 5, box["y"] + box["height"] - 5)
    assert page.evaluate("__ng.selected") is None
    assert page.evaluate("__ng.snapshot()") == before
    # select, filter, Reset: the same, and the panel forgets the article
    page.mouse.click(x, y)
    page.select_option("#ng-depth", "2")
    slide(page, "ng-from", 1)
    page.click("#ng-reset")
    assert page.evaluate("__ng.snapshot()") == before
    assert page.locator("#ng-details").inner_text() == "" and not page.locator("#ng-timeline").is_visible()
    check()
    assert_clean(opened, seeds_page)
    page.close()


def test_a_left_out_article_is_found_and_drawn(browser: Any, seeds_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([seeds_dir])
    view = graph.select_view(kg, max_nodes=4)
    left_out = [n for n, d in kg.graph.nodes(data=True) if d["kind"] == "article" and n not in view.nodes]
    assert left_out
    target = kg.graph.nodes[left_out[0]]
    path = tmp_path / "cut.html"
    path.write_text(render_html(kg, view), encoding="utf-8")
    opened = open_page(browser, path)
    page = opened.page
    before = page.evaluate("__ng.snapshot()")
    page.fill("#ng-search", target["title"][:30])
    page.wait_for_selector("#ng-results li", timeout=5000)
    first = page.locator("#ng-results li").first.inner_text()
    assert target["title"] in first and "not drawn yet" in first
    page.locator("#ng-results button").first.click()
    chosen = page.evaluate("__ng.selected")
    assert page.evaluate("id => __ng.raw[id].t", chosen) == target["title"]
    assert page.evaluate("id => __ng.inPic[id] === 1 && !__ng.nodes.get(id).hidden", chosen)
    # with its outlet, linked to it
    outlet = page.evaluate("id => __ng.raw[id].p[0]", chosen)
    assert page.evaluate("id => __ng.inPic[id]", outlet) == 1
    assert page.evaluate("([a, o]) => __ng.edges.get().some(e => e.from === a && e.to === o)", [chosen, outlet])
    assert "brought" in page.locator("#ng-status").inner_text()
    # Reset takes it out again: the picture as the page opened
    page.click("#ng-reset")
    assert page.evaluate("id => __ng.inPic[id]", chosen) == 0 and page.evaluate("__ng.snapshot()") == before
    page.fill("#ng-search", target["title"][:30])  # and it can be brought in again
    page.press("#ng-search", "Enter")
    assert page.evaluate("__ng.selected") == chosen and page.evaluate("id => __ng.inPic[id]", chosen) == 1
    assert_clean(opened, path)
    page.close()


def test_png_export_and_selection_as_command_and_sparql(browser: Any, seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(seeds_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    path = out / "graph.html"
    opened = open_page(browser, path)
    page = opened.page
    with page.expect_download() as download:
        page.click("#ng-png")
    png = Path(download.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    assert download.value.suggested_filename == "newsgraph.png"
    page.click("#ng-story-list button")
    with page.expect_download() as with_timeline:  # the picture and the story's timeline under it
        page.click("#ng-png")
    assert with_timeline.value.suggested_filename == "newsgraph-story.png"
    image = pytest.importorskip("PIL.Image").open(with_timeline.value.path()).convert("L")
    network_height, timeline_height = page.evaluate("__ng.pngParts")
    assert timeline_height > 50 and image.height == network_height + timeline_height
    strip = image.crop((0, network_height, image.width, image.height))
    assert sum(strip.histogram()[:200]) > 500  # the timeline was drawn into it (pixels darker than 200)
    page.click("#ng-share-btn")
    command = page.locator("#ng-cmd").input_value()
    sparql = page.locator("#ng-sparql").input_value()
    assert command.startswith("newsgraph view -o view.html --story ")
    # the command draws the same story
    args = shlex.split(command)[2:]
    target = tmp_path / "story.html"
    args[args.index("-o") + 1] = str(target)
    ran = CliRunner().invoke(app, ["view", "-d", str(out), *args])
    assert ran.exit_code == 0, ran.output
    story_members = set(page.evaluate("__ng.story.map(i => __ng.raw[i].i)"))
    assert len(story_members) == 2
    drawn = [
        n
        for n in json.loads(
            re.search(r'id="ng-nodes">(.*?)</script>', target.read_text(encoding="utf-8"), re.S).group(1)
        )
        if n["k"] == "article"
    ]
    assert {n.get("i", n.get("u")) for n in drawn} == story_members
    # the SPARQL answers the story's articles, first report first
    kg = graph.load(out)
    rows = kg.query(sparql)
    assert set(rows["article"].astype(str)) == story_members and len(rows) == 2
    # a topic filter and the last day: the command draws those articles, the query answers them
    page.click("#ng-reset")
    page.select_option("#ng-topic", page.evaluate("() => String(__ng.raw.find(n => n.label === 'AI').id)"))
    slide(page, "ng-from", 1)
    command, sparql = page.evaluate("__ng.command"), page.evaluate("__ng.sparql")
    assert "--topic 'AI'" in command and "--since " in command
    args = shlex.split(command)[2:]
    args[args.index("-o") + 1] = str(target)
    ran = CliRunner().invoke(app, ["view", "-d", str(out), *args])
    assert ran.exit_code == 0, ran.output
    drawn = {n.get("i", n.get("u")) for n in page_nodes(target) if n["k"] == "article"}
    shown = set(page.evaluate("() => __ng.raw.filter(n => n.k === 'article' && __ng.shown[n.id]).map(n => n.i)"))
    assert drawn == shown and set(kg.query(sparql)["article"].astype(str)) == shown and shown
    # an article: its neighbourhood, as --around and as the links in and out of it
    facial = page.evaluate("u => __ng.raw.find(n => n.u === u).id", FACIAL)
    page.click("#ng-reset")
    page.evaluate("id => __ng.choose(id)", facial)
    assert page.evaluate("__ng.command").startswith(f"newsgraph view -o view.html --around '{FACIAL}' --depth 1")
    linked = set(kg.query(page.evaluate("__ng.sparql"))["article"].astype(str))
    node = page.evaluate("id => __ng.raw[id].i", facial)
    g = kg.graph
    near = {n for n in (*g.successors(node), *g.predecessors(node)) if g.nodes[n]["kind"] == "article"}
    assert linked == near and len(near) == 2  # the articles it links to and that link to it
    assert_clean(opened, path)
    page.close()


def page_nodes(path: Path) -> list[dict[str, Any]]:
    """The drawn items of a page written to ``path``."""
    match = re.search(r'id="ng-nodes">(.*?)</script>', path.read_text(encoding="utf-8"), re.S)
    assert match
    return list(json.loads(match.group(1)))


def test_around_article_stands_out(browser: Any, seeds_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([seeds_dir])
    path = tmp_path / "around.html"
    page_text = render_html(kg, graph.select_view(kg, around=FACIAL))
    path.write_text(page_text, encoding="utf-8")
    opened = open_page(browser, path)
    page = opened.page
    center = page.evaluate("u => __ng.raw.find(n => n.u === u).id", FACIAL)
    sizes = page.evaluate("__ng.nodes.get().filter(n => __ng.raw[n.id].k === 'article').map(n => [n.id, n.size])")
    assert max(sizes, key=lambda s: s[1])[0] == center
    assert page.evaluate("id => __ng.nodes.get(id).group", center) == "center"
    assert "drawn around" in page.locator("#ng-kinds").inner_text()
    assert page.evaluate("__ng.labels")[0][4] == center  # its label is drawn first
    assert_clean(opened, path)
    page.close()


def test_story_timeline_rows_marks_and_legend(browser: Any, write_item: Any, tmp_path: Path) -> None:
    """A wire story carried by three outlets: one row per outlet, the first report marked, the copies
    and the inferred links drawn apart from the publisher's link, and a way back to the network."""
    title = "Japan approves remdesivir to treat coronavirus patients"
    for i, (name, domain) in enumerate([("Reuters", "a.example"), ("Yahoo News", "b.example"), ("MSN", "c.example")]):
        write_item(
            f"{i}.md",
            title=title,
            excerpt="The health ministry approved the drug on Thursday.",
            webUrl=f"https://{domain}/remdesivir",
            publishedDateTime=f"2020-05-07T0{i * 3}:00:00Z",
            provider={"name": name, "domain": domain},
            **({"related": [{"webUrl": "https://a.example/remdesivir", "title": title}]} if i == 2 else {}),
        )
    kg = graph.build([tmp_path / "corpus"])
    assert [d["size"] for _, d in kg.graph.nodes(data=True) if d["kind"] == "story"] == [3]
    path = tmp_path / "wire.html"
    path.write_text(render_html(kg), encoding="utf-8")
    opened = open_page(browser, path)
    page = opened.page
    page.click("#ng-story-list button")
    assert page.locator("#ng-timeline").is_visible()
    assert page.evaluate("__ng.timelineRows") == 3 and page.evaluate("__ng.timelineMarks") == 3
    texts = page.eval_on_selector_all("#ng-tl-svg text", "ts => ts.map(t => t.textContent)")
    assert {"Reuters", "Yahoo News", "MSN", "first"} <= set(texts)
    titles = page.eval_on_selector_all("#ng-tl-svg .mark title", "ts => ts.map(t => t.textContent)")
    first = [t for t in titles if "first report" in t]
    assert len(first) == 1 and "Reuters" in first[0] and "00:00 UTC" in first[0] and title in first[0]
    assert sum("syndicated copy" in t for t in titles) == 2
    # rows in order of each outlet's first article: Reuters at 00:00, Yahoo at 03:00, MSN at 06:00
    rows = page.eval_on_selector_all("#ng-tl-svg text.row", "ts => ts.map(t => t.textContent)")
    assert rows == ["Reuters", "Yahoo News", "MSN"]
    drawn = page.eval_on_selector_all(
        "#ng-tl-svg g.links path", "ps => ps.map(p => [p.dataset.rel, p.getAttribute('stroke-dasharray')])"
    )
    kinds = {rel for rel, _ in drawn}
    assert {"related", "copy_of"} <= kinds
    assert all((rel == "related") == (dash is None) for rel, dash in drawn)  # solid: the publisher's own link
    legend = page.locator("#ng-timeline").inner_text()
    assert "first report" in legend and "syndicated copy" in legend
    page.click("#ng-tl-close")
    assert not page.locator("#ng-timeline").is_visible()
    assert_clean(opened, path)
    page.close()


def test_hostile_corpus_runs_nothing(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(render_html(graph.build([HOSTILE])), encoding="utf-8")
    opened = open_page(browser, path)
    page = opened.page
    page.evaluate("() => __ng.network.fit({animation: false})")
    hovered = set()
    for node in ids(page, "article") + ids(page, "provider") + ids(page, "topic") + ids(page, "tag"):
        page.mouse.move(2, 2)
        page.evaluate("__ng.hideTip()")
        x, y = node_xy(page, node)
        page.mouse.move(x, y, steps=3)
        page.wait_for_function("__ng.tip !== null", timeout=5000)
        hovered.add(page.evaluate("__ng.tip"))
        assert page.locator("#ng-tip").inner_text()
        page.mouse.click(x, y)
    assert len(hovered) >= 8
    page.fill("#ng-search", "script")
    page.wait_for_selector("#ng-results li", timeout=5000)
    page.locator("#ng-results button").first.click()
    for select in ("#ng-topic", "#ng-outlet"):
        for value in page.eval_on_selector_all(f"{select} option", "os => os.map(o => o.value)"):
            page.select_option(select, value)
    for i in range(page.locator("#ng-story-list li").count()):  # every story's timeline, titles on hover
        page.locator("#ng-story-list button").nth(i).click()
        for mark in page.locator("#ng-tl-svg .mark").all():
            mark.hover()
    page.click("#ng-share-btn")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert (
        page.evaluate(
            "document.querySelectorAll('#ng-side img, #ng-side svg, #ng-side iframe, #ng-tip img,"
            " #ng-timeline img, #ng-timeline iframe, #ng-timeline foreignObject, #ng-tl-svg a').length"
        )
        == 0
    )
    assert "<script>window.__pwned='tag'</script>" in page.locator("#ng-topic").inner_text()
    hrefs = page.eval_on_selector_all("a", "as => as.map(a => a.href)")
    assert all(h.startswith(("http://", "https://")) for h in hrefs)
    assert_clean(opened, path)
    page.close()


@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_page_opens_on_stories_and_redraws_fast(browser: Any, corpus_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([corpus_dir])
    path = tmp_path / "graph.html"
    path.write_text(render_html(kg), encoding="utf-8")
    opened = open_page(browser, path)
    page = opened.page
    first_draw = page.evaluate("__ng.firstDraw")
    frames = page.evaluate(
        """() => { const n = __ng.network, s = n.getScale(), ts = [];
        for (let i = 0; i < 10; i++) { n.moveTo({scale: s * (1 + 0.25 * i)}); const t = performance.now();
          n.renderer._redraw(); ts.push(performance.now() - t); }
        return ts; }"""
    )
    frames.sort()
    median = frames[len(frames) // 2]
    assert first_draw < 15_000, f"first draw after {first_draw:.0f} ms"
    assert median < 400, f"median frame {median:.0f} ms"
    assert drawn_pixels(page) > 20_000
    page.evaluate("() => __ng.network.fit({animation: false})")
    page.evaluate("() => __ng.network.redraw()")
    page.wait_for_timeout(100)
    assert len(page.evaluate("__ng.labels")) >= 20 and labels_overlap(page) == []
    # the story index: the largest story first; its timeline has one row per outlet
    stories = [(d["size"], d["outlets"]) for _, d in kg.graph.nodes(data=True) if d["kind"] == "story"]
    assert page.locator("#ng-story-list li").count() == min(150, len(stories))
    page.click("#ng-story-list button >> nth=0")
    chosen = page.evaluate("__ng.stories[__ng.timeline].i")
    size, outlets = kg.graph.nodes[chosen]["size"], kg.graph.nodes[chosen]["outlets"]
    assert (size, outlets) == max(stories)
    assert page.evaluate("__ng.timelineMarks") == size and page.evaluate("__ng.timelineRows") == outlets
    # every article is reachable: a left-out one is found and drawn
    left = page.evaluate("() => __ng.raw.find(n => n.k === 'article' && !__ng.inPic[n.id]).id")
    page.fill("#ng-search", page.evaluate("id => __ng.raw[id].t", left))
    page.press("#ng-search", "Enter")
    assert page.evaluate("__ng.selected") == left and page.evaluate("id => __ng.inPic[id]", left) == 1
    page.fill("#ng-search", "Reuters")
    page.press("#ng-search", "Enter")
    selected = page.evaluate("__ng.network.getSelectedNodes()")
    assert page.evaluate("id => __ng.raw[id].label", selected[0]) == "Reuters"
    assert "Showing" in page.locator("#ng-notices").inner_text()
    assert_clean(opened, path)
    page.close()


def test_a_story_view_opens_on_its_timeline(browser: Any, seeds_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([seeds_dir])
    (story,) = [n for n, d in kg.graph.nodes(data=True) if d["kind"] == "story"]
    for given in (FACIAL, story):  # an article of the story (drawn around it), or the story's IRI
        path = tmp_path / "story.html"
        path.write_text(render_html(kg, graph.select_view(kg, story=given)), encoding="utf-8")
        opened = open_page(browser, path)
        page = opened.page
        assert page.locator("#ng-timeline").is_visible() and page.evaluate("__ng.timelineMarks") == 2
        assert page.evaluate("__ng.stories[__ng.timeline].i") == story
        before = page.evaluate("__ng.snapshot()")
        page.click("#ng-tl-close")
        page.click("#ng-reset")  # the page as it opened: the timeline again
        assert page.locator("#ng-timeline").is_visible() and page.evaluate("__ng.snapshot()") == before
        assert_clean(opened, path)
        page.close()
