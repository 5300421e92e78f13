"""Ids made from human names (`cokg.slugs.slug`): accented letters spelt in ASCII, never
dropped; letters with no Latin spelling told apart by a hash; never an empty id; the one
function behind submission ids, QDA project ids, steward agents and RO-Crate people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cokg.qda.converting import legacy_project_id, project_id
from cokg.qda.model import Project
from cokg.slugs import legacy_slug, slug
from cokg.validate import SUBMISSION_ID_PATTERN, check_submission_id, legacy_submission_id
from cokg.validate import submission_id as submission_id_of

ID = re.compile(SUBMISSION_ID_PATTERN)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Étude Québec – entrevues", "etude-quebec-entrevues"),
        ("Organismes Québec – été", "organismes-quebec-ete"),
        ("Partenaires à Lyon", "partenaires-a-lyon"),
        ("Partenaires ô Lyon", "partenaires-o-lyon"),
        ("Jönköping County", "jonkoping-county"),
        ("Straße", "strasse"),
        ("STRAẞE", "strasse"),
        ("Ærøskøbing", "aeroskobing"),
        ("Œuvre", "oeuvre"),
        ("Łódź", "lodz"),
        ("Đakovo", "dakovo"),
        ("Þórshöfn", "thorshofn"),
        ("İstanbul ılık", "istanbul-ilik"),
        ("ﬁnance Ｔｅａｍ ²", "finance-team-2"),
        ("Dundee MRR", "dundee-mrr"),
        ("  --riverside 2024-- ", "riverside-2024"),
    ],
)
def test_latin_letters_are_spelt_not_dropped(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_decomposed_and_composed_accents_give_one_id() -> None:
    import unicodedata

    name = "Organismes Québec – été"
    assert slug(unicodedata.normalize("NFD", name)) == slug(name)


@pytest.mark.parametrize("name", ["東京", "Αθήνα", "Москва", "서울", "★"])
def test_a_name_with_no_latin_spelling_gives_a_stable_usable_id(name: str) -> None:
    sid = slug(name)
    assert ID.fullmatch(sid) and sid != "submission" and sid.startswith("submission-")
    assert slug(name) == sid  # stable


def test_names_with_no_latin_spelling_do_not_collide() -> None:
    ids = {slug(n) for n in ("東京", "大阪", "Αθήνα", "Αθηνά", "Москва", "Минск")}
    assert len(ids) == 6
    # what is Latin in the name stays readable, the rest is told apart by the hash
    assert slug("東京 2024").startswith("2024-") and slug("東京 2024") != slug("大阪 2024")
    assert slug("Étude 東京") == slug("ÉTUDE 東京")


def test_an_empty_name_gives_the_fallback_and_a_long_one_keeps_its_hash() -> None:
    assert slug("") == slug("  ") == slug("--") == "submission"
    assert slug("", empty="author") == "author"
    long = slug("a" * 80 + " 東京")
    assert len(long) <= 64 and ID.fullmatch(long) and long != slug("a" * 80 + " 大阪")
    assert len(slug("x" * 80)) == 64
    assert len(slug("東京", max_length=20)) <= 20


def test_legacy_slug_is_what_earlier_versions_made() -> None:
    assert legacy_slug("Étude Québec – entrevues") == "tude-qu-bec-entrevues"
    assert legacy_slug("東京") == "submission"


def test_submission_ids_from_accented_folder_names() -> None:
    assert submission_id_of(["x/Organismes Québec – été"]) == "organismes-quebec-ete"
    assert submission_id_of(["Partenaires à Lyon"]) != submission_id_of(["Partenaires ô Lyon"])
    assert legacy_submission_id(["x/Organismes Québec – été"]) == "organismes-qu-bec-t"
    assert legacy_submission_id(["x/riverside"]) is None  # nothing changed for it
    several = submission_id_of(["Été.ttl", "über.ttl"])
    assert several.startswith("ete-") and check_submission_id(several)
    old = legacy_submission_id(["Été.ttl", "über.ttl"])
    assert old is not None and old.startswith("t-") and old[-8:] == several[-8:]
    cjk = submission_id_of(["東京.csv"])
    assert cjk.startswith("submission-") and cjk != submission_id_of(["大阪.csv"])


def _project(name: str) -> Project:
    return Project(kind="project", name=name, origin=None, offset_rule=None)


def test_qda_project_ids_from_accented_names() -> None:
    project = _project("Étude Québec – entrevues")
    assert project_id(project, "file") == "qda-etude-quebec-entrevues"
    assert legacy_project_id(project, "file") == "qda-tude-qu-bec-entrevues"
    assert legacy_project_id(_project("Plain study"), "file") is None
    long = project_id(_project("Études " * 20 + "東京"), "file")
    assert len(long) <= 64 and ID.fullmatch(long)
    assert project_id(_project("東京"), "f") != project_id(_project("大阪"), "f")


def test_steward_agents_are_named_by_the_same_function(store_dir: Path, tmp_path: Path) -> None:
    from cokg.ingest import ingest
    from cokg.store import EmbeddedStore

    f = tmp_path / "place.ttl"
    f.write_text(
        "@prefix cokg: <https://w3id.org/cokg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/cokg/id/place/fictional-p> a cokg:Place ; rdfs:label "FICTIONAL" .\n',
        encoding="utf-8",
    )
    ingest([f], by="Zoë Łukasik", store=store_dir)
    with EmbeddedStore(store_dir, read_only=True) as st:
        rows = st.query(
            "SELECT ?a WHERE { GRAPH <https://w3id.org/cokg/graph/provenance/place> "
            "{ ?a a <http://www.w3.org/ns/prov#Agent> } }"
        ).rows
    assert [str(r["a"]) for r in rows] == ["https://w3id.org/cokg/id/agent/steward/zoe-lukasik"]


def test_crate_people_are_named_by_the_same_function() -> None:
    from cokg.linking.rocrate import _slug

    assert _slug("Zoë Łukasik") == "zoe-lukasik"
    assert _slug("李雷") != _slug("王芳")
