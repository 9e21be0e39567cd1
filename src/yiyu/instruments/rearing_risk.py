"""养育风险评估: the yearly rearing-risk assessment of vulnerable children.

The city plan asks for a free yearly 养育风险评估 for vulnerable children (orphans, children
de facto without support, disabled children), but no national instrument is public
(digest §7). yiyu therefore ships a **default form** (``rearing_risk_default``, evidence D)
built on the five components of the Nurturing Care Framework (S18): good health (良好的
健康), adequate nutrition (充足的营养), safety and security (安全保障), responsive caregiving
(回应性照护) and opportunities for early learning (早期学习机会). Its items, scores and
thresholds are yiyu's choices; a region that has its own form loads it instead with
:func:`load_form` and passes it to :func:`assess`.

Each item is answered 0 (no risk), 1 (some risk) or 2 (high risk). A domain's score is the
sum of its items, the total the sum of all. The risk level (low, medium, high) comes from
the form's rules: a rule holds when all its conditions hold (a rule without conditions
always holds); the level is the highest level of any rule that holds, and the rule reported
is the first rule in the file with that level. Every condition is "at least", so raising
any answer can never lower the level.

The form file (TOML)
--------------------

.. code-block:: toml

    [instrument]
    id = "rearing_risk_zj"                 # the form's id, stored with every assessment
    version = "2026.1"
    title = "养育风险评估表（某市）"
    source = "LOCAL (某市卫健委 2026 年通知)"  # where the form comes from
    evidence = "LOCAL"                      # V, V3, M, D or LOCAL

    [sources.LOCAL]                         # every source id cited in the file
    title = "某市卫健委通知"

    [scale]                                 # the meaning of 0, 1 and 2, for printing
    labels = ["无风险", "有一定风险", "高风险"]
    text = "每个条目按0～2分计"
    source = "LOCAL (…)"
    evidence = "LOCAL"

    [[domains]]                             # in printing order
    id = "safety_and_security"
    name_zh = "安全保障"
    name_en = "Safety and security"         # optional
    source = "S18 (digest §7)"
    evidence = "V"

    [[items]]                               # in printing order; each in one domain
    id = "supervision"
    domain = "safety_and_security"
    text = "是否始终有成人看护"
    source = "LOCAL (…)"
    evidence = "LOCAL"

    [[rules]]
    id = "high_safety_item"
    level = "high"                          # low, medium or high
    text = "安全保障任一条目为2分"            # the rule in words, for the record
    any_item_at_least = 2                   # conditions (all must hold), any of:
    in_domains = ["safety_and_security"]    #   any_item_at_least (optionally in_domains),
    source = "LOCAL (…)"                    #   total_at_least,
    evidence = "LOCAL"                      #   domain_at_least = { <domain id> = n }

    [[rules]]                               # at least one rule without conditions,
    id = "low"                              # the fallback
    level = "low"
    text = "其余"
    source = "LOCAL (…)"
    evidence = "LOCAL"

Every domain needs at least one item. A file can also change the default form without
repeating it: ``extends = "rearing_risk_default"`` in ``[instrument]``, then only what
changes (entries are merged by ``id``; a changed entry says ``override = true`` and names its
own ``source`` and ``evidence``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

import attrs

from yiyu.data import Evidence
from yiyu.errors import ValidationError
from yiyu.instruments._answers import answers_by_item
from yiyu.instruments._data import Checker, DataLoader, DataPath, Header, RuleText, frozen_map
from yiyu.instruments._markdown import cell, sources_line

__all__ = [
    "DATA_FILE",
    "MAX_SCORE",
    "RiskAssessment",
    "RiskDomain",
    "RiskForm",
    "RiskItem",
    "RiskLevel",
    "RiskRule",
    "assess",
    "load_form",
    "markdown",
]

DATA_FILE: Final = "rearing_risk_default.toml"
MAX_SCORE: Final = 2
"""Each item is scored 0 (no risk), 1 (some risk) or 2 (high risk)."""


class RiskLevel(enum.Enum):
    """The rearing-risk level (养育风险等级)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label_zh(self) -> str:
        return _LEVEL_ZH[self]

    @property
    def rank(self) -> int:
        """0 for low, 1 for medium, 2 for high: for comparing levels."""
        return _LEVEL_RANK[self]


_LEVEL_ZH: Final = {RiskLevel.LOW: "低", RiskLevel.MEDIUM: "中", RiskLevel.HIGH: "高"}
_LEVEL_RANK: Final = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


@attrs.frozen(kw_only=True)
class RiskDomain:
    """One domain of the form (a Nurturing Care component in the default form)."""

    id: str
    name_zh: str
    name_en: str | None
    source: tuple[str, ...]
    evidence: Evidence


@attrs.frozen(kw_only=True)
class RiskItem:
    """One question, scored 0–2."""

    id: str
    domain: str
    text: str
    source: tuple[str, ...]
    evidence: Evidence


@attrs.frozen(kw_only=True)
class RiskRule:
    """A rule for the risk level: it holds when all its conditions hold.

    Attributes:
        id: stable id, stored with the assessment.
        level: the level the rule gives.
        text: the rule in words.
        total_at_least: the total is at least this, or ``None``.
        any_item_at_least: some item (in ``in_domains``, if given) scores at least this.
        in_domains: restricts ``any_item_at_least`` to these domains; empty: all.
        domain_at_least: domain id → score: some listed domain reaches its score.
        source: where the rule comes from.
        evidence: how well it is established.
    """

    id: str
    level: RiskLevel
    text: str
    total_at_least: int | None
    any_item_at_least: int | None
    in_domains: tuple[str, ...]
    domain_at_least: Mapping[str, int]
    source: tuple[str, ...]
    evidence: Evidence

    @property
    def unconditional(self) -> bool:
        return (
            self.total_at_least is None
            and self.any_item_at_least is None
            and not self.domain_at_least
        )

    def holds(
        self,
        scores: Mapping[str, int],
        domain_of: Mapping[str, str],
        domain_scores: Mapping[str, int],
        total: int,
    ) -> bool:
        """Whether every condition of the rule holds for these scores."""
        if self.total_at_least is not None and total < self.total_at_least:
            return False
        if self.any_item_at_least is not None and not any(
            score >= self.any_item_at_least
            and (not self.in_domains or domain_of[item_id] in self.in_domains)
            for item_id, score in scores.items()
        ):
            return False
        return not self.domain_at_least or any(
            domain_scores[domain] >= least for domain, least in self.domain_at_least.items()
        )


@attrs.frozen(kw_only=True)
class RiskForm:
    """A rearing-risk form, as loaded by :func:`load_form`.

    Attributes:
        header: the form's id, version, title and file name.
        source: where the form comes from.
        evidence: ``D`` for yiyu's default form.
        scale: the meaning of the scores 0, 1 and 2.
        scale_labels: a label for each score, 0 first.
        domains: in printing order.
        items: in printing order.
        rules: in file order.
        sources: source id → title.
    """

    header: Header
    source: tuple[str, ...]
    evidence: Evidence
    scale: RuleText
    scale_labels: tuple[str, str, str]
    domains: tuple[RiskDomain, ...]
    items: tuple[RiskItem, ...]
    rules: tuple[RiskRule, ...]
    sources: Mapping[str, str]

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def max_total(self) -> int:
        return MAX_SCORE * len(self.items)


@attrs.frozen(kw_only=True)
class RiskAssessment:
    """The outcome of one assessment.

    Attributes:
        form_id: the form's id.
        form_version: the form's version.
        scores: item id → score, in form order.
        domain_scores: domain id → the sum of its items' scores, in form order.
        total: the sum of all scores.
        level: the risk level.
        rule: the rule that decided the level.
        matched_rules: the ids of every rule that held, in file order.
    """

    form_id: str
    form_version: str
    scores: Mapping[str, int]
    domain_scores: Mapping[str, int]
    total: int
    level: RiskLevel
    rule: RiskRule
    matched_rules: tuple[str, ...]


# --- loading ----------------------------------------------------------------------------------


def load_form(path: DataPath | None = None) -> RiskForm:
    """A rearing-risk form: yiyu's default, or a region's own (see the module docstring).

    Args:
        path: the region's form file, or ``None`` for the default form, which is read once
            and cached.

    Returns:
        The form.

    Raises:
        ProtocolError: naming the file, the item (or domain, or rule) and the field, if the
            form is invalid.
    """
    return _LOAD(path)


_RULE_KEYS: Final = {
    "id",
    "level",
    "text",
    "total_at_least",
    "any_item_at_least",
    "in_domains",
    "domain_at_least",
    "source",
    "evidence",
}


def _rule(check: Checker, rule_id: str, table: Mapping[str, Any], domains: set[str]) -> RiskRule:
    check.unknown(table, _RULE_KEYS, item=rule_id, where="rules")
    level_name = check.text(table, "level", item=rule_id, where="rules")
    try:
        level = RiskLevel(level_name)
    except ValueError:
        check.fail(
            f"unknown level {level_name!r}; known: low, medium, high",
            item=rule_id,
            field="rules.level",
        )
    total = item_least = None
    if "total_at_least" in table:
        total = check.integer(table, "total_at_least", item=rule_id, where="rules", minimum=1)
    if "any_item_at_least" in table:
        item_least = check.integer(
            table, "any_item_at_least", item=rule_id, where="rules", minimum=1, maximum=MAX_SCORE
        )
    in_domains: tuple[str, ...] = ()
    if "in_domains" in table:
        raw = table["in_domains"]
        if item_least is None:
            check.fail(
                "in_domains only qualifies any_item_at_least",
                item=rule_id,
                field="rules.in_domains",
            )
        if not isinstance(raw, list) or not raw or not all(isinstance(d, str) for d in raw):
            check.fail("a list of domain ids is required", item=rule_id, field="rules.in_domains")
        for domain in raw:
            if domain not in domains:
                check.fail(f"unknown domain {domain!r}", item=rule_id, field="rules.in_domains")
        in_domains = tuple(raw)
    domain_least: dict[str, int] = {}
    if "domain_at_least" in table:
        raw_least = check.table(table, "domain_at_least", item=rule_id, where="rules")
        if not raw_least:
            check.fail("name at least one domain", item=rule_id, field="rules.domain_at_least")
        for domain in raw_least:
            if domain not in domains:
                check.fail(
                    f"unknown domain {domain!r}", item=rule_id, field="rules.domain_at_least"
                )
            domain_least[domain] = check.integer(
                raw_least, domain, item=rule_id, where="rules.domain_at_least", minimum=1
            )
    return RiskRule(
        id=rule_id,
        level=level,
        text=check.text(table, "text", item=rule_id, where="rules"),
        total_at_least=total,
        any_item_at_least=item_least,
        in_domains=in_domains,
        domain_at_least=frozen_map(domain_least),
        source=check.source(table, item=rule_id, where="rules"),
        evidence=check.evidence(table, item=rule_id, where="rules"),
    )


def _build(file: str, document: dict[str, Any]) -> RiskForm:
    check = Checker(file)
    header = check.header(document, extra={"source", "evidence"})
    check.unknown(
        document,
        {"instrument", "sources", "scale", "domains", "items", "rules"},
        item=None,
        where="",
    )
    instrument = document["instrument"]
    scale = check.table(document, "scale", item=None, where="")
    check.unknown(scale, {"labels", "text", "source", "evidence"}, item=None, where="scale")
    labels = scale.get("labels")
    if (
        not isinstance(labels, list)
        or len(labels) != MAX_SCORE + 1
        or not all(isinstance(label, str) and label.strip() for label in labels)
    ):
        check.fail(
            f"{MAX_SCORE + 1} labels are required, for the scores 0 to {MAX_SCORE}",
            field="scale.labels",
        )

    domains: list[RiskDomain] = []
    for domain_id, table in check.entries(document, "domains", where=""):
        check.unknown(
            table,
            {"id", "name_zh", "name_en", "source", "evidence"},
            item=domain_id,
            where="domains",
        )
        domains.append(
            RiskDomain(
                id=domain_id,
                name_zh=check.text(table, "name_zh", item=domain_id, where="domains"),
                name_en=check.optional_text(table, "name_en", item=domain_id, where="domains"),
                source=check.source(table, item=domain_id, where="domains"),
                evidence=check.evidence(table, item=domain_id, where="domains"),
            )
        )
    domain_ids = {domain.id for domain in domains}

    items: list[RiskItem] = []
    for item_id, table in check.entries(document, "items", where=""):
        check.unknown(
            table, {"id", "domain", "text", "source", "evidence"}, item=item_id, where="items"
        )
        in_domain = check.text(table, "domain", item=item_id, where="items")
        if in_domain not in domain_ids:
            check.fail(
                f"unknown domain {in_domain!r}; known: {', '.join(sorted(domain_ids))}",
                item=item_id,
                field="items.domain",
            )
        items.append(
            RiskItem(
                id=item_id,
                domain=in_domain,
                text=check.text(table, "text", item=item_id, where="items"),
                source=check.source(table, item=item_id, where="items"),
                evidence=check.evidence(table, item=item_id, where="items"),
            )
        )
    for domain in domains:
        if not any(item.domain == domain.id for item in items):
            check.fail("a domain needs at least one item", item=domain.id, field="items.domain")

    rules = [
        _rule(check, rule_id, table, domain_ids)
        for rule_id, table in check.entries(document, "rules", where="")
    ]
    if not any(rule.unconditional for rule in rules):
        # Without a fallback some answers would match no rule and have no level.
        check.fail("one rule without conditions is required, the fallback level", field="rules")

    return RiskForm(
        header=header,
        source=check.source(instrument, item=None, where="instrument"),
        evidence=check.evidence(instrument, item=None, where="instrument"),
        scale=check.rule_text(scale, item=None, where="scale"),
        scale_labels=(labels[0].strip(), labels[1].strip(), labels[2].strip()),
        domains=tuple(domains),
        items=tuple(items),
        rules=tuple(rules),
        sources=frozen_map(check.sources),
    )


_LOAD: Final = DataLoader(DATA_FILE, _build)


# --- assessing --------------------------------------------------------------------------------


def assess(answers: Mapping[str, int], form: RiskForm | None = None) -> RiskAssessment:
    """Score one rearing-risk assessment.

    Args:
        answers: item id → 0 (no risk), 1 (some risk) or 2 (high risk). Every item of the
            form must be answered: a missing answer is not "no risk".
        form: the form, or ``None`` for yiyu's default form.

    Returns:
        The domain scores, the total, the level, the rule that decided it, and the form's
        id and version.

    Raises:
        ValidationError: naming the item, if an item has no answer, an answer names an
            item not on the form, or a score is not a whole number 0–2.
    """
    form = form or load_form()
    given = answers_by_item(
        answers,
        form.items,
        expected="score 0–2",
        unknown=f"not an item of {form.header.label}; items: {', '.join(form.item_ids)}",
        verb="scored",
    )
    scores: dict[str, int] = {}
    for item_id, score in given.items():
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
            raise ValidationError(
                f"answers[{item_id}]",
                score,
                f"a score 0 (no risk), 1 (some risk) or {MAX_SCORE} (high risk) is required",
            )
        scores[item_id] = score
    domain_of = {item.id: item.domain for item in form.items}
    domain_scores = {
        domain.id: sum(s for i, s in scores.items() if domain_of[i] == domain.id)
        for domain in form.domains
    }
    total = sum(scores.values())
    matched = [rule for rule in form.rules if rule.holds(scores, domain_of, domain_scores, total)]
    # The form guarantees an unconditional rule, so ``matched`` is never empty. The highest
    # level wins (not the first rule), which keeps the level monotonic in every score.
    top = max(rule.level.rank for rule in matched)
    deciding = next(rule for rule in matched if rule.level.rank == top)
    return RiskAssessment(
        form_id=form.header.id,
        form_version=form.header.version,
        scores=frozen_map(scores),
        domain_scores=frozen_map(domain_scores),
        total=total,
        level=deciding.level,
        rule=deciding,
        matched_rules=tuple(rule.id for rule in matched),
    )


# --- documentation ----------------------------------------------------------------------------


def _conditions(rule: RiskRule, form: RiskForm) -> str:
    names = {domain.id: domain.name_zh for domain in form.domains}
    parts: list[str] = []
    if rule.any_item_at_least is not None:
        where = "、".join(names[d] for d in rule.in_domains) if rule.in_domains else "any domain"
        parts.append(f"an item in {where} scores ≥ {rule.any_item_at_least}")
    if rule.total_at_least is not None:
        parts.append(f"total ≥ {rule.total_at_least}")
    if rule.domain_at_least:
        parts.append(
            "a domain score reaches "
            + ", ".join(f"{names[d]} ≥ {n}" for d, n in rule.domain_at_least.items())
        )
    return " and ".join(parts) or "otherwise"


def markdown(data: RiskForm | None = None) -> str:
    """A Markdown section describing the form, generated from it.

    Args:
        data: the form, or ``None`` for yiyu's default form.

    Returns:
        The section (a level-2 heading, what it measures, the items by domain, the rules,
        sources).
    """
    form = data or load_form()
    scale = "; ".join(f"{n} = {label}" for n, label in enumerate(form.scale_labels))
    lines = [
        f"## {form.header.title} (`{form.header.label}`)",
        "",
        "What it measures: the risks in how a vulnerable child is cared for, in the five",
        f"domains of nurturing care. Form: {'; '.join(form.source)} ({form.evidence.value}).",
        f"Each item is scored {scale}; a domain's score is the sum of its items (total "
        f"0–{form.max_total}).",
        "",
        "| domain | id | item | source | evidence |",
        "|---|---|---|---|---|",
    ]
    for domain in form.domains:
        for item in form.items:
            if item.domain == domain.id:
                lines.append(
                    f"| {domain.name_zh} | `{item.id}` | {cell(item.text)} | "
                    f"{cell('; '.join(item.source))} | {item.evidence.value} |"
                )
    lines += [
        "",
        "The level is the highest level of any rule that holds.",
        "",
        "| rule | level | when | source | evidence |",
        "|---|---|---|---|---|",
    ]
    for rule in form.rules:
        lines.append(
            f"| `{rule.id}` | {rule.level.label_zh} ({rule.level.value}) | "
            f"{cell(rule.text)}: {cell(_conditions(rule, form))} | "
            f"{cell('; '.join(rule.source))} | {rule.evidence.value} |"
        )
    domains = "; ".join(
        f"{d.name_zh} ({d.name_en or d.id}): {'; '.join(d.source)}, {d.evidence.value}"
        for d in form.domains
    )
    lines += ["", f"Domains: {domains}.", "", sources_line(form.sources), ""]
    return "\n".join(lines)
