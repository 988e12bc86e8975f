"""``cimlab presets``: list the column-mapping presets."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register the ``presets`` command on the top-level subparsers ``sub``."""
    sub.add_parser("presets", help="list the column-mapping presets")


def run(args: argparse.Namespace) -> int:
    """Print one line per preset: name, labels and tables; exit code 0."""
    from cimlab.ingest.mapping import list_presets

    for preset in list_presets():
        tables = ", ".join(preset.tables)
        print(f"{preset.name:<16} {preset.label} / {preset.label_zh}  [{tables}]")
    return 0
