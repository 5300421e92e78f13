"""The linking commands as a user runs them: `cokg export sssom`, `cokg import sssom` and
`cokg export-qdc`, on a real embedded store built from the project files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from cokg.cli import cli
from cokg.linking.sssom import mapping_nodes, read_sssom, set_slug
from cokg.qda.reading import read_project
from cokg.query import run_query

FIXTURES = Path(__file__).parent / "fixtures" / "sssom"
CFIR22 = Path(__file__).resolve().parents[1] / "ontology" / "frameworks" / "cfir-2022.ttl"


def cokg(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_export_sssom_writes_every_framework_mapping(store_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "frameworks.sssom.tsv"
    code, output = cokg("export", "sssom", str(out), "--store", str(store_dir))
    assert code == 0, output
    assert "wrote 92 mappings" in output
    mset = read_sssom(out)
    assert len(mset.mappings) == 92
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw

    pair = tmp_path / "cfir.sssom.tsv"
    code, output = cokg("export", "sssom", str(pair), "--pair", "cfir-2009:cfir-2022",
                        "--store", str(store_dir))  # fmt: skip
    assert code == 0, output
    subset = read_sssom(pair).mappings
    assert 0 < len(subset) < 92
    assert all(m.subject_id.startswith("cfir09:") for m in subset)
    assert all(m.object_id.startswith("cfir22:") for m in subset)


def test_export_sssom_needs_a_file_and_a_good_pair(store_dir: Path) -> None:
    code, output = cokg("export", "sssom", "--store", str(store_dir))
    assert code == 2 and "say where to write" in output
    code, output = cokg("export", "sssom", "x.tsv", "--pair", "cfir-2009", "--store",
                        str(store_dir))  # fmt: skip
    assert code == 2 and "--pair wants FROM:TO" in output


def test_import_sssom_stores_a_new_mapping_set(store_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "team.sssom.tsv"
    shutil.copy(FIXTURES / "valid.sssom.tsv", src)
    code, output = cokg("import", "sssom", str(src), "--dry-run", "--store", str(store_dir))
    assert code == 0, output
    assert "conforms" in output
    graphs_before = cokg("graphs", "--store", str(store_dir))[1]
    sid = "mappings-" + set_slug("https://example.org/cokg-tests/valid")
    assert sid.startswith("mappings-valid-")
    assert sid not in graphs_before  # a dry run stores nothing

    code, output = cokg("import", "sssom", str(src), "--by", "A. Linker", "--store",
                        str(store_dir))  # fmt: skip
    assert code == 0, output
    assert f"submission/{sid}" in output
    before = run_query("framework-mappings", store=store_dir)  # not run before the import: see
    # the founding answer below; the set's third row, a related match between the two
    # Structural Characteristics constructs, is a mapping the founding data does not have
    new = ("cfir-2009", "III.A", "skos:relatedMatch", "cfir-2022", "III.A")
    keys = {(r["subject_scheme"], r["subject_notation"], r["predicate"], r["object_scheme"],
             r["object_notation"]) for r in before}  # fmt: skip
    assert new in keys
    founding = run_query("framework-mappings", store="memory:")
    assert new not in {(r["subject_scheme"], r["subject_notation"], r["predicate"],
                        r["object_scheme"], r["object_notation"]) for r in founding}  # fmt: skip


def test_import_sssom_refuses_a_bad_file_and_stores_nothing(store_dir: Path) -> None:
    before = cokg("graphs", "--store", str(store_dir))[1]
    code, output = cokg("import", "sssom", str(FIXTURES / "undeclared-prefix.sssom.tsv"),
                        "--by", "A. Linker", "--store", str(store_dir))  # fmt: skip
    assert code == 2, output
    assert output.startswith("cokg: error: ") and output.count("\n") == 1
    assert "row" in output and "Traceback" not in output
    assert cokg("graphs", "--store", str(store_dir))[1] == before


def test_import_sssom_refuses_a_mapping_to_an_unknown_concept(
    store_dir: Path, tmp_path: Path
) -> None:
    text = (FIXTURES / "valid.sssom.tsv").read_text(encoding="utf-8")
    bad = tmp_path / "typo.sssom.tsv"
    bad.write_text(text.replace("cfir22:II.D\t", "cfir22:II.Z\t"), encoding="utf-8")
    before = cokg("graphs", "--store", str(store_dir))[1]
    code, output = cokg("import", "sssom", str(bad), "--by", "A. Linker", "--store",
                        str(store_dir))  # fmt: skip
    assert code == 1, output
    assert "II.Z" in output
    assert cokg("graphs", "--store", str(store_dir))[1] == before
    # named as the steward wrote it: the set's file, the row's line, the mapping, the column
    lines = text.splitlines()
    line = next(n for n, x in enumerate(lines, 1) if "cfir22:II.D\t" in x)
    header = next(n for n, x in enumerate(lines, 1) if not x.startswith("#"))
    said = next(x for x in output.splitlines() if "II.Z" in x and " row " in x)
    assert said.startswith(f"{bad} row {line - header} (mapping ")
    assert f"cfir22:II.Z, line {line}): column object_id: " in said
    assert output.splitlines()[-1] == f"cokg: error: {bad}: 1 violation: nothing was written"
    assert "cokg-sssom-" not in output  # never the temporary Turtle it is checked as


def test_cokgs_own_framework_mappings_import_cleanly(store_dir: Path, tmp_path: Path) -> None:
    # every mapping cokg holds, Proctor's outcomes and the study frame included, as a set of
    # its own: a concept's vocabulary statements (cokg:outcomeOfPhase cokg:Adoption, the
    # study frame's source) are context, known, not the set's mistakes
    out = tmp_path / "all.sssom.tsv"
    assert cokg("export", "sssom", str(out), "--store", str(store_dir))[0] == 0
    text = out.read_text(encoding="utf-8").replace(
        "mapping_set_id: https://w3id.org/cokg/mappings/frameworks",
        "mapping_set_id: https://example.org/all-again",
    )
    out.write_text(text, encoding="utf-8")
    code, output = cokg("import", "sssom", str(out), "--dry-run", "--store", str(store_dir))
    assert code == 0, output
    assert output.splitlines()[-1].endswith(": conforms (0 violations, 0 warnings)")


def test_cokgs_own_mappings_imported_again_store_no_second_record(
    store_dir: Path, tmp_path: Path
) -> None:
    # the rows keep the record_ids of the framework mappings, unchanged: the mappings are
    # left where they are (one record, one graph), not stored twice, nor their SKOS matches:
    # the import adds nothing, and says so (it stored a submission of 54 repeated matches)
    out = tmp_path / "cfir.sssom.tsv"
    assert cokg("export", "sssom", str(out), "--pair", "cfir-2009:cfir-2022",
                "--store", str(store_dir))[0] == 0  # fmt: skip
    before = cokg("graphs", "--store", str(store_dir))[1]
    code, output = cokg("import", "sssom", str(out), "--by", "A. Linker", "--store",
                        str(store_dir))  # fmt: skip
    assert code == 2 and "already stored, unchanged: nothing to add" in output, output
    assert cokg("graphs", "--store", str(store_dir))[1] == before
    held = run_query(
        "record-graphs",
        store=store_dir,
        iri="https://w3id.org/cokg/framework/mappings/cfir-2009-I.A--cfir-2022-I.A",
    )
    graphs = {str(r["graph"]).rsplit("/graph/", 1)[-1] for r in held}
    assert graphs == {"framework/mappings"}, graphs
    # the SKOS matches it repeats are the same statements: each mapping is one row still, in
    # the listing and in an export that imports again
    again = tmp_path / "again.sssom.tsv"
    assert cokg("export", "sssom", str(again), "--store", str(store_dir))[0] == 0
    rows = read_sssom(again).mappings
    assert len(rows) == 92 == len({(m.subject_iri, m.predicate_iri, m.object_iri) for m in rows})
    listed = run_query("framework-mappings", store=store_dir)
    assert len(listed) == len({tuple(r.values()) for r in listed})


def test_an_edited_framework_mapping_is_one_message_naming_the_row(
    store_dir: Path, tmp_path: Path
) -> None:
    # a curator changes a row of cokg's export (predicate and confidence) and keeps its
    # record_id: that id is the frameworks' record, which a submission cannot change
    out = tmp_path / "cfir.sssom.tsv"
    assert cokg("export", "sssom", str(out), "--pair", "cfir-2009:cfir-2022",
                "--store", str(store_dir))[0] == 0  # fmt: skip
    lines = out.read_text(encoding="utf-8").split("\n")
    n = next(i for i, x in enumerate(lines) if x.startswith("mapping:cfir-2009-I.B--"))
    cells = lines[n].split("\t")
    cells[3], cells[7] = "skos:closeMatch", "0.8"
    lines[n] = "\t".join(cells)
    out.write_text("\n".join(lines), encoding="utf-8")
    before = cokg("graphs", "--store", str(store_dir))[1]
    code, output = cokg("import", "sssom", str(out), "--by", "A. Linker", "--store",
                        str(store_dir))  # fmt: skip
    assert code == 1, output
    said = output.splitlines()
    assert len(said) == 3, output  # the row, the summary, the error
    header = next(i for i, x in enumerate(lines) if not x.startswith("#"))
    assert said[0].startswith(
        f"{out} row {n - header} (mapping cfir09:I.B skos:closeMatch cfir22:I.B, line {n + 1}): "
        "1 record of this submission (mapping:cfir-2009-I.B--cfir-2022-I.B; "
        "mapping:cfir-2009-I.B--cfir-2022-I.B differs in confidence, predicate) is already "
        "stored in graph https://w3id.org/cokg/graph/framework/mappings"
    ), said[0]
    assert "its own record_id" in said[0]
    assert said[-1] == f"cokg: error: {out}: 1 violation: nothing was written"
    assert cokg("graphs", "--store", str(store_dir))[1] == before

    # with an id of its own the row is the curator's mapping, stored beside the frameworks'
    lines[n] = "\t".join(["team:I.B-close", *cells[1:]])
    lines.insert(1, "#  team: https://example.org/team/mappings/")
    out.write_text("\n".join(lines), encoding="utf-8")
    code, output = cokg("import", "sssom", str(out), "--by", "A. Linker", "--store",
                        str(store_dir))  # fmt: skip
    assert code == 0, output
    rows = run_query("framework-mappings", store=store_dir, construct="cfir09:I.B")
    kinds = {r["predicate"] for r in rows if r["object_notation"] == "I.B"}
    assert kinds == {"skos:exactMatch", "skos:closeMatch"}, kinds


def test_a_row_without_record_id_is_the_sets_own_mapping(store_dir: Path, tmp_path: Path) -> None:
    # no record_id, between two concepts the frameworks already map (cfir09:I.A exactMatch
    # cfir22:I.A): the set's own record, named under the set, not the frameworks' record
    text = (FIXTURES / "valid.sssom.tsv").read_text(encoding="utf-8")
    src = tmp_path / "team.sssom.tsv"
    src.write_text(text.replace("mapping:t1\t", "\t"), encoding="utf-8")
    mset = read_sssom(src)
    assert not mset.mappings[0].record_id
    node = mapping_nodes(mset)[0]
    assert str(node) == (
        "https://w3id.org/cokg/framework/mappings/"
        f"{set_slug('https://example.org/cokg-tests/valid')}/cfir-2009-I.A--cfir-2022-I.A"
    )
    assert set_slug("https://example.org/cokg-tests/valid").startswith("valid-")
    code, output = cokg("import", "sssom", str(src), "--by", "A. Linker", "--store",
                        str(store_dir))  # fmt: skip
    assert code == 0, output
    for record, graph in [
        (node, "submission/mappings-" + set_slug("https://example.org/cokg-tests/valid")),
        ("https://w3id.org/cokg/framework/mappings/cfir-2009-I.A--cfir-2022-I.A",
         "framework/mappings"),
    ]:  # fmt: skip
        found = run_query("record-graphs", store=store_dir, iri=str(record))
        assert {str(r["graph"]).rsplit("/graph/", 1)[-1] for r in found} == {graph}


def test_import_sssom_points_a_set_of_qda_codes_to_import_qdpx(tmp_path: Path) -> None:
    text = (FIXTURES / "valid.sssom.tsv").read_text(encoding="utf-8")
    rows = [x for x in text.splitlines() if not x.startswith("#")]
    codes = tmp_path / "codes.sssom.tsv"
    codes.write_text(
        "#curie_map:\n#  qdacode: urn:uuid:\n#  cfir22: https://w3id.org/cokg/framework/cfir-2022/\n"
        "#mapping_set_id: https://example.org/codes\n#license: https://example.org/l\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
        "qdacode:0b7e1a52-4c1e-4a53-9d53-2f3f6a2b1c9d\tskos:exactMatch\tcfir22:III.D\t"
        "semapv:LexicalMatching\n",
        encoding="utf-8",
    )
    assert rows  # the fixture has a table
    code, output = cokg("import", "sssom", str(codes), "--dry-run", "--store", "memory:")
    assert code == 2
    assert output.splitlines() == [
        f"cokg: error: {codes}: this mapping set maps the codes of a QDA project (subjects "
        "urn:uuid:<GUID>), not framework constructs: give it to `cokg import-qdpx PROJECT "
        "--codes FILE`"
    ]
    empty = tmp_path / "empty.sssom.tsv"
    head = "".join(f"{x}\n" for x in text.splitlines() if x.startswith("#"))
    empty.write_text(head + rows[0] + "\n", encoding="utf-8")
    code, output = cokg("import", "sssom", str(empty), "--dry-run", "--store", "memory:")
    assert code == 2
    assert output.splitlines() == [
        f"cokg: error: {empty}: the mapping set has no rows: nothing to import"
    ]


def test_export_qdc_writes_a_framework_as_a_codebook(store_dir: Path, tmp_path: Path) -> None:
    frameworks = Graph().parse(CFIR22)
    scheme = URIRef("https://w3id.org/cokg/framework/cfir-2022")
    concepts = set(frameworks.subjects(SKOS.inScheme, scheme))
    out = tmp_path / "cfir-2022.qdc"
    code, output = cokg("export-qdc", str(out), "--scheme", "cfir-2022", "--store",
                        str(store_dir))  # fmt: skip
    assert code == 0, output
    assert f"wrote {len(concepts)} codes" in output
    book = read_project(out)
    assert book.kind == "codebook" and len(book.codes) == len(concepts)
    parents = sum(1 for c in book.codes.values() if c.parent is not None)
    narrower = sum(1 for c in concepts if (c, SKOS.broader, None) in frameworks)
    assert parents == narrower > 0


@pytest.mark.parametrize("scheme", ["cfir-2030", "nonsense"])
def test_export_qdc_names_the_schemes_it_knows(
    store_dir: Path, tmp_path: Path, scheme: str
) -> None:
    code, output = cokg("export-qdc", str(tmp_path / "x.qdc"), "--scheme", scheme, "--store",
                        str(store_dir))  # fmt: skip
    assert code == 2 and "cfir-2022" in output and "Traceback" not in output
    assert not (tmp_path / "x.qdc").exists()


def test_export_ro_crate_nanopubs_and_docs_from_the_command(
    store_dir: Path, tmp_path: Path
) -> None:
    from cokg.linking.rocrate import check_rocrate

    crate = tmp_path / "crate.zip"
    code, output = cokg("export", "ro-crate", str(crate), "--zip", "--store", str(store_dir))
    assert code == 0, output
    assert crate.is_file() and check_rocrate(crate) == []
    code, output = cokg("export", "nanopubs", str(tmp_path / "np"), "--case", "dundee-mrr",
                        "--store", str(store_dir))  # fmt: skip
    assert code == 0, output
    written = sorted((tmp_path / "np").glob("*.trig"))
    assert written and f"wrote {len(written)} nanopublications" in output
    code, output = cokg("docs", str(tmp_path / "site"), "--store", str(store_dir))
    assert code == 0, output
    assert (tmp_path / "site" / "ontology.html").is_file()
    assert (tmp_path / "site" / "framework" / "cfir-2022.html").is_file()
    code, output = cokg("export", "ro-crate", "--store", str(store_dir))
    assert code == 2 and "say where to write" in output


def _set(tmp_path: Path, name: str, set_id: str, rows: list[str], prefixes: str = "") -> Path:
    """A hand-written SSSOM set (FICTIONAL curators) mapping CFIR 2009 to CFIR 2022."""
    head = (
        "#curie_map:\n#  cfir09: https://w3id.org/cokg/framework/cfir-2009/\n"
        "#  cfir22: https://w3id.org/cokg/framework/cfir-2022/\n"
        f"{prefixes}#mapping_set_id: {set_id}\n"
        "#license: https://creativecommons.org/licenses/by/4.0/\n"
        "record_id\tsubject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\n"
    )
    path = tmp_path / name
    path.write_text(head + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_two_sets_whose_ids_end_alike_are_two_submissions(store_dir: Path, tmp_path: Path) -> None:
    row = "\tcfir09:II.B\tskos:relatedMatch\tcfir22:II.D\tsemapv:ManualMappingCuration\t0.5"
    a = _set(tmp_path, "a.sssom.tsv", "https://a.example.org/tdf-map/v1", [row])
    b = _set(tmp_path, "b.sssom.tsv", "https://b.example.org/other-map/v1",
             [row.replace("relatedMatch", "broadMatch")])  # fmt: skip
    s = str(store_dir)
    assert cokg("import", "sssom", str(a), "--by", "A", "--store", s)[0] == 0
    code, output = cokg("import", "sssom", str(b), "--by", "B", "--store", s)
    assert code == 0 and "added" in output and "replaced" not in output, output
    graphs = [g for g in cokg("graphs", "--store", s)[1].split() if "/mappings-v1-" in g]
    assert len(set(graphs)) == 2, graphs
    rows = run_query("framework-mappings", store=s, construct="cfir09:II.B")
    kinds = {r["predicate"] for r in rows if r["object_notation"] == "II.D"}
    assert {"skos:relatedMatch", "skos:broadMatch"} <= kinds


@pytest.mark.parametrize("record", ["team:r1", "cfir22:II.E"], ids=["reused", "a-concept"])
def test_a_record_id_another_graph_holds_is_refused(
    store_dir: Path, tmp_path: Path, record: str
) -> None:
    """A curator's own record id stored by one set and restated with other values by another
    set; or a framework concept's IRI used as a record id: one record, one graph refuses."""
    team = "#  team: https://example.org/team/rec/\n"
    s = str(store_dir)
    first = _set(tmp_path, "first.sssom.tsv", "https://example.org/team/first", [
        "team:r1\tcfir09:II.B\tskos:closeMatch\tcfir22:II.D\tsemapv:ManualMappingCuration\t0.6"
    ], team)  # fmt: skip
    assert cokg("import", "sssom", str(first), "--by", "A", "--store", s)[0] == 0
    second = _set(tmp_path, "second.sssom.tsv", "https://example.org/team/second", [
        f"{record}\tcfir09:II.C\tskos:relatedMatch\tcfir22:II.D\tsemapv:ManualMappingCuration"
        "\t0.4"
    ], team)  # fmt: skip
    before = cokg("graphs", "--store", s)[1]
    code, output = cokg("import", "sssom", str(second), "--by", "B", "--store", s)
    assert code == 1, output
    assert "is already stored in graph" in output and "one record, one graph" in output, output
    if record == "team:r1":  # the advice is the command the linker ran, not the temporary file
        assert "(<https://example.org/team/rec/r1>; <https://example.org/team/rec/r1> differs" in (
            output
        )
        assert "`cokg import sssom --replace` with the same options" in output, output
        assert "cokg ingest" not in output and ".ttl" not in output, output
    assert cokg("graphs", "--store", s)[1] == before


def test_the_provenance_names_the_mapping_set_file(store_dir: Path) -> None:
    src = FIXTURES / "valid.sssom.tsv"
    s = str(store_dir)
    assert cokg("import", "sssom", str(src), "--by", "A. Linker", "--store", s)[0] == 0
    import hashlib

    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    (line,) = [x for x in cokg("graphs", "--store", s)[1].splitlines() if "mappings-valid" in x]
    assert "valid.sssom.tsv" in line and ".ttl" not in line, line
    answer = cokg("sparql", "SELECT ?sha WHERE { ?f <https://w3id.org/cokg/ontology#sha256> ?sha }",
                  "--store", s)[1]  # fmt: skip
    assert sha in answer


def test_export_options_that_do_not_apply_are_refused(store_dir: Path, tmp_path: Path) -> None:
    s = str(store_dir)
    for args, said in [
        (["sssom", str(tmp_path / "m.tsv"), "--case", "dundee-mrr"],
         "--case is not an option of `cokg export sssom`"),
        (["graph", str(tmp_path / "g.ttl"), "--pair", "cfir-2009:cfir-2022"],
         "--pair is not an option of `cokg export graph`"),
        (["nanopubs", str(tmp_path / "np"), "--format", "ttl"],
         "--format is not an option of `cokg export nanopubs`"),
        (["nanopubs", str(tmp_path / "np"), "--out", str(tmp_path / "other")],
         "give the output once"),
        (["nanopubs", str(tmp_path / "np"), "--case", "zzz"],
         "no case 'zzz'; the cases: dundee-mrr, jonkoping-esther"),
        (["sssom", str(tmp_path)], f"{tmp_path} is a folder: give the file to write"),
        (["graph", "--out", str(tmp_path)], f"{tmp_path} is a folder: give the file to write"),
    ]:  # fmt: skip
        code, output = cokg("export", *args, "--store", s)
        assert code == 2 and said in output and output.count("\n") == 1, (args, output)
    assert not (tmp_path / "m.tsv").exists() and not (tmp_path / "np").exists()


def test_folder_exports_go_into_an_existing_empty_folder(store_dir: Path, tmp_path: Path) -> None:
    for kind in ("nanopubs", "ro-crate"):
        folder = tmp_path / kind
        folder.mkdir()
        code, output = cokg("export", kind, str(folder), "--store", str(store_dir))
        assert code == 0, output
        assert any(folder.iterdir())


def test_an_imported_set_keeps_its_licence_and_curators(store_dir: Path, tmp_path: Path) -> None:
    """The set's metadata was thrown away, and `export sssom` then gave its curators' rows as
    cokg's own, under cokg's licence. The set is stored with its licence, title, version and
    creators; `export sssom` gives cokg's own mappings, `--set ID` the set as it came."""
    s = str(store_dir)
    src = FIXTURES / "valid.sssom.tsv"
    assert cokg("import", "sssom", str(src), "--by", "A. Linker", "--store", s)[0] == 0
    own = tmp_path / "own.sssom.tsv"
    assert cokg("export", "sssom", str(own), "--store", s)[0] == 0
    assert len(read_sssom(own).mappings) == 92  # the frameworks' own, not the team's three
    back = tmp_path / "team.sssom.tsv"
    code, output = cokg("export", "sssom", str(back), "--set",
                        "https://example.org/cokg-tests/valid", "--store", s)  # fmt: skip
    assert code == 0, output
    original, again = read_sssom(src), read_sssom(back)
    assert again.mapping_set_id == original.mapping_set_id
    assert again.license == original.license
    for key in ("mapping_set_title", "mapping_set_version"):
        assert again.metadata[key] == original.metadata[key]
    assert [again.expand(c) for c in again.metadata["creator_id"]] == [
        "https://orcid.org/0000-0002-1825-0097"
    ]
    key = lambda m: (m.subject_iri, m.predicate_iri, m.object_iri, m.confidence)  # noqa: E731
    assert sorted(map(key, again.mappings)) == sorted(map(key, original.mappings))
    code, output = cokg("export", "sssom", str(tmp_path / "x.tsv"), "--set", "urn:nope",
                        "--store", s)  # fmt: skip
    assert (
        code == 2
        and "no mapping set 'urn:nope' is stored; the sets: https://example.org/cokg-tests/valid"
        in output
    )


def test_a_set_naming_an_undeclared_creator_is_refused(tmp_path: Path) -> None:
    from cokg.errors import InputError

    text = (FIXTURES / "valid.sssom.tsv").read_text(encoding="utf-8")
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text(text.replace("#  - orcid:0000-0002-1825-0097", "#  - wikidata:Q42"), "utf-8")
    with pytest.raises(InputError, match=r"bad.sssom.tsv:10: metadata: prefix 'wikidata'"):
        read_sssom(bad)


def test_an_imported_set_keeps_its_other_slots_and_prefix_names(
    store_dir: Path, tmp_path: Path
) -> None:
    """author_id, mapping_date, see_also... were dropped on the way through the store, and the
    export wrote ns1: https://orcid.org/ for the curators' orcid:. Both come back; a column
    SSSOM does not define is named in a warning."""
    s = str(store_dir)
    src = FIXTURES / "standard-slots.sssom.tsv"
    code, output = cokg("import", "sssom", str(src), "--by", "A. Linker", "--store", s)
    assert code == 0, output
    assert f"warning: {src}:19: header row: column x_unknown_col is not an SSSOM slot" in output
    back = tmp_path / "back.sssom.tsv"
    code, output = cokg("export", "sssom", str(back), "--set",
                        "https://example.org/cokg-tests/slots", "--store", s)  # fmt: skip
    assert code == 0, output
    original, again = read_sssom(src), read_sssom(back)
    assert again.metadata["creator_id"] == ["orcid:0000-0002-1825-0097"]
    assert again.curie_map["orcid"] == "https://orcid.org/"
    assert again.curie_map["tracker"] == "https://example.org/cokg-tests/issues/"
    assert not [p for p in again.curie_map if p.startswith("ns")]
    for key in ("sssom_version", "mapping_date", "publication_date", "mapping_tool",
                "see_also", "comment"):  # fmt: skip
        assert again.metadata[key] == original.metadata[key], key
    assert "x_team_note" not in again.metadata
    by_subject = {m.subject_id: dict(m.slots) for m in again.mappings}
    assert by_subject == {m.subject_id: dict(m.slots) for m in original.mappings}
    assert by_subject["cfir09:II.B"]["author_id"] == "orcid:0000-0002-1825-0097"


def test_the_same_mapping_on_two_grounds_is_stored_as_two_records(
    store_dir: Path, tmp_path: Path
) -> None:
    # refused as a repeat, though SSSOM allows a mapping once per justification
    src = FIXTURES / "same-mapping-two-justifications.sssom.tsv"
    s = str(store_dir)
    code, output = cokg("import", "sssom", str(src), "--by", "A. Linker", "--store", s)
    assert code == 0, output
    back = tmp_path / "back.sssom.tsv"
    code, output = cokg("export", "sssom", str(back), "--set",
                        "https://example.org/cokg-tests/two-grounds", "--store", s)  # fmt: skip
    assert code == 0, output
    assert sorted(m.mapping_justification for m in read_sssom(back).mappings) == [
        "semapv:LexicalMatching",
        "semapv:ManualMappingCuration",
    ]


def test_export_ro_crate_takes_its_authors_and_says_when_it_has_none(
    store_dir: Path, tmp_path: Path
) -> None:
    s = str(store_dir)
    code, output = cokg("export", "ro-crate", str(tmp_path / "a"), "--store", s)
    assert code == 0, output
    assert "note: the crate has no author" in output and "--author 'NAME [ORCID]'" in output
    code, output = cokg("export", "ro-crate", str(tmp_path / "b"), "--author", "A. Researcher",
                        "--store", s)  # fmt: skip
    assert code == 0 and "no author" not in output, output
    code, output = cokg("export", "sssom", str(tmp_path / "c.tsv"), "--author", "A. Researcher",
                        "--store", s)  # fmt: skip
    assert code == 2 and "--author is not an option of `cokg export sssom`" in output, output
