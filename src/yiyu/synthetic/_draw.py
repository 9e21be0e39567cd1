"""Drawing from weighted tables and days as ordinals: what every generator here shares."""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable, Sequence

import pendulum

__all__ = ["clamp", "cumulative", "from_ordinal", "pick", "randint_between"]


def cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    """The running sums of ``weights``: a table :func:`pick` draws from."""
    total = 0.0
    result = []
    for weight in weights:
        total += weight
        result.append(total)
    return tuple(result)


def pick(rng: random.Random, cumulative: Sequence[float]) -> int:
    """An index drawn with the weights whose running sums are ``cumulative``."""
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def from_ordinal(ordinal: int) -> pendulum.Date:
    """The day of a proleptic Gregorian ordinal (days are drawn and compared as ordinals)."""
    return pendulum.Date.fromordinal(ordinal)


def clamp(value: float, low: float, high: float) -> float:
    """``value``, brought within ``low`` … ``high``."""
    return min(max(value, low), high)


def randint_between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` that tolerates ``high < low`` (returns ``low``)."""
    return low if high <= low else rng.randint(low, high)
