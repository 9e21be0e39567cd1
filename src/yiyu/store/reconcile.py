"""Make stored obligations match a fresh plan: the one rule every backend applies.

Pure. Given what is stored for one subject and what the engine now produces:

* a key the engine produces and the store lacks is inserted;
* a stored key not done and not skipped is updated if anything about it changed (window,
  protocol version, cancellation, or who acts for it and where: a family moved within the
  city, a new family doctor), and brought back if it was withdrawn;
* a stored key planned under another protocol version whose window had already opened is
  kept as it was planned (DESIGN rule 2: a new version applies to what has not begun);
  only a cancellation and who acts for it are brought up to date;
* a stored key that is done or skipped is left as it is: it keeps the protocol version,
  window, township and clinician it was done under; if it had been withdrawn and is
  planned again, it is brought back;
* a stored key the engine no longer produces, not done and not skipped, is withdrawn
  (the facts changed: a corrected gestational age, a move, a closed case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import pendulum

from yiyu.scheduling import Obligation

__all__ = ["Reconciliation", "StoredState", "assignee_of", "reconcile"]


def assignee_of(assignees: Mapping[str, str | None], obligation: Obligation) -> str | None:
    """Who acts for ``obligation``: ``role@daycare`` first (a child's daycare obligations
    fall to that daycare's health instructor), then the role."""
    role = obligation.role._value_  # not .value, a descriptor run in Python: every row asks
    if obligation.daycare_id is not None:
        specific = assignees.get(f"{role}@{obligation.daycare_id}")
        if specific is not None:
            return specific
    return assignees.get(role)


@attrs.frozen(kw_only=True)
class StoredState:
    """What the store knows of one obligation, as far as reconciling needs."""

    obligation: Obligation
    finished: bool  # done or skipped
    withdrawn: bool
    township: str | None = None
    assignee: str | None = None


@attrs.frozen(kw_only=True)
class Reconciliation:
    insert: tuple[Obligation, ...] = ()
    update: tuple[Obligation, ...] = ()
    withdraw: tuple[str, ...] = ()
    unwithdraw: tuple[str, ...] = ()
    unchanged: int = 0


def reconcile(
    stored: Mapping[str, StoredState],
    planned: Sequence[Obligation],
    *,
    as_of: pendulum.Date,
    township: str | None = None,
    assignees: Mapping[str, str | None] | None = None,
) -> Reconciliation:
    """What to write so that the store matches ``planned`` on ``as_of``.

    ``update`` holds the obligations to write in full, with ``township`` and the
    assignees of their roles; ``unwithdraw`` the finished keys to bring back as they are.
    """
    roles = assignees or {}
    insert: list[Obligation] = []
    update: list[Obligation] = []
    unwithdraw: list[str] = []
    unchanged = 0
    planned_keys = set()
    for obligation in sorted(planned, key=lambda ob: ob.key):  # one order: no deadlocks
        planned_keys.add(obligation.key)
        state = stored.get(obligation.key)
        if state is None:
            insert.append(obligation)
            continue
        if state.finished:
            if state.withdrawn:
                unwithdraw.append(obligation.key)
            else:
                unchanged += 1
            continue
        old = state.obligation
        wanted = obligation
        begun = old.opens <= as_of
        if begun and (old.protocol, old.protocol_version) != (
            obligation.protocol,
            obligation.protocol_version,
        ):
            wanted = attrs.evolve(
                old, cancelled_on=obligation.cancelled_on, cancel_reason=obligation.cancel_reason
            )
        same_place = (state.township, state.assignee) == (township, assignee_of(roles, wanted))
        if old == wanted and not state.withdrawn and same_place:
            unchanged += 1
        else:
            update.append(wanted)
    withdraw = tuple(
        sorted(
            key
            for key, state in stored.items()
            if key not in planned_keys and not state.finished and not state.withdrawn
        )
    )
    return Reconciliation(
        insert=tuple(insert),
        update=tuple(update),
        withdraw=withdraw,
        unwithdraw=tuple(unwithdraw),
        unchanged=unchanged,
    )
