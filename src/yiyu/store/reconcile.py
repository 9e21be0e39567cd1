"""Make stored obligations match a fresh plan: the one rule every backend applies.

Pure. Given what is stored for one subject and what the engine now produces:

* a key the engine produces and the store lacks is inserted;
* a stored key not done and not skipped is updated if anything about it changed
  (window, protocol version, cancellation), and brought back if it was withdrawn;
* a stored key that is done or skipped is left exactly as it is: it keeps the protocol
  version it was done under (DESIGN rule 2);
* a stored key the engine no longer produces, not done and not skipped, is withdrawn
  (the facts changed: a corrected gestational age, a move, a closed case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import pendulum

from yiyu.scheduling import Obligation

__all__ = ["Reconciliation", "StoredState", "reconcile"]


@attrs.frozen(kw_only=True)
class StoredState:
    """What the store knows of one obligation, as far as reconciling needs."""

    obligation: Obligation
    finished: bool  # done or skipped
    withdrawn: bool


@attrs.frozen(kw_only=True)
class Reconciliation:
    insert: tuple[Obligation, ...] = ()
    update: tuple[Obligation, ...] = ()
    withdraw: tuple[str, ...] = ()
    unchanged: int = 0


def reconcile(
    stored: Mapping[str, StoredState], planned: Sequence[Obligation], *, as_of: pendulum.Date
) -> Reconciliation:
    """What to write so that the store matches ``planned`` (``as_of`` is for the record)."""
    del as_of  # the writers stamp withdrawals with it; the decision does not depend on it
    insert: list[Obligation] = []
    update: list[Obligation] = []
    unchanged = 0
    planned_keys = set()
    for obligation in sorted(planned, key=lambda ob: ob.key):  # one order: no deadlocks
        planned_keys.add(obligation.key)
        state = stored.get(obligation.key)
        if state is None:
            insert.append(obligation)
        elif state.finished or (state.obligation == obligation and not state.withdrawn):
            unchanged += 1
        else:
            update.append(obligation)
    withdraw = tuple(
        sorted(
            key
            for key, state in stored.items()
            if key not in planned_keys and not state.finished and not state.withdrawn
        )
    )
    return Reconciliation(
        insert=tuple(insert), update=tuple(update), withdraw=withdraw, unchanged=unchanged
    )
