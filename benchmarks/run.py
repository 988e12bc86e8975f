"""Run every benchmark in its own process and print one results table.

Usage: ``make bench`` (or ``python -m benchmarks.run [name ...]``). Each benchmark module has a
``run() -> dict`` returning its figures; peak memory is the largest maximum resident set size of
the child and of the processes it ran (a benchmark that runs each case in a fresh process reports
its largest case).
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys

BENCHMARKS = {
    "import": "benchmarks.bench_import",
    "import_10m": "benchmarks.bench_import:run_10m",
    "identity": "benchmarks.bench_identity",
    "identity_traps": "benchmarks.bench_identity:run_traps",
    "rfm": "benchmarks.bench_rfm",
    "clusters": "benchmarks.bench_clusters",
    "lifecycle": "benchmarks.bench_lifecycle",
    "affinity": "benchmarks.bench_affinity",
    "app": "benchmarks.bench_app",
    "startup": "benchmarks.bench_startup",
    "churn": "benchmarks.bench_churn",
    "churn_quick": "benchmarks.bench_churn:run_quick",
    "predict": "benchmarks.bench_predict",
    "act": "benchmarks.bench_act",
}

_CHILD = """
import json, resource, importlib, sys
module, _, function = sys.argv[1].partition(":")
figures = getattr(importlib.import_module(module), function or "run")()
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
figures["peak_mb"] = round(peak / 1024)
print("RESULT " + json.dumps(figures))
"""


def machine() -> str:
    """A one-line description of this machine."""
    cores = len(__import__("os").sched_getaffinity(0))
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {cores} cores, {total_kb / 1024**2:.0f} GB RAM, Python {platform.python_version()}"
    )


def main(names: list[str]) -> int:
    rows = []
    for name in names or list(BENCHMARKS):
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, BENCHMARKS[name]],
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if proc.returncode or line is None:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        rows.append(json.loads(line[7:]))
    print(f"machine: {machine()}\n")
    print("| benchmark | rows | seconds | rows/s | peak MB | target | measured besides |")
    print("|---|---:|---:|---:|---:|---|---|")
    for r in rows:
        extra = "; ".join(
            f"{k} {v}" for k, v in r.items() if k not in _STANDARD and k in r.get("show", ())
        )
        print(
            f"| {r['benchmark']} | {r['rows']:,} | {r['seconds']} | {r['rows_per_s']:,} | "
            f"{r['peak_mb']:,} | {r['target']} | {extra} |"
        )
    for r in rows:  # a benchmark may add a detail table (identity_traps: one row per trap)
        if r.get("table"):
            print(f"\n{r['benchmark']}\n\n{r['table']}")
    return 0


_STANDARD = {"benchmark", "rows", "seconds", "rows_per_s", "peak_mb", "target", "show", "table"}


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
