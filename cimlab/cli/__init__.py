"""The ``cimlab`` command line: a stable contract for schedulers and other tools.

Commands
--------
::

    cimlab import PATH... --workspace DIR --channel NAME [--table T] [--mapping PRESET|FILE.yaml]
                  [--sheet NAME] [--currency CODE] [--json] [--no-progress]
    cimlab validate PATH... [--channel NAME] [--table T] [--mapping ...] [--json]   (writes nothing)
    cimlab demo --workspace DIR [--files DIR] [--people N] [--seed N] [--force]
    cimlab workspace info|history --workspace DIR [--json]
    cimlab workspace undo BATCH --workspace DIR [--json]
    cimlab workspace backup FILE --workspace DIR          (checked; writes FILE and FILE.sha256)
    cimlab workspace restore FILE --workspace DIR         (verifies FILE in full first)
    cimlab workspace check --workspace DIR [--json]       (reads every row; exit 2 when damaged)
    cimlab workspace settings --workspace DIR [--time-zone ZONE|auto]
                              [--source-priority CH1,CH2|none] [--json]
    cimlab presets
    cimlab --version

``python -m cimlab`` is the same program. Every file of one ``import`` is its own transaction:
a file that fails leaves the others imported.

Exit codes
----------
- 0: every row loaded (or the command succeeded);
- 1: some rows were quarantined (import, validate);
- 2: a file-level error (missing or unreadable file, missing required column, unknown preset,
  workspace busy...) or bad arguments. stderr then holds one line per problem, each starting
  ``cimlab:`` (one line when there is one problem), never a traceback;
- 130: interrupted (Ctrl+C); the file being imported is rolled back.

A file already imported (same content, table and channel) adds nothing and does not count as
quarantined: importing the same files again exits 0.

JSON output (``--json``) of ``import`` and ``validate``
-------------------------------------------------------
Once the arguments parse, stdout holds exactly one JSON object (UTF-8, one line), even when every
file failed. Keys (stable; new keys may be added, none removed or renamed):

- ``command``: ``"import"`` or ``"validate"``; ``workspace``: the folder (``null`` for validate);
- ``rows_read``, ``rows_loaded``, ``rows_quarantined``: totals over the files this run checked
  or imported (``rows_read = rows_loaded + rows_quarantined``); files already imported and files
  with an error are left out;
- ``already_imported``: paths (as given) of the files that were already in the workspace;
- ``errors``: file-level errors, one object each: ``path`` (as given; ``null`` when no single
  file is to blame), ``file`` (name), ``type`` (``DataFileError``, ``MappingError``,
  ``WorkspaceError``, ``WorkspaceBusy``, ``OSError`` or ``InternalError``), ``message`` (the
  stderr line without ``cimlab:``);
- ``files``: one object per file checked, in order: ``path``, ``file``, ``table``, ``channel``,
  ``format``, ``encoding``, ``delimiter``, ``sheet``, ``mapping`` (the resolved column mapping),
  ``rows_read``, ``rows_loaded``, ``rows_quarantined``, ``problems`` (the first 200:
  ``line``, ``column`` (source header), ``value`` (personal data masked), ``reason``,
  ``reason_zh``), ``problems_shown``, ``problems_total``, ``notes``, ``batch_id`` (``null`` for
  validate), ``rows_duplicate`` (order lines already in the workspace; ``null`` for validate),
  ``already_imported`` (then the counts are those of the earlier batch ``batch_id``).

``workspace info --json`` prints :meth:`cimlab.workspace.Workspace.info` (times in ISO 8601),
``workspace history --json`` prints ``{"workspace": DIR, "batches": [...]}`` with the columns of
:data:`cimlab.workspace.BATCHES_SCHEMA` (``mapping`` as an object), ``workspace undo --json``
prints ``{"undone": BATCH, "rows_removed": N}``.

Privacy: problem listings and messages never show a raw phone number or e-mail address.
A progress bar goes to stderr only when stderr is a terminal (``--no-progress`` turns it off).

Examples
--------
::

    cimlab import data/demo/tmall_orders.csv --workspace ws --channel tmall --mapping taobao_orders
    cimlab validate orders.csv --table orders --channel online_shop --json
    cimlab demo --workspace data/workspace --files data/demo
    cimlab workspace history --workspace ws

>>> main(["presets"])  # doctest: +ELLIPSIS
douyin_orders ...
0
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from cimlab import __version__, cli_analyse, cli_customers
from cimlab.contracts.models import TABLES
from cimlab.errors import CimlabError, MappingError, WorkspaceBusy, WorkspaceError
from cimlab.ingest.importer import import_file, validate_file
from cimlab.privacy import PII_COLUMNS, mask_value, scrub_text

if TYPE_CHECKING:
    from cimlab.ingest.importer import ImportReport
    from cimlab.workspace import Workspace

__all__ = ["main"]

_PROBLEMS_JSON = 200
_PROBLEMS_SHOWN = 10
_DEBUG_ENV = "CIMLAB_DEBUG"
_PATH_HELP = "channel export files: CSV/TSV (UTF-8, GBK, GB18030), XLSX, JSON/NDJSON, Parquet"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"cimlab: error: {_one_line(message)} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _people(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 100:
        raise argparse.ArgumentTypeError(f"{value} is too few; the demo needs at least 100 people")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cimlab",
        description="Customer-information-management lab: import channel exports into a "
        "workspace, check them, manage the workspace.",
        epilog="Exit codes: 0 all rows loaded, 1 some rows quarantined, 2 a file-level error "
        "or bad arguments.",
    )
    parser.add_argument("--version", action="version", version=f"cimlab {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )

    def file_options(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument(
            "--table", choices=TABLES, help="canonical table (guessed from headers if omitted)"
        )
        cmd.add_argument(
            "--channel",
            metavar="NAME",
            help="channel the files come from, e.g. tmall, wechat, online_shop "
            "(required unless the mapping preset names one)",
        )
        cmd.add_argument(
            "--mapping",
            metavar="PRESET|FILE",
            help="preset name (see 'cimlab presets') or a mapping YAML file "
            "(suggested from the headers if omitted)",
        )
        cmd.add_argument(
            "--sheet", metavar="NAME", help="worksheet of an XLSX file (default: first visible)"
        )
        cmd.add_argument(
            "--currency",
            metavar="CODE",
            help="ISO currency of order amounts when the file has no currency column (e.g. CNY)",
        )
        cmd.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        cmd.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    imp = sub.add_parser(
        "import",
        help="import channel files into a workspace",
        description="Import channel files into a workspace, each file in its own transaction.",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", help=_PATH_HELP)
    imp.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    file_options(imp)

    val = sub.add_parser(
        "validate",
        help="check files and report; writes nothing",
        description="Read, map, parse and validate files and report; nothing is written.",
    )
    val.add_argument("paths", nargs="+", metavar="PATH", help=_PATH_HELP)
    file_options(val)

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

    sub.add_parser("presets", help="list the column-mapping presets")

    ws = sub.add_parser(
        "workspace",
        help="inspect and manage a workspace",
        description="Inspect and manage a workspace.",
    )
    ws_sub = ws.add_subparsers(dest="action", required=True, parser_class=_Parser, metavar="ACTION")
    for name, text in (("info", "tables, channels and counts"), ("history", "import batches")):
        cmd = ws_sub.add_parser(name, help=text, description=f"Show the workspace's {text}.")
        cmd.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
        cmd.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    undo = ws_sub.add_parser(
        "undo", help="remove the rows of one import batch", description="Undo one import batch."
    )
    undo.add_argument("batch", type=int, metavar="BATCH", help="batch number (see history)")
    undo.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    undo.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    backup = ws_sub.add_parser(
        "backup",
        help="write a consistent, checked copy of the workspace",
        description="Write a consistent single-file copy of the workspace, read every row of it "
        "to check it, and write its SHA-256 to FILE.sha256 (verify with 'sha256sum -c'). A "
        "damaged workspace gives exit 2 and no file.",
    )
    backup.add_argument("file", metavar="FILE", help="backup file to write")
    backup.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    restore = ws_sub.add_parser(
        "restore",
        help="replace the workspace with a backup",
        description="Replace the workspace's data with a backup written by 'workspace backup'. "
        "The backup is verified first (FILE.sha256 and a read of every row); the old data is "
        "kept until the restored data has opened, and is back in place on any failure.",
    )
    restore.add_argument("file", metavar="FILE", help="backup file to restore")
    restore.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    check = ws_sub.add_parser(
        "check",
        help="read every row of every table to find damage",
        description="Check the workspace is intact: read every column of every row of every "
        "table, so that DuckDB verifies the checksum of every block. Exit 0 when intact, 2 "
        "when damaged (stderr names what). --json prints {workspace, database, ok, tables "
        "(rows per table), problems}.",
    )
    check.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    check.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    settings = ws_sub.add_parser(
        "settings",
        help="show or change the workspace settings (business time zone, source priority)",
        description="Show the workspace settings; with --time-zone, change the business time "
        "zone: the calendar every analysis counts days, months and quarters in (orders are "
        "stored in UTC). Without a setting it is the zone the imports read times in.",
    )
    settings.add_argument(
        "--time-zone",
        metavar="ZONE",
        help="an IANA zone such as Asia/Shanghai or Europe/London; 'auto' returns to the "
        "zone of the imports",
    )
    settings.add_argument(
        "--source-priority",
        metavar="CHANNELS",
        help="channels the golden record trusts most, best first, comma-separated (e.g. "
        "store,online_shop); 'none' removes the setting (the most recent value wins)",
    )
    settings.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    settings.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    quarantine = ws_sub.add_parser(
        "quarantine",
        help="write a batch's quarantined rows to CSV",
        description="Write the quarantined rows of one batch to a CSV file (UTF-8 with BOM): "
        "line, problems, then the row as the file wrote it, ready to fix and import again.",
    )
    quarantine.add_argument("batch", type=int, metavar="BATCH", help="batch number (see history)")
    quarantine.add_argument("--out", required=True, metavar="FILE.csv", help="CSV file to write")
    quarantine.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    cli_customers.add_parser(sub, _Parser)
    cli_analyse.add_parser(sub, _Parser)
    return parser


# --------------------------------------------------------------------------- output helpers


class _Progress:
    """A one-line progress bar on ``stream``, drawn only when it is a terminal.

    Examples
    --------
    >>> import io
    >>> bar = _Progress(2, stream=io.StringIO(), enabled=True)
    >>> bar.step(1, "a.csv")
    >>> bar.stream.getvalue()  # not a terminal: nothing written
    ''
    """

    width = 28

    def __init__(self, total: int, *, stream: TextIO, enabled: bool) -> None:
        self.total, self.stream = total, stream
        self.enabled = enabled and stream.isatty()
        self.start = time.monotonic()
        self.drawn = False

    def step(self, done: float, label: str) -> None:
        """Redraw the bar at ``done`` of ``total`` steps with ``label``."""
        if not self.enabled:
            return
        fraction = min(max(done / max(self.total, 1), 0.0), 1.0)
        filled = int(self.width * fraction)
        elapsed = time.monotonic() - self.start
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} "
            f"{label[:40]:<40} {elapsed:6.1f}s"
        )
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        """Erase the bar (before other output goes to the terminal)."""
        if self.enabled and self.drawn:
            self.stream.write("\r" + " " * (self.width + 57) + "\r")
            self.stream.flush()
            self.drawn = False

    def close(self) -> None:
        """Erase the bar for good."""
        self.clear()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# The one scrubber of every message (e-mails, malformed ones too; phones of every region; CN
# resident ids); ``digits=True`` also masks every 7-15 digit field, for raw rows.
_scrub = scrub_text


def _safe_message(exc: BaseException) -> str:
    return _one_line(_scrub(str(exc)))


def _problems(report: ImportReport, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` problems of a report, personal data masked by canonical column."""
    canonical = {source: column for column, source in report.mapping.columns.items()}
    out = []
    for row in report.quarantine.head(limit).iter_rows(named=True):
        source, value = row["column"], row["value"]
        if value is not None:
            kind = canonical.get(source, source)
            if kind in PII_COLUMNS:
                value = mask_value(kind, value)
            value = _scrub(value, digits=source is None or kind in PII_COLUMNS)
        out.append(
            {
                "line": row["line"],
                "column": source,
                "value": value,
                "reason": row["reason"],
                "reason_zh": row["reason_zh"],
            }
        )
    return out


def _file_summary(path: str, report: ImportReport) -> dict[str, Any]:
    summary = {"path": path, **report.summary()}
    problems = _problems(report, _PROBLEMS_JSON)
    summary.update(
        problems=problems,
        problems_shown=len(problems),
        problems_total=report.problems_total,
        notes=[_one_line(_scrub(n)) for n in report.notes],
        batch_id=None,
        rows_duplicate=None,
        already_imported=False,
    )
    return summary


def _error(path: str | None, exc: BaseException, *, kind: str | None = None) -> dict[str, Any]:
    message = _safe_message(exc)
    name = Path(path).name if path is not None else None
    if path is not None and path not in message and (name or "") not in message:
        message = f"{path}: {message}"
    return {
        "path": path,
        "file": name,
        "type": kind or type(exc).__name__,
        "message": message,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, default=_json_default))


def _debug() -> bool:
    return os.environ.get(_DEBUG_ENV, "") not in ("", "0")


# --------------------------------------------------------------------------- import / validate


def _check_mapping_argument(mapping: str | None) -> None:
    """Refuse an unknown preset or a missing mapping file before any file is read."""
    if mapping is None:
        return
    from cimlab.ingest.mapping import list_presets

    names = [p.name for p in list_presets()]
    if mapping in names:
        return
    if Path(mapping).is_file():  # its YAML must at least parse; its columns are checked per file
        import yaml

        try:
            yaml.safe_load(Path(mapping).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or getattr(exc, "strerror", None) or exc
            raise MappingError(
                f"--mapping {mapping}{where}: not a readable YAML mapping file ({problem}); "
                "save it as UTF-8 YAML (`table: orders`, `columns: {order_id: <header>}`)"
            ) from None
        return
    if Path(mapping).suffix.lower() in {".yaml", ".yml"}:
        raise MappingError(f"--mapping {mapping}: mapping file not found; check the path")
    raise MappingError(
        f"--mapping {mapping!r} is neither a known preset ({', '.join(names)}) nor a YAML file; "
        "see 'cimlab presets'"
    )


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _describe(f: dict[str, Any], *, validate_only: bool, mapping: str | None) -> list[str]:
    """Human lines for one checked or imported file (``mapping``: the --mapping argument)."""
    preset = f["mapping"].get("preset") or (
        Path(mapping).name if mapping else "suggested from the headers"
    )
    source = f["format"] + (f" {f['encoding']}" if f["encoding"] else "")
    if f["sheet"]:
        source += f", sheet {f['sheet']}"
    how = f"channel {f['channel']}, mapping {preset}, {source}"
    if f.get("already_imported"):
        return [
            f"{f['path']}: already imported as batch {f['batch_id']} ({f['table']}, "
            f"channel {f['channel']}); nothing added"
        ]
    if validate_only:
        head = f"{f['path']}: checked as {f['table']} ({how}); nothing written"
        counts = (
            f"  {f['rows_read']:,} rows read: {f['rows_loaded']:,} would load, "
            f"{f['rows_quarantined']:,} would be quarantined"
        )
    else:
        head = f"{f['path']}: imported into {f['table']} as batch {f['batch_id']} ({how})"
        counts = (
            f"  {f['rows_read']:,} rows read: {f['rows_loaded']:,} loaded, "
            f"{f['rows_quarantined']:,} quarantined"
        )
    lines = [head, counts]
    if f.get("rows_duplicate"):
        lines.append(
            f"  {_plural(f['rows_duplicate'], 'order line')} already in the workspace "
            "(counted as quarantined)"
        )
    lines.extend(f"  note: {note}" for note in f["notes"])
    for p in f["problems"][:_PROBLEMS_SHOWN]:
        where = [f"line {p['line']}"]
        if p["column"]:
            where.append(f"column {p['column']}")
        if p["value"] is not None:
            where.append(f"{'value' if p['column'] else 'row'} {p['value']!r}")
        lines.append(f"  {', '.join(where)}: {p['reason']}")
    more = f["problems_total"] - min(len(f["problems"]), _PROBLEMS_SHOWN)
    if more > 0:
        lines.append(f"  ... and {more:,} more problems (--json lists up to {_PROBLEMS_JSON})")
    return lines


def _cmd_import(args: argparse.Namespace, *, validate_only: bool) -> int:
    files: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    already: list[str] = []
    workspace_dir: str | None = None if validate_only else args.workspace
    out = {"command": "validate" if validate_only else "import", "workspace": workspace_dir}

    def finish() -> int:
        counted = [f for f in files if not f["already_imported"]]
        totals = {
            key: sum(f[key] for f in counted)
            for key in ("rows_read", "rows_loaded", "rows_quarantined")
        }
        if args.json:
            _print_json(
                {**out, **totals, "already_imported": already, "errors": errors, "files": files}
            )
        elif len(args.paths) > 1 and all(e["path"] is not None for e in errors):
            verb = "checked" if validate_only else "imported"
            parts = []
            if counted:
                parts.append(
                    f"{_plural(len(counted), 'file')} {verb}, "
                    f"{_plural(totals['rows_read'], 'row')} read: {totals['rows_loaded']:,} "
                    f"{'would load' if validate_only else 'loaded'}, "
                    f"{totals['rows_quarantined']:,} "
                    f"{'would be quarantined' if validate_only else 'quarantined'}"
                )
            if already:
                parts.append(f"{_plural(len(already), 'file')} already imported, nothing added")
            failed = {e["path"] for e in errors}
            if failed:
                parts.append(f"{_plural(len(failed), 'file')} not {verb} (see below)")
            print("total: " + "; ".join(parts or ["nothing done"]))
        shown: set[str] = set()
        for e in errors:
            if e["message"] not in shown:
                shown.add(e["message"])
                print(f"cimlab: {e['message']}", file=sys.stderr)
        if errors:
            return 2
        return 1 if totals["rows_quarantined"] else 0

    try:
        _check_mapping_argument(args.mapping)
    except CimlabError as exc:
        errors.append(_error(None, exc))
        return finish()

    workspace: Workspace | None = None

    def open_workspace() -> Workspace:
        """Created only when a file is ready to be stored."""
        from cimlab.workspace import Workspace

        nonlocal workspace
        workspace = Workspace.open(args.workspace, create=True)
        return workspace

    if not validate_only and Path(args.workspace).exists():
        try:  # an existing folder is checked before reading any file
            workspace = open_workspace()
        except CimlabError as exc:
            errors.append(_error(None, exc))
            return finish()

    n = len(args.paths)
    progress = _Progress(3 * n, stream=sys.stderr, enabled=not args.no_progress)
    try:
        for i, path in enumerate(args.paths):
            label = f"{i + 1}/{n} {Path(path).name}"
            progress.step(3 * i, f"{label}: reading and checking")
            try:
                options: dict[str, Any] = {
                    "table": args.table,
                    "channel": args.channel,
                    "mapping": args.mapping,
                    "sheet": args.sheet,
                    "currency": args.currency,
                }
                if validate_only:
                    summary = _file_summary(path, validate_file(path, **options))
                else:
                    progress.step(3 * i + 1, f"{label}: importing")
                    result = import_file(lambda: workspace or open_workspace(), path, **options)
                    summary = _file_summary(path, result.report)
                    batch = result.batch
                    summary.update(
                        batch_id=batch.batch_id,
                        rows_read=batch.rows_read,
                        rows_loaded=batch.rows_loaded,
                        rows_quarantined=batch.rows_quarantined,
                        rows_duplicate=batch.rows_duplicate,
                        already_imported=batch.already_imported,
                    )
            except WorkspaceBusy as exc:
                # another process is writing: stop, and name every file not imported
                rest = args.paths[i:]
                message = _safe_message(exc) + f" (not imported: {', '.join(rest)})"
                errors.extend(
                    {"path": p, "file": Path(p).name, "type": "WorkspaceBusy", "message": message}
                    for p in rest
                )
                break
            except Exception as exc:
                errors.append(_file_error(path, exc))
                continue
            if summary["already_imported"]:
                already.append(path)
            files.append(summary)
            progress.clear()
            if not args.json:
                lines = _describe(summary, validate_only=validate_only, mapping=args.mapping)
                print("\n".join(lines), flush=True)
    finally:
        progress.close()
    return finish()


def _file_error(path: str, exc: Exception) -> dict[str, Any]:
    """The ``errors`` entry for a file that could not be checked or stored."""
    if isinstance(exc, CimlabError):
        return _error(path, exc)
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return _error(path, OSError(f"{path}: cannot read the file ({reason})"), kind="OSError")
    if _debug():
        raise exc
    return _error(
        path,
        RuntimeError(
            f"{path}: unexpected error ({type(exc).__name__}: {exc}); this is a bug in cimlab: "
            f"please report it (set {_DEBUG_ENV}=1 to see the details)"
        ),
        kind="InternalError",
    )


# --------------------------------------------------------------------------- other commands


def _cmd_demo(args: argparse.Namespace) -> int:
    from cimlab.demo import build_demo_workspace

    ws_dir = Path(args.workspace)
    files = Path(args.files) if args.files else ws_dir / "source-files"
    summary = build_demo_workspace(
        ws_dir, files, seed=args.seed, people=args.people, force=args.force
    )
    print(summary)
    if summary.built:
        print(f"demo files are in {files}; open the app with `make app`")
    return 0


def _cmd_presets() -> int:
    from cimlab.ingest.mapping import list_presets

    for preset in list_presets():
        tables = ", ".join(preset.tables)
        print(f"{preset.name:<16} {preset.label} / {preset.label_zh}  [{tables}]")
    return 0


def _size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _when(value: dt.datetime | None) -> str:
    return "-" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _print_info(info: dict[str, Any]) -> None:
    print(
        f"workspace {info['path']} ({_size(info['size_bytes'])}, "
        f"schema version {info['schema_version']})"
    )
    print(
        f"imports: {info['active_batches']} active of {info['batches']} batches; "
        f"last import {_when(info['last_import_at'])}"
    )
    print(f"{'table':<14}{'rows':>10}  by channel")
    for table, part in info["tables"].items():
        channels = ", ".join(f"{c} {n:,}" for c, n in part["by_channel"].items()) or "-"
        print(f"{table:<14}{part['rows']:>10,}  {channels}")
    zone, trusted = info["time_zone"], info["source_priority"]
    print(
        f"settings: time zone {zone['zone']} ({zone['source']}); source priority "
        f"{' > '.join(trusted) if trusted else 'none'}"
    )
    who = info["identities"]
    if who["customers"]:
        print(
            f"identities: {who['records']:,} source records -> {who['customers']:,} customers; "
            f"{who['unlinked_records']:,} records imported since the last resolution"
        )
    else:
        print("identities: never resolved (cimlab customers resolve)")


def _state(ws: Workspace) -> dict[str, Any]:
    """Settings and identity state of ``ws`` for ``workspace info``."""
    from cimlab.identity import customer_map, unlinked_records
    from cimlab.settings import source_priority, time_zone_choice

    choice, cmap = time_zone_choice(ws), customer_map(ws)
    priority = source_priority(ws)
    return {
        "time_zone": {"zone": choice.zone, "source": choice.source},
        "source_priority": None if priority is None else list(priority),
        "identities": {
            "records": cmap.height,
            "customers": cmap["customer_id"].n_unique(),
            "unlinked_records": unlinked_records(ws),
        },
    }


def _print_history(batches: list[dict[str, Any]], path: Path) -> None:
    if not batches:
        print(f"no imports yet in {path}")
        return
    header = ("batch", "status", "imported", "table", "channel", "read", "loaded", "quar.", "file")
    rows = [
        (
            str(b["batch_id"]),
            b["status"],
            _when(b["imported_at"]),
            b["table_name"],
            b["channel"],
            f"{b['rows_read']:,}",
            f"{b['rows_loaded']:,}",
            f"{b['rows_quarantined']:,}",
            b["file_name"],
        )
        for b in batches
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    right = {0, 5, 6, 7}
    for r in (header, *rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def _cmd_workspace(args: argparse.Namespace) -> int:
    from cimlab.workspace import Workspace, checksum_path

    if args.action == "check":
        return _check(Workspace(args.workspace), as_json=args.json)
    if args.action == "restore":
        unsummed = not checksum_path(args.file).exists()
        ws = Workspace.restore(args.file, args.workspace)
        info = ws.info()
        rows = ", ".join(f"{t} {p['rows']:,}" for t, p in info["tables"].items())
        print(
            f"restored {args.workspace} from {args.file}: {info['active_batches']} active "
            f"batches; rows: {rows}"
        )
        if unsummed:
            print(
                f"cimlab: note: no checksum file {checksum_path(args.file).name} was found "
                "beside the backup (an older cimlab?); it was verified by a full read of every "
                "table only",
                file=sys.stderr,
            )
        return 0
    ws = Workspace.open(args.workspace, create=False)
    if args.action == "info":
        info = {**ws.info(), **_state(ws)}
        if args.json:
            _print_json(info)
        else:
            _print_info(info)
    elif args.action == "history":
        batches = ws.batches().to_dicts()
        for b in batches:
            with contextlib.suppress(ValueError):  # keep the text if it is not JSON
                b["mapping"] = json.loads(b["mapping"]) if b["mapping"] else None
        if args.json:
            _print_json({"workspace": str(ws.path), "batches": batches})
        else:
            _print_history(batches, ws.path)
    elif args.action == "undo":
        removed = ws.undo(args.batch, at=dt.datetime.now(dt.UTC))
        if args.json:
            _print_json({"undone": args.batch, "rows_removed": removed})
        else:
            print(
                f"batch {args.batch} undone: {removed:,} rows removed "
                "(its quarantined lines stay on record)"
            )
    elif args.action == "quarantine":
        from cimlab.export import write_bytes
        from cimlab.ingest.importer import quarantine_csv

        if args.batch not in ws.batches()["batch_id"].to_list():
            raise WorkspaceError(
                f"there is no batch {args.batch} in {ws.path}; see `workspace history`"
            )
        problems = ws.quarantine(args.batch)
        # the one writer: formulas escaped, never inside the workspace, never a partial file
        write_bytes(quarantine_csv(problems), args.out, protect=[ws.path], fmt="csv")
        print(
            f"{problems['line'].n_unique():,} quarantined rows of batch {args.batch} written to {args.out}"
        )
    elif args.action == "settings":
        _settings(ws, args)
    elif args.action == "backup":
        target = ws.backup(args.file)
        print(
            f"backup of {ws.path} written to {target} ({_size(target.stat().st_size)}), every "
            f"row checked; its SHA-256 is in {checksum_path(target).name}"
        )
    return 0


def _check(ws: Workspace, *, as_json: bool) -> int:
    """``workspace check``: exit 0 when every row of every table reads back, else 2."""
    report = ws.check()
    if as_json:
        _print_json(
            {
                "workspace": str(ws.path),
                "database": str(report.path),
                "ok": report.ok,
                "tables": dict(report.tables),
                "problems": list(report.problems),
            }
        )
    elif report.ok:
        print(
            f"workspace {ws.path} is intact: {len(report.tables)} tables, "
            f"{report.rows:,} rows read in full"
        )
    for i, problem in enumerate(report.problems, 1):
        hint = (
            f"; restore a backup you trust with `cimlab workspace restore FILE --workspace "
            f"{ws.path}`"
            if i == len(report.problems)
            else ""
        )
        message = _one_line(_scrub(problem))
        print(f"cimlab: workspace {ws.path} is damaged: {message}{hint}", file=sys.stderr)
    return 0 if report.ok else 2


_ZONE_SOURCES = {
    "setting": "set for this workspace",
    "imports": "the zone the imports read times in; set one with --time-zone",
    "default": "the import default; set one with --time-zone",
}


def _settings(ws: Workspace, args: argparse.Namespace) -> None:
    from cimlab.dates import check_time_zone
    from cimlab.settings import (
        check_source_priority,
        set_source_priority,
        set_time_zone,
        source_priority,
        time_zone_choice,
    )

    zone = channels = None
    try:  # both values are checked before anything is written
        if args.time_zone is not None and args.time_zone.strip().lower() != "auto":
            zone = check_time_zone(args.time_zone.strip())
        text = (args.source_priority or "").strip()
        if args.source_priority is not None and text.lower() != "none":
            channels = check_source_priority([c.strip() for c in text.split(",") if c.strip()])
    except ValueError as exc:
        message = str(exc).replace("time_zone=", "--time-zone ", 1)
        raise WorkspaceError(message.replace("source_priority=", "--source-priority ", 1)) from None
    if args.time_zone is not None:
        set_time_zone(ws, zone)
    if args.source_priority is not None:
        set_source_priority(ws, channels)
        known = set(ws.counts()["channel"].to_list()) if channels else set()
        for channel in [c for c in channels or () if c not in known]:
            print(f"cimlab: note: no records of channel {channel!r} yet", file=sys.stderr)
    choice, priority = time_zone_choice(ws), source_priority(ws)
    if args.json:
        _print_json(
            {
                "workspace": str(ws.path),
                "time_zone": choice.zone,
                "source": choice.source,
                "source_priority": None if priority is None else list(priority),
            }
        )
    else:
        print(f"time zone: {choice.zone} ({_ZONE_SOURCES[choice.source]})")
        trusted = " > ".join(priority) if priority else "none (the most recent value wins)"
        print(f"source priority of the golden record: {trusted}")


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Never raises for user errors, ``--help`` or ``--version``: they become exit codes.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and bad arguments (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        if args.command in {"import", "validate"}:
            return _cmd_import(args, validate_only=args.command == "validate")
        if args.command == "demo":
            return _cmd_demo(args)
        if args.command == "presets":
            return _cmd_presets()
        if args.command == "customers":
            return cli_customers.run(args)
        if args.command == "analyse":
            return cli_analyse.run(args)
        return _cmd_workspace(args)
    except CimlabError as exc:
        print(f"cimlab: {_safe_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "cimlab: interrupted; an import in progress was rolled back (files finished "
            "before it stay imported)",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:  # e.g. `cimlab workspace history | head -1`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if _debug():
            raise
        print(
            f"cimlab: unexpected error ({type(exc).__name__}: {_safe_message(exc)}); this is a "
            f"bug in cimlab: please report it (set {_DEBUG_ENV}=1 to see the details)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
