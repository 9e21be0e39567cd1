"""What every data file says besides its own facts: evidence tags and cited sources."""

from __future__ import annotations

import enum

import attrs

__all__ = ["Evidence", "Source"]


class Evidence(enum.Enum):
    """How well a fact is established (tags of the standards digest)."""

    V = "V"  # read in a stored public copy of the standard
    V3 = "V3"  # seen only in a third-party re-statement
    M = "M"  # from memory only: a configurable default
    D = "D"  # a yiyu default: no standard fixes it
    LOCAL = "LOCAL"  # the city plan

    @property
    def verified(self) -> bool:
        """Whether the fact was read in the standard (or the city plan) itself."""
        return self in (Evidence.V, Evidence.LOCAL)


@attrs.frozen(kw_only=True)
class Source:
    """A document a data file cites: ``[sources.<id>]`` with a ``title`` and a ``doc_no``."""

    id: str
    title: str
    doc_no: str | None = None

    @property
    def label(self) -> str:
        """``title (doc_no)``, or the title alone."""
        return f"{self.title} ({self.doc_no})" if self.doc_no else self.title
