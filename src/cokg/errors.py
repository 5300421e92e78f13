"""A small, flat exception hierarchy. The CLI maps each class to an exit code."""

from __future__ import annotations

import re
from pathlib import Path

MAX_MESSAGE = 2000  # characters of a message: one readable line, whatever it quotes


def clip(message: str, most: int = MAX_MESSAGE) -> str:
    """A message that quotes its input kept to one readable line (a 5 MB cell is not echoed
    to the terminal): its start and its end (where the advice is), and how much is left out."""
    if len(message) <= most:
        return message
    return f"{message[: most - 200]} [... {len(message) - most + 1:,} characters] {message[-199:]}"


class CokgError(Exception):
    """Base class: a problem the user can act on, with where it happened."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        record: str | None = None,
    ) -> None:
        message = clip(message)
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.record = record

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
        if self.record:
            where = f"{where} ({self.record})" if where else self.record
        return f"{where}: {self.message}" if where else self.message


class InputError(CokgError):
    """Unusable input: unreadable, unparseable, unknown format, empty, unsafe."""

    exit_code = 2


class NetworkRefused(InputError):
    """Input or a query would have caused a network fetch the user did not ask for."""


class ValidationFailed(CokgError):
    """Input was readable but does not conform to the shapes."""

    exit_code = 1


class ParameterError(CokgError):
    """A query parameter or command option has a value that is not allowed."""

    exit_code = 2


class QueryError(CokgError):
    """A SPARQL query could not be run."""

    exit_code = 2


class StoreError(CokgError):
    """The store could not be opened, read or written."""

    exit_code = 3


class StoreMissing(StoreError):
    """There is no store at the place given (nothing built there yet, a mistyped path, a
    folder outside any project): the user's to fix, so exit 2 like other usage errors."""

    exit_code = 2


class StoreNotWritable(StoreError):
    """The store's folder cannot be written (mounted read-only, no permission): the user's to
    fix, exit 2. Reading it still works."""

    exit_code = 2


class ReasonerError(CokgError):
    """The reasoner could not run, or found the ontology inconsistent."""

    exit_code = 1


_ENGINE_ERROR_RE = re.compile(r"error at (\d+):(\d+): expected (?:one of )?(.*)", re.DOTALL)
_SENTENCE_RE = re.compile(r"(?:^|, )([A-Z][a-z]+(?: [^,\[\]'\"]+)+?)(?=, |$)")


def engine_syntax_message(text: str) -> tuple[str, int | None]:
    """(one line, line number) for the SPARQL engine's parse error: where it stopped and, when
    the parser says it, why (the SELECT's unbound variable, say), instead of its list of
    expected characters. Here, with no dependency, so the query workers can use it too."""
    m = _ENGINE_ERROR_RE.match(text)
    if m is None:
        return "invalid SPARQL: " + " ".join(text.split())[:200], None
    line, column = int(m.group(1)), int(m.group(2))
    reasons = _SENTENCE_RE.findall(" ".join(m.group(3).split()))
    why = "; ".join(dict.fromkeys(reasons)) or "the engine cannot read it from there"
    return f"invalid SPARQL at line {line}, column {column}: {why}", line
