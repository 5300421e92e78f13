"""The `cokg` command: a thin layer over the library API.

Every command calls one library function. Heavy libraries are imported inside the
commands so that `cokg --help` starts fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from cokg import __version__
from cokg.errors import CokgError


def _handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one stderr line and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        try:
            return func(*args, **kwargs)
        except CokgError as exc:
            if ctx.find_root().params.get("traceback"):
                raise
            click.echo(f"cokg: error: {exc}", err=True)
            ctx.exit(exc.exit_code)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cokg")
@click.option("--traceback", is_flag=True, help="Show the full traceback on errors.")
def cli(traceback: bool) -> None:
    """cokg: the coproduction knowledge graph."""


# --- commands are added below, one section per feature -------------------------------


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="cokg")
    except KeyboardInterrupt:
        click.echo("cokg: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
