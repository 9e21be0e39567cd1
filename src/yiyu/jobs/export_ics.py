"""iCalendar feeds from the store: a clinician's, a township's, a child's, or every child's.

A clinic's feed (a clinician's or a township's) holds what must be done in the next
``days`` days and what is overdue, like a work list, with what was done or cancelled
while its window is still open (shown completed or cancelled, so a calendar that had
the to-do marks it rather than losing it). A family's feed holds one child's own
obligations and nothing of any other child's. The document is made by the pure
:mod:`yiyu.exchange.ical`; this job reads the store, writes the files and records the run
(counts only: no name, no id).

:func:`export_child_feeds` writes one static file per child for a web server to serve.
A file's name is a keyed hash of the child's id (:func:`feed_token`), so knowing or
guessing a child's id does not find its file; the operator's secret keys it, and the
index that maps ids to files is written apart, for the clinic, never for the web root.
Files are replaced atomically and left untouched when their bytes have not changed, so
a web server never serves half a file and calendars' caches stay valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import attrs
import pendulum

from yiyu.dates import to_date
from yiyu.errors import ValidationError
from yiyu.exchange.ical import DEFAULT_ALARM_DAYS, feed_calendar, feed_items
from yiyu.jobs.csvfile import write_csv_file
from yiyu.jobs.runs import finish_failed
from yiyu.jobs.worklist import listed_subjects
from yiyu.protocol import SubjectKind
from yiyu.store import ObligationFilter, Repository, SubjectRange, SubjectRef

__all__ = [
    "DEFAULT_CLINIC_DAYS",
    "DEFAULT_FAMILY_DAYS",
    "IcsExport",
    "export_child_feeds",
    "export_ics",
    "feed_token",
]

# A clinic plans about two months ahead (yiyu's default). A family's feed looks as far
# as the plan does (`yiyu plan --horizon`, 180 days): in the second year the checks are
# six months apart, and a shorter feed would often be empty.
DEFAULT_CLINIC_DAYS = 60
DEFAULT_FAMILY_DAYS = 180
_PAGE = 5000  # children per read of every child's feed: memory is a page's
_MIN_SECRET = 16  # bytes: a shorter key could be guessed with the ids


@attrs.frozen(kw_only=True)
class IcsExport:
    """What an export wrote.

    Attributes:
        feeds: calendars made.
        items: obligations in them, in all.
        written: files written (new or changed).
        unchanged: files left as they were (the same bytes).
        run_id: the job run recorded.
    """

    feeds: int
    items: int
    written: tuple[Path, ...]
    unchanged: int
    run_id: int


def feed_token(secret: bytes, child_id: str) -> str:
    """The file name's stem of a child's feed: HMAC-SHA256 of its id under ``secret``,
    32 hex digits (128 bits). Stable while the secret is; a new secret moves every
    feed (and so revokes every URL given out)."""
    digest = hmac.new(secret, f"yiyu-ics:{child_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def export_ics(
    repo: Repository,
    *,
    as_of: pendulum.Date,
    out: str | os.PathLike[str],
    clinician: str | None = None,
    township: str | None = None,
    child: str | None = None,
    days: int | None = None,
    alarm_days: int | None = DEFAULT_ALARM_DAYS,
    as_events: bool = False,
) -> IcsExport:
    """Write one feed, for exactly one of ``clinician``, ``township`` or ``child``.

    Args:
        repo: the store.
        as_of: the feed's date (status, what is overdue, ``DTSTAMP``).
        out: the ``.ics`` file; replaced (unless its bytes would not change).
        clinician, township: a clinic's feed: names every subject, never a resident id
            or a phone (a work list's fields only).
        child: a family's feed: this child's own obligations only.
        days: how far ahead (default 60 for a clinic, 180 for a family).
        alarm_days: an alarm this many days before what is due; ``None``: no alarms.
        as_events: all-day events on the suggested dates instead of to-dos.

    Raises:
        ValidationError: if not exactly one of ``clinician``, ``township`` and ``child``
            is given, or the child or township is not in the store, or ``days`` < 0.
    """
    chosen = {"clinician": clinician, "township": township, "child": child}
    given = [name for name, value in chosen.items() if value is not None]
    if len(given) != 1:
        raise ValidationError(
            "feed", ", ".join(given) or None, "give exactly one of clinician, township, child"
        )
    as_of = to_date(as_of, field="as_of")
    horizon = _days(days, DEFAULT_FAMILY_DAYS if child is not None else DEFAULT_CLINIC_DAYS)
    run_id = repo.start_run(
        "export_ics",
        # The kind of feed, not whose: a run records no id or name.
        parameters={"as_of": as_of.isoformat(), "feed": given[0], "days": horizon,
                    "alarm_days": alarm_days, "as_events": as_events},
    )  # fmt: skip
    try:
        count, wrote = _one_feed(
            repo, as_of=as_of, out=Path(out), clinician=clinician, township=township,
            child=child, days=horizon, alarm_days=alarm_days, as_events=as_events,
        )  # fmt: skip
    except BaseException as error:
        finish_failed(repo, run_id, error)
        raise
    repo.finish_run(
        run_id, status="succeeded",
        counts={"feeds": 1, "items": count, "written": int(wrote), "unchanged": int(not wrote)},
    )  # fmt: skip
    return IcsExport(
        feeds=1, items=count, written=(Path(out),) if wrote else (), unchanged=int(not wrote),
        run_id=run_id,
    )  # fmt: skip


def _one_feed(
    repo: Repository,
    *,
    as_of: pendulum.Date,
    out: Path,
    clinician: str | None,
    township: str | None,
    child: str | None,
    days: int,
    alarm_days: int | None,
    as_events: bool,
) -> tuple[int, bool]:
    until = as_of.add(days=days)  # windows that open by then and are not yet closed
    if child is not None:
        listed = repo.listed(SubjectKind.CHILD, [child])
        if child not in listed:
            raise ValidationError("child", child, "no such child in the store")
        stored = repo.obligations(
            ObligationFilter(
                subject=SubjectRef(kind=SubjectKind.CHILD, id=child),
                opens_by=until,
                closes_from=as_of,
            )
        )
        items = feed_items(stored, listed, as_of=as_of, calendar=repo.holiday_calendar())
        name = f"儿童健康管理 · {listed[child].name}"
        data = feed_calendar(
            items, name=name, as_of=as_of, alarm_days=alarm_days, as_events=as_events
        )
        return len(items), _write(out, data)
    if township is not None and township not in repo.townships():
        raise ValidationError("township", township, "no such township in the store")
    stored = repo.obligations(
        ObligationFilter(assignee=clinician, township=township, opens_by=until, closes_from=as_of)
    )
    subjects = listed_subjects(repo, stored)
    # A child and a daycare may share an id: each obligation is named from its own kind.
    calendar = repo.holiday_calendar()
    items = []
    for kind in SubjectKind:
        of_kind = [e for e in stored if e.obligation.subject is kind]
        items += feed_items(of_kind, subjects[kind], as_of=as_of, calendar=calendar)
    items.sort(key=lambda item: item.obligation.key)
    name = f"儿童健康工作日程 · {clinician if clinician is not None else township}"
    data = feed_calendar(
        items, name=name, as_of=as_of, alarm_days=alarm_days, staff=True, as_events=as_events
    )
    return len(items), _write(out, data)


def export_child_feeds(
    repo: Repository,
    *,
    as_of: pendulum.Date,
    out_dir: str | os.PathLike[str],
    secret: bytes,
    index: str | os.PathLike[str],
    days: int | None = None,
    alarm_days: int | None = DEFAULT_ALARM_DAYS,
    as_events: bool = False,
) -> IcsExport:
    """Write every child's feed into ``out_dir`` as ``<feed_token>.ics``, and the index.

    Every child in the store gets a file, an empty calendar if nothing is owed in the
    coming ``days``: a family's subscription keeps working between visits.

    Args:
        repo: the store.
        as_of: the feeds' date.
        out_dir: the folder the web server publishes (created if missing).
        secret: the operator's key for the file names (at least 16 bytes).
        index: a CSV file (``child_id,file``) for the clinic, to hand each family its
            address; keep it out of ``out_dir``: it is the map from ids to files.
        days, alarm_days, as_events: as for :func:`export_ics` (``days`` default 180).

    Raises:
        ValidationError: naming ``secret`` if it is too short, or ``index`` if it is
            inside ``out_dir``.
    """
    if len(secret) < _MIN_SECRET:
        raise ValidationError("secret", "(hidden)", f"expected at least {_MIN_SECRET} bytes")
    folder, index_path = Path(out_dir), Path(index)
    if index_path.resolve().is_relative_to(folder.resolve()):
        raise ValidationError("index", str(index_path), "must not be in the published folder")
    as_of = to_date(as_of, field="as_of")
    horizon = _days(days, DEFAULT_FAMILY_DAYS)
    run_id = repo.start_run(
        "export_ics",
        parameters={"as_of": as_of.isoformat(), "feed": "each_child", "days": horizon,
                    "alarm_days": alarm_days, "as_events": as_events},
    )  # fmt: skip
    try:
        done = _child_feeds(
            repo, as_of=as_of, folder=folder, secret=secret, index=index_path, days=horizon,
            alarm_days=alarm_days, as_events=as_events,
        )  # fmt: skip
    except BaseException as error:
        finish_failed(repo, run_id, error)
        raise
    feeds, items, written, unchanged = done
    repo.finish_run(
        run_id, status="succeeded",
        counts={"feeds": feeds, "items": items, "written": len(written), "unchanged": unchanged},
    )  # fmt: skip
    return IcsExport(
        feeds=feeds, items=items, written=tuple(written), unchanged=unchanged, run_id=run_id
    )


def _child_feeds(
    repo: Repository,
    *,
    as_of: pendulum.Date,
    folder: Path,
    secret: bytes,
    index: Path,
    days: int,
    alarm_days: int | None,
    as_events: bool,
) -> tuple[int, int, list[Path], int]:
    folder.mkdir(parents=True, exist_ok=True)
    calendar = repo.holiday_calendar()
    feeds = items_total = unchanged = 0
    written: list[Path] = []
    rows: list[tuple[str, str]] = []
    after: str | None = None
    while ids := repo.subject_ids(SubjectKind.CHILD, after=after, limit=_PAGE):
        after = ids[-1]
        stored = repo.obligations(
            ObligationFilter(
                subjects=SubjectRange(kind=SubjectKind.CHILD, first=ids[0], last=ids[-1]),
                opens_by=as_of.add(days=days),
                closes_from=as_of,
            )
        )
        by_child = defaultdict(list)
        for entry in stored:
            by_child[entry.obligation.subject_id].append(entry)
        listed = repo.listed(SubjectKind.CHILD, ids)
        for child_id in ids:
            subject = listed.get(child_id)
            own = {child_id: subject} if subject is not None else {}
            # Only this child's obligations and this child's name reach its file.
            items = feed_items(by_child.get(child_id, []), own, as_of=as_of, calendar=calendar)
            name = f"儿童健康管理 · {subject.name if subject is not None else child_id}"
            data = feed_calendar(
                items, name=name, as_of=as_of, alarm_days=alarm_days, as_events=as_events
            )
            file = folder / f"{feed_token(secret, child_id)}.ics"
            if _write(file, data):
                written.append(file)
            else:
                unchanged += 1
            rows.append((child_id, file.name))
            feeds += 1
            items_total += len(items)
    write_csv_file(index, rows, header=["child_id", "file"])
    return feeds, items_total, written, unchanged


def _days(days: int | None, default: int) -> int:
    if days is None:
        return default
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValidationError("days", days, "expected a whole number of days >= 0")
    return days


def _write(path: Path, data: bytes) -> bool:
    """Replace ``path`` by ``data`` atomically; ``False`` (and untouched) if it holds them."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".ics.tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)  # served by a web server, which is another user
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True
