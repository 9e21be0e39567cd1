"""The public surface: explicit, sorted, and cheap to import (STYLE 8)."""

from __future__ import annotations

import doctest
import subprocess
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import attrs
import pytest

import yiyu
from yiyu.instruments import growth, wst423

ROOT = Path(__file__).resolve().parents[1]


def _isort_key(name: str) -> tuple[int, str]:
    # Constants, then classes, then functions: the order ruff (RUF022) keeps.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete() -> None:
    assert list(yiyu.__all__) == sorted(yiyu.__all__, key=_isort_key)
    assert len(set(yiyu.__all__)) == len(yiyu.__all__)
    for name in yiyu.__all__:
        assert hasattr(yiyu, name), name


def test_import_is_cheap() -> None:
    # Host software imports yiyu in request handlers; the renderer, the ORM and the
    # CLI must only load when used.
    code = (
        "import sys, yiyu; "
        "print(','.join(m for m in ('weasyprint', 'sqlalchemy', 'sqlmodel', 'typer', 'rich', "
        "'jinja2', 'alembic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_protocol_data_is_shipped_in_the_installed_package() -> None:
    data = files("yiyu.protocol") / "data"
    assert (data / "cn-national.toml").is_file()
    assert (data / "zj-city.toml").is_file()


def test_one_sex_one_growth_api() -> None:
    # #15: the growth module's Sex is the domain's (it was a Literal of its own), and
    # the package root names the growth functions and what they return.
    assert growth.Sex is yiyu.Sex
    assert (yiyu.zscores, yiyu.classify) == (growth.zscores, growth.classify)
    assert yiyu.evaluate_growth is wst423.evaluate
    assert (yiyu.GrowthZ, yiyu.GrowthFinding, yiyu.GrowthThresholds) == (
        growth.GrowthZ,
        growth.GrowthFinding,
        growth.GrowthThresholds,
    )
    assert yiyu.GrowthEvaluation is wst423.GrowthEvaluation


@pytest.mark.parametrize("function", [yiyu.zscores, yiyu.classify, yiyu.evaluate_growth])
def test_the_growth_examples_in_the_docstrings_are_true(function: Callable[..., object]) -> None:
    """The example a host reads in the API reference is the one that is run."""
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = doctest.DocTestFinder().find(function, function.__name__, globs={})
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


# What a host builds by keyword: an unknown keyword is a ValidationError naming it.
INPUTS: tuple[type, ...] = (
    yiyu.Case,
    yiyu.CaseCheck,
    yiyu.Category,
    yiyu.Child,
    yiyu.Correction,
    yiyu.Daycare,
    yiyu.Encounter,
    yiyu.Enrolment,
    yiyu.GestationalAge,
    yiyu.GrowthThresholds,
    yiyu.HolidayCalendar,
    yiyu.HolidayYear,
    yiyu.LifeEvent,
    yiyu.Measurements,
    yiyu.Referral,
    yiyu.Reschedule,
    yiyu.ResidentId,
    yiyu.RicketsCheck,
    yiyu.Skip,
)
# What yiyu builds and hands back (and Period, made by Period.parse): not checked here.
OUTPUTS: tuple[type, ...] = (
    yiyu.AssessmentAge,
    yiyu.ChildRecord,
    yiyu.DaycareRecord,
    yiyu.Finding,
    yiyu.GrowthEvaluation,
    yiyu.GrowthZ,
    yiyu.ListedSubject,
    yiyu.Obligation,
    yiyu.Period,
    yiyu.Protocol,
    yiyu.Rule,
    yiyu.StoredObligation,
    yiyu.Suggestion,
    yiyu.WorklistItem,
)


def test_every_exported_value_is_sorted_into_inputs_or_outputs() -> None:
    # A new value a host builds must join INPUTS (and so be checked below).
    exported = {
        value
        for value in (getattr(yiyu, name) for name in yiyu.__all__)
        if isinstance(value, type) and attrs.has(value)
    }
    assert exported == set(INPUTS) | set(OUTPUTS)


@pytest.mark.parametrize("kind", INPUTS, ids=lambda kind: kind.__name__)
def test_an_unknown_keyword_is_a_validation_error_listing_the_known(kind: type) -> None:
    with pytest.raises(yiyu.ValidationError) as raised:
        kind(no_such_field=1)
    assert (raised.value.field, raised.value.value) == ("no_such_field", 1)
    known = [field.alias for field in attrs.fields(kind) if field.init]
    assert raised.value.rule.endswith("known: " + ", ".join(known))


def test_a_hosts_mypy_sees_the_typed_constructors(tmp_path: Path) -> None:
    """The usage file checked from outside the project, as a host's mypy sees the
    installed package: without ``py.typed`` every yiyu name is ``Any`` there, and the
    file's ignores (the calls that must stay type errors) go unused."""
    assert (files("yiyu") / "py.typed").is_file(), "the installed package has no py.typed"
    usage = tmp_path / "host.py"
    usage.write_text((ROOT / "tests" / "typing" / "constructors.py").read_text("utf-8"), "utf-8")
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            "host.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout
