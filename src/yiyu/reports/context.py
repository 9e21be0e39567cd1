"""From what yiyu recorded to what a form prints: pure, plain data, masked.

Each ``*_document`` function turns yiyu values (a :class:`~yiyu.ChildRecord`, a
:class:`~yiyu.Referral`, work-list items …) into a :class:`PrintDocument`: the template
to fill, a context of plain text, numbers, lists and dicts (plus the SVG charts), the
PDF's metadata and the JSON data embedded in it. Nothing here touches WeasyPrint, files
or the clock, so documents can be prepared in one process and rendered in another.

Identity and phone numbers are masked here (``330102********123X``, ``138****5678``),
in the context *and* in the embedded data, unless the caller passes
``show_full_ids=True``: a template, yiyu's or a host's, never sees the full number by
accident.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import pendulum

from yiyu.codec import to_data
from yiyu.dates import add_months, age_in_days, age_in_months
from yiyu.domain import Child, Daycare, Encounter, Referral
from yiyu.domain.masking import mask_phone, mask_resident_id
from yiyu.errors import ValidationError
from yiyu.instruments import daycare_review, wst423
from yiyu.instruments import growth as growth_z
from yiyu.instruments import rearing_risk as risk_form
from yiyu.instruments import warning_signs as signs_table
from yiyu.instruments.anaemia import AnaemiaResult
from yiyu.instruments.growth import DAYS_PER_MONTH, GrowthFinding, GrowthFlag, GrowthZ, Indicator
from yiyu.outcomes import ChildRecord, DaycareRecord, screening_column
from yiyu.protocol.model import GROWTH_REFERENCES
from yiyu.reports.charts import CHART_REFERENCES, ChartPoint, growth_chart
from yiyu.scheduling import AssessmentAge, Obligation, WorklistItem

__all__ = [
    "BANDS",
    "DATA_SCHEMA",
    "PrintDocument",
    "check_growth_references",
    "encounter_document",
    "rearing_risk_document",
    "referral_document",
    "worklist_document",
]

DATA_SCHEMA: Final = "yiyu.print/1"
"""The ``schema`` of the JSON embedded in every PDF (bumped when its shape changes)."""

BANDS: Final = {
    "newborn": ("新生儿家庭访视记录表", "child_visit_newborn.html"),
    "infant": ("1岁以内儿童健康检查记录表", "child_visit_infant.html"),
    "toddler": ("1～2岁儿童健康检查记录表", "child_visit_toddler.html"),
    "preschool": ("3～6岁儿童健康检查记录表", "child_visit_preschool.html"),
}
"""The child record forms of the 第三版 standard: band → (title, template)."""

DAYCARE_TITLE: Final = "托育机构健康指导记录"

# Physical examination items of each national form that yiyu does not record: printed as
# boxes for the doctor to tick by hand, in the forms' order.
EXAM_ITEMS: Final = {
    "newborn": (
        "面色", "黄疸部位", "前囟", "眼睛", "四肢活动度", "耳外观", "颈部包块", "鼻",
        "皮肤", "口腔", "肛门", "心肺听诊", "胸部", "腹部触诊", "外生殖器", "脊柱", "脐带",
    ),
    "infant": (
        "面色", "皮肤", "前囟", "颈部包块", "眼睛", "耳", "口腔", "胸部", "腹部", "脐部",
        "四肢", "可疑佝偻病症状", "可疑佝偻病体征", "肛门/外生殖器",
    ),
    "toddler": (
        "面色", "皮肤", "前囟", "眼睛", "耳", "出牙/龋齿", "胸部", "腹部", "四肢", "步态",
        "可疑佝偻病体征",
    ),
    "preschool": ("视力", "听力", "牙齿/龋齿", "胸部", "腹部", "其他"),
}  # fmt: skip

# Lines for values written by hand, per form.
HAND_LINES: Final = {
    "newborn": (("体温", "℃"), ("心率", "次/分"), ("呼吸频率", "次/分"), ("吃奶量", "ml/次")),
    "infant": (("户外活动", "小时/日"), ("服用维生素D", "IU/日")),
    "toddler": (("户外活动", "小时/日"), ("服用维生素D", "IU/日")),
    "preschool": (),
}

_FLAGS_ZH: Final = {
    GrowthFlag.WAZ_IMPLAUSIBLE: "年龄别体重 z 值超出可信范围（< −6 或 > +5），请复核测量",
    GrowthFlag.HAZ_IMPLAUSIBLE: "年龄别身长/身高 z 值超出可信范围（|z| > 6），请复核测量",
    GrowthFlag.WHZ_IMPLAUSIBLE: "身长/身高别体重 z 值超出可信范围（|z| > 5），请复核测量",
    GrowthFlag.BAZ_IMPLAUSIBLE: "年龄别BMI z 值超出可信范围（|z| > 5），请复核测量",
    GrowthFlag.HCZ_IMPLAUSIBLE: "年龄别头围 z 值超出可信范围（|z| > 5），请复核测量",
    GrowthFlag.STANDING_BEFORE_9_MONTHS: "9月龄前立位测量：未作0.7 cm校正，请复核",
    GrowthFlag.AGE_BEYOND_STANDARDS: "年龄超出 WHO 2006 标准（1856天），未计算 z 评分",
}
_INDEX_FINDINGS: Final = {
    "waz": (GrowthFinding.UNDERWEIGHT, GrowthFinding.SEVERE_UNDERWEIGHT),
    "haz": (GrowthFinding.STUNTING, GrowthFinding.SEVERE_STUNTING),
    "whz": (GrowthFinding.WASTING, GrowthFinding.SEVERE_WASTING),
}
_EXCESS_FINDINGS: Final = (GrowthFinding.OVERWEIGHT, GrowthFinding.OBESITY)
# The rows that judged 超重/肥胖 under a scheme's excess_index.
_EXCESS_ROWS: Final = {"whz": ("whz",), "baz": ("baz",), "either": ("whz", "baz")}
_SEVERITY_ZH: Final = {"mild": "轻度", "moderate": "中度", "severe": "重度", "high": "高"}

NATIONAL_TITLE: Final = "体格生长评价（WS/T 423—2022《7岁以下儿童生长标准》）"
"""The heading of the record's WS/T 423—2022 section."""


@attrs.frozen(kw_only=True, eq=True)
class PrintDocument:
    """A document ready to render: which template, with what, and the PDF's metadata.

    Plain data only, so it can be sent to a worker process and compared in tests.

    Attributes:
        kind: ``child_visit``, ``daycare_visit``, ``rearing_risk``, ``referral`` or
            ``worklist``.
        template: the template's file name.
        title: the PDF's title (the form's name and the subject).
        author: the PDF's author: the institution.
        day: the date the PDF carries as its creation and modification date (the
            visit's, the referral's or the work list's date: never the clock).
        township: the subject's 镇(街道), to bundle documents for printing.
        context: what the template is filled with.
        data: the JSON embedded in the PDF.
        attachment_name: the embedded file's name.
    """

    kind: str
    template: str
    title: str
    author: str
    day: pendulum.Date
    township: str | None
    context: Mapping[str, Any] = attrs.field(hash=False)
    data: bytes
    attachment_name: str

    @property
    def identifier(self) -> bytes:
        """The PDF's file identifier: a digest of everything printed, so the same
        document always gives the same bytes (32 hexadecimal characters)."""
        digest = hashlib.sha256()
        for part in (self.kind, self.template, self.title, self.author, self.day.isoformat()):
            digest.update(part.encode("utf-8") + b"\0")
        digest.update(_json(self.context) + b"\0" + self.data)
        return digest.hexdigest()[:32].encode("ascii")


def _json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def _attachment(kind: str, **fields: Any) -> bytes:
    return json.dumps(
        {"schema": DATA_SCHEMA, "document": kind, **fields},
        sort_keys=True,
        ensure_ascii=False,
        indent=1,
        default=str,
    ).encode("utf-8")


# --- small formatting helpers -----------------------------------------------------------------


def _z(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0.00"
    return f"{value:+.2f}".replace("-", "−")


def _num(value: float | None, decimals: int) -> str:
    return "—" if value is None else f"{value:.{decimals}f}"


def _age_text(birth: pendulum.Date, on: pendulum.Date) -> str:
    days = age_in_days(birth, on)
    if days < 0:
        return f"足月前{-days}天"
    months = age_in_months(birth, on)
    if months == 0:
        return f"{days}天"
    rest = (on - add_months(birth, months)).days
    if months < 24:
        return f"{months}月龄{rest}天" if rest else f"{months}月龄"
    return f"{months // 12}岁{months % 12}月" if months % 12 else f"{months // 12}岁"


def _child_data(child: Child, show_full_ids: bool) -> dict[str, Any]:
    data = to_data(child)
    if not show_full_ids and "resident_id" in data:
        data["resident_id"] = mask_resident_id(child.resident_id)
    if not show_full_ids and "guardian_phone" in data:
        data["guardian_phone"] = mask_phone(child.guardian_phone)
    return data


def _contact(guardian: str | None, phone: str | None, show_full_ids: bool) -> dict[str, str | None]:
    full = phone.strip() if phone and phone.strip() else None
    return {
        "guardian": guardian.strip() if guardian and guardian.strip() else None,
        "phone": full if show_full_ids else mask_phone(full),
    }


def _guardian_of(
    child: Child, guardian: str | None, phone: str | None
) -> tuple[str | None, str | None]:
    """The caller's guardian and phone, else the child's own (``Child.guardian_name``,
    ``guardian_phone``, from the registry): a record prints 家长姓名 and 联系电话 without
    the caller passing them."""
    return (
        guardian if guardian is not None else child.guardian_name,
        phone if phone is not None else child.guardian_phone,
    )


def _child_context(
    child: Child,
    *,
    guardian: str | None,
    phone: str | None,
    show_full_ids: bool,
) -> dict[str, Any]:
    ga = child.gestational_age
    return {
        "id": child.id,
        "name": child.name,
        "sex": child.sex.label_zh,
        "birth_date": child.birth_date.isoformat(),
        "resident_id": (
            child.resident_id if show_full_ids else mask_resident_id(child.resident_id)
        ),
        "township": child.township,
        "gestational_age": f"{ga.weeks}+{ga.days}周" if ga is not None else None,
        "birth_weight_g": child.birth_weight_g,
        "discharge_date": child.discharge_date.isoformat() if child.discharge_date else None,
        "categories": [category.kind.label_zh for category in child.categories],
        **_contact(*_guardian_of(child, guardian, phone), show_full_ids),
    }


def _check(subject: Child | Daycare, expected: type[Child] | type[Daycare], record_id: str) -> None:
    if not isinstance(subject, expected):
        raise ValidationError(
            "subject", getattr(subject, "id", subject), f"a {expected.__name__} is required"
        )
    if subject.id != record_id:
        raise ValidationError("subject", subject.id, f"the record is for {record_id}")


# --- child visits -----------------------------------------------------------------------------


def child_band(record: ChildRecord, child: Child) -> str:
    """Which national form a child's visit goes on: by the check, else by age.

    The forms are the checks': 满月, 3, 6 and 8 months go on the 1岁以内 form, 12, 18,
    24 and 30 months on the 1～2岁 form, and 3 years on on the 3～6岁 form, whenever in
    its window the check is done (a 12-month check on the day before the first birthday
    is still the 12-month check). So a scheduled visit is placed by the age its
    obligation is *due* at (the rule's nominal age: ``m12`` is due at 12 months), and only
    an unscheduled visit by the child's age on the day.
    """
    obligation = record.obligation
    if obligation is not None and obligation.rule == "newborn_home_visit":
        return "newborn"
    if obligation is None and record.age_days < 28:
        return "newborn"
    on = obligation.due if obligation is not None else record.encounter.on
    months = age_in_months(child.birth_date, on)
    if months < 12:
        return "infant"
    if months < 36:
        return "toddler"
    return "preschool"


def _measurement_rows(
    record: ChildRecord,
) -> list[dict[str, str]]:
    m = record.encounter.measurements
    z: GrowthZ | None = record.growth
    found = record.nutrition

    excess_rows = _EXCESS_ROWS[record.growth_thresholds.excess_index]

    def classification(index: str, value: float | None) -> str:
        # Each finding on the row of the z-score that judged it: 超重 by BMI-for-age under
        # the default scheme (2024) is printed beside the BAZ, not the WHZ.
        if value is None:
            return "—"
        judged = _INDEX_FINDINGS.get(index, ()) + (_EXCESS_FINDINGS if index in excess_rows else ())
        labels = [f.label_zh for f in judged if f in found]
        if labels:
            return "、".join(labels)
        return "正常" if judged else "—"

    height_word = "身高" if m.measured == "standing" else "身长"
    days = z.age_days if z is not None else record.age_days
    length_index = "年龄别身高" if days >= 731 else "年龄别身长"
    whz_label = (
        "身高别体重" if z is not None and z.whz_table is Indicator.WFH else f"{height_word}别体重"
    )
    rows = [
        {
            "label": "体重",
            "value": _num(m.weight_kg, 2),
            "unit": "kg",
            "index": "年龄别体重（WAZ）",
            "z": _z(z.waz if z else None),
            "result": classification("waz", z.waz if z else None),
        },
        {
            "label": f"{height_word}（{'立位' if m.measured == 'standing' else '卧位'}）",
            "value": _num(m.length_cm, 1),
            "unit": "cm",
            "index": f"{length_index}（HAZ）",
            "z": _z(z.haz if z else None),
            "result": classification("haz", z.haz if z else None),
        },
        {
            "label": f"体重/{height_word}",
            "value": "",
            "unit": "",
            "index": f"{whz_label}（WHZ）",
            "z": _z(z.whz if z else None),
            "result": classification("whz", z.whz if z else None),
        },
        {
            "label": "BMI",
            "value": _num(z.bmi if z else None, 1),
            "unit": "kg/m²",
            "index": "年龄别BMI（BAZ）",
            "z": _z(z.baz if z else None),
            "result": classification("baz", z.baz if z else None),
        },
        {
            "label": "头围",
            "value": _num(m.head_cm, 1),
            "unit": "cm",
            "index": "年龄别头围（HCZ）",
            "z": _z(z.hcz if z else None),
            # No standard of yiyu's classifies head circumference: the z-score only.
            "result": "—",
        },
    ]
    return rows


def _growth_references(value: Sequence[str] | None, default: str) -> tuple[str, ...]:
    """The growth references whose sections a child's record prints, in order."""
    if value is None:
        return (default,)
    return check_growth_references(value)


def check_growth_references(value: Sequence[str]) -> tuple[str, ...]:
    """Validate a host's choice of growth sections: known references, in order, once each.

    Raises:
        ValidationError: naming ``growth_references``, for a bare string, an unknown
            reference or an empty choice.
    """
    field = "growth_references"
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError(
            field,
            value,
            f"a sequence of references, e.g. ({', '.join(map(repr, GROWTH_REFERENCES))})",
        )
    chosen: list[str] = []
    for item in value:
        if item not in GROWTH_REFERENCES:
            raise ValidationError(field, item, f"one of {', '.join(GROWTH_REFERENCES)}")
        if item not in chosen:
            chosen.append(item)
    if not chosen:
        raise ValidationError(field, value, "at least one reference")
    return tuple(chosen)


def _national_row(
    index: str,
    value: str,
    item: wst423.IndicatorEvaluation | None,
    missing: str,
) -> dict[str, Any]:
    if item is None:
        return {
            "index": index, "value": value, "percentile": "—", "sd": "—", "status": "—",
            "abnormal": False, "position": "—", "rows": missing,
        }  # fmt: skip
    return {
        "index": index,
        "value": value,
        "percentile": item.grade_percentile.value,
        "sd": item.grade_sd.value,
        "status": item.status.label if item.status is not None else "—",
        "abnormal": item.status is not None,
        "position": _z(item.sd_position),
        "rows": item.rows_label,
    }


def _national_section(record: ChildRecord) -> dict[str, Any]:
    """The WS/T 423—2022 section: one row per indicator the visit measured (表1 and 表2
    grades, 表3 status, the SD position interpolated between the printed SD values, the
    rows read), in the standard's order."""
    m = record.encounter.measurements
    evaluation = record.evaluation
    method = evaluation.method if evaluation is not None else wst423.load_ws_t_423().method
    months = evaluation.age_months if evaluation is not None else record.age.days / DAYS_PER_MONTH
    height = months >= method.height_from_months
    word = "身高" if height else "身长"

    def get(key: str) -> wst423.IndicatorEvaluation | None:
        return evaluation.get(key) if evaluation is not None else None

    evaluated = evaluation is not None and not evaluation.beyond_age
    length = evaluation.length_cm if evaluation is not None else m.length_cm
    # Each row says why a measured indicator was not graded; a reason that holds for the
    # whole visit (7 or older, before term) is a note instead.
    rows: list[dict[str, Any]] = []
    if m.weight_kg is not None:
        rows.append(
            _national_row("年龄别体重", f"{m.weight_kg:.2f} kg", get("wfa"), "不在表列年龄内")
        )
    if m.length_cm is not None:
        shown = length if length is not None else m.length_cm
        rows.append(
            _national_row(f"年龄别{word}", f"{shown:.1f} cm", get("lhfa"), "不在表列年龄内")
        )
    if m.weight_kg is not None and m.length_cm is not None:
        table = Indicator.WFH if height else Indicator.WFL
        printed = wst423.table_rows(table, record.child.sex, "B")
        measured = length if length is not None else m.length_cm
        span = f"表列{word} {printed[0][0]}～{printed[-1][0]} cm，{measured:.1f} cm 不在其内"
        rows.append(_national_row(f"{word}别体重", f"{m.weight_kg:.2f} kg", get("wlh"), span))
        bmi = evaluation.bmi if evaluation is not None else None
        rows.append(
            _national_row(
                "年龄别BMI",
                f"{bmi:.1f} kg/m²" if bmi is not None else "—",
                get("bfa"),
                "不在表列年龄内",
            )
        )
    if m.head_cm is not None:
        until = "表列头围至3岁，不评价" if months >= method.head_until_months else "不在表列年龄内"
        rows.append(_national_row("年龄别头围", f"{m.head_cm:.1f} cm", get("hcfa"), until))
    if not evaluated:
        for row in rows:
            row["rows"] = "—"

    notes: list[str] = []
    if evaluation is not None and evaluation.beyond_age:
        notes.append("WS/T 423—2022 适用于7岁以下儿童：本次已满7岁，未按该标准评价。")
    elif evaluation is None and rows:
        notes.append("未到预产期（矫正年龄不足0天），未按 WS/T 423—2022 评价。")
    if (
        evaluated
        and m.length_cm is not None
        and length is not None
        and abs(length - m.length_cm) > 1e-9
    ):
        lying = m.measured == "recumbent"
        notes.append(
            f"{'卧位' if lying else '立位'}测量 {m.length_cm:.1f} cm："
            f"{'减' if lying else '加'} {method.lying_standing_cm:g} cm（卧位与立位之差），"
            f"按{word} {length:.1f} cm 查表。"
        )
    return {
        "title": NATIONAL_TITLE,
        "rows": rows,
        "evaluated": evaluated,
        "notes": notes,
        "standard": evaluation.standard if evaluation is not None else None,
        "interpolated": method.position == "interpolate",
    }


def _evaluation_data(evaluation: wst423.GrowthEvaluation | None) -> dict[str, Any] | None:
    """WS/T 423—2022's evaluation for the embedded data: what was printed, and from where."""
    if evaluation is None:
        return None
    return {
        "reference": evaluation.reference,
        "standard": evaluation.standard,
        "age_months": round(evaluation.age_months, 2),
        "length_cm": evaluation.length_cm,
        "bmi": evaluation.bmi,
        "beyond_age": evaluation.beyond_age,
        "position": evaluation.method.position,
        "indicators": [
            {
                "indicator": item.indicator.value,
                "value": item.value,
                "grade_percentile": item.grade_percentile.value,
                "grade_sd": item.grade_sd.value,
                "status": item.status.id if item.status is not None else None,
                "status_label": item.status.label if item.status is not None else None,
                "sd_position": item.sd_position,
                "rows": item.rows_label,
            }
            for item in evaluation.indicators
        ],
    }


def _anaemia_text(result: AnaemiaResult | None) -> str:
    if result is None:
        return "—"
    if not result.assessed:
        return f"未判定（{result.reason}）" if result.reason else "未判定"
    if not result.anaemic:
        return "正常"
    severity = result.severity.value if result.severity is not None else None
    degree = _SEVERITY_ZH.get(severity or "", "")
    return f"{degree}贫血" if degree else "贫血"


def _tests(record: ChildRecord) -> list[dict[str, Any]]:
    obligation = record.obligation
    hb = record.encounter.measurements.hb_g_l
    anaemic = bool(record.anaemia is not None and record.anaemia.anaemic)
    rows: list[dict[str, Any]] = []
    hb_shown = False
    for name in obligation.tests if obligation is not None else ():
        if "血" in name and not hb_shown and hb is not None:
            hb_shown = True
            rows.append(
                {
                    "name": name,
                    "value": f"血红蛋白 {hb:g} g/L",
                    "result": _anaemia_text(record.anaemia),
                    "abnormal": anaemic,
                }
            )
        else:
            rows.append({"name": name, "value": None, "result": None, "abnormal": False})
    if hb is not None and not hb_shown:
        rows.insert(
            0,
            {
                "name": "血红蛋白",
                "value": f"{hb:g} g/L",
                "result": _anaemia_text(record.anaemia),
                "abnormal": anaemic,
            },
        )
    return rows


def _warning_signs(record: ChildRecord) -> dict[str, Any] | None:
    encounter = record.encounter
    result = record.warning_signs
    column_id = result.column_id if result is not None else encounter.warning_sign_column
    if column_id is None:
        # Not screened yet (a form to tick by hand): the column yiyu.record would use.
        found = screening_column(record.age, record.obligation)
        column_id = found.id if found is not None else None
    if column_id is None:
        return None
    column = signs_table.load_warning_signs().column(column_id)
    items = []
    for item in column.items:
        answer = encounter.warning_signs.get(item.id)
        items.append(
            {
                "number": item.number,
                "text": item.text,
                "area": item.area.label_zh,
                "answer": None if answer is None else ("有" if answer else "无"),
                "positive": bool(answer),
            }
        )
    if result is None:
        summary = "未筛查"
    elif result.positive:
        summary = "阳性：转诊"
    else:
        summary = "阴性"
    return {
        "column": column.label_zh,
        "by_corrected_age": record.age.corrected and encounter.warning_sign_column is None,
        "items": items,
        "summary": summary,
        "positive": bool(result and result.positive),
        "regression": (
            None if encounter.regression is None else ("有" if encounter.regression else "无")
        ),
        "refer_to": result.refer_to if result is not None else None,
        "within_days": result.referral_within_days if result is not None else None,
    }


def _chart_points(
    child: Child,
    age: AssessmentAge,
    encounters: Iterable[Encounter],
    current: Encounter,
    reference: str,
    method: wst423.EvaluationMethod | None,
) -> dict[Indicator, list[ChartPoint]]:
    points: dict[Indicator, list[ChartPoint]] = {Indicator.WFA: [], Indicator.LHFA: []}
    seen: set[str] = set()
    for encounter in (*encounters, current):
        if encounter.id in seen or encounter.subject_id != child.id:
            continue
        seen.add(encounter.id)
        m = encounter.measurements
        days = age.at(encounter.on).days  # the record's rule: yiyu.assessment_age
        if days < 0 or (m.weight_kg is None and m.length_cm is None):
            continue
        is_current = encounter is current
        if reference == wst423.REFERENCE:
            # The length after the standard's lying/standing conversion, as evaluated.
            national = wst423.evaluate(
                child.sex,
                age_days=days,
                weight_kg=m.weight_kg,
                length_cm=m.length_cm,
                measured=m.measured,
                method=method,
            )
            if m.weight_kg is not None:
                points[Indicator.WFA].append(
                    ChartPoint(age_days=days, value=m.weight_kg, current=is_current)
                )
            if national.length_cm is not None:
                points[Indicator.LHFA].append(
                    ChartPoint(age_days=days, value=national.length_cm, current=is_current)
                )
            continue
        z = growth_z.zscores(
            child.sex.value,
            days,
            weight_kg=m.weight_kg,
            length_cm=m.length_cm,
            measured=m.measured,
        )
        if m.weight_kg is not None:
            points[Indicator.WFA].append(
                ChartPoint(age_days=z.age_days, value=m.weight_kg, current=is_current)
            )
        if z.corrected_length_cm is not None:
            points[Indicator.LHFA].append(
                ChartPoint(age_days=z.age_days, value=z.corrected_length_cm, current=is_current)
            )
    return points


def _charts(
    child: Child,
    age: AssessmentAge,
    earlier: Sequence[Encounter],
    current: Encounter,
    reference: str,
    method: wst423.EvaluationMethod | None,
) -> list[str]:
    """The weight and length charts with ``reference``'s curves, for the ages they span."""
    points = _chart_points(child, age, earlier, current, reference, method)
    charts: list[str] = []
    for indicator, shown in points.items():
        if reference == wst423.REFERENCE:
            last_day = wst423.table_rows(indicator, child.sex)[-1][0] * DAYS_PER_MONTH
        else:
            last_day = growth_z.MAX_AGE_DAYS
        if any(p.age_days <= last_day for p in shown):
            charts.append(
                growth_chart(
                    indicator,
                    child.sex,
                    shown,
                    sex_label=child.sex.label_zh,
                    reference=reference,
                )
            )
    return charts


def _follow_ups(obligations: Iterable[Obligation]) -> list[dict[str, Any]]:
    """New follow-ups, one line per kind: its name and the due dates in order."""
    by_name: dict[str, list[Obligation]] = {}
    for ob in sorted(obligations, key=lambda ob: (ob.due, ob.key)):
        by_name.setdefault(ob.name, []).append(ob)
    return [
        {
            "name": name,
            "dues": [ob.due.isoformat() for ob in obs],
            "first_window": f"{obs[0].opens}～{obs[0].closes}",
        }
        for name, obs in by_name.items()
    ]


def _visit_context(
    record: ChildRecord | DaycareRecord, institution: str, doctor: str | None
) -> dict[str, Any]:
    encounter = record.encounter
    obligation = record.obligation
    return {
        "id": encounter.id,
        "on": encounter.on.isoformat(),
        "name": obligation.name if obligation is not None else "非计划随访",
        "key": obligation.key if obligation is not None else None,
        "in_window": (
            None if record.in_window is None else ("是" if record.in_window else "否（窗口外）")
        ),
        "window": (f"{obligation.opens}～{obligation.closes}" if obligation is not None else None),
        "contents": list(obligation.contents) if obligation is not None else [],
        "role": encounter.role.label_zh,
        "doctor": doctor or encounter.performer,
        "institution": institution,
        "guidance": encounter.guidance,
        "notes": encounter.notes,
    }


def _next_visit(
    next_visit: pendulum.Date | None, follow_ups: Iterable[Obligation], on: pendulum.Date
) -> str | None:
    if next_visit is not None:
        return next_visit.isoformat()
    later = sorted(ob.due for ob in follow_ups if ob.due > on)
    return later[0].isoformat() if later else None


_CASE_BASIS: Final = {
    "who_2006": "营养性疾病专案按 WHO 2006 标准 z 评分判定（《儿童营养性疾病管理技术规范》）",
    "ws_t_423_2022": "营养性疾病专案按 WS/T 423—2022 表3 判定",
}


def _case_basis(record: ChildRecord, printed: Sequence[str]) -> str | None:
    """Which reference judged the findings, when the record prints another one's evaluation:
    the evaluation may say 肥胖 by one reference while the finding says 超重 by the other."""
    if record.growth is None or record.case_reference in printed[:1]:
        return None
    return _CASE_BASIS[record.case_reference]


def encounter_document(
    record: ChildRecord | DaycareRecord,
    subject: Child | Daycare,
    *,
    institution: str,
    doctor: str | None = None,
    next_visit: pendulum.Date | None = None,
    guardian: str | None = None,
    phone: str | None = None,
    earlier: Sequence[Encounter] = (),
    show_full_ids: bool = False,
    growth_references: Sequence[str] | None = None,
) -> PrintDocument:
    """The visit record form of a child's or a daycare's visit.

    A child's visit goes on the national form for its age band (新生儿家庭访视记录表, or
    the 儿童健康检查记录表 for under 1, 1–2 or 3–6 years); a daycare's on the
    托育机构健康指导记录.

    A child's growth is printed by the reference the protocol chooses
    (``record.evaluation_reference``): WS/T 423—2022's grades by percentile (表1) and by
    SD (表2) and nutrition status (表3), or WHO 2006 z-scores with their classification;
    the growth charts draw the same reference's curves.

    Args:
        record: what :func:`yiyu.record` returned for the visit.
        subject: the child or daycare (as stored: its name, identity number, township).
        institution: the institution that did the visit (printed, and the PDF's author).
        doctor: the name printed for the doctor; ``None``: the encounter's performer.
        next_visit: the next visit's date; ``None``: the earliest new follow-up after the
            visit, if any, else a line to write it in.
        guardian, phone: the parent's (or the daycare contact's) name and phone number;
            ``None``: for a child, its own ``guardian_name`` and ``guardian_phone``. The
            phone is printed masked (``138****5678``) unless ``show_full_ids``.
        earlier: the child's earlier encounters, to plot on the growth charts.
        show_full_ids: print identity and phone numbers in full (masked by default).
        growth_references: the growth sections to print, in order: ``"ws_t_423_2022"``,
            ``"who_2006"`` or both side by side (``("ws_t_423_2022", "who_2006")``); the
            charts are drawn with the first. ``None``: the protocol's choice. Ignored for
            a daycare.

    Returns:
        The document.

    Raises:
        ValidationError: if ``subject`` is not the record's subject, or
            ``growth_references`` names a reference yiyu does not carry (or none).
    """
    references = _growth_references(
        growth_references,
        record.evaluation_reference if isinstance(record, ChildRecord) else wst423.REFERENCE,
    )
    if isinstance(record, DaycareRecord):
        _check(subject, Daycare, record.daycare.id)
        assert isinstance(subject, Daycare)
        return _daycare_document(
            record,
            subject,
            institution=institution,
            doctor=doctor,
            next_visit=next_visit,
            guardian=guardian,
            phone=phone,
            show_full_ids=show_full_ids,
        )
    _check(subject, Child, record.child.id)
    assert isinstance(subject, Child)
    child = subject
    encounter = record.encounter
    band = child_band(record, child)
    form_title, template = BANDS[band]
    growth = record.growth
    context: dict[str, Any] = {
        "form": {"title": form_title, "band": band},
        "child": _child_context(child, guardian=guardian, phone=phone, show_full_ids=show_full_ids),
        "visit": _visit_context(record, institution, doctor),
        "age": _age_text(child.birth_date, encounter.on),
        "corrected_age": (
            _age_text(record.age.basis, encounter.on) if record.age.corrected else None
        ),
        "growth_references": list(references),
        "measurements": _measurement_rows(record),
        "flags": sorted(_FLAGS_ZH[flag] for flag in (growth.flags if growth else ())),
        "national": _national_section(record),
        "exam_items": list(EXAM_ITEMS[band]),
        "hand_lines": [{"label": label, "unit": unit} for label, unit in HAND_LINES[band]],
        "tests": _tests(record),
        "warning_signs": _warning_signs(record),
        "findings": [
            {
                "label": finding.label_zh,
                "severity": _SEVERITY_ZH.get(finding.severity or "", finding.severity),
                "detail": finding.detail,
            }
            for finding in record.findings
        ],
        "case_basis": _case_basis(record, references),
        "cases_opened": [case.condition.label_zh for case in record.opened_cases],
        "cases_closed": [case.condition.label_zh for case in record.closed_cases],
        "referrals": [
            {"kind": r.kind.label_zh, "reason": r.reason, "to": r.to}
            for r in record.opened_referrals
        ],
        "follow_ups": _follow_ups(record.follow_ups),
        "next_visit": _next_visit(next_visit, record.follow_ups, encounter.on),
        "charts": _charts(
            child,
            record.age,
            earlier,
            encounter,
            references[0],
            record.evaluation.method if record.evaluation is not None else None,
        ),
        "chart_reference": {"id": references[0], "label": CHART_REFERENCES[references[0]]},
    }
    data = _attachment(
        "child_visit",
        form=form_title,
        institution=institution,
        subject=_child_data(child, show_full_ids),
        contact=_contact(*_guardian_of(child, guardian, phone), show_full_ids),
        encounter=to_data(encounter),
        obligation=record.obligation.key if record.obligation else None,
        growth=to_data(growth) if growth is not None else None,
        evaluation=_evaluation_data(record.evaluation),
        growth_references=list(references),
        evaluation_reference=record.evaluation_reference,
        case_reference=record.case_reference,
        nutrition=sorted(f.value for f in record.nutrition),
        anaemia=to_data(record.anaemia) if record.anaemia is not None else None,
        warning_signs=to_data(record.warning_signs) if record.warning_signs else None,
        findings=[to_data(f) for f in record.findings],
        opened_cases=[case.id for case in record.opened_cases],
        closed_cases=[case.id for case in record.closed_cases],
        opened_referrals=[r.id for r in record.opened_referrals],
        follow_ups=[ob.key for ob in record.follow_ups],
    )
    return PrintDocument(
        kind="child_visit",
        template=template,
        title=f"{form_title}：{child.name}（{encounter.on.isoformat()}）",
        author=institution,
        day=encounter.on,
        township=child.township,
        context=context,
        data=data,
        attachment_name=f"{encounter.id}.json",
    )


# --- daycare visits ---------------------------------------------------------------------------


def _daycare_document(
    record: DaycareRecord,
    daycare: Daycare,
    *,
    institution: str,
    doctor: str | None,
    next_visit: pendulum.Date | None,
    guardian: str | None,
    phone: str | None,
    show_full_ids: bool,
) -> PrintDocument:
    encounter = record.encounter
    checklist = daycare_review.load_review()
    deadline_days = checklist.correction_within_days.value
    answers = {
        item_id: daycare_review.ReviewAnswer.parse(answer, field=f"review_answers[{item_id!r}]")
        for item_id, answer in encounter.review_answers.items()
    }
    items = [
        {
            "number": item.number,
            "text": item.text,
            "answer": answers[item.id].label_zh,
            "failed": answers[item.id] is daycare_review.ReviewAnswer.FAIL,
            "note": encounter.review_notes.get(item.id),
        }
        for item in checklist.items
        if item.id in answers
    ]
    context: dict[str, Any] = {
        "form": {"title": DAYCARE_TITLE, "band": "daycare"},
        "daycare": {
            "id": daycare.id,
            "name": daycare.name,
            "township": daycare.township,
            "capacity": daycare.capacity,
            "health_instructor": daycare.health_instructor,
            **_contact(guardian, phone, show_full_ids),
        },
        "visit": _visit_context(record, institution, doctor),
        "review": {
            "complete": record.review is not None,
            "items": items,
            "passed": sum(1 for a in answers.values() if a is daycare_review.ReviewAnswer.PASS),
            "failed": sum(1 for a in answers.values() if a is daycare_review.ReviewAnswer.FAIL),
            "not_applicable": sum(
                1 for a in answers.values() if a is daycare_review.ReviewAnswer.NOT_APPLICABLE
            ),
            "instrument": checklist.header.title,
        },
        "corrections_opened": [
            {
                "text": daycare_review.item_text(c.item),
                "note": c.note,
                "deadline": c.opened_on.add(days=deadline_days).isoformat(),
            }
            for c in record.opened_corrections
        ],
        "corrections_closed": [
            {"text": daycare_review.item_text(c.item), "opened_on": c.opened_on.isoformat()}
            for c in record.closed_corrections
        ],
        "lecture": encounter.lecture,
        "follow_ups": _follow_ups(record.follow_ups),
        "next_visit": _next_visit(next_visit, record.follow_ups, encounter.on),
    }
    data = _attachment(
        "daycare_visit",
        form=DAYCARE_TITLE,
        institution=institution,
        subject=to_data(daycare),
        contact=_contact(guardian, phone, show_full_ids),
        encounter=to_data(encounter),
        obligation=record.obligation.key if record.obligation else None,
        review=to_data(record.review) if record.review is not None else None,
        findings=[to_data(f) for f in record.findings],
        opened_corrections=[c.id for c in record.opened_corrections],
        closed_corrections=[c.id for c in record.closed_corrections],
        follow_ups=[ob.key for ob in record.follow_ups],
    )
    return PrintDocument(
        kind="daycare_visit",
        template="daycare_visit.html",
        title=f"{DAYCARE_TITLE}：{daycare.name}（{encounter.on.isoformat()}）",
        author=institution,
        day=encounter.on,
        township=daycare.township,
        context=context,
        data=data,
        attachment_name=f"{encounter.id}.json",
    )


# --- rearing risk -----------------------------------------------------------------------------


def rearing_risk_document(
    record: ChildRecord,
    subject: Child,
    *,
    institution: str,
    doctor: str | None = None,
    guardian: str | None = None,
    phone: str | None = None,
    form: risk_form.RiskForm | None = None,
    show_full_ids: bool = False,
) -> PrintDocument:
    """The 养育风险评估记录 of a visit that assessed the rearing risk.

    Args:
        record: a child's record whose encounter has ``risk_answers``.
        subject: the child.
        institution, doctor, guardian, phone, show_full_ids: as for
            :func:`encounter_document`.
        form: the region's form the answers were given on; ``None``: yiyu's default.

    Raises:
        ValidationError: if the record has no assessment or is not the child's.
    """
    _check(subject, Child, record.child.id)
    assessment = record.rearing_risk
    if assessment is None:
        raise ValidationError("record", record.encounter.id, "the visit assessed no rearing risk")
    chosen = form or risk_form.load_form()
    labels = chosen.scale_labels
    domains = []
    for domain in chosen.domains:
        domains.append(
            {
                "name": domain.name_zh,
                "score": assessment.domain_scores.get(domain.id, 0),
                "max": risk_form.MAX_SCORE
                * sum(1 for item in chosen.items if item.domain == domain.id),
                "items": [
                    {
                        "text": item.text,
                        "score": assessment.scores.get(item.id),
                        "label": labels[assessment.scores[item.id]]
                        if item.id in assessment.scores
                        else "未答",
                    }
                    for item in chosen.items
                    if item.domain == domain.id
                ],
            }
        )
    encounter = record.encounter
    title = "养育风险评估记录"
    context: dict[str, Any] = {
        "form": {"title": title, "band": "rearing_risk", "name": chosen.header.title},
        "child": _child_context(
            subject, guardian=guardian, phone=phone, show_full_ids=show_full_ids
        ),
        "visit": _visit_context(record, institution, doctor),
        "age": _age_text(subject.birth_date, encounter.on),
        "scale": {"labels": list(labels), "text": chosen.scale.text},
        "domains": domains,
        "total": assessment.total,
        "max_total": chosen.max_total,
        "level": assessment.level.label_zh,
        "high": assessment.level is risk_form.RiskLevel.HIGH,
        "rule": assessment.rule.text,
        "form_label": f"{assessment.form_id}@{assessment.form_version}",
        "follow_ups": _follow_ups(record.follow_ups),
    }
    data = _attachment(
        "rearing_risk",
        form=chosen.header.title,
        institution=institution,
        subject=_child_data(subject, show_full_ids),
        contact=_contact(*_guardian_of(subject, guardian, phone), show_full_ids),
        encounter=to_data(encounter),
        assessment=to_data(assessment),
    )
    return PrintDocument(
        kind="rearing_risk",
        template="rearing_risk.html",
        title=f"{title}：{subject.name}（{encounter.on.isoformat()}）",
        author=institution,
        day=encounter.on,
        township=subject.township,
        context=context,
        data=data,
        attachment_name=f"{encounter.id}-rearing-risk.json",
    )


# --- referral slips ---------------------------------------------------------------------------


def referral_document(
    referral: Referral,
    subject: Child,
    *,
    institution: str,
    record: ChildRecord | None = None,
    to: str | None = None,
    doctor: str | None = None,
    doctor_phone: str | None = None,
    guardian: str | None = None,
    phone: str | None = None,
    show_full_ids: bool = False,
) -> PrintDocument:
    """The 转诊单 for a referral, with a receipt (回执) for the receiving institution.

    Args:
        referral: the referral (from ``record.opened_referrals`` or the child's).
        subject: the child.
        institution: the referring institution.
        record: the visit that opened it, to print the positive screen's details.
        to: where the child is referred; ``None``: the referral's ``to``, else where the
            warning-sign data sends an autism re-screen, else a line to write it in.
        doctor, doctor_phone: the referring doctor and a number to call back (printed
            in full: it is the institution's, not the family's).
        guardian, phone, show_full_ids: as for :func:`encounter_document`.

    Raises:
        ValidationError: if the referral or record is not the child's.
    """
    _check(subject, Child, subject.id)
    if record is not None:
        _check(subject, Child, record.child.id)
    screen = _warning_signs(record) if record is not None else None
    destination = to or referral.to
    if destination is None and record is not None and record.warning_signs is not None:
        destination = record.warning_signs.refer_to
    deadline = None
    if record is not None and record.warning_signs and record.warning_signs.referral_within_days:
        deadline = referral.opened_on.add(days=record.warning_signs.referral_within_days)
    title = "儿童转诊单"
    findings = [
        {"label": f.label_zh, "detail": f.detail} for f in (record.findings if record else ())
    ]
    context: dict[str, Any] = {
        "form": {"title": title, "band": "referral"},
        "child": _child_context(
            subject, guardian=guardian, phone=phone, show_full_ids=show_full_ids
        ),
        "age": _age_text(subject.birth_date, referral.opened_on),
        "referral": {
            "id": referral.id,
            "kind": referral.kind.label_zh,
            "reason": referral.reason,
            "on": referral.opened_on.isoformat(),
            "to": destination,
            "deadline": deadline.isoformat() if deadline else None,
        },
        "findings": findings,
        "screen": screen if screen is not None and screen["positive"] else None,
        "institution": institution,
        "doctor": doctor or (record.encounter.performer if record else None),
        "doctor_phone": doctor_phone,
    }
    data = _attachment(
        "referral",
        institution=institution,
        subject=_child_data(subject, show_full_ids),
        contact=_contact(*_guardian_of(subject, guardian, phone), show_full_ids),
        referral=to_data(referral),
        to=destination,
        encounter=record.encounter.id if record is not None else None,
    )
    return PrintDocument(
        kind="referral",
        template="referral.html",
        title=f"{title}：{subject.name}（{referral.opened_on.isoformat()}）",
        author=institution,
        day=referral.opened_on,
        township=subject.township,
        context=context,
        data=data,
        attachment_name=f"referral-{referral.kind.value}-{referral.opened_on}.json",
    )


# --- work lists -------------------------------------------------------------------------------


def _worklist_legend(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """What each service of a list asks, once: ``[{"mark", "name", "contents", "count"}]``.

    A township's day is dozens of the same few checks; printing each one's contents on
    every line made 67 lines take 12 pages. The lines carry the service's name and its
    legend mark (``row["legend"]``, set here); the contents are printed once beneath. Two
    services of one name whose contents differ (a variant, another protocol version) get
    marks of their own.
    """
    legend: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = legend.setdefault(
            (row["name"], row["contents"]),
            {"mark": str(len(legend) + 1), "name": row["name"], "contents": row["contents"],
             "count": 0},
        )  # fmt: skip
        entry["count"] += 1
        row["legend"] = entry["mark"]
    return list(legend.values())


def worklist_document(
    items: Sequence[WorklistItem],
    *,
    title: str,
    as_of: pendulum.Date,
    institution: str | None = None,
    township: str | None = None,
) -> PrintDocument:
    """A printable work list: what is overdue and due on ``as_of``, with boxes to tick.

    Args:
        items: from :func:`yiyu.jobs.worklist` (in its order: overdue first).
        title: what the list is, e.g. ``"城东街道 2026年3月2日 工作清单"``.
        as_of: the list's date.
        institution: printed under the title and as the PDF's author.
        township: the township the list is for, if one (for bundling).
    """
    rows = [item.as_row() for item in items]
    legend = _worklist_legend(rows)
    overdue = sum(1 for row in rows if row["status"] == "overdue")
    context: dict[str, Any] = {
        "form": {"title": title, "band": "worklist"},
        "as_of": as_of.isoformat(),
        "institution": institution,
        "rows": rows,
        "legend": legend,
        "overdue": overdue,
        "due": len(rows) - overdue,
        # Suggestions after a window that holds no working day: a footnote explains them.
        "outside_window": sum(1 for row in rows if row["suggested_outside_window"] == "true"),
    }
    data = _attachment(
        "worklist", title=title, as_of=as_of.isoformat(), institution=institution, items=rows
    )
    return PrintDocument(
        kind="worklist",
        template="worklist.html",
        title=title,
        author=institution or "yiyu",
        day=as_of,
        township=township,
        context=context,
        data=data,
        attachment_name=f"worklist-{as_of}.json",
    )
