"""``cimlab demo``: generate the demo channel files and import them into a workspace."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def _people(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 100:
        raise argparse.ArgumentTypeError(f"{value} is too few; the demo needs at least 100 people")
    return value


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register the ``demo`` command on the top-level subparsers ``sub``."""
    demo = sub.add_parser(
        "demo",
        help="generate the demo files and build a demo workspace",
        description="Generate the demo channel files and import them into a workspace.",
    )
    demo.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    demo.add_argument(
        "--files", metavar="DIR", help="where to write the demo files (default: DIR/source-files)"
    )
    demo.add_argument(
        "--people", type=_people, default=5000, metavar="N", help="fictional people (default 5000)"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--force", action="store_true", help="rebuild even if the workspace exists")


def run(args: argparse.Namespace) -> int:
    """Build the demo workspace (unless it exists and ``--force`` is not given); exit code 0."""
    from cimlab.demo import build_demo_workspace

    ws_dir = Path(args.workspace)
    files = Path(args.files) if args.files else ws_dir / "source-files"
    summary = build_demo_workspace(
        ws_dir, files, seed=args.seed, people=args.people, force=args.force
    )
    print(summary)
    if summary.built:
        print(f"demo files are in {files}; open the app with `make app`")
    from cimlab.encryption import load_key

    if summary.built and load_key(ws_dir) is not None:
        print(
            "the workspace is encrypted with the key of CIMLAB_WORKSPACE_KEY(_FILE); the demo's "
            f"source files in {files} are not: they hold the fictional people in clear"
        )
    return 0
