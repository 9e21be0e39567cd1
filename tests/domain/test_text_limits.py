"""Every text field of the domain values has a length limit and a character rule (#12).

One table lists each text field, how to build its value around it and which kind of
text it is (:mod:`yiyu.domain.limits`). For each: the limit itself is accepted, one
character more is a ValidationError naming the field; a single line refuses a line
break, free text keeps it; neither takes NUL, which PostgreSQL cannot store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import yiyu
from yiyu.domain import limits

ID, KEY, NAME, LINE, TEXT = "id", "key", "name", "line", "text"
LIMITS = {
    ID: limits.ID_MAX,
    KEY: limits.KEY_MAX,
    NAME: limits.NAME_MAX,
    LINE: limits.LINE_MAX,
    TEXT: limits.TEXT_MAX,
}


def _child(**fields: Any) -> object:
    return yiyu.Child(
        **{"id": "C1", "name": "王小明", "sex": "M", "birth_date": "2026-01-10", **fields}
    )


def _daycare(**fields: Any) -> object:
    return yiyu.Daycare(**{"id": "D1", "name": "阳光托育", "opened_on": "2025-09-01", **fields})


def _enrolment(**fields: Any) -> object:
    return yiyu.Enrolment(**{"child_id": "C1", "daycare_id": "D1", "start": "2026-01-10", **fields})


def _encounter(**fields: Any) -> object:
    return yiyu.Encounter(**{"id": "E1", "subject_id": "C1", "on": "2026-04-12", **fields})


def _case(**fields: Any) -> object:
    return yiyu.Case(**{"condition": "anaemia", "opened_on": "2026-04-12", **fields})


def _check(**fields: Any) -> object:
    return yiyu.CaseCheck(**{"on": "2026-04-12", **fields})


def _referral(**fields: Any) -> object:
    return yiyu.Referral(**{"kind": "other", "opened_on": "2026-04-12", "reason": "x", **fields})


def _correction(**fields: Any) -> object:
    return yiyu.Correction(**{"item": "diet", "opened_on": "2026-04-12", **fields})


def _category(**fields: Any) -> object:
    return yiyu.Category(**{"kind": "orphan", **fields})


def _skip(**fields: Any) -> object:
    return yiyu.Skip(**{"on": "2026-04-12", "reason": "other", **fields})


def _reschedule(**fields: Any) -> object:
    return yiyu.Reschedule(**{"to": "2026-04-12", "reason": "other", **fields})


def _holidays(**fields: Any) -> object:
    return yiyu.HolidayYear(
        **{"year": 2027, "holidays": ["2027-01-01"], "source": "通知", **fields}
    )


FIELDS: list[tuple[Callable[..., object], str, str]] = [
    (_child, "id", ID),
    (_child, "name", NAME),
    (_child, "township", NAME),
    (_child, "family_doctor", ID),
    (_daycare, "id", ID),
    (_daycare, "name", NAME),
    (_daycare, "township", NAME),
    (_daycare, "health_instructor", ID),
    (_enrolment, "child_id", ID),
    (_enrolment, "daycare_id", ID),
    (_encounter, "id", KEY),
    (_encounter, "subject_id", ID),
    (_encounter, "obligation_key", KEY),
    (_encounter, "performer", ID),
    (_encounter, "warning_sign_column", ID),
    (_encounter, "lecture", LINE),
    (_encounter, "guidance", TEXT),
    (_encounter, "notes", TEXT),
    (_case, "opened_by", KEY),
    (_case, "severity", ID),
    (_check, "by", KEY),
    (_referral, "reason", TEXT),
    (_referral, "to", NAME),
    (_referral, "opened_by", KEY),
    (_referral, "result", TEXT),
    (_correction, "item", ID),
    (_correction, "note", TEXT),
    (_correction, "opened_by", KEY),
    (_category, "reason", TEXT),
    (_skip, "note", TEXT),
    (_reschedule, "note", TEXT),
    (_holidays, "source", LINE),
    (_holidays, "note", TEXT),
]
IDS = [f"{build.__name__[1:]}.{field}" for build, field, _ in FIELDS]


@pytest.mark.parametrize(("build", "field", "kind"), FIELDS, ids=IDS)
def test_the_limit_is_accepted_and_one_more_character_refused(
    build: Callable[..., object], field: str, kind: str
) -> None:
    limit = LIMITS[kind]
    at_limit = "镇" * limit
    assert getattr(build(**{field: at_limit}), field) == at_limit
    with pytest.raises(yiyu.ValidationError, match=f"at most {limit} characters") as info:
        build(**{field: at_limit + "镇"})
    assert info.value.field == field


@pytest.mark.parametrize(("build", "field", "kind"), FIELDS, ids=IDS)
def test_line_breaks_only_in_free_text_and_nul_nowhere(
    build: Callable[..., object], field: str, kind: str
) -> None:
    two_lines = "第一行\r\n第二行\t完"
    if kind == TEXT:
        assert getattr(build(**{field: two_lines}), field) == two_lines
    else:
        with pytest.raises(yiyu.ValidationError, match="one line") as info:
            build(**{field: two_lines})
        assert info.value.field == field
    for bad in ("a\x00b", "a\x1bb", "a\u202eb", "a\u2028b", "a\x85b"):
        with pytest.raises(yiyu.ValidationError) as info:
            build(**{field: bad})
        assert info.value.field == field
        assert info.value.value == bad


def test_surrounding_space_and_line_ends_are_trimmed_not_refused() -> None:
    # A cell copied from a spreadsheet often ends in a line break: it is not part of it.
    child = yiyu.Child(id=" C1\n", name="王小明\r\n", sex="M", birth_date="2026-01-10")
    assert (child.id, child.name) == ("C1", "王小明")


def test_the_limit_counts_characters_not_bytes() -> None:
    # 100 Chinese characters are 300 bytes in UTF-8, and a name still.
    assert len(yiyu.Daycare(id="D1", name="托" * 100, opened_on="2025-09-01").name) == 100


def test_answer_ids_and_texts_are_checked_too() -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        _encounter(review_notes={"diet": "x" * (limits.TEXT_MAX + 1)})
    assert info.value.field == "review_notes['diet']"
    with pytest.raises(yiyu.ValidationError) as info:
        _encounter(warning_signs={"m6\n1": True})
    assert info.value.field == "warning_signs"
    with pytest.raises(yiyu.ValidationError) as info:
        _encounter(referral_results={"other@2026-04-12": ""})
    assert info.value.field == "referral_results['other@2026-04-12']"
