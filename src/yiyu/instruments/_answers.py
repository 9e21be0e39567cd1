"""The answers to a form's items: one per item, none for an item the form does not have."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from yiyu.errors import ValidationError

__all__ = ["answers_by_item"]


class _Item(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...


def answers_by_item(
    answers: object, items: Sequence[_Item], *, expected: str, unknown: str, verb: str
) -> dict[str, object]:
    """The answer given for each item, in the form's order.

    Args:
        answers: what the caller gave: item id → answer.
        items: the form's items.
        expected: what an answer is (``"score 0–2"``), for the error.
        unknown: the error for an item the form does not have.
        verb: what must be done to every item (``"scored"``).

    Raises:
        ValidationError: naming the item, if an item has no answer or an answer names an
            item the form does not have.
    """
    if not isinstance(answers, Mapping):
        raise ValidationError("answers", answers, f"a mapping of item id → {expected}")
    known = {item.id for item in items}
    for item_id in answers:
        if item_id not in known:
            raise ValidationError(f"answers[{item_id}]", answers[item_id], unknown)
    given: dict[str, object] = {}
    for item in items:
        if item.id not in answers:
            raise ValidationError(
                f"answers[{item.id}]",
                None,
                f"no answer for {item.id} ({item.text}): every item must be {verb}",
            )
        given[item.id] = answers[item.id]
    return given
