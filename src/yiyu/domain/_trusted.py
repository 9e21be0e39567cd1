"""Values rebuilt from what the store gives back, without running their checks again.

A value the store reads back was checked when it was saved; a quarter's coverage at
100,000 children reads a quarter of a million obligations and every child, and running
each one's ``__init__`` again (its keyword parsing, converters and post-init checks)
was, measured, about a third of reading the children and a seventh of reading the
obligations (#14). :func:`trusted_maker` compiles, once per
class, a function that sets the fields and nothing else, as attrs compiles an
``__init__``. For :mod:`yiyu.store`'s readers only: a host builds values through their
constructors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

__all__ = ["trusted_maker"]

_T = TypeVar("_T", bound=attrs.AttrsInstance)


def trusted_maker(cls: type[_T], fields: Sequence[str] | None = None) -> Callable[..., _T]:
    """A function making a ``cls`` from every one of its fields, as given.

    Its parameters are the fields, in the order of ``fields`` (by default the class's
    own), to be passed by position or by keyword: a reader passes a row's values by
    position, since a call naming 18 keywords cost twice one passing them in order. No
    converter, validator or ``__attrs_post_init__`` runs, and no default is filled in:
    each field must be passed (Python's own ``TypeError`` names one missing or
    unknown). Each field is set by its slot, as the class's own ``__init__`` sets it.

    Args:
        cls: a frozen attrs class with slots.
        fields: the order of the parameters: every field of ``cls``, once.

    Raises:
        TypeError: ``cls`` is not an attrs class with slots, or ``fields`` is not its
            fields, each once.
    """
    own = [field.name for field in attrs.fields(cls)]  # TypeError if not attrs
    names = own if fields is None else list(fields)
    if sorted(names) != sorted(own):
        raise TypeError(f"{cls.__qualname__}'s fields are {own}, not {names}")
    setters: dict[str, Any] = {}
    for index, name in enumerate(names):
        slot = cls.__dict__.get(name)
        if slot is None or not hasattr(slot, "__set__"):
            raise TypeError(f"{cls.__qualname__}.{name} is not a slot")
        setters[f"_set{index}"] = slot.__set__
    lines = [f"def make({', '.join(names)}):", "    made = _new(_cls)"]
    lines += [f"    _set{index}(made, {name})" for index, name in enumerate(names)]
    lines.append("    return made")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **setters}
    exec(compile("\n".join(lines), f"<yiyu trusted {cls.__qualname__}>", "exec"), namespace)
    make: Callable[..., _T] = namespace["make"]
    make.__qualname__ = f"trusted_maker.<{cls.__qualname__}>"
    return make
