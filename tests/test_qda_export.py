"""Writing stored quotations, codes and cases back out as a REFI-QDA project
(cokg.qda.exporting, `cokg export-qdpx`), and reading that project back in.

The round trip is checked on the fictional study of tests/qda_projects.py written by each
program: import -> export -> import gives the same graph (a fixed point), and the exported
texts, passages and codes are compared with the fixture's own phrases and code names. The
founding cases' export is compared with the quotations the paper gives (the saved query
`quotations`, whose answers tests/test_saved_queries.py holds to the paper)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from qda_projects import CODES, ORIGINS, SOURCE
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from test_qda_import import (
    CODED,
    INFORMANTS,
    SITES,
    Inputs,
    do_import,
    quotations,
    study,
    study_store,
)

from cokg.cli import cli
from cokg.errors import ParameterError, ValidationFailed
from cokg.namespaces import COKG
from cokg.qda.exporting import REBUILT, export_qdpx, stored_project
from cokg.qda.reading import read_project
from cokg.qda.writing import guid
from cokg.query import run_query
from cokg.store import MemoryStore, build


@pytest.fixture
def inputs(tmp_path: Path) -> Inputs:
    from test_qda_import import write_inputs

    return write_inputs(tmp_path / "maps")


@pytest.fixture(scope="module")
def founding() -> Iterator[MemoryStore]:
    """The founding store: read only here (the exports, and imports as dry runs)."""
    st = MemoryStore()
    build(st)
    yield st
    st.close()


def dundee_export(folder: Path, st: MemoryStore) -> Path:
    """Case 2's quotations exported as a REFI-QDA project."""
    out = folder / "dundee.qdpx"
    export_qdpx(out, store=st, case="dundee-mrr")
    return out


@pytest.mark.parametrize("origin", [pytest.param(o, id=o.split()[0]) for o in ORIGINS])
def test_import_export_import_is_a_fixed_point(origin: str, tmp_path: Path, inputs: Inputs) -> None:
    st = study_store()  # no founding data: the store holds this project alone
    first = do_import(study(tmp_path, origin), st, inputs, include_text=True)
    out = tmp_path / "exported.qdpx"
    export_qdpx(out, store=st)
    # no case map needed: the exported cases are named by case id
    again = do_import(out, st, inputs, include_text=True, cases=None)
    assert again.submission_id == first.submission_id
    assert isomorphic(first.conversion.graph, again.conversion.graph)
    assert again.unchanged and again.added == 0


def test_export_holds_the_study(tmp_path: Path, inputs: Inputs) -> None:
    st = study_store()
    do_import(study(tmp_path), st, inputs, include_text=True)
    out = tmp_path / "exported.qdpx"
    report = export_qdpx(out, store=st)
    p = read_project(out)
    assert p.name == "Three-site programme study"
    assert {c.name for c in p.cases} == set(SITES.values())
    assert {s.name: s.text for s in p.sources.values()} == {
        spec.name: spec.text for spec in SOURCE.values()
    }
    assert {c.name for c in p.codes.values()} == {c.name for c in CODES}
    assert {c.name for c in p.codes.values() if not c.codable} == {
        c.name for c in CODES if not c.codable
    }
    passages = {
        s.text[sel.start : sel.end]
        for s in p.sources.values()
        for sel in s.selections
        if sel.codings
    }
    assert passages == CODED
    assert {u.name for u in p.users.values()} <= {f"coder-{h}" for h in _hexes(p)}
    assert (report.cases, report.sources, report.rebuilt) == (3, 4, 0)


def _hexes(p: object) -> set[str]:
    return {u.name.removeprefix("coder-") for u in p.users.values()}  # type: ignore[attr-defined]


def test_export_is_deterministic(tmp_path: Path, inputs: Inputs) -> None:
    st = study_store()
    do_import(study(tmp_path), st, inputs, include_text=True)
    export_qdpx(tmp_path / "a.qdpx", store=st)
    export_qdpx(tmp_path / "b.qdpx", store=st)
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()


def test_texts_not_stored_are_rebuilt_at_their_offsets(tmp_path: Path, inputs: Inputs) -> None:
    st = study_store()
    do_import(study(tmp_path), st, inputs)  # without --include-text
    out = tmp_path / "exported.qdpx"
    report = export_qdpx(out, store=st)
    assert report.rebuilt == 4
    p = read_project(out)
    for spec in SOURCE.values():
        (source,) = [s for s in p.sources.values() if s.name == spec.name]
        assert len(source.text) == len(spec.text)
        assert REBUILT in (source.description or "")
        for sel in source.selections:  # each passage where it was, as it was
            assert source.text[sel.start : sel.end] == spec.text[sel.start : sel.end]


def test_founding_case_exports_its_quotations_and_constructs(
    tmp_path: Path, founding: MemoryStore
) -> None:
    st = founding
    out = dundee_export(tmp_path, st)
    p = read_project(out)
    expected = {r.text for r in run_query("quotations", store=st, case="dundee-mrr")}
    passages = {s.text[sel.start : sel.end] for s in p.sources.values() for sel in s.selections}
    assert passages == expected
    assert [c.name for c in p.cases] == ["dundee-mrr"]
    # each quotation coded with the framework concepts of the findings it supports
    expected_codes: dict[str, set[str]] = {}
    for r in run_query("quotations", store=st, case="dundee-mrr"):
        expected_codes.setdefault(guid(str(r.quotation)), set()).add(guid(str(r.construct)))
    codes = {c.guid for c in p.codes.values()}
    for source in p.sources.values():
        assert REBUILT in (source.description or "")
        for sel in source.selections:
            assert {c.code for c in sel.codings} == expected_codes[sel.guid]
            assert {c.code for c in sel.codings} <= codes
    # CFIR 2022's Culture has the GUID cokg's codebooks give it
    assert guid("https://w3id.org/cokg/framework/cfir-2022/III.D") in codes


def test_founding_export_reads_back_in(tmp_path: Path, founding: MemoryStore) -> None:
    st = founding
    out = dundee_export(tmp_path, st)
    report = do_import_plain(out, st)
    assert report.validation.conforms
    expected = {r.quotation for r in run_query("quotations", store=st, case="dundee-mrr")}
    assert report.conversion.quotations == len(expected)
    assert set(report.conversion.per_case) == {"dundee-mrr"}


def _constructs_by_text(g: Graph) -> dict[str, set[URIRef]]:
    """Each imported quotation's text with the constructs of the findings it supports."""
    out: dict[str, set[URIRef]] = {}
    for text, q in quotations(g).items():
        found = {c for f in g.objects(q, COKG.supports) for c in g.objects(f, COKG.codedTo)}
        out[text] = {c for c in found if isinstance(c, URIRef)}
    return out


def _stored_constructs(st: MemoryStore, case: str) -> dict[str, set[URIRef]]:
    out: dict[str, set[URIRef]] = {}
    for r in run_query("quotations", store=st, case=case):
        out.setdefault(r.text, set()).add(URIRef(r.construct))
    return out


def _new_code_guids(path: Path, out: Path, rename: dict[str, str] | None = None) -> Path:
    """The project at `path` as a program that gives every code a GUID of its own on export
    writes it (and, with `rename`, with categories renamed): the same project otherwise."""
    import re
    import uuid
    import zipfile

    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    qde = members["project.qde"].decode("utf-8")
    for old in set(re.findall(r'<Code guid="([0-9a-f-]{36})"', qde)):
        qde = qde.replace(old, str(uuid.uuid4()))
    for old_name, new_name in (rename or {}).items():
        qde = qde.replace(f'name="{old_name}"', f'name="{new_name}"')
    members["project.qde"] = qde.encode("utf-8")
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out


def test_founding_export_comes_back_coded_to_its_constructs(
    tmp_path: Path, founding: MemoryStore
) -> None:
    # its codes carry the GUIDs cokg's codebooks give the framework concepts: no mapping file
    # is needed for its passages to support findings coded to the same constructs again
    st = founding
    out = dundee_export(tmp_path, st)
    report = do_import_plain(out, st)
    assert report.validation.conforms
    conv = report.conversion
    categories = sum(1 for c in read_project(out).codes.values() if not c.codable)
    assert conv.unmapped_codes and len(conv.unmapped_codes) == categories
    assert conv.recognised_codes == conv.mapped_codes == conv.codes - categories
    assert _constructs_by_text(conv.graph) == _stored_constructs(st, "dundee-mrr")
    assert not [w for w in report.warnings if "is not mapped" in w]


def test_framework_codes_with_new_guids_are_recognised_by_name(
    tmp_path: Path, founding: MemoryStore
) -> None:
    # a program that writes GUIDs of its own: "IV.M Motivation" still names one construct, and
    # "Transformation" (Lozeau's, named by its label only) is recognised because its code is
    # filed under the category named after its framework
    st = founding
    first = dundee_export(tmp_path, st)
    renamed = _new_code_guids(first, tmp_path / "renamed.qdpx")
    assert not set(read_project(renamed).codes) & set(read_project(first).codes)
    report = do_import_plain(renamed, st)
    assert _constructs_by_text(report.conversion.graph) == _stored_constructs(st, "dundee-mrr")


def test_a_label_alone_outside_its_framework_is_not_a_construct(
    tmp_path: Path, founding: MemoryStore
) -> None:
    # the same codes under categories a team named itself: the numbered names still name one
    # construct each; "Transformation" or "External context" could be a team's own code
    st = founding
    first = dundee_export(tmp_path, st)
    roots = [c.name for c in read_project(first).codes.values() if c.parent is None]
    renamed = _new_code_guids(
        first, tmp_path / "own.qdpx", {name: f"Our codes {i}" for i, name in enumerate(roots)}
    )
    conv = do_import_plain(renamed, st).conversion
    unmapped = {path.rsplit("/", 1)[-1] for path in conv.unmapped_codes}
    assert {"Transformation", "External context", "Process"} <= unmapped
    assert "IV.M Motivation" not in unmapped
    motivation = {c for cs in _constructs_by_text(conv.graph).values() for c in cs}
    assert URIRef("https://w3id.org/cokg/framework/cfir-2022/IV.M") in motivation


def do_import_plain(path: Path, st: MemoryStore):
    from cokg.qda.importing import import_qdpx

    # informants and phases come from the variables the export wrote
    return import_qdpx(path, by="A. Steward", store=st, dry_run=True)


def test_unknown_case_is_refused(tmp_path: Path) -> None:
    st = MemoryStore()
    build(st)
    with pytest.raises(ParameterError, match=r"no case 'nowhere'.*dundee-mrr"):
        stored_project(st, case="nowhere")
    assert not (tmp_path / "x.qdpx").exists()


def test_command(tmp_path: Path) -> None:
    from cokg.store import EmbeddedStore

    d = tmp_path / "store"
    with EmbeddedStore(d) as st:
        build(st)
    out = tmp_path / "case2.qdpx"
    result = CliRunner().invoke(cli, ["export-qdpx", "--case", "dundee-mrr", str(out),
                                      "--store", str(d)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out} (")
    assert "1 case," in result.output and "rebuilt from quotations" in result.output
    assert read_project(out).name == "cokg case dundee-mrr"
    missing = CliRunner().invoke(cli, ["export-qdpx", "--case", "nowhere", str(out), "--store",
                                       str(d)])  # fmt: skip
    assert missing.exit_code == 2
    assert missing.output.startswith("cokg: error: no case 'nowhere'")


def test_informant_map_names_every_fixture_source() -> None:
    # the maps the round trip depends on cover the whole study
    assert set(INFORMANTS) == {s.name for s in SOURCE.values()}


def test_a_recognised_code_named_with_a_rating_rates_its_construct(
    tmp_path: Path, founding: MemoryStore
) -> None:
    # "IV.M Motivation (+2)": CFIR 2.0's Motivation by its name, and a rating of it
    st = founding
    first = dundee_export(tmp_path, st)
    rated = _new_code_guids(
        first, tmp_path / "rated.qdpx", {"IV.M Motivation": "IV.M Motivation (+2)"}
    )
    conv = do_import_plain(rated, st).conversion
    g = conv.graph
    assert conv.ratings == 1
    (rating,) = g.subjects(COKG.ratedConstruct, None)
    assert g.value(rating, COKG.ratedConstruct) == URIRef(
        "https://w3id.org/cokg/framework/cfir-2022/IV.M"
    )
    assert g.value(rating, COKG.ratingValue) == COKG.RatingPlus2


def test_replacing_with_one_case_exported_keeps_the_other_cases(
    tmp_path: Path, inputs: Inputs
) -> None:
    """Export one site, recode it in the QDA program, import it again with --replace: the
    import replaced the whole project, and the other sites' texts, quotations and findings
    went without a word. It is refused, naming each case it would remove; nothing changes."""
    st = study_store()
    first = do_import(study(tmp_path), st, inputs, include_text=True)
    before = st.count(first.graph)
    out = tmp_path / "northfield.qdpx"
    export_qdpx(out, store=st, case="fx-northfield")
    with pytest.raises(ValidationFailed) as exc:
        do_import(out, st, inputs, include_text=True, cases=None, replace=True)
    messages = [r.message for r in exc.value.report.results]
    for site in ("fx-riverside", "fx-hillcrest"):
        (m,) = [m for m in messages if f"holds records of case {site}" in m]
        assert "replacing it would remove them" in m and "cokg retract" in m
    assert not any("fx-northfield" in m for m in messages)
    assert st.count(first.graph) == before
    # a dry run says the same
    dry = do_import(out, st, inputs, include_text=True, cases=None, replace=True, dry_run=True)
    assert not dry.validation.conforms
    said = [r.message for r in dry.validation.results if "holds records of case" in r.message]
    assert len(said) == 2 and st.count(first.graph) == before


def test_a_case_id_in_capitals_exports_that_case(founding: MemoryStore) -> None:
    # export-qdpx --case Dundee-MRR was "no case" where query case=Dundee-MRR answered
    from cokg.qda.exporting import stored_project

    shouted = stored_project(founding, case="Dundee-MRR")
    assert [c.name for c in shouted.cases] == [
        c.name for c in stored_project(founding, case="dundee-mrr").cases
    ]
    assert shouted.cases
