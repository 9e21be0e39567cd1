"""The coverage report PDF (#6): each indicator against its target, per area, shortfall."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum

from yiyu.coverage import IndicatorResult, Shortfall
from yiyu.reports import coverage_document


def result(indicator: str, name: str, n: int, d: int, target: float | None, area: str) -> Any:
    return IndicatorResult(
        indicator=indicator,
        name=name,
        area=area,
        period="2026Q3",
        numerator=n,
        denominator=d,
        late=1,
        skipped=0,
        target=target,
        target_strict=False,
        definition="3—36月龄健康检查按时完成的比例",
        source="LOCAL",
        shortfall=tuple(
            Shortfall(subject_id=f"C{i}", key=f"child:C{i}/m3", reason="missed")
            for i in range(d - n)
        ),
    )


BY_AREA = {
    "全市": [
        result("dev_screening_0_3", "0—3岁儿童发育监测筛查率", 90, 100, 0.95, "全市"),
        result("daycare_quarterly_visit", "托育机构季度实地指导覆盖率", 8, 8, 1.0, "全市"),
    ],
    "城关街道": [result("dev_screening_0_3", "0—3岁儿童发育监测筛查率", 28, 30, 0.95, "城关街道")],
}


def test_the_report_reads_as_a_person_would(renderer: Any, poppler: Any) -> None:
    document = coverage_document(
        BY_AREA,
        period="2026Q3",
        as_of=pendulum.Date(2026, 10, 15),
        institution="示范市卫生健康局",
        names={"C0": "王<img src=file:///etc/passwd>红"},
    )
    pdf = renderer.render(document)
    text = poppler.text(pdf)
    for expected in ("2026Q3 覆盖率报告", "全市", "城关街道", "90.0%", "≥95%", "未达标", "达标",
                     "未完成明细", "王<img src=file:///etc/passwd>红", "child:C0/m3"):  # fmt: skip
        assert expected in text, expected
    assert renderer.render(document) == pdf  # same input, same bytes
    fonts = poppler.fonts(pdf)
    assert fonts
    for font in fonts:
        assert font["name"].endswith("+Noto-Sans-SC"), font
        assert font["emb"] == "yes"


def test_shortfall_lists_are_capped_with_a_count() -> None:
    document = coverage_document(BY_AREA, period="2026Q3", as_of=pendulum.Date(2026, 10, 15))
    [city, _] = document.context["areas"]
    [group] = city["shortfalls"]
    assert len(group["items"]) == 10  # 100 − 90
    assert group["more"] == 0
    many = {"全市": [result("x", "x", 0, 40, None, "全市")]}
    [area] = coverage_document(many, period="2026Q3", as_of=pendulum.Date(2026, 10, 15)).context[
        "areas"
    ]
    assert area["shortfalls"][0]["more"] == 15


def test_every_indicator_prints_with_its_shortfall(renderer: Any, poppler: Any) -> None:
    # Real results for every indicator (#10): the resident-child rows, whose shortfall names
    # children without a doctor or without guidance, print with the rest.
    import yiyu
    from yiyu.coverage import INDICATORS, coverage
    from yiyu.testing import make_child

    children = {
        "C1": make_child(id="C1", birth_date="2025-06-01"),
        "C2": make_child(id="C2", name="李<b>明</b>", birth_date="2025-06-01", family_doctor=None),
    }
    results = coverage([], period=yiyu.Period.parse("2026Q2"), as_of=pendulum.Date(2026, 7, 15),
                       protocol=yiyu.load_protocol(), children=children,
                       encounters=[])  # fmt: skip
    names = {"C2": children["C2"].name}
    document = coverage_document(
        {"全市": results}, period="2026Q2", as_of=pendulum.Date(2026, 7, 15), names=names
    )
    text = "".join(poppler.text(renderer.render(document)).split())
    for indicator in INDICATORS:
        assert indicator.name in text, indicator.id
    for expected in ("50.0%", "≥100%", "≥90%", "未签约家庭医生", "本期未获健康指导", "李<b>明</b>"):
        assert expected in text, expected


def test_an_unfinished_period_and_small_denominators_give_no_verdict(
    renderer: Any, poppler: Any
) -> None:
    unfinished = {
        area: [attrs.evolve(r, final=False) for r in results] for area, results in BY_AREA.items()
    }
    text = poppler.text(
        renderer.render(
            coverage_document(unfinished, period="2026Q4", as_of=pendulum.Date(2026, 11, 20))
        )
    )
    assert "统计期 2026Q4 尚未结束" in text
    assert "未达标" not in text  # 90 % of 100 is below 95 %, but the quarter is not over
    finished = coverage_document(BY_AREA, period="2026Q3", as_of=pendulum.Date(2026, 10, 15))
    rows = {row["indicator"]: row for row in finished.context["areas"][0]["rows"]}
    assert rows["dev_screening_0_3"]["met"] == "未达标"  # 100 children: a verdict
    assert rows["daycare_quarterly_visit"]["met"] == "分母<20"  # 8 daycares: none
    assert finished.context["unfinished"] is False


def test_a_shortfall_names_the_service_its_due_date_and_status_with_the_key_small(
    renderer: Any, poppler: Any
) -> None:
    from yiyu.testing import make_obligation

    # The raw key alone (child:C0000021/newborn_home_visit) told a township nothing.
    visit = make_obligation(
        "2026-07-03", "2026-07-10", "2026-07-10", key="child:C0/newborn_home_visit",
        rule="newborn_home_visit", name="新生儿家庭访视", subject_id="C0",
    )  # fmt: skip
    late = Shortfall(subject_id="C0", key=visit.key, reason="missed")
    unknown = Shortfall(subject_id="C1", key="child:C1/m3", reason="late")
    area = [attrs.evolve(BY_AREA["全市"][0], shortfall=(late, unknown))]
    document = coverage_document(
        {"全市": area}, period="2026Q3", as_of=pendulum.Date(2026, 10, 15),
        names={"C0": "王小红"}, obligations={visit.key: visit},
    )  # fmt: skip
    [first, second] = document.context["areas"][0]["shortfalls"][0]["items"]
    assert first == {
        "subject": "王小红", "subject_id": "C0", "service": "新生儿家庭访视",
        "due": "2026-07-10", "reason": "未完成", "key": "child:C0/newborn_home_visit",
    }  # fmt: skip
    assert (second["service"], second["due"], second["key"]) == ("—", "", "child:C1/m3")
    text = "".join(poppler.text(renderer.render(document)).split())
    assert "王小红C0新生儿家庭访视2026-07-10未完成child:C0/newborn_home_visit" in text
    assert "服务项目应做日期状态" in text
