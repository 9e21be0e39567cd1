"""The instruments reference page is generated from the data, completely and repeatably."""

from __future__ import annotations

from importlib.resources import files

from yiyu.instruments import anaemia, daycare_review, rearing_risk, warning_signs
from yiyu.instruments.docs import growth_markdown, instruments_markdown
from yiyu.instruments.growth import CN_2012_THRESHOLDS, WHO_THRESHOLDS


def test_the_page_has_every_section_in_order() -> None:
    page = instruments_markdown()
    assert page.startswith("# Instruments reference\n")
    assert page.endswith("\n")
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Growth z-scores: WHO Child Growth Standards (2006) (`growth`)",
        "## 儿童心理行为发育问题预警征象筛查表 (`warning_signs@2026.1`)",
        "## 营养性缺铁性贫血：血红蛋白判定与分度 (`anaemia@2026.1`)",
        "## 托育机构卫生保健工作检查表 (`daycare_review@2026.1`)",
        "## 养育风险评估表（yiyu 默认表，非国家标准） (`rearing_risk_default@2026.1`)",
    ]
    for section in (
        warning_signs.markdown(),
        anaemia.markdown(),
        daycare_review.markdown(),
        rearing_risk.markdown(),
    ):
        assert section in page
    assert "| D | yiyu default: no standard fixes it |" in page
    # Headings are preceded by a blank line, so every renderer sees them.
    lines = page.splitlines()
    assert all(lines[i - 1] == "" for i, line in enumerate(lines) if line.startswith("## "))
    assert instruments_markdown() == page


def test_growth_section_states_the_cut_offs_from_the_code() -> None:
    text = growth_markdown()
    assert "WHO 2006" in text
    for indicator in ("`wfa`", "`lhfa`", "`wfl`", "`wfh`", "`bfa`", "`hcfa`"):
        assert indicator in text
    assert "| `WHO_THRESHOLDS` | z < -2 | z < -3 | 2 < z ≤ 3 | z > 3 |" in text
    assert "| `CN_2012_THRESHOLDS` | z < -2 | z < -3 | 1 < z ≤ 2 | z > 2 |" in text
    assert WHO_THRESHOLDS.source in text
    assert CN_2012_THRESHOLDS.source in text


def test_the_data_files_are_package_data() -> None:
    data = files("yiyu.instruments") / "data"
    for name in (
        "warning_signs.toml",
        "anaemia.toml",
        "daycare_review.toml",
        "rearing_risk_default.toml",
    ):
        assert (data / name).is_file(), name
