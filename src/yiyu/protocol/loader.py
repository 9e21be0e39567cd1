"""Load, layer and validate protocol files.

A protocol is a stack of TOML files. The first is complete; each later one names the
layer it ``extends`` (``id@version``) and may add sources, conditions and rules
(``[[rules]]``) or change existing rules field by field (``[[overrides]]``). A layer
cannot silently redefine a rule: a ``[[rules]]`` entry with an id that exists is an
error, and so is an ``[[overrides]]`` entry for one that does not.

Files are read, and every problem is reported, by :mod:`yiyu.data`: a
:class:`~yiyu.data.DataError` (a :class:`~yiyu.errors.ProtocolError`) naming the file, the
path in it (``$.rules[3].opens``), the rule and the value.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, TypedDict

import pendulum

from yiyu.data import (
    DataError,
    DataFile,
    Evidence,
    HeaderTable,
    Location,
    Source,
    amend_entry,
    check_extends,
    enum_value,
    evidence,
    file_name,
    override_table,
    read_document,
    read_header,
    read_sources,
    source_refs,
    structure,
    text_list,
    unknown_keys,
)
from yiyu.dates import PeriodKind, add_months
from yiyu.domain import CategoryKind, ReferralKind, Role, SkipReason
from yiyu.errors import ValidationError
from yiyu.protocol.model import (
    GROWTH_PURPOSES,
    GROWTH_REFERENCES,
    POLICIES,
    SKIP_EFFECTS,
    Anchor,
    CarriedTest,
    CatchUp,
    Condition,
    CorrectedAge,
    CorrectedAgeLimit,
    GrowthReferenceChoice,
    Layer,
    NamedCondition,
    Offset,
    Policy,
    Protocol,
    Rule,
    ScheduleKind,
    SkipEffect,
    Stage,
    SubjectKind,
    Target,
)
from yiyu.protocol.tables import GrowthTable, PolicyTable, SaidTable, SkipTable, TargetTable

__all__ = ["DEFAULT_LAYERS", "load_protocol", "load_protocol_files"]

DEFAULT_LAYERS = ("cn-national.toml", "zj-city.toml")

ProtocolFile = DataFile

_TOP_KEYS = {
    "protocol", "sources", "conditions", "rules", "overrides", "targets", "corrected_age",
    "policies", "growth", "skip_reasons",
}  # fmt: skip
_HEADER_KEYS = {"id", "version", "title", "extends"}
_RULE_KEYS = {
    "id", "name", "subject", "role", "schedule", "anchor", "opens", "due", "closes",
    "period", "categories", "referral_kinds", "first_within", "min_days", "until_age", "start",
    "stages", "when", "min_interval", "enrolment", "away_more_than", "covers", "carry_tests",
    "include_end",
    "catch_up", "contents", "tests", "checklist", "source", "evidence",
    "window_evidence", "note", "variants",
}  # fmt: skip
_VARIANT_KEYS = (_RULE_KEYS - {"subject", "schedule", "variants"}) | {"id"}
_CONDITION_KEYS = {"ga_weeks_lt", "birth_weight_g_lt", "category", "condition", "any", "all", "not"}


def load_protocol(*region_files: ProtocolFile) -> Protocol:
    """The default protocol (national standard + city plan), with a region's files on top.

    Args:
        region_files: TOML files that extend the city plan, in order.

    Returns:
        The composed protocol, named after its top layer.

    Raises:
        ProtocolError: if any file is not a valid protocol layer.
    """
    if not region_files:
        return _default_protocol()
    return load_protocol_files([*_default_files(), *region_files])


@functools.cache
def _default_protocol() -> Protocol:
    # The packaged files never change while the process runs, and a Protocol is frozen.
    return load_protocol_files(_default_files())


def _default_files() -> list[Traversable]:
    data = files("yiyu.protocol") / "data"
    return [data / name for name in DEFAULT_LAYERS]


def load_protocol_files(layer_files: Iterable[ProtocolFile]) -> Protocol:
    """Compose a protocol from an explicit stack of files, the base first.

    Raises:
        ProtocolError: if any file is not a valid protocol layer, or the stack is empty
            (a :class:`~yiyu.data.DataError` naming the file and the path in it).
    """
    stack = list(layer_files)
    if not stack:
        raise DataError("<none>", "$", "a protocol needs at least one file")
    layers: list[Layer] = []
    below: HeaderTable | None = None
    sources: dict[str, Source] = {}
    conditions_raw: dict[str, tuple[Location, dict[str, Any]]] = {}
    targets_raw: dict[str, tuple[Location, dict[str, Any]]] = {}
    rules_raw: dict[str, tuple[Location, dict[str, Any]]] = {}
    corrected_raw: tuple[Location, dict[str, Any]] | None = None
    policies: dict[str, Policy] = {}
    growth: dict[str, GrowthReferenceChoice] = {}
    skip_reasons: dict[str, SkipEffect] = {}
    # The tables as the layers left them, for the next layer's overrides.
    policies_raw: dict[str, dict[str, Any]] = {}
    growth_raw: dict[str, dict[str, Any]] = {}
    skip_raw: dict[str, dict[str, Any]] = {}
    digest = hashlib.sha256()
    for file in stack:
        name = file_name(file, "region_files")
        document = read_document(file, name)
        digest.update(json.dumps(document, sort_keys=True, default=str).encode("utf-8"))
        top = Location(name)
        header = read_header(document, "protocol", top)
        check_extends(header, below, top.key("protocol"))
        if any(existing.id == header.id for existing in layers):
            top.fail(
                "protocol.id",
                f"layer id {header.id!r} is already used below: a layer names itself",
                header.id,
            )
        below = header
        layers.append(Layer(id=header.id, version=header.version, title=header.title, file=name))
        unknown_keys(document, _TOP_KEYS, top)
        for source_id, source in read_sources(document, top).items():
            if source_id in sources and sources[source_id] != source:
                top.fail(f"sources.{source_id}", "source redefined with another title",
                         source.title)  # fmt: skip
            sources[source_id] = source
        for cond_id, table in _table(document, "conditions", top).items():
            where = top.key("conditions").key(cond_id)
            known = conditions_raw.get(cond_id)
            body = override_table(known and known[1], table, where, "named condition")
            conditions_raw[cond_id] = (where, body)
        for target_id, table in _table(document, "targets", top).items():
            where = top.key("targets").key(target_id)
            known = targets_raw.get(target_id)
            targets_raw[target_id] = (where, override_table(known and known[1], table, where))
        for policy_id, table in _table(document, "policies", top).items():
            where = top.key("policies").key(policy_id)
            body = override_table(policies_raw.get(policy_id), table, where)
            policies_raw[policy_id] = body
            policies[policy_id] = _policy(policy_id, body, where, sources)
        for purpose, table in _table(document, "growth", top).items():
            where = top.key("growth").key(purpose)
            if purpose not in GROWTH_PURPOSES:
                where.fail("", f"unknown purpose {purpose!r}; known: {', '.join(GROWTH_PURPOSES)}",
                           purpose)  # fmt: skip
            body = override_table(growth_raw.get(purpose), table, where)
            growth_raw[purpose] = body
            growth[purpose] = _growth_choice(purpose, body, where, sources)
        for reason, table in _table(document, "skip_reasons", top).items():
            where = top.key("skip_reasons").key(reason)
            body = override_table(skip_raw.get(reason), table, where)
            skip_raw[reason] = body
            skip_reasons[reason] = _skip_effect(reason, body, where, sources)
        if "corrected_age" in document:
            table = document["corrected_age"]
            where = top.key("corrected_age")
            if not isinstance(table, dict):
                where.fail("", f"a [corrected_age] table expected, got {table!r}", table)
            below_table = corrected_raw[1] if corrected_raw is not None else None
            corrected_raw = (where, override_table(below_table, table, where))
        seen: set[str] = set()
        for position, entry in enumerate(_list(document, "rules", top)):
            rule_id = _rule_id(entry, top.entry("rules", position, None))
            where = top.entry("rules", position, rule_id)
            if rule_id in seen:
                where.fail("id", "duplicate rule id in one file", rule_id)
            seen.add(rule_id)
            known = rules_raw.get(rule_id)
            rules_raw[rule_id] = (where, amend_entry(known and known[1], entry, where, "rule id"))
        # The older spelling of an override: an entry of [[overrides]] is a [[rules]] entry
        # that says override = true, read as it always was (no evidence tag required).
        for position, entry in enumerate(_list(document, "overrides", top)):
            rule_id = _rule_id(entry, top.entry("overrides", position, None))
            where = top.entry("overrides", position, rule_id)
            if rule_id not in rules_raw:
                where.fail("id", "overrides a rule that does not exist", rule_id)
            marked = {**entry, "override": True}
            body = amend_entry(rules_raw[rule_id][1], marked, where, "rule id", evidence=False)
            rules_raw[rule_id] = (where, body)

    conditions = _named_conditions(conditions_raw, sources)
    rules = tuple(_rule(raw, where, sources, conditions) for where, raw in rules_raw.values())
    ids = {rule.id for rule in rules}
    for rule, (where, _) in zip(rules, rules_raw.values(), strict=True):
        for covered in rule.covers:
            if covered not in ids:
                where.fail("covers", f"covers {covered!r}, which is no rule", covered)
    targets = {
        target_id: _target(target_id, table, where, sources)
        for target_id, (where, table) in targets_raw.items()
    }
    corrected_age = (
        None
        if corrected_raw is None
        else _corrected_age(corrected_raw[1], corrected_raw[0], sources, conditions)
    )
    top_layer = layers[-1]
    return Protocol(
        id=top_layer.id,
        version=top_layer.version,
        layers=tuple(layers),
        sources=sources,
        conditions=conditions,
        rules=rules,
        targets=targets,
        corrected_age=corrected_age,
        policies=policies,
        growth=growth,
        skip_reasons=skip_reasons,
        fingerprint=digest.hexdigest(),
    )


# --- reading ------------------------------------------------------------------------------


def _table(document: Mapping[str, Any], key: str, top: Location) -> dict[str, dict[str, Any]]:
    value = document.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        top.fail(key, f"[{key}.<id>] tables expected, got {value!r}", value)
    return value


def _list(document: Mapping[str, Any], key: str, top: Location) -> list[dict[str, Any]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        top.fail(key, f"[[{key}]] entries expected, got {value!r}", value)
    return value


def _rule_id(entry: Mapping[str, Any], where: Location) -> str:
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not rule_id.isidentifier():
        where.fail("id", f"a rule id is a lower-case identifier, got {rule_id!r}", rule_id)
    return rule_id


# --- building values ------------------------------------------------------------------------


def _offset(value: Any, ctx: Location, field: str) -> Offset:
    if not isinstance(value, dict) or not value or set(value) - {"months", "days"}:
        raise ctx.error(field, f"expected {{ months = m, days = d }}, got {value!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
        raise ctx.error(field, f"months and days are whole numbers, got {value!r}")
    return Offset(months=value.get("months", 0), days=value.get("days", 0))


def _categories(value: Any, ctx: Location, field: str) -> frozenset[CategoryKind]:
    try:
        return frozenset(CategoryKind.parse(item) for item in text_list(value, ctx, field))
    except ValidationError as error:
        raise ctx.error(field, error.rule) from None


def _condition(value: Any, ctx: Location, field: str, names: Iterable[str]) -> Condition:
    known = set(names)
    if not isinstance(value, dict):
        raise ctx.error(field, f"a condition is a table, got {value!r}")
    keys = [key for key in value if key in _CONDITION_KEYS]
    extra = set(value) - _CONDITION_KEYS
    if extra:
        raise ctx.error(
            field, f"unknown condition {sorted(extra)}; known: {sorted(_CONDITION_KEYS)}"
        )
    if len(keys) != 1:
        raise ctx.error(field, f"a condition has exactly one of {sorted(_CONDITION_KEYS)}")
    key = keys[0]
    item = value[key]
    if key in ("ga_weeks_lt", "birth_weight_g_lt"):
        if not isinstance(item, int) or isinstance(item, bool) or item <= 0:
            raise ctx.error(f"{field}.{key}", f"a positive whole number, got {item!r}")
        if key == "ga_weeks_lt":
            return Condition(ga_weeks_lt=item)
        return Condition(birth_weight_g_lt=item)
    if key == "category":
        return Condition(category=_categories(item, ctx, f"{field}.category"))
    if key == "condition":
        if item not in known:
            raise ctx.error(f"{field}.condition", f"unknown named condition {item!r}")
        return Condition(condition=item)
    if key == "not":
        return Condition(not_=_condition(item, ctx, f"{field}.not", known))
    if not isinstance(item, list) or not item:
        raise ctx.error(f"{field}.{key}", "a non-empty list of conditions")
    parts = tuple(
        _condition(part, ctx, f"{field}.{key}[{i}]", known) for i, part in enumerate(item)
    )
    return Condition(any=parts) if key == "any" else Condition(all=parts)


def _named_conditions(
    raw: Mapping[str, tuple[Location, dict[str, Any]]], sources: Mapping[str, Source]
) -> dict[str, NamedCondition]:
    names = set(raw)
    result: dict[str, NamedCondition] = {}
    _check_cycles(raw)
    for cond_id, (ctx, table) in raw.items():
        body = {k: v for k, v in table.items() if k not in ("description", "source", "evidence")}
        said = _described(table, ctx, sources)
        result[cond_id] = NamedCondition(
            id=cond_id, condition=_condition(body, ctx, "", names), **said
        )
    return result


def _target(
    target_id: str, table: Mapping[str, Any], ctx: Location, sources: Mapping[str, Source]
) -> Target:
    read = structure(table, TargetTable, ctx)
    if not 0 <= read.value <= 1:
        ctx.fail("value", f"a rate from 0 to 1, got {read.value!r}", read.value)
    return Target(
        indicator=target_id,
        value=read.value,
        strict=read.strict,
        sources=source_refs(read.source, ctx, sources),
        evidence=read.evidence,
    )


def _policy(
    policy_id: str, table: Mapping[str, Any], ctx: Location, sources: Mapping[str, Source]
) -> Policy:
    if policy_id not in POLICIES:
        ctx.fail("", f"unknown policy {policy_id!r}; known: {', '.join(POLICIES)}", policy_id)
    read = structure(table, PolicyTable, ctx)
    return Policy(id=policy_id, value=read.value, **_said(read, ctx, sources))


def _growth_choice(
    purpose: str, table: Mapping[str, Any], ctx: Location, sources: Mapping[str, Source]
) -> GrowthReferenceChoice:
    read = structure(table, GrowthTable, ctx)
    if read.reference not in GROWTH_REFERENCES:
        ctx.fail("reference", f"one of {', '.join(GROWTH_REFERENCES)}, got {read.reference!r}",
                 read.reference)  # fmt: skip
    return GrowthReferenceChoice(
        purpose=purpose, reference=read.reference, **_said(read, ctx, sources)
    )


def _skip_effect(
    reason: str, table: Mapping[str, Any], ctx: Location, sources: Mapping[str, Source]
) -> SkipEffect:
    known = [kind.value for kind in SkipReason]
    if reason not in known:
        ctx.fail("", f"unknown skip reason {reason!r}; known: {', '.join(known)}", reason)
    read = structure(table, SkipTable, ctx)
    if read.counts_as not in SKIP_EFFECTS:
        ctx.fail("counts_as", f"one of {', '.join(SKIP_EFFECTS)}, got {read.counts_as!r}",
                 read.counts_as)  # fmt: skip
    return SkipEffect(reason=reason, counts_as=read.counts_as, **_said(read, ctx, sources))


class _Said(TypedDict):
    description: str
    sources: tuple[str, ...]
    evidence: Evidence


def _said(read: SaidTable, ctx: Location, sources: Mapping[str, Source]) -> _Said:
    return _Said(
        description=read.description,
        sources=source_refs(read.source, ctx, sources),
        evidence=read.evidence,
    )


def _described(table: Mapping[str, Any], ctx: Location, sources: Mapping[str, Source]) -> _Said:
    """What every sourced table of a protocol says besides its own fields (a named
    condition's, the corrected-age rule's): its ``description`` (required, for the
    generated reference), ``source`` and ``evidence``."""
    said = {key: table[key] for key in ("description", "source", "evidence") if key in table}
    return _said(structure(said, SaidTable, ctx), ctx, sources)


def _months(value: Any, ctx: Location, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ctx.error(field, f"a whole number of months, at least 0, got {value!r}")
    return value


def _corrected_age(
    table: Mapping[str, Any],
    ctx: Location,
    sources: Mapping[str, Source],
    conditions: Mapping[str, NamedCondition],
) -> CorrectedAge:
    unknown_keys(table, {"description", "until_months", "extended", "source", "evidence"}, ctx)
    said = _described(table, ctx, sources)
    until = _months(table.get("until_months"), ctx, "until_months")
    extended_raw = table.get("extended", [])
    if not isinstance(extended_raw, list) or not all(isinstance(e, dict) for e in extended_raw):
        raise ctx.error("extended", "[[corrected_age.extended]] entries expected")
    extended: list[CorrectedAgeLimit] = []
    for index, entry in enumerate(extended_raw):
        sub = ctx.entry("extended", index, None)
        unknown_keys(entry, {"when", "until_months", "source", "evidence"}, sub)
        if "when" not in entry:
            raise sub.error("when", "an extension names the children it applies to")
        extended.append(
            CorrectedAgeLimit(
                when=_condition(entry["when"], sub, "when", conditions),
                until_months=_months(entry.get("until_months"), sub, "until_months"),
                sources=source_refs(entry.get("source"), sub, sources),
                evidence=evidence(entry.get("evidence"), sub, "evidence"),
            )
        )
    return CorrectedAge(until_months=until, extended=tuple(extended), **said)


def _references(value: Any) -> set[str]:
    """Named conditions a raw condition table refers to, at any depth."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "condition" and isinstance(item, str):
                found.add(item)
            else:
                found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


def _check_cycles(raw: Mapping[str, tuple[Location, dict[str, Any]]]) -> None:
    graph = {name: _references(table) & set(raw) for name, (_, table) in raw.items()}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = " → ".join((*path[path.index(name) :], name))
            raw[name][0].fail("", f"conditions refer to each other: {cycle}", name)
        if name in done:
            return
        for target in graph[name]:
            visit(target, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())


def _stages(value: Any, ctx: Location) -> tuple[Stage, ...]:
    if not isinstance(value, list) or not value:
        raise ctx.error("stages", "a cadence needs a non-empty list of stages")
    stages: list[Stage] = []
    previous = 0
    for index, raw in enumerate(value):
        field = f"stages[{index}]"
        if not isinstance(raw, dict):
            raise ctx.error(field, "a stage is a table")
        unknown_keys(raw, {"until_months", "every", "before", "after", "phase"}, ctx.key(field))
        until = raw.get("until_months")
        phase = raw.get("phase")
        if phase is not None:
            if phase not in _PHASES:
                raise ctx.error(
                    f"{field}.phase", f"unknown value {phase!r}; known: {', '.join(_PHASES)}"
                )
            if not index or until is not None:
                raise ctx.error(
                    f"{field}.phase",
                    "a stage for a recorded phase follows the first stage and has no until_months",
                )
        elif index and value[index - 1].get("until_months") is None:
            raise ctx.error(field, "a stage after an open-ended stage is never reached")
        if until is not None and (not isinstance(until, int) or until <= previous):
            raise ctx.error(
                f"{field}.until_months", f"must increase, got {until!r} after {previous}"
            )
        every = _offset(raw.get("every"), ctx, f"{field}.every")
        if every.approx_days <= 0:
            raise ctx.error(f"{field}.every", "the interval must be positive")
        before = _offset(raw.get("before", {"days": 0}), ctx, f"{field}.before")
        after = _offset(raw.get("after", {"days": 0}), ctx, f"{field}.after")
        if before.approx_days < 0 or after.approx_days < 0:
            raise ctx.error(field, "before and after are distances, not negative")
        stages.append(
            Stage(until_months=until, every=every, before=before, after=after, phase=phase)
        )
        previous = until if until is not None else previous
    return tuple(stages)


def _catch_up(value: Any, ctx: Location, sources: Mapping[str, Source]) -> CatchUp | None:
    if value is None or value is False:
        return None
    if not isinstance(value, dict):
        raise ctx.error("catch_up", "a table { within, until_age, source, evidence } or false")
    unknown_keys(value, {"within", "until_age", "source", "evidence"}, ctx.key("catch_up"))
    sub = ctx.key("catch_up")
    return CatchUp(
        within=_offset(value.get("within"), sub, "within"),
        until_age=_offset(value.get("until_age"), sub, "until_age"),
        sources=source_refs(value.get("source"), sub, sources),
        evidence=evidence(value.get("evidence"), sub, "evidence"),
    )


def _rule(
    raw: Mapping[str, Any],
    ctx: Location,
    sources: Mapping[str, Source],
    conditions: Mapping[str, NamedCondition],
    *,
    variant: str | None = None,
) -> Rule:
    """The rule ``raw``, read at ``ctx`` (its entry in the layer that last changed it)."""
    rule_id = str(raw["id"])
    unknown_keys(raw, _RULE_KEYS, ctx)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ctx.error("name", "required text (the obligation's Chinese name)")
    schedule = enum_value(ScheduleKind, raw.get("schedule"), ctx, "schedule")
    subject = enum_value(SubjectKind, raw.get("subject"), ctx, "subject")
    values: dict[str, Any] = {
        "id": rule_id,
        "name": name,
        "subject": subject,
        "role": enum_value(Role, raw.get("role"), ctx, "role"),
        "schedule": schedule,
        "sources": source_refs(raw.get("source"), ctx, sources),
        "evidence": evidence(raw.get("evidence"), ctx, "evidence"),
        "window_evidence": evidence(
            raw.get("window_evidence", raw.get("evidence")), ctx, "window_evidence"
        ),
        "layer": ctx.file,
        "variant": variant,
    }
    for key in ("contents", "tests"):
        if key in raw:
            values[key] = text_list(raw[key], ctx, key)
    for key in ("checklist", "note"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise ctx.error(key, "text expected")
            values[key] = raw[key]
    for key in ("opens", "due", "closes", "first_within", "until_age", "min_interval",
                "away_more_than"):  # fmt: skip
        if key in raw:
            values[key] = _offset(raw[key], ctx, key)
    if "enrolment" in raw:
        if raw["enrolment"] not in _ENROLMENT_KINDS:
            raise ctx.error(
                "enrolment",
                f"unknown value {raw['enrolment']!r}; known: {', '.join(sorted(_ENROLMENT_KINDS))}",
            )
        values["enrolment"] = raw["enrolment"]
    if "covers" in raw:
        values["covers"] = text_list(raw["covers"], ctx, "covers")
    if "carry_tests" in raw:
        values["carry_tests"] = _carry_tests(raw["carry_tests"], ctx)
    for key in ("anchor", "start"):
        if key in raw:
            values[key] = enum_value(Anchor, raw[key], ctx, key)
    if "period" in raw:
        values["period"] = enum_value(PeriodKind, raw["period"], ctx, "period")
    if "min_days" in raw:
        min_days = raw["min_days"]
        if not isinstance(min_days, int) or isinstance(min_days, bool) or min_days < 0:
            raise ctx.error("min_days", f"a whole number of days, at least 0, got {min_days!r}")
        values["min_days"] = min_days
    if "categories" in raw:
        values["categories"] = _categories(raw["categories"], ctx, "categories")
    if "referral_kinds" in raw:
        values["referral_kinds"] = frozenset(
            enum_value(ReferralKind, kind, ctx, "referral_kinds")
            for kind in text_list(raw["referral_kinds"], ctx, "referral_kinds")
        )
    if "stages" in raw:
        values["stages"] = _stages(raw["stages"], ctx)
    if "include_end" in raw:
        if not isinstance(raw["include_end"], bool):
            raise ctx.error("include_end", f"true or false, got {raw['include_end']!r}")
        values["include_end"] = raw["include_end"]
    if "when" in raw:
        values["when"] = _condition(raw["when"], ctx, "when", conditions)
    values["catch_up"] = _catch_up(raw.get("catch_up"), ctx, sources)
    _check_shape(values, ctx)

    if variant is None and "variants" in raw:
        built: list[tuple[Condition, Rule]] = []
        variant_ids: set[str] = set()
        for index, entry in enumerate(_variants(raw["variants"], ctx)):
            variant_id = entry.get("id")
            if not isinstance(variant_id, str) or not variant_id or variant_id in variant_ids:
                raise ctx.error(f"variants[{index}].id", f"a unique variant id, got {variant_id!r}")
            variant_ids.add(variant_id)
            here = ctx.entry("variants", index, f"{rule_id} (variant {variant_id})")
            unknown_keys(entry, _VARIANT_KEYS, here)
            if "when" not in entry:
                raise ctx.error(f"variants[{index}].when", "a variant needs a condition")
            if "source" not in entry:
                raise ctx.error(f"variants[{index}].source", "a variant names its own source")
            when = _condition(entry["when"], ctx, f"variants[{index}].when", conditions)
            merged = {k: v for k, v in raw.items() if k != "variants"}
            merged.update({k: v for k, v in entry.items() if k not in ("id", "when")})
            built.append(
                (
                    when,
                    _rule(merged, here, sources, conditions, variant=variant_id),
                )
            )
        values["variants"] = tuple(built)
    return Rule(**values)


_ENROLMENT_KINDS = {"first", "return"}
# The stages a doctor records of a case (yiyu.RicketsStage) that a follow-up may key on.
_PHASES = ("active", "recovery", "sequelae")


def _carry_tests(value: Any, ctx: Location) -> tuple[CarriedTest, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise ctx.error("carry_tests", "a list of { test, until_age } tables")
    carried = []
    for index, entry in enumerate(value):
        sub = ctx.entry("carry_tests", index, None)
        unknown_keys(entry, {"test", "until_age"}, sub)
        test = entry.get("test")
        if not isinstance(test, str) or not test:
            raise sub.error("test", "the start of a test's name, as the checks list it")
        carried.append(CarriedTest(test=test, until_age=_offset(entry.get("until_age"), sub,
                                                                   "until_age")))  # fmt: skip
    return tuple(carried)


def _variants(value: Any, ctx: Location) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ctx.error("variants", "[[rules.variants]] entries expected")
    return value


# Anchors on which month arithmetic behaves differently: every month end and the first,
# in a leap year and in a common one. Offsets mixing months and days are only ordered
# if they are ordered from all of these.
_PROBE_ANCHORS = tuple(
    add_months(pendulum.Date(year, 1, day), months)
    for year in (2023, 2024)
    for months in range(12)
    for day in (1, 28, 29, 30, 31)
)


def _misordered(earlier: Offset, later: Offset) -> pendulum.Date | None:
    """An anchor from which ``earlier`` falls after ``later``, if there is one."""
    if earlier.months == later.months:
        return None if earlier.days <= later.days else _PROBE_ANCHORS[0]
    for anchor in _PROBE_ANCHORS:
        if earlier.after(anchor) > later.after(anchor):
            return anchor
    return None


def _check_shape(values: Mapping[str, Any], ctx: Location) -> None:
    """The fields each kind of schedule needs, and windows that make sense."""
    schedule: ScheduleKind = values["schedule"]
    subject: SubjectKind = values["subject"]

    def need(*keys: str) -> None:
        for key in keys:
            if values.get(key) in (None, (), frozenset()):
                raise ctx.error(key, f"required for a {schedule.value} rule")

    def forbid(*keys: str) -> None:
        for key in keys:
            if values.get(key) not in (None, (), frozenset()):
                raise ctx.error(key, f"not used by a {schedule.value} rule")

    anchor: Anchor | None = values.get("anchor")

    def only_for(anchor_kind: Anchor, *keys: str) -> None:
        for key in keys:
            if anchor is not anchor_kind and values.get(key) not in (None, ()):
                raise ctx.error(key, f"only for rules anchored on {anchor_kind.value}")

    only_for(Anchor.ENROLMENT_START, "enrolment", "away_more_than")
    only_for(Anchor.REGISTRATION, "covers", "carry_tests")
    if anchor is Anchor.ENROLMENT_START and (values.get("enrolment") == "return") != (
        values.get("away_more_than") is not None
    ):
        raise ctx.error("away_more_than", "a rule for returning children says how long away")
    if anchor is Anchor.REGISTRATION:
        need("covers")
    if anchor is Anchor.CASE:
        need("categories")
    elif schedule is not ScheduleKind.PERIODIC:
        forbid("categories")
    if anchor is Anchor.REFERRAL:
        need("referral_kinds")
    else:
        forbid("referral_kinds")
    if (anchor is Anchor.CORRECTION) != (subject is SubjectKind.DAYCARE) and anchor is not None:
        raise ctx.error("anchor", "corrections anchor daycare rules; other anchors are a child's")
    if subject is SubjectKind.DAYCARE and (values.get("when") or values.get("variants")):
        raise ctx.error("when", "conditions are on a child's facts; daycare rules have none")
    for key in ("first_within",):
        offset = values.get(key)
        if offset is not None and offset.approx_days < 0:
            raise ctx.error(key, f"must not be negative, got {offset}")
    catch_up: CatchUp | None = values.get("catch_up")
    if catch_up is not None and (
        catch_up.within.approx_days < 0 or catch_up.until_age.approx_days <= 0
    ):
        raise ctx.error("catch_up", "within must not be negative and until_age must be positive")
    if schedule is not ScheduleKind.CADENCE:
        forbid("min_interval")
        if values.get("include_end"):
            raise ctx.error("include_end", f"not used by a {schedule.value} rule")
    if schedule is ScheduleKind.ONCE:
        need("anchor", "opens", "due", "closes")
        forbid("period", "first_within", "stages", "start", "until_age")
        opens, due, closes = values["opens"], values["due"], values["closes"]
        anchor_day = _misordered(opens, closes)
        if anchor_day is not None:
            raise ctx.error(
                "closes",
                f"the window closes ({closes}) before it opens ({opens}), e.g. from {anchor_day}",
            )
        anchor_day = _misordered(opens, due) or _misordered(due, closes)
        if anchor_day is not None:
            raise ctx.error(
                "due",
                f"due ({due}) is outside the window {opens} … {closes}, e.g. from {anchor_day}",
            )
    elif schedule is ScheduleKind.PERIODIC:
        need("period")
        forbid("anchor", "opens", "due", "closes", "stages", "start", "catch_up")
        if subject is SubjectKind.CHILD:
            need("categories")
        elif values.get("categories") or values.get("first_within") or values.get("until_age"):
            raise ctx.error("categories", "daycare rules are owed while the daycare is open")
    else:
        need("anchor", "start", "stages")
        forbid("opens", "due", "closes", "period", "first_within", "catch_up")
        if subject is not SubjectKind.CHILD:
            raise ctx.error("subject", "cadence rules are for children")
        if anchor in (Anchor.ENROLMENT_START, Anchor.REFERRAL, Anchor.REGISTRATION):
            raise ctx.error("anchor", "a cadence follows the child or one of its cases")
        if (anchor is Anchor.CASE) != (values["start"] is Anchor.CASE):
            raise ctx.error("start", "a cadence of a case starts and ends with the case")
        if anchor is not Anchor.CASE and any(s.phase for s in values["stages"]):
            raise ctx.error("stages", "only a case's follow-up keys on a recorded phase")
        if anchor is not Anchor.CASE:
            need("until_age")
