"""Printed records: visit records, referral slips and work lists as Chinese PDFs.

Import this module only when printing: it loads WeasyPrint (``import yiyu`` does not).

Every document is a PDF/A-3b in Noto Sans SC, with the record's data embedded as JSON,
identity and phone numbers masked unless asked for in full, and the same bytes for the
same record. Documents reach nothing outside yiyu's own fonts and template images: a
render that asks for anything else is aborted (:class:`UnsafeResourceError`).

A pure ``*_document`` builder prepares each kind of document (a visit's record, the
rearing-risk record, a referral slip, a work list, the coverage report) without
rendering it; :func:`render` renders any of them, and :func:`render_batch` many, in
worker processes.

Example::

    from yiyu.reports import encounter_document, render

    record = yiyu.record(encounter, child, protocol, as_of=today)
    pdf = render(encounter_document(record, child, institution="城东街道社区卫生服务中心"))
"""

from __future__ import annotations

from yiyu.domain.masking import mask_phone, mask_resident_id
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
from yiyu.reports.render import Renderer, default_renderer, render

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
    "render",
    "render_batch",
    "worklist_document",
]
