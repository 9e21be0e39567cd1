"""Public-API usage that must type-check under mypy --strict (not collected by pytest)."""

from __future__ import annotations

import pendulum

import yiyu

protocol: yiyu.Protocol = yiyu.load_protocol()
child = yiyu.Child(
    id="C1",
    name="王小明",
    sex="M",
    birth_date="2026-01-31",
    gestational_age="35+2",
    birth_weight_g=2300,
    discharge_date=pendulum.Date(2026, 2, 5),
    categories=[yiyu.Category(kind="orphan", start="2026-03-01")],
)
daycare = yiyu.Daycare(id="D1", name="阳光托育园", opened_on="2025-09-01")
as_of: pendulum.Date = pendulum.Date(2026, 11, 29)

obligations: list[yiyu.Obligation] = yiyu.schedule(child, protocol, until=as_of.add(days=180))
for ob in obligations + yiyu.schedule(daycare, protocol, until=as_of):
    state: yiyu.Status = yiyu.status(ob, done_on=None, skipped=None, as_of=as_of)
    suggestion: yiyu.Suggestion | None = yiyu.suggest_date(ob, as_of=as_of)
    label: str = f"{ob.key} {state.label_zh} {ob.role.label_zh}"
    if suggestion is not None:
        day: pendulum.Date = suggestion.date

# A year's holidays entered by the operator (an example, not an official notice).
entered: yiyu.HolidayYear = yiyu.parse_holiday_year(
    'year = 2027\nsource = "示例 example"\n[[holidays]]\nname = "元旦"\nfrom = "2027-01-01"\n'
)
calendar = yiyu.HolidayCalendar(years=[entered])
known: yiyu.HolidayYear | None = calendar.year(2027)
working: tuple[bool, yiyu.CalendarBasis] = yiyu.is_working_day(as_of, calendar)
booked = yiyu.suggest_date(obligations[0], as_of=as_of, calendar=calendar)
if booked is not None:
    late: bool = booked.outside_window
    basis: yiyu.CalendarBasis = booked.basis
    why: str | None = booked.note

months: int = yiyu.age_in_months(child.birth_date, as_of)
corrected: pendulum.Date = yiyu.corrected_birth(child)
skip = yiyu.Skip(on=as_of, reason=yiyu.SkipReason.CHILD_ILL)
period: yiyu.Period = yiyu.Period.parse("2026Q3")
try:
    yiyu.Child(id="C2", name="x", sex="F", birth_date="2026-02-30")
except yiyu.ValidationError as error:
    field: str = error.field

# Recording a visit and reading what it changed.
encounter = yiyu.Encounter(
    id="E1",
    subject_id="C1",
    on="2026-07-31",
    measurements={"weight_kg": 7.1, "length_cm": 66.0, "hb_g_l": 118},
)
result = yiyu.record(encounter, child, protocol, as_of=as_of)
if isinstance(result, yiyu.ChildRecord):
    after: yiyu.Child = result.child
    findings: tuple[yiyu.Finding, ...] = result.findings
    follow_ups: list[yiyu.Obligation] = list(result.follow_ups)
    judged: yiyu.AssessmentAge = result.age
    by_corrected: bool = judged.corrected
    course: tuple[yiyu.CaseCheck, ...] = after.cases[0].course if after.cases else ()
    # The growth references (#11): both evaluations, and which the protocol uses for what.
    printed: str = result.evaluation_reference
    judged_by: str = result.case_reference
    if result.evaluation is not None:
        weight = result.evaluation.get("wfa")
        if weight is not None:
            grade: str = weight.grade_sd.value
            status: str | None = weight.status.label if weight.status else None
            position: float = weight.sd_position

# WS/T 423—2022 directly, and the protocol's choice.
from yiyu.instruments import wst423  # noqa: E402

evaluated: wst423.GrowthEvaluation = wst423.evaluate(
    yiyu.Sex.FEMALE, age_days=800, weight_kg=9.0, length_cm=80.0, measured="recumbent"
)
found: frozenset[object] = frozenset(evaluated.findings("either"))
reference: str = protocol.growth_reference("case_management")

# Which age assesses a preterm child, and a rickets check at a visit (#10).
age: yiyu.AssessmentAge = yiyu.assessment_age(child, as_of, protocol)
assessed_months: int = age.months
chronological: int = age.chronological_months
rickets_visit = yiyu.Encounter(
    id="E2",
    subject_id=child.id,
    on=as_of,
    rickets=yiyu.RicketsCheck(
        stage=yiyu.RicketsStage.RECOVERY, symptoms=False, signs=yiyu.RicketsSigns.IMPROVED
    ),
)
check = yiyu.CaseCheck(on=as_of, by="E2", values={"hb_g_l": 101.0})
stages: tuple[tuple[pendulum.Date, yiyu.RicketsStage], ...] = yiyu.Case(
    condition="rickets", opened_on=as_of, course=[check]
).phases()
inpatient: bool = protocol.policy("inpatient_not_owed")

# Why a case closed: a child who left has its open cases closed that day (#17).
gone = yiyu.Child(
    id="C9", name="王小红", sex="F", birth_date="2026-01-31",
    cases=[yiyu.Case(condition="anaemia", opened_on="2026-08-01")],
    life_events=[yiyu.LifeEvent(kind=yiyu.LifeEventKind.MOVED_OUT, on="2026-10-01")],
)  # fmt: skip
closing: yiyu.CaseCloseReason | None = gone.cases[0].close_reason
left_case: bool = (
    gone.cases[0].closed_by_leaving and closing is not yiyu.CaseCloseReason.CRITERIA_MET
)
as_recorded: yiyu.Case = gone.cases[0].as_recorded()
leaving: yiyu.LifeEvent | None = gone.leaving

# The store and the jobs, as host software uses them.
from yiyu.jobs.planning import plan  # noqa: E402
from yiyu.jobs.worklist import WorklistItem, worklist  # noqa: E402
from yiyu.store import MemoryRepository, Repository, SaveCounts  # noqa: E402

repo: Repository = MemoryRepository()
repo.save_children([child])
planned = plan(repo, protocol, as_of=as_of)
saved: SaveCounts = repo.save_holiday_year(entered)
stored_calendar: yiyu.HolidayCalendar = repo.holiday_calendar()
from yiyu.jobs.holidays import AddedHolidays, add_holidays  # noqa: E402

added: AddedHolidays = add_holidays(repo, "2027.toml", actor="信息科")
items: list[WorklistItem] = worklist(repo, as_of=as_of, township="城关街道")

# Printing (imports WeasyPrint: only where documents are printed).
from yiyu.reports import (  # noqa: E402
    coverage_document,
    encounter_document,
    render,
    worklist_document,
)

if isinstance(result, yiyu.ChildRecord):
    both: bytes = render(
        encounter_document(
            result, child, institution="x", growth_references=("ws_t_423_2022", "who_2006")
        )
    )

pdf: bytes = render(worklist_document(items, title="城关街道 工作清单", as_of=as_of))
from yiyu.jobs.coverage import coverage_report  # noqa: E402

results = coverage_report(repo, protocol, period=yiyu.Period.parse("2026Q3"), as_of=as_of)
report: bytes = render(coverage_document({"全市": results}, period="2026Q3", as_of=as_of))
