"""A child and the facts about it that the schedule hangs from."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pendulum

from yiyu.domain._convert import (
    GENERIC,
    date_value,
    id_text,
    items_of,
    keyword_errors,
    name_errors,
    name_text,
    optional_date,
    optional_id_text,
    optional_line_text,
    optional_name_text,
    parse_enum,
)
from yiyu.domain._trusted import trusted_maker
from yiyu.domain.care import Case, CaseCloseReason, Referral
from yiyu.domain.categories import Category, CategoryKind
from yiyu.domain.daycare import Enrolment
from yiyu.domain.ids import parse_resident_id
from yiyu.domain.masking import mask_phone, mask_resident_id
from yiyu.errors import ValidationError

__all__ = [
    "Category",
    "CategoryKind",
    "Child",
    "GestationalAge",
    "LifeEvent",
    "LifeEventKind",
    "Sex",
]

# Plausibility limits the issue tracker fixed for registry data (#2): outside them a
# value is far more likely a typing error than a real child.
GA_MIN_WEEKS = 22
GA_MAX_WEEKS = 45
BIRTH_WEIGHT_MIN_G = 300
BIRTH_WEIGHT_MAX_G = 6500


class Sex(enum.Enum):
    MALE = "M"
    FEMALE = "F"

    @property
    def label_zh(self) -> str:
        return "男" if self is Sex.MALE else "女"

    @classmethod
    def parse(cls, value: Sex | str, *, field: str = "sex") -> Sex:
        """Accept ``Sex``, ``M``/``F``, ``男``/``女`` or ``male``/``female``."""
        if isinstance(value, Sex):
            return value
        text = str(value).strip().lower()
        if text in {"m", "男", "male"}:
            return cls.MALE
        if text in {"f", "女", "female"}:
            return cls.FEMALE
        raise ValidationError(field, value, "expected M/F, 男/女 or male/female")


class LifeEventKind(enum.Enum):
    """Events that end a child's obligations in this area."""

    MOVED_OUT = "moved_out"
    DECEASED = "deceased"

    @property
    def label_zh(self) -> str:
        return "迁出" if self is LifeEventKind.MOVED_OUT else "死亡"


def _life_event_kind(value: LifeEventKind | str) -> LifeEventKind:
    return parse_enum(LifeEventKind, value)


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class LifeEvent:
    """The child moved out of the area, or died, on ``on``."""

    kind: LifeEventKind = attrs.field(converter=_life_event_kind)
    on: pendulum.Date = attrs.field(converter=date_value)


@keyword_errors
@attrs.frozen(kw_only=True, order=True, field_transformer=name_errors)
class GestationalAge:
    """Gestational age at birth, ``weeks``+``days`` (孕周, written 36+5)."""

    weeks: int
    days: int = 0

    def __attrs_post_init__(self) -> None:
        for field, value in (
            ("gestational_age.weeks", self.weeks),
            ("gestational_age.days", self.days),
        ):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(field, value, "a whole number")
        if not 0 <= self.days <= 6:
            raise ValidationError("gestational_age.days", self.days, "must be 0–6")
        if not GA_MIN_WEEKS <= self.weeks <= GA_MAX_WEEKS or (
            self.weeks == GA_MAX_WEEKS and self.days
        ):
            raise ValidationError(
                "gestational_age",
                f"{self.weeks}+{self.days}",
                f"must be {GA_MIN_WEEKS}–{GA_MAX_WEEKS} weeks",
            )

    @property
    def total_days(self) -> int:
        return self.weeks * 7 + self.days

    def __str__(self) -> str:
        return f"{self.weeks}+{self.days}"

    @classmethod
    def parse(
        cls,
        value: GestationalAge | str | int | float | tuple[int, int] | Mapping[str, int] | None,
    ) -> GestationalAge | None:
        """Accept ``36+5``, ``36``, ``(36, 5)`` or a ``GestationalAge``; ``None``/"" pass."""
        if value is None or value == "":
            return None
        if isinstance(value, GestationalAge):
            return value
        weeks: int | None = None
        days = 0
        try:
            if isinstance(value, Mapping) and set(value) <= {"weeks", "days"}:
                weeks, days = int(value["weeks"]), int(value.get("days", 0))
            elif isinstance(value, tuple) and len(value) == 2:
                weeks, days = int(value[0]), int(value[1])
            elif isinstance(value, int | float) and not isinstance(value, bool):
                if value == int(value):
                    weeks = int(value)
            elif isinstance(value, str):
                text_weeks, _, text_days = value.strip().partition("+")
                weeks, days = int(text_weeks), int(text_days or 0)
        except (ValueError, TypeError):
            weeks = None
        if weeks is not None:
            return cls(weeks=weeks, days=days)
        raise ValidationError("gestational_age", value, "expected weeks or weeks+days, e.g. 36+5")


def _unique_open(field: str, conditions: list[tuple[str, bool]]) -> None:
    """At most one open case per condition: a second finding updates the open one."""
    open_ones = [condition for condition, is_open in conditions if is_open]
    for condition in set(open_ones):
        if open_ones.count(condition) > 1:
            raise ValidationError(field, condition, "two open cases for one condition")


def _unique_ids(field: str, ids: list[str]) -> None:
    for item in set(ids):
        if ids.count(item) > 1:
            raise ValidationError(field, item, "given twice")


def _sex(value: Sex | str) -> Sex:
    return Sex.parse(value)


def _gestational_age(
    value: GestationalAge | str | int | float | tuple[int, int] | Mapping[str, int] | None,
) -> GestationalAge | None:
    return GestationalAge.parse(value)


def _categories(value: Iterable[Category | CategoryKind | str]) -> tuple[Category, ...]:
    if value is None or isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValidationError("categories", value, "a list of categories is required")
    result = []
    for index, item in enumerate(value):
        if isinstance(item, Category):
            result.append(item)
        elif isinstance(item, CategoryKind | str):
            result.append(Category(kind=CategoryKind.parse(item, field="categories")))
        else:
            result.extend(items_of(Category, [item], f"categories[{index}]"))
    return tuple(result)


def _events(value: Iterable[LifeEvent]) -> tuple[LifeEvent, ...]:
    return items_of(LifeEvent, value, "life_events")


def _enrolments(value: Iterable[Enrolment]) -> tuple[Enrolment, ...]:
    return items_of(Enrolment, value, "enrolments")


def _cases(value: Iterable[Case]) -> tuple[Case, ...]:
    return items_of(Case, value, "cases")


def _referrals(value: Iterable[Referral]) -> tuple[Referral, ...]:
    return items_of(Referral, value, "referrals")


def _leaving(events: tuple[LifeEvent, ...]) -> LifeEvent | None:
    # One answer whatever the order the events were given in: a death recorded on the
    # day of a move decides.
    if not events:
        return None
    return min(events, key=lambda e: (e.on, e.kind is not LifeEventKind.DECEASED))


def _close_on_leaving(cases: tuple[Case, ...], leaving: LifeEvent | None) -> tuple[Case, ...]:
    """The cases, with every one still open on the day the child left closed on that day.

    Leaving the area (迁出) or dying ends case management here: the case is closed with
    the reason, not left open forever, so the closing rate and the tallies of open cases
    are right. A case closed by a visit keeps its closing, even one recorded after the
    child left (a visit entered late). A case opened after the child left is left alone.

    Why here, in the value, rather than where the life event is recorded: no registry
    file carries life events, host software saves them with the child however it likes,
    and every reader (planning, recording, coverage, printing, the ``care_case`` table)
    must agree. So the closing is derived from the facts whenever a child is built, as a
    status is, and stored with the child for whoever reads the table. It stays derived: a
    corrected or withdrawn life event moves or takes back the closings, and the facts
    hash leaves them out (:meth:`Case.as_recorded`), so it changes only when facts do and
    children stored before this rule keep their hash (and their plans).
    """
    if leaving is None and not any(case.closed_by_leaving for case in cases):
        return cases  # most children: nothing to do, no copy
    result = []
    for case in cases:
        recorded = case.as_recorded()
        if leaving is not None and recorded.is_open and recorded.opened_on <= leaving.on:
            reason = CaseCloseReason(leaving.kind.value)
            recorded = attrs.evolve(recorded, closed_on=leaving.on, close_reason=reason)
        result.append(recorded)
    return tuple(result)


def _resident_id(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError("resident_id", value, "an identity number is text (it may end in X)")
    return value.strip().upper()


_PHONE_CHARACTERS = re.compile(r"[0-9+\-() ]+")
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15  # ITU-T E.164's longest number


def _phone(value: str | None) -> str | None:
    # A value that is not a phone is refused without echoing it in full: the error may
    # reach a log, and a phone number must not (the brief's rule for personal data).
    try:
        text = optional_line_text(value)
    except ValidationError as error:
        shown = mask_phone(value) if isinstance(value, str) else value
        raise ValidationError(GENERIC, shown, error.rule) from None
    if text is None:
        return None
    digits = sum(char.isdigit() for char in text)
    if _PHONE_CHARACTERS.fullmatch(text) is None or not (
        PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS
    ):
        raise ValidationError(
            GENERIC,
            mask_phone(text),
            f"a phone number is {PHONE_MIN_DIGITS}–{PHONE_MAX_DIGITS} digits, "
            "with optional +, spaces, hyphens and brackets",
        )
    return text


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Child:
    """A child and the facts its obligations are computed from.

    Args:
        id: the registry's identifier (stable; used in obligation keys).
        name: the child's name (may be a placeholder such as "王某之子" for a newborn).
        sex: ``M``/``F`` (or 男/女).
        birth_date: date of birth.
        gestational_age: at birth, ``36+5``; ``None`` when not known (treated as term).
        birth_weight_g: birth weight in grams; ``None`` when not known.
        discharge_date: discharge from the birth hospital; ``None`` for a home birth.
        resident_id: 公民身份号码 when the child has one (newborns often do not).
        township: 镇(街道) of residence, the unit coverage is reported for.
        family_doctor: the contracted family doctor's identifier.
        categories: :class:`Category` values (or bare kinds/Chinese names, since birth).
        life_events: moves out of the area and death.
        registered_on: when the child entered this area's registry, if after birth:
            obligations whose window closed before it are missed, not open.
        enrolments: the child's daycare enrolments (托育), each of which owes an entry
            check and a health record.
        cases: managed conditions (专案管理), opened and closed by findings. A case still
            open on the day the child left (``life_events``) is closed on that day, with
            the reason (``CaseCloseReason.MOVED_OUT`` or ``DECEASED``).
        referrals: referrals (转诊) opened by positive screens.
        guardian_name: the parent or guardian (家长姓名) printed on the child's records.
        guardian_phone: the guardian's phone (联系电话): digits with optional ``+``, spaces,
            hyphens and brackets, 7–15 digits. Printed masked (``138****5678``) unless the
            caller asks for it in full; never written to a log.

    Raises:
        ValidationError: naming the field, the value and the rule broken.
    """

    id: str = attrs.field(converter=id_text)
    name: str = attrs.field(converter=name_text)
    sex: Sex = attrs.field(converter=_sex)
    birth_date: pendulum.Date = attrs.field(converter=date_value)
    gestational_age: GestationalAge | None = attrs.field(default=None, converter=_gestational_age)
    birth_weight_g: int | None = attrs.field(default=None)
    discharge_date: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    resident_id: str | None = attrs.field(default=None, converter=_resident_id)
    township: str | None = attrs.field(default=None, converter=optional_name_text)
    family_doctor: str | None = attrs.field(default=None, converter=optional_id_text)
    categories: tuple[Category, ...] = attrs.field(default=(), converter=_categories)
    life_events: tuple[LifeEvent, ...] = attrs.field(default=(), converter=_events)
    registered_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    enrolments: tuple[Enrolment, ...] = attrs.field(default=(), converter=_enrolments)
    cases: tuple[Case, ...] = attrs.field(default=(), converter=_cases)
    referrals: tuple[Referral, ...] = attrs.field(default=(), converter=_referrals)
    guardian_name: str | None = attrs.field(default=None, converter=optional_name_text)
    guardian_phone: str | None = attrs.field(default=None, converter=_phone, repr=False)

    @birth_weight_g.validator
    def _check_weight(self, _: attrs.Attribute[int | None], value: int | None) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("birth_weight_g", value, "must be a whole number of grams")
        if not BIRTH_WEIGHT_MIN_G <= value <= BIRTH_WEIGHT_MAX_G:
            raise ValidationError(
                "birth_weight_g",
                value,
                f"must be {BIRTH_WEIGHT_MIN_G}–{BIRTH_WEIGHT_MAX_G} g",
            )

    def __attrs_post_init__(self) -> None:
        # A derived part of the value, set once while it is built (attrs documents this
        # way of setting a frozen attribute in ``__attrs_post_init__``).
        if self.cases:
            object.__setattr__(self, "cases", _close_on_leaving(self.cases, self.leaving))
        birth = self.birth_date
        if self.discharge_date is not None and self.discharge_date < birth:
            raise ValidationError(
                "discharge_date",
                self.discharge_date.isoformat(),
                f"discharge cannot be before birth ({birth})",
            )
        if self.registered_on is not None and self.registered_on < birth:
            raise ValidationError(
                "registered_on",
                self.registered_on.isoformat(),
                f"registration cannot be before birth ({birth})",
            )
        if self.resident_id is not None:
            parsed = parse_resident_id(self.resident_id)
            if parsed.birth_date != birth:
                raise ValidationError(
                    "resident_id",
                    mask_resident_id(self.resident_id),
                    f"embeds birth date {parsed.birth_date}, the child was born {birth}",
                )
            if parsed.male != (self.sex is Sex.MALE):
                raise ValidationError(
                    "resident_id",
                    mask_resident_id(self.resident_id),
                    f"digit 17 says {'男' if parsed.male else '女'}, the child is "
                    f"{self.sex.label_zh}",
                )
        if self.discharge_date is not None and self.discharge_date > birth.add(days=366):
            raise ValidationError(
                "discharge_date",
                self.discharge_date.isoformat(),
                f"more than a year after birth ({birth}): check the date",
            )
        left = self.left_on
        if left is not None and self.registered_on is not None and self.registered_on > left:
            raise ValidationError(
                "registered_on",
                self.registered_on.isoformat(),
                f"after the child left or died ({left})",
            )
        for index, category in enumerate(self.categories):
            if category.start is not None and category.start < birth:
                raise ValidationError(
                    f"categories[{index}].start",
                    category.start.isoformat(),
                    f"a category cannot start before birth ({birth})",
                )
            if category.end is not None and category.end < birth:
                raise ValidationError(
                    f"categories[{index}].end",
                    category.end.isoformat(),
                    f"a category cannot end before birth ({birth})",
                )
        for index, enrolment in enumerate(self.enrolments):
            if enrolment.child_id != self.id:
                raise ValidationError(
                    f"enrolments[{index}].child_id",
                    enrolment.child_id,
                    f"is not this child ({self.id})",
                )
            if enrolment.start < birth:
                raise ValidationError(
                    f"enrolments[{index}].start",
                    enrolment.start.isoformat(),
                    f"an enrolment cannot start before birth ({birth})",
                )
        _unique_open("cases", [(c.condition.value, c.is_open) for c in self.cases])
        _unique_ids("cases", [c.id for c in self.cases])
        _unique_ids("referrals", [r.id for r in self.referrals])
        _unique_ids("enrolments", [e.id for e in self.enrolments])
        for index, case in enumerate(self.cases):
            if case.opened_on < birth:
                raise ValidationError(
                    f"cases[{index}].opened_on",
                    case.opened_on.isoformat(),
                    f"a case cannot open before birth ({birth})",
                )
        for index, event in enumerate(self.life_events):
            if event.on < birth:
                raise ValidationError(
                    f"life_events[{index}].on",
                    event.on.isoformat(),
                    f"an event cannot be before birth ({birth})",
                )

    @property
    def preterm_by_ga(self) -> bool:
        """Born before 37+0 weeks (早产, digest §4), when the gestational age is known."""
        return self.gestational_age is not None and self.gestational_age.weeks < 37

    def has_category(self, kind: CategoryKind | str) -> bool:
        """Whether the child is in a category, at any time (see each
        :class:`Category`'s ``start`` and ``end`` for when).

        Args:
            kind: a :class:`CategoryKind`, its value (``"orphan"``) or its Chinese name
                (``"孤儿"``).

        Raises:
            ValidationError: naming ``kind``, if it is no category.
        """
        wanted = CategoryKind.parse(kind, field="kind")
        return any(category.kind is wanted for category in self.categories)

    @property
    def leaving(self) -> LifeEvent | None:
        """The event by which the child left: the first; a death before a move on one day."""
        return _leaving(self.life_events)

    @property
    def left_on(self) -> pendulum.Date | None:
        """The first day the child is no longer this area's: moved out or died."""
        if not self.life_events:  # most children: coverage asks this a dozen times each
            return None
        leaving = self.leaving
        return None if leaving is None else leaving.on


def stored_child(
    *,
    weeks: int | None,
    days: int | None,
    **fields: Any,
) -> Child:
    """A child from what the store gives back of a saved one: every field of
    :class:`Child` except ``gestational_age``, each already in the form the child holds
    it (pendulum dates, :class:`Sex`, tuples of values), and the gestational age as
    ``weeks`` and ``days``.

    The converters and checks are not run again (:func:`~yiyu.domain._trusted.trusted_maker`):
    they ran when the child was saved, and reading a province's children through them was
    a third of a coverage report (#14). The derived part is kept: a case still open when
    the child left is closed. For :mod:`yiyu.store` only; a host builds a :class:`Child`.

    Raises:
        TypeError: naming a field missing or unknown (a programming error, not input).
    """
    return with_derived(_stored_child(gestational_age=stored_age(weeks, days), **fields))


def stored_age(weeks: int | None, days: int | None) -> GestationalAge | None:
    """The gestational age the store holds as ``weeks`` and ``days`` (checked when saved)."""
    return None if weeks is None else _stored_age(weeks, days or 0)


def with_derived(child: Child) -> Child:
    """A child made without its checks (:func:`stored_child`, or the store's
    :func:`~yiyu.domain._trusted.trusted_maker` of :class:`Child`) with the part a
    :class:`Child` derives made: a case still open when the child left is closed."""
    if child.cases:
        object.__setattr__(child, "cases", _close_on_leaving(child.cases, child.leaving))
    return child


_stored_child = trusted_maker(Child)
_stored_age = trusted_maker(GestationalAge, ("weeks", "days"))
