"""Export: formats, one case, the JSON-LD context and its generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Literal
from rdflib.namespace import RDF, RDFS, XSD

from cokg.cli import cli
from cokg.errors import ParameterError
from cokg.export import (
    CONTEXT_FILE,
    context_text,
    export,
    export_to,
    make_context,
    to_jsonld,
)
from cokg.load import parse_bytes
from cokg.namespaces import COKG, COKGID, graph_iri
from cokg.store import MemoryStore

CASE2 = COKGID["case/dundee-mrr"]
CASE1 = COKGID["case/jonkoping-esther"]


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    s.replace_graphs(
        {
            graph_iri("dundee-mrr"): [
                (CASE2, RDF.type, COKG.Case),
                (CASE2, COKG.caseId, Literal("dundee-mrr")),
                (CASE2, COKG.caseNumber, Literal(2)),
                (CASE2, COKG.coproductionStartYear, Literal("2015", datatype=XSD.gYear)),
                (CASE2, RDFS.label, Literal("Making Recovery Real", lang="en")),
            ],
            graph_iri("jonkoping-esther"): [
                (CASE1, RDF.type, COKG.Case),
                (CASE1, COKG.caseId, Literal("jonkoping-esther")),
            ],
            # a later submission about case 2 belongs to its export too
            graph_iri("submission/s1"): [
                (CASE2, COKG.caseId, Literal("dundee-mrr")),
                (COKGID["event/dundee-mrr/x"], COKG.inCase, CASE2),
            ],
        }
    )
    return s


# --- the context -------------------------------------------------------------------------------


def test_bundled_context_is_generated_from_the_ontology() -> None:
    assert CONTEXT_FILE.read_text(encoding="utf-8") == context_text(), (
        "src/cokg/context.jsonld is out of date: regenerate it with "
        "`python -c 'from cokg.export import write_context; write_context()'`"
    )


@pytest.mark.parametrize(
    ("term", "definition"),
    [
        pytest.param("Case", "cokg:Case", id="class"),
        pytest.param("inCase", {"@id": "cokg:inCase", "@type": "@id"}, id="object-property"),
        pytest.param("caseId", {"@id": "cokg:caseId"}, id="string-property"),
        pytest.param(
            "caseNumber", {"@id": "cokg:caseNumber", "@type": "xsd:integer"}, id="typed-property"
        ),
        pytest.param("Adoption", "cokg:Adoption", id="individual"),
        pytest.param("cfir22", "https://w3id.org/cokg/framework/cfir-2022/", id="prefix"),
    ],
)
def test_context_terms(term: str, definition: object) -> None:
    assert make_context()["@context"][term] == definition


def test_make_context_from_hand_written_module(tmp_path: Path) -> None:
    (tmp_path / "m.ttl").write_text(
        "@prefix cokg: <https://w3id.org/cokg/ontology#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "cokg:Thing a owl:Class .\n"
        "cokg:Red a cokg:Thing .\n"
        "cokg:colour a owl:ObjectProperty .\n"
        "cokg:size a owl:DatatypeProperty ; rdfs:range xsd:positiveInteger .\n"
        "cokg:when a owl:DatatypeProperty ; rdfs:range xsd:gYear, xsd:date .\n"
        "<http://example.org/other> a owl:Class .\n"
    )
    ctx = make_context(tmp_path)["@context"]
    terms = {k: v for k, v in ctx.items() if not isinstance(v, str) or v.startswith("cokg:")}
    assert terms == {
        "colour": {"@id": "cokg:colour", "@type": "@id"},
        "Red": "cokg:Red",
        "size": {"@id": "cokg:size", "@type": "xsd:positiveInteger"},
        "Thing": "cokg:Thing",
        "when": {"@id": "cokg:when"},
    }


# --- formats -------------------------------------------------------------------------------------


def _graph_of(data: bytes, fmt: str) -> set:
    return {(q.subject, q.predicate, q.object) for q in parse_bytes(data, fmt).quads}


def test_jsonld_is_compact_and_round_trips(store: MemoryStore, no_sockets: list[str]) -> None:
    data = export(store, format="jsonld", case="dundee-mrr")
    doc = json.loads(data)
    assert isinstance(doc["@context"], dict)  # inline: readers fetch nothing
    text = data.decode("utf-8")
    assert '"caseId": "dundee-mrr"' in text
    assert "https://w3id.org/cokg/ontology#caseId" not in text
    nq = store.export(format="nq", graph_iris=[graph_iri("dundee-mrr"), graph_iri("submission/s1")])
    assert _graph_of(data, "json-ld") == _graph_of(nq, "n-quads")
    assert no_sockets == []


def test_jsonld_keeps_datatypes_and_languages(store: MemoryStore) -> None:
    ds = Dataset()
    ds.parse(data=export(store, format="jsonld").decode(), format="json-ld")
    objects = {o for _, _, o, _ in ds.quads((CASE2, None, None, None))}
    assert Literal("2015", datatype=XSD.gYear) in objects
    assert Literal("Making Recovery Real", lang="en") in objects
    assert Literal(2) in objects


def test_case_export_holds_only_that_case(store: MemoryStore) -> None:
    data = export(store, format="nq", case="dundee-mrr")
    quads = parse_bytes(data, "n-quads").quads
    assert {q.graph_name.value for q in quads} == {
        graph_iri("dundee-mrr"),
        graph_iri("submission/s1"),
    }
    assert str(CASE1) not in data.decode()


@pytest.mark.parametrize(
    ("fmt", "parse_as"),
    [
        pytest.param("ttl", "turtle", id="ttl"),
        pytest.param("trig", "trig", id="trig"),
        pytest.param("nq", "n-quads", id="nq"),
        pytest.param("jsonld", "json-ld", id="jsonld"),
    ],
)
def test_whole_graph_formats(store: MemoryStore, fmt: str, parse_as: str) -> None:
    triples = _graph_of(export(store, format=fmt), parse_as)
    # 5 + 2 + 2 triples, one of them in two graphs
    assert len(triples) == 8


def test_unknown_case_and_format(store: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="no such case"):
        export(store, format="ttl", case="no-such-case")
    with pytest.raises(ParameterError):
        export(store, format="xlsx")


def test_export_to_file(store: MemoryStore, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "dundee.ttl"
    size = export_to(store, out, format="ttl", case="dundee-mrr")
    assert out.stat().st_size == size
    assert [p.name for p in out.parent.iterdir()] == ["dundee.ttl"]  # no temp file left


def test_to_jsonld_without_data() -> None:
    assert json.loads(to_jsonld(b""))["@context"]


# --- the command -------------------------------------------------------------------------------


def test_cli_export_case_from_founding_data(tmp_path: Path) -> None:
    from cokg.cli import cli

    out = tmp_path / "dundee.jsonld"
    result = CliRunner().invoke(
        cli,
        ["export", "--format", "jsonld", "--case", "dundee-mrr", "--out", str(out),
         "--store", "memory:"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    triples = parse_bytes(out.read_bytes(), "json-ld").quads
    subjects = {q.subject.value for q in triples}
    assert str(CASE2) in subjects
    assert str(CASE1) not in subjects


def test_cli_export_unknown_case() -> None:
    from cokg.cli import cli

    result = CliRunner().invoke(cli, ["export", "--case", "nope", "--store", "memory:"])
    assert result.exit_code == 2
    assert "no such case" in result.output


@pytest.mark.parametrize(
    ("name", "parse_as"),
    [("g.jsonld", "json-ld"), ("g.ttl", "turtle"), ("g.nq", "n-quads"), ("g.trig", "trig")],
)
def test_cli_export_format_follows_the_file_name(tmp_path: Path, name: str, parse_as: str) -> None:
    # a file named .jsonld holds JSON-LD (it held TriG whatever its name)
    from cokg.cli import cli

    out = tmp_path / name
    result = CliRunner().invoke(
        cli, ["export", "--case", "dundee-mrr", "--out", str(out), "--store", "memory:"]
    )
    assert result.exit_code == 0, result.output
    quads = parse_bytes(out.read_bytes(), parse_as).quads
    assert str(CASE2) in {q.subject.value for q in quads}


def test_cli_export_refuses_a_name_it_cannot_read_or_that_contradicts(tmp_path: Path) -> None:
    from cokg.cli import cli

    for args, said in [
        (["--out", str(tmp_path / "g.rdf")], "cannot tell the format from the file name"),
        (["-f", "ttl", "--out", str(tmp_path / "g.jsonld")], "--format ttl does not fit"),
    ]:
        result = CliRunner().invoke(cli, ["export", *args, "--store", "memory:"])
        assert result.exit_code == 2, result.output
        assert said in result.output and result.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_export_a_case_by_its_number(tmp_path: Path) -> None:
    # queries take case=2; export --case took only the id ("no such case: '2'")
    from cokg.cli import cli

    by_number, by_id = tmp_path / "n.nq", tmp_path / "i.nq"
    for case, out in (("2", by_number), ("dundee-mrr", by_id)):
        result = CliRunner().invoke(
            cli, ["export", "--case", case, "--out", str(out), "--store", "memory:"]
        )
        assert result.exit_code == 0, result.output
    assert by_number.read_bytes() == by_id.read_bytes()


def test_jsonld_is_the_same_bytes_whatever_the_hash_seed(store_dir: Path, tmp_path: Path) -> None:
    """JSON-LD arrays are sets, which rdflib writes in its hash-seeded order: two processes
    exporting one store gave different bytes. The arrays are sorted."""
    import os
    import subprocess
    import sys

    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed-{seed}.jsonld"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        code = (
            "import sys; from cokg.export import export_to; "
            "export_to(sys.argv[1], sys.argv[2], format='jsonld')"
        )
        subprocess.run([sys.executable, "-c", code, str(store_dir), str(out)], env=env,
                       check=True)  # fmt: skip
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["@graph"]


def test_an_exported_file_is_readable_by_others_like_any_file(
    store_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "all.nq"
    export_to(str(store_dir), out, format="nq")  # a store named by its path, as elsewhere
    assert out.stat().st_mode & 0o777 == 0o644


def test_declared_integer_types_come_back_in_every_export() -> None:
    """The engine stores "8"^^xsd:nonNegativeInteger as xsd:integer: every export said
    xsd:integer where the data and the shapes say xsd:nonNegativeInteger (27 violations when
    anyone else's SHACL processor checked cokg's own export), and the JSON-LD fell back to
    "cokg:position" keys. A value the declared type does not admit stays xsd:integer."""
    from cokg.store import build

    st = MemoryStore()
    build(st)
    odd = graph_iri("submission/odd")
    st.replace_graphs({odd: [(COKGID["finding/x/odd"], COKG.position, Literal(0))]})
    ds = Dataset()
    ds.parse(data=export(st, format="nq").decode(), format="nquads")
    counts = {o for _, _, o, _ in ds.quads((CASE2, COKG.documentsReviewedCount, None, None))}
    assert counts == {Literal("8", datatype=XSD.nonNegativeInteger)}
    positions = {
        o.datatype for _, _, o, g in ds.quads((None, COKG.position, None, None)) if str(g) != odd
    }
    assert positions == {XSD.positiveInteger}
    (zero,) = [o for _, _, o, _ in ds.quads((COKGID["finding/x/odd"], COKG.position, None, None))]
    assert zero.datatype == XSD.integer  # 0 is no positiveInteger: left as it is
    doc = export(st, format="jsonld", case="dundee-mrr").decode()
    assert '"position": ' in doc and '"cokg:position": ' not in doc
    ttl = export(st, format="trig").decode()
    assert '"8"^^xsd:nonNegativeInteger' in ttl


def test_a_case_id_in_capitals_exports_that_case() -> None:
    # export --case Dundee-MRR was "no such case" where query case=Dundee-MRR answered
    from cokg.store import build

    st = MemoryStore()
    build(st)
    assert export(st, format="nq", case="Dundee-MRR") == export(st, format="nq", case="dundee-mrr")


def test_a_dash_is_standard_output_not_a_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # `cokg export sssom -` wrote a file named "-"
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "sssom", "-", "--store", "memory:"])
    assert result.exit_code == 0, result.output
    assert "#mapping_set_id:" in result.output and "cfir09:" in result.output
    result = runner.invoke(cli, ["export", "graph", "-", "-f", "nq", "--store", "memory:"])
    assert result.exit_code == 0 and "<https://w3id.org/cokg/id/case/dundee-mrr>" in result.output
    result = runner.invoke(cli, ["export", "ro-crate", "-", "--store", "memory:"])
    assert result.exit_code == 2 and "writes a folder" in result.output
    assert not (tmp_path / "-").exists()
