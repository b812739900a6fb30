"""Campaign plans and presence offers: the four primitives, together.

A brand launching a product wants, in one call, the members most likely to want
it (``Recommender``), only those who agreed to hear from the brand for that
purpose on that channel now (``OptInRegistry``), and the few well-connected fans
whose word of mouth carries furthest (``ReferralGraph``), with an honest
estimate of the reach. Planning changes nothing; recording the sends is a
separate, explicit step.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import attrs
import numpy as np

from ._checks import check_int, check_probability
from ._display import short
from ._erased import ErasedIds, Removed, plain_state_ids
from ._frames import frame, html_table, labelled, names_for, with_label
from ._ids import as_id_list, check_id
from ._persist import pickle_reduce, state_from_bytes, state_to_bytes
from ._progress import Progress, ShowProgress, check_show_progress
from ._time import (
    Clock,
    ensure_aware,
    ensure_timedelta,
    from_micros,
    resolve_at,
    to_micros,
    utc_now,
)
from .errors import InvalidInputError
from .groups import FanGroup
from .measurement import (
    CampaignResult,
    ControlGroup,
    check_holdout,
    measure_campaign,
    split_control,
)
from .optin import ConsentChecks, OptInRegistry, Reason
from .recommend import Recommender
from .referrals import DEFAULT_PROBABILITY, Communities, ReferralGraph

if TYPE_CHECKING:
    import pandas

__all__ = [
    "CampaignPlan",
    "NoOffer",
    "PresenceLog",
    "PresenceOffer",
    "offer_on_presence",
    "offers_on_presence",
    "plan_campaign",
]


@attrs.frozen
class CampaignPlan:
    """Who to contact about a product, who to seed word of mouth with, and what to expect.

    Attributes
    ----------
    item : hashable
        The product.
    purpose, channel : str
        The consent the plan was checked against.
    at : datetime
        The moment the consent was checked at.
    targets : tuple of (hashable, float)
        The members to contact, best first, with their recommender score; every one
        allowed by the registry at ``at``.
    seeds : tuple of hashable
        The targets chosen to seed word of mouth (ambassador offers, early access).
    seed_method : str
        ``"cascade"`` (reverse-reachable sets on the graph) or ``"score"`` (no graph).
    expected_reach : float or None
        Mean number of people reached by word of mouth from the seeds (seeds
        included) over ``runs`` simulated cascades; None without a graph.
    reach_std : float or None
        Its standard deviation over the runs.
    reach_model : str or None
        The cascade model assumed (``"independent_cascade"``).
    probability : float
        The per-link probability assumed by the cascade.
    runs : int
        Simulated cascades behind ``expected_reach``.
    excluded : mapping of str to int
        Members left out, by reason: consent reasons (``no_consent``, ``pending``,
        ``withdrawn``, ``expired``, ``suppressed``, ``paused``, ``quiet_hours``,
        ``frequency_cap``), ``already_owns``, ``no_history`` (unknown to the
        recommender), ``over_budget``, ``control_group`` (in the global control
        group) and ``holdout`` (held out by this campaign's keyed hash).
    considered : int
        Members considered (the group's members, or every user the recommender knows).
    parameters : mapping
        The parameters the plan was made with.
    control : tuple of hashable
        The held-out members (``holdout`` and ``control_group``), in rank order:
        allowed and eligible like the targets, never contacted, never in ``targets``.
    labels : mapping of id to name, optional
        Names shown beside the item and the members in the repr, the HTML and
        :meth:`to_frame`; set with :meth:`with_labels`. Not part of equality.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing import OptInRegistry, Recommender, plan_campaign
    >>> model = Recommender.from_factors(["ann", "bob", "cid"], ["tea", "jam"],
    ...                                  [[1.0], [3.0], [2.0]], [[1.0], [0.5]])
    >>> registry = OptInRegistry()
    >>> at = datetime(2026, 5, 1, tzinfo=UTC)
    >>> _ = registry.grant_many(["ann", "bob"], "launches", "email", basis="express",
    ...                         source="form", at=at)
    >>> plan = plan_campaign("tea", recommender=model, registry=registry,
    ...                      purpose="launches", channel="email", at=at)
    >>> plan.targets, plan.excluded["no_consent"]
    ((('bob', 3.0), ('ann', 1.0)), 1)
    """

    item: Hashable
    purpose: str
    channel: str
    at: datetime
    targets: tuple[tuple[Hashable, float], ...]
    seeds: tuple[Hashable, ...]
    seed_method: str
    expected_reach: float | None
    reach_std: float | None
    reach_model: str | None
    probability: float
    runs: int
    excluded: Mapping[str, int]
    considered: int
    parameters: Mapping[str, object]
    control: tuple[Hashable, ...] = ()
    labels: Mapping[Hashable, object] | None = attrs.field(
        default=None, kw_only=True, eq=False, repr=False
    )

    @property
    def target_ids(self) -> list[Hashable]:
        """The members to contact, best first."""
        return [member for member, _ in self.targets]

    def __repr__(self) -> str:
        reach = (
            "no graph"
            if self.expected_reach is None
            else f"expected_reach={self.expected_reach:.1f}±{self.reach_std or 0:.1f}"
        )
        labels = self.labels
        item = (
            repr(self.item) if labels is None else with_label(self.item, names_for(labels, "item"))
        )
        return (
            f"CampaignPlan(item={item}, targets={len(self.targets)}, "
            f"seeds={len(self.seeds)}, control={len(self.control)}, {reach}, "
            f"excluded={sum(self.excluded.values())})"
        )

    def measure(
        self,
        conversions: Any,
        *,
        graph: ReferralGraph | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        confidence: float = 0.95,
    ) -> CampaignResult:
        """``measure_campaign(self, ...)``: the uplift of this plan's targets over its control.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import CampaignPlan
        >>> at = datetime(2026, 5, 1, tzinfo=UTC)
        >>> plan = CampaignPlan("tea", "launches", "email", at, (("ann", 1.0), ("bob", 0.5)), (),
        ...     "score", None, None, None, 0.05, 1, {}, 3, {}, control=("cid",))
        >>> plan.measure((["ann"], [at])).uplift
        0.5
        """
        return measure_campaign(
            self, conversions, graph=graph, start=start, end=end, confidence=confidence
        )

    def record_sends(self, registry: OptInRegistry, *, at: datetime | None = None) -> int:
        """Record one send per target in ``registry`` (frequency caps then hold next time).

        Call it once the messages actually went out; planning alone records nothing.
        The control is never sent to.

        Returns
        -------
        int
            The number of sends recorded.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry, Recommender, plan_campaign
        >>> model = Recommender.from_factors(["ann"], ["tea"], [[1.0]], [[1.0]])
        >>> registry = OptInRegistry(default_max_per_period=(1, timedelta(days=7)))
        >>> at = datetime(2026, 5, 1, tzinfo=UTC)
        >>> _ = registry.grant("ann", "launches", "email", source="form", at=at)
        >>> plan = plan_campaign("tea", recommender=model, registry=registry,
        ...                      purpose="launches", channel="email", at=at)
        >>> plan.record_sends(registry, at=at)
        1
        >>> plan_campaign("tea", recommender=model, registry=registry, purpose="launches",
        ...               channel="email", at=at).excluded["frequency_cap"]
        1
        """
        moment = self.at if at is None else at
        # With on_error="raise" (the default) the answer is the count, never a report.
        return cast(
            int, registry.record_sent_many(self.target_ids, self.purpose, self.channel, at=moment)
        )

    def with_labels(self, labels: Mapping[Hashable, object] | None) -> CampaignPlan:
        """This plan showing names from ``labels`` (id to name) in its repr, HTML and frame.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> at = datetime(2026, 5, 1, tzinfo=UTC)
        >>> plan = CampaignPlan(67, "launches", "email", at, (("ann", 1.0),), (),
        ...     "score", None, None, None, 0.05, 1, {}, 3, {})
        >>> plan.with_labels({67: "Radiohead"})
        CampaignPlan(item=67 (Radiohead), targets=1, seeds=0, control=0, no graph, excluded=0)

        When members and items share ids, label each column apart:

        >>> plan.with_labels({"item": {67: "Radiohead"}, "member": {67: "Ann"}}).item
        67
        """
        labelled({}, labels)  # checked now, not when first shown
        return attrs.evolve(self, labels=labels)

    def to_columns(self) -> dict[str, np.ndarray[Any, Any]]:
        """The targets, best first: ``member``, ``score``, ``seed`` (bool).

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> at = datetime(2026, 5, 1, tzinfo=UTC)
        >>> plan = CampaignPlan("tea", "launches", "email", at, (("ann", 1.0),), ("ann",),
        ...     "score", None, None, None, 0.05, 1, {}, 3, {})
        >>> plan.to_columns()["seed"]
        array([ True])
        """
        seeds = set(self.seeds)
        n = len(self.targets)
        return {
            "member": np.fromiter(self.target_ids, object, n),
            "score": np.fromiter((score for _, score in self.targets), np.float64, n),
            "seed": np.fromiter((m in seeds for m in self.target_ids), np.bool_, n),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> pandas.DataFrame:
        """``to_columns`` as a pandas DataFrame (needs pandas), with ``member_name`` from labels.

        ``labels`` defaults to the plan's own (see :meth:`with_labels`).
        """
        return frame(labelled(self.to_columns(), self.labels if labels is None else labels))

    def _repr_html_(self) -> str:
        summary = html_table(
            "Campaign plan for " + with_label(self.item, names_for(self.labels, "item")),
            ["targets", "seeds", "expected reach", "model", "p", "excluded"],
            [
                [
                    len(self.targets),
                    len(self.seeds),
                    "—"
                    if self.expected_reach is None
                    else f"{self.expected_reach:.1f} ± {self.reach_std or 0:.1f}",
                    self.reach_model or "—",
                    self.probability,
                    ", ".join(f"{k}: {v}" for k, v in self.excluded.items() if v),
                ]
            ],
        )
        seeds = set(self.seeds)
        members = names_for(self.labels, "member")
        top = html_table(
            "Top targets",
            ["member", "score", "seed"],
            [
                [with_label(m, members), f"{s:.3f}", "★" if m in seeds else ""]
                for m, s in self.targets[:10]
            ],
        )
        return summary + top


def plan_campaign(
    item: Hashable,
    *,
    recommender: Recommender,
    registry: OptInRegistry,
    purpose: str,
    channel: str,
    graph: ReferralGraph | None = None,
    group: FanGroup | None = None,
    budget: int = 1000,
    seeds: int = 10,
    probability: float = DEFAULT_PROBABILITY,
    runs: int = 200,
    at: datetime | None = None,
    clock: Clock | None = None,
    random_state: int | np.random.Generator | None = None,
    show_progress: ShowProgress = False,
    holdout: float = 0.0,
    holdout_key: str | bytes | None = None,
    control_group: ControlGroup | None = None,
    communities: Communities | None = None,
    community: int | None = None,
) -> CampaignPlan:
    """Plan a campaign for ``item``: allowed targets, word-of-mouth seeds, expected reach.

    Parameters
    ----------
    item : hashable
        The product to promote.
    recommender : Recommender
        Scores members for the product (``audience_for``) and knows who already has it.
    registry : OptInRegistry
        Consent is checked here first: nobody it forbids at ``at`` is ever a target.
    purpose, channel : str
        The consent the campaign needs ("launches", "email").
    graph : ReferralGraph, optional
        Friendships: seeds are chosen among the targets for their cascade spread,
        and the reach of their word of mouth is simulated.
    group : FanGroup, optional
        Only its members are considered.
    budget : int, default 1000
        At most this many targets.
    seeds : int, default 10
        How many seeds to choose among the targets.
    probability : float, default ``DEFAULT_PROBABILITY`` (0.05)
        Per-link probability of the independent-cascade model behind seeds and reach: the
        same default as ``ReferralGraph.simulate_cascade`` and ``influencers``.
    runs : int, default 200
        Simulated cascades for ``expected_reach``.
    at : datetime, optional
        When the messages would go out; now by default.
    clock : callable, optional
        Where "now" comes from when ``at`` is None; the registry's clock by default,
        so that a plan and the consent it rests on share one "now".
    random_state : int or numpy.random.Generator, optional
        Seeds the seed selection and the cascades.
    show_progress : bool or callable, default False
        ``True`` draws a progress bar over the four stages (consent, scores, seeds,
        reach); a callable is called as ``callback(done, total)`` after each. Raising
        from it stops the planning, which has changed nothing.
    holdout : float, default 0.0
        Share of the ranked, allowed targets held out as this campaign's control,
        in [0, 1). The budget ranks first and the split follows, so the control is
        drawn from the same top-``budget`` list as the targets and is alike: about
        ``budget * (1 - holdout)`` targets remain. A member is held out when the
        keyed hash of its id falls below ``holdout`` (see
        ``community_marketing.measurement``): the same member, the same key, the same
        side, on any run or machine.
    holdout_key : str or bytes, optional
        The key of that hash; required when ``holdout`` > 0. Use one key per
        campaign for independent splits, or one key across campaigns to keep the
        same people out.
    control_group : ControlGroup, optional
        A global control group: its members among the ranked targets are held out
        (reason ``control_group``) whatever ``holdout`` is.
    communities : Communities, optional
        A partition of the friend graph (:meth:`ReferralGraph.communities`); required
        with ``community``.
    community : int, optional
        Plan inside this community only (its label in ``communities``): a niche campaign,
        see :func:`community_marketing.niche_audiences`. With ``group`` too, only the
        group's members in it count.

    Returns
    -------
    CampaignPlan
        Nothing is recorded anywhere: see ``CampaignPlan.record_sends``; the held
        out members are in ``plan.control``, for ``CampaignPlan.measure``.

    See Also
    --------
    Recommender.audience_for, OptInRegistry.check_many, ReferralGraph.influencers
    measure_campaign, ControlGroup

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing import OptInRegistry, Recommender, ReferralGraph
    >>> fans = ["ann", "bob", "cid", "dan", "eve"]
    >>> model = Recommender.from_factors(fans, ["tea"], [[5.0], [4.0], [3.0], [2.0], [1.0]],
    ...                                  [[1.0]])
    >>> graph = ReferralGraph()
    >>> _ = graph.add_friendships([("cid", "ann"), ("cid", "bob"), ("cid", "dan"), ("dan", "eve")])
    >>> registry = OptInRegistry()
    >>> at = datetime(2026, 5, 1, tzinfo=UTC)
    >>> _ = registry.grant_many(["ann", "bob", "cid", "dan"], "launches", "email",
    ...                         basis="express", source="form", at=at)
    >>> _ = registry.withdraw("dan", source="link", at=at)
    >>> plan = plan_campaign("tea", recommender=model, registry=registry, purpose="launches",
    ...                      channel="email", graph=graph, seeds=1, probability=0.5, at=at,
    ...                      random_state=0)
    >>> plan.target_ids, plan.seeds, plan.excluded["withdrawn"]
    (['ann', 'bob', 'cid'], ('cid',), 1)
    >>> plan.reach_model, round(plan.expected_reach, 1)
    ('independent_cascade', 2.6)
    """
    _check_instance(registry, OptInRegistry, "registry")
    _check_instance(graph, ReferralGraph, "graph", optional=True)
    population = _population(recommender, group, communities, community)
    moment = _moment(at, clock, registry)
    budget = check_int(budget, "budget", low=1)
    n_seeds = check_int(seeds, "seeds", low=0)
    runs = check_int(runs, "runs", low=1)
    p = check_probability(probability)
    show_progress = check_show_progress(show_progress)
    share, key = check_holdout(holdout, holdout_key, control_group)
    with Progress(show_progress, 4, "consent") as progress:
        checks = registry.check_many(population, purpose, channel, at=moment)
        progress.advance()
        progress.describe("scores")
        ranked, excluded = _scored_targets(item, recommender, checks, budget)
        targets, control, held = split_control(ranked, share, key, control_group)
        excluded.update(held)
        progress.advance()
        progress.describe("seeds")
        seed_ids, method = _choose_seeds(targets, graph, n_seeds, p, random_state)
        progress.advance()
        progress.describe("reach")
        expected, std, model = _reach(graph, seed_ids, p, runs, random_state)
        progress.advance()
    parameters = {
        "budget": budget, "seeds": n_seeds, "probability": p, "runs": runs,
        "group": None if group is None else group.name, "graph": graph is not None,
        "holdout": share, "control_group": None if control_group is None else control_group.share,
        "community": community,
    }  # fmt: skip
    return CampaignPlan(
        item=item, purpose=purpose, channel=channel, at=moment,
        targets=tuple((member, float(score)) for member, score in targets), seeds=seed_ids,
        seed_method=method, expected_reach=expected, reach_std=std, reach_model=model,
        probability=p, runs=runs, excluded=excluded, considered=len(population),
        parameters=parameters, control=control,
    )  # fmt: skip


def _population(
    recommender: Recommender,
    group: FanGroup | None,
    communities: Communities | None,
    community: int | None,
) -> list[Hashable]:
    """Who the plan considers: the group's members (or the recommender's users), narrowed to
    one community when asked."""
    _check_instance(recommender, Recommender, "recommender")
    _check_instance(group, FanGroup, "group", optional=True)
    _check_instance(communities, Communities, "communities", optional=True)
    population = group.members() if group is not None else list(recommender.user_ids_)
    if community is None:
        return population
    if communities is None:
        raise InvalidInputError("communities: required with community (the partition it names)")
    label = check_int(community, "community", low=0, high=max(communities.count - 1, 0))
    inside = set(communities.members_of(label))
    return [member for member in population if member in inside]


def _reach(
    graph: ReferralGraph | None,
    seed_ids: tuple[Hashable, ...],
    probability: float,
    runs: int,
    random_state: int | np.random.Generator | None,
) -> tuple[float | None, float | None, str | None]:
    """Mean and spread of the word-of-mouth reach from ``seed_ids``, and the model assumed."""
    if graph is None or not seed_ids:
        return None, None, None
    cascade = graph.simulate_cascade(
        list(seed_ids), probability=probability, runs=runs, random_state=random_state
    )
    return float(cascade.mean), float(cascade.std), str(cascade.model)


def _scored_targets(
    item: Hashable, recommender: Recommender, checks: ConsentChecks, budget: int
) -> tuple[list[tuple[Hashable, float]], dict[str, int]]:
    """The best ``budget`` allowed non-holders, and how many were left out for each reason."""
    excluded: dict[str, int] = {
        reason.name.lower(): count
        for reason, count in checks.counts().items()
        if reason is not Reason.ALLOWED
    }
    allowed = checks.allowed_contacts()
    targets, owners, unknown = recommender._audience_among(item, budget, allowed)
    excluded["already_owns"] = owners
    excluded["no_history"] = unknown
    excluded["over_budget"] = len(allowed) - owners - unknown - len(targets)
    return targets, excluded


def _choose_seeds(
    targets: Sequence[tuple[Hashable, float]],
    graph: ReferralGraph | None,
    k: int,
    probability: float,
    random_state: int | np.random.Generator | None,
) -> tuple[tuple[Hashable, ...], str]:
    if k == 0 or not targets:
        return (), "score" if graph is None else "cascade"
    if graph is None:
        return tuple(member for member, _ in targets[:k]), "score"
    candidates = [member for member, _ in targets if member in graph]
    if not candidates:
        return (), "cascade"
    chosen = graph.influencers(
        min(k, len(candidates)),
        method="cascade",
        probability=probability,
        candidates=candidates,
        random_state=random_state,
    )
    return tuple(chosen.ids), "cascade"


NO_OFFER_REASONS = (
    "no_consent",
    "pending",
    "withdrawn",
    "expired",
    "suppressed",
    "paused",
    "quiet_hours",
    "frequency_cap",
    "outside_send_window",
    "cooldown",
    "unknown_customer",
    "nothing_relevant",
)


@attrs.frozen
class PresenceOffer:
    """A timely offer to a customer who just showed up, that the registry allows.

    Attributes
    ----------
    customer : hashable
        Who is here.
    at : datetime
        When they showed up.
    items : tuple of (hashable, float)
        What to offer, best first: related to what they have, never something they have.
    purpose, channel : str
        The consent the offer was checked against.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing import PresenceOffer
    >>> offer = PresenceOffer("ann", datetime(2026, 5, 1, tzinfo=UTC), (("jam", 0.9),),
    ...                       "offers", "push")
    >>> offer.item_ids
    ['jam']
    """

    customer: Hashable
    at: datetime
    items: tuple[tuple[Hashable, float], ...] = attrs.field(repr=short)
    purpose: str
    channel: str

    @property
    def item_ids(self) -> list[Hashable]:
        """The offered items, best first."""
        return [item for item, _ in self.items]

    def delivered(self, registry: OptInRegistry, *, at: datetime | None = None) -> object:
        """Record the send in ``registry`` once the offer really reached the customer.

        Frequency caps count it from then on. Returns the recorded event.
        """
        return registry.record_sent(
            self.customer, self.purpose, self.channel, at=self.at if at is None else at
        )


@attrs.frozen
class NoOffer:
    """No offer for this presence, and why.

    ``reason`` is one of ``NO_OFFER_REASONS``: a consent reason (``no_consent``,
    ``pending``, ``withdrawn``, ``expired``, ``suppressed``, ``paused``,
    ``quiet_hours``, ``frequency_cap``, ``outside_send_window``), ``cooldown`` (an
    offer went out less than the cooldown ago), ``unknown_customer`` (no history
    anywhere) or ``nothing_relevant``.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing import NoOffer
    >>> bool(NoOffer("ann", datetime(2026, 5, 1, tzinfo=UTC), "cooldown"))
    False
    """

    customer: Hashable
    at: datetime
    reason: str

    def __bool__(self) -> bool:
        return False


@attrs.define
class PresenceLog:
    """The offers made so far, which the application keeps between calls (no I/O here).

    Examples
    --------
    >>> from community_marketing import PresenceLog
    >>> log = PresenceLog()
    >>> PresenceLog.from_state(log.to_state()) == log
    True
    """

    _last: dict[Hashable, int] = attrs.field(factory=dict, alias="last")
    _offers: list[tuple[Hashable, int, tuple[Hashable, ...]]] = attrs.field(
        factory=list, alias="offers"
    )
    _erased: ErasedIds = attrs.field(factory=ErasedIds, init=False, eq=False)

    def __len__(self) -> int:
        return len(self._offers)

    def __repr__(self) -> str:
        return f"PresenceLog(offers={len(self._offers)}, customers={len(self._last)})"

    def last_offer_at(self, customer: Hashable) -> datetime | None:
        """When ``customer`` last got an offer, if ever."""
        last = self._last.get(customer)
        return None if last is None else from_micros(last)

    def offers(self) -> list[tuple[Hashable, datetime, tuple[Hashable, ...]]]:
        """Every offer made: (customer, at, items), in time order."""
        return [(c, from_micros(t), items) for c, t, items in self._offers]

    def _latest(self) -> int | None:
        return self._offers[-1][1] if self._offers else None

    def erase(self, customer: Hashable, *, at: datetime | None = None) -> Removed:
        """Erase the offers made to ``customer`` (GDPR Art. 17); later offers are refused.

        Examples
        --------
        >>> from community_marketing import PresenceLog
        >>> PresenceLog().erase("ann").to_dict()
        {'primitive': 'presence_log', 'removed': {'offers': 0}}
        """
        check_id(customer, "customer")
        kept = [o for o in self._offers if not plain_state_ids(o[0], customer)]
        removed = Removed("presence_log", (("offers", len(self._offers) - len(kept)),))
        self._offers = kept
        self._last.pop(customer, None)
        self._erased.note(customer, to_micros(resolve_at(at, utc_now)))
        return removed

    def _record(self, customer: Hashable, at: int, items: tuple[Hashable, ...]) -> None:
        self._erased.refuse([customer], "customer")
        self._last[customer] = at
        self._offers.append((customer, at, items))

    def to_state(self) -> dict[str, Any]:
        """Plain data with a ``"schema"`` key."""
        return {
            "schema": 1,
            "offers": [[c, t, list(items)] for c, t, items in self._offers],
            "erasure": self._erased.to_state(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> PresenceLog:
        """Inverse of ``to_state``; ``InvalidInputError`` names the bad field."""
        if not isinstance(state, Mapping) or state.get("schema") != 1:
            raise InvalidInputError("state.schema: expected 1")
        offers = state.get("offers")
        if not isinstance(offers, list):
            raise InvalidInputError("state.offers: expected a list")
        log = cls()
        log._erased = ErasedIds.from_state(state.get("erasure"))
        previous = None
        for i, entry in enumerate(offers):
            if (
                not isinstance(entry, list)
                or len(entry) != 3
                or not isinstance(entry[1], int)
                or isinstance(entry[1], bool)
                or not isinstance(entry[2], list)
            ):
                raise InvalidInputError(f"state.offers[{i}]: expected [customer, micros, items]")
            try:
                hash(entry[0])
                items = tuple(entry[2])
                hash(items)
            except TypeError:
                raise InvalidInputError(f"state.offers[{i}]: ids must be hashable") from None
            if previous is not None and entry[1] < previous:
                raise InvalidInputError(f"state.offers[{i}]: offers must be in time order")
            previous = entry[1]
            log._record(entry[0], entry[1], items)
        return log

    def to_bytes(self) -> bytes:
        """The log as one compact blob, built from :meth:`to_state` (JSON inside; no files).

        Examples
        --------
        >>> from community_marketing import PresenceLog
        >>> log = PresenceLog()
        >>> PresenceLog.from_bytes(log.to_bytes()) == log
        True
        """
        return state_to_bytes(self.to_state())

    @classmethod
    def from_bytes(cls, data: bytes) -> PresenceLog:
        """Rebuild a log from :meth:`to_bytes`; ``InvalidInputError`` for anything else.

        Examples
        --------
        >>> from community_marketing import PresenceLog
        >>> PresenceLog.from_bytes(b"nope")
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: data: expected the bytes of to_bytes()
        """
        return cls.from_state(state_from_bytes(data))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as ``from_state(to_state())``."""
        return pickle_reduce(type(self).from_state, self.to_state())

    def __copy__(self) -> PresenceLog:
        """An independent log with the same offers."""
        return self.from_state(copy.deepcopy(self.to_state()))

    def __deepcopy__(self, memo: dict[int, Any]) -> PresenceLog:
        """As ``copy.copy``."""
        return self.from_state(copy.deepcopy(self.to_state(), memo))


def offer_on_presence(
    customer: Hashable,
    *,
    recommender: Recommender,
    registry: OptInRegistry,
    purpose: str,
    channel: str,
    log: PresenceLog,
    at: datetime | None = None,
    last_items: Sequence[Hashable] | None = None,
    n: int = 3,
    cooldown: timedelta = timedelta(hours=24),
    blend: float = 0.5,
    clock: Clock | None = None,
) -> PresenceOffer | NoOffer:
    """React to a known customer showing up (app opened, shop entered, page visited).

    Returns an offer only if the registry allows contact now, no offer went out
    within ``cooldown``, and something relevant remains: items related to what
    the customer bought (``last_items``, or their history in the recommender),
    blended with their own recommendations, never items they already have. An
    offer made is remembered in ``log``; a send is recorded in the registry only
    through ``PresenceOffer.delivered``.

    Parameters
    ----------
    customer : hashable
        Who showed up.
    recommender : Recommender
        Scores related items (``recommend_related``).
    registry : OptInRegistry
        Consent, quiet hours and frequency caps, checked first.
    purpose, channel : str
        The consent an offer needs.
    log : PresenceLog
        The offers made so far (updated in place when an offer is made).
    at : datetime, optional
        When the customer showed up; now by default.
    last_items : sequence, optional
        What they just bought, instead of their whole history.
    n : int, default 3
        Items per offer.
    cooldown : timedelta, default 24 hours
        No second offer to the same customer within this time.
    blend : float, default 0.5
        Weight of "similar to what you bought" against the customer's own
        recommendations (0: recommendations only, 1: similarity only).
    clock : callable, optional
        Where "now" comes from when ``at`` is None; the registry's clock by default,
        so that a plan and the consent it rests on share one "now".

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> from community_marketing import OptInRegistry, PresenceLog, Recommender
    >>> from community_marketing import offer_on_presence
    >>> model = Recommender.from_factors(
    ...     ["ann"], ["tea", "jam", "mug"], [[1.0, 0.0]], [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    >>> registry, log = OptInRegistry(), PresenceLog()
    >>> t0 = datetime(2026, 5, 1, 10, tzinfo=UTC)
    >>> _ = registry.grant("ann", "offers", "push", source="app", at=t0)
    >>> offer = offer_on_presence("ann", recommender=model, registry=registry, log=log,
    ...                           purpose="offers", channel="push", at=t0, last_items=["tea"],
    ...                           n=1)
    >>> offer.item_ids
    ['jam']
    >>> offer_on_presence("ann", recommender=model, registry=registry, log=log,
    ...                   purpose="offers", channel="push", at=t0 + timedelta(minutes=1)).reason
    'cooldown'
    """
    _check_instance(registry, OptInRegistry, "registry")
    check_id(customer, "customer")
    moment = _moment(at, clock, registry)
    return offers_on_presence(
        [(customer, moment)],
        recommender=recommender,
        registry=registry,
        purpose=purpose,
        channel=channel,
        log=log,
        last_items=None if last_items is None else {customer: last_items},
        n=n,
        cooldown=cooldown,
        blend=blend,
    )[0]


def offers_on_presence(
    events: Iterable[tuple[Hashable, datetime]],
    *,
    recommender: Recommender,
    registry: OptInRegistry,
    purpose: str,
    channel: str,
    log: PresenceLog,
    last_items: Mapping[Hashable, Sequence[Hashable]] | None = None,
    n: int = 3,
    cooldown: timedelta = timedelta(hours=24),
    blend: float = 0.5,
) -> list[PresenceOffer | NoOffer]:
    """Answer a batch of presence events ``(customer, at)`` in time order, vectorized.

    Consent for every event is one ``check_many`` call (one moment per event),
    relevance one batched recommender call per distinct customer; only the
    cooldown is a pass in time order. The answers are exactly those of calling
    ``offer_on_presence`` event by event.

    Raises
    ------
    InvalidInputError
        An event is not a ``(customer, aware datetime)`` pair, events go back in
        time, or precede the last offer in ``log``.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> from community_marketing import OptInRegistry, PresenceLog, Recommender
    >>> from community_marketing import offers_on_presence
    >>> model = Recommender.from_factors(["ann", "bob"], ["tea", "jam"],
    ...                                  [[1.0], [1.0]], [[1.0], [0.5]])
    >>> registry, log = OptInRegistry(), PresenceLog()
    >>> t0 = datetime(2026, 5, 1, 10, tzinfo=UTC)
    >>> _ = registry.grant("ann", "offers", "push", source="app", at=t0)
    >>> answers = offers_on_presence([("ann", t0), ("bob", t0), ("ann", t0 + timedelta(hours=1))],
    ...                              recommender=model, registry=registry, log=log,
    ...                              purpose="offers", channel="push", n=1)
    >>> [getattr(a, "reason", "offer") for a in answers]
    ['offer', 'no_consent', 'cooldown']
    """
    _check_instance(recommender, Recommender, "recommender")
    _check_instance(registry, OptInRegistry, "registry")
    pairs = _check_events(events, log)
    n = check_int(n, "n", low=1)
    window = ensure_timedelta(cooldown, "cooldown", positive=False) // timedelta(microseconds=1)
    if window < 0:
        raise InvalidInputError(f"cooldown: expected a duration >= 0, got {cooldown}")
    if not isinstance(blend, (int, float)) or isinstance(blend, bool) or not 0 <= blend <= 1:
        raise InvalidInputError(f"blend: expected a number in [0, 1], got {blend!r}")
    if last_items is not None:
        last_items = _check_last_items(last_items)
    if not pairs:
        return []
    customers = [customer for customer, _ in pairs]
    moments = np.array([to_micros(at) for _, at in pairs], dtype=np.int64)
    checks = registry.check_many(customers, purpose, channel, at=moments.astype("datetime64[us]"))
    allowed = checks.allowed
    wanted = list(dict.fromkeys(c for c, ok in zip(customers, allowed.tolist(), strict=True) if ok))
    histories = None
    if last_items is not None:
        histories = [last_items.get(c) for c in wanted]
    related = recommender.recommend_related(wanted, histories=histories, n=n, blend=blend)
    by_customer = dict(zip(wanted, related, strict=True))
    out: list[PresenceOffer | NoOffer] = []
    for position, (customer, moment) in enumerate(pairs):
        micros = int(moments[position])
        if not allowed[position]:
            out.append(NoOffer(customer, moment, checks[position].name.lower()))
            continue
        last = log._last.get(customer)
        if last is not None and micros - last < window:
            out.append(NoOffer(customer, moment, "cooldown"))
            continue
        items = by_customer[customer]
        if items is None:
            out.append(NoOffer(customer, moment, "unknown_customer"))
            continue
        if not items:
            out.append(NoOffer(customer, moment, "nothing_relevant"))
            continue
        offer = PresenceOffer(customer, moment, tuple(items), purpose, channel)
        log._record(customer, micros, tuple(offer.item_ids))
        out.append(offer)
    return out


def _check_instance(value: object, kind: type, field: str, *, optional: bool = False) -> None:
    """``InvalidInputError`` naming ``field`` unless ``value`` is a ``kind`` (or None)."""
    if isinstance(value, kind) or (optional and value is None):
        return
    expected = f"a {kind.__name__} or None" if optional else f"a {kind.__name__}"
    raise InvalidInputError(f"{field}: expected {expected}, got {type(value).__name__}")


def _moment(at: object, clock: object, registry: OptInRegistry) -> datetime:
    """``at`` checked, or the time of ``clock`` (the registry's by default)."""
    if at is not None:
        return ensure_aware(at, "at")
    if clock is not None and not callable(clock):
        raise InvalidInputError(f"clock: expected a callable, got {type(clock).__name__}")
    return ensure_aware((clock or registry.clock)(), "clock()")


def _check_last_items(
    last_items: object,
) -> dict[Hashable, list[Hashable]]:
    """Each customer's items as a list of ids (one str is refused, not split into letters)."""
    if not isinstance(last_items, Mapping):
        raise InvalidInputError(
            f"last_items: expected a mapping customer -> items, got {type(last_items).__name__}"
        )
    return {
        customer: as_id_list(items, f"last_items[{customer!r}]")
        for customer, items in last_items.items()
    }


def _check_events(
    events: Iterable[tuple[Hashable, datetime]], log: PresenceLog
) -> list[tuple[Hashable, datetime]]:
    if not isinstance(log, PresenceLog):
        raise InvalidInputError(f"log: expected a PresenceLog, got {type(log).__name__}")
    if isinstance(events, (str, bytes)) or not isinstance(events, Iterable):
        raise InvalidInputError(
            f"events: expected a sequence of (customer, at) pairs, got {type(events).__name__}"
        )
    pairs = []
    previous = log._latest()
    for i, event in enumerate(events):
        if not isinstance(event, tuple) or len(event) != 2:
            raise InvalidInputError(f"events[{i}]: expected a (customer, at) pair")
        customer, at = event
        try:
            hash(customer)
        except TypeError:
            raise InvalidInputError(f"events[{i}]: the customer must be hashable") from None
        micros = to_micros(ensure_aware(at, f"events[{i}].at"))
        if previous is not None and micros < previous:
            raise InvalidInputError(
                f"events[{i}].at: {at.isoformat()} is earlier than the event or offer before it; "
                "presence events must come in time order"
            )
        previous = micros
        pairs.append((customer, at))
    return pairs
