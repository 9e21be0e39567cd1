"""An obligation: one thing that must happen for one subject, with its window."""

from __future__ import annotations

import attrs
import pendulum

from yiyu.domain import Role
from yiyu.domain._convert import as_field, id_text, key_text, optional_key_text, parse_enum
from yiyu.domain._trusted import trusted_maker
from yiyu.errors import ValidationError
from yiyu.protocol import Evidence, SubjectKind

__all__ = ["Obligation", "key_subject_kind", "obligation_key", "trusted_obligation"]


def obligation_key(
    subject: SubjectKind | str, subject_id: str, rule: str, occurrence: str | None
) -> str:
    """The stable identity of an obligation.

    ``child:C001/m3``, ``child:C001/high_risk_follow_up/03``,
    ``daycare:D01/daycare_quarterly_visit/2026Q3``.

    The key carries neither the protocol nor its version: host software and recorded
    encounters refer to a visit by its key, and a protocol update (a corrected window, a
    new source) must not turn the same visit into another one. The version each
    obligation was planned under is kept beside the key instead.

    Args:
        subject: ``SubjectKind.CHILD`` or ``DAYCARE`` (or ``"child"``/``"daycare"``).
        subject_id: the child's or daycare's id.
        rule: the rule's id.
        occurrence: which one of a repeated rule, or ``None``.

    Raises:
        ValidationError: naming the argument, if one is not what it should be (an id
            with a line break, a subject kind that is neither).
    """
    kind = parse_enum(SubjectKind, subject, "subject")
    key = make_key(
        kind,
        as_field("subject_id", id_text, subject_id),
        as_field("rule", id_text, rule),
        as_field("occurrence", optional_key_text, occurrence),
    )
    return as_field("key", key_text, key)


def key_subject_kind(key: str) -> SubjectKind:
    """The kind of subject an obligation key names: ``child:C001/m3`` is a child's.

    Only the kind is read from the key: an id may itself hold ``/`` or ``:``, so the
    subject's id is the one the key was made with, not a part cut out of it.

    Raises:
        ValidationError: naming ``obligation_key``, if the key does not start with a
            subject kind and ``:``.
    """
    kind, colon, _ = key.partition(":")
    if not colon:
        raise ValidationError("obligation_key", key, "not an obligation key (child:ID/rule…)")
    return parse_enum(SubjectKind, kind, "obligation_key")


# An enum's ``.value`` is a Python-level descriptor: looked up here for every key made.
_KIND_TEXT = {kind: kind.value for kind in SubjectKind}


def make_key(subject: SubjectKind, subject_id: str, rule: str, occurrence: str | None) -> str:
    """:func:`obligation_key` without the checks, for the engine (whose parts are checked
    already, in the domain values and the protocol loader): it makes every key."""
    key = f"{_KIND_TEXT[subject]}:{subject_id}/{rule}"
    return key if occurrence is None else f"{key}/{occurrence}"


@attrs.frozen(kw_only=True)
class Obligation:
    """One thing that must be done for one child or daycare.

    Attributes:
        key: stable identity (see :func:`obligation_key`): the same inputs always give
            the same key, so re-planning never duplicates an obligation.
        rule: the protocol rule id (``m3``, ``daycare_quarterly_visit`` …).
        name: the Chinese name of what is owed (``3月龄健康检查``).
        subject, subject_id: the child or daycare.
        occurrence: which one of a repeated rule: a calendar period (``2026Q3``), a
            follow-up's ordinal (``03``), an enrolment (``D01@2026-03-01``); ``None``
            for a rule owed once.
        protocol, protocol_version, variant: what it was planned under.
        role: who must act.
        opens, due, closes: the window and the date the standard names. ``closes`` is
            the last day that counts (inclusive); ``opens <= due <= closes``.
        daycare_id: the daycare concerned, for enrolment and daycare obligations.
        contents, tests, checklist: what must be done; ``checklist`` is the 预警征象
            column to use.
        sources, evidence, window_evidence: where the rule comes from.
        catch_up: the window was reopened for a child registered late.
        cancelled_on, cancel_reason: the child left the area or died while it was open.
    """

    key: str
    rule: str
    name: str
    subject: SubjectKind
    subject_id: str
    occurrence: str | None
    protocol: str
    protocol_version: str
    variant: str | None
    role: Role
    opens: pendulum.Date
    due: pendulum.Date
    closes: pendulum.Date
    daycare_id: str | None = None
    contents: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    checklist: str | None = None
    sources: tuple[str, ...] = ()
    evidence: Evidence = Evidence.D
    window_evidence: Evidence = Evidence.D
    catch_up: bool = False
    cancelled_on: pendulum.Date | None = None
    cancel_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.opens <= self.due <= self.closes:
            # An engine bug, never a user error: the loader already checked the offsets.
            raise AssertionError(f"{self.key}: window {self.opens}…{self.closes}, due {self.due}")

    def in_window(self, day: pendulum.Date) -> bool:
        """Whether something done on ``day`` counts as done in time."""
        return self.opens <= day <= self.closes


# An obligation made by position, in the order of Obligation's fields, without its
# __init__ (trusted_maker): for the engine, which checks the window itself, and for the
# store, which reads back what the engine made. Its __init__ with 23 keywords was about
# a sixth of scheduling a child and half of making each obligation read.
trusted_obligation = trusted_maker(
    Obligation,
    ("key", "rule", "name", "subject", "subject_id", "occurrence", "protocol",
     "protocol_version", "variant", "role", "opens", "due", "closes", "daycare_id", "contents",
     "tests", "checklist", "sources", "evidence", "window_evidence", "catch_up",
     "cancelled_on", "cancel_reason"),
)  # fmt: skip
