"""Made-up files a test feeds to yiyu, marked as examples so none passes for the real one."""

from __future__ import annotations

from typing import Final

__all__ = ["EXAMPLE_HOLIDAY_FILE"]

EXAMPLE_HOLIDAY_FILE: Final = """\
# EXAMPLE ONLY (示例), not the official notice: 2027's dates are not known to yiyu.
year = 2027
source = "示例：非官方安排 (example, not the official notice)"
workdays = ["2027-02-20"]

[[holidays]]
name = "春节"
from = "2027-02-06"
to = "2027-02-14"
"""
"""A made-up operator holiday file for ``yiyu holidays add`` in tests (never the notice)."""
