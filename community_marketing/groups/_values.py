"""The value types of fan groups: abilities, roles, badges, rewards, trust, and private records.

Frozen attrs classes and enums that validate themselves; the parts and the face pass them around
and never mutate them (``Invitation`` and ``Request`` are the two mutable private records).
"""

from __future__ import annotations

import enum
import itertools
import math
import types
import zoneinfo
from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

import attrs
import numpy as np

from .._checks import check_bool, check_int, check_optional_text, check_probability, check_text
from ..errors import InvalidInputError

MAX_QUESTIONS: Final = 3
MAX_ROLES: Final = 63
NEVER: Final = np.iinfo(np.int64).min
INT32_MAX: Final = np.iinfo(np.int32).max
DAY_MICROS: Final = 86_400_000_000
MAX_COUNT: Final = 2**53
"""The range of every counter (reputation, counts, marks, awards): exact in int64 and float64."""
MAX_AWARDS: Final = 1_000_000
"""How many badge awards beyond one per person and rule a single call may make."""


class Ability(enum.Flag):
    """What a member may do in a group; a role is a bundle of these flags.

    Examples
    --------
    >>> from community_marketing.groups import Ability
    >>> moderation = Ability.REMOVE | Ability.MODERATE
    >>> Ability.REMOVE in moderation, Ability.BAN in moderation
    (True, False)
    >>> Ability.BAN in Ability.ALL
    True
    >>> print(moderation)
    remove|moderate
    """

    NONE = 0
    INVITE = 1 << 0
    APPROVE = 1 << 1
    REMOVE = 1 << 2
    BAN = 1 << 3
    ASSIGN_ROLES = 1 << 4
    DEFINE_ROLES = 1 << 5
    SEND_NOTICES = 1 << 6
    MODERATE = 1 << 7
    CREATE_OBJECTS = 1 << 8
    EDIT_OBJECTS = 1 << 9
    AWARD_BADGES = 1 << 10
    CHANGE_SETTINGS = 1 << 11
    ALL = (1 << 12) - 1

    def __str__(self) -> str:
        """The lowercase names joined by ``|``: ``remove|moderate``."""
        return (self.name or "none").lower()

    def __format__(self, spec: str) -> str:
        """The lowercase names, formatted as a str."""
        return format(str(self), spec)


def ability_names(ability: Ability) -> str:
    """``"INVITE|BAN"``: the flags of ``ability`` as a message shows them."""
    names = [member.name for member in ability if member.name]
    return "|".join(names) if names else "NONE"


def check_ability(value: object) -> Ability:
    """``value`` if it is an Ability; a flag of another enum (FriendRight) is refused, not read
    by its bits."""
    if type(value) is not Ability:
        raise InvalidInputError(f"ability: expected an Ability, got {type(value).__name__}")
    return value


def check_amount(value: object, field: str) -> int | float:
    """A fee: an int or float >= 0, kept as given (``check_float`` would turn 5 into 5.0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{field}: expected a number >= 0, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise InvalidInputError(f"{field}: expected a finite number >= 0, got {value!r}")
    return value


def _to_ability(value: object) -> Ability:
    if isinstance(value, Ability):
        return value
    raise InvalidInputError(f"abilities: expected an Ability flag, got {type(value).__name__}")


def _validate_name(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    check_text(value, attribute.name)


def _validate_rank(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    check_int(value, "rank", low=0, high=100)


@attrs.frozen
class Role:
    """A named bundle of abilities with a rank; higher ranks act on lower ones, never the reverse.

    Parameters
    ----------
    name : str
        The role's name, unique within a group.
    abilities : Ability
        What holders of the role may do.
    rank : int
        0 (Member) to 100 (Owner). A member acts on another only if their highest rank is
        strictly above the other's.

    Examples
    --------
    >>> from community_marketing.groups import Ability, Role
    >>> Role("Greeter", Ability.INVITE, rank=10)
    Role(name='Greeter', abilities=<Ability.INVITE: 1>, rank=10)
    """

    name: str = attrs.field(validator=_validate_name)
    abilities: Ability = attrs.field(converter=_to_ability)
    rank: int = attrs.field(default=10, validator=_validate_rank)


OWNER: Final = Role("Owner", Ability.ALL, 100)
OFFICER: Final = Role(
    "Officer", Ability.ALL & ~(Ability.DEFINE_ROLES | Ability.CHANGE_SETTINGS), 80
)
MODERATOR: Final = Role(
    "Moderator",
    Ability.INVITE | Ability.APPROVE | Ability.REMOVE | Ability.MODERATE | Ability.EDIT_OBJECTS,
    60,
)
MEMBER: Final = Role("Member", Ability.NONE, 0)
BUILTIN_ROLES: Final = (OWNER, OFFICER, MODERATOR, MEMBER)
OWNER_BIT: Final = 1 << 0
OFFICER_BIT: Final = 1 << 1
MEMBER_BIT: Final = 1 << 3


class BadgeTier(enum.StrEnum):
    """The tier of a badge, as on Stack Exchange: bronze, silver, gold.

    Examples
    --------
    >>> from community_marketing.groups import BadgeTier
    >>> BadgeTier("gold") is BadgeTier.GOLD
    True
    """

    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"


TIER_ORDER: Final = {BadgeTier.BRONZE: 0, BadgeTier.SILVER: 1, BadgeTier.GOLD: 2}
REWARD_KINDS: Final = ("badge", "trial", "discount")


def _to_tier(value: object) -> BadgeTier:
    try:
        return BadgeTier(str(value) if isinstance(value, str) else "")
    except ValueError:
        raise InvalidInputError(
            f"tier: expected one of 'bronze', 'silver', 'gold', got {value!r}"
        ) from None


def _validate_reward(instance: Reward, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(instance.kind, str) or instance.kind not in REWARD_KINDS:
        raise InvalidInputError(
            f"reward.kind: expected one of {', '.join(REWARD_KINDS)}, got {instance.kind!r}"
        )
    if instance.kind == "badge" and value is not None:
        raise InvalidInputError(f"reward.value: a badge carries no value, got {value!r}")
    if instance.kind == "discount":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidInputError(
                f"reward.value: a discount needs a number > 0, got {type(value).__name__}"
            )
        if not math.isfinite(value) or value <= 0:
            raise InvalidInputError(f"reward.value: a discount needs a number > 0, got {value!r}")
    if instance.kind == "trial" and value is not None and not isinstance(value, str):
        raise InvalidInputError(
            f"reward.value: a trial names its product as a str, got {type(value).__name__}"
        )


@attrs.frozen
class Reward:
    """What the brand hands out with a badge: the badge alone, a product trial or a discount.

    Parameters
    ----------
    kind : {"badge", "trial", "discount"}
        The kind of reward.
    value : float or str, optional
        A discount's value (a number > 0, e.g. percent off); a trial's product name.

    Examples
    --------
    >>> from community_marketing.groups import Reward
    >>> Reward("discount", 15)
    Reward(kind='discount', value=15)
    """

    kind: str = "badge"
    value: float | str | None = attrs.field(default=None, validator=_validate_reward)


def _validate_threshold(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    check_int(value, "at_least", low=1, high=MAX_COUNT)


def _validate_kind(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_optional_text(value, "kind")


def _validate_reward_field(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if not isinstance(value, Reward):
        raise InvalidInputError(f"reward: expected a Reward, got {type(value).__name__}")


def _validate_bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_bool(value, attribute.name)


def _validate_window(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta) or value <= timedelta(0) or value.days > 365_000:
        raise InvalidInputError(
            f"{attribute.name}: expected a positive timedelta (at most 365,000 days) or None, "
            f"got {value!r}"
        )


@attrs.frozen
class BadgeRule:
    """A badge granted automatically when a member's count of a kind (or reputation) reaches a mark.

    Parameters
    ----------
    name : str
        The badge's name, unique within a group.
    tier : BadgeTier or str
        "bronze", "silver" or "gold".
    at_least : int
        The mark, from 1 to 2**53: a count of contributions of ``kind`` (weights included), or
        reputation when ``kind`` is None.
    kind : str, optional
        The contribution kind counted; None means reputation.
    repeatable : bool, default False
        Granted once, or once more each time the mark is reached again (at 2x, 3x...): a
        badge granted many times, as Discourse's.
    reward : Reward, default Reward("badge")
        What the brand hands out with the badge (see :meth:`FanGroup.rewards_due`).
    window : timedelta, optional
        Count only contributions within this trailing window (credited points for
        reputation); such a rule is evaluated by :meth:`FanGroup.evaluate_badges` only.
    revocable : bool, default False
        Opt-in automatic revocation, as Discourse's badges: when the condition no longer holds
        (reputation fell, the window slid), the badge goes, latest grant first, from every
        listing and from the state; its reward, if still due, goes with it.

    Examples
    --------
    >>> from community_marketing.groups import BadgeRule, Reward
    >>> rule = BadgeRule("Helper", "silver", 10, kind="accepted_answer",
    ...                  reward=Reward("trial", "grinder"))
    >>> rule.tier
    <BadgeTier.SILVER: 'silver'>
    """

    name: str = attrs.field(validator=_validate_name)
    tier: BadgeTier = attrs.field(converter=_to_tier)
    at_least: int = attrs.field(validator=_validate_threshold)
    kind: str | None = attrs.field(default=None, kw_only=True, validator=_validate_kind)
    repeatable: bool = attrs.field(default=False, kw_only=True, validator=_validate_bool)
    reward: Reward = attrs.field(factory=Reward, kw_only=True, validator=_validate_reward_field)
    window: timedelta | None = attrs.field(default=None, kw_only=True, validator=_validate_window)
    revocable: bool = attrs.field(default=False, kw_only=True, validator=_validate_bool)


@attrs.frozen
class Badge:
    """A badge a member holds.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing.groups import Badge, BadgeTier, Reward
    >>> Badge("Helper", BadgeTier.BRONZE, "ann", datetime(2026, 1, 1, tzinfo=UTC), Reward()).name
    'Helper'
    """

    name: str
    tier: BadgeTier
    member: Hashable
    awarded_at: datetime
    reward: Reward


@attrs.frozen
class RewardDue:
    """A reward the brand still has to hand out; settle it with :meth:`FanGroup.mark_handed_out`.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing.groups import Reward, RewardDue
    >>> due = RewardDue(0, "ann", "Helper", Reward("discount", 10),
    ...                 datetime(2026, 1, 1, tzinfo=UTC))
    >>> due.reward.value
    10
    """

    id: int
    member: Hashable
    badge: str
    reward: Reward
    awarded_at: datetime


@attrs.frozen
class TrustChange:
    """One change of a member's trust level, as the group's history keeps it.

    ``reason`` is ``"reputation"`` (a contribution moved reputation past a mark), ``"promoted"``
    or ``"demoted"`` (:meth:`FanGroup.evaluate_trust`), ``"manual"`` or ``"locked"`` (set by
    hand, locked or not) or ``"unlocked"`` (a lock lifted; the level stays).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing.groups import TrustChange
    >>> TrustChange("ann", datetime(2026, 1, 1, tzinfo=UTC), 1, 2, "promoted").new_level
    2
    """

    member: Hashable
    at: datetime
    old_level: int
    new_level: int
    reason: str


def _validate_optional_count(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is not None:
        check_int(value, attribute.name, low=0, high=MAX_COUNT)


JOIN_DECISIONS: Final = ("approve", "decline")


def _validate_decision(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or value not in JOIN_DECISIONS:
        raise InvalidInputError(f"decision: expected 'approve' or 'decline', got {value!r}")


def _to_values(value: object) -> tuple[Hashable, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInputError(f"values: expected a collection of attribute values, got {value!r}")
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, (str, int)) or isinstance(item, bool):
            raise InvalidInputError(f"values[{i}]: expected a str or an int, got {item!r}")
    return items


def _validate_optional_bool(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is not None:
        check_bool(value, attribute.name)


@attrs.frozen
class JoinRule:
    """A rule that decides a request to join a closed group without waiting for an admin.

    Every condition set must hold for the rule to match; the first matching rule of the group
    decides (``"approve"`` admits at once, ``"decline"`` refuses with ``PermissionDeniedError``
    and keeps nothing); with no match the request waits for someone with APPROVE.

    Parameters
    ----------
    decision : {"approve", "decline"}
        What a match does.
    attribute : str, default "region"
        The attribute of the request (:meth:`FanGroup.request_to_join`) ``values`` reads.
    values : collection of str or int, optional
        The request's ``attribute`` is one of these (a region, a country...).
    min_trust : int, optional
        The trust level the requester holds elsewhere (``trust_elsewhere`` of the request,
        as the application reads it from another group) is at least this.
    invited : bool, optional
        The requester holds a usable invitation to this group (True), or none (False).

    Examples
    --------
    >>> from community_marketing.groups import JoinRule
    >>> JoinRule("approve", min_trust=2).min_trust
    2
    >>> JoinRule("decline", values=["XX"]).values
    ('XX',)
    """

    decision: str = attrs.field(validator=_validate_decision)
    attribute: str = attrs.field(default="region", kw_only=True, validator=_validate_name)
    values: tuple[Hashable, ...] | None = attrs.field(
        default=None, kw_only=True, converter=_to_values
    )
    min_trust: int | None = attrs.field(
        default=None, kw_only=True, validator=_validate_optional_count
    )
    invited: bool | None = attrs.field(
        default=None, kw_only=True, validator=_validate_optional_bool
    )


@attrs.frozen
class JoinRequest:
    """A pending request to join a closed group, with the answers to its screening questions.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing.groups import JoinRequest
    >>> JoinRequest("bob", ("a barista",), datetime(2026, 1, 1, tzinfo=UTC), 0).answers
    ('a barista',)
    """

    member: Hashable
    answers: tuple[str, ...]
    requested_at: datetime
    fee_paid: int | float


@attrs.frozen
class Standing:
    """One row of a leaderboard.

    Examples
    --------
    >>> from community_marketing.groups import Standing
    >>> Standing("ann", 42)
    Standing(member='ann', reputation=42)
    """

    member: Hashable
    reputation: int


@attrs.frozen
class Hotspot:
    """One value of a member attribute, with its members, active members and contributions.

    Examples
    --------
    >>> from community_marketing.groups import Hotspot
    >>> Hotspot("Lyon", members=120, active_members=40, contributions=310).active_members
    40
    """

    value: Hashable
    members: int
    active_members: int
    contributions: int


def _to_thresholds(value: object) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInputError(f"thresholds: expected a sequence of ints, got {value!r}")
    items = tuple(
        check_int(v, f"thresholds[{i}]", low=0, high=MAX_COUNT) for i, v in enumerate(value)
    )
    if any(b < a for a, b in itertools.pairwise(items)):
        raise InvalidInputError(f"thresholds: expected non-decreasing values, got {items}")
    return items


def _to_unlocks(value: object) -> tuple[Ability, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInputError(f"unlocks: expected a sequence of Ability, got {value!r}")
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, Ability):
            raise InvalidInputError(f"unlocks[{i}]: expected an Ability, got {type(item).__name__}")
    return items


def _validate_low_water(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_probability(value, "low_water")


def _validate_unlocks(instance: TrustPolicy, attribute: attrs.Attribute[Any], value: Any) -> None:
    if len(value) != len(instance.thresholds):
        raise InvalidInputError(
            f"unlocks: expected one Ability per threshold ({len(instance.thresholds)}), "
            f"got {len(value)}"
        )


def _to_counts(value: object) -> tuple[tuple[str, int], ...]:
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)  # the stored form, as attrs.evolve passes it back
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"counts: expected a mapping of kind to int, got {value!r}")
    return tuple(
        sorted(
            (
                check_text(kind, "counts key"),
                check_int(n, f"counts[{kind!r}]", low=0, high=MAX_COUNT),
            )
            for kind, n in value.items()
        )
    )


def _validate_count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_int(value, attribute.name, low=0, high=MAX_COUNT)


def _validate_grace(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0) or value.days > 365_000:
        raise InvalidInputError(
            f"{attribute.name}: expected a timedelta from 0 to 365,000 days, got {value!r}"
        )


@attrs.frozen
class TrustRequirement:
    """What one trust level asks of a member's activity within a window, Discourse style.

    Parameters
    ----------
    counts : mapping of str to int, default {}
        At least this many contributions of each kind (weights included) within ``window``.
    days_active : int, default 0
        At least this many distinct days (UTC) with a contribution of any kind within
        ``window``; record a zero-point kind such as ``"visit"`` to count visits.
    max_flagged : int, optional
        At most this many contributions of the policy's ``flag_kind`` within ``window``;
        None: flags do not count.
    window : timedelta, optional
        The trailing window the counts are taken over, ending at the evaluation; None: all
        time.
    manual : bool, default False
        The level is granted by hand only (Discourse's TL4, "Leader"), never automatically.

    Examples
    --------
    >>> from datetime import timedelta
    >>> from community_marketing.groups import TrustRequirement
    >>> basic = TrustRequirement({"post": 5}, days_active=2, window=timedelta(days=30))
    >>> basic.counts, basic.days_active
    ((('post', 5),), 2)
    """

    counts: tuple[tuple[str, int], ...] = attrs.field(factory=dict, converter=_to_counts)
    days_active: int = attrs.field(default=0, kw_only=True, validator=_validate_count)
    max_flagged: int | None = attrs.field(
        default=None, kw_only=True, validator=_validate_optional_count
    )
    window: timedelta | None = attrs.field(default=None, kw_only=True, validator=_validate_window)
    manual: bool = attrs.field(default=False, kw_only=True, validator=_validate_bool)


def _to_requirements(value: object) -> tuple[TrustRequirement, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInputError(
            f"requirements: expected a sequence of TrustRequirement, got {value!r}"
        )
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, TrustRequirement):
            raise InvalidInputError(
                f"requirements[{i}]: expected a TrustRequirement, got {type(item).__name__}"
            )
    return items


def _validate_requirements(
    instance: TrustPolicy, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if value and len(value) != len(instance.thresholds):
        raise InvalidInputError(
            f"requirements: expected one TrustRequirement per threshold "
            f"({len(instance.thresholds)}), got {len(value)}"
        )


@attrs.frozen
class TrustPolicy:
    """Discourse-style trust levels earned from reputation and activity, with a low-water mark.

    A member reaches level ``k`` when their reputation reaches ``thresholds[k-1]`` (and, with
    ``requirements``, when they meet ``requirements[0..k-1]``); once there, they keep it until
    they fall below ``low_water`` of what level ``k`` asks (flags excepted), so one quiet week
    does not cost the level; a demotion waits ``grace`` after the level was reached. Level
    ``k`` unlocks ``unlocks[0] | ... | unlocks[k-1]`` and nothing else.

    Without ``requirements`` levels follow reputation at each contribution; with them, levels
    move at :meth:`FanGroup.evaluate_trust` (vectorized over every member). See
    :meth:`discourse` for Discourse's own requirements
    (https://blog.discourse.org/2018/06/understanding-discourse-trust-levels/).

    Parameters
    ----------
    thresholds : sequence of int
        Reputation needed for levels 1, 2, ...; non-decreasing, from 0 to 2**53.
    low_water : float, default 0.8
        The fraction of a level's threshold (and counts) below which the level is lost.
    unlocks : sequence of Ability
        The abilities each level adds, one per threshold.
    requirements : sequence of TrustRequirement, default ()
        What each level asks of activity, one per threshold; () for reputation only.
    grace : timedelta, default 0
        How long after reaching a level a member cannot be demoted from it.
    flag_kind : str, optional
        The contribution kind that counts as a flag against a member (``max_flagged``).

    Examples
    --------
    >>> from community_marketing.groups import Ability, TrustPolicy
    >>> policy = TrustPolicy((10, 100), unlocks=(Ability.NONE, Ability.INVITE))
    >>> policy.level_for(120), policy.level_for(9)
    (2, 0)
    """

    thresholds: tuple[int, ...] = attrs.field(default=(10, 50, 200, 1000), converter=_to_thresholds)
    low_water: float = attrs.field(default=0.8, validator=_validate_low_water)
    unlocks: tuple[Ability, ...] = attrs.field(
        default=(Ability.NONE, Ability.INVITE, Ability.MODERATE, Ability.EDIT_OBJECTS),
        converter=_to_unlocks,
        validator=_validate_unlocks,
    )
    requirements: tuple[TrustRequirement, ...] = attrs.field(
        default=(), kw_only=True, converter=_to_requirements, validator=_validate_requirements
    )
    grace: timedelta = attrs.field(default=timedelta(0), kw_only=True, validator=_validate_grace)
    flag_kind: str | None = attrs.field(default=None, kw_only=True, validator=_validate_kind)

    @classmethod
    def discourse(cls, unlocks: Iterable[Ability] | None = None) -> TrustPolicy:
        """Discourse's trust levels 1-4 as this library counts activity.

        From https://blog.discourse.org/2018/06/understanding-discourse-trust-levels/ :
        TL1 (basic) after entering 5 topics and reading 30 posts; TL2 (member) after 15 days
        visited, 1 like given and 1 received, and 3 replies; TL3 (regular) over the last 100
        days: 50 days visited, 10 replies, 20 likes received, 30 given, at most 5 flagged
        posts; kept until below 90% of that after a 14-day grace; TL4 (leader) by hand only.
        Kinds: ``"topic_entered"``, ``"post_read"``, ``"visit"``, ``"like_given"``,
        ``"like_received"``, ``"reply"``, ``"flagged"`` (give them points, 0 for none).

        Examples
        --------
        >>> from community_marketing.groups import TrustPolicy
        >>> policy = TrustPolicy.discourse()
        >>> policy.requirements[2].window.days, policy.low_water, policy.grace.days
        (100, 0.9, 14)
        """
        window = timedelta(days=100)
        return cls(
            (0, 0, 0, 0),
            low_water=0.9,
            unlocks=tuple(unlocks) if unlocks is not None else (
                Ability.NONE, Ability.INVITE, Ability.MODERATE, Ability.EDIT_OBJECTS
            ),
            requirements=(
                TrustRequirement({"topic_entered": 5, "post_read": 30}),
                TrustRequirement(
                    {"like_given": 1, "like_received": 1, "reply": 3}, days_active=15
                ),
                TrustRequirement(
                    {"reply": 10, "like_received": 20, "like_given": 30},
                    days_active=50, max_flagged=5, window=window,
                ),
                TrustRequirement(manual=True),
            ),
            grace=timedelta(days=14),
            flag_kind="flagged",
        )  # fmt: skip

    def level_for(self, reputation: int) -> int:
        """The level a newcomer with ``reputation`` would hold (no history)."""
        return int(np.searchsorted(np.asarray(self.thresholds), reputation, side="right"))

    def cumulative_unlocks(self) -> list[int]:
        """The ability bits of each level 0..n, cumulative."""
        bits = [0]
        for unlock in self.unlocks:
            bits.append(bits[-1] | unlock.value)
        return bits


MAX_DAILY_CAP: Final = 10**9
"""The largest daily reputation cap: a day's gains then stay far inside int64."""


def _validate_cap(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_int(value, "daily_cap", low=1, high=MAX_DAILY_CAP)


def _validate_zone(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    name = check_text(value, attribute.name)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInputError(
            f"{attribute.name}: expected an IANA zone name such as 'Europe/Paris', "
            f"got {name[:64]!r}"
        ) from None


def _validate_half_life(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta) or value < timedelta(seconds=1):
        raise InvalidInputError(
            f"half_life: expected a timedelta of at least one second or None, got {value!r}"
        )


@attrs.frozen
class ReputationPolicy:
    """How contributions turn into reputation: a daily cap in the member's day, and decay.

    Points come from the group's ``points`` (a negative value, such as a flagged post, takes
    reputation away). The cap bounds what a member *gains* in one day of their own time zone,
    as Stack Exchange caps reputation from votes at 200 a day
    (https://stackoverflow.com/help/whats-reputation): positive points beyond the cap are
    recorded as contributions but credit nothing; negative points always count and do not
    free room under the cap. With a half-life, reputation read at a moment is each credited
    point times ``0.5 ** (age / half_life)``, rounded down.

    Parameters
    ----------
    daily_cap : int, optional
        The most reputation one member gains in one local day (1 to 10**9); None: no cap.
    zone : str, default "UTC"
        The group's IANA time zone, for members without a zone of their own.
    zone_attribute : str, default "timezone"
        The member attribute (see :meth:`FanGroup.set_attributes`) naming a member's own
        zone; a value that is not an IANA zone name falls back to ``zone``.
    half_life : timedelta, optional
        The age at which a point counts half (at least one second); None: no decay.

    Examples
    --------
    >>> from datetime import timedelta
    >>> from community_marketing.groups import ReputationPolicy
    >>> ReputationPolicy(200, zone="Europe/Paris").daily_cap
    200
    >>> ReputationPolicy(half_life=timedelta(days=365)).half_life.days
    365
    """

    daily_cap: int | None = attrs.field(default=None, validator=_validate_cap)
    zone: str = attrs.field(default="UTC", kw_only=True, validator=_validate_zone)
    zone_attribute: str = attrs.field(default="timezone", kw_only=True, validator=_validate_name)
    half_life: timedelta | None = attrs.field(
        default=None, kw_only=True, validator=_validate_half_life
    )


DEFAULT_POINTS: Final[Mapping[str, int]] = types.MappingProxyType(
    {"accepted_answer": 15, "answer": 5, "like_received": 1, "post": 2, "referral": 10, "review": 5}
)
"""Points per contribution kind: an accepted answer weighs most, as in Khoros and Stack Exchange."""


@attrs.define
class Invitation:
    """An invitation as the group keeps it: the token's SHA-256, never the token itself."""

    member: Hashable
    by: Hashable
    digest: bytes
    created_at: int
    expires_at: int
    used: bool = False


@attrs.define
class Request:
    """A pending join request; ``at`` in microseconds since the epoch, UTC."""

    member: Hashable
    answers: tuple[str, ...]
    at: int
    fee_paid: int | float
