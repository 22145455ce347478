"""Write N synthetic news items in the seed format, shaped like the shared corpus.

Usage: python benchmarks/synth.py N DIR [--seed S]

The shape follows the shared corpus (6,241 items from May 2020): outlets with
a long tail (a Zipf law over about N/5 domains, a few domains carrying several
outlets), 16 topics with two or three per item, a quarter of the items with
one to three `related` entries pointing at other items (most of which have a
file of their own), AMP variants on 55%, place tags on 68%, images on 75%, 2%
of files repeating an article held by another file, and one in about 6,000
files broken (a raw control character), as in the corpus.
Items go into sub-folders of 1,000 files, so a million items stay listable.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

TOPICS = [
    "Coronavirus",
    "Coronavirus in US",
    "Coronavirus in UK",
    "Coronavirus in Canada",
    "Coronavirus in Australia",
    "Coronavirus in India",
    "Economy",
    "Stock Market",
    "Vaccine",
    "Testing",
    "Lockdown",
    "Health",
    "Politics",
    "Sports",
    "Travel",
    "Education",
]
PLACES = ["US", "US-NY", "US-CA", "US-TX", "US-FL", "GB", "CA", "CA-ON", "AU", "IN", "Australia", "DE", "FR", "IT"]
WORDS = (  # noqa: SIM905 - a sentence is easier to read than a list of 40 strings
    "governor announces new testing plan as cases rise in state officials say hospitals prepare reopening "
    "schools businesses vaccine trial results economy jobs report stocks fall markets rally lockdown extended "
    "restrictions eased health workers protective equipment shortage study finds virus spread"
).split()


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _title(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(6, 12))
    return " ".join(words).capitalize()


def _outlets(rng: random.Random, n: int) -> list[tuple[str, str]]:
    count = max(20, n // 5)
    outlets = [(f"Outlet {i} News", f"outlet{i}.com") for i in range(count)]
    for i in range(0, count, 97):  # a few domains carry several outlets, as cbslocal.com does
        outlets.append((f"Outlet {i} Local", f"outlet{i}.com"))
    return outlets


def _url(domain: str, i: int, title: str) -> str:
    slug = "-".join(title.lower().split()[:8])
    return f"https://www.{domain}/news/{slug}-{i}"


def _article_lines(
    rng: random.Random, i: int, url: str, title: str, when: datetime, outlet: tuple[str, str], indent: str = ""
) -> list[str]:
    lines = [
        f"{indent}title: {_q(title)}",
        f"{indent}excerpt: {_q(' '.join(rng.choices(WORDS, k=30)))}",
        f"{indent}publishedDateTime: {when.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"{indent}webUrl: {_q(url)}",
    ]
    if rng.random() < 0.55:
        amp = url + ".amp"
        cache_host = url.split("/")[2].replace(".", "-")
        cdn = f"https://{cache_host}.cdn.ampproject.org/c/s/{amp[8:]}"
        lines.append(f"{indent}ampWebUrl: {_q(amp)}")
        lines.append(f"{indent}cdnAmpWebUrl: {_q(cdn)}")
    lines += [
        f"{indent}type: article",
        f"{indent}provider:",
        f"{indent}  name: {outlet[0]}",
        f"{indent}  domain: {outlet[1]}",
        f"{indent}quality: {rng.randint(1, 100)}",
    ]
    if rng.random() < 0.75:
        lines += [
            f"{indent}images:",
            f"{indent}  - url: {_q(f'https://img.{outlet[1]}/{i}.jpg')}",
            f"{indent}    width: {rng.choice([640, 1280, 1600])}",
            f"{indent}    height: {rng.choice([360, 720, 900])}",
        ]
    return lines


def write_corpus(n: int, folder: Path, seed: int = 0) -> int:
    """Write ``n`` items into ``folder``; return the number of files written."""
    rng = random.Random(seed)
    outlets = _outlets(rng, n)
    weights = [1 / (rank + 1) for rank in range(len(outlets))]
    start = datetime(2020, 5, 1, tzinfo=UTC)
    chosen = rng.choices(outlets, weights=weights, k=n)
    titles = [_title(rng) for _ in range(n)]
    urls = [_url(chosen[i][1], i, titles[i]) for i in range(n)]
    dates = [start + timedelta(minutes=rng.randint(0, 60 * 24 * 30)) for _ in range(n)]
    for i in range(n):
        sub = folder / f"{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        j = i
        if i > 10 and rng.random() < 0.02:  # a file repeating an article held by another file
            j = rng.randrange(i)
        lines = ["---", "category: news"]
        lines += _article_lines(rng, j, urls[j], titles[j], dates[j], chosen[j])
        lines += [f"heat: {rng.randint(-1, 100)}", "published: false", "", "topics:"]
        lines += [f"  - {t}" for t in ["Coronavirus", *rng.sample(TOPICS[1:], rng.randint(1, 2))]]
        if rng.random() < 0.68:
            lines += ["", "tags:"] + [f"  - {p}" for p in rng.sample(PLACES, rng.randint(1, 3))]
        if rng.random() < 0.25:
            lines += ["", "related:"]
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.96:
                    k = rng.randrange(n)
                    url, title, when, outlet = urls[k], titles[k], dates[k], chosen[k]
                else:  # coverage that has no file of its own
                    k = n + rng.randrange(10 * n)
                    outlet = rng.choice(outlets)
                    title = _title(rng)
                    url, when = _url(outlet[1], k, title), start
                rel = _article_lines(rng, k, url, title, when, outlet, indent="    ")
                rel[0] = "  - " + rel[0][4:]
                lines += rel
        lines += [f"secured: {_q(format(rng.getrandbits(128), '032x'))}", "---", ""]
        text = "\n".join(lines)
        if rng.random() < 1 / 6000:
            text = text.replace('excerpt: "', 'excerpt: "\x97', 1)
        (sub / f"{dates[j]:%Y-%m-%d}-item-{i}.md").write_text(text, encoding="utf-8")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of items")
    parser.add_argument("folder", type=Path, help="output folder (created)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    write_corpus(args.n, args.folder, args.seed)
    print(f"wrote {args.n:,} items to {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
