"""The ``cimlab`` command line: a stable contract for schedulers and other tools.

Exit codes: 0 every row loaded (or the command succeeded), 1 some rows were quarantined,
2 a file-level error or bad arguments (one line on stderr, never a traceback).

Examples
--------
::

    cimlab import data/demo/tmall_orders.csv --workspace ws --channel tmall --mapping taobao_orders
    cimlab validate orders.csv --table orders --channel online_shop --json
    cimlab demo --workspace data/workspace --files data/demo
    cimlab workspace history --workspace ws
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

import polars as pl

from cimlab import __version__
from cimlab.errors import CimlabError
from cimlab.importer import check_file, store_report
from cimlab.privacy import redact_text
from cimlab.schemas import TABLES

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"cimlab: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cimlab", description="Customer-information-management lab.")
    parser.add_argument("--version", action="version", version=f"cimlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def file_options(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument(
            "--table", choices=TABLES, help="canonical table (guessed from headers if omitted)"
        )
        cmd.add_argument(
            "--channel", help="channel the file comes from, e.g. tmall, wechat, online_shop"
        )
        cmd.add_argument(
            "--mapping", help="preset name (see 'cimlab presets') or a mapping YAML file"
        )
        cmd.add_argument("--sheet", help="worksheet of an XLSX file (default: first visible)")
        cmd.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    imp = sub.add_parser("import", help="import channel files into a workspace")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--workspace", required=True, metavar="DIR")
    imp.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    file_options(imp)

    val = sub.add_parser("validate", help="check files and report; writes nothing")
    val.add_argument("paths", nargs="+", metavar="PATH")
    file_options(val)

    demo = sub.add_parser("demo", help="generate the demo files and build a demo workspace")
    demo.add_argument("--workspace", required=True, metavar="DIR")
    demo.add_argument(
        "--files", metavar="DIR", help="where to write the demo files (default: DIR/source-files)"
    )
    demo.add_argument("--force", action="store_true", help="rebuild even if the workspace exists")
    demo.add_argument("--seed", type=int, default=7)

    sub.add_parser("presets", help="list the column-mapping presets")

    ws = sub.add_parser("workspace", help="inspect and manage a workspace")
    ws_sub = ws.add_subparsers(dest="action", required=True, parser_class=_Parser)
    for name, text in (("info", "tables, channels and counts"), ("history", "import batches")):
        cmd = ws_sub.add_parser(name, help=text)
        cmd.add_argument("--workspace", required=True, metavar="DIR")
        cmd.add_argument("--json", action="store_true")
    undo = ws_sub.add_parser("undo", help="remove the rows of one import batch")
    undo.add_argument("batch", type=int, metavar="BATCH")
    undo.add_argument("--workspace", required=True, metavar="DIR")
    undo.add_argument("--json", action="store_true")
    backup = ws_sub.add_parser("backup", help="write a consistent copy of the workspace")
    backup.add_argument("file", metavar="FILE")
    backup.add_argument("--workspace", required=True, metavar="DIR")
    restore = ws_sub.add_parser("restore", help="replace the workspace with a backup")
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--workspace", required=True, metavar="DIR")
    return parser


# --------------------------------------------------------------------------- output helpers


class _Progress:
    """A one-line progress bar on stderr (only on a terminal)."""

    def __init__(self, total: int, *, stream: TextIO, enabled: bool) -> None:
        self.total, self.stream, self.enabled = total, stream, enabled and stream.isatty()
        self.start = time.monotonic()

    def step(self, done: float, label: str) -> None:
        if not self.enabled:
            return
        width = 28
        filled = int(width * done / max(self.total, 1))
        elapsed = time.monotonic() - self.start
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {label[:50]:<50} {elapsed:6.1f}s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def _file_error(path: str, exc: Exception) -> dict[str, Any]:
    return {"file": Path(path).name, "message": redact_text(str(exc))}


def _exit_code(errors: list[dict[str, Any]], quarantined: int) -> int:
    if errors:
        return 2
    return 1 if quarantined else 0


# --------------------------------------------------------------------------- commands


def _cmd_import(args: argparse.Namespace, *, validate_only: bool) -> int:
    workspace = None
    if not validate_only:
        from cimlab.workspace import Workspace

        workspace = Workspace.open(args.workspace, create=True)
    progress = _Progress(
        len(args.paths) * 3, stream=sys.stderr, enabled=not validate_only and not args.no_progress
    )
    files: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for i, path in enumerate(args.paths):
        name = Path(path).name
        progress.step(3 * i, f"{name}: reading and checking")
        try:
            report = check_file(
                path, table=args.table, channel=args.channel, mapping=args.mapping, sheet=args.sheet
            )
            if workspace is None:
                files.append(report.summary())
                continue
            progress.step(3 * i + 2, f"{name}: storing")
            result = store_report(workspace, report)
            files.append(result.summary())
        except CimlabError as exc:
            errors.append(_file_error(path, exc))
    progress.step(3 * len(args.paths), "done")
    progress.close()
    totals = {
        key: sum(f[key] for f in files) for key in ("rows_read", "rows_loaded", "rows_quarantined")
    }
    if args.json:
        print(
            json.dumps(
                {**totals, "errors": errors, "files": files}, ensure_ascii=False, default=str
            )
        )
    else:
        for f in files:
            verb = "checked" if validate_only else "imported"
            if f.get("already_imported"):
                print(f"{f['file']}: already imported as batch {f['batch_id']}; nothing added")
                continue
            batch = f" (batch {f['batch_id']})" if "batch_id" in f else ""
            print(
                f"{f['file']}: {verb} into {f['table']} [{f['channel']}, "
                f"{f['mapping'].get('preset') or 'custom mapping'}, {f['format']}"
                f"{', ' + f['encoding'] if f['encoding'] else ''}]{batch}: "
                f"read {f['rows_read']:,}, loaded {f['rows_loaded']:,}, "
                f"quarantined {f['rows_quarantined']:,}"
            )
            if f.get("rows_duplicate"):
                print(
                    f"    {f['rows_duplicate']:,} order lines were already in the workspace (quarantined)"
                )
            for note in f["notes"]:
                print(f"    note: {note}")
            for p in f["problems"][:10]:
                where = f"line {p['line']}" + (f", column {p['column']}" if p["column"] else "")
                value = "" if p["value"] is None else f" {p['value']!r}"
                print(f"    {where}:{value} — {p['reason']}")
            if f["problems_total"] > 10:
                print(f"    ... and {f['problems_total'] - 10:,} more problems")
        for e in errors:
            print(f"cimlab: {e['message']}", file=sys.stderr)
    return _exit_code(errors, totals["rows_quarantined"])


def _cmd_demo(args: argparse.Namespace) -> int:
    from cimlab.demo import build_demo_workspace

    ws_dir = Path(args.workspace)
    files = Path(args.files) if args.files else ws_dir / "source-files"
    summary = build_demo_workspace(ws_dir, files, seed=args.seed, force=args.force)
    print(summary)
    return 0


def _cmd_presets() -> int:
    from cimlab.mapping import list_presets

    for preset in list_presets():
        print(f"{preset.name:<16} {preset.label} / {preset.label_zh}")
    return 0


def _print_frame(frame: pl.DataFrame, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(frame.to_dicts(), ensure_ascii=False, default=str))
    else:
        with pl.Config(tbl_rows=50, tbl_cols=20, tbl_width_chars=160, fmt_str_lengths=40):
            print(frame)


def _cmd_workspace(args: argparse.Namespace) -> int:
    import datetime as dt

    from cimlab.workspace import Workspace

    if args.action == "restore":
        Workspace.restore(args.file, args.workspace)
        print(f"restored {args.workspace} from {args.file}")
        return 0
    ws = Workspace.open(args.workspace, create=False)
    if args.action == "info":
        info = ws.info()
        if args.json:
            print(json.dumps(info, ensure_ascii=False, default=str))
        else:
            for key, value in info.items():
                print(f"{key}: {value}")
    elif args.action == "history":
        _print_frame(ws.batches(), as_json=args.json)
    elif args.action == "undo":
        ws.undo(args.batch, at=dt.datetime.now(dt.UTC))
        message = {"undone": args.batch}
        print(json.dumps(message) if args.json else f"batch {args.batch} undone")
    elif args.action == "backup":
        ws.backup(args.file)
        print(f"backup written to {args.file}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command in {"import", "validate"}:
            return _cmd_import(args, validate_only=args.command == "validate")
        if args.command == "demo":
            return _cmd_demo(args)
        if args.command == "presets":
            return _cmd_presets()
        return _cmd_workspace(args)
    except CimlabError as exc:
        print(f"cimlab: {redact_text(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "cimlab: interrupted; the workspace is unchanged by the unfinished import",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
