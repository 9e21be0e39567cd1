"""The store: the repository protocol, its in-memory twin and the SQL backends.

Importing this package is cheap; the SQL backend (SQLModel, SQLAlchemy) is imported only
from :mod:`yiyu.store.sql`.
"""

from yiyu.store import api

# The repository protocol and its values, listed once, in yiyu.store.api.__all__.
from yiyu.store.api import *  # noqa: F403
from yiyu.store.memory import MemoryRepository

__all__ = ["MemoryRepository"]
__all__ += api.__all__
