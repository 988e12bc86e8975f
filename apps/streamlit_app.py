"""cimlab app: the router. Run with ``streamlit run apps/streamlit_app.py`` (or ``make app``).

The sidebar holds the language switch (中文/English, session key ``lang``) and shows the workspace
folder (``$CIMLAB_WORKSPACE``, default ``data/workspace``) and whether unmasked contact data may
be revealed (``$CIMLAB_ALLOW_REVEAL=1``, set by an admin; each reveal is logged), and the workspace
settings (time zone, trusted sources, reporting currency, exchange rates: :func:`_common.time_zone_setting`);
``st.navigation`` routes to the pages under ``apps/``. When the workspace has users
(``cimlab users add``), :func:`_common.auth_gate` asks for sign-in first, and the navigation
lists only the pages the user's role may open (:data:`cimlab.auth.PERMISSIONS`). Page bodies run inside :func:`_common.guard`, so errors never show a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

APPS_DIR = Path(__file__).resolve().parent
if str(APPS_DIR) not in sys.path:  # `streamlit run` adds it; AppTest does not
    sys.path.insert(0, str(APPS_DIR))

import _common as common  # noqa: E402

from cimlab.i18n import LANGS, lang_label, t  # noqa: E402

_LANG_KEPT = "app_lang_kept"

# an emoji icon: Streamlit draws it locally (a ":material/...:" favicon is fetched from Google)
st.set_page_config(page_title="cimlab", page_icon="👥", layout="wide")

# the choice is mirrored in a plain key: st.switch_page drops every widget's state
st.session_state.setdefault(common.LANG_KEY, st.session_state.get(_LANG_KEPT, LANGS[0]))
lang: str = st.sidebar.radio(
    t("app.language", common.current_lang()),
    LANGS,
    format_func=lambda code: common.md_text(lang_label(code)),  # radio options are Markdown
    key=common.LANG_KEY,
    horizontal=True,
)
st.session_state[_LANG_KEPT] = lang

pages = [
    st.Page(
        APPS_DIR / "import_page.py",
        title=t("nav.import", lang),
        icon=":material/upload_file:",
        default=True,
    ),
    st.Page(
        APPS_DIR / "overview_page.py",
        title=t("nav.overview", lang),
        icon=":material/dashboard:",
        url_path="overview",
    ),
    st.Page(
        APPS_DIR / "customers_page.py",
        title=t("nav.customers", lang),
        icon=":material/groups:",
        url_path="customers",
    ),
    st.Page(
        APPS_DIR / "segments_page.py",
        title=t("nav.segments", lang),
        icon=":material/donut_small:",
        url_path="segments",
    ),
    st.Page(
        APPS_DIR / "channels_page.py",
        title=t("nav.channels", lang),
        icon=":material/hub:",
        url_path="channels",
    ),
    st.Page(
        APPS_DIR / "satisfaction_page.py",
        title=t("nav.satisfaction", lang),
        icon=":material/sentiment_satisfied:",
        url_path="satisfaction",
    ),
    st.Page(
        APPS_DIR / "products_page.py",
        title=t("nav.products", lang),
        icon=":material/shopping_basket:",
        url_path="products",
    ),
    st.Page(
        APPS_DIR / "value_page.py",
        title=t("nav.value", lang),
        icon=":material/trending_up:",
        url_path="value",
    ),
    st.Page(
        APPS_DIR / "campaigns_page.py",
        title=t("nav.campaigns", lang),
        icon=":material/campaign:",
        url_path="campaigns",
    ),
    st.Page(
        APPS_DIR / "audit_page.py",
        title=t("nav.audit", lang),
        icon=":material/policy:",
        url_path="audit",
    ),
]
# an encrypted workspace without its key stops here, saying which key to set
common.check_workspace_key(lang)
# sign-in (when the workspace has users): stops this run at the sign-in form until signed in
common.auth_gate(lang, pages)
# only the pages the role may open: Streamlit routes no URL to a page left out
page = st.navigation([p for p in pages if common.can(common.page_permission(p.url_path))])

workspace = common.workspace_dir()
st.sidebar.caption(
    f"{t('app.workspace', lang)}: {common.md_code(workspace)}", help=t("app.workspace_help", lang)
)
st.sidebar.caption(
    t("app.reveal_on" if common.reveal_allowed() else "app.reveal_off", lang),
    help=common.t_md("app.reveal_help", lang, env=common.REVEAL_ENV),
)

common.auth_sidebar(lang)
with st.sidebar:
    common.guard(lambda: common.time_zone_setting(lang), lang, context="settings")
common.release_left_uploads()  # a page left behind keeps no uploaded bytes
common.guard(page.run, lang)
