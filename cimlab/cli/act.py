"""``cimlab audience|export|campaign|suppression``: campaign lists from the command line.

::

    cimlab audience list    --workspace DIR [--json]
    cimlab audience fields  [--json]
    cimlab audience show    NAME --workspace DIR [--as-of DATE] [--version N] [--json]
    cimlab audience save    NAME --workspace DIR (--file FILE.yaml | --rule "FIELD OP VALUE" ...)
                            [--match all|any] [--title TEXT] [--include FILE.csv]
                            [--exclude FILE.csv] [--json]
    cimlab audience members NAME --workspace DIR [--as-of DATE] [--out FILE] [--json]
    cimlab audience holidays --workspace DIR [--days N] [--set CODE=DATE,...] [--json]
    cimlab audience refresh --workspace DIR [--as-of DATE] [--json]
    cimlab export AUDIENCE --workspace DIR --profile NAME --out FILE [--control 10%] [--seed N]
                  [--channel sms|phone|email|wechat] [--as-of DATE] [--cap-days N]
                  [--exclude FILE.csv] [--lang en|zh] [--batch N] [--zip] [--one-per-household]
                  [--json]
    cimlab campaign list    --workspace DIR [--json]
    cimlab campaign uplift  EXPORT_ID --workspace DIR [--end DATE] [--json]
    cimlab suppression add  FILE.csv --workspace DIR [--reason TEXT] [--json]
    cimlab suppression list|clear --workspace DIR [--json]

Audiences: saved ones and the ready-made ``all``, ``segment:<code>``, ``stage:<code>``,
``churn:<band>`` (:mod:`cimlab.act.audiences`). ``--rule`` takes ``FIELD OP VALUE`` with comma-
separated values for ``in``, ``not_in``, ``contains``, ``between`` ... (``"segment in
champions,loyal"``, ``"days_since_last_purchase between 90,365"``, ``"consent_sms = true"``);
``cimlab audience fields`` lists the fields. ``--as-of`` defaults to the day of the workspace's
last order line (business time zone).

``export`` JSON: ``members``, ``exported``, ``control``, ``suppressed`` (by reason, in the order
applied), ``file``, ``sha256``, ``files``, ``export_id`` and the rest of the audit row. Consent
suppression has no switch. Exit 2 with a message for an unknown audience, profile or field,
missing predictions a rule needs, or a target inside the workspace.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from cimlab.cli.common import (
    count_argument,
    date_argument,
    print_json,
    workspace_data,
    workspace_snapshot,
)
from cimlab.errors import CimlabError

__all__ = ["add_parser", "run"]

_LIST_OPS = ("in", "not_in", "contains", "contains_all", "not_contains", "between")


def _share(text: str) -> float:
    """``10%`` or ``0.1`` -> 0.1."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a share like 10% or 0.1") from None
    if not 0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"{text!r}: the control share is 0% to 50%")
    return value


def _common(cmd: argparse.ArgumentParser, *, as_of: bool = True) -> None:
    cmd.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    if as_of:
        cmd.add_argument(
            "--as-of",
            type=date_argument,
            metavar="DATE",
            help="scoring day (default: the day of the last order line)",
        )
    cmd.add_argument("--time-zone", default=None, metavar="ZONE", help=argparse.SUPPRESS)
    cmd.add_argument("--currency", default=None, metavar="CODE", help=argparse.SUPPRESS)
    cmd.add_argument("--json", action="store_true", help="print one JSON object")


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register ``audience``, ``export``, ``campaign`` and ``suppression``."""
    audience = sub.add_parser("audience", help="saved audiences and their members")
    actions = audience.add_subparsers(
        dest="action", required=True, parser_class=parser_class, metavar="ACTION"
    )
    cmd = actions.add_parser("list", help="saved and ready-made audiences")
    _common(cmd, as_of=False)
    cmd = actions.add_parser("fields", help="the fields rules can read")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd = actions.add_parser("show", help="an audience's rules and preview")
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument("--version", type=count_argument(1), default=None, metavar="N")
    _common(cmd)
    cmd = actions.add_parser("save", help="save an audience (a new version when it changed)")
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument("--file", metavar="FILE.yaml", help="the audience as YAML")
    cmd.add_argument(
        "--rule", action="append", default=[], metavar="'FIELD OP VALUE'", help="a rule"
    )
    cmd.add_argument("--match", choices=("all", "any"), default=None)
    cmd.add_argument("--title", default=None)
    cmd.add_argument("--include", metavar="FILE.csv", help="customer ids always in")
    cmd.add_argument("--exclude", metavar="FILE.csv", help="customer ids always out")
    _common(cmd, as_of=False)
    cmd = actions.add_parser("holidays", help="upcoming greeting dates (holiday:<code> lists)")
    cmd.add_argument("--days", type=count_argument(1), default=60, metavar="N")
    cmd.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="CODE=DATE[,DATE...]",
        help="the shop's own dates (replace the saved ones; --set '' clears them)",
    )
    _common(cmd)
    cmd = actions.add_parser(
        "refresh", help="compute the customer snapshot now (after imports: exports then read it)"
    )
    _common(cmd)
    cmd = actions.add_parser("members", help="an audience's customer ids (no contact data)")
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument("--out", metavar="FILE", help="write .csv, .parquet or .xlsx")
    _common(cmd)

    export = sub.add_parser("export", help="export an audience for a campaign tool (consent-safe)")
    export.add_argument("audience", metavar="AUDIENCE")
    export.add_argument("--profile", required=True, metavar="NAME", help="export profile")
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    export.add_argument("--control", type=_share, default=0.0, metavar="SHARE")
    export.add_argument("--seed", type=count_argument(0), default=None, metavar="N")
    export.add_argument("--channel", choices=("sms", "phone", "email", "wechat"), default=None)
    export.add_argument("--cap-days", type=count_argument(0), default=None, metavar="N")
    export.add_argument("--exclude", metavar="FILE.csv", help="this campaign's exclusion list")
    export.add_argument("--lang", choices=("en", "zh"), default="en")
    export.add_argument("--batch", type=count_argument(1), default=None, metavar="N")
    export.add_argument("--zip", action="store_true", help="zip the file (tencent)")
    export.add_argument(
        "--one-per-household", action="store_true", help="one message per home (households)"
    )
    _common(export)

    campaign = sub.add_parser("campaign", help="past exports and their uplift")
    actions = campaign.add_subparsers(
        dest="action", required=True, parser_class=parser_class, metavar="ACTION"
    )
    cmd = actions.add_parser("list", help="the export log")
    _common(cmd, as_of=False)
    cmd = actions.add_parser("uplift", help="treated vs control since an export")
    cmd.add_argument("export_id", type=count_argument(1), metavar="EXPORT_ID")
    cmd.add_argument("--end", type=date_argument, default=None, metavar="DATE")
    _common(cmd, as_of=False)

    suppression = sub.add_parser("suppression", help="the global suppression list")
    actions = suppression.add_subparsers(
        dest="action", required=True, parser_class=parser_class, metavar="ACTION"
    )
    cmd = actions.add_parser("add", help="add ids, phones or e-mails from a CSV")
    cmd.add_argument("file", metavar="FILE.csv")
    cmd.add_argument("--reason", default="")
    _common(cmd, as_of=False)
    for name, text in (("list", "show the list (masked)"), ("clear", "empty the list")):
        cmd = actions.add_parser(name, help=text)
        _common(cmd, as_of=False)


# ------------------------------------------------------------------------------------------------


def _workspace(args: argparse.Namespace) -> Any:
    from cimlab.workspace import Workspace

    return Workspace.open(args.workspace, create=False)


def _as_of(args: argparse.Namespace, snapshot: Any) -> dt.date:
    """``--as-of``, else the day of the data's last order line (business time zone)."""
    if getattr(args, "as_of", None):
        return args.as_of  # type: ignore[no-any-return]
    day = snapshot.last_day
    if day is None:
        raise CimlabError("the workspace has no orders; give --as-of DATE")
    return day  # type: ignore[no-any-return]


def _data(args: argparse.Namespace, snapshot: Any) -> Any:
    """The analysis data to hand over: None (the workspace's snapshot serves) unless
    ``--time-zone`` or ``--currency`` asks for other analysis data."""
    if getattr(args, "time_zone", None) is None and getattr(args, "currency", None) is None:
        return None
    return snapshot.data()


def parse_rule(text: str) -> Any:
    """``"FIELD OP VALUE"`` as a :class:`~cimlab.act.audiences.Rule` (values comma-separated).

    >>> parse_rule("segment in champions,loyal")
    Rule(field='segment', op='in', value=['champions', 'loyal'])
    >>> parse_rule("consent_sms is_null")
    Rule(field='consent_sms', op='is_null', value=None)
    """
    from cimlab.act.audiences import Rule

    parts = text.strip().split(None, 2)
    if len(parts) < 2:
        raise CimlabError(f"--rule {text!r}: write FIELD OP VALUE, e.g. 'segment = champions'")
    field, op = parts[0], parts[1]
    value: Any = parts[2].strip() if len(parts) == 3 else None
    if value is not None and op in _LIST_OPS:
        value = [v.strip() for v in value.split(",") if v.strip()]
    return Rule(field, op, value).checked()


def _audience_run(args: argparse.Namespace) -> int:
    from cimlab.act import audiences as au
    from cimlab.act.attributes import FIELDS

    if args.action == "fields":
        rows = [
            {"field": f.name, "kind": f.kind, "group": f.group, "label": f.label_en,
             "label_zh": f.label_zh, "values": list(f.values)}
            for f in FIELDS.values()
        ]  # fmt: skip
        if args.json:
            print_json({"fields": rows, "operators": au.OPERATORS})
        else:
            for row in rows:
                values = f" ({', '.join(row['values'])})" if row["values"] else ""
                print(f"{row['field']:<36} {row['kind']:<9} {row['label']}{values}")
        return 0
    if args.action == "list":
        listing = au.list_audiences(_workspace(args))
        if args.json:
            print_json({"workspace": args.workspace, "audiences": listing.to_dicts()})
        else:
            for row in listing.iter_rows(named=True):
                version = f"v{row['version']}" if row["kind"] == "saved" else "ready"
                print(f"{row['name']:<32} {version:<6} {row['rules']}")
        return 0
    if args.action == "save":
        ws = _workspace(args)
        if args.file:
            from pathlib import Path

            try:
                text = Path(args.file).read_text(encoding="utf-8")
            except OSError as exc:
                raise CimlabError(f"{args.file}: cannot read ({exc.strerror})") from None
            audience = au.Audience.from_yaml(text, name=args.name)
            if args.rule:
                raise CimlabError("give the rules in --file or with --rule, not both")
        else:
            audience = au.Audience(args.name, rules=tuple(parse_rule(r) for r in args.rule))
        changes: dict[str, Any] = {}
        if args.match:
            changes["match"] = args.match
        if args.title is not None:
            changes["title"] = args.title
        if args.include:
            changes["include"] = au.read_id_list(args.include)
        if args.exclude:
            changes["exclude"] = au.read_id_list(args.exclude)
        import dataclasses

        saved = au.save_audience(ws, dataclasses.replace(audience, **changes))
        if args.json:
            print_json(saved.to_dict())
        else:
            print(f"saved {saved.name!r} version {saved.version}")
        return 0
    if args.action == "holidays":
        return _holidays(args)
    ws, snapshot = workspace_snapshot(args, what="audience")
    as_of = _as_of(args, snapshot)
    data = _data(args, snapshot)
    if args.action == "refresh":
        return _refresh(args, snapshot, as_of)
    if args.action == "show":
        from cimlab.act.campaigns import preview_audience

        audience = au.load_audience(ws, args.name, version=args.version)
        preview = preview_audience(ws, audience, as_of=as_of, data=data)
        if args.json:
            print_json({"audience": audience.to_dict(), "preview": preview.to_dict()})
        else:
            print(audience.to_yaml().rstrip())
            print(f"# as of {as_of}: {preview.size:,} of {preview.customers:,} customers")
            if preview.expected_value is not None:
                print(f"# expected value (sum of CLV): {preview.expected_value:,.2f}")
            for channel, share in preview.reachable.items():
                print(f"# reachable by {channel}: {share:.1%}")
        return 0
    # members
    from cimlab import export
    from cimlab.act.attributes import customer_attributes

    audience = au.load_audience(ws, args.name)
    if args.out:
        export.check_target(args.out, protect=[args.workspace])
        export.table_format(args.out)
    attributes = customer_attributes(ws, as_of=as_of, fields=audience.fields, data=data)
    found = au.members(attributes, audience)
    if args.out:
        export.write_table(found, args.out, protect=[args.workspace])
    if args.json:
        payload: dict[str, Any] = {"audience": audience.name, "version": audience.version,
                                   "as_of": as_of.isoformat(), "members": found.height}  # fmt: skip
        if args.out:
            payload["out"] = args.out
        else:
            payload["customer_ids"] = found["customer_id"].to_list()
        print_json(payload)
    elif not args.out:
        for cid in found["customer_id"]:
            print(cid)
    else:
        print(f"{found.height:,} members written to {args.out}")
    return 0


def _refresh(args: argparse.Namespace, snapshot: Any, as_of: dt.date) -> int:
    """Every attribute group but the stored predictions and the clusters, and the contacts."""
    import time

    from cimlab.act.attributes import FIELDS

    started = time.perf_counter()
    fields = [n for n, f in FIELDS.items() if f.group not in {"value", "cluster", "customer"}]
    customers = snapshot.attributes(as_of=as_of, fields=fields).height
    snapshot.contacts()
    seconds = round(time.perf_counter() - started, 2)
    if args.json:
        print_json({"version": snapshot.version, "as_of": as_of.isoformat(),
                    "customers": customers, "seconds": seconds})  # fmt: skip
    else:
        print(f"snapshot {snapshot.version} as of {as_of}: {customers:,} customers ({seconds} s)")
    return 0


def _holidays(args: argparse.Namespace) -> int:
    from cimlab.act.holidays import set_shop_holidays, shop_holidays, upcoming_holidays

    ws = _workspace(args)
    if args.set:
        extra: dict[str, list[dt.date]] = {}
        for text in args.set:
            if not text.strip():
                continue
            code, _, days = text.partition("=")
            try:
                extra[code.strip()] = [dt.date.fromisoformat(d.strip()) for d in days.split(",")]
            except ValueError:
                raise CimlabError(
                    f"--set {text!r}: write CODE=YYYY-MM-DD[,YYYY-MM-DD...]"
                ) from None
        try:
            set_shop_holidays(ws, extra)
        except ValueError as exc:
            raise CimlabError(str(exc)) from None
    if args.as_of is None:
        from cimlab.act.snapshot import open_snapshot

        day = _as_of(args, open_snapshot(ws))
    else:
        day = args.as_of
    try:
        upcoming = upcoming_holidays(day, args.days, extra=shop_holidays(ws))
    except ValueError as exc:
        raise CimlabError(str(exc)) from None
    if args.json:
        print_json({"as_of": day.isoformat(), "holidays": upcoming.to_dicts()})
    else:
        for row in upcoming.iter_rows(named=True):
            print(f"{row['date']}  holiday:{row['code']:<22} {row['name_en']} / {row['name_zh']}")
    return 0


def _export_run(args: argparse.Namespace) -> int:
    from cimlab.act.campaigns import export_audience
    from cimlab.act.suppression import REASON_LABELS, read_contact_list

    ws, snapshot = workspace_snapshot(args, what="export")
    exclude = read_contact_list(args.exclude) if args.exclude else None
    options: dict[str, Any] = {}
    if args.batch is not None:
        options["batch"] = args.batch
    if args.zip:
        options["zipped"] = True
    result = export_audience(
        ws,
        args.audience,
        profile=args.profile,
        out=args.out,
        as_of=_as_of(args, snapshot),
        control=args.control,
        seed=args.seed,
        channel=args.channel,
        cap_days=args.cap_days,
        exclude=exclude,
        lang=args.lang,
        data=_data(args, snapshot),
        render_options=options,
        one_per_household=args.one_per_household,
    )
    if args.json:
        print_json(result.to_dict())
        return 0
    print(
        f"export {result.export_id}: {result.audience} (v{result.audience_version}) with "
        f"{result.profile}: {result.members:,} members, {result.suppressed_total:,} suppressed, "
        f"{result.control:,} in the control group, {result.exported:,} exported"
    )
    for reason, count in result.suppressed.items():
        if count:
            print(f"  suppressed, {REASON_LABELS[reason][0]}: {count:,}")
    for file in result.files:
        print(f"  {file['path']}  {file['rows']:,} rows  sha256 {file['sha256']}")
    return 0


def _campaign_run(args: argparse.Namespace) -> int:
    import json

    from cimlab.act.campaigns import campaign_log, campaign_uplift

    if args.action == "list":
        log = campaign_log(_workspace(args))
        if args.json:
            rows = log.to_dicts()
            for row in rows:
                row["suppressed_by_reason"] = json.loads(row["suppressed_by_reason"])
                row["files"] = json.loads(row["files"])
            print_json({"workspace": args.workspace, "exports": rows})
        else:
            for row in log.iter_rows(named=True):
                print(
                    f"{row['export_id']:>4}  {row['exported_at']:%Y-%m-%d %H:%M}  {row['audience']} "
                    f"(v{row['audience_version']})  {row['profile']}  exported {row['exported']:,}"
                    f"  control {row['control']:,}  suppressed {row['suppressed']:,}"
                )
        return 0
    ws, data = workspace_data(args, what="uplift readout")
    readout = campaign_uplift(ws, args.export_id, end=args.end, data=data)
    if args.json:
        print_json({"export_id": args.export_id, **readout.to_dict()})
    else:
        print(readout.summary())
    return 0


def _suppression_run(args: argparse.Namespace) -> int:
    from cimlab.act import suppression as sp
    from cimlab.privacy import mask_value

    ws = _workspace(args)
    if args.action == "add":
        entries = sp.read_contact_list(args.file)
        added = sp.add_to_suppression_list(ws, entries, reason=args.reason)
        if args.json:
            print_json({"read": entries.height, "added": added})
        else:
            print(f"{entries.height:,} entries read, {added:,} new on the suppression list")
        return 0
    if args.action == "clear":
        removed = sp.clear_suppression_list(ws)
        if args.json:
            print_json({"removed": removed})
        else:
            print(f"{removed:,} entries removed from the suppression list")
        return 0
    listing = sp.suppression_list(ws)
    rows = [
        {**row, "value": mask_value(row["kind"], row["value"]) if row["kind"] != "customer_id"
         else row["value"]}
        for row in listing.to_dicts()
    ]  # fmt: skip
    if args.json:
        print_json({"entries": rows})
    else:
        for row in rows:
            print(f"{row['kind']:<12} {row['value']:<24} {row['reason'] or ''}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run one command of this module; returns the exit code (errors raise CimlabError)."""
    if args.command == "audience":
        return _audience_run(args)
    if args.command == "export":
        return _export_run(args)
    if args.command == "campaign":
        return _campaign_run(args)
    if args.command == "suppression":
        return _suppression_run(args)
    print(f"cimlab: unknown command {args.command}", file=sys.stderr)
    return 2
