"""The protocol model: rules, conditions and sources, as loaded from the TOML files.

A :class:`Protocol` is a stack of layers (the national standard, the city plan, a
region's overrides) composed into one set of :class:`Rule` values. Every rule keeps its
sources and evidence tags, so what yiyu schedules can always be traced to the text
that asks for it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs
import pendulum

# Evidence and Source are the data layer's (every data file has them); re-exported here,
# where hosts have always imported them from.
from yiyu.data.model import Evidence, Source
from yiyu.dates import PeriodKind, add_months
from yiyu.domain import CategoryKind, ReferralKind, Role, SkipReason
from yiyu.domain._convert import parse_enum

__all__ = [
    "GROWTH_PURPOSES",
    "GROWTH_REFERENCES",
    "POLICIES",
    "SKIP_EFFECTS",
    "Anchor",
    "CarriedTest",
    "CatchUp",
    "Condition",
    "CorrectedAge",
    "CorrectedAgeLimit",
    "Evidence",
    "GrowthReferenceChoice",
    "Layer",
    "NamedCondition",
    "Offset",
    "Policy",
    "Protocol",
    "Rule",
    "ScheduleKind",
    "SkipEffect",
    "Source",
    "Stage",
    "SubjectKind",
    "Target",
]


class SubjectKind(enum.Enum):
    CHILD = "child"
    DAYCARE = "daycare"


class ScheduleKind(enum.Enum):
    ONCE = "once"  # one obligation per anchor date
    PERIODIC = "periodic"  # one per calendar period while the subject is eligible
    CADENCE = "cadence"  # repeated at intervals by (corrected) age, in stages


class Anchor(enum.Enum):
    BIRTH = "birth"
    DISCHARGE = "discharge"  # the discharge date; a home birth's birth date
    CORRECTED_BIRTH = "corrected_birth"  # birth + (40 weeks − gestational age) if preterm
    ENROLMENT_START = "enrolment_start"  # one obligation per daycare enrolment
    CASE = "case"  # from the opening of each case of the rule's `categories`, until it closes
    REFERRAL = "referral"  # from each referral of the rule's `referral_kinds`, until closed
    CORRECTION = "correction"  # a daycare: from each failed review item, until put right
    REGISTRATION = "registration"  # a child registered here after birth (moved in, found late)

    @property
    def per_instance(self) -> bool:
        """Whether the anchor has several instances, each owed its own obligations."""
        return self in (Anchor.ENROLMENT_START, Anchor.CASE, Anchor.REFERRAL, Anchor.CORRECTION)


@attrs.frozen(kw_only=True)
class Offset:
    """A distance from an anchor: ``months`` first (clamped at month ends), then ``days``."""

    months: int = 0
    days: int = 0

    def after(self, anchor: pendulum.Date) -> pendulum.Date:
        # Days by ordinal: pendulum's ``add(days=…)`` builds a duration for each step.
        day = add_months(anchor, self.months)
        if not self.days:
            return day
        return pendulum.Date.fromordinal(day.toordinal() + self.days)

    @property
    def approx_days(self) -> float:
        """For ordering checks only: 1 month = 30.4375 days (digest's convention)."""
        return self.months * 30.4375 + self.days

    def __str__(self) -> str:
        parts = []
        if self.months:
            parts.append(f"{self.months} 月")
        if self.days or not self.months:
            parts.append(f"{self.days:+d} 天" if self.months else f"{self.days} 天")
        return " ".join(parts)


@attrs.frozen(kw_only=True)
class Condition:
    """A predicate on a child's birth facts and categories.

    Exactly one of the fields is set. ``any``/``all``/``not_`` combine conditions;
    ``condition`` names a protocol-level :class:`NamedCondition`.
    """

    ga_weeks_lt: int | None = None
    birth_weight_g_lt: int | None = None
    category: frozenset[CategoryKind] | None = None
    condition: str | None = None
    any: tuple[Condition, ...] | None = None
    all: tuple[Condition, ...] | None = None
    not_: Condition | None = None


@attrs.frozen(kw_only=True)
class NamedCondition:
    id: str
    description: str
    condition: Condition
    sources: tuple[str, ...]
    evidence: Evidence


@attrs.frozen(kw_only=True)
class Stage:
    """One stage of a cadence: visits every ``every`` until corrected age ``until_months``.

    In a case's follow-up a stage may instead hold from the day a check records the
    case's ``phase`` (佝偻病 ``recovery``: every 2 months instead of monthly).
    """

    until_months: int | None
    every: Offset
    before: Offset
    after: Offset
    phase: str | None = None


@attrs.frozen(kw_only=True)
class CatchUp:
    """A late-registered child still gets this obligation if young enough.

    When the rule's window closed before the child was registered, the obligation is
    reopened from the registration date, due ``within`` it, and never after
    ``until_age`` (from birth).
    """

    within: Offset
    until_age: Offset
    sources: tuple[str, ...]
    evidence: Evidence


@attrs.frozen(kw_only=True)
class CorrectedAgeLimit:
    """A longer use of corrected age for the children a condition names (GA < 28 weeks)."""

    when: Condition
    until_months: int
    sources: tuple[str, ...]
    evidence: Evidence


@attrs.frozen(kw_only=True)
class CorrectedAge:
    """Which age assesses a preterm child's growth and development, and until when.

    Corrected age (矫正年龄: age counted from birth + (40 weeks − gestational age)) is
    used for growth and development assessment until the corrected age reaches
    ``until_months``, or the ``until_months`` of the first ``extended`` entry whose
    condition holds; chronological age for everything else (Hb cut-offs, the schedule's
    own ages). See :func:`yiyu.assessment_age`.
    """

    description: str
    until_months: int
    sources: tuple[str, ...]
    evidence: Evidence
    extended: tuple[CorrectedAgeLimit, ...] = ()


@attrs.frozen(kw_only=True)
class CarriedTest:
    """A test of a missed check that a late-registered child still gets (补查).

    ``test`` is matched against the start of the missed checks' tests (``血常规（或血红
    蛋白）`` matches ``血常规（或血红蛋白）：6～8月龄一次``); it is still useful until the
    child reaches ``until_age``.
    """

    test: str
    until_age: Offset


@attrs.frozen(kw_only=True)
class Policy:
    """A rule the engine applies to every child's obligations, switched on by the protocol.

    ``inpatient_not_owed``: a window that closes before the discharge is not owed; one open
    on that day starts on it. ``overdue_stays_missed``: when a child moves out or dies, a
    check already overdue stays owed (missed) instead of being cancelled.
    """

    id: str
    value: bool
    description: str
    sources: tuple[str, ...]
    evidence: Evidence


POLICIES = ("inpatient_not_owed", "overdue_stays_missed")

SKIP_EFFECTS = ("done", "excluded", "not_done")
"""How coverage counts an obligation skipped for a reason: ``done`` (it was done, elsewhere:
the numerator, marked), ``excluded`` (it was not owed: out of the denominator) or
``not_done`` (the service was not delivered: in the denominator, not the numerator)."""


@attrs.frozen(kw_only=True)
class SkipEffect:
    """How coverage counts an obligation skipped for ``reason`` (see :data:`SKIP_EFFECTS`).

    Attributes:
        reason: the skip reason code (``done_elsewhere``, ``not_applicable`` …).
        counts_as: ``done``, ``excluded`` or ``not_done``.
        description: the rule in words, for the generated references.
        sources: why.
        evidence: the evidence tag.
    """

    reason: str
    counts_as: str
    description: str
    sources: tuple[str, ...]
    evidence: Evidence


GROWTH_REFERENCES = ("who_2006", "ws_t_423_2022")
"""The growth references yiyu carries: the WHO Child Growth Standards (2006) and China's
WS/T 423—2022 (7岁以下儿童生长标准)."""

GROWTH_PURPOSES = ("evaluation", "case_management")
"""What a protocol chooses a growth reference for: ``evaluation``, the growth level and
nutrition status printed on the visit record (and the curves of its charts);
``case_management``, the findings that open and close nutritional-disease cases."""


@attrs.frozen(kw_only=True)
class GrowthReferenceChoice:
    """Which growth reference a protocol uses for one purpose, and why.

    Attributes:
        purpose: ``evaluation`` or ``case_management`` (see :data:`GROWTH_PURPOSES`).
        reference: ``who_2006`` or ``ws_t_423_2022`` (see :data:`GROWTH_REFERENCES`).
        description: the choice in words, for the generated protocol reference.
        sources: the documents that make it.
        evidence: the evidence tag.
    """

    purpose: str
    reference: str
    description: str
    sources: tuple[str, ...]
    evidence: Evidence


# A protocol without a [growth] table (the files before 2026.2) used WHO 2006 for both.
_GROWTH_BEFORE_CHOICE = "who_2006"


@attrs.frozen(kw_only=True)
class Rule:
    """One obligation-creating rule of a protocol, possibly with variants.

    ``opens``/``due``/``closes`` apply to ``once`` rules; ``period``, ``categories``,
    ``first_within`` and ``until_age`` to ``periodic`` rules; ``start``, ``stages``,
    ``until_age``, ``include_end`` (a visit on ``until_age`` itself is owed) and
    ``min_interval`` (two visits never closer) to ``cadence`` rules. ``closes`` is
    inclusive. A rule anchored on cases names their conditions in ``categories``; one
    anchored on referrals names their kinds in ``referral_kinds``. A rule anchored on
    enrolments says which it is owed for in ``enrolment`` (``first``: a child's first
    enrolment; ``return``: one starting more than ``away_more_than`` after the child last
    left a daycare). A rule anchored on the registration lists the routine checks it
    ``covers`` and the ``carry_tests`` of theirs still worth doing.
    """

    id: str
    name: str
    subject: SubjectKind
    role: Role
    schedule: ScheduleKind
    anchor: Anchor | None = None
    opens: Offset | None = None
    due: Offset | None = None
    closes: Offset | None = None
    period: PeriodKind | None = None
    categories: frozenset[CategoryKind] = frozenset()
    referral_kinds: frozenset[ReferralKind] = frozenset()
    first_within: Offset | None = None
    min_days: int = 0
    until_age: Offset | None = None
    start: Anchor | None = None
    stages: tuple[Stage, ...] = ()
    include_end: bool = False
    min_interval: Offset | None = None
    enrolment: str | None = None
    away_more_than: Offset | None = None
    covers: tuple[str, ...] = ()
    carry_tests: tuple[CarriedTest, ...] = ()
    when: Condition | None = None
    catch_up: CatchUp | None = None
    contents: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    checklist: str | None = None
    sources: tuple[str, ...] = ()
    evidence: Evidence = Evidence.D
    window_evidence: Evidence = Evidence.D
    note: str | None = None
    layer: str = ""
    variant: str | None = None
    variants: tuple[tuple[Condition, Rule], ...] = ()


@attrs.frozen(kw_only=True)
class Target:
    """A coverage target of the plan: ``rate >= value`` (or ``>`` when ``strict``)."""

    indicator: str
    value: float
    strict: bool
    sources: tuple[str, ...]
    evidence: Evidence

    def met(self, rate: float) -> bool:
        return rate > self.value if self.strict else rate >= self.value

    def __str__(self) -> str:
        return f"{'>' if self.strict else '≥'} {self.value:.0%}"


@attrs.frozen(kw_only=True)
class Layer:
    id: str
    version: str
    title: str
    file: str


@attrs.frozen(kw_only=True)
class Protocol:
    """A composed protocol: the top layer names it, every layer is kept for the record."""

    id: str
    version: str
    layers: tuple[Layer, ...]
    sources: Mapping[str, Source]
    conditions: Mapping[str, NamedCondition]
    rules: tuple[Rule, ...]
    targets: Mapping[str, Target] = attrs.field(factory=dict)
    corrected_age: CorrectedAge | None = None  # None: growth is judged by chronological age
    policies: Mapping[str, Policy] = attrs.field(factory=dict)
    growth: Mapping[str, GrowthReferenceChoice] = attrs.field(factory=dict)
    skip_reasons: Mapping[str, SkipEffect] = attrs.field(factory=dict)
    fingerprint: str = ""  # a digest of every layer's text: changes with any of them

    @property
    def plan_label(self) -> str:
        """What a subject's plan is recorded as planned under: a change in any layer (not
        only the top one's version) makes the next incremental plan re-plan it."""
        return f"{self.label}#{self.fingerprint[:12]}"

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def growth_reference(self, purpose: str) -> str:
        """The growth reference the protocol uses for ``purpose`` (``evaluation`` or
        ``case_management``): ``who_2006`` or ``ws_t_423_2022``. A protocol without a
        ``[growth]`` table (the files before 2026.2) uses WHO 2006 for both.

        Raises:
            KeyError: if ``purpose`` is not one of :data:`GROWTH_PURPOSES`.
        """
        if purpose not in GROWTH_PURPOSES:
            raise KeyError(purpose)
        choice = self.growth.get(purpose)
        return _GROWTH_BEFORE_CHOICE if choice is None else choice.reference

    def skip_effect(self, reason: SkipReason | str) -> str:
        """How coverage counts an obligation skipped for ``reason``: ``done``, ``excluded``
        or ``not_done`` (the default for a reason the protocol does not name, and for every
        reason in a protocol without ``[skip_reasons]``).

        Args:
            reason: a :class:`yiyu.SkipReason`, its value (``"done_elsewhere"``) or its
                Chinese label (``"已在他处完成"``).

        Raises:
            ValidationError: naming ``reason``, if it is no skip reason (a misspelt one
                would otherwise count silently as ``not_done``).
        """
        effect = self.skip_reasons.get(parse_enum(SkipReason, reason, "reason").value)
        return "not_done" if effect is None else effect.counts_as

    def policy(self, policy_id: str) -> bool:
        """Whether the protocol switches on the engine policy ``policy_id`` (off if absent)."""
        policy = self.policies.get(policy_id)
        return policy is not None and policy.value

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id.

        Raises:
            KeyError: if the protocol has no such rule.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
