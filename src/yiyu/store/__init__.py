"""The store: the repository protocol, its in-memory twin and the SQL backends.

Importing this package is cheap; the SQL backend (SQLModel, SQLAlchemy) is imported only
from :mod:`yiyu.store.sql`.
"""

from yiyu.store.api import (
    JobRun,
    ObligationFilter,
    PlanItem,
    PlanState,
    Repository,
    SaveCounts,
    StoredObligation,
    SubjectRef,
)
from yiyu.store.memory import MemoryRepository

__all__ = [
    "JobRun",
    "MemoryRepository",
    "ObligationFilter",
    "PlanItem",
    "PlanState",
    "Repository",
    "SaveCounts",
    "StoredObligation",
    "SubjectRef",
]
