"""The code base stays ruff-clean: lint and formatting are part of the suite, not a habit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREES = ["src", "tests", "bench", "ontology"]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["check", *TREES], id="lint"),
        pytest.param(["format", "--check", *TREES], id="format"),
    ],
)
def test_ruff(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
