"""营养性缺铁性贫血: anaemia by haemoglobin and age, and its severity.

China's 儿童营养性疾病管理技术规范 (S4, digest §5) calls Hb < 110 g/L anaemia at 6 months to
6 years and Hb < 120 g/L at 6 to 14 years; 90 g/L up to the cut-off is mild (轻度), 60–89
moderate (中度), below 60 severe (重度). The S4 text itself was not read, so these numbers
are tagged M and kept as data. WHO's 2024 cut-offs (6–23 months < 105, 24–59 months < 110,
5–11 years < 115 g/L) are a second scheme, ``who_2024``; S4 has not adopted them.

The cut-offs and the follow-up facts (recheck 2–4 weeks after iron starts, continue 2
months after Hb is normal, refer if severe or not better after 1 month, "better" meaning
Hb up by at least 10 g/L) are in
``yiyu/instruments/data/anaemia.toml``; read them with :func:`load_anaemia`. A region
overrides them with its own file, for example a cut-off raised for altitude and an earlier
recheck:

.. code-block:: toml

    [instrument]
    extends = "anaemia"
    id = "anaemia-plateau"
    version = "2026.1-plateau"
    title = "贫血判定（高原地区）"

    [sources.LOCAL]
    title = "省卫健委通知"

    [[schemes]]
    id = "cn_2012"
    override = true                    # an entry that exists: amended
    source = "LOCAL (省卫健委通知)"
    evidence = "LOCAL"

    [[schemes.bands]]                  # an entry that exists: amended
    id = "6m_6y"
    override = true
    anaemic_below = 118
    source = "LOCAL (省卫健委通知)"
    evidence = "LOCAL"

    [follow_up.recheck]
    override = true                    # a table that exists: restated whole
    recheck_weeks = [3, 4]
    text = "轻、中度贫血：开始补铁后3～4周复查血红蛋白"
    source = "LOCAL (省卫健委通知)"
    evidence = "LOCAL"

The file format: ``[instrument]`` (``id``, ``version``, ``title``, ``default_scheme``);
``[sources.<id>]`` (``title``, optional ``doc_no``); ``[[schemes]]`` with ``id``, ``title``,
``source``, ``evidence`` and ``bands``, a list of ``{ id, from_months, to_months,
anaemic_below, mild_from, moderate_from, source, evidence }`` (months: start inclusive, end
exclusive; ``mild_from`` and ``moderate_from`` together or not at all); ``[notes.under_6_months]``
and ``[notes.altitude]`` (``text``, ``source``, ``evidence``); ``[follow_up.recheck]``
(``recheck_weeks = [from, to]``: weeks, or in the packaged data references to the protocol
rule ``anaemia_recheck``'s ``opens`` and ``due``), ``[follow_up.continue_iron]``
(``months_after_normal``),
``[follow_up.refer]`` (``refer_if_severe``, ``no_improvement_after_months``),
``[follow_up.improvement]`` (``rise_g_l``) and ``[follow_up.close]``, each with ``text``,
``source`` and ``evidence``.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Mapping
from typing import Any, Final

import attrs

from yiyu.data import Evidence
from yiyu.errors import ValidationError
from yiyu.instruments._data import Checker, DataLoader, DataPath, Fact, Header, RuleText, frozen_map
from yiyu.instruments._markdown import cell, sources_line

__all__ = [
    "DATA_FILE",
    "HB_MAX_G_L",
    "HB_MIN_G_L",
    "AnaemiaData",
    "AnaemiaResult",
    "AnaemiaScheme",
    "FollowUp",
    "HbBand",
    "Severity",
    "classify_hb",
    "load_anaemia",
    "markdown",
]

DATA_FILE: Final = "anaemia.toml"

# The plausible range the issue tracker fixed for an entered Hb (#3), as in
# yiyu.domain.encounter: outside it a value is a typing error far more often than a child.
HB_MIN_G_L: Final = 30.0
HB_MAX_G_L: Final = 220.0


class Severity(enum.Enum):
    """The degree of anaemia (贫血分度)."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"

    @property
    def label_zh(self) -> str:
        return _SEVERITY_ZH[self]


_SEVERITY_ZH: Final = {Severity.MILD: "轻度", Severity.MODERATE: "中度", Severity.SEVERE: "重度"}


@attrs.frozen(kw_only=True)
class HbBand:
    """The cut-offs of one age band of a scheme.

    Attributes:
        id: stable id within the scheme (``6m_6y``).
        from_months: first month of age covered (inclusive).
        to_months: end of the band (exclusive).
        anaemic_below: Hb (g/L) below this is anaemia.
        mild_from: Hb from this up to the cut-off is mild, or ``None`` without severity
            bands.
        moderate_from: Hb from this up to ``mild_from`` is moderate, below it severe.
        source: where the numbers come from.
        evidence: how well they are established.
    """

    id: str
    from_months: int
    to_months: int
    anaemic_below: float
    mild_from: float | None
    moderate_from: float | None
    source: tuple[str, ...]
    evidence: Evidence

    def covers(self, age_months: int) -> bool:
        return self.from_months <= age_months < self.to_months

    def severity(self, hb_g_l: float) -> Severity | None:
        """The degree of an anaemic Hb, or ``None`` if not anaemic or the band has none."""
        if hb_g_l >= self.anaemic_below or self.mild_from is None or self.moderate_from is None:
            return None
        if hb_g_l >= self.mild_from:
            return Severity.MILD
        if hb_g_l >= self.moderate_from:
            return Severity.MODERATE
        return Severity.SEVERE


@attrs.frozen(kw_only=True)
class AnaemiaScheme:
    """A named set of Hb cut-offs by age (``cn_2012``, ``who_2024``)."""

    id: str
    title: str
    bands: tuple[HbBand, ...]
    source: tuple[str, ...]
    evidence: Evidence

    def band_for(self, age_months: int) -> HbBand | None:
        """The band covering this age, or ``None`` if the scheme has no cut-off for it."""
        for band in self.bands:
            if band.covers(age_months):
                return band
        return None


@attrs.frozen(kw_only=True)
class FollowUp:
    """The follow-up of an anaemia case (专案管理, S4 digest §5, all M).

    Attributes:
        recheck_weeks: recheck Hb this many weeks (from, to) after iron starts.
        continue_iron_months: continue iron this many months after Hb is normal.
        refer_if_severe: refer a severe anaemia.
        refer_no_improvement_months: refer if no better after this many months of
            proper treatment.
        improvement_g_l: the rise of Hb since the case opened that counts as improvement
            (S4's 疗效标准: 10–20 g/L at 4 weeks; below the lower bound is "no improvement").
        close: when the case is closed (结案), in words.
    """

    recheck_weeks: Fact[tuple[int, int]]
    continue_iron_months: Fact[int]
    refer_if_severe: Fact[bool]
    refer_no_improvement_months: Fact[int]
    improvement_g_l: Fact[float]
    close: RuleText


@attrs.frozen(kw_only=True)
class AnaemiaData:
    """The schemes, notes and follow-up facts, as loaded by :func:`load_anaemia`."""

    header: Header
    default_scheme: str
    schemes: tuple[AnaemiaScheme, ...]
    under_6_months: RuleText
    altitude: RuleText
    follow_up: FollowUp
    sources: Mapping[str, str]

    def scheme(self, scheme_id: str) -> AnaemiaScheme:
        """The scheme with this id.

        Raises:
            ValidationError: if there is no such scheme.
        """
        for scheme in self.schemes:
            if scheme.id == scheme_id:
                return scheme
        known = ", ".join(scheme.id for scheme in self.schemes)
        raise ValidationError("scheme", scheme_id, f"unknown scheme; known: {known}")


@attrs.frozen(kw_only=True)
class AnaemiaResult:
    """The reading of one Hb value.

    Attributes:
        instrument: ``id@version`` of the data used.
        scheme: the scheme's id.
        hb_g_l: the Hb given.
        age_months: the age given.
        assessed: whether the scheme has a cut-off for this age; ``False`` under 6 months
            (no standard threshold) and beyond the scheme's last band.
        anaemic: Hb below the cut-off (``False`` when not assessed).
        severity: mild, moderate or severe; ``None`` if not anaemic, not assessed, or the
            scheme gives no severity bands (``who_2024``).
        threshold: the cut-off used (Hb below it is anaemia), ``None`` if not assessed.
        band: the id of the age band used, ``None`` if not assessed.
        reason: why not assessed, in words, or ``None``.
    """

    instrument: str
    scheme: str
    hb_g_l: float
    age_months: int
    assessed: bool
    anaemic: bool
    severity: Severity | None
    threshold: float | None
    band: str | None
    reason: str | None


# --- loading ----------------------------------------------------------------------------------


def load_anaemia(path: DataPath | None = None) -> AnaemiaData:
    """The anaemia cut-offs and follow-up facts: packaged, or a region's file.

    Args:
        path: a region's replacement or override file (see the module docstring), or
            ``None`` for the packaged data, which is read once and cached.

    Returns:
        The data.

    Raises:
        ProtocolError: naming the file, the scheme or band, and the field, if invalid.
    """
    return _LOAD(path)


_BAND_KEYS: Final = {
    "id",
    "from_months",
    "to_months",
    "anaemic_below",
    "mild_from",
    "moderate_from",
    "source",
    "evidence",
}
_NOTE_KEYS: Final = {"text", "source", "evidence"}


def _band(check: Checker, scheme_id: str, position: int, raw: object) -> HbBand:
    if not isinstance(raw, dict):
        check.fail("a band is a table", item=scheme_id, field=f"bands[{position}]")
    band_id = check.text(raw, "id", item=scheme_id, where=f"bands[{position}]")
    item = f"{scheme_id}.{band_id}"
    check.nest(("schemes", scheme_id), "bands", position, item)
    check.unknown(raw, _BAND_KEYS, item=item, where="bands")
    start = check.integer(raw, "from_months", item=item, where="bands", minimum=0)
    end = check.integer(raw, "to_months", item=item, where="bands", minimum=start + 1)
    cut = check.number(raw, "anaemic_below", item=item, where="bands")
    if not HB_MIN_G_L < cut <= HB_MAX_G_L:
        check.fail(
            f"a cut-off must lie in {HB_MIN_G_L:g}–{HB_MAX_G_L:g} g/L",
            item=item,
            field="bands.anaemic_below",
        )
    mild = moderate = None
    if ("mild_from" in raw) != ("moderate_from" in raw):
        check.fail(
            "give both mild_from and moderate_from, or neither",
            item=item,
            field="bands.mild_from" if "mild_from" not in raw else "bands.moderate_from",
        )
    if "mild_from" in raw:
        mild = check.number(raw, "mild_from", item=item, where="bands")
        moderate = check.number(raw, "moderate_from", item=item, where="bands")
        if not 0 < moderate < mild < cut:
            check.fail(
                "severity bands must satisfy 0 < moderate_from < mild_from < anaemic_below",
                item=item,
                field="bands.mild_from",
            )
    return HbBand(
        id=band_id,
        from_months=start,
        to_months=end,
        anaemic_below=cut,
        mild_from=mild,
        moderate_from=moderate,
        source=check.source(raw, item=item, where="bands"),
        evidence=check.evidence(raw, item=item, where="bands"),
    )


def _weeks(check: Checker, value: Any) -> Any:
    """A number of weeks, or a reference to a protocol rule's offset in whole weeks."""
    if not isinstance(value, Mapping):
        return value
    field = "follow_up.recheck.recheck_weeks"
    days = check.rule_days(value, item=None, field=field)
    if days % 7:
        check.fail(f"refers to {days} days, not whole weeks", field=field, value=value)
    return days // 7


def _build(file: str, document: dict[str, Any]) -> AnaemiaData:
    check = Checker(file)
    header = check.header(document, extra={"default_scheme"})
    check.unknown(
        document, {"instrument", "sources", "schemes", "notes", "follow_up"}, item=None, where=""
    )
    schemes: list[AnaemiaScheme] = []
    for scheme_id, table in check.entries(document, "schemes", where=""):
        check.unknown(
            table, {"id", "title", "source", "evidence", "bands"}, item=scheme_id, where="schemes"
        )
        raw_bands = table.get("bands")
        if not isinstance(raw_bands, list) or not raw_bands:
            check.fail("a scheme needs its bands", item=scheme_id, field="schemes.bands")
        bands = [_band(check, scheme_id, n, raw) for n, raw in enumerate(raw_bands)]
        for before, after in itertools.pairwise(bands):
            # Overlapping bands would make the cut-off depend on their order.
            if after.from_months < before.to_months:
                check.fail(
                    f"band {after.id} starts before {before.id} ends: bands must be "
                    "in age order and not overlap",
                    item=f"{scheme_id}.{after.id}",
                    field="bands.from_months",
                )
        if len({band.id for band in bands}) != len(bands):
            check.fail("duplicate band id", item=scheme_id, field="bands.id")
        schemes.append(
            AnaemiaScheme(
                id=scheme_id,
                title=check.text(table, "title", item=scheme_id, where="schemes"),
                bands=tuple(bands),
                source=check.source(table, item=scheme_id, where="schemes"),
                evidence=check.evidence(table, item=scheme_id, where="schemes"),
            )
        )
    default = check.text(document["instrument"], "default_scheme", item=None, where="instrument")
    if default not in {scheme.id for scheme in schemes}:
        check.fail(
            f"names no scheme of the file ({', '.join(s.id for s in schemes)})",
            field="instrument.default_scheme",
        )

    notes = check.table(document, "notes", item=None, where="")
    check.unknown(notes, {"under_6_months", "altitude"}, item=None, where="notes")
    note_tables = {}
    for key in ("under_6_months", "altitude"):
        note_tables[key] = check.table(notes, key, item=None, where="notes")
        check.unknown(note_tables[key], _NOTE_KEYS, item=None, where=f"notes.{key}")

    follow = check.table(document, "follow_up", item=None, where="")
    check.unknown(
        follow,
        {"recheck", "continue_iron", "refer", "improvement", "close"},
        item=None,
        where="follow_up",
    )
    recheck = check.table(follow, "recheck", item=None, where="follow_up")
    check.unknown(recheck, _NOTE_KEYS | {"recheck_weeks"}, item=None, where="follow_up.recheck")
    weeks = recheck.get("recheck_weeks")
    if isinstance(weeks, list):
        weeks = [_weeks(check, value) for value in weeks]
    if (
        not isinstance(weeks, list)
        or len(weeks) != 2
        or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in weeks)
        or weeks[0] > weeks[1]
    ):
        check.fail(
            f"[from, to] in whole weeks >= 1 is required, got {weeks!r}",
            field="follow_up.recheck.recheck_weeks",
        )
    continue_iron = check.table(follow, "continue_iron", item=None, where="follow_up")
    check.unknown(
        continue_iron,
        _NOTE_KEYS | {"months_after_normal"},
        item=None,
        where="follow_up.continue_iron",
    )
    refer = check.table(follow, "refer", item=None, where="follow_up")
    check.unknown(
        refer,
        _NOTE_KEYS | {"refer_if_severe", "no_improvement_after_months"},
        item=None,
        where="follow_up.refer",
    )
    improvement = check.table(follow, "improvement", item=None, where="follow_up")
    check.unknown(improvement, _NOTE_KEYS | {"rise_g_l"}, item=None, where="follow_up.improvement")
    rise = check.number(improvement, "rise_g_l", item=None, where="follow_up.improvement")
    if rise <= 0:
        check.fail(f"a rise in g/L above 0, got {rise:g}", field="follow_up.improvement.rise_g_l")
    close = check.table(follow, "close", item=None, where="follow_up")
    check.unknown(close, _NOTE_KEYS, item=None, where="follow_up.close")

    return AnaemiaData(
        header=header,
        default_scheme=default,
        schemes=tuple(schemes),
        under_6_months=check.rule_text(
            note_tables["under_6_months"], item=None, where="notes.under_6_months"
        ),
        altitude=check.rule_text(note_tables["altitude"], item=None, where="notes.altitude"),
        follow_up=FollowUp(
            recheck_weeks=Fact(
                value=(weeks[0], weeks[1]),
                source=check.source(recheck, item=None, where="follow_up.recheck"),
                evidence=check.evidence(recheck, item=None, where="follow_up.recheck"),
                text=check.text(recheck, "text", item=None, where="follow_up.recheck"),
            ),
            continue_iron_months=check.fact_int(
                continue_iron,
                "months_after_normal",
                where="follow_up.continue_iron",
                minimum=0,
            ),
            refer_if_severe=check.fact_bool(refer, "refer_if_severe", where="follow_up.refer"),
            refer_no_improvement_months=check.fact_int(
                refer, "no_improvement_after_months", where="follow_up.refer", minimum=1
            ),
            improvement_g_l=Fact(
                value=rise,
                source=check.source(improvement, item=None, where="follow_up.improvement"),
                evidence=check.evidence(improvement, item=None, where="follow_up.improvement"),
                text=check.text(improvement, "text", item=None, where="follow_up.improvement"),
            ),
            close=check.rule_text(close, item=None, where="follow_up.close"),
        ),
        sources=frozen_map(check.sources),
    )


_LOAD: Final = DataLoader(DATA_FILE, _build)


# --- classification ---------------------------------------------------------------------------


def classify_hb(
    hb_g_l: float,
    age_months: int,
    *,
    scheme: str | None = None,
    data: AnaemiaData | None = None,
) -> AnaemiaResult:
    """Whether an Hb value is anaemia for the child's age, and how severe.

    Cut-offs are compared strictly: under ``cn_2012`` at 12 months, 110 g/L is not anaemic
    and 109 is mild anaemia. Before 6 months the standard gives no cut-off, and none is
    invented: the result is "not assessed" (``assessed=False``), so a caller can tell
    "normal" from "no standard applies".

    Args:
        hb_g_l: haemoglobin in g/L, within the plausible range 30–220.
        age_months: completed months of age (chronological: the standards do not correct
            Hb cut-offs for prematurity).
        scheme: ``"cn_2012"`` (S4), ``"who_2024"``, or a region's scheme; ``None`` for the
            data's default scheme (``cn_2012`` in the packaged data).
        data: the cut-offs, or ``None`` for the packaged ones.

    Returns:
        The result, with the scheme and the cut-off used.

    Raises:
        ValidationError: if ``hb_g_l`` is not a finite number in 30–220 g/L, ``age_months``
            is not a whole number >= 0, or the scheme is unknown.
    """
    data = data or load_anaemia()
    if isinstance(hb_g_l, bool) or not isinstance(hb_g_l, int | float) or not math.isfinite(hb_g_l):
        raise ValidationError("hb_g_l", hb_g_l, "a finite number of g/L is required")
    if not HB_MIN_G_L <= hb_g_l <= HB_MAX_G_L:
        raise ValidationError(
            "hb_g_l", hb_g_l, f"outside the plausible range {HB_MIN_G_L:g}–{HB_MAX_G_L:g} g/L"
        )
    if isinstance(age_months, bool) or not isinstance(age_months, int) or age_months < 0:
        raise ValidationError("age_months", age_months, "a whole number of months >= 0")
    chosen = data.scheme(scheme if scheme is not None else data.default_scheme)
    band = chosen.band_for(age_months)
    if band is None:
        first = min(b.from_months for b in chosen.bands)
        reason = (
            data.under_6_months.text
            if age_months < first
            else f"{chosen.id} has no cut-off for {age_months} months"
        )
        return AnaemiaResult(
            instrument=data.header.label,
            scheme=chosen.id,
            hb_g_l=float(hb_g_l),
            age_months=age_months,
            assessed=False,
            anaemic=False,
            severity=None,
            threshold=None,
            band=None,
            reason=reason,
        )
    return AnaemiaResult(
        instrument=data.header.label,
        scheme=chosen.id,
        hb_g_l=float(hb_g_l),
        age_months=age_months,
        assessed=True,
        anaemic=hb_g_l < band.anaemic_below,
        severity=band.severity(hb_g_l),
        threshold=band.anaemic_below,
        band=band.id,
        reason=None,
    )


# --- documentation ----------------------------------------------------------------------------


def _months(months: int) -> str:
    return f"{months // 12} y" if months % 12 == 0 and months >= 24 else f"{months} mo"


def markdown(data: AnaemiaData | None = None) -> str:
    """A Markdown section describing the cut-offs and follow-up, generated from the data.

    Args:
        data: the data, or ``None`` for the packaged data.

    Returns:
        The section (a level-2 heading, what it measures, the cut-offs, follow-up, sources).
    """
    data = data or load_anaemia()
    lines = [
        f"## {data.header.title} (`{data.header.label}`)",
        "",
        "What it measures: whether a child's haemoglobin (Hb, g/L) is below the cut-off for",
        f"its age (anaemia), and how severe. Default scheme: `{data.default_scheme}`. "
        f"{data.under_6_months.text} ({data.under_6_months.evidence.value}).",
        "",
        "| scheme | age | anaemia | 轻度 | 中度 | 重度 | source | evidence |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scheme in data.schemes:
        for band in scheme.bands:
            if band.mild_from is None or band.moderate_from is None:
                mild = moderate = severe = "—"
            else:
                mild = f"{band.mild_from:g} ≤ Hb < {band.anaemic_below:g}"
                moderate = f"{band.moderate_from:g} ≤ Hb < {band.mild_from:g}"
                severe = f"Hb < {band.moderate_from:g}"
            lines.append(
                f"| `{scheme.id}` | {_months(band.from_months)} ≤ age < "
                f"{_months(band.to_months)} | Hb < {band.anaemic_below:g} | {mild} | "
                f"{moderate} | {severe} | {cell('; '.join(band.source))} | "
                f"{band.evidence.value} |"
            )
    follow = data.follow_up
    weeks = follow.recheck_weeks.value
    facts: list[tuple[str, str, tuple[str, ...], Evidence]] = [
        (
            follow.recheck_weeks.text,
            f"{weeks[0]}–{weeks[1]} weeks",
            follow.recheck_weeks.source,
            follow.recheck_weeks.evidence,
        ),
        (
            follow.continue_iron_months.text,
            f"{follow.continue_iron_months.value} months",
            follow.continue_iron_months.source,
            follow.continue_iron_months.evidence,
        ),
        (
            follow.refer_if_severe.text,
            f"severe: {'refer' if follow.refer_if_severe.value else 'no'}; no improvement after "
            f"{follow.refer_no_improvement_months.value} month(s): refer",
            follow.refer_if_severe.source,
            follow.refer_if_severe.evidence,
        ),
        (
            follow.improvement_g_l.text,
            f"Hb up by ≥ {follow.improvement_g_l.value:g} g/L",
            follow.improvement_g_l.source,
            follow.improvement_g_l.evidence,
        ),
        (follow.close.text, "—", follow.close.source, follow.close.evidence),
        (data.altitude.text, "not applied", data.altitude.source, data.altitude.evidence),
    ]
    lines += ["", "| follow-up | value | source | evidence |", "|---|---|---|---|"]
    for text, value, source, evidence in facts:
        lines.append(
            f"| {cell(text)} | {cell(value)} | {cell('; '.join(source))} | {evidence.value} |"
        )
    lines += ["", sources_line(data.sources), ""]
    return "\n".join(lines)
