"""The one layering rule, the one error format: for protocol and instrument files alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import yiyu
from yiyu.data import DataError, Location, amend_entry, merge, override_table
from yiyu.errors import ProtocolError, ValidationError
from yiyu.instruments import anaemia
from yiyu.instruments.warning_signs import load_warning_signs

COUNTY = """\
[protocol]
id = "county"
version = "1"
title = "县"
extends = "zj-city@2026.2"

[sources.R1]
title = "县卫健局通知"

"""

WARNING_SIGNS = """\
[instrument]
extends = "warning_signs"
id = "warning_signs-county"
version = "1"
title = "预警征象（本县）"

[sources.LOCAL]
title = "县卫健局通知"

"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "county.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the error format --------------------------------------------------------------------------


def test_an_error_names_file_path_and_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        COUNTY + '[[overrides]]\nid = "m3"\nsource = ["R1"]\nopens = { weeks = 2 }\n',
    )
    with pytest.raises(DataError) as info:
        yiyu.load_protocol(path)
    error = info.value
    assert str(error).startswith(f"{path}: $.overrides[0].opens: ")
    assert "{'weeks': 2}" in str(error)
    assert (error.file, error.path, error.rule_id, error.field) == (
        str(path),
        "$.overrides[0].opens",
        "m3",
        "opens",
    )
    # What callers of the loaders catch, and what every other bad input raises.
    assert isinstance(error, ProtocolError)
    assert isinstance(error, ValidationError)


def test_a_rule_error_gives_its_position_in_the_file(tmp_path: Path) -> None:
    rule = (
        '[[rules]]\nid = "county_visit"\nname = "县访视"\nsubject = "child"\n'
        'role = "child_health_doctor"\nschedule = "once"\nanchor = "birth"\n'
        "opens = { months = 2 }\ndue = { months = 3 }\ncloses = { months = 4 }\n"
        'source = ["R1"]\nevidence = "LOCAL"\n'
    )
    bad = rule.replace("county_visit", "county_visit_2").replace('"birth"', '"conception"')
    with pytest.raises(DataError) as info:
        yiyu.load_protocol(_write(tmp_path, COUNTY + rule + "\n" + bad))
    assert info.value.path == "$.rules[1].anchor"
    assert "'conception'" in info.value.problem


@pytest.mark.parametrize(
    ("header", "path", "problem"),
    [
        ('colour = "red"\n', "$.protocol.colour", "unknown field"),
        ("version = 2\n", "$.protocol.version", "text is required, got 2"),
    ],
)
def test_the_header_is_structured_strictly(
    tmp_path: Path, header: str, path: str, problem: str
) -> None:
    text = COUNTY.replace('version = "1"\n', "" if "version" in header else 'version = "1"\n')
    text = text.replace("[protocol]\n", "[protocol]\n" + header)
    with pytest.raises(DataError) as info:
        yiyu.load_protocol(_write(tmp_path, text))
    assert info.value.path == path
    assert problem in info.value.problem


def test_an_instrument_error_gives_the_entry_position(tmp_path: Path) -> None:
    text = WARNING_SIGNS + '[[columns]]\nid = "y7"\nage_months = 84\nlabel_zh = 7\n'
    with pytest.raises(DataError) as info:
        load_warning_signs(_write(tmp_path, text))
    assert info.value.path.startswith("$.columns[")


# --- one layering rule ----------------------------------------------------------------------


def test_a_silent_redefinition_is_refused_in_an_instrument(tmp_path: Path) -> None:
    text = WARNING_SIGNS + (
        "[rules.referral_deadline]\nreferral_within_days = 14\n"
        'source = "LOCAL (第3条)"\nevidence = "LOCAL"\n'
    )
    with pytest.raises(DataError, match="override = true") as info:
        load_warning_signs(_write(tmp_path, text))
    assert info.value.path == "$.rules.referral_deadline.referral_within_days"


def test_a_silent_redefinition_is_refused_in_a_protocol(tmp_path: Path) -> None:
    text = COUNTY + (
        "[policies.inpatient_not_owed]\nvalue = false\n"
        'description = "住院期间也计"\nsource = ["R1"]\nevidence = "LOCAL"\n'
    )
    with pytest.raises(DataError, match="override = true") as info:
        yiyu.load_protocol(_write(tmp_path, text))
    assert info.value.path == "$.policies.inpatient_not_owed"


def test_an_override_of_nothing_is_refused_in_both(tmp_path: Path) -> None:
    text = WARNING_SIGNS + (
        '[[columns]]\nid = "y7"\noverride = true\nsource = "LOCAL"\nevidence = "LOCAL"\n'
    )
    with pytest.raises(DataError, match="does not exist below"):
        load_warning_signs(_write(tmp_path, text))
    text = COUNTY + '[[rules]]\nid = "m99"\noverride = true\nsource = ["R1"]\nevidence = "LOCAL"\n'
    with pytest.raises(DataError, match="does not exist below"):
        yiyu.load_protocol(_write(tmp_path, text))


def test_override_true_in_rules_is_the_older_overrides_array(tmp_path: Path) -> None:
    change = (
        'id = "one_month"\ncloses = { days = 42 }\nwindow_evidence = "LOCAL"\nsource = ["R1"]\n'
    )
    older = yiyu.load_protocol(_write(tmp_path, COUNTY + "[[overrides]]\n" + change))
    newer = yiyu.load_protocol(_write(tmp_path, COUNTY + "[[rules]]\noverride = true\n" + change))
    assert older.rule("one_month") == newer.rule("one_month")
    assert newer.rule("one_month").sources[0] == "R1"


def test_an_override_names_its_own_source_and_evidence(tmp_path: Path) -> None:
    text = COUNTY + '[[rules]]\nid = "one_month"\noverride = true\ncloses = { days = 42 }\n'
    with pytest.raises(DataError, match="own source") as info:
        yiyu.load_protocol(_write(tmp_path, text))
    assert info.value.path == "$.rules[0].source"
    with pytest.raises(DataError, match="own source") as info:
        yiyu.load_protocol(_write(tmp_path, text + 'source = ["R1"]\n'))
    assert info.value.path == "$.rules[0].evidence"


BELOW: dict[str, Any] = {
    "setting": {"value": 1, "text": "t", "note": "n", "source": "S1", "evidence": "V"},
    "items": [
        {"id": "a", "text": "A", "level": 1, "source": "S1", "evidence": "V"},
        {"id": "b", "text": "B", "level": 2, "source": "S1", "evidence": "V"},
    ],
}


def test_a_table_is_replaced_whole_and_an_entry_amended() -> None:
    layer = {
        "setting": {"override": True, "value": 2, "text": "u", "source": "L", "evidence": "LOCAL"},
        "items": [
            {"id": "b", "override": True, "level": 3, "source": "L", "evidence": "LOCAL"},
            {"id": "c", "text": "C", "level": 1, "source": "L", "evidence": "LOCAL"},
        ],
    }
    merged = merge(BELOW, layer, Location("county.toml"))
    assert merged["setting"] == {
        "value": 2, "text": "u", "source": "L", "evidence": "LOCAL"
    }  # fmt: skip
    assert [item["id"] for item in merged["items"]] == ["a", "b", "c"]
    assert merged["items"][1] == {
        "id": "b", "text": "B", "level": 3, "source": ["L", "S1"], "evidence": "LOCAL"
    }  # fmt: skip
    assert BELOW["items"][1]["level"] == 2  # the layer below is not changed


def test_the_table_and_entry_functions_are_the_rule() -> None:
    where = Location("county.toml")
    with pytest.raises(DataError, match="override = true"):
        override_table(BELOW["setting"], {"value": 2}, where)
    with pytest.raises(DataError, match="override = true"):
        amend_entry(BELOW["items"][0], {"id": "a", "level": 9}, where)
    assert override_table(None, {"value": 2}, where) == {"value": 2}


def test_a_source_id_names_one_document(tmp_path: Path) -> None:
    text = WARNING_SIGNS + '[sources.S5]\ntitle = "another document"\n'
    with pytest.raises(DataError, match="another title") as info:
        load_warning_signs(_write(tmp_path, text))
    assert info.value.path == "$.sources.S5"


def test_a_nested_entry_error_gives_its_path(tmp_path: Path) -> None:
    packaged = Path(anaemia.__file__).parent / "data" / anaemia.DATA_FILE
    text = packaged.read_text(encoding="utf-8").replace(
        "anaemic_below = 110, mild_from = 90", "anaemic_below = 500, mild_from = 90", 1
    )
    with pytest.raises(DataError) as info:
        anaemia.load_anaemia(_write(tmp_path, text))
    assert info.value.path == "$.schemes[0].bands[0].anaemic_below"
    assert info.value.field == "bands.anaemic_below"
