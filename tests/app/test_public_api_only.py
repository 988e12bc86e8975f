"""The app's pages and the notebooks import only cimlab's public API: names of ``cimlab``'s curated
``__all__``, public names of public modules (``cimlab.charts.*``, ``cimlab.i18n``, ``cimlab.export``,
``cimlab.analytics.rfm``...), never ``cimlab.cli`` (the command line is an edge, not a library),
never a private ``_name`` and never a module path kept only for old code (``cimlab.rfm``)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
from pathlib import Path

import pytest

import cimlab

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "apps").glob("*.py")) + sorted((ROOT / "notebooks").glob("*.ipynb"))


def _code(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return path.read_text(encoding="utf-8")


def _imports(code: str) -> list[tuple[str, str | None]]:
    """``(module, name)`` of every import of a cimlab module (``name`` None for ``import x``)."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names if a.name.split(".")[0] == "cimlab"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "cimlab":
            found += [(node.module or "", a.name) for a in node.names]
    return found


def problems(code: str) -> list[str]:
    """What breaks the rule in ``code`` (empty when it imports only the public API)."""
    out = []
    for module, name in _imports(code):
        parts = module.split(".")
        if "cli" in parts:
            out.append(f"{module}: the CLI is no library")
        elif any(p.startswith("_") for p in parts) or (name or "").startswith("_"):
            out.append(f"{module}.{name}: a private name")
        elif module == "cimlab" and name is not None and name not in cimlab.__all__:
            # a module of the package (cimlab.identity) is its home; an old path is not
            home = f"cimlab.{name}" not in cimlab._MOVED and (
                importlib.util.find_spec(f"cimlab.{name}") is not None
            )
            if not home:
                out.append(f"cimlab.{name}: not in cimlab's API")
        elif module in cimlab._MOVED:
            out.append(f"{module}: an old module path (now {cimlab._MOVED[module]})")
        elif name is not None and module != "cimlab":
            target = importlib.import_module(module)
            public = getattr(target, "__all__", None)
            submodule = hasattr(target, "__path__") and (
                importlib.util.find_spec(f"{module}.{name}") is not None
            )
            if public is not None and name not in public and not submodule:
                out.append(f"{module}.{name}: not in the module's __all__")
    return out


def test_the_rule_catches_what_it_should() -> None:
    assert problems("from cimlab.cli.analyse import segment_table") == [
        "cimlab.cli.analyse: the CLI is no library"
    ]
    assert problems("from cimlab.charts._util import require") == [
        "cimlab.charts._util.require: a private name"
    ]
    assert problems("from cimlab.analytics.channels import _lines") == [
        "cimlab.analytics.channels._lines: a private name"
    ]
    assert problems("from cimlab import lifecycle") == ["cimlab.lifecycle: not in cimlab's API"]
    assert problems("import cimlab.rfm") == [
        "cimlab.rfm: an old module path (now cimlab.analytics.rfm)"
    ]
    assert problems("from cimlab.workspace import IDENTITY_MAP_DDL_NOT_THERE") == [
        "cimlab.workspace.IDENTITY_MAP_DDL_NOT_THERE: not in the module's __all__"
    ]
    ok = "import cimlab as cl\nfrom cimlab.analytics import rfm\nfrom cimlab.i18n import t"
    assert problems(ok) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_pages_and_notebooks_import_only_the_public_api(path: Path) -> None:
    assert problems(_code(path)) == []
