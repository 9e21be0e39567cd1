"""The instruments reference pages are generated from the data, completely and repeatably."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from instruments.examples import documented_example
from yiyu.instruments import (
    anaemia,
    case_management,
    daycare_review,
    growth,
    rearing_risk,
    warning_signs,
)
from yiyu.instruments.docs import growth_markdown, instrument_pages
from yiyu.instruments.growth import load_growth_classification

INSTRUMENT_PAGES = {
    "growth.md": "# Growth: WHO Child Growth Standards (2006) and WS/T 423—2022",
    "warning_signs.md": "# 儿童心理行为发育问题预警征象筛查表 (`warning_signs@2026.2`)",
    "anaemia.md": "# 营养性缺铁性贫血：血红蛋白判定与分度 (`anaemia@2026.2`)",
    "case_management.md": (
        "# 营养性疾病专案管理：转诊与结案（营养不良、佝偻病、超重/肥胖） (`case_management@2026.2`)"
    ),
    "daycare_review.md": "# 托育机构卫生保健工作检查表 (`daycare_review@2026.1`)",
    "rearing_risk.md": (
        "# 养育风险评估表（yiyu 默认表，非国家标准） (`rearing_risk_default@2026.1`)"
    ),
}


def test_one_page_per_instrument_and_an_index() -> None:
    pages = instrument_pages()
    assert list(pages) == [*INSTRUMENT_PAGES, "index.md"]
    for name, heading in INSTRUMENT_PAGES.items():
        page = pages[name]
        assert page.startswith(heading + "\n"), name
        assert page.endswith("\n")
        assert not page.endswith("\n\n")
        # One title per page, the section's own heading promoted (subsections below it).
        assert [line for line in page.splitlines() if line.startswith("# ")] == [heading]
        assert not any(line.startswith("## ") for line in page.splitlines())
        assert "do not edit by hand" in page
        assert "](index.md)" in page
    assert instrument_pages() == pages


def test_each_page_carries_its_section_from_the_data() -> None:
    pages = instrument_pages()
    for name, section in (
        ("growth.md", growth_markdown()),
        ("warning_signs.md", warning_signs.markdown()),
        ("anaemia.md", anaemia.markdown()),
        ("case_management.md", case_management.markdown()),
        ("daycare_review.md", daycare_review.markdown()),
        ("rearing_risk.md", rearing_risk.markdown()),
    ):
        body = section.partition("\n")[2].strip("\n")
        assert body in pages[name], name
        assert "\nSources: " in pages[name], name


def test_the_index_lists_every_page_and_the_evidence_tags() -> None:
    index = instrument_pages()["index.md"]
    assert index.startswith("# Instruments reference\n")
    links = re.findall(r"^- \[(.+)\]\(([a-z_]+\.md)\): \S", index, flags=re.MULTILINE)
    assert [target for _, target in links] == list(INSTRUMENT_PAGES)
    for title, target in links:
        assert INSTRUMENT_PAGES[target] == f"# {title}"
    assert "## Evidence tags" in index
    assert "| D | yiyu default: no standard fixes it |" in index
    assert "| M | from memory: a configurable default, check before relying on it |" in index
    # Headings are preceded by a blank line, so every renderer sees them.
    lines = index.splitlines()
    assert all(lines[i - 1] == "" for i, line in enumerate(lines) if i and line.startswith("#"))


def test_growth_section_states_both_schemes_from_the_data() -> None:
    text = growth_markdown()
    assert "WHO 2006" in text
    for indicator in ("`wfa`", "`lhfa`", "`wfl`", "`wfh`", "`bfa`", "`hcfa`"):
        assert indicator in text
    assert "`growth_classification@2026.2`" in text
    assert "`cn_2024` 体重管理指导原则（2024年版）：7岁以下儿童年龄别BMI (default)" in text
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    who = [row for row in rows if row.startswith("| `who_2006` |")][:4]
    cn = [row for row in rows if row.startswith("| `cn_2012` |")][:4]
    excess = [row for row in rows if "`excess_index`" in row]
    assert [row.split("|")[4].strip() for row in excess] == ["`whz`", "`whz`", "`baz`"]
    assert who == [
        "| `who_2006` | moderate deficit 中度 | `moderate_below` | -3 ≤ z < -2 | "
        "WHO2006 (growth-who2006.md step 10) | V |",
        "| `who_2006` | severe deficit 重度 | `severe_below` | z < -3 | "
        "WHO2006 (growth-who2006.md step 10) | V |",
        "| `who_2006` | overweight 超重 | `overweight_above` | 2 < z ≤ 3 | "
        "WHO2006 (growth-who2006.md step 10) | V |",
        "| `who_2006` | obesity 肥胖 | `obese_above` | z > 3 | "
        "WHO2006 (growth-who2006.md step 10) | V |",
    ]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in cn]
    assert [[*row[1:4], row[5]] for row in cells] == [
        ["moderate deficit 中度", "`moderate_below`", "-3 ≤ z < -2", "V"],
        ["severe deficit 重度", "`severe_below`", "z < -3", "V"],
        ["overweight 超重", "`overweight_above`", "1 < z ≤ 2", "M"],
        ["obesity 肥胖", "`obese_above`", "z > 2", "M"],
    ]
    assert "WM2024 (一、体重的分类标准: the same band for BMI-for-age, see cn_2024)" in cn[2]
    assert "Sources: WHO2006 WHO Child Growth Standards (2006)" in text
    assert "S4 儿童营养性疾病管理技术规范 (卫办妇社发〔2012〕49号 附件4)" in text


def test_growth_section_shows_a_regions_cut_offs(tmp_path: Path) -> None:
    path = tmp_path / "city.toml"
    path.write_text(documented_example(growth), encoding="utf-8")
    text = growth_markdown(load_growth_classification(path))
    assert "`growth_classification-city@2026.1-city`" in text
    assert (
        "| `cn_2012` | overweight 超重 | `overweight_above` | 1.5 < z ≤ 2 | "
        "LOCAL (实施方案) | LOCAL |"
    ) in text
    assert "LOCAL 市医育结合实施方案" in text
    assert growth_markdown() != text


def test_the_data_files_are_package_data() -> None:
    data = files("yiyu.instruments") / "data"
    for name in (
        "growth_classification.toml",
        "warning_signs.toml",
        "anaemia.toml",
        "daycare_review.toml",
        "rearing_risk_default.toml",
    ):
        assert (data / name).is_file(), name


def test_growth_page_explains_both_references_and_the_protocols_choice() -> None:
    text = growth_markdown()
    # Which reference the packaged protocol uses for what, from its [growth] data.
    assert "| printed evaluation and growth charts (`evaluation`) | `ws_t_423_2022` |" in text
    assert "| findings that open and close cases (`case_management`) | `who_2006` |" in text
    # WS/T 423—2022's bands, each with its source in the standard.
    assert "| 中上 | P75 ≤ · < P97 | +1SD ≤ · < +2SD |" in text
    assert "| 超重 | bfa, wlh | +1SD ≤ · < +2SD | `overweight` | WS423 (4.3, 表3" in text
    # The differences are computed from both references' data: boys' weight at 12 months.
    assert "| wfa (kg) | boys | 12 | 7.7 | 8.2 | 9.6 | 10.1 |" in text
    # The extraction's cross-checks are stated with their result.
    assert "3822 values compared, 0 disagreements" in text
