"""Every notebook runs top to bottom in a fresh kernel of this environment and is saved clean.

Each ``notebooks/*.ipynb`` is executed with nbclient in its own folder (as Jupyter would). A cell
that raises fails the test with the cell's number, source and error. Notebooks are committed
without outputs, so the repository stays small and diffs stay readable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
KERNEL = "python3"
# jupyter_client starts a kernelspec whose argv[0] is one of these names with sys.executable
_PYTHON_NAMES = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info)}


def kernel_python(manager: KernelSpecManager | None = None) -> Path | None:
    """The interpreter the ``python3`` kernelspec would start, or None when there is none."""
    try:
        spec = (manager or KernelSpecManager()).get_kernel_spec(KERNEL)
    except NoSuchKernel:
        return None
    executable = spec.argv[0]
    if executable in _PYTHON_NAMES:
        return Path(sys.executable)
    return Path(executable)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def use_this_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the ``python3`` kernel start ``sys.executable``; write a kernelspec only if needed.

    When the kernelspec Jupyter finds starts another Python, a kernelspec pointing at this
    interpreter is written under ``tmp_path`` and put first on ``JUPYTER_PATH``.
    """
    found = kernel_python()
    if found is not None and _same_file(found, Path(sys.executable)):
        return KERNEL
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (cimlab)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    found = kernel_python()
    assert found is not None and _same_file(found, Path(sys.executable)), (
        f"the {KERNEL} kernel still starts {found}, not {sys.executable}"
    )
    return KERNEL


@pytest.fixture
def venv_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The kernel name to run notebooks with, starting this environment's Python."""
    return use_this_interpreter(tmp_path, monkeypatch)


def _failure(path: Path, nb: nbformat.NotebookNode, exc: CellExecutionError) -> str:
    """The failing cell's number, source and error, read from the outputs nbclient recorded."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return (
                    f"{path.name}: cell {index} raised {output['ename']}: {output['evalue']}\n"
                    f"--- cell source ---\n{cell.source}\n-------------------"
                )
    return f"{path.name}: a cell failed:\n{exc}"


def test_there_are_notebooks() -> None:
    assert NOTEBOOK_PATHS, f"no notebooks found in {NOTEBOOKS}"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_notebook_is_saved_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} carry outputs or execution counts; clear all outputs "
        "before saving"
    )


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path: Path, venv_kernel: str) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name=venv_kernel,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    failure = None
    try:
        client.execute()
    except CellExecutionError as exc:
        failure = _failure(path, nb, exc)
    if failure is not None:  # raised outside the except block: no chained nbclient traceback
        pytest.fail(failure, pytrace=False)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells), (
        f"{path.name}: not every code cell ran"
    )


def test_failure_report_names_the_cell() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("1 / 0"),
        ]
    )
    nb.cells[1].outputs = [
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero")
    ]
    exc = CellExecutionError("traceback", "ZeroDivisionError", "division by zero")
    message = _failure(Path("demo.ipynb"), nb, exc)
    assert "cell 1 raised ZeroDivisionError: division by zero" in message
    assert "1 / 0" in message


def test_kernelspec_of_another_python_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_dir = tmp_path / "other"
    (other_dir / "kernels" / KERNEL).mkdir(parents=True)
    other = {"argv": ["/nonexistent/python", "-m", "ipykernel_launcher"], "language": "python"}
    (other_dir / "kernels" / KERNEL / "kernel.json").write_text(json.dumps(other), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(other_dir))
    assert kernel_python() == Path("/nonexistent/python")

    assert use_this_interpreter(tmp_path / "fix", monkeypatch) == KERNEL
    found = kernel_python()
    assert found is not None and found.samefile(sys.executable)
