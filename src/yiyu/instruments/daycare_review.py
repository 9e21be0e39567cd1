"""托育机构卫生保健工作检查: the health instructor's review checklist for a daycare.

Once a year the health instructor (健康指导员) reviews a daycare's health care (city plan)
against the national daycare norms (digest §6: staffing, the observation room, morning
checks, children's and staff health checks, vaccination certificates, meals, disinfection,
infectious and common diseases, injuries and safety equipment, health education, records,
daily routine, premises, and care by the 保育指导大纲). Each item is answered pass (合格),
fail (不合格) or not applicable (不适用); a failed item is corrected and re-checked within
``correction_within_days`` (30 days, D: no standard gives a deadline). The packaged data
does not repeat the number: it refers to the protocol rule that schedules the re-check
(``{ rule = "daycare_correction_visit", offset = "due" }``, see :meth:`Checker.rule_days
<yiyu.instruments._data.Checker.rule_days>`); a region's file may give a number.

The items are data, in ``yiyu/instruments/data/daycare_review.toml``; read them with
:func:`load_review`. A region changes the deadline or adds items with its own file:

.. code-block:: toml

    [instrument]
    extends = "daycare_review"
    id = "daycare_review-zj"
    version = "2026.1-zj"
    title = "托育机构卫生保健工作检查表（本市）"

    [sources.LOCAL]
    title = "市托育机构卫生保健工作要求"

    [correction]
    override = true                    # a table that exists: restated whole
    correction_within_days = 15
    text = "不合格项整改复查期限（天）"
    source = "LOCAL (市托育机构卫生保健工作要求 第5条)"
    evidence = "LOCAL"

    [[items]]                          # a new entry: added (no override)
    id = "fire_drill"
    number = 17
    text = "每季度开展一次消防演练"
    source = "LOCAL (市托育机构卫生保健工作要求 第8条)"
    evidence = "LOCAL"

The file format: ``[instrument]`` (``id``, ``version``, ``title``); ``[sources.<id>]``
(``title``, optional ``doc_no``); ``[correction]`` (``correction_within_days``, ``text``,
``source``, ``evidence``); ``[[items]]`` in printing order, each with ``id``, ``number``
(the digest's row), ``text``, ``source``, ``evidence`` and optionally ``detail`` and
``detail_evidence`` (the part of the item less well established than the rest).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

import attrs

from yiyu.data import Evidence
from yiyu.errors import ValidationError
from yiyu.instruments._answers import answers_by_item
from yiyu.instruments._data import Checker, DataLoader, DataPath, Fact, Header, frozen_map
from yiyu.instruments._markdown import cell, sources_line

__all__ = [
    "DATA_FILE",
    "ReviewAnswer",
    "ReviewChecklist",
    "ReviewItem",
    "ReviewResult",
    "item_text",
    "load_review",
    "markdown",
    "review",
]

DATA_FILE: Final = "daycare_review.toml"


class ReviewAnswer(enum.Enum):
    """The answer to one checklist item."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label_zh(self) -> str:
        return _ANSWER_ZH[self]

    @classmethod
    def parse(cls, value: object, *, field: str = "answer") -> ReviewAnswer:
        """Accept the enum, its value (``pass``), its name (``PASS``) or 合格/不合格/不适用.

        Raises:
            ValidationError: for anything else.
        """
        if isinstance(value, ReviewAnswer):
            return value
        if isinstance(value, str):
            text = value.strip()
            for answer in cls:
                if text.lower() in (answer.value, answer.name.lower()) or text == answer.label_zh:
                    return answer
        known = ", ".join(f"{a.value} ({a.label_zh})" for a in cls)
        raise ValidationError(field, value, f"expected one of {known}")


_ANSWER_ZH: Final = {
    ReviewAnswer.PASS: "合格",
    ReviewAnswer.FAIL: "不合格",
    ReviewAnswer.NOT_APPLICABLE: "不适用",
}


@attrs.frozen(kw_only=True)
class ReviewItem:
    """One checklist item.

    Attributes:
        id: stable id (``observation_room``).
        number: the row of the digest's §6 table (two items share row 11).
        text: what is checked, in Chinese.
        source: where the requirement comes from.
        evidence: how well it is established.
        detail: the part of the item less well established than the rest, or ``None``.
        detail_evidence: the evidence of ``detail``.
    """

    id: str
    number: int
    text: str
    source: tuple[str, ...]
    evidence: Evidence
    detail: str | None = None
    detail_evidence: Evidence | None = None


@attrs.frozen(kw_only=True)
class ReviewChecklist:
    """The checklist, as loaded by :func:`load_review`.

    Attributes:
        header: the data file's id, version, title and file name.
        items: the items in printing order.
        correction_within_days: the deadline (days) to re-check a failed item (D).
        sources: source id → title.
    """

    header: Header
    items: tuple[ReviewItem, ...]
    correction_within_days: Fact[int]
    sources: Mapping[str, str]

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)


@attrs.frozen(kw_only=True)
class ReviewResult:
    """The outcome of one review.

    Attributes:
        instrument: ``id@version`` of the checklist used.
        answers: item id → answer, in checklist order.
        failed: the ids of failed items, in checklist order.
        passed: the ids of passed items.
        not_applicable: the ids of items that do not apply.
        notes: item id → the reviewer's note, for the items that have one.
        correction_within_days: the deadline for re-checking the failed items, or
            ``None`` when nothing failed.
    """

    instrument: str
    answers: Mapping[str, ReviewAnswer]
    failed: tuple[str, ...]
    passed: tuple[str, ...]
    not_applicable: tuple[str, ...]
    notes: Mapping[str, str]
    correction_within_days: int | None

    @property
    def fail_count(self) -> int:
        return len(self.failed)

    @property
    def pass_count(self) -> int:
        return len(self.passed)

    @property
    def not_applicable_count(self) -> int:
        return len(self.not_applicable)

    @property
    def all_passed(self) -> bool:
        """No item failed (items that do not apply are not failures)."""
        return not self.failed


# --- loading ----------------------------------------------------------------------------------


def load_review(path: DataPath | None = None) -> ReviewChecklist:
    """The review checklist: packaged, or a region's replacement or override.

    Args:
        path: a region's file (see the module docstring), or ``None`` for the packaged
            data, which is read once and cached.

    Returns:
        The checklist.

    Raises:
        ProtocolError: naming the file, the item and the field, if the data is invalid.
    """
    return _LOAD(path)


_ITEM_KEYS: Final = {"id", "number", "text", "source", "evidence", "detail", "detail_evidence"}


def _build(file: str, document: dict[str, Any]) -> ReviewChecklist:
    check = Checker(file)
    header = check.header(document)
    check.unknown(document, {"instrument", "sources", "correction", "items"}, item=None, where="")
    correction = check.table(document, "correction", item=None, where="")
    check.unknown(
        correction,
        {"correction_within_days", "text", "source", "evidence"},
        item=None,
        where="correction",
    )
    items: list[ReviewItem] = []
    for item_id, table in check.entries(document, "items", where=""):
        check.unknown(table, _ITEM_KEYS, item=item_id, where="items")
        detail = check.optional_text(table, "detail", item=item_id, where="items")
        detail_evidence = None
        if detail is not None:
            detail_evidence = check.evidence(table, "detail_evidence", item=item_id, where="items")
        elif "detail_evidence" in table:
            check.fail(
                "detail_evidence without a detail", item=item_id, field="items.detail_evidence"
            )
        items.append(
            ReviewItem(
                id=item_id,
                number=check.integer(table, "number", item=item_id, where="items", minimum=1),
                text=check.text(table, "text", item=item_id, where="items"),
                source=check.source(table, item=item_id, where="items"),
                evidence=check.evidence(table, item=item_id, where="items"),
                detail=detail,
                detail_evidence=detail_evidence,
            )
        )
    return ReviewChecklist(
        header=header,
        items=tuple(items),
        correction_within_days=check.fact_int(
            correction, "correction_within_days", where="correction", minimum=1
        ),
        sources=frozen_map(check.sources),
    )


_LOAD: Final = DataLoader(DATA_FILE, _build)


def item_text(item_id: str, checklist: ReviewChecklist | None = None) -> str:
    """The Chinese text of a checklist item, for findings and printed forms.

    Args:
        item_id: the item's id (``observation_room``).
        checklist: the checklist, or ``None`` for the packaged one.

    Returns:
        The item's text.

    Raises:
        ValidationError: if the checklist has no such item.
    """
    checklist = checklist or load_review()
    for item in checklist.items:
        if item.id == item_id:
            return item.text
    raise ValidationError("item_id", item_id, "not an item of the review checklist")


# --- reviewing --------------------------------------------------------------------------------


def review(
    answers: Mapping[str, ReviewAnswer | str],
    notes: Mapping[str, str] | None = None,
    *,
    checklist: ReviewChecklist | None = None,
) -> ReviewResult:
    """Score one review of a daycare.

    Args:
        answers: item id → :class:`ReviewAnswer` (or ``pass``/``fail``/``not_applicable``,
            合格/不合格/不适用). Every item must be answered: an item left out is neither
            passed nor failed, and a review that silently skips one is not a review.
        notes: item id → the reviewer's note (what was wrong, what was agreed). Blank
            notes are dropped.
        checklist: the checklist, or ``None`` for the packaged one.

    Returns:
        The failed, passed and not-applicable items, the notes and, if anything failed,
        the correction deadline in days.

    Raises:
        ValidationError: naming the item, if an item has no answer, an answer or note
            names an unknown item, an answer is not one of the three, or a note is not
            text.
    """
    checklist = checklist or load_review()
    given = answers_by_item(
        answers,
        checklist.items,
        expected="answer",
        unknown=f"unknown item; the checklist has {', '.join(checklist.item_ids)}",
        verb="answered",
    )
    parsed = {
        item_id: ReviewAnswer.parse(answer, field=f"answers[{item_id}]")
        for item_id, answer in given.items()
    }
    known = set(checklist.item_ids)
    kept_notes: dict[str, str] = {}
    for item_id, note in (notes or {}).items():
        if item_id not in known:
            raise ValidationError(f"notes[{item_id}]", note, "a note for an unknown item")
        if not isinstance(note, str):
            raise ValidationError(f"notes[{item_id}]", note, "a note is text")
        if note.strip():
            kept_notes[item_id] = note.strip()

    def having(answer: ReviewAnswer) -> tuple[str, ...]:
        return tuple(item_id for item_id, given in parsed.items() if given is answer)

    failed = having(ReviewAnswer.FAIL)
    return ReviewResult(
        instrument=checklist.header.label,
        answers=frozen_map(parsed),
        failed=failed,
        passed=having(ReviewAnswer.PASS),
        not_applicable=having(ReviewAnswer.NOT_APPLICABLE),
        notes=frozen_map({i: kept_notes[i] for i in checklist.item_ids if i in kept_notes}),
        correction_within_days=checklist.correction_within_days.value if failed else None,
    )


# --- documentation ----------------------------------------------------------------------------


def markdown(data: ReviewChecklist | None = None) -> str:
    """A Markdown section describing the checklist, generated from the data.

    Args:
        data: the checklist, or ``None`` for the packaged one.

    Returns:
        The section (a level-2 heading, what it checks, the items, the deadline, sources).
    """
    data = data or load_review()
    answers = " / ".join(f"{a.label_zh} ({a.value})" for a in ReviewAnswer)
    lines = [
        f"## {data.header.title} (`{data.header.label}`)",
        "",
        "What it checks: a daycare's health care, item by item, at the health instructor's",
        f"yearly review. Each item is answered {answers}.",
        "",
        "| # | id | 检查内容 | source | evidence |",
        "|---|---|---|---|---|",
    ]
    for item in data.items:
        evidence = item.evidence.value
        if item.detail is not None and item.detail_evidence is not None:
            evidence += f" ({cell(item.detail)}: {item.detail_evidence.value})"
        lines.append(
            f"| {item.number} | `{item.id}` | {cell(item.text)} | "
            f"{cell('; '.join(item.source))} | {evidence} |"
        )
    fact = data.correction_within_days
    lines += [
        "",
        f"{fact.text or 'Correction deadline'}: **{fact.value} days** after a failed item "
        f"({'; '.join(fact.source)}; {fact.evidence.value}).",
        "",
        sources_line(data.sources),
        "",
    ]
    return "\n".join(lines)
