"""The ``yiyu`` command line: the jobs the night runs and the lists people read.

Exit codes: 0 success, 1 failure, 2 usage error (and a database whose schema is not
current: `yiyu db upgrade`), 3 partial success (some rows rejected).
Errors print one line, not a traceback, unless ``--debug``. Long jobs show a progress
bar on a terminal and plain log lines when not on one (cron, systemd timers).
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pendulum
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import yiyu
from yiyu.dates import TIMEZONE, local_today, to_date
from yiyu.errors import ValidationError, YiyuError

if TYPE_CHECKING:  # imported when a command needs them: `yiyu --help` stays quick
    from sqlalchemy import Engine

    from yiyu.coverage import IndicatorResult
    from yiyu.jobs.importing import ImportKind
    from yiyu.jobs.settings import Settings
    from yiyu.outcomes import ChildRecord, DaycareRecord
    from yiyu.store.sql import SqlRepository

app = typer.Typer(
    help="yiyu 医育: pediatric health management (schedules, records, work lists).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database: create or upgrade its schema.", no_args_is_help=True)
import_app = typer.Typer(help="Import registry CSV files.", no_args_is_help=True)
holidays_app = typer.Typer(
    help="Official holidays and 调休 working days, a year at a time, for suggested dates.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(holidays_app, name="holidays")
export_app = typer.Typer(
    help="Export for other systems: FHIR R4 (NDJSON, Bundle), iCalendar feeds.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3


class _Options:
    db: str | None = None
    debug: bool = False
    config: Path | None = None
    engines: list[Engine] = []  # noqa: RUF012 - one command at a time, disposed at its end


OPTIONS = _Options()
err = Console(stderr=True)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default: $YIYU_DATABASE_URL, else a local SQLite file)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
    config: Path | None = typer.Option(
        None,
        "--config",
        dir_okay=False,
        help="Settings file (default: $YIYU_CONFIG, else ./yiyu.toml if there): "
        "[institution] name, [printing] growth_references.",
    ),
) -> None:
    OPTIONS.db = db
    OPTIONS.debug = debug
    OPTIONS.config = config
    ctx.call_on_close(_dispose_engines)


def _dispose_engines() -> None:
    # Connections closed when the command ends, not left to the garbage collector.
    while OPTIONS.engines:
        OPTIONS.engines.pop().dispose()


def _fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    # Not markup (a message may hold brackets), and one line however long: a wrapped
    # line is not one line to grep in cron mail.
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _scrub(text: str) -> str:
    """``text`` without the database URL's password, in any spelling."""
    from yiyu.store.database import database_url, scrub

    return scrub(text, database_url(OPTIONS.db))


def _message(error: BaseException, *, named: bool = False) -> str:
    """An error as one line: a yiyu error's own message (``named``: after its class), else
    what a job run records of it (no statement, parameters or row)."""
    if isinstance(error, YiyuError):
        return f"{type(error).__name__}: {error}" if named else str(error)
    from yiyu.store.api import describe_error

    return describe_error(error)


def _print_traceback(error: BaseException) -> None:
    """--debug: the frames of every exception in the chain, each with its one-line
    message, never the driver's full text (its statement, parameters and details)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    for index, link in enumerate(reversed(chain)):
        if index:
            print("\nThe above exception led to the following one:\n", file=sys.stderr)
        print("Traceback (most recent call last):", file=sys.stderr)
        print("".join(traceback.format_tb(link.__traceback__)), end="", file=sys.stderr)
        print(_scrub(_message(link, named=True)), file=sys.stderr, flush=True)


@contextmanager
def _errors() -> Iterator[None]:
    """One line per error, no traceback (unless --debug); never a password."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as error:
        from yiyu.store.database import SchemaError

        if OPTIONS.debug:
            _print_traceback(error)
        # A database without the schema is the operator's to set up, like a bad option.
        _fail(_scrub(_message(error)), code=EXIT_USAGE if isinstance(error, SchemaError) else 1)


def _repo() -> SqlRepository:
    """The store, once its schema is known to be current (or a SchemaError: exit 2)."""
    from yiyu.store.database import check_schema, database_url, make_engine
    from yiyu.store.sql import SqlRepository

    engine = make_engine(database_url(OPTIONS.db))
    OPTIONS.engines.append(engine)
    check_schema(engine)
    return SqlRepository(engine)


def _settings() -> Settings:
    """The settings file's values (read when a command needs them; a bad file: exit 2)."""
    from yiyu.jobs.settings import SettingsError, find_settings, read_settings

    try:
        return read_settings(find_settings(OPTIONS.config))
    except SettingsError as error:
        _fail(str(error), code=EXIT_USAGE)


def _institution(option: str | None, settings: Settings) -> str:
    """The institution printed on the forms, or exit 2 naming the option and the file."""
    from yiyu.jobs.settings import SettingsError, institution_name

    try:
        return institution_name(option, settings)
    except SettingsError as error:
        _fail(str(error), code=EXIT_USAGE)


def _as_of(value: str | None) -> pendulum.Date:
    return to_date(value, field="--as-of") if value else local_today()


def _progress(label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress callback: a rich bar on a terminal, log lines otherwise."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(console=err, transient=True)
        bar.start()
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return update, bar.stop

    def log(done: int, total: int) -> None:
        print(f"{label}: {done}/{total}", file=sys.stderr, flush=True)

    return log, lambda: None


# --- commands -----------------------------------------------------------------------------


@app.command()
def version() -> None:
    """Print yiyu's version and the default protocol's."""
    protocol = yiyu.load_protocol()
    typer.echo(f"yiyu {yiyu.__version__}, protocol {protocol.label}")


@app.command("protocol")
def show_protocol(
    markdown: bool = typer.Option(False, "--markdown", help="Print the Markdown reference."),
) -> None:
    """List the rules of the default protocol."""
    from yiyu.protocol.docs import protocol_markdown

    protocol = yiyu.load_protocol()
    if markdown:
        typer.echo(protocol_markdown(protocol))
        return
    table = Table(title=f"protocol {protocol.label}")
    for column in ("rule", "name", "role", "schedule", "evidence"):
        table.add_column(column)
    for rule in protocol.rules:
        table.add_row(
            rule.id,
            rule.name,
            rule.role.label_zh,
            rule.schedule.value,
            f"{rule.evidence.value}/{rule.window_evidence.value}",
        )
    Console().print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring it to the current schema."""
    from yiyu.store.database import database_url, make_engine, redact, upgrade

    with _errors():
        url = database_url(OPTIONS.db)
        engine = make_engine(url)
        OPTIONS.engines.append(engine)
        typer.echo(f"database {redact(url)}: {upgrade(engine)}")


def _import(
    kind: ImportKind, file: Path | None, report: Path | None, template: Path | None
) -> None:
    from yiyu.jobs.importing import import_file, write_template

    with _errors():
        if template is not None:
            if file is not None:
                _fail("give a FILE to import or --template to write one, not both", EXIT_USAGE)
            write_template(kind, template)
            typer.echo(f"wrote {template}: the {kind} columns, Chinese headers (UTF-8 with BOM)")
            return
        if file is None:
            _fail(f"missing FILE: the {kind} CSV to import (or --template FILE)", EXIT_USAGE)
        if report is None:
            report = file.with_name(f"{file.stem}.rejected.csv")
        result = import_file(_repo(), kind, file, report_path=report)
        counts = result.imported
        typer.echo(
            f"{kind}: {result.rows_read} rows read ({result.encoding}): {counts.created} new, "
            f"{counts.updated} updated, {counts.unchanged} unchanged, "
            f"{len(result.rejected)} rejected"
        )
        if result.townships_created:
            typer.echo(f"townships created: {', '.join(result.townships_created)}")
        if result.unknown_columns:
            typer.echo(f"unknown columns (not imported): {', '.join(result.unknown_columns)}")
        for row in result.rejected[:20]:
            typer.echo(f"  line {row.line}: {row.field}={row.value!r}: {row.reason}")
        if len(result.rejected) > 20:
            typer.echo(f"  … and {len(result.rejected) - 20} more")
        if result.rejected:
            typer.echo(f"rejected rows written to {result.report_path}")
            raise typer.Exit(EXIT_PARTIAL)


_FILE = typer.Argument(
    None, exists=True, dir_okay=False, show_default=False, help="CSV file (UTF-8 or GB18030)."
)
_REPORT = typer.Option(
    None, "--report", help="Where to write rejected rows (default: next to the file)."
)
_TEMPLATE = typer.Option(
    None,
    "--template",
    dir_okay=False,
    help="Write an empty CSV with every column's header (Chinese) to fill in, and exit.",
)
_GUIDE = "Columns, formats and examples: docs/guide/importing.md (导入)."


@import_app.command("children", epilog=_GUIDE)
def import_children(
    file: Path | None = _FILE, report: Path | None = _REPORT, template: Path | None = _TEMPLATE
) -> None:
    """Import children: 编号, 姓名, 性别, 出生日期 required; 孕周, 出生体重, 出院日期,
    身份证号, 镇街, 签约医生, 类别, 登记日期, 家长姓名, 联系电话 optional."""
    _import("children", file, report, template)


@import_app.command("daycares", epilog=_GUIDE)
def import_daycares(
    file: Path | None = _FILE, report: Path | None = _REPORT, template: Path | None = _TEMPLATE
) -> None:
    """Import daycares: 编号, 名称, 开办日期 required; 镇街, 托位数, 健康指导员, 停办日期
    optional."""
    _import("daycares", file, report, template)


@import_app.command("enrolments", epilog=_GUIDE)
def import_enrolments(
    file: Path | None = _FILE, report: Path | None = _REPORT, template: Path | None = _TEMPLATE
) -> None:
    """Import enrolments: 儿童编号, 机构编号, 入托日期 required; 离托日期 optional."""
    _import("enrolments", file, report, template)


@holidays_app.command("add")
def holidays_add(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="The year's holidays as TOML (UTF-8)."
    ),
) -> None:
    """Add a year's holidays and 调休 working days from its file (replaces that year)."""
    from yiyu.jobs.holidays import add_holidays

    with _errors():
        added = add_holidays(_repo(), file)
        year, counts = added.year, added.counts
        done = "added" if counts.created else "replaced" if counts.updated else "unchanged"
        typer.echo(
            f"holidays {year.year} {done}: {len(year.holidays)} days off, "
            f"{len(year.workdays)} weekend days worked; source: {year.source}"
        )


@holidays_app.command("list")
def holidays_list() -> None:
    """The holiday years entered, with their source and counts."""
    with _errors():
        calendar = _repo().holiday_calendar()
        if not calendar.years:
            typer.echo(
                "no holiday years entered: suggested dates use chinese-calendar, "
                "and weekends only for years it has no notice for"
            )
            return
        table = Table(title="节假日安排 holiday years (yiyu holidays add)")
        for column in ("年份 year", "放假 days off", "调休上班 worked", "依据 source", "备注 note"):
            table.add_column(column)
        for year in calendar.years:
            table.add_row(
                str(year.year), str(len(year.holidays)), str(len(year.workdays)), year.source,
                year.note or "",
            )  # fmt: skip
        Console().print(table)


@app.command("plan")
def plan_command(
    as_of: str | None = typer.Option(None, "--as-of", help="Date to plan from (default today)."),
    full: bool = typer.Option(False, "--full", help="Re-plan every subject."),
    horizon: int = typer.Option(180, "--horizon", min=1, help="Days ahead to plan."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Processes planning batches at once."
    ),
) -> None:
    """Materialise every subject's obligations up to the horizon."""
    from yiyu.jobs.planning import plan

    with _errors():
        day = _as_of(as_of)
        update, stop = _progress("plan")
        try:
            result = plan(
                _repo(), yiyu.load_protocol(), as_of=day, horizon_days=horizon, full=full,
                progress=update, workers=workers,
            )  # fmt: skip
        finally:
            stop()
        counts = result.obligations
        typer.echo(
            f"planned {result.planned} of {result.subjects} subjects ({result.skipped} "
            f"unchanged): {counts.created} obligations new, {counts.updated} changed, "
            f"{counts.unchanged} as they were; {result.seconds:.1f} s (run {result.run_id})"
        )


@app.command("worklist")
def worklist_command(
    as_of: str | None = typer.Option(None, "--as-of", help="Date of the list (default today)."),
    clinician: str | None = typer.Option(None, "--clinician", help="Family doctor or instructor."),
    township: str | None = typer.Option(None, "--township", help="镇街."),
    daycare: str | None = typer.Option(None, "--daycare", help="Daycare id."),
    role: str | None = typer.Option(None, "--role", help="child_health_doctor, …"),
    output: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """What is due and overdue, overdue first."""
    from yiyu.jobs.worklist import iter_worklist, worklist, write_worklist

    if output not in ("table", "csv", "json"):
        _fail(f"--format={output!r}: expected table, csv or json", code=2)
    with _errors():
        day = _as_of(as_of)
        where: dict[str, Any] = {"as_of": day, "clinician": clinician, "township": township,
                                 "daycare": daycare, "role": role}  # fmt: skip
        if output == "csv":
            # A page at a time: a township's list at province scale is not held; through
            # the one spreadsheet-safe writer, so a registry name cannot run as a formula.
            write_worklist(sys.stdout, iter_worklist(_repo(), **where))
            return
        rows = [item.as_row() for item in worklist(_repo(), **where)]
        if output == "json":
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            table = Table(title=f"工作清单 work list {day}")
            for column in ("状态", "应做日期", "建议日期", "对象", "事项", "负责人", "镇街"):
                table.add_column(column)
            for row in rows:
                suggested = row["suggested"]
                if row["suggested_outside_window"] == "true":
                    suggested += " 时限外"  # no working day left in the window: after it
                table.add_row(
                    row["status_zh"], row["due"], suggested,
                    f"{row['subject_name']} ({row['subject_id']})", row["name"],
                    row["assignee"], row["township"],
                )  # fmt: skip
            Console().print(table)


@app.command("coverage")
def coverage_command(
    period: str = typer.Option(..., "--period", help="2026Q3, 2026H1, 2026 or 2026-07."),
    township: str | None = typer.Option(None, "--township", help="镇街 (default: the city)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge as of (default today)."),
    output: str = typer.Option("table", "--format", help="table, csv, json or pdf."),
    out: Path | None = typer.Option(None, "--out", help="The PDF's path (--format pdf)."),
    institution: str | None = typer.Option(
        None,
        "--institution",
        help="Printed under the PDF's title (default: [institution] name in yiyu.toml, if set).",
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Processes counting batches of subjects at once."
    ),
) -> None:
    """Coverage against the plan's targets, from the obligations themselves."""
    from yiyu.jobs.coverage import coverage_report, shortfall_details

    if output not in ("table", "csv", "json", "pdf"):
        _fail(f"--format={output!r}: expected table, csv, json or pdf", code=2)
    if output == "pdf" and out is None:
        _fail("--format pdf needs --out FILE.pdf", code=2)
    # Only JSON lists every shortfall; a PDF prints the first few of each indicator and
    # counts the rest, a table and CSV count them: holding a city's would cost gigabytes.
    kept: int | None = 0
    if output == "json":
        kept = None
    elif output == "pdf":
        from yiyu.reports.coverage import SHORTFALL_SHOWN

        kept = SHORTFALL_SHOWN
    with _errors():
        repo, protocol, day = _repo(), yiyu.load_protocol(), _as_of(as_of)
        results = coverage_report(
            repo, protocol, period=_period(period), as_of=day, township=township, shortfall=kept,
            workers=workers,
        )  # fmt: skip
        if output == "pdf":
            from yiyu.reports import coverage_document, render

            assert out is not None
            by_area = {township or "全市": results}
            if township is None:
                for name in repo.townships():
                    by_area[name] = coverage_report(
                        repo, protocol, period=_period(period), as_of=day, township=name,
                        shortfall=kept, workers=workers,
                    )  # fmt: skip
            details = shortfall_details(repo, by_area)
            settings = _settings()
            document = coverage_document(
                by_area, period=period, as_of=day, names=details.names,
                obligations=details.obligations,
                institution=institution.strip() if institution else settings.institution,
            )  # fmt: skip
            out.write_bytes(render(document))
            typer.echo(f"wrote {out}")
            return
        rows = [r.as_dict() for r in results]
        if output == "json":
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if output == "csv":
            from yiyu.jobs.csvfile import csv_text

            header = [k for k in rows[0] if k != "shortfall"]  # a list, not one cell
            typer.echo(csv_text(rows, header=header), nl=False)
            return
        _print_coverage(results, f"{period} {township or '全市'}")


def _print_coverage(results: Sequence[IndicatorResult], label: str) -> None:
    """The yearly rates first, then the per-period rates, each as a table."""
    console = Console()
    for basis, heading in (("year", "年度指标（年初至今）"), ("period", "本期指标")):
        part = [r for r in results if r.basis == basis]
        if part:
            console.print(_coverage_table(part, f"{heading} {label}"))


def _coverage_table(results: Sequence[IndicatorResult], title: str) -> Table:
    """One kind of indicator (yearly or per period) as a table, its span in the title."""
    spans = "、".join(sorted({r.span for r in results}))
    title = f"覆盖率 coverage {title}（{spans}）"
    if any(not r.final and not r.pending for r in results):
        title += "（统计期未结束：数字还会变化，不作达标判断）"
    elif any(not r.final for r in results):
        title += "（有待判断的对象：数字还会变化，不作达标判断）"
    table = Table(title=title)
    columns = ("指标", "分子", "分母", "比例", "目标", "达标", "逾期完成", "跳过", "他处完成")
    for column in (*columns, "待判断"):
        table.add_column(column)
    for r in results:
        rate = "—" if r.rate is None else f"{r.rate:.1%}"
        target = "" if r.target is None else f"{'>' if r.target_strict else '≥'}{r.target:.0%}"
        met = {True: "是", False: "否", None: ""}[r.verdict]
        if r.small and r.target is not None:
            met = f"分母<{r.small_below}"
        table.add_row(
            r.name, str(r.numerator), str(r.denominator), rate, target, met, str(r.late),
            str(r.skipped), str(r.elsewhere), str(r.pending),
        )  # fmt: skip
    return table


def _period(text: str) -> yiyu.Period:
    return yiyu.Period.parse(text)


@app.command("render")
def render_command(
    out: Path = typer.Option(..., "--out", help="Folder for the PDFs."),
    as_of: str | None = typer.Option(None, "--as-of", help="The day to print (default today)."),
    township: str | None = typer.Option(None, "--township", help="Only this 镇街."),
    institution: str | None = typer.Option(
        None,
        "--institution",
        help="The institution printed on every form (机构名称; default: [institution] name "
        "in yiyu.toml; one of the two is required).",
    ),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Default: one per core."),
    growth_reference: list[str] | None = typer.Option(
        None,
        "--growth-reference",
        help="Growth section to print: ws_t_423_2022 or who_2006; repeat for both "
        "(default: the protocol's choice).",
    ),
) -> None:
    """Print a day: the records of its encounters and the work lists, with bundles."""
    from yiyu.jobs.render import render_day

    with _errors():
        repo, settings = _repo(), _settings()
        name = _institution(institution, settings)  # before any work: no form without it
        update, stop = _progress("render")
        try:
            done = render_day(
                repo, yiyu.load_protocol(), as_of=_as_of(as_of), out=out,
                institution=name, township=township, workers=workers, progress=update,
                growth_references=growth_reference or settings.growth_references,
            )  # fmt: skip
        finally:
            stop()
        typer.echo(
            f"{done.encounters} encounters and {done.worklists} work lists: "
            f"{len(done.rendered)} PDFs written, {len(done.skipped)} already there, "
            f"{len(done.bundles)} bundles, {len(done.failed)} failed (in {out})"
        )
        from yiyu.store.api import describe_error

        for name, error in done.failed.items():  # one line each: no worker's traceback text
            typer.echo(f"  failed: {name}: {_scrub(describe_error(error))}")
        if done.failed:
            raise typer.Exit(EXIT_FAILURE)


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("yiyu-demo"), "--out", help="Folder for the demo's files."),
    children: int = typer.Option(1000, "--children", min=10, help="Size of the cohort."),
    seed: int = typer.Option(2026, "--seed", help="Same seed, same demo."),
    as_of: str | None = typer.Option(None, "--as-of", help="The demo's today (default today)."),
    no_pdf: bool = typer.Option(False, "--no-pdf", help="Skip the PDFs."),
) -> None:
    """The whole library on a synthetic cohort: import, visits, plan, lists, PDFs, coverage."""
    from yiyu.jobs.demo import run_demo

    with _errors():
        update, stop = _steps()
        try:
            result = run_demo(
                out=out, children=children, seed=seed, as_of=_as_of(as_of),
                render=not no_pdf, step=update,
            )  # fmt: skip
        finally:
            stop()
        typer.echo(
            f"demo as of {result.as_of}: {result.children} children, {result.daycares} "
            f"daycares, {result.encounters} visits recorded, {result.cases_opened} cases and "
            f"{result.referrals} referrals opened, {result.obligations} obligations planned "
            f"({result.seconds:.0f} s)"
        )
        _print_coverage(result.coverage, f"{result.period} 全市")
        typer.echo(f"database: {result.database}")
        for path in result.files:
            typer.echo(f"  {path}")


def _steps() -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    """Progress for a job of several steps: a rich bar per step, or log lines."""
    if sys.stderr.isatty():
        from rich.progress import Progress, TaskID

        bar = Progress(console=err, transient=True)
        bar.start()
        tasks: dict[str, TaskID] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        return update, bar.stop

    last: dict[str, int] = {}

    def log(what: str, done: int, total: int) -> None:
        if done == total or done - last.get(what, 0) >= max(1, total // 10):
            last[what] = done
            print(f"{what}: {done}/{total}", file=sys.stderr, flush=True)

    return log, lambda: None


@export_app.command("fhir", epilog="The mapping and how a host imports it: docs/guide/exchange.md.")
def export_fhir_command(
    out: Path = typer.Option(..., "--out", file_okay=False, help="Folder for the NDJSON files."),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Only what changed after this instant: a date (its midnight in Asia/Shanghai) "
        "or an ISO 8601 time, e.g. the 'next --since' an earlier export printed.",
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge statuses as of (default today)."),
    bundle: bool = typer.Option(False, "--bundle", help="Also write bundle.json (transaction)."),
    show_full_ids: bool = typer.Option(
        False,
        "--show-full-ids",
        help="Resident ids and guardians' phones in full (default masked).",
    ),
) -> None:
    """FHIR R4 NDJSON, one file per resource type (Bulk Data), ids stable across runs."""
    from yiyu.jobs.export_fhir import export_fhir

    instant = _instant(since, "--since") if since else None
    with _errors():
        day = _as_of(as_of)
        done = export_fhir(
            _repo(), yiyu.load_protocol(), out, as_of=day, since=instant, bundle=bundle,
            show_full_ids=show_full_ids,
        )  # fmt: skip
        counts = ", ".join(f"{n} {kind}" for kind, n in done.counts.items()) or "nothing changed"
        typer.echo(f"exported {done.total} resources ({counts}) to {out} (run {done.run_id})")
        typer.echo(f"next --since: {done.started_at.isoformat()}")


def _instant(value: str, option: str) -> pendulum.DateTime:
    """A date (its midnight in Asia/Shanghai) or an ISO 8601 instant (local if it names no
    offset); a one-line usage error otherwise."""
    try:
        parsed = pendulum.parse(value, tz=TIMEZONE)  # a date alone: its local midnight
    except ValueError:  # pendulum's ParserError is one
        parsed = None
    if not isinstance(parsed, pendulum.DateTime):
        _fail(f"{option}={value!r}: expected a date (YYYY-MM-DD) or an ISO 8601 time", EXIT_USAGE)
    return parsed


@app.command("record", epilog="The format, with an example per visit: docs/guide/recording.md.")
def record_command(
    file: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, show_default=False, help="Encounter as JSON."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Today (default: the real today)."),
    schema: bool = typer.Option(
        False, "--schema", help="Print the JSON Schema of an encounter file and exit."
    ),
) -> None:
    """Record an encounter from a JSON file and plan what it causes."""
    from yiyu.jobs.recording import encounter_from_data, record_encounter

    if schema:
        from yiyu.codec.schema import encounter_schema_text

        typer.echo(encounter_schema_text(), nl=False)
        return
    if file is None:
        _fail("missing FILE: the encounter as JSON (or --schema for its format)", EXIT_USAGE)
    with _errors():
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValidationError("file", str(file), f"not UTF-8 JSON: {error}") from None
        try:
            encounter = encounter_from_data(data)
        except ValidationError as error:
            # The file's own mistake: named with the file and the field's path in it.
            _fail(f"{file}: {error}")
        recorded = record_encounter(_repo(), yiyu.load_protocol(), encounter, as_of=_as_of(as_of))
        result = recorded.result
        if not recorded.new:
            typer.echo(f"encounter {result.encounter.id} was already recorded: nothing changed")
            return
        typer.echo(f"recorded {result.encounter.id}")
        for line in _growth_lines(result):
            typer.echo(f"  growth {line}")
        for finding in result.findings:
            typer.echo(f"  finding: {finding.label_zh} {finding.detail or ''}".rstrip())
        for obligation in result.follow_ups:
            typer.echo(f"  follow-up: {obligation.name} due {obligation.due} ({obligation.key})")


def _growth_lines(result: ChildRecord | DaycareRecord) -> list[str]:
    """The evaluation the protocol prints, one line per indicator (a child's visit only)."""
    from yiyu.instruments import wst423
    from yiyu.outcomes import ChildRecord

    if not isinstance(result, ChildRecord):
        return []
    if result.evaluation_reference == "ws_t_423_2022" and result.evaluation is not None:
        lines = []
        for item in result.evaluation.indicators:
            name, unit = wst423.INDICATOR_NAMES[item.indicator]
            status = f" {item.status.label}" if item.status is not None else ""
            lines.append(
                f"(WS/T 423—2022): {name} {item.value:g} {unit}: 百分位数法 "
                f"{item.grade_percentile.value}, 标准差法 {item.grade_sd.value}{status}"
            )
        return lines
    z = result.growth
    if z is None:
        return []
    scores = [
        f"{label} {value:+.2f}"
        for label, value in (
            ("WAZ", z.waz), ("LAZ/HAZ", z.haz), ("WLZ/WHZ", z.whz), ("BAZ", z.baz),
            ("HCZ", z.hcz),
        )
        if value is not None
    ]  # fmt: skip
    return [f"(WHO 2006 z): {', '.join(scores)}"] if scores else []


@export_app.command("ics", epilog="Subscribing, refreshing, privacy: docs/guide/calendar.md.")
def export_ics_command(
    out: Path = typer.Option(..., "--out", help="The .ics file (a folder with --each-child)."),
    clinician: str | None = typer.Option(None, "--clinician", help="Family doctor or instructor."),
    township: str | None = typer.Option(None, "--township", help="镇街."),
    child: str | None = typer.Option(None, "--child", help="One child's feed, for the family."),
    each_child: bool = typer.Option(False, "--each-child", help="A file per child in --out."),
    as_of: str | None = typer.Option(None, "--as-of", help="The feed's date (default today)."),
    days: int | None = typer.Option(
        None, "--days", min=0, help="Days ahead (default 60; a child's feed 180)."
    ),
    alarm_days: int = typer.Option(3, "--alarm-days", min=0, help="Alarm, days before due."),
    no_alarm: bool = typer.Option(False, "--no-alarm", help="No alarms."),
    kind: str = typer.Option("todos", "--as", help="todos (VTODO) or events (VEVENT)."),
    index: Path | None = typer.Option(
        None, "--index", help="--each-child: CSV child_id,file (keep it out of --out)."
    ),
    secret_file: Path | None = typer.Option(
        None,
        "--secret-file",
        dir_okay=False,
        help="--each-child: key for file names (default: $YIYU_ICS_SECRET).",
    ),
) -> None:
    """An iCalendar feed: a clinician's, a township's or a child's, or one per child."""
    import os

    from yiyu.jobs.export_ics import export_child_feeds, export_ics

    selectors = {"--clinician": clinician, "--township": township, "--child": child}
    chosen = [name for name, value in selectors.items() if value is not None]
    chosen += ["--each-child"] if each_child else []
    if len(chosen) != 1:
        given = f" (given: {', '.join(chosen)})" if chosen else ""
        _fail(f"give one of --clinician, --township, --child or --each-child{given}", EXIT_USAGE)
    if kind not in ("todos", "events"):
        _fail(f"--as={kind!r}: expected todos or events", code=EXIT_USAGE)
    alarm = None if no_alarm else alarm_days
    with _errors():
        day = _as_of(as_of)
        if not each_child:
            one = export_ics(
                _repo(), as_of=day, out=out, clinician=clinician, township=township,
                child=child, days=days, alarm_days=alarm, as_events=kind == "events",
            )  # fmt: skip
            typer.echo(f"{one.items} items in {out}" + ("" if one.written else " (unchanged)"))
            return
        if index is None:
            _fail("--each-child needs --index FILE (outside --out)", code=EXIT_USAGE)
        if secret_file is not None:
            secret = secret_file.read_bytes().strip()
        else:
            secret = os.environ.get("YIYU_ICS_SECRET", "").encode()
        if not secret:
            _fail("--each-child needs a secret: --secret-file or $YIYU_ICS_SECRET", EXIT_USAGE)
        every = export_child_feeds(
            _repo(), as_of=day, out_dir=out, secret=secret, index=index, days=days,
            alarm_days=alarm, as_events=kind == "events",
        )  # fmt: skip
        typer.echo(
            f"{every.feeds} feeds, {every.items} items: {len(every.written)} written, "
            f"{every.unchanged} unchanged (in {out}; index {index})"
        )


@app.command("status")
def status_command(limit: int = typer.Option(10, "--limit", min=1)) -> None:
    """What the last job runs did (every job: import, plan, record, render), and which
    database this is. Times are local (Asia/Shanghai); a run whose process is gone is
    shown as interrupted."""
    from yiyu.store.database import database_url, redact

    with _errors():
        typer.echo(f"database: {redact(database_url(OPTIONS.db))}")
        table = Table(title=f"job runs (local time, {TIMEZONE})")
        for column in ("run", "job", "status", "started", "finished"):
            table.add_column(column, no_wrap=True)
        table.add_column("counts", overflow="fold")
        table.add_column("error", overflow="fold")
        for run in _repo().runs(limit=limit):
            counts = {k: v for k, v in run.counts.items() if k != "parameters"}
            table.add_row(
                str(run.id), run.job, run.status, _local(run.started_at),
                _local(run.finished_at) if run.finished_at else "",
                json.dumps(counts, ensure_ascii=False), run.error or "",
            )  # fmt: skip
        # Not on a terminal (cron mail, a pipe), rich would squeeze the table into 80
        # columns and cut the job names, statuses and times a reader scans for.
        Console(width=None if sys.stdout.isatty() else 200).print(table)


def _local(instant: pendulum.DateTime) -> str:
    """An instant (stored in UTC) as the clinic's wall-clock time."""
    return instant.in_timezone(TIMEZONE).to_datetime_string()


def main() -> None:
    app()
