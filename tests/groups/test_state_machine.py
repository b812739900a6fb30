"""Model-based test: random actors take random actions; the group's invariants hold after each.

Invariants: no member holds an ability nobody granted, banned people are never members, every
member has a consent grant in the registry, the founder never changes, reputation equals the sum
of recorded contributions capped per day (never above the daily cap in a day), and a call that
raises changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from community_marketing.errors import CommunityMarketingError, InvalidTokenError
from community_marketing.groups import (
    DEFAULT_POINTS,
    Ability,
    BadgeRule,
    FanGroup,
    ReputationPolicy,
    Reward,
    TrustPolicy,
)
from community_marketing.optin import OptInRegistry

PEOPLE = ["owner", "p1", "p2", "p3", "p4", "p5", "p6"]
ROLES = ["Officer", "Moderator", "Member", "Owner", "Custom0", "Custom1", "Custom2"]
ABILITY_FLAGS = [a for a in Ability if a.name not in {"NONE", "ALL"}]
KINDS = [*DEFAULT_POINTS, "flagged"]
POINTS = dict(DEFAULT_POINTS) | {"flagged": -3}
T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
DAILY_CAP = 40

people = st.sampled_from(PEOPLE)
# The founder (or whoever they hand power to) acts often, so that actions succeed as often
# as they are refused.
actors = st.sampled_from(["owner", "owner", "owner", *PEOPLE])


class FanGroupMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.registry = OptInRegistry(clock=lambda: self.now)
        self.policy = TrustPolicy((8, 30), unlocks=(Ability.INVITE, Ability.MODERATE))
        self.group = FanGroup(
            "fans",
            "owner",
            registry=self.registry,
            points=POINTS,
            trust=self.policy,
            invite_daily_cap=3,
            reputation=ReputationPolicy(DAILY_CAP),
            badge_rules=[
                BadgeRule("Regular", "silver", 12, revocable=True, reward=Reward("trial")),
                BadgeRule("Helper", "bronze", 10, repeatable=True, revocable=True),
            ],
            clock=lambda: self.now,
        )
        self.gains: dict[tuple[str, object], int] = defaultdict(int)
        self.losses: dict[str, int] = defaultdict(int)
        self.tokens: list[str] = []
        self.used_tokens: set[str] = set()
        self.defined: dict[str, Ability] = {}

    @initialize()
    def seed(self) -> None:
        self.group.join_many(["p1", "p2"])

    def attempt(self, call: Callable[[], object]) -> object:
        """Run ``call``; if it raises a library error the state must be exactly as before."""
        before = self.group.to_state()
        try:
            return call()
        except CommunityMarketingError:
            assert self.group.to_state() == before
            return None

    # ------------------------------------------------------------------ actions

    @rule(member=people, consent=st.booleans())
    def join(self, member: str, consent: bool) -> None:
        self.attempt(lambda: self.group.join(member, consent=consent))

    @rule(members=st.lists(people, max_size=4))
    def join_many(self, members: list[str]) -> None:
        self.attempt(lambda: self.group.join_many(members))

    @rule(member=people)
    def leave(self, member: str) -> None:
        self.attempt(lambda: self.group.leave(member))

    @rule(by=actors, member=people)
    def remove(self, by: str, member: str) -> None:
        self.attempt(lambda: self.group.remove(by, member))

    @rule(by=actors, member=people)
    def ban(self, by: str, member: str) -> None:
        self.attempt(lambda: self.group.ban(by, member))

    @rule(by=actors, member=people)
    def unban(self, by: str, member: str) -> None:
        self.attempt(lambda: self.group.unban(by, member))

    @rule(by=actors, member=people, keep=st.booleans())
    def transfer(self, by: str, member: str, keep: bool) -> None:
        self.attempt(lambda: self.group.transfer_ownership(by, member, keep=keep))

    @rule(
        by=actors,
        number=st.integers(0, 2),
        flags=st.lists(st.sampled_from(ABILITY_FLAGS), max_size=3),
        rank=st.integers(1, 99),
    )
    def define_role(self, by: str, number: int, flags: list[Ability], rank: int) -> None:
        abilities = Ability.NONE
        for flag in flags:
            abilities |= flag
        held = self.group.abilities_of(by)
        role = self.attempt(
            lambda: self.group.define_role(by, f"Custom{number}", abilities, rank=rank)
        )
        if role is not None:
            assert abilities in held, "a role was defined with abilities its definer lacks"
            self.defined[f"Custom{number}"] = abilities

    @rule(by=actors, member=people, role=st.sampled_from(ROLES), revoke=st.booleans())
    def change_role(self, by: str, member: str, role: str, revoke: bool) -> None:
        held = self.group.abilities_of(by)
        known = {r.name: r for r in self.group.roles()}
        action = self.group.revoke_role if revoke else self.group.assign_role
        done = self.attempt(lambda: action(by, member, role) or True)
        if done:
            assert known[role].abilities in held, "a role was handed out by someone lacking it"

    @rule(by=actors, member=people)
    def invite(self, by: str, member: str) -> None:
        token = self.attempt(lambda: self.group.invite(by, member, expires_in=timedelta(hours=5)))
        if isinstance(token, str):
            self.tokens.append(token)

    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        if not self.tokens:
            return
        token = data.draw(st.sampled_from(self.tokens))
        before = self.group.to_state()
        try:
            self.group.accept_invitation(token)
        except InvalidTokenError:
            assert self.group.to_state() == before
        except CommunityMarketingError:
            assert self.group.to_state() == before
            return
        else:
            assert token not in self.used_tokens, "a token worked twice"
        self.used_tokens.add(token)

    @rule(member=people, kind=st.sampled_from(KINDS), weight=st.integers(1, 4))
    def contribute(self, member: str, kind: str, weight: int) -> None:
        done = self.attempt(
            lambda: self.group.record_contribution(member, kind, weight=weight) or True
        )
        if done:
            self.credit(member, POINTS[kind] * weight)

    @rule(members=st.lists(people, min_size=1, max_size=5), kind=st.sampled_from(KINDS))
    def contribute_many(self, members: list[str], kind: str) -> None:
        done = self.attempt(lambda: self.group.record_contributions(members, kind) or True)
        if done:
            for member in members:
                self.credit(member, POINTS[kind])

    def credit(self, member: str, points: int) -> None:
        if points > 0:
            self.gains[member, self.now.date()] += points
        else:
            self.losses[member] += points

    def expected(self, member: str) -> int:
        gained = sum(min(t, DAILY_CAP) for (who, _), t in self.gains.items() if who == member)
        return gained + self.losses[member]

    @rule(hours=st.integers(1, 12))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(days_back=st.integers(0, 3))
    def evaluate_trust(self, days_back: int) -> None:
        self.attempt(lambda: self.group.evaluate_trust(at=self.now - timedelta(days=days_back)))

    @rule(
        by=actors,
        member=people,
        level=st.none() | st.integers(0, 3),
        lock=st.booleans(),
    )
    def set_trust_level(self, by: str, member: str, level: int | None, lock: bool) -> None:
        held = self.group.abilities_of(by)
        done = self.attempt(
            lambda: self.group.set_trust_level(by, member, level, lock=lock) or True
        )
        if done and level is not None:
            unlocks = Ability(self.policy.cumulative_unlocks()[level])
            assert unlocks in held, "a level was set by someone lacking what it unlocks"

    # ------------------------------------------------------------------ invariants

    @invariant()
    def founder_never_changes(self) -> None:
        assert self.group.founder == "owner"

    @invariant()
    def at_least_one_owner(self) -> None:
        owners = self.group.owners()
        assert owners
        assert all(self.group.is_member(owner) for owner in owners)

    @invariant()
    def banned_are_never_members(self) -> None:
        for person in PEOPLE:
            assert not (self.group.is_banned(person) and self.group.is_member(person))

    @invariant()
    def every_member_has_a_grant(self) -> None:
        members = self.group.members()
        checks = self.registry.check_many(members, "group:fans", "in_app")
        assert checks.allowed.all()
        former = [p for p in PEOPLE if p not in members]
        assert not self.registry.check_many(former, "group:fans", "in_app").allowed.any()

    @invariant()
    def no_ability_nobody_granted(self) -> None:
        unlocks = self.policy.cumulative_unlocks()
        for person in PEOPLE:
            if not self.group.is_member(person):
                assert self.group.abilities_of(person) == Ability.NONE
                continue
            granted = Ability(unlocks[self.group.trust_level(person)])
            for role in self.group.roles_of(person):
                granted |= role.abilities
            assert self.group.abilities_of(person) == granted
        for role in self.group.roles():
            if role.name in self.defined:
                assert role.abilities == self.defined[role.name]

    @invariant()
    def revocable_badges_follow_reputation_everywhere(self) -> None:
        state = self.group.to_state()
        due = {(d.member, d.badge) for d in self.group.rewards_due()}
        for member in {who for who, _ in self.gains} | set(self.losses):
            reputation = self.expected(member)
            held = [b.name for b in self.group.badges(member)]
            assert held.count("Regular") == (1 if reputation >= 12 else 0)
            assert held.count("Helper") == max(reputation // 10, 0)
            if "Regular" not in held:
                assert (member, "Regular") not in due
                if self.group.is_member(member):
                    assert "Regular" not in self.group.display_name(member)
        assert len(state["badges"]["member"]) == sum(map(sum, state["awarded"]))

    @invariant()
    def history_ends_at_each_level(self) -> None:
        for person in PEOPLE:
            if self.group.is_member(person):
                changes = self.group.trust_history(person)
                level = changes[-1].new_level if changes else 0
                assert self.group.trust_level(person) == level

    @invariant()
    def reputation_is_the_capped_sum_of_contributions(self) -> None:
        for member in {who for who, _ in self.gains} | set(self.losses):
            assert self.group.reputation(member) == self.expected(member)
        board = self.group.leaderboard(len(PEOPLE))
        assert {s.member: s.reputation for s in board} == {
            m: self.expected(str(m)) for m in self.group.members()
        }
        today = self.group.leaderboard(len(PEOPLE), since=self.now.replace(hour=0))
        assert all(s.reputation <= DAILY_CAP for s in today), "above the cap in a day"


FanGroupMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestFanGroupStateMachine = FanGroupMachine.TestCase
