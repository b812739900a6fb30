"""``python -m community_marketing``: the library's story, end to end, on a made-up community.

Deterministic for a given ``--seed`` (only the timings vary). The one module that prints.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, timedelta
from datetime import time as clock_time

import numpy as np

from . import __version__
from .campaign import PresenceLog, PresenceOffer, offer_on_presence, plan_campaign
from .datasets import Community, synthetic_community
from .errors import ConsentRequiredError
from .groups import Ability, BadgeRule, BadgeTier, FanGroup, Reward
from .measurement import ControlGroup, holdout_size
from .niches import niche_audiences, niches
from .optin import OptInRegistry, Reason
from .recommend import Recommender
from .referrals import ReferralGraph


@contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n== {title}")
    began = time.perf_counter()
    yield
    print(f"   ({(time.perf_counter() - began) * 1e3:.1f} ms)")


def say(text: str) -> None:
    print(f"   {text}")


def consent_story(community: Community) -> OptInRegistry:
    members = community.member_ids
    now = community.as_of
    registry = community.consent_registry(
        clock=lambda: now,
        expiry={"*": {"implied_business": timedelta(days=730)}},
        exempt_purposes=["receipts"],
        default_max_per_period=(3, timedelta(days=7)),
    )
    with section("Consent ledger: who may we contact, for what, how, and can we prove it?"):
        say(f"a year of sign-ups replayed: {registry!r}")
        first = next(m for m in members if registry.status(m, "offers", "sms").value == "none")
        token = registry.request(first, "offers", "sms", source="checkout", at=now)
        say(f"{first} asked for SMS offers: status {registry.status(first, 'offers', 'sms').value}")
        now += timedelta(minutes=4)
        registry.confirm(token, at=now)
        status = registry.status(first, "offers", "sms").value
        say(f"... and confirmed the code 4 minutes later: {status}")
        result = registry.apply_keyword(first, "sms", "STOP", at=now)
        say(f"{first} then texted STOP: {len(result.events)} SMS consent withdrawn, history kept")
        allowed_now = registry.audience(members, "newsletter", "email", at=now)
        complainer = allowed_now[-1]
        registry.suppress(complainer, reason="spam_complaint", at=now)
        say(f"{complainer} complained: on the do-not-contact list, over every grant")
        quiet = allowed_now[-2]
        registry.set_preferences(
            quiet, timezone="Asia/Tokyo", quiet_hours=(clock_time(22), clock_time(8)), at=now
        )
        now = now.replace(hour=15)  # midnight in Tokyo
        checks = registry.check_many(members, "newsletter", "email", at=now)
        counts = {reason.name.lower(): n for reason, n in checks.counts().items() if n}
        say(f"newsletter check over all members now: {counts}")
        withdrawn = next(
            (m for m, r in zip(members, checks, strict=True) if r is Reason.WITHDRAWN), None
        )
        if withdrawn is not None:
            joined = registry.history(withdrawn)[0].at
            audit = registry.status(withdrawn, "newsletter", "email", at=joined)
            say(f"audit: was {withdrawn} opted in on the day they joined? {audit.value}")
        receipts = registry.check(complainer, "receipts", "email").name
        say(f"receipts (exempt from consent, never from suppression) to {complainer}? {receipts}")
        say(f"audience for today's newsletter: {int(checks.allowed.sum())} members")
        assert registry.check(complainer, "newsletter", "email", at=now) is Reason.SUPPRESSED
    return registry


def fan_group_story(
    community: Community, registry: OptInRegistry, rng: np.random.Generator
) -> FanGroup:
    members = community.member_ids
    region_of = dict(zip(members, community.regions, strict=True))
    now = community.as_of + timedelta(days=1)
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
        group.join_many(fans, attributes={"region": [region_of[f] for f in fans]}, at=now)
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
            f"{h.value} ({h.active_members} active)"
            for h in group.hotspots("region", top=3, min_members=5)
        )
        say(f"hotspots (areas with fewer than 5 active members hidden): {spots}")
        recipients = group.notice("brand-team", "Tasting night on Friday!", at=now)
        say(f"a notice reaches {len(recipients)} members the registry allows right now")
        say(repr(group))
    return group


def word_of_mouth_story(community: Community) -> ReferralGraph:
    graph = ReferralGraph()
    with section("Word of mouth: friends of friends, cascades, who to seed"):
        graph.add_friendships(community.friend_pairs())
        ids = community.member_ids
        say(f"{graph!r}")
        someone = graph.ids()[int(np.argmax(graph.degrees()))]
        conquest = graph.friends_of_friends(someone, n=3)
        listed = ", ".join(f"{m} ({k} mutual)" for m, k in conquest)
        say(f"friends of friends of {someone} to win over first: {listed}")
        say(f"{someone} reaches {graph.reach([someone], hops=2)} people within two hops")
        islands = graph.communities(method="components")
        found = graph.communities(random_state=0)
        largest = ", ".join(map(str, found.sizes[:5].tolist()))
        quality = f"modularity {found.modularity:.3f}"
        say(f"{found.count} Leiden communities, {quality}; largest {largest}")
        say(f"where connected components see {islands.count} (the largest: {islands.sizes[0]})")
        seeds = graph.influencers(5, method="cascade", probability=0.05, random_state=0)
        say(f"5 seeds chosen by reverse-reachable sets: {', '.join(map(str, seeds.ids))}")
        cascade = graph.simulate_cascade(seeds.ids, probability=0.05, runs=500, random_state=0)
        say(
            f"independent cascade (p=0.05, 500 runs): {cascade.mean:.1f} ± {cascade.std:.1f} "
            f"people reached; by step {', '.join(f'{x:.0f}' for x in cascade.steps[:5])}"
        )
        joined = [t.replace(tzinfo=UTC) for t in community.joined_at.tolist()]
        referred = set(community.referrals[:, 1].tolist())
        for member, moment in enumerate(joined):
            if member not in referred:
                graph.add_members([ids[member]], at=moment)
        for referrer, referee in sorted(community.referrals.tolist(), key=lambda r: r[1]):
            graph.record_referral(ids[referrer], ids[referee], at=joined[referee])
        quarter = community.as_of - timedelta(days=91)
        k = graph.viral_coefficient(start=quarter, end=community.as_of)
        say(
            f"{len(referred)} members came by referral; viral coefficient over the last "
            f"quarter K = {k.k:.3f}, so {1 / (1 - k.k):.2f}x the members a campaign reaches "
            "directly (K < 1 limit)"
        )
    return graph


def recommendation_story(community: Community, registry: OptInRegistry) -> Recommender:
    now = community.as_of
    with section("Recommendations: implicit ALS with the brand's own ids"):
        users, items, weights = community.interactions()
        model = Recommender(factors=32, iterations=10, random_state=0).fit(users, items, weights)
        say(f"fitted on {len(weights):,} interactions: {model!r}")
        member = model.user_ids_[1]
        recs = model.recommend(member, n=3)
        say(f"for {member}: {', '.join(f'{i} ({s:.2f})' for i, s in recs)} [{recs.source}]")
        why = model.explain(member, recs.items[0], n=2)
        because = ", ".join(f"{i} ({c:+.2f})" for i, c in why.contributions)
        say(f"why {recs.items[0]}? because of {because}")
        product = recs.items[0]
        allowed = registry.audience(model.user_ids_, "newsletter", "email", at=now)
        audience = model.audience_for(product, n=5, eligible=allowed)
        say(
            f"who should hear about {product} (opted in, not owning it): "
            + ", ".join(str(u) for u, _ in audience)
        )
    return model


def campaign_story(
    community: Community,
    registry: OptInRegistry,
    graph: ReferralGraph,
    group: FanGroup,
    model: Recommender,
) -> None:
    now = community.as_of + timedelta(days=2)
    with section("Campaign plan: best audience, only the allowed, seeded through the best fans"):
        product = model.popular(n=20)[-1][0]
        plan = plan_campaign(
            product,
            recommender=model,
            registry=registry,
            purpose="newsletter",
            channel="email",
            graph=graph,
            budget=300,
            seeds=5,
            probability=0.05,
            at=now,
            random_state=0,
        )
        say(f"{plan!r}")
        say(f"seeds for word of mouth: {', '.join(map(str, plan.seeds))}")
        assert plan.expected_reach is not None
        say(
            f"expected word-of-mouth reach {plan.expected_reach:.1f} ± {plan.reach_std or 0:.1f} "
            f"({plan.reach_model}, p={plan.probability}, {plan.runs} runs)"
        )
        reasons = ", ".join(f"{k}: {v}" for k, v in plan.excluded.items() if v)
        say(f"left out: {reasons}")
        in_group = plan_campaign(
            product, recommender=model, registry=registry, purpose=group.purpose,
            channel="in_app", group=group, budget=100, seeds=0, at=now,
        )  # fmt: skip
        say(f"the same product for the fan group only: {len(in_group.targets)} targets")
        say(f"sends recorded once delivered: {plan.record_sends(registry)}")
    with section("Presence: a known customer opens the app"):
        log = PresenceLog()
        customer = plan.target_ids[-1]
        first = offer_on_presence(
            customer, recommender=model, registry=registry, log=log,
            purpose="newsletter", channel="email", at=now + timedelta(days=8),
        )  # fmt: skip
        if isinstance(first, PresenceOffer):
            say(f"{customer} is here: offer {', '.join(map(str, first.item_ids))}")
        else:
            say(f"{customer} is here: no offer ({first.reason})")
        again = offer_on_presence(
            customer, recommender=model, registry=registry, log=log,
            purpose="newsletter", channel="email", at=now + timedelta(days=8, minutes=1),
        )  # fmt: skip
        say(f"a minute later: {getattr(again, 'reason', 'offer')}")


def niche_story(
    community: Community,
    registry: OptInRegistry,
    graph: ReferralGraph,
    group: FanGroup,
    model: Recommender,
) -> None:
    now = community.as_of + timedelta(days=2)
    with section("Niches: the communities customers form, what each favours, where"):
        found = graph.communities(random_state=0)
        market = niches(
            found, recommender=model, group=group, attribute="region", registry=registry,
            purpose="newsletter", channel="email", at=now, top=2, min_size=20,
        )  # fmt: skip
        for niche in market[:3]:
            loves = ", ".join(
                f"{item} x{lift:.1f}" for item, lift in zip(niche.items, niche.lift, strict=True)
            )
            where = ", ".join(f"{value} ({n})" for value, n in niche.regions)
            say(
                f"community {niche.community}: {niche.size} people, {niche.allowed} reachable "
                f"by email; loves {loves or '-'}; in {where or '-'}"
            )
        product = model.popular(n=20)[-1][0]
        best = niche_audiences(product, communities=found, recommender=model, n=1)
        if best:
            label, lift = best[0]
            plan = plan_campaign(
                product, recommender=model, registry=registry, purpose="newsletter",
                channel="email", graph=graph, communities=found, community=label, budget=50,
                seeds=2, at=now, random_state=0,
            )  # fmt: skip
            say(
                f"{product} is loved most by community {label} (lift {lift:.1f}): a niche plan "
                f"of {len(plan.targets)} targets among its {found.sizes[label]} people"
            )


def measurement_story(
    community: Community, registry: OptInRegistry, graph: ReferralGraph, model: Recommender
) -> None:
    now = community.as_of + timedelta(days=3)
    with section("Did it work? A keyed holdout, the sends, and the uplift"):
        size = holdout_size(0.05, 0.05, ratio=3.0)
        say(f"to see +5 points over a 5% baseline with 3 treated per control: {size} held out")
        plan = plan_campaign(
            model.popular(n=30)[-1][0], recommender=model, registry=registry,
            purpose="newsletter", channel="email", graph=graph, budget=1000, seeds=5,
            at=now, random_state=1, holdout=0.25, holdout_key="autumn-launch",
            control_group=ControlGroup("brand-control", 0.05),
        )  # fmt: skip
        say(f"{plan!r}")
        say(
            f"held out by this campaign's key: {plan.excluded['holdout']}, "
            f"by the brand's global control group: {plan.excluded['control_group']}"
        )
        say(f"sends recorded (targets only, never the control): {plan.record_sends(registry)}")
        conversions = community.conversions(
            plan, base_rate=0.05, uplift=0.05, spillover=0.02, random_state=3
        )
        say(f"two weeks of conversions drawn with a true uplift of +5 pts: {len(conversions[0])}")
        result = plan.measure(conversions, graph=graph)
        say(f"{result!r}")
        low, high = result.relative_uplift_ci
        say(f"relative uplift {result.relative_uplift:+.0%} [{low:+.0%}, {high:+.0%}]")
        assert result.revenue_uplift is not None
        assert result.revenue_uplift_ci is not None
        r_low, r_high = result.revenue_uplift_ci
        say(f"revenue per contact {result.revenue_uplift:+.2f} [{r_low:+.2f}, {r_high:+.2f}]")
        if result.spillover is not None and result.treated_friends is not None:
            say(
                f"spillover to {result.treated_friends.contacts} friends never contacted: "
                f"{result.spillover * 100:+.1f} pts; seed referrals {result.seed_referrals}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m community_marketing", description="The community-marketing demo."
    )
    parser.add_argument("--members", type=int, default=2000, help="community size (default 2000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    if args.members < 50:
        parser.error("--members must be at least 50")
    rng = np.random.default_rng(args.seed)
    print(f"community-marketing {__version__}: a brand and its community of {args.members}")
    began = time.perf_counter()
    with section("The community (embedded, synthetic, seeded)"):
        community = synthetic_community(
            args.members, max(40, args.members // 8), random_state=args.seed
        )
        say(repr(community))
    registry = consent_story(community)
    group = fan_group_story(community, registry, rng)
    graph = word_of_mouth_story(community)
    model = recommendation_story(community, registry)
    campaign_story(community, registry, graph, group, model)
    niche_story(community, registry, graph, group, model)
    measurement_story(community, registry, graph, model)
    print(f"\nDone in {time.perf_counter() - began:.2f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
