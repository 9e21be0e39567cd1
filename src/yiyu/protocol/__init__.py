"""Protocols as versioned data: the model and the loader."""

from yiyu.protocol import model
from yiyu.protocol.loader import DEFAULT_LAYERS, load_protocol, load_protocol_files

# The model's values, listed once, in yiyu.protocol.model.__all__.
from yiyu.protocol.model import *  # noqa: F403

__all__ = ["DEFAULT_LAYERS", "load_protocol", "load_protocol_files"]
__all__ += model.__all__
