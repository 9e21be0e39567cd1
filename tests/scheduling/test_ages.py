"""Which age assesses what: corrected for growth and development, chronological otherwise.

Source: 早产儿保健工作规范 (S9; docs/sources.md, digest §4, tagged M): corrected age is used
for growth and development assessment until corrected 24 months, until 36 months for a
gestational age under 28 weeks. The limits are the protocol's ``[corrected_age]``.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yiyu
from yiyu.errors import ProtocolError
from yiyu.instruments.warning_signs import column_for
from yiyu.protocol import Evidence
from yiyu.testing import make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()


def test_the_limits_are_protocol_data_with_their_source() -> None:
    rule = PROTOCOL.corrected_age
    assert rule is not None
    assert rule.until_months == 24
    assert rule.evidence is Evidence.M
    assert rule.sources[0].startswith("S9")
    [extension] = rule.extended
    assert extension.until_months == 36
    assert extension.when.condition == "extremely_preterm"


def test_a_preterm_child_is_assessed_by_corrected_age() -> None:
    # 32+0 weeks: 8 weeks early, corrected birth 2026-03-07.
    child = make_child(birth_date="2026-01-10", gestational_age="32+0")
    age = yiyu.assessment_age(child, D(2026, 6, 10), PROTOCOL)
    assert age.corrected
    assert age.basis == D(2026, 3, 7) == yiyu.corrected_birth(child)
    assert (age.months, age.chronological_months) == (3, 5)
    # The column of a 5-month-old preterm child is the 3-month one, not the 6-month one.
    column = column_for(age_months=age.months)
    assert column is not None
    assert column.id == "m3"


def test_corrected_age_ends_at_corrected_24_months() -> None:
    # 30+0 weeks: corrected birth 2024-03-16 (70 days after 2024-01-06).
    child = make_child(birth_date="2024-01-06", gestational_age="30+0")
    corrected = yiyu.corrected_birth(child)
    assert corrected == D(2024, 3, 16)
    last_day = yiyu.assessment_age(child, D(2026, 3, 15), PROTOCOL)
    assert last_day.corrected
    assert last_day.months == 23
    first_day = yiyu.assessment_age(child, D(2026, 3, 16), PROTOCOL)
    assert not first_day.corrected
    assert first_day.basis == child.birth_date
    assert first_day.months == first_day.chronological_months == 26
    assert first_day.corrected_until == D(2026, 3, 16)


def test_under_28_weeks_corrected_age_runs_to_36_months() -> None:
    # 26+3 weeks: corrected birth = birth + 93 days.
    child = make_child(birth_date="2024-01-10", gestational_age="26+3", birth_weight_g=900)
    corrected = yiyu.corrected_birth(child)
    at_30 = yiyu.assessment_age(child, yiyu.add_months(corrected, 30), PROTOCOL)
    assert at_30.corrected
    assert at_30.months == 30
    at_36 = yiyu.assessment_age(child, yiyu.add_months(corrected, 36), PROTOCOL)
    assert not at_36.corrected
    # 28+0 is not under 28 weeks: the ordinary limit.
    older = make_child(birth_date="2024-01-10", gestational_age="28+0", birth_weight_g=1100)
    at_30 = yiyu.assessment_age(older, yiyu.add_months(yiyu.corrected_birth(older), 30), PROTOCOL)
    assert not at_30.corrected


def test_term_and_unknown_gestation_use_chronological_age() -> None:
    for ga in ("37+0", "40+1", None):
        child = make_child(birth_date="2026-01-31", gestational_age=ga)
        age = yiyu.assessment_age(child, D(2026, 4, 30), PROTOCOL)
        assert not age.corrected
        assert age.corrected_until is None
        assert age.months == 3  # month-end clamping: 31 Jan + 3 months = 30 Apr


def test_before_term_equivalent_age_the_assessed_age_is_negative() -> None:
    child = make_child(birth_date="2026-01-10", gestational_age="26+0", birth_weight_g=800)
    age = yiyu.assessment_age(child, D(2026, 2, 10), PROTOCOL)
    assert age.corrected
    assert age.days < 0
    assert age.months < 0
    assert age.chronological_days == 31


def test_an_earlier_day_of_the_same_child() -> None:
    child = make_child(birth_date="2024-01-06", gestational_age="30+0")
    today = yiyu.assessment_age(child, D(2026, 6, 1), PROTOCOL)
    assert not today.corrected
    earlier = today.at(D(2025, 6, 1))
    assert earlier == yiyu.assessment_age(child, D(2025, 6, 1), PROTOCOL)
    assert earlier.corrected


def test_a_region_can_change_the_limit(tmp_path: Path) -> None:
    region = tmp_path / "region.toml"
    region.write_text(
        "\n".join(
            [
                "[protocol]",
                'id = "county"',
                'version = "2026.2-county"',
                'title = "县"',
                'extends = "zj-city"',
                "[sources.LOCAL2]",
                'title = "县卫健局通知"',
                "[corrected_age]",
                "override = true",
                'description = "矫正年龄至矫正18月龄"',
                "until_months = 18",
                'source = ["LOCAL2 (第2条)"]',
                'evidence = "LOCAL"',
            ]
        ),
        encoding="utf-8",
    )
    protocol = yiyu.load_protocol(region)
    child = make_child(birth_date="2024-01-06", gestational_age="26+0", birth_weight_g=800)
    assert protocol.corrected_age is not None
    assert protocol.corrected_age.extended == ()
    corrected = yiyu.corrected_birth(child)
    assert not yiyu.assessment_age(child, yiyu.add_months(corrected, 18), protocol).corrected

    # Redefining it silently is refused, naming the table.
    region.write_text(region.read_text(encoding="utf-8").replace("override = true\n", ""))
    with pytest.raises(ProtocolError) as error:
        yiyu.load_protocol(region)
    assert "corrected_age" in str(error.value)


@given(
    st.integers(min_value=22, max_value=41),
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=0, max_value=6 * 365),
)
def test_corrected_age_never_exceeds_chronological_age(weeks: int, days: int, after: int) -> None:
    child = make_child(birth_date="2024-02-29", gestational_age=f"{weeks}+{days}")
    age = yiyu.assessment_age(child, D(2024, 2, 29).add(days=after), PROTOCOL)
    assert age.days <= age.chronological_days
    assert age.corrected == (weeks < 37 and age.on < (age.corrected_until or age.on))
