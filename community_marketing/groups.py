"""FanGroup: the brand's community, joined by opt-in, run by roles, kept alive by rewards.

A person joins a brand's group of fans by explicit consent; from then on the brand may stay in
touch for the group's purpose. The group has owners, roles that bundle :class:`Ability` flags,
optional fees, closed enrollment with screening questions, single-use invitations, a ledger of
contributions that earns reputation, trust levels and badges, and a notice that reaches exactly the
members the consent registry allows right now. The library sends nothing.

Members are any hashable id. Inside, each person the group has seen gets a dense index; per-person
state lives in numpy columns, so bulk imports, leaderboards, notices and hotspots over a million
members are vectorized.

Examples
--------
>>> from datetime import UTC, datetime
>>> from community_marketing.groups import Ability, FanGroup
>>> now = datetime(2026, 1, 1, tzinfo=UTC)
>>> group = FanGroup("espresso", "ann", clock=lambda: now)
>>> group.join("bob")
True
>>> group.assign_role("ann", "bob", "Moderator")
>>> group.can("bob", Ability.REMOVE), group.can("bob", Ability.BAN)
(True, False)
>>> _ = group.record_contribution("bob", "accepted_answer")
>>> group.reputation("bob")
15
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import itertools
import math
import secrets
import threading
import types
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from ._checks import check_int
from ._ids import IdIndex, as_id_list, check_id
from ._time import Clock, ensure_aware, from_micros, micros_array, resolve_at, to_micros, utc_now
from .errors import (
    CommunityMarketingError,
    ConsentRequiredError,
    InvalidInputError,
    InvalidTokenError,
    PermissionDeniedError,
    UnknownIdError,
)
from .optin import OptInRegistry, Reason

__all__ = [
    "DEFAULT_POINTS",
    "Ability",
    "Badge",
    "BadgeRule",
    "BadgeTier",
    "FanGroup",
    "Hotspot",
    "JoinRequest",
    "Reward",
    "RewardDue",
    "Role",
    "Standing",
    "TrustPolicy",
]

SCHEMA: Final = 1
MAX_QUESTIONS: Final = 3
MAX_ROLES: Final = 63
_NEVER: Final = np.iinfo(np.int64).min
_INT32_MAX: Final = np.iinfo(np.int32).max
_DAY_MICROS: Final = 86_400_000_000

IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


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


def _ability_names(ability: Ability) -> str:
    names = [member.name for member in ability if member.name]
    return "|".join(names) if names else "NONE"


def _check_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{field}: expected a non-empty str, got {value!r}")
    return value


def _check_amount(value: object, field: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{field}: expected a number >= 0, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise InvalidInputError(f"{field}: expected a finite number >= 0, got {value!r}")
    return value


def _to_ability(value: object) -> Ability:
    if isinstance(value, Ability):
        return value
    raise InvalidInputError(f"abilities: expected an Ability flag, got {type(value).__name__}")


def _validate_role_name(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    _check_name(value, attribute.name)


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

    name: str = attrs.field(validator=_validate_role_name)
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
_BUILTIN_ROLES: Final = (OWNER, OFFICER, MODERATOR, MEMBER)
_OWNER_BIT: Final = 1 << 0
_OFFICER_BIT: Final = 1 << 1
_MEMBER_BIT: Final = 1 << 3


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


_TIER_ORDER: Final = {BadgeTier.BRONZE: 0, BadgeTier.SILVER: 1, BadgeTier.GOLD: 2}
_REWARD_KINDS: Final = ("badge", "trial", "discount")


def _to_tier(value: object) -> BadgeTier:
    try:
        return BadgeTier(str(value) if isinstance(value, str) else "")
    except ValueError:
        raise InvalidInputError(
            f"tier: expected one of 'bronze', 'silver', 'gold', got {value!r}"
        ) from None


def _validate_reward(instance: Reward, attribute: attrs.Attribute[Any], value: object) -> None:
    if instance.kind not in _REWARD_KINDS:
        raise InvalidInputError(
            f"reward.kind: expected one of {', '.join(_REWARD_KINDS)}, got {instance.kind!r}"
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
    check_int(value, "at_least", low=1)


def _validate_kind(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check_name(value, "kind")


def _validate_reward_field(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if not isinstance(value, Reward):
        raise InvalidInputError(f"reward: expected a Reward, got {type(value).__name__}")


def _validate_bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInputError(f"{attribute.name}: expected a bool, got {type(value).__name__}")


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
        The mark: a count of contributions of ``kind`` (weights included), or reputation when
        ``kind`` is None.
    kind : str, optional
        The contribution kind counted; None means reputation.
    repeatable : bool, default False
        Granted once, or once more each time the mark is reached again (at 2x, 3x...).
    reward : Reward, default Reward("badge")
        What the brand hands out with the badge (see :meth:`FanGroup.rewards_due`).

    Examples
    --------
    >>> from community_marketing.groups import BadgeRule, Reward
    >>> rule = BadgeRule("Helper", "silver", 10, kind="accepted_answer",
    ...                  reward=Reward("trial", "grinder"))
    >>> rule.tier
    <BadgeTier.SILVER: 'silver'>
    """

    name: str = attrs.field(validator=_validate_role_name)
    tier: BadgeTier = attrs.field(converter=_to_tier)
    at_least: int = attrs.field(validator=_validate_threshold)
    kind: str | None = attrs.field(default=None, kw_only=True, validator=_validate_kind)
    repeatable: bool = attrs.field(default=False, kw_only=True, validator=_validate_bool)
    reward: Reward = attrs.field(factory=Reward, kw_only=True, validator=_validate_reward_field)


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
    items = tuple(check_int(v, f"thresholds[{i}]", low=1) for i, v in enumerate(value))
    if any(b <= a for a, b in itertools.pairwise(items)):
        raise InvalidInputError(f"thresholds: expected strictly increasing values, got {items}")
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
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"low_water: expected a number in (0, 1], got {value!r}")
    if not 0 < value <= 1:
        raise InvalidInputError(f"low_water: expected a number in (0, 1], got {value!r}")


def _validate_unlocks(instance: TrustPolicy, attribute: attrs.Attribute[Any], value: Any) -> None:
    if len(value) != len(instance.thresholds):
        raise InvalidInputError(
            f"unlocks: expected one Ability per threshold ({len(instance.thresholds)}), "
            f"got {len(value)}"
        )


@attrs.frozen
class TrustPolicy:
    """Discourse-style trust levels earned from reputation, with a low-water mark.

    A member reaches level ``k`` when their reputation reaches ``thresholds[k-1]``; once there, they
    keep it until reputation falls below ``low_water * thresholds[k-1]``, so one dip does not cost
    the level. Level ``k`` unlocks ``unlocks[0] | ... | unlocks[k-1]``.

    Parameters
    ----------
    thresholds : sequence of int
        Reputation needed for levels 1, 2, ...; strictly increasing.
    low_water : float, default 0.8
        The fraction of a level's threshold below which the level is lost.
    unlocks : sequence of Ability
        The abilities each level adds, one per threshold.

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

    def level_for(self, reputation: int) -> int:
        """The level a newcomer with ``reputation`` would hold (no history)."""
        return int(np.searchsorted(np.asarray(self.thresholds), reputation, side="right"))

    def cumulative_unlocks(self) -> list[int]:
        """The ability bits of each level 0..n, cumulative."""
        bits = [0]
        for unlock in self.unlocks:
            bits.append(bits[-1] | unlock.value)
        return bits


DEFAULT_POINTS: Final[Mapping[str, int]] = types.MappingProxyType(
    {
        "accepted_answer": 15,
        "answer": 5,
        "like_received": 1,
        "post": 2,
        "referral": 10,
        "review": 5,
    }
)
"""Points per contribution kind: an accepted answer weighs most, as in Khoros and Stack Exchange."""


@attrs.define
class _Invitation:
    member: Hashable
    by: Hashable
    digest: bytes
    created_at: int
    expires_at: int
    used: bool = False


@attrs.define
class _Request:
    member: Hashable
    answers: tuple[str, ...]
    at: int
    fee_paid: int | float


class _Columns:
    """Growable parallel numpy columns (the contribution and badge ledgers)."""

    __slots__ = ("_arrays", "length")

    def __init__(self, dtypes: Mapping[str, Any]) -> None:
        self._arrays = {name: np.zeros(0, dtype) for name, dtype in dtypes.items()}
        self.length = 0

    def append(self, **columns: npt.NDArray[Any]) -> None:
        n = len(next(iter(columns.values())))
        needed = self.length + n
        capacity = len(next(iter(self._arrays.values())))
        if needed > capacity:
            new_capacity = max(needed, 2 * capacity, 64)
            for name, array in self._arrays.items():
                grown = np.zeros(new_capacity, array.dtype)
                grown[: self.length] = array[: self.length]
                self._arrays[name] = grown
        for name, values in columns.items():
            self._arrays[name][self.length : needed] = values
        self.length = needed

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self._arrays[name][: self.length]


def _contribution_columns() -> _Columns:
    return _Columns({"member": np.int32, "kind": np.int16, "weight": np.int32, "at": np.int64})


def _badge_columns() -> _Columns:
    return _Columns({"member": np.int64, "rule": np.int32, "at": np.int64, "settled": np.bool_})


# Per-person columns: name -> (dtype, fill value for a new person).
_PERSON_COLUMNS: Final[Mapping[str, tuple[Any, int]]] = {
    "_member": (np.bool_, 0),
    "_banned": (np.bool_, 0),
    "_joined": (np.int64, 0),
    "_roles": (np.int64, 0),
    "_abilities": (np.int64, 0),
    "_rank": (np.int64, -1),
    "_reputation": (np.int64, 0),
    "_trust": (np.int64, 0),
    "_activity": (np.int64, 0),
    "_last_at": (np.int64, _NEVER),
}


def _as_registry(registry: object) -> OptInRegistry | None:
    if registry is None:
        return None
    if not isinstance(registry, OptInRegistry):
        raise InvalidInputError(
            f"registry: expected an OptInRegistry or None, got {type(registry).__name__}"
        )
    return registry


# --------------------------------------------------------------------------------------------
# FanGroup
# --------------------------------------------------------------------------------------------


@attrs.define(init=False, repr=False, eq=False)
class FanGroup:
    """A brand's group of fans: opt-in membership, roles, contributions, badges and notices.

    Parameters
    ----------
    name : str
        The group's name.
    owner : hashable
        The founder, recorded for good and the first owner (a member from the start).
    registry : OptInRegistry, optional
        When given, every join is recorded there as an express grant of ``purpose`` on each of
        ``channels``; leave, remove and ban withdraw it; a suppressed contact cannot join; and
        :meth:`notice` reaches only those the registry allows now (quiet hours and caps
        included). Without it, consent given at join is the group's own record.
    purpose : str, optional
        The consent purpose; ``"group:<name>"`` by default.
    channels : sequence of str, default ("in_app",)
        The channels the group reaches its members on; joining grants each.
    open_enrollment : bool, default True
        False makes the group closed: people ``request_to_join`` and someone with APPROVE decides.
    enrollment_fee, creation_fee : number, default 0
        The fee to join (checked against ``fee_paid``) and the fee paid to create the group.
    questions : sequence of str, default ()
        Screening questions for closed groups, at most 3.
    invite_daily_cap : int, default 20
        How many invitations one inviter may send in any 24 hours.
    points : mapping of str to int, optional
        Points per contribution kind; :data:`DEFAULT_POINTS` by default.
    trust : TrustPolicy, optional
        Trust levels and what they unlock; ``TrustPolicy()`` by default.
    badge_rules : sequence of BadgeRule, default ()
        Badges granted automatically.
    clock : callable, optional
        Returns the current aware datetime; UTC now by default.

    Notes
    -----
    Safe to share between threads: one lock per group, held while mutating. Reads such as
    :meth:`can` take no lock.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing.groups import FanGroup
    >>> group = FanGroup("espresso", "ann", clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    >>> group.join_many(["bob", "cid"])
    2
    >>> group.member_count, group.founder
    (3, 'ann')
    >>> group
    FanGroup(name='espresso', members=3, owners=['ann'], open_enrollment=True)
    """

    _name: str
    _founder: Hashable
    _registry: OptInRegistry | None
    _purpose: str
    _channels: tuple[str, ...]
    _open: bool
    _enrollment_fee: int | float
    _creation_fee: int | float
    _questions: tuple[str, ...]
    _invite_cap: int
    _points: dict[str, int]
    _kinds: list[str]
    _kind_code: dict[str, int]
    _kind_points: IntArray
    _trust_policy: TrustPolicy
    _trust_bits: IntArray
    _trust_high: IntArray
    _trust_low: npt.NDArray[np.float64]
    _rules: list[BadgeRule]
    _role_list: list[Role]
    _clock: Clock
    _lock: threading.RLock
    _people: IdIndex
    _member: npt.NDArray[np.bool_]
    _banned: npt.NDArray[np.bool_]
    _joined: IntArray
    _roles: IntArray
    _abilities: IntArray
    _rank: IntArray
    _reputation: IntArray
    _trust: IntArray
    _activity: IntArray
    _last_at: IntArray
    _counts: IntArray
    _awarded: IntArray
    _attributes: dict[str, tuple[IdIndex, IntArray]]
    _ledger: _Columns
    _badge_log: _Columns
    _requests: dict[Hashable, _Request]
    _invitations: list[_Invitation]
    _sent_by: dict[Hashable, list[int]]
    _invited: dict[Hashable, list[int]]
    _int_table: tuple[int, int, IntArray] | None

    def __init__(
        self,
        name: str,
        owner: Hashable,
        *,
        registry: OptInRegistry | None = None,
        purpose: str | None = None,
        channels: Sequence[str] = ("in_app",),
        open_enrollment: bool = True,
        enrollment_fee: float = 0,
        creation_fee: float = 0,
        questions: Sequence[str] = (),
        invite_daily_cap: int = 20,
        points: Mapping[str, int] | None = None,
        trust: TrustPolicy | None = None,
        badge_rules: Sequence[BadgeRule] = (),
        clock: Clock | None = None,
    ) -> None:
        self._configure(
            name,
            owner,
            registry=registry,
            purpose=purpose,
            channels=channels,
            open_enrollment=open_enrollment,
            enrollment_fee=enrollment_fee,
            creation_fee=creation_fee,
            questions=questions,
            invite_daily_cap=invite_daily_cap,
            points=points,
            trust=trust,
            badge_rules=badge_rules,
            clock=clock,
        )
        founder = [self._founder]
        micros = self._now(None)
        self._check_suppression(founder, micros)
        self._grant(founder, micros, "group:create")
        index = self._add_people(founder)
        self._admit_indices(index, micros)
        self._roles[index] = _OWNER_BIT | _MEMBER_BIT
        self._refresh_abilities(index)

    def _configure(
        self,
        name: str,
        owner: Hashable,
        *,
        registry: object,
        purpose: str | None,
        channels: Sequence[str],
        open_enrollment: bool,
        enrollment_fee: float,
        creation_fee: float,
        questions: Sequence[str],
        invite_daily_cap: int,
        points: Mapping[str, int] | None,
        trust: TrustPolicy | None,
        badge_rules: Sequence[BadgeRule],
        clock: Clock | None,
    ) -> None:
        self._name = _check_name(name, "name")
        self._founder = check_id(owner, "owner")
        self._registry = _as_registry(registry)
        self._purpose = f"group:{name}" if purpose is None else _check_name(purpose, "purpose")
        if isinstance(channels, str) or not isinstance(channels, Sequence) or not channels:
            raise InvalidInputError(
                f"channels: expected a non-empty sequence of str, got {channels!r}"
            )
        self._channels = tuple(_check_name(c, f"channels[{i}]") for i, c in enumerate(channels))
        if len(set(self._channels)) != len(self._channels):
            raise InvalidInputError(f"channels: expected distinct channels, got {self._channels}")
        if not isinstance(open_enrollment, bool):
            raise InvalidInputError(
                f"open_enrollment: expected a bool, got {type(open_enrollment).__name__}"
            )
        self._open = open_enrollment
        self._enrollment_fee = _check_amount(enrollment_fee, "enrollment_fee")
        self._creation_fee = _check_amount(creation_fee, "creation_fee")
        if isinstance(questions, str) or not isinstance(questions, Sequence):
            raise InvalidInputError(f"questions: expected a sequence of str, got {questions!r}")
        if len(questions) > MAX_QUESTIONS:
            raise InvalidInputError(
                f"questions: expected at most {MAX_QUESTIONS} screening questions, "
                f"got {len(questions)}"
            )
        self._questions = tuple(_check_name(q, f"questions[{i}]") for i, q in enumerate(questions))
        self._invite_cap = check_int(invite_daily_cap, "invite_daily_cap", low=0)
        self._set_points(DEFAULT_POINTS if points is None else points)
        trust = TrustPolicy() if trust is None else trust
        if not isinstance(trust, TrustPolicy):
            raise InvalidInputError(f"trust: expected a TrustPolicy, got {type(trust).__name__}")
        self._set_trust(trust)
        if clock is not None and not callable(clock):
            raise InvalidInputError(f"clock: expected a callable, got {type(clock).__name__}")
        self._clock = utc_now if clock is None else clock
        self._lock = threading.RLock()
        self._role_list = list(_BUILTIN_ROLES)
        self._people = IdIndex(kind="member")
        for column, (dtype, fill) in _PERSON_COLUMNS.items():
            setattr(self, column, np.full(0, fill, dtype))
        self._counts = np.zeros((0, len(self._kinds)), np.int64)
        self._rules = []
        self._awarded = np.zeros((0, 0), np.int64)
        self._attributes = {}
        self._ledger = _contribution_columns()
        self._badge_log = _badge_columns()
        self._requests = {}
        self._invitations = []
        self._sent_by = {}
        self._invited = {}
        self._int_table = None
        for rule in self._checked_rules(badge_rules):
            self._rules.append(rule)
        self._awarded = np.zeros((0, len(self._rules)), np.int64)

    def _set_points(self, points: object) -> None:
        if not isinstance(points, Mapping) or not points:
            raise InvalidInputError(
                f"points: expected a non-empty mapping of kind to int, got {points!r}"
            )
        if len(points) > np.iinfo(np.int16).max:
            raise InvalidInputError("points: too many kinds")
        checked = {
            _check_name(kind, "points key"): check_int(
                value, f"points[{kind!r}]", low=-(10**6), high=10**6
            )
            for kind, value in points.items()
        }
        self._points = checked
        self._kinds = list(checked)
        self._kind_code = {kind: code for code, kind in enumerate(self._kinds)}
        self._kind_points = np.array([checked[k] for k in self._kinds], np.int64)

    def _set_trust(self, trust: TrustPolicy) -> None:
        self._trust_policy = trust
        self._trust_bits = np.array(trust.cumulative_unlocks(), np.int64)
        self._trust_high = np.array(trust.thresholds, np.int64)
        self._trust_low = np.array(trust.thresholds, np.float64) * trust.low_water

    def _checked_rules(self, rules: object) -> list[BadgeRule]:
        if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence):
            raise InvalidInputError(f"badge_rules: expected a sequence of BadgeRule, got {rules!r}")
        names = {rule.name for rule in self._rules}
        checked = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, BadgeRule):
                raise InvalidInputError(
                    f"badge_rules[{i}]: expected a BadgeRule, got {type(rule).__name__}"
                )
            if rule.name in names:
                raise InvalidInputError(f"badge_rules[{i}]: a badge named {rule.name!r} exists")
            if rule.kind is not None and rule.kind not in self._kind_code:
                raise InvalidInputError(
                    f"badge_rules[{i}].kind: expected one of {self._kinds}, got {rule.kind!r}"
                )
            names.add(rule.name)
            checked.append(rule)
        return checked

    # ---------------------------------------------------------------- small helpers

    def __repr__(self) -> str:
        owners = self.owners()
        shown = owners[:3] + (["..."] if len(owners) > 3 else [])
        return (
            f"FanGroup(name={self._name!r}, members={self.member_count}, "
            f"owners={shown!r}, open_enrollment={self._open})"
        )

    def _now(self, at: object, field: str = "at") -> int:
        return to_micros(resolve_at(at, self._clock, field))

    def _grow(self, n: int) -> None:
        capacity = len(self._member)
        if n <= capacity:
            return
        new_capacity = max(n, 2 * capacity, 16)
        for column, (dtype, fill) in _PERSON_COLUMNS.items():
            old = getattr(self, column)
            grown = np.full(new_capacity, fill, dtype)
            grown[:capacity] = old
            setattr(self, column, grown)
        counts = np.zeros((new_capacity, self._counts.shape[1]), np.int64)
        counts[:capacity] = self._counts
        self._counts = counts
        awarded = np.zeros((new_capacity, self._awarded.shape[1]), np.int64)
        awarded[:capacity] = self._awarded
        self._awarded = awarded
        for name, (values, codes) in self._attributes.items():
            grown_codes = np.full(new_capacity, -1, np.int64)
            grown_codes[:capacity] = codes
            self._attributes[name] = (values, grown_codes)

    def _add_people(self, ids: list[Hashable]) -> IntArray:
        # Columns grow before the index does, so a lock-free reader never sees an index
        # beyond the columns.
        self._grow(len(self._people) + len(ids))
        known = len(self._people)
        indices = self._people.add_many(ids, "members")
        if len(self._people) != known:
            self._int_table = None
        return indices

    def _index_of(self, member: Hashable, field: str = "member") -> int:
        """The index of a current member; ``UnknownIdError`` otherwise."""
        index = self._people.get(member)
        if index < 0 or not self._member[index]:
            raise UnknownIdError(field, member)
        return index

    def _indices_of_members(self, members: Any, field: str) -> IntArray:
        """Indices of current members, vectorized; ``UnknownIdError`` names the first stranger."""
        if (
            isinstance(members, np.ndarray)
            and members.ndim == 1
            and np.issubdtype(members.dtype, np.integer)
        ):
            indices = self._int_indices(members)
        else:
            indices = self._people.lookup(members, field)
        known = indices >= 0
        known[known] = self._member[indices[known]]
        if not known.all():
            row = int(np.argmin(known))
            stranger = members[row]
            if isinstance(stranger, np.generic):
                stranger = stranger.item()
            raise UnknownIdError(field[:-1] if field.endswith("s") else field, stranger)
        return indices

    def _int_indices(self, members: npt.NDArray[np.integer[Any]]) -> IntArray:
        """Indices of integer ids through a direct-address table (dense int ids are common)."""
        table = self._int_table
        if table is None:
            ids = self._people.ids()
            if not all(type(i) is int for i in ids) or not ids:
                return self._people.lookup(members, "members")
            keys = np.array(ids, dtype=object)
            try:
                keys = keys.astype(np.int64)
            except OverflowError:
                return self._people.lookup(members, "members")
            low, high = int(keys.min()), int(keys.max())
            if high - low > 4 * len(ids) + (1 << 16):
                return self._people.lookup(members, "members")
            slots = np.full(high - low + 1, -1, np.int64)
            slots[keys - low] = np.arange(len(ids), dtype=np.int64)
            table = (low, high, slots)
            self._int_table = table
        low, high, slots = table
        values = members.astype(np.int64, copy=False)
        inside = (values >= low) & (values <= high)
        result = np.full(len(values), -1, np.int64)
        result[inside] = slots[values[inside] - low]
        return result

    def _actor(self, by: Hashable, ability: Ability) -> int:
        """The index of ``by`` if a member holding ``ability``; else ``PermissionDeniedError``."""
        index = self._people.get(by)
        if index < 0 or not self._member[index]:
            raise PermissionDeniedError(
                f"{by!r} is not a member of {self._name!r}; lacks {_ability_names(ability)}"
            )
        held = int(self._abilities[index])
        if held & ability.value != ability.value:
            missing = Ability(ability.value & ~held)
            raise PermissionDeniedError(f"{by!r} lacks {_ability_names(missing)}")
        return index

    def _check_outranks(self, actor: int, target: int, verb: str) -> None:
        if actor == target or self._rank[target] >= self._rank[actor]:
            raise PermissionDeniedError(
                f"{self._people.id_at(actor)!r} cannot {verb} {self._people.id_at(target)!r}: "
                f"their rank {int(self._rank[target])} ({self._top_role(target).name}) is not "
                f"below {int(self._rank[actor])} ({self._top_role(actor).name})"
            )

    def _top_role(self, index: int) -> Role:
        held = self._held_roles(index)
        return held[0] if held else MEMBER

    def _held_roles(self, index: int) -> list[Role]:
        mask = int(self._roles[index])
        held = [role for bit, role in enumerate(self._role_list) if mask >> bit & 1]
        return sorted(held, key=lambda role: -role.rank)

    def _role_bit(self, role: Role | str) -> int:
        name = role.name if isinstance(role, Role) else role
        for bit, known in enumerate(self._role_list):
            if known.name == name:
                if isinstance(role, Role) and role != known:
                    raise InvalidInputError(f"role: {role!r} differs from the group's {known!r}")
                return bit
        raise InvalidInputError(
            f"role: expected one of {[r.name for r in self._role_list]}, got {name!r}"
        )

    def _refresh_abilities(self, indices: IntArray | int) -> None:
        idx = np.atleast_1d(np.asarray(indices, np.int64))
        masks = self._roles[idx]
        abilities = np.zeros(len(idx), np.int64)
        rank = np.full(len(idx), -1, np.int64)
        for bit, role in enumerate(self._role_list):
            holds = (masks >> bit) & 1 == 1
            if not holds.any():
                continue
            abilities[holds] |= role.abilities.value
            rank[holds] = np.maximum(rank[holds], role.rank)
        held_any = masks != 0
        abilities[held_any] |= self._trust_bits[self._trust[idx[held_any]]]
        self._abilities[idx] = abilities
        self._rank[idx] = rank

    # ---------------------------------------------------------------- registry

    def _check_suppression(self, ids: Sequence[Hashable], micros: int) -> None:
        registry = self._registry
        if registry is None or not ids:
            return
        checks = registry.check_many(ids, self._purpose, self._channels[0], at=from_micros(micros))
        suppressed = np.flatnonzero(checks.codes == Reason.SUPPRESSED)
        if suppressed.size:
            raise ConsentRequiredError(
                f"{ids[int(suppressed[0])]!r} is on the suppression list and cannot join "
                f"{self._name!r}"
            )

    def _grant(self, ids: list[Hashable], micros: int, source: str) -> None:
        if self._registry is None or not ids:
            return
        # Every channel in one block: a grant refused on one records none.
        self._registry.grant_many(
            ids, self._purpose, self._channels, source=source, at=from_micros(micros)
        )

    def _withdraw(self, member: Hashable, micros: int, source: str) -> None:
        if self._registry is None:
            return
        self._registry.withdraw_many(
            [member], self._purpose, self._channels, source=source, at=from_micros(micros)
        )

    # ---------------------------------------------------------------- properties

    @property
    def name(self) -> str:
        """The group's name."""
        return self._name

    @property
    def founder(self) -> Hashable:
        """The founder, fixed at creation whatever happens to ownership."""
        return self._founder

    @property
    def purpose(self) -> str:
        """The consent purpose joins are granted for (``"group:<name>"`` by default)."""
        return self._purpose

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels joining grants and notices go out on."""
        return self._channels

    @property
    def open_enrollment(self) -> bool:
        """Whether anyone may join directly (False: request and approval)."""
        return self._open

    @property
    def enrollment_fee(self) -> int | float:
        """The fee a newcomer pays to join."""
        return self._enrollment_fee

    @property
    def creation_fee(self) -> int | float:
        """The fee paid to create the group."""
        return self._creation_fee

    @property
    def questions(self) -> tuple[str, ...]:
        """The screening questions of a closed group."""
        return self._questions

    @property
    def points(self) -> dict[str, int]:
        """Points per contribution kind."""
        return dict(self._points)

    @property
    def trust_policy(self) -> TrustPolicy:
        """The trust levels and what they unlock."""
        return self._trust_policy

    @property
    def member_count(self) -> int:
        """The number of current members."""
        return int(np.count_nonzero(self._member))

    # ---------------------------------------------------------------- membership

    def is_member(self, member: Hashable) -> bool:
        """Whether ``member`` belongs to the group now (an unknown id is simply not a member).

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.is_member("ann"), group.is_member("zoe")
        (True, False)
        """
        index = self._people.get(member)
        return index >= 0 and bool(self._member[index])

    def is_banned(self, member: Hashable) -> bool:
        """Whether ``member`` is banned.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.ban("ann", "spammer")
        >>> group.is_banned("spammer")
        True
        """
        index = self._people.get(member)
        return index >= 0 and bool(self._banned[index])

    def members(self) -> list[Hashable]:
        """Current members, in order of first appearance.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join_many(["bob", "cid"])
        >>> group.members()
        ['ann', 'bob', 'cid']
        """
        return self._people.ids_at(np.flatnonzero(self._member[: len(self._people)]))

    def owners(self) -> list[Hashable]:
        """Current owners, in order of first appearance.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").owners()
        ['ann']
        """
        n = len(self._people)
        holds = (self._roles[:n] & _OWNER_BIT != 0) & self._member[:n]
        return self._people.ids_at(np.flatnonzero(holds))

    def joined_at(self, member: Hashable) -> datetime:
        """When ``member`` (last) joined; ``UnknownIdError`` for a non-member.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob", at=datetime(2026, 3, 1, tzinfo=UTC))
        >>> group.joined_at("bob").isoformat()
        '2026-03-01T00:00:00+00:00'
        """
        return from_micros(int(self._joined[self._index_of(member)]))

    def join(
        self,
        member: Hashable,
        *,
        consent: bool = True,
        fee_paid: float = 0,
        attributes: Mapping[str, Hashable] | None = None,
        at: datetime | None = None,
        source: str = "group:join",
    ) -> bool:
        """Join an open group by explicit consent; True if joined, False if already a member.

        Parameters
        ----------
        member : hashable
            Who joins.
        consent : bool, default True
            The person's explicit agreement; anything but ``True`` raises
            ``ConsentRequiredError``.
        fee_paid : number, default 0
            What the person paid; below ``enrollment_fee`` raises ``InvalidInputError``.
        attributes : mapping, optional
            Member attributes (region, city, nickname...); see :meth:`set_attributes`.
        at : datetime, optional
            When; the clock's now by default.
        source : str, default "group:join"
            Where consent was collected, recorded in the registry.

        Raises
        ------
        ConsentRequiredError
            No consent, or the contact is suppressed in the registry.
        PermissionDeniedError
            The group is closed, or the person is banned.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", enrollment_fee=5)
        >>> group.join("bob", fee_paid=5)
        True
        >>> group.join("cid", fee_paid=1)
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: fee_paid: expected at least 5, got 1
        """
        if not self._open:
            raise PermissionDeniedError(
                f"{self._name!r} is closed: use request_to_join and wait for approval"
            )
        columns = None if attributes is None else {k: [v] for k, v in _attr_map(attributes).items()}
        return self._join([member], consent, fee_paid, columns, at, source) == 1

    def join_many(
        self,
        members: Sequence[Hashable] | npt.NDArray[Any],
        *,
        consent: bool = True,
        fee_paid: float = 0,
        attributes: Mapping[str, Sequence[Hashable]] | None = None,
        by: Hashable | None = None,
        at: datetime | None = None,
        source: str = "group:import",
    ) -> int:
        """Join many people at once (imports); returns how many were not members before.

        Existing members are skipped. With a registry, consent is granted in bulk. In a closed
        group an import needs ``by``, a member with APPROVE.

        Parameters
        ----------
        members : sequence or ndarray of hashable
            Who joins.
        consent : bool, default True
            Everyone's explicit agreement, as collected by the importing application.
        fee_paid : number, default 0
            What each paid; checked against ``enrollment_fee``.
        attributes : mapping of str to sequence, optional
            Attribute columns aligned with ``members``.
        by : hashable, optional
            Who imports; required for closed groups.
        at : datetime, optional
            When; the clock's now by default.
        source : str, default "group:import"
            Recorded in the registry.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.join_many(["bob", "cid", "bob"], attributes={"city": ["Lyon", "Nice", "Lyon"]})
        2
        """
        if not self._open:
            self._actor(by, Ability.APPROVE)
        items = as_id_list(members, "members")
        columns = None
        if attributes is not None:
            columns = {}
            if not isinstance(attributes, Mapping):
                raise InvalidInputError("attributes: expected a mapping of str to sequences")
            for key, values in attributes.items():
                _check_name(key, "attributes key")
                column = as_id_list(values, f"attributes[{key!r}]")
                for row, value in enumerate(column):
                    if value is not None:
                        check_id(value, f"attributes[{key!r}][{row}]")
                if len(column) != len(items):
                    raise InvalidInputError(
                        f"attributes[{key!r}]: expected {len(items)} values, got {len(column)}"
                    )
                columns[key] = column
        return self._join(items, consent, fee_paid, columns, at, source)

    def _join(
        self,
        items: list[Hashable],
        consent: object,
        fee_paid: object,
        attributes: dict[str, list[Hashable]] | None,
        at: object,
        source: str,
    ) -> int:
        if consent is not True:
            raise ConsentRequiredError(
                f"joining {self._name!r} needs explicit consent (consent=True), got {consent!r}"
            )
        paid = _check_amount(fee_paid, "fee_paid")
        if paid < self._enrollment_fee:
            raise InvalidInputError(
                f"fee_paid: expected at least {self._enrollment_fee}, got {paid}"
            )
        _check_name(source, "source")
        micros = self._now(at)
        with self._lock:
            return self._admit(items, micros, source, attributes)

    def _admit(
        self,
        items: list[Hashable],
        micros: int,
        source: str,
        attributes: dict[str, list[Hashable]] | None = None,
    ) -> int:
        """Checks first, then the registry, then the columns: a refusal changes nothing."""
        known = self._people.lookup(items, "members")
        for row in np.flatnonzero(known < 0).tolist():
            check_id(items[row], f"members[{row}]")
        seen = known >= 0
        banned = np.zeros(len(items), np.bool_)
        banned[seen] = self._banned[known[seen]]
        if banned.any():
            raise PermissionDeniedError(
                f"{items[int(np.argmax(banned))]!r} is banned from {self._name!r}"
            )
        already = np.zeros(len(items), np.bool_)
        already[seen] = self._member[known[seen]]
        fresh = list(
            dict.fromkeys(
                item for item, old in zip(items, already.tolist(), strict=True) if not old
            )
        )
        self._check_suppression(fresh, micros)
        self._grant(fresh, micros, source)
        indices = self._add_people(items)
        self._admit_indices(_distinct(indices[~already], len(self._people)), micros)
        if attributes:
            for key, column in attributes.items():
                self._store_attribute(key, indices, column)
        if self._requests:
            for member in fresh:
                self._requests.pop(member, None)
        return len(fresh)

    def _admit_indices(self, indices: IntArray, micros: int) -> None:
        self._member[indices] = True
        self._joined[indices] = micros
        self._roles[indices] = _MEMBER_BIT
        self._refresh_abilities(indices)

    def request_to_join(
        self,
        member: Hashable,
        *,
        answers: Sequence[str] = (),
        consent: bool = True,
        fee_paid: float = 0,
        at: datetime | None = None,
    ) -> None:
        """Ask to join a closed group, answering its screening questions.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False,
        ...                  questions=["Which machine do you own?"])
        >>> group.request_to_join("bob", answers=["a lever machine"])
        >>> group.approve("ann", "bob")
        >>> group.is_member("bob")
        True
        """
        if consent is not True:
            raise ConsentRequiredError(
                f"joining {self._name!r} needs explicit consent (consent=True), got {consent!r}"
            )
        check_id(member, "member")
        if isinstance(answers, str) or not isinstance(answers, Sequence):
            raise InvalidInputError(f"answers: expected a sequence of str, got {answers!r}")
        if len(answers) != len(self._questions):
            raise InvalidInputError(
                f"answers: expected {len(self._questions)} answers, got {len(answers)}"
            )
        checked = tuple(_check_name(a, f"answers[{i}]") for i, a in enumerate(answers))
        paid = _check_amount(fee_paid, "fee_paid")
        if paid < self._enrollment_fee:
            raise InvalidInputError(
                f"fee_paid: expected at least {self._enrollment_fee}, got {paid}"
            )
        micros = self._now(at)
        with self._lock:
            if self._open:
                raise InvalidInputError(f"{self._name!r} is open: join directly")
            if self.is_banned(member):
                raise PermissionDeniedError(f"{member!r} is banned from {self._name!r}")
            if self.is_member(member):
                raise InvalidInputError(f"member: {member!r} is already a member")
            self._check_suppression([member], micros)
            self._requests[member] = _Request(member, checked, micros, paid)

    def pending_requests(self, by: Hashable) -> list[JoinRequest]:
        """Pending join requests with their answers; only for members with APPROVE.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> group.request_to_join("bob")
        >>> [request.member for request in group.pending_requests("ann")]
        ['bob']
        """
        self._actor(by, Ability.APPROVE)
        return [
            JoinRequest(r.member, r.answers, from_micros(r.at), r.fee_paid)
            for r in list(self._requests.values())
        ]

    def approve(self, by: Hashable, member: Hashable, *, at: datetime | None = None) -> None:
        """Admit a pending request; ``by`` needs APPROVE. See :meth:`request_to_join`.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> group.request_to_join("bob")
        >>> group.approve("ann", "bob")
        >>> group.member_count
        2
        """
        micros = self._now(at)
        with self._lock:
            self._actor(by, Ability.APPROVE)
            if member not in self._requests:
                raise UnknownIdError("join request", member)
            self._admit([member], micros, "group:approve")

    def reject(self, by: Hashable, member: Hashable) -> None:
        """Turn down a pending request; ``by`` needs APPROVE.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> group.request_to_join("bob")
        >>> group.reject("ann", "bob")
        >>> group.pending_requests("ann")
        []
        """
        with self._lock:
            self._actor(by, Ability.APPROVE)
            if member not in self._requests:
                raise UnknownIdError("join request", member)
            del self._requests[member]

    def invite(
        self,
        by: Hashable,
        member: Hashable,
        *,
        expires_in: timedelta = timedelta(days=7),
        at: datetime | None = None,
    ) -> str:
        """Invite someone; returns an unguessable single-use token for :meth:`accept_invitation`.

        An invitation admits directly, closed group or not. The token is
        ``"<number>.<secret>"`` with 256 bits from :mod:`secrets`; the group keeps only the
        secret's SHA-256 and compares it in constant time.

        Parameters
        ----------
        by : hashable
            The inviter; needs INVITE and may send at most ``invite_daily_cap`` invitations in
            any 24 hours.
        member : hashable
            Who is invited; neither a member nor banned.
        expires_in : timedelta, default 7 days
            How long the token stays valid.
        at : datetime, optional
            When; the clock's now by default.

        Raises
        ------
        PermissionDeniedError
            ``by`` lacks INVITE or reached the daily cap, or ``member`` is banned.
        InvalidInputError
            ``member`` is already a member, or ``expires_in`` is not a positive timedelta.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> token = group.invite("ann", "bob")
        >>> group.accept_invitation(token)
        'bob'
        """
        check_id(member, "member")
        if not isinstance(expires_in, timedelta) or expires_in <= timedelta(0):
            raise InvalidInputError(
                f"expires_in: expected a positive timedelta, got {expires_in!r}"
            )
        micros = self._now(at)
        with self._lock:
            self._actor(by, Ability.INVITE)
            if self.is_banned(member):
                raise PermissionDeniedError(f"{member!r} is banned from {self._name!r}")
            if self.is_member(member):
                raise InvalidInputError(f"member: {member!r} is already a member")
            since = micros - _DAY_MICROS
            sent = sum(1 for t in self._sent_by.get(by, ()) if t > since)
            if sent >= self._invite_cap:
                raise PermissionDeniedError(
                    f"{by!r} reached the daily cap of {self._invite_cap} invitations"
                )
            secret = secrets.token_urlsafe(32)
            expires = micros + expires_in // timedelta(microseconds=1)
            position = self._add_invitation(
                _Invitation(member, by, _digest(secret), micros, expires)
            )
            return f"{position}.{secret}"

    def accept_invitation(
        self,
        token: str,
        *,
        consent: bool = True,
        fee_paid: float = 0,
        at: datetime | None = None,
        source: str = "group:invitation",
    ) -> Hashable:
        """Join through an invitation; returns the member. The token works once.

        Parameters
        ----------
        token : str
            The token :meth:`invite` returned.
        consent : bool, default True
            The invitee's explicit agreement.
        fee_paid : number, default 0
            Checked against ``enrollment_fee``.
        at : datetime, optional
            When; the clock's now by default.
        source : str, default "group:invitation"
            Recorded in the registry.

        Raises
        ------
        InvalidTokenError
            The token is wrong, already used, expired or malformed.
        ConsentRequiredError
            No explicit consent, or the contact is suppressed.
        PermissionDeniedError
            The invitee was banned after the invitation.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> token = group.invite("ann", "bob")
        >>> group.accept_invitation(token)
        'bob'
        >>> group.accept_invitation(token)
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidTokenError: token: already used (or voided by a ban)
        """
        if consent is not True:
            raise ConsentRequiredError(
                f"joining {self._name!r} needs explicit consent (consent=True), got {consent!r}"
            )
        paid = _check_amount(fee_paid, "fee_paid")
        _check_name(source, "source")
        micros = self._now(at)
        with self._lock:
            invitation = self._find_invitation(token)
            if invitation.used:
                raise InvalidTokenError("token: already used (or voided by a ban)")
            if micros >= invitation.expires_at:
                raise InvalidTokenError("token: expired")
            if paid < self._enrollment_fee:
                raise InvalidInputError(
                    f"fee_paid: expected at least {self._enrollment_fee}, got {paid}"
                )
            self._admit([invitation.member], micros, source)
            invitation.used = True
            return invitation.member

    def _add_invitation(self, invitation: _Invitation) -> int:
        position = len(self._invitations)
        self._invitations.append(invitation)
        self._sent_by.setdefault(invitation.by, []).append(invitation.created_at)
        self._invited.setdefault(invitation.member, []).append(position)
        return position

    def _find_invitation(self, token: object) -> _Invitation:
        if not isinstance(token, str):
            raise InvalidTokenError(f"token: malformed, expected a str, got {type(token).__name__}")
        number, dot, secret = token.partition(".")
        if not dot or not number.isdigit() or not secret or len(number) > 18:
            raise InvalidTokenError("token: malformed")
        position = int(number)
        candidate = self._invitations[position] if position < len(self._invitations) else None
        expected = candidate.digest if candidate is not None else bytes(32)
        matches = hmac.compare_digest(_digest(secret), expected)
        if candidate is None or not matches:
            raise InvalidTokenError("token: wrong")
        return candidate

    def leave(
        self, member: Hashable, *, at: datetime | None = None, source: str = "group:leave"
    ) -> None:
        """Leave the group; the group's consent is withdrawn in the registry.

        Roles are dropped (a returning member starts as Member); reputation and badges stay.

        Parameters
        ----------
        member : hashable
            A current member.
        at : datetime, optional
            When; the clock's now by default.
        source : str, default "group:leave"
            Recorded in the registry with the withdrawal.

        Raises
        ------
        UnknownIdError
            ``member`` is not a member.
        PermissionDeniedError
            ``member`` is the last owner: transfer ownership first.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.leave("bob")
        >>> group.leave("ann")
        Traceback (most recent call last):
        ...
        community_marketing.errors.PermissionDeniedError: 'ann' is the last owner of 'espresso': ...
        """
        _check_name(source, "source")
        micros = self._now(at)
        with self._lock:
            index = self._index_of(member)
            if self._roles[index] & _OWNER_BIT and len(self.owners()) == 1:
                raise PermissionDeniedError(
                    f"{member!r} is the last owner of {self._name!r}: transfer_ownership first"
                )
            self._withdraw(member, micros, source)
            self._expel(index)

    def _expel(self, index: int) -> None:
        self._member[index] = False
        self._roles[index] = 0
        self._refresh_abilities(index)

    def remove(self, by: Hashable, member: Hashable, *, at: datetime | None = None) -> None:
        """Remove a member; ``by`` needs REMOVE and must outrank them.

        The group's consent is withdrawn in the registry. Owners are never removed (nobody
        outranks them); ownership moves only by :meth:`transfer_ownership`.

        Parameters
        ----------
        by : hashable
            Who removes.
        member : hashable
            A current member of lower rank than ``by``.
        at : datetime, optional
            When; the clock's now by default.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.remove("ann", "bob")
        >>> group.is_member("bob")
        False
        """
        micros = self._now(at)
        with self._lock:
            actor = self._actor(by, Ability.REMOVE)
            index = self._index_of(member)
            self._check_outranks(actor, index, "remove")
            self._withdraw(member, micros, "group:removed")
            self._expel(index)

    def ban(self, by: Hashable, member: Hashable, *, at: datetime | None = None) -> None:
        """Ban someone (member or not): they cannot join, be invited, or accept old invitations.

        ``by`` needs BAN and must outrank a member they ban. Outstanding invitations to the banned
        person are voided.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.ban("ann", "bob")
        >>> group.join("bob")
        Traceback (most recent call last):
        ...
        community_marketing.errors.PermissionDeniedError: 'bob' is banned from 'espresso'
        """
        check_id(member, "member")
        micros = self._now(at)
        with self._lock:
            actor = self._actor(by, Ability.BAN)
            index = self._people.get(member)
            if index >= 0 and self._member[index]:
                self._check_outranks(actor, index, "ban")
            elif member == by:
                raise PermissionDeniedError(f"{by!r} cannot ban themselves")
            if index >= 0 and self._member[index]:
                self._withdraw(member, micros, "group:banned")
            if index < 0:
                index = int(self._add_people([member])[0])
            if self._member[index]:
                self._expel(index)
            self._banned[index] = True
            self._requests.pop(member, None)
            for position in self._invited.get(member, ()):
                self._invitations[position].used = True

    def unban(self, by: Hashable, member: Hashable) -> bool:
        """Lift a ban; ``by`` needs BAN. Returns False if ``member`` was not banned.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.ban("ann", "bob")
        >>> group.unban("ann", "bob")
        True
        """
        with self._lock:
            self._actor(by, Ability.BAN)
            index = self._people.get(member)
            if index < 0 or not self._banned[index]:
                return False
            self._banned[index] = False
            return True

    def transfer_ownership(self, by: Hashable, member: Hashable, *, keep: bool = False) -> None:
        """Make ``member`` an owner; unless ``keep``, ``by`` steps down to Officer.

        Only an owner may transfer ownership; owners leave the Owner role only this way.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.transfer_ownership("ann", "bob")
        >>> group.owners(), group.role_of("ann").name, group.founder
        (['bob'], 'Officer', 'ann')
        """
        if not isinstance(keep, bool):
            raise InvalidInputError(f"keep: expected a bool, got {type(keep).__name__}")
        with self._lock:
            actor = self._actor(by, Ability.NONE)
            if not self._roles[actor] & _OWNER_BIT:
                raise PermissionDeniedError(
                    f"{by!r} is not an owner; lacks the Owner role needed to transfer ownership"
                )
            index = self._index_of(member)
            if index == actor:
                raise InvalidInputError(f"member: {member!r} is already an owner")
            self._roles[index] |= _OWNER_BIT
            if not keep:
                self._roles[actor] = (self._roles[actor] & ~_OWNER_BIT) | _OFFICER_BIT
            self._refresh_abilities(np.array([index, actor], np.int64))

    # ---------------------------------------------------------------- roles and abilities

    def roles(self) -> list[Role]:
        """Every role of the group, built-in ones first.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> [role.name for role in FanGroup("espresso", "ann").roles()]
        ['Owner', 'Officer', 'Moderator', 'Member']
        """
        return list(self._role_list)

    def define_role(self, by: Hashable, name: str, abilities: Ability, *, rank: int = 10) -> Role:
        """Define a role; ``by`` needs DEFINE_ROLES, every ability in it, and a higher rank.

        Parameters
        ----------
        by : hashable
            Who defines it.
        name : str
            A new role name.
        abilities : Ability
            The abilities it bundles; each must be held by ``by``.
        rank : int, default 10
            From 0 to below ``by``'s own rank.

        Returns
        -------
        Role
            The new role, ready for :meth:`assign_role`.

        Raises
        ------
        PermissionDeniedError
            ``by`` lacks DEFINE_ROLES or one of ``abilities`` (named), or ``rank`` is not below
            theirs.
        InvalidInputError
            The name exists or is empty, or the rank is out of range.

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.define_role("ann", "Greeter", Ability.INVITE)
        Role(name='Greeter', abilities=<Ability.INVITE: 1>, rank=10)
        """
        role = Role(name, abilities, rank)
        with self._lock:
            actor = self._actor(by, Ability.DEFINE_ROLES)
            self._check_grantable(actor, role)
            if any(known.name == role.name for known in self._role_list):
                raise InvalidInputError(f"name: a role named {role.name!r} exists")
            if len(self._role_list) >= MAX_ROLES:
                raise InvalidInputError(f"name: a group holds at most {MAX_ROLES} roles")
            self._role_list.append(role)
            return role

    def _check_grantable(self, actor: int, role: Role) -> None:
        held = int(self._abilities[actor])
        missing = role.abilities.value & ~held
        if missing:
            raise PermissionDeniedError(
                f"{self._people.id_at(actor)!r} lacks {_ability_names(Ability(missing))} "
                f"and cannot grant it"
            )
        if role.rank >= self._rank[actor]:
            raise PermissionDeniedError(
                f"{self._people.id_at(actor)!r} cannot grant rank {role.rank} "
                f"(their own is {int(self._rank[actor])})"
            )

    def assign_role(self, by: Hashable, member: Hashable, role: Role | str) -> None:
        """Give ``member`` a role; ``by`` needs ASSIGN_ROLES, its abilities and a higher rank.

        Nobody hands out what they do not hold, nor acts on someone of equal or higher rank.
        The Owner role moves only by :meth:`transfer_ownership`.

        Parameters
        ----------
        by : hashable
            Who assigns.
        member : hashable
            A current member, of lower rank than ``by`` (or ``by`` themselves).
        role : Role or str
            One of :meth:`roles`, by value or name.

        Raises
        ------
        PermissionDeniedError
            Names the missing ability, or the rank that is not below ``by``'s.
        InvalidInputError
            An unknown role.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join_many(["bob", "cid"])
        >>> group.assign_role("ann", "bob", "Moderator")
        >>> group.assign_role("bob", "cid", "Moderator")
        Traceback (most recent call last):
        ...
        community_marketing.errors.PermissionDeniedError: 'bob' lacks ASSIGN_ROLES
        """
        with self._lock:
            index, bit = self._role_change(by, member, role)
            self._roles[index] |= 1 << bit
            self._refresh_abilities(index)

    def revoke_role(self, by: Hashable, member: Hashable, role: Role | str) -> None:
        """Take a role away; same rules as :meth:`assign_role`. Member stays with every member.

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.assign_role("ann", "bob", "Moderator")
        >>> group.revoke_role("ann", "bob", "Moderator")
        >>> group.can("bob", Ability.REMOVE)
        False
        """
        with self._lock:
            index, bit = self._role_change(by, member, role)
            if bit == 3:
                raise InvalidInputError("role: every member holds Member; remove them instead")
            self._roles[index] &= ~(1 << bit)
            self._refresh_abilities(index)

    def _role_change(self, by: Hashable, member: Hashable, role: Role | str) -> tuple[int, int]:
        actor = self._actor(by, Ability.ASSIGN_ROLES)
        bit = self._role_bit(role)
        if bit == 0:
            raise PermissionDeniedError("the Owner role moves only by transfer_ownership")
        index = self._index_of(member)
        self._check_grantable(actor, self._role_list[bit])
        if index != actor:
            self._check_outranks(actor, index, "change the roles of")
        return index, bit

    def role_of(self, member: Hashable) -> Role:
        """The member's highest-ranked role.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").role_of("ann").name
        'Owner'
        """
        return self._top_role(self._index_of(member))

    def roles_of(self, member: Hashable) -> list[Role]:
        """Every role the member holds, highest rank first.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> [role.name for role in FanGroup("espresso", "ann").roles_of("ann")]
        ['Owner', 'Member']
        """
        return self._held_roles(self._index_of(member))

    def abilities_of(self, member: Hashable) -> Ability:
        """The union of the member's roles and trust unlocks; NONE for a non-member.

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> FanGroup("espresso", "ann").abilities_of("bob")
        <Ability.NONE: 0>
        """
        index = self._people.get(member)
        if index < 0 or not self._member[index]:
            return Ability.NONE
        return Ability(int(self._abilities[index]))

    def can(self, member: Hashable, ability: Ability) -> bool:
        """Whether ``member`` holds every flag of ``ability`` now (default deny).

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.can("ann", Ability.BAN | Ability.INVITE), group.can("zoe", Ability.INVITE)
        (True, False)
        """
        index = self._people.get(member)
        if index < 0 or not self._member[index]:
            return False
        try:
            need: int = ability._value_
        except AttributeError:
            raise InvalidInputError(
                f"ability: expected an Ability, got {type(ability).__name__}"
            ) from None
        return int(self._abilities[index]) & need == need

    def require(self, member: Hashable, ability: Ability) -> None:
        """Raise ``PermissionDeniedError`` naming what is missing unless ``can(member, ability)``.

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.require("bob", Ability.BAN)
        Traceback (most recent call last):
        ...
        community_marketing.errors.PermissionDeniedError: 'bob' lacks BAN
        """
        if not isinstance(ability, Ability):
            raise InvalidInputError(f"ability: expected an Ability, got {type(ability).__name__}")
        self._actor(member, ability)

    def trust_level(self, member: Hashable) -> int:
        """The member's trust level (0 for newcomers).

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "accepted_answer")
        >>> group.trust_level("ann")
        1
        """
        return int(self._trust[self._index_of(member)])

    # ---------------------------------------------------------------- contributions

    def record_contribution(
        self,
        member: Hashable,
        kind: str,
        *,
        at: datetime | None = None,
        weight: int | None = None,
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
        codes = self._kind_codes(kinds, n)
        weight_column = _weights(weights, n)
        micros = np.full(n, self._now(None), np.int64) if at is None else micros_array(at, n, "at")
        if n == 0:
            return []
        with self._lock:
            indices = self._indices_of_members(members, "members")
            return self._record(indices, codes, weight_column, micros)

    def _kind_codes(self, kinds: object, n: int) -> npt.NDArray[np.int16]:
        if isinstance(kinds, str):
            code = self._kind_code.get(kinds)
            if code is None:
                raise InvalidInputError(f"kind: expected one of {self._kinds}, got {kinds!r}")
            return np.full(n, code, np.int16)
        items = as_id_list(kinds, "kinds")  # type: ignore[arg-type]
        if len(items) != n:
            raise InvalidInputError(f"kinds: expected {n} kinds, got {len(items)}")
        code_of: Any = self._kind_code.__getitem__
        try:
            return np.fromiter(map(code_of, items), np.int16, n)
        except (KeyError, TypeError):
            for row, item in enumerate(items):
                if not isinstance(item, str) or item not in self._kind_code:
                    raise InvalidInputError(
                        f"kinds[{row}]: expected one of {self._kinds}, got {item!r}"
                    ) from None
            raise  # pragma: no cover - the loop above always finds the culprit

    def _record(
        self,
        indices: IntArray,
        codes: npt.NDArray[np.int16],
        weights: npt.NDArray[np.int32],
        micros: IntArray,
    ) -> list[Badge]:
        self._ledger.append(member=indices, kind=codes, weight=weights, at=micros)
        wide = weights.astype(np.int64)
        n_kinds = len(self._kinds)
        flat = self._counts.reshape(-1)
        np.add.at(flat, indices * n_kinds + codes, wide)
        np.add.at(self._reputation, indices, self._kind_points[codes] * wide)
        np.add.at(self._activity, indices, 1)
        np.maximum.at(self._last_at, indices, micros)
        touched = _distinct(indices, len(self._people))
        self._update_trust(touched)
        return self._award(touched, int(micros.max()))

    def _update_trust(self, touched: IntArray) -> None:
        if not len(self._trust_high):
            return
        reputation = self._reputation[touched]
        current = self._trust[touched]
        target = np.searchsorted(self._trust_high, reputation, side="right")
        keep = np.searchsorted(self._trust_low, reputation, side="right")
        level = np.maximum(target, np.minimum(current, keep))
        changed = level != current
        if changed.any():
            moved = touched[changed]
            self._trust[moved] = level[changed]
            self._refresh_abilities(moved)

    def _award(self, touched: IntArray, micros: int) -> list[Badge]:
        start = self._badge_log.length
        for number, rule in enumerate(self._rules):
            if rule.kind is None:
                metric = self._reputation[touched]
            else:
                metric = self._counts[touched, self._kind_code[rule.kind]]
            if rule.repeatable:
                earned = np.maximum(metric // rule.at_least, 0)
            else:
                earned = (metric >= rule.at_least).astype(np.int64)
            new = earned - self._awarded[touched, number]
            winners = new > 0
            if not winners.any():
                continue
            who = touched[winners]
            self._awarded[who, number] = earned[winners]
            rows = np.repeat(who, new[winners])
            self._badge_log.append(
                member=rows,
                rule=np.full(len(rows), number, np.int32),
                at=np.full(len(rows), micros, np.int64),
                settled=np.full(len(rows), self._rules[number].reward.kind == "badge"),
            )
        return self._badges_from(np.arange(start, self._badge_log.length))

    def _badges_from(self, rows: IntArray) -> list[Badge]:
        log = self._badge_log
        members = self._people.ids_at(log["member"][rows])
        rules = log["rule"][rows].tolist()
        times = log["at"][rows].tolist()
        return [
            Badge(
                self._rules[r].name,
                self._rules[r].tier,
                member,
                from_micros(t),
                self._rules[r].reward,
            )
            for member, r, t in zip(members, rules, times, strict=True)
        ]

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
        index = self._people.get(member)
        if index < 0:
            raise UnknownIdError("member", member)
        return int(self._reputation[index])

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
        index = self._people.get(member)
        if index < 0:
            raise UnknownIdError("member", member)
        return dict(zip(self._kinds, self._counts[index].tolist(), strict=True))

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
        size = len(self._people)
        if since is None:
            scores = self._reputation[:size]
        else:
            cutoff = to_micros(ensure_aware(since, "since"))
            ledger = self._ledger
            recent = ledger["at"] >= cutoff
            points = self._kind_points[ledger["kind"][recent]] * ledger["weight"][recent]
            scores = np.bincount(
                ledger["member"][recent], weights=points.astype(np.float64), minlength=size
            ).astype(np.int64)
        candidates = np.flatnonzero(self._member[:size])
        values = scores[candidates]
        if n < len(candidates):
            kth = np.partition(values, len(values) - n)[len(values) - n]
            above = np.flatnonzero(values > kth)
            ties = np.flatnonzero(values == kth)[: n - len(above)]
            chosen = np.concatenate([above, ties])
            candidates, values = candidates[chosen], values[chosen]
        order = np.lexsort((candidates, -values))[:n]
        ids = self._people.ids_at(candidates[order])
        return [
            Standing(member, score)
            for member, score in zip(ids, values[order].tolist(), strict=True)
        ]

    # ---------------------------------------------------------------- badges and rewards

    def badge_rules(self) -> list[BadgeRule]:
        """The group's badge rules, in order.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").badge_rules()
        []
        """
        return list(self._rules)

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
            (checked,) = self._checked_rules([rule])
            self._rules.append(checked)
            self._awarded = np.hstack([self._awarded, np.zeros((len(self._awarded), 1), np.int64)])
            members = np.flatnonzero(self._member[: len(self._people)])
            return self._award(members, micros)

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
            index = self._index_of(member)
            names = [rule.name for rule in self._rules]
            if badge not in names:
                raise InvalidInputError(f"badge: expected one of {names}, got {badge!r}")
            number = names.index(badge)
            rule = self._rules[number]
            self._awarded[index, number] += 1
            self._badge_log.append(
                member=np.array([index]),
                rule=np.array([number], np.int32),
                at=np.array([micros]),
                settled=np.array([rule.reward.kind == "badge"]),
            )
            return self._badges_from(np.array([self._badge_log.length - 1]))[0]

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
        index = self._people.get(member)
        if index < 0:
            raise UnknownIdError("member", member)
        rows = np.flatnonzero(self._badge_log["member"] == index)
        return self._badges_from(rows)

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
        log = self._badge_log
        rows = np.flatnonzero(~log["settled"])
        return [
            RewardDue(row, badge.member, badge.name, badge.reward, badge.awarded_at)
            for row, badge in zip(rows.tolist(), self._badges_from(rows), strict=True)
        ]

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
            log = self._badge_log
            rows = [check_int(i, "ids", low=0, high=log.length - 1) for i in ids]
            log["settled"][rows] = True

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
        index = self._index_of(member)
        nickname = self._attribute_value(index, "nickname")
        shown = str(member) if nickname is None else str(nickname)
        held = self.badges(member)
        if not held:
            return shown
        best = max(enumerate(held), key=lambda pair: (_TIER_ORDER[pair[1].tier], pair[0]))[1]
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
        checked = _attr_map(attributes)
        with self._lock:
            index = self._index_of(member)
            for key, value in checked.items():
                self._store_attribute(key, np.array([index]), [value])

    def attributes_of(self, member: Hashable) -> dict[str, Hashable]:
        """The member's attributes.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").attributes_of("ann")
        {}
        """
        index = self._index_of(member)
        values = {key: self._attribute_value(index, key) for key in self._attributes}
        return {key: value for key, value in values.items() if value is not None}

    def _attribute_value(self, index: int, key: str) -> Hashable | None:
        column = self._attributes.get(key)
        if column is None:
            return None
        values, codes = column
        code = int(codes[index])
        return None if code < 0 else values.id_at(code)

    def _store_attribute(self, key: str, indices: IntArray, column: list[Hashable]) -> None:
        if key not in self._attributes:
            self._attributes[key] = (
                IdIndex(kind=f"{key} value"),
                np.full(len(self._member), -1, np.int64),
            )
        values, codes = self._attributes[key]
        present = [v is not None for v in column]
        new_codes = np.full(len(column), -1, np.int64)
        if any(present):
            mask = np.array(present)
            new_codes[mask] = values.add_many([v for v in column if v is not None], key)
        codes[indices] = new_codes

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
        _check_name(attribute, "attribute")
        check_int(top, "top", low=0)
        column = self._attributes.get(attribute)
        if column is None:
            return []
        values, codes = column
        size = len(self._people)
        n_values = len(values)
        codes = codes[:size]
        counted = self._member[:size] & (codes >= 0)
        if since is None:
            activity = self._activity[:size]
        else:
            cutoff = to_micros(ensure_aware(since, "since"))
            ledger = self._ledger
            recent = ledger["member"][ledger["at"] >= cutoff]
            activity = np.bincount(recent, minlength=size)
        where = codes[counted]
        members = np.bincount(where, minlength=n_values)
        active = np.bincount(where, weights=activity[counted] > 0, minlength=n_values)
        volume = np.bincount(where, weights=activity[counted], minlength=n_values)
        present = np.flatnonzero(members > 0)
        order = np.lexsort((present, -members[present], -volume[present], -active[present]))[:top]
        chosen = present[order]
        return [
            Hotspot(value, int(m), int(a), int(c))
            for value, m, a, c in zip(
                values.ids_at(chosen),
                members[chosen].tolist(),
                active[chosen].tolist(),
                volume[chosen].tolist(),
                strict=True,
            )
        ]

    def notice(
        self,
        by: Hashable,
        message: str,
        *,
        channel: str | None = None,
        at: datetime | None = None,
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
        _check_name(message, "message")
        channel = self._channels[0] if channel is None else channel
        if channel not in self._channels:
            raise InvalidInputError(f"channel: expected one of {self._channels}, got {channel!r}")
        when = resolve_at(at, self._clock)
        actor = self._actor(by, Ability.SEND_NOTICES)
        size = len(self._people)
        mask = self._member[:size].copy()
        mask[actor] = False
        recipients = self._people.ids_at(np.flatnonzero(mask))
        if self._registry is None:
            return recipients
        return list(self._registry.audience(recipients, self._purpose, channel, at=when))

    # ---------------------------------------------------------------- state

    def to_state(self) -> dict[str, Any]:
        """The group as plain data (with a ``"schema"`` key) for :meth:`from_state`.

        Timestamps are integer microseconds since the epoch, UTC. The registry and clock are
        not part of the state.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> state = group.to_state()
        >>> FanGroup.from_state(state).to_state() == state
        True
        """
        with self._lock:
            size = len(self._people)
            ledger, log = self._ledger, self._badge_log
            return {
                "schema": SCHEMA,
                "name": self._name,
                "founder": self._founder,
                "purpose": self._purpose,
                "channels": list(self._channels),
                "open_enrollment": self._open,
                "enrollment_fee": self._enrollment_fee,
                "creation_fee": self._creation_fee,
                "questions": list(self._questions),
                "invite_daily_cap": self._invite_cap,
                "points": dict(self._points),
                "trust": {
                    "thresholds": list(self._trust_policy.thresholds),
                    "low_water": self._trust_policy.low_water,
                    "unlocks": [u.value for u in self._trust_policy.unlocks],
                },
                "roles": [
                    {"name": r.name, "abilities": r.abilities.value, "rank": r.rank}
                    for r in self._role_list[len(_BUILTIN_ROLES) :]
                ],
                "badge_rules": [_rule_state(rule) for rule in self._rules],
                "people": self._people.ids(),
                "member": self._member[:size].tolist(),
                "banned": self._banned[:size].tolist(),
                "joined_at": self._joined[:size].tolist(),
                "roles_held": self._roles[:size].tolist(),
                "trust_level": self._trust[:size].tolist(),
                "attributes": {
                    key: {"values": values.ids(), "codes": codes[:size].tolist()}
                    for key, (values, codes) in self._attributes.items()
                },
                "contributions": {
                    name: ledger[name].tolist() for name in ("member", "kind", "weight", "at")
                },
                "badges": {
                    name: log[name].tolist() for name in ("member", "rule", "at", "settled")
                },
                "awarded": self._awarded[:size].tolist(),
                "requests": [
                    {
                        "member": r.member,
                        "answers": list(r.answers),
                        "at": r.at,
                        "fee_paid": r.fee_paid,
                    }
                    for r in self._requests.values()
                ],
                "invitations": [
                    {
                        "member": i.member,
                        "by": i.by,
                        "digest": i.digest.hex(),
                        "created_at": i.created_at,
                        "expires_at": i.expires_at,
                        "used": i.used,
                    }
                    for i in self._invitations
                ],
            }

    @classmethod
    def from_state(
        cls,
        state: Mapping[str, Any],
        *,
        registry: OptInRegistry | None = None,
        clock: Clock | None = None,
    ) -> FanGroup:
        """Rebuild a group from :meth:`to_state`; bad data raises ``InvalidInputError`` only.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup.from_state({"schema": 99})
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: state.schema: expected 1, got 99
        """
        try:
            return _StateReader(state).build(cls, registry, clock)
        except InvalidInputError:
            raise
        except CommunityMarketingError as error:
            raise InvalidInputError(f"state: {error}") from None
        except (
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            AttributeError,
            OverflowError,
        ) as error:
            raise InvalidInputError(f"state: malformed ({type(error).__name__}: {error})") from None


def _distinct(indices: IntArray, size: int) -> IntArray:
    """The distinct values of ``indices`` (all below ``size``), sorted."""
    if len(indices) * 8 < size:
        return np.unique(indices).astype(np.int64)
    mark = np.zeros(size, np.bool_)
    mark[indices] = True
    return np.flatnonzero(mark)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _weights(weights: object, n: int) -> npt.NDArray[np.int32]:
    if weights is None:
        return np.ones(n, np.int32)
    if isinstance(weights, (str, bytes)):
        raise InvalidInputError("weights: expected a sequence of ints")
    array = np.asarray(weights)
    if array.shape != (n,):
        raise InvalidInputError(f"weights: expected {n} weights, got shape {array.shape}")
    if n and array.dtype == object:
        for row, value in enumerate(array.tolist()):
            check_int(value, f"weights[{row}]", low=1, high=_INT32_MAX)
        array = array.astype(np.int64)
    if n and not np.issubdtype(array.dtype, np.integer):
        raise InvalidInputError(f"weights: expected ints, got dtype {array.dtype}")
    if n and (array.min() < 1 or array.max() > _INT32_MAX):
        row = int(np.argmax((array < 1) | (array > _INT32_MAX)))
        raise InvalidInputError(
            f"weights[{row}]: expected an int from 1 to {_INT32_MAX}, got {array[row]}"
        )
    return array.astype(np.int32)


def _attr_map(attributes: object) -> dict[str, Any]:
    if not isinstance(attributes, Mapping):
        raise InvalidInputError(
            f"attributes: expected a mapping of str, got {type(attributes).__name__}"
        )
    checked: dict[str, Any] = {}
    for key, value in attributes.items():
        _check_name(key, "attributes key")
        checked[key] = None if value is None else check_id(value, f"attributes[{key!r}]")
    return checked


def _rule_state(rule: BadgeRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "tier": rule.tier.value,
        "at_least": rule.at_least,
        "kind": rule.kind,
        "repeatable": rule.repeatable,
        "reward": rule.reward.kind,
        "value": rule.reward.value,
    }


_STATE_KEYS: Final = frozenset(
    {
        "schema", "name", "founder", "purpose", "channels", "open_enrollment", "enrollment_fee",
        "creation_fee", "questions", "invite_daily_cap", "points", "trust", "roles",
        "badge_rules", "people", "member", "banned", "joined_at", "roles_held", "trust_level",
        "attributes", "contributions", "badges", "awarded", "requests", "invitations",
    }
)  # fmt: skip


class _StateReader:
    """Validates a state mapping field by field and builds the group from it."""

    def __init__(self, state: object) -> None:
        if not isinstance(state, Mapping):
            raise InvalidInputError(f"state: expected a mapping, got {type(state).__name__}")
        schema = state.get("schema")
        if type(schema) is not int or schema != SCHEMA:
            raise InvalidInputError(f"state.schema: expected {SCHEMA}, got {state.get('schema')!r}")
        missing = _STATE_KEYS - set(state)
        if missing:
            raise InvalidInputError(f"state: missing fields {sorted(missing)}")
        extra = set(state) - _STATE_KEYS
        if extra:
            raise InvalidInputError(f"state: unexpected fields {sorted(extra, key=repr)}")
        self.state = state

    def list_of(self, key: str, container: Mapping[str, Any] | None = None) -> list[Any]:
        value = (self.state if container is None else container)[key]
        if not isinstance(value, list):
            raise InvalidInputError(f"state.{key}: expected a list, got {type(value).__name__}")
        return value

    def ints(self, key: str, n: int | None, low: int, high: int, container: Any = None) -> IntArray:
        items = self.list_of(key, container)
        if n is not None and len(items) != n:
            raise InvalidInputError(f"state.{key}: expected {n} values, got {len(items)}")
        if any(isinstance(v, bool) or not isinstance(v, int) for v in items):
            raise InvalidInputError(f"state.{key}: expected a list of ints")
        array = np.array(items, dtype=object)
        if items and (min(items) < low or max(items) > high):
            raise InvalidInputError(f"state.{key}: values out of range [{low}, {high}]")
        return array.astype(np.int64) if items else np.zeros(0, np.int64)

    def bools(self, key: str, n: int, container: Any = None) -> npt.NDArray[np.bool_]:
        items = self.list_of(key, container)
        if len(items) != n or not all(isinstance(v, bool) for v in items):
            raise InvalidInputError(f"state.{key}: expected {n} bools")
        return np.array(items, np.bool_).reshape(n)

    def build(
        self, cls: type[FanGroup], registry: OptInRegistry | None, clock: Clock | None
    ) -> FanGroup:
        s = self.state
        trust = s["trust"]
        if not isinstance(trust, Mapping) or set(trust) != {"thresholds", "low_water", "unlocks"}:
            raise InvalidInputError("state.trust: expected thresholds, low_water and unlocks")
        unlocks = self.ints("unlocks", None, 0, Ability.ALL.value, trust)
        policy = TrustPolicy(
            trust["thresholds"], trust["low_water"], tuple(Ability(int(u)) for u in unlocks)
        )
        rules = [_rule_from_state(i, r) for i, r in enumerate(self.list_of("badge_rules"))]
        if not isinstance(s["points"], dict) or not isinstance(s["purpose"], str):
            raise InvalidInputError("state.points, state.purpose: expected a mapping and a str")
        self.list_of("channels")
        self.list_of("questions")
        group = cls.__new__(cls)
        group._configure(
            s["name"],
            s["founder"],
            registry=registry,
            purpose=s["purpose"],
            channels=s["channels"],
            open_enrollment=s["open_enrollment"],
            enrollment_fee=s["enrollment_fee"],
            creation_fee=s["creation_fee"],
            questions=s["questions"],
            invite_daily_cap=s["invite_daily_cap"],
            points=s["points"],
            trust=policy,
            badge_rules=rules,
            clock=clock,
        )
        for i, raw in enumerate(self.list_of("roles")):
            if not isinstance(raw, Mapping) or set(raw) != {"name", "abilities", "rank"}:
                raise InvalidInputError(f"state.roles[{i}]: expected name, abilities and rank")
            bits = check_int(raw["abilities"], f"state.roles[{i}].abilities", low=0,
                              high=Ability.ALL.value)  # fmt: skip
            role = Role(raw["name"], Ability(bits), raw["rank"])
            if any(known.name == role.name for known in group._role_list):
                raise InvalidInputError(f"state.roles[{i}]: duplicate role {role.name!r}")
            group._role_list.append(role)
        if len(group._role_list) > MAX_ROLES:
            raise InvalidInputError(f"state.roles: at most {MAX_ROLES} roles")
        people = self.list_of("people")
        if len(set(people)) != len(people) or not people:
            raise InvalidInputError("state.people: expected distinct ids")
        group._people.add_many(people, "state.people")
        size = len(people)
        group._grow(size)
        member = self.bools("member", size)
        banned = self.bools("banned", size)
        if (member & banned).any():
            raise InvalidInputError("state.banned: a banned person is a member")
        group._member[:size] = member
        group._banned[:size] = banned
        group._joined[:size] = self.ints("joined_at", size, -(2**62), 2**62)
        roles = self.ints("roles_held", size, 0, (1 << len(group._role_list)) - 1)
        if ((roles != 0) != member).any() or (roles[member] & _MEMBER_BIT == 0).any():
            raise InvalidInputError("state.roles_held: members hold Member, others nothing")
        group._roles[:size] = roles
        group._trust[:size] = self.ints("trust_level", size, 0, len(policy.thresholds))
        founder = group._people.get(s["founder"])
        if founder < 0 or not ((roles & _OWNER_BIT) != 0).any():
            raise InvalidInputError("state: the founder must be known and an owner must exist")
        self._read_attributes(group, size)
        self._read_ledgers(group, size)
        self._read_requests(group)
        self._read_invitations(group)
        group._refresh_abilities(np.arange(size, dtype=np.int64))
        return group

    def _read_attributes(self, group: FanGroup, size: int) -> None:
        raw = self.state["attributes"]
        if not isinstance(raw, Mapping):
            raise InvalidInputError("state.attributes: expected a mapping")
        for key, column in raw.items():
            _check_name(key, "state.attributes key")
            if not isinstance(column, Mapping) or set(column) != {"values", "codes"}:
                raise InvalidInputError(f"state.attributes[{key!r}]: expected values and codes")
            values = self.list_of("values", column)
            if len(set(values)) != len(values):
                raise InvalidInputError(f"state.attributes[{key!r}].values: duplicates")
            codes = self.ints("codes", size, -1, len(values) - 1, column)
            index = IdIndex(values, kind=f"{key} value")
            full = np.full(len(group._member), -1, np.int64)
            full[:size] = codes
            group._attributes[key] = (index, full)

    def _read_ledgers(self, group: FanGroup, size: int) -> None:
        raw = self.state["contributions"]
        if not isinstance(raw, Mapping) or set(raw) != {"member", "kind", "weight", "at"}:
            raise InvalidInputError("state.contributions: expected member, kind, weight, at")
        members = self.ints("member", None, 0, size - 1, raw)
        n = len(members)
        kinds = self.ints("kind", n, 0, len(group._kinds) - 1, raw)
        weights = self.ints("weight", n, 1, _INT32_MAX, raw)
        times = self.ints("at", n, -(2**62), 2**62, raw)
        if n:
            group._ledger.append(
                member=members, kind=kinds.astype(np.int16), weight=weights, at=times
            )
            wide = weights
            np.add.at(group._counts.reshape(-1), members * len(group._kinds) + kinds, wide)
            np.add.at(group._reputation, members, group._kind_points[kinds] * wide)
            np.add.at(group._activity, members, 1)
            np.maximum.at(group._last_at, members, times)
        log = self.state["badges"]
        if not isinstance(log, Mapping) or set(log) != {"member", "rule", "at", "settled"}:
            raise InvalidInputError("state.badges: expected member, rule, at, settled")
        badge_members = self.ints("member", None, 0, size - 1, log)
        m = len(badge_members)
        rules = self.ints("rule", m, 0, len(group._rules) - 1, log)
        badge_times = self.ints("at", m, -(2**62), 2**62, log)
        settled = self.bools("settled", m, log)
        if m:
            group._badge_log.append(
                member=badge_members, rule=rules, at=badge_times, settled=settled
            )
        awarded = self.list_of("awarded")
        if len(awarded) != size or any(
            not isinstance(row, list) or len(row) != len(group._rules) for row in awarded
        ):
            raise InvalidInputError(f"state.awarded: expected {size} rows of {len(group._rules)}")
        flat = [v for row in awarded for v in row]
        if any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**62 for v in flat):
            raise InvalidInputError("state.awarded: expected counts >= 0")
        group._awarded[:size] = np.array(flat, np.int64).reshape(size, len(group._rules))

    def _read_requests(self, group: FanGroup) -> None:
        for i, raw in enumerate(self.list_of("requests")):
            if not isinstance(raw, Mapping) or set(raw) != {"member", "answers", "at", "fee_paid"}:
                raise InvalidInputError(
                    f"state.requests[{i}]: expected member, answers, at, fee_paid"
                )
            member = check_id(raw["member"], f"state.requests[{i}].member")
            answers = self.list_of("answers", raw)
            if len(answers) != len(group._questions):
                raise InvalidInputError(f"state.requests[{i}].answers: one per question")
            checked = tuple(_check_name(a, f"state.requests[{i}].answers") for a in answers)
            at = check_int(raw["at"], f"state.requests[{i}].at", low=-(2**62), high=2**62)
            paid = _check_amount(raw["fee_paid"], f"state.requests[{i}].fee_paid")
            if member in group._requests:
                raise InvalidInputError(f"state.requests[{i}]: duplicate request")
            group._requests[member] = _Request(member, checked, at, paid)

    def _read_invitations(self, group: FanGroup) -> None:
        fields = {"member", "by", "digest", "created_at", "expires_at", "used"}
        for i, raw in enumerate(self.list_of("invitations")):
            if not isinstance(raw, Mapping) or set(raw) != fields:
                raise InvalidInputError(f"state.invitations[{i}]: expected {sorted(fields)}")
            digest = raw["digest"]
            if not isinstance(digest, str) or len(digest) != 64:
                raise InvalidInputError(f"state.invitations[{i}].digest: expected 64 hex digits")
            if not isinstance(raw["used"], bool):
                raise InvalidInputError(f"state.invitations[{i}].used: expected a bool")
            group._add_invitation(
                _Invitation(
                    check_id(raw["member"], f"state.invitations[{i}].member"),
                    check_id(raw["by"], f"state.invitations[{i}].by"),
                    bytes.fromhex(digest),
                    check_int(raw["created_at"], "created_at", low=-(2**62), high=2**62),
                    check_int(raw["expires_at"], "expires_at", low=-(2**62), high=2**62),
                    raw["used"],
                )
            )


def _rule_from_state(i: int, raw: object) -> BadgeRule:
    fields = {"name", "tier", "at_least", "kind", "repeatable", "reward", "value"}
    if not isinstance(raw, Mapping) or set(raw) != fields:
        raise InvalidInputError(f"state.badge_rules[{i}]: expected {sorted(fields)}")
    return BadgeRule(
        raw["name"],
        raw["tier"],
        raw["at_least"],
        kind=raw["kind"],
        repeatable=raw["repeatable"],
        reward=Reward(raw["reward"], raw["value"]),
    )
