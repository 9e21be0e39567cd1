"""Protocol files: the default stack, regional layers, and every error naming file, rule, field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pendulum
import pytest

import yiyu
from yiyu.protocol import Evidence, ScheduleKind, load_protocol, load_protocol_files

REQUIRED_RULES = [
    "newborn_home_visit", "one_month", "m3", "m6", "m8", "m12", "m18", "m24", "m30",
    "m36", "y4", "y5", "y6", "daycare_quarterly_visit", "daycare_lecture",
    "daycare_annual_review", "daycare_entry_check", "vulnerable_risk_assessment",
    "high_risk_follow_up",
]  # fmt: skip

BASE = """
[protocol]
id = "base"
version = "1"
title = "test base"

[sources.S1]
title = "a standard"

[[rules]]
id = "m3"
name = "3月龄"
subject = "child"
role = "child_health_doctor"
schedule = "once"
anchor = "birth"
opens = { months = 2 }
due = { months = 3 }
closes = { months = 5, days = -1 }
source = ["S1 §1"]
evidence = "V"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def region(tmp_path: Path, body: str) -> Path:
    header = """
    [protocol]
    id = "region"
    version = "7"
    title = "a county"
    extends = "zj-city@2026.2"

    [sources.R1]
    title = "县卫健局通知"
    """
    return write(tmp_path, "region.toml", textwrap.dedent(header) + textwrap.dedent(body))


def test_default_protocol_has_the_rule_ids_host_software_relies_on() -> None:
    protocol = load_protocol()
    assert protocol.label == "zj-city@2026.2"
    assert [layer.id for layer in protocol.layers] == ["cn-national", "zj-city"]
    ids = {rule.id for rule in protocol.rules}
    assert set(REQUIRED_RULES) <= ids


def test_every_rule_and_variant_names_a_known_source() -> None:
    protocol = load_protocol()
    for rule in protocol.rules:
        for r in (rule, *(variant for _, variant in rule.variants)):
            assert r.sources, r.id
            for ref in r.sources:
                assert ref.split(" ")[0] in protocol.sources, (r.id, ref)


def test_unverified_facts_say_so() -> None:
    # digest §1.4: no national text gives a window; yiyu's windows are defaults (D).
    protocol = load_protocol()
    for rule_id in ("m3", "m6", "m8", "m12", "m18", "m24", "m30", "m36"):
        assert protocol.rule(rule_id).window_evidence is Evidence.D
    # digest §4: the preterm cadences are from memory (M).
    variants = {v.variant: v for _, v in protocol.rule("high_risk_follow_up").variants}
    assert variants["high_risk_preterm"].evidence is Evidence.M
    assert not Evidence.M.verified
    assert Evidence.V.verified


def test_default_protocol_is_loaded_once() -> None:
    assert load_protocol() is load_protocol()


def test_region_overrides_a_window_without_copying_the_protocol(tmp_path: Path) -> None:
    path = region(
        tmp_path,
        """
        [[overrides]]
        id = "one_month"
        closes = { days = 42 }
        window_evidence = "LOCAL"
        source = ["R1 (county notice: 42天体检)"]
        """,
    )
    protocol = load_protocol(path)
    assert protocol.label == "region@7"
    rule = protocol.rule("one_month")
    assert rule.closes == yiyu.protocol.Offset(days=42)
    assert rule.opens == yiyu.protocol.Offset(days=28)  # untouched fields stay
    # The override's source first; the standard's still stand for the rest of the rule.
    assert rule.sources[0] == "R1 (county notice: 42天体检)"
    assert rule.sources[1:] == load_protocol().rule("one_month").sources
    assert len(protocol.rules) == len(load_protocol().rules)
    child = yiyu.Child(id="C1", name="王", sex="F", birth_date="2026-01-01")
    [ob] = [o for o in yiyu.schedule(child, protocol, until=pendulum.Date(2026, 3, 1))
            if o.rule == "one_month"]  # fmt: skip
    assert ob.closes == pendulum.Date(2026, 2, 12)
    assert (ob.protocol, ob.protocol_version) == ("region", "7")


def test_region_adds_a_rule(tmp_path: Path) -> None:
    path = region(
        tmp_path,
        """
        [[rules]]
        id = "m9_oral"
        name = "9月龄口腔检查"
        subject = "child"
        role = "child_health_doctor"
        schedule = "once"
        anchor = "birth"
        opens = { months = 9 }
        due = { months = 9 }
        closes = { months = 10 }
        source = ["R1"]
        evidence = "LOCAL"
        """,
    )
    rule = load_protocol(path).rule("m9_oral")
    assert rule.schedule is ScheduleKind.ONCE
    assert rule.layer.endswith("region.toml")


@pytest.mark.parametrize(
    ("body", "rule_id", "field", "problem"),
    [
        ('anchor = "conception"', "m3", "anchor", "unknown value 'conception'"),
        ("closes = { months = 1 }", "m3", "closes", "closes (1 月) before it opens (2 月)"),
        ("due = { months = 6 }", "m3", "due", "outside the window"),
        ("source = []", "m3", "source", "missing source"),
        ('source = ["S9 §4"]', "m3", "source", "'S9'"),
        ('role = "nurse"', "m3", "role", "unknown value 'nurse'"),
        ("opens = { weeks = 8 }", "m3", "opens", "months = m, days = d"),
        ('colour = "red"', "m3", "colour", "unknown field"),
        ("when = { gestation_lt = 37 }", "m3", "when", "unknown condition"),
        ('when = { condition = "nope" }', "m3", "when.condition", "unknown named condition"),
        ('period = "quarter"', "m3", "period", "not used by a once rule"),
    ],
)
def test_invalid_rule_names_file_rule_and_field(
    tmp_path: Path, body: str, rule_id: str, field: str, problem: str
) -> None:
    # TOML refuses a key given twice, so drop the line being replaced from BASE.
    key = body.split(" ")[0]
    lines = [line for line in BASE.splitlines() if not line.startswith(f"{key} ")]
    text = "\n".join(lines) + "\n" + body + "\n"
    path = write(tmp_path, "broken.toml", text)
    with pytest.raises(yiyu.ProtocolError) as info:
        load_protocol_files([path])
    error = info.value
    assert error.file.endswith("broken.toml")
    assert (error.rule_id, error.field) == (rule_id, field)
    assert problem in error.problem
    assert "broken.toml" in str(error)
    assert rule_id in str(error)


def test_duplicate_rule_id_in_one_file(tmp_path: Path) -> None:
    rule = BASE[BASE.index("[[rules]]") :]
    path = write(tmp_path, "dup.toml", BASE + rule)
    with pytest.raises(yiyu.ProtocolError, match="duplicate rule id") as info:
        load_protocol_files([path])
    assert info.value.rule_id == "m3"


def test_a_layer_cannot_silently_redefine_a_rule(tmp_path: Path) -> None:
    path = region(tmp_path, BASE[BASE.index("[[rules]]") :].replace("S1 §1", "R1"))
    with pytest.raises(yiyu.ProtocolError, match=r"duplicate rule id \(change an existing rule"):
        load_protocol(path)


def test_override_of_an_unknown_rule(tmp_path: Path) -> None:
    path = region(tmp_path, '[[overrides]]\nid = "m4"\nsource = ["R1"]\n')
    with pytest.raises(yiyu.ProtocolError, match="does not exist") as info:
        load_protocol(path)
    assert info.value.rule_id == "m4"


def test_override_must_name_its_source(tmp_path: Path) -> None:
    path = region(tmp_path, '[[overrides]]\nid = "m3"\ndue = { months = 4 }\n')
    with pytest.raises(yiyu.ProtocolError, match="own source") as info:
        load_protocol(path)
    assert (info.value.rule_id, info.value.field) == ("m3", "source")


def test_layer_must_extend_the_layer_below(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "other.toml",
        '[protocol]\nid = "x"\nversion = "1"\ntitle = "x"\nextends = "zj-city@2025.9"\n',
    )
    with pytest.raises(yiyu.ProtocolError, match=r"layer below is zj-city@2026\.2") as info:
        load_protocol(path)
    assert info.value.field == "protocol.extends"


def test_window_order_is_checked_on_real_dates(tmp_path: Path) -> None:
    # Review finding: 30 days after 1 Feb is 3 Mar, after one month (1 Mar).
    lines = [line for line in BASE.splitlines() if not line.startswith(("opens ", "due "))]
    path = write(tmp_path, "x.toml", "\n".join([*lines, "opens = { days = 30 }",
                                                 "due = { months = 1 }"]) + "\n")  # fmt: skip
    with pytest.raises(yiyu.ProtocolError, match="outside the window") as info:
        load_protocol_files([path])
    assert info.value.field == "due"


def test_condition_cycles_are_refused(tmp_path: Path) -> None:
    path = region(
        tmp_path,
        """
        [conditions.a]
        description = "a"
        all = [{ condition = "b" }]
        source = ["R1"]
        evidence = "D"

        [conditions.b]
        description = "b"
        all = [{ condition = "a" }]
        source = ["R1"]
        evidence = "D"
        """,
    )
    with pytest.raises(yiyu.ProtocolError, match="refer to each other"):
        load_protocol(path)


def test_redefining_a_condition_needs_override(tmp_path: Path) -> None:
    body = """
        [conditions.preterm]
        description = "胎龄 < 45 周"
        any = [{ ga_weeks_lt = 45 }]
        source = ["R1"]
        evidence = "LOCAL"
        """
    with pytest.raises(yiyu.ProtocolError, match="override = true") as info:
        load_protocol(region(tmp_path, body))
    assert info.value.field == "conditions.preterm"
    overriding = body.replace("[conditions.preterm]", "[conditions.preterm]\noverride = true")
    protocol = load_protocol(region(tmp_path, overriding))
    assert protocol.conditions["preterm"].description == "胎龄 < 45 周"


def test_a_layer_cannot_reuse_a_lower_layers_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "copy.toml",
        '[protocol]\nid = "zj-city"\nversion = "2026.3"\ntitle = "x"\nextends = "zj-city@2026.2"\n',
    )
    with pytest.raises(yiyu.ProtocolError, match="already used below"):
        load_protocol(path)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("first_within = { days = -10 }", "first_within"),
        (
            'catch_up = { within = { days = -3 }, until_age = { days = 28 }, source = ["S1"], '
            'evidence = "D" }',
            "catch_up",
        ),
        ("until_age = { months = 24 }", "until_age"),
    ],
)
def test_offsets_the_engine_cannot_use_are_refused(tmp_path: Path, body: str, field: str) -> None:
    path = write(tmp_path, "x.toml", BASE + body + "\n")
    with pytest.raises(yiyu.ProtocolError) as info:
        load_protocol_files([path])
    assert info.value.field == field


def test_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", "[protocol\n")
    with pytest.raises(yiyu.ProtocolError, match="not valid TOML") as info:
        load_protocol_files([path])
    assert info.value.file.endswith("bad.toml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(yiyu.ProtocolError, match="cannot read"):
        load_protocol(tmp_path / "missing.toml")


# --- the fields protocol 2026.2 added (#10) --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "rule_id", "field", "problem"),
    [
        (
            '[[rules]]\nid = "x"\nname = "x"\nsubject = "child"\nrole = "child_health_doctor"\n'
            'schedule = "once"\nanchor = "birth"\nopens = { days = 0 }\ndue = { days = 1 }\n'
            'closes = { days = 1 }\nenrolment = "first"\nsource = ["R1"]\nevidence = "D"\n',
            "x", "enrolment", "only for rules anchored on enrolment_start",
        ),
        (
            '[[rules]]\nid = "x"\nname = "x"\nsubject = "child"\nrole = "child_health_doctor"\n'
            'schedule = "once"\nanchor = "enrolment_start"\nenrolment = "return"\n'
            'opens = { days = 0 }\ndue = { days = 1 }\ncloses = { days = 1 }\n'
            'source = ["R1"]\nevidence = "D"\n',
            "x", "away_more_than", "how long away",
        ),
        (
            '[[rules]]\nid = "x"\nname = "x"\nsubject = "child"\nrole = "child_health_doctor"\n'
            'schedule = "once"\nanchor = "registration"\nopens = { days = 0 }\n'
            'due = { days = 1 }\ncloses = { days = 1 }\ncovers = ["m99"]\nsource = ["R1"]\n'
            'evidence = "D"\n',
            "x", "covers", "'m99', which is no rule",
        ),
        (
            '[[overrides]]\nid = "m3"\ninclude_end = true\nsource = ["R1"]\n',
            "m3", "include_end", "not used by a once rule",
        ),
        (
            '[[overrides]]\nid = "rickets_follow_up"\nsource = ["R1"]\nstages = [\n'
            '  { every = { months = 1 } },\n'
            '  { phase = "cured", every = { months = 2 } },\n]\n',
            "rickets_follow_up", "stages[1].phase", "unknown value 'cured'",
        ),
        (
            '[[overrides]]\nid = "high_risk_follow_up"\nsource = ["R1"]\nstages = [\n'
            '  { until_months = 6, every = { months = 1 } },\n'
            '  { phase = "recovery", every = { months = 2 } },\n]\n',
            "high_risk_follow_up", "stages", "only a case's follow-up keys on a recorded phase",
        ),
    ],
)  # fmt: skip
def test_the_new_rule_fields_are_checked(
    tmp_path: Path, body: str, rule_id: str, field: str, problem: str
) -> None:
    with pytest.raises(yiyu.ProtocolError) as info:
        load_protocol(region(tmp_path, body))
    assert (info.value.rule_id, info.value.field) == (rule_id, field)
    assert problem in str(info.value)


def test_a_policy_is_switched_by_a_layer_that_says_override(tmp_path: Path) -> None:
    off = (
        "[policies.overdue_stays_missed]\nvalue = false\n"
        'description = "迁出即取消"\nsource = ["R1"]\nevidence = "LOCAL"\n'
    )
    with pytest.raises(yiyu.ProtocolError, match="override = true"):
        load_protocol(region(tmp_path, off))
    protocol = load_protocol(
        region(tmp_path, off.replace("value = false", "override = true\nvalue = false"))
    )
    assert protocol.policy("overdue_stays_missed") is False
    assert protocol.policy("inpatient_not_owed") is True
    with pytest.raises(yiyu.ProtocolError, match="unknown policy"):
        load_protocol(region(tmp_path, off.replace("overdue_stays_missed", "no_such")))
    # The engine follows it: leaving with the 3-month check overdue cancels it again.
    gone = yiyu.Child(
        id="C1", name="王", sex="M", birth_date="2024-01-31",
        life_events=[yiyu.LifeEvent(kind="moved_out", on="2024-05-10")],
    )  # fmt: skip
    [m3] = [
        ob
        for ob in yiyu.schedule(gone, protocol, until=pendulum.Date(2025, 1, 1))
        if ob.rule == "m3"
    ]
    assert m3.cancel_reason == "moved_out"


# --- [growth]: which growth reference evaluates and which manages cases (#11) ---------------


def test_a_protocol_without_growth_uses_who_for_both(tmp_path: Path) -> None:
    protocol = load_protocol_files([write(tmp_path, "base.toml", BASE)])
    assert protocol.growth == {}
    assert protocol.growth_reference("evaluation") == "who_2006"
    assert protocol.growth_reference("case_management") == "who_2006"
    with pytest.raises(KeyError):
        protocol.growth_reference("charts")


def test_a_region_chooses_the_national_standard_for_cases(tmp_path: Path) -> None:
    protocol = load_protocol(
        region(
            tmp_path,
            """
            [growth.case_management]
            override = true
            reference = "ws_t_423_2022"
            description = "专案按国家标准"
            source = ["R1 (细则)"]
            evidence = "LOCAL"
            """,
        )
    )
    assert protocol.growth_reference("case_management") == "ws_t_423_2022"
    assert protocol.growth["case_management"].evidence is yiyu.Evidence.LOCAL
    assert protocol.growth_reference("evaluation") == "ws_t_423_2022"  # the national layer's


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        (
            '[growth.case_management]\nreference = "ws_t_423_2022"\ndescription = "x"\n'
            'source = ["R1"]\nevidence = "LOCAL"\n',
            "growth.case_management",
            "override = true",
        ),
        (
            '[growth.case_management]\noverride = true\nreference = "cdc_2000"\n'
            'description = "x"\nsource = ["R1"]\nevidence = "LOCAL"\n',
            "growth.case_management.reference",
            "who_2006, ws_t_423_2022",
        ),
        (
            '[growth.charts]\nreference = "who_2006"\ndescription = "x"\nsource = ["R1"]\n'
            'evidence = "LOCAL"\n',
            "growth.charts",
            "unknown purpose",
        ),
    ],
)
def test_a_bad_growth_choice_names_the_field(
    tmp_path: Path, body: str, field: str, problem: str
) -> None:
    with pytest.raises(yiyu.ProtocolError, match=problem) as info:
        load_protocol(region(tmp_path, body))
    assert info.value.field == field


# --- [skip_reasons]: how coverage counts a skipped obligation (#17) --------------------------


def test_a_region_counts_a_skip_reason_its_own_way(tmp_path: Path) -> None:
    protocol = load_protocol(
        region(
            tmp_path,
            """
            [skip_reasons.temporarily_away]
            override = true
            counts_as = "excluded"
            description = "暂时外出：不计入分母"
            source = ["R1 (通知)"]
            evidence = "LOCAL"
            """,
        )
    )
    assert protocol.skip_effect("temporarily_away") == "excluded"
    assert protocol.skip_effect("done_elsewhere") == "done"  # the city's, unchanged


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        (
            '[skip_reasons.on_holiday]\ncounts_as = "done"\ndescription = "x"\n'
            'source = ["R1"]\nevidence = "LOCAL"\n',
            "skip_reasons.on_holiday",
            "unknown skip reason",
        ),
        (
            '[skip_reasons.other]\noverride = true\ncounts_as = "half"\ndescription = "x"\n'
            'source = ["R1"]\nevidence = "LOCAL"\n',
            "skip_reasons.other.counts_as",
            "done, excluded, not_done",
        ),
        (
            '[skip_reasons.other]\ncounts_as = "done"\ndescription = "x"\n'
            'source = ["R1"]\nevidence = "LOCAL"\n',
            "skip_reasons.other",
            "override = true",
        ),
    ],
)
def test_a_bad_skip_reason_names_the_field(
    tmp_path: Path, body: str, field: str, problem: str
) -> None:
    with pytest.raises(yiyu.ProtocolError, match=problem) as info:
        load_protocol(region(tmp_path, body))
    assert info.value.field == field
