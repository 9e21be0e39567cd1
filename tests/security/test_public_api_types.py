"""Wrong types at the public API are a ValidationError naming the field (#12, item 10).

Host software calls yiyu with whatever its forms and JSON give it. Before this, a date
as text, a ``None`` protocol, a misspelt measurement or a string where a mapping belongs
raised a bare ``TypeError``, ``AttributeError`` or ``ValueError`` from deep inside (a
comparison of a date with a string, ``None.policy``, attrs' unexpected keyword), which
names nothing a user typed. Every row below is one such call; each must now raise
:class:`yiyu.ValidationError` whose ``field`` is the argument or field at fault.

Dates are accepted as ``YYYY-MM-DD`` text everywhere, as :class:`yiyu.Child` always
did: the second table shows the public functions taking them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest

import yiyu
from yiyu.jobs.planning import plan, plan_item
from yiyu.store import MemoryRepository
from yiyu.testing import make_child, make_daycare, make_encounter

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
CHILD = yiyu.Child(id="C1", name="王小明", sex="M", birth_date="2026-01-10")
DAYCARE = yiyu.Daycare(id="D1", name="阳光托育", opened_on="2025-09-01")
VISIT = yiyu.Encounter(
    id="E1",
    subject_id="C1",
    on="2026-04-12",
    obligation_key="child:C1/m3",
    measurements={"weight_kg": 6.1, "length_cm": 61.0},
)
OBLIGATION = yiyu.schedule(CHILD, PROTOCOL, until=D(2026, 8, 1))[0]


def record(**arguments: Any) -> object:
    given: dict[str, Any] = {
        "encounter": VISIT,
        "subject": CHILD,
        "protocol": PROTOCOL,
        "as_of": D(2026, 8, 1),
        **arguments,
    }
    return yiyu.record(given.pop("encounter"), given.pop("subject"), given.pop("protocol"), **given)


BAD_CALLS: list[tuple[str, Callable[[], object], str]] = [
    # record
    ("add_months from nothing", lambda: yiyu.add_months(None, 3), "start"),  # type: ignore[arg-type]
    ("add_months by a float", lambda: yiyu.add_months("2026-01-31", 1.5), "months"),  # type: ignore[arg-type]
    ("age_in_months on no date", lambda: yiyu.age_in_months("2026-01-31", None), "on"),  # type: ignore[arg-type]
    ("age_in_days from a bad date", lambda: yiyu.age_in_days("2026-02-30", "2026-03-01"), "birth"),
    ("load_protocol from nothing", lambda: yiyu.load_protocol(None), "region_files"),  # type: ignore[arg-type]
    ("record as_of None", lambda: record(as_of=None), "as_of"),
    ("record as_of not a date", lambda: record(as_of="2026-13-01"), "as_of"),
    ("record as_of a number", lambda: record(as_of=20260801), "as_of"),
    ("record without a protocol", lambda: record(protocol=None), "protocol"),
    ("record a mapping, not an Encounter", lambda: record(encounter={"id": "E1"}), "encounter"),
    ("record for no subject", lambda: record(subject=None), "subject"),
    ("record a negative horizon", lambda: record(horizon_days=-1), "horizon_days"),
    ("record a horizon as text", lambda: record(horizon_days="180"), "horizon_days"),
    ("record an unknown Hb scheme", lambda: record(anaemia_scheme="who_1968"), "anaemia_scheme"),
    (
        "record thresholds of a wrong kind",
        lambda: record(growth_thresholds="cn"),
        "growth_thresholds",
    ),
    # schedule and status
    (
        "schedule without a protocol",
        lambda: yiyu.schedule(CHILD, None, until=D(2026, 8, 1)),
        "protocol",
    ),
    ("schedule until None", lambda: yiyu.schedule(CHILD, PROTOCOL, until=None), "until"),
    ("schedule a name", lambda: yiyu.schedule("C1", PROTOCOL, until=D(2026, 8, 1)), "subject"),
    ("status of None", lambda: yiyu.status(None, as_of=D(2026, 8, 1)), "obligation"),
    (
        "status skipped as text",
        lambda: yiyu.status(OBLIGATION, skipped="ill", as_of=D(2026, 8, 1)),
        "skipped",
    ),
    (
        "status done_on not a date",
        lambda: yiyu.status(OBLIGATION, done_on="soon", as_of=D(2026, 8, 1)),
        "done_on",
    ),
    ("suggest_date of None", lambda: yiyu.suggest_date(None, as_of=D(2026, 8, 1)), "obligation"),
    (
        "suggest_date calendar of a wrong kind",
        lambda: yiyu.suggest_date(OBLIGATION, as_of=D(2026, 1, 1), calendar={2026: []}),
        "calendar",
    ),
    ("is_working_day of text", lambda: yiyu.is_working_day("next monday"), "day"),
    ("tracked_referral of None", lambda: yiyu.tracked_referral(None, CHILD), "obligation"),
    ("tracked_referral for a daycare", lambda: yiyu.tracked_referral(OBLIGATION, DAYCARE), "child"),
    (
        "assessment_age without a protocol",
        lambda: yiyu.assessment_age(CHILD, D(2026, 5, 1), None),
        "protocol",
    ),
    ("assessment_age on no date", lambda: yiyu.assessment_age(CHILD, None, PROTOCOL), "on"),
    ("corrected_birth of None", lambda: yiyu.corrected_birth(None), "child"),
    (
        "obligation_key of an unknown kind",
        lambda: yiyu.obligation_key("person", "C1", "m3", None),
        "subject",
    ),
    (
        "obligation_key with a line break",
        lambda: yiyu.obligation_key("child", "C1\nx", "m3", None),
        "subject_id",
    ),
    # the planning job
    (
        "plan a negative horizon",
        lambda: plan(MemoryRepository(), PROTOCOL, as_of=D(2026, 8, 1), horizon_days=-30),
        "horizon_days",
    ),
    (
        "plan without a protocol",
        lambda: plan(MemoryRepository(), None, as_of=D(2026, 8, 1)),
        "protocol",
    ),
    ("plan as_of None", lambda: plan(MemoryRepository(), PROTOCOL, as_of=None), "as_of"),
    (
        "plan_item a negative horizon",
        lambda: plan_item(
            CHILD,
            PROTOCOL,
            as_of=D(2026, 8, 1),
            horizon_days=-1,
            known=None,
            full=True,
            daycares={},
        ),
        "horizon_days",
    ),
    # measurements
    ("a misspelt measurement", lambda: yiyu.Measurements(weight=5.0), "weight"),
    (
        "a misspelt measurement in an encounter",
        lambda: make_encounter(measurements={"weight_lb": 11.0}),
        "measurements.weight_lb",
    ),
    ("measurements as a list", lambda: make_encounter(measurements=[6.1, 61.0]), "measurements"),
    ("40 kg at 26 cm", lambda: yiyu.Measurements(weight_kg=40, length_cm=26), "weight_kg"),
    (
        "0.5 kg at 120 cm",
        lambda: make_encounter(measurements={"weight_kg": 0.5, "length_cm": 120}),
        "measurements.weight_kg",
    ),
    # encounter answers
    ("warning signs as a word", lambda: make_encounter(warning_signs="yes"), "warning_signs"),
    (
        "a warning sign answered in words",
        lambda: make_encounter(warning_signs={"m6_1": "yes"}),
        "warning_signs['m6_1']",
    ),
    (
        "a risk answer as text",
        lambda: make_encounter(risk_answers={"r1": "2"}),
        "risk_answers['r1']",
    ),
    (
        "a risk answer as a flag",
        lambda: make_encounter(risk_answers={"r1": True}),
        "risk_answers['r1']",
    ),
    ("review answers as a list", lambda: make_encounter(review_answers=["pass"]), "review_answers"),
    (
        "a review answer on two lines",
        lambda: make_encounter(review_answers={"diet": "pass\nfail"}),
        "review_answers['diet']",
    ),
    (
        "a referral result that is a number",
        lambda: make_encounter(referral_results={"x@2026": 1.5}),
        "referral_results['x@2026']",
    ),
    ("diagnoses as a number", lambda: make_encounter(diagnoses=3), "diagnoses"),
    ("an unknown diagnosis", lambda: make_encounter(diagnoses=["anaemia", "flu"]), "diagnoses[1]"),
    ("a misspelt encounter field", lambda: make_encounter(note="x"), "note"),
    ("an encounter without a date", lambda: yiyu.Encounter(id="E1", subject_id="C1"), "on"),
    ("a positional encounter", lambda: yiyu.Encounter("E1"), "arguments"),
    # names and other single lines
    ("a name on two lines", lambda: make_child(name="王小明\n李四"), "name"),
    ("a name with a tab", lambda: make_child(name="王\t小明"), "name"),
    ("a name with NUL", lambda: make_child(name="王小明\x00"), "name"),
    ("a name with an escape", lambda: make_child(name="王\x1b[31m小明"), "name"),
    ("a name with a bidi override", lambda: make_child(name="王\u202e明小"), "name"),
    ("a name with a line separator", lambda: make_child(name="王\u2028小明"), "name"),
    ("a township on two lines", lambda: make_child(township="城东\r\n街道"), "township"),
    ("a family doctor on two lines", lambda: make_child(family_doctor="DR1\nDR2"), "family_doctor"),
    ("a misspelt child field", lambda: make_child(birthdate="2026-01-10"), "birthdate"),
    ("a daycare name on two lines", lambda: make_daycare(name="阳光\n托育"), "name"),
    (
        "a daycare township with a control character",
        lambda: make_daycare(township="城东\x07"),
        "township",
    ),
    (
        "a health instructor on two lines",
        lambda: make_daycare(health_instructor="HI\n1"),
        "health_instructor",
    ),
    ("a performer on two lines", lambda: make_encounter(performer="DR1\nDR2"), "performer"),
    ("an encounter id on two lines", lambda: make_encounter(id="E1\nE2"), "id"),
    ("a lecture topic on two lines", lambda: make_encounter(lecture="春季\n传染病"), "lecture"),
    ("free text with NUL", lambda: make_encounter(guidance="按时\x00复查"), "guidance"),
    (
        "a referral sent to two lines",
        lambda: yiyu.Referral(kind="other", opened_on="2026-04-12", reason="x", to="医院\n二"),
        "to",
    ),
    (
        "a case closed by an id on two lines",
        lambda: yiyu.Case(condition="anaemia", opened_on="2026-04-12", opened_by="E1\nE2"),
        "opened_by",
    ),
    (
        "a negative count of normal checks",
        lambda: yiyu.Case(condition="anaemia", opened_on="2026-04-12", normal_checks=-1),
        "normal_checks",
    ),
    (
        "a misspelt case field in a child",
        lambda: make_child(cases=[{"condition": "anaemia", "opened": "2026-04-12"}]),
        "cases[0].opened",
    ),
    (
        "a correction item on two lines",
        lambda: yiyu.Correction(item="diet\nx", opened_on="2026-04-12"),
        "item",
    ),
    (
        "a skip note with an escape",
        lambda: yiyu.Skip(on="2026-04-12", reason="other", note="\x1b[2J"),
        "note",
    ),
    (
        "a reschedule with a misspelt field",
        lambda: yiyu.Reschedule(on="2026-04-12", reason="other"),
        "on",
    ),
    (
        "a category reason with NUL",
        lambda: yiyu.Category(kind="orphan", reason="民政\x00认定"),
        "reason",
    ),
    (
        "an enrolment of a child id on two lines",
        lambda: yiyu.Enrolment(child_id="C1\n", daycare_id="D\n1", start="2026-01-10"),
        "daycare_id",
    ),
]


@pytest.mark.parametrize(("call", "field"), [(c, f) for _, c, f in BAD_CALLS],
                         ids=[name for name, _, _ in BAD_CALLS])  # fmt: skip
def test_a_bad_argument_is_a_validation_error_naming_the_field(
    call: Callable[[], object], field: str
) -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        call()
    assert info.value.field == field


def test_a_misspelt_measurement_lists_the_known_fields() -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        yiyu.Measurements(weight=5.0)
    assert info.value.value == 5.0
    for known in ("weight_kg", "length_cm", "measured", "head_cm", "hb_g_l"):
        assert known in info.value.rule


def test_an_implausible_weight_for_length_says_why() -> None:
    with pytest.raises(yiyu.ValidationError, match=r"26 cm.*BMI 591\.7"):
        yiyu.Measurements(weight_kg=40, length_cm=26)
    # The ends of the range: an extremely preterm newborn, a heavy 6-year-old.
    assert yiyu.Measurements(weight_kg=0.3, length_cm=25).weight_kg == 0.3
    assert yiyu.Measurements(weight_kg=40, length_cm=125).length_cm == 125


def test_dates_as_text_are_accepted_everywhere() -> None:
    text_record = yiyu.record(VISIT, CHILD, PROTOCOL, as_of="2026-08-01")
    date_record = yiyu.record(VISIT, CHILD, PROTOCOL, as_of=D(2026, 8, 1))
    assert text_record == date_record
    assert yiyu.schedule(CHILD, PROTOCOL, until="2026-08-01") == yiyu.schedule(
        CHILD, PROTOCOL, until=D(2026, 8, 1)
    )
    assert yiyu.status(OBLIGATION, done_on="2026-01-12", as_of="2026-08-01") is yiyu.Status.DONE
    suggested = yiyu.suggest_date(OBLIGATION, as_of="2026-01-10")
    assert suggested == yiyu.suggest_date(OBLIGATION, as_of=D(2026, 1, 10))
    age = yiyu.assessment_age(CHILD, "2026-05-01", PROTOCOL)
    assert age.on == D(2026, 5, 1)
    assert isinstance(age.on, pendulum.Date)
    assert yiyu.is_working_day("2026-10-01") == yiyu.is_working_day(D(2026, 10, 1))
    repo = MemoryRepository()
    repo.save_children([CHILD])
    assert plan(repo, PROTOCOL, as_of="2026-08-01").planned == 1


def test_a_zero_horizon_is_a_horizon() -> None:
    result = yiyu.record(VISIT, CHILD, PROTOCOL, as_of=D(2026, 8, 1), horizon_days=0)
    assert isinstance(result, yiyu.ChildRecord)


def test_the_key_of_the_public_function_is_the_engines() -> None:
    assert yiyu.obligation_key("child", "C1", "m3", None) == "child:C1/m3"
    assert (
        yiyu.obligation_key(yiyu.SubjectKind.CHILD, OBLIGATION.subject_id, OBLIGATION.rule,
                            OBLIGATION.occurrence)
        == OBLIGATION.key
    )  # fmt: skip
