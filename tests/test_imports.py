"""Imports that report: on_error="skip" writes the good rows and names the refused ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from community_marketing import FanGroup, ImportReport, OptInRegistry
from community_marketing.errors import ConsentRequiredError, InvalidInputError

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def registry() -> OptInRegistry:
    return OptInRegistry(clock=lambda: T0 + timedelta(days=30))


class TestFanGroup:
    def fans(self) -> tuple[FanGroup, list[str]]:
        consent = registry()
        consent.suppress_many(["p3", "p400"], reason="complaint", at=T0)
        group = FanGroup("g", "owner", registry=consent, purpose="community")
        return group, [f"p{i}" for i in range(522)]

    def test_raise_is_all_or_nothing(self) -> None:
        group, fans = self.fans()
        with pytest.raises(ConsentRequiredError, match="'p3'"):
            group.join_many(fans)
        assert group.members() == ["owner"]

    def test_skip_admits_the_rest_and_names_every_refusal(self) -> None:
        group, fans = self.fans()
        report = group.join_many(fans, on_error="skip")
        assert isinstance(report, ImportReport)
        assert report.written == 520
        assert report.rows == (3, 400)
        assert report.ids == ("p3", "p400")
        assert all("suppression list" in reason for reason in report.reasons)
        assert len(group.members()) == 521
        assert not group.is_member("p3")

    def test_attributes_follow_their_rows(self) -> None:
        group, _ = self.fans()
        report = group.join_many(
            ["a", "p3", "b"], attributes={"city": ["Lyon", "Nice", "Metz"]}, on_error="skip"
        )
        assert isinstance(report, ImportReport)
        assert report.written == 2
        assert group.hotspots("city")[0].value in {"Lyon", "Metz"}

    def test_shared_arguments_still_raise(self) -> None:
        group, fans = self.fans()
        with pytest.raises(InvalidInputError, match="on_error"):
            group.join_many(fans, on_error="ignore")  # type: ignore[arg-type]
        with pytest.raises(ConsentRequiredError, match="consent"):
            group.join_many(fans, consent=False, on_error="skip")
        assert group.members() == ["owner"]


class TestOptInRegistry:
    def test_grant_many_skips_bad_ids_and_old_moments(self) -> None:
        consent = registry()
        consent.grant("bob", "news", "email", source="form", at=T0 + timedelta(days=2))
        moments = [T0 + timedelta(days=1)] * 4
        report = consent.grant_many(
            ["ann", None, "bob", "cid"],  # type: ignore[list-item]
            "news",
            ["email", "sms"],
            source="import",
            basis="express",
            at=moments,
            on_error="skip",
        )
        assert isinstance(report, ImportReport)
        assert report.written == 4
        assert report.rows == (1, 2)
        assert report.ids == (None, "bob")
        assert "earlier than the latest event" in report.reasons[1]
        assert consent.audience(["ann", "bob", "cid"], "news", "sms") == ["ann", "cid"]
        assert consent.grant_many(["dan"], "news", "email", source="i", basis="express") == 1

    def test_grant_many_raise_changes_nothing(self) -> None:
        consent = registry()
        with pytest.raises(InvalidInputError, match="None"):
            consent.grant_many(["ann", None], "news", "email", source="i", basis="express")  # type: ignore[list-item]
        assert consent.audience(["ann"], "news", "email") == []

    def test_shared_argument_errors_raise_even_when_skipping(self) -> None:
        consent = registry()
        with pytest.raises(InvalidInputError, match="purpose"):
            consent.grant_many(["ann"], "", "email", source="i", basis="express", on_error="skip")
        with pytest.raises(InvalidInputError, match="at: expected 2 moments"):
            consent.grant_many(
                ["ann", "bob"], "news", "email", source="i", basis="express", at=[T0],
                on_error="skip",
            )  # fmt: skip

    def test_withdraw_and_suppress_many(self) -> None:
        consent = registry()
        consent.grant_many(["ann", "bob"], "news", "email", source="i", basis="express", at=T0)
        report = consent.withdraw_many(
            np.array(["ann", None, "bob"], dtype=object), "news", "email", source="x",
            on_error="skip",
        )  # fmt: skip
        assert isinstance(report, ImportReport)
        assert (report.written, report.rows) == (2, (1,))
        suppressed = consent.suppress_many(["ann", ["x"], "cid"], reason="bounce", on_error="skip")  # type: ignore[list-item]
        assert isinstance(suppressed, ImportReport)
        assert (suppressed.written, suppressed.rows) == (2, (1,))
        assert "hashable" in suppressed.reasons[0]
        assert consent.is_suppressed("cid")

    def test_record_sent_many_records_only_the_allowed(self) -> None:
        consent = registry()
        consent.grant_many(["ann", "cid"], "news", "email", source="i", basis="express", at=T0)
        consent.suppress("cid", reason="complaint", at=T0 + timedelta(days=1))
        report = consent.record_sent_many(["ann", "bob", "cid", "ann"], "news", "email",
                                          on_error="skip")  # fmt: skip
        assert isinstance(report, ImportReport)
        assert report.written == 2
        assert report.refused[0][:2] == (1, "bob")
        assert "no_consent" in report.reasons[0]
        assert "suppressed" in report.reasons[1]
        assert report.to_frame()["id"].tolist() == ["bob", "cid"]
        assert "2 written, 2 refused" in report._repr_html_()


class TestReferralGraph:
    def test_add_friendships_skips_bad_rows(self) -> None:
        from community_marketing import ReferralGraph

        graph = ReferralGraph()
        report = graph.add_friendships(
            [(1, 2), (3, 3), "userID", (2, 4), (None, 5)], on_error="skip"
        )
        assert isinstance(report, ImportReport)
        assert report.written == 2
        assert report.rows == (1, 2, 4)
        assert report.ids[:2] == ((3, 3), "userID")
        assert "self-loop" in report.reasons[0]
        assert sorted(graph.friends(2)) == [1, 4]

    def test_add_friendships_columns_and_arrays(self) -> None:
        from community_marketing import ReferralGraph

        graph = ReferralGraph()
        report = graph.add_friendships(np.array([1, 2, 3]), np.array([2, 2, 1]), on_error="skip")
        assert isinstance(report, ImportReport)
        assert (report.written, report.refused[0][:2]) == (2, (1, (2, 2)))
        with pytest.raises(InvalidInputError, match="self-loop"):
            graph.add_friendships([(7, 8), (9, 9)])
        assert 7 not in graph

    def test_record_referrals_skips_rejected_rows(self) -> None:
        from community_marketing import ReferralGraph

        graph = ReferralGraph()
        graph.record_referral("ann", "bob")
        moments = [T0, T0 + timedelta(days=1), T0 + timedelta(days=2), T0 + timedelta(days=3)]
        report = graph.record_referrals(
            ["bob", "bob", "cid", "eve"],
            ["ann", "cid", "cid", "fay"],
            at=moments,
            codes=["a", "b", "c", "d"],
            on_error="skip",
        )
        assert isinstance(report, ImportReport)
        assert report.written == 2
        assert report.rows == (0, 2)
        assert report.ids == (("bob", "ann"), ("cid", "cid"))
        assert [r.code for r in report.values] == ["b", "d"]
        assert graph.referrer_of("fay") == "eve"

    def test_record_referrals_skips_a_row_with_a_bad_id(self) -> None:
        from community_marketing import ReferralGraph

        graph = ReferralGraph()
        report = graph.record_referrals(["a", "b", "c"], ["x", None, "y"], on_error="skip")
        assert isinstance(report, ImportReport)
        assert (report.written, report.rows, report.ids) == (2, (1,), (("b", None),))
        assert "expected an id" in report.reasons[0]
        assert graph.referrer_of("y") == "c"
        assert "b" not in graph
        with pytest.raises(InvalidInputError, match=r"referees\[1\]: expected an id"):
            graph.record_referrals(["p", "q"], ["r", None])
        assert "p" not in graph

    def test_table_importers_take_on_error(self) -> None:
        from community_marketing import ReferralGraph

        graph = ReferralGraph()
        friends = {"f": np.array(["a", "q", "b"]), "s": np.array(["b", "q", "c"])}
        report = graph.add_friendships_from(friends, first="f", second="s", on_error="skip")
        assert isinstance(report, ImportReport)
        assert (report.written, report.ids) == (2, (("q", "q"),))
        assert type(report.ids[0][0]) is str
        referrals = {"from": ["a", "c"], "to": ["a", "d"]}
        report = graph.record_referrals_from(
            referrals, referrer="from", referee="to", on_error="skip"
        )
        assert isinstance(report, ImportReport)
        assert (report.written, report.rows) == (1, (0,))
        assert graph.referrer_of("d") == "c"
        with pytest.raises(InvalidInputError, match="self-loop"):
            graph.add_friendships_from(friends, first="f", second="s")
