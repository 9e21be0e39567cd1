"""专案管理: when a managed case of a nutritional disease is referred or closed (S4).

The facts are data, in ``yiyu/instruments/data/case_management.toml``, each with its source
and evidence tag; :func:`yiyu.record` reads them through :func:`load_case_management`:

* 营养不良 (低体重、生长迟缓、消瘦): a moderate case is referred after two consecutive checks
  with poor weight gain (the weight-for-age z falling, a yiyu reading), or when its
  length/height still grows poorly 3 months into care (S4 says 3–6); it closes when the
  index is back at −2 SD or above.
* 佝偻病: active rickets not better after a month of vitamin D is referred; a case closes
  when symptoms have been gone a month (S4: 1–3) and the signs are better or normal.
* 超重/肥胖: closed after two consecutive checks at or below the overweight cut-off (a yiyu
  default: S4 names none).

A region overrides a fact with its own file:

.. code-block:: toml

    [instrument]
    extends = "case_management"
    id = "case_management-zj"
    version = "2026.2-zj"
    title = "专案管理（本市）"

    [sources.LOCAL]
    title = "市妇幼保健院专案管理规定"

    [rickets.close]
    override = true                    # a table that exists: restated whole
    symptom_free_months = 3
    text = "活动期症状消失满3个月、体征减轻或恢复正常：结案"
    source = "LOCAL (第4条)"
    evidence = "LOCAL"

Pure: no clock, and no I/O but the data file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs
import pendulum

from yiyu.domain import Case, CaseCheck
from yiyu.instruments._data import Checker, DataLoader, DataPath, Fact, Header, RuleText, frozen_map
from yiyu.instruments._markdown import cell, sources_line

__all__ = [
    "DATA_FILE",
    "CaseManagement",
    "change_since_opening",
    "falling_run",
    "load_case_management",
    "markdown",
    "opening_value",
    "symptom_free_since",
]

DATA_FILE: Final = "case_management.toml"


@attrs.frozen(kw_only=True)
class CaseManagement:
    """The referral and closing criteria of managed cases, as :func:`load_case_management`
    reads them.

    Attributes:
        header: the data's id, version, title and file.
        refer_poor_gain_checks: refer a moderate undernutrition case after this many
            consecutive checks with poor weight gain.
        poor_gain: what poor weight gain at one check is.
        refer_length_after_months: refer when length/height still grows poorly this many
            months into care.
        undernutrition_close: when an undernutrition case closes, in words.
        rickets_refer_after_months: refer active rickets not better after this long.
        rickets_symptom_free_months: close a rickets case once symptoms have been gone
            this long (and the signs are better or normal).
        excess_close_checks: close an overweight/obesity case after this many
            consecutive checks at or below the overweight cut-off.
        sources: source id → title.
    """

    header: Header
    refer_poor_gain_checks: Fact[int]
    poor_gain: RuleText
    refer_length_after_months: Fact[int]
    undernutrition_close: RuleText
    rickets_refer_after_months: Fact[int]
    rickets_symptom_free_months: Fact[int]
    excess_close_checks: Fact[int]
    sources: Mapping[str, str]


def load_case_management(path: DataPath | None = None) -> CaseManagement:
    """The referral and closing criteria: packaged, or a region's file.

    Args:
        path: a region's replacement or override file, or ``None`` for the packaged data,
            which is read once and cached.

    Returns:
        The criteria.

    Raises:
        ProtocolError: naming the file and the field, if invalid.
    """
    return _LOAD(path)


_TEXT_KEYS: Final = {"text", "source", "evidence"}
_LAYOUT: Final = {
    "undernutrition": {
        "refer_poor_gain": {"checks"},
        "poor_gain": set(),
        "refer_length": {"after_months"},
        "close": set(),
    },
    "rickets": {"refer_no_response": {"after_months"}, "close": {"symptom_free_months"}},
    "weight_excess": {"close": {"normal_checks"}},
}


def _build(file: str, document: dict[str, Any]) -> CaseManagement:
    check = Checker(file)
    header = check.header(document)
    check.unknown(document, {"instrument", "sources", *_LAYOUT}, item=None, where="")
    tables: dict[str, dict[str, Any]] = {}
    for section, entries in _LAYOUT.items():
        parent = check.table(document, section, item=None, where="")
        check.unknown(parent, entries, item=None, where=section)
        for name, keys in entries.items():
            table = check.table(parent, name, item=None, where=section)
            check.unknown(table, _TEXT_KEYS | keys, item=None, where=f"{section}.{name}")
            tables[f"{section}.{name}"] = table

    def fact(where: str, key: str) -> Fact[int]:
        return check.fact_int(tables[where], key, where=where, minimum=1)

    def words(where: str) -> RuleText:
        return check.rule_text(tables[where], item=None, where=where)

    return CaseManagement(
        header=header,
        refer_poor_gain_checks=fact("undernutrition.refer_poor_gain", "checks"),
        poor_gain=words("undernutrition.poor_gain"),
        refer_length_after_months=fact("undernutrition.refer_length", "after_months"),
        undernutrition_close=words("undernutrition.close"),
        rickets_refer_after_months=fact("rickets.refer_no_response", "after_months"),
        rickets_symptom_free_months=fact("rickets.close", "symptom_free_months"),
        excess_close_checks=fact("weight_excess.close", "normal_checks"),
        sources=frozen_map(check.sources),
    )


_LOAD: Final = DataLoader(DATA_FILE, _build)


def markdown(data: CaseManagement | None = None) -> str:
    """The documentation section, generated from the data.

    Args:
        data: the criteria, or ``None`` for the packaged data.

    Returns:
        A Markdown section (level-2 heading): each criterion, its value, source and evidence.
    """
    data = data or load_case_management()
    rows: list[tuple[str, str, RuleText | Fact[int]]] = [
        ("营养不良", f"{data.refer_poor_gain_checks.value} checks", data.refer_poor_gain_checks),
        ("营养不良", "—", data.poor_gain),
        (
            "营养不良",
            f"{data.refer_length_after_months.value} months",
            data.refer_length_after_months,
        ),
        ("营养不良", "≥ −2 SD", data.undernutrition_close),
        (
            "佝偻病",
            f"{data.rickets_refer_after_months.value} month(s)",
            data.rickets_refer_after_months,
        ),
        (
            "佝偻病",
            f"{data.rickets_symptom_free_months.value} month(s)",
            data.rickets_symptom_free_months,
        ),
        ("超重/肥胖", f"{data.excess_close_checks.value} checks", data.excess_close_checks),
    ]
    lines = [
        f"## {data.header.title} (`{data.header.label}`)",
        "",
        "When a managed case (专案) is referred or closed. The cadence of the follow-up",
        "visits is the protocol's (docs/protocol.md); 贫血's criteria are the anaemia data's.",
        "",
        "| condition | criterion | value | source | evidence |",
        "|---|---|---|---|---|",
    ]
    for condition, value, fact in rows:
        lines.append(
            f"| {condition} | {cell(fact.text)} | {cell(value)} | "
            f"{cell('; '.join(fact.source))} | {fact.evidence.value} |"
        )
    lines += ["", sources_line(data.sources), ""]
    return "\n".join(lines)


# --- the trends a case's course shows -----------------------------------------------------------


def _series(course: Sequence[CaseCheck], key: str) -> list[tuple[pendulum.Date, float]]:
    return [(check.on, check.values[key]) for check in course if key in check.values]


def falling_run(course: Sequence[CaseCheck], key: str) -> int:
    """How many checks in a row, ending with the last, found ``key`` lower than the one before.

    With ``key = "waz"`` this counts consecutive checks with poor weight gain (the
    weight-for-age z falling, :attr:`CaseManagement.poor_gain`).
    """
    values = [value for _, value in _series(course, key)]
    run = 0
    for earlier, later in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
        if later >= earlier:
            break
        run += 1
    return run


def opening_value(case: Case, key: str) -> float | None:
    """The value of ``key`` the case opened with (its check on the opening day).

    ``None`` when that check did not record it, or the case was stored before its course
    was kept: a trend is then not judged rather than guessed from a later check.
    """
    for check in case.course:
        if check.on == case.opened_on and key in check.values:
            return check.values[key]
    return None


def change_since_opening(case: Case, key: str) -> float | None:
    """The last recorded value of ``key`` minus the opening one, if both exist."""
    opening = opening_value(case, key)
    values = _series(case.course, key)
    if opening is None or len(values) < 2:
        return None
    return values[-1][1] - opening


def symptom_free_since(course: Sequence[CaseCheck]) -> pendulum.Date | None:
    """The first of the checks, ending with the last, that found no symptoms; ``None`` if
    the last check found symptoms or did not record them."""
    since: pendulum.Date | None = None
    for check in reversed(course):
        if check.symptoms is None:
            continue
        if check.symptoms:
            break
        since = check.on
    return since
