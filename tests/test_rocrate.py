"""cokg.linking.rocrate: the graph and the project's files as an RO-Crate 1.1, checked and read
back offline.

Expected files are read here from the project folders and the store directly; the coded text
and its study's creator are hand-written triples; the RO-Crate requirements checked are those
of the RO-Crate 1.1 specification (metadata descriptor, root data entity, data entities)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef

from cokg import paths
from cokg.errors import InputError, ParameterError
from cokg.linking.rocrate import (
    CONTEXT_FILE,
    CONTEXT_IRI,
    check_rocrate,
    export_rocrate,
    read_rocrate,
)
from cokg.store import MemoryStore, build

# plain namespaces: pytest's collection trips over rdflib's closed ones (a warning per name)
COKG = Namespace("https://w3id.org/cokg/ontology#")
SCHEMA = Namespace("http://schema.org/")
META = "ro-crate-metadata.json"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
TEXT = "Interviewer: How did it start?\nNurse: We began with one ward – and a café. 🌱\n"


@pytest.fixture(scope="module")
def founding() -> Iterator[MemoryStore]:
    st = MemoryStore()
    build(st)
    yield st
    st.close()


@pytest.fixture(scope="module")
def crates(founding: MemoryStore, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("crates")
    return {
        "folder": export_rocrate(founding, d / "crate"),
        "zip": export_rocrate(founding, d / "crate.zip", zip=True),
    }


def _metadata(crate: Path) -> dict[str, Any]:
    if crate.is_dir():
        return json.loads((crate / META).read_text(encoding="utf-8"))
    with zipfile.ZipFile(crate) as z:
        return json.loads(z.read(META))


def _entity(meta: dict[str, Any], eid: str) -> dict[str, Any]:
    found = [e for e in meta["@graph"] if e["@id"] == eid]
    assert len(found) == 1, eid
    return found[0]


def _project_files() -> dict[str, bytes]:
    out = {}
    for folder in (paths.ONTOLOGY_DIR, paths.SHAPES_DIR, paths.QUERIES_DIR):
        for f in folder.rglob("*"):
            rel = f.relative_to(folder)
            if f.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                out[f"{folder.name}/{rel.as_posix()}"] = f.read_bytes()
    return out


def _quads(data: bytes, fmt: str) -> Dataset:
    ds = Dataset()
    with warnings.catch_warnings():  # rdflib 7's parsers call their own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(data=data.decode("utf-8"), format=fmt)
    return ds


# --- the founding store, as a folder and as a ZIP file -----------------------------------------


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_check_passes(crates: dict[str, Path], kind: str) -> None:
    assert check_rocrate(crates[kind]) == []


def test_zip_has_the_metadata_at_its_root(crates: dict[str, Path]) -> None:
    with zipfile.ZipFile(crates["zip"]) as z:
        assert META in z.namelist()


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_read_back_gives_the_project_files(crates: dict[str, Path], kind: str) -> None:
    files = read_rocrate(crates[kind])
    project = _project_files()
    assert {k: v for k, v in files.items() if k in project} == project
    assert set(files) - set(project) == {
        "graph.nq",
        "graph.jsonld",
        "void.ttl",
        "mappings/framework-mappings.sssom.tsv",
    }
    assert "ontology/frameworks/bcio-alignment.sssom.tsv" in files


def test_folder_and_zip_hold_the_same_files(crates: dict[str, Path]) -> None:
    assert read_rocrate(crates["folder"]) == read_rocrate(crates["zip"])


def test_the_graph_is_all_there(crates: dict[str, Path], founding: MemoryStore) -> None:
    files = read_rocrate(crates["folder"])
    stored = _quads(founding.export(format="nq"), "nquads")
    nq = _quads(files["graph.nq"], "nquads")
    assert len(nq) == len(stored) == founding.count()
    assert {str(g.identifier) for g in nq.graphs() if len(g)} == set(founding.graphs())
    # the JSON-LD carries cokg's context inline: nothing to fetch
    doc = json.loads(files["graph.jsonld"])
    assert isinstance(doc["@context"], dict)
    assert len(_quads(files["graph.jsonld"], "json-ld")) == len(stored)


def test_the_jsonld_is_the_graph_export(crates: dict[str, Path], founding: MemoryStore) -> None:
    # one conversion for both: the crate's graph.jsonld is byte for byte `cokg export -f jsonld`
    # (blank nodes keep the store's labels, so two conversions of one store agree)
    from cokg.export import export

    files = read_rocrate(crates["folder"])
    assert b"_:" in founding.export(format="nq")  # the founding graph has blank nodes to label
    assert files["graph.jsonld"] == export(founding, format="jsonld")
    assert export(founding, format="jsonld") == export(founding, format="jsonld")


def test_every_file_is_described(crates: dict[str, Path]) -> None:
    meta = _metadata(crates["folder"])
    on_disk = {
        p.relative_to(crates["folder"]).as_posix()
        for p in crates["folder"].rglob("*")
        if p.is_file()
    }
    for name in on_disk - {META}:
        e = _entity(meta, name)
        data = (crates["folder"] / name).read_bytes()
        assert e["@type"] == "File"
        assert e["sha256"] == hashlib.sha256(data).hexdigest()
        assert e["contentSize"] == str(len(data))
        assert e["encodingFormat"]
    assert {r["@id"] for r in _entity(meta, "./")["hasPart"]} == on_disk - {META}


def test_every_file_has_a_name(crates: dict[str, Path]) -> None:
    # the ontology, shapes and query files were listed in hasPart with no name (RO-Crate
    # recommends one for each data entity)
    meta = _metadata(crates["folder"])
    parts = [r["@id"] for r in _entity(meta, "./")["hasPart"]]
    assert [p for p in parts if not _entity(meta, p).get("name")] == []
    assert _entity(meta, "shapes/mapping.ttl")["name"] == "SHACL shapes: mapping.ttl"


def test_root_and_descriptor(crates: dict[str, Path]) -> None:
    meta = _metadata(crates["folder"])
    assert meta["@context"] == CONTEXT_IRI == "https://w3id.org/ro/crate/1.1/context"
    descriptor = _entity(meta, META)
    assert descriptor["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"}
    assert descriptor["about"] == {"@id": "./"}
    root = _entity(meta, "./")
    assert root["name"] and root["description"] and root["datePublished"]
    assert root["license"] == {"@id": CC_BY_4}
    # the founding article's authors are not recorded: cokg itself is the creator
    creator = _entity(meta, root["creator"]["@id"])
    assert creator["@type"] == "SoftwareApplication" and creator["name"] == "cokg"
    assert "author" not in root
    assert "conditionsOfAccess" not in root


def test_metadata_reads_as_rdf_with_the_bundled_context(crates: dict[str, Path]) -> None:
    meta = _metadata(crates["folder"])
    meta["@context"] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    with warnings.catch_warnings():  # rdflib 7's parser calls its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        g = Graph().parse(data=json.dumps(meta), format="json-ld", publicID="file:///crate/")
    root = URIRef("file:///crate/")
    assert (root, SCHEMA.license, URIRef(CC_BY_4)) in g
    assert (root, SCHEMA.hasPart, URIRef("file:///crate/graph.nq")) in g
    assert g.value(URIRef("file:///crate/graph.nq"), SCHEMA.sha256) is not None


def test_an_existing_folder_is_not_overwritten(founding: MemoryStore, tmp_path: Path) -> None:
    (tmp_path / "crate").mkdir()
    (tmp_path / "crate" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ParameterError, match="not empty"):
        export_rocrate(founding, tmp_path / "crate")
    assert [p.name for p in (tmp_path / "crate").iterdir()] == ["notes.txt"]


def test_nothing_is_fetched(founding: MemoryStore, tmp_path: Path, no_sockets: list[str]) -> None:
    crate = export_rocrate(founding, tmp_path / "crate.zip", zip=True)
    assert check_rocrate(crate) == [] and read_rocrate(crate)
    assert no_sockets == []


# --- tampering ----------------------------------------------------------------------------------


def _edit_metadata(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def edit(crate: Path) -> None:
        meta = _metadata(crate)
        change(meta)
        (crate / META).write_text(json.dumps(meta), encoding="utf-8")

    return edit


def _root_without(key: str) -> Callable[[dict[str, Any]], None]:
    def change(meta: dict[str, Any]) -> None:
        del _entity(meta, "./")[key]

    return change


def _flip(name: str) -> Callable[[Path], None]:
    """Change one byte of a file, keeping its size."""

    def edit(crate: Path) -> None:
        data = bytearray((crate / name).read_bytes())
        data[-2] ^= 0x01
        (crate / name).write_bytes(bytes(data))

    return edit


TAMPERED = [
    pytest.param(_flip("ontology/cokg.ttl"), ["ontology/cokg.ttl: SHA-256"], id="changed-file"),
    pytest.param(lambda c: (c / "void.ttl").write_bytes(b"\n"),
                 ["void.ttl: SHA-256", "void.ttl: 1 bytes, the metadata records"],
                 id="truncated-file"),
    pytest.param(lambda c: (c / "graph.nq").unlink(), ["graph.nq: described but not in"],
                 id="missing-file"),
    pytest.param(lambda c: (c / "extra.txt").write_bytes(b"x"),
                 ["extra.txt: in the crate but not described"], id="added-file"),
    pytest.param(_edit_metadata(_root_without("license")), ["./: no license"], id="no-license"),
    pytest.param(_edit_metadata(_root_without("datePublished")), ["./: no datePublished"],
                 id="no-date"),
    pytest.param(_edit_metadata(lambda m: m.update({"@context": "https://example.org/ctx"})),
                 ["not the RO-Crate 1.1 context"], id="other-context"),
    pytest.param(_edit_metadata(lambda m: _entity(m, META).update(
        {"conformsTo": {"@id": "https://w3id.org/ro/crate/1.0"}})),
                 ["does not conform to https://w3id.org/ro/crate/1.1"], id="other-version"),
    pytest.param(_edit_metadata(lambda m: _entity(m, "void.ttl").update({"colour": "red"})),
                 ["void.ttl: property 'colour' is not in the RO-Crate 1.1 context"],
                 id="unknown-term"),
    pytest.param(_edit_metadata(lambda m: _entity(m, "./").update(
        {"hasPart": [r for r in _entity(m, "./")["hasPart"] if r["@id"] != "void.ttl"]})),
                 ["void.ttl: not linked from the root data entity"], id="unlinked-file"),
    pytest.param(lambda c: (c / META).unlink(), [f"{META}: missing"], id="no-metadata"),
]  # fmt: skip


@pytest.mark.parametrize(("tamper", "expected"), TAMPERED)
def test_tampering_is_reported(
    crates: dict[str, Path], tmp_path: Path, tamper: Callable[[Path], None], expected: list[str]
) -> None:
    crate = Path(shutil.copytree(crates["folder"], tmp_path / "crate"))
    tamper(crate)
    problems = check_rocrate(crate)
    assert len(problems) == len(expected), problems
    for problem, text in zip(problems, expected, strict=True):
        assert text in problem
    with pytest.raises(InputError, match=re.escape(problems[0])):
        read_rocrate(crate)


def test_a_tampered_zip_is_reported(crates: dict[str, Path], tmp_path: Path) -> None:
    crate = Path(shutil.copy(crates["zip"], tmp_path / "crate.zip"))
    with zipfile.ZipFile(crate) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["shapes/case.ttl"] = members["shapes/case.ttl"].replace(b"cokg", b"COKG", 1)
    with zipfile.ZipFile(crate, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    problems = check_rocrate(crate)
    assert len(problems) == 1 and problems[0].startswith("shapes/case.ttl: SHA-256")


# --- the full texts of coded sources ---------------------------------------------------------

CODED = """
@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix cokgid: <https://w3id.org/cokg/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
cokgid:study\\/fx a cokg:Study ; rdfs:label "A fictional study" ;
    dcterms:creator "A. Researcher" .
cokgid:text\\/fx-1 a cokg:CodedText ; rdfs:label "Interview 1 (FICTIONAL)" ;
    cokg:textSha256 "%s" ;
    cokg:fullText %s .
""" % (hashlib.sha256(TEXT.encode()).hexdigest(), json.dumps(TEXT, ensure_ascii=False))  # noqa: UP031
TEXT_NODE = URIRef("https://w3id.org/cokg/id/text/fx-1")
TEXT_FILE = f"restricted/{hashlib.sha256(TEXT.encode()).hexdigest()}.txt"


@pytest.fixture
def coded() -> Iterator[MemoryStore]:
    st = MemoryStore()
    st.replace_graphs(
        {"https://w3id.org/cokg/graph/submission/fx": Graph().parse(data=CODED, format="turtle")}
    )
    yield st
    st.close()


def test_full_texts_are_left_out_by_default(coded: MemoryStore, tmp_path: Path) -> None:
    crate = export_rocrate(coded, tmp_path / "crate")
    assert check_rocrate(crate) == []
    files = read_rocrate(crate)
    assert not [n for n in files if n.startswith("restricted/")]
    for name, fmt in (("graph.nq", "nquads"), ("graph.jsonld", "json-ld")):
        ds = _quads(files[name], fmt)
        assert not list(ds.quads((None, COKG.fullText, None, None))), name
        assert list(ds.quads((TEXT_NODE, COKG.textSha256, None, None))), name  # the rest stays
    assert TEXT.encode() not in b"".join(files.values())
    root = _entity(_metadata(crate), "./")
    assert "conditionsOfAccess" not in root
    assert "full texts of 1 coded source" in root["description"]


def test_full_texts_are_included_and_flagged_on_request(coded: MemoryStore, tmp_path: Path) -> None:
    crate = export_rocrate(coded, tmp_path / "crate.zip", include_text=True, zip=True)
    assert check_rocrate(crate) == []
    files = read_rocrate(crate)
    assert [n for n in files if n.startswith("restricted/")] == [TEXT_FILE]
    assert files[TEXT_FILE] == TEXT.encode("utf-8")
    assert not list(_quads(files["graph.nq"], "nquads").quads((None, COKG.fullText, None, None)))
    meta = _metadata(crate)
    entity = _entity(meta, TEXT_FILE)
    assert entity["conditionsOfAccess"].startswith("Restricted")
    assert entity["about"] == {"@id": str(TEXT_NODE)}
    assert entity["encodingFormat"] == "text/plain"
    assert _entity(meta, "./")["conditionsOfAccess"].startswith("Restricted")


def test_the_authors_given_are_the_crates(founding: MemoryStore, tmp_path: Path) -> None:
    # with no creator in the store the only creator was the software cokg, and the crate
    # failed RO-Crate's recommended author: the user names the authors
    meta = _metadata(export_rocrate(founding, tmp_path / "crate", authors=[
        "A. Researcher https://orcid.org/0000-0002-1825-0097", "B. Curator",
    ]))  # fmt: skip
    root = _entity(meta, "./")
    authors = [_entity(meta, a["@id"]) for a in root["author"]]
    assert [(a["@id"], a["@type"], a["name"]) for a in authors] == [
        ("https://orcid.org/0000-0002-1825-0097", "Person", "A. Researcher"),
        ("#b-curator", "Person", "B. Curator"),
    ]
    assert check_rocrate(tmp_path / "crate") == []


@pytest.mark.parametrize("author", ["", "https://orcid.org/0000-0002-1825-0097"],
                         ids=["empty", "an-iri-alone"])  # fmt: skip
def test_an_author_without_a_name_is_refused(
    founding: MemoryStore, tmp_path: Path, author: str
) -> None:
    with pytest.raises(ParameterError, match="give a name, optionally followed by an ORCID"):
        export_rocrate(founding, tmp_path / "crate", authors=[author])
    assert not (tmp_path / "crate").exists()


def test_an_orcid_id_is_read_bare_or_as_http_and_checked(
    founding: MemoryStore, tmp_path: Path
) -> None:
    # "A. Researcher 0000-0002-1825-0097" kept the iD as part of the name; http:// stayed
    # http; a wrong check digit (…-0098) was accepted
    meta = _metadata(export_rocrate(founding, tmp_path / "crate", authors=[
        "A. Researcher 0000-0002-1825-0097", "B. Curator http://orcid.org/0000-0001-5109-3700",
    ]))  # fmt: skip
    authors = [_entity(meta, a["@id"]) for a in _entity(meta, "./")["author"]]
    assert [(a["@id"], a["name"]) for a in authors] == [
        ("https://orcid.org/0000-0002-1825-0097", "A. Researcher"),
        ("https://orcid.org/0000-0001-5109-3700", "B. Curator"),
    ]
    with pytest.raises(ParameterError, match="check digit is wrong"):
        export_rocrate(founding, tmp_path / "c2", authors=["C. Typo 0000-0002-1825-0098"])
    assert not (tmp_path / "c2").exists()


def test_authors_come_from_the_study(coded: MemoryStore, tmp_path: Path) -> None:
    meta = _metadata(export_rocrate(coded, tmp_path / "crate"))
    root = _entity(meta, "./")
    authors = [_entity(meta, a["@id"]) for a in root["author"]]
    assert [(a["@type"], a["name"]) for a in authors] == [("Person", "A. Researcher")]
    assert root["creator"] == root["author"]
