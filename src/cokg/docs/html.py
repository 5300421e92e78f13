"""The documentation pages' bodies: the ontology (every term of every module) and one concept
scheme (every concept with its hierarchy and mappings), built with the server's HTML helpers
(`cokg.serve.render`: every value passes through `esc` once) and its stylesheet's classes.

Each term sits at an anchor equal to its IRI's fragment (`#Quotation`), each concept at its
IRI's last path segment (`#II.A`); terms of other vocabularies at their prefixed name
(`#prov:Activity`). The page's own sections have ids starting `doc-`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote

from rdflib.term import URIRef

from cokg.docs.read import (
    INVERSE_MATCH,
    VANN_PREFIX,
    VANN_URI,
    Concept,
    Described,
    FrameworksDoc,
    OntologyDoc,
    Restricted,
    Scheme,
    Term,
    UnionOf,
    Value,
    last_segment,
)
from cokg.namespaces import DCTERMS, OWL, PREFIXES, RDF, RDFS, SKOS, XSD
from cokg.serve.render import esc, href_for, table

# Vocabularies whose terms are shown as names, not links: the languages the ontology is written in.
BUILT_IN = (str(XSD), str(RDF), str(RDFS), str(OWL))
KIND_HEADINGS = (
    ("class", "Classes"),
    ("object property", "Object properties"),
    ("datatype property", "Datatype properties"),
    ("annotation property", "Annotation properties"),
    ("individual", "Individuals"),
)
STATED_THERE = ' <span class="muted">(stated on the other concept)</span>'
MANY = 12  # longer lists of linked terms (the top-level disjoint classes) start folded
CHARACTERISTICS = {
    str(OWL[n + "Property"]): n.lower().replace("inversef", "inverse f")
    for n in (
        "Functional", "InverseFunctional", "Transitive", "Symmetric", "Asymmetric", "Reflexive",
        "Irreflexive",
    )
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    """Where links lead: the server's routes (`served`) or the files `write_docs` writes, seen
    from a page `depth` directories below the site's root."""

    served: bool = False
    depth: int = 0

    def below(self, depth: int) -> Site:
        return replace(self, depth=depth)

    def _root(self) -> str:
        return "/" if self.served else "../" * self.depth

    def index(self) -> str:
        return "/framework" if self.served else self._root() + "index.html"

    def ontology(self) -> str:
        return "/ontology" if self.served else self._root() + "ontology.html"

    def scheme(self, slug: str) -> str:
        if self.served:
            return "/framework/" + quote(slug, safe="")
        return self._root() + "framework/" + file_name(slug)

    def resource(self, iri: str) -> str:
        """A resource outside the documentation: the server's page for our own data, else the
        IRI itself."""
        return href_for(iri) if self.served and iri.startswith(PREFIXES["cokgid"]) else iri


def file_name(slug: str) -> str:
    """The file a scheme's page is written to, under framework/: never a path of its own."""
    name = quote(slug, safe="-._~")
    return ("_" + name if name.startswith(".") else name) + ".html"


class Names:
    """Short names (prefixed, as people read them) and anchors for the IRIs on the pages."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        # prefix -> namespace: cokg's own, and those the store's vocabularies declare (vann)
        self.prefixes = {**PREFIXES, **prefixes}

    @classmethod
    def of(cls, ontology: OntologyDoc | None, schemes: Iterable[Scheme]) -> Names:
        found: dict[str, str] = {}
        described: list[Described] = list(schemes)
        if ontology is not None and ontology.ontology is not None:
            described.append(ontology.ontology)
        for d in described:
            prefix, uri = d.texts(VANN_PREFIX), d.texts(VANN_URI)
            if prefix and uri:
                found[prefix[0]] = uri[0]
        return cls(found)

    def short(self, iri: str) -> str:
        """cokg:Quotation, cfir22:II.A, cokgid:source/founding-article; the IRI itself when
        no prefix is known."""
        best = max((ns for ns in self.prefixes.values() if iri.startswith(ns)), key=len, default="")
        if best and len(iri) > len(best):
            prefix = next(p for p, ns in self.prefixes.items() if ns == best)
            return f"{prefix}:{iri[len(best) :]}"
        return iri

    def term(self, iri: str) -> str:
        """A term's short name: as `short`, or from its namespace's last segment when no prefix
        is known (oa:Annotation for http://www.w3.org/ns/oa#Annotation)."""
        found = self.short(iri)
        if found != iri:
            return found
        local = last_segment(iri)
        namespace = iri[: len(iri) - len(local)].rstrip("/#")
        where = last_segment(namespace) if "/" in namespace else ""
        return f"{where}:{local}" if where and where != namespace else iri


class Anchors:
    """Unique ids on one page: the wanted one, or with -2, -3... when it is taken."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.taken = set(reserved)
        self.by_iri: dict[str, str] = {}

    def give(self, iri: str, wanted: str) -> str:
        anchor, n = wanted, 1
        while anchor in self.taken:
            n += 1
            anchor = f"{wanted}-{n}"
        self.taken.add(anchor)
        self.by_iri[iri] = anchor
        return anchor

    def get(self, iri: str) -> str | None:
        return self.by_iri.get(iri)


def _facts(rows: Sequence[tuple[str, str]]) -> str:
    """A definition list of (name, HTML already built), leaving out empty values."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows if v)
    return f'<dl class="facts">{items}</dl>' if items else ""


def _joined(items: Iterable[str], sep: str = ", ") -> str:
    return sep.join(dict.fromkeys(i for i in items if i))


def _paragraphs(texts: Iterable[str]) -> str:
    return "".join(f"<p>{esc(t)}</p>" for t in texts)


def _sort_key(text: str) -> list[tuple[int, int | str]]:
    """Natural order: II.A.2 before II.A.10, case-insensitive."""
    parts: list[tuple[int, int | str]] = []
    for chunk in _split_digits(text.casefold()):
        parts.append((0, int(chunk)) if chunk.isdigit() else (1, chunk))
    return parts


def _split_digits(text: str) -> list[str]:
    out: list[str] = []
    for ch in text:
        if out and ch.isdigit() == out[-1][-1].isdigit():
            out[-1] += ch
        else:
            out.append(ch)
    return out


# --------------------------------------------------------------------------- navigation


def docs_nav(site: Site, schemes: Iterable[Scheme], current: str) -> str:
    """The documentation's own navigation: the index, the ontology and every scheme;
    `current` is "index", "ontology" or a scheme's slug."""
    links = [("index", site.index(), "Index"), ("ontology", site.ontology(), "Ontology")]
    links += [(s.slug, site.scheme(s.slug), s.slug) for s in schemes]
    titles = {s.slug: s.title for s in schemes}
    items = []
    for key, href, text in links:
        here = ' aria-current="page"' if key == current else ""
        title = f' title="{esc(titles[key])}"' if key in titles else ""
        items.append(f'<a href="{esc(href)}"{title}{here}>{esc(text)}</a>')
    return (
        '<nav class="docs" aria-label="Documentation"><p class="muted">Documentation: '
        + " · ".join(items)
        + "</p></nav>"
    )


# --------------------------------------------------------------------------- the index


def index_body(site: Site, ontology: OntologyDoc, frameworks: FrameworksDoc) -> str:
    """The documentation's front page: the ontology and every scheme, with what each holds."""
    counts = {kind: 0 for kind, _ in KIND_HEADINGS}
    for t in _own_terms(ontology):
        counts[t.kind] += 1
    title = ontology.ontology.text(DCTERMS.title) if ontology.ontology else None
    parts = [
        "<p>Reference pages for the knowledge graph's vocabulary: the OWL ontology its data "
        "is written in, and the framework concept schemes its findings are coded to.</p>",
        docs_nav(site, frameworks.schemes.values(), "index"),
        '<h2 id="doc-ontology">Ontology</h2>',
    ]
    if ontology.ontology is None:
        parts.append('<p class="muted">The store holds no ontology.</p>')
    else:
        names = dict(KIND_HEADINGS)
        held = ", ".join(f"{n} {names[kind].lower()}" for kind, n in counts.items() if n)
        parts.append(
            f'<p><a href="{esc(site.ontology())}">{esc(title or ontology.ontology.iri)}</a> '
            f'<span class="muted">— {len(ontology.modules)} modules; {esc(held)}</span></p>'
        )
        parts += _paragraphs(ontology.ontology.texts(DCTERMS.description))
    rows = []
    for s in frameworks.schemes.values():
        prefix = s.texts(VANN_PREFIX)
        rows.append(
            [
                f'<a href="{esc(site.scheme(s.slug))}">{esc(s.title)}</a>',
                f"<code>{esc(prefix[0])}:</code>" if prefix else "",
                esc(len(s.concepts)),
                esc(s.text(DCTERMS.description) or ""),
            ]
        )
    parts.append('<h2 id="doc-frameworks">Framework concept schemes</h2>')
    if rows:
        parts.append(table(["Scheme", "Prefix", "Concepts", "Description"], rows))
    else:
        parts.append('<p class="muted">The store holds no concept scheme.</p>')
    return "".join(parts)


# --------------------------------------------------------------------------- the ontology


def _named(v: Value) -> list[str]:
    """The IRIs a domain or range names: itself, a union's members, a restricted datatype."""
    if isinstance(v, UnionOf):
        return list(v.members)
    if isinstance(v, Restricted):
        return [v.datatype]
    return [str(v)] if isinstance(v, URIRef) else []


def _own_terms(ontology: OntologyDoc) -> list[Term]:
    modules = {m.iri for m in ontology.modules}
    return [t for t in ontology.terms.values() if t.defined_by in modules]


class OntologyPage:
    """The ontology's page: its modules, each with its terms, then the terms it reuses."""

    RESERVED = ("main", "doc-modules", "doc-index", "doc-reused")

    def __init__(self, site: Site, ontology: OntologyDoc, schemes: Sequence[Scheme]) -> None:
        self.site = site
        self.doc = ontology
        self.schemes = schemes
        self.names = Names.of(ontology, schemes)
        self.anchors = Anchors(self.RESERVED)
        self.module_ids = {
            m.iri: self.anchors.give(m.iri, "module-" + last_segment(m.iri))
            for m in ontology.modules
        }
        namespace = ontology.namespace
        for iri in sorted(ontology.terms, key=lambda i: (not i.startswith(namespace or "\0"), i)):
            own = bool(namespace) and iri.startswith(namespace) and len(iri) > len(namespace)
            self.anchors.give(iri, iri[len(namespace) :] if own else self.names.term(iri))
        self.scheme_slugs = {s.iri: s.slug for s in schemes}
        self._inverse_index()

    def _inverse_index(self) -> None:
        """What the terms say of each other, read backwards: sub-classes, sub-properties,
        properties by domain and range, individuals by class, inverses."""
        self.below: dict[str, list[str]] = {}
        self.in_domain: dict[str, list[str]] = {}
        self.in_range: dict[str, list[str]] = {}
        self.members: dict[str, list[str]] = {}
        self.inverse: dict[str, list[str]] = {}
        for t in self.doc.terms.values():
            for prop in (RDFS.subClassOf, RDFS.subPropertyOf):
                for sup in t.iris(prop):
                    self.below.setdefault(sup, []).append(t.iri)
            for prop, index in ((RDFS.domain, self.in_domain), (RDFS.range, self.in_range)):
                for v in t.all(prop):
                    for target in _named(v):
                        index.setdefault(target, []).append(t.iri)
            if t.kind == "individual":
                for cls in t.types:
                    self.members.setdefault(cls, []).append(t.iri)
            for other in t.iris(OWL.inverseOf):
                self.inverse.setdefault(other, []).append(t.iri)

    # ----- links

    def link(self, iri: str) -> str:
        """A link to what `iri` names (here, on a scheme page, or outside); a name in code for
        the built-in vocabularies."""
        short = self.names.term(iri) if iri in self.doc.terms else self.names.short(iri)
        text = f"<code>{esc(short)}</code>"
        anchor = self.anchors.get(iri)
        if anchor is not None:
            return f'<a href="#{esc(anchor)}">{text}</a>'
        if iri == (self.doc.ontology.iri if self.doc.ontology else None):
            return f'<a href="#main">{text}</a>'
        if iri in self.scheme_slugs:
            return f'<a href="{esc(self.site.scheme(self.scheme_slugs[iri]))}">{text}</a>'
        if iri.startswith(BUILT_IN) or not iri.startswith(("http://", "https://")):
            return text
        return f'<a href="{esc(self.site.resource(iri))}">{text}</a>'

    def value(self, v: Value) -> str:
        if isinstance(v, UnionOf):
            return " or ".join(self.link(m) for m in v.members)
        if isinstance(v, Restricted):
            facets = ", ".join(f"{self.link(f)} {esc(value)}" for f, value in v.facets)
            return self.link(v.datatype) + (f" with {facets}" if facets else "")
        if isinstance(v, URIRef):
            return self.link(str(v))
        return esc(v)

    def links(self, iris: Iterable[str]) -> str:
        ordered = sorted(dict.fromkeys(iris), key=lambda i: _sort_key(self.names.term(i)))
        found = ", ".join(self.link(i) for i in ordered)
        if len(ordered) > MANY:
            return f"<details><summary>{len(ordered)} terms</summary>{found}</details>"
        return found

    # ----- the page

    def body(self) -> str:
        onto = self.doc.ontology
        if onto is None:
            return docs_nav(self.site, self.schemes, "ontology") + (
                '<p class="muted">The store holds no ontology: build it with the ontology '
                "files to document them.</p>"
            )
        parts = [self._header(onto), docs_nav(self.site, self.schemes, "ontology")]
        parts.append(self._modules_table())
        parts.append(self._term_index())
        for module in self.doc.modules:
            parts.append(self._module(module))
        parts.append(self._reused())
        return "".join(parts)

    def _header(self, onto: Described) -> str:
        bits = [f"<code>{esc(onto.iri)}</code>"]
        for version in onto.texts(OWL.versionInfo):
            bits.append(f"version {esc(version)}")
        for iri in onto.iris(OWL.versionIRI):
            bits.append(f"version IRI <code>{esc(iri)}</code>")
        if self.doc.prefix:
            bits.append(f"prefix <code>{esc(self.doc.prefix)}:</code>")
        for iri in onto.iris(DCTERMS.license):
            bits.append(f'licence <a href="{esc(iri)}">{esc(iri)}</a>')
        for date in onto.texts(DCTERMS.modified):
            bits.append(f"modified {esc(date)}")
        return (
            f'<p class="muted">{" · ".join(bits)}</p>'
            + _paragraphs(onto.texts(DCTERMS.description))
            + _paragraphs(onto.texts(RDFS.comment))
        )

    def _terms_of(self, module: str) -> list[Term]:
        return [t for t in self.doc.terms.values() if t.defined_by == module]

    def _ordered(self, terms: Iterable[Term]) -> list[Term]:
        return sorted(terms, key=lambda t: _sort_key(self.anchors.get(t.iri) or t.iri))

    def _modules_table(self) -> str:
        rows = []
        for m in self.doc.modules:
            terms = self._terms_of(m.iri)
            counts = [sum(1 for t in terms if t.kind == k) for k, _ in KIND_HEADINGS]
            rows.append(
                [
                    f'<a href="#{esc(self.module_ids[m.iri])}">{esc(last_segment(m.iri))}</a>',
                    esc(m.text(DCTERMS.description) or m.text(DCTERMS.title) or ""),
                    *[esc(n) for n in counts],
                ]
            )
        heads = ["Module", "Covers", *[h for _, h in KIND_HEADINGS]]
        return '<h2 id="doc-modules">Modules</h2>' + table(heads, rows, row_headers=True)

    def _term_index(self) -> str:
        own = _own_terms(self.doc)
        lines = []
        for kind, heading in KIND_HEADINGS:
            terms = self._ordered(t for t in own if t.kind == kind)
            if terms:
                lines.append(
                    f"<p><strong>{esc(heading)}</strong> ({len(terms)}): "
                    + ", ".join(self.link(t.iri) for t in terms)
                    + "</p>"
                )
        return '<h2 id="doc-index">Index of terms</h2>' + "".join(lines)

    def _module(self, module: Described) -> str:
        anchor = self.module_ids[module.iri]
        title = module.text(DCTERMS.title) or last_segment(module.iri)
        bits = [f"<code>{esc(module.iri)}</code>"]
        bits += [f"version {esc(v)}" for v in module.texts(OWL.versionInfo)]
        imports = [i for i in module.iris(OWL.imports) if i in self.module_ids]
        if imports:
            bits.append(
                "imports "
                + ", ".join(
                    f'<a href="#{esc(self.module_ids[i])}">{esc(last_segment(i))}</a>'
                    for i in sorted(imports)
                )
            )
        parts = [
            f'<section class="module"><h2 id="{esc(anchor)}">Module '
            f"{esc(last_segment(module.iri))}: {esc(title)}</h2>",
            f'<p class="muted">{" · ".join(bits)}</p>',
            _paragraphs(module.texts(DCTERMS.description)),
        ]
        terms = self._terms_of(module.iri)
        if not terms:
            elsewhere = (
                ' Terms of other vocabularies are under <a href="#doc-reused">Reused terms</a>.'
                if self._reused_terms()
                else ""
            )
            parts.append(f'<p class="muted">No term says this module defines it.{elsewhere}</p>')
        for kind, heading in KIND_HEADINGS:
            group = self._ordered(t for t in terms if t.kind == kind)
            if group:
                parts.append(f"<h3>{esc(heading)}</h3>")
                parts += [self._term(t) for t in group]
        return "".join(parts) + "</section>"

    def _reused_terms(self) -> dict[str, list[Term]]:
        """The terms defined outside the ontology's modules, by the vocabulary defining them."""
        modules = {m.iri for m in self.doc.modules}
        by_vocabulary: dict[str, list[Term]] = {}
        for t in self.doc.terms.values():
            if t.defined_by not in modules:
                by_vocabulary.setdefault(t.defined_by, []).append(t)
        return by_vocabulary

    def _reused(self) -> str:
        by_vocabulary = self._reused_terms()
        if not by_vocabulary:
            return ""
        parts = [
            '<h2 id="doc-reused">Reused terms</h2>',
            "<p>Terms of other vocabularies that the ontology declares and builds on, so that it "
            "loads without fetching them. Each is defined by its own vocabulary, which is "
            "authoritative.</p>",
        ]
        heads = ["Term", "Kind", "Label", "Super-terms", "Domain", "Range"]
        for vocabulary in sorted(by_vocabulary):
            rows = []
            for t in self._ordered(by_vocabulary[vocabulary]):
                anchor = self.anchors.get(t.iri) or ""
                supers = [*t.all(RDFS.subClassOf), *t.all(RDFS.subPropertyOf)]
                rows.append(
                    [
                        f'<a href="#{esc(anchor)}" id="{esc(anchor)}" class="term">'
                        f"<code>{esc(self.names.term(t.iri))}</code></a>",
                        esc(t.kind),
                        esc(t.label or ""),
                        _joined(self.value(v) for v in supers),
                        _joined((self.value(v) for v in t.all(RDFS.domain)), " and "),
                        _joined((self.value(v) for v in t.all(RDFS.range)), " and "),
                    ]
                )
            parts.append(
                f'<h3>Defined by <a href="{esc(vocabulary)}"><code>{esc(vocabulary)}</code></a>'
                "</h3>" + table(heads, rows, row_headers=True)
            )
        return "".join(parts)

    def _term(self, t: Term) -> str:
        anchor = self.anchors.get(t.iri) or ""
        short = self.names.term(t.iri)
        heading = esc(t.label or short)
        characteristics = [CHARACTERISTICS[c] for c in t.types if c in CHARACTERISTICS]
        kind = t.kind + (f" ({', '.join(characteristics)})" if characteristics else "")
        classes = [c for c in t.types if not c.startswith(str(OWL))]
        inverse = t.iris(OWL.inverseOf) + self.inverse.get(t.iri, [])
        below = self.below.get(t.iri, [])
        module = t.defined_by
        if module in self.module_ids:
            defined = f'<a href="#{esc(self.module_ids[module])}">{esc(last_segment(module))}</a>'
        else:
            defined = f'<a href="{esc(module)}"><code>{esc(module)}</code></a>'
        facts = [
            ("IRI", f"<code>{esc(t.iri)}</code>"),
            ("Kind", esc(kind)),
            ("Label", esc(t.label or "")),
            ("Definition", _joined(esc(x) for x in t.texts(SKOS.definition))),
            ("Comment", "<br>".join(esc(x) for x in t.texts(RDFS.comment))),
            ("Scope note", "<br>".join(esc(x) for x in t.texts(SKOS.scopeNote))),
            ("Example", "<br>".join(esc(x) for x in t.texts(SKOS.example))),
            ("Notation", _joined(f"<code>{esc(x)}</code>" for x in t.texts(SKOS.notation))),
            ("Instance of", self.links(classes) if t.kind == "individual" else ""),
            ("Super-classes", _joined(self.value(v) for v in t.all(RDFS.subClassOf))),
            ("Sub-classes", self.links(below) if t.kind == "class" else ""),
            ("Equivalent to", _joined(self.value(v) for v in t.all(OWL.equivalentClass))),
            ("Disjoint with", self.links(t.iris(OWL.disjointWith))),
            ("Super-properties", self.links(t.iris(RDFS.subPropertyOf))),
            ("Sub-properties", self.links(below) if t.kind != "class" else ""),
            ("Equivalent property", self.links(t.iris(OWL.equivalentProperty))),
            ("Inverse of", self.links(inverse)),
            ("Domain", _joined((self.value(v) for v in t.all(RDFS.domain)), " and ")),
            ("Range", _joined((self.value(v) for v in t.all(RDFS.range)), " and ")),
            ("In the domain of", self.links(self.in_domain.get(t.iri, []))),
            ("In the range of", self.links(self.in_range.get(t.iri, []))),
            ("Individuals", self.links(self.members.get(t.iri, []))),
            ("See also", _joined(self.value(v) for v in t.all(RDFS.seeAlso))),
            ("Deprecated", "yes" if "true" in t.texts(OWL.deprecated) else ""),
            ("Defined by", defined),
        ]
        return (
            f'<section class="query term" id="{esc(anchor)}">'
            f'<h4><a href="#{esc(anchor)}">{heading}</a> <code>{esc(short)}</code></h4>'
            + _facts(facts)
            + "</section>"
        )


# --------------------------------------------------------------------------- a scheme


class SchemePage:
    """One scheme's page: its metadata, its hierarchy as a tree, then every concept."""

    RESERVED = ("main", "doc-hierarchy", "doc-concepts")

    def __init__(self, site: Site, frameworks: FrameworksDoc, scheme: Scheme) -> None:
        self.site = site
        self.doc = frameworks
        self.scheme = scheme
        self.names = Names.of(None, frameworks.schemes.values())
        self.anchors = Anchors(self.RESERVED)
        for iri in sorted(scheme.concepts, key=lambda i: _sort_key(last_segment(i))):
            self.anchors.give(iri, last_segment(iri))
        self.in_scheme = {c: s for s in frameworks.schemes.values() for c in s.concepts}
        self._hierarchy()

    def _hierarchy(self) -> None:
        concepts = self.scheme.concepts
        self.parents: dict[str, list[str]] = {iri: [] for iri in concepts}
        self.children: dict[str, list[str]] = {iri: [] for iri in concepts}
        for c in concepts.values():
            for b in c.iris(SKOS.broader):
                if b in concepts:
                    self._edge(b, c.iri)
            for n in c.iris(SKOS.narrower):
                if n in concepts:
                    self._edge(c.iri, n)
        for kids in self.children.values():
            kids.sort(key=self._concept_key)
        top = [
            c.iri
            for c in concepts.values()
            if self.scheme.iri in c.iris(SKOS.topConceptOf) or not self.parents[c.iri]
        ]
        self.top = sorted(top, key=self._concept_key)

    def _edge(self, parent: str, child: str) -> None:
        if parent not in self.parents[child]:
            self.parents[child].append(parent)
            self.children[parent].append(child)

    def _concept_key(self, iri: str) -> list[tuple[int, int | str]]:
        c = self.scheme.concepts.get(iri)
        return _sort_key((c.notation if c else None) or last_segment(iri))

    def order(self) -> list[str]:
        """Every concept once, depth first from the top concepts (then any left over)."""
        seen: dict[str, None] = {}

        def walk(iri: str) -> None:
            if iri in seen:
                return
            seen[iri] = None
            for child in self.children.get(iri, []):
                walk(child)

        for iri in self.top:
            walk(iri)
        for iri in sorted(self.scheme.concepts, key=self._concept_key):
            walk(iri)
        return list(seen)

    # ----- links

    def link(self, iri: str) -> str:
        """A concept with its label: here by its anchor, on its own scheme's page, or outside."""
        c = self.in_scheme.get(iri)
        concept = c.concepts[iri] if c is not None else None
        if c is self.scheme:
            assert concept is not None
            name = concept.notation or last_segment(iri)
            text = f"<code>{esc(name)}</code>"
        else:
            text = f"<code>{esc(self.names.short(iri))}</code>"
        if concept is not None and concept.label:
            text += f" {esc(concept.label)}"
        if c is self.scheme:
            return f'<a href="#{esc(self.anchors.get(iri) or "")}">{text}</a>'
        if c is not None:
            href = self.site.scheme(c.slug) + "#" + last_segment(iri)
            return f'<a href="{esc(href)}">{text}</a>'
        if iri.startswith(("http://", "https://")):
            return f'<a href="{esc(self.site.resource(iri))}">{text}</a>'
        return text

    def resource(self, v: Value) -> str:
        """A source, licence or see-also: a link to the IRI, or the text."""
        if isinstance(v, URIRef):
            href = self.site.resource(str(v))
            return f'<a href="{esc(href)}">{esc(self.names.short(str(v)))}</a>'
        return esc(v)

    # ----- the page

    def body(self) -> str:
        parts = [self._header(), docs_nav(self.site, self.doc.schemes.values(), self.scheme.slug)]
        n = len(self.scheme.concepts)
        parts.append('<h2 id="doc-hierarchy">Hierarchy</h2>')
        parts.append(self._tree(self.top, set()) if n else '<p class="muted">No concepts.</p>')
        parts.append(f'<h2 id="doc-concepts">Concepts</h2><p class="muted">{n} concepts</p>')
        parts += [self._concept(self.scheme.concepts[iri]) for iri in self.order()]
        return "".join(parts)

    def _header(self) -> str:
        s = self.scheme
        bits = [f"<code>{esc(s.iri)}</code>"]
        bits += [f"prefix <code>{esc(p)}:</code>" for p in s.texts(VANN_PREFIX)]
        bits += [f"version {esc(v)}" for v in s.texts(OWL.versionInfo)]
        bits += [f"licence {self.resource(v)}" for v in s.all(DCTERMS.license)]
        bits += [f"modified {esc(v)}" for v in s.texts(DCTERMS.modified)]
        cited = s.texts(DCTERMS.bibliographicCitation)
        citation = [f"<strong>Citation:</strong> {esc(x)}" for x in cited]
        sources = [self.resource(v) for v in s.all(DCTERMS.source)]
        return (
            f'<p class="muted">{" · ".join(bits)}</p>'
            + _paragraphs(s.texts(DCTERMS.description))
            + "".join(f"<p>{c}</p>" for c in citation)
            + (f"<p><strong>Source:</strong> {', '.join(sources)}</p>" if sources else "")
            + "".join(f'<p class="note">{esc(x)}</p>' for x in s.texts(SKOS.editorialNote))
        )

    def _tree(self, iris: Sequence[str], path: set[str]) -> str:
        items = []
        for iri in iris:
            if iri in path:  # a cycle in the hierarchy: shown once, not followed
                continue
            kids = self.children.get(iri, [])
            inner = self._tree(kids, path | {iri}) if kids else ""
            items.append(f"<li>{self.link(iri)}{inner}</li>")
        return f"<ul>{''.join(items)}</ul>" if items else ""

    def _concept(self, c: Concept) -> str:
        anchor = self.anchors.get(c.iri) or ""
        name = c.notation or last_segment(c.iri)
        label = f" {esc(c.label)}" if c.label else ""
        facts = [
            ("IRI", f"<code>{esc(c.iri)}</code>"),
            ("Notation", _joined(f"<code>{esc(x)}</code>" for x in c.texts(SKOS.notation))),
            ("Label", esc(c.label or "")),
            ("Alternative labels", _joined(esc(x) for x in c.texts(SKOS.altLabel))),
            ("Definition", "<br>".join(esc(x) for x in c.texts(SKOS.definition))),
            ("Scope note", "<br>".join(esc(x) for x in c.texts(SKOS.scopeNote))),
            ("Example", "<br>".join(esc(x) for x in c.texts(SKOS.example))),
            ("Change note", "<br>".join(esc(x) for x in c.texts(SKOS.changeNote))),
            ("Editorial note", "<br>".join(esc(x) for x in c.texts(SKOS.editorialNote))),
            ("Source", _joined(self.resource(v) for v in c.all(DCTERMS.source))),
            ("Top concept", "yes" if self.scheme.iri in c.iris(SKOS.topConceptOf) else ""),
            ("Broader", _joined(self.link(i) for i in self._sorted(self.parents.get(c.iri, [])))),
            ("Narrower", _joined(self.link(i) for i in self.children.get(c.iri, []))),
            ("Related", _joined(self.link(i) for i in self._sorted(c.iris(SKOS.related)))),
            ("See also", _joined(self.resource(v) for v in c.all(RDFS.seeAlso))),
        ]
        return (
            f'<section class="query concept" id="{esc(anchor)}">'
            f'<h3><a href="#{esc(anchor)}"><code>{esc(name)}</code>{label}</a></h3>'
            + _facts(facts)
            + self._mappings(c)
            + "</section>"
        )

    def _sorted(self, iris: Iterable[str]) -> list[str]:
        return sorted(dict.fromkeys(iris), key=lambda i: _sort_key(self.names.short(i)))

    def _mappings(self, c: Concept) -> str:
        """The concept's mappings, stated here or on the other concept (then read backwards:
        X broadMatch this is this narrowMatch X)."""
        rows: dict[tuple[str, str], list[str]] = {}
        for m in self.doc.mappings:
            if m.subject == c.iri:
                key, note = (m.predicate, m.object), ""
            elif m.object == c.iri:
                predicate = INVERSE_MATCH.get(m.predicate, m.predicate)
                key, note = (
                    (predicate, m.subject),
                    ' <span class="muted">(stated on the other concept)</span>',
                )
            else:
                continue
            if key in rows:
                continue
            other = self.in_scheme.get(key[1])
            rows[key] = [
                f"<code>{esc(self.names.short(key[0]))}</code>{note}",
                self.link(key[1]),
                esc(other.title) if other is not None else "",
                esc(m.confidence) if m.confidence is not None else "",
                esc(m.justification or ""),
            ]
        if not rows:
            return ""
        ordered = [rows[k] for k in sorted(rows, key=lambda k: (_sort_key(k[0]), _sort_key(k[1])))]
        heads = ["Predicate", "Concept", "Scheme", "Confidence", "Justification"]
        return table(heads, ordered, caption="Mappings")


__all__ = ["OntologyPage", "SchemePage", "Site", "docs_nav", "file_name", "index_body"]
