"""``cimlab workspace mappings``: the column mappings saved in a workspace, listed or exported,
and the lookup that lets ``cimlab import --mapping NAME`` use one.

A mapping is saved from the app's Import page ("Save this mapping"); see
:mod:`cimlab.ingest.saved_mappings`. ``--export NAME --out FILE.yaml`` writes it as a mapping
file that ``--mapping FILE.yaml`` reads (the same YAML the app downloads).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cimlab.cli.common import print_json
from cimlab.errors import MappingError

if TYPE_CHECKING:
    from cimlab.ingest.mapping import ColumnMapping

__all__ = ["add_action", "run", "saved_mapping_argument"]


def add_action(ws_sub: Any) -> None:
    """Register ``mappings`` on the ``workspace`` command's subparsers ``ws_sub``."""
    cmd = ws_sub.add_parser(
        "mappings",
        help="list the saved column mappings, or export one as a YAML file",
        description="List the column mappings saved in the workspace (from the app's Import "
        "page); with --export NAME --out FILE.yaml, write one as a mapping file for "
        "'cimlab import --mapping FILE.yaml'. 'cimlab import --workspace DIR --mapping NAME' "
        "uses a saved mapping directly.",
    )
    cmd.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    cmd.add_argument("--export", metavar="NAME", help="the saved mapping to write (with --out)")
    cmd.add_argument("--out", metavar="FILE.yaml", help="YAML file to write (with --export)")
    cmd.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    """List or export the saved mappings of ``args.workspace``; returns the exit code."""
    from cimlab.export import check_target, write_bytes
    from cimlab.ingest.saved_mappings import mapping_yaml, saved_mapping, saved_mappings
    from cimlab.workspace import Workspace

    if (args.export is None) != (args.out is None):
        raise MappingError("give --export NAME and --out FILE.yaml together")
    ws = Workspace.open(args.workspace, create=False)
    if args.export is not None:
        check_target(args.out, protect=[ws.path])  # where first: the same refusals as every --out
        if Path(args.out).suffix.lower() not in {".yaml", ".yml"}:
            raise MappingError(f"--out {args.out}: name the mapping file .yaml (or .yml)")
        saved = saved_mapping(ws, args.export)
        text = mapping_yaml(saved.mapping).encode("utf-8")
        target = write_bytes(text, args.out, protect=[ws.path])
        if args.json:
            print_json({"workspace": str(ws.path), "exported": saved.name, "out": str(target)})
        else:
            print(
                f"saved mapping {saved.name!r} ({saved.table}) written to {target}; use it with "
                f"`cimlab import FILE --mapping {target}`"
            )
        return 0
    found = saved_mappings(ws)
    if args.json:
        print_json({"workspace": str(ws.path), "mappings": [s.to_dict() for s in found]})
        return 0
    if not found:
        print(f"no saved mappings in {ws.path} (save one in the app's Import page)")
        return 0
    rows = [
        (
            s.name,
            s.table,
            str(len(s.mapping.columns)),
            str(len(s.headers)),
            s.saved_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
        for s in found
    ]
    header = ("name", "table", "columns", "headers", "saved")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for r in (header, *rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def saved_mapping_argument(mapping: str | None, workspace: str | None) -> ColumnMapping | None:
    """The saved mapping ``--mapping NAME`` names in ``workspace``, or ``None`` when ``NAME`` is
    a preset, a file, a path ending in ``.yaml``/``.yml``, or no workspace exists yet (then the
    usual checks of ``--mapping`` apply). A name saved nowhere is for those checks to refuse.
    """
    from cimlab.workspace import DB_NAME

    if mapping is None or workspace is None or not (Path(workspace) / DB_NAME).exists():
        return None
    if Path(mapping).is_file() or Path(mapping).suffix.lower() in {".yaml", ".yml"}:
        return None
    from cimlab.ingest.mapping import list_presets

    if mapping in {p.name for p in list_presets()}:
        return None
    from cimlab.ingest.saved_mappings import saved_mappings
    from cimlab.workspace import Workspace

    found = {s.name: s for s in saved_mappings(Workspace.open(workspace, create=False))}
    saved = found.get(mapping.strip())
    return None if saved is None else saved.mapping
