"""``cimlab predict ...``: customer lifetime value, churn risk and forecasts from the command line.

::

    cimlab predict evaluate --workspace DIR --calibration-end DATE --holdout-end DATE
                            [--time-unit day|week|month] [--models bgnbd,pareto,...] [--json]
    cimlab predict clv      --workspace DIR --as-of DATE [--horizon N] [--model auto|CODE]
                            [--time-unit ...] [--discount-rate X] [--interval X] [--refit]
                            [--out FILE] [--json]
    cimlab predict churn    --workspace DIR --as-of DATE [--horizon DAYS] [--refit]
                            [--out FILE] [--json]
    cimlab predict forecast --workspace DIR --as-of DATE [--horizon N] [--model auto|CODE]
                            [--time-unit ...] [--refit] [--out FILE] [--json]

Every action also takes ``--time-zone ZONE`` and ``--currency CODE`` as ``cimlab analyse`` does.
Model codes: ``bgnbd`` (BG/NBD), ``pareto`` (Pareto/NBD), ``mbgnbd`` (MBG/NBD) and ``mbgcnbd``
(MBG/CNBD-k, regular buyers); ``auto`` fits them all on a holdout inside the history and keeps
the one with the lowest holdout MAE. ``--horizon`` counts time units for ``clv`` and
``forecast`` (default 52 weeks) and **days** for ``churn`` (default 90: "churned" = no purchase
in the next 90 days).

Results are stored in the workspace (:mod:`cimlab.predict.store`): running the same prediction
on the same data again reads it back instead of refitting (``--refit`` fits anew), and the app's
Value & risk page shows it.

JSON (``--json``; one object on stdout; keys stable, new keys may be added):

- ``evaluate``: ``{"models": [{"model", "params", "log_likelihood", "converged", "holdout_actual",
  "holdout_predicted", "error_pct", "mae", "rmse", "correlation"}], "chosen", "explanation",
  "customers", "new_in_holdout", "calibration_end", "holdout_end", "time_unit"}``; params are keyed
  ``r, alpha, a, b`` (BG/NBD, MBG/NBD), ``r, alpha, s, beta`` (Pareto/NBD), ``k, r, alpha, a, b``
  (MBG/CNBD-k).
- ``clv``: the fitted ``model``, ``params``, ``log_likelihood``, ``spend_model``, settings,
  ``models`` and ``chosen`` as in evaluate (when ``auto``), and ``customers`` (the rows; with
  ``--out``, ``out`` and ``rows`` instead).
- ``churn``: ``horizon_days``, ``training_window``, ``evaluation``, ``bands``, ``customers``.
- ``forecast``: ``model``, ``params``, ``forecast`` (the rows).

Output never holds names, phones or e-mails: customer ids and figures only (``source_ids`` added
as in ``cimlab analyse``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import polars as pl

from cimlab import export
from cimlab.cli.common import count_argument, date_argument, print_json, workspace_data
from cimlab.errors import CimlabError

__all__ = ["ACTIONS", "MODEL_CODES", "add_parser", "run"]

ACTIONS: dict[str, str] = {
    "evaluate": "fit the purchase models on a calibration period and compare them on a holdout",
    "clv": "customer lifetime value, P(alive), expected purchases and next purchase per customer",
    "churn": "churn risk per customer: probability, risk band and reasons",
    "forecast": "expected repeat purchases and revenue of the existing customers per period",
}
"""Action name → one-line description (the ``--help`` text)."""

MODEL_CODES = ("bgnbd", "pareto", "mbgnbd", "mbgcnbd")
"""Purchase model codes the CLI accepts (``auto`` chooses among them)."""

_UNITS = ("day", "week", "month")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number between 0 and 1, like 0.9")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < 10.0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a yearly rate like 0.1 (10 %)")
    return value


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register the ``predict`` command group on the top-level subparsers ``sub``."""
    predict = sub.add_parser(
        "predict",
        help="CLV, churn risk and forecasts (fitted, validated out of time, stored)",
        description="Predictions of a workspace: CLV, churn risk, forecasts, model evaluation.",
    )
    actions = predict.add_subparsers(
        dest="action", required=True, parser_class=parser_class, metavar="ACTION"
    )
    for name, text in ACTIONS.items():
        cmd = actions.add_parser(name, help=text, description=text)
        cmd.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
        if name == "evaluate":
            cmd.add_argument(
                "--calibration-end",
                required=True,
                type=date_argument,
                metavar="DATE",
                help="last day of the calibration period",
            )
            cmd.add_argument(
                "--holdout-end",
                required=True,
                type=date_argument,
                metavar="DATE",
                help="last day of the holdout period",
            )
            cmd.add_argument(
                "--models",
                default=None,
                metavar="CODES",
                help=f"comma-separated model codes from {','.join(MODEL_CODES)} (default: all)",
            )
        else:
            cmd.add_argument(
                "--as-of",
                required=True,
                type=date_argument,
                metavar="DATE",
                help="prediction date, YYYY-MM-DD (nothing later is read)",
            )
            default = 90 if name == "churn" else 52
            unit = "days" if name == "churn" else "time units"
            cmd.add_argument(
                "--horizon",
                type=count_argument(1),
                default=default,
                metavar="N",
                help=f"how far ahead, in {unit} (default {default})",
            )
            cmd.add_argument(
                "--refit", action="store_true", help="fit again even when a stored result exists"
            )
            cmd.add_argument(
                "--out",
                metavar="FILE",
                help="write .csv, .parquet or .xlsx (not inside the workspace)",
            )
        if name != "churn":
            cmd.add_argument(
                "--time-unit",
                choices=_UNITS,
                default="week",
                help="unit of recency, T and the horizon: day, week (7 days), month (30.4375 days)",
            )
        if name in {"clv", "forecast"}:
            cmd.add_argument(
                "--model",
                choices=("auto", *MODEL_CODES),
                default="auto",
                help="purchase model (auto: the lowest holdout error)",
            )
        if name == "clv":
            cmd.add_argument(
                "--discount-rate",
                type=_rate,
                default=0.10,
                metavar="X",
                help="yearly discount rate of future spend (default 0.10)",
            )
            cmd.add_argument(
                "--interval",
                type=_share,
                default=0.90,
                metavar="X",
                help="coverage of the CLV interval clv_low..clv_high (default 0.90)",
            )
        cmd.add_argument(
            "--time-zone",
            metavar="ZONE",
            help="count days in this IANA zone (default: the workspace setting)",
        )
        cmd.add_argument(
            "--currency",
            metavar="CODE",
            help="only the orders in this currency, unconverted (default: all, converted)",
        )
        cmd.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _data(args: argparse.Namespace) -> Any:
    """The workspace and its analysis data (the ``cimlab analyse`` rules and notes)."""
    from cimlab.analytics.facts import money_note

    ws, data = workspace_data(args, what="prediction")
    note = money_note(data)
    if note:
        print(f"cimlab: note: {note}", file=sys.stderr)
    return ws, data


def _models(text: str) -> list[str]:
    codes = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in codes if c not in MODEL_CODES]
    if unknown or not codes:
        raise CimlabError(
            f"--models {text!r}: unknown model {', '.join(unknown) or '(none given)'}; "
            f"give codes from {', '.join(MODEL_CODES)}"
        )
    return list(dict.fromkeys(codes))


def _evaluate(args: argparse.Namespace) -> int:
    from cimlab.predict.holdout import compare_models

    if args.calibration_end >= args.holdout_end:
        raise CimlabError(
            f"--calibration-end {args.calibration_end} must be before --holdout-end "
            f"{args.holdout_end}"
        )
    _, data = _data(args)
    comparison = compare_models(
        data.orders,
        calibration_end=args.calibration_end,
        holdout_end=args.holdout_end,
        time_unit=args.time_unit,
        time_zone=data.time_zone,
        models=None if args.models is None else _models(args.models),
    )
    if comparison.choice is None:
        reasons = "; ".join(f"{code}: {why}" for code, why in comparison.failures.items())
        raise CimlabError(f"predict evaluate: no model could be fitted and validated ({reasons})")
    rows = comparison.rows()
    result = {
        "models": rows,
        "chosen": comparison.choice.model if comparison.choice else None,
        "explanation": comparison.choice.explanation if comparison.choice else None,
        "customers": comparison.split.summary.height,
        "new_in_holdout": comparison.split.new_in_holdout.height,
        "calibration_end": args.calibration_end.isoformat(),
        "holdout_end": args.holdout_end.isoformat(),
        "time_unit": args.time_unit,
        "failed": comparison.failures,
    }
    if args.json:
        print_json(result)
        return 0
    print(comparison.split.report())
    table = pl.DataFrame(
        [{k: r[k] for k in ("model", "holdout_actual", "holdout_predicted", "mae")} for r in rows]
    )
    with pl.Config(tbl_rows=10, tbl_width_chars=160):
        print(table)
    for row in rows:
        params = ", ".join(f"{k}={v:.4g}" for k, v in row["params"].items() if v is not None)
        print(f"{row['model']}: {params}; log-likelihood {row['log_likelihood']:,.2f}")
    for code, reason in comparison.failures.items():
        print(f"{code}: not fitted ({reason})")
    if comparison.choice is not None:
        print(f"chosen: {comparison.choice.explanation}")
    return 0


def _write_or_print(
    frame: pl.DataFrame, args: argparse.Namespace, head: dict[str, Any], text: str
) -> int:
    if args.out:
        target = export.write_table(frame, args.out, protect=[args.workspace])
        if args.json:
            print_json({**head, "out": str(target), "rows": frame.height})
        else:
            print(text)
            print(f"{frame.height:,} rows written to {target}")
        return 0
    if args.json:
        print_json(
            {**head, "customers" if "customer_id" in frame.columns else "rows": frame.to_dicts()}
        )
        return 0
    print(text)
    with pl.Config(tbl_rows=25, tbl_cols=12, tbl_width_chars=180, fmt_str_lengths=60):
        print(frame.head(25))
    if frame.height > 25:
        print(f"... {frame.height:,} rows in all; write them with --out FILE.csv")
    return 0


def _ids_last(frame: pl.DataFrame) -> pl.DataFrame:
    """The contract columns first: ``source_ids`` (the analyst's own ids) goes last."""
    return frame.select(pl.exclude("source_ids"), "source_ids")


def _progress(args: argparse.Namespace) -> Any:
    if args.json or not sys.stderr.isatty():
        return None

    def show(step: str, share: float) -> None:
        print(f"\rcimlab: {share:4.0%} {step[:60]:<60}", end="", file=sys.stderr, flush=True)

    return show


def _clv(args: argparse.Namespace, *, forecast: bool = False) -> int:
    from cimlab import money
    from cimlab.customers.source_ids import with_source_ids
    from cimlab.predict.runs import workspace_clv

    ws, data = _data(args)
    stored = workspace_clv(
        args.workspace,
        data,
        as_of=args.as_of,
        horizon=args.horizon,
        time_unit=args.time_unit,
        model=args.model,
        discount_rate=getattr(args, "discount_rate", 0.10),
        interval=getattr(args, "interval", 0.90),
        refit=args.refit,
        progress=_progress(args),
    )
    if _progress(args) is not None:
        print(file=sys.stderr)
    report = {k: v for k, v in stored.report.items() if k != "text"}
    if forecast:
        frame = stored.frames["forecast"]
        frame = money.label_money(
            frame,
            currency=data.currency,
            money=["expected_revenue", "cumulative_revenue"],
            withhold=data.money_withheld,
        )
        head = {k: report[k] for k in ("model", "params", "as_of", "horizon", "time_unit")}
        return _write_or_print(frame, args, head, stored.report["text"])
    frame = _ids_last(with_source_ids(stored.customers, ws))
    frame = money.label_money(
        frame,
        currency=data.currency,
        money=["expected_spend", "clv", "clv_low", "clv_high", "monetary_value"],
        withhold=data.money_withheld,
    )
    return _write_or_print(frame, args, report, stored.report["text"])


def _churn(args: argparse.Namespace) -> int:
    from cimlab.customers.source_ids import with_source_ids
    from cimlab.customers.tags import tag_history
    from cimlab.predict.runs import workspace_churn

    ws, data = _data(args)
    stored = workspace_churn(
        args.workspace,
        data,
        as_of=args.as_of,
        horizon_days=args.horizon,
        tags=tag_history(ws),
        refit=args.refit,
        progress=_progress(args),
    )
    if _progress(args) is not None:
        print(file=sys.stderr)
    report = {k: v for k, v in stored.report.items() if k != "text"}
    frame = _ids_last(with_source_ids(stored.customers, ws))
    return _write_or_print(frame, args, report, stored.report["text"])


def run(args: argparse.Namespace) -> int:
    """Run one ``predict`` action; returns the exit code (errors raise ``CimlabError``)."""
    from cimlab.errors import NotEnoughDataError

    if getattr(args, "out", None):  # a wrong name or place fails before the fit
        export.check_target(args.out, protect=[args.workspace])
        export.table_format(args.out)
    try:
        if args.action == "evaluate":
            return _evaluate(args)
        if args.action == "churn":
            return _churn(args)
        return _clv(args, forecast=args.action == "forecast")
    except NotEnoughDataError as exc:
        raise CimlabError(f"predict {args.action}: {exc}") from None
    except ValueError as exc:  # an option the data cannot satisfy
        raise CimlabError(f"predict {args.action}: {exc}") from None
