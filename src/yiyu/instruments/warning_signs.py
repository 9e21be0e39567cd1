"""儿童心理行为发育问题预警征象 (developmental warning signs) and the autism first screen.

The national table (S5) has 44 items at 11 key ages (3, 6, 8, 12, 18, 24, 30 and 36 months,
4, 5 and 6 years), four per age. At a health check the doctor asks about the items of the
child's column: any positive item suggests a developmental deviation and the child is
referred (S5, digest §2). The autism first screen (初筛, S6, digest §3) uses the same table
and adds one question, language or social regression at any age: either finding refers
the child to the county MCH institution (县级妇幼保健机构) for 复筛.

The items and rules are data, in ``yiyu/instruments/data/warning_signs.toml``; read it with
:func:`load_warning_signs`. Facts tagged M or D (the referral deadline, some items' areas)
are defaults a region may change with its own file. Which age selects the column of a
preterm child (corrected age, until the limit in the protocol's ``[corrected_age]``) is
decided by :func:`yiyu.assessment_age`, not here:

.. code-block:: toml

    [instrument]
    extends = "warning_signs"          # laid over the packaged data
    id = "warning_signs-zj"
    version = "2026.1-zj"
    title = "预警征象筛查表（本地）"

    [sources.LOCAL]
    title = "市卫健委通知"

    [rules.referral_deadline]
    override = true                    # a table that exists: restated whole
    referral_within_days = 14
    text = "初筛阳性后转诊复筛的期限（天）"
    source = "LOCAL (市卫健委通知 第3条)"
    evidence = "LOCAL"

The file format: ``[instrument]`` (``id``, ``version``, ``title``); ``[sources.<id>]``
(``title``, optional ``doc_no``); ``[rules.positive]``, ``[rules.autism_referral]``
(``refer_to``), ``[rules.referral_deadline]`` (``referral_within_days``: days, or in the
packaged data a reference to the protocol rule ``autism_rescreen_referral``'s ``due``),
``[rules.column_selection]``, ``[rules.earlier_columns]``, ``[rules.applies_until]``
(``until_months``), ``[areas]``, each with ``text``, ``source`` and ``evidence``; and
``[[columns]]`` in age order, each with ``id``, ``age_months``, ``label_zh``, ``source``,
``evidence`` and ``items``, a list of ``{ id, text, area, area_evidence, source,
evidence }`` where ``area`` is ``language``, ``social_emotional``, ``fine_motor`` or
``gross_motor``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

import attrs

from yiyu.data import Evidence
from yiyu.errors import ValidationError
from yiyu.instruments._data import Checker, DataLoader, DataPath, Fact, Header, RuleText, frozen_map
from yiyu.instruments._markdown import cell, sources_line

__all__ = [
    "DATA_FILE",
    "Area",
    "Column",
    "RuleText",
    "WarningSignItem",
    "WarningSignResult",
    "WarningSigns",
    "column_for",
    "load_warning_signs",
    "markdown",
    "screen",
]

DATA_FILE: Final = "warning_signs.toml"


class Area(enum.Enum):
    """The developmental area (能区) an item looks at."""

    LANGUAGE = "language"
    SOCIAL_EMOTIONAL = "social_emotional"
    FINE_MOTOR = "fine_motor"
    GROSS_MOTOR = "gross_motor"

    @property
    def label_zh(self) -> str:
        return _AREA_ZH[self]


_AREA_ZH: Final = {
    Area.LANGUAGE: "语言",
    Area.SOCIAL_EMOTIONAL: "社会情感",
    Area.FINE_MOTOR: "精细动作",
    Area.GROSS_MOTOR: "大运动",
}


@attrs.frozen(kw_only=True)
class WarningSignItem:
    """One warning sign (预警征象), e.g. ``m18_3`` 与人无目光交流.

    Attributes:
        id: stable id, ``<column>_<number>``.
        column: the column's id (``m18``).
        number: 1-4, the row in the national table.
        text: the table's wording.
        area: the developmental area.
        area_evidence: ``V`` when the item plainly belongs to its column's area, ``D``
            when yiyu chose the area.
        source: where the item comes from.
        evidence: how well the item is established.
    """

    id: str
    column: str
    number: int
    text: str
    area: Area
    area_evidence: Evidence
    source: tuple[str, ...]
    evidence: Evidence


@attrs.frozen(kw_only=True)
class Column:
    """The items of one key age (``m3`` … ``m36``, ``y4`` … ``y6``).

    Attributes:
        id: ``m3``, ``m6``, … ``y6``.
        age_months: the key age in months (48 for ``y4``).
        label_zh: ``3月龄``, ``4岁``.
        items: the warning signs, in the table's order.
        source: where the key age comes from.
        evidence: how well it is established.
    """

    id: str
    age_months: int
    label_zh: str
    items: tuple[WarningSignItem, ...]
    source: tuple[str, ...]
    evidence: Evidence

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)


@attrs.frozen(kw_only=True)
class WarningSigns:
    """The warning-sign table and its rules, as loaded by :func:`load_warning_signs`.

    Attributes:
        header: the data file's id, version, title and file name.
        columns: the key ages in order.
        positive_rule, autism_rule, column_selection, earlier_columns, areas: rules in
            words, with their sources.
        refer_to: where a positive first screen is referred (县级妇幼保健机构).
        referral_within_days: the referral deadline in days (D: no standard gives one).
        applies_until_months: no column applies from this age (the table is for 0–6 y).
        sources: source id → title.
    """

    header: Header
    columns: tuple[Column, ...]
    positive_rule: RuleText
    autism_rule: RuleText
    refer_to: str
    referral_within_days: Fact[int]
    column_selection: RuleText
    earlier_columns: RuleText
    applies_until: RuleText
    applies_until_months: Fact[int]
    areas: RuleText
    sources: Mapping[str, str]

    def column(self, column_id: str) -> Column:
        """The column with this id.

        Raises:
            ValidationError: if there is no such column.
        """
        for column in self.columns:
            if column.id == column_id:
                return column
        known = ", ".join(column.id for column in self.columns)
        raise ValidationError("column_id", column_id, f"unknown column; known: {known}")

    def item(self, item_id: str) -> WarningSignItem:
        """The item with this id, in any column.

        Raises:
            ValidationError: if there is no such item.
        """
        for column in self.columns:
            for item in column.items:
                if item.id == item_id:
                    return item
        raise ValidationError("item_id", item_id, "unknown warning-sign item")


@attrs.frozen(kw_only=True)
class WarningSignResult:
    """The outcome of one screen.

    Attributes:
        instrument: ``id@version`` of the data used, to store with the result.
        column_id: the column screened.
        positive_items: the ids of the items answered positive, in table order.
        regression: whether language or social regression was reported.
        positive: any item positive: a developmental deviation is possible, refer
            (S5, digest §2, V). Regression alone does not make the warning-sign screen
            positive.
        autism_referral: any positive item or regression: refer for autism 复筛
            (S6, digest §3, V).
        refer_to: where to refer for 复筛, when ``autism_referral``.
        referral_within_days: the deadline for that referral (D), when
            ``autism_referral``.
    """

    instrument: str
    column_id: str
    positive_items: tuple[str, ...]
    regression: bool
    positive: bool
    autism_referral: bool
    refer_to: str | None
    referral_within_days: int | None


# --- loading ----------------------------------------------------------------------------------


def load_warning_signs(path: DataPath | None = None) -> WarningSigns:
    """The warning-sign table: the packaged one, or a region's replacement or override.

    Args:
        path: a region's file (see the module docstring), or ``None`` for the packaged
            data, which is read once and cached.

    Returns:
        The table and its rules.

    Raises:
        ProtocolError: naming the file, the item and the field, if the data is invalid.
    """
    return _LOAD(path)


_RULE_KEYS: Final = {"text", "source", "evidence"}
_ITEM_KEYS: Final = {"id", "text", "area", "area_evidence", "source", "evidence"}
_COLUMN_KEYS: Final = {"id", "age_months", "label_zh", "source", "evidence", "items"}


def _rule(check: Checker, rules: Mapping[str, Any], key: str, extra: set[str]) -> dict[str, Any]:
    table = check.table(rules, key, item=None, where="rules")
    check.unknown(table, _RULE_KEYS | extra, item=None, where=f"rules.{key}")
    return table


def _text(check: Checker, table: Mapping[str, Any], where: str) -> RuleText:
    return check.rule_text(table, item=None, where=where)


def _build(file: str, document: dict[str, Any]) -> WarningSigns:
    check = Checker(file)
    header = check.header(document)
    check.unknown(
        document, {"instrument", "sources", "rules", "areas", "columns"}, item=None, where=""
    )
    rules = check.table(document, "rules", item=None, where="")
    check.unknown(
        rules,
        {
            "positive",
            "autism_referral",
            "referral_deadline",
            "column_selection",
            "earlier_columns",
            "applies_until",
        },
        item=None,
        where="rules",
    )
    autism = _rule(check, rules, "autism_referral", {"refer_to"})
    deadline = _rule(check, rules, "referral_deadline", {"referral_within_days"})
    applies = _rule(check, rules, "applies_until", {"until_months"})
    areas = check.table(document, "areas", item=None, where="")
    check.unknown(areas, _RULE_KEYS, item=None, where="areas")

    columns: list[Column] = []
    seen_items: set[str] = set()
    for column_id, table in check.entries(document, "columns", where=""):
        check.unknown(table, _COLUMN_KEYS, item=column_id, where="columns")
        age = check.integer(table, "age_months", item=column_id, where="columns", minimum=0)
        if columns and age <= columns[-1].age_months:
            check.fail(
                f"columns must be in increasing age, {age} follows {columns[-1].age_months}",
                item=column_id,
                field="columns.age_months",
            )
        raw_items = table.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            check.fail("a column needs its items", item=column_id, field="columns.items")
        items: list[WarningSignItem] = []
        for number, raw in enumerate(raw_items, start=1):
            if not isinstance(raw, dict):
                check.fail("an item is a table", item=column_id, field=f"items[{number - 1}]")
            item_id = check.text(raw, "id", item=column_id, where=f"items[{number - 1}]")
            check.nest(("columns", column_id), "items", number - 1, item_id)
            if item_id in seen_items:
                check.fail("duplicate item id", item=item_id, field="items.id")
            seen_items.add(item_id)
            check.unknown(raw, _ITEM_KEYS, item=item_id, where="items")
            area_name = check.text(raw, "area", item=item_id, where="items")
            try:
                area = Area(area_name)
            except ValueError:
                check.fail(
                    f"unknown area {area_name!r}; known: {', '.join(a.value for a in Area)}",
                    item=item_id,
                    field="items.area",
                )
            items.append(
                WarningSignItem(
                    id=item_id,
                    column=column_id,
                    number=number,
                    text=check.text(raw, "text", item=item_id, where="items"),
                    area=area,
                    area_evidence=check.evidence(raw, "area_evidence", item=item_id, where="items"),
                    source=check.source(raw, item=item_id, where="items"),
                    evidence=check.evidence(raw, item=item_id, where="items"),
                )
            )
        columns.append(
            Column(
                id=column_id,
                age_months=age,
                label_zh=check.text(table, "label_zh", item=column_id, where="columns"),
                items=tuple(items),
                source=check.source(table, item=column_id, where="columns"),
                evidence=check.evidence(table, item=column_id, where="columns"),
            )
        )

    return WarningSigns(
        header=header,
        columns=tuple(columns),
        positive_rule=_text(check, _rule(check, rules, "positive", set()), "rules.positive"),
        autism_rule=_text(check, autism, "rules.autism_referral"),
        refer_to=check.text(autism, "refer_to", item=None, where="rules.autism_referral"),
        referral_within_days=check.fact_int(
            deadline, "referral_within_days", where="rules.referral_deadline", minimum=1
        ),
        column_selection=_text(
            check, _rule(check, rules, "column_selection", set()), "rules.column_selection"
        ),
        earlier_columns=_text(
            check, _rule(check, rules, "earlier_columns", set()), "rules.earlier_columns"
        ),
        applies_until=_text(check, applies, "rules.applies_until"),
        applies_until_months=check.fact_int(
            applies, "until_months", where="rules.applies_until", minimum=1
        ),
        areas=_text(check, areas, "areas"),
        sources=frozen_map(check.sources),
    )


_LOAD: Final = DataLoader(DATA_FILE, _build)


# --- which column -----------------------------------------------------------------------------


def _whole(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, value, "a whole number of months is required")
    return value


def column_for(
    *, age_months: int, scheduled_column: str | None = None, data: WarningSigns | None = None
) -> Column | None:
    """The column to screen a child against.

    At a scheduled visit it is that visit's column, whatever the exact age on the day
    (the record forms print each visit's column, digest §2). Off schedule it is the
    latest key age not after the child's age (D): a child of 10 months gets ``m8``, of
    47 months ``m36``. Items of earlier columns still failed are recorded, not scored
    (D, digest §2).

    Args:
        age_months: completed months (corrected for a preterm child while corrected age
            applies: :func:`yiyu.assessment_age`); may be negative before term-equivalent
            age.
        scheduled_column: the scheduled visit's column id (``"m18"``), if any.
        data: the table, or ``None`` for the packaged one.

    Returns:
        The column, or ``None`` before the first key age (3 months) or from the age the
        table stops applying (84 months, D).

    Raises:
        ValidationError: if ``age_months`` is not a whole number or ``scheduled_column``
            is not a column of the table.
    """
    data = data or load_warning_signs()
    age = _whole("age_months", age_months)
    if scheduled_column is not None:
        return data.column(scheduled_column)
    if age >= data.applies_until_months.value:
        return None
    chosen: Column | None = None
    for column in data.columns:
        if column.age_months <= age:
            chosen = column
    return chosen


# --- screening --------------------------------------------------------------------------------


def screen(
    column_id: str,
    answers: Mapping[str, bool],
    *,
    regression: bool = False,
    data: WarningSigns | None = None,
) -> WarningSignResult:
    """Score one column of the warning-sign table (and the autism first screen).

    Args:
        column_id: the column screened (from :func:`column_for`).
        answers: item id → ``True`` when the warning sign is present (阳性), ``False``
            when it is not. Every item of the column must be answered, because an
            unasked item is not a negative one.
        regression: language or social regression reported at any age (S6).
        data: the table, or ``None`` for the packaged one.

    Returns:
        The positive items, ``positive`` (any item: refer, S5) and ``autism_referral``
        (any item or regression: refer for 复筛, S6) with its deadline.

    Raises:
        ValidationError: naming the item, if an item of the column has no answer, an
            answer names an item not in the column, an answer is not a ``bool``, or
            ``column_id`` is unknown.
    """
    data = data or load_warning_signs()
    column = data.column(column_id)
    if not isinstance(regression, bool):
        raise ValidationError("regression", regression, "True or False is required")
    if not isinstance(answers, Mapping):
        raise ValidationError("answers", answers, "a mapping of item id → True/False")
    expected = set(column.item_ids)
    for item_id in answers:
        if item_id not in expected:
            try:
                other = data.item(item_id).column
            except ValidationError:
                rule = f"unknown item; column {column.id} has {', '.join(column.item_ids)}"
            else:
                # Earlier columns are recorded, not scored (digest §2, D): reject rather
                # than silently drop, so the caller knows the answer was not counted.
                rule = f"belongs to column {other}, not {column.id}"
            raise ValidationError(f"answers[{item_id}]", answers[item_id], rule)
    positive: list[str] = []
    for item in column.items:
        if item.id not in answers:
            raise ValidationError(
                f"answers[{item.id}]",
                None,
                f"no answer for {item.id} ({item.text}): every item of the column must be answered",
            )
        answer = answers[item.id]
        if not isinstance(answer, bool):
            raise ValidationError(
                f"answers[{item.id}]", answer, "True (warning sign present) or False is required"
            )
        if answer:
            positive.append(item.id)
    autism = bool(positive) or regression
    return WarningSignResult(
        instrument=data.header.label,
        column_id=column.id,
        positive_items=tuple(positive),
        regression=regression,
        positive=bool(positive),
        autism_referral=autism,
        refer_to=data.refer_to if autism else None,
        referral_within_days=data.referral_within_days.value if autism else None,
    )


# --- documentation ----------------------------------------------------------------------------


def markdown(data: WarningSigns | None = None) -> str:
    """A Markdown section describing the table, generated from the data.

    Args:
        data: the table, or ``None`` for the packaged one.

    Returns:
        The section (a level-2 heading, what it measures, the items, the rules, sources).
    """
    data = data or load_warning_signs()
    lines = [
        f"## {data.header.title} (`{data.header.label}`)",
        "",
        "What it measures: signs that a child's psychological and behavioural development may",
        "deviate, four per key age in four areas. At each health check the items of the",
        "child's column are asked; the same table is the autism first screen (初筛), with one",
        "added question on language or social regression.",
        "",
        "| id | 年龄 | 预警征象 | area | source | evidence (item / area) |",
        "|---|---|---|---|---|---|",
    ]
    for column in data.columns:
        for item in column.items:
            lines.append(
                f"| `{item.id}` | {column.label_zh} | {cell(item.text)} | "
                f"{item.area.label_zh} ({item.area.value}) | {cell('; '.join(item.source))} | "
                f"{item.evidence.value} / {item.area_evidence.value} |"
            )
    lines += ["", "| rule | value | source | evidence |", "|---|---|---|---|"]
    rules: list[tuple[RuleText, str]] = [
        (data.positive_rule, "any positive item"),
        (data.autism_rule, f"refer to {data.refer_to}"),
        (
            RuleText(
                text=data.referral_within_days.text,
                source=data.referral_within_days.source,
                evidence=data.referral_within_days.evidence,
            ),
            f"{data.referral_within_days.value} days",
        ),
        (data.column_selection, "scheduled column, else latest key age ≤ age"),
        (data.earlier_columns, "not scored"),
        (data.applies_until, f"before {data.applies_until_months.value} months"),
        (data.areas, ", ".join(f"{area.label_zh} ({area.value})" for area in Area)),
    ]
    for rule, value in rules:
        lines.append(
            f"| {cell(rule.text)} | {cell(value)} | {cell('; '.join(rule.source))} | "
            f"{rule.evidence.value} |"
        )
    lines += ["", sources_line(data.sources), ""]
    return "\n".join(lines)
