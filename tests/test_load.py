"""cokg.load: formats, hostile input, JSON-LD contexts, the ontology loader and its catalog."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from cokg import load
from cokg.errors import InputError, NetworkRefused
from cokg.load import detect_format, read_rdf, read_rdf_dir
from cokg.namespaces import graph_iri

FIX = Path(__file__).parent / "fixtures" / "load"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("a.ttl", "turtle", id="ttl"),
        pytest.param("a.TTL", "turtle", id="ttl-upper"),
        pytest.param("a.trig", "trig", id="trig"),
        pytest.param("a.nt", "n-triples", id="nt"),
        pytest.param("a.nq", "n-quads", id="nq"),
        pytest.param("a.jsonld", "json-ld", id="jsonld"),
        pytest.param("a.json", "json-ld", id="json"),
        pytest.param("a.rdf", "rdf-xml", id="rdf"),
        pytest.param("a.owl", "rdf-xml", id="owl"),
        pytest.param("a.xml", "rdf-xml", id="xml"),
    ],
)
def test_detect_format(name: str, expected: str) -> None:
    assert detect_format(name) == expected


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in ("a.docx", "a.csv", "a", "a.n3")])
def test_detect_format_unknown(name: str) -> None:
    with pytest.raises(InputError, match="unknown RDF file type"):
        detect_format(name)


def test_reads_rdfxml() -> None:
    doc = read_rdf(FIX / "good.rdf")
    assert doc.format == "rdf-xml"
    assert [(q.subject.value, q.object.value) for q in doc] == [
        ("https://w3id.org/cokg/id/place/winnipeg", "Winnipeg")
    ]


def test_document_behaves_like_a_list_of_quads() -> None:
    doc = read_rdf(FIX / "folder" / "a.ttl")
    assert len(doc) == 1
    assert list(doc) == doc.quads
    assert isinstance(doc.quads[0], ox.Quad)


def test_blank_nodes_are_renamed_per_read() -> None:
    # Two submissions both writing _:b0 must not merge into one node.
    a = read_rdf(FIX / "blank-nodes.ttl").quads[0].subject
    b = read_rdf(FIX / "blank-nodes.ttl").quads[0].subject
    assert isinstance(a, ox.BlankNode)
    assert a != b


def test_relative_iri_needs_a_base() -> None:
    with pytest.raises(InputError, match="relative IRI") as err:
        read_rdf(FIX / "relative-iri.ttl")
    assert err.value.line == 1
    doc = read_rdf(FIX / "relative-iri.ttl", base_iri="https://w3id.org/cokg/id/")
    assert doc.quads[0].subject.value == "https://w3id.org/cokg/id/case/demo"


# --- hostile and broken input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", [pytest.param("empty.ttl", id="empty"), pytest.param("whitespace.ttl", id="blank")]
)
def test_empty_file(name: str) -> None:
    with pytest.raises(InputError, match="empty file"):
        read_rdf(FIX / name)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        read_rdf(FIX / "does-not-exist.ttl")


def test_truncated_turtle_names_the_line() -> None:
    with pytest.raises(InputError) as err:
        read_rdf(FIX / "truncated.ttl")
    # The unterminated string starts on line 6 of the fixture.
    assert err.value.line == 6
    assert "truncated.ttl:6" in str(err.value)
    assert "invalid turtle" in str(err.value)


def test_not_utf8_names_the_offset() -> None:
    # The first byte of Latin-1 "ö" follows a 50-character subject IRI, a space, a 44-character
    # predicate IRI, a space and '"J': offset 50 + 1 + 44 + 1 + 2 = 98th byte, index 97.
    with pytest.raises(InputError, match=r"not UTF-8: byte 0xf6 at offset 97") as err:
        read_rdf(FIX / "latin1.nt")
    assert err.value.line == 1


def test_binary_data(tmp_path: Path) -> None:
    f = tmp_path / "random.ttl"
    f.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError):
        read_rdf(f)


def test_docx_is_refused(tmp_path: Path) -> None:
    # A real (minimal) Office Open XML package: a ZIP starting with PK\x03\x04.
    f = tmp_path / "case-notes.ttl"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(InputError, match="not an RDF file: looks like a ZIP/Office document"):
        read_rdf(f)


def test_docx_extension_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "case-notes.docx"
    f.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=r"unknown RDF file type '\.docx'"):
        read_rdf(f)


def test_pdf_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "paper.ttl"
    f.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(InputError, match="PDF"):
        read_rdf(f)


def test_external_entity_is_refused() -> None:
    with pytest.raises(InputError, match="DOCTYPE") as err:
        read_rdf(FIX / "external-entity.rdf")
    assert err.value.line == 2
    assert "root:" not in str(err.value)


def test_utf16_xml_is_refused(tmp_path: Path) -> None:
    # In UTF-16 a DOCTYPE is invisible to a byte-level screen; it must be refused anyway.
    text = (FIX / "billion-laughs.rdf").read_text(encoding="utf-8")
    f = tmp_path / "laughs16.rdf"
    f.write_bytes(text.encode("utf-16-le"))
    with pytest.raises(InputError):
        read_rdf(f)


def test_declared_non_utf8_xml_is_refused() -> None:
    with pytest.raises(InputError, match="ISO-8859-1"):
        read_rdf(FIX / "latin1-declared.rdf")


@pytest.mark.timeout(60)
def test_billion_laughs_returns_quickly_in_a_child_process() -> None:
    # In a child process: if the screen ever failed, pyoxigraph would abort the whole
    # interpreter (out of memory), which must not take the test run down with it.
    code = (
        "import sys\n"
        "from cokg.load import read_rdf\n"
        "from cokg.errors import InputError\n"
        "try:\n"
        "    read_rdf(sys.argv[1])\n"
        "except InputError as e:\n"
        "    print(e); sys.exit(2)\n"
    )
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(FIX / "billion-laughs.rdf")],
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=_limit_memory,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stderr
    assert "DOCTYPE" in proc.stdout
    assert "billion-laughs.rdf:2" in proc.stdout
    assert elapsed < 10


def test_billion_laughs_in_process() -> None:
    start = time.monotonic()
    with pytest.raises(InputError, match="not allowed"):
        read_rdf(FIX / "billion-laughs.rdf")
    assert time.monotonic() - start < 1


N = 100_000


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # n nested blank nodes: the outer triple plus one per "[ p": n + 1
        pytest.param(
            b"<http://e/a> <http://e/p> "
            + b"[ <http://e/p> " * N
            + b"<http://e/o>"
            + b" ]" * N
            + b" .",
            N + 1,
            id="turtle-blank-nodes",
        ),
        # n nested lists, the innermost empty (rdf:nil): 1 + 2 (first, rest) per non-empty list
        pytest.param(
            b"<http://e/a> <http://e/p> " + b"( " * N + b")" * N + b" .",
            1 + 2 * (N - 1),
            id="turtle-collections",
        ),
    ],
)
def test_deep_turtle_nesting(data: bytes, expected: int) -> None:
    assert len(load.parse_bytes(data, "turtle")) == expected


def test_deep_json_nesting_is_refused_cleanly() -> None:
    data = b'{"@id": "http://e/a", "http://e/p": ' + b"[" * N + b"]" * N + b"}"
    with pytest.raises(InputError, match="nested too deeply"):
        load.parse_bytes(data, "json-ld")


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def test_nfd_text_becomes_nfc() -> None:
    raw = (FIX / "nfd.nt").read_text(encoding="utf-8")
    assert "Jose\u0301" in raw  # the fixture really is decomposed
    value = read_rdf(FIX / "nfd.nt").quads[0].object
    assert value.value == "Jos\u00e9 said so"
    assert unicodedata.is_normalized("NFC", value.value)
    assert value.language == "en"


def test_nfd_written_as_escape_becomes_nfc() -> None:
    value = read_rdf(FIX / "nfd-escaped.ttl").quads[0].object
    assert value.value == "Jos\u00e9"


def test_owl_imports_is_reported_not_followed(no_sockets: list[str]) -> None:
    doc = read_rdf(FIX / "owl-imports-remote.ttl")
    assert len(doc.quads) == 3
    assert [w.message for w in doc.warnings] == [
        "owl:imports http://example.org/remote-ontology.owl is not followed "
        "(imports in data are never fetched)"
    ]
    assert no_sockets == []


# --- JSON-LD contexts -----------------------------------------------------------------------


def test_inline_context() -> None:
    doc = read_rdf(FIX / "inline-context.jsonld")
    assert [(q.predicate, q.object.value) for q in doc] == [(RDFS_LABEL, "Dundee")]


def test_own_context_is_read_from_the_package(no_sockets: list[str]) -> None:
    doc = read_rdf(FIX / "own-context.jsonld")
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in doc}
    case = "https://w3id.org/cokg/id/case/dundee-mrr"
    assert triples == {
        (
            case,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            "https://w3id.org/cokg/ontology#Case",
        ),
        (case, "https://w3id.org/cokg/ontology#caseId", "dundee-mrr"),
    }
    assert no_sockets == []


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("remote-context.jsonld", id="context"),
        pytest.param("remote-import.jsonld", id="import"),
        pytest.param("scoped-remote-context.jsonld", id="scoped"),
        pytest.param("nested-remote-context.jsonld", id="nested"),
    ],
)
def test_remote_context_refused(name: str, no_sockets: list[str]) -> None:
    with pytest.raises(NetworkRefused, match="would be fetched"):
        read_rdf(FIX / name)
    assert no_sockets == []


@pytest.fixture
def listening_server() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP server on loopback that records every connection it receives. It sees sockets
    from Rust code too, which the audit hook cannot."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    hits.append(conn.recv(1024))
                except OSError:
                    hits.append(b"")
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n\r\n{}")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}", hits
    finally:
        stop.set()
        t.join(2)
        srv.close()


@pytest.mark.parametrize(
    ("template", "error"),
    [
        pytest.param(
            '{"@context": "%s/ctx.jsonld", "@id": "http://e/a"}',
            NetworkRefused,
            id="jsonld-context",
        ),
        pytest.param(
            '{"@context": {"@import": "%s/ctx.jsonld"}, "@id": "http://e/a"}',
            NetworkRefused,
            id="jsonld-import",
        ),
    ],
)
def test_no_fetch_reaches_a_server(
    tmp_path: Path, listening_server: tuple[str, list[bytes]], template: str, error: type
) -> None:
    url, hits = listening_server
    f = tmp_path / "input.jsonld"
    f.write_text(template % url, encoding="utf-8")
    with pytest.raises(error):
        read_rdf(f)
    time.sleep(0.3)
    assert hits == []


def test_owl_imports_never_reach_a_server(
    tmp_path: Path, listening_server: tuple[str, list[bytes]]
) -> None:
    url, hits = listening_server
    f = tmp_path / "imports.ttl"
    f.write_text(f"<http://e/o> <http://www.w3.org/2002/07/owl#imports> <{url}/o.ttl> .\n")
    doc = read_rdf(f)
    assert len(doc.warnings) == 1
    time.sleep(0.3)
    assert hits == []


def test_pyoxigraph_itself_has_no_context_loader() -> None:
    # Belt and braces: even unscreened, pyoxigraph refuses to load a remote context.
    with pytest.raises(SyntaxError, match="LoadDocumentCallback"):
        list(
            ox.parse(
                input=b'{"@context": "http://127.0.0.1:9/c", "@id": "http://e/a"}',
                format=ox.RdfFormat.JSON_LD,
            )
        )


# --- folders --------------------------------------------------------------------------------


def test_read_folder() -> None:
    docs = read_rdf_dir([FIX / "folder"])
    assert [d.path.name for d in docs] == ["a.ttl", "b.nt"]  # notes.txt skipped


def test_folder_without_rdf(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no RDF files in folder"):
        read_rdf_dir([FIX / "folder-without-rdf"])
    with pytest.raises(InputError, match="no RDF files in folder"):
        read_rdf_dir([tmp_path])


def test_read_folder_and_file() -> None:
    docs = read_rdf_dir([FIX / "good.rdf", FIX / "folder"])
    assert [d.path.name for d in docs] == ["good.rdf", "a.ttl", "b.nt"]


def test_read_rdf_on_a_folder(tmp_path: Path) -> None:
    # A folder whose name looks like an RDF file: refused as a folder, not as a missing file.
    folder = tmp_path / "folder.ttl"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder, not a file") as err:
        read_rdf(folder)
    assert err.value.file is not None and str(folder) in str(err.value)


# --- the ontology loader --------------------------------------------------------------------


def test_load_ontology_named_graphs(project_root) -> None:
    project_root()
    store = load.load_ontology()
    graphs = sorted(g.value for g in store.named_graphs())
    assert graphs == [
        graph_iri("framework/demo-frame"),
        graph_iri("ontology/cokg"),
        graph_iri("ontology/core"),
    ]


def test_load_ontology_with_data(project_root) -> None:
    project_root()
    store = load.load_ontology(include_frameworks=False, include_data=True)
    graphs = sorted(g.value for g in store.named_graphs())
    assert graphs == [graph_iri("demo"), graph_iri("ontology/cokg"), graph_iri("ontology/core")]


def _copy_mini(tmp_path: Path) -> Path:
    from conftest import MINI_PROJECT

    root = tmp_path / "project"
    shutil.copytree(MINI_PROJECT, root)
    return root


def test_import_not_in_catalog(project_root, tmp_path: Path, no_sockets: list[str]) -> None:
    root = project_root(_copy_mini(tmp_path))
    umbrella = root / "ontology" / "cokg.ttl"
    umbrella.write_text(
        umbrella.read_text().replace(
            "owl:imports <https://w3id.org/cokg/ontology/core>",
            "owl:imports <https://w3id.org/cokg/ontology/core>, <http://www.w3.org/ns/prov-o>",
        )
    )
    with pytest.raises(
        InputError, match=r"import http://www.w3.org/ns/prov-o is not in the catalog"
    ):
        load.load_ontology()
    assert no_sockets == []


def test_catalog_with_dtd_is_refused(project_root, tmp_path: Path) -> None:
    root = project_root(_copy_mini(tmp_path))
    cat = root / "ontology" / "catalog-v001.xml"
    cat.write_text(
        cat.read_text().replace(
            "<catalog", '<!DOCTYPE catalog SYSTEM "http://x/y.dtd">\n<catalog', 1
        )
    )
    with pytest.raises(InputError, match="DTD"):
        load.load_ontology()


def test_read_catalog() -> None:
    from conftest import MINI_PROJECT

    mapping = load.read_catalog(MINI_PROJECT / "ontology" / "catalog-v001.xml")
    assert mapping == {
        "https://w3id.org/cokg/ontology/core": (
            MINI_PROJECT / "ontology" / "modules" / "core.ttl"
        ).resolve()
    }


@pytest.mark.parametrize(
    ("doc", "line", "bad"),
    [
        pytest.param(
            '{"@id": "https://w3id.org/cokg/id/org/bad org",\n "@type": '
            '"https://w3id.org/cokg/ontology#Organisation"}',
            1, "https://w3id.org/cokg/id/org/bad org", id="record",
        ),
        pytest.param(
            '{"@id": "https://w3id.org/cokg/id/org/good",\n "https://w3id.org/cokg/ontology#'
            'wikidataItem": {"@id": "http://www.wikidata.org/entity/Q 42"}}',
            2, "http://www.wikidata.org/entity/Q 42", id="link",
        ),
    ],
)  # fmt: skip
def test_an_id_that_cannot_be_an_iri_is_refused_not_dropped(
    tmp_path: Path, doc: str, line: int, bad: str
) -> None:
    """A JSON-LD processor leaves out a node or a link whose @id holds a space, without a word
    (the record was stored without its Wikidata link, or not at all); Turtle refuses the same
    IRI. cokg refuses the file, naming the @id and its line."""
    f = tmp_path / "bad.jsonld"
    f.write_text(doc, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_rdf(f)
    assert str(info.value).startswith(f"{f}:{line}: @id {bad!r} cannot be an IRI (' ' may not")
