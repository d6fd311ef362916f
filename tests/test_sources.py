"""Specification of the source registry (`sim/sources.py`, `sim/data/sources.yaml`)."""

from __future__ import annotations

import re
import textwrap
from importlib.resources import files
from pathlib import Path

import pytest

from sim.config.sources import (
    KINDS,
    READ_MODES,
    Claim,
    DanglingCitationError,
    Registry,
    Source,
    SourceRegistryError,
    facts_covered,
    load_registry,
)

# The project's fact sheet lives beside the checkout (../shared), not in the repository.
FACTS_MD = Path(__file__).resolve().parents[2] / "shared" / "FACTS.md"


def fact_sheet_ids() -> set[str]:
    if not FACTS_MD.is_file():
        pytest.skip(f"fact sheet not found at {FACTS_MD} (shared/ is not part of the repository)")
    return set(re.findall(r"^- (F\d{2}) ", FACTS_MD.read_text(encoding="utf-8"), flags=re.MULTILINE))


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


# --- the shipped registry ----------------------------------------------------------------------


def test_the_registry_ships_as_package_data() -> None:
    assert (files("sim") / "data" / "sources.yaml").is_file()


def test_the_shipped_registry_loads(registry: Registry) -> None:
    assert registry.sources
    assert all(isinstance(s, Source) for s in registry.sources.values())
    assert all(isinstance(c, Claim) for s in registry.sources.values() for c in s.claims.values())


def test_the_default_registry_is_loaded_once(registry: Registry) -> None:
    assert load_registry() is registry


def test_every_fact_of_the_fact_sheet_is_covered_by_a_claim(registry: Registry) -> None:
    ids = fact_sheet_ids()
    assert len(ids) > 40, "fact sheet parsed badly"
    assert sorted(ids - facts_covered(registry)) == []


def test_claims_cite_only_facts_that_exist(registry: Registry) -> None:
    assert sorted(facts_covered(registry) - fact_sheet_ids()) == []


def test_every_news_or_analysis_claim_names_its_facts(registry: Registry) -> None:
    for source in registry.sources.values():
        if source.kind in ("news", "analysis"):
            for claim in source.claims.values():
                assert claim.facts, f"{source.key}/{claim.key} cites no fact id"


def test_every_research_source_has_a_reference_and_how_it_was_read(registry: Registry) -> None:
    research = [s for s in registry.sources.values() if s.kind == "research"]
    assert research
    for source in research:
        assert source.reference, source.key
        assert source.read in READ_MODES, source.key
        assert source.author, source.key


def test_every_news_item_has_outlet_date_and_no_research_fields(registry: Registry) -> None:
    news = [s for s in registry.sources.values() if s.kind in ("news", "analysis")]
    assert len(news) == 5  # one per article of the fact sheet
    for source in news:
        assert source.outlet and source.date and source.title, source.key
        assert source.read is None, source.key


def test_every_source_has_at_least_one_claim(registry: Registry) -> None:
    assert [key for key, s in registry.sources.items() if not s.claims] == []


def test_kinds_and_numbers_are_well_formed(registry: Registry) -> None:
    assert KINDS == ("news", "analysis", "research", "record")
    for source in registry.sources.values():
        assert source.kind in KINDS
        for claim in source.claims.values():
            assert all(isinstance(v, (int, float)) for v in claim.numbers.values())
    assert {s.kind for s in registry.sources.values()} == set(KINDS), "every kind is in use"


# One record per case of the calibration's training sheet (../shared/HISTORY.md).
HISTORY_KEYS = (
    "history-budapest-1994",
    "history-minsk-2014",
    "history-minsk-2015",
    "history-egypt-israel-1949",
    "history-egypt-israel-1970",
    "history-karachi-1949",
    "history-tashkent-1966",
    "history-simla-1972",
    "history-iran-iraq-1988",
    "history-ethiopia-eritrea-2000",
    "history-bishkek-1994",
    "history-rio-1942",
    "history-brasilia-1998",
    "history-transnistria-1992",
    "history-falklands-1982",
    "history-croatia-1992",
    "history-iraq-kuwait-1991",
    "history-georgia-2008",
)


#: The records that are not a training case: the EU's treaty and Ukraine's path into the EU (the ``eu_membership``
#: issue, docs/MODEL.md 7.8.10).
OTHER_RECORDS = ("teu-article-42-7", "ukraine-eu-association")


def test_the_historical_record_has_one_source_per_training_case(registry: Registry) -> None:
    """Catches: a training case without its record, or a record that is neither a case nor listed as another."""
    records = [key for key, s in registry.sources.items() if s.kind == "record"]
    assert [k for k in records if k not in OTHER_RECORDS] == list(HISTORY_KEYS)
    assert not any(k.startswith("history-") for k in OTHER_RECORDS)


@pytest.mark.parametrize("key", HISTORY_KEYS)
def test_every_record_has_outlet_date_url_and_the_four_claims(registry: Registry, key: str) -> None:
    source = registry.sources[key]
    assert source.outlet and source.title and source.url, key
    assert source.reference is None and source.read is None, key
    assert key.endswith(source.date[:4]) or source.date_note, "a date off the key's year must say why"
    assert list(source.claims) == ["agreement", "outcome", "forces", "war-ended"]
    assert all(not claim.facts for claim in source.claims.values()), "records do not name FACTS.md ids"
    years = source.claims["outcome"].numbers["years_of_peace"]
    assert 0 < years < 90
    assert "HISTORY" not in " ".join(c.text for c in source.claims.values()), "cite the documents, not the sheet"


def test_a_record_claim_carries_its_numbers(registry: Registry) -> None:
    _, outcome = registry.resolve("history-egypt-israel-1949/outcome")
    _, forces = registry.resolve("history-iraq-kuwait-1991/forces")
    assert outcome is not None and outcome.numbers["years_of_peace"] == 7.7
    assert forces is not None and (forces.numbers["foreign_troops"], forces.numbers["protected_army"]) == (1500, 15000)


def test_the_standard_method_references_are_present(registry: Registry) -> None:
    for key in ("faratin-sierra-jennings-1998", "grimm-2020-odd"):
        assert registry.sources[key].read == "secondary"


@pytest.mark.parametrize(
    "key",
    [
        "fearon-1995-rationalist",
        "powell-2006-commitment",
        "powell-2004-learning",
        "slantchev-2003-convergence",
        "filson-werner-2002-bargaining",
        "fearon-1997-signaling",
    ],
)
def test_the_bargaining_theory_the_model_embodies_is_in_the_registry(registry: Registry, key: str) -> None:
    source = registry.sources[key]
    assert source.kind == "research" and source.reference and source.claims
    assert source.date in source.reference, "the year in the key, the date and the reference agree"


def test_a_claim_carries_its_numbers(registry: Registry) -> None:
    _, claim = registry.resolve("rutland-2025-conversation/grand-force-proposal")
    assert claim is not None
    assert (claim.numbers["troops_low"], claim.numbers["troops_high"]) == (15000, 20000)


def test_the_registry_is_read_only(registry: Registry) -> None:
    with pytest.raises(TypeError):
        registry.sources["new"] = registry.sources["fortna-2003-scraps"]  # type: ignore[index]


# --- citations -----------------------------------------------------------------------------------


def test_a_source_key_resolves_to_the_source_alone(registry: Registry) -> None:
    source, claim = registry.resolve("fortna-2003-scraps")
    assert source.key == "fortna-2003-scraps" and claim is None


def test_a_key_and_claim_resolve_to_both(registry: Registry) -> None:
    source, claim = registry.resolve("fortna-2003-scraps/third-party-guarantees")
    assert source.kind == "research"
    assert claim is not None and claim.key == "third-party-guarantees"


def test_every_listed_citation_resolves(registry: Registry) -> None:
    assert registry.check(registry.citations()) == []
    assert registry.check(registry.sources) == []


def test_an_unknown_source_raises_with_a_suggestion(registry: Registry) -> None:
    with pytest.raises(DanglingCitationError, match=r"did you mean 'fortna-2003-scraps'") as info:
        registry.resolve("fortna-2003-scrap")
    assert isinstance(info.value, KeyError)
    assert info.value.suggestions[0] == "fortna-2003-scraps"
    assert not str(info.value).startswith(('"', "'")), "message must read as text, not a repr"


def test_an_unknown_claim_raises_with_a_suggestion(registry: Registry) -> None:
    with pytest.raises(DanglingCitationError, match=r"did you mean 'fortna-2003-scraps/third-party-guarantees'"):
        registry.resolve("fortna-2003-scraps/third-party-guarantee")


def test_a_claim_cited_under_the_wrong_source_points_to_the_right_one(registry: Registry) -> None:
    with pytest.raises(DanglingCitationError, match=r"did you mean 'rutland-2025-conversation/grand-force-proposal'"):
        registry.resolve("putin-legitimate-targets-2025-09/grand-force-proposal")


@pytest.mark.parametrize("citation", ["", "/", "fortna-2003-scraps/", "a/b/c"])
def test_a_malformed_citation_raises(registry: Registry, citation: str) -> None:
    with pytest.raises(DanglingCitationError, match="malformed citation"):
        registry.resolve(citation)


def test_check_lists_one_problem_per_dangling_citation(registry: Registry) -> None:
    problems = registry.check(
        ["fortna-2003-scraps", "fortna-2003-scrap", "rutland-2025-conversation/no-such-claim", "zzz"]
    )
    assert len(problems) == 3
    assert "fortna-2003-scrap" in problems[0] and "did you mean" in problems[0]
    assert "no-such-claim" in problems[1]
    assert "zzz" in problems[2]


def test_format_gives_a_short_human_reference(registry: Registry) -> None:
    text = registry.format("rutland-2025-conversation/grand-force-proposal")
    assert text.startswith("Rutland, The Conversation, 2025-08 — ")
    assert "15,000" in text
    assert registry.format("berkemeier-fuhrmann-2018").startswith("Berkemeier & Fuhrmann, Research & Politics, 2018")
    assert registry.format("grimm-2020-odd/odd-protocol").startswith("Grimm et al., ")


def test_format_of_a_dangling_citation_raises(registry: Registry) -> None:
    with pytest.raises(DanglingCitationError):
        registry.format("no-such-source")


# --- validation of a registry file -------------------------------------------------------------

VALID = """\
sources:
  demo-2025-news:
    kind: news
    outlet: "Example outlet"
    date: "2025-09-05"
    title: "A news item"
    claims:
      first-claim:
        text: "Something the item says."
        facts: [F01]
        numbers: {countries: 26}
  demo-2003-study:
    kind: research
    outlet: "Some Journal"
    date: "2003"
    author: "Ann Author and Ben Writer"
    title: "A Study"
    reference: "Author, A. and Writer, B. (2003). A Study. Some Journal 1(1), 1-2."
    read: abstract
    claims:
      direction:
        text: "More of X, less of Y."
  demo-1949-record:
    kind: record
    outlet: "United Nations Treaty Series"
    date: "1949-02-24"
    title: "An armistice"
    url: "https://example.org/armistice"
    claims:
      agreement:
        text: "The two sides signed an armistice under UN chairmanship."
        numbers: {years_of_peace: 7.7}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, VALID))
    assert set(registry.sources) == {"demo-2025-news", "demo-2003-study", "demo-1949-record"}
    assert registry.format("demo-2003-study/direction") == "Author & Writer, Some Journal, 2003 — More of X, less of Y."
    assert facts_covered(registry) == {"F01"}


def test_a_valid_record_loads(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, VALID))
    record = registry.sources["demo-1949-record"]
    assert (record.kind, record.url, record.reference, record.read) == (
        "record",
        "https://example.org/armistice",
        None,
        None,
    )
    _, claim = registry.resolve("demo-1949-record/agreement")
    assert claim is not None and claim.facts == () and claim.numbers["years_of_peace"] == 7.7
    assert registry.format("demo-1949-record/agreement").startswith(
        "An armistice, United Nations Treaty Series, 1949-02-24 — "
    )


def test_an_unquoted_iso_date_is_accepted(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, VALID.replace('"2025-09-05"', "2025-09-05")))
    assert registry.sources["demo-2025-news"].date == "2025-09-05"


TITLE = '    title: "A news item"'
TEXT = '        text: "More of X, less of Y."'
RECORD_URL = '    url: "https://example.org/armistice"'
RECORD_TEXT = '        text: "The two sides signed an armistice under UN chairmanship."'

# (edit of VALID, source key and field the error must name)
MALFORMED = {
    "unknown source field": ((TITLE, TITLE + '\n    link: "x"'), "demo-2025-news", "link"),
    "url on news": ((TITLE, TITLE + '\n    url: "https://example.org"'), "demo-2025-news", "url"),
    "reference on news": ((TITLE, TITLE + '\n    reference: "A. (2025)."'), "demo-2025-news", "reference"),
    "missing outlet": (('    outlet: "Example outlet"\n', ""), "demo-2025-news", "outlet"),
    "missing date": (('    date: "2025-09-05"\n', ""), "demo-2025-news", "date"),
    "missing kind": (("    kind: news\n", ""), "demo-2025-news", "kind"),
    "bad kind": (("kind: news", "kind: rumour"), "demo-2025-news", "kind"),
    "bad read": (("read: abstract", "read: skimmed"), "demo-2003-study", "read"),
    "read on news": ((TITLE, TITLE + "\n    read: primary"), "demo-2025-news", "read"),
    "research without reference": (("    reference: ", "    # reference: "), "demo-2003-study", "reference"),
    "research without read": (("    read: abstract\n", ""), "demo-2003-study", "read"),
    "not a date": (('"2025-09-05"', '"5 Sept 2025"'), "demo-2025-news", "date"),
    "impossible date": (('"2025-09-05"', '"2025-13-05"'), "demo-2025-news", "date"),
    "unquoted year": (('date: "2003"', "date: 2003"), "demo-2003-study", "date"),
    "empty outlet": (('outlet: "Example outlet"', 'outlet: ""'), "demo-2025-news", "outlet"),
    "unknown claim field": (("        facts: [F01]", "        facts: [F01]\n        quote: x"), "first-claim", "quote"),
    "claim without text": ((TEXT, "        numbers: {}"), "direction", "text"),
    "bad fact id": (("facts: [F01]", "facts: [1]"), "first-claim", "facts"),
    "facts on research": ((TEXT, TEXT + "\n        facts: [F01]"), "direction", "facts"),
    "non-numeric number": (("{countries: 26}", "{countries: many}"), "first-claim", "numbers"),
    "boolean number": (("{countries: 26}", "{countries: true}"), "first-claim", "numbers"),
    "bad claim slug": (("      first-claim:", "      First_Claim:"), "demo-2025-news", "claims"),
    "facts on a record": ((RECORD_TEXT, RECORD_TEXT + "\n        facts: [F01]"), "demo-1949-record", "facts"),
    "reference on a record": (
        (RECORD_URL, RECORD_URL + '\n    reference: "UNTS 42."'),
        "demo-1949-record",
        "reference",
    ),
    "read on a record": ((RECORD_URL, RECORD_URL + "\n    read: primary"), "demo-1949-record", "read"),
    "record url not an address": ((RECORD_URL, '    url: "example.org"'), "demo-1949-record", "url"),
    "record without title": (('    title: "An armistice"\n', ""), "demo-1949-record", "title"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_registry_names_the_source_and_field(tmp_path: Path, case: str) -> None:
    (old, new), key, fld = MALFORMED[case]
    assert old in VALID, "test case no longer matches VALID"
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(SourceRegistryError, match=re.escape(repr(key))) as info:
        load_registry(path)
    assert repr(fld) in str(info.value)
    assert str(path) in str(info.value)


def test_a_bad_source_key_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SourceRegistryError, match="Demo_News"):
        load_registry(write(tmp_path, VALID.replace("demo-2025-news:", "Demo_News:")))


def test_a_duplicate_key_is_rejected_not_silently_overwritten(tmp_path: Path) -> None:
    duplicated = VALID.replace("  demo-2003-study:", "  demo-2025-news:")
    with pytest.raises(SourceRegistryError, match="duplicate key 'demo-2025-news'"):
        load_registry(write(tmp_path, duplicated))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("sources: [\n", "not valid YAML"),
        ("[]\n", "top-level key 'sources'"),
        ("sources: {}\n", "non-empty"),
        (VALID + "extra: 1\n", "top-level key 'sources'"),
    ],
)
def test_a_file_of_the_wrong_shape_is_rejected(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(SourceRegistryError, match=match):
        load_registry(write(tmp_path, text))


def test_a_missing_file_is_a_registry_error(tmp_path: Path) -> None:
    with pytest.raises(SourceRegistryError, match="cannot read"):
        load_registry(tmp_path / "absent.yaml")
