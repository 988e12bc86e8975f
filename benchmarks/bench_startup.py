"""Benchmark: how fast the command line starts.

Wall time of three fresh processes, each run ``RUNS`` times after one warm-up run (median and
best reported; the target is on the median):

* ``cimlab --help`` (the console script: builds the parser, loads no command module);
* ``cimlab workspace info --workspace WS`` on a small demo workspace (200 people, built once in a
  temporary folder by ``cimlab demo``): opens the database once and reads every figure of
  ``workspace info``;
* ``python -c "import cimlab"``, and the time of the import itself inside the process.

Each run's CPU time (user + system, median) is reported beside: on the shared 2-core machine
wall times grow with the load of other work, CPU times hardly do.

Python writes compiled bytecode on first import, as an installed cimlab does; the benchmark keeps
that cache in a temporary folder (``PYTHONPYCACHEPREFIX``), so it works even where
``PYTHONDONTWRITEBYTECODE`` is set, and writes nothing into the checkout or the environment.
``cold_*`` figures are one run without any cache (every module compiled from source: the first
start after an install whose installer compiled nothing, such as ``uv sync`` without
``--compile-bytecode``).

Run through ``python -m benchmarks.run startup``.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Timed runs of each command (after one warm-up run).
RUNS = 9
#: People in the demo workspace of ``workspace info``.
PEOPLE = 200
TARGET_SECONDS = 0.5


def cimlab_command() -> list[str]:
    """The installed console script beside this Python, else ``python -m cimlab``."""
    script = Path(sys.executable).with_name("cimlab")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cimlab"]


def environment(cache: Path | None) -> dict[str, str]:
    """This process's environment with bytecode cached in ``cache`` (``None``: no cache)."""
    env = dict(os.environ)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if cache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="cimlab-nocache-")  # stays empty
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def wall_time(command: list[str], env: dict[str, str]) -> float:
    """Seconds from start to exit of ``command`` (its output discarded; it must exit 0)."""
    return timed(command, env)[0]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of ``command``.

    CPU time hardly grows when other work shares the machine; wall time does.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def import_time(env: dict[str, str]) -> float:
    """Seconds ``import cimlab`` takes inside a fresh process."""
    code = "import time; t = time.perf_counter(); import cimlab; print(time.perf_counter() - t)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return float(done.stdout.strip())


def run() -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix="cimlab-bench-startup-"))
    cache = root / "pycache"
    try:
        env = environment(cache)
        cimlab = cimlab_command()
        workspace = root / "ws"
        subprocess.run(
            [*cimlab, "demo", "--workspace", str(workspace), "--people", str(PEOPLE)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        commands = {
            "help": [*cimlab, "--help"],
            "info": [*cimlab, "workspace", "info", "--workspace", str(workspace)],
            "import": [sys.executable, "-c", "import cimlab"],
        }
        cold_env = environment(None)
        cold = {name: wall_time(cmd, cold_env) for name, cmd in commands.items()}
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for cmd in commands.values():  # warm-up: writes the bytecode cache
            wall_time(cmd, env)
        for _ in range(RUNS):  # interleaved, so a busy spell does not fall on one command only
            for name, cmd in commands.items():
                wall, used = timed(cmd, env)
                times[name].append(wall)
                cpu[name].append(used)
        in_process = statistics.median(import_time(env) for _ in range(RUNS))
        shutil.rmtree(cold_env["PYTHONPYCACHEPREFIX"], ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    median = {name: statistics.median(t) for name, t in times.items()}
    best = {name: min(t) for name, t in times.items()}
    cpu_median = {name: statistics.median(t) for name, t in cpu.items()}
    met = median["help"] <= TARGET_SECONDS and median["info"] <= TARGET_SECONDS
    runs = RUNS * len(commands)
    return {
        "benchmark": (
            "startup: `cimlab --help` and `cimlab workspace info` (demo workspace, "
            f"{PEOPLE} people), fresh processes, median of {RUNS}"
        ),
        "rows": runs,
        "seconds": round(max(median["help"], median["info"]), 3),
        "rows_per_s": int(runs / sum(sum(t) for t in times.values())),
        "target": f"<= {TARGET_SECONDS} s each (median)",
        "target_met": "met" if met else "missed",
        "help_median_s": round(median["help"], 3),
        "help_best_s": round(best["help"], 3),
        "info_median_s": round(median["info"], 3),
        "info_best_s": round(best["info"], 3),
        "help_cpu_s": round(cpu_median["help"], 3),
        "info_cpu_s": round(cpu_median["info"], 3),
        "python_import_cimlab_median_s": round(median["import"], 3),
        "import_cimlab_in_process_s": round(in_process, 3),
        "cold_help_s": round(cold["help"], 3),
        "cold_info_s": round(cold["info"], 3),
        "load": round(os.getloadavg()[0], 1),
        "show": (
            "target_met",
            "help_median_s",
            "help_best_s",
            "info_median_s",
            "info_best_s",
            "help_cpu_s",
            "info_cpu_s",
            "python_import_cimlab_median_s",
            "import_cimlab_in_process_s",
            "cold_help_s",
            "cold_info_s",
            "load",
        ),
    }


if __name__ == "__main__":
    print(run())
