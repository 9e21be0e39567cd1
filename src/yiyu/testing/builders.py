"""Builders: one plausible domain value, with the fields a test cares about overridden.

Each builder fills every field a real registry row would have, so that a test names only
what it checks, and passes the result through the value's public constructor: an
override is converted and validated as a host's value is (dates as ``YYYY-MM-DD`` text,
``sex="F"``, a gestational age as ``"39+2"``), and a wrong one raises the same
:class:`~yiyu.ValidationError`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pendulum

from yiyu.dates import to_date
from yiyu.domain import Child, Daycare, Encounter, GestationalAge, Role, Sex
from yiyu.domain.ids import check_character
from yiyu.protocol import SubjectKind
from yiyu.scheduling import Obligation

__all__ = ["make_child", "make_daycare", "make_encounter", "make_obligation", "make_resident_id"]

_BORN: Final = pendulum.Date(2025, 3, 14)


def make_child(
    id: str = "C0000001",
    *,
    born: dt.date | str | None = None,
    sex: Sex | str = Sex.MALE,
    **overrides: Any,
) -> Child:
    """A plausible term child born on ``born``, with any other field overridden.

    Defaults: ``C0000001`` 陈子睿, male, born 2025-03-14 at 39+2 weeks and 3300 g,
    discharged three days after birth (after ``born``, when it is given), in 城关街道
    with family doctor ``FD-城关街道-1``. A field the test needs empty is overridden
    with ``None`` (``discharge_date=None``: a home birth).

    Args:
        id: the child's id.
        born: the birth date (``birth_date``, the field's own name, is accepted too).
        sex: ``Sex.MALE``, ``Sex.FEMALE`` or their text (``"F"``, ``"女"``).
        overrides: any other :class:`~yiyu.Child` field.

    Raises:
        TypeError: if both ``born`` and ``birth_date`` are given.
        ValidationError: if the overrides make an invalid child.
    """
    if "birth_date" in overrides:
        if born is not None:
            raise TypeError("make_child() takes born or birth_date, not both")
        born = overrides.pop("birth_date")
    birth = _BORN if born is None else to_date(born, field="birth_date")
    values: dict[str, Any] = {
        "id": id,
        "name": "陈子睿",
        "sex": sex,
        "birth_date": birth,
        "gestational_age": GestationalAge(weeks=39, days=2),
        "birth_weight_g": 3300,
        "discharge_date": birth.add(days=3),
        "township": "城关街道",
        "family_doctor": "FD-城关街道-1",
    }
    values.update(overrides)
    return Child(**values)


def make_daycare(
    id: str = "D00001",
    **overrides: Any,
) -> Daycare:
    """A plausible open daycare, with any field overridden.

    Defaults: ``D00001`` 城关小太阳托育园 in 城关街道, 60 places, health instructor
    ``HI-城关街道-1``, opened 2023-09-01.

    Args:
        id: the daycare's id.
        overrides: any other :class:`~yiyu.Daycare` field.

    Raises:
        ValidationError: if the overrides make an invalid daycare.
    """
    values: dict[str, Any] = {
        "id": id,
        "name": "城关小太阳托育园",
        "township": "城关街道",
        "capacity": 60,
        "health_instructor": "HI-城关街道-1",
        "opened_on": pendulum.Date(2023, 9, 1),
    }
    values.update(overrides)
    return Daycare(**values)


def make_obligation(
    opens: dt.date | str, due: dt.date | str, closes: dt.date | str, **overrides: Any
) -> Obligation:
    """An obligation with this window, for testing what reads one (``suggest_date``, a
    work list): child ``C0000001``'s 满月 check by default.

    Args:
        opens, due, closes: the window and the due date.
        overrides: any other :class:`~yiyu.Obligation` field.
    """
    values: dict[str, Any] = {
        "key": "child:C0000001/one_month",
        "rule": "one_month",
        "name": "新生儿满月健康管理",
        "subject": SubjectKind.CHILD,
        "subject_id": "C0000001",
        "occurrence": None,
        "protocol": "test",
        "protocol_version": "1",
        "variant": None,
        "role": Role.CHILD_HEALTH_DOCTOR,
        "opens": to_date(opens, field="opens"),
        "due": to_date(due, field="due"),
        "closes": to_date(closes, field="closes"),
    }
    values.update(overrides)
    return Obligation(**values)


def make_encounter(obligation: Obligation | None = None, **overrides: Any) -> Encounter:
    """An encounter, by default fulfilling ``obligation`` on its due date.

    Without an obligation it is an unscheduled visit to ``C0000001`` on 2025-06-14.
    Measurements and answers are empty: pass ``measurements=...`` and the rest as needed.

    Args:
        obligation: the obligation fulfilled, from :func:`yiyu.schedule`.
        overrides: any :class:`~yiyu.Encounter` field.

    Raises:
        ValidationError: if the overrides make an invalid encounter.
    """
    values: dict[str, Any] = {
        "id": "E1" if obligation is None else f"enc:{obligation.key}",
        "subject_id": "C0000001" if obligation is None else obligation.subject_id,
        "on": pendulum.Date(2025, 6, 14) if obligation is None else obligation.due,
        "obligation_key": None if obligation is None else obligation.key,
    }
    if obligation is not None:
        values["role"] = obligation.role
    values.update(overrides)
    return Encounter(**values)


def make_resident_id(born: str, sequence: str = "001", *, address: str = "330102") -> str:
    """A valid resident identity number (GB 11643) for a child born on ``born``.

    Args:
        born: the birth date as ``YYYY-MM-DD``, the number's digits 7–14.
        sequence: digits 15–17; the last is odd for a man, even for a woman.
        address: the GB/T 2260 address code, digits 1–6 (杭州市上城区 by default).

    Returns:
        The 18 characters, the check character computed.
    """
    body = address + born.replace("-", "") + sequence
    return body + check_character(body)
