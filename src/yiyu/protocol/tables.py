"""The protocol's tables whose shape maps directly onto a value, for cattrs to structure.

Unknown keys, wrong types and unknown evidence tags are refused by the converter of
:mod:`yiyu.data.tables`, each at its path (``$.policies.inpatient_not_owed.value``). What
depends on more than the table (a cited source is defined in ``[sources]``, a reference
is one the engine knows) is checked by hand in :mod:`yiyu.protocol.loader`.
"""

from __future__ import annotations

from typing import Any

import attrs

from yiyu.data import Evidence

__all__ = ["GrowthTable", "PolicyTable", "SaidTable", "SkipTable", "TargetTable"]


@attrs.frozen(kw_only=True)
class SaidTable:
    """What every described table says: ``description``, ``source`` and ``evidence``.

    ``source`` is checked against the protocol's ``[sources]`` by the loader.
    """

    description: str
    source: Any = None
    evidence: Evidence


@attrs.frozen(kw_only=True)
class PolicyTable(SaidTable):
    """``[policies.<id>]``."""

    value: bool


@attrs.frozen(kw_only=True)
class GrowthTable(SaidTable):
    """``[growth.<purpose>]``: which growth reference serves the purpose."""

    reference: str


@attrs.frozen(kw_only=True)
class SkipTable(SaidTable):
    """``[skip_reasons.<reason>]``: how coverage counts an obligation skipped for it."""

    counts_as: str


@attrs.frozen(kw_only=True)
class TargetTable:
    """``[targets.<indicator>]``: a coverage target (no description: the indicator has one)."""

    value: float
    strict: bool = False
    source: Any = None
    evidence: Evidence
