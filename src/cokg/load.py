"""The one way user RDF files get into cokg: strict, offline, refusing hostile input.
One job, over 600 lines because each hostile-input guard is spelled out.

Every file goes through pyoxigraph's parser, which rejects everything the W3C syntax suites
call invalid and reports the line and column. Around it this module refuses what a parser
should never see:

- binary files (ZIP/Office documents, PDF, gzip, files with NUL bytes) and text that is not
  UTF-8, naming the byte offset;
- XML document type declarations and entities (`<!DOCTYPE`, `<!ENTITY`), refused before any
  parser runs: this stops "billion laughs" expansion and external-entity file reads;
- XML nested deeper than `COKG_MAX_XML_DEPTH` elements (default 256), found by a streaming
  expat pre-scan: the RDF/XML parser's time grows with the square of the depth;
- JSON-LD contexts that would be fetched (a remote or relative `@context` or `@import`); the
  project's own context, https://w3id.org/cokg/context.jsonld, is read from the package;
- `owl:imports` in user data is never followed; it is reported as a warning.

Literal text is normalised to Unicode NFC: "José" typed as NFD (e + combining accent, as some
macOS tools write it) and as NFC are different strings to every RDF store, so a verbatim
quotation would silently fail to match. IRIs are left exactly as written (they are identifiers).
"""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from cokg import paths
from cokg.errors import CokgError, InputError, NetworkRefused, ParameterError
from cokg.models import LoadWarning, RdfDocument
from cokg.namespaces import OWL, graph_iri

# Extension -> (format name used in messages and RdfDocument.format, pyoxigraph format)
_FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    ".ttl": ("turtle", ox.RdfFormat.TURTLE),
    ".trig": ("trig", ox.RdfFormat.TRIG),
    ".nt": ("n-triples", ox.RdfFormat.N_TRIPLES),
    ".nq": ("n-quads", ox.RdfFormat.N_QUADS),
    ".jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
    ".json": ("json-ld", ox.RdfFormat.JSON_LD),
    ".rdf": ("rdf-xml", ox.RdfFormat.RDF_XML),
    ".owl": ("rdf-xml", ox.RdfFormat.RDF_XML),
    ".xml": ("rdf-xml", ox.RdfFormat.RDF_XML),
}
RDF_EXTENSIONS: tuple[str, ...] = tuple(_FORMATS)

# The project's own JSON-LD context: referenced by this IRI, read from the package.
CONTEXT_IRI = "https://w3id.org/cokg/context.jsonld"
CONTEXT_FILE = paths.PACKAGE_DIR / "context.jsonld"

# Magic numbers of files people drop into a data folder by mistake.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "looks like a ZIP/Office document (.docx, .xlsx, .zip)"),
    (b"PK\x05\x06", "looks like an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "looks like an old Office document (.doc, .xls)"),
    (b"%PDF", "looks like a PDF document"),
    (b"\x1f\x8b", "looks like a gzip-compressed file"),
    (b"BZh", "looks like a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "looks like an xz-compressed file"),
    (b"\x89PNG", "looks like a PNG image"),
    (b"\xff\xd8\xff", "looks like a JPEG image"),
    (b"\xff\xfe", "looks like UTF-16 text; save it as UTF-8"),
    (b"\xfe\xff", "looks like UTF-16 text; save it as UTF-8"),
)
_UTF8_BOM = b"\xef\xbb\xbf"
# A DTD anywhere in an XML file: refused outright rather than parsed with limits.
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_ENCODING_RE = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")

OWL_IMPORTS = ox.NamedNode(str(OWL.imports))


# Spreadsheets saved in a format the template reader does not take (it reads .xlsx, and CSV
# folders): said as such, not as an unknown RDF file type.
_OTHER_SPREADSHEETS = {
    ".ods": "LibreOffice/OpenDocument spreadsheet",
    ".xls": "workbook in the old Excel 97-2003 format",
    ".xlsm": "macro-enabled workbook",
    ".xlsb": "binary Excel workbook",
    ".numbers": "Numbers spreadsheet",
}


def detect_format(path: str | Path) -> str:
    """The RDF format of a file from its extension: "turtle", "trig", "n-triples", "n-quads",
    "json-ld" or "rdf-xml". Raises InputError for anything else."""
    ext = Path(path).suffix.lower()
    if ext in _OTHER_SPREADSHEETS:
        raise InputError(
            f"a {_OTHER_SPREADSHEETS[ext]} cokg does not read: save it as an .xlsx workbook "
            "(Excel Workbook), or as a folder of CSV UTF-8 files, one per sheet",
            file=path,
        )
    if ext not in _FORMATS:
        known = ", ".join(RDF_EXTENSIONS)
        raise InputError(
            f"unknown RDF file type {ext or '(no extension)'!r}; use one of {known}", file=path
        )
    return _FORMATS[ext][0]


def read_rdf(path: str | Path, *, base_iri: str | None = None) -> RdfDocument:
    """Parse one RDF file strictly and offline.

    Returns an RdfDocument (iterable over its pyoxigraph quads). Raises InputError (with the
    line where the parser gives one) for anything unusable and NetworkRefused for input that
    would need a fetch. Relative IRIs are an error unless `base_iri` is given: an IRI that
    depends on where a file happened to sit on someone's disk is not an identifier.
    """
    path = Path(path)
    fmt = detect_format(path)
    return parse_bytes(_read_bytes(path), fmt, file=path, base_iri=base_iri)


def iter_rdf(
    path: str | Path,
    *,
    base_iri: str | None = None,
    max_triples: int | None = None,
    warnings: list[LoadWarning] | None = None,
) -> Iterator[ox.Quad]:
    """Like read_rdf, but yields the quads as the parser produces them, so a big file is never
    held as a list. Refuses the file (InputError) once it yields more than `max_triples`.
    `owl:imports` warnings are appended to `warnings`. The checks before parsing (binary,
    UTF-8, DTD, XML depth, JSON-LD contexts) run before the first quad is yielded."""
    path = Path(path)
    fmt = detect_format(path)
    return _parse(_read_bytes(path), fmt, path, base_iri, max_triples, warnings)


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise InputError("is a folder, not a file (use read_rdf_dir)", file=path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None


def parse_bytes(
    data: bytes, fmt: str, *, file: str | Path = "<input>", base_iri: str | None = None
) -> RdfDocument:
    """Like read_rdf for bytes already in memory; `fmt` as returned by detect_format."""
    warnings: list[LoadWarning] = []
    quads = list(_parse(data, fmt, file, base_iri, None, warnings))
    return RdfDocument(path=Path(file), format=fmt, quads=quads, warnings=tuple(warnings))


def _parse(
    data: bytes,
    fmt: str,
    file: str | Path,
    base_iri: str | None,
    max_triples: int | None,
    warnings: list[LoadWarning] | None,
) -> Iterator[ox.Quad]:
    """Screen, then parse lazily. Not a generator itself: the screens run at call time."""
    text = _check_bytes(data, file)
    if data.startswith(_UTF8_BOM):  # harmless, but pyoxigraph and json refuse it
        data, text = data[len(_UTF8_BOM) :], text[1:]
    ox_format = {name: f for name, f in _FORMATS.values()}[fmt]
    if fmt == "rdf-xml":
        _check_xml(data, file)
    elif fmt == "json-ld":
        data = _safe_jsonld(text, file)
    # Fast path: NFC text without escapes (\u..., &#...) cannot yield a non-NFC literal.
    nfc = not unicodedata.is_normalized("NFC", text) or any(e in text for e in ("\\u", "\\U", "&#"))
    del text  # a second copy of a big file is not kept while parsing
    return _quads(data, fmt, ox_format, file, base_iri, max_triples, warnings, nfc)


def _quads(
    data: bytes,
    fmt: str,
    ox_format: ox.RdfFormat,
    file: str | Path,
    base_iri: str | None,
    max_triples: int | None,
    warnings: list[LoadWarning] | None,
    nfc: bool,
) -> Iterator[ox.Quad]:
    n = 0
    try:
        for q in ox.parse(input=data, format=ox_format, base_iri=base_iri, rename_blank_nodes=True):
            n += 1
            if max_triples is not None and n > max_triples:
                raise InputError(
                    f"more than {max_triples:,} triples; split the submission (one case per "
                    f"file) or raise {ENV_MAX_TRIPLES}",
                    file=file,
                )
            if nfc:
                q = _nfc(q)
            if q.predicate == OWL_IMPORTS and warnings is not None:
                warnings.append(
                    LoadWarning(
                        str(file),
                        f"owl:imports {q.object.value} is not followed (imports in data are "
                        "never fetched)",
                    )
                )
            yield q
    except SyntaxError as exc:
        raise _syntax_error(exc, data, fmt, file) from None
    except (ValueError, OSError) as exc:  # pyoxigraph: unsupported option, I/O problem
        raise InputError(f"cannot parse as {fmt}: {exc}", file=file) from None
    except MemoryError as exc:
        if "buffer maximal size" not in str(exc):
            raise
        # pyoxigraph's parsers hold one token at most 16 MB long
        raise InputError(
            f"a term (a literal or an IRI) longer than the parser reads ({exc}); a text that "
            "long belongs in a file of its own, referred to by the record",
            file=file,
        ) from None


def read_rdf_dir(items: Iterable[str | Path], *, base_iri: str | None = None) -> list[RdfDocument]:
    """Read files and folders: a folder contributes every RDF file below it (sorted; hidden
    files and unknown extensions skipped). A folder without RDF files is an InputError."""
    docs: list[RdfDocument] = []
    for item in items:
        for file in expand_paths([item]):
            docs.append(read_rdf(file, base_iri=base_iri))
    return docs


def check_inside(folder: Path, files: Iterable[Path]) -> None:
    """Refuse a file of a submission folder that a symbolic link leads out of the folder: a
    folder's files are read (and quoted in messages, and stored) as the submission's, so a
    link to `~/.ssh/...` or another project's data would send them into the store. A file
    named on the command line is the user's to choose; one found in a folder is not."""
    root = folder.resolve()
    for f in files:
        target = f.resolve()
        if not target.is_relative_to(root):
            raise InputError(
                f"a symbolic link to {target}, outside the folder: a submission folder's "
                "files are read from the folder only; copy the file in, or name it on its own",
                file=f,
            )


def expand_paths(items: Iterable[str | Path]) -> list[Path]:
    """Files named directly are kept (whatever their extension, so read_rdf can say why it
    refuses one); folders are expanded to the RDF files below them, which must lie in them
    (`check_inside`)."""
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in _FORMATS
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            check_inside(p, found)
            # a linked folder is not followed by the walk: one leading out is refused too
            # (hidden folders, .git among them, are passed over as their files are)
            check_inside(
                p,
                [
                    d
                    for d in p.rglob("*")
                    if d.is_symlink()
                    and d.is_dir()
                    and not any(part.startswith(".") for part in d.relative_to(p).parts)
                ],
            )
            broken = sorted(
                f
                for f in p.rglob("*")
                if f.is_symlink()
                and not f.exists()
                and f.suffix.lower() in _FORMATS
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if broken:  # passed over, a file of the submission went missing without a word
                raise InputError(
                    "a symbolic link that leads nowhere (its target is gone, or it loops): "
                    "copy the file in, or remove the link",
                    file=broken[0],
                )
            sheets = sorted(
                f
                for f in p.rglob("*")
                if f.suffix.lower() in (".xlsx", ".csv", *_OTHER_SPREADSHEETS)
                and not any(part.startswith((".", "~$")) for part in f.relative_to(p).parts)
            )
            if found and sheets:  # read as RDF alone, the sheet's rows would be left out
                raise InputError(
                    "a spreadsheet in a folder of RDF files, which is not read with them: give "
                    "the workbook (or the folder of template CSV files) on its own, beside the "
                    "folder",
                    file=sheets[0],
                )
            if not found:
                books = sorted(f.name for f in p.glob("*.xlsx") if not f.name.startswith("~$"))
                if books:  # a folder is read as CSV sheets or RDF files, a workbook by name
                    raise InputError(
                        f"no RDF files or template CSV sheets in folder; it holds the workbook "
                        f"{books[0]}: give the workbook itself ({p / books[0]})",
                        file=p,
                    )
                raise InputError("no RDF files in folder", file=p)
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise InputError("no such file or folder", file=p)
    return out


# --- limits on what a submission may be ------------------------------------------------------

ENV_MAX_MB = "COKG_MAX_SUBMISSION_MB"
ENV_MAX_TRIPLES = "COKG_MAX_SUBMISSION_TRIPLES"
ENV_MAX_XML_DEPTH = "COKG_MAX_XML_DEPTH"
DEFAULT_MAX_MB = 64
DEFAULT_MAX_TRIPLES = 500_000
DEFAULT_MAX_XML_DEPTH = 256


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise ParameterError(f"{name}={raw!r} must be at least 1")
    return value


def max_submission_bytes() -> int:
    """Largest file, and largest submission, cokg reads: COKG_MAX_SUBMISSION_MB (default 64)."""
    return _env_int(ENV_MAX_MB, DEFAULT_MAX_MB) * 2**20


def max_submission_triples() -> int:
    """Most triples a submission may hold: COKG_MAX_SUBMISSION_TRIPLES (default 500,000)."""
    return _env_int(ENV_MAX_TRIPLES, DEFAULT_MAX_TRIPLES)


def max_xml_depth() -> int:
    """Deepest element nesting accepted in XML input: COKG_MAX_XML_DEPTH (default 256)."""
    return _env_int(ENV_MAX_XML_DEPTH, DEFAULT_MAX_XML_DEPTH)


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def check_sizes(files: Sequence[str | Path]) -> int:
    """Refuse, from the file sizes alone (nothing is read), a file or a set of files larger
    than max_submission_bytes(). Returns the total size in bytes."""
    limit = max_submission_bytes()
    total = 0
    for f in files:
        try:
            size = Path(f).stat().st_size
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", file=f) from None
        if size > limit:
            raise InputError(
                f"file is {_mb(size)}, over the {_mb(limit)} limit for a submission; split it "
                f"(one case per file) or raise {ENV_MAX_MB}",
                file=f,
            )
        total += size
    if total > limit:
        raise InputError(
            f"{len(files)} files of {_mb(total)} in all, over the {_mb(limit)} limit for a "
            f"submission; ingest them as several submissions (one case each) or raise "
            f"{ENV_MAX_MB}",
            file=", ".join(Path(f).name for f in files[:3]) + (", ..." if len(files) > 3 else ""),
        )
    return total


# --- the project's own ontology ------------------------------------------------------------


def read_catalog(catalog: Path | None = None) -> dict[str, Path]:
    """The OASIS XML catalog (catalog-v001.xml, as Protégé writes it): imported IRI -> local file.

    Parsed with a DTD refused up front, so no entity is ever expanded or fetched."""
    catalog = catalog or paths.CATALOG
    try:
        raw = catalog.read_bytes()
    except OSError:
        raise InputError("ontology catalog not found", file=catalog) from None
    if _DTD_RE.search(raw):
        raise InputError("DTDs/entities are not allowed in the catalog", file=catalog)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise InputError(
            f"not well-formed XML: {exc}", file=catalog, line=exc.position[0]
        ) from None
    mapping: dict[str, Path] = {}
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "uri" and el.get("name") and el.get("uri"):
            target = (catalog.parent / el.get("uri", "")).resolve()
            mapping[el.get("name", "")] = target
    return mapping


@functools.lru_cache(maxsize=256)
def _imports_of(f: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    """The owl:imports a file declares, parsed once per version of the file: every reading
    command asks which files the store is built from (10 ms of parsing per command)."""
    return tuple(q.object.value for q in read_rdf(f).quads if q.predicate == OWL_IMPORTS)


def ontology_files(*, include_frameworks: bool = True) -> list[tuple[str, Path]]:
    """(named-graph IRI, file) for the umbrella ontology, its owl:imports closure resolved
    through the catalog only, and (optionally) every framework file."""
    if not paths.UMBRELLA.is_file():
        raise InputError("ontology not found", file=paths.UMBRELLA)
    catalog = read_catalog() if paths.CATALOG.exists() else {}
    files: list[tuple[str, Path]] = []
    seen: set[Path] = set()
    todo: list[Path] = [paths.UMBRELLA.resolve()]
    while todo:
        f = todo.pop(0)
        if f in seen:
            continue
        seen.add(f)
        files.append((_graph_for(f), f))
        st = f.stat()
        for target in _imports_of(f, st.st_mtime_ns, st.st_size):
            if target not in catalog:
                raise InputError(
                    f"import {target} is not in the catalog ({paths.CATALOG.name}); "
                    "imports are never fetched",
                    file=f,
                )
            if not catalog[target].is_file():
                raise InputError(f"catalog maps {target} to a missing file", file=catalog[target])
            todo.append(catalog[target])
    if include_frameworks and paths.FRAMEWORKS_DIR.is_dir():
        for f in sorted(paths.FRAMEWORKS_DIR.glob("*")):
            if f.suffix.lower() in _FORMATS and f.resolve() not in seen:
                seen.add(f.resolve())
                files.append((_graph_for(f.resolve()), f.resolve()))
    return files


def data_files() -> list[tuple[str, Path]]:
    """(named-graph IRI, file) for every RDF file under data/ (graph = graph/<file stem>)."""
    if not paths.DATA_DIR.is_dir():
        return []
    return [(graph_iri(f.stem), f) for f in expand_paths([paths.DATA_DIR])]


def load_ontology(*, include_frameworks: bool = True, include_data: bool = False) -> ox.Store:
    """An in-memory store holding the ontology (+ frameworks, + data), each file in its own
    named graph: graph/ontology/<module>, graph/framework/<stem>, graph/<data file stem>."""
    files = ontology_files(include_frameworks=include_frameworks)
    if include_data:
        files += data_files()
    store = ox.Store()
    for g, f in files:
        node = ox.NamedNode(g)
        store.extend(ox.Quad(q.subject, q.predicate, q.object, node) for q in read_rdf(f).quads)
    return store


load_ontology_dataset = load_ontology  # the name used in the contract


def _graph_for(f: Path) -> str:
    f = f.resolve()
    if f.is_relative_to(paths.FRAMEWORKS_DIR.resolve()):
        return graph_iri(f"framework/{f.stem}")
    if f.is_relative_to(paths.ONTOLOGY_DIR.resolve()):
        return graph_iri(f"ontology/{f.stem}")
    return graph_iri(f.stem)


# --- checks around the parser --------------------------------------------------------------


def _check_bytes(data: bytes, file: str | Path) -> str:
    """Refuse empty, binary and non-UTF-8 input; return the decoded text.

    A NUL byte alone does not mark a file as binary: Turtle allows it inside literals (the W3C
    suite has such files). Random binary data is caught by the UTF-8 check or the parser."""
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            raise InputError(f"not an RDF file: {what}", file=file)
    if not data.strip():
        raise InputError("empty file", file=file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "(save the file as UTF-8)",
            file=file,
            line=line,
        ) from None
    if not text.strip("\ufeff \t\r\n"):
        raise InputError("empty file", file=file)
    return text


def _check_xml(data: bytes, file: str | Path) -> None:
    """Refuse XML that could expand entities or hide markup from the DTD screen."""
    dtd = _DTD_RE.search(data)
    if dtd:
        raise InputError(
            "XML document type declarations and entities (<!DOCTYPE>, <!ENTITY>) are not "
            "allowed in RDF/XML input",
            file=file,
            line=data[: dtd.start()].count(b"\n") + 1,
        )
    # XML forbids NUL; a NUL here means UTF-16/32 text, where the screen above sees nothing.
    if b"\x00" in data:
        raise InputError("not UTF-8 XML (NUL bytes: UTF-16?); save the file as UTF-8", file=file)
    decl = _XML_ENCODING_RE.match(data)
    if decl and decl.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        raise InputError(
            f"XML declares encoding {decl.group(1).decode('ascii', 'replace')!r}; only UTF-8 "
            "is accepted",
            file=file,
            line=1,
        )
    # A well-formedness error is left to the RDF/XML parser, which reports it in its words.
    scan_xml([data], file, errors="ignore")


class XmlWatcher(Protocol):
    """Told what scan_xml parses: element names as "namespace-URI local-name" (a prefix, any
    prefix, is resolved), attributes as the element gives them, text between tags."""

    def start(self, name: str, attrs: dict[str, str]) -> None: ...
    def end(self, name: str) -> None: ...
    def text(self, data: str) -> None: ...


def scan_xml(
    chunks: Iterable[bytes],
    file: str | Path,
    *,
    member: str | None = None,
    errors: str = "raise",
    watch: XmlWatcher | None = None,
) -> None:
    """Stream XML through expat (no DTD processing, no entity expansion) and refuse, before any
    other parser sees it, a document type declaration or entity and nesting deeper than
    max_xml_depth(). `member` names the part of a ZIP container (an .xlsx) the chunks come
    from. With errors="ignore" an XML syntax error ends the scan silently. `watch` is told
    each element (namespaces resolved) in the same pass: a DTD is refused as soon as it
    starts, before any element is reported, so no entity is ever expanded for it."""
    limit = max_xml_depth()
    parser = (
        xml.parsers.expat.ParserCreate()
        if watch is None
        else xml.parsers.expat.ParserCreate(namespace_separator=" ")
    )
    depth = 0

    def error(message: str, line: int) -> InputError:
        if member:  # the line is the member's, not the container's
            return InputError(f"member {member}, line {line}: {message}", file=file)
        return InputError(message, file=file, line=line)

    def refuse(message: str) -> None:
        raise error(message, parser.CurrentLineNumber)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > limit:
            refuse(
                f"XML nested more than {limit} elements deep; flatten the file or raise "
                f"{ENV_MAX_XML_DEPTH}"
            )
        if watch is not None:
            watch.start(name, attrs)

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        if watch is not None:
            watch.end(name)

    def dtd(*_args: object) -> None:
        refuse(
            "XML document type declarations and entities (<!DOCTYPE>, <!ENTITY>) are not allowed"
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = dtd
    parser.EntityDeclHandler = dtd
    parser.ExternalEntityRefHandler = dtd  # type: ignore[assignment]
    if watch is not None:
        parser.buffer_text = True  # one call per text run, not one per line or entity
        parser.CharacterDataHandler = watch.text
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        if errors == "ignore":
            return
        raise error(
            f"not well-formed XML at column {exc.offset + 1}: "
            f"{xml.parsers.expat.errors.messages[exc.code]}",
            exc.lineno,
        ) from None


def _syntax_error(exc: SyntaxError, data: bytes, fmt: str, file: str | Path) -> InputError:
    msg = exc.args[0] if exc.args else str(exc)
    line = getattr(exc, "lineno", None)
    msg = re.sub(r"^Parser error at line \d+ (between columns \d+ and \d+|column \d+): ", "", msg)
    col = getattr(exc, "offset", None)
    if line is None and fmt == "rdf-xml":
        line, col = _xml_position(data)
    if "No scheme found" in msg:
        msg += " (a relative IRI: write IRIs in full or declare a base)"
    if "LoadDocumentCallback" in msg:  # pyoxigraph wanted to fetch a context; we screen first
        return NetworkRefused("JSON-LD remote context refused", file=file)
    where = f" at column {col}" if line is not None and col else ""
    return InputError(f"invalid {fmt}{where}: {msg}", file=file, line=line)


def _xml_position(data: bytes) -> tuple[int | None, int | None]:
    """Line/column of an XML well-formedness error (pyoxigraph's RDF/XML errors carry none).
    Safe: a DTD has been refused before this runs."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as err:
        return err.lineno, err.offset + 1
    return None, None


def _nfc(q: ox.Quad) -> ox.Quad:
    o = q.object
    if isinstance(o, ox.Literal) and not unicodedata.is_normalized("NFC", o.value):
        value = unicodedata.normalize("NFC", o.value)
        lit = (
            ox.Literal(value, language=o.language)
            if o.language
            else ox.Literal(value, datatype=o.datatype)
        )
        return ox.Quad(q.subject, q.predicate, lit, q.graph_name)
    return q


# --- JSON-LD contexts: never fetched -------------------------------------------------------


def _safe_jsonld(text: str, file: str | Path) -> bytes:
    """Refuse contexts that would be fetched; inline the project's own context.
    Returns the bytes to parse (the original bytes when nothing was substituted)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        for k in ("@context", "@import"):
            if keys.count(k) > 1:
                raise InputError(f"duplicate {k} key in one JSON object", file=file)
        return dict(items)

    if "\\u" in text:
        _check_surrogates(text, file)
    try:
        doc = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at column {exc.colno}: {exc.msg}", file=file, line=exc.lineno
        ) from None
    except RecursionError:
        raise InputError("unusable JSON: nested too deeply", file=file) from None
    except ValueError as exc:  # e.g. an integer with more than 4300 digits
        raise InputError(f"unusable JSON: {exc}", file=file) from None
    changed = [False]
    try:
        doc = _walk_contexts(doc, file, changed)
        _check_ids(doc, text, file)
    except RecursionError:
        raise InputError("unusable JSON: nested too deeply", file=file) from None
    if not changed[0]:
        return text.encode("utf-8")
    try:
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a surrogate the escape scan missed: still one clear line
        raise InputError(
            "unusable JSON: a string holds a lone UTF-16 surrogate", file=file
        ) from None


# What no IRI may hold (RFC 3987; Turtle's IRIREF): a JSON-LD processor drops a node or a
# value whose @id holds one, silently, where Turtle refuses the file.
NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _check_ids(node: Any, text: str, file: str | Path) -> None:
    """Refuse an @id that cannot be an IRI (a space in it, say), naming it and its line,
    rather than let the JSON-LD processor drop that record or link without a word."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))  # in document order: the first bad @id is named
        elif isinstance(item, dict):
            later = []
            for key, value in item.items():
                if key == "@context":
                    continue
                if key == "@id" and isinstance(value, str) and NOT_IN_IRI.search(value):
                    bad = NOT_IN_IRI.search(value).group()  # type: ignore[union-attr]
                    at = text.find(json.dumps(value, ensure_ascii=False)[1:-1])
                    raise InputError(
                        f"@id {value!r} cannot be an IRI ({bad!r} may not appear in one): "
                        "percent-encode it (a space is %20) or correct the IRI",
                        file=file,
                        line=text.count("\n", 0, at) + 1 if at >= 0 else None,
                    )
                later.append(value)
            stack.extend(reversed(later))


# A \uD800-\uDFFF escape not preceded by an odd number of backslashes.
_SURROGATE_ESCAPE_RE = re.compile(
    r"(?<!\\)(?:\\\\)*\\u([dD][89abAB][0-9a-fA-F]{2}|[dD][c-fC-F][0-9a-fA-F]{2})"
)


def _check_surrogates(text: str, file: str | Path) -> None:
    """Refuse a JSON string escape that is half of a UTF-16 pair ("\\ud800" alone): Python
    decodes it to a character no UTF-8 text can hold, and the RDF parser fails obscurely."""
    pending: re.Match[str] | None = None  # a high surrogate waiting for its low half
    lone: re.Match[str] | None = None
    for m in _SURROGATE_ESCAPE_RE.finditer(text):
        high = m.group(1)[1].lower() in "89ab"
        if pending is not None:
            if not high and m.start() == pending.end():
                pending = None
                continue
            lone = pending
            break
        if not high:
            lone = m
            break
        pending = m
    lone = lone or pending
    if lone is None:
        return
    at = lone.end() - 6  # the backslash of the escape
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    raise InputError(
        f"invalid JSON string at column {col}: \\u{lone.group(1)} is half of a UTF-16 "
        "surrogate pair, not a character; remove it or write the whole character",
        file=file,
        line=line,
    )


def _walk_contexts(node: Any, file: str | Path, changed: list[bool]) -> Any:
    if isinstance(node, list):
        return [_walk_contexts(x, file, changed) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _context_value(value, file, changed)
        else:
            out[key] = _walk_contexts(value, file, changed)
    return out


def _context_value(value: Any, file: str | Path, changed: list[bool]) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if value == CONTEXT_IRI:
            changed[0] = True
            return bundled_context()
        raise NetworkRefused(
            f"JSON-LD @context {value!r} would be fetched; only inline contexts and "
            f"{CONTEXT_IRI} (bundled) are allowed",
            file=file,
        )
    if isinstance(value, list):
        return [_context_value(v, file, changed) for v in value]
    if isinstance(value, dict):
        ctx = dict(value)
        imp = ctx.pop("@import", None)
        if imp is not None:
            if imp != CONTEXT_IRI:
                raise NetworkRefused(
                    f"JSON-LD @import {imp!r} would be fetched; only {CONTEXT_IRI} is allowed",
                    file=file,
                )
            changed[0] = True
            ctx = {**bundled_context(), **ctx}
        # term definitions may carry scoped contexts of their own
        return {k: _walk_contexts(v, file, changed) for k, v in ctx.items()}
    raise InputError(f"invalid JSON-LD @context value of type {type(value).__name__}", file=file)


def bundled_context() -> dict[str, Any]:
    """The `@context` object of the project's JSON-LD context file."""
    try:
        ctx = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CokgError(f"bundled JSON-LD context unreadable: {exc}", file=CONTEXT_FILE) from None
    inner = ctx.get("@context", ctx) if isinstance(ctx, dict) else ctx
    if not isinstance(inner, dict) or "@import" in inner:
        raise CokgError("bundled JSON-LD context must be one inline object", file=CONTEXT_FILE)
    return inner


def quads_of(docs: Sequence[RdfDocument]) -> list[ox.Quad]:
    """All quads of several documents, in order."""
    return [q for d in docs for q in d.quads]


__all__ = [
    "CONTEXT_IRI",
    "RDF_EXTENSIONS",
    "RdfDocument",
    "XmlWatcher",
    "bundled_context",
    "check_sizes",
    "data_files",
    "detect_format",
    "expand_paths",
    "iter_rdf",
    "load_ontology",
    "load_ontology_dataset",
    "max_submission_bytes",
    "max_submission_triples",
    "max_xml_depth",
    "ontology_files",
    "parse_bytes",
    "quads_of",
    "read_catalog",
    "read_rdf",
    "read_rdf_dir",
    "scan_xml",
]
