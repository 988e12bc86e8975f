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
    cimlab workspace backup FILE --workspace DIR [--json]  (checked; writes FILE and FILE.sha256)
    cimlab workspace backup --workspace DIR --to DIR2 [--keep 8] [--schedule daily|weekly|off]
                            [--json]   (dated, verified backups; retention; backs up only when due)
    cimlab workspace backup --workspace DIR --verify-restore [--to DIR2] [--json]  (restore drill)
    cimlab workspace restore FILE --workspace DIR         (verifies FILE in full first)
    cimlab workspace check --workspace DIR [--json]       (reads every row; exit 2 when damaged)
    cimlab workspace settings --workspace DIR [--time-zone ZONE|auto]
                              [--reporting-currency CODE|auto]
                              [--source-priority CH1,CH2|none] [--json]
    cimlab workspace rates [FILE.csv] --workspace DIR [--show|--clear] [--json]
                              (exchange rates into the reporting currency: cimlab.cli.rates)
    cimlab workspace mappings --workspace DIR [--export NAME --out FILE.yaml] [--json]
                              (saved column mappings; `import --mapping NAME` uses one)
    cimlab workspace keygen                               (prints a new encryption key)
    cimlab workspace encrypt --workspace DIR [--keep-clear-copy FILE] [--json]
    cimlab workspace rekey --workspace DIR --new-key-file FILE [--json]
                              (personal data encrypted at rest: cimlab.encryption)
    cimlab predict evaluate|clv|churn|forecast --workspace DIR ...  (cimlab.cli.predict)
    cimlab audience list|fields|show|save|members ...                  (cimlab.cli.act)
    cimlab export AUDIENCE --workspace DIR --profile NAME --out FILE [--control 10%] [--json]
    cimlab campaign list|uplift ...; cimlab suppression add|list|clear ...
    cimlab users add|list|remove|set-role|passwd ... --workspace DIR      (cimlab.cli.users)
    cimlab audit --workspace DIR [--since DATE] [--action A] [--json]
    cimlab presets
    cimlab --version

``python -m cimlab`` is the same program. Every file of one ``import`` is its own transaction:
a file that fails leaves the others imported. Each command family lives in its own module
(:mod:`~cimlab.cli.imports`, :mod:`~cimlab.cli.demo`, :mod:`~cimlab.cli.presets`,
:mod:`~cimlab.cli.workspace`, :mod:`~cimlab.cli.customers`, :mod:`~cimlab.cli.analyse`,
:mod:`~cimlab.cli.predict`), imported
only when its command runs: ``cimlab --help`` loads none of them.

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
- ``rows_read``, ``rows_loaded``, ``rows_quarantined``, ``rows_filtered``: totals over the files
  this run checked or imported (``rows_read = rows_loaded + rows_quarantined + rows_filtered``;
  ``rows_filtered``: rows the mapping's row filters left out); files already imported and files
  with an error are left out;
- ``already_imported``: paths (as given) of the files that were already in the workspace;
- ``errors``: file-level errors, one object each: ``path`` (as given; ``null`` when no single
  file is to blame), ``file`` (name), ``type`` (``DataFileError``, ``MappingError``,
  ``WorkspaceError``, ``WorkspaceBusy``, ``OSError`` or ``InternalError``), ``message`` (the
  stderr line without ``cimlab:``);
- ``files``: one object per file checked, in order: ``path``, ``file``, ``table``, ``channel``,
  ``format``, ``encoding``, ``delimiter``, ``sheet``, ``mapping`` (the resolved column mapping),
  ``rows_read``, ``rows_loaded``, ``rows_quarantined``, ``rows_filtered``,
  ``rows_filtered_by_rule`` (rule text → rows it left out, in the mapping's order; a row counts
  under the first rule it fails; ``{}`` without filters), ``problems`` (the first 200:
  ``line``, ``column`` (source header), ``value`` (personal data masked), ``reason``,
  ``reason_zh``), ``problems_shown``, ``problems_total``, ``notes``, ``batch_id`` (``null`` for
  validate), ``rows_duplicate`` (order lines already in the workspace; ``null`` for validate),
  ``already_imported`` (then the counts are those of the earlier batch ``batch_id``, and
  ``rows_filtered_by_rule`` is ``{}``). ``channel`` is the file's channel; for a file whose
  rows carry their channel (a mapped ``channel`` column), its distinct channels joined by ``+``.

``workspace info --json`` prints :meth:`cimlab.workspace.Workspace.info` (times in ISO 8601),
``workspace history --json`` prints ``{"workspace": DIR, "batches": [...]}`` with the columns of
:data:`cimlab.workspace.BATCHES_SCHEMA` (``mapping`` as an object), ``workspace undo --json``
prints ``{"undone": BATCH, "rows_removed": N}``, ``workspace mappings --json`` prints
``{"workspace": DIR, "mappings": [{name, table, headers, saved_at, mapping}, ...]}`` (with
``--export``: ``{"workspace", "exported", "out"}``).

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
import importlib
import os
import sys
from collections.abc import Collection, Sequence
from types import ModuleType
from typing import Any

from cimlab import __version__
from cimlab.cli.common import DEBUG_ENV, Parser, debug, safe_message
from cimlab.errors import CimlabError

__all__ = ["COMMANDS", "main"]

COMMANDS: dict[str, tuple[str, str]] = {
    "import": ("cimlab.cli.imports", "import channel files into a workspace"),
    "validate": ("cimlab.cli.imports", "check files and report; writes nothing"),
    "demo": ("cimlab.cli.demo", "generate the demo files and build a demo workspace"),
    "presets": ("cimlab.cli.presets", "list the column-mapping presets"),
    "workspace": ("cimlab.cli.workspace", "inspect and manage a workspace"),
    "customers": ("cimlab.cli.customers", "resolve identities and look customers up"),
    "analyse": (
        "cimlab.cli.analyse",
        "customer analytics (RFM, segments, clusters, lifecycle, channels, ...)",
    ),
    "predict": (
        "cimlab.cli.predict",
        "CLV, churn risk and forecasts (fitted, validated out of time, stored)",
    ),
    "audience": ("cimlab.cli.act", "saved audiences and their members"),
    "export": ("cimlab.cli.act", "export an audience for a campaign tool (consent-safe)"),
    "campaign": ("cimlab.cli.act", "past exports and their uplift"),
    "suppression": ("cimlab.cli.act", "the global suppression list"),
    "users": ("cimlab.cli.users", "who may sign in to the app, with which role"),
    "audit": (
        "cimlab.cli.users",
        "who did what: imports, undos, resolves, exports, reveals, sign-ins, settings",
    ),
}
"""Command → (its module, its line in ``cimlab --help``). A module registers its commands with
``add_parser(subparsers, parser_class)`` and runs them with ``run(args) -> exit code``."""

# names of the one-file CLI before 0.2 that tests and callers still reach
_safe_message = safe_message
_LEGACY = {"cli_analyse": "cimlab.cli.analyse", "cli_customers": "cimlab.cli.customers"}


def __getattr__(name: str) -> Any:
    if name == "_scrub":  # the one scrubber of every message
        from cimlab.privacy import scrub_text

        return scrub_text
    if name in _LEGACY:
        return importlib.import_module(_LEGACY[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _parser(load: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with the full options of the commands in ``load`` (default: all).

    Commands left out get a placeholder with their help line only, so ``cimlab --help`` and
    the parsing of one command never import the other commands' modules.
    """
    parser = Parser(
        prog="cimlab",
        description="Customer-information-management lab: import channel exports into a "
        "workspace, check them, manage the workspace.",
        epilog="Exit codes: 0 all rows loaded, 1 some rows quarantined, 2 a file-level error "
        "or bad arguments.",
    )
    parser.add_argument("--version", action="version", version=f"cimlab {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=Parser, metavar="COMMAND"
    )
    modules = None if load is None else {COMMANDS[c][0] for c in load if c in COMMANDS}
    registered: set[str] = set()
    for name, (module, text) in COMMANDS.items():
        if modules is not None and module not in modules:
            sub.add_parser(name, help=text)
        elif module not in registered:  # a module registers all of its commands at once
            registered.add(module)
            importlib.import_module(module).add_parser(sub, Parser)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` asks for: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def _module(command: str) -> ModuleType:
    return importlib.import_module(COMMANDS[command][0])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Never raises for user errors, ``--help`` or ``--version``: they become exit codes.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command(argv)
    try:
        args = _parser(load={command} if command in COMMANDS else ()).parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and bad arguments (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return int(_module(args.command).run(args))
    except CimlabError as exc:
        print(f"cimlab: {safe_message(exc)}", file=sys.stderr)
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
        if debug():
            raise
        print(
            f"cimlab: unexpected error ({type(exc).__name__}: {safe_message(exc)}); this is a "
            f"bug in cimlab: please report it (set {DEBUG_ENV}=1 to see the details)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
