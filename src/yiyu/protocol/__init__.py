"""Protocols as versioned data: the model and the loader."""

from yiyu.protocol.loader import DEFAULT_LAYERS, load_protocol, load_protocol_files
from yiyu.protocol.model import (
    Anchor,
    CatchUp,
    Condition,
    CorrectedAge,
    CorrectedAgeLimit,
    Evidence,
    Layer,
    NamedCondition,
    Offset,
    Protocol,
    Rule,
    ScheduleKind,
    Source,
    Stage,
    SubjectKind,
    Target,
)

__all__ = [
    "DEFAULT_LAYERS",
    "Anchor",
    "CatchUp",
    "Condition",
    "CorrectedAge",
    "CorrectedAgeLimit",
    "Evidence",
    "Layer",
    "NamedCondition",
    "Offset",
    "Protocol",
    "Rule",
    "ScheduleKind",
    "Source",
    "Stage",
    "SubjectKind",
    "Target",
    "load_protocol",
    "load_protocol_files",
]
