"""Printed records: visit records, referral slips and work lists as Chinese PDFs.

Import this module only when printing: it loads WeasyPrint (``import yiyu`` does not).

Every document is a PDF/A-3b in Noto Sans SC, with the record's data embedded as JSON,
identity and phone numbers masked unless asked for in full, and the same bytes for the
same record. Documents reach nothing outside yiyu's own fonts and template images: a
render that asks for anything else is aborted (:class:`UnsafeResourceError`).

Each ``render_*`` function has a pure ``*_document`` twin that prepares the document
without rendering it (for :func:`render_batch`, which renders in worker processes).

Example::

    from yiyu.reports import render_encounter

    record = yiyu.record(encounter, child, protocol, as_of=today)
    pdf = render_encounter(record, child, institution="城东街道社区卫生服务中心")
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import pendulum

from yiyu.domain import Child, Daycare, Encounter, Referral
from yiyu.instruments.rearing_risk import RiskForm
from yiyu.outcomes import ChildRecord, DaycareRecord
from yiyu.reports.batch import BatchResult, RenderJob, render_batch
from yiyu.reports.context import (
    PrintDocument,
    check_growth_references,
    encounter_document,
    rearing_risk_document,
    referral_document,
    worklist_document,
)
from yiyu.reports.coverage import coverage_document
from yiyu.reports.errors import RenderError, SlowRenderingWarning, UnsafeResourceError
from yiyu.reports.masking import mask_phone, mask_resident_id
from yiyu.reports.render import Renderer, default_renderer

if TYPE_CHECKING:
    from yiyu.coverage import IndicatorResult
    from yiyu.scheduling import WorklistItem

__all__ = [
    "BatchResult",
    "PrintDocument",
    "RenderError",
    "RenderJob",
    "Renderer",
    "SlowRenderingWarning",
    "UnsafeResourceError",
    "check_growth_references",
    "coverage_document",
    "default_renderer",
    "encounter_document",
    "mask_phone",
    "mask_resident_id",
    "rearing_risk_document",
    "referral_document",
    "render_batch",
    "render_coverage",
    "render_encounter",
    "render_rearing_risk",
    "render_referral",
    "render_worklist",
    "worklist_document",
]


def render_encounter(
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
    templates: Iterable[str | os.PathLike[str]] = (),
) -> bytes:
    """A visit's record form as PDF bytes.

    A child's visit is printed on the national form of its age band (新生儿家庭访视记录表;
    儿童健康检查记录表 for under 1, 1–2 and 3–6 years) with the measurements and their
    evaluation by the growth reference the protocol chooses (WS/T 423—2022's grades and
    nutrition status, or WHO 2006 z-scores and classification), the 预警征象 column,
    tests, findings, guidance, the next visit, the doctor and a signature line, and
    growth charts with that reference's curves; a daycare's visit on the
    托育机构健康指导记录 (the review checklist, corrective actions and their deadline,
    the lecture).

    Args:
        record: what :func:`yiyu.record` returned.
        subject: the child or daycare the record is for.
        institution: the institution printed on the form (and the PDF's author).
        doctor: the doctor's name; ``None``: the encounter's performer.
        next_visit: the next visit's date; ``None``: the earliest new follow-up, if any.
        guardian, phone: the parent's (or daycare contact's) name and phone.
        earlier: the child's earlier encounters, plotted on the growth charts.
        show_full_ids: print identity and phone numbers in full (masked by default).
        growth_references: the growth sections to print, in order: ``"ws_t_423_2022"``,
            ``"who_2006"``, or both side by side; the charts use the first. ``None``:
            the protocol's choice (``record.evaluation_reference``).
        templates: host template directories searched before yiyu's.

    Returns:
        A PDF/A-3b with the visit's data embedded as JSON.

    Raises:
        ValidationError: if ``subject`` is not the record's, or ``growth_references``
            names an unknown reference.
        UnsafeResourceError: if a template asked for a resource that is not yiyu's.
        RenderError: if the font, pango or the templates are missing.
    """
    document = encounter_document(
        record,
        subject,
        institution=institution,
        doctor=doctor,
        next_visit=next_visit,
        guardian=guardian,
        phone=phone,
        earlier=earlier,
        show_full_ids=show_full_ids,
        growth_references=growth_references,
    )
    return default_renderer(templates).render(document)


def render_rearing_risk(
    record: ChildRecord,
    subject: Child,
    *,
    institution: str,
    doctor: str | None = None,
    guardian: str | None = None,
    phone: str | None = None,
    form: RiskForm | None = None,
    show_full_ids: bool = False,
    templates: Iterable[str | os.PathLike[str]] = (),
) -> bytes:
    """The 养育风险评估记录 of a visit: each domain's items and score, the total and the
    risk level. Arguments as for :func:`render_encounter`; ``form`` is the region's form
    the answers were given on (``None``: yiyu's default form).

    Raises:
        ValidationError: if the visit assessed no rearing risk.
    """
    document = rearing_risk_document(
        record,
        subject,
        institution=institution,
        doctor=doctor,
        guardian=guardian,
        phone=phone,
        form=form,
        show_full_ids=show_full_ids,
    )
    return default_renderer(templates).render(document)


def render_referral(
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
    templates: Iterable[str | os.PathLike[str]] = (),
) -> bytes:
    """A 转诊单 for a positive screen, with a receipt for the receiving institution.

    Args:
        referral: the referral (``record.opened_referrals`` or the child's).
        subject: the child.
        institution: the referring institution.
        record: the visit that opened it, to print the positive items.
        to: where the child is referred (``None``: the referral's, or the re-screening
            institution the warning-sign data names).
        doctor, doctor_phone: the referring doctor and the institution's number.
        guardian, phone, show_full_ids, templates: as for :func:`render_encounter`.
    """
    document = referral_document(
        referral,
        subject,
        institution=institution,
        record=record,
        to=to,
        doctor=doctor,
        doctor_phone=doctor_phone,
        guardian=guardian,
        phone=phone,
        show_full_ids=show_full_ids,
    )
    return default_renderer(templates).render(document)


def render_worklist(
    items: Sequence[WorklistItem],
    *,
    title: str,
    as_of: pendulum.Date,
    institution: str | None = None,
    templates: Iterable[str | os.PathLike[str]] = (),
) -> bytes:
    """A printable work list (per clinician, township or daycare) for ``as_of``.

    Args:
        items: from :func:`yiyu.jobs.worklist`, overdue first.
        title: the list's heading, e.g. ``"城东街道 2026年3月2日 工作清单"``.
        as_of: the list's date.
        institution: printed under the title.
        templates: host template directories searched before yiyu's.
    """
    document = worklist_document(items, title=title, as_of=as_of, institution=institution)
    return default_renderer(templates).render(document)


def render_coverage(
    by_area: Mapping[str, Sequence[IndicatorResult]],
    *,
    period: str,
    as_of: pendulum.Date,
    institution: str | None = None,
    names: Mapping[str, str] | None = None,
    templates: Iterable[str | os.PathLike[str]] = (),
) -> bytes:
    """The coverage report as PDF bytes: each area's indicators against the targets as a
    chart and a table, then, per area, the subjects and obligations that fell short.

    Args:
        by_area: area → results; the first (the city) is printed first.
        period: the period's label.
        as_of: the date the indicators were judged on.
        institution: printed under the title and as the PDF's author.
        names: subject id → name for the shortfall lists.
        templates: host template directories searched before yiyu's.
    """
    document = coverage_document(
        by_area, period=period, as_of=as_of, institution=institution, names=names
    )
    return default_renderer(templates).render(document)
