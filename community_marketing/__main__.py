"""``python -m community_marketing``: the library's story, end to end, on a made-up community.

Deterministic for a given ``--seed`` (only the timings vary). The one module that prints.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import numpy as np

from . import __version__
from .errors import ConsentRequiredError
from .groups import Ability, BadgeRule, BadgeTier, FanGroup, Reward
from .optin import OptInRegistry, Reason

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n== {title}")
    began = time.perf_counter()
    yield
    print(f"   ({(time.perf_counter() - began) * 1e3:.1f} ms)")


def say(text: str) -> None:
    print(f"   {text}")


def consent_story(members: Sequence[str], rng: np.random.Generator) -> OptInRegistry:
    now = START
    registry = OptInRegistry(
        clock=lambda: now,
        expiry={"*": {"implied_business": timedelta(days=730)}},
        exempt_purposes=["receipts"],
        default_max_per_period=(3, timedelta(days=7)),
    )
    with section("Consent ledger: who may we contact, for what, how, and can we prove it?"):
        signed_up = [m for m in members if rng.random() < 0.8]
        registry.grant_many(signed_up, "newsletter", "email", source="signup_form", at=now)
        say(f"{len(signed_up)} of {len(members)} members opted in to the newsletter by email")
        first = members[0]
        token = registry.request(first, "offers", "sms", source="checkout", at=now)
        say(f"{first} asked for SMS offers: status {registry.status(first, 'offers', 'sms').value}")
        now += timedelta(minutes=4)
        registry.confirm(token, at=now)
        status = registry.status(first, "offers", "sms").value
        say(f"... and confirmed the code 4 minutes later: {status}")
        now += timedelta(days=3)
        leaving = signed_up[1 : 1 + max(1, len(signed_up) // 10)]
        registry.withdraw_many(leaving, "newsletter", "email", source="unsubscribe_link", at=now)
        say(f"{len(leaving)} unsubscribed in one click each (history kept)")
        result = registry.apply_keyword(first, "sms", "STOP", at=now)
        say(f"{first} texted STOP: {len(result.events)} SMS consent withdrawn")
        complainer = signed_up[-1]
        registry.suppress(complainer, reason="spam_complaint", at=now)
        say(f"{complainer} complained: on the do-not-contact list, over every grant")
        quiet = signed_up[-2]
        registry.set_preferences(
            quiet, timezone="Asia/Tokyo", quiet_hours=(clock_time(22), clock_time(8)), at=now
        )
        now = now.replace(hour=15)  # midnight in Tokyo
        checks = registry.check_many(members, "newsletter", "email", at=now)
        counts = {reason.name.lower(): n for reason, n in checks.counts().items() if n}
        say(f"newsletter check over all members now: {counts}")
        audit = registry.status(leaving[0], "newsletter", "email", at=START + timedelta(days=1))
        say(f"audit: was {leaving[0]} opted in on day 1? {audit.value}")
        receipts = registry.check(complainer, "receipts", "email").name
        say(f"receipts (exempt from consent, never from suppression) to {complainer}? {receipts}")
        allowed = registry.audience(members, "newsletter", "email", at=now)
        say(f"audience for today's newsletter: {len(allowed)} members")
        registry.record_sent_many(allowed, "newsletter", "email", at=now)
        say(f"{registry!r}")
        assert registry.check(complainer, "newsletter", "email", at=now) is Reason.SUPPRESSED
    return registry


CITIES = ("Lyon", "Montreal", "Osaka", "Austin", "Leeds")


def fan_group_story(
    members: Sequence[str], registry: OptInRegistry, rng: np.random.Generator
) -> FanGroup:
    now = START + timedelta(days=5)
    group = FanGroup(
        "espresso-lovers",
        "brand-team",
        registry=registry,
        channels=("in_app",),
        clock=lambda: now,
        badge_rules=[
            BadgeRule(
                "Helper", BadgeTier.SILVER, 3, kind="accepted_answer", reward=Reward("discount", 15)
            ),
            BadgeRule("Voice", BadgeTier.BRONZE, 40, reward=Reward("trial", "new grinder")),
        ],
    )
    with section("Fan group: opt-in membership, roles, contributions, badges"):
        fans = [m for m in members if rng.random() < 0.5 and not registry.is_suppressed(m)]
        if members[-1] not in fans:
            try:
                group.join(members[-1], at=now)
            except ConsentRequiredError as refused:
                say(f"refused at the door: {refused}")
        cities = {"city": [CITIES[int(c)] for c in rng.integers(0, len(CITIES), len(fans))]}
        group.join_many(fans, attributes=cities, at=now)
        say(f"{group.member_count} members joined by opt-in; each join is a consent grant")
        leavers = fans[:3]
        for fan in leavers:
            group.leave(fan, at=now)
        say(f"{len(leavers)} left: the group's consent is withdrawn in the registry too")
        moderator, helper = fans[3], fans[4]
        group.assign_role("brand-team", moderator, "Moderator")
        may = group.can(moderator, Ability.MODERATE)
        say(f"{moderator} is now a Moderator: may moderate? {may}")
        try:
            group.assign_role(moderator, helper, "Officer")
        except PermissionError as refused:
            say(f"{moderator} tried to make {helper} an Officer: refused ({refused})")
        kinds = np.array(["answer", "post", "like_received", "accepted_answer"])
        authors = [fans[int(i)] for i in rng.integers(3, len(fans), 300)]
        group.record_contributions(authors, list(kinds[rng.integers(0, len(kinds), 300)]), at=now)
        for _ in range(3):
            group.record_contribution(helper, "accepted_answer", at=now)
        say(f"badge beside the nickname: {group.display_name(helper)}")
        top = ", ".join(f"{s.member} ({s.reputation})" for s in group.leaderboard(3))
        say(f"leaderboard: {top}")
        due = group.rewards_due()
        say(f"rewards due to hand out: {len(due)} (e.g. {due[0].reward.kind} for {due[0].member})")
        spots = ", ".join(
            f"{h.value} ({h.active_members} active)" for h in group.hotspots("city", top=3)
        )
        say(f"hotspots: {spots}")
        recipients = group.notice("brand-team", "Tasting night on Friday!", at=now)
        say(f"a notice reaches {len(recipients)} members the registry allows right now")
        say(repr(group))
    return group


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m community_marketing", description="The community-marketing demo."
    )
    parser.add_argument("--members", type=int, default=400, help="community size (default 400)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    if args.members < 20:
        parser.error("--members must be at least 20")
    rng = np.random.default_rng(args.seed)
    members = [f"member-{i:04d}" for i in range(args.members)]
    print(f"community-marketing {__version__}: a brand and its community of {args.members}")
    began = time.perf_counter()
    registry = consent_story(members, rng)
    fan_group_story(members, registry, rng)
    print(f"\nDone in {time.perf_counter() - began:.2f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
