"""cokg.linking.sssom: the framework mappings out as SSSOM/TSV and back in as cokg's triples.

Expected values come from hand-written fixtures (tests/fixtures/sssom/) and from the mappings
file itself (ontology/frameworks/mappings.ttl), read here with rdflib alone."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from cokg.errors import InputError, ParameterError
from cokg.linking.sssom import (
    Mapping,
    MappingSet,
    export_sssom,
    framework_mappings,
    import_sssom,
    mapping_nodes,
    mappings_graph,
    read_sssom,
    write_sssom,
)
from cokg.store import MemoryStore, build

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "sssom"
MAPPINGS_TTL = ROOT / "ontology" / "frameworks" / "mappings.ttl"
COKG = "https://w3id.org/cokg/ontology#"
FRAMEWORK = "https://w3id.org/cokg/framework/"


@pytest.fixture(scope="module")
def store() -> Iterator[MemoryStore]:
    # the framework mappings live in the ontology files: the founding data adds none
    st = MemoryStore()
    build(st, include_data=False)
    yield st
    st.close()


@pytest.fixture(scope="module")
def exported(store: MemoryStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sssom") / "frameworks.sssom.tsv"
    assert export_sssom(store, out) == 92
    return out


def mapping_part() -> Graph:
    """mappings.ttl without the description of the mapping set itself."""
    g = Graph().parse(MAPPINGS_TTL)
    g.remove((URIRef(FRAMEWORK + "mappings"), None, None))
    return g


def table(path: Path) -> tuple[list[str], list[str], list[list[str]]]:
    """The metadata lines, the header and the rows of a written file, split by hand."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == ""
    meta = [x for x in lines[:-1] if x.startswith("#")]
    rest = lines[len(meta) : -1]
    return meta, rest[0].split("\t"), [r.split("\t") for r in rest[1:]]


# --------------------------------------------------------------------------- export


def test_export_has_one_row_per_mapping(exported: Path) -> None:
    _, header, rows = table(exported)
    assert len(rows) == len(set(mapping_part().subjects(RDF.type, URIRef(COKG + "ConceptMapping"))))
    assert len(rows) == 92
    assert header == [
        "record_id",
        "subject_id",
        "subject_label",
        "predicate_id",
        "object_id",
        "object_label",
        "mapping_justification",
        "confidence",
        "subject_source",
        "object_source",
        "comment",
    ]


def test_export_is_utf8_lf_without_bom(exported: Path) -> None:
    data = exported.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    data.decode("utf-8")


def test_every_prefix_used_is_declared_and_no_other(exported: Path) -> None:
    meta, header, rows = table(exported)
    declared = {
        line.split(":", 1)[0].strip("# ")
        for line in meta[meta.index("#curie_map:") + 1 :]
        if line.startswith("#  ")
    }
    curie_columns = {
        "record_id",
        "subject_id",
        "predicate_id",
        "object_id",
        "mapping_justification",
        "subject_source",
        "object_source",
    }
    used = {
        cell.split(":", 1)[0]
        for row in rows
        for column, cell in zip(header, row, strict=True)
        if column in curie_columns and cell
    }
    assert used == declared
    assert not any("://" in cell for row in rows for cell in row[:7] if cell)


def test_metadata_names_the_set_and_its_licence(exported: Path) -> None:
    meta, _, _ = table(exported)
    assert "#mapping_set_id: https://w3id.org/cokg/mappings/frameworks" in meta
    assert "#license: https://creativecommons.org/licenses/by/4.0/" in meta


def test_export_is_deterministic(store: MemoryStore, exported: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.sssom.tsv"
    export_sssom(store, again)
    assert again.read_bytes() == exported.read_bytes()


def test_write_to_a_text_stream(store: MemoryStore, exported: Path) -> None:
    buf = io.StringIO()
    write_sssom(framework_mappings(store), buf)
    assert buf.getvalue().encode("utf-8") == exported.read_bytes()


def test_a_known_row(exported: Path) -> None:
    # the first mapping of mappings.ttl, as written there
    _, header, rows = table(exported)
    row = dict(zip(header, rows[0], strict=True))
    assert row == {
        "record_id": "mapping:cfir-2009-I.A--cfir-2022-I.A",
        "subject_id": "cfir09:I.A",
        "subject_label": "Intervention Source",
        "predicate_id": "skos:exactMatch",
        "object_id": "cfir22:I.A",
        "object_label": "Innovation Source",
        "mapping_justification": "semapv:ManualMappingCuration",
        "confidence": "0.95",
        "subject_source": "framework:cfir-2009",
        "object_source": "framework:cfir-2022",
        "comment": "Renamed one-to-one. CFIR 2022 crosswalk (Additional File 4), rebuilt from the "
        "construct pages: Intervention Source -> Innovation Source; stated confidence high.",
    }


# --------------------------------------------------------------------------- round trip


def test_read_back_gives_the_same_mappings(store: MemoryStore, exported: Path) -> None:
    read = read_sssom(exported)
    stored = framework_mappings(store)
    assert len(read.mappings) == 92
    assert sorted(read.mappings, key=repr) == sorted(stored.mappings, key=repr)
    assert read.mapping_set_id == stored.mapping_set_id
    assert read.curie_map == stored.curie_map


def test_import_of_the_export_is_the_mapping_part_of_mappings_ttl(exported: Path) -> None:
    assert isomorphic(import_sssom(exported), mapping_part())


def test_pair_keeps_one_direction_between_two_schemes(store: MemoryStore) -> None:
    g = mapping_part()
    expected = {
        str(n)
        for n in g.subjects(RDF.type, URIRef(COKG + "ConceptMapping"))
        if str(g.value(n, URIRef(COKG + "subject"))).startswith(FRAMEWORK + "study-frame/")
        and str(g.value(n, URIRef(COKG + "object"))).startswith(FRAMEWORK + "cfir-2022/")
    }
    mset = framework_mappings(store, ("study-frame", "cfir-2022"))
    assert {mset.expand(m.record_id or "") for m in mset.mappings} == expected
    assert len(expected) == 5
    assert mset.mapping_set_id == "https://w3id.org/cokg/mappings/frameworks/study-frame--cfir-2022"


def test_pair_with_no_mappings_is_an_empty_set(store: MemoryStore) -> None:
    assert framework_mappings(store, ("cfir-2022", "cfir-2009")).mappings == []


def test_unknown_scheme_lists_the_schemes(store: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="cfir-2022, cfir-outcomes, greenhalgh-2004"):
        framework_mappings(store, ("cfir-2009", "cfir-2033"))


def test_justification_terms_survive_import_and_export(tmp_path: Path) -> None:
    # a set made elsewhere: its SEMAPV terms are kept by cokg as a closing sentence
    graph = import_sssom(FIXTURES / "valid.sssom.tsv")
    node = URIRef("https://w3id.org/cokg/framework/mappings/t2")
    assert graph.value(node, URIRef(COKG + "mappingJustification")) == Literal(
        'Labels share "network"\tideas Justification: semapv:LexicalMatching.'
    )
    st = MemoryStore()
    st.replace_graphs({"urn:test:imported": graph})
    mset = framework_mappings(st, set_id="https://example.org/cokg-tests/valid")
    by_record = {m.record_id: m for m in mset.mappings}
    assert by_record["mapping:t1"].mapping_justification == "semapv:ManualMappingCuration"
    assert by_record["mapping:t1"].comment == "Renamed one-to-one."
    assert by_record["mapping:t2"].mapping_justification == "semapv:LexicalMatching"
    assert by_record["mapping:t2"].comment == 'Labels share "network"\tideas'
    assert by_record["mapping:t3"].mapping_justification == "semapv:UnspecifiedMatching"
    assert by_record["mapping:t3"].comment is None
    st.close()


def test_a_row_without_record_id_is_named_under_its_set() -> None:
    # the set's part keeps it apart from the frameworks' own node for the same pair
    mset = MappingSet(
        mapping_set_id="https://example.org/s",
        license="https://creativecommons.org/licenses/by/4.0/",
        curie_map={"cfir09": FRAMEWORK + "cfir-2009/", "cfir22": FRAMEWORK + "cfir-2022/"},
        mappings=[
            Mapping(
                subject_id="cfir09:I.A",
                predicate_id="skos:exactMatch",
                object_id="cfir22:I.A",
                mapping_justification="semapv:ManualMappingCuration",
                comment="Renamed.",
                subject_iri=FRAMEWORK + "cfir-2009/I.A",
                predicate_iri="http://www.w3.org/2004/02/skos/core#exactMatch",
                object_iri=FRAMEWORK + "cfir-2022/I.A",
            )
        ],
    )
    node = URIRef(FRAMEWORK + "mappings/s-6b850ff4/cfir-2009-I.A--cfir-2022-I.A")
    assert (node, RDF.type, URIRef(COKG + "ConceptMapping")) in mappings_graph(mset)
    frameworks = URIRef(FRAMEWORK + "mappings/cfir-2009-I.A--cfir-2022-I.A")
    assert (frameworks, None, None) not in mappings_graph(mset)


def test_the_other_standard_slots_are_kept_with_the_sssom_properties() -> None:
    """author_id, reviewer_id, mapping_date, see_also... of a row and sssom_version,
    publication_date, comment... of the set were dropped without a word. Each is kept with the
    property the SSSOM schema gives it (its slot_uri, else sssom:<slot>)."""
    g = import_sssom(FIXTURES / "standard-slots.sssom.tsv")
    sssom, orcid = "https://w3id.org/sssom/", "https://orcid.org/"
    dcterms, rdfs = "http://purl.org/dc/terms/", "http://www.w3.org/2000/01/rdf-schema#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    the_set = URIRef("https://example.org/cokg-tests/slots")
    node = next(g.subjects(URIRef(COKG + "subject"), URIRef(FRAMEWORK + "cfir-2009/II.B")))
    expected_row = {
        ("http://purl.org/pav/authoredBy", URIRef(orcid + "0000-0002-1825-0097")),
        (sssom + "reviewer_id", URIRef(orcid + "0000-0001-5109-3700")),
        (dcterms + "created", Literal("2024-04-30", datatype=URIRef(xsd + "date"))),
        (sssom + "subject_type", Literal("owl class")),
        (sssom + "object_type", Literal("owl class")),
        (sssom + "similarity_score", Literal("0.77", datatype=URIRef(xsd + "decimal"))),
        (rdfs + "seeAlso", URIRef("https://example.org/cokg-tests/x")),
        (rdfs + "seeAlso", URIRef("https://example.org/cokg-tests/y")),
        (sssom + "other", Literal("free text")),
        (sssom + "issue_tracker_item", URIRef("https://example.org/cokg-tests/issues/1")),
    }
    for predicate, value in expected_row:
        assert (node, URIRef(predicate), value) in g, predicate
    expected_set = {
        (sssom + "sssom_version", Literal("1.1")),
        (dcterms + "created", Literal("2024-05-01", datatype=URIRef(xsd + "date"))),
        (dcterms + "issued", Literal("2024-05-02", datatype=URIRef(xsd + "date"))),
        (sssom + "mapping_tool", Literal("a spreadsheet")),
        (rdfs + "seeAlso", URIRef("https://example.org/cokg-tests/slots/about")),
        (rdfs + "comment", Literal("written by hand for the tests")),
    }
    for predicate, value in expected_set:
        assert (the_set, URIRef(predicate), value) in g, predicate


def test_a_column_or_key_sssom_does_not_define_is_named_once() -> None:
    # x_unknown_col and x_team_note were taken in silence (SSSOM allows extension slots only
    # when extension_definitions declares them)
    path = FIXTURES / "standard-slots.sssom.tsv"
    assert read_sssom(path).warnings == [
        f"{path}:18: metadata: key x_team_note is not an SSSOM slot, and extension_definitions "
        "does not declare it: not kept",
        f"{path}:19: header row: column x_unknown_col is not an SSSOM slot, and "
        "extension_definitions does not declare it: not kept",
    ]
    assert read_sssom(FIXTURES / "valid.sssom.tsv").warnings == []


def test_the_standard_slots_are_written_back(tmp_path: Path) -> None:
    mset = read_sssom(FIXTURES / "standard-slots.sssom.tsv")
    out = tmp_path / "out.sssom.tsv"
    write_sssom(mset, out)
    _, header, rows = table(out)
    row = dict(zip(header, rows[0], strict=True))
    assert row["see_also"] == "https://example.org/cokg-tests/x|https://example.org/cokg-tests/y"
    assert row["issue_tracker_item"] == "tracker:1"
    assert row["similarity_score"] == "0.77"
    assert read_sssom(out).mappings[0].slots == mset.mappings[0].slots


def test_the_same_mapping_on_two_grounds_is_two_records() -> None:
    # refused as "repeats the mapping of row 1", though SSSOM allows a mapping once per
    # justification (exact repeats stay refused: duplicate-row)
    mset = read_sssom(FIXTURES / "same-mapping-two-justifications.sssom.tsv")
    assert [m.mapping_justification for m in mset.mappings] == [
        "semapv:ManualMappingCuration",
        "semapv:LexicalMatching",
    ]
    g = mappings_graph(mset)
    nodes = set(g.subjects(RDF.type, URIRef(COKG + "ConceptMapping")))
    assert len(nodes) == 2
    texts = {str(g.value(n, URIRef(COKG + "mappingJustification"))) for n in nodes}
    assert texts == {
        "The 2022 construct elaborates the same idea.",
        "Justification: semapv:LexicalMatching.",
    }


def test_a_third_record_of_the_same_pair_and_predicate_gets_a_name_of_its_own() -> None:
    # without a record_id the second record was named <pair>--closeMatch, and a third on yet
    # other grounds would have been given the same node as the second
    mset = read_sssom(FIXTURES / "same-mapping-two-justifications.sssom.tsv")
    first = mset.mappings[0]
    third = Mapping(
        subject_id=first.subject_id, predicate_id=first.predicate_id, object_id=first.object_id,
        mapping_justification="semapv:UnspecifiedMatching", subject_iri=first.subject_iri,
        predicate_iri=first.predicate_iri, object_iri=first.object_iri,
    )  # fmt: skip
    mset.mappings.append(third)
    assert [str(n).rsplit("/", 1)[-1] for n in mapping_nodes(mset)] == [
        "cfir-2009-II.B--cfir-2022-II.D",
        "cfir-2009-II.B--cfir-2022-II.D--closeMatch",
        "cfir-2009-II.B--cfir-2022-II.D--closeMatch--UnspecifiedMatching",
    ]


# --------------------------------------------------------------------------- reading


def test_a_list_flush_with_its_key_is_read_as_sssom_py_writes_it() -> None:
    # "creator_id:" then "- orcid:..." at the same indentation (valid YAML) was refused:
    # "not 'key: value'"
    flush = read_sssom(FIXTURES / "list-flush-with-key.sssom.tsv")
    indented = read_sssom(FIXTURES / "valid.sssom.tsv")
    assert flush.metadata == indented.metadata
    assert flush.metadata["creator_id"] == ["orcid:0000-0002-1825-0097"]
    assert flush.mappings == indented.mappings


def test_read_a_hand_written_set() -> None:
    mset = read_sssom(FIXTURES / "valid.sssom.tsv")
    assert mset.mapping_set_id == "https://example.org/cokg-tests/valid"
    assert mset.license == "https://creativecommons.org/licenses/by/4.0/"
    assert mset.curie_map["orcid"] == "https://orcid.org/"
    assert mset.metadata == {
        "mapping_set_title": "A hand-written set: three rows",
        "mapping_set_version": "2.0",
        "creator_id": ["orcid:0000-0002-1825-0097"],
    }
    first, second, third = mset.mappings
    assert first.subject_iri == FRAMEWORK + "cfir-2009/I.A"
    assert first.predicate_iri == "http://www.w3.org/2004/02/skos/core#exactMatch"
    assert first.object_iri == FRAMEWORK + "cfir-2022/I.A"
    assert first.confidence == 0.95
    assert first.subject_source == "framework:cfir-2009"
    assert second.comment == 'Labels share "network"\tideas'
    assert second.confidence == 1.0
    assert second.object_label == "Partnerships & Connections"
    assert third.confidence is None
    assert third.comment is None


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("bom-crlf.sssom.tsv", id="bom-and-crlf"),
        pytest.param("space-after-hash.sssom.tsv", id="space-after-every-hash"),
    ],
)
def test_accepted_variants(name: str) -> None:
    mset = read_sssom(FIXTURES / name)
    assert [m.subject_id for m in mset.mappings] == ["cfir09:I.A", "cfir09:I.B"]
    assert mset.mappings[1].confidence == 0.9
    assert mset.curie_map == {
        "cfir09": FRAMEWORK + "cfir-2009/",
        "cfir22": FRAMEWORK + "cfir-2022/",
    }


# (fixture, file line, what the one-line message must say after "<file>:<line>: ")
REFUSALS = [
    pytest.param(
        "undeclared-prefix.sssom.tsv", 9, "row 3, column object_id: prefix 'gdoi'",
        id="undeclared-prefix",
    ),
    pytest.param(
        "undeclared-prefix-multivalued.sssom.tsv", 10, "row 3, column author_id: prefix 'wikidata'",
        id="undeclared-prefix-in-a-list",
    ),
    pytest.param(
        "justification-not-semapv.sssom.tsv", 9,
        "row 3, column mapping_justification: semapv:GutFeeling is not a SEMAPV",
        id="justification-not-semapv",
    ),
    pytest.param(
        "confidence-above-one.sssom.tsv", 9, "row 3, column confidence: '1.5'",
        id="confidence-above-one",
    ),
    pytest.param(
        "confidence-negative.sssom.tsv", 9, "row 3, column confidence: '-0.1'",
        id="confidence-negative",
    ),
    pytest.param(
        "confidence-not-a-number.sssom.tsv", 9, "row 3, column confidence: 'high'",
        id="confidence-not-a-number",
    ),
    pytest.param(
        "predicate-not-skos.sssom.tsv", 9,
        "row 3, column predicate_id: owl:equivalentClass is not a SKOS mapping property",
        id="predicate-not-skos",
    ),
    pytest.param(
        "full-iri.sssom.tsv", 9, "row 3, column subject_id: https://w3id.org/cokg/framework/"
        "cfir-2009/I.C is a full IRI", id="full-iri",
    ),
    pytest.param(
        "full-iri-in-brackets.sssom.tsv", 9, "row 3, column object_id: <https://",
        id="bracketed-iri",
    ),
    pytest.param(
        "no-license.sssom.tsv", 1, "metadata: no license", id="no-license",
    ),
    pytest.param(
        "no-mapping-set-id.sssom.tsv", 1, "metadata: no mapping_set_id", id="no-mapping-set-id",
    ),
    pytest.param(
        "missing-column.sssom.tsv", 6,
        "header row: missing required column(s) mapping_justification", id="missing-column",
    ),
    pytest.param(
        # cfir09: as CFIR 2022's namespace made a 2009 -> 2022 mapping one inside CFIR 2022
        "redefined-cokg-prefix.sssom.tsv", 2,
        "metadata: curie_map gives cokg's prefix cfir09 another namespace "
        "(https://w3id.org/cokg/framework/cfir-2022/; cokg's cfir09 is "
        "https://w3id.org/cokg/framework/cfir-2009/)",
        id="redefined-cokg-prefix",
    ),
    pytest.param(
        # framework: as another namespace came back from the export as ns1:
        "redefined-framework-prefix.sssom.tsv", 4,
        "metadata: curie_map gives cokg's prefix framework another namespace "
        "(https://example.org/frameworks/; cokg's framework is https://w3id.org/cokg/framework/)",
        id="redefined-framework-prefix",
    ),
    pytest.param(
        "redefined-built-in-prefix.sssom.tsv", 4,
        "metadata: curie_map redefines the built-in SSSOM prefix skos",
        id="redefined-built-in-prefix",
    ),
    pytest.param(
        "duplicate-record-id.sssom.tsv", 10,
        "row 3, column record_id: record_id mapping:a is already used on row 1",
        id="duplicate-record-id",
    ),
    pytest.param(
        "quoted-line-break-then-bad-row.sssom.tsv", 10,
        "row 3, column predicate_id: skos:sameAs", id="line-count-after-a-quoted-line-break",
    ),
    pytest.param(
        "wrong-field-count.sssom.tsv", 9, "row 3: 4 fields, the header has 5",
        id="wrong-field-count",
    ),
    pytest.param(
        "empty-required-value.sssom.tsv", 9, "row 3, column object_id: empty",
        id="empty-required-value",
    ),
    pytest.param(
        "yaml-anchor.sssom.tsv", 6, "metadata: YAML anchors", id="yaml-anchor",
    ),
    pytest.param(
        "negated-mapping.sssom.tsv", 10,
        "row 3, column predicate_modifier: predicate_modifier Not: a negated mapping",
        id="negated-mapping",
    ),
    pytest.param(
        "unknown-predicate-modifier.sssom.tsv", 10,
        "row 3, column predicate_modifier: 'Maybe' is not a predicate modifier",
        id="unknown-predicate-modifier",
    ),
    pytest.param(
        "duplicate-mapping.sssom.tsv", 10,
        "row 3: repeats the mapping of row 1 (cfir09:I.A skos:exactMatch cfir22:I.A)",
        id="duplicate-mapping",
    ),
    pytest.param(
        "duplicate-row.sssom.tsv", 9,
        "row 2: repeats the mapping of row 1 (cfir09:I.A skos:exactMatch cfir22:I.A) with the "
        "same justification (semapv:LexicalMatching)",
        id="duplicate-row",
    ),
    pytest.param(
        "unclosed-quote.sssom.tsv", 9,
        "row 2: unexpected end of data: a cell starts with a quote that is never closed",
        id="unclosed-quote",
    ),
    pytest.param(
        "mapping-date-not-a-date.sssom.tsv", 9,
        "row 2, column mapping_date: '01/05/2024' is not a date (YYYY-MM-DD)",
        id="mapping-date-not-a-date",
    ),
    pytest.param(
        "see-also-relative.sssom.tsv", 8,
        "row 1, column see_also: 'notes/i-a.html' is not an absolute IRI",
        id="see-also-relative",
    ),
    pytest.param(
        "similarity-above-one.sssom.tsv", 8,
        "row 1, column similarity_score: '77' is not a number between 0 and 1",
        id="similarity-above-one",
    ),
    pytest.param(
        "iri-forbidden-characters.sssom.tsv", 10,
        "row 3, column object_id: 'cfir22:II.D>x<y' cannot be an IRI: < >",
        id="iri-forbidden-characters",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "line", "says"), REFUSALS)
def test_refusals_name_file_and_line(name: str, line: int, says: str) -> None:
    path = FIXTURES / name
    with pytest.raises(InputError) as info:
        read_sssom(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: {says}"), message
    assert "\n" not in message


def test_a_file_over_the_limit_is_refused_before_it_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COKG_MAX_SUBMISSION_MB", "1")
    big = tmp_path / "big.sssom.tsv"
    text = (FIXTURES / "valid.sssom.tsv").read_text(encoding="utf-8")
    big.write_text(text + "#" * (2**20), encoding="utf-8")
    with pytest.raises(InputError, match=r"big.sssom.tsv: over the 1 MB limit for a submission"):
        read_sssom(big)


def test_a_long_line_is_not_echoed_whole_and_cr_line_ends_are_named(tmp_path: Path) -> None:
    text = (FIXTURES / "valid.sssom.tsv").read_text(encoding="utf-8")
    long = tmp_path / "long.sssom.tsv"
    long.write_text(text.replace("#license:", "#license: %s" % ("x" * 100_000), 1), "utf-8")
    with pytest.raises(InputError) as info:
        read_sssom(long)
    message = str(info.value)
    assert len(message) < 2200 and "characters]" in message and message.endswith("4.0/'")
    cr = tmp_path / "cr.sssom.tsv"
    cr.write_text(text.replace("\n", "\r"), encoding="utf-8", newline="")
    with pytest.raises(InputError, match="end in a carriage return alone"):
        read_sssom(cr)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_sssom(tmp_path / "absent.sssom.tsv")


# --------------------------------------------------------------------------- the reference tool


@pytest.mark.conformance
def test_the_reference_validator_accepts_the_export(exported: Path) -> None:
    # `make conformance` installs the `oracles` extra; missing, this fails (never skips)
    assert importlib.util.find_spec("sssom") is not None, "pip install -e '.[oracles]'"
    tool = Path(sys.executable).with_name("sssom")
    result = subprocess.run(
        [str(tool), "validate", str(exported)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_version_that_looks_like_a_date_is_written_as_text(tmp_path: Path) -> None:
    # YAML 1.1 readers (the SSSOM toolkit's) take 2024-05-01 unquoted for a date, yes for true
    mset = read_sssom(FIXTURES / "valid.sssom.tsv")
    mset.metadata["mapping_set_version"] = "2024-05-01"
    mset.metadata["mapping_set_title"] = "yes"
    out = tmp_path / "out.sssom.tsv"
    write_sssom(mset, out)
    text = out.read_text(encoding="utf-8")
    assert '#mapping_set_version: "2024-05-01"' in text and '#mapping_set_title: "yes"' in text
    again = read_sssom(out)
    assert again.metadata["mapping_set_version"] == "2024-05-01"
