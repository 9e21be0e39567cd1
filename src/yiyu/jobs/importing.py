"""Import children, daycares and enrolments from the registries' CSV exports.

The store's side of an import: :func:`import_file` reads the file, parses it with
:mod:`yiyu.registry` (pure: the columns, encodings and rules of each file are described
there) against what is stored, writes the report of rejected rows and saves the good
rows in one transaction, recording the run. Every update writes an audit entry naming
the fields that changed.

Memory
    A file of any size is imported in bounded memory: it is read in chunks, twice (the
    first pass judges its encoding and keeps nothing), and its rows are parsed and saved
    :data:`IMPORT_BATCH_ROWS` at a time, reading what is stored of each batch's subjects
    at once. All the batches are one transaction: an error in any of them saves
    nothing. What grows with the file is the identities seen (to reject a row given
    again: about 130 bytes a row; an import of 1.2 million children peaked at 233 MB
    on SQLite, of 10,000 at 93 MB) and the rejected rows, kept for the report.

Report
    With ``report_path``, the rejected rows are written as CSV (``line, field, value,
    reason``) in UTF-8 with a BOM, which Excel needs to read UTF-8. It is written even
    when no row is rejected, so an old report is not taken for the new one. A cell that
    a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return) is prefixed with ``'`` (:mod:`yiyu.jobs.csvfile`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import (
    Any,
    Final,
    Literal,
    Protocol,
    TypeAlias,
    TypedDict,
    TypeVar,
    Unpack,
    get_args,
)

import attrs
import pendulum

from yiyu.dates import local_today, to_date
from yiyu.domain import Child, Daycare, Enrolment
from yiyu.errors import ValidationError
from yiyu.jobs.csvfile import write_csv_file

# The parsing is the core's (yiyu.registry); its names stay importable from here, where
# hosts found them.
from yiyu.registry import (
    CHILD_COLUMNS,
    COLUMNS,
    DAYCARE_COLUMNS,
    EARLIEST_BIRTH_YEARS,
    ENROLMENT_COLUMNS,
    ChildrenParser,
    Column,
    CsvHeader,
    CsvRow,
    CsvTable,
    DaycaresParser,
    EnrolmentsParser,
    ImportFileError,
    Parsed,
    RejectedRow,
    parse_children,
    parse_daycares,
    parse_enrolments,
    read_csv,
    read_records,
    scan_file,
)
from yiyu.registry.parse import birth_bounds
from yiyu.store.api import Repository, SaveCounts

__all__ = [
    "CHILD_COLUMNS",
    "COLUMNS",
    "DAYCARE_COLUMNS",
    "EARLIEST_BIRTH_YEARS",
    "ENROLMENT_COLUMNS",
    "IMPORT_BATCH_ROWS",
    "IMPORT_KINDS",
    "ChildImportOptions",
    "Column",
    "CsvRow",
    "CsvTable",
    "ImportFileError",
    "ImportKind",
    "ImportOptions",
    "ImportResult",
    "Parsed",
    "RejectedRow",
    "import_children",
    "import_daycares",
    "import_enrolments",
    "import_file",
    "parse_children",
    "parse_daycares",
    "parse_enrolments",
    "read_csv",
    "write_report",
    "write_template",
]

ImportKind: TypeAlias = Literal["children", "daycares", "enrolments"]
"""Which registry file an import reads."""
IMPORT_KINDS: Final[tuple[ImportKind, ...]] = get_args(ImportKind)

REPORT_COLUMNS: Final = ("line", "field", "value", "reason")

IMPORT_BATCH_ROWS: Final = 2000
"""How many rows an import parses and saves at a time (a yiyu default; the
``batch_size`` option). The import's memory grows with it, not with the file: about
4 MB more per thousand rows of a children file (an import process's peak on SQLite:
86 MB with batches of 1,000, 93 MB with 2,000, 103 MB with 5,000); a much smaller
batch is slower (more round trips to the database)."""

# How much of the file is read at a time. A record is held whole, however long.
_CHUNK_BYTES: Final = 1 << 20

_Subject = TypeVar("_Subject", Child, Daycare)
_Source: TypeAlias = str | os.PathLike[str] | bytes  # a file's path, or its bytes
_ReportPath: TypeAlias = str | os.PathLike[str] | None


class ImportOptions(TypedDict, total=False):
    """The keyword options of every import, each optional (see :func:`import_file`)."""

    report_path: _ReportPath
    actor: str
    batch_size: int


class ChildImportOptions(ImportOptions, total=False):
    """A children file's options: its birth dates are bounded (see :func:`import_file`)."""

    as_of: pendulum.Date | None
    earliest_birth: pendulum.Date | None


# **options takes any keyword at run time: a misspelt option is refused, as a keyword a
# signature lacks would be, rather than silently ignored.
_OPTION_NAMES: Final = frozenset(ChildImportOptions.__annotations__)


@attrs.frozen(kw_only=True)
class ImportResult:
    """What an import did.

    Attributes:
        kind: ``children``, ``daycares`` or ``enrolments``.
        encoding: the file's encoding, as :attr:`CsvTable.encoding`.
        rows_read: the non-blank records after the header.
        imported: what the save did with the good rows.
        rejected: the rows not imported, in file order.
        unknown_columns: headers not known for this kind of file (not imported).
        townships_created: townships the file named that the store did not know.
        report_path: where the report of rejected rows was written, if asked.
    """

    kind: str
    encoding: str
    rows_read: int
    imported: SaveCounts
    rejected: tuple[RejectedRow, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    townships_created: tuple[str, ...] = ()
    report_path: Path | None = None

    @property
    def partial(self) -> bool:
        """Some rows were rejected (the command line exits with 3)."""
        return bool(self.rejected)


def _changed(old: Any, new: Any) -> list[str]:
    return [f.name for f in attrs.fields(type(new)) if getattr(old, f.name) != getattr(new, f.name)]


def write_report(path: str | os.PathLike[str], rejected: Iterable[RejectedRow]) -> Path:
    """Write rejected rows as CSV in UTF-8 with a BOM (Excel then reads it as UTF-8).

    Cells are written spreadsheet-safe (:mod:`yiyu.jobs.csvfile`).

    Args:
        path: where to write; the file is replaced.
        rejected: the rows.

    Returns:
        The path written.

    Raises:
        OSError: if the file cannot be written.
    """
    # Through the one CSV writer: a hostile or mistyped cell of the file, echoed in the
    # report, cannot run as a formula when the report is opened.
    return write_csv_file(
        path,
        ((row.line, row.field, row.value, row.reason) for row in rejected),
        header=REPORT_COLUMNS,
    )


def write_template(kind: ImportKind, path: str | os.PathLike[str]) -> Path:
    """Write an empty file of ``kind`` to fill in: the header line only, every column.

    The headers are the Chinese ones (编号, 姓名, …), as a clinic's spreadsheet has them;
    the import takes them, or the English ones, alike. UTF-8 with a BOM, so Excel and
    WPS open it as UTF-8 (:mod:`yiyu.jobs.csvfile`); a file saved back from them in
    GB18030 is read too.

    Args:
        kind: ``children``, ``daycares`` or ``enrolments``.
        path: where to write; the file is replaced.

    Returns:
        The path written.

    Raises:
        ValidationError: if ``kind`` is not one of :data:`IMPORT_KINDS`.
        OSError: if the file cannot be written.
    """
    if kind not in IMPORT_KINDS:
        raise ValidationError("kind", kind, f"must be one of {', '.join(IMPORT_KINDS)}")
    return write_csv_file(path, (), header=[column.zh for column in COLUMNS[kind]])


@contextmanager
def _opened(source: _Source) -> Iterator[Callable[[], Iterator[bytes]]]:
    """The source's bytes in chunks, from its start each time they are asked for (the
    import reads a file twice), never the whole file at once."""
    if isinstance(source, bytes):

        def sliced() -> Iterator[bytes]:
            for start in range(0, len(source), _CHUNK_BYTES):
                yield source[start : start + _CHUNK_BYTES]

        yield sliced
        return
    with Path(source).open("rb") as stream:

        def read() -> Iterator[bytes]:
            stream.seek(0)
            while chunk := stream.read(_CHUNK_BYTES):
                yield chunk

        yield read


def _batches(records: Iterator[CsvRow], size: int) -> Iterator[list[CsvRow]]:
    while batch := list(itertools.islice(records, size)):
        yield batch


def _townships(values: Iterable[Child | Daycare]) -> list[str]:
    return sorted({v.township for v in values if v.township})


def _audit_updates(
    repo: Repository,
    actor: str,
    entity: str,
    pairs: Iterable[tuple[str, Any, Any]],
) -> None:
    for entity_id, old, new in pairs:
        if old is not None and old != new:
            repo.audit(actor, "update", entity, entity_id, {"changed": _changed(old, new)})


def _save_subjects(
    repo: Repository,
    actor: str,
    entity: str,
    parsed: Parsed[_Subject],
    stored: Callable[[str], _Subject | None],
    save: Callable[[Sequence[_Subject]], SaveCounts],
) -> tuple[Parsed[Any], SaveCounts, list[str]]:
    created = repo.ensure_townships(_townships(parsed.values))
    _audit_updates(repo, actor, entity, ((v.id, stored(v.id), v) for v in parsed.values))
    return parsed, save(parsed.values), created


class _Parser(Protocol):
    @property
    def unknown_columns(self) -> tuple[str, ...]: ...


_SaveBatch: TypeAlias = Callable[[Sequence[CsvRow]], tuple[Parsed[Any], SaveCounts, list[str]]]


def _batch_saver(
    repo: Repository,
    kind: ImportKind,
    header: CsvHeader,
    actor: str,
    as_of: pendulum.Date | None,
    earliest_birth: pendulum.Date | None,
) -> tuple[_Parser, _SaveBatch]:
    """The file's parser, and what parses a batch against the store, audits the updates
    and saves it (inside the import's transaction)."""
    # What is stored of a batch's subjects is read at once, and once: the parsing merges
    # with it and the audit compares with the same value (the store does not change
    # meanwhile). A later batch reads the store again, with the earlier batches saved.
    if kind == "children":
        children = ChildrenParser(header, as_of=as_of, earliest_birth=earliest_birth)

        def save_children(batch: Sequence[CsvRow]) -> tuple[Parsed[Any], SaveCounts, list[str]]:
            stored = repo.get_children(children.ids(batch))
            parsed = children.parse(batch, existing=stored.get)
            return _save_subjects(repo, actor, "child", parsed, stored.get, repo.save_children)

        return children, save_children
    if kind == "daycares":
        daycares = DaycaresParser(header)

        def save_daycares(batch: Sequence[CsvRow]) -> tuple[Parsed[Any], SaveCounts, list[str]]:
            stored = repo.get_daycares(daycares.ids(batch))
            parsed = daycares.parse(batch, existing=stored.get)
            return _save_subjects(repo, actor, "daycare", parsed, stored.get, repo.save_daycares)

        return daycares, save_daycares
    enrolments = EnrolmentsParser(header)

    def save_enrolments(batch: Sequence[CsvRow]) -> tuple[Parsed[Any], SaveCounts, list[str]]:
        # The children with the enrolments the earlier batches saved: a row must agree
        # with those (EnrolmentsParser).
        children = repo.get_children(enrolments.child_ids(batch))
        daycares = repo.get_daycares(enrolments.daycare_ids(batch))
        parsed = enrolments.parse(batch, child=children.get, daycare=daycares.get)

        def stored(enrolment: Enrolment) -> Enrolment | None:
            found = children.get(enrolment.child_id)
            return None if found is None else {e.id: e for e in found.enrolments}.get(enrolment.id)

        _audit_updates(
            repo,
            actor,
            "enrolment",
            ((f"{e.child_id}/{e.id}", stored(e), e) for e in parsed.values),
        )
        return parsed, repo.save_enrolments(parsed.values), []

    return enrolments, save_enrolments


@attrs.define
class _Tally:
    """What the batches did, added up."""

    rows_read: int = 0
    counts: SaveCounts = attrs.field(factory=SaveCounts)
    rejected: list[RejectedRow] = attrs.field(factory=list)
    townships_created: set[str] = attrs.field(factory=set)

    def add(self, rows: int, parsed: Parsed[Any], counts: SaveCounts, created: list[str]) -> None:
        self.rows_read += rows
        self.counts += counts
        self.rejected.extend(parsed.rejected)
        self.townships_created.update(created)


def _import_rows(
    repo: Repository,
    kind: ImportKind,
    source: _Source,
    actor: str,
    as_of: pendulum.Date | None,
    earliest_birth: pendulum.Date | None,
    batch_size: int,
    report_path: _ReportPath,
) -> tuple[str, _Tally, tuple[str, ...], Path | None]:
    """Read, parse and save the file batch by batch, in one transaction, and write the
    report: the encoding, what was done, the unknown columns and the report's path."""
    with _opened(source) as chunks:
        encoding = scan_file(chunks())
        header, records = read_records(chunks(), encoding)
        # Parsing reads the stored values it merges with: inside the transaction, so
        # nothing saved meanwhile is overwritten with a stale merge. One transaction for
        # every batch: a malformed line or a failing save late in the file saves nothing.
        # Each batch locks its subjects in id order, the batches in file order: another
        # import or a plan batch could hold a subject this one waits for while waiting
        # for one it holds. Imports therefore take all the subjects' turn first, and wait
        # for each other and for plan batches saving (PostgreSQL; SQLite's writers take
        # turns anyway).
        with repo.transaction():
            repo.lock_all_subjects()
            parser, save_batch = _batch_saver(repo, kind, header, actor, as_of, earliest_birth)
            tally = _Tally()
            for batch in _batches(records, batch_size):
                tally.add(len(batch), *save_batch(batch))
            # Written before the save commits: a report that cannot be written fails
            # the run with nothing saved, rather than leaving rejected rows unreported.
            written = None if report_path is None else write_report(report_path, tally.rejected)
    return encoding, tally, parser.unknown_columns, written


def import_file(
    repo: Repository,
    kind: ImportKind,
    source: _Source,
    **options: Unpack[ChildImportOptions],
) -> ImportResult:
    """Import a registry file (see :mod:`yiyu.registry` for its columns and rules).

    The options after ``source`` are keywords (:class:`ChildImportOptions`), each optional.

    Args:
        repo: the store; for enrolments, the children and daycares named must be in it
            (or earlier in the same file's import).
        kind: ``children``, ``daycares`` or ``enrolments``.
        source: the file's path, or its bytes.
        report_path: where to write the rejected rows (CSV, UTF-8 with BOM), if given;
            written even when none are, so an old report is not mistaken for this one.
        actor: who imports, for the audit trail (default ``"import"``).
        as_of: children only: the import's date (default: today in Asia/Shanghai); a
            row born after it is rejected.
        earliest_birth: children only: a row born before it is rejected (default:
            :data:`EARLIEST_BIRTH_YEARS` years before ``as_of``, a yiyu default).
        batch_size: how many rows are parsed and saved at a time, all in the one
            transaction (default :data:`IMPORT_BATCH_ROWS`): the import's memory grows
            with it, not with the file.

    Returns:
        What was read, saved, rejected and created; ``partial`` if rows were rejected.

    Raises:
        ImportFileError: if the file cannot be imported at all (encoding, structure,
            missing columns); nothing is saved and the run is recorded as failed.
        OSError: if the file cannot be read or the report cannot be written.
        TypeError: an option not in :class:`ChildImportOptions`.
        ValidationError: if ``kind`` is not one of :data:`IMPORT_KINDS`, ``as_of`` or
            ``earliest_birth`` is not a date, ``earliest_birth`` is after ``as_of``,
            either is given for a file without birth dates, or ``batch_size`` is not a
            whole number of at least 1; nothing is read or recorded.
    """
    unknown = sorted(options.keys() - _OPTION_NAMES)
    if unknown:
        raise TypeError(f"import_file() got an unexpected keyword argument {unknown[0]!r}")
    report_path = options.get("report_path")
    actor = options.get("actor", "import")
    as_of = options.get("as_of")
    earliest_birth = options.get("earliest_birth")
    batch_size = options.get("batch_size", IMPORT_BATCH_ROWS)
    if kind not in IMPORT_KINDS:
        raise ValidationError("kind", kind, f"must be one of {', '.join(IMPORT_KINDS)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError(
            "batch_size", batch_size, "must be a whole number of rows, at least 1"
        )
    day: pendulum.Date | None = None
    parameters: dict[str, Any] = {}
    if kind == "children":
        # Jobs read the clock; the parsing they call does not.
        day = local_today() if as_of is None else to_date(as_of, field="as_of")
        _, earliest, _ = birth_bounds(day, earliest_birth)
        parameters = {
            "as_of": day.isoformat(),
            "earliest_birth": None if earliest is None else earliest.isoformat(),
        }
    elif as_of is not None or earliest_birth is not None:
        field, value = ("as_of", as_of) if as_of is not None else ("earliest_birth", earliest_birth)
        raise ValidationError(field, value, f"bounds birth dates, which a {kind} file has not")
    run_id = repo.start_run(
        f"import_{kind}",
        parameters={
            "source": "<bytes>" if isinstance(source, bytes) else os.fspath(source),
            "report_path": None if report_path is None else os.fspath(report_path),
            "actor": actor,
            **parameters,
        },
    )
    try:
        encoding, tally, unknown_columns, written = _import_rows(
            repo, kind, source, actor, day, earliest_birth, batch_size, report_path
        )
    except Exception as error:
        repo.finish_run(
            # The exception itself: the store keeps its class and where, never the
            # values a database error quotes (a name, a resident ID).
            run_id,
            status="failed",
            counts={},
            error=error,
        )
        raise
    counts = tally.counts
    result = ImportResult(
        kind=kind,
        encoding=encoding,
        rows_read=tally.rows_read,
        imported=counts,
        rejected=tuple(tally.rejected),
        unknown_columns=unknown_columns,
        townships_created=tuple(sorted(tally.townships_created)),
        report_path=written,
    )
    repo.finish_run(
        run_id,
        status="partial" if result.partial else "succeeded",
        counts={
            "encoding": result.encoding,
            "rows_read": result.rows_read,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": len(result.rejected),
            "unknown_columns": list(result.unknown_columns),
            "townships_created": list(result.townships_created),
        },
    )
    return result


def import_children(
    repo: Repository, source: _Source, **options: Unpack[ChildImportOptions]
) -> ImportResult:
    """A children file: :func:`import_file` with ``kind="children"``."""
    return import_file(repo, "children", source, **options)


def import_daycares(
    repo: Repository, source: _Source, **options: Unpack[ImportOptions]
) -> ImportResult:
    """A daycares file: :func:`import_file` with ``kind="daycares"``."""
    return import_file(repo, "daycares", source, **options)


def import_enrolments(
    repo: Repository, source: _Source, **options: Unpack[ImportOptions]
) -> ImportResult:
    """An enrolments file: :func:`import_file` with ``kind="enrolments"``."""
    return import_file(repo, "enrolments", source, **options)
