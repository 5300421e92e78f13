"""The public API: every name in `cokg.__all__` resolves, `import cokg` stays light, and the
package's own example runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cokg

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", [n for n in cokg.__all__ if n != "__version__"])
def test_public_name_resolves(name: str) -> None:
    value = getattr(cokg, name)
    assert value is not None
    assert name in dir(cokg)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cokg.nope  # noqa: B018


def test_import_cokg_loads_no_heavy_library() -> None:
    code = (
        "import sys, cokg\n"
        "heavy = {'rdflib', 'pyoxigraph', 'pyshacl', 'owlready2', 'networkx', 'matplotlib'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_validate_files_is_the_validator() -> None:
    from cokg.validate import validate

    assert cokg.validate_files is validate


def test_the_package_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example in `cokg.__doc__`, with the fictional template submission as `my-case/`."""
    import shutil

    shutil.copytree(
        ROOT / "tests" / "fixtures" / "submissions" / "example-template", tmp_path / "my-case"
    )
    monkeypatch.chdir(tmp_path)
    doc = cokg.__doc__ or ""
    code = doc.split("::\n", 1)[1].split("\n\n", 2)[:2]
    source = "\n".join(line[4:] for line in "\n\n".join(code).splitlines())
    namespace: dict[str, object] = {}
    exec(compile(source, "cokg.__doc__", "exec"), namespace)
    assert namespace["answer"].rows  # type: ignore[attr-defined]
    assert namespace["report"].conforms  # type: ignore[attr-defined]


def test_py_typed_marker_ships() -> None:
    assert (ROOT / "src" / "cokg" / "py.typed").is_file()
    assert "py.typed" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_all_lists_every_lazy_name() -> None:
    from cokg import _LAZY

    assert set(cokg.__all__) == {"__version__", *_LAZY}


def test_an_answer_prints_as_a_table_and_shows_as_one_in_a_notebook() -> None:
    # print(answer) printed one long line of the dataclass; Jupyter showed the same
    from cokg.formats import render
    from cokg.store import MemoryStore, build

    store = MemoryStore()
    build(store)
    answer = cokg.run_query("sampling-frame", store=store)
    assert str(answer) == render(answer, "table")
    assert "| Total" in str(answer) and "QueryAnswer(" not in str(answer)
    md = answer._repr_markdown_()
    assert md.splitlines()[0].startswith("| case | start_year |")
    assert "| Total |" in md
    store.close()
