"""Intake safety (issue 16): size, triple and XML-depth limits checked before parsing, bounded
memory, progress on a terminal only, clear one-line refusals instead of internal errors, one
submission-id rule for ingest and retract, ill-typed literals and submissions about nothing
cokg knows. Every big input is generated here at test time; nothing is copied from elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import URIRef

from cokg.cli import cli
from cokg.errors import InputError, ParameterError
from cokg.ingest import ingest, list_graphs, retract
from cokg.validate import (
    SUBMISSION_ID_MAX,
    check_submission_id,
    lexical_problem,
    read_submission,
    submission_id,
    validate,
)

SUB = Path(__file__).parent / "fixtures" / "submissions"
XSD_ = "http://www.w3.org/2001/XMLSchema#"
EXAMPLE = SUB / "example-template"
PLACE_TTL = SUB / "formats" / "example.ttl"
PREFIXES = (
    "@prefix cokg: <https://w3id.org/cokg/ontology#> .\n"
    "@prefix cokgid: <https://w3id.org/cokg/id/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "@prefix ex: <http://example.org/> .\n"
)


def _hashes(d: Path) -> dict[str, str]:
    return {
        str(f.relative_to(d)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(d.rglob("*"))
        if f.is_file()
    }


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def _one_error_line(result, code: int = 2) -> str:
    """The refusal contract: exit code, one line on output, no traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cokg: error: "), result.output
    return lines[0]


def _places(n: int, start: int = 0) -> str:
    """n synthetic (FICTIONAL) places as Turtle, three triples each."""
    return PREFIXES + "".join(
        f"<https://w3id.org/cokg/id/place/fictional-{i}> a cokg:Place ; "
        f'rdfs:label "Place {i} (FICTIONAL)" ; cokg:placeType "town" .\n'
        for i in range(start, start + n)
    )


def _cokg(tmp: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60):
    """`cokg ARGS` in a child process (cwd `tmp`, so no default store), with its peak RSS."""
    rss_file = tmp / "maxrss.txt"
    # VmHWM, the high-water mark of this process's own memory: ru_maxrss keeps the larger peak
    # of the (forked, then exec'ed) parent on Linux, so a test worker grown to 300 MB read as
    # a 300 MB validation.
    code = (
        "import atexit, sys\n"
        "out = sys.argv.pop(1)\n"
        "def hwm():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return line.split()[1]\n"
        "atexit.register(lambda: open(out, 'w').write(hwm()))\n"
        "from cokg.cli import main\n"
        "sys.argv[0] = 'cokg'\n"
        "main()\n"
    )
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(rss_file), *args],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    seconds = time.perf_counter() - t0
    peak_mb = int(rss_file.read_text()) / 1024 if rss_file.exists() else float("nan")
    return proc, seconds, peak_mb


# --- 1. big submissions: refused from their size, before parsing ----------------------------


def test_200_mb_of_turtle_is_refused_in_seconds(tmp_path: Path, store_dir: Path) -> None:
    big = tmp_path / "huge.ttl"
    block = "".join(
        f'<https://w3id.org/cokg/id/place/fictional-{i}> rdfs:label "Place {i} (FICTIONAL)" .\n'
        for i in range(2000)
    ).encode()
    with big.open("wb") as fh:
        fh.write(PREFIXES.encode())
        while fh.tell() < 200 * 2**20:
            fh.write(block)
    proc, seconds, _ = _cokg(tmp_path, "validate", "--no-store", str(big), timeout=60)
    assert proc.returncode == 2, proc.stderr[-500:]
    assert seconds < 10
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "huge.ttl" in lines[0] and re.search(r"file is 200\.\d MB", lines[0])
    assert "64.0 MB" in lines[0]
    assert "COKG_MAX_SUBMISSION_MB" in lines[0] and "split" in lines[0]

    before = _hashes(store_dir)
    t0 = time.perf_counter()
    r = _run("ingest", str(big), "--by", "A", "--store", str(store_dir))
    assert time.perf_counter() - t0 < 10
    assert "huge.ttl" in _one_error_line(r)
    assert _hashes(store_dir) == before


def test_a_big_csv_template_is_refused_before_reading(tmp_path: Path) -> None:
    folder = tmp_path / "riverside"
    shutil.copytree(EXAMPLE, folder)
    cases = folder / "cases.csv"
    with cases.open("r+b") as fh:  # 99 MB without writing them: a sparse tail
        fh.truncate(99 * 2**20)
    line = _one_error_line(_run("validate", "--no-store", str(folder)))
    assert "cases.csv" in line and "99.0 MB" in line and "COKG_MAX_SUBMISSION_MB" in line


def test_the_limit_is_per_file_and_per_submission(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COKG_MAX_SUBMISSION_MB", "1")
    one = tmp_path / "one.ttl"
    one.write_text(_places(12000), encoding="utf-8")  # about 1.3 MB
    assert one.stat().st_size > 2**20
    with pytest.raises(InputError, match=r"over the 1\.0 MB limit") as exc:
        read_submission([one])
    assert exc.value.file == str(one)
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text(_places(6000), encoding="utf-8")
    b.write_text(_places(6000, start=6000), encoding="utf-8")
    with pytest.raises(InputError, match=r"2 files of .* in all, over the 1\.0 MB limit"):
        read_submission([a, b])
    assert len(read_submission([a]).graph) == 18000  # each alone is within the limit


def test_a_template_over_the_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "riverside"
    shutil.copytree(EXAMPLE, folder)
    with (folder / "organisations.csv").open("a", encoding="utf-8") as fh:
        for i in range(20000):
            fh.write(f"fictional-org-{i},Organisation {i} (FICTIONAL),,,\n")
    monkeypatch.setenv("COKG_MAX_SUBMISSION_MB", "1")
    line = _one_error_line(_run("validate", "--no-store", str(folder)))
    assert "organisations.csv" in line and "limit" in line


def test_triple_limit_stops_parsing_with_bounded_memory(tmp_path: Path) -> None:
    f = tmp_path / "dense.ttl"
    f.write_text(_places(60000), encoding="utf-8")  # 180,000 triples in about 8 MB
    env = {"COKG_MAX_SUBMISSION_TRIPLES": "30000"}
    proc, _, peak_mb = _cokg(tmp_path, "validate", "--no-store", str(f), env=env)
    assert proc.returncode == 2, proc.stdout[-500:] + proc.stderr[-500:]
    (line,) = proc.stderr.strip().splitlines()
    assert "dense.ttl" in line and "30,000 triples" in line
    assert "COKG_MAX_SUBMISSION_TRIPLES" in line
    assert peak_mb < 300, f"peak RSS {peak_mb:.0f} MB"


def test_template_conversion_has_the_triple_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COKG_MAX_SUBMISSION_TRIPLES", "20")
    line = _one_error_line(_run("validate", "--no-store", str(EXAMPLE)))
    assert "more than 20 triples" in line and "example-template" in line


def test_bad_limit_setting_is_one_line(tmp_path: Path) -> None:
    r = _run("validate", "--no-store", str(PLACE_TTL), env={"COKG_MAX_SUBMISSION_MB": "lots"})
    assert "COKG_MAX_SUBMISSION_MB" in _one_error_line(r)


# --- 2. progress: a bar on a terminal, silence when piped; libraries only call back ----------


def test_library_functions_report_progress_through_the_callback(
    store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple] = []

    def progress(message: str, done: int | None = None, total: int | None = None) -> None:
        calls.append((message, done, total))

    validate([EXAMPLE], progress=progress)
    assert any(m.startswith("checking the shapes") for m, _, _ in calls)
    assert any(total for _, _, total in calls)
    calls.clear()
    ingest([EXAMPLE], by="A", store=store_dir, progress=progress)
    assert any(m.startswith("writing") for m, _, _ in calls)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""  # library functions never print


def test_commands_are_quiet_when_piped(tmp_path: Path) -> None:
    store = tmp_path / "store"
    r = _run("build", "--store", str(store))
    assert r.exit_code == 0, r.output
    assert "loading" not in r.stderr  # the bar is for terminals only
    r = _run("validate", "--store", str(store), str(EXAMPLE))
    assert r.exit_code == 0 and r.stderr == ""
    r = _run("ingest", "--store", str(store), "--by", "A", str(EXAMPLE))
    assert r.exit_code == 0 and r.stderr == ""


def test_progress_is_shown_on_a_terminal(tmp_path: Path) -> None:
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cokg.cli", "validate", "--no-store", str(EXAMPLE)],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=tmp_path,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "checking the shapes" in screen or "reading" in screen
    assert "conforms" in screen


# --- 3. XML nested too deep: refused by a streaming pre-scan ---------------------------------


def _deep_rdfxml(depth: int) -> str:
    head = (
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n'
    )
    pairs = max(depth // 2, 1)
    return (
        head
        + "<rdf:Description><ex:p>" * pairs
        + "</ex:p></rdf:Description>" * pairs
        + "</rdf:RDF>\n"
    )


def test_deep_rdfxml_is_refused_in_seconds(tmp_path: Path) -> None:
    f = tmp_path / "deep.rdf"
    f.write_text(_deep_rdfxml(100_000), encoding="utf-8")  # 4.8 MB, 100,000 deep
    proc, seconds, _ = _cokg(tmp_path, "validate", "--no-store", str(f), timeout=60)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert "deep.rdf:3" in line and "nested more than 256" in line
    assert "COKG_MAX_XML_DEPTH" in line
    assert seconds < 10


def test_xml_depth_limit_is_configurable(tmp_path: Path, monkeypatch) -> None:
    f = tmp_path / "nested.rdf"
    f.write_text(_deep_rdfxml(60), encoding="utf-8")
    from cokg.load import read_rdf

    assert len(read_rdf(f)) > 0  # 60 deep is fine by default
    monkeypatch.setenv("COKG_MAX_XML_DEPTH", "20")
    with pytest.raises(InputError, match="nested more than 20"):
        read_rdf(f)


def _xlsx_with_member(tmp: Path, member: str, transform) -> Path:
    """The blank template as a workbook, with one XML member rewritten."""
    from cokg.template import write_template

    blank = tmp / "blank.xlsx"
    write_template(blank)
    out = tmp / "hostile.xlsx"
    with zipfile.ZipFile(blank) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, transform(data) if name == member else data)
    return out


def test_deep_xml_in_a_workbook_is_refused(tmp_path: Path) -> None:
    def deepen(data: bytes) -> bytes:
        text = data.decode()
        nest = "<extLst>" * 400 + "</extLst>" * 400
        return text.replace("</worksheet>", nest + "</worksheet>").encode()

    book = _xlsx_with_member(tmp_path, "xl/worksheets/sheet2.xml", deepen)
    line = _one_error_line(_run("validate", "--no-store", str(book)))
    assert "hostile.xlsx" in line and "xl/worksheets/sheet2.xml" in line
    assert "nested more than 256" in line


# --- 4. internal errors become answers ------------------------------------------------------


def test_entity_bomb_in_a_workbook_is_refused(tmp_path: Path) -> None:
    def bomb(data: bytes) -> bytes:
        text = re.sub(r"^<\?xml[^>]*\?>\s*", "", data.decode())
        entities = '<!ENTITY lol "lol">' + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        text = text.replace("<sheetData>", "<sheetData><row r='9'><c r='A9' t='inlineStr'>"
                            "<is><t>&lol9;</t></is></c></row>", 1)  # fmt: skip
        return (f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{entities}]>\n{text}').encode()

    book = _xlsx_with_member(tmp_path, "xl/worksheets/sheet2.xml", bomb)
    t0 = time.perf_counter()
    line = _one_error_line(_run("validate", "--no-store", str(book)))
    assert time.perf_counter() - t0 < 10
    assert "hostile.xlsx" in line and "member xl/worksheets/sheet2.xml" in line
    assert "DOCTYPE" in line


def test_openpyxl_reads_workbooks_through_defusedxml() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML  # belt and braces behind the pre-scan


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            '{"@id": "https://w3id.org/cokg/id/place/x", "@type": '
            '"https://w3id.org/cokg/ontology#Place",\n "http://www.w3.org/2000/01/rdf-schema#label":'
            ' "a \\ud800 b"}',
            "lone.jsonld:2: invalid JSON string at column 51",
        ),
        (
            '{"@context": "https://w3id.org/cokg/context.jsonld", "@id": "<https://w3id.org/cokg/id/place/x>",\n'
            ' "@type": "cokg:Place", "rdfs:label": "\\udc00"}',
            "lone.jsonld:2",
        ),
    ],
)
def test_lone_surrogate_in_jsonld_is_one_line(tmp_path: Path, text: str, where: str) -> None:
    f = tmp_path / "lone.jsonld"
    f.write_text(text, encoding="utf-8")
    line = _one_error_line(_run("validate", "--no-store", str(f)))
    assert where in line and "surrogate" in line


def test_a_surrogate_pair_in_jsonld_is_a_character(tmp_path: Path) -> None:
    f = tmp_path / "pair.jsonld"
    f.write_text(
        '{"@id": "https://w3id.org/cokg/id/place/x", "@type": '
        '"https://w3id.org/cokg/ontology#Place", "http://www.w3.org/2000/01/rdf-schema#label": '
        '"FICTIONAL \\ud83d\\ude00 and an escaped \\\\ud800"}',
        encoding="utf-8",
    )
    labels = {str(o) for _, _, o in read_submission([f]).graph}
    assert "FICTIONAL \U0001f600 and an escaped \\ud800" in labels


# --- 5. one submission-id rule, checked before anything is written ---------------------------


@pytest.mark.parametrize("bad", ["a b", "UPPER", "../../etc", "", "-lead", "trail-", "a--b",
                                 "x" * (SUBMISSION_ID_MAX + 1), "caf\u00e9"])  # fmt: skip
def test_bad_submission_ids_are_refused_before_writing(store_dir: Path, bad: str) -> None:
    before = _hashes(store_dir)
    r = _run("ingest", str(PLACE_TTL), "--by", "A", "--store", str(store_dir), f"--id={bad}")
    line = _one_error_line(r)
    assert "is not a submission id" in line and "lower-case" in line and "pattern" in line
    assert _hashes(store_dir) == before
    line = _one_error_line(_run("retract", "--store", str(store_dir), "--", bad))
    assert "is not a submission id" in line


def test_good_ids_round_trip(store_dir: Path) -> None:
    for sid in ("riverside", "riverside-2024", "a", "x" * SUBMISSION_ID_MAX):
        assert check_submission_id(sid) == sid
    rep = ingest([PLACE_TTL], by="A", store=store_dir, submission="riverside-2024")
    assert rep.submission_id == "riverside-2024"
    retract("riverside-2024", store=store_dir)
    assert not any("submission/" in g.graph for g in list_graphs(store_dir))


def test_automatic_ids_follow_the_rule() -> None:
    long_name = "A Very " + "Long " * 30 + "Case File Name.ttl"
    for files in ([long_name], [long_name, "other.ttl"], ["Ünïcode Ñame.ttl"], ["---.ttl"]):
        assert check_submission_id(submission_id(files))
    with pytest.raises(ParameterError, match="not a submission id"):
        check_submission_id("../../etc")


# --- 6. data outside the vocabulary -------------------------------------------------------------


def test_ill_typed_literal_and_no_cokg_record_are_refused(tmp_path: Path, store_dir: Path) -> None:
    f = tmp_path / "outside.ttl"
    f.write_text(PREFIXES + 'ex:thing ex:year "twenty"^^xsd:gYear .\n', encoding="utf-8")
    r = _run("validate", "--no-store", str(f))
    assert r.exit_code == 1, r.output
    assert "outside.ttl (record <http://example.org/thing>): <http://example.org/year> " \
        "'twenty' is not a valid xsd:gYear: write a year such as 2015" in r.output  # fmt: skip
    assert "outside.ttl: holds no record cokg knows" in r.output
    before = _hashes(store_dir)
    r = _run("ingest", str(f), "--by", "A", "--store", str(store_dir))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert _hashes(store_dir) == before


def test_an_ill_typed_literal_is_a_violation_whatever_the_property(tmp_path: Path) -> None:
    f = tmp_path / "place.ttl"
    f.write_text(
        PREFIXES + "<https://w3id.org/cokg/id/place/fictional-x> a cokg:Place ;\n"
        '    rdfs:label "X (FICTIONAL)" ;\n'
        '    ex:founded "2015-13"^^xsd:gYearMonth ; ex:size "big"^^xsd:integer ;\n'
        '    ex:open "yes"^^xsd:boolean ; ex:day "2023-02-29"^^xsd:date ;\n'
        '    ex:fine "2024-02-29"^^xsd:date , "-12"^^xsd:integer , "1.5e3"^^xsd:double .\n',
        encoding="utf-8",
    )
    report = validate([f])
    bad = {(str(r.path).rsplit("/", 1)[-1], str(r.value)) for r in report.violations}
    assert bad == {("founded", "2015-13"), ("size", "big"), ("open", "yes"), ("day", "2023-02-29")}
    for r in report.violations:
        assert r.file == str(f) or r.file.endswith("place.ttl")
        assert r.record_label == "place X (FICTIONAL)"
        assert "write " in r.message


def test_a_shape_and_the_literal_check_report_a_value_once() -> None:
    report = validate([SUB / "year-twenty.ttl"])
    assert len([r for r in report.violations if "twenty" in str(r.value)]) == 1


@pytest.mark.parametrize(
    ("lexical", "datatype", "ok"),
    [
        ("2015", URIRef(XSD_ + "gYear"), True),
        ("-0044", URIRef(XSD_ + "gYear"), True),
        ("2015Z", URIRef(XSD_ + "gYear"), True),
        ("twenty", URIRef(XSD_ + "gYear"), False),
        ("15", URIRef(XSD_ + "gYear"), False),
        ("2015-06", URIRef(XSD_ + "gYearMonth"), True),
        ("2015-00", URIRef(XSD_ + "gYearMonth"), False),
        ("2015-06-24", URIRef(XSD_ + "date"), True),
        ("2015-06-31", URIRef(XSD_ + "date"), False),
        ("2000-02-29", URIRef(XSD_ + "date"), True),
        ("1900-02-29", URIRef(XSD_ + "date"), False),
        ("2015-06-24T10:30:00Z", URIRef(XSD_ + "dateTime"), True),
        ("2015-06-24T25:00:00", URIRef(XSD_ + "dateTime"), False),
        ("2015-06-24", URIRef(XSD_ + "dateTime"), False),
        ("2015-06-24T10:30:00", URIRef(XSD_ + "dateTimeStamp"), False),
        ("--02-29", URIRef(XSD_ + "gMonthDay"), True),
        ("--02-30", URIRef(XSD_ + "gMonthDay"), False),
        ("---31", URIRef(XSD_ + "gDay"), True),
        ("--13", URIRef(XSD_ + "gMonth"), False),
        ("10:30:00", URIRef(XSD_ + "time"), True),
        ("12", URIRef(XSD_ + "integer"), True),
        ("1.0", URIRef(XSD_ + "integer"), False),
        ("0", URIRef(XSD_ + "positiveInteger"), False),
        ("-0", URIRef(XSD_ + "nonNegativeInteger"), True),
        ("128", URIRef(XSD_ + "byte"), False),
        ("3.25", URIRef(XSD_ + "decimal"), True),
        ("3,25", URIRef(XSD_ + "decimal"), False),
        ("INF", URIRef(XSD_ + "double"), True),
        ("1e", URIRef(XSD_ + "float"), False),
        ("true", URIRef(XSD_ + "boolean"), True),
        ("yes", URIRef(XSD_ + "boolean"), False),
        ("P1Y2M", URIRef(XSD_ + "duration"), True),
        ("P", URIRef(XSD_ + "duration"), False),
        ("PT", URIRef(XSD_ + "duration"), False),
        ("0aFF", URIRef(XSD_ + "hexBinary"), True),
        ("abc", URIRef(XSD_ + "hexBinary"), False),
        ("aGVsbG8=", URIRef(XSD_ + "base64Binary"), True),
        ("aGVsbG8", URIRef(XSD_ + "base64Binary"), False),
        ("en-GB", URIRef(XSD_ + "language"), True),
        ("anything at all", URIRef(XSD_ + "string"), True),
        ("x", URIRef("http://example.org/own-type"), True),
    ],
)
def test_lexical_forms(lexical: str, datatype: URIRef, ok: bool) -> None:
    assert (lexical_problem(lexical, datatype) is None) is ok


def test_a_supplement_to_a_stored_record_is_still_accepted(tmp_path: Path, store_dir: Path) -> None:
    f = tmp_path / "bbc-note.ttl"
    f.write_text(
        PREFIXES + '<https://w3id.org/cokg/id/org/bbc> rdfs:comment "FICTIONAL note" .\n',
        encoding="utf-8",
    )
    rep = ingest([f], by="A", store=store_dir)
    assert rep.triples == 1 and rep.validation.conforms


def test_statements_about_an_unknown_record_are_refused(tmp_path: Path, store_dir: Path) -> None:
    f = tmp_path / "ghost.ttl"
    f.write_text(
        PREFIXES + '<https://w3id.org/cokg/id/org/no-such-org> rdfs:comment "x" .\n',
        encoding="utf-8",
    )
    r = _run("validate", "--store", str(store_dir), str(f))
    assert r.exit_code == 1 and "holds no record cokg knows" in r.output


def test_iter_rdf_streams_and_stops_at_its_triple_limit(tmp_path: Path) -> None:
    from cokg.load import iter_rdf

    f = tmp_path / "places.ttl"
    f.write_text(_places(10), encoding="utf-8")
    assert sum(1 for _ in iter_rdf(f)) == 30
    with pytest.raises(InputError, match="more than 20 triples"):
        list(iter_rdf(f, max_triples=20))


# --- a submission folder's files lie in it -------------------------------------------------------

SECRET = "TOPSECRET-NOT-FOR-THE-STORE"


@pytest.mark.parametrize("kind", ["rdf", "template"])
def test_a_link_out_of_a_submission_folder_is_refused(
    tmp_path: Path, store_dir: Path, kind: str
) -> None:
    """A symbolic link in a submission folder was followed: the file it led to was read (its
    first line quoted in the error) or, valid RDF, stored as the submission's."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.nt"
    secret.write_text(f'<https://w3id.org/cokg/id/x> <http://example.org/p> "{SECRET}" .\n')
    folder = tmp_path / "submission"
    if kind == "rdf":
        folder.mkdir()
        shutil.copy(PLACE_TTL, folder / "place.ttl")
        link = folder / "notes.nt"
    else:
        shutil.copytree(EXAMPLE, folder)
        (folder / "comments.csv").unlink()
        link = folder / "comments.csv"
    link.symlink_to(secret)
    before = list_graphs(store=store_dir)
    runner = CliRunner()
    for args in (["validate", "--no-store", str(folder)],
                 ["ingest", "--by", "t", "--store", str(store_dir), str(folder)]):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert SECRET not in result.output and "Traceback" not in result.output
        (line,) = [x for x in result.output.splitlines() if "symbolic link" in x]
        assert str(link) in line and "outside the folder" in line
    assert list_graphs(store=store_dir) == before


def test_a_link_within_the_folder_and_a_file_named_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "submission"
    (folder / "parts").mkdir(parents=True)
    shutil.copy(PLACE_TTL, folder / "parts" / "place.ttl")
    (folder / "place-link.ttl").symlink_to(folder / "parts" / "place.ttl")
    outside = tmp_path / "elsewhere.ttl"
    shutil.copy(PLACE_TTL, outside)
    linked = tmp_path / "named.ttl"
    linked.symlink_to(outside)  # named on the command line: the user's choice
    for target in (folder, linked):
        result = CliRunner().invoke(cli, ["validate", "--no-store", str(target)])
        assert result.exit_code in (0, 1) and "symbolic link" not in result.output, result.output


def _declared_huge(book: Path, out: Path, *, row: str) -> Path:
    """`book` with its first data sheet declaring the whole sheet (A1:XFD1048576) and holding
    `row` as the last row element."""
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>',
                              data.decode("utf-8"))  # fmt: skip
                text = text.replace("</sheetData>", row + "</sheetData>")
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return out


@pytest.mark.parametrize(
    "row",
    [
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        "".join(f'<row r="{i}"><c r="XFD{i}" s="0"/></row>' for i in range(3, 1500)),
    ],
    ids=["declared-area", "empty-cells-far-right"],
)
@pytest.mark.timeout(180)  # an hour before
def test_a_workbook_declaring_a_huge_sheet_is_read_in_seconds(tmp_path: Path, row: str) -> None:
    """A 60 KB workbook declaring A1:XFD1048576 and holding a cell in its last row ran for
    about an hour a sheet: each row was padded to the declared width."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "README"
    ws = wb.create_sheet("cases")
    ws.append(["case_id", "label"])
    ws.append(["fx-a", "A case"])
    wb.save(tmp_path / "book.xlsx")
    hostile = _declared_huge(tmp_path / "book.xlsx", tmp_path / "hostile.xlsx", row=row)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(hostile)])
    assert time.monotonic() - started < 60
    assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("suffix", [".ttl", ".nt"])
def test_a_term_longer_than_the_parser_reads_is_one_line(tmp_path: Path, suffix: str) -> None:
    # a 17 MB literal: "internal error: MemoryError: Reached the buffer maximal size"
    f = tmp_path / f"long{suffix}"
    f.write_text(f'<https://w3id.org/cokg/id/x> <http://example.org/a> "{"a" * 17_000_000}" .\n')
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(f)])
    assert result.exit_code == 2 and "internal error" not in result.output
    assert f"{f}: a term (a literal or an IRI) longer than the parser reads" in result.output


@pytest.mark.parametrize("option", ["--limit", "--offset"])
def test_a_page_beyond_any_count_names_the_option(option: str) -> None:
    # 10^23 rows came back as the saved query's syntax error ("invalid SPARQL at line 79")
    for args in (["query", "sampling-frame"], ["sparql", "SELECT * { ?s ?p ?o }"]):
        result = CliRunner().invoke(cli, [*args, "--store", "memory:", option, "9" * 23])
        assert (
            result.exit_code == 2 and "must be at most 1,000,000,000,000,000 rows" in result.output
        )
        assert "SPARQL" not in result.output


def _book_with_cases(tmp_path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "README"
    ws = wb.create_sheet("cases")
    ws.append(["case_id", "label"])
    ws.append(["fx-a", "A case"])
    out = tmp_path / "book.xlsx"
    wb.save(out)
    return out


def _rewrite_members(book: Path, out: Path, change: dict[str, object]) -> Path:
    """`book` with members replaced (name -> bytes, or a function of the old bytes), renamed
    (name -> (new name, bytes)) or added."""
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            new = change.pop(info.filename, data)
            name, new = new if isinstance(new, tuple) else (info.filename, new)
            zout.writestr(name, new(data) if callable(new) else new)
        for name, data in change.items():
            zout.writestr(name, data)
    return out


@pytest.mark.parametrize(
    "target",
    [
        'Target="http://127.0.0.1:9/sheet.xml" TargetMode="External"',
        'Target="../../../../../etc/hostname"',
        'Target="file:///etc/hostname"',
        'Target="worksheets/none.xml"',
    ],
    ids=["url", "up-and-out", "file-url", "missing"],
)
def test_a_sheet_leading_out_of_the_workbook_is_refused(tmp_path: Path, target: str) -> None:
    """Nothing was fetched or read, but the sheet was skipped without a word: 91 violations
    about the records it held."""
    book = _book_with_cases(tmp_path)
    rels = "xl/_rels/workbook.xml.rels"

    def retarget(data: bytes) -> bytes:
        return re.sub(rb'Target="/?xl/worksheets/sheet2.xml"|Target="worksheets/sheet2.xml"',
                      target.encode(), data)  # fmt: skip

    assert b"sheet2.xml" in zipfile.ZipFile(book).read(rels)
    bad = _rewrite_members(book, tmp_path / "bad.xlsx", {rels: retarget})
    assert b"sheet2.xml" not in zipfile.ZipFile(bad).read(rels)
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(bad)])
    assert result.exit_code == 2 and "a sheet of the workbook points" in result.output
    assert "Traceback" not in result.output


def test_a_dtd_in_a_sheet_under_another_name_is_named(tmp_path: Path) -> None:
    # defusedxml refused it later: "not a readable .xlsx workbook (ValueError)"
    book = _book_with_cases(tmp_path)
    sheet = zipfile.ZipFile(book).read("xl/worksheets/sheet2.xml").decode("utf-8")
    doctype = '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    head, sep, rest = sheet.partition("?>")  # after the XML declaration, if there is one
    hostile = (head + sep + doctype + rest if sep else doctype + sheet).encode("utf-8")
    assert b"<!DOCTYPE" in hostile
    bad = _rewrite_members(book, tmp_path / "bad.xlsx", {
        "xl/worksheets/sheet2.xml": ("xl/worksheets/sheet2.bin", hostile),
        "xl/_rels/workbook.xml.rels": lambda d: d.replace(b"sheet2.xml", b"sheet2.bin"),
    })  # fmt: skip
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(bad)])
    assert result.exit_code == 2 and "xl/worksheets/sheet2.bin" in result.output, result.output
    assert "DTD" in result.output or "entit" in result.output


@pytest.mark.parametrize("suffix", [".ods", ".xls", ".xlsm"])
def test_a_spreadsheet_format_cokg_does_not_read_says_so(tmp_path: Path, suffix: str) -> None:
    # "unknown RDF file type '.ods'; use one of .ttl, .trig, ..." never named .xlsx or CSV
    f = tmp_path / f"book{suffix}"
    f.write_bytes(b"PK\x03\x04")
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(f)])
    assert result.exit_code == 2 and "cokg does not read: save it as an .xlsx workbook" in (
        result.output
    )


@pytest.mark.parametrize("name", ["more-findings.xlsx", "sheet.csv", "old.ods"])
def test_a_spreadsheet_in_a_folder_of_rdf_files_is_refused(tmp_path: Path, name: str) -> None:
    # the RDF files were read and the workbook beside them left out without a word
    folder = tmp_path / "submission"
    folder.mkdir()
    shutil.copy(PLACE_TTL, folder / "place.ttl")
    (folder / name).write_bytes(b"x")
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(folder)])
    assert result.exit_code == 2 and f"{name}: a spreadsheet in a folder of RDF files" in (
        result.output
    )


def test_a_linked_folder_out_of_a_submission_folder_is_refused(tmp_path: Path) -> None:
    # a linked folder was skipped without a word (a linked file was refused)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(PLACE_TTL, outside / "more.ttl")
    folder = tmp_path / "submission"
    folder.mkdir()
    shutil.copy(PLACE_TTL, folder / "place.ttl")
    (folder / "more").symlink_to(outside, target_is_directory=True)
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(folder)])
    assert result.exit_code == 2 and "symbolic link" in result.output and "more" in result.output


@pytest.mark.parametrize("kind", ["dangling", "loop"])
def test_a_link_that_leads_nowhere_is_refused_not_passed_over(tmp_path: Path, kind: str) -> None:
    # a dangling or looping x.ttl was skipped: "1 file ... conforms", one file short
    folder = tmp_path / "submission"
    folder.mkdir()
    shutil.copy(PLACE_TTL, folder / "place.ttl")
    link = folder / "more.ttl"
    link.symlink_to(tmp_path / "gone.ttl" if kind == "dangling" else link)
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(folder)])
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.output.splitlines() if "symbolic link" in x]
    assert str(link) in line and "leads nowhere" in line


def test_a_linked_folder_in_a_hidden_folder_is_passed_over_like_its_files(
    tmp_path: Path,
) -> None:
    # a link in .git leading out refused the whole submission; hidden folders are not read
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "submission"
    (folder / ".git").mkdir(parents=True)
    shutil.copy(PLACE_TTL, folder / "place.ttl")
    (folder / ".git" / "objects").symlink_to(outside, target_is_directory=True)
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(folder)])
    assert result.exit_code in (0, 1) and "symbolic link" not in result.output, result.output


class _CellCount:
    """Counts the cells openpyxl hands over as rows of a workbook are read, and stops the read
    past `limit`: the work a hostile workbook causes, measured without a clock."""

    def __init__(self, monkeypatch, limit: int) -> None:
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet

        self.cells, self.limit = 0, limit
        original = ReadOnlyWorksheet._get_row

        def counted(ws, row, *args, **kwargs):
            out = original(ws, row, *args, **kwargs)
            self.cells += len(out)
            assert self.cells <= self.limit, f"more than {self.limit} cells read"
            return out

        monkeypatch.setattr(ReadOnlyWorksheet, "_get_row", counted)


def _small_cases_book(tmp: Path, label: str = "A case") -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "README"
    ws = wb.create_sheet("cases")
    ws.append(["case_id", "label"])
    ws.append(["fx-a", label])
    wb.save(tmp / "book.xlsx")
    return tmp / "book.xlsx"


def test_a_formula_in_a_workbook_declaring_a_huge_sheet_is_read_boundedly(
    tmp_path: Path, monkeypatch
) -> None:
    """With one formula in it, a 5 KB workbook declaring A1:XFD1048576 (a cell in its last
    row) ran for more than 90 seconds: the formulas were read in a second pass that padded
    every row to the declared width. The formula is found by the pre-scan, and the rows are
    read once, as stored."""
    from cokg.template import read_template

    book = _small_cases_book(tmp_path, label='=UPPER("a case")')
    last = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    hostile = _declared_huge(book, tmp_path / "hostile.xlsx", row=last)
    count = _CellCount(monkeypatch, limit=1_000)
    problems = read_template(hostile).problems
    assert count.cells < 20
    assert [(p.row, p.column) for p in problems if "formula" in p.message] == [(2, "label")]


def test_an_empty_unknown_sheet_storing_far_right_cells_is_passed_over_boundedly(
    tmp_path: Path, monkeypatch
) -> None:
    """An extra sheet of 20,000 rows, each storing one empty cell in column XFD, took half a
    minute to be found empty (each row read padded to 16,384 cells), uncounted against the
    workbook's cell limit. Whether a sheet holds anything is told by the pre-scan."""
    from cokg.template import read_template

    book = _small_cases_book(tmp_path)
    empty = "".join(f'<row r="{i}"><c r="XFD{i}" s="0"/></row>' for i in range(1, 20_001))
    out = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":  # README: made an unknown sheet
                data = re.sub(rb"<sheetData\s*/>|<sheetData>.*</sheetData>",
                              f"<sheetData>{empty}</sheetData>".encode(), data)  # fmt: skip
            if info.filename == "xl/workbook.xml":
                data = data.replace(b'name="README"', b'name="Sheet1"')
            zout.writestr(info, data)
    count = _CellCount(monkeypatch, limit=1_000)
    conv = read_template(out)
    assert count.cells < 20
    assert list(conv.graph.subjects()) and not [p for p in conv.problems if p.severity != "warning"]
    # the same sheet with a value in it is still refused, naming it
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(tmp_path / "filled.xlsx", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                filled = b'<c r="XFD20000" t="inlineStr"><is><t>x</t></is></c>'
                data = data.replace(b'<c r="XFD20000" s="0"/>', filled)
            zout.writestr(info, data)
    with pytest.raises(InputError, match="unknown sheet 'Sheet1'"):
        read_template(tmp_path / "filled.xlsx")
