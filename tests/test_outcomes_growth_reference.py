"""Which growth reference judges a visit (#11): the protocol's ``[growth]`` choice.

The packaged national layer evaluates every visit with WS/T 423—2022 (WS423 1 范围, in
force 2023-03-01) and manages nutritional-disease cases by WHO 2006 z-scores, as the 2012
nutritional-disease standard says (S4, digest §5). A region that manages cases by the
national standard says so in its own layer; 表3 of WS/T 423—2022 then opens them.
Measurements are read from the standard's tables (``table_rows``), not typed in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
import pytest

import yiyu
from yiyu import CategoryKind, ChildRecord, Encounter, ReferralKind
from yiyu.instruments.growth import GrowthFinding, Indicator
from yiyu.instruments.wst423 import Grade, table_rows
from yiyu.testing import make_child

D = pendulum.Date
BIRTH = D(2024, 1, 31)
GIRL = make_child("C1", born=BIRTH, sex="F")
NATIONAL = yiyu.load_protocol()

COUNTY = """
[protocol]
id = "county"
version = "2026.2-county"
title = "县级方案"
extends = "zj-city@2026.2"

[sources.COUNTY]
title = "县儿童营养性疾病管理实施细则（示例）"

[growth.case_management]
override = true
reference = "ws_t_423_2022"
description = "营养性疾病专案按 WS/T 423—2022 表3 判定"
source = ["COUNTY (示例)"]
evidence = "LOCAL"
"""


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> yiyu.Protocol:
    path = Path(tmp_path_factory.mktemp("county")) / "county.toml"
    path.write_text(COUNTY, encoding="utf-8")
    return yiyu.load_protocol(path)


def visit(on: D, **measurements: Any) -> Encounter:
    return Encounter(id=f"E-{on}", subject_id="C1", on=on, measurements=measurements)


def record(encounter: Encounter, child: yiyu.Child, protocol: yiyu.Protocol) -> ChildRecord:
    result = yiyu.record(encounter, child, protocol, as_of=encounter.on)
    assert isinstance(result, ChildRecord)
    return result


def b2(months: int) -> tuple[float, ...]:
    """B.2 (girls' weight-for-age, SD values) at a printed age."""
    return dict(table_rows(Indicator.WFA, "F", "B"))[months]


# 2024-01-31 + 12 months = 2025-01-31: 366 days = 12.02 months (interpolated between the 12-
# and 13-month rows; the weight below is far enough inside its band for that not to matter).
AT_ONE = D(2025, 1, 31)


def test_the_national_layer_prints_ws_t_423_and_manages_cases_by_who() -> None:
    assert NATIONAL.growth_reference("evaluation") == "ws_t_423_2022"
    assert NATIONAL.growth_reference("case_management") == "who_2006"
    assert NATIONAL.growth["evaluation"].sources[0].startswith("WS423 (1 范围")
    assert NATIONAL.growth["case_management"].sources[0].startswith("S4 (digest §5")


def test_every_visit_carries_both_evaluations() -> None:
    result = record(visit(AT_ONE, weight_kg=b2(12)[3]), GIRL, NATIONAL)
    assert (result.evaluation_reference, result.case_reference) == ("ws_t_423_2022", "who_2006")
    assert result.growth is not None
    assert result.growth.waz is not None
    assert result.evaluation is not None
    weight = result.evaluation.get(Indicator.WFA)
    assert weight is not None
    assert weight.grade_sd is Grade.MIDDLE


def test_where_the_references_disagree_the_chosen_one_opens_the_case(
    county: yiyu.Protocol,
) -> None:
    # Between WS/T 423's -2SD and -3SD at one year: 低体重 by the national standard. WHO
    # 2006's girls are lighter at -2SD (7.0 kg at 12 months), so the same weight is not
    # underweight by WHO: the national layer (WHO for cases) opens nothing.
    sd = b2(12)
    weight = round((sd[0] + sd[1]) / 2, 1)
    child = GIRL
    who = record(visit(AT_ONE, weight_kg=weight), child, NATIONAL)
    assert who.growth is not None
    assert who.growth.waz is not None
    assert who.growth.waz > -2
    assert who.nutrition == frozenset()
    assert who.opened_cases == ()
    # ... but the printed evaluation says 低体重 all the same.
    assert who.evaluation is not None
    item = who.evaluation.get(Indicator.WFA)
    assert item is not None
    assert item.status is not None
    assert item.status.label == "低体重"

    national = record(visit(AT_ONE, weight_kg=weight), child, county)
    assert national.case_reference == "ws_t_423_2022"
    assert national.nutrition == {GrowthFinding.UNDERWEIGHT}
    [case] = national.opened_cases
    assert case.condition is CategoryKind.UNDERWEIGHT
    [finding] = national.findings
    assert "表A.2/B.2" in (finding.detail or "")
    assert "SD位置" in (finding.detail or "")
    # The course keeps the SD position the standard's tables give, not a z-score.
    assert case.course[-1].values["waz"] == item.sd_position


def test_severe_by_the_national_standard_is_referred(county: yiyu.Protocol) -> None:
    result = record(visit(AT_ONE, weight_kg=round(b2(12)[0] - 0.3, 1)), GIRL, county)
    assert result.nutrition == {GrowthFinding.SEVERE_UNDERWEIGHT}
    assert [r.kind for r in result.opened_referrals] == [ReferralKind.NUTRITION]


def test_a_national_case_closes_when_the_child_is_back_above_minus_2sd(
    county: yiyu.Protocol,
) -> None:
    opened = record(visit(AT_ONE, weight_kg=round(b2(12)[1] - 0.1, 1)), GIRL, county)
    assert opened.opened_cases
    later = D(2025, 3, 31)  # 14 months
    recovered = record(visit(later, weight_kg=dict(table_rows(Indicator.WFA, "F", "B"))[14][3]),
                       opened.child, county)  # fmt: skip
    assert [case.condition for case in recovered.closed_cases] == [CategoryKind.UNDERWEIGHT]


def test_obesity_by_bmi_under_the_national_standard(county: yiyu.Protocol) -> None:
    # A girl of 12 months, 74.0 cm: BMI from B.10's +2SD..+3SD band opens 肥胖 (表3:
    # +2SD ≤ · < +3SD), judged by BMI-for-age as the default scheme (2024) says.
    bmi_row = dict(table_rows(Indicator.BFA, "F", "B"))[12]
    target_bmi = (bmi_row[5] + bmi_row[6]) / 2
    weight = round(target_bmi * 0.74**2, 1)
    result = record(visit(AT_ONE, weight_kg=weight, length_cm=74.0), GIRL, county)
    assert GrowthFinding.OBESITY in result.nutrition
    assert [case.condition for case in result.opened_cases] == [CategoryKind.OBESITY]
