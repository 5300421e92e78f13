"""The part of the store a submission refers to, fetched for validation beside the submission."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.term import Node

from cokg.namespaces import COKG, COKGID, RDF, sparql_prologue
from cokg.terms import Triple

if TYPE_CHECKING:
    from cokg.store import Store


def _values(var: str, terms: Iterable[Node]) -> str:
    # Terms come from a parsed RDF file (valid IRIs / literals) and are rendered by rdflib's
    # n3(), never pasted as raw strings.
    return f"VALUES ?{var} {{ {' '.join(t.n3() for t in terms)} }}"


# Lists of predicates are FILTER IN, not VALUES blocks: the engine starts from the smallest
# VALUES block, and a VALUES of predicates (two to six rows) made it read every triple of those
# predicates in the store (a one-case submission against 1M triples: 1.5 s instead of 0.1 s).
def store_neighbourhood(
    store: Store,
    submission: Graph,
    *,
    exclude_graphs: Sequence[str] = (),
    chunk: int = 400,
    progress: Callable[..., None] | None = None,
) -> list[Triple]:
    """The part of `store` a submission refers to, as triples:

    - every triple whose subject is a cokgid: IRI the submission mentions (its 1-hop, CBD-like
      neighbourhood; enough for sh:class, informant-of-case and finding-of-case checks);
    - the phase episodes (with their triples) of every case the submission mentions;
    - the events involving an agent the submission mentions (type, case, agents and dates);
    - the types and labels of the cokgid: records those store triples point to (a supplement
      about a stored record is validated with that record whole, so what it links to must be
      known too);
    - the records that share a case id, quotation id (in the same case) or informant code.

    Graphs in `exclude_graphs` (the submission's own graph when it is being replaced) are left
    out, so a re-ingest does not collide with its previous version.
    """
    iris = sorted(
        {t for trip in submission for t in trip if isinstance(t, URIRef) and t.startswith(COKGID)}
    )
    excl = ""
    if exclude_graphs:
        excl = "FILTER (?g NOT IN (" + ", ".join(URIRef(g).n3() for g in exclude_graphs) + "))"
    out: list[Triple] = []
    pro = sparql_prologue()

    def run(q: str) -> None:
        res = store.query(pro + q, internal=True)
        for r in res.rows:
            out.append(_bound(r["s"], r["p"], r["o"]))

    for i in range(0, len(iris), chunk):
        if progress is not None:
            progress("looking up the records it refers to in the store", i, len(iris))
        part = iris[i : i + chunk]
        run(f"SELECT ?s ?p ?o WHERE {{ {_values('s', part)} GRAPH ?g {{ ?s ?p ?o }} {excl} }}")
        run(
            "SELECT ?s ?p ?o WHERE { "
            + _values("case", part)
            + " GRAPH ?g { ?s cokg:inCase ?case ; a cokg:PhaseEpisode . ?s ?p ?o } "
            + excl
            + " }"
        )
        # the dated acts of the agents it mentions (a change agent's role is placed in time by
        # the events that involve it: the ChangeAgentDatedShape warning)
        run(
            "SELECT ?s ?p ?o WHERE { " + _values("agent", part)
            + " GRAPH ?g { ?s cokg:involves ?agent . ?s ?p ?o } "
            + "FILTER (?p IN (rdf:type, cokg:involves, cokg:inCase, cokg:date, cokg:startDate)) "
            + excl + " }"
        )  # fmt: skip
    # Second hop, types and labels only: the records the fetched store triples point to.
    seen = set(iris)
    linked = sorted(
        {o for _, _, o in out if isinstance(o, URIRef) and o.startswith(COKGID) and o not in seen},
        key=str,
    )
    for i in range(0, len(linked), chunk):
        run(
            "SELECT ?s ?p ?o WHERE { " + _values("s", linked[i : i + chunk])
            + " GRAPH ?g { ?s ?p ?o } FILTER (?p IN (rdf:type, rdfs:label)) " + excl + " }"
        )  # fmt: skip
    ids = sorted(
        {o for p in (COKG.caseId, COKG.informantCode) for o in submission.objects(None, p)}, key=str
    )
    keep = ("FILTER (?p IN (rdf:type, cokg:caseId, cokg:quotationId, cokg:informantCode, "
            "cokg:aboutCase, cokg:informantOf)) ")  # fmt: skip
    for i in range(0, len(ids), chunk):
        id_part: list[Node] = ids[i : i + chunk]
        run(
            "SELECT ?s ?p ?o WHERE { " + _values("id", id_part)
            + " GRAPH ?g { ?s ?idp ?id . ?s ?p ?o } "
            + "FILTER (?idp IN (cokg:caseId, cokg:informantCode)) " + keep + excl + " }"
        )  # fmt: skip
    # Quotation ids repeat across cases (every case has a Q1): fetch the quotations of the
    # cases the submission's quotations are about (a case-indexed lookup), keep matching ids.
    pairs = {
        (qid, case)
        for q, qid in submission.subject_objects(COKG.quotationId)
        for case in submission.objects(q, COKG.aboutCase)
    }
    cases = sorted({c for _, c in pairs}, key=str)
    for i in range(0, len(cases), chunk):
        res = store.query(
            pro + "SELECT ?s ?id ?case ?t WHERE { " + _values("case", cases[i : i + chunk])
            + " GRAPH ?g { ?s cokg:aboutCase ?case ; cokg:quotationId ?id ; a ?t } "
            + excl + " }",
            internal=True,
        )  # fmt: skip
        for r in res.rows:
            if (r["id"], r["case"]) in pairs:
                out.extend(
                    [
                        _bound(r["s"], RDF.type, r["t"]),
                        _bound(r["s"], COKG.quotationId, r["id"]),
                        _bound(r["s"], COKG.aboutCase, r["case"]),
                    ]
                )
    return out


def _bound(s: Node | None, p: Node | None, o: Node | None) -> Triple:
    """A triple from a row whose pattern binds all three terms."""
    assert s is not None and p is not None and o is not None
    return (s, p, o)
