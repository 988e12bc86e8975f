"""Run a benchmark function in a fresh Python process and read back its figures and peak RSS.

Each case of a benchmark runs alone, so its peak memory (``ru_maxrss``) is its own and nothing it
imported or cached helps the next case.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks.bench_rfm import ROOT

_CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
import importlib
module = importlib.import_module(sys.argv[1])
figures = getattr(module, sys.argv[2])(*sys.argv[3:])
figures["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print("RESULT " + json.dumps(figures))
"""


def in_child(module: str, function: str, *args: object) -> dict[str, Any]:
    """``module.function(*args)`` (a dict of figures) in a fresh process, with ``peak_mb``."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD.format(root=str(ROOT)), module, function, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{module}.{function} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(line[7:])
    return result
