"""What an indicator's count gives: the figures, what fell short, and whether it is final."""

from __future__ import annotations

import heapq
from typing import Any

import attrs
import pendulum

from yiyu.coverage.indicators import SMALL_DENOMINATOR
from yiyu.errors import ValidationError

__all__ = ["SHORTFALL_REASONS", "IndicatorResult", "Shortfall", "Tally"]

SHORTFALL_REASONS: dict[str, str] = {
    "missed": "未完成",
    "late": "逾期完成",
    "skipped": "跳过",
    "none_on_time": "到期随访均未按时完成",
    "not_seen": "统计期内未随访",
    "open": "未结案",
    "not_contracted": "未签约家庭医生",
    "no_guidance": "本期未获健康指导",
    "not_visited": "出生28天内未访视",
    "not_screened": "未按要求筛查",
}
"""Why a subject fell short (:attr:`Shortfall.reason`), as printed."""


@attrs.frozen(kw_only=True)
class Shortfall:
    """One subject or obligation counted in the denominator but not the numerator."""

    subject_id: str
    key: str | None
    reason: str  # a key of SHORTFALL_REASONS


@attrs.define
class Tally:
    """An indicator's figures while they are counted.

    What fell short is kept as plain tuples (``subject_id``, ``key or ""``, ``key``,
    ``reason``), which sort in the order a report lists them; the :class:`Shortfall`
    values are made only for those kept (:meth:`shortfalls`): a batch of a province's
    coverage counts tens of thousands, and a printed report lists a handful.
    """

    numerator: int = 0
    denominator: int = 0
    late: int = 0
    skipped: int = 0
    elsewhere: int = 0
    pending: int = 0  # owed, but not judged yet: its window (or newborn period) is open
    short: list[tuple[str, str, str | None, str]] = attrs.Factory(list)

    def counted(self, ok: bool, *, subject_id: str, key: str | None, reason: str) -> None:
        """One more in the denominator; in the numerator when ``ok``, else short by
        ``reason``."""
        self.denominator += 1
        if ok:
            self.numerator += 1
        else:
            self.short.append((subject_id, key or "", key, reason))

    def shortfalls(self, keep: int | None = None) -> tuple[tuple[Shortfall, ...], int]:
        """What fell short, and how many more were left off: all of them in the order
        counted (``keep`` ``None``), or the first ``keep`` in order of subject id and key
        (:meth:`IndicatorResult.keeping`'s order)."""
        # The first few by a heap over the plain tuples: no key function, no value made
        # for the rest.
        chosen = self.short if keep is None else heapq.nsmallest(keep, self.short)
        listed = tuple(
            Shortfall(subject_id=subject_id, key=key, reason=reason)
            for subject_id, _, key, reason in chosen
        )
        return listed, len(self.short) - len(listed)


@attrs.frozen(kw_only=True)
class IndicatorResult:
    """One indicator for one period and area.

    ``first`` … ``last`` is the span counted: the period itself for a per-period rate, 1
    January to the period's end (or to the as-of date) for a yearly one (``basis`` =
    ``year``). ``final`` is false while the figures can still change: the period has not
    ended, or something owed in it is still ``pending``. ``shortfall`` lists what fell
    short, in order of subject id and key; ``shortfall_more`` counts those left off it
    when only the first were kept (:meth:`keeping`: a printed report names a few, and a
    province's whole list would not fit in memory).
    """

    indicator: str
    name: str
    area: str
    period: str
    numerator: int
    denominator: int
    late: int
    skipped: int
    target: float | None
    target_strict: bool
    definition: str
    source: str
    shortfall: tuple[Shortfall, ...]
    elsewhere: int = 0
    shortfall_more: int = 0
    final: bool = True
    small_below: int = SMALL_DENOMINATOR
    basis: str = "period"
    first: pendulum.Date | None = None
    last: pendulum.Date | None = None
    pending: int = 0

    def added(self, other: IndicatorResult) -> IndicatorResult:
        """This result with ``other``'s figures added: ``other`` counted the same indicator,
        period and area over other subjects. Each subject counts on its own, so the
        results of a population's parts add up to the population's (the coverage job
        counts a province in batches of subjects); the result is final when both are.

        Raises:
            ValidationError: if ``other`` is another indicator, period or area's.
        """
        mine = (self.indicator, self.period, self.area, self.first, self.last)
        theirs = (other.indicator, other.period, other.area, other.first, other.last)
        if mine != theirs:
            raise ValidationError("other", theirs, f"not the same indicator and span as {mine}")
        return attrs.evolve(
            self,
            numerator=self.numerator + other.numerator,
            denominator=self.denominator + other.denominator,
            late=self.late + other.late,
            skipped=self.skipped + other.skipped,
            elsewhere=self.elsewhere + other.elsewhere,
            pending=self.pending + other.pending,
            shortfall=self.shortfall + other.shortfall,
            shortfall_more=self.shortfall_more + other.shortfall_more,
            final=self.final and other.final,
        )

    def keeping(self, count: int) -> IndicatorResult:
        """This result with only the first ``count`` shortfalls listed, in order of subject
        id and key, and the others counted in :attr:`shortfall_more`. Keeping the first
        of two results' kept lists keeps the first of the whole, so a population counted
        in parts lists the same shortfalls as counted at once."""
        if count < 0:
            raise ValidationError("count", count, "a number of shortfalls, 0 or more")
        # The first few of many (a batch of a province's coverage holds tens of thousands
        # of shortfalls, a printed report lists a handful): a heap, not a sort of them all.
        first = heapq.nsmallest(count, self.shortfall, key=lambda s: (s.subject_id, s.key or ""))
        return attrs.evolve(
            self,
            shortfall=tuple(first),
            shortfall_more=self.shortfall_more + max(0, len(self.shortfall) - count),
        )

    @property
    def shortfall_count(self) -> int:
        """How many fell short: listed and not."""
        return len(self.shortfall) + self.shortfall_more

    @property
    def rate(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def met(self) -> bool | None:
        if self.target is None or self.rate is None:
            return None
        return self.rate > self.target if self.target_strict else self.rate >= self.target

    @property
    def small(self) -> bool:
        """Whether the denominator is too small for the rate to be read as a verdict."""
        return 0 < self.denominator < self.small_below

    @property
    def verdict(self) -> bool | None:
        """:attr:`met`, where the figures can bear one: ``None`` for a small denominator or
        figures that are not final."""
        return None if self.small or not self.final else self.met

    @property
    def span(self) -> str:
        """The span counted, for print: ``2026-01-01—2026-09-30``."""
        if self.first is None or self.last is None:
            return self.period
        return f"{self.first.isoformat()}—{self.last.isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "name": self.name,
            "area": self.area,
            "period": self.period,
            "basis": self.basis,
            "counted_from": None if self.first is None else self.first.isoformat(),
            "counted_to": None if self.last is None else self.last.isoformat(),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate,
            "target": self.target,
            "met": self.met,
            "late": self.late,
            "skipped": self.skipped,
            "elsewhere": self.elsewhere,
            "pending": self.pending,
            "final": self.final,
            "small": self.small,
            "definition": self.definition,
            "source": self.source,
            "shortfall": [attrs.asdict(s) for s in self.shortfall],
            "shortfall_more": self.shortfall_more,
        }
