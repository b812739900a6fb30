"""``FanGroup.to_state`` and ``FanGroup.from_state``: the group as plain data and back.

Timestamps are integer microseconds since the epoch, UTC. Reading validates every field and
raises ``InvalidInputError`` naming it; nothing else escapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from .._checks import check_int, check_text
from .._erased import ErasedIds
from .._ids import IdIndex, check_id
from .._time import MAX_MICROS, MIN_MICROS, Clock
from .._types import BoolArray, Int64Array
from ..errors import CommunityMarketingError, InvalidInputError
from ..optin import OptInRegistry
from . import _setup
from ._values import (
    BUILTIN_ROLES,
    DAY_MICROS,
    INT32_MAX,
    MAX_COUNT,
    MAX_ROLES,
    MEMBER_BIT,
    OWNER_BIT,
    Ability,
    BadgeRule,
    Invitation,
    JoinRule,
    ReputationPolicy,
    Request,
    Reward,
    Role,
    TrustPolicy,
    TrustRequirement,
    check_amount,
)

if TYPE_CHECKING:
    from ._group import FanGroup

SCHEMA: Final = 1

_STATE_KEYS: Final = frozenset(
    {
        "schema", "name", "founder", "purpose", "channels", "open_enrollment", "enrollment_fee",
        "creation_fee", "questions", "invite_daily_cap", "points", "trust", "roles",
        "badge_rules", "people", "member", "banned", "joined_at", "roles_held", "trust_level",
        "attributes", "contributions", "badges", "awarded", "requests", "invitations",
    }
)  # fmt: skip
_OPTIONAL_KEYS: Final = frozenset({"erasure", "reputation", "badge_next_id", "join_rules"})
_JOIN_RULE_KEYS: Final = frozenset({"decision", "attribute", "values", "min_trust", "invited"})
_BADGE_KEYS: Final = frozenset({"member", "rule", "at", "settled"})
_LOG_KEYS: Final = frozenset({"member", "kind", "weight", "at"})
_ACTIVITY_KEYS: Final = frozenset({"requirements", "grace", "flag_kind"})


# ------------------------------------------------------------------------------------ writing


def to_state(group: FanGroup) -> dict[str, Any]:
    """The group as plain data; the caller holds the group's lock."""
    return {
        "schema": SCHEMA,
        "erasure": group._membership.erased.to_state(),
        **_settings_state(group),
        **_people_state(group),
        **_ledgers_state(group),
        "requests": [
            {"member": r.member, "answers": list(r.answers), "at": r.at, "fee_paid": r.fee_paid}
            for r in group._membership.requests.values()
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
            for i in group._invitations.items
        ],
    }


def _settings_state(group: FanGroup) -> dict[str, Any]:
    """What the constructor was given, and the roles defined since."""
    policy = group._trust.policy
    return {
        "name": group._name,
        "founder": group._founder,
        "purpose": group._consent.purpose,
        "channels": list(group._consent.channels),
        "open_enrollment": group._enrollment.is_open,
        "enrollment_fee": group._enrollment.fee,
        "creation_fee": group._enrollment.creation_fee,
        "questions": list(group._enrollment.questions),
        "invite_daily_cap": group._invitations.cap,
        "points": dict(group._ledger.points),
        "trust": {
            "thresholds": list(policy.thresholds),
            "low_water": policy.low_water,
            "unlocks": [u.value for u in policy.unlocks],
            **_activity_state(policy),
        },
        "roles": [
            {"name": r.name, "abilities": r.abilities.value, "rank": r.rank}
            for r in group._roles.role_list[len(BUILTIN_ROLES) :]
        ],
        "badge_rules": [_rule_state(rule) for rule in group._badges.rules],
        **_reputation_state(group._cap.policy),
        **_join_rules_state(group),
    }


def _join_rules_state(group: FanGroup) -> dict[str, Any]:
    """``{"join_rules": [...]}``, or nothing without rules (as states before them)."""
    if not group._join_rules:
        return {}
    return {
        "join_rules": [
            {
                "decision": rule.decision,
                "attribute": rule.attribute,
                "values": None if rule.values is None else list(rule.values),
                "min_trust": rule.min_trust,
                "invited": rule.invited,
            }
            for rule in group._join_rules
        ]
    }


def _activity_state(policy: TrustPolicy) -> dict[str, Any]:
    """The activity requirements, grace and flag kind; nothing when none is set."""
    if not policy.requirements and not policy.grace and policy.flag_kind is None:
        return {}
    return {
        "requirements": [
            {
                "counts": dict(r.counts),
                "days_active": r.days_active,
                "max_flagged": r.max_flagged,
                "window": None if r.window is None else r.window // timedelta(microseconds=1),
                "manual": r.manual,
            }
            for r in policy.requirements
        ],
        "grace": policy.grace // timedelta(microseconds=1),
        "flag_kind": policy.flag_kind,
    }


def _reputation_state(policy: ReputationPolicy) -> dict[str, Any]:
    """``{"reputation": ...}``, or nothing for the default policy (as states before it)."""
    if policy == ReputationPolicy():
        return {}
    half_life = policy.half_life
    return {
        "reputation": {
            "daily_cap": policy.daily_cap,
            "zone": policy.zone,
            "zone_attribute": policy.zone_attribute,
            "half_life": None if half_life is None else half_life // timedelta(microseconds=1),
        }
    }


def _people_state(group: FanGroup) -> dict[str, Any]:
    """The per-person columns, one list each, aligned with ``people``."""
    membership = group._membership
    size = len(membership.people)
    return {
        "people": membership.people.ids(),
        "member": membership.member[:size].tolist(),
        "banned": membership.banned[:size].tolist(),
        "joined_at": membership.joined[:size].tolist(),
        "roles_held": group._roles.held[:size].tolist(),
        "trust_level": group._trust.person_state(size),
        "attributes": {
            key: {"values": values.ids(), "codes": codes[:size].tolist()}
            for key, (values, codes) in group._places.columns.items()
        },
    }


def _ledgers_state(group: FanGroup) -> dict[str, Any]:
    """The contribution and badge logs, and how often each person earned each badge."""
    ledger = group._ledger.log
    size = len(group._membership.people)
    # Without a cap every row credits its points, so the column is written only under one.
    capped = group._cap.policy.daily_cap is not None
    columns = ("member", "kind", "weight", "at", *(("credited", "day") if capped else ()))
    return {
        "contributions": {name: ledger[name].tolist() for name in columns},
        **_badge_log_state(group),
        "awarded": group._badges.awarded[:size].tolist(),
    }


def _badge_log_state(group: FanGroup) -> dict[str, Any]:
    """The award log; ids and the next id only once they differ from row numbers (a
    revocation or an erasure), as states before ids had none."""
    log, next_id = group._badges.log, group._badges.next_id
    columns = ["member", "rule", "at", "settled"]
    plain = next_id == log.length and bool((log["id"] == np.arange(log.length)).all())
    if plain:
        return {"badges": {name: log[name].tolist() for name in columns}}
    return {
        "badges": {name: log[name].tolist() for name in [*columns, "id"]},
        "badge_next_id": next_id,
    }


def _rule_state(rule: BadgeRule) -> dict[str, Any]:
    window = None if rule.window is None else rule.window // timedelta(microseconds=1)
    return {
        "name": rule.name,
        "tier": rule.tier.value,
        "at_least": rule.at_least,
        "kind": rule.kind,
        "repeatable": rule.repeatable,
        "reward": rule.reward.kind,
        "value": rule.reward.value,
        # written only when set, as states before them had neither
        **({} if window is None else {"window": window}),
        **({"revocable": True} if rule.revocable else {}),
    }


# ------------------------------------------------------------------------------------ reading


def from_state(
    cls: type[FanGroup], state: object, registry: OptInRegistry | None, clock: Clock | None
) -> FanGroup:
    """Rebuild a group; any failure becomes ``InvalidInputError``."""
    try:
        return _StateReader(state).build(cls, registry, clock)
    except InvalidInputError:
        raise
    except CommunityMarketingError as error:
        raise InvalidInputError(f"state: {error}") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as error:
        raise InvalidInputError(f"state: malformed ({type(error).__name__}: {error})") from None


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
        extra = set(state) - _STATE_KEYS - _OPTIONAL_KEYS
        if extra:
            raise InvalidInputError(f"state: unexpected fields {sorted(extra, key=repr)}")
        self.state = state

    def list_of(self, key: str, container: Mapping[str, Any] | None = None) -> list[Any]:
        value = (self.state if container is None else container)[key]
        if not isinstance(value, list):
            raise InvalidInputError(f"state.{key}: expected a list, got {type(value).__name__}")
        return value

    def ints(
        self, key: str, n: int | None, low: int, high: int, container: Any = None
    ) -> Int64Array:
        items = self.list_of(key, container)
        if n is not None and len(items) != n:
            raise InvalidInputError(f"state.{key}: expected {n} values, got {len(items)}")
        return _int_array(items, f"state.{key}", low, high)

    def bools(self, key: str, n: int, container: Any = None) -> BoolArray:
        items = self.list_of(key, container)
        if len(items) != n or not set(map(type, items)) <= {bool}:
            raise InvalidInputError(f"state.{key}: expected {n} bools")
        return np.array(items, np.bool_).reshape(n)

    def build(
        self, cls: type[FanGroup], registry: OptInRegistry | None, clock: Clock | None
    ) -> FanGroup:
        """Settings first (through the constructor's own checks), then every column and log."""
        group = self._configured(cls, registry, clock)
        group._membership.erased = ErasedIds.from_state(self.state.get("erasure"))
        self._read_roles(group)
        size = self._read_people(group)
        self._read_attributes(group, size)
        self._read_contributions(group, size)
        self._read_badges(group, size)
        self._read_requests(group)
        self._read_invitations(group)
        group._roles.refresh(np.arange(size, dtype=np.int64), group._trust)
        return group

    def _policy(self) -> TrustPolicy:
        trust = self.state["trust"]
        basic = {"thresholds", "low_water", "unlocks"}
        if not isinstance(trust, Mapping) or set(trust) - _ACTIVITY_KEYS != basic:
            raise InvalidInputError("state.trust: expected thresholds, low_water and unlocks")
        unlocks = self.ints("unlocks", None, 0, Ability.ALL.value, trust)
        extra = _activity_policy(trust) if set(trust) & _ACTIVITY_KEYS else {}
        return TrustPolicy(
            trust["thresholds"],
            trust["low_water"],
            tuple(Ability(int(u)) for u in unlocks),
            **extra,
        )

    def _configured(
        self, cls: type[FanGroup], registry: OptInRegistry | None, clock: Clock | None
    ) -> FanGroup:
        s = self.state
        policy = self._policy()
        rules = [_rule_from_state(i, r) for i, r in enumerate(self.list_of("badge_rules"))]
        if not isinstance(s["points"], dict) or not isinstance(s["purpose"], str):
            raise InvalidInputError("state.points, state.purpose: expected a mapping and a str")
        self.list_of("channels")
        self.list_of("questions")
        group = cls.__new__(cls)
        _setup.configure(
            group,
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
            reputation=_reputation_policy(s.get("reputation")),
            join_rules=_join_rules_from_state(s.get("join_rules", [])),
        )
        return group

    def _read_roles(self, group: FanGroup) -> None:
        role_list = group._roles.role_list
        for i, raw in enumerate(self.list_of("roles")):
            if not isinstance(raw, Mapping) or set(raw) != {"name", "abilities", "rank"}:
                raise InvalidInputError(f"state.roles[{i}]: expected name, abilities and rank")
            bits = check_int(raw["abilities"], f"state.roles[{i}].abilities", low=0,
                             high=Ability.ALL.value)  # fmt: skip
            role = Role(raw["name"], Ability(bits), raw["rank"])
            if any(known.name == role.name for known in role_list):
                raise InvalidInputError(f"state.roles[{i}]: duplicate role {role.name!r}")
            role_list.append(role)
        if len(role_list) > MAX_ROLES:
            raise InvalidInputError(f"state.roles: at most {MAX_ROLES} roles")

    def _read_people(self, group: FanGroup) -> int:
        people = self.list_of("people")
        if len(set(people)) != len(people) or not people:
            raise InvalidInputError("state.people: expected distinct ids")
        membership = group._membership
        group._add_people(people, "state.people")
        size = len(people)
        member = self.bools("member", size)
        banned = self.bools("banned", size)
        if (member & banned).any():
            raise InvalidInputError("state.banned: a banned person is a member")
        membership.member[:size] = member
        membership.banned[:size] = banned
        membership.joined[:size] = self.ints("joined_at", size, MIN_MICROS, MAX_MICROS)
        roles = self.ints("roles_held", size, 0, (1 << len(group._roles.role_list)) - 1)
        if ((roles != 0) != member).any() or (roles[member] & MEMBER_BIT == 0).any():
            raise InvalidInputError("state.roles_held: members hold Member, others nothing")
        group._roles.held[:size] = roles
        entries = self.list_of("trust_level")
        if len(entries) != size:
            raise InvalidInputError(f"state.trust_level: expected {size} entries")
        for i, entry in enumerate(entries):
            group._trust.read_person(i, entry, f"state.trust_level[{i}]")
        founder = membership.people.get(self.state["founder"])
        if founder < 0 or not ((roles & OWNER_BIT) != 0).any():
            raise InvalidInputError("state: the founder must be known and an owner must exist")
        return size

    def _read_attributes(self, group: FanGroup, size: int) -> None:
        raw = self.state["attributes"]
        if not isinstance(raw, Mapping):
            raise InvalidInputError("state.attributes: expected a mapping")
        for key, column in raw.items():
            check_text(key, "state.attributes key")
            if not isinstance(column, Mapping) or set(column) != {"values", "codes"}:
                raise InvalidInputError(f"state.attributes[{key!r}]: expected values and codes")
            values = self.list_of("values", column)
            if len(set(values)) != len(values):
                raise InvalidInputError(f"state.attributes[{key!r}].values: duplicates")
            codes = self.ints("codes", size, -1, len(values) - 1, column)
            index = IdIndex(values, kind=f"{key} value")
            full = np.full(len(group._membership.member), -1, np.int64)
            full[:size] = codes
            group._places.columns[key] = (index, full)

    def _read_contributions(self, group: FanGroup, size: int) -> None:
        raw = self.state["contributions"]
        capped = group._cap.policy.daily_cap is not None
        keys = _LOG_KEYS | ({"credited"} if capped else set())
        # "day" came with the cap's second version: a state without it recounts the days.
        if (
            not isinstance(raw, Mapping)
            or set(raw) - {"day"} != keys
            or ("day" in raw and not capped)
        ):
            raise InvalidInputError(
                "state.contributions: expected member, kind, weight, at (and credited under a "
                "daily cap)"
            )
        ledger = group._ledger
        members = self.ints("member", None, 0, size - 1, raw)
        n = len(members)
        kinds = self.ints("kind", n, 0, len(ledger.kinds) - 1, raw)
        weights = self.ints("weight", n, 1, INT32_MAX, raw)
        times = self.ints("at", n, MIN_MICROS, MAX_MICROS, raw)
        if n:
            codes, column = kinds.astype(np.int16), weights.astype(np.int32)
            credited = _credited(self, raw, ledger.raw_points(codes, column))
            people = group._membership.people
            totals = ledger.totals_after(
                members, codes, column, credited, people, "state.contributions"
            )
            days = np.zeros(n, np.int64)
            if "day" in raw:
                low, high = MIN_MICROS // DAY_MICROS - 1, MAX_MICROS // DAY_MICROS + 1
                days = self.ints("day", n, low, high, raw)
            elif capped:
                days = group._cap.local_days(members, times, group._places)
            ledger.record(members, codes, column, times, credited, totals, days)
        group._cap.rebuild(ledger, group._places, size)

    def _read_badges(self, group: FanGroup, size: int) -> None:
        log = self.state["badges"]
        with_ids = "badge_next_id" in self.state
        if not isinstance(log, Mapping) or set(log) != _BADGE_KEYS | (
            {"id"} if with_ids else set()
        ):
            raise InvalidInputError(
                "state.badges: expected member, rule, at, settled (and id with badge_next_id)"
            )
        badges = group._badges
        members = self.ints("member", None, 0, size - 1, log)
        m = len(members)
        rules = self.ints("rule", m, 0, len(badges.rules) - 1, log)
        times = self.ints("at", m, MIN_MICROS, MAX_MICROS, log)
        settled = self.bools("settled", m, log)
        ids, next_id = np.arange(m, dtype=np.int64), m
        if with_ids:
            next_id = check_int(self.state["badge_next_id"], "state.badge_next_id", low=m,
                                high=MAX_COUNT)  # fmt: skip
            ids = self.ints("id", m, 0, next_id - 1, log)
            if (np.diff(ids) <= 0).any():
                raise InvalidInputError("state.badges.id: expected increasing ids")
        if m:
            badges.log.append(member=members, rule=rules, at=times, settled=settled, id=ids)
        badges.next_id = next_id
        awarded = self.list_of("awarded")
        n_rules = len(badges.rules)
        if len(awarded) != size or not (
            set(map(type, awarded)) <= {list} and set(map(len, awarded)) <= {n_rules}
        ):
            raise InvalidInputError(f"state.awarded: expected {size} rows of {n_rules}")
        flat = _int_array(list(chain.from_iterable(awarded)), "state.awarded", 0, MAX_COUNT)
        badges.awarded[:size] = flat.reshape(size, n_rules)

    def _read_requests(self, group: FanGroup) -> None:
        requests = group._membership.requests
        for i, raw in enumerate(self.list_of("requests")):
            if not isinstance(raw, Mapping) or set(raw) != {"member", "answers", "at", "fee_paid"}:
                raise InvalidInputError(
                    f"state.requests[{i}]: expected member, answers, at, fee_paid"
                )
            member = check_id(raw["member"], f"state.requests[{i}].member")
            answers = self.list_of("answers", raw)
            if len(answers) != len(group._enrollment.questions):
                raise InvalidInputError(f"state.requests[{i}].answers: one per question")
            checked = tuple(check_text(a, f"state.requests[{i}].answers") for a in answers)
            at = _moment(raw["at"], f"state.requests[{i}].at")
            paid = check_amount(raw["fee_paid"], f"state.requests[{i}].fee_paid")
            if member in requests:
                raise InvalidInputError(f"state.requests[{i}]: duplicate request")
            requests[member] = Request(member, checked, at, paid)

    def _read_invitations(self, group: FanGroup) -> None:
        fields = {"member", "by", "digest", "created_at", "expires_at", "used"}
        for i, raw in enumerate(self.list_of("invitations")):
            where = f"state.invitations[{i}]"
            if not isinstance(raw, Mapping) or set(raw) != fields:
                raise InvalidInputError(f"{where}: expected {sorted(fields)}")
            digest = raw["digest"]
            hex_digits = isinstance(digest, str) and digest.isascii() and len(digest) == 64
            if not hex_digits or not all(c in "0123456789abcdefABCDEF" for c in digest):
                raise InvalidInputError(f"{where}.digest: expected 64 hex digits")
            if not isinstance(raw["used"], bool):
                raise InvalidInputError(f"{where}.used: expected a bool")
            group._invitations.add(
                Invitation(
                    check_id(raw["member"], f"{where}.member"),
                    check_id(raw["by"], f"{where}.by"),
                    bytes.fromhex(digest),
                    _moment(raw["created_at"], f"{where}.created_at"),
                    _moment(raw["expires_at"], f"{where}.expires_at"),
                    raw["used"],
                )
            )


def _credited(reader: _StateReader, raw: Mapping[str, Any], points: Int64Array) -> Int64Array:
    """The credited column: each row its points, or a part of positive points (a daily cap)."""
    if "credited" not in raw:
        return points
    bound = int(np.abs(points).max())
    credited = reader.ints("credited", len(points), -bound, bound, raw)
    if ((points > 0) & ((credited < 0) | (credited > points))).any() or (
        (points <= 0) & (credited != points)
    ).any():
        raise InvalidInputError(
            "state.contributions.credited: expected each row's points, or 0 to its points "
            "for a gain"
        )
    return credited


def _activity_policy(trust: Mapping[str, Any]) -> dict[str, Any]:
    """The keywords of ``TrustPolicy`` beyond the basic three, read from ``state.trust``."""
    if set(trust) & _ACTIVITY_KEYS != _ACTIVITY_KEYS or not isinstance(trust["requirements"], list):
        raise InvalidInputError("state.trust: expected requirements, grace and flag_kind")
    fields = {"counts", "days_active", "max_flagged", "window", "manual"}
    requirements = []
    for i, raw in enumerate(trust["requirements"]):
        if not isinstance(raw, Mapping) or set(raw) != fields:
            raise InvalidInputError(f"state.trust.requirements[{i}]: expected {sorted(fields)}")
        window = raw["window"]
        if window is not None:
            window = timedelta(microseconds=check_int(window, "state.trust.window", low=1))
        requirements.append(
            TrustRequirement(
                raw["counts"], days_active=raw["days_active"], max_flagged=raw["max_flagged"],
                window=window, manual=raw["manual"],
            )
        )  # fmt: skip
    grace = check_int(trust["grace"], "state.trust.grace", low=0, high=2**62)
    return {
        "requirements": requirements,
        "grace": timedelta(microseconds=grace),
        "flag_kind": trust["flag_kind"],
    }


def _join_rules_from_state(raw: object) -> list[JoinRule]:
    if not isinstance(raw, list):
        raise InvalidInputError("state.join_rules: expected a list")
    rules = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or set(item) != _JOIN_RULE_KEYS:
            raise InvalidInputError(f"state.join_rules[{i}]: expected {sorted(_JOIN_RULE_KEYS)}")
        rules.append(
            JoinRule(
                item["decision"], attribute=item["attribute"], values=item["values"],
                min_trust=item["min_trust"], invited=item["invited"],
            )
        )  # fmt: skip
    return rules


def _reputation_policy(raw: object) -> ReputationPolicy:
    if raw is None:
        return ReputationPolicy()
    fields = {"daily_cap", "zone", "zone_attribute", "half_life"}
    if not isinstance(raw, Mapping) or set(raw) != fields:
        raise InvalidInputError(f"state.reputation: expected {sorted(fields)}")
    half_life = raw["half_life"]
    if half_life is not None:
        half_life = timedelta(
            microseconds=check_int(half_life, "state.reputation.half_life", low=1, high=2**62)
        )
    return ReputationPolicy(
        raw["daily_cap"], zone=raw["zone"], zone_attribute=raw["zone_attribute"],
        half_life=half_life,
    )  # fmt: skip


def _moment(value: object, field: str) -> int:
    """Microseconds since the epoch within the representable range."""
    return check_int(value, field, low=MIN_MICROS, high=MAX_MICROS)


def _rule_from_state(i: int, raw: object) -> BadgeRule:
    fields = {"name", "tier", "at_least", "kind", "repeatable", "reward", "value"}
    if not isinstance(raw, Mapping) or set(raw) - {"window", "revocable"} != fields:
        raise InvalidInputError(f"state.badge_rules[{i}]: expected {sorted(fields)}")
    window = raw.get("window")
    if window is not None:
        window = timedelta(
            microseconds=check_int(window, f"state.badge_rules[{i}].window", low=1, high=2**62)
        )
    if raw.get("revocable", True) is not True:
        raise InvalidInputError(f"state.badge_rules[{i}].revocable: written only as true")
    return BadgeRule(
        raw["name"],
        raw["tier"],
        raw["at_least"],
        kind=raw["kind"],
        repeatable=raw["repeatable"],
        reward=Reward(raw["reward"], raw["value"]),
        window=window,
        revocable="revocable" in raw,
    )


def _int_array(items: list[Any], field: str, low: int, high: int) -> Int64Array:
    """``items`` as int64, each an int (not a bool) in ``[low, high]``.

    The types are checked once per distinct type, not once per value: states hold millions.
    """
    if not all(issubclass(k, int) and not issubclass(k, bool) for k in set(map(type, items))):
        raise InvalidInputError(f"{field}: expected a list of ints")
    if not items:
        return np.zeros(0, np.int64)
    try:
        array = np.array(items, np.int64)
    except OverflowError:
        array = None
    if array is None or array.min() < low or array.max() > high:
        raise InvalidInputError(f"{field}: values out of range [{low}, {high}]")
    return array
