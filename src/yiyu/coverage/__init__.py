"""Coverage indicators: the national rates and the city plan's targets, computed from the
obligations and visits themselves.

Nothing here is a counter kept on the side: every number is derived from the stored
obligations, their completion dates, the visits recorded and the subjects' facts, for a
period and an area, so the health bureau reads the same facts the doctors work from.
Pure: the store's contents come in, results go out.

Two kinds of indicator (:mod:`yiyu.coverage.indicators`), reported in this order:

* **yearly rates** (``basis = "year"``): 新生儿访视率, 儿童健康管理率, 婴幼儿健康管理率,
  3岁以下儿童系统管理率, 发育监测筛查率 and 孤独症初筛率, by their published yearly
  definitions, over every child resident in the area during the year (born, moved in or
  registered; late-registered newborns included), computed **year to date** for a month,
  quarter or half-year (:mod:`yiyu.coverage.national`);
* **per-period rates** (``basis = "period"``): yiyu's timeliness rates (及时率) and the
  plan's work indicators (:mod:`yiyu.coverage.timeliness`).

Counting rules common to every indicator unless its definition says otherwise:

* a per-period obligation belongs to the period its window **closes** in (a 3-month check
  closing on 30 June belongs to the second quarter), so a period is judged once it is
  over; a yearly rate counts a check in the year its **age** falls in (its due date);
* **done** means done inside the window; done after it is counted as **late**, apart;
* a **skipped** obligation counts by its reason, as the protocol's ``[skip_reasons]`` say
  (:meth:`yiyu.Protocol.skip_effect`): ``done_elsewhere`` is done (counted, and reported
  apart as ``elsewhere``), ``not_applicable`` leaves the denominator, the others (family
  refused …) stay in it: the service was not delivered; a **cancelled** one (the child
  moved out or died, or the case closed, while it was open) and a **withdrawn** one (no
  longer planned) are not counted;
* everything is judged as it stood on ``as_of``: an encounter, a skip or a result dated
  after it has not happened yet;
* figures that can still change are ``final = False``: a period that has not ended on
  ``as_of``, or a yearly rate with something still ``pending`` (a window open, a newborn
  not yet 28 days old); a denominator under 20 (``SMALL_DENOMINATOR``, a yiyu default) is
  ``small``: its rate is printed without a verdict;
* an obligation whose window closed before the child was registered here is not
  counted: it was another area's;
* the area is the subject's township (镇街) as stored; ``None`` is the whole city.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pendulum

from yiyu.coverage.counting import Scope, as_counted, year_to_date
from yiyu.coverage.indicators import INDICATORS, SMALL_DENOMINATOR, Indicator
from yiyu.coverage.markdown import indicators_markdown
from yiyu.coverage.national import national, year_to_date_facts
from yiyu.coverage.results import IndicatorResult, Shortfall, Tally
from yiyu.coverage.timeliness import by_child, by_obligation, cases, counted_in_period, residents
from yiyu.dates import Period
from yiyu.domain import Child, Encounter
from yiyu.domain._convert import whole_number
from yiyu.errors import ValidationError
from yiyu.protocol import Protocol
from yiyu.scheduling import StoredObligation

__all__ = [
    "INDICATORS",
    "SMALL_DENOMINATOR",
    "Indicator",
    "IndicatorResult",
    "Shortfall",
    "coverage",
    "indicators_markdown",
    "year_to_date",
]


def coverage(
    stored: Iterable[StoredObligation],
    *,
    period: Period,
    as_of: pendulum.Date,
    protocol: Protocol,
    children: Mapping[str, Child],
    encounters: Iterable[Encounter] | None = None,
    area: str | None = None,
    indicators: Sequence[Indicator] = INDICATORS,
    small_below: int = SMALL_DENOMINATOR,
    shortfall: int | None = None,
) -> list[IndicatorResult]:
    """Every indicator for ``period`` in ``area`` (a township; ``None``: the whole city).

    Args:
        stored: the stored obligations (with completion, skips and withdrawal).
        period: the month, quarter, half-year or year.
        as_of: today: obligations whose window has not closed yet are not judged.
        protocol: for the targets (``protocol.targets``) and the skip reasons.
        children: the children by id (birth dates, registration, cases).
        encounters: the visits recorded from the start of the period's year (and, for a
            screen, since its window opened): the yearly rates count children seen and
            screens recorded. Needed by the yearly indicators that read visits.
        area: a township, or ``None`` for the whole city.
        indicators: the indicators to compute (default: :data:`INDICATORS`).
        small_below: a denominator under this is ``small``: its rate gets no verdict
            (a yiyu default, :data:`SMALL_DENOMINATOR`).
        shortfall: list only the first this many shortfalls of each indicator, in order
            of subject id and key, and count the others
            (:attr:`~yiyu.coverage.IndicatorResult.shortfall_more`), as
            :meth:`~yiyu.coverage.IndicatorResult.keeping` does: the others are never
            made. ``None``: list them all, in the order counted.

    Returns:
        One result per indicator, in the order of ``indicators``.

    Raises:
        ValidationError: ``encounters`` not given while an indicator that reads visits
            is asked for, an indicator yiyu has no counting rule for, or ``shortfall``
            not a whole number, 0 or more.
    """
    if shortfall is not None:
        shortfall = whole_number("shortfall", shortfall, minimum=0, maximum=1_000_000_000)
    scope = Scope(
        obligations=tuple(
            as_counted(e, children) for e in stored if area is None or e.township == area
        ),
        children=children,
        protocol=protocol,
        period=period,
        as_of=as_of,
        area=area,
    )
    in_period = _of_each(
        [i for i in indicators if i.basis != "year"],
        (e for e in scope.obligations if counted_in_period(e, scope)),
    )
    visits = _visits(encounters, indicators)
    yearly = year_to_date_facts(scope, visits, [i for i in indicators if i.basis == "year"])

    results = []
    for indicator in indicators:
        if indicator.basis == "year":
            tally = national(indicator, scope, yearly)
            first, last = scope.year_to_date
        else:
            tally = _per_period(indicator, scope, in_period.get(indicator.id, []))
            first, last = period.start, scope.last
        target = protocol.targets.get(indicator.id)
        listed, more = tally.shortfalls(shortfall)
        results.append(
            IndicatorResult(
                indicator=indicator.id,
                name=indicator.name,
                area=area or "全市",
                period=period.label,
                numerator=tally.numerator,
                denominator=tally.denominator,
                late=tally.late,
                skipped=tally.skipped,
                target=target.value if target else None,
                target_strict=target.strict if target else False,
                definition=indicator.definition,
                source=indicator.source,
                shortfall=listed,
                shortfall_more=more,
                elsewhere=tally.elsewhere,
                final=as_of > period.end and tally.pending == 0,
                small_below=small_below,
                basis=indicator.basis,
                first=first,
                last=last,
                pending=tally.pending,
            )
        )
    return results


_READS_VISITS = frozenset(
    {"child_health_management", "infant_health_management", "dev_screening_0_3",
     "autism_initial_screening"}
)  # fmt: skip


def _visits(
    encounters: Iterable[Encounter] | None, indicators: Sequence[Indicator]
) -> list[Encounter]:
    if encounters is not None:
        return list(encounters)
    needing = [i.id for i in indicators if i.id in _READS_VISITS]
    if needing:
        # Silently counting no visits would print every child as not seen.
        raise ValidationError(
            "encounters", None, f"needed by {', '.join(needing)}: pass the visits recorded"
        )
    return []


def _of_each(
    indicators: Sequence[Indicator], entries: Iterable[StoredObligation]
) -> dict[str, list[StoredObligation]]:
    """Each indicator's own ``entries`` (those of its rules), by indicator id, in the order
    given: one pass over a batch's obligations, not one per indicator."""
    wanted: dict[str, list[list[StoredObligation]]] = {}
    found: dict[str, list[StoredObligation]] = {}
    for indicator in indicators:
        mine = found.setdefault(indicator.id, [])
        for rule in dict.fromkeys(indicator.rules):  # each once, even if named twice
            wanted.setdefault(rule, []).append(mine)
    for entry in entries:
        for mine in wanted.get(entry.obligation.rule, ()):
            mine.append(entry)
    return found


def _per_period(indicator: Indicator, scope: Scope, in_period: Sequence[StoredObligation]) -> Tally:
    """``in_period``: the scope's obligations of the indicator's rules, owed and judged in
    its period."""
    if indicator.unit == "obligation":
        return by_obligation(in_period, scope)
    if indicator.unit == "child":
        return by_child(in_period, indicator, scope)
    if indicator.unit == "resident":
        return residents(indicator, scope)
    if indicator.unit == "case":
        return cases(scope)
    raise ValidationError("unit", indicator.unit, "obligation, child, resident or case")
