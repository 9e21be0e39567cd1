"""docs/guide/exchange.md shows one example of each resource: each must still be what the
code writes (#16). ``python tests/exchange/test_fhir_docs.py`` rewrites the examples."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "exchange.md"
HEADING = "### Examples"
EXAMPLE = re.compile(r"#### (\w+)\n\n```json\n(.*?)\n```", re.DOTALL)


def render(examples: dict[str, dict[str, object]]) -> str:
    return "".join(
        f"\n#### {kind}\n\n```json\n{json.dumps(resource, ensure_ascii=False, indent=2)}\n```\n"
        for kind, resource in examples.items()
    )


def test_every_example_on_the_page_is_what_the_code_writes() -> None:
    from exchange.fhir_examples import examples

    wanted = examples()
    shown = {kind: json.loads(text) for kind, text in EXAMPLE.findall(PAGE.read_text("utf-8"))}
    assert list(shown) == list(wanted), "run python tests/exchange/test_fhir_docs.py"
    for kind, resource in wanted.items():
        assert shown[kind] == resource, f"{kind}: run python tests/exchange/test_fhir_docs.py"


if __name__ == "__main__":  # rewrite the examples after a change of the mapping
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from exchange.fhir_examples import examples

    text = PAGE.read_text("utf-8")
    head = text[: text.index(HEADING)]
    intro = text[text.index(HEADING) :].split("\n#### ")[0].rstrip("\n") + "\n"
    PAGE.write_text(head + intro + render(examples()), "utf-8")
