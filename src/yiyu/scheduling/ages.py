"""Which age a child is judged by: chronological, or corrected for a preterm birth.

Corrected age (矫正年龄) counts from the day a preterm child would have reached 40 weeks
of gestation. The preterm norms (S9) use it for *growth and development assessment* (the
WHO z-scores, the 预警征象 column, the growth chart) until a limit the protocol states
(``[corrected_age]``: corrected 24 months, 36 for a gestational age under 28 weeks), and
chronological age for everything else: the Hb cut-offs are by chronological age, and so
are the ages of the routine checks. :func:`assessment_age` is the one place that decides;
recording, printing and charts all call it, so they can never disagree.

Pure: the date comes in as ``on``.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum

from yiyu.dates import add_months, age_in_days, age_in_months, to_date
from yiyu.domain import Child
from yiyu.domain._convert import check_type
from yiyu.protocol import Protocol
from yiyu.scheduling.conditions import holds

__all__ = ["PRETERM_WEEKS", "TERM_DAYS", "AssessmentAge", "assessment_age", "corrected_birth"]

# 40 weeks: term, the zero of corrected age.
TERM_DAYS = 280
# Corrected age applies to preterm children only (< 37 weeks, S9).
PRETERM_WEEKS = 37


def corrected_birth(child: Child) -> pendulum.Date:
    """The date a preterm child would have reached 40 weeks; the birth date otherwise.

    Corrected age (矫正月龄) is age counted from this date: birth + (40 weeks −
    gestational age), for children born before 37 weeks (S9). A child whose gestational
    age is not recorded is taken as term.

    Raises:
        ValidationError: if ``child`` is not a :class:`~yiyu.Child`.
    """
    check_type("child", child, Child, "a Child")
    ga = child.gestational_age
    if ga is None or ga.weeks >= PRETERM_WEEKS:
        return child.birth_date
    return child.birth_date.add(days=TERM_DAYS - ga.total_days)


@attrs.frozen(kw_only=True)
class AssessmentAge:
    """A child's age on a day, for assessment and for everything else.

    Attributes:
        on: the day.
        birth: the date of birth (chronological age counts from it).
        corrected_birth: birth + (40 weeks − gestational age) for a preterm child whose
            protocol uses corrected age; ``None`` otherwise.
        corrected_until: the first day chronological age is used again (corrected birth
            + the protocol's limit); ``None`` when corrected age is never used.
    """

    on: pendulum.Date
    birth: pendulum.Date
    corrected_birth: pendulum.Date | None = None
    corrected_until: pendulum.Date | None = None

    @property
    def corrected(self) -> bool:
        """Whether growth and development are judged by corrected age on this day."""
        return self.corrected_until is not None and self.on < self.corrected_until

    @property
    def basis(self) -> pendulum.Date:
        """The date growth and development are judged from on this day."""
        if self.corrected and self.corrected_birth is not None:
            return self.corrected_birth
        return self.birth

    @property
    def days(self) -> int:
        """Age in days for assessment (negative before term-equivalent age)."""
        return age_in_days(self.basis, self.on)

    @property
    def months(self) -> int:
        """Completed months for assessment (negative before term-equivalent age)."""
        return age_in_months(self.basis, self.on)

    @property
    def chronological_days(self) -> int:
        """Age in days from birth: for Hb cut-offs and the schedule."""
        return age_in_days(self.birth, self.on)

    @property
    def chronological_months(self) -> int:
        """Completed months from birth: for Hb cut-offs and the schedule."""
        return age_in_months(self.birth, self.on)

    def at(self, on: pendulum.Date) -> AssessmentAge:
        """The same child's ages on another day (an earlier visit plotted on a chart)."""
        return attrs.evolve(self, on=on)


def corrected_age_limit(child: Child, protocol: Protocol) -> int | None:
    """The corrected age in months until which ``child`` is assessed by corrected age.

    ``None`` when the protocol has no corrected-age rule. The extensions (GA < 28 weeks:
    36 months) are judged on the birth facts, as the schedule's conditions are.
    """
    rule = protocol.corrected_age
    if rule is None:
        return None
    judged_on = child.discharge_date or child.birth_date
    for extension in rule.extended:
        if holds(extension.when, child, protocol, judged_on):
            return extension.until_months
    return rule.until_months


def assessment_age(child: Child, on: dt.date | str, protocol: Protocol) -> AssessmentAge:
    """The age ``child`` is assessed by on ``on``, under ``protocol``'s corrected-age rule.

    A preterm child (< 37 weeks) is assessed by corrected age until the corrected age
    reaches the protocol's limit (24 months; 36 for a gestational age under 28 weeks in
    the national layer), then by chronological age. A term child, a child of unknown
    gestational age, and every child under a protocol without ``[corrected_age]``, by
    chronological age.

    Args:
        child: the child, with its gestational age.
        on: the day of the assessment (a ``datetime.date`` or ``YYYY-MM-DD``).
        protocol: from :func:`yiyu.load_protocol`.

    Returns:
        Both ages and the basis, as an :class:`AssessmentAge`.

    Raises:
        ValidationError: naming the argument, if one is not what it should be.
    """
    check_type("protocol", protocol, Protocol, "a Protocol (from yiyu.load_protocol)")
    day = to_date(on, field="on")
    corrected = corrected_birth(child)
    limit = corrected_age_limit(child, protocol) if corrected != child.birth_date else None
    if limit is None:
        return AssessmentAge(on=day, birth=child.birth_date)
    return AssessmentAge(
        on=day,
        birth=child.birth_date,
        corrected_birth=corrected,
        corrected_until=add_months(corrected, limit),
    )
