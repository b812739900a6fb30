"""Enums print their value; reasons are named alike in checks and plans; reprs are one line."""

from __future__ import annotations

from community_marketing import (
    ConsentAction,
    ConsentStatus,
    OptInRegistry,
    Reason,
)
from community_marketing.groups import Ability, BadgeTier
from community_marketing.referrals import FriendRight


def test_enums_print_their_value() -> None:
    assert str(ConsentStatus.GRANTED) == "granted"
    assert f"{ConsentAction.WITHDRAW}" == "withdraw"
    assert str(Reason.QUIET_HOURS) == "quiet_hours"
    assert f"{Reason.ALLOWED:>8}" == " allowed"
    assert str(BadgeTier.GOLD) == "gold"
    assert str(Ability.REMOVE | Ability.BAN) == "remove|ban"
    assert str(FriendRight.NONE) == "none"


def test_reason_keeps_its_int_codes() -> None:
    assert Reason.QUIET_HOURS == 7
    assert int(Reason.QUIET_HOURS) == 7
    assert f"{Reason.QUIET_HOURS:d}" == "7"
    assert Reason(7) is Reason.QUIET_HOURS


def test_print_of_a_check_says_the_reason(capsys: object) -> None:
    registry = OptInRegistry()
    print(registry.check("ann", "news", "email"))
    assert capsys.readouterr().out == "no_consent\n"  # type: ignore[attr-defined]


def test_counts_by_name_uses_the_plan_vocabulary() -> None:
    registry = OptInRegistry()
    registry.grant("ann", "news", "email", source="form")
    checks = registry.check_many(["ann", "bob", "cid"], "news", "email")
    by_name = checks.counts_by_name()
    assert by_name["allowed"] == 1
    assert by_name["no_consent"] == 2
    assert set(by_name) == {str(reason) for reason in Reason}
    assert checks.counts()[Reason.NO_CONSENT] == 2


def test_long_value_reprs_are_one_short_line() -> None:
    from community_marketing import ReferralGraph

    graph = ReferralGraph()
    graph.add_friendships([(f"m{i}", f"m{i + 1}") for i in range(300)])
    result = graph.simulate_cascade(["m0"], probability=0.9, runs=50, random_state=0)
    text = repr(result)
    assert "\n" not in text
    assert len(text) < 400
    assert "… 301 items" in text
    assert "… 50 values" in text


def test_html_tables_show_head_tail_and_how_many_more() -> None:
    from community_marketing.referrals import ReferralGraph

    graph = ReferralGraph()
    graph.add_friendships([(f"m{i}", f"m{i + 1}") for i in range(40)])
    result = graph.simulate_cascade(["m0"], probability=1.0, runs=2, random_state=0)
    assert "… 33 more" in result._repr_html_()

    from community_marketing._frames import html_table

    table = html_table("t", ["n"], [[i] for i in range(100)])
    assert "<td>0</td>" in table
    assert "<td>99</td>" in table
    assert "<td>50</td>" not in table
    assert '<td colspan="1">… 85 more</td>' in table


def test_every_listing_result_shows_an_html_table_of_its_columns() -> None:
    import re
    from datetime import UTC, datetime

    from community_marketing import Recommender, ReferralGraph

    users = [f"u{i}" for i in range(40)]
    model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
    model.fit(users * 2, ["tea", "jam"] * 40)
    graph = ReferralGraph()
    graph.add_friendships([(users[i], users[i + 1]) for i in range(39)])
    for i in range(1, 30):
        graph.record_referral(users[0], users[i])
    registry = OptInRegistry()
    registry.grant("u0", "news", "email", source="form", at=datetime(2026, 1, 1, tzinfo=UTC))
    results = [
        model.recommend("u1", exclude_seen=False),
        model.recommend_many(users, n=1, exclude_seen=False),
        model.explain("u1", "tea"),
        graph.referral_tree(users[0]),
        graph.influencers(25),
        registry.check_many(users, "news", "email", at=datetime(2026, 2, 1, tzinfo=UTC)),
    ]
    for result in results:
        table = result._repr_html_()  # type: ignore[attr-defined]
        header = re.findall(r"<th>(.*?)</th>", table)
        assert header == list(result.to_columns())  # type: ignore[attr-defined]
        n = len(next(iter(result.to_columns().values())))  # type: ignore[attr-defined]
        shown = table.count("<tr>") - 1
        if n > 20:
            assert f"… {n - 15} more" in table
            assert shown == 16
        else:
            assert shown == n
    checks = results[-1]._repr_html_()  # type: ignore[attr-defined]
    assert "<td>u0</td><td>allowed</td><td>True</td><td>2026-02-01T00:00:00.000000</td>" in checks
    assert "<td>u1</td><td>no_consent</td><td>False</td><td>NaT</td>" in checks
