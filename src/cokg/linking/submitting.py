"""An SSSOM mapping set as a submission: read, turned into the triples cokg stores for mappings
(`cokg.linking.sssom.mappings_graph`), then validated and ingested like any other submission,
all or nothing (`cokg import sssom`)."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cokg.errors import InputError, ParameterError, ValidationFailed
from cokg.ingest import IngestReport, ingest, shell_args
from cokg.linking.sssom import (
    MappingSet,
    mapping_nodes,
    mappings_graph,
    read_sssom,
    set_slug,
)
from cokg.models import ValidationReport, ValidationResult
from cokg.namespaces import COKG
from cokg.store import Store


def submission_id_for(mapping_set_id: str) -> str:
    """A submission id from the set's id: `mappings-` and its `set_slug` (the last path segment
    and 8 hex digits of the id's hash): two sets whose ids both end in `v1` are two
    submissions, and one never replaces the other."""
    return f"mappings-{set_slug(mapping_set_id)}"


def submit_sssom(
    path: str | Path,
    *,
    by: str,
    store: Store | str | Path | None = None,
    submission: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    wait: float | None = None,
    progress: Callable[..., Any] | None = None,
) -> IngestReport | ValidationReport:
    """Validate the mapping set in `path` against the store and, unless `dry_run`, store it as
    one submission (id from the set's `mapping_set_id` unless `submission` is given). Raises
    InputError for an unusable file (one line naming the row), ValidationFailed when a mapping
    does not conform (a subject or object that is no stored concept, say). The report's
    warnings (`validation.warnings` after an ingest) name what the file held that is not kept:
    a column or key SSSOM does not define, an extension slot."""
    mset = read_sssom(path)
    if not mset.mappings:
        raise InputError("the mapping set has no rows: nothing to import", file=path)
    codes = [m for m in mset.mappings if m.subject_iri.startswith("urn:uuid:")]
    if codes and len(codes) == len(mset.mappings):
        raise ParameterError(
            "this mapping set maps the codes of a QDA project (subjects urn:uuid:<GUID>), not "
            "framework constructs: give it to `cokg import-qdpx PROJECT --codes FILE`",
            file=path,
        )
    graph = mappings_graph(mset)
    sid = submission or submission_id_for(mset.mapping_set_id)
    with tempfile.TemporaryDirectory(prefix="cokg-sssom-") as tmp:
        # named after the set: the submission's provenance records this file name
        turtle = Path(tmp) / f"{Path(path).stem.removesuffix('.sssom')}.ttl"
        graph.serialize(turtle, format="turtle", encoding="utf-8")
        where = _RowFinder(mset, Path(path), turtle, sid)
        if dry_run:
            from cokg.query import open_for_call
            from cokg.validate import validate

            st, opened = open_for_call(store)
            try:
                report = where.report(validate([turtle], store=st, progress=progress))
                return dataclasses.replace(report, warnings=(*mset.warnings, *report.warnings))
            finally:
                if opened:
                    st.close()
        try:
            done = ingest(
                [turtle], by=by, store=store, submission=sid, replace=replace, wait=wait,
                progress=progress, made_from=[path],
            )  # fmt: skip
            # what the set held that cokg does not keep, named (`MappingSet.warnings`)
            checked = dataclasses.replace(
                done.validation, warnings=(*mset.warnings, *done.validation.warnings)
            )
            return dataclasses.replace(done, validation=checked)
        except ValidationFailed as exc:
            report = where.report(exc.report)  # type: ignore[attr-defined]
            failed = ValidationFailed(str(exc).split(": ", 1)[-1], file=str(path))
            failed.report = report  # type: ignore[attr-defined]
            raise failed from None


# the ConceptMapping property a result is about -> the SSSOM column that gave it
_COLUMNS = {COKG.subject: "subject_id", COKG.predicate: "predicate_id", COKG.object: "object_id",
            COKG.confidence: "confidence", COKG.mappingJustification: "comment"}  # fmt: skip


class _RowFinder:
    """Validation results about the Turtle a set is checked as, put back on the set's file:
    its path, the row (and its line) and the mapping (subject, predicate, object) by CURIEs."""

    def __init__(self, mset: MappingSet, path: Path, turtle: Path, sid: str) -> None:
        self.rows = dict(zip(mapping_nodes(mset), mset.mappings, strict=True))
        self.path, self.turtle = str(path), turtle
        # ingest's advice names the intermediate Turtle: the linker imports the set again
        self.advice = f"`cokg ingest --replace --by NAME --id {sid} {shell_args([turtle])}`"

    def result(self, r: ValidationResult) -> ValidationResult:
        if self.advice in r.message:
            r = dataclasses.replace(
                r,
                message=r.message.replace(
                    self.advice, "`cokg import sssom --replace` with the same options"
                ),
            )
        m = self.rows.get(r.focus_node)  # type: ignore[call-overload]
        if r.file is not None and Path(r.file).name != self.turtle.name and m is None:
            return r
        if m is None:
            return dataclasses.replace(r, file=self.path)
        return dataclasses.replace(
            r,
            file=self.path,
            row=m.row,
            record_label=f"mapping {m.subject_id} {m.predicate_id} {m.object_id}, line {m.line}",
            column=_COLUMNS.get(r.path),  # type: ignore[call-overload]
        )

    def report(self, report: ValidationReport) -> ValidationReport:
        return dataclasses.replace(
            report, results=tuple(map(self.result, report.results)), files=(self.path,)
        )
