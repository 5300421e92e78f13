"""Headless LibreOffice for tests: a real spreadsheet program re-saves files as .xlsx.

    convert_to_xlsx([book.xlsx], out_dir)               # re-saved by Calc: out_dir/book.xlsx
    convert_to_xlsx([events.csv], out_dir, csv_language="en-US")

LibreOffice comes from the distribution (scripts/office-deps.sh, run by `make test`). Every call
gets its own user profile in a fresh temporary folder (-env:UserInstallation), so parallel test
workers never share one (a shared profile makes a second soffice hand its job to the first, or
fail on the profile lock). soffice exits 0 even when it could not convert a file: success is
judged by the output files, and a failure shows the command and LibreOffice's own output.

A CSV file converts to a workbook with one sheet named after the file (events.csv: sheet
events; LibreOffice 7.4), so a CSV named after a template sheet is a one-sheet template.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

INSTALL_HINT = "LibreOffice is missing: run `make office-deps` (make test does)"
XLSX_FILTER = "Calc MS Excel 2007 XML"
TIMEOUT_S = 120  # a cold start with a fresh profile takes about a second; this is a hang

# Windows language ids LibreOffice's CSV filter takes (its options' 6th token)
LANGUAGES = {"en-US": 1033, "en-GB": 2057, "de-DE": 1031, "fr-FR": 1036, "sv-SE": 1053}


class OfficeError(AssertionError):
    """LibreOffice did not produce what was asked (an AssertionError: the test fails)."""


def soffice_binary() -> str | None:
    """The LibreOffice executable (`soffice`, else `libreoffice`) on PATH, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def csv_filter(language: str, *, typed: bool = False) -> str:
    """Import options for a UTF-8 CSV file: comma-separated, '"' quoting, numbers and dates as
    in `language`. By default (LibreOffice's own: "detect special numbers" off) only decimal
    numbers and ISO 8601 dates (2018-10-05) become number and date cells; with `typed`, every
    date form the language knows does, as when the values are typed into General cells."""
    # tokens: separator 44 (,), quote 34 ("), charset 76 (UTF-8), first line 1, column types
    # (none: Standard), language, quoted field as text (false), detect special numbers
    return f"CSV:44,34,76,1,,{LANGUAGES[language]},false,{'true' if typed else 'false'}"


def convert_to_xlsx(
    files: Sequence[Path],
    out_dir: Path,
    *,
    csv_language: str | None = None,
    csv_typed: bool = False,
    timeout_s: float = TIMEOUT_S,
) -> list[Path]:
    """Convert `files`, in one soffice run, to out_dir/<stem>.xlsx; returns the workbooks.
    With `csv_language`, CSV files are read with csv_filter(csv_language, typed=csv_typed);
    without it, LibreOffice guesses the options (and the language from its locale). Raises
    OfficeError, with LibreOffice's output, when soffice is missing, fails, times out or
    leaves a workbook unwritten."""
    soffice = soffice_binary()
    if soffice is None:
        raise OfficeError(INSTALL_HINT)
    files = [Path(f).resolve() for f in files]
    out_dir = Path(out_dir).resolve()
    if not files:
        raise ValueError("no files to convert")
    if any(f.parent == out_dir for f in files):
        raise ValueError("out_dir must not be a folder of the input files (same names)")
    stems = [f.stem for f in files]
    if len(set(stems)) != len(stems):
        raise ValueError(f"two inputs would be written to the same workbook: {stems}")
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = [out_dir / f"{stem}.xlsx" for stem in stems]
    for f in expected:
        f.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="cokg-office-profile-") as profile:
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            *([f"--infilter={csv_filter(csv_language, typed=csv_typed)}"] if csv_language else []),
            "--convert-to",
            f"xlsx:{XLSX_FILTER}",
            "--outdir",
            str(out_dir),
            *map(str, files),
        ]
        # A session of its own: soffice is a script starting soffice.bin, and a timeout must
        # end them all.
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            raise OfficeError(
                _report(f"LibreOffice did not finish within {timeout_s:g} s", cmd, None, out, err)
            ) from None
    missing = [f.name for f in expected if not f.is_file() or f.stat().st_size == 0]
    if proc.returncode != 0 or missing:
        what = (
            f"LibreOffice did not write {', '.join(missing)}" if missing else "LibreOffice failed"
        )
        raise OfficeError(_report(what, cmd, proc.returncode, out, err))
    return expected


def _report(what: str, cmd: list[str], rc: int | None, out: bytes, err: bytes) -> str:
    def text(b: bytes) -> str:
        return b.decode("utf-8", "replace").strip() or "(nothing)"

    return (
        f"{what}\n  command: {' '.join(cmd)}\n  exit status: {rc}\n"
        f"  stdout: {text(out)}\n  stderr: {text(err)}"
    )
