"""Coded findings as nanopublications: one TriG file per finding, unsigned.

    >>> export_nanopubs(store, Path("nanopubs"), case="dundee-mrr")      # doctest: +SKIP
    45

A nanopublication (http://www.nanopub.org/nschema#) is four named graphs:

- head: the nanopublication and its three parts (np:hasAssertion, np:hasProvenance,
  np:hasPublicationInfo);
- assertion: what the finding says - its kind, statement, case, phase, stance, the framework
  concepts it is coded to (and the QDA code it was gathered from), as stored;
- provenance: where the assertion comes from - the source location the finding was found at
  (section, table cell, source document: prov:wasDerivedFrom, prov:hadPrimarySource), the
  named graph that stores it and, for a submission, the ingest that stored it, who submitted
  it and when (cokg's PROV-O record of the ingest);
- publication info: when cokg made it (dcterms:created), that cokg made it
  (dcterms:creator) and its licence.

Every IRI is derived from the finding's IRI, so exporting again names the same things:
finding https://w3id.org/cokg/id/finding/dundee-mrr/x gives the nanopublication
https://w3id.org/cokg/np/finding/dundee-mrr/x with its graphs at #Head, #assertion,
#provenance and #pubinfo, in the file finding--dundee-mrr--x.trig. The files are not signed
and carry no trusty URI: publishing them on a nanopublication server is a later step.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from cokg.errors import ParameterError
from cokg.linking.void import LICENSE, SOFTWARE
from cokg.namespaces import BASE, COKG, COKGID, DCTERMS, PREFIXES, PROV, RDF, RDFS, XSD
from cokg.query import open_for_call, run_query
from cokg.store import Store

__all__ = ["NP", "NP_BASE", "export_nanopubs", "nanopub_iri"]

NP = Namespace("http://www.nanopub.org/nschema#")
NP_BASE = BASE + "np/"  # the nanopublications cokg makes


def nanopub_iri(finding: str) -> URIRef:
    """The nanopublication of a finding: its IRI under cokg's np/ space (a finding outside
    https://w3id.org/cokg/id/ gets a name-based UUID instead of its path)."""
    ids = str(COKGID)
    if finding.startswith(ids) and len(finding) > len(ids):
        return URIRef(NP_BASE + finding[len(ids) :])
    return URIRef(f"{NP_BASE}other/{uuid.uuid5(uuid.NAMESPACE_URL, finding)}")


def _file_name(finding: str) -> str:
    ids = str(COKGID)
    if finding.startswith(ids) and len(finding) > len(ids):
        return finding[len(ids) :].replace("/", "--") + ".trig"
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, finding)}.trig"


@dataclass
class _Finding:
    assertion: list[tuple[Node, Node]] = field(default_factory=list)  # (predicate, object)
    graphs: set[str] = field(default_factory=set)
    provenance: list[dict[str, Node | None]] = field(default_factory=list)


def export_nanopubs(
    store: Store | str | Path | None, out_dir: Path, case: str | None = None
) -> int:
    """Write one nanopublication (TriG) per coded finding - a finding of any kind coded to at
    least one framework concept - of every case, or of `case` (its case id or number; an
    unknown case is a ParameterError listing the cases), into `out_dir` (created if needed; a
    file of the same name is replaced). Returns the number of files written."""
    st, opened = open_for_call(store)
    try:
        params: dict[str, Any] = {} if case is None else {"value": case}
        findings: dict[str, _Finding] = defaultdict(_Finding)
        try:
            assertions = run_query("nanopub-assertions", store=st, **params)
        except ParameterError as exc:  # said as the option the user gave, not the query's
            allowed = str(exc).split(" is not allowed; allowed values: ", 1)[-1]
            raise ParameterError(f"no case {case!r}; the cases: {allowed}") from None
        for row in assertions:
            f = findings[row["finding"]]
            f.assertion.append((row.terms["predicate"], row.terms["object"]))  # type: ignore[arg-type]
            f.graphs.add(row["graph"])
        for row in run_query("nanopub-provenance", store=st, **params):
            if row["finding"] in findings:
                findings[row["finding"]].provenance.append(dict(row.terms))
    finally:
        if opened:
            st.close()

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    created = Literal(
        dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime
    )
    for iri, f in sorted(findings.items()):
        ds = _nanopub(URIRef(iri), f, created)
        with warnings.catch_warnings():  # rdflib 7's TriG serializer calls its own deprecated API
            warnings.simplefilter("ignore", DeprecationWarning)
            data = ds.serialize(format="trig", encoding="utf-8")
        (out_dir / _file_name(iri)).write_bytes(data)
    return len(findings)


def _nanopub(finding: URIRef, f: _Finding, created: Literal) -> Dataset:
    this = nanopub_iri(str(finding))
    head_iri, assertion_iri = URIRef(f"{this}#Head"), URIRef(f"{this}#assertion")
    provenance_iri, pubinfo_iri = URIRef(f"{this}#provenance"), URIRef(f"{this}#pubinfo")

    ds = Dataset()
    ds.bind("this", f"{this}#")
    ds.bind("np", NP)
    for prefix in ("cokg", "cokgid", "cokgg", "prov", "dcterms", "rdfs", "xsd"):
        ds.bind(prefix, PREFIXES[prefix])

    head = ds.graph(head_iri)
    head.add((this, RDF.type, NP.Nanopublication))
    head.add((this, NP.hasAssertion, assertion_iri))
    head.add((this, NP.hasProvenance, provenance_iri))
    head.add((this, NP.hasPublicationInfo, pubinfo_iri))

    assertion = ds.graph(assertion_iri)
    for predicate, obj in f.assertion:
        assertion.add((finding, predicate, obj))

    _provenance(ds.graph(provenance_iri), assertion_iri, f)

    pubinfo = ds.graph(pubinfo_iri)
    pubinfo.add((this, DCTERMS.created, created))
    pubinfo.add((this, DCTERMS.creator, SOFTWARE))
    pubinfo.add((this, DCTERMS.license, LICENSE))
    pubinfo.add((SOFTWARE, RDF.type, PROV.SoftwareAgent))
    pubinfo.add((SOFTWARE, RDFS.label, Literal("cokg")))
    return ds


def _provenance(g: Graph, assertion: URIRef, f: _Finding) -> None:
    for graph in sorted(f.graphs):
        g.add((assertion, PROV.wasDerivedFrom, URIRef(graph)))
    for row in f.provenance:
        location, source = row.get("location"), row.get("source")
        if location is not None:
            g.add((assertion, PROV.wasDerivedFrom, location))
            g.add((location, RDF.type, COKG.SourceLocation))
            for column, prop in (
                ("location_label", RDFS.label),
                ("section", COKG.section),
                ("table", COKG.table),
                ("table_row", COKG.tableRow),
                ("table_column", COKG.tableColumn),
                ("source", COKG.inSource),
            ):
                value = row.get(column)
                if value is not None:
                    g.add((location, prop, value))
        if source is not None:
            g.add((assertion, PROV.hadPrimarySource, source))
            g.add((source, RDF.type, COKG.SourceDocument))
            if row.get("source_label") is not None:
                g.add((source, RDFS.label, row["source_label"]))  # type: ignore[arg-type]
        submission, ingest = row.get("submission"), row.get("ingest")
        if submission is None or ingest is None:
            continue  # a graph built from the project's files: no ingest record
        g.add((submission, RDF.type, COKG.Submission))
        g.add((submission, COKG.graph, row["graph"]))  # type: ignore[arg-type]
        g.add((submission, PROV.wasGeneratedBy, ingest))
        g.add((ingest, RDF.type, COKG.Ingest))
        for column, prop in (("started", PROV.startedAtTime), ("ended", PROV.endedAtTime)):
            if row.get(column) is not None:
                g.add((ingest, prop, row[column]))  # type: ignore[arg-type]
        agent = row.get("agent")
        if agent is not None:
            g.add((submission, PROV.wasAttributedTo, agent))
            g.add((ingest, PROV.wasAssociatedWith, agent))
            g.add((agent, RDF.type, PROV.Agent))
            if row.get("agent_label") is not None:
                g.add((agent, RDFS.label, row["agent_label"]))  # type: ignore[arg-type]
