"""A mapping set to start from, for the codes of a QDA project (`cokg suggest-mappings`).

Which framework construct a team's code stands for is the steward's judgement (`cokg
import-qdpx --codes`); this writes the file that judgement starts from: one SSSOM row per code
cokg does not already recognise as a framework concept (`recognise_codes`), with the construct
its name matches best by `cokg constructs`' search, the match score as the confidence and
semapv:LexicalMatching as the justification. A code nothing matches gets no row (an SSSOM row
needs an object) and is listed instead, as are codes that are only a rating ("+2", under the
construct they rate). Each row names the code by its GUID and its path, so it finds the code
whatever the program did to the names, and says it is a suggestion: keep, change or delete it.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cokg.constructs import find_constructs, rank
from cokg.linking.sssom import Mapping, MappingSet, write_sssom
from cokg.namespaces import PREFIXES, SKOS, curie
from cokg.qda.converting import code_paths, recognise_codes, store_context
from cokg.qda.ratings import split_valence, valence_only

__all__ = ["Suggestions", "suggest_mappings", "write_suggestions"]

CODE_PREFIX = "qdacode"  # the codes' GUIDs as CURIEs: qdacode:<guid> is urn:uuid:<guid>
LICENSE_UNSPECIFIED = "https://w3id.org/sssom/license/unspecified"  # the steward's to choose
COMMENT = "Suggested by cokg from the code's name: keep, change or delete this row."


@dataclass(frozen=True)
class Suggestions:
    """The mapping set, and the codes it has no row for (paths from the codebook's root)."""

    mapping_set: MappingSet
    recognised: tuple[str, ...]  # framework concepts already: mapped without a row
    ratings: tuple[str, ...]  # a rating only ("+2"): part of the code above it
    unmatched: tuple[str, ...]  # no construct's name comes close enough
    # with no scheme asked for: the framework most codes' names match, whose construct a code
    # gets when one of its constructs matches (a CFIR 2.0 codebook's "Culture" is cfir22:III.D,
    # not the CFIR 2009 construct of the same name); None when a scheme was asked for
    preferred: str | None = None


def suggest_mappings(
    project: str | Path,
    *,
    store: Any = None,
    scheme: str | None = None,
    cutoff: float = 0.7,
) -> Suggestions:
    """Suggested mappings for the codes of a `.qdpx` project or a `.qdc` codebook: each code's
    best match among the constructs of `scheme` (cokg's short name, e.g. "cfir-2022"; None:
    every framework) scoring at least `cutoff` (1.0: the code's name is a construct's label or
    code). Raises InputError for an unreadable project, ParameterError for an unknown scheme."""
    from cokg.qda.reading import read_project
    from cokg.query.running import open_for_call

    proj = read_project(project)
    st, opened = open_for_call(store)
    try:
        constructs = find_constructs(store=st, scheme=scheme)
        known = recognise_codes(proj, store_context(st))
    finally:
        if opened:
            st.close()
    paths, _ = code_paths(proj)
    names = {
        guid: (rated[0] if (rated := split_valence(code.name)) else code.name)
        for guid, code in proj.codes.items()
        if guid not in known and not valence_only(code.name)
    }
    preferred = (
        None if scheme is not None else _preferred_scheme(names.values(), constructs, cutoff)
    )
    own = [c for c in constructs if c.scheme == preferred]
    rows: list[Mapping] = []
    recognised, ratings, unmatched = [], [], []
    for guid, code in proj.codes.items():
        if guid in known:
            recognised.append(paths[guid])
            continue
        if valence_only(code.name):
            ratings.append(paths[guid])
            continue
        # the preferred framework's match unless another framework matches better (a CFIR
        # codebook's outcome code "Acceptability" is Proctor's, not CFIR 2.0's Capability) -
        # and then its counterpart in the preferred framework where a mapping gives one
        # ("Cost" is CFIR 2009's name for CFIR 2.0's Innovation Cost: cfir22:I.H, not cfir09)
        best = rank(names[guid], own, limit=1, cutoff=cutoff) if own else []
        anywhere = rank(names[guid], constructs, limit=1, cutoff=cutoff)
        if anywhere and (not best or anywhere[0].score > best[0].score):
            twin = _counterpart(anywhere[0], own, preferred)
            if twin is not None:
                best = [dataclasses.replace(twin, score=anywhere[0].score)]
            elif not best or not _maps_into(anywhere[0], own, preferred):
                # a concept mapped into the preferred framework only loosely (CFIR 2009's
                # Leadership Engagement, related to three CFIR 2.0 constructs) is the other
                # version's idea: the preferred framework's own match stays
                best = anywhere
        if not best:
            unmatched.append(paths[guid])
            continue
        c = best[0]
        rows.append(
            Mapping(
                subject_id=f"{CODE_PREFIX}:{guid}",
                subject_label=paths[guid],
                predicate_id="skos:exactMatch",
                object_id=curie(c.iri),
                object_label=f"{c.notation} {c.label}".strip(),
                mapping_justification="semapv:LexicalMatching",
                confidence=c.score,
                comment=COMMENT,
                subject_iri=f"urn:uuid:{guid}",
                predicate_iri=str(SKOS.exactMatch),
                object_iri=c.iri,
            )
        )
    prefixes = {CODE_PREFIX: "urn:uuid:", **PREFIXES}
    used = sorted({value.partition(":")[0] for m in rows for value in m.curies()})
    name = proj.name or Path(project).stem
    mset = MappingSet(
        mapping_set_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'cokg-suggested:' + name)}",
        license=LICENSE_UNSPECIFIED,
        curie_map={p: prefixes[p] for p in used if p in prefixes},
        metadata={
            "mapping_set_title": f"Suggested mappings of the codes of {name}",
            "mapping_set_description": (
                "Written by cokg suggest-mappings: each code's best match by name among the "
                "framework constructs, to be checked by the steward before cokg import-qdpx "
                "--codes. Choose a license for the set once it is yours."
            ),
        },
        mappings=rows,
    )
    return Suggestions(mset, tuple(recognised), tuple(ratings), tuple(unmatched), preferred)


_SAME = ("exact", "close")  # the mappings that make a concept another's counterpart


def _links(c: Any) -> list[tuple[str, str]]:
    """`c`'s mappings as (kind, "scheme:notation"), from "exact cfir-2022:I.H"."""
    return [(kind, target) for kind, _, target in (m.partition(" ") for m in c.mappings)]


def _counterpart(c: Any, own: list[Any], preferred: str | None) -> Any | None:
    """The concept of the `preferred` framework (among `own`) that `c` is an exact or close
    match of, stated on either side; None when there is none."""
    if preferred is None:
        return None
    named = {f"{x.scheme}:{x.notation}": x for x in own}
    for kind, target in _links(c):
        if kind in _SAME and target in named:
            return named[target]
    mine = f"{c.scheme}:{c.notation}"
    return next((x for x in own if any(k in _SAME and t == mine for k, t in _links(x))), None)


def _maps_into(c: Any, own: list[Any], preferred: str | None) -> bool:
    """Whether any mapping, stated on either side, links `c` with the `preferred` framework."""
    if preferred is None:
        return False
    if any(t.startswith(f"{preferred}:") for _, t in _links(c)):
        return True
    mine = f"{c.scheme}:{c.notation}"
    return any(t == mine for x in own for _, t in _links(x))


def _preferred_scheme(names: Any, constructs: list[Any], cutoff: float) -> str | None:
    """The framework whose constructs the codes' names match best, summed over the codes (each
    code's best score within it, when at least `cutoff`); None when none matches any."""
    totals: dict[str, float] = {}
    schemes = sorted({c.scheme for c in constructs})
    for name in names:
        for s in schemes:
            best = rank(name, [c for c in constructs if c.scheme == s], limit=1, cutoff=cutoff)
            if best:
                totals[s] = totals.get(s, 0.0) + best[0].score
    return max(sorted(totals), key=lambda s: totals[s]) if totals else None


def write_suggestions(suggestions: Suggestions, out: Path) -> None:
    """Write the suggested mapping set as SSSOM/TSV."""
    write_sssom(suggestions.mapping_set, out)
