"""`cokg suggest-mappings`: a mapping set to start from for a QDA project's codes.

The fictional study of tests/qda_projects.py codes with CFIR-style names; the constructs each
name should be suggested are CFIR 2.0's as Damschroder et al. (2022) number them, written here by
hand. The suggestion file must read back as an SSSOM mapping set that `cokg import-qdpx --codes`
takes as it is."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from qda_projects import build_project
from test_qda_export import dundee_export
from test_qda_import import Inputs, do_import, study_store, write_inputs

from cokg.cli import cli
from cokg.errors import ParameterError
from cokg.linking.sssom import read_sssom
from cokg.namespaces import CFIR22
from cokg.qda.reading import read_project
from cokg.qda.suggesting import suggest_mappings, write_suggestions
from cokg.store import MemoryStore, build

# code path -> the CFIR 2.0 construct it names (Damschroder et al. 2022)
EXPECTED = {
    "Innovation": CFIR22["I"],
    "Innovation/Innovation Adaptability": CFIR22["I.D"],
    "Outer Setting": CFIR22["II"],
    "Outer Setting/Partnerships & Connections": CFIR22["II.D"],
    "Inner Setting": CFIR22["III"],
    "Inner Setting/Culture": CFIR22["III.D"],
    "Inner Setting/Available Resources": CFIR22["III.J"],
    "Inner Setting/Available Resources/Funding": CFIR22["III.J.1"],
    "Individuals": CFIR22["IV"],
    "Individuals/Implementation Leads": CFIR22["IV.E"],
    "Implementation Process": CFIR22["V"],
    "Implementation Process/Planning": CFIR22["V.D"],
    "Implementation Process/Reflecting & Evaluating": CFIR22["V.H"],
}


@pytest.fixture(scope="module")
def store() -> Iterator[MemoryStore]:
    st = study_store()
    yield st
    st.close()


def _suggested(found) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.subject_label: m.object_iri for m in found.mapping_set.mappings}


def test_each_code_gets_the_construct_its_name_is(tmp_path: Path, store: MemoryStore) -> None:
    project = build_project(tmp_path, "NVivo 14").path
    found = suggest_mappings(project, store=store, scheme="cfir-2022")
    assert _suggested(found) == {path: str(iri) for path, iri in EXPECTED.items()}
    assert not found.recognised and not found.ratings and not found.unmatched
    codes = read_project(project).codes
    for m in found.mapping_set.mappings:
        # the code by its GUID (whatever a program does to names), the row marked as a guess
        assert m.subject_id.split(":", 1)[1] in codes
        assert m.predicate_id == "skos:exactMatch"
        assert m.mapping_justification == "semapv:LexicalMatching"
        assert m.confidence == 1.0 and "delete" in (m.comment or "")


def test_the_file_is_taken_by_import_as_written(tmp_path: Path, store: MemoryStore) -> None:
    project = build_project(tmp_path, "MAXQDA 2022").path
    out = tmp_path / "codes.sssom.tsv"
    write_suggestions(suggest_mappings(project, store=store, scheme="cfir-2022"), out)
    assert len(read_sssom(out).mappings) == len(EXPECTED)
    inputs = write_inputs(tmp_path / "maps")
    suggested = Inputs(cases=inputs.cases, informants=inputs.informants, codes=out)
    conv = do_import(project, store, suggested, dry_run=True).conversion
    assert conv.unmapped_codes == () and conv.mapped_codes == conv.codes == len(EXPECTED)


def _edit(root: ET.Element, _members: dict[str, bytes]) -> None:
    """Funding renamed to a name no construct has; a "+2" code under Culture (a rating)."""
    ns = root.tag.partition("}")[0] + "}" if root.tag.startswith("{") else ""
    for code in root.iter(f"{ns}Code"):
        if code.get("name") == "Funding":
            code.set("name", "Lunch rota")
        if code.get("name") == "Culture":
            ET.SubElement(code, f"{ns}Code", guid=str(uuid.uuid4()), name="+2", isCodable="true")


def test_ratings_and_names_nothing_matches_get_no_row(tmp_path: Path, store: MemoryStore) -> None:
    project = build_project(tmp_path, "QualCoder 3.5", edit=_edit).path
    found = suggest_mappings(project, store=store, scheme="cfir-2022")
    assert found.unmatched == ("Inner Setting/Available Resources/Lunch rota",)
    assert found.ratings == ("Inner Setting/Culture/+2",)
    assert set(_suggested(found)) == set(EXPECTED) - {"Inner Setting/Available Resources/Funding"}


def test_codes_that_are_constructs_already_need_no_row(tmp_path: Path) -> None:
    # a project from cokg's own codebooks: every construct code is recognised on import
    st = MemoryStore()
    build(st)
    out = dundee_export(tmp_path, st)
    found = suggest_mappings(out, store=st)
    categories = {c.name for c in read_project(out).codes.values() if not c.codable}
    assert len(found.recognised) == len(read_project(out).codes) - len(categories)
    assert {m.subject_label for m in found.mapping_set.mappings} | set(found.unmatched) == (
        categories
    )


def test_command_writes_the_file_and_says_what_it_left_out(tmp_path: Path) -> None:
    project = build_project(tmp_path, "NVivo 14", edit=_edit).path
    out = tmp_path / "codes.sssom.tsv"
    args = ["suggest-mappings", str(project), str(out), "--scheme", "cfir-2022"]
    r = CliRunner().invoke(cli, [*args, "--store", "memory:"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"wrote 12 suggested mappings to {out}: check each row;")
    assert "  no suggestion: Inner Setting/Available Resources/Lunch rota" in r.output
    assert len(read_sssom(out).mappings) == 12
    bad = CliRunner().invoke(cli, [*args[:3], "--scheme", "cfir-2099", "--store", "memory:"])
    assert bad.exit_code == 2
    assert bad.output.startswith("cokg: error: no scheme 'cfir-2099'")


def test_an_unknown_scheme_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    project = build_project(tmp_path, "NVivo 14").path
    with pytest.raises(ParameterError, match="no scheme 'nope'"):
        suggest_mappings(project, store="memory:", scheme="nope")


def test_without_a_scheme_the_framework_most_names_match_is_preferred(
    tmp_path: Path, store: MemoryStore
) -> None:
    """With no --scheme, a CFIR 2.0 codebook got CFIR 2009 targets for the names the two
    versions share (Culture, Planning), mixed with CFIR 2022's: each code took the best match
    of any framework. The framework most names match is preferred, and said."""
    project = build_project(tmp_path, "NVivo 14").path
    found = suggest_mappings(project, store=store)
    assert found.preferred == "cfir-2022"
    assert _suggested(found) == {path: str(iri) for path, iri in EXPECTED.items()}
    assert suggest_mappings(project, store=store, scheme="cfir-2022").preferred is None


def test_an_exact_name_in_another_framework_beats_a_near_one_in_the_preferred(
    tmp_path: Path, store: MemoryStore
) -> None:
    """A CFIR 2.0 codebook with outcome codes: "Acceptability" got CFIR 2.0's Capability (the
    preferred framework's nearest name) instead of Proctor's Acceptability, its exact name."""
    root = ET.Element("CodeBook", {"xmlns": "urn:QDA-XML:codebook:1.0"})
    codes = ET.SubElement(root, "Codes")
    names = ("Culture", "Available Resources", "Partnerships & Connections", "Acceptability",
             "Cost", "Leadership")  # fmt: skip
    for name in names:
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        ET.SubElement(codes, "Code", {"guid": guid, "name": name, "isCodable": "true"})
    path = tmp_path / "mixed.qdc"
    path.write_bytes(ET.tostring(root, xml_declaration=True, encoding="utf-8"))
    found = suggest_mappings(path, store=store)
    assert found.preferred == "cfir-2022"
    suggested = _suggested(found)
    assert (
        suggested["Acceptability"] == "https://w3id.org/cokg/framework/proctor-2011/acceptability"
    )
    assert suggested["Culture"] == str(CFIR22["III.D"])  # a name both CFIRs have: the preferred
    # CFIR 2009's exact "Cost" is CFIR 2.0's Innovation Cost: its counterpart, not cfir09:I.H;
    # CFIR 2009's Leadership Engagement, related to CFIR 2.0 only loosely, does not win either
    assert suggested["Cost"] == str(CFIR22["I.H"])
    assert suggested["Leadership"].startswith(str(CFIR22[""]))
