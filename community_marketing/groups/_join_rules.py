"""Join rules: a request to join a closed group approved or declined at once by rule.

The first rule whose every condition holds decides; with none, the request waits for an admin
as before, its answers visible only to members with APPROVE.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

from .._checks import check_int
from ..errors import InvalidInputError, PermissionDeniedError
from ._values import JoinRule, Request

if TYPE_CHECKING:
    from ._group import FanGroup

__all__ = ["check_join_rules", "matching", "request"]


def check_join_rules(rules: object) -> tuple[JoinRule, ...]:
    """``rules`` as a tuple of JoinRule."""
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence):
        raise InvalidInputError(f"join_rules: expected a sequence of JoinRule, got {rules!r}")
    for i, rule in enumerate(rules):
        if not isinstance(rule, JoinRule):
            raise InvalidInputError(
                f"join_rules[{i}]: expected a JoinRule, got {type(rule).__name__}"
            )
    return tuple(rules)


def _invited(group: FanGroup, member: Hashable, micros: int) -> bool:
    invitations = group._invitations
    return any(
        not invitations.items[p].used and invitations.items[p].expires_at > micros
        for p in invitations.invited.get(member, ())
    )


def _use_invitations(group: FanGroup, member: Hashable, micros: int) -> None:
    """The invitations that let ``member`` in are spent, as if accepted."""
    invitations = group._invitations
    for position in invitations.invited.get(member, ()):
        if invitations.items[position].expires_at > micros:
            invitations.items[position].used = True


def matching(
    group: FanGroup, member: Hashable, attributes: dict[str, list[Hashable]] | None,
    trust: int | None, micros: int,
) -> tuple[int, JoinRule] | None:  # fmt: skip
    """The first rule (and its position) every condition of which holds, or None."""
    for position, rule in enumerate(group._join_rules):
        if rule.values is not None:
            value = (attributes or {}).get(rule.attribute, [None])[0]
            if value not in rule.values:
                continue
        if rule.min_trust is not None and (trust is None or trust < rule.min_trust):
            continue
        if rule.invited is not None and _invited(group, member, micros) != rule.invited:
            continue
        return position, rule
    return None


def request(
    group: FanGroup, member: Hashable, answers: tuple[str, ...], paid: int | float, micros: int,
    attributes: dict[str, list[Hashable]] | None, trust: object,
) -> None:  # fmt: skip
    """Admit, decline or keep the request of ``member``; the caller holds the lock."""
    trust_level = None if trust is None else check_int(trust, "trust_elsewhere", low=0)
    group._enrollment.require_closed()
    group._membership.check_newcomer(member, group._name)
    group._consent.check_suppression([member], micros)
    found = matching(group, member, attributes, trust_level, micros)
    if found is None:
        # Seen from now on, so that an erasure finds the requester and takes their answers;
        # what they said of themselves waits on their slot for the admin's approval.
        indices = group._add_people([member])
        group._places.store_columns(indices, attributes, len(group._membership.member))
        group._membership.requests[member] = Request(member, answers, micros, paid)
    elif found[1].decision == "approve":
        group._admit([member], micros, "group:join-rule", attributes)
        if found[1].invited:
            _use_invitations(group, member, micros)
    else:
        raise PermissionDeniedError(
            f"{member!r}: the request to join {group._name!r} is declined by join_rules[{found[0]}]"
        )
