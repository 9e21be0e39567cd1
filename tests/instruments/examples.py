"""The region file an instrument's docstring shows, for the tests that load it: the
documented example is the tested one, written once."""

from __future__ import annotations

import re
from types import ModuleType

# The indented block after ``.. code-block:: toml`` and a blank line.
BLOCK = re.compile(r"\.\. code-block:: toml\n\n((?:    .*\n|\n)+)")


def documented_example(module: ModuleType) -> str:
    """The TOML block of ``module``'s docstring (there must be one), unindented."""
    [block] = BLOCK.findall(module.__doc__ or "")
    return "\n".join(line.removeprefix("    ") for line in block.splitlines()) + "\n"
