"""The published benchmark pages hold only what the committed harness measures (#14).

docs/benchmarks.md and docs/benchmarks.json are written by benchmarks/run.py, and so are
docs/benchmarks-province.md and .json (``--province``, once the province run is made); a
figure on a page that no measurement of the harness produces (typed in by hand, or left
from a harness that no longer measures it) fails here.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HARNESS = sorted((ROOT / "benchmarks").glob("*.py"))  # run.py and the helpers beside it
PAGES = ["benchmarks", "benchmarks-province"]  # each a .md page and its .json figures
COSTS = ("cost", "paired_cost")  # bench_report's builders of a result, named first


def _pattern(node: ast.expr) -> str | None:
    """A figure's name as the harness writes it, as a regular expression: the text of an
    f-string with each value it formats standing for any text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            re.escape(part.value) if isinstance(part, ast.Constant) else r"[\w.-]+"
            for part in node.values
        )
    return None


def produced() -> list[re.Pattern[str]]:
    """Every figure name the harness measures: the first argument of ``cost(…)`` or
    ``paired_cost(…)`` and the ``name=`` of a result it builds by hand."""
    patterns = []
    nodes = [n for f in HARNESS for n in ast.walk(ast.parse(f.read_text(encoding="utf-8")))]
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        named = [k.value for k in node.keywords if k.arg == "name"]
        if isinstance(node.func, ast.Name) and node.func.id in COSTS and node.args:
            named.append(node.args[0])
        patterns += [re.compile(p) for n in named if (p := _pattern(n)) is not None]
    return patterns


def published(page: Path) -> list[str]:
    """The figures in the page's results table (the province page has a table of its
    stages too)."""
    text = page.read_text(encoding="utf-8")
    results = text.split("\n## Results\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", results, flags=re.M)


def _page(stem: str) -> Path | None:
    """The page, or ``None`` for a province page not generated yet: then the main page
    must say that 1.2 M children were not measured, never leave it unsaid."""
    page = ROOT / "docs" / f"{stem}.md"
    if not page.exists():  # the province page: committed by the province run
        main = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
        not_measured = main.split("\n## Not measured in this run\n", 1)[1].split("\n## ", 1)[0]
        assert "1,200,000 children" in not_measured, f"docs/{stem}.md is missing, unsaid"
        return None
    return page


@pytest.mark.parametrize("stem", PAGES)
def test_the_page_names_only_figures_the_harness_produces(stem: str) -> None:
    patterns = produced()
    assert len(patterns) >= 10  # the harness's measurements were found
    page = _page(stem)
    if page is None:
        return
    names = published(page)
    assert names
    strays = [n for n in names if not any(p.fullmatch(n) for p in patterns)]
    assert strays == []


@pytest.mark.parametrize("stem", PAGES)
def test_the_page_and_its_figures_file_come_from_one_run(stem: str) -> None:
    page = _page(stem)
    if page is None:
        return
    figures = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert [f["name"] for f in figures] == published(page)


def test_a_figure_the_harness_does_not_produce_is_caught() -> None:
    patterns = produced()
    assert any(p.fullmatch("plan.full.sqlite.10k") for p in patterns)
    assert not any(p.fullmatch("plan.fastest.sqlite.10k") for p in patterns)
