"""The FHIR export job (#16): a synthetic district's store exports to NDJSON that
validates line by line, the references between its resources hold, a second export with
nothing changed writes nothing new (``since``) or the same ids (full)."""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from fhir.resources.R4B import get_fhir_model_class

import yiyu
from yiyu.jobs.export_fhir import BUNDLE_FILE, export_fhir
from yiyu.jobs.planning import plan
from yiyu.store import Repository
from yiyu.synthetic import CohortSpec, generate_cohort, simulate_daycare_visits, simulate_history

D = pendulum.Date
AS_OF = D(2026, 6, 30)
PROTOCOL = yiyu.load_protocol()


@functools.cache
def histories() -> tuple[Any, ...]:
    """~50 children and their daycares with a year of simulated visits (the demo's way)."""
    spec = CohortSpec(children=50, seed=16, as_of=AS_OF)
    cohort = generate_cohort(spec)
    since = AS_OF.subtract(years=1)
    people = [
        simulate_history(child, PROTOCOL, spec=spec, since=since) for child in cohort.children()
    ]
    places = [simulate_daycare_visits(daycare, PROTOCOL, spec=spec) for daycare in cohort.daycares]
    return (*places, *people)


@pytest.fixture
def stocked(repo: Repository) -> Repository:
    stories = histories()
    repo.save_daycares([h.daycare for h in stories if hasattr(h, "daycare")])
    repo.save_children([h.child for h in stories if hasattr(h, "child")])
    for history in stories:
        for encounter in history.encounters:
            repo.save_encounter(encounter, [])
    plan(repo, PROTOCOL, as_of=AS_OF, full=True)
    return repo


def lines(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            assert f"{resource['resourceType']}.ndjson" == path.name
            yield resource


def test_the_export_validates_line_by_line_and_its_references_hold(
    stocked: Repository, tmp_path: Path
) -> None:
    done = export_fhir(stocked, PROTOCOL, tmp_path, as_of=AS_OF, batch_size=7)
    resources = list(lines(tmp_path))
    assert Counter(r["resourceType"] for r in resources) == done.counts
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    kinds = set(done.counts)
    assert {
        "Patient",
        "CarePlan",
        "Organization",
        "Task",
        "Encounter",
        "Observation",
        "QuestionnaireResponse",
        "Questionnaire",
    } <= kinds
    ids = {f"{r['resourceType']}/{r['id']}" for r in resources}
    assert len(ids) == len(resources)  # no resource twice
    dangling = {ref for r in resources for ref in references(r) if ref not in ids}
    assert dangling == set()
    [run] = [r for r in stocked.runs() if r.id == done.run_id]
    assert (run.job, run.status, run.counts["Task"]) == (
        "export_fhir",
        "succeeded",
        done.counts["Task"],
    )
    assert not list(tmp_path.glob("*.part"))


def references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def test_a_second_export_writes_nothing_new_since_the_first_and_the_same_ids_in_full(
    stocked: Repository, tmp_path: Path
) -> None:
    first = export_fhir(stocked, PROTOCOL, tmp_path / "1", as_of=AS_OF)
    again = export_fhir(stocked, PROTOCOL, tmp_path / "2", as_of=AS_OF, since=first.started_at)
    assert again.counts == {}
    assert list((tmp_path / "2").iterdir()) == []
    full = export_fhir(stocked, PROTOCOL, tmp_path / "3", as_of=AS_OF)
    for path in (tmp_path / "1").glob("*.ndjson"):
        assert (tmp_path / "3" / path.name).read_bytes() == path.read_bytes()
    # A visit recorded since: only that child's resources are sent again.
    child_id = next(iter(stocked.get_children([h.child.id for h in histories()[-1:]])))
    stocked.save_encounter(yiyu.Encounter(id="E-new", subject_id=child_id, on=AS_OF), [])
    later = export_fhir(stocked, PROTOCOL, tmp_path / "4", as_of=AS_OF, since=full.started_at)
    patients = [r for r in lines(tmp_path / "4") if r["resourceType"] == "Patient"]
    assert [p["identifier"][0]["value"] for p in patients] == [child_id]
    assert later.counts["Encounter"] >= 1


def test_a_bundle_is_one_transaction_of_every_resource(stocked: Repository, tmp_path: Path) -> None:
    done = export_fhir(stocked, PROTOCOL, tmp_path, as_of=AS_OF, bundle=True)
    bundle = json.loads((tmp_path / BUNDLE_FILE).read_text(encoding="utf-8"))
    assert len(bundle["entry"]) == done.total
    assert {e["request"]["method"] for e in bundle["entry"]} == {"PUT"}
    get_fhir_model_class("Bundle").model_validate(bundle)


def test_ids_are_masked_in_the_export_unless_asked_for(stocked: Repository, tmp_path: Path) -> None:
    children = stocked.get_children(stocked.subject_ids(yiyu.SubjectKind.CHILD, limit=100))
    numbers = {c.resident_id for c in children.values() if c.resident_id}
    assert numbers  # the synthetic cohort has some
    export_fhir(stocked, PROTOCOL, tmp_path / "masked", as_of=AS_OF)
    text = (tmp_path / "masked" / "Patient.ndjson").read_text(encoding="utf-8")
    assert not any(number in text for number in numbers)
    export_fhir(stocked, PROTOCOL, tmp_path / "full", as_of=AS_OF, show_full_ids=True)
    text = (tmp_path / "full" / "Patient.ndjson").read_text(encoding="utf-8")
    assert all(number in text for number in numbers)


def test_the_demos_store_exports_to_fhir_that_validates(tmp_path: Path) -> None:
    # #16's "done when": the store `yiyu demo` makes (a seeded cohort, a year of visits
    # with their findings, cases and referrals, a plan) exports line by line valid, and a
    # second export since the first writes nothing.
    from yiyu.jobs.demo import run_demo
    from yiyu.store.database import make_engine
    from yiyu.store.sql import SqlRepository

    as_of = D(2026, 11, 30)
    run_demo(out=tmp_path / "demo", children=60, as_of=as_of, render=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'demo' / 'yiyu-demo.db'}")
    repo = SqlRepository(engine)
    first = export_fhir(repo, PROTOCOL, tmp_path / "fhir", as_of=as_of)
    resources = list(lines(tmp_path / "fhir"))
    assert len(resources) == first.total > 60
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert {"Condition", "ServiceRequest", "Observation"} <= set(first.counts)
    again = export_fhir(repo, PROTOCOL, tmp_path / "again", as_of=as_of, since=first.started_at)
    assert again.counts == {}
    engine.dispose()
