"""Helpers shared by the app's pages: language, workspace handle, cached reads, error guard, and
user values shown as text.

Pages import this module as ``_common`` (the router puts ``apps/`` on ``sys.path``). Nothing here
holds analytics: it reads widgets' shared state, opens the workspace and shapes frames for display.

**Markdown rule.** Streamlit renders Markdown (images, links, ``:red[...]`` directives, ``$...$``,
headings) in every text element, label, tooltip, metric and radio option. A value that comes from
data or from a user (file names, headers, customer names, tags, search text, error messages...)
is put into such a place only through :func:`md_text` (or :func:`md_code`), or as a placeholder of
:func:`t_md`; plain :func:`cimlab.i18n.t` texts without placeholders are our own Markdown.
``tests/app/test_markdown_safety.py`` checks every call in ``apps/`` for it. Places that show text
as is (dataframes, ``st.text``, selectbox and multiselect options, placeholders) take raw values.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import numbers
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import streamlit as st

from cimlab.analytics.facts import CustomerData
from cimlab.audit import acting_user
from cimlab.dates import to_date
from cimlab.errors import CimlabError, WorkspaceBusy
from cimlab.i18n import LANGS, channel_label, t, table_label
from cimlab.identity import resolve_again
from cimlab.money import (
    CurrencyChoice,
    MissingRatesError,
    order_currencies,
    rates,
    rates_currency,
    read_rates_bytes,
    reporting_currency,
    set_rates,
    set_reporting_currency,
)
from cimlab.money import (
    rate_problems as money_rate_problems,
)
from cimlab.privacy import mask_email_expr, mask_name_expr, mask_phone_expr, scrub_text_expr
from cimlab.settings import (
    automatic_time_zone,
    business_time_zone,
    set_source_priority,
    set_time_zone,
    source_priority,
    time_zone_choice,
)
from cimlab.workspace import DB_NAME, Workspace

if TYPE_CHECKING:
    from cimlab.act.audiences import Audience

__all__ = [
    "ALL_CURRENCIES",
    "AS_OF_KEY",
    "AUTH_KEY",
    "CAMPAIGN_DRAFT_KEY",
    "CURRENCY_KEY",
    "LANG_KEY",
    "MASKERS",
    "PERCENT_FORMAT",
    "REPO_ROOT",
    "REVEAL_ENV",
    "SETTINGS_KEY",
    "Markdown",
    "analysis_inputs",
    "audience_button",
    "audit_event",
    "auth_gate",
    "auth_sidebar",
    "business_zone",
    "can",
    "chosen_currency",
    "current_lang",
    "current_role",
    "current_user",
    "data_version",
    "error_message",
    "get_workspace",
    "guard",
    "history_frame",
    "is_resolved",
    "load_batches",
    "load_counts",
    "load_currencies",
    "load_customer_data",
    "load_reporting_currency",
    "long_work",
    "mask_columns",
    "md_code",
    "md_text",
    "missing_rates_message",
    "money_label",
    "money_unit",
    "open_audience_draft",
    "open_settings",
    "page_permission",
    "permit",
    "placeholder_note",
    "real_money",
    "release_left_uploads",
    "release_uploads",
    "require",
    "reveal_allowed",
    "role_label",
    "scrub_text",
    "sign_out",
    "stored_result",
    "t_md",
    "time_zone_setting",
    "translated_choice",
    "upload_memo",
    "workspace_dir",
]

_log = logging.getLogger("cimlab.app")

REPO_ROOT = Path(__file__).resolve().parents[1]
LANG_KEY = "lang"
"""Session-state key of the UI language (``"zh"`` or ``"en"``)."""
AS_OF_KEY = "analysis_as_of"
"""Session-state key of the analysis date shared by the analytics pages."""
CURRENCY_KEY = "ana_currency"
"""Session-state key of the currency filter shared by the analytics pages: ``None`` = every
order, converted into the reporting currency; a code (``"BRL"``) = only that currency's orders,
amounts as they are."""
SETTINGS_KEY = "app_settings"
"""Session-state key of the sidebar's workspace-settings expander (``True`` = open)."""
PERCENT_FORMAT = "%.1f%%"
"""Column format of every share in the app's tables: the share × 100 with one decimal, so
"3.0%" sits next to "10.6%" (Streamlit's ``"percent"`` drops trailing zeros)."""
REVEAL_ENV = "CIMLAB_ALLOW_REVEAL"
"""Environment variable that lets app users reveal unmasked contact data (``1`` = allowed)."""


def workspace_dir() -> Path:
    """The workspace folder: ``$CIMLAB_WORKSPACE`` or ``data/workspace`` under the repository.

    A relative ``CIMLAB_WORKSPACE`` is taken from the current directory, like any path option.
    """
    raw = os.environ.get("CIMLAB_WORKSPACE", "").strip()
    if raw:
        return Path(raw).expanduser().resolve()
    return REPO_ROOT / "data" / "workspace"


def reveal_allowed() -> bool:
    """Whether the app may show unmasked contact data: ``$CIMLAB_ALLOW_REVEAL`` is ``1``.

    Set by whoever starts the app (an admin); every reveal still asks for a reason and is
    logged by :func:`cimlab.customers.profile.reveal_pii`. When the workspace has users, the
    role decides instead: admins may reveal (:data:`cimlab.auth.PERMISSIONS`), nobody else.
    """
    if _users():
        return can("reveal")
    return os.environ.get(REVEAL_ENV, "").strip().lower() in {"1", "true", "yes"}


def current_user() -> str:
    """Who acts in this session, for audit fields: the user signed in to the workspace
    (:func:`auth_gate`), else the identity provider's e-mail or name (``st.login``), else
    ``$CIMLAB_USER``, else the operating-system account."""
    session = st.session_state.get(AUTH_KEY)
    if session is not None:
        return str(session.name)
    try:
        if st.user.is_logged_in:
            for field in ("email", "name"):
                value = st.user.get(field)
                if isinstance(value, str) and value.strip():
                    return value.strip()
    except Exception:  # no authentication configured: st.user has nothing to say
        pass
    return acting_user() or "app"


# ----------------------------------------------------------------------------- sign-in and roles

AUTH_KEY = "auth_session"
"""Session-state key of the signed-in :class:`cimlab.auth.Session` (absent: nobody)."""
_AUTH_NOTE = "auth_note"  # a note for the sign-in form (session expired)


@st.cache_data(show_spinner=False, max_entries=64)
def _auth_users(path: str, version: str) -> dict[str, str]:
    """User name → role of the workspace (cached on its data version: a CLI change shows at
    the next click)."""
    del version
    from cimlab.auth import list_users

    users = list_users(get_workspace(path))
    return dict(zip(users["name"].to_list(), users["role"].to_list(), strict=True))


def _users() -> dict[str, str]:
    path = str(workspace_dir())
    return _auth_users(path, data_version(path))


def current_role() -> str | None:
    """The role this session acts with: ``"admin"`` while the workspace has no user (sign-in
    off: one analyst may do everything), else the signed-in user's role as the workspace holds
    it now (a role changed or a user removed takes effect at the next click), else ``None``."""
    users = _users()
    if not users:
        return "admin"
    session = st.session_state.get(AUTH_KEY)
    return None if session is None else users.get(session.name)


def can(action: str) -> bool:
    """Whether this session may do ``action`` (:data:`cimlab.auth.PERMISSIONS`)."""
    from cimlab.auth import allowed

    return allowed(current_role(), action)


def permit(action: str) -> None:
    """Raise :class:`cimlab.auth.NotAllowed` unless this session may do ``action``: the first
    line of every action handler (the page may have shown the button to a stale session)."""
    if not can(action):
        from cimlab.auth import NotAllowed

        raise NotAllowed(current_role(), action)


def role_label(role: str | None, lang: str) -> str:
    """A role's name in ``lang`` (``"—"`` for none)."""
    return t(f"role.{role}", lang) if role in ("viewer", "marketer", "admin") else "—"


def require(action: str, lang: str) -> None:
    """A page's first line: say "not allowed" and stop the page unless the session may do
    ``action`` (the navigation lists only allowed pages; this holds whatever the URL)."""
    if not can(action):
        st.error(t_md("auth.not_allowed", lang, role=role_label(current_role(), lang)))
        st.stop()


def page_permission(url_path: str) -> str:
    """The permission that opens the page at ``url_path`` (``""``: the default page, Import);
    an unknown page needs the audit permission (admins only)."""
    from cimlab.auth import ACTIONS

    wanted = f"page.{url_path or 'import'}"
    return wanted if wanted in ACTIONS else "page.audit"


def _audit(action: str, user: str | None, at: dt.datetime, **fields: Any) -> None:
    """Record ``action`` in the workspace's audit log; a failure is logged, never shown."""
    from cimlab.audit import record_event

    try:
        record_event(get_workspace(str(workspace_dir())), action, user=user, at=at, **fields)
    except Exception:
        _log.warning("could not record %s in the audit log", action, exc_info=True)


def audit_event(action: str, *, at: dt.datetime, **fields: Any) -> None:
    """Record ``action`` by :func:`current_user` in the audit log (only what no other table
    records: :data:`cimlab.audit.EVENT_ACTIONS`, e.g. who undid a batch or ran a resolution)."""
    _audit(action, current_user(), at, **fields)


def _oidc() -> tuple[list[str | None], Any]:
    """The configured identity providers and ``st.user`` (none without ``[auth]`` secrets)."""
    from cimlab.auth import oidc_providers

    try:
        section = st.secrets.get("auth") if "auth" in st.secrets else None
    except Exception:  # no secrets file
        return [], None
    return oidc_providers(section), st.user


def _start_session(name: str, role: str, now: dt.datetime) -> None:
    from cimlab.auth import Session

    st.session_state[AUTH_KEY] = Session(name, role, signed_in_at=now, last_seen=now)
    st.session_state.pop(_AUTH_NOTE, None)


def sign_out() -> None:
    """End this session's sign-in (audited); the sign-in form shows at the next run."""
    session = st.session_state.pop(AUTH_KEY, None)
    if session is not None:
        _audit("sign_out", session.name, dt.datetime.now(dt.UTC))
    providers, user = _oidc()
    if providers and user is not None and user.is_logged_in:
        st.logout()


def auth_gate(lang: str, pages: Sequence[Any] = ()) -> None:
    """Let the run go on only for a session allowed in: sign-in off, or a user signed in
    whose session has not expired (idle :func:`cimlab.auth.idle_timeout`, absolute
    :data:`cimlab.auth.ABSOLUTE_TIMEOUT`). Otherwise show the sign-in form (and the identity
    provider's button when ``[auth]`` is configured) and stop.

    ``pages`` (the app's ``st.Page`` list) are registered hidden while the form shows, none
    run: the URL asked for (``/customers``) survives the sign-in, and the router's
    navigation then decides whether the role may open it."""
    from cimlab.auth import oidc_user

    try:
        users = _users()
    except Exception as exc:  # cannot tell who may enter: nobody does
        st.error(error_message(exc, lang, context="sign-in"))
        st.stop()
    if not users:
        return
    now = dt.datetime.now(dt.UTC)
    session = st.session_state.get(AUTH_KEY)
    if session is not None and session.name not in users:
        st.session_state.pop(AUTH_KEY, None)  # removed meanwhile
        session = None
    if session is not None and session.expired(now):
        st.session_state.pop(AUTH_KEY, None)
        _audit("session_expired", session.name, now)
        st.session_state[_AUTH_NOTE] = "auth.expired"
        providers, user = _oidc()
        if providers and user is not None and user.is_logged_in:
            st.logout()
        session = None
    if session is not None:
        session.touch(now)
        return
    providers, user = _oidc()
    if providers and user is not None and user.is_logged_in:
        email = user.get("email")
        found = oidc_user(get_workspace(str(workspace_dir())), email)
        if found is not None:
            _audit("sign_in", found.name, now, detail="identity provider")
            _start_session(found.name, found.role, now)
            return
        if pages:
            st.navigation(list(pages), position="hidden")
        st.error(t_md("auth.oidc_no_access", lang, email=email or "?"))
        st.button(t("auth.sign_out", lang), key="auth_oidc_out", on_click=st.logout)
        st.stop()
    if pages:  # hidden, and none runs: only keeps the URL asked for
        st.navigation(list(pages), position="hidden")
    st.title(t("auth.title", lang))
    note = st.session_state.get(_AUTH_NOTE)
    if note:
        st.info(t(note, lang))
    st.caption(t("auth.intro", lang))
    refusal = st.session_state.pop(_AUTH_REFUSAL, None)
    if refusal is not None:
        st.error(md_text(refusal))  # our own Markdown: kept as it is
    with st.form("auth_form"):
        st.text_input(t("auth.name", lang), key="auth_name", autocomplete="username")
        st.text_input(
            t("auth.password", lang),
            type="password",
            key="auth_password",
            autocomplete="current-password",
        )
        st.form_submit_button(
            t("auth.submit", lang), type="primary", on_click=_submit_sign_in, args=(lang,)
        )
    for provider in providers:
        label = provider or t("auth.provider_default", lang)
        st.button(
            t_md("auth.oidc_button", lang, provider=label),
            key=f"auth_oidc_{provider or 'default'}",
            on_click=st.login,
            args=(provider,),
        )
    st.stop()


_AUTH_REFUSAL = "auth_refusal"  # why the last sign-in was refused (shown once)


def _submit_sign_in(lang: str) -> None:
    """The sign-in form's callback: check the name and password, start the session or keep
    the refusal for the form. The password leaves the session state here, either way."""
    from cimlab.auth import SignInFailed, sign_in

    name = str(st.session_state.get("auth_name") or "")
    password = str(st.session_state.get("auth_password") or "")
    st.session_state["auth_password"] = ""
    now = dt.datetime.now(dt.UTC)
    try:
        signed = sign_in(get_workspace(str(workspace_dir())), name, password, at=now)
    except SignInFailed as exc:
        if exc.locked and exc.until is not None:
            minutes = max(1, int((exc.until - now).total_seconds() // 60) + 1)
            st.session_state[_AUTH_REFUSAL] = t_md("auth.locked", lang, minutes=minutes)
        else:
            st.session_state[_AUTH_REFUSAL] = Markdown(t("auth.failed", lang))
    except Exception as exc:  # a callback runs outside the guard: say it, never raise
        st.session_state[_AUTH_REFUSAL] = error_message(exc, lang, context="sign-in")
    else:
        _start_session(signed.name, signed.role, now)


def auth_sidebar(lang: str) -> None:
    """The signed-in user's name and role, and the sign-out button (nothing when sign-in is
    off)."""
    session = st.session_state.get(AUTH_KEY)
    if session is None:
        return
    st.sidebar.caption(
        t_md("auth.signed_in_as", lang, name=session.name, role=role_label(current_role(), lang))
    )
    st.sidebar.button(
        t("auth.sign_out", lang), key="auth_sign_out", on_click=sign_out, icon=":material/logout:"
    )


def current_lang() -> str:
    """The language chosen in the sidebar (default 中文)."""
    lang = st.session_state.get(LANG_KEY, LANGS[0])
    return lang if lang in LANGS else LANGS[0]


class Markdown(str):
    """Markdown source that is safe to render: our own UI text, or values made text by
    :func:`md_text`, :func:`md_code` or :func:`t_md`.

    Like ``markupsafe.Markup`` for HTML: :func:`md_text` leaves a ``Markdown`` value as it is,
    so escaping twice is harmless.
    """

    __slots__ = ()


# Every ASCII punctuation character: CommonMark lets each be backslash-escaped, and an escaped
# one is plain text (no emphasis, link, image, heading, list, HTML, autolink, entity, table,
# ``$`` maths, ``:red[...]`` directive or ``:material/...:`` icon can start from it).
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x85\u2028\u2029]")
# Streamlit finds these in text it has already parsed, where escapes no longer count: icons
# (":material_home:", ":streamlit:") and GFM's bare links ("https://...", "www.x.com",
# "a@x.com"). A word joiner (U+2060, invisible) inside each keeps it text.
_IN_TEXT = re.compile(
    r"(?<=:)(?=material_\w+:|streamlit:)|(?<=:)(?=//)|(?<=www)(?=\.)|(?<=[-.\w+])(?=@[-\w])",
    re.IGNORECASE | re.ASCII,
)
_ICON_NAME = re.compile(r":(?=material/)")
_WORD_JOINER = "\u2060"


def md_text(value: object) -> Markdown:
    r"""``value`` as Markdown that renders as exactly its text, on one line.

    Every ASCII punctuation character is backslash-escaped, line breaks become spaces, and an
    invisible word joiner (U+2060) goes inside bare links and icon codes (Streamlit finds those
    after escapes are resolved), so a file name like ``![f](https://evil.example/x.png)``
    shows as written instead of loading an image. A :class:`Markdown` value is returned as it is.

    >>> print(md_text("![f](x.png) *1* # a_b"))
    \!\[f\]\(x\.png\) \*1\* \# a\_b
    >>> md_text("https://x.example").replace("\u2060", "<WJ>")
    'https\\:<WJ>\\/\\/x\\.example'
    >>> md_text(md_text("a_b")) == md_text("a_b")
    True
    """
    if isinstance(value, Markdown):
        return value
    text = _IN_TEXT.sub(_WORD_JOINER, _LINE_BREAK.sub(" ", str(value)))
    return Markdown(_MD_PUNCTUATION.sub(r"\\\1", text))


def md_code(value: object) -> Markdown:
    """``value`` as an inline code span that shows exactly its text (paths, delimiters).

    The fence is longer than any run of backticks inside the value, so the value cannot end
    the span early; line breaks become spaces.

    >>> print(md_code("a`b"))
    ``a`b``
    >>> md_code("")
    ''
    """
    text = _ICON_NAME.sub(":" + _WORD_JOINER, _LINE_BREAK.sub(" ", str(value)))
    if not text:
        return Markdown("")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


def t_md(key: str, lang: str, /, **fmt: object) -> Markdown:
    """:func:`cimlab.i18n.t` for a place that renders Markdown: every placeholder value is
    shown as text (:func:`md_text`), numbers and :class:`Markdown` values as they are.

    >>> print(t_md("imp.file_header", "en", file="# big.csv"))
    File: \\# big\\.csv
    """
    values = {
        name: value if isinstance(value, numbers.Number) else md_text(value)
        for name, value in fmt.items()
    }
    return Markdown(t(key, lang, **values))


@st.cache_resource(show_spinner=False)
def get_workspace(path: str) -> Workspace:
    """The workspace in folder ``path``, created on first use.

    A :class:`~cimlab.workspace.Workspace` holds no open connection (each call opens and
    closes its own), so one handle is shared by every session.
    """
    return Workspace.open(path, create=True, wait=2.0)


def check_workspace_key(lang: str) -> None:
    """Stop the page with a clear message when the workspace is encrypted and the key is
    missing or wrong; say so when a key is set but the workspace is not encrypted yet."""
    from cimlab.encryption import WorkspaceKeyError

    try:
        ws = get_workspace(str(workspace_dir()))
    except WorkspaceKeyError as exc:
        st.error(t_md("error.workspace_key", lang, message=str(exc)))
        st.stop()
    except CimlabError:
        return  # the page's own guard shows what else is wrong
    if ws.encryption_pending:
        st.sidebar.warning(t_md("app.encryption_pending", lang))


def data_version(path: str) -> str:
    """A token that changes whenever the workspace's database files change (size, mtime).

    Cached reads take it as a parameter, so an import or an undo (here or from the CLI)
    shows on the next rerun, while unchanged data is read once.
    """
    parts = []
    for name in (DB_NAME, DB_NAME + ".wal"):
        try:
            stat = (Path(path) / name).stat()
        except OSError:
            parts.append("-")
        else:
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}")
    return "/".join(parts)


@st.cache_data(show_spinner=False, max_entries=64)
def load_counts(path: str, version: str) -> pl.DataFrame:
    """Rows per table and channel (cached on the workspace path and its data version)."""
    del version  # part of the cache key only
    return get_workspace(path).counts()


@st.cache_data(show_spinner=False, max_entries=64)
def load_batches(path: str, version: str) -> pl.DataFrame:
    """Import history, newest first (cached on the workspace path and its data version)."""
    del version
    return get_workspace(path).batches()


@st.cache_data(show_spinner=False, max_entries=64)
def is_resolved(path: str, version: str) -> bool:
    """Whether identities of the workspace were resolved (analyses work on unified customers)."""
    del version
    return not get_workspace(path).identity_map().is_empty()


@st.cache_data(show_spinner=False, max_entries=64)
def load_currencies(path: str, version: str) -> pl.DataFrame:
    """:func:`cimlab.money.order_currencies` of the workspace: ``currency, lines, value``, the
    currency of most order value first."""
    del version
    return order_currencies(get_workspace(path))


@st.cache_data(show_spinner=False, max_entries=64)
def load_reporting_currency(path: str, version: str) -> CurrencyChoice:
    """:func:`cimlab.money.reporting_currency` of the workspace (setting, automatic or none)."""
    del version
    return reporting_currency(get_workspace(path))


@st.cache_resource(show_spinner=False, max_entries=4)
def _customer_data(
    path: str, version: str, currency: str | None
) -> CustomerData | MissingRatesError | None:
    del version
    ws = get_workspace(path)
    if ws.identity_map().is_empty():
        return None
    from cimlab.act.snapshot import open_snapshot

    try:  # stored per workspace version: a new process reads it back instead of joining again
        return open_snapshot(ws, currency=currency).stored_data()
    except MissingRatesError as exc:  # kept: a page without rates does not rebuild it each rerun
        return exc


def load_customer_data(
    path: str, version: str, *, currency: str | None = None
) -> CustomerData | None:
    """:func:`cimlab.analytics.facts.customer_data` of the workspace; ``None`` until identities
    are resolved.

    ``currency=None``: every order line, money in the reporting currency; ``currency="BRL"``:
    only BRL orders, amounts as they are. Raises :class:`cimlab.money.MissingRatesError` when a
    currency present has no rate (pages show it with :func:`analysis_inputs`).

    One shared object per workspace version and currency (``cache_resource``), not a copy per
    call: every analytics loader reads it, and copying millions of order lines each time cost
    seconds and gigabytes. Nothing may modify it (Polars frames are not modified in place by
    cimlab). The reporting currency and the rates live in the workspace, so changing them
    changes :func:`data_version` and every figure is computed again.
    """
    result = _customer_data(path, version, currency)
    if isinstance(result, MissingRatesError):
        raise result.with_traceback(None)
    return result


def stored_result(
    path: str,
    version: str,
    currency: str | None,
    name: str,
    make: Callable[[CustomerData], dict[str, pl.DataFrame]],
) -> dict[str, pl.DataFrame] | None:
    """Frames computed from the analysis data (:func:`load_customer_data`) by ``make`` and kept
    for the workspace version (:meth:`cimlab.act.snapshot.Snapshot.result`): a page's first load
    in a new process reads what an earlier one computed; ``None`` until identities are resolved.

    ``name`` holds every input of ``make`` besides the data (the day, the time unit...). Page
    loaders call this inside their ``st.cache_data`` function, so a rerun reads neither.
    """
    from cimlab.act.snapshot import open_snapshot

    data = load_customer_data(path, version, currency=currency)
    if data is None:
        return None
    snapshot = open_snapshot(get_workspace(path), currency=currency, data=data)
    return snapshot.result(name, lambda: make(data))


# ----------------------------------------------------------------------------- money


ALL_CURRENCIES = ""
"""The currency filter's choice "every order, in the reporting currency" (:data:`CURRENCY_KEY`)."""


@st.cache_data(show_spinner=False, max_entries=16)
def load_fingerprint(path: str, version: str, currency: str | None = None) -> str:
    """:func:`cimlab.predict.store.data_fingerprint` of the analysis data (cached like it):
    the key of the predictions stored for exactly these data; "" when identities were never
    resolved."""
    from cimlab.predict.store import data_fingerprint

    data = load_customer_data(path, version, currency=currency)
    return "" if data is None else data_fingerprint(data)


def chosen_currency() -> str | None:
    """The currency filter of the analytics pages (:data:`CURRENCY_KEY`): ``None`` = every
    order, converted into the reporting currency."""
    value = st.session_state.get(CURRENCY_KEY)
    return value if isinstance(value, str) and value != ALL_CURRENCIES else None


def money_unit(data: CustomerData, lang: str) -> str:
    """What a money figure of ``data`` is in: ``"CNY"``, or ``"BRL only"`` / ``"仅 BRL"`` when
    the currency filter keeps one currency's orders; ``""`` without any currency."""
    if data.currency is None:
        return ""
    if chosen_currency() is not None:
        return t("money.unit_only", lang, currency=data.currency)
    return data.currency


def money_label(label: str, data: CustomerData, lang: str) -> str:
    """A money figure's label (a header, a metric) with its currency: ``净收入（CNY）``,
    ``Revenue (net) (BRL only)``. Plain text: pass it through :func:`md_text` for Markdown."""
    unit = money_unit(data, lang)
    return t("money.header", lang, label=label, unit=unit) if unit else label


def real_money(data: CustomerData) -> bool:
    """Whether the amounts of ``data`` are money: not when every order line carries a
    placeholder amount (a mapping with ``amount_is_placeholder``; :attr:`CustomerData.money_withheld`)."""
    return not data.money_withheld


def placeholder_note(lang: str) -> Markdown:
    """The note shown instead of money figures when every amount is a placeholder."""
    return Markdown(t("money.placeholder_all", lang))


def missing_rates_message(exc: MissingRatesError, lang: str) -> Markdown:
    """:class:`cimlab.money.MissingRatesError` in ``lang``: the currencies without a rate, the
    reporting currency, per currency the days lacking a rate and its first rate, and the two
    fixes (rates, or one currency's orders)."""
    text: str = t_md(
        "money.missing", lang, currencies=", ".join(exc.currencies), reporting=exc.reporting
    )
    text = text + "\n"
    for code in exc.currencies:  # one list item per currency
        first_rate = exc.first_rates.get(code)
        rate = (
            t_md("money.first_rate", lang, day=first_rate)
            if first_rate
            else Markdown(t("money.no_rate", lang))
        )
        if code in exc.days:
            first, last, n = exc.days[code]
            item = t_md(
                "money.missing_days", lang, currency=code, n=f"{n:,}", first=first, last=last,
                rate=rate,
            )  # fmt: skip
        else:
            item = t_md("money.missing_currency", lang, currency=code, rate=rate)
        text = text + "\n- " + item
    if exc.rates_currency and exc.rates_currency != exc.reporting:
        stored = t_md(
            "money.rates_elsewhere", lang, stored=exc.rates_currency, reporting=exc.reporting
        )
        text = text + "\n\n" + stored
    return Markdown(text)


CAMPAIGN_DRAFT_KEY = "cmp_draft"
"""Session-state key of the draft audience an analytic view hands to the Campaigns page."""
CAMPAIGNS_PAGE = Path(__file__).resolve().parent / "campaigns_page.py"


def open_audience_draft(audience: Audience) -> None:
    """Make ``audience`` the Campaigns page's draft and open its audience chooser on it."""
    st.session_state[CAMPAIGN_DRAFT_KEY] = audience
    st.session_state["cmp_source"] = "draft"
    for lang in LANGS:  # the chooser's widgets, keyed per language (translated_choice)
        st.session_state.pop(f"cmp_source_{lang}", None)


def audience_button(audience: Audience, lang: str, *, key: str) -> None:
    """ "Make an audience from this": a button that hands ``audience`` (a draft, not saved) to
    the Campaigns page and opens it there, to preview, refine, save and export (consent and
    the other suppressions apply there, as to every export). Not shown to a role without
    the Campaigns page (viewers: no member lists)."""
    if not can("page.campaigns"):
        return
    if st.button(
        t("cmp.make_audience", lang),
        key=key,
        icon=":material/campaign:",
        help=t("cmp.make_audience_help", lang),
    ):
        open_audience_draft(audience)
        st.switch_page(CAMPAIGNS_PAGE)


def open_settings() -> None:
    """Open the sidebar's workspace settings (a button callback: before the sidebar is drawn)."""
    st.session_state[SETTINGS_KEY] = True


def _currency_option(code: str, reporting: str | None, lines: dict[str, int], lang: str) -> str:
    if code == ALL_CURRENCIES:
        return t("money.filter_all", lang, reporting=reporting or "–")
    return t("money.filter_one", lang, currency=code, lines=f"{lines.get(code, 0):,}")


def _currency_filter(path: str, version: str, lang: str) -> str | None:
    """The currency filter widget (only when some orders are not in the reporting currency)."""
    currencies = load_currencies(path, version)
    codes = [c for c in currencies["currency"].to_list() if c]
    reporting = load_reporting_currency(path, version).code
    if all(c == reporting for c in codes):
        st.session_state[CURRENCY_KEY] = ALL_CURRENCIES
        return None
    lines = dict(zip(currencies["currency"].to_list(), currencies["lines"].to_list(), strict=True))
    options = [ALL_CURRENCIES, *codes]
    labels = {c: _currency_option(c, reporting, lines, lang) for c in options}
    if st.session_state.get(CURRENCY_KEY) not in options:  # a currency no longer present
        st.session_state[CURRENCY_KEY] = ALL_CURRENCIES
    translated_choice(
        st.selectbox,
        t("money.filter", lang),
        options,
        key=CURRENCY_KEY,
        lang=lang,
        default=ALL_CURRENCIES,
        format_func=lambda c: labels[c],
        help=t("money.filter_help", lang),
    )
    return chosen_currency()


def _missing_rates(exc: MissingRatesError, lang: str) -> None:
    st.error(missing_rates_message(exc, lang), icon=":material/currency_exchange:")
    st.button(
        t("money.fix_rates", lang),
        key="ana_fix_rates",
        on_click=open_settings,
        icon=":material/edit:",
        help=t("money.fix_rates_help", lang),
    )
    st.caption(t("money.fix_filter", lang))


def _money_notes(data: CustomerData, path: str, version: str, lang: str) -> None:
    """Say what the money figures below are: their currency, the currency filter, placeholders."""
    filtered = chosen_currency()
    if filtered is not None and data.currency is not None:
        total = int(load_currencies(path, version)["lines"].sum())
        st.info(
            t_md(
                "money.filtered",
                lang,
                currency=data.currency,
                lines=f"{data.order_lines:,}",
                total=f"{total:,}",
            ),
            icon=":material/filter_alt:",
        )
    elif data.currency is not None and real_money(data):
        others = [
            c for c in load_currencies(path, version)["currency"].to_list() if c != data.currency
        ]
        if others:
            st.caption(
                t_md("money.converted", lang, currency=data.currency, others=", ".join(others))
            )
        else:
            st.caption(t_md("money.in_currency", lang, currency=data.currency))
    if not real_money(data):
        st.info(placeholder_note(lang), icon=":material/info:")
    elif data.placeholder_lines:
        st.caption(
            t_md(
                "money.placeholder_some",
                lang,
                n=f"{data.placeholder_lines:,}",
                total=f"{data.order_lines:,}",
            )
        )


_RESOLVED_KEY = "ana_resolved_again"


def analysis_inputs(lang: str) -> tuple[CustomerData, dt.date] | None:
    """The common head of the analytics pages: their data and the analysis date.

    Shows a hint and returns ``None`` when identities were never resolved. The date input
    (default: the day of the last order, in the business time zone) keeps its value across
    pages. With orders in several currencies, a currency filter (:data:`CURRENCY_KEY`, shared by
    the pages) analyses every order in the reporting currency or one currency's orders; when a
    currency has no rate, the message says so with both fixes (open the rates editor, or pick
    one currency) and ``None`` is returned. Notes say what the money figures are in and how
    many amounts are placeholders. When records were imported after the last resolution, a
    warning says their rows are left out and offers to resolve again (with the last run's
    settings).
    """
    path = str(workspace_dir())
    version = data_version(path)
    if not is_resolved(path, version):
        st.info(t("ana.not_resolved", lang))
        return None
    date_column, currency_column = st.columns(2)
    with currency_column:
        currency = _currency_filter(path, version, lang)
    try:
        data = load_customer_data(path, version, currency=currency)
    except MissingRatesError as exc:
        _missing_rates(exc, lang)
        return None
    if data is None:
        st.info(t("ana.not_resolved", lang))
        return None
    last = data.orders["order_ts"].max()
    if isinstance(last, dt.datetime):
        default = to_date(last, time_zone=data.time_zone)
    else:
        default = dt.date.today()
    with date_column:
        chosen = st.date_input(
            t("ana.as_of", lang),
            value=st.session_state.get(AS_OF_KEY, default),
            help=t_md("ana.as_of_help", lang, zone=data.time_zone),
            format="YYYY-MM-DD",
        )
    as_of = chosen if isinstance(chosen, dt.date) else default
    st.session_state[AS_OF_KEY] = as_of
    _money_notes(data, path, version, lang)
    done = st.session_state.pop(_RESOLVED_KEY, None)
    if done is not None:
        st.success(t_md("ana.resolved_again", lang, customers=done))
    if data.unlinked_records:
        st.warning(t_md("ana.unlinked", lang, n=f"{data.unlinked_records:,}"))
    if data.removed_records:  # an import was undone after the last resolution
        st.warning(t_md("ana.removed", lang, n=f"{data.removed_records:,}"))
    stale = data.unlinked_records or data.removed_records
    if (
        stale
        and can("resolve")  # admins only
        and st.button(t("ana.resolve_again", lang), key="ana_resolve_again")
    ):
        permit("resolve")
        when = dt.datetime.now(dt.UTC)
        with long_work(Markdown(t("app.work_resolve", lang)), lang):
            result = resolve_again(get_workspace(path), at=when)
        audit_event("resolve", at=when, n=result.customers)  # who: identity_runs has when
        st.session_state[_RESOLVED_KEY] = result.customers
        st.rerun()
    return data, as_of


_AUTO_ZONE = ""


def business_zone() -> str:
    """The workspace's business time zone, in which the app shows times and counts days
    (``UTC`` when the workspace cannot be opened: the page says why). Read once per data
    version (settings live in the database: a change makes a new version)."""
    path = str(workspace_dir())
    try:
        return _load_business_zone(path, data_version(path))
    except CimlabError:
        return "UTC"


@st.cache_data(show_spinner=False, max_entries=16)
def _load_business_zone(path: str, version: str) -> str:
    del version  # part of the cache key only
    return business_time_zone(get_workspace(path))


@st.cache_data(show_spinner=False, max_entries=16)
def _load_settings(path: str, version: str) -> tuple[Any, str, list[str], list[str]]:
    """What the sidebar's settings show, read once per data version in one open of the
    database: the time zone choice, the automatic zone, the trusted sources, the channels."""
    del version
    ws = get_workspace(path)
    with ws.reading():
        choice = time_zone_choice(ws)
        automatic = automatic_time_zone(ws).zone
        trusted = list(source_priority(ws) or ())
        channels = sorted(set(ws.counts()["channel"].to_list()) | set(trusted))
    return choice, automatic, trusted, channels


@st.cache_data(show_spinner=False)
def _zones() -> list[str]:
    import zoneinfo

    return sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


def time_zone_setting(lang: str) -> None:
    """The sidebar's workspace settings (:mod:`cimlab.settings`, :mod:`cimlab.money`): the
    business time zone, the golden record's trusted sources, the reporting currency and the
    exchange rates.

    Time zone: "Automatic" (the zone of the imports) or any IANA zone. Trusted sources: the
    channels picked, in the order picked (best first). Reporting currency: "Automatic" (the
    currency of most order value) or a code. Rates: :func:`rates_editor` (these two are drawn
    while the expander is open). Changes are stored
    in the workspace, so every page and every user of it sees the same, and every cached
    figure is computed again (:func:`data_version`). The expander's state is
    :data:`SETTINGS_KEY` (:func:`open_settings` opens it). Not shown when the workspace
    cannot be opened (the page says why), nor to a role without the ``settings`` permission.
    """
    try:
        if not can("settings"):
            return
        path = str(workspace_dir())
        ws = get_workspace(path)
        version = data_version(path)
        choice, automatic, trusted, channels = _load_settings(path, version)
        currency = load_reporting_currency(path, version)
        table = _load_rates(path, version)
        present = load_currencies(path, version)["currency"].to_list()
    except Exception:  # the page shows (and logs) what is wrong with the workspace
        _log.debug("workspace settings not shown", exc_info=True)
        return
    current = choice.zone if choice.source == "setting" else _AUTO_ZONE
    options = [_AUTO_ZONE, *_zones()]
    if current not in options:
        options.append(current)
    with st.sidebar.expander(
        t("app.settings", lang), key=SETTINGS_KEY, on_change="rerun"
    ) as settings:
        picked = st.selectbox(
            t("app.time_zone", lang),
            options,
            index=options.index(current),
            format_func=lambda z: z or t("app.time_zone_auto", lang, zone=automatic),
            help=t("app.time_zone_help", lang),
        )
        ranked = st.multiselect(
            t("app.source_priority", lang),
            channels,
            default=trusted,
            format_func=lambda c: channel_label(c, lang),
            placeholder=t("app.source_priority_none", lang),
            help=t("app.source_priority_help", lang),
        )
        if settings.open:  # drawn only when open: the rates editor is a table
            code = _reporting_currency_input(ws, currency, [*present, *table["currency"]], lang)
            rates_editor(ws, table, code, lang)
    if picked != current:
        permit("settings")
        set_time_zone(ws, picked or None)
        _audit_setting("time_zone", picked or "auto")
        st.rerun()
    if ranked != trusted:
        permit("settings")
        set_source_priority(ws, ranked or None)
        _audit_setting("source_priority", ",".join(ranked) or "none")
        st.rerun()


def _audit_setting(name: str, value: str) -> None:
    """Record a workspace-setting change (who, which setting, its new value) in the audit log."""
    _audit("setting", current_user(), dt.datetime.now(dt.UTC), target=name, detail=value)


_AUTO_CURRENCY = ""
COMMON_CURRENCIES = ("CNY", "USD", "EUR", "GBP", "HKD", "JPY")
"""Reporting currencies offered besides those of the orders and rates (any code can be typed)."""
_CODE = re.compile(r"^[A-Z]{3}$")
_SETTINGS_FLASH = "app_settings_flash"
RATES_EDITOR_KEY = "app_rates_editor"
"""Session-state key of the rates table editor (its edits until saved)."""


@st.cache_data(show_spinner=False, max_entries=16)
def _load_rates(path: str, version: str) -> pl.DataFrame:
    del version
    return rates(get_workspace(path))


def _settings_flash() -> None:
    """Show (once) the outcome of the last currency or rates change."""
    note = st.session_state.pop(_SETTINGS_FLASH, None)
    if note:
        (st.success if note["ok"] else st.error)(md_text(note["text"]))


def _reporting_currency_input(
    ws: Workspace, choice: CurrencyChoice, known: Sequence[str | None], lang: str
) -> str | None:
    """The reporting currency selectbox; saves a change. Returns the code in use (or None)."""
    current = (choice.code if choice.source == "setting" else None) or _AUTO_CURRENCY
    codes = sorted({c for c in (*known, *COMMON_CURRENCIES, current) if c})
    options = [_AUTO_CURRENCY, *codes]
    automatic = choice.code if choice.source == "orders" else None
    picked = st.selectbox(
        t("app.currency", lang),
        options,
        index=options.index(current),
        format_func=lambda c: (
            c
            or (
                t("app.currency_auto", lang, code=automatic)
                if automatic
                else t("app.currency_auto_none", lang)
            )
        ),
        accept_new_options=True,
        help=t("app.currency_help", lang),
    )
    picked = (picked or "").strip().upper()
    if picked != current:
        if picked and not _CODE.match(picked):
            st.error(t_md("app.currency_bad", lang, code=picked))
        else:
            permit("settings")
            set_reporting_currency(ws, picked or None)
            _audit_setting("reporting_currency", picked or "auto")
            st.rerun()
    return choice.code


def rate_problems(frame: pl.DataFrame, lang: str, *, reporting: str | None = None) -> list[str]:
    """What is wrong with an edited rates table, one text per problem in ``lang`` (rows
    numbered from 1 as the editor shows them); empty when it can be saved. The rules of
    :func:`cimlab.money.check_rates` (codes, rates above 0, dates, one rate per currency and
    day, none for the reporting currency ``reporting``), said in the user's language.

    >>> import datetime as dt
    >>> frame = pl.DataFrame({"currency": ["usd", "BR", "CNY"], "rate": [7.1, 0.0, 1.0],
    ...     "valid_from": [dt.date(2024, 1, 1), None, dt.date(2024, 1, 1)]})
    >>> for text in rate_problems(frame, "en", reporting="CNY"):
    ...     print(text)
    Row 2: “BR” is not a currency code: use three capital letters (ISO 4217), e.g. USD.
    Row 2: the rate must be a number above 0 (found 0.0).
    Row 2: “valid from” is empty: enter the first day the rate applies.
    Row 3: CNY is the reporting currency: it needs no rate (1 CNY = 1 CNY); remove the row.
    """
    table = frame.select(
        pl.col("currency").cast(pl.String).str.strip_chars().str.to_uppercase().fill_null(""),
        "rate",
        "valid_from",
    )
    texts = {
        "currency": "app.rates_bad_currency",
        "reporting": "app.rates_reporting",
        "rate": "app.rates_bad_rate",
        "valid_from": "app.rates_no_date",
        "duplicate": "app.rates_duplicate",
    }
    return [
        t(
            texts[p.kind],
            lang,
            row=p.row,
            value=p.currency if p.kind == "currency" else p.rate,
            currency=p.currency,
            first=p.first,
            day=p.day,
        )
        for p in money_rate_problems(table, reporting=reporting)
    ]


def _edited_rates(edited: pl.DataFrame) -> pl.DataFrame:
    """The editor's rows as the rates table: empty rows dropped, codes trimmed and in capitals,
    days as dates (the editor returns date-times)."""
    frame = edited.select("currency", "rate", "valid_from")
    frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    return frame.with_columns(
        pl.col("currency").cast(pl.String).str.strip_chars().str.to_uppercase(),
        pl.col("rate").cast(pl.Float64),
        pl.col("valid_from").cast(pl.Date),
    )


def rates_editor(ws: Workspace, table: pl.DataFrame, reporting: str | None, lang: str) -> None:
    """The exchange rates (:func:`cimlab.money.rates`) as an editable table, saved with
    :func:`cimlab.money.set_rates` after :func:`rate_problems` finds nothing; or replaced by an
    uploaded rates CSV (:func:`cimlab.money.read_rates_csv`, header ``currency,rate,valid_from``).

    Rates are written in the reporting currency (``reporting``); without one (no orders, no
    setting) nothing can be saved, and rates written in another one are flagged (they do not
    apply until that currency is the reporting currency again, or they are replaced).
    """
    st.markdown(f"**{t('app.rates', lang)}**")
    _settings_flash()
    if reporting is None:
        st.caption(t("app.rates_no_reporting", lang))
        return
    st.caption(t_md("app.rates_help", lang, reporting=reporting))
    stored_in = rates_currency(ws)
    if stored_in and stored_in != reporting and not table.is_empty():
        st.warning(t_md("app.rates_elsewhere", lang, stored=stored_in, reporting=reporting))
    edited = st.data_editor(
        table,
        num_rows="dynamic",
        key=RATES_EDITOR_KEY,
        hide_index=True,
        column_config={
            "currency": st.column_config.TextColumn(
                t("app.rates_col_currency", lang), max_chars=3, required=True
            ),
            "rate": st.column_config.NumberColumn(
                t("app.rates_col_rate", lang), min_value=0.0, format="%.6g", required=True
            ),
            "valid_from": st.column_config.DateColumn(
                t("app.rates_col_valid_from", lang), format="YYYY-MM-DD", required=True
            ),
        },
    )
    if st.button(t("app.rates_save", lang), key="app_rates_save", icon=":material/save:"):
        frame = _edited_rates(edited)
        problems = rate_problems(frame, lang, reporting=reporting)
        if problems:
            message: str = Markdown("")
            for problem in problems:  # one line each
                message = message + md_text(problem) + "  \n"
            st.error(Markdown(message))
        else:
            _save_rates(ws, frame, t_md("app.rates_saved", lang, n=frame.height), lang)
    upload = st.file_uploader(
        t("app.rates_upload", lang),
        type=["csv"],
        key="app_rates_upload",
        help=t("app.rates_upload_help", lang),
    )
    if upload is not None and st.button(
        t("app.rates_replace", lang), key="app_rates_replace", icon=":material/upload_file:"
    ):
        name = Path(upload.name).name or "rates.csv"
        try:
            frame = read_rates_bytes(upload.getvalue(), name=name, reporting=reporting)
        except CimlabError as exc:
            st.error(error_message(exc, lang))
            return
        _save_rates(ws, frame, t_md("app.rates_uploaded", lang, n=frame.height, file=name), lang)


def _save_rates(ws: Workspace, frame: pl.DataFrame, done: Markdown, lang: str) -> None:
    """Store ``frame`` as the rates, drop the editor's edits and say so after the rerun."""
    permit("settings")
    try:
        set_rates(ws, frame)
        _audit_setting("rates", f"{frame.height} rows")
    except ValueError as exc:  # checked above; the workspace may have changed meanwhile
        st.error(t_md("error.prefix", lang, message=str(exc)))
        return
    st.session_state.pop(RATES_EDITOR_KEY, None)
    st.session_state[_SETTINGS_FLASH] = {"ok": True, "text": done}
    st.rerun()


def translated_choice(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[Any],
    *,
    key: str,
    lang: str,
    default: Any,
    **kwargs: Any,
) -> Any:
    """``widget`` (``st.selectbox`` or ``st.radio``) over ``options`` with translated labels,
    whose choice survives a language switch.

    Streamlit keeps a keyed widget's state as the label on screen: after a switch the old
    language's label stays in a selectbox and a radio shows no choice. So the widget is keyed
    per language (``<key>_<lang>``) and the choice is kept under ``key``.
    """
    chosen = st.session_state.get(key, default)
    options = list(options)
    index = options.index(chosen if chosen in options else default)
    value = widget(label, options, index=index, key=f"{key}_{lang}", **kwargs)
    st.session_state[key] = value
    return value


@contextlib.contextmanager
def long_work(label: Markdown, lang: str) -> Iterator[None]:
    """Long work (an import, an undo, a resolution) inside an ``st.status`` that turns while it
    runs and then says how long it took (an error marks it failed and goes on to the caller).

    The work holds the workspace's write transaction; other sessions of the app read meanwhile
    (:class:`cimlab.workspace.Workspace` shares the writer's database with readers of the
    process), which the label tells the user.
    """
    started = time.perf_counter()
    with st.status(label, expanded=False) as status:
        yield
        seconds = f"{time.perf_counter() - started:.1f}"
        status.update(label=t("app.work_done", lang, seconds=seconds), state="complete")


def guard(body: Callable[[], object], lang: str, *, context: str = "") -> None:
    """Run a page body; show cimlab errors as ``st.error`` and hide anything unexpected.

    Streamlit's own control flow (``st.rerun``, ``st.stop``) derives from ``BaseException``
    and passes through untouched.
    """
    try:
        body()
    except Exception as exc:
        st.error(error_message(exc, lang, context=context))


def error_message(exc: Exception, lang: str, *, context: str = "") -> Markdown:
    """The text to show for an error: cimlab's own message (which quotes file names, headers
    and values: shown as text), or a generic one (details logged)."""
    if isinstance(exc, WorkspaceBusy):
        return t_md("error.workspace_busy", lang, message=str(exc))
    from cimlab.auth import NotAllowed

    if isinstance(exc, NotAllowed):
        return t_md("auth.not_allowed", lang, role=role_label(exc.role, lang))
    if isinstance(exc, CimlabError):
        return t_md("error.prefix", lang, message=str(exc))
    _log.error(
        "unexpected error in the cimlab app%s",
        f" ({context})" if context else "",
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return Markdown(t("error.unexpected", lang))


def scrub_text(expr: pl.Expr) -> pl.Expr:
    """Mask the contact data found anywhere inside text (a rejected raw line, a note) before it
    is shown: :func:`cimlab.privacy.scrub_text_expr`, the one scrubber of logs and messages.

    >>> frame = pl.DataFrame({"x": ["call 13800138000 or a.b@x.com", None]})
    >>> frame.select(scrub_text(pl.col("x"))).item(0, 0)
    'call 138****8000 or a***@x.com'
    """
    return scrub_text_expr(expr)


MASKERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "phone": mask_phone_expr,
    "email": mask_email_expr,
    "name": mask_name_expr,
}


def mask_columns(frame: pl.DataFrame, kinds: Mapping[str, str]) -> pl.DataFrame:
    """Mask personal data for display: ``kinds`` maps column → ``phone``/``email``/``name``.

    Every other text column still has e-mails and mobile numbers inside it masked
    (:func:`scrub_text`), so an unmapped contact column is never shown raw.
    """
    exprs = []
    for column, dtype in frame.schema.items():
        kind = kinds.get(column)
        if kind in MASKERS:
            exprs.append(MASKERS[kind](pl.col(column).cast(pl.String)).alias(column))
        elif dtype == pl.String:
            exprs.append(scrub_text(pl.col(column)).alias(column))
    return frame.with_columns(exprs) if exprs else frame


UPLOADS_KEY = "app_uploads"
"""Session key: what this session holds from its uploaded files, by page (script hash), file id
and memo key (:func:`upload_memo`); :func:`release_uploads` forgets it."""


def _run_context() -> Any:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx()


def upload_memo(file_id: str, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """A result computed from an uploaded file (its reading, checks, reports), memoised for this
    session only, never in a cache shared by sessions, until :func:`release_uploads` forgets it
    (after the import, an undo, or when the user leaves the page). At most 12 results per file,
    the least recently used one goes first.
    """
    context = _run_context()
    page = context.page_script_hash if context is not None else ""
    pages: dict[str, dict[str, dict[Any, Any]]] = st.session_state.setdefault(UPLOADS_KEY, {})
    store = pages.setdefault(page, {}).setdefault(file_id, {})
    if key in store:
        store[key] = store.pop(key)  # the most recently used last
    else:
        if len(store) >= 12:
            store.pop(next(iter(store)))
        store[key] = compute()
    return store[key]


def release_uploads(file_ids: Sequence[str] | None = None, *, page: str | None = None) -> int:
    """Forget uploaded files: Streamlit's copy of each file's bytes (its per-session
    ``UploadedFileManager``) and every result :func:`upload_memo` kept from it.

    ``file_ids`` None: every upload the page holds (``page``: a page's script hash, by default
    the current page's). Returns how many files were released. The uploader widget still lists
    a released file until its key changes: pages give their uploader a new key as well.
    """
    context = _run_context()
    pages: dict[str, dict[str, Any]] = st.session_state.get(UPLOADS_KEY, {})
    if page is None:
        page = context.page_script_hash if context is not None else ""
    store = pages.get(page, {})
    ids = list(store) if file_ids is None else list(file_ids)
    for file_id in ids:
        store.pop(file_id, None)
        if context is not None:
            context.uploaded_file_mgr.remove_file(context.session_id, file_id)
    if not store:
        pages.pop(page, None)
    return len(ids)


def release_left_uploads() -> None:
    """Leaving a page releases its uploads (:func:`release_uploads`): the router calls this on
    every run, before the page runs."""
    context = _run_context()
    if context is None:
        return
    for page in [p for p in st.session_state.get(UPLOADS_KEY, {}) if p != context.page_script_hash]:
        release_uploads(page=page)


_HISTORY_COLUMNS = {
    "batch_id": "hist.batch_id",
    "table_name": "hist.table",
    "channel": "hist.channel",
    "file_name": "hist.file",
    "rows_read": "hist.rows_read",
    "rows_loaded": "hist.rows_loaded",
    "rows_quarantined": "hist.rows_quarantined",
    "rows_filtered": "hist.rows_filtered",
    "rows_duplicate": "hist.rows_duplicate",
    "imported_at": "hist.imported_at",
    "status": "hist.status",
}


def history_frame(batches: pl.DataFrame, lang: str, *, zone: str | None = None) -> pl.DataFrame:
    """Import history for display: translated headers, tables, channels and status; import
    times in ``zone`` (default: the business time zone, named in the header)."""
    zone = zone or business_zone()
    keep = [c for c in _HISTORY_COLUMNS if c in batches.columns]
    frame = batches.select(keep)
    if "imported_at" in frame.columns:
        frame = frame.with_columns(pl.col("imported_at").dt.convert_time_zone(zone))
    lookups = {
        "table_name": {v: table_label(v, lang) for v in frame["table_name"].unique().to_list()},
        "channel": {v: channel_label(v, lang) for v in frame["channel"].unique().to_list()},
        "status": {s: t(f"status.{s}", lang) for s in ("active", "undone")},
    }
    frame = frame.with_columns(
        pl.col(c).replace_strict(m, default=pl.col(c), return_dtype=pl.String)
        for c, m in lookups.items()
        if c in frame.columns
    )
    return frame.rename({c: t(_HISTORY_COLUMNS[c], lang, zone=zone) for c in keep})
