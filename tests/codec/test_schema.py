"""The JSON Schema of an encounter file, generated from the domain values (#15).

The schema and the domain must agree: every example the guide shows is accepted by both
(and recorded), and a file the domain refuses for its structure (an unknown field, a
wrong type, an unknown enum value, a missing field) the schema refuses too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pendulum
import pytest

import yiyu
from yiyu.codec import encounter_data, encounter_from_data
from yiyu.codec.schema import encounter_schema, encounter_schema_text
from yiyu.testing import make_encounter

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA_FILE = DOCS / "schema" / "encounter.schema.json"
EXAMPLES = sorted((DOCS / "schema" / "examples").glob("*.json"))

VALIDATOR = jsonschema.Draft202012Validator(
    encounter_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def test_the_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == encounter_schema_text(), (
        "docs/schema/encounter.schema.json is stale: run `python scripts/gen_docs.py`"
    )


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(encounter_schema())
    assert encounter_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_field_of_an_encounter_is_in_the_schema() -> None:
    import attrs

    properties = encounter_schema()["properties"]
    assert set(properties) == {"v"} | {f.alias for f in attrs.fields(yiyu.Encounter)}
    assert encounter_schema()["required"] == ["id", "subject_id", "on"]
    assert set(properties["measurements"]["properties"]) == {
        f.alias for f in attrs.fields(yiyu.Measurements)
    }


# --- the examples -------------------------------------------------------------------------

# Each example's subject, as it stands when the visit is recorded: the printed samples'
# children and daycare (yiyu.reports.samples), after their own sample visit where the
# example follows one.
SUBJECTS = {
    "newborn_home_visit": ("newborn", False),
    "m6_check": ("infant", False),
    "m18_check_preterm": ("toddler", False),
    "y4_check": ("preschool", False),
    "rearing_risk_assessment": ("rearing_risk", False),
    "daycare_quarterly_visit": ("daycare", False),
    "anaemia_recheck_with_referral_result": ("toddler", True),
    "unscheduled_rickets_diagnosis": ("infant", True),
}


def test_there_is_an_example_of_every_kind_of_visit() -> None:
    assert {path.stem for path in EXAMPLES} == set(SUBJECTS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_an_example_is_valid_for_the_schema_and_the_domain_and_is_recorded(path: Path) -> None:
    from yiyu.reports.samples import visit

    data = json.loads(path.read_text(encoding="utf-8"))
    VALIDATOR.validate(data)
    encounter = encounter_from_data(data)
    sample, after = SUBJECTS[path.stem]
    recorded = visit(sample)
    subject: Any = recorded.subject
    if after:
        subject = getattr(recorded.record, "child", None) or recorded.record.daycare  # type: ignore[union-attr]
    result = yiyu.record(encounter, subject, yiyu.load_protocol(), as_of=encounter.on)
    assert result.encounter == encounter


def test_what_the_store_writes_is_valid_for_the_schema() -> None:
    # A stored encounter (with its format's version) read back as a file is accepted.
    encounter = make_encounter(
        on=pendulum.Date(2026, 3, 1),
        measurements={"weight_kg": 7.3, "length_cm": 65.7, "hb_g_l": 118},
        warning_signs={"m6_1": False},
        diagnoses=["佝偻病"],
        rickets={"stage": "活动期", "symptoms": True},
    )
    VALIDATOR.validate(encounter_data(encounter))


# --- refused by both ----------------------------------------------------------------------

BASE: dict[str, Any] = {"id": "E1", "subject_id": "C1", "on": "2026-03-01"}


@pytest.mark.parametrize(
    "change",
    [
        {"wat": 1},  # an unknown field
        {"measurements": {"weight": 5.0}},  # a misspelt measurement
        {"measurements": {"weight_kg": "5"}},  # a number as text
        {"measurements": {"weight_kg": True}},
        {"measurements": {"weight_kg": 400}},  # outside the plausible range
        {"measurements": {"measured": "lying"}},
        {"measurements": [1]},
        {"role": "nurse"},
        {"on": "2026/03/01"},
        {"on": 20260301},
        {"id": ""},
        {"id": "E1\nE2"},  # one line only
        {"obligation_key": "k" * 301},
        {"warning_signs": {"m6_1": "yes"}},
        {"warning_signs": ["m6_1"]},
        {"risk_answers": {"play": 1.5}},
        {"risk_answers": {"play": True}},
        {"regression": "no"},
        {"diagnoses": ["flu"]},
        {"diagnoses": "rickets"},
        {"rickets": {"stage": "x", "symptoms": True}},
        {"rickets": {"stage": "active"}},  # symptoms is required
        {"rickets": {"stage": "active", "symptoms": True, "size": 1}},
        {"referral_results": {"r1": 1.5}},
        {"v": 99},
    ],
    ids=repr,
)
def test_a_structural_mistake_is_refused_by_the_domain_and_the_schema(
    change: dict[str, Any],
) -> None:
    data = {**BASE, **change}
    with pytest.raises(yiyu.ValidationError):
        encounter_from_data(data)
    assert not VALIDATOR.is_valid(data)


@pytest.mark.parametrize("missing", ["id", "subject_id", "on"])
def test_a_missing_required_field_is_refused_by_both(missing: str) -> None:
    data = {key: value for key, value in BASE.items() if key != missing}
    with pytest.raises(yiyu.ValidationError, match=missing):
        encounter_from_data(data)
    assert not VALIDATOR.is_valid(data)


def test_every_spelling_the_domain_takes_for_a_condition_the_schema_takes() -> None:
    for kind in yiyu.CategoryKind:
        for text in (kind.value, kind.label_zh):
            data = {**BASE, "diagnoses": [text]}
            assert encounter_from_data(data).diagnoses == (kind,)
            assert VALIDATOR.is_valid(data), text


def test_a_file_that_is_not_an_object_is_refused_naming_what_it_is() -> None:
    with pytest.raises(yiyu.ValidationError, match="a JSON object") as raised:
        encounter_from_data([1, 2])  # type: ignore[arg-type]
    assert raised.value.value == "list"


def test_the_recording_guide_shows_the_current_fields_and_every_example() -> None:
    from yiyu.codec.schema import fill_recording_guide

    page = (DOCS / "guide" / "recording.md").read_text(encoding="utf-8")
    examples = {path.stem: path.read_text(encoding="utf-8") for path in EXAMPLES}
    assert fill_recording_guide(page, examples) == page, (
        "docs/guide/recording.md is stale: run `python scripts/gen_docs.py` and commit it"
    )
    for name in examples:
        assert f"<!-- example:{name} -->" in page
    assert "<!-- encounter-fields -->" in page


def test_the_limits_are_the_domains() -> None:
    # Read from the converters each field uses: a converter renamed or rewrapped must not
    # drop them from the schema unnoticed.
    from yiyu.domain.encounter import RANGES
    from yiyu.domain.limits import ID_MAX, KEY_MAX, LINE_MAX, TEXT_MAX

    properties = encounter_schema()["properties"]
    assert (properties["id"]["minLength"], properties["id"]["maxLength"]) == (1, KEY_MAX)
    assert properties["subject_id"]["maxLength"] == ID_MAX
    assert properties["lecture"]["maxLength"] == LINE_MAX
    assert properties["notes"]["maxLength"] == TEXT_MAX
    assert "pattern" in properties["lecture"]
    assert "pattern" not in properties["notes"]
    weight = properties["measurements"]["properties"]["weight_kg"]
    assert (weight["minimum"], weight["maximum"]) == RANGES["weight_kg"][:2]
