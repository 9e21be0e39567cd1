"""One data layer for every versioned data file: protocols and instruments alike.

A data file is TOML with a header (``[protocol]`` or ``[instrument]``: ``id``,
``version``, ``title``, optional ``extends``), the sources it cites
(``[sources.<id>]``) and its facts, each with a ``source`` and an ``evidence`` tag.
This package reads such files (:mod:`~yiyu.data.files`), structures the shared tables
(:mod:`~yiyu.data.tables`, cattrs), reads the shared values (:mod:`~yiyu.data.values`),
stacks layers (:mod:`~yiyu.data.layers`) and reports every problem as one
:class:`~yiyu.data.errors.DataError`: ``file: $.rules[3].opens: problem``.
``docs/data-format.md`` describes the format.

Pure: it imports nothing from the store, the jobs, the reports or the CLI.
"""

from yiyu.data.errors import DataError, Location
from yiyu.data.files import DataFile, file_name, read_document
from yiyu.data.layers import amend_entry, check_extends, is_entries, merge, override_table
from yiyu.data.model import Evidence, Source
from yiyu.data.tables import HeaderTable, SourceTable, read_header, read_sources, structure
from yiyu.data.values import (
    cited_source_id,
    enum_value,
    evidence,
    source_refs,
    text_list,
    unknown_keys,
)

__all__ = [
    "DataError",
    "DataFile",
    "Evidence",
    "HeaderTable",
    "Location",
    "Source",
    "SourceTable",
    "amend_entry",
    "check_extends",
    "cited_source_id",
    "enum_value",
    "evidence",
    "file_name",
    "is_entries",
    "merge",
    "override_table",
    "read_document",
    "read_header",
    "read_sources",
    "source_refs",
    "structure",
    "text_list",
    "unknown_keys",
]
