"""``cimlab workspace rates``: the exchange rates that convert orders into the reporting currency.

::

    cimlab workspace rates FILE.csv --workspace DIR [--json]   load FILE, replacing every rate
    cimlab workspace rates --workspace DIR [--show] [--json]   print the rates in force
    cimlab workspace rates --clear --workspace DIR [--json]    remove every rate

FILE is a CSV with the header ``currency,rate,valid_from``: one unit of ``currency`` is worth
``rate`` units of the reporting currency from the day ``valid_from`` on (:mod:`cimlab.money`).
It is checked in full before anything is written (every bad cell named by line, column and
value; exit 2); the reporting currency itself needs no rate and a line for it is refused. Loading
rates while the reporting currency is automatic sets it (the rates are written in it). After a
load the orders are checked against the rates: a currency whose orders have days without a rate
is named on stderr (analyses in the reporting currency would stop there).

``--json`` prints one object: ``workspace``, ``reporting_currency`` (``code``, ``source``),
``rates_currency`` (the currency the rates are written in), ``rates`` (``currency, rate,
valid_from`` rows), ``loaded`` (rates stored by this run; null when showing), ``missing_rates``
(``{currency: {first_day, last_day, days}}`` of orders without a rate; ``{}`` when none).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from cimlab.cli.common import print_json
from cimlab.errors import DataFileError, MissingRatesError, WorkspaceError

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = ["SOURCES", "add_action", "run"]

SOURCES = {
    "setting": "set for this workspace",
    "orders": "the currency of most order value; set one with `workspace settings "
    "--reporting-currency CODE`",
    "none": "no orders yet; set one with `workspace settings --reporting-currency CODE`",
}
"""How ``workspace settings`` and ``rates`` explain where the reporting currency comes from."""


def add_action(ws_sub: Any) -> None:
    """Register ``rates`` on the ``workspace`` command's subparsers ``ws_sub``."""
    cmd = ws_sub.add_parser(
        "rates",
        help="load, show or clear the exchange rates into the reporting currency",
        description="Load a CSV of exchange rates (header currency,rate,valid_from: one unit of "
        "currency = rate units of the reporting currency from valid_from on), replacing the "
        "stored rates; without FILE, show the rates in force; --clear removes them. Orders in "
        "another currency than the reporting one are converted at the rate valid on their day.",
    )
    cmd.add_argument("file", nargs="?", metavar="FILE.csv", help="rates CSV to load")
    cmd.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
    cmd.add_argument("--show", action="store_true", help="print the rates in force (default)")
    cmd.add_argument("--clear", action="store_true", help="remove every stored rate")
    cmd.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _missing(ws: Workspace) -> MissingRatesError | None:
    """Whether the orders of ``ws`` would lack a rate in an analysis (None when they would not)."""
    from cimlab.money import in_reporting_currency, placeholder_batches
    from cimlab.settings import business_time_zone

    orders = ws.query("SELECT order_ts, amount, currency, status, batch_id FROM orders")
    if orders.width == 0 or orders.is_empty():
        return None
    try:
        in_reporting_currency(
            ws, orders, time_zone=business_time_zone(ws), placeholders=placeholder_batches(ws)
        )
    except MissingRatesError as exc:
        return exc
    return None


def run(args: argparse.Namespace) -> int:
    """Load, show or clear the rates of ``args.workspace``; returns the exit code."""
    import polars as pl

    from cimlab import money
    from cimlab.workspace import Workspace

    if args.file and (args.clear or args.show):
        raise WorkspaceError("give FILE.csv to load rates, or --show, or --clear, not two of them")
    ws = Workspace.open(args.workspace, create=False)
    loaded: int | None = None
    if args.file:
        choice = money.reporting_currency(ws)
        if choice.code is None:
            raise WorkspaceError(
                f"{ws.path} has no reporting currency yet (no orders, no setting), so the rates "
                "cannot say what they convert into; set it first with `cimlab workspace "
                f"settings --reporting-currency CODE --workspace {ws.path}`"
            )
        table = money.read_rates_csv(args.file, reporting=choice.code)
        try:
            loaded = money.set_rates(ws, table)
        except ValueError as exc:  # read_rates_csv checked every cell; kept for safety
            raise DataFileError(str(exc), file=str(args.file)) from None
    elif args.clear:
        loaded = money.set_rates(ws, pl.DataFrame(schema=money.RATES_SCHEMA))
    choice = money.reporting_currency(ws)
    table = money.rates(ws)
    stored_in = money.rates_currency(ws)
    missing = _missing(ws)
    if args.json:
        print_json(
            {
                "workspace": str(ws.path),
                "reporting_currency": {"code": choice.code, "source": choice.source},
                "rates_currency": stored_in,
                "rates": table.to_dicts(),
                "loaded": loaded,
                "missing_rates": {
                    code: {"first_day": first, "last_day": last, "days": n}
                    for code, (first, last, n) in (missing.days if missing else {}).items()
                },
            }
        )
    else:
        _print(ws, choice, table, stored_in, loaded=loaded, cleared=bool(args.clear))
    if missing is not None:
        print(f"cimlab: note: {missing}", file=sys.stderr)
    return 0


def _print(
    ws: Workspace,
    choice: Any,
    table: Any,
    stored_in: str | None,
    *,
    loaded: int | None,
    cleared: bool,
) -> None:
    code = choice.code or "none"
    print(f"reporting currency: {code} ({SOURCES[choice.source]})")
    if cleared:
        print(f"every rate of {ws.path} removed")
    elif loaded is not None:
        currencies = ", ".join(table["currency"].unique(maintain_order=True).to_list())
        print(f"{loaded:,} rates loaded into {ws.path} ({currencies}, into {stored_in})")
    if table.is_empty():
        if not cleared:
            print(
                "no rates: orders in another currency cannot be converted; load some with "
                f"`cimlab workspace rates FILE.csv --workspace {ws.path}`"
            )
        return
    if stored_in and stored_in != choice.code:
        print(
            f"note: these rates are written in {stored_in}, not in the reporting currency "
            f"{code}: they do not apply until rates in {code} are loaded (or {stored_in} is "
            "the reporting currency again)"
        )
    print(f"{'currency':<9}{'rate':>16}  valid_from  (1 unit = rate {stored_in})")
    for currency, rate, day in table.iter_rows():
        print(f"{currency:<9}{rate:>16.10g}  {day}")
