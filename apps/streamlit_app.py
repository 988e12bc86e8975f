"""cimlab app: the router. Run with ``streamlit run apps/streamlit_app.py`` (or ``make app``).

The sidebar holds the language switch (中文/English, session key ``lang``) and shows the workspace
folder (``$CIMLAB_WORKSPACE``, default ``data/workspace``); ``st.navigation`` routes to the pages
under ``apps/``. Page bodies run inside :func:`_common.guard`, so errors never show a traceback.
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

st.set_page_config(page_title="cimlab", page_icon=":material/hub:", layout="wide")

st.session_state.setdefault(common.LANG_KEY, LANGS[0])
lang: str = st.sidebar.radio(
    t("app.language", common.current_lang()),
    LANGS,
    format_func=lang_label,
    key=common.LANG_KEY,
    horizontal=True,
)

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
]
page = st.navigation(pages)

workspace = common.workspace_dir()
st.sidebar.caption(f"{t('app.workspace', lang)}: `{workspace}`", help=t("app.workspace_help", lang))

common.guard(page.run, lang)
