"""Running queries on a store: saved ones by name (`run_query`), ad-hoc SPARQL (`run_sparql`)
and the QC checks (`run_checks`), each on the store given or one opened for the call."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cokg.errors import CokgError, ParameterError, QueryError
from cokg.models import QueryResult
from cokg.query.answers import CheckViolation, Page, QueryAnswer, answer_from, to_python
from cokg.query.binding import bind_parameters
from cokg.query.paging import (
    check_page,
    read_case_page,
    read_counted_cases,
    read_page,
    read_whole_cases,
)
from cokg.query.saved import SavedQuery, get_query, list_checks
from cokg.sparql import bind, derive, has_placeholder, screen

if TYPE_CHECKING:
    from rdflib.term import Node

    from cokg.sparql import Screened
    from cokg.store import Store


def open_for_call(store: Store | str | Path | None) -> tuple[Store, bool]:
    """The store to use and whether we opened it (and so must close it)."""
    if store is not None and hasattr(store, "query"):
        return store, False  # type: ignore[return-value]
    from cokg.store import open_for_reading

    opened = open_for_reading(store)
    return opened, True


def run_query(
    name: str | SavedQuery,
    *,
    store: Store | str | Path | None = None,
    timeout: float | None = None,
    memory_mb: int | None = None,
    limit: int | None = None,
    offset: int = 0,
    **params: Any,
) -> QueryAnswer:
    """Run a saved query by name with keyword parameters, e.g.
    `run_query("cross-case", phase="implementation")`. `store` is a Store, a store spec
    (path, "memory:", an endpoint URL) or None for the default store (built when empty).
    `timeout` (seconds) and `memory_mb` cap the run (None: the defaults; 0: no limit).

    `limit` and `offset` ask for one page: rows `offset + 1` to `offset + limit` (`limit`
    None or 0: to the end, as `--limit 0` and `?limit=0`), and `answer.page` says where they
    lie in the whole answer (the total, whether more follow). A pivoted query paged by case
    (`#+ page_by: case`) gives whole cases, as many as fit in `limit` rows (at least one),
    from the case holding row `offset`. A query that is not paged (its header says `page:
    false`, or it declares a pivot and no `page_by`) refuses them with a ParameterError."""
    query = name if isinstance(name, SavedQuery) else get_query(name)
    check_page(limit, offset)
    limit = limit or None  # 0 is every row, as on the command line and the served pages
    paging = limit is not None or offset > 0
    if paging and not query.paged:
        why = "its table is pivoted, which needs every row" if query.pivot else "page: false"
        raise ParameterError(f"query {query.name} is not paged ({why})")
    st, opened = open_for_call(store)
    page = None
    try:
        bindings, used = bind_parameters(query, params, st)
        start = time.perf_counter()
        # The body without the `#+` header: some clients (SPARQLWrapper) guess the query form from
        # the first keyword-like word outside comments and misread header prose.
        by = query.param(query.page_by).var if query.page_by else None
        # the case-by-case form, for the case asked for or a page's cases: a plan for the
        # embedded engine (a remote endpoint is sent the query itself, which it plans its own
        # way; Virtuoso 7 fails to compile some of these forms or answers them wrongly). A
        # listing that starts from a placeholder of its cases reads its own pages.
        cases = query.case_var
        by_case = (
            get_query(query.by_case).body
            if query.by_case
            and getattr(st, "embedded_engine", False)
            and cases is not None
            and (
                cases in bindings
                or (by is not None and limit is not None and not has_placeholder(query.body, by))
            )
            else None
        )
        if query.empty_without is not None and not _holds_predicate(
            st, query.empty_without, timeout=timeout, memory_mb=memory_mb
        ):
            result = QueryResult(kind="select", variables=list(query.returns), rows=[])
            page = Page(offset=offset, limit=limit, rows=0, total=0) if paging else None
        elif paging:
            # bound here, as every store binds (a VALUES block in the outer WHERE), so that the
            # count query counts the same rows
            parent = screen(by_case or query.body)
            base = derive(parent, bind(parent, bindings)) if bindings else parent
            if by is not None and by not in bindings and limit is not None:
                result, page = _read_by_case(
                    st, query, base, var=by, by_case=by_case is not None, bindings=bindings,
                    limit=limit, offset=offset, timeout=timeout, memory_mb=memory_mb,
                )  # fmt: skip
            else:
                result, page = read_page(
                    st, base.text, what=f"query {query.name}", limit=limit, offset=offset,
                    timeout=timeout, memory_mb=memory_mb, count_query=query.count_for(bindings),
                    bindings=bindings,
                )  # fmt: skip
        else:
            result = st.query(
                by_case or query.body,
                bindings=bindings or None,
                timeout=timeout,
                memory_mb=memory_mb,
            )
        seconds = time.perf_counter() - start
    except CokgError as exc:
        if isinstance(exc, QueryError) and not exc.record:
            exc.record = f"query {query.name}"
        raise
    finally:
        if opened:
            st.close()
    return answer_from(
        result,
        name=query.name,
        parameters=used,
        pivot=query.pivot,
        seconds=seconds,
        display=query.display,
        page=page,
        lists=query.lists,
    )


def _holds_predicate(st: Store, iri: str, *, timeout: float | None, memory_mb: int | None) -> bool:
    """Whether the store holds a triple with predicate `iri` (`#+ empty_without:`)."""
    asked = st.query(f"ASK {{ ?s <{iri}> ?o }}", timeout=timeout, memory_mb=memory_mb)
    return bool(asked.boolean)


def _read_by_case(
    st: Store,
    query: SavedQuery,
    base: Screened,
    *,
    var: str,
    by_case: bool,
    bindings: dict[str, Node],
    limit: int,
    offset: int,
    timeout: float | None,
    memory_mb: int | None,
) -> tuple[QueryResult, Page]:
    """A page of a query paged by case (`base`: the query or its case-by-case form, when
    `by_case`, parameters bound): whole cases for a pivot; the cases holding the page's rows
    when a total fitting the parameters counts its rows per case; else a few cases at a time."""
    total = query.total_for(bindings)
    known: int | None
    if query.pivot:
        result, page = read_whole_cases(
            st, base, var=var, bindings=bindings, rows_query=total,
            count_query=query.count_for(bindings), limit=limit, offset=offset, timeout=timeout,
            memory_mb=memory_mb,
        )  # fmt: skip
        known = page.total
    elif total is not None:
        # the listing, read whole when a page spans many cases of few rows (it finds its rows
        # by hashing; its case-by-case form looks each case up)
        whole = None
        if by_case:
            listing = screen(query.body)
            whole = bind(listing, bindings) if bindings else listing.text
        # a form (case-by-case, or the listing itself) whose groups start from a placeholder
        # of the cases is planned from them however many there are; a case-by-case form
        # without one takes a few at a time (see MAX_CASES: evidence-gaps-by-case for 25
        # sparse sites at once 4.6 s, six at a time 0.1 s)
        one_block = has_placeholder(base.text, var)
        result, page = read_counted_cases(
            st, base, var=var, bindings=bindings, rows_query=total, limit=limit, offset=offset,
            one_block=one_block, whole=whole, case_cost=query.case_cost, timeout=timeout,
            memory_mb=memory_mb,
        )  # fmt: skip
        known = page.total
    else:
        result, page = read_case_page(
            st, base, var=var, limit=limit, offset=offset, timeout=timeout, memory_mb=memory_mb
        )
        known = None
    if not result.truncated:
        return result, page
    # The store cut the rows of the page's cases at its result limit (a served store whose
    # --limit is below a case's rows): the page is read from the whole listing by LIMIT and
    # OFFSET in the engine instead, which returns the page's rows and no more (a pivot's page
    # is then part of a case: whole cases would not fit).
    listing = screen(query.body)
    return read_page(
        st, bind(listing, bindings) if bindings else listing.text, what=f"query {query.name}",
        limit=limit, offset=offset, timeout=timeout, memory_mb=memory_mb,
        count_query=query.count_for(bindings), bindings=bindings, known_total=known,
    )  # fmt: skip


def read_sparql(text_or_file: str | Path) -> tuple[str, str | None]:
    """(the SPARQL text, the file's stem or None) of an ad-hoc query given as text or as a
    path to a `.rq`/`.sparql` file. QueryError when the file cannot be read."""
    text = str(text_or_file)
    candidate = Path(text) if len(text) < 1024 and "\n" not in text and "{" not in text else None
    if candidate is not None and (candidate.is_file() or candidate.suffix in (".rq", ".sparql")):
        try:
            return candidate.read_text(encoding="utf-8"), candidate.stem
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"cannot read query file: {exc}", file=candidate) from None
    return text, None


def run_sparql(
    text_or_file: str | Path,
    *,
    store: Store | str | Path | None = None,
    timeout: float | None = None,
    memory_mb: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> QueryAnswer:
    """Run an ad-hoc query given as SPARQL text or as a path to a `.rq`/`.sparql` file,
    under the same screen and limits as `run_query`. `limit` and `offset` page a SELECT
    answer as in `run_query` (within the query's own LIMIT/OFFSET); other forms refuse them."""
    check_page(limit, offset)
    limit = limit or None
    text, name = read_sparql(text_or_file)
    st, opened = open_for_call(store)
    page = None
    try:
        start = time.perf_counter()
        if limit is not None or offset > 0:
            result, page = read_page(
                st, text, what="the query", limit=limit, offset=offset, timeout=timeout,
                memory_mb=memory_mb,
            )  # fmt: skip
        else:
            result = st.query(text, timeout=timeout, memory_mb=memory_mb)
        seconds = time.perf_counter() - start
    finally:
        if opened:
            st.close()
    return answer_from(result, name=name, seconds=seconds, page=page)


def run_checks(
    store: Store | str | Path | None = None, *, directory: str | Path | None = None
) -> list[CheckViolation]:
    """Run every `queries/checks/*-violation.rq` query; each row returned is a finding at the
    check's `#+ severity:` (default violation). Valid data gives an empty list. The rows need
    ?focus and ?message (?value optional). `store` is taken as in `run_query`."""
    st, opened = open_for_call(store)
    out: list[CheckViolation] = []
    try:
        for check in list_checks(directory):
            res = st.query(check.body, internal=True)
            out.extend(check_violation(check, row) for row in res.rows)
    finally:
        if opened:
            st.close()
    return out


def check_violation(check: SavedQuery, row: Mapping[str, Node | None]) -> CheckViolation:
    """One row of a check as the finding it reports (`run_checks` and `cokg validate` alike):
    ?focus is the offending record, ?message what is wrong (default: the check's summary),
    ?value the offending value."""
    focus = row.get("focus")
    value = row.get("value")
    return CheckViolation(
        check=check.name.removesuffix("-violation"),
        focus=to_python(focus) if focus is not None else "",
        message=str(row.get("message") or check.summary),
        value=None if value is None else str(value),
        summary=check.summary,
        severity=check.severity,
        focus_term=focus,
    )
