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

import datetime as dt
import getpass
import logging
import numbers
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from cimlab.analytics.facts import CustomerData, customer_data
from cimlab.dates import to_date
from cimlab.errors import CimlabError, WorkspaceBusy
from cimlab.i18n import LANGS, channel_label, t, table_label
from cimlab.identity import resolve_again
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

__all__ = [
    "AS_OF_KEY",
    "LANG_KEY",
    "MASKERS",
    "PERCENT_FORMAT",
    "REPO_ROOT",
    "REVEAL_ENV",
    "Markdown",
    "analysis_inputs",
    "business_zone",
    "current_lang",
    "current_user",
    "data_version",
    "error_message",
    "get_workspace",
    "guard",
    "history_frame",
    "load_batches",
    "load_counts",
    "load_customer_data",
    "mask_columns",
    "md_code",
    "md_text",
    "reveal_allowed",
    "scrub_text",
    "t_md",
    "time_zone_setting",
    "translated_choice",
    "workspace_dir",
]

_log = logging.getLogger("cimlab.app")

REPO_ROOT = Path(__file__).resolve().parents[1]
LANG_KEY = "lang"
"""Session-state key of the UI language (``"zh"`` or ``"en"``)."""
AS_OF_KEY = "analysis_as_of"
"""Session-state key of the analysis date shared by the analytics pages."""
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
    logged by :func:`cimlab.customers.profile.reveal_pii`.
    """
    return os.environ.get(REVEAL_ENV, "").strip().lower() in {"1", "true", "yes"}


def current_user() -> str:
    """Who acts in this session, for audit fields: the signed-in user's e-mail or name
    (``st.login``), else ``$CIMLAB_USER``, else the operating-system account."""
    try:
        if st.user.is_logged_in:
            for field in ("email", "name"):
                value = st.user.get(field)
                if isinstance(value, str) and value.strip():
                    return value.strip()
    except Exception:  # no authentication configured: st.user has nothing to say
        pass
    configured = os.environ.get("CIMLAB_USER", "").strip()
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "app"


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


@st.cache_resource(show_spinner=False, max_entries=2)
def load_customer_data(path: str, version: str) -> CustomerData | None:
    """:func:`cimlab.analytics.facts.customer_data` of the workspace; ``None`` until identities are resolved.

    One shared object per workspace version (``cache_resource``), not a copy per call: every
    analytics loader reads it, and copying millions of order lines each time cost seconds and
    gigabytes. Nothing may modify it (Polars frames are not modified in place by cimlab).
    """
    del version
    ws = get_workspace(path)
    if ws.identity_map().is_empty():
        return None
    return customer_data(ws)


_RESOLVED_KEY = "ana_resolved_again"


def analysis_inputs(lang: str) -> tuple[CustomerData, dt.date] | None:
    """The common head of the analytics pages: their data and the analysis date.

    Shows a hint and returns ``None`` when identities were never resolved. The date input
    (default: the day of the last order, in the business time zone) keeps its value across
    pages. When records were imported after the last resolution, a warning says their rows are
    left out and offers to resolve again (with the last run's settings).
    """
    path = str(workspace_dir())
    data = load_customer_data(path, data_version(path))
    if data is None:
        st.info(t("ana.not_resolved", lang))
        return None
    last = data.orders["order_ts"].max()
    if isinstance(last, dt.datetime):
        default = to_date(last, time_zone=data.time_zone)
    else:
        default = dt.date.today()
    chosen = st.date_input(
        t("ana.as_of", lang),
        value=st.session_state.get(AS_OF_KEY, default),
        help=t_md("ana.as_of_help", lang, zone=data.time_zone),
        format="YYYY-MM-DD",
    )
    as_of = chosen if isinstance(chosen, dt.date) else default
    st.session_state[AS_OF_KEY] = as_of
    done = st.session_state.pop(_RESOLVED_KEY, None)
    if done is not None:
        st.success(t_md("ana.resolved_again", lang, customers=done))
    if data.unlinked_records:
        st.warning(t_md("ana.unlinked", lang, n=f"{data.unlinked_records:,}"))
        if st.button(t("ana.resolve_again", lang), key="ana_resolve_again"):
            with st.spinner(t("ana.resolve_again", lang)):
                result = resolve_again(get_workspace(path), at=dt.datetime.now(dt.UTC))
            st.session_state[_RESOLVED_KEY] = result.customers
            st.rerun()
    return data, as_of


_AUTO_ZONE = ""


def business_zone() -> str:
    """The workspace's business time zone, in which the app shows times and counts days
    (``UTC`` when the workspace cannot be opened: the page says why)."""
    try:
        return business_time_zone(get_workspace(str(workspace_dir())))
    except CimlabError:
        return "UTC"


@st.cache_data(show_spinner=False)
def _zones() -> list[str]:
    import zoneinfo

    return sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


def time_zone_setting(lang: str) -> None:
    """The sidebar's workspace settings (:mod:`cimlab.settings`): the business time zone and
    the golden record's trusted sources.

    Time zone: "Automatic" (the zone of the imports) or any IANA zone. Trusted sources: the
    channels picked, in the order picked (best first). Changes are stored in the workspace, so
    every page and every user of it sees the same. Not shown when the workspace cannot be
    opened (the page says why).
    """
    try:
        ws = get_workspace(str(workspace_dir()))
        choice = time_zone_choice(ws)
        automatic = automatic_time_zone(ws).zone
        trusted = list(source_priority(ws) or ())
        channels = sorted(set(ws.counts()["channel"].to_list()) | set(trusted))
    except Exception:  # the page shows (and logs) what is wrong with the workspace
        _log.debug("workspace settings not shown", exc_info=True)
        return
    current = choice.zone if choice.source == "setting" else _AUTO_ZONE
    options = [_AUTO_ZONE, *_zones()]
    if current not in options:
        options.append(current)
    with st.sidebar.expander(t("app.settings", lang)):
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
    if picked != current:
        set_time_zone(ws, picked or None)
        st.rerun()
    if ranked != trusted:
        set_source_priority(ws, ranked or None)
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


_HISTORY_COLUMNS = {
    "batch_id": "hist.batch_id",
    "table_name": "hist.table",
    "channel": "hist.channel",
    "file_name": "hist.file",
    "rows_read": "hist.rows_read",
    "rows_loaded": "hist.rows_loaded",
    "rows_quarantined": "hist.rows_quarantined",
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
