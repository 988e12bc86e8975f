"""``cimlab users`` (who may sign in to the app, with which role) and ``cimlab audit``.

::

    cimlab users add NAME --role viewer|marketer|admin --workspace DIR [--password-stdin | --no-password]
    cimlab users list --workspace DIR [--json]
    cimlab users remove NAME --workspace DIR
    cimlab users set-role NAME --role ROLE --workspace DIR
    cimlab users passwd NAME --workspace DIR [--password-stdin | --no-password]
    cimlab audit --workspace DIR [--since DATE] [--action A ...] [--json]

A password is asked twice on the terminal (``getpass``: not echoed), or read from the first
line of stdin with ``--password-stdin`` (for scripts); it must have at least 10 characters and
is stored only as an Argon2id hash (:mod:`cimlab.auth`). ``--no-password``: the user signs in
only through the company's identity provider (NAME is then their e-mail). The first user added
turns sign-in on for the app. Bad input exits 2 with one line on stderr; no password or hash is
ever printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from cimlab.cli.common import date_argument, print_json

__all__ = ["add_parser", "run"]

_ROLES = ("viewer", "marketer", "admin")


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register ``users`` and ``audit`` on the top-level subparsers ``sub``."""
    users = sub.add_parser(
        "users",
        help="who may sign in to the app, with which role",
        description="Manage the users of a workspace (the app asks them to sign in as soon as "
        "one exists).",
    )
    actions = users.add_subparsers(
        dest="users_command", required=True, parser_class=parser_class, metavar="ACTION"
    )

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")

    def password_options(parser: argparse.ArgumentParser) -> None:
        how = parser.add_mutually_exclusive_group()
        how.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of stdin (scripts)",
        )
        how.add_argument(
            "--no-password",
            action="store_true",
            help="no password: signs in only through the identity provider (NAME is an e-mail)",
        )

    add = actions.add_parser("add", help="add a user")
    add.add_argument("name", metavar="NAME", help="user name, or e-mail for the identity provider")
    add.add_argument("--role", required=True, choices=_ROLES)
    password_options(add)
    common(add)
    listing = actions.add_parser("list", help="list the users (never their passwords)")
    listing.add_argument("--json", action="store_true", help="one JSON object on stdout")
    common(listing)
    remove = actions.add_parser("remove", help="remove a user")
    remove.add_argument("name", metavar="NAME")
    common(remove)
    role = actions.add_parser("set-role", help="change a user's role")
    role.add_argument("name", metavar="NAME")
    role.add_argument("--role", required=True, choices=_ROLES)
    common(role)
    passwd = actions.add_parser("passwd", help="set a user's password")
    passwd.add_argument("name", metavar="NAME")
    password_options(passwd)
    common(passwd)

    audit = sub.add_parser(
        "audit",
        help="who did what: imports, undos, resolves, exports, reveals, sign-ins, settings",
        description="The audit log of a workspace, newest first (never personal data).",
    )
    common(audit)
    audit.add_argument("--since", type=date_argument, metavar="DATE", help="from this day (UTC)")
    audit.add_argument(
        "--action", action="append", metavar="ACTION", help="only this action (repeatable)"
    )
    audit.add_argument("--json", action="store_true", help="one JSON object on stdout")


def _password(args: argparse.Namespace) -> str | None:
    """The new password: none, from stdin, or asked twice on the terminal."""
    from cimlab.auth import AuthError

    if args.no_password:
        return None
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    try:
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Password (again): ")
    except EOFError:
        raise AuthError("no password given (use --password-stdin in scripts)") from None
    if first != second:
        raise AuthError("the two passwords differ; nothing changed")
    return first


def run(args: argparse.Namespace) -> int:
    """Run ``users ...`` or ``audit``; exit code 0 (errors raise CimlabError: exit 2)."""
    from cimlab import auth
    from cimlab.audit import acting_user
    from cimlab.workspace import Workspace

    ws = Workspace.open(args.workspace, create=False)
    if args.command == "audit":
        return _audit(ws, args)
    command = args.users_command
    if command == "add":
        password = _password(args)
        auth.add_user(ws, args.name, role=args.role, password=password, by=acting_user())
        print(f"user {auth.normalize_name(args.name)} added ({args.role})")
    elif command == "list":
        users = auth.list_users(ws)
        if args.json:
            print_json({"workspace": str(ws.path), "users": users.to_dicts()})
        elif users.is_empty():
            print("no users: sign-in is off (everyone who reaches the app may do everything)")
        else:
            for row in users.iter_rows(named=True):
                how = "password" if row["password"] else "identity provider only"
                print(f"{row['name']}\t{row['role']}\t{how}")
    elif command == "remove":
        auth.remove_user(ws, args.name, by=acting_user())
        print(f"user {auth.normalize_name(args.name)} removed")
    elif command == "set-role":
        auth.set_role(ws, args.name, args.role, by=acting_user())
        print(f"user {auth.normalize_name(args.name)} is now {args.role}")
    else:  # passwd
        auth.set_password(ws, args.name, _password(args), by=acting_user())
        print(f"password of {auth.normalize_name(args.name)} changed")
    return 0


def _audit(ws: Any, args: argparse.Namespace) -> int:
    from cimlab.audit import audit_log

    log = audit_log(ws, since=args.since, actions=args.action)
    if args.json:
        print_json({"workspace": str(ws.path), "events": log.to_dicts()})
        return 0
    for row in log.iter_rows(named=True):
        at = row["at"].strftime("%Y-%m-%d %H:%M:%S") if row["at"] else "-"
        n = "" if row["n"] is None else str(row["n"])
        print("\t".join([at, row["user_name"] or "-", row["action"], row["target"] or "", n]))
    return 0
