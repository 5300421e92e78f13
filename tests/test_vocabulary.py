"""cokg.vocabulary says what the ontology says: every controlled value set (the classes whose
members are named individuals in ontology/modules/*.ttl), each value's notation and IRI, in the
order of the set's owl:AllDifferent list, phases also in cokg:phaseOrder."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, SKOS

from cokg import vocabulary
from cokg.namespaces import COKG

MODULES = Path(__file__).resolve().parents[1] / "ontology" / "modules"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    g = Graph()
    for f in sorted(MODULES.glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def _declared(g: Graph, cls: URIRef) -> dict[str, URIRef]:
    """notation -> IRI of the named individuals of `cls`, in their owl:AllDifferent order."""
    members = {s for s in g.subjects(RDF.type, cls) if (s, RDF.type, OWL.NamedIndividual) in g}
    order: list[URIRef] = []
    for node in g.subjects(RDF.type, OWL.AllDifferent):
        listed = list(Collection(g, g.value(node, OWL.distinctMembers)))
        if set(listed) & members:
            order = [m for m in listed if m in members]
    assert set(order) == members, f"{cls}: the owl:AllDifferent list must name every value"
    out: dict[str, URIRef] = {}
    for m in order:
        notations = list(g.objects(m, SKOS.notation))
        assert len(notations) == 1, f"{m} needs exactly one skos:notation"
        out[str(notations[0])] = URIRef(m)
    return out


def test_every_controlled_value_set_is_in_the_module(ontology: Graph) -> None:
    with_values = {
        o
        for s in ontology.subjects(RDF.type, OWL.NamedIndividual)
        for o in ontology.objects(s, RDF.type)
        if o != OWL.NamedIndividual and str(o).startswith(str(COKG))
    }
    assert with_values == {cls for cls, _ in vocabulary.VALUE_SETS.values()}


@pytest.mark.parametrize("name", list(vocabulary.VALUE_SETS))
def test_values_equal_the_ontology(ontology: Graph, name: str) -> None:
    cls, values = vocabulary.VALUE_SETS[name]
    declared = _declared(ontology, cls)
    assert list(values.items()) == list(declared.items())  # same values, same order


def test_phases_in_phase_order(ontology: Graph) -> None:
    by_order = sorted(
        vocabulary.PHASES.items(), key=lambda kv: int(ontology.value(kv[1], COKG.phaseOrder))
    )
    assert list(vocabulary.PHASES.items()) == by_order
    assert tuple(vocabulary.PHASES) == vocabulary.PHASE_NAMES


def test_the_module_imports_only_namespaces() -> None:
    import ast

    tree = ast.parse(Path(vocabulary.__file__).read_text(encoding="utf-8"))
    ours = {
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("cokg")
    }
    assert ours == {"cokg.namespaces"}
