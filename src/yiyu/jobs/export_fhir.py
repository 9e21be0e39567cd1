"""Export the store as FHIR R4: NDJSON per resource type (FHIR Bulk Data), optionally a
transaction Bundle.

``yiyu export fhir --out DIR [--since INSTANT] [--as-of DATE] [--bundle]`` writes, in
``DIR``, one file per resource type (``Patient.ndjson``, ``Task.ndjson`` …), one
resource per line, UTF-8, and with ``--bundle`` also ``bundle.json``, one transaction of
``PUT Type/id`` entries. Resource ids and identifiers come from yiyu's own keys
(:mod:`yiyu.exchange.fhir.naming`), so the same store exports the same ids every time
and a host that imports twice updates rather than duplicates.

It walks the subjects a page of ids at a time (:data:`EXPORT_BATCH`), as the coverage job
does: its memory is a page's, not a province's. With ``since`` (the ``started_at`` of an
earlier export), only the subjects of which something was written after that instant
are exported (:meth:`~yiyu.store.api.Repository.changed_subjects`), each with all its
resources; a Task's status that moved with the calendar alone (due → overdue → missed)
is refreshed by a full export, not an incremental one.

Files are written beside their final names and renamed when the export succeeded, so a
host never reads half a file; an export that found nothing writes no file. Each call is
recorded as an ``export_fhir`` job run with its counts (no personal data).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import attrs
import pendulum

from yiyu.domain import Child, Daycare, Encounter
from yiyu.domain._convert import whole_number
from yiyu.exchange import fhir
from yiyu.jobs.runs import finish_failed
from yiyu.protocol import Protocol, SubjectKind
from yiyu.scheduling import StoredObligation
from yiyu.store import ObligationFilter, Repository, SubjectRange

__all__ = [
    "BUNDLE_FILE",
    "EXPORT_BATCH",
    "FhirExport",
    "Page",
    "export_fhir",
    "page_resources",
    "read_page",
]

# Subjects exported at a time (a yiyu default, as coverage's): a page's obligations,
# visits and children in memory, never the province's.
EXPORT_BATCH = 2_000
BUNDLE_FILE = "bundle.json"
_EARLIEST = pendulum.Date(1900, 1, 1)  # before any child's visit: "every visit"


@attrs.frozen(kw_only=True)
class FhirExport:
    """What an export wrote.

    Attributes:
        out: the folder.
        started_at: the instant the export began reading: pass it as the next export's
            ``since`` (what was written while it ran is exported again, never missed).
        counts: resources written, by type.
        files: the NDJSON files, one per type written (and the Bundle, if asked).
        run_id: the job run recorded.
    """

    out: Path
    started_at: pendulum.DateTime
    counts: Mapping[str, int]
    files: tuple[Path, ...]
    run_id: int

    @property
    def total(self) -> int:
        """Resources written, of every type."""
        return sum(self.counts.values())


class _Writer:
    """The NDJSON files (each opened with its first resource) and the Bundle."""

    def __init__(self, out: Path, bundle: bool) -> None:
        self.out = out
        self.files: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}
        self.with_bundle = bundle
        self.bundle: IO[str] | None = None

    def _open(self, name: str) -> IO[str]:
        return (self.out / f"{name}.part").open("w", encoding="utf-8", newline="\n")

    def write(self, resource: dict[str, Any]) -> None:
        kind = resource["resourceType"]
        file = self.files.get(kind)
        if file is None:
            file = self.files[kind] = self._open(f"{kind}.ndjson")
        file.write(fhir.dumps(resource) + "\n")
        if self.with_bundle:
            # Opened with its first entry: FHIR JSON has no empty arrays, and an export
            # that found nothing writes no file at all.
            if self.bundle is None:
                self.bundle = self._open(BUNDLE_FILE)
                self.bundle.write('{"resourceType":"Bundle","type":"transaction","entry":[\n')
            else:
                self.bundle.write(",\n")
            self.bundle.write(fhir.dumps(fhir.transaction_entry(resource)))
        self.counts[kind] = self.counts.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def close(self, *, keep: bool) -> list[Path]:
        """Close the files; rename them to their names (``keep``) or remove them."""
        names = [f"{kind}.ndjson" for kind in sorted(self.files)]
        if self.bundle is not None:
            self.bundle.write("\n]}\n")
            names.append(BUNDLE_FILE)
        for file in [*self.files.values(), *([self.bundle] if self.bundle else [])]:
            file.close()
        done = []
        for name in names:
            part = self.out / f"{name}.part"
            if keep:
                os.replace(part, self.out / name)
                done.append(self.out / name)
            else:
                part.unlink(missing_ok=True)
        return done


def export_fhir(
    repo: Repository,
    protocol: Protocol,
    out_dir: Path,
    *,
    as_of: pendulum.Date,
    since: pendulum.DateTime | None = None,
    bundle: bool = False,
    show_full_ids: bool = False,
    naming: fhir.Naming | None = None,
    batch_size: int = EXPORT_BATCH,
) -> FhirExport:
    """Export the store as FHIR R4 NDJSON into ``out_dir`` (see the module docstring).

    Args:
        repo: the store.
        protocol: for the age a child's z-scores are computed at (corrected age).
        out_dir: the folder (created if missing); files of the same names are replaced.
        as_of: the day statuses are judged on; facts dated after it are left out.
        since: only subjects with something written after this instant; ``None``: all.
        bundle: also write ``bundle.json``, a transaction Bundle of every resource.
        show_full_ids: resident identity numbers and guardians' phones in full (masked
            by default).
        naming: the identifier systems' base (``urn:yiyu`` by default).
        batch_size: subjects per page (:data:`EXPORT_BATCH`).

    Returns:
        What was written, with the instant to pass as the next ``since``.

    Raises:
        ValidationError: for an argument that is not what it should be.
    """
    batch_size = whole_number("batch_size", batch_size, minimum=1, maximum=1_000_000)
    naming = naming or fhir.Naming()
    naming = attrs.evolve(naming, show_full_ids=show_full_ids or naming.show_full_ids)
    started = pendulum.now("UTC")
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = repo.start_run(
        "export_fhir",
        parameters={
            "as_of": as_of.isoformat(),
            "since": since.isoformat() if since else None,
            "bundle": bundle,
            "show_full_ids": naming.show_full_ids,
            "out": os.fspath(out_dir),
        },
    )
    writer = _Writer(out_dir, bundle)
    try:
        answered: set[str] = set()
        for page, ids in _pages(repo, batch_size, since):
            data = read_page(repo, page, ids, as_of)
            for resource in page_resources(data, protocol, as_of=as_of, naming=naming):
                if resource["resourceType"] == "QuestionnaireResponse":
                    answered.add(resource["questionnaire"])
                writer.write(resource)
        # The Questionnaires the responses answer, once, when any response was written.
        for questionnaire in (
            fhir.warning_signs_questionnaire(naming=naming),
            fhir.rearing_risk_questionnaire(naming=naming),
        ):
            if f"{questionnaire['url']}|{questionnaire['version']}" in answered:
                writer.write(questionnaire)
        files = writer.close(keep=True)
    except BaseException as error:
        with contextlib.suppress(Exception):
            writer.close(keep=False)
        finish_failed(repo, run_id, error, writer.counts)
        raise
    counts = dict(sorted(writer.counts.items()))
    repo.finish_run(run_id, status="succeeded", counts={"resources": writer.total, **counts})
    return FhirExport(
        out=out_dir, started_at=started, counts=counts, files=tuple(files), run_id=run_id
    )


def _pages(
    repo: Repository, size: int, since: pendulum.DateTime | None
) -> Iterator[tuple[SubjectRange, list[str]]]:
    """Every subject (or every one changed since), a page of ids at a time."""
    for kind in SubjectKind:
        after: str | None = None
        while ids := repo.subject_ids(kind, after=after, limit=size):
            page = SubjectRange(kind=kind, first=ids[0], last=ids[-1])
            after = ids[-1]
            if since is not None:
                ids = repo.changed_subjects(page, since=since)
            if ids:
                yield page, ids


@attrs.frozen(kw_only=True)
class Page:
    """What one page of subjects exports from: read from the store at once, mapped after
    (the benchmark times the mapping alone)."""

    kind: SubjectKind
    children: Mapping[str, Child]
    daycares: Mapping[str, Daycare]
    obligations: Sequence[StoredObligation]
    visits: Sequence[Encounter]


def read_page(
    repo: Repository, page: SubjectRange, ids: Sequence[str], as_of: pendulum.Date
) -> Page:
    """The subjects ``ids`` of ``page``, their obligations and their visits up to ``as_of``."""
    wanted = set(ids)
    stored = repo.obligations(ObligationFilter(subjects=page, include_withdrawn=True))
    visits = repo.encounters_between(_EARLIEST, as_of, subjects=page)
    child = page.kind is SubjectKind.CHILD
    return Page(
        kind=page.kind,
        children=repo.get_children(ids) if child else {},
        daycares={} if child else repo.get_daycares(ids),
        obligations=[e for e in stored if e.obligation.subject_id in wanted],
        visits=[v for v in visits if v.subject_id in wanted],
    )


def page_resources(
    page: Page, protocol: Protocol, *, as_of: pendulum.Date, naming: fhir.Naming
) -> Iterator[dict[str, Any]]:
    """The resources of one page: each subject's own, then the Tasks, then the visits."""
    first_visit: dict[str, str] = {}
    for visit in page.visits:  # by date, then id: the first visit of an obligation did it
        if visit.obligation_key is not None:
            first_visit.setdefault(visit.obligation_key, visit.id)
    for child in page.children.values():
        yield from _child(child, as_of, naming)
    for daycare in page.daycares.values():
        yield fhir.organization(daycare, as_of=as_of, naming=naming)
    yield from _tasks(page.obligations, page.children, first_visit, as_of, naming)
    for visit in page.visits:
        yield from _visit(visit, page.kind, page.children.get(visit.subject_id), protocol, naming)


def _child(child: Child, as_of: pendulum.Date, naming: fhir.Naming) -> Iterator[dict[str, Any]]:
    yield fhir.patient(child, as_of=as_of, naming=naming)
    yield fhir.care_plan(child, as_of=as_of, naming=naming)
    for referral in child.referrals:
        if referral.opened_on <= as_of:
            yield fhir.service_request(child, referral, as_of=as_of, naming=naming)
    for case in child.cases:
        if case.opened_on <= as_of:
            yield fhir.condition(child, case, as_of=as_of, naming=naming)


def _tasks(
    stored: Sequence[StoredObligation],
    children: Mapping[str, Child],
    first_visit: Mapping[str, str],
    as_of: pendulum.Date,
    naming: fhir.Naming,
) -> Iterator[dict[str, Any]]:
    for entry in stored:
        ob = entry.obligation
        child = children.get(ob.subject_id) if ob.subject is SubjectKind.CHILD else None
        yield fhir.task(
            entry,
            as_of=as_of,
            referrals=child.referrals if child is not None else (),
            encounter_id=first_visit.get(ob.key),
            naming=naming,
        )


def _visit(
    visit: Encounter,
    kind: SubjectKind,
    child: Child | None,
    protocol: Protocol,
    naming: fhir.Naming,
) -> Iterator[dict[str, Any]]:
    yield fhir.encounter(visit, kind=kind, naming=naming)
    if child is not None:
        yield from fhir.observations(visit, child, protocol, naming=naming)
        yield from fhir.questionnaire_responses(visit, kind=kind, naming=naming)
