"""Extract the 24 tables of WS/T 423—2022 (7岁以下儿童生长标准) into yiyu package data.

Usage (from the repository root, with the ``tables`` dependency group installed, which
brings ``pdfplumber``)::

    python scripts/gen_wst423_tables.py --pdf WS-T-423-2022.pdf            # (re)write
    python scripts/gen_wst423_tables.py --pdf WS-T-423-2022.pdf --check    # exit 1 if stale
    python scripts/gen_wst423_tables.py --pdf ... --crosscheck NAME=CSV --crosscheck-source TEXT

The official text (published by 国家卫生健康委员会 on 2022-09-19, in force 2023-03-01; see
``WS423`` in ``docs/sources.md``) has a text layer; ``pdfplumber`` reads it page by page.
The PDF itself is not committed: its sha256 is recorded in the data's header, and
``--check`` tells a stale data file from a fresh one.

Every row is checked before anything is written: each table must have exactly the
standard's grid (ages 0-23 months monthly, then every 3 months to 81 months; head
circumference monthly to 24 months, then 27, 30, 33 and 36; lengths 45-100 cm and heights
75-130 cm by whole cm), seven values per row, rising strictly from the first column to the
last, and the percentile table's P50 equal to the SD table's median at every row.

``--crosscheck`` compares the extraction with an independent transcription (a CSV with the
header ``table,sex,x,<seven columns>``, x the age in months or the length in cm) and
records how many values were compared and how many disagreed in the data's header; without
it, the header keeps the cross-check lines of the file it replaces.

The output, ``src/yiyu/instruments/data/ws_t_423_2022.csv``, has ``#`` comment lines
(the standard, the PDF's sha256, the table numbers, the cross-checks), then
``table,indicator,sex,x,v1,...,v7`` rows with the values as printed (decimal text).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import re
import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

OUT = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "yiyu"
    / "instruments"
    / "data"
    / ("ws_t_423_2022.csv")
)

# Appendix A (percentiles) and B (SD values): table number -> (indicator, sex, x kind).
# Odd numbers are boys, even numbers girls; the order is the standard's (附录A/B 正文).
_INDICATORS = ("wfa", "lhfa", "wfl", "wfh", "bfa", "hcfa")
TABLES: dict[str, tuple[str, str]] = {
    f"{appendix}.{2 * index + offset}": (indicator, "M" if offset == 1 else "F")
    for appendix in ("A", "B")
    for index, indicator in enumerate(_INDICATORS)
    for offset in (1, 2)
}
COLUMNS = {
    "A": ("P3", "P10", "P25", "P50", "P75", "P90", "P97"),
    "B": ("-3SD", "-2SD", "-1SD", "中位数", "+1SD", "+2SD", "+3SD"),
}

_AGES = (*range(24), *range(24, 82, 3))
GRIDS: dict[str, tuple[int, ...]] = {
    "wfa": _AGES,
    "lhfa": _AGES,
    "bfa": _AGES,
    "hcfa": (*range(25), 27, 30, 33, 36),
    "wfl": tuple(range(45, 101)),
    "wfh": tuple(range(75, 131)),
}

_TABLE_HEADING = re.compile(r"^表\s*([AB])\.(\d+)")
_AGE = re.compile(r"^(?:(\d+)岁)?(?:(\d+)月)?$")
_NUMBER = re.compile(r"^\d+\.\d$")


def sha256(path: Path) -> str:
    """The hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def page_texts(pdf: Path) -> list[str]:
    """The text layer of every page, as pdfplumber extracts it."""
    try:
        import pdfplumber
    except ModuleNotFoundError:  # pragma: no cover - a development tool's own message
        raise SystemExit("pdfplumber is not installed: install the 'tables' group") from None
    with pdfplumber.open(pdf) as document:
        return [page.extract_text() or "" for page in document.pages]


def _x(label: str, indicator: str) -> int | None:
    """The grid value of a row's first cell: months for ages, cm for lengths."""
    if indicator in ("wfl", "wfh"):
        return int(label) if label.isdigit() else None
    match = _AGE.match(label)
    if match is None or not any(match.groups()):
        return None
    years, months = (int(part) if part else 0 for part in match.groups())
    return 12 * years + months


def parse(pages: Iterable[str]) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """Every table's rows, ``table -> [(x, seven values as printed)]``.

    Raises:
        SystemExit: naming the page and line of a row that cannot be read.
    """
    tables: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    current: str | None = None
    for page_number, text in enumerate(pages, start=1):
        for line in text.splitlines():
            line = line.strip()
            heading = _TABLE_HEADING.match(line)
            if heading:
                current = f"{heading[1]}.{heading[2]}"
                tables.setdefault(current, [])
                continue
            if current is None or current not in TABLES:
                continue
            cells = line.split()
            if len(cells) != 8 or not all(_NUMBER.match(cell) for cell in cells[1:]):
                continue
            x = _x(cells[0], TABLES[current][0])
            if x is None:
                raise SystemExit(f"page {page_number}: table {current}: unreadable row {line!r}")
            tables[current].append((x, tuple(cells[1:])))
    return tables


def check(tables: dict[str, list[tuple[int, tuple[str, ...]]]]) -> None:
    """Every table complete, on its grid, each row rising, P50 = median.

    Raises:
        SystemExit: naming the table and row of the first problem.
    """
    missing = sorted(set(TABLES) - set(tables), key=_order)
    if missing:
        raise SystemExit(f"tables not found: {', '.join(missing)}")
    for table, rows in tables.items():
        indicator, _sex = TABLES[table]
        grid = tuple(x for x, _values in rows)
        if grid != GRIDS[indicator]:
            raise SystemExit(f"table {table}: grid {grid} is not {GRIDS[indicator]}")
        for x, values in rows:
            numbers = [Decimal(value) for value in values]
            if any(low >= high for low, high in itertools.pairwise(numbers)):
                raise SystemExit(f"table {table}, x={x}: columns do not rise: {values}")
        if indicator == "bfa":
            continue  # BMI falls after infancy (the adiposity rebound); the others never do
        for (x0, before), (x1, after) in itertools.pairwise(rows):
            if any(Decimal(b) > Decimal(a) for b, a in zip(before, after, strict=True)):
                raise SystemExit(f"table {table}: a column falls from x={x0} to x={x1}")
    for table, (indicator, sex) in TABLES.items():
        if not table.startswith("A"):
            continue
        partner = "B" + table[1:]
        for (x, percentiles), (_, sds) in zip(tables[table], tables[partner], strict=True):
            if percentiles[3] != sds[3]:
                raise SystemExit(
                    f"{indicator} {sex} x={x}: P50 {percentiles[3]} ({table}) is not the "
                    f"median {sds[3]} ({partner})"
                )


def _order(table: str) -> tuple[str, int]:
    appendix, number = table.split(".")
    return appendix, int(number)


def crosscheck(
    tables: dict[str, list[tuple[int, tuple[str, ...]]]], transcription: Path
) -> tuple[int, list[str]]:
    """Compare with an independent transcription: (values compared, disagreements)."""
    ours = {(table, x): values for table, rows in tables.items() for x, values in rows}
    compared = 0
    disagreements: list[str] = []
    with transcription.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            if not row or row[0] == "table":
                continue
            table, _sex, x, *values = row
            mine = ours.get((table, int(float(x))))
            if mine is None:
                disagreements.append(f"{table} x={x}: not in the standard's grid")
                continue
            for column, (theirs, printed) in enumerate(zip(values, mine, strict=True)):
                compared += 1
                if Decimal(theirs) != Decimal(printed):
                    disagreements.append(
                        f"{table} x={x} {COLUMNS[table[0]][column]}: {theirs} != {printed}"
                    )
    return compared, disagreements


def _kept_crosschecks() -> list[str]:
    if not OUT.exists():
        return []
    lines = OUT.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.startswith("# cross-check")]


def render(
    tables: dict[str, list[tuple[int, tuple[str, ...]]]],
    pdf_sha256: str,
    crosschecks: list[str],
) -> str:
    """The data file's text."""
    lines = [
        "# WS/T 423—2022 7岁以下儿童生长标准 (Growth standard for children under 7 years of age),",
        "# 中华人民共和国国家卫生健康委员会, published 2022-09-19, in force 2023-03-01.",
        f"# extracted from the official PDF, sha256 {pdf_sha256}",
        "# generated by scripts/gen_wst423_tables.py; do not edit by hand",
        "# tables: A.1-A.12 percentiles (v1..v7 = P3 P10 P25 P50 P75 P90 P97),",
        "#         B.1-B.12 SD values (v1..v7 = -3SD -2SD -1SD median +1SD +2SD +3SD);",
        "#         odd numbers boys (M), even girls (F).",
        "# indicator: wfa 年龄别体重 (kg), lhfa 年龄别身长/身高 (cm; length under 24 months,",
        "#   height from 24), wfl 身长别体重 (kg, 0-2 岁以下), wfh 身高别体重 (kg, 2-7 岁以下),",
        "#   bfa 年龄别BMI (kg/m2), hcfa 年龄别头围 (cm, 0-3 岁).",
        "# x: age in whole months (wfa, lhfa, bfa, hcfa) or length/height in whole cm (wfl, wfh).",
        "# checks: every grid complete, seven values rising in every row, no column falling",
        "#   with x (BMI excepted), P50 = median.",
        *crosschecks,
        "table,indicator,sex,x,v1,v2,v3,v4,v5,v6,v7",
    ]
    for table in sorted(tables, key=_order):
        indicator, sex = TABLES[table]
        for x, values in tables[table]:
            lines.append(",".join([table, indicator, sex, str(x), *values]))
    return "\n".join(lines) + "\n"


def _iter_crosschecks(
    tables: dict[str, list[tuple[int, tuple[str, ...]]]],
    files: list[str],
    source: str | None,
) -> Iterator[str]:
    for spec in files:
        name, _, path = spec.partition("=")
        compared, disagreements = crosscheck(tables, Path(path))
        covered = sorted({line.split(",")[0] for line in _rows(Path(path))}, key=_order)
        yield (
            f"# cross-check {name}: {', '.join(covered)}: {compared} values compared, "
            f"{len(disagreements)} disagreements"
            + (f" ({'; '.join(disagreements[:5])})" if disagreements else "")
        )
    if source:
        yield f"# cross-check source: {source}"


def _rows(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines[1:] if line]


def main(argv: list[str] | None = None) -> int:
    """Write (or, with ``--check``, verify) the data file. Returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, required=True, help="the official PDF")
    parser.add_argument("--check", action="store_true", help="verify, do not write")
    parser.add_argument(
        "--crosscheck",
        action="append",
        default=[],
        metavar="NAME=CSV",
        help="an independent transcription to compare with (repeatable)",
    )
    parser.add_argument("--crosscheck-source", help="where the transcriptions come from (one line)")
    args = parser.parse_args(argv)
    tables = parse(page_texts(args.pdf))
    check(tables)
    crosschecks = (
        list(_iter_crosschecks(tables, args.crosscheck, args.crosscheck_source))
        if args.crosscheck
        else _kept_crosschecks()
    )
    text = render(tables, sha256(args.pdf), crosschecks)
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"stale or missing: {OUT.name}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    rows = sum(len(rows) for rows in tables.values())
    print(f"wrote {OUT} ({len(tables)} tables, {rows} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
