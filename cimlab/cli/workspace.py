"""``cimlab workspace ...``: inspect and manage a workspace.

``info``, ``history``, ``undo``, ``backup``, ``restore``, ``check``, ``settings``,
``quarantine`` and ``rates`` (:mod:`cimlab.cli.rates`); the output contract is written in :mod:`cimlab.cli`. Only the workspace module
(DuckDB, Polars) loads for ``info``; the rest is imported by the action that needs it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cimlab.cli import mappings, rates
from cimlab.cli.common import one_line, print_json, scrub
from cimlab.errors import WorkspaceError

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = ["add_parser", "run"]


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register the ``workspace`` command group on the top-level subparsers ``sub``."""
    ws = sub.add_parser(
        "workspace",
        help="inspect and manage a workspace",
        description="Inspect and manage a workspace.",
    )
    ws_sub = ws.add_subparsers(
        dest="action", required=True, parser_class=parser_class, metavar="ACTION"
    )
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
        help="write a consistent, checked copy of the workspace (or scheduled, dated backups)",
        description="Write a consistent single-file copy of the workspace, read every row of it "
        "to check it, and write its SHA-256 to FILE.sha256 (verify with 'sha256sum -c'). A "
        "damaged workspace gives exit 2 and no file. With --to DIR instead of FILE: a backup "
        "named with its UTC time (cimlab-backup-YYYYMMDDTHHMMSSZ.duckdb, with .sha256 and "
        ".manifest.json), read back after writing, then only the newest --keep cimlab backups "
        "of DIR are kept (no other file is touched). --schedule daily|weekly records the "
        "schedule in the workspace and writes a backup only when the newest one is older than "
        "the period (call it every hour from cron or a systemd timer). --verify-restore is the "
        "restore drill: the newest backup is restored into a scratch folder and its rows per "
        "table compared with those recorded at backup time; exit 2 when they differ or there "
        "is no backup.",
    )
    backup.add_argument("file", nargs="?", metavar="FILE", help="backup file to write")
    backup.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    backup.add_argument(
        "--to", metavar="DIR", help="folder of dated backups (default: the scheduled one)"
    )
    backup.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="cimlab backups the folder keeps, newest first (default: the schedule's, else 8)",
    )
    backup.add_argument(
        "--schedule",
        choices=("daily", "weekly", "off"),
        help="record the schedule and back up only when due; 'off' removes the schedule",
    )
    backup.add_argument(
        "--verify-restore",
        action="store_true",
        help="restore the newest backup into a scratch folder and compare its counts",
    )
    backup.add_argument("--json", action="store_true", help="print one JSON object on stdout")
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
        help="show or change the workspace settings (business time zone, reporting currency, "
        "source priority)",
        description="Show the workspace settings; with --time-zone, change the business time "
        "zone: the calendar every analysis counts days, months and quarters in (orders are "
        "stored in UTC). Without a setting it is the zone the imports read times in. With "
        "--reporting-currency, change the currency every money figure is shown in (without a "
        "setting: the currency of most order value).",
    )
    settings.add_argument(
        "--time-zone",
        metavar="ZONE",
        help="an IANA zone such as Asia/Shanghai or Europe/London; 'auto' returns to the "
        "zone of the imports",
    )
    settings.add_argument(
        "--reporting-currency",
        metavar="CODE",
        help="the currency every money figure is shown in (ISO code, e.g. CNY); orders in "
        "other currencies are converted with `workspace rates`; 'auto' returns to the "
        "currency of most order value",
    )
    settings.add_argument(
        "--source-priority",
        metavar="CHANNELS",
        help="channels the golden record trusts most, best first, comma-separated (e.g. "
        "store,online_shop); 'none' removes the setting (the most recent value wins)",
    )
    settings.add_argument(
        "--frequency-cap",
        metavar="DAYS",
        help="campaign exports leave out customers of a direct-contact export of the last DAYS "
        "days (0 = off; 'default' = 7)",
    )
    settings.add_argument(
        "--soft-opt-in",
        metavar="PURPOSES",
        help="consent purposes (email,sms,wechat,phone) for which an existing customer who never "
        "answered counts as consenting; 'none' (the default) counts missing consent as no",
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
    _add_encryption_actions(ws_sub)
    mappings.add_action(ws_sub)
    rates.add_action(ws_sub)


def _add_encryption_actions(ws_sub: Any) -> None:
    """``keygen``, ``encrypt`` and ``rekey`` (:mod:`cimlab.encryption`)."""
    ws_sub.add_parser(
        "keygen",
        help="print a new workspace encryption key",
        description="Print a new random workspace key (32 bytes, base64). Keep it outside the "
        "workspace folder: in CIMLAB_WORKSPACE_KEY, or in a file named by "
        "CIMLAB_WORKSPACE_KEY_FILE. Without it an encrypted workspace cannot be opened.",
    )
    encrypt = ws_sub.add_parser(
        "encrypt",
        help="encrypt the personal data of an existing workspace",
        description="Encrypt the names, phones, e-mails, birth dates and quarantined raw values "
        "of a clear workspace with the key of CIMLAB_WORKSPACE_KEY (or the file named by "
        "CIMLAB_WORKSPACE_KEY_FILE). The encrypted database is written beside the old one and "
        "verified (rows per table; every encrypted value decrypts to the original) before it "
        "replaces it. The old, clear database is then removed unless --keep-clear-copy names a "
        "file for it (that file holds personal data in clear). Backups written before stay "
        "clear: write a new one and remove them.",
    )
    encrypt.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    encrypt.add_argument(
        "--keep-clear-copy",
        metavar="FILE",
        help="keep the old, unencrypted database in FILE (default: it is removed)",
    )
    encrypt.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    rekey = ws_sub.add_parser(
        "rekey",
        help="re-encrypt an encrypted workspace with a new key",
        description="Re-encrypt the workspace (opened with the current key, from "
        "CIMLAB_WORKSPACE_KEY or CIMLAB_WORKSPACE_KEY_FILE) with the key in --new-key-file, "
        "verified before the old database is replaced. Afterwards only the new key opens it; "
        "backups written before keep the old key.",
    )
    rekey.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    rekey.add_argument(
        "--new-key-file",
        required=True,
        metavar="FILE",
        help="file holding the new key (outside the workspace folder)",
    )
    rekey.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _run_encryption(args: argparse.Namespace) -> int:
    from cimlab import encryption

    if args.action == "keygen":
        print(encryption.generate_key())
        return 0
    if args.action == "encrypt":
        done = encryption.encrypt_workspace(args.workspace, keep_clear_copy=args.keep_clear_copy)
        what = "encrypted"
    else:
        new_key = encryption.load_key(
            args.workspace, environ={encryption.ENV_KEY_FILE: args.new_key_file}
        )
        if new_key is None:  # an empty file name: argparse lets it through
            raise WorkspaceError("--new-key-file names no file; give the file of the new key")
        done = encryption.rekey_workspace(args.workspace, new_key=new_key)
        what = "re-encrypted with the new key"
    if args.json:
        print_json(
            {
                "workspace": str(done.path),
                "tables": dict(done.tables),
                "values_verified": done.values,
                "clear_copy": None if done.clear_copy is None else str(done.clear_copy),
            }
        )
        return 0
    rows = sum(done.tables.values())
    print(
        f"{done.path} {what}: {len(done.tables)} tables, {rows:,} rows checked, "
        f"{done.values:,} personal values verified to decrypt to the originals"
    )
    if done.clear_copy is not None:
        print(
            f"the old, unencrypted database is kept in {done.clear_copy}: it holds personal "
            "data in clear; delete it when you no longer need it"
        )
    elif args.action == "encrypt":
        print("the old, unencrypted database was removed")
    if args.action == "rekey":
        print(
            "from now on open it with the new key (set CIMLAB_WORKSPACE_KEY or "
            "CIMLAB_WORKSPACE_KEY_FILE to it)"
        )
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
            + (
                f"; {who['removed_records']:,} records removed (undone) since then: resolve "
                "again (cimlab customers resolve)"
                if who.get("removed_records")
                else ""
            )
        )
    else:
        print("identities: never resolved (cimlab customers resolve)")
    if info.get("encrypted"):
        print("encryption: names, phones, e-mails, birth dates and quarantined values encrypted")
    money, table = info["reporting_currency"], info["rates"]
    written = f" into {table['currency']}" if table["count"] else ""
    print(
        f"money: reporting currency {money['code'] or 'none'} ({money['source']}); "
        f"{table['count']:,} exchange rates{written}"
    )


def _state(ws: Workspace) -> dict[str, Any]:
    """Settings and identity state of ``ws`` for ``workspace info``."""
    from cimlab.money import rates, rates_currency, reporting_currency
    from cimlab.settings import source_priority, time_zone_choice

    choice, priority = time_zone_choice(ws), source_priority(ws)
    money = reporting_currency(ws)
    return {
        "time_zone": {"zone": choice.zone, "source": choice.source},
        "reporting_currency": {"code": money.code, "source": money.source},
        "rates": {"count": rates(ws).height, "currency": rates_currency(ws)},
        "source_priority": None if priority is None else list(priority),
        "identities": ws.identity_counts(),
        "encrypted": ws.encrypted,
    }


def _print_history(batches: list[dict[str, Any]], path: Path) -> None:
    if not batches:
        print(f"no imports yet in {path}")
        return
    header = (
        "batch",
        "status",
        "imported",
        "table",
        "channel",
        "read",
        "loaded",
        "quar.",
        "filtered",
        "file",
    )
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
            f"{b['rows_filtered']:,}",
            b["file_name"],
        )
        for b in batches
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    right = {0, 5, 6, 7, 8}
    for r in (header, *rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def run(args: argparse.Namespace) -> int:
    """Run one ``workspace`` action; returns the exit code (errors raise ``CimlabError``)."""
    from cimlab.audit import acting_user, record_event
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
    if args.action == "mappings":
        return mappings.run(args)
    if args.action == "rates":
        return rates.run(args)
    if args.action in ("keygen", "encrypt", "rekey"):
        return _run_encryption(args)
    ws = Workspace.open(args.workspace, create=False)
    if args.action == "info":
        with ws.reading():  # one open of the database for every figure
            info = {**ws.info(), **_state(ws)}
        if args.json:
            print_json(info)
        else:
            _print_info(info)
    elif args.action == "history":
        batches = ws.batches().to_dicts()
        for b in batches:
            with contextlib.suppress(ValueError):  # keep the text if it is not JSON
                b["mapping"] = json.loads(b["mapping"]) if b["mapping"] else None
        if args.json:
            print_json({"workspace": str(ws.path), "batches": batches})
        else:
            _print_history(batches, ws.path)
    elif args.action == "undo":
        when = dt.datetime.now(dt.UTC)
        removed = ws.undo(args.batch, at=when)
        record_event(ws, "undo", user=acting_user(), at=when, target=str(args.batch), n=removed)
        if args.json:
            print_json({"undone": args.batch, "rows_removed": removed})
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
        if args.file is None:
            return _backups(ws, args)
        if args.to is not None or args.keep is not None or args.schedule or args.verify_restore:
            raise WorkspaceError(
                f"give either FILE ({args.file}) or --to/--keep/--schedule/--verify-restore, "
                "not both"
            )
        target = ws.backup(args.file)
        if args.json:
            print_json(
                {
                    "workspace": str(ws.path),
                    "backup": str(target),
                    "size_bytes": target.stat().st_size,
                    "sha256_file": str(checksum_path(target)),
                }
            )
        else:
            print(
                f"backup of {ws.path} written to {target} ({_size(target.stat().st_size)}), "
                f"every row checked; its SHA-256 is in {checksum_path(target).name}"
            )
    return 0


def _check(ws: Workspace, *, as_json: bool) -> int:
    """``workspace check``: exit 0 when every row of every table reads back, else 2."""
    report = ws.check()
    if as_json:
        print_json(
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
        message = one_line(scrub(problem))
        print(f"cimlab: workspace {ws.path} is damaged: {message}{hint}", file=sys.stderr)
    return 0 if report.ok else 2


_ZONE_SOURCES = {
    "setting": "set for this workspace",
    "imports": "the zone the imports read times in; set one with --time-zone",
    "default": "the import default; set one with --time-zone",
}


def _campaign_settings(args: argparse.Namespace) -> tuple[int | None, tuple[str, ...]]:
    """The checked ``--frequency-cap`` (None: the default) and ``--soft-opt-in`` values."""
    cap: int | None = None
    text = (args.frequency_cap or "").strip().lower()
    if args.frequency_cap is not None and text != "default":
        if not text.isdigit():
            raise ValueError(
                f"--frequency-cap {args.frequency_cap!r}: a whole number of days, or default"
            )
        cap = int(text)
    soft: tuple[str, ...] = ()
    text = (args.soft_opt_in or "").strip().lower()
    if args.soft_opt_in is not None and text != "none":
        soft = tuple(p.strip() for p in text.split(",") if p.strip())
        bad = [p for p in soft if p not in ("email", "sms", "wechat", "phone")]
        if bad:
            raise ValueError(f"--soft-opt-in: {bad[0]!r} is not one of email, sms, wechat, phone")
    return cap, soft


def _settings(ws: Workspace, args: argparse.Namespace) -> None:
    from cimlab.dates import check_time_zone
    from cimlab.money import (
        check_currency,
        rates_currency,
        reporting_currency,
        set_reporting_currency,
    )
    from cimlab.settings import (
        check_source_priority,
        set_source_priority,
        set_time_zone,
        source_priority,
        time_zone_choice,
    )

    zone = channels = code = None
    try:  # every value is checked before anything is written
        if args.time_zone is not None and args.time_zone.strip().lower() != "auto":
            zone = check_time_zone(args.time_zone.strip())
        if (
            args.reporting_currency is not None
            and args.reporting_currency.strip().lower() != "auto"
        ):
            code = check_currency(args.reporting_currency, name="--reporting-currency")
        text = (args.source_priority or "").strip()
        if args.source_priority is not None and text.lower() != "none":
            channels = check_source_priority([c.strip() for c in text.split(",") if c.strip()])
        cap, soft = _campaign_settings(args)
    except ValueError as exc:
        message = str(exc).replace("time_zone=", "--time-zone ", 1)
        message = message.replace("--reporting-currency=", "--reporting-currency ", 1)
        raise WorkspaceError(message.replace("source_priority=", "--source-priority ", 1)) from None
    from cimlab.act.campaigns import frequency_cap, set_frequency_cap
    from cimlab.act.suppression import set_soft_opt_in, soft_opt_in

    if args.frequency_cap is not None:
        set_frequency_cap(ws, cap)
    if args.soft_opt_in is not None:
        set_soft_opt_in(ws, soft)
    if args.time_zone is not None:
        set_time_zone(ws, zone)
    if args.reporting_currency is not None:
        set_reporting_currency(ws, code)
    if args.source_priority is not None:
        set_source_priority(ws, channels)
        known = set(ws.counts()["channel"].to_list()) if channels else set()
        for channel in [c for c in channels or () if c not in known]:
            print(f"cimlab: note: no records of channel {channel!r} yet", file=sys.stderr)
    choice, priority = time_zone_choice(ws), source_priority(ws)
    money, stored_in = reporting_currency(ws), rates_currency(ws)
    if args.json:
        print_json(
            {
                "workspace": str(ws.path),
                "time_zone": choice.zone,
                "source": choice.source,
                "source_priority": None if priority is None else list(priority),
                "reporting_currency": money.code,
                "reporting_currency_source": money.source,
                "rates_currency": stored_in,
                "frequency_cap_days": frequency_cap(ws),
                "soft_opt_in": list(soft_opt_in(ws)),
            }
        )
    else:
        print(f"time zone: {choice.zone} ({_ZONE_SOURCES[choice.source]})")
        print(f"reporting currency: {money.code or 'none'} ({rates.SOURCES[money.source]})")
        if stored_in and stored_in != money.code:
            print(
                f"note: the stored rates are written in {stored_in}: they do not apply while "
                f"the reporting currency is {money.code}; load rates in {money.code} with "
                f"`cimlab workspace rates FILE.csv --workspace {ws.path}`"
            )
        trusted = " > ".join(priority) if priority else "none (the most recent value wins)"
        print(f"source priority of the golden record: {trusted}")
        soft_text = ", ".join(soft_opt_in(ws)) or "none (missing consent counts as no)"
        print(f"campaigns: frequency cap {frequency_cap(ws)} days; soft opt-in: {soft_text}")


def _ago(age: dt.timedelta) -> str:
    from cimlab.backups import age_in_words

    n, unit = age_in_words(age)
    return f"{n} {unit.rstrip('s') if n == 1 else unit} old"


def _record_json(record: Any) -> dict[str, Any] | None:
    """A :class:`cimlab.backups.BackupRecord` as JSON (``None`` stays ``None``)."""
    if record is None:
        return None
    return {
        "path": str(record.path),
        "written_at": record.written_at,
        "age_seconds": int(record.age.total_seconds()),
        "size_bytes": record.size_bytes,
        "tables": None if record.tables is None else dict(record.tables),
        "removed": [str(p) for p in record.removed],
    }


def _backups(ws: Workspace, args: argparse.Namespace) -> int:
    """``workspace backup`` without FILE: ``--to``, ``--schedule``, ``--verify-restore``."""
    from cimlab import backups

    if args.keep is not None and args.keep < 1:
        raise WorkspaceError(f"--keep {args.keep}: keep at least 1 backup")
    if args.verify_restore:
        if args.schedule or args.keep is not None:
            raise WorkspaceError("--verify-restore takes --to DIR only (no --schedule, --keep)")
        return _drill(ws, args)
    if args.schedule is None and args.to is None:
        raise WorkspaceError(
            "give FILE, or --to DIR (dated backups kept by --keep), or --schedule daily|weekly "
            "--to DIR, or --verify-restore"
        )
    if args.schedule is None:
        record = backups.backup_to(
            ws, args.to, keep=backups.DEFAULT_KEEP if args.keep is None else args.keep
        )
        _print_written(ws, record, as_json=args.json, schedule=None)
        return 0
    current = backups.backup_schedule(ws)
    if args.schedule == "off":
        if args.to is not None or args.keep is not None:
            raise WorkspaceError("--schedule off takes no --to or --keep")
        backups.set_backup_schedule(ws, None, None)
        if args.json:
            print_json({"workspace": str(ws.path), "schedule": None, "wrote": False})
        else:
            print(f"backup schedule of {ws.path} removed (existing backups are kept)")
        return 0
    folder = args.to if args.to is not None else None if current is None else current.folder
    if folder is None:
        raise WorkspaceError(
            f"--schedule {args.schedule} needs --to DIR (no backup folder is scheduled yet)"
        )
    keep = args.keep if args.keep is not None else current.keep if current else None
    schedule = backups.set_backup_schedule(
        ws, folder, args.schedule, backups.DEFAULT_KEEP if keep is None else keep
    )
    written = backups.run_scheduled_backup(ws)
    if written is not None:
        _print_written(ws, written, as_json=args.json, schedule=schedule)
        return 0
    last = backups.last_backup(ws)
    if args.json:
        print_json(
            {
                "workspace": str(ws.path),
                "schedule": _schedule_json(schedule),
                "wrote": False,
                "backup": None,
                "last_backup": _record_json(last),
            }
        )
    elif schedule is not None and last is not None:
        due = last.written_at + schedule.interval
        print(f"backup schedule: {schedule.period} into {schedule.folder}, keeping {schedule.keep}")
        print(
            f"no backup written: not due ({schedule.period}); the newest, {last.path.name}, is "
            f"{_ago(last.age)}; the next is due after {_when(due)}"
        )
    return 0


def _schedule_json(schedule: Any) -> dict[str, Any] | None:
    if schedule is None:
        return None
    return {"folder": str(schedule.folder), "period": schedule.period, "keep": schedule.keep}


def _print_written(ws: Workspace, record: Any, *, as_json: bool, schedule: Any) -> None:
    from cimlab.workspace import checksum_path

    if as_json:
        print_json(
            {
                "workspace": str(ws.path),
                "schedule": _schedule_json(schedule),
                "wrote": True,
                "backup": _record_json(record),
            }
        )
        return
    if schedule is not None:
        print(f"backup schedule: {schedule.period} into {schedule.folder}, keeping {schedule.keep}")
    print(
        f"backup of {ws.path} written to {record.path} ({_size(record.size_bytes)}) and verified "
        f"after writing (SHA-256 = {checksum_path(record.path).name}, {record.rows:,} rows read "
        "in full)"
    )
    if record.removed:
        names = ", ".join(p.name for p in record.removed)
        print(f"retention: removed {len(record.removed)} older backup(s): {names}")


def _drill(ws: Workspace, args: argparse.Namespace) -> int:
    """``workspace backup --verify-restore``: exit 0 when the counts match, else 2."""
    from cimlab.backups import verify_restore

    drill = verify_restore(ws, args.to)
    changed = drill.changed_since_backup()
    if args.json:
        print_json(
            {
                "workspace": str(ws.path),
                "folder": str(drill.folder),
                "ok": drill.ok,
                "backup": _record_json(drill.backup),
                "recorded": dict(drill.recorded),
                "restored": dict(drill.restored),
                "live": dict(drill.live),
                "changed_since_backup": {
                    name: {"backup": b, "live": live} for name, (b, live) in changed.items()
                },
                "problems": list(drill.problems),
            }
        )
    elif drill.ok and drill.backup is not None:
        print(
            f"restore drill passed: {drill.backup.path.name} ({_ago(drill.backup.age)}) restored "
            f"into a scratch folder and read in full: {len(drill.restored)} tables, "
            f"{sum(drill.restored.values()):,} rows, every count as recorded at backup time"
        )
        if changed:
            parts = ", ".join(
                f"{name} {'-' if b is None else f'{b:,}'} -> {'-' if v is None else f'{v:,}'}"
                for name, (b, v) in changed.items()
            )
            print(f"since that backup the live workspace changed (rows): {parts}")
        else:
            print("the live workspace has the same counts")
    for problem in drill.problems:
        print(f"cimlab: restore drill failed: {one_line(scrub(problem))}", file=sys.stderr)
    return 0 if drill.ok else 2
