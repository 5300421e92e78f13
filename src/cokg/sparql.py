"""SPARQL text before it reaches an engine: the safety screen, nesting limit and bound parameters.

`screen()` decides on the *parsed* query, never on a keyword scan alone:

1. `\\u` escapes are applied (SPARQL parsers apply them to the whole text before parsing).
2. Brackets nested deeper than MAX_NESTING are refused before any parser runs: deep nesting
   crashed pyoxigraph's parser (5,000 parentheses: a segmentation fault) and makes recursive
   parsers slow.
3. rdflib's SPARQL 1.1 grammar parses the text. A text that is not a query is refused (an update
   is named as such and never run anywhere); a query holding SERVICE or a dataset clause
   (FROM / FROM NAMED) is refused from the parse tree unless network access was enabled.
4. A lexer that follows the SPARQL grammar's terminals (comments end at CR *or* LF, `\\#` is an
   escape inside a prefixed name) must find no SERVICE, LOAD or FROM keyword either. Two parsers
   that disagree on a text (rdflib and the engine) are the hole a screen falls through; asking
   both questions, and refusing when either says yes, closes the gaps that one parser's quirks
   open.

The screen is one of two guards. The other is that local queries run in a process that cannot
open a network socket at all (`cokg.sandbox`), so a query that slipped past this module would
still fetch nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from cokg.errors import NetworkRefused, ParameterError, QueryError
from cokg.namespaces import PREFIXES

__all__ = [
    "MAX_NESTING",
    "MAX_QUERY_CHARS",
    "Screened",
    "UpdateRefused",
    "fetching_keywords",
    "inject_values",
    "nesting_depth",
    "screen",
]

MAX_NESTING = 64  # brackets ( { [ open at once; the saved queries use at most 8
MAX_QUERY_CHARS = 1_000_000  # the endpoint sets its own, smaller cap

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_FETCHING = {"SERVICE", "LOAD", "FROM"}
_UPDATE_WORDS = {
    "INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH",
}  # fmt: skip


class UpdateRefused(QueryError):
    """The text is a SPARQL update; cokg's query paths are read-only."""


@dataclass(frozen=True)
class Screened:
    """A query text that passed the screen, with its form (select, ask, construct, describe)."""

    text: str
    form: str
    dataset: bool = False  # has FROM / FROM NAMED (only where allowed)


# --- lexing ---------------------------------------------------------------------------------

# The grammar's terminals that can hide a keyword: comments (ending at CR or LF), the four string
# forms, IRIs, variables, language tags, blank node labels and prefixed names (whose local part
# may hold `\`-escapes and %-escapes). A bare word outside these is a keyword or function name.
_PN_CHARS_BASE = r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF" \
    r"\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD" \
    r"\U00010000-\U000EFFFF"  # fmt: skip
_PN_CHARS = _PN_CHARS_BASE + r"_0-9\-\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_SKIP_RE = re.compile(
    r"""
      \#[^\r\n]*
    | '''(?:[^'\\]|\\.|'(?!''))*'''
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\r\n]|\\.)*'
    | "(?:[^"\\\r\n]|\\.)*"
    | <[^<>"{}|^`\\\x00-\x20]*>
    | [?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+
    | @[A-Za-z]+(?:-[A-Za-z0-9]+)*
    | _:[\w.\-]+
    """,
    re.VERBOSE | re.DOTALL,
)


# Compiling the name classes whole costs 12 ms (Python's `re` builds a table of every code
# point they cover), more than lexing a query: an ASCII text is lexed with the classes' ASCII
# part, which matches exactly what the whole would in it, and the whole is built only for a
# text that needs it.
@functools.cache
def _pname_re(ascii_only: bool) -> re.Pattern[str]:
    base, chars = (r"A-Za-z", r"A-Za-z_0-9\-") if ascii_only else (_PN_CHARS_BASE, _PN_CHARS)
    return re.compile(
        rf"(?:[{base}](?:[{chars}.]*[{chars}])?)?:"
        rf"(?:(?:[{chars}:]|{_PLX})(?:(?:[{chars}.:]|{_PLX})*(?:[{chars}:]|{_PLX}))?)?"
    )


_WORD_RE = re.compile(r"[A-Za-z_][\w]*|[0-9][\w.]*")


def _tokens(sparql: str) -> Iterator[tuple[int, str]]:
    """(offset, token) of keywords, names and punctuation outside strings, comments and IRIs.
    Skipped terminals yield their first character as a marker ("<", "?", "#", a quote...)."""
    i, n = 0, len(sparql)
    pname_re = _pname_re(sparql.isascii())
    while i < n:
        c = sparql[i]
        if c.isspace():
            i += 1
            continue
        m = _SKIP_RE.match(sparql, i)
        if m:
            yield i, m.group(0)[:1]
            i = m.end()
            continue
        m = pname_re.match(sparql, i)
        if m and m.end() > i:
            yield i, m.group(0)
            i = m.end()
            continue
        m = _WORD_RE.match(sparql, i)
        if m:
            yield i, m.group(0)
            i = m.end()
            continue
        yield i, c
        i += 1


def _unescape(sparql: str) -> str:
    # SPARQL parsers apply \uXXXX escapes to the whole query text before parsing, so
    # `\u0053ERVICE` is SERVICE: look at what the parser will see.
    def repl(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):  # no character: left for the parser to refuse
            return m.group(0)

    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", repl, sparql)


# Both lexer passes below are pure functions of the text, and a page's window, its total and
# a served page's query repeat the same texts: each is lexed once (0.13 ms a pass for a
# 1.6 kB query, five passes a page). Their answers are immutable.
@functools.lru_cache(maxsize=128)
def fetching_keywords(sparql: str) -> frozenset[str]:
    """The keywords in a text that can make an engine fetch from the network (SERVICE, LOAD,
    FROM), found outside strings, comments, IRIs and names, after \\u escapes."""
    return frozenset(w for _, tok in _tokens(_unescape(sparql)) if (w := tok.upper()) in _FETCHING)


@functools.lru_cache(maxsize=128)
def nesting_depth(sparql: str) -> int:
    """The deepest nesting of ( { [ outside strings, comments and IRIs."""
    depth = deepest = 0
    for _, tok in _tokens(sparql):
        if tok in "({[" and len(tok) == 1:
            depth += 1
            deepest = max(deepest, depth)
        elif tok in ")}]" and len(tok) == 1:
            depth = max(0, depth - 1)
    return deepest


# --- the screen -----------------------------------------------------------------------------


def screen(sparql: str, *, allow_network: bool = False, allow_dataset: bool = False) -> Screened:
    """Refuse what a read-only, offline query path must not run; return the query's form.

    Raises QueryError (too long, too deep, not SPARQL), UpdateRefused (an update) and
    NetworkRefused (SERVICE, LOAD, FROM / FROM NAMED unless `allow_network`). `allow_dataset`
    lets FROM / FROM NAMED through for an engine known to read them from its own dataset.
    """
    if not isinstance(sparql, str):
        raise QueryError("a query must be text")
    if len(sparql) > MAX_QUERY_CHARS:
        raise QueryError(f"query is longer than {MAX_QUERY_CHARS:,} characters; refused")
    return _screen(sparql, allow_network, allow_dataset)


@functools.lru_cache(maxsize=512)
def _screen(sparql: str, allow_network: bool, allow_dataset: bool) -> Screened:
    if not sparql.strip():
        raise QueryError("empty query")
    derived = _DERIVED.get(sparql)
    if derived is not None:
        return derived
    text = _unescape(sparql)
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        raise QueryError(
            f"query nests brackets {depth} deep; the limit is {MAX_NESTING} (refused unparsed)"
        )
    form = _recorded_verdict(sparql)
    if form is not None and not fetching_keywords(text):
        return Screened(sparql, form, False)  # parsed when it was recorded: the same text
    tree = _parse(text)
    names = set(_names(tree))
    form = next((f for f in FORMS if f"{f.capitalize()}Query" in names), "")
    if not form:
        raise QueryError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")
    _check_prefixes(text.replace("\r", "\n"))
    if allow_network:
        return Screened(sparql, form.lower(), "datasetClause" in names)
    found = fetching_keywords(text)
    if "ServiceGraphPattern" in names or "SERVICE" in found:
        raise NetworkRefused(
            "query uses SERVICE, which makes the engine call another server; refused"
        )
    if "LOAD" in found:
        raise NetworkRefused("query uses LOAD, which fetches a document; refused")
    dataset = "datasetClause" in names or "FROM" in found
    if dataset and not allow_dataset:
        raise NetworkRefused(
            "query uses FROM / FROM NAMED, which can fetch from the network; refused (use "
            "GRAPH clauses to pick graphs)"
        )
    return Screened(sparql, form.lower(), dataset)


def internal_form(sparql: str) -> str:
    """The form of a query text cokg writes itself from its own files (compiled shapes, QC
    checks, provenance lookups), found by the lexer: what an engine is asked to run with
    `internal=True`, which is not parsed (rdflib's parser takes ~65 ms a query, one at a time:
    13 s of the 13.5 s a whole-store validation took against a server). The lexer still
    refuses a text that would fetch (SERVICE, LOAD, FROM) or that is an update."""
    text = _unescape(sparql)
    if fetching_keywords(text):
        raise NetworkRefused("an internal query may not fetch (SERVICE, LOAD, FROM); refused")
    depth = 0
    for _, tok in _tokens(text):
        if tok in ("{", "(", "["):
            depth += 1
        elif tok in ("}", ")", "]"):
            depth -= 1
        elif depth == 0 and tok.upper() in FORMS:
            return tok.lower()
        elif depth == 0 and tok.upper() in _UPDATE_WORDS:
            break
    raise QueryError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")


def undeclared_prefix(sparql: str) -> tuple[str, int] | None:
    """The first prefix the query's names use without a PREFIX declaration, with the offset
    of that name; None when every prefix is declared. (rdflib's parser leaves prefixes to a
    later step, and the engine's error lists every character a name may hold.)"""
    declared: set[str] = set()
    used: list[tuple[int, str]] = []
    after_prefix = False
    for i, tok in _tokens(sparql):
        if after_prefix:
            declared.add(tok.split(":", 1)[0])
            after_prefix = False
        elif tok.upper() == "PREFIX":
            after_prefix = True
        elif ":" in tok:  # only the prefixed-name terminal holds a colon here
            used.append((i, tok.split(":", 1)[0]))
    return next(((p, i) for i, p in used if p not in declared), None)


def _check_prefixes(text: str) -> None:
    found = undeclared_prefix(text)
    if found is None:
        return
    prefix, offset = found
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    iri = PREFIXES.get(prefix)
    fix = f"PREFIX {prefix}: <{iri}>" if iri else f"PREFIX {prefix}: <its namespace IRI>"
    raise QueryError(
        f"prefix '{prefix}:' is not declared (line {line}, column {column}): "
        f"add {fix} before the query",
        line=line,
    )


def _parse(text: str) -> object:
    """rdflib's parse tree of a query, or QueryError / UpdateRefused saying why not."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    # The grammar ends a comment at CR or LF; rdflib's ignores CR. Folding CR into LF for the
    # parser keeps both parsers reading the same structure (it changes no token but comments).
    folded = text.replace("\r", "\n")
    try:
        return _deep(parseQuery, folded)
    except ParseException as exc:
        try:
            _deep(parseUpdate, folded)
        except Exception:
            raise QueryError(
                f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}",
                line=exc.lineno,
            ) from None
        raise UpdateRefused("SPARQL updates are refused: this is a read-only query path") from None
    except (ValueError, OverflowError) as exc:  # rdflib's checks while parsing: \U0011FFFF
        bad = _BAD_ESCAPE.search(folded)
        line = folded.count("\n", 0, bad.start()) + 1 if bad else None
        where = (
            f" at line {line}, column {bad.start() - folded.rfind(chr(10), 0, bad.start())}"
            if bad
            else ""
        )
        raise QueryError(f"SPARQL syntax error{where}: {exc}", line=line) from None


# An escape naming no character: above U+10FFFF, or a surrogate (half of a UTF-16 pair).
_BAD_ESCAPE = re.compile(
    r"\\U(?:00(?:1[1-9A-Fa-f]|[2-9A-Fa-f][0-9A-Fa-f])|0[1-9A-Fa-f][0-9A-Fa-f]{2}|[1-9A-Fa-f][0-9A-Fa-f]{3})"
    r"[0-9A-Fa-f]{4}|\\u[Dd][89A-Fa-f][0-9A-Fa-f]{2}|\\U0000[Dd][89A-Fa-f][0-9A-Fa-f]{2}"
)


# rdflib's SPARQL grammar is one set of pyparsing objects shared by the process, and pyparsing
# is not thread-safe: two parses at once broke each other ("Param.postParse2() missing
# 'tokenList'", "Expected SelectQuery") in `validate --whole-store` against a server and in
# `serve --endpoint`. One parse at a time; a parse is some tens of milliseconds.
_PARSE_LOCK = threading.Lock()


def _deep(parse: object, text: str) -> object:
    """Run a recursive-descent parse in a thread with room for MAX_NESTING levels, one parse
    at a time in the process (_PARSE_LOCK)."""
    with _PARSE_LOCK:
        return _deep_locked(parse, text)


def _deep_locked(parse: object, text: str) -> object:
    out: list[object] = []

    def run() -> None:
        try:
            out.append(parse(text))  # type: ignore[operator]
        except BaseException as exc:
            out.append(exc)

    old_stack = threading.stack_size()
    old_limit = sys.getrecursionlimit()
    threading.stack_size(256 * 1024 * 1024)  # virtual; only touched pages cost memory
    sys.setrecursionlimit(max(old_limit, 20_000))
    try:
        t = threading.Thread(target=run, name="cokg-sparql-parse")
        t.start()
        t.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if isinstance(out[0], RecursionError):
        raise QueryError("query is nested too deeply to parse; refused")
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


def _names(node: object) -> Iterator[str]:
    """Names of every rule and keyed part in an rdflib parse tree (iteratively: trees are deep)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            yield n.name
            for key, value in n.items():
                if value is not None and value != []:
                    yield key
                stack.append(value)
        elif isinstance(n, ParseResults | list | tuple):
            stack.extend(n)
        elif isinstance(n, dict):
            stack.extend(n.values())


# --- bound parameters -----------------------------------------------------------------------


def _checked_term(name: str, term: Node) -> str:
    from cokg.terms import to_ox  # the engine's strict IRI parser

    if not re.fullmatch(r"\w+", name):
        raise ParameterError(f"not a variable name: {name!r}")
    if isinstance(term, BNode) or not isinstance(term, URIRef | Literal):
        raise ParameterError(f"?{name}: only IRIs and literals can be bound")
    to_ox(term)  # ParameterError for an IRI the engine would refuse
    return term.n3()


def _values_block(bindings: Mapping[str, Node]) -> str:
    names = [f"?{name}" for name in bindings]
    terms = [_checked_term(name, term) for name, term in bindings.items()]
    return f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "


def _values_rows(name: str, terms: Sequence[Node]) -> str:
    """One variable, one row per term: the query answers for each of them."""
    return f" VALUES ?{name} {{ {' '.join(_checked_term(name, t) for t in terms)} }} "


def inject_values(sparql: str, form: str, bindings: Mapping[str, Node]) -> str:
    """Bind variables by a VALUES block of validated terms at the start of the outermost WHERE
    group, so the binding applies before grouping and aggregation. Terms are written with
    `.n3()` after validation, never pasted from user text. A placeholder `VALUES ?name
    { UNDEF }` of a bound variable is given its value too (see `fill_placeholders`)."""
    # a variable seen only inside sub-SELECTs (bound there by its placeholders) is not bound at
    # the top as well: there it would join nothing, and Virtuoso 7 failed to compile the query
    top = {k: v for k, v in bindings.items() if not _only_in_subselects(sparql, k)}
    text = _inject(sparql, form, _values_block(top)) if top else sparql
    return fill_placeholders(text, {name: [term] for name, term in bindings.items()})


def _only_in_subselects(sparql: str, name: str) -> bool:
    """Whether ?name occurs only in the bodies of sub-SELECTs (not at the top level, nor in a
    projection the top level sees): a binding at the top level cannot reach it there."""
    depth = 0
    hidden: list[int] = []  # the depths at which the bodies of enclosing sub-SELECTs opened
    header = False  # between a sub-SELECT's keyword and its body
    found = False
    for pos, tok in _tokens(sparql):
        if tok.upper() == "SELECT" and depth >= 1:
            header = True
        elif tok == "{":
            depth += 1
            if header:
                hidden.append(depth)
                header = False
        elif tok == "}":
            if hidden and hidden[-1] == depth:
                hidden.pop()
            depth -= 1
        elif tok in ("?", "$"):
            m = re.match(r"[?$](\w+)", sparql[pos:])
            if m and m.group(1) == name:
                if not hidden:
                    return False
                found = True
    return found


def inject_rows(sparql: str, form: str, name: str, terms: Sequence[Node]) -> str:
    """Like `inject_values`, for one variable taking each of `terms` in turn (a VALUES block
    with one row per term): a page of a listing asks for the cases on it at once."""
    return fill_placeholders(_inject(sparql, form, _values_rows(name, terms)), {name: terms})


def fill_placeholders(sparql: str, rows: Mapping[str, Sequence[Node]]) -> str:
    """The text with each placeholder `VALUES ?name { UNDEF }` of a variable in `rows` holding
    those terms instead. A placeholder is one row binding nothing, so it changes no answer;
    a query puts one where the engine should also see the outer binding of ?name, in a group
    it evaluates on its own (an OPTIONAL group or a sub-SELECT, which the embedded engine
    evaluates for the whole store): there it is a restriction the outer binding makes
    anyway. Only variables that are bound outside too may be given rows."""
    if not rows or "UNDEF" not in sparql.upper():
        return sparql
    cuts = [
        (start, stop, _values_rows(name, rows[name]))
        for start, stop, name in _placeholders(sparql)
        if name in rows
    ]
    for start, stop, block in reversed(cuts):
        sparql = sparql[:start] + block.strip() + sparql[stop:]
    return sparql


def has_placeholder(sparql: str, name: str) -> bool:
    """Whether the text holds a placeholder `VALUES ?name { UNDEF }` (see `fill_placeholders`)."""
    return "UNDEF" in sparql.upper() and any(n == name for _, _, n in _placeholders(sparql))


def drop_placeholders(sparql: str) -> str:
    """The text without the placeholders left unfilled (`fill_placeholders`): each binds
    nothing, but Virtuoso 7 lost a row of a sub-select holding one."""
    if "UNDEF" not in sparql.upper():
        return sparql
    for start, stop, _ in reversed(_placeholders(sparql)):
        sparql = sparql[:start] + sparql[stop:]
    return sparql


def _placeholders(sparql: str) -> list[tuple[int, int, str]]:
    """(start, end, variable) of each placeholder `VALUES ?name { UNDEF }` outside strings and
    comments."""
    tokens = list(_tokens(sparql))
    out: list[tuple[int, int, str]] = []
    for i in range(len(tokens) - 4):
        (at, word), (vat, var), (_, open_), (_, undef), (end, close) = tokens[i : i + 5]
        if word.upper() != "VALUES" or var not in ("?", "$") or open_ != "{" or close != "}":
            continue
        name = re.match(r"[?$](\w+)", sparql[vat:])
        if undef.upper() == "UNDEF" and name:
            out.append((at, end + 1, name.group(1)))
    return out


def _inject(sparql: str, form: str, block: str) -> str:
    depth = 0
    seen_form = False
    where_next = False
    top_groups = 0
    for pos, tok in _tokens(sparql):
        word = tok.upper()
        if tok == "{":
            if depth == 0 and seen_form:
                top_groups += 1
                if where_next or form != "construct" or top_groups == 2:
                    return sparql[: pos + 1] + block + sparql[pos + 1 :]
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0 and word in FORMS:
            seen_form = True
        elif depth == 0 and seen_form and word == "WHERE":
            where_next = True
    raise ParameterError("cannot bind parameters: the query has no WHERE group")


# --- verdicts recorded for the saved queries, and texts derived from screened ones -------------

VERDICTS_FILE = "screened.json"  # in queries/: written by `cokg queries --write-catalog`
_DERIVED: dict[str, Screened] = {}
_MAX_DERIVED = 2048


def verdicts_path() -> Path:
    from cokg import paths

    return paths.QUERIES_DIR / VERDICTS_FILE


@functools.lru_cache(maxsize=4)
def _load_verdicts(path: str, mtime_ns: int, size: int) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    forms = data.get("screened") if isinstance(data, dict) else None
    if not isinstance(forms, dict):
        return {}
    return {k: v for k, v in forms.items() if isinstance(k, str) and v in _FORM_WORDS}


_FORM_WORDS = {f.lower() for f in FORMS}


def _digest(sparql: str) -> str:
    return hashlib.sha256(sparql.encode("utf-8")).hexdigest()


def _recorded_verdict(sparql: str) -> str | None:
    """The form recorded for exactly this text in queries/screened.json, if any. The saved
    queries are the project's own files; each was parsed by the full screen when the file was
    written, and the suite holds the file equal to a fresh screen of every saved query
    (tests/test_query.py). Parsing them again in every process cost ~30 ms a query and 0.2 s
    for the first (the parser's import): most of a command's fixed cost."""
    path = verdicts_path()
    try:
        st = path.stat()
    except OSError:
        return None
    return _load_verdicts(str(path), st.st_mtime_ns, st.st_size).get(_digest(sparql))


def record_verdicts(texts: Iterable[str]) -> dict[str, Any]:
    """The content of queries/screened.json for `texts`: each text's form, by SHA-256, from
    the full screen (parsed, network and updates refused). Raises what screen() raises."""
    forms = {}
    for text in texts:
        forms[_digest(text)] = _screen_parsed(text).form
    return {
        "about": "SPARQL forms of the saved queries as screened by cokg.sparql.screen, by "
        "SHA-256 of the query text; regenerate with `cokg queries --write-catalog`",
        "screened": dict(sorted(forms.items())),
    }


def _screen_parsed(sparql: str) -> Screened:
    """The full screen, never a recorded verdict (for recording verdicts)."""
    text = _unescape(sparql)
    if nesting_depth(text) > MAX_NESTING:
        raise QueryError("query nests brackets too deep")
    names = set(_names(_parse(text)))
    form = next((f for f in FORMS if f"{f.capitalize()}Query" in names), "")
    if not form:
        raise QueryError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")
    _check_prefixes(text.replace("\r", "\n"))
    found = fetching_keywords(text)
    if "ServiceGraphPattern" in names or "datasetClause" in names or found:
        raise NetworkRefused("a saved query may not fetch (SERVICE, LOAD, FROM)")
    return Screened(sparql, form.lower(), False)


def derive(screened: Screened, text: str, form: str | None = None) -> Screened:
    """A text cokg made from a screened query (a page window on it, a count around it) is
    screened too, if the lexer finds no fetching keyword it did not have: like `bind`, the
    derivation adds only clauses cokg writes itself. Returns the derived text, screened."""
    if fetching_keywords(text) - fetching_keywords(screened.text):
        raise QueryError("a derived query would change what the query fetches; refused")
    if nesting_depth(text) > MAX_NESTING:
        raise QueryError(f"query nests brackets deeper than {MAX_NESTING}; refused")
    out = Screened(text, form or screened.form, screened.dataset)
    if len(_DERIVED) >= _MAX_DERIVED:
        _DERIVED.clear()
    _DERIVED[text] = out
    return out


def bind(screened: Screened, bindings: Mapping[str, Node] | None) -> str:
    """The text to run: the screened query with its parameters bound.

    The template was parsed by `screen`; the VALUES block holds only validated IRIs and
    literals written by rdflib, and the lexer confirms the result adds no fetching keyword.
    """
    if not bindings:
        return screened.text
    text = inject_values(screened.text, screened.form, bindings)
    if fetching_keywords(text) - fetching_keywords(screened.text):
        raise ParameterError("a bound value would change the query; refused")
    return text
