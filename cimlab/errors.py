"""The error hierarchy: every message says what went wrong, where, and what to do.

Messages never carry raw phone numbers or e-mail addresses; values that may be personal data are
masked with :func:`cimlab.privacy.mask_value` before they are quoted.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "AudienceError",
    "CimlabError",
    "DataFileError",
    "ExportError",
    "MappingError",
    "MissingRatesError",
    "NotEnoughDataError",
    "UnknownCurrencyError",
    "ValidationFailed",
    "WorkspaceBusy",
    "WorkspaceError",
]


class CimlabError(Exception):
    """Base class of every error cimlab raises on purpose."""


class DataFileError(CimlabError):
    """A file cannot be read at all (encoding, format, structure, emptiness).

    Parameters
    ----------
    message
        What is wrong and what to do.
    file
        File name the problem was found in.
    line
        1-based source line, when one line is to blame.

    Examples
    --------
    >>> str(DataFileError("no rows below the header", file="orders.csv", line=1))
    'orders.csv, line 1: no rows below the header'
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.reason = message
        where = file or ""
        if line is not None:
            where = f"{where}, line {line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)


class ExportError(CimlabError):
    """A file cannot be written (refused target, disk full, permission denied...); nothing was.

    Parameters
    ----------
    message
        What happened and what to do.
    path
        The file as the caller named it.

    Examples
    --------
    >>> str(ExportError("the disk is full; nothing was written", path="out/rfm.csv"))
    'out/rfm.csv: the disk is full; nothing was written'
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class MappingError(CimlabError):
    """Source columns cannot be mapped to the canonical table (missing, duplicate, empty headers).

    ``code`` names the kind of problem for callers that word it themselves (the app, in the
    user's language): ``"no_currency"`` (orders whose amounts carry no currency); None for the
    others.

    Examples
    --------
    >>> MappingError("a.csv: the amounts carry no currency", code="no_currency").code
    'no_currency'
    """

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        self.code = code


class MissingRatesError(CimlabError):
    """Order lines of a currency have no exchange rate into the reporting currency on their day.

    Money of two currencies is never added: an analysis in the reporting currency stops here
    instead of guessing (:mod:`cimlab.money`).

    Parameters
    ----------
    currencies
        The currencies lacking a rate on some day with orders, sorted.
    reporting
        The reporting currency the amounts were to be converted into.
    days
        Per currency: ``(first day, last day, number of days)`` with orders and no rate.
    first_rates
        Per currency: the first ``valid_from`` of its rates, or None when it has none.
    workspace
        The workspace folder, for the command in the message.
    rates_currency
        The currency the stored rates are written in, when it is not ``reporting``.
    present
        Every currency of the orders (``.present`` adds ``reporting`` and ``currencies``): the
        choices of ``--currency``.

    Examples
    --------
    >>> import datetime as dt
    >>> err = MissingRatesError(["BRL"], "CNY", days={"BRL": (dt.date(2024, 1, 1),
    ...     dt.date(2024, 1, 31), 20)}, first_rates={"BRL": dt.date(2024, 2, 1)}, workspace="ws")
    >>> print(err)  # doctest: +NORMALIZE_WHITESPACE
    no exchange rate into CNY for BRL (orders on 20 days from 2024-01-01 to 2024-01-31; its
    first rate is valid from 2024-02-01): amounts of two currencies are never added. Either
    add rates with `cimlab workspace rates FILE.csv --workspace ws` (a CSV with the header
    currency,rate,valid_from: 1 unit of the currency = rate CNY from that day on), or analyse
    one currency's orders only with `--currency X` (X one of BRL, CNY).
    """

    def __init__(
        self,
        currencies: Sequence[str],
        reporting: str,
        *,
        days: Mapping[str, tuple[dt.date, dt.date, int]] | None = None,
        first_rates: Mapping[str, dt.date | None] | None = None,
        workspace: str | os.PathLike[str] | None = None,
        rates_currency: str | None = None,
        present: Sequence[str] | None = None,
    ) -> None:
        self.currencies = tuple(sorted(currencies))
        self.reporting = reporting
        self.days = dict(days or {})
        self.first_rates = dict(first_rates or {})
        self.workspace = None if workspace is None else os.fspath(workspace)
        self.rates_currency = rates_currency
        self.present = tuple(sorted({*(present or ()), *self.currencies, reporting}))
        parts = []
        for code in self.currencies:
            detail = []
            if code in self.days:
                first, last, n = self.days[code]
                detail.append(
                    f"orders on {first}"
                    if n == 1
                    else f"orders on {n:,} days from {first} to {last}"
                )
            start = self.first_rates.get(code)
            detail.append(
                f"its first rate is valid from {start}" if start else "it has no rate at all"
            )
            parts.append(f"{code} ({'; '.join(detail)})")
        stale = (
            f"; the stored rates are written in {rates_currency}, not in {reporting}"
            if rates_currency and rates_currency != reporting
            else ""
        )
        where = self.workspace or "DIR"
        codes = ", ".join(self.present)
        super().__init__(
            f"no exchange rate into {reporting} for {', '.join(parts)}{stale}: amounts of two "
            f"currencies are never added. Either add rates with `cimlab workspace rates "
            f"FILE.csv --workspace {where}` (a CSV with the header currency,rate,valid_from: 1 "
            f"unit of the currency = rate {reporting} from that day on), or analyse one "
            f"currency's orders only with `--currency X` (X one of {codes})."
        )


class UnknownCurrencyError(CimlabError):
    """An analysis was asked for the orders of a currency that no order line has.

    Examples
    --------
    >>> print(UnknownCurrencyError("USD", ["CNY", "BRL"]))
    no order is in USD; the orders' currencies are BRL, CNY: choose one of them
    """

    def __init__(self, currency: str, present: Sequence[str]) -> None:
        self.currency = currency
        self.present = tuple(sorted(present))
        codes = (
            f"the orders' currencies are {', '.join(self.present)}: choose one of them"
            if self.present
            else "the workspace has no orders yet"
        )
        super().__init__(f"no order is in {currency}; {codes}")


class AudienceError(CimlabError):
    """An audience, its rules or an export of it cannot be used as given (unknown field or
    profile, a rule's value of the wrong kind, scores the rules need that are not stored).

    Examples
    --------
    >>> str(AudienceError("unknown field 'segmnet'"))
    "unknown field 'segmnet'"
    """


class NotEnoughDataError(CimlabError):
    """Too little data for a model to be trusted (too few repeat buyers, too short a history).

    Examples
    --------
    >>> str(NotEnoughDataError("only 3 customers bought more than once"))
    'only 3 customers bought more than once'
    """


class ValidationFailed(CimlabError):
    """Raised when a caller asked for all-or-nothing validation and some rows failed.

    ``failures`` holds one row per problem: ``line, column, value, reason, reason_zh``.
    """

    def __init__(self, message: str, failures: pl.DataFrame) -> None:
        self.failures = failures
        super().__init__(message)


class WorkspaceError(CimlabError):
    """The workspace cannot do what was asked (not found, unknown batch, bad backup)."""


class WorkspaceBusy(WorkspaceError):
    """Another process is writing to the workspace; try again when it has finished."""
