"""``cimlab customers ...``: identity resolution and the customer 360 from the command line.

Commands (all take ``--workspace DIR``; ``--json`` prints one JSON object on stdout)::

    cimlab customers resolve [--fuzzy]          link source records into customers (stable ids)
    cimlab customers show ID [--currency CODE]  the 360 view: identities, why linked, metrics...
    cimlab customers search TEXT [--limit N]    by name, phone, e-mail or source id (masked output)
    cimlab customers merge A B                  manual merge (kept across re-runs)
    cimlab customers split ID [--record CHANNEL:SOURCE_ID ...]   manual split (kept across re-runs)
    cimlab customers links --out FILE           one row per source record: its customer and reason
                                                (.csv, .xlsx or .parquet; spreadsheet formulas escaped)

``show`` gives money totals in the workspace's reporting currency (each order line converted
at the rate valid on its day; without a rate it says which currency lacks one) and the totals
in each currency the orders were paid in; ``--currency CODE`` gives that currency's totals only.
Its JSON ``metrics`` carry ``currency``, ``missing_rates``, ``spend_by_currency`` and
``placeholder_lines``.

Exit codes as for every cimlab command: 0 done, 2 a user error (one line on stderr). Contact data
is always masked here; revealing it is an audited action of the app.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cimlab import export
from cimlab.audit import acting_user
from cimlab.errors import CimlabError, WorkspaceError
from cimlab.privacy import scrub_text

__all__ = ["add_parser", "run"]


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register the ``customers`` command group on the top-level subparsers ``sub``."""
    customers = sub.add_parser(
        "customers",
        help="resolve identities and look customers up",
        description="Identity resolution (one customer per person) and the customer 360.",
    )
    actions = customers.add_subparsers(
        dest="action", required=True, parser_class=parser_class, metavar="ACTION"
    )

    def common(cmd: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
        cmd.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
        if json_flag:
            cmd.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    resolve = actions.add_parser("resolve", help="link source records into customers")
    resolve.add_argument(
        "--fuzzy", action="store_true", help="also propose links from similar names (reviewed)"
    )
    common(resolve)
    show = actions.add_parser("show", help="the 360 view of one customer")
    show.add_argument("customer_id", metavar="ID")
    show.add_argument(
        "--currency",
        metavar="CODE",
        help="money totals of this currency's orders only, unconverted (default: every order, "
        "converted into the reporting currency)",
    )
    common(show)
    search = actions.add_parser("search", help="find customers by name, phone, e-mail or id")
    search.add_argument("text", metavar="TEXT")
    search.add_argument("--limit", type=int, default=20, metavar="N", help="at most N results")
    common(search)
    merge = actions.add_parser("merge", help="merge two customers by hand")
    merge.add_argument("customer_a", metavar="A")
    merge.add_argument("customer_b", metavar="B")
    common(merge)
    split = actions.add_parser("split", help="split a customer by hand")
    split.add_argument("customer_id", metavar="ID")
    split.add_argument(
        "--record",
        action="append",
        metavar="CHANNEL:SOURCE_ID",
        help="a record to split off (repeatable; default: every record on its own)",
    )
    common(split)
    links = actions.add_parser("links", help="write one row per source record with its customer")
    links.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="write .csv, .parquet or .xlsx (not inside the workspace)",
    )
    common(links, json_flag=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str))


def _records(values: list[str] | None) -> list[tuple[str, str]] | None:
    if not values:
        return None
    out = []
    for value in values:
        channel, sep, source = value.partition(":")
        if not sep or not channel or not source:
            raise WorkspaceError(
                f"--record {value!r}: write it as CHANNEL:SOURCE_ID, e.g. tmall:tb_lin88"
            )
        out.append((channel, source))
    return out


def _masked_frame(frame: pl.DataFrame) -> pl.DataFrame:
    from cimlab.privacy import mask_email_expr, mask_name_expr, mask_phone_expr

    maskers = {"phone": mask_phone_expr, "email": mask_email_expr, "name": mask_name_expr}
    return frame.with_columns(
        maskers[c](pl.col(c).cast(pl.String)).alias(c) for c in frame.columns if c in maskers
    )


def run(args: argparse.Namespace) -> int:
    """Run one ``customers`` action; returns the exit code (errors raise ``CimlabError``)."""
    from cimlab import identity, profile
    from cimlab.audit import record_event
    from cimlab.workspace import Workspace

    ws = Workspace.open(args.workspace, create=False)
    if args.action == "resolve":
        when = _now()
        result = identity.resolve(ws, at=when, fuzzy=args.fuzzy)
        record_event(ws, "resolve", user=acting_user(), at=when, n=result.customers)
        summary = result.summary()
        if args.json:
            _json(summary)
        else:
            rules = ", ".join(f"{k} {v:,}" for k, v in sorted(result.links_by_rule.items()))
            print(
                f"{result.records:,} source records → {result.customers:,} customers "
                f"(links: {rules or 'none'}; ids kept {result.ids_kept:,}, new {result.ids_new:,}, "
                f"retired {result.ids_retired:,})"
            )
            if result.blocked_keys:
                print(f"  {result.blocked_keys:,} shared keys not used (over-merge guard)")
            if result.review_proposals:
                print(f"  {result.review_proposals:,} possible matches wait for review in the app")
            if result.households:
                print(f"  {result.households:,} households (one phone or e-mail, two people)")
        return 0
    if args.action == "show":
        return _show(ws, args.customer_id, as_json=args.json, currency=args.currency)
    if args.action == "search":
        found = profile.search(ws, args.text, limit=args.limit)
        if args.json:
            _json({"query": scrub_text(args.text), "results": found.to_dicts()})
        elif found.is_empty():
            print(f"no customer matches {scrub_text(args.text)!r}")
        else:
            with pl.Config(tbl_rows=args.limit, tbl_width_chars=160, fmt_str_lengths=40):
                print(found)
        return 0
    if args.action in {"merge", "split"}:
        if args.action == "merge":
            done = identity.merge(
                ws, args.customer_a, args.customer_b, at=_now(), user=acting_user()
            )
        else:
            done = identity.split(
                ws, args.customer_id, _records(args.record), at=_now(), user=acting_user()
            )
        if args.json:
            _json({"customer_ids": list(done.customer_ids), **done.resolution.summary()})
        else:
            print(f"{args.action} done: customers now {', '.join(done.customer_ids)}")
        return 0
    if args.action == "links":
        # a wrong place or name fails before any work
        export.check_target(args.out, protect=[ws.path])
        export.table_format(args.out)
        frame = identity.links_export(ws)
        export.write_table(frame, args.out, protect=[ws.path])
        print(f"{frame.height:,} source-record rows written to {args.out}")
        return 0
    raise CimlabError(f"unknown customers action {args.action!r}")


def _money_text(m: dict[str, Any], ws: Any) -> str:
    """The money part of ``customers show``: the total in the reporting currency (or why
    there is none) and the totals in the original currencies when there are several."""
    per = m.get("spend_by_currency") or []
    originals = ", ".join(f"{p['currency']} {p['net_spend']:,.2f}" for p in per)
    code = m.get("currency") or ""
    if m.get("missing_rates"):
        return (
            f"net spend by currency {originals} (no total in {code}: no rate for "
            f"{', '.join(m['missing_rates'])}; add rates with `cimlab workspace rates FILE.csv "
            f"--workspace {ws.path}`)"
        )
    total = f"net spend {m.get('net_spend') or 0:,.2f} {code}".rstrip()
    if len(per) > 1 or (len(per) == 1 and per[0]["currency"] != code):
        total += f" (converted; as ordered: {originals})"
    return total


def _show(ws: Any, customer_id: str, *, as_json: bool, currency: str | None = None) -> int:
    from cimlab import identity, profile
    from cimlab.settings import business_time_zone

    try:
        view = profile.customer_profile(ws, customer_id, currency=currency)
    except ValueError as exc:  # --currency is not a code
        raise CimlabError(str(exc).replace("currency=", "--currency ", 1)) from None
    why = identity.explain(ws, customer_id)
    golden = _masked_frame(pl.DataFrame([view.golden])).to_dicts()[0] if view.golden else {}
    if as_json:
        _json(
            {
                "customer_id": view.customer_id,
                "golden": golden,
                "identities": view.identities.to_dicts(),
                "why": why.to_dicts(),
                "household": view.household.to_dicts(),
                "metrics": view.metrics,
                "tags": view.tags.to_dicts(),
                "consent": view.consent.to_dicts(),
                "orders": view.orders.height,
                "interactions": view.interactions.height,
                "feedback": view.feedback.height,
            }
        )
        return 0
    print(f"customer {view.customer_id}")
    for key in ("name", "phone", "email", "city", "customer_type"):
        if golden.get(key) is not None:
            print(f"  {key}: {golden[key]}")
    m = view.metrics
    zone = business_time_zone(ws)

    def local(value: object) -> str:  # a UTC time as the business reads it
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
        return "-" if value is None else str(value)

    print(
        f"  orders {m.get('orders', 0):,}, {_money_text(m, ws)}, first "
        f"{local(m.get('first_purchase'))}, last {local(m.get('last_purchase'))} ({zone})"
    )
    if m.get("placeholder_lines"):
        print(
            f"  note: the amounts of {m['placeholder_lines']:,} of their order lines are "
            "placeholders (mapping option amount_is_placeholder), not money"
        )
    print("  identities:")
    for row in view.identities.iter_rows(named=True):
        print(f"    {row['channel']}:{row['source_customer_id']} ({row['rule']})")
    if why.height:
        print("  why linked:")
        text = "reason" if "reason" in why.columns else why.columns[-1]
        for line in why[text].to_list():
            print(f"    {line}")
    for line in view.household_lines():
        print(f"  {line}")
    return 0
