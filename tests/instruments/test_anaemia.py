"""营养性缺铁性贫血 by Hb and age (S4, digest §5) and WHO's 2024 cut-offs, pinned.

The S4 numbers are tagged M in the digest (the anaemia section of the official text was not
read); the tests pin them as the digest states them, so that a correction after reading
the PDF shows up here.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instruments.examples import documented_example
from yiyu.errors import ProtocolError, ValidationError
from yiyu.instruments import anaemia
from yiyu.instruments.anaemia import (
    HB_MAX_G_L,
    HB_MIN_G_L,
    Severity,
    classify_hb,
    load_anaemia,
    markdown,
)
from yiyu.protocol import Evidence

DATA = load_anaemia()


# --------------------------------------------------------------------------- S4 (cn_2012)


@pytest.mark.parametrize(
    ("hb", "age", "anaemic", "severity"),
    [
        # S4 (digest §5): 6 months–6 years, Hb < 110 g/L; mild 90–109, moderate 60–89, severe < 60.
        (109, 12, True, Severity.MILD),
        (110, 12, False, None),
        (109.9, 12, True, Severity.MILD),
        (90, 12, True, Severity.MILD),
        (89, 12, True, Severity.MODERATE),
        (60, 12, True, Severity.MODERATE),
        (59, 12, True, Severity.SEVERE),
        (30, 12, True, Severity.SEVERE),
        (109, 6, True, Severity.MILD),  # the band starts at 6 months
        (109, 71, True, Severity.MILD),
        (140, 36, False, None),
        # S4: 6–14 years, Hb < 120 g/L; mild 90–119.
        (115, 84, True, Severity.MILD),  # 7 years
        (119, 72, True, Severity.MILD),
        (120, 72, False, None),
        (90, 100, True, Severity.MILD),
        (89, 100, True, Severity.MODERATE),
        (59, 167, True, Severity.SEVERE),
    ],
)
def test_cn_2012_cut_offs_and_severity(
    hb: float, age: int, anaemic: bool, severity: Severity | None
) -> None:
    result = classify_hb(hb, age)
    assert result.assessed
    assert result.scheme == "cn_2012"
    assert result.anaemic is anaemic
    assert result.severity is severity
    assert result.threshold == (110 if age < 72 else 120)


def test_severity_labels() -> None:
    assert [s.label_zh for s in Severity] == ["轻度", "中度", "重度"]
    assert classify_hb(89, 12).severity is Severity.MODERATE
    assert classify_hb(89, 12).band == "6m_6y"


def test_under_6_months_is_not_assessed() -> None:
    """S4 gives no cut-off before 6 months: none is invented."""
    for age in (0, 3, 5):
        result = classify_hb(95, age)
        assert not result.assessed
        assert not result.anaemic
        assert result.severity is None
        assert result.threshold is None
        assert result.band is None
        assert result.reason is not None
        assert "6月龄以下" in result.reason
    assert DATA.under_6_months.evidence is Evidence.M


def test_beyond_the_last_band_is_not_assessed() -> None:
    result = classify_hb(100, 168)
    assert not result.assessed
    assert result.reason == "cn_2012 has no cut-off for 168 months"


def test_cn_2012_is_the_default_and_tagged_m() -> None:
    assert DATA.default_scheme == "cn_2012"
    scheme = DATA.scheme("cn_2012")
    assert scheme.evidence is Evidence.M
    assert all(band.evidence is Evidence.M for band in scheme.bands)
    assert all(band.source[0].startswith("S4 (digest §5") for band in scheme.bands)
    assert classify_hb(100, 12, scheme="cn_2012") == classify_hb(100, 12)


# --------------------------------------------------------------------------- WHO 2024


@pytest.mark.parametrize(
    ("hb", "age", "anaemic", "threshold"),
    [
        (106, 12, False, 105),  # WHO 2024 (digest §5): 6–23 months < 105
        (105, 12, False, 105),
        (104, 12, True, 105),
        (104, 23, True, 105),
        (109, 24, True, 110),  # 24–59 months < 110
        (110, 59, False, 110),
        (114, 60, True, 115),  # 5–11 years < 115
        (115, 143, False, 115),
    ],
)
def test_who_2024_cut_offs(hb: float, age: int, anaemic: bool, threshold: float) -> None:
    result = classify_hb(hb, age, scheme="who_2024")
    assert result.scheme == "who_2024"
    assert result.assessed
    assert result.anaemic is anaemic
    assert result.threshold == threshold
    # The digest gives no WHO severity bands: none are made up.
    assert result.severity is None


def test_who_2024_and_cn_2012_disagree_at_12_months() -> None:
    assert classify_hb(106, 12).anaemic
    assert not classify_hb(106, 12, scheme="who_2024").anaemic
    assert not classify_hb(100, 5, scheme="who_2024").assessed
    assert not classify_hb(100, 144, scheme="who_2024").assessed


# --------------------------------------------------------------------------- validation


def test_plausible_range_is_the_encounters() -> None:
    """The issue tracker's plausible Hb range (#3), shared with yiyu.domain.encounter."""
    from yiyu.domain.encounter import RANGES

    assert RANGES["hb_g_l"][:2] == (HB_MIN_G_L, HB_MAX_G_L) == (30.0, 220.0)
    assert classify_hb(30, 12).severity is Severity.SEVERE
    assert not classify_hb(220, 12).anaemic


@pytest.mark.parametrize("hb", [29.9, 220.1, 0, -5, math.nan, math.inf, True, "110", None])
def test_implausible_hb_is_refused(hb: object) -> None:
    with pytest.raises(ValidationError) as error:
        classify_hb(hb, 12)  # type: ignore[arg-type]
    assert error.value.field == "hb_g_l"


@pytest.mark.parametrize("age", [-1, 12.5, True, "12", None])
def test_bad_age_is_refused(age: object) -> None:
    with pytest.raises(ValidationError) as error:
        classify_hb(100, age)  # type: ignore[arg-type]
    assert error.value.field == "age_months"


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        classify_hb(100, 12, scheme="who_2011")
    assert error.value.field == "scheme"
    assert "cn_2012" in error.value.rule


@given(
    st.floats(min_value=30, max_value=220),
    st.floats(min_value=30, max_value=220),
    st.integers(min_value=0, max_value=200),
    st.sampled_from(["cn_2012", "who_2024"]),
)
def test_a_lower_hb_is_never_less_anaemic(a: float, b: float, age: int, scheme: str) -> None:
    low, high = sorted((a, b))
    at_low = classify_hb(low, age, scheme=scheme)
    at_high = classify_hb(high, age, scheme=scheme)
    assert at_low.assessed == at_high.assessed
    assert at_low.anaemic or not at_high.anaemic
    rank = {None: 0, Severity.MILD: 1, Severity.MODERATE: 2, Severity.SEVERE: 3}
    assert rank[at_low.severity] >= rank[at_high.severity]
    assert at_high.anaemic == (at_high.threshold is not None and high < at_high.threshold)


# --------------------------------------------------------------------------- follow-up facts


def test_follow_up_facts_are_carried_with_sources() -> None:
    """S4 缺铁性贫血 管理 (read, V): recheck 2–4 weeks after iron; refer if severe or not
    better after 1 month (疗效标准: Hb up 10–20 g/L at 4 weeks); continue 2 months (M)."""
    follow = DATA.follow_up
    assert follow.recheck_weeks.value == (2, 4)
    assert follow.continue_iron_months.value == 2
    assert follow.refer_if_severe.value is True
    assert follow.refer_no_improvement_months.value == 1
    assert follow.improvement_g_l.value == 10
    for fact in (
        follow.recheck_weeks,
        follow.refer_if_severe,
        follow.refer_no_improvement_months,
        follow.improvement_g_l,
    ):
        assert fact.evidence is Evidence.V
        assert fact.source[0].startswith("S4 (缺铁性贫血")
        assert fact.text
    assert follow.continue_iron_months.evidence is Evidence.M
    assert follow.close.evidence is Evidence.V


# --------------------------------------------------------------------------- region files


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "region.toml"
    path.write_text(text, encoding="utf-8")
    return path


# The packaged recheck weeks refer to the protocol rule's window.
RECHECK_WEEKS = (
    'recheck_weeks = [{ rule = "anaemia_recheck", offset = "opens" }, '
    '{ rule = "anaemia_recheck", offset = "due" }]'
)

PLATEAU = documented_example(anaemia)


def test_a_region_overrides_a_cut_off_and_the_recheck(tmp_path: Path) -> None:
    data = load_anaemia(_write(tmp_path, PLATEAU))
    assert data.header.label == "anaemia-plateau@2026.1-plateau"
    result = classify_hb(115, 12, data=data)
    assert result.anaemic
    assert result.threshold == 118
    assert result.instrument == "anaemia-plateau@2026.1-plateau"
    assert classify_hb(118, 12, data=data).anaemic is False
    assert classify_hb(115, 84, data=data).threshold == 120  # the other band is kept
    assert data.follow_up.recheck_weeks.value == (3, 4)
    assert data.follow_up.recheck_weeks.evidence is Evidence.LOCAL
    assert data.follow_up.continue_iron_months.value == 2
    assert load_anaemia().scheme("cn_2012").bands[0].anaemic_below == 110


def test_a_replacement_can_make_who_2024_the_default(tmp_path: Path) -> None:
    packaged = Path(anaemia.__file__).parent / "data" / "anaemia.toml"
    text = packaged.read_text(encoding="utf-8").replace(
        'default_scheme = "cn_2012"', 'default_scheme = "who_2024"'
    )
    data = load_anaemia(_write(tmp_path, text))
    assert classify_hb(106, 12, data=data).scheme == "who_2024"
    assert not classify_hb(106, 12, data=data).anaemic


@pytest.mark.parametrize(
    ("old", "new", "item", "field"),
    [
        (
            "anaemic_below = 110, mild_from = 90, moderate_from = 60",
            "anaemic_below = 110, mild_from = 90",
            "cn_2012.6m_6y",
            "bands.moderate_from",
        ),
        (
            "anaemic_below = 110, mild_from = 90, moderate_from = 60",
            "anaemic_below = 110, mild_from = 50, moderate_from = 60",
            "cn_2012.6m_6y",
            "bands.mild_from",
        ),
        (
            "from_months = 72, to_months = 168",
            "from_months = 70, to_months = 168",
            "cn_2012.6y_14y",
            "bands.from_months",
        ),
        (
            'default_scheme = "cn_2012"',
            'default_scheme = "who_2011"',
            None,
            "instrument.default_scheme",
        ),
        (
            RECHECK_WEEKS,
            "recheck_weeks = [4, 2]",
            None,
            "follow_up.recheck.recheck_weeks",
        ),
        ('evidence = "M"\nbands', 'evidence = "maybe"\nbands', "cn_2012", "schemes.evidence"),
    ],
)
def test_a_broken_file_names_file_item_and_field(
    tmp_path: Path, old: str, new: str, item: str | None, field: str
) -> None:
    packaged = Path(anaemia.__file__).parent / "data" / "anaemia.toml"
    original = packaged.read_text(encoding="utf-8")
    assert old in original
    path = _write(tmp_path, original.replace(old, new, 1))
    with pytest.raises(ProtocolError) as error:
        load_anaemia(path)
    assert error.value.file == str(path)
    assert error.value.rule_id == item
    assert error.value.field == field


def test_an_override_without_its_own_source_is_refused(tmp_path: Path) -> None:
    own = 'source = "LOCAL (省卫健委通知)"\nevidence = "LOCAL"\n'
    text = PLATEAU.replace("anaemic_below = 118\n" + own, "anaemic_below = 118\n")
    path = _write(tmp_path, text)
    with pytest.raises(ProtocolError) as error:
        load_anaemia(path)
    assert error.value.file == str(path)
    assert error.value.rule_id == "6m_6y"
    assert error.value.field == "schemes.bands.source"


# --------------------------------------------------------------------------- documentation


def test_markdown_shows_both_schemes_and_the_follow_up() -> None:
    text = markdown()
    assert text.startswith("## 营养性缺铁性贫血")
    assert (
        "| `cn_2012` | 6 mo ≤ age < 6 y | Hb < 110 | 90 ≤ Hb < 110 | 60 ≤ Hb < 90 | Hb < 60 |"
        in text
    )
    assert "| `who_2024` | 6 mo ≤ age < 2 y | Hb < 105 |" in text
    assert "2–4 weeks" in text
    assert "Sources: S4 儿童营养性疾病管理技术规范" in text
