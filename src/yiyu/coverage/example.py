"""A small hand-built cohort whose coverage is known by hand: the worked example of
``docs/coverage.md`` and the tests of every yearly rate.

Eleven children of 城关街道, the third quarter of 2026 judged on 15 October 2026, so the
yearly rates count 1 January – 30 September 2026. N1, N4, A1, A2, A3 and A6 have a
contracted family doctor. Each child's story is in
:data:`STORIES`; the tests (``tests/test_coverage_national.py``) compute every figure by
hand from them.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import pendulum

from yiyu.dates import Period
from yiyu.domain import Child, Encounter, LifeEvent
from yiyu.instruments.warning_signs import load_warning_signs
from yiyu.protocol import Protocol
from yiyu.scheduling import Skip, StoredObligation, schedule

__all__ = ["STORIES", "CoverageExample", "coverage_example"]

PERIOD = Period.parse("2026Q3")
AS_OF = pendulum.Date(2026, 10, 15)
TOWNSHIP = "城关街道"

STORIES: Mapping[str, str] = {
    "N1": "生于2026-03-01；3-06新生儿访视；3月龄检查6-05（预警征象＋能力倒退询问）；"
    "6月龄检查9-10（预警征象，未询问倒退）",
    "N2": "生于2026-05-10，7-01才登记（迟报）；未接受新生儿访视；"
    "3月龄检查8-20（预警征象＋倒退询问）",
    "N3": "生于2026-09-25；统计日未满28天，尚未访视",
    "N4": "生于2026-02-10；新生儿访视已在他处完成（2-15记为跳过：已在他处完成）；"
    "3月龄检查7-20逾期完成（窗口7-09结束；预警征象＋倒退询问）；6月龄检查未做",
    "A1": "生于2024-01-20；24月龄检查1-25（未记录预警征象）；30月龄检查7-25（预警征象＋倒退询问）",
    "A2": "生于2023-03-15，3-15满3岁；36月龄检查4-02（预警征象＋倒退询问）",
    "A3": "生于2022-08-01，8-01满4岁；4岁检查窗口未结束，尚未检查",
    "A4": "生于2024-06-10；2-15非计划就诊一次；5-01迁出",
    "A5": "生于2025-04-05；12月龄检查家长拒绝（4-10记为跳过）；本年无就诊",
    "A6": "生于2020-03-01；6岁检查3-10（预警征象＋倒退询问）",
    "A7": "生于2019-05-01，5-01满7岁；本年无就诊",
}

# child id, birth date, registered on, moved out on
_CHILDREN = (
    ("N1", "2026-03-01", None, None),
    ("N2", "2026-05-10", "2026-07-01", None),
    ("N3", "2026-09-25", None, None),
    ("N4", "2026-02-10", None, None),
    ("A1", "2024-01-20", None, None),
    ("A2", "2023-03-15", None, None),
    ("A3", "2022-08-01", None, None),
    ("A4", "2024-06-10", None, "2026-05-01"),
    ("A5", "2025-04-05", None, None),
    ("A6", "2020-03-01", None, None),
    ("A7", "2019-05-01", None, None),
)
_CONTRACTED = frozenset({"N1", "N4", "A1", "A2", "A3", "A6"})  # 签约家庭医生
# obligation key (None: an unscheduled visit of the child named), date, screen recorded
# (预警征象 answered), regression asked (the 2022 method)
_VISITS = (
    ("child:N1/newborn_home_visit", "N1", "2026-03-06", False, False),
    ("child:N1/m3", "N1", "2026-06-05", True, True),
    ("child:N1/m6", "N1", "2026-09-10", True, False),
    ("child:N2/m3", "N2", "2026-08-20", True, True),
    ("child:N4/m3", "N4", "2026-07-20", True, True),
    ("child:A1/m24", "A1", "2026-01-25", False, False),
    ("child:A1/m30", "A1", "2026-07-25", True, True),
    ("child:A2/m36", "A2", "2026-04-02", True, True),
    (None, "A4", "2026-02-15", False, False),
    ("child:A6/y6", "A6", "2026-03-10", True, True),
)
_SKIPS = (
    ("child:N4/newborn_home_visit", "2026-02-15", "done_elsewhere"),
    ("child:A5/m12", "2026-04-10", "family_refused"),
)


@attrs.frozen(kw_only=True)
class CoverageExample:
    """The example's facts, ready for :func:`yiyu.coverage.coverage`."""

    period: Period
    as_of: pendulum.Date
    children: Mapping[str, Child]
    stored: tuple[StoredObligation, ...]
    encounters: tuple[Encounter, ...]


def coverage_example(protocol: Protocol) -> CoverageExample:
    """The hand-built cohort, planned by ``protocol`` (the national and city layers give
    the figures the tests and the documentation state)."""
    children = {}
    for child_id, born, registered, left in _CHILDREN:
        birth = pendulum.Date.fromisoformat(born)
        children[child_id] = Child(
            id=child_id,
            name=f"儿童{child_id}",
            sex="F",
            birth_date=birth,
            discharge_date=birth.add(days=2),
            township=TOWNSHIP,
            registered_on=registered,
            life_events=[] if left is None else [LifeEvent(kind="moved_out", on=left)],
            family_doctor="FD-1" if child_id in _CONTRACTED else None,
        )
    planned = {
        ob.key: ob
        for child in children.values()
        for ob in schedule(child, protocol, until=AS_OF.add(years=1))
    }
    signs = load_warning_signs()
    encounters = []
    for number, (key, child_id, day, screened, asked) in enumerate(_VISITS):
        answers: dict[str, bool] = {}
        if screened and key is not None and planned[key].checklist is not None:
            column = planned[key].checklist
            assert column is not None
            answers = dict.fromkeys(signs.column(column).item_ids, False)
        encounters.append(
            Encounter(
                id=f"E{number + 1}",
                subject_id=child_id,
                on=day,
                obligation_key=key,
                warning_signs=answers,
                regression=False if asked else None,
            )
        )
    done = {e.obligation_key: e.on for e in encounters if e.obligation_key is not None}
    skips = {key: Skip(on=day, reason=reason) for key, day, reason in _SKIPS}
    stored = tuple(
        StoredObligation(
            obligation=ob,
            township=TOWNSHIP,
            assignee=None,
            done_on=done.get(key),
            skip=skips.get(key),
            withdrawn_on=None,
        )
        for key, ob in sorted(planned.items())
    )
    return CoverageExample(
        period=PERIOD,
        as_of=AS_OF,
        children=children,
        stored=stored,
        encounters=tuple(encounters),
    )
