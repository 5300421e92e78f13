"""The knowledge graph as a depositable package: an RO-Crate 1.1 folder or ZIP, written by cokg
and checked and read back by cokg offline.

    >>> export_rocrate(store, Path("cokg-crate"))                       # doctest: +SKIP
    >>> check_rocrate(Path("cokg-crate"))                               # doctest: +SKIP
    []
    >>> files = read_rocrate(Path("cokg-crate"))                        # doctest: +SKIP

What the crate holds, each file described in ro-crate-metadata.json with its SHA-256,
encodingFormat and contentSize:

- graph.nq and graph.jsonld: every named graph of the store, as N-Quads and as JSON-LD
  compacted with cokg's own context;
- void.ttl: the VoID/DCAT description of the graph (`cokg.linking.void`);
- ontology/, shapes/, queries/: the project's files as they are (the ontology modules and the
  framework schemes, the SHACL shapes, the saved queries and their catalogue), among them the
  external alignment to BCIO (ontology/frameworks/bcio-alignment.sssom.tsv), which cokg ships
  and does not store;
- mappings/framework-mappings.sssom.tsv: the framework mappings the store holds, as SSSOM/TSV.

The full texts of coded sources (cokg:fullText, stored by a REFI-QDA import when the steward
asks) may not be shareable: they are left out of graph.nq and graph.jsonld always, and written
to restricted/<SHA-256 of the text>.txt, each file flagged with conditionsOfAccess, only when
`include_text=True` (the root dataset is flagged too).

The metadata file names the RO-Crate 1.1 context by its IRI, as the specification asks. cokg
never fetches it: `check_rocrate` reads the terms from its own minimal copy of that context,
bundled in the package (ro-crate-context.jsonld), and reports any term outside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocrate.model.contextentity import ContextEntity
from rocrate.model.person import Person
from rocrate.model.softwareapplication import SoftwareApplication
from rocrate.rocrate import ROCrate

from cokg import __version__, paths
from cokg.errors import InputError, ParameterError
from cokg.linking.jsonld import compact_jsonld, read_nquads
from cokg.linking.sssom import export_sssom
from cokg.linking.void import DESCRIPTION, LICENSE, SOFTWARE, TITLE, creators, void_description
from cokg.namespaces import COKG, RDFS
from cokg.qda.archive import unsafe_name
from cokg.query import open_for_call
from cokg.slugs import slug
from cokg.store import Store

__all__ = [
    "CONTEXT_FILE",
    "CONTEXT_IRI",
    "METADATA",
    "PROFILE",
    "check_rocrate",
    "export_rocrate",
    "read_rocrate",
]

CONTEXT_IRI = "https://w3id.org/ro/crate/1.1/context"
PROFILE = "https://w3id.org/ro/crate/1.1"
METADATA = "ro-crate-metadata.json"
PREVIEW = "ro-crate-preview.html"  # allowed beside the metadata, never written by cokg
CONTEXT_FILE = paths.PACKAGE_DIR / "linking" / "ro-crate-context.jsonld"
RESTRICTED = "restricted"
ACCESS = (
    "Restricted: the full texts of coded sources (interview transcripts, field notes) may "
    "identify people. Share them only as the study's ethics approval and the participants' "
    "consent allow."
)
_FULL_TEXT = f"<{COKG.fullText}>".encode()
_FORMATS = {
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
    ".ttl": "text/turtle",
    ".trig": "application/trig",
    ".rq": "application/sparql-query",
    ".tsv": "text/tab-separated-values",
    ".csv": "text/csv",
    ".json": "application/json",
    ".xml": "application/xml",
    ".md": "text/markdown",
    ".py": "text/x-python",
    ".txt": "text/plain",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


# --------------------------------------------------------------------------- writing


@dataclass
class _Part:
    """One file of the crate: its path inside it and how the metadata describes it."""

    path: str
    data: bytes | None = None  # None: already written into the staging folder
    props: dict[str, Any] = field(default_factory=dict)


def export_rocrate(
    store: Store | str | Path | None,
    out: Path,
    *,
    include_text: bool = False,
    zip: bool = False,
    authors: Sequence[str] = (),
) -> Path:
    """Write the store's graph and the project's ontology, shapes, queries and mapping sets as
    an RO-Crate 1.1: the folder `out` (which must not exist or be empty), or with `zip=True`
    the ZIP file `out`. Written beside `out` first and moved into place when complete. The
    full texts of coded sources are left out unless `include_text`. The crate's authors are
    `authors` (each a name, optionally followed by an ORCID iD or other IRI: "A. Researcher
    https://orcid.org/0000-0002-1825-0097"), else the creators the store records for its
    studies and sources; with neither, cokg is named its creator and it has no author.
    Returns `out`."""
    people = [_author(a) for a in authors]
    out = Path(out)
    if out.is_dir() and (zip or any(out.iterdir())):
        raise ParameterError(
            f"{out} is a folder{' that is not empty' if not zip else ''}: "
            "name a new one for the crate"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".cokg-rocrate-", dir=out.parent) as tmp:
        staging = Path(tmp) / "staging"
        st, opened = open_for_call(store)
        try:
            parts, texts = _graph_parts(st, include_text)
            mappings = "mappings/framework-mappings.sssom.tsv"
            (staging / mappings).parent.mkdir(parents=True)
            export_sssom(st, staging / mappings)
            parts.append(
                _Part(
                    mappings,
                    props={
                        "name": "Framework mappings (SSSOM/TSV)",
                        "description": "The mappings between framework schemes that the graph "
                        "holds, as an SSSOM mapping set.",
                    },
                )
            )
            if not people:
                people = [(name, None) for name in creators(st)]
        finally:
            if opened:
                st.close()
        parts += _project_parts()
        for part in parts:
            if part.data is not None:
                target = staging / part.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(part.data)
        crate = _crate(parts, staging, authors=people, texts=texts)
        if zip:
            written = Path(tmp) / "crate.zip"
            crate.write_zip(written)
            os.replace(written, out)
        else:
            written = Path(tmp) / "crate"
            crate.write(written)
            if out.is_dir():
                out.rmdir()  # empty, checked above
            os.replace(written, out)
    return out


def _graph_parts(store: Store, include_text: bool) -> tuple[list[_Part], int]:
    """graph.nq, graph.jsonld, void.ttl and (when asked) the full texts; how many texts the
    store holds."""
    kept, restricted = _split_full_texts(store.export(format="nq"))
    ds = read_nquads(kept)
    what = "Every named graph of the knowledge graph (one per source file or submission)" + (
        ", without the full texts of coded sources" if restricted else ""
    )
    parts = [
        _Part(
            "graph.nq", kept, {"name": "The knowledge graph (N-Quads)", "description": what + "."}
        ),
        _Part(
            "graph.jsonld",
            compact_jsonld(ds),
            {
                "name": "The knowledge graph (JSON-LD)",
                "description": what + "; compacted with cokg's JSON-LD context.",
            },
        ),
        _Part(
            "void.ttl",
            void_description(store).serialize(format="turtle", encoding="utf-8"),
            {
                "name": "VoID and DCAT description",
                "description": "How large the graph is, its classes and its links to the "
                "framework schemes and to other data.",
            },
        ),
    ]
    texts = read_nquads(restricted) if restricted else None
    count = 0
    if texts is not None:
        for s, _, text, _ in texts.quads((None, COKG.fullText, None, None)):
            count += 1
            if not include_text:
                continue
            data = str(text).encode("utf-8")
            label = next((str(o) for _, _, o, _ in ds.quads((s, RDFS.label, None, None))), None)
            parts.append(
                _Part(
                    f"{RESTRICTED}/{hashlib.sha256(data).hexdigest()}.txt",
                    data,
                    {
                        "name": f"Full text of {label or s}",
                        "description": "The normalised text of a coded source, as a REFI-QDA "
                        "import stored it (cokg:fullText).",
                        "about": {"@id": str(s)},
                        "conditionsOfAccess": ACCESS,
                    },
                )
            )
    return parts, count


def _split_full_texts(nquads: bytes) -> tuple[bytes, bytes]:
    """The N-Quads lines without cokg:fullText statements, and those statements. A line is one
    quad whose predicate is its second term, and a subject (IRI or blank node) has no space."""
    kept: list[bytes] = []
    restricted: list[bytes] = []
    for line in nquads.splitlines(keepends=True):
        terms = line.split(b" ", 2)
        (restricted if len(terms) > 1 and terms[1] == _FULL_TEXT else kept).append(line)
    return b"".join(kept), b"".join(restricted)


def _project_parts() -> list[_Part]:
    """Every file of ontology/, shapes/ and queries/, as the crate path and its bytes."""
    described = {
        "ontology/frameworks/bcio-alignment.sssom.tsv": {
            "name": "Alignment to the Behaviour Change Intervention Ontology (SSSOM/TSV)",
            "description": "An external alignment of four framework constructs to BCIO "
            "classes, shipped with cokg and not stored in the graph (BCIO is referenced by "
            "IRI only; BCIO is licensed CC BY 4.0 by the Human Behaviour-Change Project).",
        },
    }
    # every file has a name (RO-Crate recommends one for each data entity): what it is
    kinds = {"ontology": "Ontology file", "shapes": "SHACL shapes", "queries": "Saved queries"}
    parts = []
    for folder in (paths.ONTOLOGY_DIR, paths.SHAPES_DIR, paths.QUERIES_DIR):
        if not folder.is_dir():
            continue
        for f in sorted(folder.rglob("*")):
            rel = f.relative_to(folder)
            if not f.is_file() or f.suffix == ".pyc":
                continue
            if any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                continue
            path = f"{folder.name}/{rel.as_posix()}"
            kind = kinds.get(folder.name, "File")
            props = described.get(path) or {"name": f"{kind}: {rel.as_posix()}"}
            parts.append(_Part(path, f.read_bytes(), props))
    return parts


_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


def _orcid(text: str) -> str | None:
    """The ORCID iD `text` is (bare, or as an http(s) orcid.org IRI) as its https IRI, checked
    by its check digit (ISO 7064 11,2); None when it is no ORCID iD. ParameterError for one
    whose check digit is wrong (a mistyped iD names someone else, or no one)."""
    m = _ORCID.match(text)
    if m is None:
        return None
    digits = m.group(1).replace("-", "")
    total = 0
    for d in digits[:-1]:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise ParameterError(f"{text} is no ORCID iD: its check digit is wrong (a mistyped iD?)")
    return f"https://orcid.org/{m.group(1)}"


def _author(text: str) -> tuple[str, str | None]:
    """A name, and the ORCID iD (bare or as an IRI) or other IRI that may follow it ("A.
    Researcher 0000-0002-1825-0097"): an ORCID iD is kept as its https IRI, checked."""
    words = text.split()
    if len(words) > 1:
        orcid = _orcid(words[-1])  # a bare iD was kept as part of the name
        if orcid is not None:
            return " ".join(words[:-1]), orcid
    if len(words) > 1 and re.match(r"^https?://\S+$", words[-1]):
        return " ".join(words[:-1]), words[-1]
    if not words or re.match(r"^https?://", words[0]):
        raise ParameterError(
            f"author {text!r}: give a name, optionally followed by an ORCID iD or other IRI "
            '("A. Researcher https://orcid.org/0000-0002-1825-0097")'
        )
    return " ".join(words), None


def _crate(
    parts: list[_Part], staging: Path, *, authors: list[tuple[str, str | None]], texts: int
) -> ROCrate:
    crate = ROCrate(version="1.1")  # the version check_rocrate checks
    crate.name = TITLE
    description = DESCRIPTION
    restricted = any(p.path.startswith(f"{RESTRICTED}/") for p in parts)
    if texts and not restricted:
        description += (
            f" The full texts of {texts} coded source(s) are held by the graph's steward and "
            "left out of this package."
        )
    crate.description = description
    crate.datePublished = dt.datetime.now(dt.UTC).date().isoformat()
    crate.license = crate.add(
        ContextEntity(
            crate,
            str(LICENSE),
            properties={"@type": "CreativeWork", "name": "CC BY 4.0"},
        )
    )
    software = crate.add(
        SoftwareApplication(
            crate, str(SOFTWARE), properties={"name": "cokg", "version": __version__}
        )
    )
    people = [
        crate.add(Person(crate, iri or f"#{_slug(name)}", properties={"name": name}))
        for name, iri in authors
    ]
    if people:
        crate.root_dataset["author"] = people
        crate.root_dataset["creator"] = people
    else:
        crate.root_dataset["creator"] = software
    if restricted:
        crate.root_dataset["conditionsOfAccess"] = ACCESS
    for part in parts:
        source = staging / part.path
        data = source.read_bytes()
        props = {
            "encodingFormat": _FORMATS.get(source.suffix.lower(), "application/octet-stream"),
            "contentSize": str(len(data)),
            "sha256": hashlib.sha256(data).hexdigest(),
            **part.props,
        }
        crate.add_file(source, dest_path=part.path, properties=props)
    return crate


def _slug(name: str) -> str:
    # a person's local id: "Zoë Łukasik" -> #zoe-lukasik; two names in Greek or CJK letters
    # were both "#author", one person in the crate
    return slug(name, empty="author")


# --------------------------------------------------------------------------- reading


class _Crate:
    """The files of a crate, a folder or a ZIP file, by their path inside it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self.unsafe: list[str] = []
        if self.path.is_dir():
            root = self.path.resolve()
            self.names = {
                p.relative_to(self.path).as_posix()
                for p in self.path.rglob("*")
                if p.is_file() and p.resolve().is_relative_to(root)
            }
        elif zipfile.is_zipfile(self.path):
            self._zip = zipfile.ZipFile(self.path)
            self.names = set()
            for info in self._zip.infolist():
                if info.is_dir():
                    continue
                why = unsafe_name(info.filename)
                if why:
                    self.unsafe.append(f"{info.filename}: the member name {why}")
                else:
                    self.names.add(info.filename)
        elif self.path.exists():
            raise InputError("neither a folder nor a ZIP file", file=self.path)
        else:
            raise InputError("no such crate", file=self.path)

    def read(self, name: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(name)
        return (self.path / name).read_bytes()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _terms() -> set[str]:
    try:
        doc = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
        return set(doc["@context"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"bundled RO-Crate context unreadable: {exc}", file=CONTEXT_FILE) from None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _ref(value: Any) -> str | None:
    return value.get("@id") if isinstance(value, dict) else None


def check_rocrate(path: Path) -> list[str]:
    """The problems of the RO-Crate in `path` (a folder or a ZIP file), one line each; empty
    when there are none. Checked offline, against the RO-Crate 1.1 requirements cokg relies on:

    - ro-crate-metadata.json is JSON-LD with an @context naming the RO-Crate 1.1 context and a
      flat @graph (each entity once, with an @id and a @type; values that are objects are
      references), using only terms of that context (cokg's bundled copy);
    - the metadata descriptor (@id ro-crate-metadata.json, a CreativeWork) conformsTo RO-Crate
      1.1 and is about the root data entity;
    - the root data entity (@id ./, a Dataset) has a name, a description, a datePublished in
      ISO 8601 and a license;
    - every File entity is a file in the crate, linked from the root by hasPart, with the SHA-256
      (and contentSize, when given) of its bytes; every hasPart reference is an entity;
    - and cokg's own rule: every file in the crate is described (a file added after the export
      is reported)."""
    crate = _Crate(path)
    try:
        return _problems(crate)
    finally:
        crate.close()


def _problems(crate: _Crate) -> list[str]:
    problems = list(crate.unsafe)
    if METADATA not in crate.names:
        return [*problems, f"{METADATA}: missing (not an RO-Crate)"]
    try:
        doc = json.loads(crate.read(METADATA).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return [*problems, f"{METADATA}: not JSON: {exc}"]
    if not isinstance(doc, dict) or not isinstance(doc.get("@graph"), list):
        return [*problems, f"{METADATA}: not a JSON-LD object with a @graph list"]
    context = doc.get("@context")
    if CONTEXT_IRI not in _as_list(context):
        problems.append(f"{METADATA}: @context is {context!r}, not the RO-Crate 1.1 context")
    terms = _terms()
    entities: dict[str, dict[str, Any]] = {}
    for n, entity in enumerate(doc["@graph"], start=1):
        if not isinstance(entity, dict) or not isinstance(entity.get("@id"), str):
            problems.append(f"{METADATA}: @graph item {n} is not an entity with an @id")
            continue
        eid = entity["@id"]
        if eid in entities:
            problems.append(f"{eid}: described twice in the @graph")
        entities[eid] = entity
        if "@type" not in entity:
            problems.append(f"{eid}: no @type")
        for t in _as_list(entity.get("@type", [])):
            if t not in terms:
                problems.append(f"{eid}: type {t!r} is not in the RO-Crate 1.1 context")
        for key, value in entity.items():
            if key.startswith("@"):
                continue
            if key not in terms:
                problems.append(f"{eid}: property {key!r} is not in the RO-Crate 1.1 context")
            for v in _as_list(value):
                if isinstance(v, dict) and set(v) != {"@id"}:
                    problems.append(f"{eid}: {key} holds a nested entity (the @graph is flat)")

    descriptor = entities.get(METADATA)
    if descriptor is None:
        problems.append(f"{METADATA}: no metadata descriptor entity (@id {METADATA})")
    else:
        if "CreativeWork" not in _as_list(descriptor.get("@type")):
            problems.append(f"{METADATA}: the descriptor is not a CreativeWork")
        profiles = [_ref(v) or "" for v in _as_list(descriptor.get("conformsTo"))]
        if not any(p.startswith(PROFILE) for p in profiles):
            problems.append(f"{METADATA}: the descriptor does not conform to {PROFILE}")
        if _ref(descriptor.get("about")) != "./":
            problems.append(f"{METADATA}: the descriptor is not about the root data entity ./")

    root = entities.get("./")
    parts: set[str] = set()
    if root is None:
        problems.append("./: no root data entity")
    else:
        if "Dataset" not in _as_list(root.get("@type")):
            problems.append("./: the root data entity is not a Dataset")
        for key in ("name", "description", "datePublished", "license"):
            if not root.get(key):
                problems.append(f"./: no {key}")
        published = root.get("datePublished")
        if published and not (isinstance(published, str) and _DATE.match(published)):
            problems.append(f"./: datePublished {published!r} is not an ISO 8601 date")
        for ref in _as_list(root.get("hasPart", [])):
            rid = _ref(ref)
            if rid is None or rid not in entities:
                problems.append(f"./: hasPart {ref!r} names no entity of the @graph")
            else:
                parts.add(rid)
    parts |= _nested_parts(entities, parts)

    files = {eid for eid, e in entities.items() if "File" in _as_list(e.get("@type"))}
    for eid in sorted(files):
        problems += _file_problems(crate, eid, entities[eid], eid in parts)
    for name in sorted(crate.names - files - {METADATA, PREVIEW}):
        problems.append(f"{name}: in the crate but not described in {METADATA}")
    return problems


def _nested_parts(entities: dict[str, dict[str, Any]], top: set[str]) -> set[str]:
    """Entities reached from `top` through hasPart (a folder's files)."""
    seen = set(top)
    todo = list(top)
    while todo:
        for ref in _as_list(entities.get(todo.pop(), {}).get("hasPart", [])):
            rid = _ref(ref)
            if rid and rid in entities and rid not in seen:
                seen.add(rid)
                todo.append(rid)
    return seen


def _file_problems(crate: _Crate, eid: str, entity: dict[str, Any], linked: bool) -> list[str]:
    problems = []
    if not linked:
        problems.append(f"{eid}: not linked from the root data entity by hasPart")
    why = unsafe_name(eid)
    if why or "://" in eid:
        return [*problems, f"{eid}: not a path inside the crate ({why or 'a web address'})"]
    if eid not in crate.names:
        return [*problems, f"{eid}: described but not in the crate"]
    data = crate.read(eid)
    recorded = entity.get("sha256")
    actual = hashlib.sha256(data).hexdigest()
    if not recorded:
        problems.append(f"{eid}: no sha256 recorded")
    elif recorded != actual:
        problems.append(f"{eid}: SHA-256 {actual} is not the recorded {recorded}")
    size = entity.get("contentSize")
    if size is not None and str(size) != str(len(data)):
        problems.append(f"{eid}: {len(data)} bytes, the metadata records {size}")
    return problems


def read_rocrate(path: Path) -> dict[str, bytes]:
    """The files an RO-Crate (a folder or a ZIP file) describes, by their path inside it, each
    checked against its recorded SHA-256. A crate with any problem `check_rocrate` reports is
    an InputError naming the first few."""
    crate = _Crate(path)
    try:
        problems = _problems(crate)
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise InputError("; ".join(problems[:3]) + more, file=path)
        doc = json.loads(crate.read(METADATA).decode("utf-8"))
        return {eid: crate.read(eid) for eid in _file_ids(doc)}
    finally:
        crate.close()


def _file_ids(doc: dict[str, Any]) -> Iterator[str]:
    for entity in doc["@graph"]:
        if "File" in _as_list(entity.get("@type")):
            yield entity["@id"]
