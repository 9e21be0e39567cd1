"""Render a protocol as the Markdown reference in ``docs/protocol.md``.

The page is generated from the data (``nox -s docs``) and a test fails when the
committed page differs, so the reference can never drift from what yiyu schedules.
"""

from __future__ import annotations

from yiyu.domain import SkipReason
from yiyu.protocol.model import Anchor, Offset, Protocol, Rule, ScheduleKind

__all__ = ["protocol_markdown"]

_ANCHOR_ZH = {
    Anchor.BIRTH: "出生",
    Anchor.DISCHARGE: "出院（家庭分娩：出生）",
    Anchor.CORRECTED_BIRTH: "矫正出生日（早产儿：出生 + (40周 − 胎龄)）",
    Anchor.ENROLMENT_START: "入托",
    Anchor.CASE: "专案建立",
    Anchor.REFERRAL: "转诊",
    Anchor.CORRECTION: "发现不合格项",
    Anchor.REGISTRATION: "登记（迁入、补登记）",
}
_PHASE_ZH = {"active": "活动期", "recovery": "恢复期", "sequelae": "后遗症期"}
_PERIOD_ZH = {"quarter": "每季度", "half_year": "每半年", "year": "每年"}
_EVIDENCE = {
    "V": "read in a public copy of the standard",
    "V3": "third-party re-statement only",
    "M": "from memory: a configurable default, check before relying on it",
    "D": "yiyu default: no standard fixes it",
    "LOCAL": "the city plan",
}


def _offset(offset: Offset | None) -> str:
    return "—" if offset is None else str(offset)


def _timing(rule: Rule) -> tuple[str, str]:
    """(due, window) as a reader of the standard would say them."""
    if rule.schedule is ScheduleKind.ONCE:
        anchor = _ANCHOR_ZH[rule.anchor] if rule.anchor else "?"
        return (
            f"{anchor} + {_offset(rule.due)}",
            f"{_offset(rule.opens)} … {_offset(rule.closes)}（含）",
        )
    if rule.schedule is ScheduleKind.PERIODIC:
        period = _PERIOD_ZH[rule.period.value] if rule.period else "?"
        due = f"{period}，期末前"
        if rule.first_within is not None:
            due += f"；首次于开始后 {_offset(rule.first_within)} 内"
        window = "该期内（机构开办期间）" if not rule.categories else "该期内（类别有效期间）"
        if rule.until_age is not None:
            window += f"；至 {_offset(rule.until_age)} 龄"
        return due, window
    grid = "矫正" if rule.anchor is Anchor.CORRECTED_BIRTH else ""
    if rule.anchor is Anchor.CASE:
        grid = "专案"
    stages = "；".join(
        (
            f"至{grid}{stage.until_months}月 "
            if stage.until_months is not None
            else f"记录为{_PHASE_ZH.get(stage.phase, stage.phase)}起 "
            if stage.phase is not None
            else ("此后" if index else "")
        )
        + f"每{stage.every}"
        for index, stage in enumerate(rule.stages)
    )
    window = "每次 −" + "/".join(str(stage.before) for stage in rule.stages)
    window += " … +" + "/".join(str(stage.after) for stage in rule.stages)
    if rule.min_interval is not None:
        window += f"；两次随访至少相隔 {rule.min_interval}"
    if rule.until_age is not None:
        return f"{stages}；至 {_offset(rule.until_age)}", window
    return f"{_ANCHOR_ZH[Anchor.CASE]}后{stages}，至结案", window


def _row(rule: Rule, label: str) -> str:
    due, window = _timing(rule)
    if rule.categories and rule.anchor is Anchor.CASE:
        due = (
            f"{'/'.join(c.label_zh for c in sorted(rule.categories, key=lambda c: c.value))}：{due}"
        )
    if rule.referral_kinds:
        kinds = sorted(rule.referral_kinds, key=lambda k: k.value)
        due = f"{'/'.join(k.label_zh for k in kinds)}：{due}"
    if rule.enrolment == "first":
        due = f"首次入托：{due}"
    elif rule.enrolment == "return":
        due = f"离园超过 {rule.away_more_than} 后返园：{due}"
    sources = "<br>".join(rule.sources)
    return (
        f"| {label} | {rule.name} | {rule.role.label_zh} | {due} | {window} | "
        f"{rule.evidence.value} / {rule.window_evidence.value} | {sources} |"
    )


def _condition_text(protocol: Protocol, name: str | None) -> str:
    if name is None or name not in protocol.conditions:
        return "a condition"
    return f"`{name}` ({protocol.conditions[name].description})"


def protocol_markdown(protocol: Protocol) -> str:
    """The protocol reference page, in Markdown."""
    lines = [
        f"# Protocol reference: `{protocol.label}`",
        "",
        "<!-- Generated from the protocol data by `nox -s docs`; do not edit by hand. -->",
        "",
        "Every obligation yiyu schedules comes from one of the rules below. Each names its",
        "sources (the ids are listed at the end; the sections are those of the standards",
        "digest) and two evidence tags: for the rule and its due date, then for its window.",
        "",
        "| tag | meaning |",
        "|---|---|",
        *(f"| {tag} | {meaning} |" for tag, meaning in _EVIDENCE.items()),
        "",
        "Windows are inclusive: the last day shown still counts. Offsets are from the",
        "anchor: months first (clamped at month ends), then days.",
        "",
        "The policies (below) apply to every child: what falls while the child is still in",
        "hospital, and what a child who moves out leaves owed (docs/guide/scheduling.md).",
        "",
        "## Layers",
        "",
        "| layer | version | title |",
        "|---|---|---|",
        *(f"| `{layer.id}` | {layer.version} | {layer.title} |" for layer in protocol.layers),
        "",
    ]
    for subject, heading in (("child", "Children"), ("daycare", "Daycares (托育机构)")):
        lines += [
            f"## {heading}",
            "",
            "| rule | name | role | due | window | evidence | sources |",
            "|---|---|---|---|---|---|---|",
        ]
        for rule in protocol.rules:
            if rule.subject.value != subject:
                continue
            lines.append(_row(rule, f"`{rule.id}`"))
            for _, variant in rule.variants:
                lines.append(_row(variant, f"`{rule.id}` / {variant.variant}"))
        lines.append("")
    lines += ["## What each visit contains", ""]
    for rule in protocol.rules:
        if not rule.contents and not rule.tests:
            continue
        lines.append(f"- **`{rule.id}`** {rule.name}: {'、'.join(rule.contents)}")
        if rule.tests:
            lines.append(f"  - 检查 tests: {'、'.join(rule.tests)}（* 县级妇幼保健机构等开展）")
        if rule.checklist:
            lines.append(f"  - 预警征象 column: `{rule.checklist}`")
        if rule.catch_up is not None:
            lines.append(
                f"  - catch-up for late registration: within {rule.catch_up.within}, "
                f"until {rule.catch_up.until_age} of age "
                f"({rule.catch_up.evidence.value}; {'; '.join(rule.catch_up.sources)})"
            )
        if rule.covers:
            lines.append(
                f"  - owed when one of {', '.join(f'`{c}`' for c in rule.covers)} closed before "
                "registration; carries "
                + "、".join(f"{t.test}（至 {t.until_age} 龄）" for t in rule.carry_tests)
            )
        if rule.note:
            lines.append(f"  - note: {rule.note}")
    if protocol.policies:
        lines += [
            "",
            "## Policies for every child",
            "",
            "| policy | on | meaning | evidence | sources |",
            "|---|---|---|---|---|",
            *(
                f"| `{p.id}` | {'yes' if p.value else 'no'} | {p.description} | "
                f"{p.evidence.value} | {'<br>'.join(p.sources)} |"
                for p in protocol.policies.values()
            ),
        ]
    if protocol.corrected_age is not None:
        corrected = protocol.corrected_age
        lines += [
            "",
            "## Corrected age (矫正年龄)",
            "",
            f"{corrected.description}。Read by `yiyu.assessment_age` for growth z-scores, the",
            "预警征象 column and the printed record; chronological age for everything else.",
            "",
            "| children | corrected age used until | evidence | sources |",
            "|---|---|---|---|",
            f"| preterm (< 37 weeks) | corrected {corrected.until_months} months | "
            f"{corrected.evidence.value} | {'<br>'.join(corrected.sources)} |",
            *(
                f"| {_condition_text(protocol, e.when.condition)} | corrected {e.until_months} "
                f"months | {e.evidence.value} | {'<br>'.join(e.sources)} |"
                for e in corrected.extended
            ),
        ]
    if protocol.growth:
        lines += [
            "",
            "## Growth references (生长评价标准)",
            "",
            "Which growth reference evaluates a visit (the printed 体格评价 and the growth",
            "charts) and which one's findings open and close nutritional-disease cases; read by",
            "`yiyu.record` (`Protocol.growth_reference`). See docs/instruments/growth.md.",
            "",
            "| purpose | reference | meaning | evidence | sources |",
            "|---|---|---|---|---|",
            *(
                f"| `{c.purpose}` | `{c.reference}` | {c.description} | {c.evidence.value} | "
                f"{'<br>'.join(c.sources)} |"
                for c in protocol.growth.values()
            ),
        ]
    if protocol.skip_reasons:
        lines += [
            "",
            "## Skip reasons in coverage (跳过原因如何计入覆盖率)",
            "",
            "How `yiyu coverage` counts an obligation skipped for each reason: `done` (in the",
            "numerator, reported apart as 他处完成), `excluded` (out of the denominator) or",
            "`not_done` (in the denominator, not the numerator). A reason not listed is",
            "`not_done`.",
            "",
            "| reason | 原因 | counts as | meaning | evidence | sources |",
            "|---|---|---|---|---|---|",
            *(
                f"| `{e.reason}` | {SkipReason(e.reason).label_zh} | `{e.counts_as}` | "
                f"{e.description} | {e.evidence.value} | {'<br>'.join(e.sources)} |"
                for e in protocol.skip_reasons.values()
            ),
        ]
    lines += [
        "",
        "## Coverage targets",
        "",
        "Computed by `yiyu coverage`; definitions in [coverage.md](coverage.md).",
        "",
        "| indicator | target | evidence | sources |",
        "|---|---|---|---|",
        *(
            f"| `{t.indicator}` | {t} | {t.evidence.value} | {'<br>'.join(t.sources)} |"
            for t in protocol.targets.values()
        ),
        "",
        "## Conditions",
        "",
        "| condition | meaning | evidence | sources |",
        "|---|---|---|---|",
        *(
            f"| `{c.id}` | {c.description} | {c.evidence.value} | {'<br>'.join(c.sources)} |"
            for c in protocol.conditions.values()
        ),
        "",
        "## Sources",
        "",
        "| id | title | document |",
        "|---|---|---|",
        *(
            f"| {s.id} | {s.title} | {s.doc_no or ''} |"
            for s in sorted(protocol.sources.values(), key=lambda s: s.id)
        ),
        "",
    ]
    return "\n".join(lines)
