"""`cokg check`: OWL reasoning (HermiT through owlready2) plus the vocabulary lint.

The lint always covers the ontology, frameworks, data/, shapes/ and queries/.

owlready2 lives only in this module. What is reasoned over, and why:

- Always: the ontology modules and the framework vocabularies (the TBox and the controlled
  individuals). HermiT proves the ontology consistent and finds unsatisfiable classes.
- With data (`include_data=True`): the data individuals' class memberships and the links
  between them (rdf:type and IRI-valued triples; literals are left out, since HermiT cannot
  read xsd:gYear/xsd:date anyway and dates are checked in SPARQL and SHACL), as long as that
  is at most DATA_TRIPLE_LIMIT triples. Above it HermiT becomes slow (153 s at 100k triples,
  superlinear), so data individuals are skipped with a warning: data-level rules are the
  business of the shapes and the check queries, not of OWL reasoning.

owlready2 would fetch `owl:imports` from the network even when told `only_local`, so the
reasoner is never given an owl:imports triple: the imports closure is resolved beforehand
through the catalog by cokg.load and everything is handed over as one N-Triples file.

`check` returns a CheckReport; `cokg.validate.format_report` renders it, as it renders
validation reports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import owlready2
import owlready2.reasoning
import pyoxigraph as ox

from cokg import load, paths
from cokg.errors import ReasonerError
from cokg.lint import Source, lint, query_sources, shapes_sparql_terms, unimported_modules
from cokg.models import CheckReport, LoadWarning, UnsatisfiableClass
from cokg.namespaces import OWL, RDF, RDFS, SKOS

DATA_TRIPLE_LIMIT = 20_000
REASONER_TIMEOUT = 300.0  # seconds per HermiT run; the founding ontology takes about 1 s
_OWL_IMPORTS = ox.NamedNode(str(OWL.imports))
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_OWL_NOTHING = str(OWL.Nothing)
# owlready2 needs some ontology IRI to load into; this one can never resolve.
_WORLD_IRI = "http://cokg.invalid/check#"


def check(
    *,
    include_data: bool = False,
    extra_files: Sequence[Path] = (),
    timeout: float = REASONER_TIMEOUT,
) -> CheckReport:
    """Reason over the ontology and frameworks (+ data individuals, + extra files) and lint
    the vocabulary. Raises InputError for unreadable files and ReasonerError when the reasoner
    cannot run or takes longer than `timeout` seconds (per HermiT run); an inconsistent
    ontology is reported in the CheckReport, not raised."""
    start = time.perf_counter()
    sources: list[Source] = []
    warnings: list[LoadWarning] = []

    vocab: list[ox.Quad] = []
    vocab_files = load.ontology_files(include_frameworks=True)
    for _graph, f in vocab_files:
        doc = load.read_rdf(f)
        framework = f.resolve().is_relative_to(paths.FRAMEWORKS_DIR.resolve())
        sources.append(Source(f, "framework" if framework else "ontology", tuple(doc.quads)))
        vocab.extend(doc.quads)
    for f in load.expand_paths(extra_files):
        doc = load.read_rdf(f)
        warnings.extend(doc.warnings)
        # Files named on the command line may extend the vocabulary (a draft module).
        sources.append(Source(f, "ontology", tuple(doc.quads)))
        vocab.extend(doc.quads)

    if paths.SHAPES_DIR.is_dir() and any(_rdf_files(paths.SHAPES_DIR)):
        for doc in load.read_rdf_dir([paths.SHAPES_DIR]):
            terms = tuple(shapes_sparql_terms(doc.quads))
            sources.append(Source(doc.path, "shapes", tuple(doc.quads), terms))
    sources.extend(query_sources())

    abox: list[ox.Quad] = []
    abox_by_file: dict[Path, list[ox.Quad]] = {}
    data_labels: list[ox.Quad] = []
    # data/ is always linted (reading it is cheap); it reaches HermiT only with include_data.
    for _graph, f in load.data_files():
        doc = load.read_rdf(f)
        warnings.extend(doc.warnings)
        sources.append(Source(f, "data", tuple(doc.quads)))
        if include_data:
            abox_by_file[f] = [q for q in doc.quads if not isinstance(q.object, ox.Literal)]
            abox.extend(abox_by_file[f])
            data_labels.extend(q for q in doc.quads if q.predicate.value == str(RDFS.label))
    if include_data and len(abox) > DATA_TRIPLE_LIMIT:
        warnings.append(
            LoadWarning(
                str(paths.DATA_DIR),
                f"{len(abox)} data triples exceed the reasoner limit of {DATA_TRIPLE_LIMIT}: "
                "data individuals were not given to HermiT (the shapes check them)",
            )
        )
        abox = []

    problems = unimported_modules(f for _, f in vocab_files) + lint(sources)
    labels = _labels(vocab + data_labels)
    consistent, unsat, explanation = _run_hermit(vocab + abox, labels, timeout)
    if not consistent and abox:
        # Say whether the vocabulary alone is at fault or the data contradicts it, and which
        # data files do so on their own (one more HermiT run each, only on this path).
        vocab_ok, unsat, _ = _run_hermit(vocab, labels, timeout)
        if vocab_ok:
            culprits = [
                _rel(f)
                for f, part in abox_by_file.items()
                if not _run_hermit(vocab + part, labels, timeout)[0]
            ]
            where = f" ({', '.join(culprits)})" if culprits else ""
            explanation = f"the data individuals contradict the ontology{where}. " + _explain(
                vocab + abox, labels
            )
    files = tuple(_rel(s.file) for s in sources)
    return CheckReport(
        files=files,
        reasoner=f"HermiT (owlready2 {owlready2.VERSION})",
        consistent=consistent,
        inconsistency=explanation,
        unsatisfiable=tuple(unsat),
        lint=tuple(problems),
        warnings=tuple(warnings),
        data_individuals=len({q.subject for q in abox}),
        seconds=time.perf_counter() - start,
    )


# --- HermiT --------------------------------------------------------------------------------


def java_executable() -> str:
    """The java binary HermiT runs on: $JAVA_HOME/bin/java, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise ReasonerError(
            "Java not found: run `make system-deps` (HermiT needs Java 11 or later)"
        )
    return found


def _run_hermit(
    quads: Iterable[ox.Quad], labels: dict[str, str], timeout: float = REASONER_TIMEOUT
) -> tuple[bool, list[UnsatisfiableClass], str | None]:
    """(consistent, unsatisfiable classes, explanation) for a set of triples."""
    quads = list(quads)
    owlready2.JAVA_EXE = java_executable()
    triples = {
        ox.Triple(q.subject, q.predicate, q.object) for q in quads if q.predicate != _OWL_IMPORTS
    }
    with tempfile.TemporaryDirectory(prefix="cokg-check-") as tmp:
        nt = Path(tmp) / "check.nt"
        nt.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        world = owlready2.World()  # isolated: nothing leaks into owlready2's default world
        saved_tempdir = tempfile.tempdir
        # owlready2 leaves its HermiT input file behind when HermiT fails: keep it in here.
        tempfile.tempdir = tmp
        # owlready2 passes this dict to subprocess.check_output: the only way to bound HermiT.
        saved_kargs = owlready2.reasoning._subprocess_kargs
        owlready2.reasoning._subprocess_kargs = {**saved_kargs, "timeout": timeout}
        try:
            with nt.open("rb") as fh:
                world.get_ontology(_WORLD_IRI).load(fileobj=fh, format="ntriples")
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
            unsat = sorted({c.iri for c in world.inconsistent_classes() if c.iri != _OWL_NOTHING})
        except owlready2.OwlReadyInconsistentOntologyError:
            return False, [], _explain(quads, labels)
        except owlready2.OwlReadyJavaError as exc:
            raise ReasonerError(f"HermiT failed: {_java_message(str(exc))}") from None
        except FileNotFoundError as exc:
            raise ReasonerError(f"Java not found ({exc}): run `make system-deps`") from None
        except owlready2.OwlReadyOntologyParsingError as exc:
            raise ReasonerError(f"owlready2 could not read the ontology: {exc}") from None
        except subprocess.TimeoutExpired:
            raise ReasonerError(f"HermiT did not finish within {timeout:g} s") from None
        finally:
            tempfile.tempdir = saved_tempdir
            owlready2.reasoning._subprocess_kargs = saved_kargs
            world.close()
    return True, [UnsatisfiableClass(iri, labels.get(iri)) for iri in unsat], None


def _java_message(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if "UnsupportedClassVersionError" in ln:
            return "this Java is too old for the bundled reasoner jars: " + ln
    return lines[-1] if lines else "no message"


def _labels(quads: Iterable[ox.Quad]) -> dict[str, str]:
    """IRI -> English (or any) rdfs:label / skos:prefLabel, for messages."""
    preds = {str(RDFS.label), str(SKOS.prefLabel)}
    out: dict[str, tuple[int, str]] = {}
    for q in quads:
        if (
            q.predicate.value in preds
            and isinstance(q.object, ox.Literal)
            and not isinstance(q.subject, ox.Triple)
        ):
            rank = 0 if q.object.language in ("en", None) else 1
            key = q.subject.value
            if key not in out or rank < out[key][0]:
                out[key] = (rank, q.object.value)
    return {k: v for k, (_, v) in out.items()}


_EXPLAIN = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?x ?a ?b WHERE {
  { ?a owl:disjointWith ?b } UNION { ?b owl:disjointWith ?a }
  UNION { ?d a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first ?a, ?b FILTER(?a != ?b) }
  UNION { ?u owl:disjointUnionOf/rdf:rest*/rdf:first ?a, ?b FILTER(?a != ?b) }
  ?x a/rdfs:subClassOf* ?a .
  ?x a/rdfs:subClassOf* ?b .
  FILTER(STR(?a) < STR(?b))
} ORDER BY ?x LIMIT 10
"""


_DOMAIN_RANGE = """
INSERT { ?x a ?c } WHERE { ?x ?p ?y . ?p rdfs:subPropertyOf*/rdfs:domain ?c . FILTER(isIRI(?c)) } ;
INSERT { ?y a ?c } WHERE {
  ?x ?p ?y . ?p rdfs:subPropertyOf*/rdfs:range ?c . FILTER(isIRI(?c) && !isLiteral(?y))
}
"""


def _explain(quads: Iterable[ox.Quad], labels: dict[str, str]) -> str:
    """HermiT says only "inconsistent"; look for the commonest cause, an individual that is a
    member of two disjoint classes, so the message can name it."""
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    prologue = (
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    )
    # Types implied by property domains and ranges: the usual way data clashes with the
    # ontology (a record linked by a property whose range is disjoint with its class).
    store.update(prologue + _DOMAIN_RANGE)
    res = store.query(prologue + _EXPLAIN)
    assert isinstance(res, ox.QuerySolutions)
    rows = list(res)
    if not rows:
        return (
            "HermiT gives no explanation; check the disjointness axioms, property domains and "
            "ranges, and individuals typed with classes that cannot overlap"
        )

    def name(t: ox.NamedNode | ox.BlankNode) -> str:
        label = labels.get(t.value) if isinstance(t, ox.NamedNode) else None
        return f"{label} <{t.value}>" if label else str(t)

    causes = [
        f"{name(r['x'])} is both {name(r['a'])} and {name(r['b'])}, declared disjoint" for r in rows
    ]
    return "; ".join(causes) + " (types include those implied by property domains and ranges)"


def _rdf_files(folder: Path) -> Iterable[Path]:
    return (f for f in folder.rglob("*") if f.suffix.lower() in load.RDF_EXTENSIONS)


def _rel(file: Path) -> str:
    try:
        return str(Path(file).resolve().relative_to(paths.ROOT.resolve()))
    except ValueError:
        return str(file)


__all__ = ["DATA_TRIPLE_LIMIT", "REASONER_TIMEOUT", "check", "java_executable"]
