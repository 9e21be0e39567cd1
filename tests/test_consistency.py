"""Facts stated in two places must agree: the instruments' data and the protocol's rules.

The protocol schedules the follow-ups; the instruments print the same deadlines on the
forms. If a default changes in one file, this test names the other.
"""

from __future__ import annotations

import yiyu
from yiyu.instruments import anaemia, daycare_review, warning_signs
from yiyu.protocol import Offset

PROTOCOL = yiyu.load_protocol()


def test_autism_referral_deadline() -> None:
    rule = PROTOCOL.rule("autism_rescreen_referral")
    days = warning_signs.load_warning_signs().referral_within_days.value
    assert rule.due == Offset(days=days)


def test_daycare_correction_deadline() -> None:
    rule = PROTOCOL.rule("daycare_correction_visit")
    days = daycare_review.load_review().correction_within_days.value
    assert rule.due == Offset(days=days)


def test_anaemia_recheck_weeks() -> None:
    rule = PROTOCOL.rule("anaemia_recheck")
    first, last = anaemia.load_anaemia().follow_up.recheck_weeks.value
    assert (rule.opens, rule.due) == (Offset(days=7 * first), Offset(days=7 * last))
