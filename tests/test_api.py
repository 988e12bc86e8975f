"""The curated API of ``cimlab/__init__.py``: one table, and light imports.

``_API`` (module -> public names) drives the lazy loader and ``__all__``; the typed imports under
``TYPE_CHECKING`` must name the same things; pre-0.2 names and module paths keep working. In a
fresh process, ``import cimlab``, the CLI's ``--help`` and ``cimlab.workspace`` load none of the
heavy libraries (they cost seconds of start-up; speed itself is measured by
``python -m benchmarks.run startup``, not asserted here).
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import cimlab

HEAVY = ("pandera", "pandas", "sklearn", "scipy", "altair", "streamlit")
INIT = Path(cimlab.__file__)


def typed_imports() -> dict[str, tuple[str, str]]:
    """Name bound by the ``if TYPE_CHECKING:`` block -> (module, name imported)."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1, "expected one `if TYPE_CHECKING:` block at the top level"
    bound: dict[str, tuple[str, str]] = {}
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom) and node.module, ast.dump(node)
        for alias in node.names:
            name = alias.asname or alias.name
            assert name not in bound, f"{name} imported twice"
            bound[name] = (node.module, alias.name)
    return bound


def test_all_is_the_table() -> None:
    names = [name for names in cimlab._API.values() for name in names]
    assert len(names) == len(set(names)), "a name appears in two modules"
    assert cimlab.__all__ == sorted(names)
    assert not set(cimlab._ALIASES) & set(names)


@pytest.mark.parametrize("module", list(cimlab._API))
def test_every_name_resolves_to_its_module(module: str) -> None:
    home = importlib.import_module(module)
    for name in cimlab._API[module]:
        value = getattr(cimlab, name)
        if module != "cimlab" and hasattr(home, name):
            assert value is getattr(home, name), name
        else:  # a submodule
            assert value is importlib.import_module(f"{module}.{name}"), name


def test_the_typed_imports_name_exactly_the_table() -> None:
    bound = typed_imports()
    assert set(bound) == set(cimlab._HOME) | set(cimlab._ALIASES)
    for name, home in cimlab._HOME.items():
        assert bound[name] == (home, name), name
    for old, new in cimlab._ALIASES.items():
        assert bound[old] == (cimlab._HOME[new], new), old


def test_the_check_of_typed_imports_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    api = {**cimlab._API, "cimlab.export": (*cimlab._API["cimlab.export"], "write_bytes")}
    monkeypatch.setattr(cimlab, "_API", api)
    monkeypatch.setattr(cimlab, "_HOME", {n: m for m, ns in api.items() for n in ns})
    with pytest.raises(AssertionError):
        test_the_typed_imports_name_exactly_the_table()


@pytest.mark.parametrize("old", list(cimlab._ALIASES))
def test_old_names_are_aliases(old: str) -> None:
    assert getattr(cimlab, old) is getattr(cimlab, cimlab._ALIASES[old])
    assert old not in cimlab.__all__


@pytest.mark.parametrize("old", list(cimlab._MOVED))
def test_moved_module_paths_import_the_same_module(old: str) -> None:
    assert importlib.import_module(old) is importlib.import_module(cimlab._MOVED[old])


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'rfm_tabel'"):
        _ = cimlab.rfm_tabel


# --------------------------------------------------------------------------- light imports

_PROBE = """
import contextlib, io, json, sys
STEP = sys.argv[1]
if STEP == "import cimlab":
    import cimlab
elif STEP == "cimlab --help":
    import cimlab.cli
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = cimlab.cli.main(["--help"])
    assert code == 0 and "workspace" in out.getvalue(), (code, out.getvalue())
elif STEP == "cimlab.workspace":
    import cimlab.workspace
elif STEP == "cimlab workspace info":
    import cimlab.cli
    from cimlab.workspace import Workspace
    Workspace.open(sys.argv[2])
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = cimlab.cli.main(["workspace", "info", "--workspace", sys.argv[2], "--json"])
    assert code == 0 and json.loads(out.getvalue())["batches"] == 0, (code, out.getvalue())
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(step: str, *args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, step, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "step", ["import cimlab", "cimlab --help", "cimlab.workspace", "cimlab workspace info"]
)
def test_start_up_loads_no_heavy_library(step: str, tmp_path: Path) -> None:
    modules = loaded_modules(step, str(tmp_path / "ws"))
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"{step} imported {heavy[:8]}"
    assert "cimlab" in modules


def test_help_loads_no_command_module(tmp_path: Path) -> None:
    modules = loaded_modules("cimlab --help")
    assert not {m for m in modules if m.startswith("cimlab.cli.")} - {"cimlab.cli.common"}
    assert "polars" not in modules and "duckdb" not in modules


def test_the_probe_sees_a_heavy_import() -> None:
    """The check is not blind: a step that does load Pandera is seen doing so."""
    modules = loaded_modules("import cimlab")
    assert "pandera" not in modules
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, cimlab; cimlab.Orders; print(json.dumps(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "pandera" in json.loads(done.stdout)
