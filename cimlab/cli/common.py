"""What every ``cimlab`` command shares: the argument parser class, one-line messages, JSON out.

Light on purpose (standard library only at import time): ``cimlab --help`` imports it.

Examples
--------
>>> one_line("a\\n  b")
'a b'
>>> safe_message(ValueError("call 13800138000"))
'call 138****8000'
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "DEBUG_ENV",
    "Parser",
    "count_argument",
    "date_argument",
    "debug",
    "one_line",
    "print_json",
    "safe_message",
    "scrub",
    "workspace_data",
]

DEBUG_ENV = "CIMLAB_DEBUG"
"""Set it (to anything but ``0``) to see the traceback of an unexpected error."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one ``cimlab: error: ...`` line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"cimlab: error: {one_line(message)} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def date_argument(text: str) -> dt.date:
    """An argparse ``type`` for a ``YYYY-MM-DD`` date.

    >>> date_argument("2026-06-30")
    datetime.date(2026, 6, 30)
    """
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-06-30") from None


def count_argument(least: int) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number of at least ``least``.

    >>> count_argument(1)("3")
    3
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least {least}")
        return value

    return parse


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines too) turned into one space."""
    return " ".join(str(text).split())


def scrub(text: str, *, digits: bool = False) -> str:
    """:func:`cimlab.privacy.scrub_text`, imported when a message needs it."""
    from cimlab.privacy import scrub_text

    return scrub_text(text, digits=digits)


def safe_message(exc: BaseException) -> str:
    """The message of ``exc`` on one line, contact details masked (never raw PII on stderr)."""
    return one_line(scrub(str(exc)))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def print_json(value: Any) -> None:
    """Print ``value`` as one line of JSON (UTF-8 text; dates in ISO 8601)."""
    print(json.dumps(value, ensure_ascii=False, default=_json_default))


def workspace_data(args: argparse.Namespace, *, what: str = "analysis") -> tuple[Any, Any]:
    """The workspace ``args.workspace`` and its analysis data
    (:func:`cimlab.analytics.facts.customer_data` with ``--time-zone`` and ``--currency``),
    saying on stderr when records were imported or removed after the last identity resolution
    (they are not in ``what``). A bad zone or currency is a :class:`~cimlab.errors.CimlabError`
    naming the option."""
    from cimlab.analytics.facts import customer_data
    from cimlab.workspace import Workspace

    ws = Workspace.open(args.workspace, create=False)
    data = _options_checked(
        lambda: customer_data(ws, time_zone=args.time_zone, currency=args.currency)
    )
    _warn_records(args, what, data.unlinked_records, data.removed_records)
    return ws, data


def workspace_snapshot(args: argparse.Namespace, *, what: str = "analysis") -> tuple[Any, Any]:
    """The workspace ``args.workspace`` and its :class:`~cimlab.act.snapshot.Snapshot` for
    ``--time-zone`` and ``--currency``, with :func:`workspace_data`'s warnings and errors; the
    analysis data is read only when the snapshot lacks what is asked of it."""
    from cimlab.act.snapshot import open_snapshot
    from cimlab.workspace import Workspace

    ws = Workspace.open(args.workspace, create=False)
    snapshot = open_snapshot(ws, time_zone=args.time_zone, currency=args.currency)
    facts = _options_checked(snapshot.facts)
    _warn_records(args, what, facts["unlinked_records"], facts["removed_records"])
    return ws, snapshot


def _warn_records(args: argparse.Namespace, what: str, unlinked: int, removed: int) -> None:
    if unlinked:
        print(
            f"cimlab: {unlinked:,} customer records were imported after the last "
            f"identity resolution and are not in this {what}; run `cimlab customers resolve "
            f"--workspace {args.workspace}` to include them",
            file=sys.stderr,
        )
    if removed:
        print(
            f"cimlab: {removed:,} customer records were removed by an undone import "
            "after the last identity resolution; links made through them still stand: run "
            f"`cimlab customers resolve --workspace {args.workspace}` to bring customers up to date",
            file=sys.stderr,
        )


def _options_checked(read: Any) -> Any:
    """``read()``, a bad ``--time-zone`` or ``--currency`` a CimlabError naming the option."""
    from cimlab.errors import CimlabError

    try:
        return read()
    except ValueError as exc:  # --time-zone is not a zone, --currency not a code
        message = str(exc).replace("time_zone=", "--time-zone ", 1)
        raise CimlabError(message.replace("currency=", "--currency ", 1)) from None


def debug() -> bool:
    """True when :data:`DEBUG_ENV` asks for tracebacks."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")
