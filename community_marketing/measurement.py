"""Did it work? Control groups, conversions and uplift.

A campaign is measured against a holdout: a share of the allowed, eligible
audience that is not contacted. Who is held out is decided by a keyed hash of
the contact, so the same person lands in the same group for the same key on
any run and any machine, and a global ``ControlGroup`` keeps a stable share of
everyone out of every campaign that uses it. ``measure_campaign`` compares the
conversion rates of the treated and the control with the usual intervals and
test, and, given the friendship graph, the spillover to friends who were never
contacted. ``holdout_size`` says how large a control must be to see an uplift.

The keyed hash: ``HMAC-SHA256(key, tag || 0x00 || utf8(canonical_id(contact)))``,
whose first 53 bits, divided by 2**53, place the contact in ``[0, 1)``; it is held
out when that number is below the share. ``tag`` is ``b"holdout"`` for a
campaign's holdout and ``b"control_group"`` for a global control group, so the
two splits are independent even under one key. ``canonical_id`` (in
``community_marketing._ids``) gives ids that Python treats as equal one key.

The statistics, with their sources, are in ``community_marketing._uplift``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import numpy as np

from ._checks import check_float, check_probability
from ._conversions import read_conversions
from ._frames import frame, html_table
from ._ids import as_id_list, canonical_id
from ._time import ensure_aware, to_micros
from ._types import BoolArray, Float64Array, Int64Array, ObjectArray
from ._uplift import (
    cohen_h,
    katz_ratio_interval,
    newcombe_interval,
    normal_quantile,
    pooled_z_test,
    required_size,
    welch_interval,
    wilson_interval,
)
from .errors import InvalidInputError

if TYPE_CHECKING:
    import pandas
    import scipy.sparse as sp

__all__ = [
    "CampaignResult",
    "ControlGroup",
    "GroupCounts",
    "holdout_size",
    "measure_campaign",
]

_HOLDOUT_TAG = b"holdout"
_CONTROL_GROUP_TAG = b"control_group"
_UNIT = float(2**53)


def check_key(value: object, field: str) -> bytes:
    """A non-empty str (taken as UTF-8) or bytes key, as bytes."""
    if isinstance(value, str) and value:
        return value.encode("utf-8")
    if isinstance(value, bytes) and value:
        return value
    raise InvalidInputError(f"{field}: expected a non-empty str or bytes key, got {value!r}")


def _units(ids: Iterable[Hashable], key: bytes, tag: bytes) -> Float64Array:
    """Each id's keyed position in [0, 1)."""
    prefix = tag + b"\x00"
    return np.fromiter(
        (
            (
                int.from_bytes(
                    hmac.digest(key, prefix + canonical_id(i).encode("utf-8"), hashlib.sha256)[:8]
                )
                >> 11
            )
            / _UNIT
            for i in ids
        ),
        dtype=np.float64,
    )


def _check_share(value: object, field: str) -> float:
    share = check_float(value, field, low=0.0)
    if share >= 1.0:
        raise InvalidInputError(f"{field}: expected a share in [0, 1), got {share!r}")
    return share


def _validate_key(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_key(value, attribute.name)


def _to_share(value: object) -> float:
    """A number as a float; anything else refused before ``float()`` could parse a str."""
    return check_float(value, "share")


def _validate_share(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if _check_share(value, attribute.name) == 0.0:
        raise InvalidInputError(f"{attribute.name}: expected a share in (0, 1), got 0.0")


@attrs.frozen
class ControlGroup:
    """A global control group: a stable share of all contacts kept out of every campaign.

    A contact belongs when the keyed hash of its id (see the module docstring)
    falls below ``share``: membership depends on the key and the id alone, so it
    stays the same across campaigns, runs and machines, and a contact seen for
    the first time next year is already in or out. Keep the key secret and
    stable; store it with ``to_state``.

    Parameters
    ----------
    key : str or bytes
        The secret the split is keyed by; not empty. Not shown in the repr.
    share : float
        The share of contacts in the group, in (0, 1).

    Examples
    --------
    >>> from community_marketing import ControlGroup
    >>> group = ControlGroup("brand-2026", 0.1)
    >>> group
    ControlGroup(share=0.1)
    >>> group.contains("m0042") == ControlGroup("brand-2026", 0.1).contains("m0042")
    True
    >>> round(float(group.contains_many([f"m{i}" for i in range(10_000)]).mean()), 2)
    0.1
    >>> ControlGroup.from_state(group.to_state()) == group
    True
    """

    key: str | bytes = attrs.field(repr=False, validator=_validate_key)
    share: float = attrs.field(converter=_to_share, validator=_validate_share)

    def contains_many(self, ids: Iterable[Hashable] | ObjectArray) -> BoolArray:
        """Whether each of ``ids`` is in the group, as a bool array."""
        units = _units(as_id_list(ids, "ids"), check_key(self.key, "key"), _CONTROL_GROUP_TAG)
        return units < self.share

    def contains(self, id: Hashable) -> bool:
        """Whether ``id`` is in the group."""
        return bool(self.contains_many([id])[0])

    def to_state(self) -> dict[str, Any]:
        """Plain data with a ``"schema"`` key; bytes keys are kept as hex."""
        if isinstance(self.key, bytes):
            return {"schema": 1, "key": self.key.hex(), "key_type": "bytes", "share": self.share}
        return {"schema": 1, "key": self.key, "key_type": "str", "share": self.share}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ControlGroup:
        """Inverse of ``to_state``; ``InvalidInputError`` names the bad field."""
        if not isinstance(state, Mapping) or state.get("schema") != 1:
            raise InvalidInputError("state.schema: expected 1")
        key, kind = state.get("key"), state.get("key_type")
        if kind not in ("str", "bytes"):
            raise InvalidInputError(f"state.key_type: expected 'str' or 'bytes', got {kind!r}")
        if not isinstance(key, str):
            raise InvalidInputError(f"state.key: expected a str, got {type(key).__name__}")
        if kind == "bytes":
            try:
                key = bytes.fromhex(key)
            except ValueError:
                raise InvalidInputError("state.key: expected hex digits for a bytes key") from None
        try:
            return cls(key, state.get("share"))
        except (InvalidInputError, TypeError, ValueError) as error:
            raise InvalidInputError(f"state.{error}") from None


def split_control(
    ranked: Sequence[tuple[Hashable, float]],
    holdout: float,
    holdout_key: bytes | None,
    control_group: ControlGroup | None,
) -> tuple[list[tuple[Hashable, float]], tuple[Hashable, ...], dict[str, int]]:
    """The ranked targets split into those to contact and the control, rank order kept.

    A member of the global ``control_group`` is held out first (reason
    ``control_group``); of the others, those whose campaign hash falls below
    ``holdout`` (reason ``holdout``).
    """
    ids = [member for member, _ in ranked]
    in_group = (
        control_group.contains_many(ids)
        if control_group is not None
        else np.zeros(len(ids), dtype=np.bool_)
    )
    held = ~in_group & (
        _units(ids, holdout_key, _HOLDOUT_TAG) < holdout
        if holdout_key is not None and holdout > 0.0
        else np.zeros(len(ids), dtype=np.bool_)
    )
    out = in_group | held
    kept = [pair for pair, drop in zip(ranked, out.tolist(), strict=True) if not drop]
    control = tuple(member for member, drop in zip(ids, out.tolist(), strict=True) if drop)
    return kept, control, {"holdout": int(held.sum()), "control_group": int(in_group.sum())}


def check_holdout(
    holdout: object, holdout_key: object, control_group: object
) -> tuple[float, bytes | None]:
    """``plan_campaign``'s holdout arguments checked: the share and the key as bytes."""
    share = _check_share(holdout, "holdout")
    key = None if holdout_key is None else check_key(holdout_key, "holdout_key")
    if share > 0.0 and key is None:
        raise InvalidInputError(
            "holdout_key: expected a non-empty str or bytes key when holdout > 0, got None"
        )
    if control_group is not None and not isinstance(control_group, ControlGroup):
        raise InvalidInputError(
            f"control_group: expected a ControlGroup or None, got {type(control_group).__name__}"
        )
    return share, key


class _Plan(Protocol):
    """What measurement reads from a ``CampaignPlan``."""

    item: Hashable
    at: datetime
    seeds: tuple[Hashable, ...]
    control: tuple[Hashable, ...]
    targets: tuple[tuple[Hashable, float], ...]


class _Graph(Protocol):
    """What measurement reads from a ``ReferralGraph``."""

    def adjacency(self) -> tuple[sp.csr_matrix, list[Hashable]]: ...

    def referral_history(self) -> list[Any]: ...


@attrs.frozen
class GroupCounts:
    """Contacts, distinct converters and summed conversion values of one group.

    Examples
    --------
    >>> from community_marketing import GroupCounts
    >>> GroupCounts(contacts=200, conversions=10, revenue=250.0).rate
    0.05
    """

    contacts: int
    conversions: int
    revenue: float

    @property
    def rate(self) -> float:
        """Converters per contact (NaN for an empty group)."""
        return self.conversions / self.contacts if self.contacts else math.nan


@attrs.frozen
class CampaignResult:
    """What a campaign changed: treated against control, and the spillover to friends.

    Built by ``measure_campaign``. Intervals are two-sided at ``confidence``.

    Attributes
    ----------
    item : hashable
        The plan's product.
    start, end : datetime or None
        The window ``[start, end)`` of the conversions counted.
    confidence : float
        Of every interval.
    treated, control : GroupCounts
        Contacts, distinct converters and summed conversion values of each group.
    uplift, uplift_ci : float, (float, float)
        Treated rate minus control rate, and Newcombe's hybrid score interval
        (Newcombe 1998, method 10).
    relative_uplift, relative_uplift_ci : float, (float, float)
        Treated rate over control rate minus one, and Katz's log interval for the
        risk ratio minus one (Katz et al. 1978); NaN where a count is zero.
    z, p_value : float
        The pooled two-proportion z statistic and its two-sided p-value.
    revenue_uplift, revenue_uplift_ci : float or None, (float, float) or None
        Revenue per treated contact minus revenue per control contact, and
        Welch's t interval; None when the conversions carry no values.
    treated_friends, control_friends : GroupCounts or None
        With a graph: the contacts never in the plan who are friends of a treated
        contact, and those who are friends of a control contact but of no treated one.
    spillover, spillover_ci : float or None, (float, float) or None
        Their rate difference and its Newcombe interval.
    seed_referrals : int or None
        With a graph: referrals recorded in the window whose credit is held by a seed.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing import CampaignPlan, measure_campaign
    >>> at = datetime(2026, 5, 1, tzinfo=UTC)
    >>> plan = CampaignPlan(item="tea", purpose="launches", channel="email", at=at,
    ...     targets=tuple((f"t{i}", 1.0) for i in range(100)), seeds=(), seed_method="score",
    ...     expected_reach=None, reach_std=None, reach_model=None, probability=0.05, runs=1,
    ...     excluded={}, considered=200, parameters={},
    ...     control=tuple(f"c{i}" for i in range(100)))
    >>> buyers = [f"t{i}" for i in range(30)] + [f"c{i}" for i in range(10)]
    >>> result = measure_campaign(plan, (buyers, [at] * 40))
    >>> result
    CampaignResult(item='tea', treated 30/100 (30.0%), control 10/100 (10.0%), uplift +20.0 pts ...)
    >>> result.to_columns()["rate"].tolist()
    [0.3, 0.1]
    """

    item: Hashable
    start: datetime | None
    end: datetime | None
    confidence: float
    treated: GroupCounts
    control: GroupCounts
    uplift: float
    uplift_ci: tuple[float, float]
    relative_uplift: float
    relative_uplift_ci: tuple[float, float]
    z: float
    p_value: float
    revenue_uplift: float | None = None
    revenue_uplift_ci: tuple[float, float] | None = None
    treated_friends: GroupCounts | None = None
    control_friends: GroupCounts | None = None
    spillover: float | None = None
    spillover_ci: tuple[float, float] | None = None
    seed_referrals: int | None = None

    def __repr__(self) -> str:
        t, c = self.treated, self.control
        low, high = self.uplift_ci
        return (
            f"CampaignResult(item={self.item!r}, treated {t.conversions}/{t.contacts} "
            f"({t.rate:.1%}), control {c.conversions}/{c.contacts} ({c.rate:.1%}), "
            f"uplift {self.uplift * 100:+.1f} pts [{low * 100:.1f}, {high * 100:.1f}], "
            f"p={self.p_value:.2g})"
        )

    def _groups(self) -> list[tuple[str, GroupCounts]]:
        groups = [("treated", self.treated), ("control", self.control)]
        if self.treated_friends is not None and self.control_friends is not None:
            groups += [
                ("treated_friends", self.treated_friends),
                ("control_friends", self.control_friends),
            ]
        return groups

    def to_columns(self) -> dict[str, np.ndarray[Any, Any]]:
        """One row per group: contacts, conversions, rate with its Wilson interval, revenue.

        Groups: ``treated``, ``control`` and, with a graph, ``treated_friends`` and
        ``control_friends``.
        """
        z = normal_quantile(self.confidence)
        groups = self._groups()
        bounds = [
            wilson_interval(g.conversions, g.contacts, z) if g.contacts else (math.nan, math.nan)
            for _, g in groups
        ]
        return {
            "group": np.array([name for name, _ in groups], dtype=object),
            "contacts": np.array([g.contacts for _, g in groups], dtype=np.int64),
            "conversions": np.array([g.conversions for _, g in groups], dtype=np.int64),
            "rate": np.array([g.rate for _, g in groups], dtype=np.float64),
            "rate_low": np.array([b[0] for b in bounds], dtype=np.float64),
            "rate_high": np.array([b[1] for b in bounds], dtype=np.float64),
            "revenue": np.array([g.revenue for _, g in groups], dtype=np.float64),
            "revenue_per_contact": np.array(
                [g.revenue / g.contacts if g.contacts else math.nan for _, g in groups],
                dtype=np.float64,
            ),
        }

    def to_frame(self) -> pandas.DataFrame:
        """``to_columns`` as a pandas DataFrame; needs pandas."""
        return frame(self.to_columns())

    def effects(self) -> list[tuple[str, float, float, float]]:
        """Each effect with its interval: (name, estimate, low, high)."""
        rows = [
            ("uplift", self.uplift, *self.uplift_ci),
            ("relative_uplift", self.relative_uplift, *self.relative_uplift_ci),
        ]
        if self.revenue_uplift is not None and self.revenue_uplift_ci is not None:
            rows.append(("revenue_uplift", self.revenue_uplift, *self.revenue_uplift_ci))
        if self.spillover is not None and self.spillover_ci is not None:
            rows.append(("spillover", self.spillover, *self.spillover_ci))
        return rows

    def _repr_html_(self) -> str:
        columns = self.to_columns()
        groups = html_table(
            f"Campaign result for {self.item!r}",
            ["group", "contacts", "conversions", "rate", "revenue per contact"],
            [
                [g, n, x, f"{r:.2%}", f"{v:.2f}"]
                for g, n, x, r, v in zip(
                    columns["group"].tolist(),
                    columns["contacts"].tolist(),
                    columns["conversions"].tolist(),
                    columns["rate"].tolist(),
                    columns["revenue_per_contact"].tolist(),
                    strict=True,
                )
            ],
        )
        effects = html_table(
            f"Effects ({self.confidence:.0%} intervals), z = {self.z:.2f}, p = {self.p_value:.2g}",
            ["effect", "estimate", "low", "high"],
            [[name, f"{e:.4g}", f"{lo:.4g}", f"{hi:.4g}"] for name, e, lo, hi in self.effects()],
        )
        referrals = (
            "" if self.seed_referrals is None else f"<p>seed referrals: {self.seed_referrals}</p>"
        )
        return groups + effects + referrals


def _group(contacts: int, revenue: Float64Array) -> tuple[GroupCounts, float]:
    """A group's counts, and its revenue's squared deviations about the mean (for Welch)."""
    total = float(revenue.sum())
    mean = total / contacts
    squares = float(((revenue - mean) ** 2).sum()) + (contacts - revenue.size) * mean * mean
    return GroupCounts(contacts, int(revenue.size), total), squares


def _positions(index: Mapping[Hashable, int], ids: Sequence[Hashable], field: str) -> Int64Array:
    try:
        return np.fromiter((index.get(i, -1) for i in ids), dtype=np.int64, count=len(ids))
    except TypeError:
        raise InvalidInputError(f"{field}: expected hashable ids") from None


def _converters(positions: Int64Array, amounts: Float64Array | None) -> tuple[Int64Array, Any]:
    """Distinct converters among ``positions`` (-1: nobody) and their summed values."""
    hit = positions >= 0
    converters, inverse = np.unique(positions[hit], return_inverse=True)
    weights = None if amounts is None else amounts[hit]
    revenue = np.bincount(inverse.ravel(), weights=weights, minlength=converters.size)
    return converters, revenue.astype(np.float64) if amounts is not None else None


def _by_contact(ids: Sequence[Hashable], amounts: Float64Array | None) -> dict[Hashable, float]:
    """Each distinct converter, first seen first, with its summed value (0.0 without values)."""
    try:
        if amounts is None:
            return dict.fromkeys(ids, 0.0)
        summed: dict[Hashable, float] = {}
        for contact, value in zip(ids, amounts.tolist(), strict=True):
            summed[contact] = summed.get(contact, 0.0) + value
    except TypeError:
        raise InvalidInputError("conversions.contact: expected hashable ids") from None
    return summed


def _plan_groups(
    plan: _Plan, ids: Sequence[Hashable], amounts: Float64Array | None
) -> tuple[GroupCounts, GroupCounts, tuple[float, float]]:
    # The converters are few and the plan large: probing the plan's ids against a set of
    # converters costs one C-level pass, where an index of the plan would cost a dict of it.
    summed = _by_contact(ids, amounts)
    treated_hits = set(summed).intersection(map(itemgetter(0), plan.targets))
    control_hits = set(summed).intersection(plan.control)
    values = np.fromiter(summed.values(), dtype=np.float64, count=len(summed))
    in_treated = np.fromiter((c in treated_hits for c in summed), np.bool_, len(summed))
    in_control = np.fromiter((c in control_hits for c in summed), np.bool_, len(summed))
    t, t_squares = _group(len(plan.targets), values[in_treated])
    c, c_squares = _group(len(plan.control), values[in_control])
    return t, c, (t_squares, c_squares)


def _spillover(
    graph: _Graph, plan: _Plan, ids: Sequence[Hashable], amounts: Float64Array | None
) -> tuple[GroupCounts, GroupCounts]:
    matrix, graph_ids = graph.adjacency()
    index = dict(zip(graph_ids, range(len(graph_ids)), strict=True))

    def mask(members: Sequence[Hashable]) -> BoolArray:
        positions = _positions(index, members, "plan")
        out = np.zeros(len(graph_ids), dtype=np.bool_)
        out[positions[positions >= 0]] = True
        return out

    treated = mask([member for member, _ in plan.targets])
    control = mask(plan.control)
    near_treated = matrix @ treated.astype(np.float64) > 0
    near_control = matrix @ control.astype(np.float64) > 0
    outside = ~(treated | control)
    groups = (near_treated & outside, near_control & ~near_treated & outside)
    converters, revenue = _converters(_positions(index, ids, "conversions.contact"), amounts)
    if revenue is None:
        revenue = np.zeros(converters.size)
    return tuple(  # type: ignore[return-value]
        _group(int(group.sum()), revenue[group[converters]])[0]
        if group.any()
        else GroupCounts(0, 0, 0.0)
        for group in groups
    )


def _seed_referrals(graph: _Graph, plan: _Plan, start_us: int, end_us: int | None) -> int:
    seeds = set(plan.seeds)
    count = 0
    for referral in graph.referral_history():
        if not referral.attributed or referral.referrer not in seeds:
            continue
        micros = to_micros(referral.at)
        count += start_us <= micros and (end_us is None or micros < end_us)
    return count


def _check_plan(plan: object) -> _Plan:
    for name in ("item", "at", "seeds", "control", "targets"):
        if not hasattr(plan, name):
            raise InvalidInputError(
                f"plan: expected a CampaignPlan, got {type(plan).__name__} without .{name}"
            )
    checked: _Plan = plan  # type: ignore[assignment]
    if not checked.control:
        raise InvalidInputError(
            "plan.control: the plan held nobody out; plan it with holdout > 0 and a "
            "holdout_key, or with a control_group"
        )
    if not checked.targets:
        raise InvalidInputError("plan.targets: the plan contacted nobody")
    return checked


def _check_window(
    plan: _Plan, start: datetime | None, end: datetime | None
) -> tuple[datetime, int, int | None]:
    begin = plan.at if start is None else ensure_aware(start, "start")
    end_us = None if end is None else to_micros(ensure_aware(end, "end"))
    if end_us is not None and end_us <= to_micros(begin):
        raise InvalidInputError(f"end: expected a moment after start ({begin.isoformat()})")
    return begin, to_micros(begin), end_us


def _check_confidence(confidence: object) -> float:
    value = check_float(confidence, "confidence", low=0.0, low_open=True, high=1.0)
    if value == 1.0:
        raise InvalidInputError("confidence: expected a number in (0, 1), got 1.0")
    return value


def measure_campaign(
    plan: Any,
    conversions: Any,
    *,
    graph: Any = None,
    start: datetime | None = None,
    end: datetime | None = None,
    confidence: float = 0.95,
) -> CampaignResult:
    """Measure what a campaign changed: its treated targets against its held-out control.

    A contact converts when it appears in ``conversions`` within ``[start, end)``;
    converting twice counts once for the rates, and the values are summed.
    Contacts in neither group count only for the spillover.

    Parameters
    ----------
    plan : CampaignPlan
        A plan with a control (``holdout`` > 0 or a ``control_group``).
    conversions : tuple of arrays, or a table
        ``(contacts, at)`` or ``(contacts, at, values)``, or a table (pandas, polars,
        a dict of columns) with columns ``contact``, ``at`` and optionally ``value``,
        read by name. ``at`` holds aware datetimes or numpy ``datetime64`` read as UTC.
    graph : ReferralGraph, optional
        Friendships for the spillover, and the referrals credited to the plan's seeds.
    start : datetime, optional
        First moment counted; the plan's ``at`` by default (nothing before the sends
        can be their effect).
    end : datetime, optional
        First moment no longer counted; no end by default.
    confidence : float, default 0.95
        Of every interval.

    Returns
    -------
    CampaignResult
        Rates, uplift (Newcombe's hybrid score interval), relative uplift (Katz's log
        interval), the pooled z-test, Welch's interval for revenue per contact when
        conversions carry values, and the spillover with a graph.

    Raises
    ------
    InvalidInputError
        A bad argument, a plan without a control or without targets; the message
        names the field.

    See Also
    --------
    plan_campaign : plan with ``holdout`` and ``holdout_key``, or a ``control_group``.
    holdout_size : how large the control must be.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> import numpy as np
    >>> from community_marketing import CampaignPlan, measure_campaign
    >>> at = datetime(2026, 5, 1, tzinfo=UTC)
    >>> plan = CampaignPlan(item="tea", purpose="launches", channel="email", at=at,
    ...     targets=(("ann", 1.0), ("bob", 0.9), ("cid", 0.8)), seeds=(), seed_method="score",
    ...     expected_reach=None, reach_std=None, reach_model=None, probability=0.05, runs=1,
    ...     excluded={}, considered=5, parameters={}, control=("dan", "eve"))
    >>> moments = np.array(["2026-05-02", "2026-05-03", "2026-05-04", "2026-04-01"],
    ...                    dtype="datetime64[us]")
    >>> conversions = (["ann", "ann", "dan", "bob"], moments, [5.0, 7.0, 4.0, 9.0])
    >>> result = measure_campaign(plan, conversions)
    >>> result.treated.conversions, result.treated.revenue, result.control.conversions
    (1, 12.0, 1)
    """
    checked = _check_plan(plan)
    begin, start_us, end_us = _check_window(checked, start, end)
    level = _check_confidence(confidence)
    if graph is not None and not (
        hasattr(graph, "adjacency") and hasattr(graph, "referral_history")
    ):
        raise InvalidInputError(
            f"graph: expected a ReferralGraph or None, got {type(graph).__name__}"
        )
    ids, amounts = read_conversions(conversions, start_us, end_us)
    treated, control, squares = _plan_groups(checked, ids, amounts)
    z = normal_quantile(level)
    counts = (treated.conversions, treated.contacts, control.conversions, control.contacts)
    uplift, low, high = newcombe_interval(*counts, z)
    ratio, ratio_low, ratio_high = katz_ratio_interval(*counts, z)
    statistic, p_value = pooled_z_test(*counts)
    revenue: dict[str, Any] = {}
    if amounts is not None:
        *_, difference, r_low, r_high = welch_interval(
            (treated.revenue, control.revenue), squares, (treated.contacts, control.contacts), level
        )
        revenue = {"revenue_uplift": difference, "revenue_uplift_ci": (r_low, r_high)}
    if graph is not None:
        revenue.update(_graph_effects(graph, checked, ids, amounts, z, start_us, end_us))
    return CampaignResult(
        item=checked.item,
        start=begin,
        end=end,
        confidence=level,
        treated=treated,
        control=control,
        uplift=uplift,
        uplift_ci=(low, high),
        relative_uplift=ratio - 1.0,
        relative_uplift_ci=(ratio_low - 1.0, ratio_high - 1.0),
        z=statistic,
        p_value=p_value,
        **revenue,
    )


def _graph_effects(
    graph: _Graph,
    plan: _Plan,
    ids: Sequence[Hashable],
    amounts: Float64Array | None,
    z: float,
    start_us: int,
    end_us: int | None,
) -> dict[str, Any]:
    friends, others = _spillover(graph, plan, ids, amounts)
    spill, low, high = math.nan, math.nan, math.nan
    if friends.contacts and others.contacts:
        spill, low, high = newcombe_interval(
            friends.conversions, friends.contacts, others.conversions, others.contacts, z
        )
    return {
        "treated_friends": friends,
        "control_friends": others,
        "spillover": spill,
        "spillover_ci": (low, high),
        "seed_referrals": _seed_referrals(graph, plan, start_us, end_us),
    }


def holdout_size(
    baseline_rate: float,
    min_uplift: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> int:
    """The smallest control group that detects an absolute uplift of ``min_uplift``.

    The test is two-sided at level ``alpha`` on two proportions, ``baseline_rate``
    in the control and ``baseline_rate + min_uplift`` in the treated group, with
    ``ratio`` treated contacts per control contact. Following Cohen (1988, ch. 6),
    the effect is ``h = 2 asin(sqrt(p_treated)) - 2 asin(sqrt(p_control))`` and the
    control size ``n`` is the smallest integer whose normal power
    ``Φ(|h| sqrt(n / (1 + 1/ratio)) - z) + Φ(-|h| sqrt(n / (1 + 1/ratio)) - z)``,
    with ``z = Φ⁻¹(1 - alpha/2)``, reaches ``power``: about
    ``((z + Φ⁻¹(power)) / h)² (1 + 1/ratio)``. It is statsmodels'
    ``NormalIndPower().solve_power(proportion_effectsize(p_treated, p_control),
    alpha=alpha, power=power, ratio=ratio)`` rounded up, where its ``nobs1`` is the
    control and its ``ratio`` the treated per control.

    Parameters
    ----------
    baseline_rate : float
        The conversion rate without the campaign, in (0, 1).
    min_uplift : float
        The smallest absolute change worth detecting (0.01: one point); not 0, and
        ``baseline_rate + min_uplift`` in (0, 1).
    alpha : float, default 0.05
        The test's level, in (0, 1).
    power : float, default 0.8
        The chance to detect an uplift of that size, in (0, 1).
    ratio : float, default 1.0
        Treated contacts per control contact (9.0 for a 10% holdout).

    Returns
    -------
    int
        Control contacts; the treated group needs ``ceil(ratio * n)``.

    Examples
    --------
    >>> from community_marketing import holdout_size
    >>> holdout_size(0.05, 0.01)
    8143
    >>> holdout_size(0.05, 0.01, ratio=9.0)
    4524
    """
    baseline = check_float(baseline_rate, "baseline_rate", low=0.0, low_open=True, high=1.0)
    if baseline == 1.0:
        raise InvalidInputError("baseline_rate: expected a rate in (0, 1), got 1.0")
    uplift = check_float(min_uplift, "min_uplift")
    if uplift == 0.0 or not 0.0 < baseline + uplift < 1.0:
        raise InvalidInputError(
            f"min_uplift: expected a non-zero change keeping baseline_rate + min_uplift in "
            f"(0, 1), got {uplift!r}"
        )
    level = check_probability(alpha, "alpha")
    wanted = check_probability(power, "power")
    for name, value in (("alpha", level), ("power", wanted)):
        if value == 1.0:
            raise InvalidInputError(f"{name}: expected a number in (0, 1), got 1.0")
    treated_per_control = check_float(ratio, "ratio", low=0.0, low_open=True)
    h = cohen_h(baseline + uplift, baseline)
    if h == 0.0:
        raise InvalidInputError(
            f"min_uplift: expected a change that moves baseline_rate in floating point, "
            f"got {uplift!r}"
        )
    return max(1, math.ceil(required_size(h, level, wanted, treated_per_control)))
