"""``cimlab import`` and ``cimlab validate``: channel files into a workspace, or checked only.

The output contract (exit codes, JSON keys) is written in :mod:`cimlab.cli`. The importer (and
with it Pandera) is loaded when a file is checked, not when the parser is built.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cimlab.cli.common import DEBUG_ENV, debug, one_line, print_json, safe_message, scrub
from cimlab.cli.mappings import saved_mapping_argument
from cimlab.contracts.columns import TABLES
from cimlab.errors import CimlabError, MappingError, WorkspaceBusy

if TYPE_CHECKING:
    from cimlab.ingest.importer import ImportReport
    from cimlab.workspace import Workspace

__all__ = ["add_parser", "run"]

_PROBLEMS_JSON = 200
_PROBLEMS_SHOWN = 10
_PATH_HELP = "channel export files: CSV/TSV (UTF-8, GBK, GB18030), XLSX, JSON/NDJSON, Parquet"


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register the ``import`` and ``validate`` commands on the top-level subparsers ``sub``."""

    def file_options(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument(
            "--table", choices=TABLES, help="canonical table (guessed from headers if omitted)"
        )
        cmd.add_argument(
            "--channel",
            metavar="NAME",
            help="channel the files come from, e.g. tmall, wechat, online_shop (required unless "
            "the mapping preset names one, or the mapping maps a channel column: then it fills "
            "the empty cells)",
        )
        cmd.add_argument(
            "--mapping",
            metavar="PRESET|FILE",
            help="preset name (see 'cimlab presets'), a mapping YAML file, or (import) the name "
            "of a mapping saved in the workspace (see 'cimlab workspace mappings'); suggested "
            "from the headers if omitted",
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


def run(args: argparse.Namespace) -> int:
    """Run ``import`` or ``validate``; returns the exit code."""
    return _cmd_import(args, validate_only=args.command == "validate")


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


def _problems(report: ImportReport, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` problems of a report, personal data masked by canonical column."""
    from cimlab.privacy import PII_COLUMNS, mask_value

    canonical = {source: column for column, source in report.mapping.columns.items()}
    out = []
    for row in report.quarantine.head(limit).iter_rows(named=True):
        source, value = row["column"], row["value"]
        if value is not None:
            kind = canonical.get(source, source)
            if kind in PII_COLUMNS:
                value = mask_value(kind, value)
            value = scrub(value, digits=source is None or kind in PII_COLUMNS)
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
        notes=[one_line(scrub(n)) for n in report.notes],
        batch_id=None,
        rows_duplicate=None,
        already_imported=False,
    )
    return summary


def _error(path: str | None, exc: BaseException, *, kind: str | None = None) -> dict[str, Any]:
    message = safe_message(exc)
    name = Path(path).name if path is not None else None
    if path is not None and path not in message and (name or "") not in message:
        message = f"{path}: {message}"
    return {
        "path": path,
        "file": name,
        "type": kind or type(exc).__name__,
        "message": message,
    }


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
        f"--mapping {mapping!r} is neither a known preset ({', '.join(names)}), a YAML file "
        "nor a mapping saved in the workspace; see 'cimlab presets' and 'cimlab workspace "
        "mappings'"
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
    by_rule = f.get("rows_filtered_by_rule") or {}
    if by_rule or f.get("rows_filtered"):
        counts += f", {f['rows_filtered']:,} filtered out"
        if by_rule:
            counts += " (" + "; ".join(f"{rule}: {n:,}" for rule, n in by_rule.items()) + ")"
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
        totals: dict[str, Any] = {
            key: sum(f[key] for f in counted)
            for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_filtered")
        }
        by_rule: dict[str, int] = {}
        for f in counted:
            for rule, rows in f.get("rows_filtered_by_rule", {}).items():
                by_rule[rule] = by_rule.get(rule, 0) + rows
        totals["rows_filtered_by_rule"] = by_rule
        if args.json:
            print_json(
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
                    + (
                        f", {totals['rows_filtered']:,} filtered out"
                        if totals["rows_filtered"]
                        else ""
                    )
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

    try:  # a saved mapping of the workspace (cimlab workspace mappings), else a preset or file
        saved = None if validate_only else saved_mapping_argument(args.mapping, args.workspace)
        if saved is None:
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

    from cimlab.ingest import importer

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
                    "mapping": args.mapping if saved is None else saved,
                    "sheet": args.sheet,
                    "currency": args.currency,
                }
                if validate_only:
                    summary = _file_summary(path, importer.validate_file(path, **options))
                else:
                    progress.step(3 * i + 1, f"{label}: importing")
                    result = importer.import_file(
                        lambda: workspace or open_workspace(), path, **options
                    )
                    summary = _file_summary(path, result.report)
                    batch = result.batch
                    summary.update(
                        batch_id=batch.batch_id,
                        rows_read=batch.rows_read,
                        rows_loaded=batch.rows_loaded,
                        rows_quarantined=batch.rows_quarantined,
                        rows_filtered=batch.rows_filtered,
                        rows_duplicate=batch.rows_duplicate,
                        already_imported=batch.already_imported,
                    )
                    if batch.already_imported:  # the earlier batch's counts: not by rule
                        summary["rows_filtered_by_rule"] = {}
            except WorkspaceBusy as exc:
                # another process is writing: stop, and name every file not imported
                rest = args.paths[i:]
                message = safe_message(exc) + f" (not imported: {', '.join(rest)})"
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
    if debug():
        raise exc
    return _error(
        path,
        RuntimeError(
            f"{path}: unexpected error ({type(exc).__name__}: {exc}); this is a bug in cimlab: "
            f"please report it (set {DEBUG_ENV}=1 to see the details)"
        ),
        kind="InternalError",
    )
