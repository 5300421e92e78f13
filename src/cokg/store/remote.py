"""Any SPARQL 1.1 endpoint as a store: SPARQLWrapper for queries, the Graph Store Protocol or
SPARQL Update for writes. Tested against Oxigraph and Virtuoso; what Virtuoso does differently
is handled here and listed in docs/stores-and-serving.md ("Virtuoso")."""

from __future__ import annotations

import ast
import base64
import contextlib
import difflib
import json
import os
import random
import re
import socket
import ssl
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from cokg import paths
from cokg.errors import ParameterError, QueryError, StoreError
from cokg.models import QueryResult
from cokg.namespaces import COKGG
from cokg.sandbox import DEFAULT_TIMEOUT
from cokg.sparql import bind, drop_placeholders, internal_form, screen
from cokg.store.datatypes import RANGE, declared_types, restore_declared_types
from cokg.store.oxigraph import EXPORT_FORMATS, _insert_data, _read_file, serialize_quads
from cokg.store.protocol import Progress, Triple
from cokg.terms import from_json, from_ox, graph_node, to_ox, triples_to_quads

# --- remote ----------------------------------------------------------------------------------


# Where cokg's graphs live on an endpoint: it lists, counts, exports and drops only these, and
# leaves every other graph alone (Virtuoso's own graphs, other projects' data on a shared server).
GRAPH_PREFIX = str(COKGG)
_OWN = f'FILTER(STRSTARTS(STR(?g), "{GRAPH_PREFIX}"))'


# The write lease: a server has no writer lock, so writers (ingest, retract, push, build,
# import) take turns by a lease held in this graph. It lies outside GRAPH_PREFIX, so it is never
# listed, counted, exported, pushed or dropped with cokg's graphs; it holds triples only while a
# write runs (or until a crashed writer's lease expires and the next writer breaks it).
LEASE_GRAPH = "https://w3id.org/cokg/lease"
_LEASE = "https://w3id.org/cokg/lease#"
LEASE_SECONDS = 900.0  # a writer holding it longer is taken for crashed ($COKG_LEASE_SECONDS)


# An https:// URL pointing at a plain-HTTP server: the server waits for the end of a request
# line that the TLS client hello never brings, and the request waited out its whole timeout (60 s;
# a write, none at all) before failing with a TLS error. A handshake of its own, this short,
# finds out first; a server found speaking TLS (or not plain HTTP) is not asked again.
TLS_HANDSHAKE_S = 3.0
PLAIN_HTTP_TTL = 60.0  # seconds a server found speaking plain HTTP is taken for one unasked
_TLS_CHECKED: set[tuple[str, int]] = set()
_PLAIN_HTTP: dict[tuple[str, int], float] = {}  # (host, port) -> time.monotonic() found


class PlainHTTP(StoreError):
    """An https:// endpoint whose server answers in plain HTTP."""


def check_tls(url: str) -> None:
    """Raise PlainHTTP, within a few seconds, when `url` is https:// and its server answers in
    plain HTTP ("… answered in plain HTTP: use http://…"). Anything else (no server, no such
    host, a certificate refused, a server slow to answer) is left to the request itself, which
    says what it is."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return
    host, port = parts.hostname, parts.port or 443
    key = (host, port)
    if key in _TLS_CHECKED:
        return
    if time.monotonic() - _PLAIN_HTTP.get(key, -PLAIN_HTTP_TTL) >= PLAIN_HTTP_TTL:
        if urllib.request.getproxies().get("https") and not urllib.request.proxy_bypass(host):
            return  # a proxy makes the connection, not this process
        try:
            raw = socket.create_connection(key, timeout=TLS_HANDSHAKE_S)
        except OSError:
            return  # refused, no such host, no answer: the request says which
        try:
            with ssl.create_default_context().wrap_socket(raw, server_hostname=host):
                _TLS_CHECKED.add(key)
                return
        except ssl.SSLCertVerificationError:
            _TLS_CHECKED.add(key)  # it speaks TLS: the request says what is wrong with it
            return
        except OSError:  # no handshake in time, or an answer that is no TLS
            if not _speaks_plain_http(host, port):
                _TLS_CHECKED.add(key)  # not plain HTTP either: the request says what it is
                return
        finally:
            raw.close()
        _PLAIN_HTTP[key] = time.monotonic()
    netloc = parts.netloc if parts.port else f"{parts.netloc}:{port}"  # http:// is port 80
    plain = urllib.parse.urlunsplit(parts._replace(scheme="http", netloc=netloc))
    raise PlainHTTP(f"{url} answered in plain HTTP: use {plain}")


def _speaks_plain_http(host: str, port: int) -> bool:
    """Whether the server answers a plain HTTP request (HEAD /, which changes nothing)."""
    name = f"[{host}]" if ":" in host else host
    try:
        with socket.create_connection((host, port), timeout=TLS_HANDSHAKE_S) as sock:
            sock.sendall(f"HEAD / HTTP/1.0\r\nHost: {name}\r\n\r\n".encode())
            return sock.recv(5) == b"HTTP/"
    except OSError:
        return False


def _derive(endpoint: str, last: str) -> str:
    """Oxigraph serves /query, /update and /store; Fuseki /ds/query, /ds/update, /ds/data;
    Virtuoso /sparql for queries and updates and /sparql-graph-crud for the Graph Store Protocol
    (a PUT to /sparql hangs there). Any other query URL is used for everything (SPARQL 1.1
    allows one URL for all three)."""
    base = endpoint.rstrip("/")
    if base.endswith("/query"):
        return base[: -len("query")] + last
    if base.endswith("/sparql") and last == "store":
        return base + "-graph-crud"
    return endpoint


def _term(t: Node | None, bnodes: dict[str, ox.BlankNode]) -> Any:
    """A term of a query answer as a pyoxigraph term; blank nodes by label through `bnodes`."""
    assert t is not None  # every variable is in the pattern
    if isinstance(t, BNode):
        return bnodes.setdefault(str(t), ox.BlankNode())
    return to_ox(t)


def _has_blank_node(quads: Iterable[ox.Quad]) -> bool:
    return any(
        isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads
    )


def _own_blank_nodes(quads: list[ox.Quad]) -> list[ox.Quad]:
    """`quads` with their blank nodes renamed to fresh ones, so that a blank node label shared
    with another graph's quads does not join the two in one INSERT."""
    if not _has_blank_node(quads):
        return quads
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def term(t: Any) -> Any:
        return fresh.setdefault(t, ox.BlankNode()) if isinstance(t, ox.BlankNode) else t

    return [ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) for q in quads]


def _insert(quads: list[ox.Quad]) -> str:
    """INSERT DATA; with blank nodes the same triples as INSERT { } WHERE { }, which means the
    same (fresh blank nodes, one per label) and which Virtuoso accepts: it refuses blank nodes in
    INSERT DATA ("not allowed in a constant clause")."""
    data = _insert_data(quads)
    if not _has_blank_node(quads):
        return data
    assert data.startswith("INSERT DATA {")
    return "INSERT {" + data[len("INSERT DATA {") :] + " WHERE {}"


class RemoteStore:
    """Any SPARQL 1.1 endpoint. Credentials come from COKG_USER / COKG_PASSWORD only."""

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        gsp_endpoint: str | None = None,
        method: str = "gsp",
        allow_network: bool = False,
        batch_size: int = 50_000,
    ) -> None:
        if not re.match(r"https?://", endpoint):
            raise ParameterError(f"endpoint must be an http(s) URL: {endpoint!r}")
        if method not in ("gsp", "update"):
            raise ParameterError(f"method must be gsp or update, not {method!r}")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or _derive(endpoint, "update")
        self.gsp_endpoint = gsp_endpoint or _derive(endpoint, "store")
        self.method = method
        self.allow_network = allow_network
        self.batch_size = batch_size
        self._user = os.environ.get("COKG_USER")
        self._password = os.environ.get("COKG_PASSWORD")
        # the endpoint's row cap (Virtuoso's ResultSetMaxRows), once an X-SPARQL-MaxRows
        # header has said it; and the largest answer known to be below any cap it has
        self._cap: int | None = None
        self._below_cap = 0

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.release_lease()

    # the write lease

    _lease: str | None = None
    _lease_renewed: float = 0.0  # time.monotonic() when the lease was taken or last renewed

    def take_lease(self, wait: float | None = None, *, command: str = "") -> None:
        """Wait up to `wait` seconds ($COKG_WAIT, default 120) for the server's write lease, as
        a writer waits for an embedded store; StoreError saying who holds it and since when.
        One SPARQL Update inserts this writer's lease only where none is held (atomic on
        Oxigraph server; Virtuoso may let two in), then the leases are read back: a writer
        holds the lease when its own is the only one, and withdraws its own otherwise. A lease
        past its expiry (a crashed writer) is broken. close() releases it."""
        if self._lease is not None:
            return
        wait = float(os.environ.get("COKG_WAIT", "120")) if wait is None else wait
        seconds = float(os.environ.get("COKG_LEASE_SECONDS", LEASE_SECONDS))
        token = f"{_LEASE}{uuid.uuid4().hex}"
        holder = f"{socket.gethostname()} process {os.getpid()}"
        graph, lease = f"<{LEASE_GRAPH}>", f"<{token}>"
        deadline = time.monotonic() + wait
        while True:
            now = datetime.now(UTC).replace(microsecond=0)
            stamp = Literal(now.isoformat(), datatype=XSD.dateTime).n3()
            expires = Literal(
                (now + timedelta(seconds=seconds)).isoformat(), datatype=XSD.dateTime
            ).n3()
            self._update(
                f"DELETE {{ GRAPH {graph} {{ ?l ?p ?o }} }} WHERE {{ GRAPH {graph} "
                f"{{ ?l <{_LEASE}expires> ?e ; ?p ?o }} FILTER (?e < {stamp}) }};\n"
                f"INSERT {{ GRAPH {graph} {{ {lease} <{_LEASE}holder> "
                f"{Literal(holder).n3()} ; <{_LEASE}command> {Literal(command).n3()} ; "
                f"<{_LEASE}since> {stamp} ; <{_LEASE}expires> {expires} }} }} "
                f"WHERE {{ FILTER NOT EXISTS {{ GRAPH {graph} {{ ?l <{_LEASE}since> ?x }} }} }}"
            )
            leases = self._leases()
            if [t for t, *_ in leases] == [token]:
                self._lease = token
                self._lease_renewed = time.monotonic()
                return
            if any(t == token for t, *_ in leases):
                # Virtuoso let another writer in beside this one (its INSERT ... WHERE is not
                # isolated): both withdraw, and try again after a random pause. A writer holds
                # only a lease it saw alone, so two never both hold one.
                self._drop_lease(token)
                leases = [x for x in leases if x[0] != token]
            if time.monotonic() >= deadline:
                raise StoreError(_held_message(self.endpoint, leases, wait))
            time.sleep(min(random.uniform(0.05, 0.5), max(0.0, deadline - time.monotonic())))

    def _renew_lease(self) -> None:
        """Move the held lease's expiry on, once a third of its time has gone: a push or a
        restore running longer than the lease would otherwise have it broken by the next
        writer, as if it had crashed. A lease found gone (broken after all) stops the write."""
        if self._lease is None:
            return
        seconds = float(os.environ.get("COKG_LEASE_SECONDS", LEASE_SECONDS))
        if time.monotonic() - self._lease_renewed < seconds / 3:
            return
        now = datetime.now(UTC).replace(microsecond=0)
        expires = Literal(
            (now + timedelta(seconds=seconds)).isoformat(), datatype=XSD.dateTime
        ).n3()
        graph, lease, key = f"<{LEASE_GRAPH}>", f"<{self._lease}>", f"<{_LEASE}expires>"
        self._update(
            f"DELETE {{ GRAPH {graph} {{ {lease} {key} ?e }} }} "
            f"INSERT {{ GRAPH {graph} {{ {lease} {key} {expires} }} }} "
            f"WHERE {{ GRAPH {graph} {{ {lease} {key} ?e }} }}"
        )
        if not any(t == self._lease for t, *_ in self._leases()):
            self._lease = None
            raise StoreError(
                f"{self.endpoint}: this writer's lease was taken over (it had expired): the "
                "write stopped part way; run it again"
            )
        self._lease_renewed = time.monotonic()

    def release_lease(self) -> None:
        if self._lease is not None:
            token, self._lease = self._lease, None
            with contextlib.suppress(StoreError):  # it expires in any case
                self._drop_lease(token)

    def _drop_lease(self, token: str) -> None:
        self._update(
            f"DELETE {{ GRAPH <{LEASE_GRAPH}> {{ <{token}> ?p ?o }} }} "
            f"WHERE {{ GRAPH <{LEASE_GRAPH}> {{ <{token}> ?p ?o }} }}"
        )

    def _leases(self) -> list[tuple[str, str, str, datetime | None, datetime | None]]:
        """(lease, holder, command, since, expires) of every lease, the earliest first."""
        rows = self.query(
            f"SELECT ?l ?h ?c ?s ?e WHERE {{ GRAPH <{LEASE_GRAPH}> {{ ?l <{_LEASE}holder> ?h ; "
            f"<{_LEASE}since> ?s OPTIONAL {{ ?l <{_LEASE}command> ?c }} "
            f"OPTIONAL {{ ?l <{_LEASE}expires> ?e }} }} }}",
            internal=True,
        ).rows
        out = [
            (str(r["l"]), str(r["h"]), str(r.get("c") or ""), _when(r["s"]), _when(r.get("e")))
            for r in rows
        ]
        return sorted(out, key=lambda x: (str(x[3]), x[0]))

    # queries

    def _wrapper(self, url: str, timeout: float | None) -> Any:
        from SPARQLWrapper import POST, SPARQLWrapper

        w = SPARQLWrapper(url, updateEndpoint=self.update_endpoint)
        w.setMethod(POST)
        if self._user:
            w.setCredentials(self._user, self._password or "")
        if timeout:
            w.setTimeout(max(1, round(timeout)))
        return w

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,  # the server's own limits apply
        internal: bool = False,
        keep: int | None = None,  # every row arrives parsed (JSON): all are converted
        bookkeeping: bool = False,  # only the server's own limits apply
        cut_at_cap: bool = False,
    ) -> QueryResult:
        """The answer, every row of it: one the endpoint cut at its row cap (Virtuoso's
        ResultSetMaxRows) is a QueryError, unless `cut_at_cap`, for a caller that cuts and
        flags answers itself (cokg serve): the rows then come back `truncated`."""
        from SPARQLWrapper import JSON, TURTLE

        if internal and not bindings:
            # cokg's own text (see OxigraphStore.query): lexed, not parsed, as the embedded
            # store runs it unparsed; validation sends ~200 of them
            form = internal_form(sparql)
        else:
            screened = screen(sparql, allow_network=self.allow_network)
            form = screened.form
            sparql = bind(screened, bindings)
        sparql = drop_placeholders(sparql)
        w = self._wrapper(self.endpoint, DEFAULT_TIMEOUT if timeout is None else timeout)
        w.setQuery(sparql)
        # SPARQLWrapper guesses the form with a regex that comments can fool (and a guessed
        # update form would go to the update endpoint): use the form our scanner found
        w.queryType = form.upper()
        w.setReturnFormat(TURTLE if form in ("construct", "describe") else JSON)
        body, cap, server = self._run(w)
        if form in ("construct", "describe"):
            try:
                parsed = list(ox.parse(input=body, format=ox.RdfFormat.TURTLE))
                triples = [
                    (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
                    for t in dict.fromkeys(parsed)  # a graph: each triple once
                ]
            except SyntaxError as exc:
                raise QueryError(f"truncated or invalid answer from the endpoint: {exc}") from None
            cap = cap or self._graph_cap(len(parsed), server, timeout)
            if cap is not None and not cut_at_cap:
                raise QueryError(
                    f"the endpoint returns at most {cap} triples (its ResultSetMaxRows) and "
                    f"this answer has {len(parsed)}, so it may be cut; narrow the query (page "
                    "it with LIMIT and OFFSET), or raise ResultSetMaxRows in the server's "
                    "virtuoso.ini"
                )
            return QueryResult(kind="graph", triples=triples, truncated=cap is not None)
        if cap is not None and not cut_at_cap:
            raise QueryError(
                f"the endpoint returns at most {cap} rows and this answer reached that limit, "
                "so it may be cut; narrow the query, or raise ResultSetMaxRows in the server's "
                "virtuoso.ini"
            )
        try:
            doc = json.loads(body)
        except ValueError:
            raise QueryError("truncated or invalid answer from the endpoint (timeout?)") from None
        if "boolean" in doc:
            return QueryResult(kind="ask", boolean=bool(doc["boolean"]))
        variables = list(doc.get("head", {}).get("vars", []))
        solutions: list[dict[str, Any]] = doc.get("results", {}).get("bindings", [])
        if form == "ask":
            # Virtuoso 7.2 answers ASK as a table: one row {"__ASK_RETVAL": 1} or no row
            values = [cell.get("value") for b in solutions for cell in b.values()]
            if len(variables) != 1 or len(solutions) > 1:
                raise QueryError(f"the endpoint answered ASK with a table of {variables}")
            return QueryResult(kind="ask", boolean=any(v not in ("0", "false") for v in values))
        rows = [{v: (from_json(b[v]) if v in b else None) for v in variables} for b in solutions]
        return QueryResult(kind="select", variables=variables, rows=rows, truncated=cap is not None)

    def _graph_cap(self, triples: int, server: str, timeout: float | None) -> str | None:
        """The endpoint's cap when a CONSTRUCT or DESCRIBE answer of `triples` triples may
        have been cut at it, else None. Virtuoso cuts a graph at ResultSetMaxRows (+1) triples
        as it cuts a table at ResultSetMaxRows rows, but flags only the table (X-SPARQL-MaxRows):
        the cap is learnt from a table's flag, from a SELECT of as many rows sent to read it
        when no answer has given it yet."""
        if not triples or (self._cap is None and not server.startswith("Virtuoso")):
            return None
        if self._cap is None and triples > self._below_cap:
            # at least 10,000 rows (the packaged cap): one probe usually settles it for good
            self._probe_cap(max(triples, 10_000), timeout)
        if self._cap is not None and triples >= self._cap:
            return str(self._cap)
        return None

    def _probe_cap(self, rows: int, timeout: float | None) -> None:
        """Ask for a table of `rows` rows made of nothing but VALUES (whatever the data) and
        read whether the endpoint flags it as cut at its cap."""
        from SPARQLWrapper import CSV

        w = self._wrapper(self.endpoint, DEFAULT_TIMEOUT if timeout is None else timeout)
        w.setQuery(_rows_query(rows))
        w.queryType = "SELECT"
        w.setReturnFormat(CSV)  # one short line a row
        _, cap, _ = self._run(w)
        if cap is None:
            self._below_cap = max(self._below_cap, rows)

    def _run(self, w: Any) -> tuple[bytes, str | None, str]:
        """The answer's body, the row cap the endpoint says it reached (None: it did not), and
        the server's name (its Server header)."""
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        self._check_tls(self.endpoint)
        try:
            response = w.query().response
            body = response.read()
        except SPARQLWrapperException as exc:
            raise QueryError(
                f"endpoint refused the query: {_refusal(exc, self._credentials)}"
            ) from None
        except urllib.error.HTTPError as exc:  # a status SPARQLWrapper has no exception for
            raise StoreError(_answered(self.endpoint, exc, self._credentials)) from None
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(_unreachable(self.endpoint, exc)) from None
        # Virtuoso cuts every answer at its ResultSetMaxRows and says so only in this header
        cap: str | None = response.headers.get("X-SPARQL-MaxRows")
        if cap is not None:
            with contextlib.suppress(ValueError):
                self._cap = int(cap)
        return body, cap, str(response.headers.get("Server") or "")

    def _update(self, update: str) -> None:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        self._check_tls(self.update_endpoint)
        w = self._wrapper(self.endpoint, None)
        w.setQuery(update)
        w.queryType = "INSERT"  # any update form: sent to the update endpoint
        try:
            w.query()
        except SPARQLWrapperException as exc:
            raise StoreError(
                f"endpoint refused the update: {_refusal(exc, self._credentials)}"
            ) from None
        except urllib.error.HTTPError as exc:
            raise StoreError(_answered(self.update_endpoint, exc, self._credentials)) from None
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(_unreachable(self.update_endpoint, exc)) from None

    def graphs(self) -> list[str]:
        """cokg's graphs on the endpoint (IRIs under GRAPH_PREFIX), each with triples."""
        res = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} {_OWN} }}")
        if not res.rows:  # Virtuoso lists no graph for an empty pattern
            res = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_OWN} }}")
        return sorted(
            str(r["g"])
            for r in res.rows
            if isinstance(r["g"], URIRef) and str(r["g"]).startswith(GRAPH_PREFIX)
        )

    def count(self, graph_iri: str | None = None) -> int:
        if graph_iri is None:
            res = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_OWN} }}")
        else:
            g = URIRef(graph_node(graph_iri).value)
            res = self.query(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": g}
            )
        n = res.rows[0]["n"] if res.rows else None
        return int(n) if isinstance(n, Literal) else 0

    def export(self, *, format: str, graph_iris: list[str] | None = None) -> bytes:
        if format not in EXPORT_FORMATS:
            raise ParameterError(
                f"unknown export format {format!r}; use {', '.join(EXPORT_FORMATS)}"
            )
        targets = self.graphs() if graph_iris is None else list(graph_iris)
        existing = set(self.graphs()) if graph_iris is not None else set(targets)
        missing = [g for g in targets if g not in existing]
        if missing:
            raise ParameterError(f"no such graph: {', '.join(missing)}")
        quads: list[ox.Quad] = []
        read: dict[str, int] = {}
        for g in targets:
            rows = self._graph_rows(g)
            read[g] = len({(r["s"], r["p"], r["o"]) for r in rows})
            node = graph_node(g)
            # a server's blank node labels need not be valid in N-Quads (Virtuoso's are
            # "nodeID://b10000"): one fresh blank node per label, the same in every row
            bnodes: dict[str, ox.BlankNode] = {}
            for r in rows:
                s, p, o = (_term(r[v], bnodes) for v in ("s", "p", "o"))
                assert not isinstance(s, ox.Literal) and isinstance(p, ox.NamedNode)
                quads.append(ox.Quad(s, p, o, node))
        self._check_whole(read)
        # the integer types the ontology declares, which Oxigraph server (like the embedded
        # store) keeps as xsd:integer: an export says what the data said, from any store, and
        # of any of its graphs (the ontology need not be among them)
        return serialize_quads(restore_declared_types(quads, self.declared_types()), format)

    def declared_types(self, *, timeout: float | None = None) -> dict[ox.NamedNode, ox.NamedNode]:
        """Property -> the narrower integer type its rdfs:range declares, as the server's
        ontology states it (`cokg.store.datatypes.declared_types`)."""
        rows = self.query(f"SELECT ?p ?t WHERE {{ ?p <{RANGE.value}> ?t }}", timeout=timeout).rows
        return declared_types(
            ox.Quad(ox.NamedNode(str(r["p"])), RANGE, ox.NamedNode(str(r["t"])))
            for r in rows
            if isinstance(r["p"], URIRef) and isinstance(r["t"], URIRef)
        )

    def _graph_rows(self, graph_iri: str) -> list[dict[str, Node | None]]:
        """Every triple of a graph as rows ?s ?p ?o: one SELECT, or, on an endpoint that cut
        that answer at its row cap (Virtuoso's ResultSetMaxRows), page after page of fewer rows
        than the cap. Not ordered: Virtuoso refuses ORDER BY past 10,000 rows (MaxSortedTopRows),
        so the pages are checked whole afterwards (_check_whole) instead."""
        select = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
        g = {"g": URIRef(graph_iri)}
        res = self.query(select, bindings=g, cut_at_cap=True)
        if not res.truncated:
            return res.rows
        if self._cap is None or self._cap < 2:
            raise QueryError(f"{self.endpoint} cut the graph {graph_iri} at its row cap")
        size, rows = self._cap - 1, list[dict[str, Node | None]]()
        while True:
            self._renew_lease()  # a backup holds the lease: a long read keeps it
            page = self.query(f"{select} LIMIT {size} OFFSET {len(rows)}", bindings=g)
            rows += page.rows
            if len(page.rows) < size:
                return rows

    def _check_whole(self, read: Mapping[str, int]) -> None:
        """Each graph read held as many triples as the endpoint counts in it: an export is
        never short, whether a server cut an answer without saying so or a graph changed
        while it was read."""
        if not read:
            return
        res = self.query(
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_OWN} }} GROUP BY ?g",
            internal=True,
        )
        counts = {str(r["g"]): int(str(r["n"])) for r in res.rows if r["n"] is not None}
        for g, got in read.items():
            if got != counts.get(g, 0):
                raise StoreError(
                    f"{self.endpoint}: the graph {g} came back with {got:,} of its "
                    f"{counts.get(g, 0):,} triples, so nothing was written: the graph changed "
                    "while it was read (run it again), or the server cut the answer without "
                    "saying so (raise its result limit: Virtuoso's ResultSetMaxRows)"
                )

    # writes

    def replace_graphs(
        self,
        graphs: Mapping[str, Iterable[Triple]],
        progress: Progress | None = None,
        *,
        drop: Iterable[str] = (),
    ) -> None:
        """Replace each graph by its triples and drop the `drop` graphs. SPARQL Update: one
        request (one transaction) while everything fits in batch_size triples. GSP: one request
        per graph, atomic per graph."""
        by_graph = {g: triples_to_quads(graph_node(g), triples) for g, triples in graphs.items()}
        drops = [graph_node(g).value for g in drop if g not in by_graph]
        self._put(by_graph, progress, drops)

    def load_files(self, files: Mapping[str, Path], progress: Progress | None = None) -> None:
        by_graph = {g: _read_file(graph_node(g), Path(f)) for g, f in files.items()}
        self._put(by_graph, progress)

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        nodes = [graph_node(g) for g in graph_iris]
        if not nodes:
            return
        self._renew_lease()
        if self.method == "gsp":
            for g in nodes:
                self._gsp("DELETE", g.value, None, missing_ok=True)
        else:
            self._update(";\n".join(f"DROP SILENT GRAPH <{g.value}>" for g in nodes))

    def _put(
        self,
        by_graph: Mapping[str, list[ox.Quad]],
        progress: Progress | None,
        drops: list[str] | None = None,
    ) -> None:
        """Graph by graph. GSP: one PUT per graph (atomic per graph), then the DELETEs of
        `drops` (a failed PUT drops nothing). Update: everything in one request while it fits in
        batch_size triples; past that, the drops, the first graph's drop and its first batch in
        one request, and a graph over batch_size triples in several requests."""
        self._renew_lease()
        extra = list(drops or ())
        size = sum(len(quads) for quads in by_graph.values())
        if self.method == "update" and by_graph and size <= self.batch_size:
            # A submission (a case is about a thousand triples) in one request: every drop and
            # the inserts, so a failure or a kill leaves the endpoint as it was (one
            # transaction on Oxigraph server), never some graphs replaced and not others.
            if progress:
                progress(f"{len(by_graph)} graph(s), {size} triples, in one request")
            targets = [*extra, *(graph_node(g).value for g in by_graph)]
            ops = [f"DROP SILENT GRAPH <{g}>" for g in targets]
            # one INSERT per graph, each graph's blank nodes its own (a label names one node
            # across a request's operations; Virtuoso 7 fails on one INSERT { } WHERE { } of
            # several graphs)
            inserts = [_insert(_own_blank_nodes(q)) for q in by_graph.values() if q]
            self._update(";\n".join([*ops, *inserts]))
            return
        gsp_drops: list[str] = []
        if self.method == "gsp":
            gsp_drops, extra = extra, []
        if extra and not by_graph:
            self._update(";\n".join(f"DROP SILENT GRAPH <{g}>" for g in extra))
        for i, (g, quads) in enumerate(by_graph.items(), 1):
            if progress:
                progress(f"[{i}/{len(by_graph)}] {g} ({len(quads)} triples)")
            if self.method == "gsp" and not quads:
                self._gsp("DELETE", g, None, missing_ok=True)  # an empty PUT keeps the graph
                continue
            if self.method == "gsp":
                body = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
                self._gsp("PUT", g, body)
                continue
            drop = ";\n".join(f"DROP SILENT GRAPH <{d}>" for d in [*extra, graph_node(g).value])
            extra = []
            if not quads:
                self._update(drop)
            for start in range(0, len(quads), self.batch_size):
                batch = _insert(quads[start : start + self.batch_size])
                self._update(f"{drop};\n{batch}" if start == 0 else batch)
        if self.method == "gsp":
            for g in gsp_drops:
                self._gsp("DELETE", g, None, missing_ok=True)

    def _gsp(self, verb: str, graph: str, body: bytes | None, *, missing_ok: bool = False) -> None:
        self._check_tls(self.gsp_endpoint)
        sep = "&" if "?" in self.gsp_endpoint else "?"
        url = f"{self.gsp_endpoint}{sep}{urllib.parse.urlencode({'graph': graph})}"
        req = urllib.request.Request(url, data=body, method=verb)
        if body is not None:
            req.add_header("Content-Type", "application/n-triples")
        if self._user:
            token = base64.b64encode(f"{self._user}:{self._password or ''}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=600) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404 and not _cokg_serve(exc):
                return
            said = _answered(self.gsp_endpoint, exc, self._credentials, gsp=True)
            raise StoreError(f"{verb} {graph} failed: {said}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(_unreachable(self.gsp_endpoint, exc)) from None

    def _check_tls(self, url: str) -> None:
        """check_tls of the endpoint's URL first, so that a server speaking plain HTTP is
        named by the URL the user gave (a write goes to one derived from it)."""
        check_tls(self.endpoint)
        if url != self.endpoint:
            check_tls(url)

    @property
    def _credentials(self) -> bool:
        return bool(self._user)


def _rows_query(rows: int) -> str:
    """A SELECT of exactly `rows` rows, whatever the store holds: VALUES blocks of at most 1,000
    values whose product reaches `rows`, kept small because Virtuoso makes the whole product."""
    blocks: list[int] = []
    left = max(1, rows)
    while left > 1 or not blocks:
        size = min(1000, left)
        blocks.append(size)
        left = -(-left // size)
    values = " ".join(
        f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(size))} }}"
        for i, size in enumerate(blocks)
    )
    return f"SELECT (1 AS ?x) WHERE {{ {values} }} LIMIT {rows}"


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None


def _clock(when: datetime | None) -> str:
    """A lease's time in local time, with its date when it is not today's ("expires at
    00:00:00" said nothing of a lease set to 2099)."""
    if when is None:
        return "?"
    local = when.astimezone()
    today = datetime.now().astimezone().date()
    return local.strftime("%H:%M:%S" if local.date() == today else "%Y-%m-%d %H:%M:%S")


def _held_message(
    endpoint: str, leases: list[tuple[str, str, str, datetime | None, datetime | None]], wait: float
) -> str:
    """The writer's words for a server another writer holds (as for an embedded store)."""
    who = ""
    if leases:
        _, holder, command, since, expires = leases[0]
        local = [_clock(d) for d in (since, expires)]
        doing = f", {command}" if command else ""
        who = f" ({holder}{doing}, since {local[0]}; its lease expires at {local[1]})"
    waited = f"; waited {wait:g} s (raise it with --wait or COKG_WAIT)" if wait else ""
    return f"{endpoint} is being written by another writer{who}{waited}"


CONFIG_KEYS = ("endpoint", "update_endpoint", "gsp_endpoint", "method")


def remote_config() -> dict[str, str]:
    """Endpoint settings from `.cokg/config.toml` in the working directory (keys endpoint,
    update_endpoint, gsp_endpoint, method), overridden by COKG_ENDPOINT."""
    cfg: dict[str, str] = {}
    project = paths.find_project()
    path = (project or Path.cwd()) / ".cokg" / "config.toml"
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(f"unreadable config: {exc}", file=path) from None
        for key in ("user", "password"):
            if key in raw:
                raise StoreError(
                    "credentials do not belong in the config file; set COKG_USER and "
                    "COKG_PASSWORD in the environment",
                    file=path,
                )
        for key, value in raw.items():
            # a mistyped key ("endpont") silently sent a steward's ingest to a new local store
            if key not in CONFIG_KEYS:
                near = difflib.get_close_matches(key, CONFIG_KEYS, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise StoreError(
                    f"unknown setting {key!r}{hint}; the settings: {', '.join(CONFIG_KEYS)}",
                    file=path,
                )
            if not isinstance(value, str):
                raise StoreError(f"{key} must be a quoted string, not {value!r}", file=path)
            if not value.strip():  # endpoint = "" fell back to the local store without a word
                raise StoreError(f"{key} is empty: give a URL, or delete the line", file=path)
            if key == "method" and value not in ("gsp", "update"):
                raise StoreError(f"method must be gsp or update, not {value!r}", file=path)
            cfg[key] = value
    env = os.environ.get("COKG_ENDPOINT")
    if env and env != cfg.get("endpoint"):
        # the file's update and Graph Store URLs belong to the file's endpoint: kept, writes
        # would have gone to that server while reads went to this one
        cfg = {k: v for k, v in cfg.items() if k not in ("update_endpoint", "gsp_endpoint")}
        cfg["endpoint"] = env
    return cfg


# SPARQLWrapper's exceptions by the HTTP status they stand for, said for people
_REFUSALS = {
    "EndPointNotFound": "404, no SPARQL endpoint at that address (Oxigraph's ends in /query, "
    "Virtuoso's in /sparql)",
    "Unauthorized": "401, not authorised",
    "QueryBadFormed": "400, the endpoint could not read the query",
    "URITooLong": "414, the query is too long for the endpoint",
    "EndPointInternalError": "500, the endpoint failed",
}


def _credentials_hint(credentials: bool) -> str:
    """What a 401 means: credentials refused, or none given."""
    if credentials:
        return "the server refused the credentials in COKG_USER / COKG_PASSWORD"
    return "the server wants credentials and none were given: set COKG_USER and COKG_PASSWORD"


def _unreachable(url: str, exc: BaseException) -> str:
    """A connection that failed before any HTTP answer, said for people."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ConnectionRefusedError):
        why = "the connection was refused: no server is running at that address (host and port)"
    elif isinstance(reason, socket.gaierror):
        why = "no such host"
    elif isinstance(reason, TimeoutError | socket.timeout):
        why = "the server did not answer in time"
    elif isinstance(reason, OSError) and reason.strerror:
        why = reason.strerror
    else:
        why = str(reason)
    return f"cannot reach {url}: {why}"


def _cokg_serve(exc: urllib.error.HTTPError) -> bool:
    """Whether the answer came from `cokg serve`, which takes no writes."""
    return (exc.headers.get("X-Cokg-Error") or "") in ("read-only", "update")


def _answered(
    url: str, exc: urllib.error.HTTPError, credentials: bool, *, gsp: bool = False
) -> str:
    """An HTTP answer that refused a request, said for people: the server was reached."""
    if _cokg_serve(exc):
        return (
            f"{url} is served by cokg serve, which is read-only: it takes no writes. Write to "
            "the store it serves (--store DIR) or to the SPARQL server behind it"
        )
    try:
        body = exc.read()[:300].decode("utf-8", "replace")
    except OSError:
        body = ""
    lines = [x.strip() for x in body.splitlines() if x.strip()]
    said = f"{url} answered HTTP {exc.code} {exc.reason}"
    if lines and lines[0] != exc.reason:
        said += f": {lines[0][:200]}"
    if exc.code == 401:
        said += f" ({_credentials_hint(credentials)})"
    elif gsp and exc.code in (400, 404, 405, 415):
        said += (
            " (no Graph Store Protocol there: Oxigraph serves it at /store, so give its query "
            "URL ending in /query; for another server set gsp_endpoint in .cokg/config.toml)"
        )
    elif exc.code in (404, 405, 415):
        said += " (is that the query URL? Oxigraph's ends in /query, Virtuoso's in /sparql)"
    return said


def _refusal(exc: Exception, credentials: bool = False) -> str:
    """SPARQLWrapper's multi-line message (its advice, then the body as a bytes repr) as one
    line: the status in words and the first line of what the server said."""
    said = _REFUSALS.get(type(exc).__name__, type(exc).__name__)
    if type(exc).__name__ == "Unauthorized":
        said += f" ({_credentials_hint(credentials)})"
    _, sep, body = str(exc).partition("\n\nResponse:\n")
    if sep and body.startswith(("b'", 'b"')):  # the body as Python wrote it, bytes and all
        with contextlib.suppress(ValueError, SyntaxError):
            raw = ast.literal_eval(body)
            body = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    lines = [x.strip() for x in body.splitlines() if x.strip()]
    return f"{said}: {lines[0][:200]}" if lines else said
