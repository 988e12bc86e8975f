"""Language lives at the edges: the analytics return codes (no ``*_zh`` column, no import of
:mod:`cimlab.i18n`), and cimlab.i18n reads every code the analytics can return, in both
languages, with one label per code."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cimlab.analytics.clusters import CLUSTER_RULES
from cimlab.analytics.lifecycle import STAGE_ORDER, LifecycleRules, stage_table
from cimlab.analytics.rfm import SEGMENT_NAMES, SEGMENTS
from cimlab.i18n import (
    LANGS,
    channel_label,
    cluster_label,
    segment_action,
    segment_label,
    stage_label,
    stage_rule,
)

ANALYTICS = Path(__file__).resolve().parents[1] / "cimlab" / "analytics"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("path", sorted(ANALYTICS.glob("*.py")), ids=lambda p: p.name)
def test_analytics_hold_no_chinese_labels_and_no_zh_columns(path: Path) -> None:
    code = path.read_text(encoding="utf-8")
    assert not re.search(r"""["'][a-z_]*_zh["']""", code), "a *_zh column"
    imported = [
        getattr(node, "module", None) or alias.name
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [m for m in imported if m.startswith("cimlab.i18n")], "imports cimlab.i18n"
    # 中文 may appear in docstrings (examples of labels), never in string literals of code
    literals = re.findall(r"""(?<![:`])"[^"\n]*"|'[^'\n]*'""", code)
    assert not [s for s in literals if HAN.search(s)], "a Chinese text in analytics code"


def test_clusters_do_not_load_the_texts() -> None:
    code = "import sys, cimlab.analytics.clusters; print('cimlab.i18n' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_segment_has_a_label_and_an_action_in_each_language() -> None:
    assert SEGMENTS["name"].to_list() == list(SEGMENT_NAMES)
    for lang in LANGS:
        labels = [segment_label(s, lang) for s in SEGMENT_NAMES]
        actions = [segment_action(s, lang) for s in SEGMENT_NAMES]
        assert len(set(labels)) == len(labels) and all(actions), lang
    assert [segment_label(s, "zh") for s in ("Champions", "At risk", "Lost")] == [
        "冠军客户",
        "有流失风险",
        "已流失客户",
    ]
    assert segment_label("Not a segment", "zh") == "Not a segment"  # shown as written
    assert segment_action("Not a segment", "en") == ""


def test_every_stage_has_a_label_and_its_rule_in_each_language() -> None:
    rules = LifecycleRules(new_days=30, active_days=100, lapsed_days=300, loyal_days=5)
    english = dict(stage_table(rules).select("stage", "rule").iter_rows())
    for lang in LANGS:
        labels = [stage_label(s, lang) for s in STAGE_ORDER]
        assert len(set(labels)) == len(STAGE_ORDER), lang
    for stage in STAGE_ORDER:
        assert stage_rule(stage, "en", rules) == english[stage]
        zh = stage_rule(stage, "zh", rules)
        assert HAN.search(zh) and zh.endswith("。")
        # the thresholds written in English are written in 中文 too
        assert sorted(re.findall(r"\d+", zh)) == sorted(re.findall(r"\d+", english[stage])), stage
    assert stage_rule("at_risk", "zh", rules).startswith("最近一次购买在 101–300 天前")


def test_every_cluster_code_reads_in_both_languages() -> None:
    for rule in CLUSTER_RULES:
        if rule == "cluster":
            continue
        en, zh = cluster_label(rule, "en"), cluster_label(rule, "zh")
        assert en != rule and HAN.search(zh), rule
    en = [cluster_label(r, "en") for r in CLUSTER_RULES if r != "cluster"]
    assert len(set(en)) == len(en)
    tmall = (channel_label("tmall", "en"), channel_label("tmall", "zh"))
    assert cluster_label("occasional:tmall", "en") == f"{tmall[0]}-first"
    assert cluster_label("recent_occasional:tmall", "zh") == f"近期{tmall[1]}为主客户"
    assert cluster_label("fading_regulars:tmall#3", "zh") == f"渐冷常客（{tmall[1]}为主）（3）"
    assert cluster_label("cluster_4", "en") == "Cluster 4"
    assert cluster_label("made up", "zh") == "made up"  # not a code: shown as written
