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

Headlines and excerpts read like news for story detection (on by default):

- words follow a Zipf-Mandelbrot law (exponent 1.7, offset 300) over an
  unbounded vocabulary (a few hundred real news words, then made-up words such
  as ``bebaba``), which gives the corpus's word statistics at 6,000 items (about
  28 words a text once stop words are dropped, some 850 words in more than 40
  texts, most words rare) and a vocabulary that keeps growing with N, as news
  does (Heaps' law);
- 45% of the items cover an *event* that several outlets report on nearby days
  (mostly the same day): a place, sometimes a figure, an action and a few
  subject words of the event, each outlet rewording them (synonyms, a subset of
  the words, its own filler); events have 2 to 20 items, most of them 2 or 3;
  a tenth of the events are daily case reports ("Oregon reports 70 new cases,
  3 deaths"), the same template for other places and days with other figures;
  an event's first item carries the wire text, which one in eight of its other
  items copies (syndication);
- the other items are one-offs; `related` entries of an event item point at
  other items of its event seven times in ten (publishers link their coverage,
  but not only it).

At 6,000 items story detection finds about what it finds in the shared corpus:
920 stories (930 there) holding 43% of the articles (44%), 570 of two articles
(580), the largest of 18 (19), 3,100 inferred links (2,700). Each text
comes from a generator seeded by the item, so a file and the `related` entries
that mention its article say the same thing.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from dataclasses import dataclass
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
#: Places headlines name (as ``graph.places.places_in_text`` reads them), with their tag codes.
HEADLINE_PLACES = [
    ("New York", "US-NY"), ("California", "US-CA"), ("Texas", "US-TX"), ("Florida", "US-FL"), ("Oregon", "US-OR"),
    ("Ohio", "US-OH"), ("Michigan", "US-MI"), ("Nebraska", "US-NE"), ("Indiana", "US-IN"), ("Tennessee", "US-TN"),
    ("North Carolina", "US-NC"), ("Georgia", "US-GA"), ("Illinois", "US-IL"), ("Arizona", "US-AZ"),
    ("Washington", "US-WA"), ("Oklahoma", "US-OK"), ("Virginia", "US-VA"), ("Alaska", "US-AK"), ("Chicago", "US-IL"),
    ("Houston", "US-TX"), ("Ontario", "CA-ON"), ("Quebec", "CA-QC"), ("Nova Scotia", "CA-NS"),
    ("Saskatchewan", "CA-SK"), ("Alberta", "CA-AB"), ("Toronto", "CA-ON"), ("New South Wales", "AU-NSW"),
    ("Scotland", "GB-SCT"), ("Wales", "GB-WLS"), ("London", "GB-ENG"), ("UK", "GB"), ("US", "US"), ("India", "IN"),
    ("Singapore", "SG"), ("Thailand", "TH"), ("Malaysia", "MY"), ("Brazil", "BR"), ("Peru", "PE"), ("Italy", "IT"),
    ("Spain", "ES"), ("Germany", "DE"), ("France", "FR"), ("Russia", "RU"), ("Japan", "JP"), ("South Korea", "KR"),
    ("Kenya", "KE"), ("Nigeria", "NG"), ("Mexico", "MX"), ("Australia", "AU"), ("Wuhan", "CN-HB"),
]  # fmt: skip
#: The commonest words, in order: the first ranks of the word law (made-up words follow).
COMMON = (  # noqa: SIM905 - a paragraph is easier to read than a list of strings
    "coronavirus covid 19 cases health pandemic state people county deaths officials testing week reopening "
    "lockdown virus hospital businesses schools governor public workers economy home positive patients reported "
    "death number report government first time million care tests nursing order plan city federal help community "
    "total today news data spread social distancing masks restrictions president trump white house crisis curve "
    "local department emergency outbreak response support relief peak parks beaches stores open "
    "close reopen phase guidelines face unemployment jobs market stocks oil prices bank rate season fans games "
    "league players students graduation class online vaccine trial drug study researchers scientists treatment "
    "doctors nurses staff residents homes facility prison inmates meat plant food supply chain shortage protective "
    "equipment ventilators funding bill senate congress election voters mail ballots church services mothers day "
    "weekend monday tuesday wednesday thursday friday saturday sunday april month daily update latest live "
    "video photos watch family life children kids parents teachers university college small owners restaurants "
    "bars salons gyms retail sales travel airlines flights cruise border china wuhan lab origin world global "
    "national international minister prime leaders council board mayor police arrests fines protest rally"
).split()
_CONSONANTS, _VOWELS = "bdfgklmnprstvz", "aeiou"
_SYLLABLES = [c + v for c in _CONSONANTS for v in _VOWELS]
_STOP = frozenset({"before"})  # made-up words that are stop words
#: Ranks from which subject words (what tells an event from others) are drawn.
_SUBJECT, _NAME = 40, 2000
#: Synonyms an outlet picks from for an event's action.
ACTIONS = [
    ("announces", "unveils", "reveals", "sets out"),
    ("confirms", "reports", "records"),
    ("approves", "backs", "clears", "signs off"),
    ("extends", "prolongs", "lengthens"),
    ("cancels", "scraps", "calls off"),
    ("reopens", "opens again", "restarts"),
    ("delays", "postpones", "pushes back"),
    ("bans", "halts", "suspends"),
    ("warns of", "cautions on", "raises alarm over"),
    ("launches", "starts", "begins"),
    ("closes", "shuts", "shutters"),
    ("probes", "investigates", "looks into"),
]
FILLER = ["in", "as", "the", "of", "for", "to", "on", "after", "amid", "with", "and"]
REPORTS = [
    "{place} reports {a} new coronavirus cases, {b} deaths",
    "{a} new COVID-19 cases and {b} deaths reported in {place}",
    "{place} coronavirus update: {a} new cases, {b} more deaths",
    "Coronavirus in {place}: {a} new cases and {b} deaths",
    "{place} health officials confirm {a} new cases, {b} deaths",
]
#: Share of items in events, the law of event sizes, the share of event items that are wire copies.
EVENT_SHARE, SIZE_EXPONENT, MAX_SIZE, COPY_SHARE = 0.45, 3.2, 20, 0.125
#: The word law: Zipf-Mandelbrot with this exponent and offset.
ZIPF_S, ZIPF_Q = 1.7, 300.0


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_made_up: dict[int, str] = {}


def word(rank: int) -> str:
    """The word of ``rank`` (0 the commonest): a real news word, then made-up ones of three or more syllables.

    >>> word(0), word(len(COMMON)), word(len(COMMON) + 1)
    ('coronavirus', 'bebaba', 'bebabe')
    """
    if rank < len(COMMON):
        return COMMON[rank]
    cached = _made_up.get(rank)
    if cached is None:
        k = rank - len(COMMON) + len(_SYLLABLES) ** 2  # three syllables at least
        parts = []
        while k:
            k, digit = divmod(k, len(_SYLLABLES))
            parts.append(_SYLLABLES[digit])
        cached = "".join(reversed(parts))
        if cached in _STOP:
            cached += "n"
        _made_up[rank] = cached
    return cached


def zipf_rank(rng: random.Random, least: int = 0) -> int:
    """A word rank drawn from the word law (continuous inverse, then floored), at least ``least``."""
    lo = (1.0 + least + ZIPF_Q) ** (1.0 - ZIPF_S)
    return int((lo * (1.0 - rng.random())) ** (1.0 / (1.0 - ZIPF_S)) - ZIPF_Q) - 1


def _words(rng: random.Random, k: int, least: int = 0) -> list[str]:
    return [word(zipf_rank(rng, least)) for _ in range(k)]


@dataclass(frozen=True, slots=True)
class Event:
    """What every outlet's report of one event shares."""

    day: int
    place: int | None  # index in HEADLINE_PLACES
    figure: int | None
    action: int  # index in ACTIONS; -1 for a daily case report
    subject: tuple[str, ...]
    summary: tuple[str, ...]
    counts: tuple[int, int] = (0, 0)


def _event(rng: random.Random, days: int) -> Event:
    day = rng.randrange(days)
    if rng.random() < 0.1:  # a daily case report
        counts = (rng.randint(3, 3000), rng.randint(0, 80))
        return Event(day, rng.randrange(len(HEADLINE_PLACES)), None, -1, (), tuple(_words(rng, 8, _SUBJECT)), counts)
    place = rng.randrange(len(HEADLINE_PLACES)) if rng.random() < 0.7 else None
    figure = rng.choice([rng.randint(2, 99), rng.randint(100, 20000)]) if rng.random() < 0.35 else None
    subject = _words(rng, rng.randint(1, 2), _NAME) + _words(rng, rng.randint(2, 3), _SUBJECT)
    return Event(day, place, figure, rng.randrange(len(ACTIONS)), tuple(subject), tuple(_words(rng, 12, _SUBJECT)))


def _sentence(words: list[str], rng: random.Random) -> str:
    out: list[str] = []
    for w in words:
        if out and rng.random() < 0.3:
            out.append(rng.choice(FILLER))
        out.append(w)
    return " ".join(out)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def text_of(rng: random.Random, event: Event | None) -> tuple[str, str]:
    """A headline and an excerpt: one outlet's wording of ``event``, or a one-off item's."""
    if event is None:
        head = [rng.choice(ACTIONS)[0], *_words(rng, rng.randint(5, 8))]
        rng.shuffle(head)
        if rng.random() < 0.4:
            head.insert(rng.randrange(len(head) + 1), HEADLINE_PLACES[rng.randrange(len(HEADLINE_PLACES))][0])
        if rng.random() < 0.5:
            head.insert(rng.randrange(len(head) + 1), "coronavirus")
        title = _sentence(head, rng)
        return _capital(title), _capital(_sentence(_words(rng, rng.randint(16, 24)), rng)) + "."
    place = HEADLINE_PLACES[event.place][0] if event.place is not None else None
    if event.action < 0:
        assert place is not None
        a, b = event.counts
        title = rng.choice(REPORTS).format(place=place, a=f"{a:,}", b=b)
        body = [*rng.sample(event.summary, rng.randint(3, 6)), *_words(rng, rng.randint(10, 14))]
        rng.shuffle(body)
        return title, f"The {place} health department said {a:,} new cases. " + _capital(_sentence(body, rng)) + "."
    keep = [w for w in event.subject if rng.random() < 0.8] or [event.subject[0]]
    rest = [*keep, *_words(rng, rng.randint(1, 3))]
    if event.figure is not None and rng.random() < 0.8:
        rest.insert(rng.randrange(len(rest) + 1), f"{event.figure:,}")
    if rng.random() < 0.5:
        rest.insert(rng.randrange(len(rest) + 1), "coronavirus")
    rng.shuffle(rest)
    action = rng.choice(ACTIONS[event.action])
    head = [place, action, *rest] if place is not None else [rest[0], action, *rest[1:]]
    if place is not None and rng.random() < 0.3:  # "Plan ... in Oregon"
        head = [*head[1:], "in", place]
    body = [
        *rng.sample(event.summary, rng.randint(6, 9)),
        *rng.sample(event.subject, rng.randint(1, len(event.subject))),
        *_words(rng, rng.randint(8, 12)),
    ]
    rng.shuffle(body)
    return _capital(_sentence(head, rng)), _capital(_sentence(body, rng)) + "."


def _outlets(rng: random.Random, n: int) -> list[tuple[str, str]]:
    count = max(20, n // 5)
    outlets = [(f"Outlet {i} News", f"outlet{i}.com") for i in range(count)]
    for i in range(0, count, 97):  # a few domains carry several outlets, as cbslocal.com does
        outlets.append((f"Outlet {i} Local", f"outlet{i}.com"))
    return outlets


def _url(domain: str, i: int, title: str) -> str:
    slug = "-".join(title.lower().replace(",", "").replace(":", "").split()[:8])
    return f"https://www.{domain}/news/{slug}-{i}"


def _article_lines(
    rng: random.Random,
    i: int,
    url: str,
    text: tuple[str, str],
    when: datetime,
    outlet: tuple[str, str],
    indent: str = "",
) -> list[str]:
    lines = [
        f"{indent}title: {_q(text[0])}",
        f"{indent}excerpt: {_q(text[1])}",
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


def _plan(rng: random.Random, n: int) -> tuple[list[int], list[list[int]]]:
    """Each item's event (-1: a one-off), and each event's items; events get ``EVENT_SHARE`` of the items."""
    sizes = range(2, MAX_SIZE + 1)
    cum = list(itertools.accumulate(k**-SIZE_EXPONENT for k in sizes))
    counts: list[int] = []
    left = int(EVENT_SHARE * n)
    while left >= 2:
        k = min(rng.choices(sizes, cum_weights=cum)[0], left)
        counts.append(k)
        left -= k
    event_of = [e for e, k in enumerate(counts) for _ in range(k)]
    event_of += [-1] * (n - len(event_of))
    rng.shuffle(event_of)
    members: list[list[int]] = [[] for _ in counts]
    for i, e in enumerate(event_of):
        if e >= 0:
            members[e].append(i)
    return event_of, members


def write_corpus(n: int, folder: Path, seed: int = 0) -> int:
    """Write ``n`` items into ``folder``; return the number of files written."""
    rng = random.Random(seed)
    outlets = _outlets(rng, n)
    weights = [1 / (rank + 1) for rank in range(len(outlets))]
    start = datetime(2020, 5, 1, tzinfo=UTC)
    days = 30
    chosen = rng.choices(outlets, weights=weights, k=n)
    event_of, members = _plan(rng, n)
    events = [_event(rng, days) for _ in members]
    # a wire text per event, copied by some of its items; a copy's text comes from its event's generator
    copy_of = [e if e >= 0 and rng.random() < COPY_SHARE else -1 for e in event_of]
    for items in members:  # the first item of an event carries the wire text itself
        copy_of[items[0]] = event_of[items[0]]

    def text(k: int, e: int, copy: bool = False) -> tuple[str, str]:
        """Item ``k``'s text (``k`` >= n: coverage with no file), from a generator of its own."""
        own = random.Random((seed << 40) + (11 * n + e if copy else k))
        return text_of(own, events[e] if e >= 0 else None)

    def date(e: int) -> datetime:
        if e < 0:
            return start + timedelta(minutes=rng.randint(0, 60 * 24 * days))
        late = rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 1, 2))
        return start + timedelta(days=min(days, events[e].day + late), minutes=rng.randint(0, 60 * 24 - 1))

    dates = [date(e) for e in event_of]
    titles = [text(i, event_of[i], copy_of[i] >= 0)[0] for i in range(n)]
    urls = [_url(chosen[i][1], i, titles[i]) for i in range(n)]
    for i in range(n):
        sub = folder / f"{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        j = i
        if i > 10 and rng.random() < 0.02:  # a file repeating an article held by another file
            j = rng.randrange(i)
        e = event_of[j]
        lines = ["---", "category: news"]
        lines += _article_lines(rng, j, urls[j], text(j, e, copy_of[j] >= 0), dates[j], chosen[j])
        lines += [f"heat: {rng.randint(-1, 100)}", "published: false", "", "topics:"]
        lines += [f"  - {t}" for t in ["Coronavirus", *rng.sample(TOPICS[1:], rng.randint(1, 2))]]
        if rng.random() < 0.68:
            tags = rng.sample(PLACES, rng.randint(1, 3))
            place = events[e].place if e >= 0 else None
            if place is not None and HEADLINE_PLACES[place][1] not in tags:
                tags[0] = HEADLINE_PLACES[place][1]
            lines += ["", "tags:"] + [f"  - {p}" for p in tags]
        if rng.random() < 0.25:
            lines += ["", "related:"]
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.96:
                    k = rng.randrange(n)
                    if e >= 0 and len(members[e]) > 1 and rng.random() < 0.7:  # its event's coverage
                        k = rng.choice([m for m in members[e] if m != j] or [k])
                    url, when, outlet = urls[k], dates[k], chosen[k]
                    said = text(k, event_of[k], copy_of[k] >= 0)
                else:  # coverage that has no file of its own
                    k = n + rng.randrange(10 * n)
                    outlet = rng.choice(outlets)
                    said = text(k, e)
                    url, when = _url(outlet[1], k, said[0]), dates[j]
                rel = _article_lines(rng, k, url, said, when, outlet, indent="    ")
                rel[0] = "  - " + rel[0][4:]
                lines += rel
        lines += [f"secured: {_q(format(rng.getrandbits(128), '032x'))}", "---", ""]
        body = "\n".join(lines)
        if rng.random() < 1 / 6000:
            body = body.replace('excerpt: "', 'excerpt: "\x97', 1)
        (sub / f"{dates[j]:%Y-%m-%d}-item-{i}.md").write_text(body, encoding="utf-8")
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
