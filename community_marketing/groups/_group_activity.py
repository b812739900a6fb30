"""FanGroup's activity methods: contributions, leaderboards, badges, rewards, places, notices."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from .._checks import check_int, check_text
from .._ids import as_id_list
from .._time import ensure_aware, micros_array, resolve_at, to_micros
from .._types import Int64Array
from ..errors import InvalidInputError
from . import _rewards
from ._badges import best_badge, check_rules
from ._group_base import GroupBase
from ._ledger import best_of, check_weights, distinct
from ._places import check_attribute_map, rank_hotspots
from ._values import Ability, Badge, BadgeRule, Hotspot, RewardDue, Standing


class ActivityMethods(GroupBase):
    """The public activity methods of :class:`FanGroup` (see there)."""

    __slots__ = ()

    def record_contribution(
        self, member: Hashable, kind: str, *, at: datetime | None = None, weight: int | None = None
    ) -> list[Badge]:
        """Record one contribution; returns the badges it earned.

        Parameters
        ----------
        member : hashable
            A current member.
        kind : str
            One of the configured kinds (see :attr:`points`).
        at : datetime, optional
            When; the clock's now by default.
        weight : int, optional
            How many of it (e.g. 5 likes); points are ``points[kind] * weight``. Default 1.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann",
        ...                  badge_rules=[BadgeRule("First answer", "bronze", 1, kind="answer")])
        >>> [badge.name for badge in group.record_contribution("ann", "answer")]
        ['First answer']
        """
        return self.record_contributions(
            [member], kind, at=at, weights=None if weight is None else [weight]
        )

    def record_contributions(
        self,
        members: Sequence[Hashable] | npt.NDArray[Any],
        kinds: str | Sequence[str] | npt.NDArray[Any],
        *,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
        weights: Sequence[int] | npt.NDArray[np.integer[Any]] | None = None,
    ) -> list[Badge]:
        """Record many contributions in bulk (numpy columns); returns the badges earned.

        Parameters
        ----------
        members : sequence or ndarray of hashable
            Current members, one per contribution. An integer ndarray takes a vectorized path.
        kinds : str or sequence of str
            One kind for all, or one per contribution.
        at : datetime, sequence of datetime or datetime64 ndarray (UTC), optional
            When; the clock's now by default. Badges earned in the batch carry its latest time.
        weights : sequence or ndarray of int, optional
            Positive multipliers; 1 by default.

        Examples
        --------
        >>> import numpy as np
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", 1)
        >>> _ = group.join_many([2, 3])
        >>> _ = group.record_contributions(np.array([2, 3, 2]), ["post", "answer", "review"])
        >>> group.reputation(2), group.reputation(3)
        (7, 5)
        """
        if not isinstance(members, np.ndarray):
            members = as_id_list(members, "members")
        n = len(members)
        codes = self._ledger.kind_codes(kinds, n)
        weight_column = check_weights(weights, n)
        micros = np.full(n, self._now(None), np.int64) if at is None else micros_array(at, n, "at")
        if n == 0:
            return []
        with self._lock:
            indices = self._membership.indices_of_members(members, "members")
            return self._record(indices, codes, weight_column, micros)

    def _record(
        self,
        indices: Int64Array,
        codes: npt.NDArray[np.int16],
        weights: npt.NDArray[np.int32],
        micros: Int64Array,
    ) -> list[Badge]:
        ledger = self._ledger
        ledger.record(indices, codes, weights, micros)
        touched = distinct(indices, len(self._membership.people))
        moved = self._trust.update(touched, ledger.reputation[touched])
        if len(moved):
            self._refresh_abilities(moved)
        start = self._badges.award(touched, int(micros.max()), ledger)
        return self._badges_from(np.arange(start, self._badges.log.length))

    def reputation(self, member: Hashable) -> int:
        """The sum of the points of everything ``member`` contributed.

        Kept across leave and rejoin; ``UnknownIdError`` for someone the group never saw.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "like_received", weight=3)
        >>> group.reputation("ann")
        3
        """
        return int(self._ledger.reputation[self._membership.index_seen(member)])

    def contributions(self, member: Hashable) -> dict[str, int]:
        """How many of each kind ``member`` contributed (weights included).

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "post", weight=2)
        >>> group.contributions("ann")["post"]
        2
        """
        return self._ledger.counts_of(self._membership.index_seen(member))

    def leaderboard(self, n: int = 10, *, since: datetime | None = None) -> list[Standing]:
        """The ``n`` current members with most points (all time, or since ``since``).

        Ties go to the member who appeared first.

        Parameters
        ----------
        n : int, default 10
            How many rows.
        since : datetime, optional
            Count only contributions at or after this moment.

        Returns
        -------
        list of Standing
            Best first.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> _ = group.record_contribution("bob", "answer")
        >>> group.leaderboard(1)
        [Standing(member='bob', reputation=5)]
        """
        check_int(n, "n", low=0)
        if n == 0:
            return []
        membership = self._membership
        size = len(membership.people)
        if since is None:
            scores = self._ledger.reputation[:size]
        else:
            scores = self._ledger.scores_since(to_micros(ensure_aware(since, "since")), size)
        chosen, values = best_of(membership.members(), scores, n)
        ids = membership.people.ids_at(chosen)
        return [Standing(member, score) for member, score in zip(ids, values.tolist(), strict=True)]

    # ---------------------------------------------------------------- badges and rewards

    def badge_rules(self) -> list[BadgeRule]:
        """The group's badge rules, in order.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").badge_rules()
        []
        """
        return list(self._badges.rules)

    def add_badge_rule(
        self, by: Hashable, rule: BadgeRule, *, at: datetime | None = None
    ) -> list[Badge]:
        """Add a badge rule (``by`` needs CHANGE_SETTINGS); members who already meet it get it.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "post")
        >>> [b.member for b in group.add_badge_rule("ann", BadgeRule("Poster", "bronze", 1,
        ...                                                          kind="post"))]
        ['ann']
        """
        micros = self._now(at)
        with self._lock:
            self._actor(by, Ability.CHANGE_SETTINGS)
            (checked,) = check_rules([rule], self._badges.rules, self._ledger)
            self._badges.add_rule(checked)
            start = self._badges.award(self._membership.members(), micros, self._ledger)
            return self._badges_from(np.arange(start, self._badges.log.length))

    def award_badge(
        self, by: Hashable, member: Hashable, badge: str, *, at: datetime | None = None
    ) -> Badge:
        """Award a badge by hand; ``by`` needs AWARD_BADGES and must outrank nobody.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann",
        ...                  badge_rules=[BadgeRule("Ambassador", "gold", 1000)])
        >>> _ = group.join("bob")
        >>> group.award_badge("ann", "bob", "Ambassador").tier
        <BadgeTier.GOLD: 'gold'>
        """
        micros = self._now(at)
        with self._lock:
            self._actor(by, Ability.AWARD_BADGES)
            index = self._membership.index_of(member)
            number = self._badges.number_of(badge)
            row = self._badges.award_by_hand(index, number, micros)
            return self._badges_from(np.array([row]))[0]

    def badges(self, member: Hashable) -> list[Badge]:
        """The badges ``member`` holds, oldest first.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann",
        ...                  badge_rules=[BadgeRule("Reviewer", "bronze", 1, kind="review")])
        >>> _ = group.record_contribution("ann", "review")
        >>> [badge.name for badge in group.badges("ann")]
        ['Reviewer']
        """
        return self._badges_from(self._badges.rows_of(self._membership.index_seen(member)))

    def rewards_due(self) -> list[RewardDue]:
        """Trials and discounts earned and not yet handed out, oldest first.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup, Reward
        >>> rule = BadgeRule("Critic", "silver", 2, kind="review", reward=Reward("discount", 10))
        >>> group = FanGroup("espresso", "ann", badge_rules=[rule])
        >>> _ = group.record_contribution("ann", "review", weight=2)
        >>> [(due.member, due.reward.value) for due in group.rewards_due()]
        [('ann', 10)]
        """
        return _rewards.rewards_due(self._badges, self._membership.people)

    def mark_handed_out(self, ids: Iterable[int]) -> None:
        """Settle rewards the brand has handed out (ids from :meth:`rewards_due`).

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup, Reward
        >>> rule = BadgeRule("Critic", "silver", 1, kind="review", reward=Reward("trial"))
        >>> group = FanGroup("espresso", "ann", badge_rules=[rule])
        >>> _ = group.record_contribution("ann", "review")
        >>> group.mark_handed_out([due.id for due in group.rewards_due()])
        >>> group.rewards_due()
        []
        """
        with self._lock:
            _rewards.mark_handed_out(self._badges, ids)

    def display_name(self, member: Hashable) -> str:
        """The member's nickname (or id) with their best badge beside it.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann",
        ...                  badge_rules=[BadgeRule("Guru", "gold", 1, kind="accepted_answer")])
        >>> group.set_attributes("ann", {"nickname": "Ann B."})
        >>> _ = group.record_contribution("ann", "accepted_answer")
        >>> group.display_name("ann")
        'Ann B. [gold: Guru]'
        """
        index = self._membership.index_of(member)
        nickname = self._places.value(index, "nickname")
        shown = str(member) if nickname is None else str(nickname)
        held = self.badges(member)
        if not held:
            return shown
        best = best_badge(held)
        return f"{shown} [{best.tier.value}: {best.name}]"

    # ---------------------------------------------------------------- attributes and reach

    def set_attributes(self, member: Hashable, attributes: Mapping[str, Hashable]) -> None:
        """Set a member's attributes (region, city, nickname...); a None value clears one.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.set_attributes("ann", {"city": "Lyon"})
        >>> group.attributes_of("ann")
        {'city': 'Lyon'}
        """
        checked = check_attribute_map(attributes)
        with self._lock:
            index = self._membership.index_of(member)
            capacity = len(self._membership.member)
            for key, value in checked.items():
                self._places.store(key, np.array([index]), [value], capacity)

    def attributes_of(self, member: Hashable) -> dict[str, Hashable]:
        """The member's attributes.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").attributes_of("ann")
        {}
        """
        return self._places.of(self._membership.index_of(member))

    def hotspots(
        self, attribute: str, *, top: int = 10, since: datetime | None = None
    ) -> list[Hotspot]:
        """Rank an attribute's values by active members, then contributions, then members.

        Active communities reveal promising areas. A member is active if they contributed
        (since ``since``, or ever). Only current members with the attribute set count.

        Parameters
        ----------
        attribute : str
            A member attribute ("region", "city"...).
        top : int, default 10
            How many values.
        since : datetime, optional
            Count activity at or after this moment only.

        Returns
        -------
        list of Hotspot
            Best first; empty for an attribute nobody has.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> cities = {"city": ["Lyon", "Nice", "Nice"]}
        >>> _ = group.join_many(["bob", "cid", "dan"], attributes=cities)
        >>> _ = group.record_contribution("bob", "post")
        >>> [(h.value, h.active_members, h.members) for h in group.hotspots("city")]
        [('Lyon', 1, 1), ('Nice', 0, 2)]
        """
        check_text(attribute, "attribute")
        check_int(top, "top", low=0)
        column = self._places.columns.get(attribute)
        if column is None:
            return []
        values, codes = column
        size = len(self._membership.people)
        codes = codes[:size]
        counted = self._membership.member[:size] & (codes >= 0)
        if since is None:
            activity = self._ledger.activity[:size]
        else:
            activity = self._ledger.activity_since(to_micros(ensure_aware(since, "since")), size)
        return rank_hotspots(values, codes, counted, activity, top)

    def notice(
        self, by: Hashable, message: str, *, channel: str | None = None, at: datetime | None = None
    ) -> list[Hashable]:
        """The members a notice from ``by`` (who needs SEND_NOTICES) may reach now.

        With a registry, only those it allows for the group's purpose on ``channel`` at ``at``
        (consent, quiet hours, caps, pauses); without one, every member but the sender. The
        library sends nothing.

        Parameters
        ----------
        by : hashable
            The sender.
        message : str
            The notice's text (non-empty).
        channel : str, optional
            One of :attr:`channels`; the first by default.
        at : datetime, optional
            When; the clock's now by default.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join_many(["bob", "cid"])
        >>> group.notice("ann", "Tasting on Friday")
        ['bob', 'cid']
        """
        check_text(message, "message")
        channels = self._consent.channels
        channel = channels[0] if channel is None else channel
        if channel not in channels:
            raise InvalidInputError(f"channel: expected one of {channels}, got {channel!r}")
        when = resolve_at(at, self._clock)
        actor = self._actor(by, Ability.SEND_NOTICES)
        size = len(self._membership.people)
        mask = self._membership.member[:size].copy()
        mask[actor] = False
        recipients = self._membership.people.ids_at(np.flatnonzero(mask))
        return self._consent.audience(recipients, channel, when)
