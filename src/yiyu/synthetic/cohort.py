"""Daycares and enrolments for a generated cohort, and the cohort itself (:class:`Cohort`)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Final

import attrs
import pendulum

from yiyu.dates import add_months, age_in_months
from yiyu.domain import Child, Daycare, Enrolment
from yiyu.synthetic._draw import from_ordinal, randint_between
from yiyu.synthetic.children import generate_children, township_weights
from yiyu.synthetic.spec import CohortSpec

__all__ = ["Cohort", "generate_cohort", "generate_daycares", "generate_enrolments"]

_DAYCARE_BRANDS: Final = (
    "小太阳", "贝贝", "童乐", "爱心", "启明星", "彩虹", "未来星", "金色摇篮", "小天使",
    "蒲公英", "七彩", "育英", "蓝天", "小橡树", "乐童", "星辰",
)  # fmt: skip
_DAYCARE_KINDS: Final = ("托育园", "托育中心", "婴幼园", "托育服务中心")
_ENROLMENT_FROM_DAYS: Final = 365  # 12 months
_ENROLMENT_UNTIL_DAYS: Final = 913  # 30 months (30 × 30.4375)
_INSTRUCTOR_DAYCARES: Final = 3  # one health instructor looks after about three daycares
_CLOSED_DAYCARES: Final = 0.06  # closed daycares, on top of the open ones


def _children_aged_1_to_3(spec: CohortSpec) -> float:
    """The expected number of children aged 1–3 at ``as_of``, from the birth window."""
    first = spec.as_of.subtract(years=4).toordinal()
    span = spec.as_of.toordinal() - first
    window = spec.as_of.subtract(years=1).toordinal() - spec.as_of.subtract(years=3).toordinal()
    return spec.children * window / span


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split by ``weights`` (largest remainders), deterministic."""
    whole = sum(weights)
    exact = [total * weight / whole for weight in weights]
    counts = [int(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def generate_daycares(spec: CohortSpec) -> list[Daycare]:
    """Daycares for the cohort: about one per ``spec.children_per_daycare`` children aged 1–3.

    The count comes from the spec (the expected number of children aged 1–3 on
    ``as_of``), so it is known without generating the children. The open daycares are
    spread over the townships as the children are; a few more (about 6 %) have closed.
    Ids are ``D00001`` …; each has a health instructor (``HI-东城街道-1``, one for about
    three daycares of a township), a capacity of 20–120 places and an opening date up to
    seven years before ``as_of``.

    Args:
        spec: the cohort's specification.

    Returns:
        The daycares, township by township.
    """
    # The seed keeps the name of the module this generator grew in (yiyu.testing): a new
    # name would give every seed another cohort.
    rng = random.Random(f"yiyu.testing/daycares/{spec.seed}")
    as_of_ord = spec.as_of.toordinal()
    opened = round(_children_aged_1_to_3(spec) / spec.children_per_daycare)
    if spec.children and not opened:
        opened = 1
    weights = township_weights(len(spec.townships))
    open_counts = _allocate(opened, weights)
    closed_counts = _allocate(round(opened * _CLOSED_DAYCARES), weights)
    daycares: list[Daycare] = []
    for township, open_count, closed_count in zip(
        spec.townships, open_counts, closed_counts, strict=True
    ):
        count = open_count + closed_count
        instructors = max(1, math.ceil(count / _INSTRUCTOR_DAYCARES))
        prefix = township.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        for index in range(count):
            closed = index >= open_count
            if closed:
                opened_ord = as_of_ord - randint_between(rng, 400, 7 * 365)
                closed_ord: int | None = randint_between(rng, opened_ord + 180, as_of_ord - 1)
            else:
                # Most daycares opened in the last few years (托育 grew after 2019).
                opened_ord = as_of_ord - 30 - int((7 * 365 - 30) * rng.random() ** 1.5)
                closed_ord = None
            brand = _DAYCARE_BRANDS[int(rng.random() * len(_DAYCARE_BRANDS))]
            kind = _DAYCARE_KINDS[int(rng.random() * len(_DAYCARE_KINDS))]
            daycares.append(
                Daycare(
                    id=f"D{len(daycares) + 1:05d}",
                    name=f"{prefix}{brand}{kind}",
                    township=township,
                    capacity=rng.randrange(20, 121, 5),
                    health_instructor=f"HI-{township}-{index % instructors + 1}",
                    opened_on=from_ordinal(opened_ord),
                    closed_on=None if closed_ord is None else from_ordinal(closed_ord),
                )
            )
    return daycares


def _open_on(daycare: Daycare, day: pendulum.Date) -> bool:
    return daycare.opened_on <= day and (daycare.closed_on is None or day <= daycare.closed_on)


def _enrolment(
    spec: CohortSpec, child: Child, by_township: Mapping[str, Sequence[Daycare]]
) -> Enrolment | None:
    candidates = by_township.get(child.township or "")
    if not candidates:
        return None
    months = age_in_months(child.birth_date, spec.as_of)
    if not 12 <= months < 36:
        return None
    # Named for yiyu.testing, as the daycares' seed is.
    rng = random.Random(f"yiyu.testing/enrolment/{spec.seed}/{child.id}")
    if rng.random() >= spec.enrolled:
        return None
    birth_ord = child.birth_date.toordinal()
    as_of_ord = spec.as_of.toordinal()
    age = as_of_ord - birth_ord
    start_ord = birth_ord + randint_between(
        rng, _ENROLMENT_FROM_DAYS, min(_ENROLMENT_UNTIL_DAYS, age)
    )
    start_ord = max(start_ord, add_months(child.birth_date, 12).toordinal())
    if child.registered_on is not None and start_ord < child.registered_on.toordinal():
        start_ord = child.registered_on.toordinal() + int(rng.random() * 30)
    left = child.left_on
    if start_ord > as_of_ord or (left is not None and start_ord >= left.toordinal()):
        return None
    start = from_ordinal(start_ord)
    open_ones = [daycare for daycare in candidates if _open_on(daycare, start)]
    if not open_ones:
        return None
    daycare = open_ones[int(rng.random() * len(open_ones))]
    ends = [as_of_ord + 1]
    if daycare.closed_on is not None:
        ends.append(daycare.closed_on.toordinal())
    if left is not None:
        ends.append(left.toordinal() - 1)
    if rng.random() < 0.1:  # taken out early
        ends.append(start_ord + rng.randint(30, 365))
    end_ord = min(ends)
    return Enrolment(
        child_id=child.id,
        daycare_id=daycare.id,
        start=start,
        end=None if end_ord > as_of_ord else from_ordinal(max(end_ord, start_ord)),
    )


def _by_township(daycares: Iterable[Daycare]) -> dict[str, list[Daycare]]:
    grouped: dict[str, list[Daycare]] = {}
    for daycare in daycares:
        grouped.setdefault(daycare.township or "", []).append(daycare)
    return grouped


def generate_enrolments(
    spec: CohortSpec, children: Iterable[Child], daycares: Iterable[Daycare]
) -> Iterator[Enrolment]:
    """Enrolments of about ``spec.enrolled`` of the children aged 1–3 on ``as_of``.

    Each child is enrolled at most once, in a daycare of its own township that is open on
    the first day, from 12–30 months of age (later if it moved in later), before
    ``as_of``; the enrolment ends when the daycare closed, the child left, or, for
    about one in ten, earlier. Whether and where a child is enrolled depends only on
    the seed, the child and the daycares, not on the other children.

    Args:
        spec: the cohort's specification.
        children: the children, e.g. from :func:`generate_children` (streamed).
        daycares: from :func:`generate_daycares`.

    Yields:
        The enrolments, in the children's order.
    """
    grouped = _by_township(daycares)
    for child in children:
        enrolment = _enrolment(spec, child, grouped)
        if enrolment is not None:
            yield enrolment


@attrs.frozen(kw_only=True)
class Cohort:
    """A generated cohort: its daycares, and its children streamed with their enrolments."""

    spec: CohortSpec
    daycares: tuple[Daycare, ...]

    def children(self) -> Iterator[Child]:
        """The children of :func:`generate_children`, each with its enrolment attached."""
        grouped = _by_township(self.daycares)
        for child in generate_children(self.spec):
            enrolment = _enrolment(self.spec, child, grouped)
            yield child if enrolment is None else attrs.evolve(child, enrolments=(enrolment,))

    def enrolments(self) -> Iterator[Enrolment]:
        """The enrolments of :meth:`children`, streamed."""
        return generate_enrolments(self.spec, generate_children(self.spec), self.daycares)


def generate_cohort(spec: CohortSpec) -> Cohort:
    """The cohort of ``spec``: daycares now, children (with enrolments) as they are read."""
    return Cohort(spec=spec, daycares=tuple(generate_daycares(spec)))
