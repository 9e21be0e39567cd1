"""The Python examples in the README and the user guide run as written."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs" / "guide").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)\s*```", re.DOTALL)

EXAMPLES = [
    pytest.param(code, id=f"{page.name}-{index}")
    for page in PAGES
    for index, code in enumerate(BLOCK.findall(page.read_text(encoding="utf-8")))
]


@pytest.mark.parametrize("code", EXAMPLES)
def test_example_runs(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(
        compile(textwrap.dedent(code), "<docs example>", "exec"), {}
    )  # our own docs, not user input
    assert capsys.readouterr().out  # every example shows something


def test_region_example_loads(tmp_path: Path) -> None:
    import yiyu

    page = (ROOT / "docs" / "guide" / "scheduling.md").read_text(encoding="utf-8")
    [toml] = re.findall(r"```toml\n(.*?)```", page, re.DOTALL)
    path = tmp_path / "my-county.toml"
    path.write_text(toml, encoding="utf-8")
    protocol = yiyu.load_protocol(path)
    assert protocol.label == "my-county@2026.1"
    assert protocol.rule("one_month").closes == yiyu.protocol.Offset(days=42)


def test_holidays_example_is_valid_and_labelled_an_example() -> None:
    # 2027's official dates are not known yet: the guide's file must say it is an example.
    import yiyu

    page = (ROOT / "docs" / "guide" / "jobs.md").read_text(encoding="utf-8")
    [toml] = re.findall(r"```toml\n(.*?)```", page, re.DOTALL)
    year = yiyu.parse_holiday_year(toml)
    assert year.year == 2027
    assert "示例" in year.source
    assert toml.lstrip().startswith("# 示例 EXAMPLE ONLY")
    assert year.workdays == {yiyu.to_date("2027-02-20")}
