"""An SSSOM mapping set as a submission: read, turned into the triples cokg stores for mappings
(`cokg.linking.sssom.mappings_graph`), then validated and ingested like any other submission,
all or nothing (`cokg import sssom`)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cokg.ingest import IngestReport, ingest
from cokg.linking.sssom import mappings_graph, read_sssom
from cokg.models import ValidationReport
from cokg.store import Store


def submission_id_for(mapping_set_id: str) -> str:
    """A submission id from the set's id: `mappings-` and its last path segment, slugged."""
    tail = mapping_set_id.rstrip("/#").rsplit("/", 1)[-1]
    slug = re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-") or "set"
    return f"mappings-{slug}"[:64].rstrip("-")


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
    does not conform (a subject or object that is no stored concept, say)."""
    mset = read_sssom(path)
    graph = mappings_graph(mset)
    sid = submission or submission_id_for(mset.mapping_set_id)
    with tempfile.TemporaryDirectory(prefix="cokg-sssom-") as tmp:
        # named after the set: the submission's provenance records this file name
        turtle = Path(tmp) / f"{Path(path).stem.removesuffix('.sssom')}.ttl"
        graph.serialize(turtle, format="turtle", encoding="utf-8")
        if dry_run:
            from cokg.query import open_for_call
            from cokg.validate import validate

            st, opened = open_for_call(store)
            try:
                return validate([turtle], store=st, progress=progress)
            finally:
                if opened:
                    st.close()
        return ingest(
            [turtle], by=by, store=store, submission=sid, replace=replace, wait=wait,
            progress=progress,
        )  # fmt: skip
