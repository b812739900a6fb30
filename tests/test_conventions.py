"""One convention: the cascade default, seeds, evaluation inputs, declared vocabularies."""

from __future__ import annotations

import inspect

import numpy as np

import community_marketing
from community_marketing.referrals import DEFAULT_PROBABILITY, ReferralGraph


def star() -> ReferralGraph:
    graph = ReferralGraph()
    graph.add_friendships([(0, i) for i in range(1, 60)] + [(60, 61)])
    return graph


class TestCascadeDefault:
    def test_one_default_everywhere(self) -> None:
        assert DEFAULT_PROBABILITY == 0.05
        plan = inspect.signature(community_marketing.plan_campaign).parameters["probability"]
        assert plan.default == DEFAULT_PROBABILITY

    def test_simulate_cascade_defaults_to_it(self) -> None:
        graph = star()
        implicit = graph.simulate_cascade([0], runs=200, random_state=3)
        explicit = graph.simulate_cascade(
            [0], probability=DEFAULT_PROBABILITY, runs=200, random_state=3
        )
        assert np.array_equal(implicit.reach, explicit.reach)

    def test_influencers_default_is_the_same(self) -> None:
        graph = star()
        implicit = graph.influencers(2, method="cascade", random_state=1)
        explicit = graph.influencers(
            2, method="cascade", probability=DEFAULT_PROBABILITY, random_state=1
        )
        assert implicit.ids == explicit.ids
        assert implicit.expected_spread == explicit.expected_spread


class TestInfluencersAsSeeds:
    def test_simulate_cascade_and_reach_take_the_result(self) -> None:
        graph = star()
        best = graph.influencers(2)
        a = graph.simulate_cascade(best, probability=0.3, runs=50, random_state=0)
        b = graph.simulate_cascade(list(best.ids), probability=0.3, runs=50, random_state=0)
        assert a.seeds == b.seeds == best.ids
        assert np.array_equal(a.reach, b.reach)
        assert graph.reach(best, hops=1) == graph.reach(list(best.ids), hops=1) == 60


class TestEvaluationTakesWhatFitTakes:
    def test_columns_split_like_the_value(self) -> None:
        from community_marketing.evaluation import hide_users, train_test_split
        from community_marketing.recommend import Interactions

        users = ["a"] * 4 + ["b"] * 3 + ["c"] * 2
        items = list("vwxy") + list("vwx") + list("vw")
        weights = [1.0, 2.0, 3.0, 4.0, 1.0, 1.0, 5.0, 2.0, 2.0]
        value = Interactions.from_triples(users, items, weights)
        for split in (train_test_split, hide_users):
            by_value = split(value, random_state=0)
            by_columns = split(np.array(users), items, weights, random_state=0)
            for a, b in zip(by_value, by_columns, strict=True):
                assert a.user_ids == b.user_ids
                assert (a.matrix != b.matrix).nnz == 0

    def test_columns_need_items_and_a_value_takes_none(self) -> None:
        import pytest

        from community_marketing.errors import InvalidInputError
        from community_marketing.evaluation import train_test_split
        from community_marketing.recommend import Interactions

        with pytest.raises(InvalidInputError, match="interactions: expected Interactions"):
            train_test_split(["a", "b"])
        value = Interactions.from_triples(["a", "b"], ["x", "y"])
        with pytest.raises(InvalidInputError, match="items, weights"):
            train_test_split(value, ["x", "y"])


class TestDeclaredVocabularies:
    def registry(self) -> community_marketing.OptInRegistry:
        return community_marketing.OptInRegistry(
            purposes=["newsletter", "offers"], channels=["email", "sms"]
        )

    def test_a_typo_raises_naming_the_field_and_the_known_names(self) -> None:
        import pytest

        from community_marketing.errors import InvalidInputError

        registry = self.registry()
        registry.grant_many(["ann"], "newsletter", "email", source="form", basis="express")
        calls = [
            lambda: registry.audience(["ann"], "Newsletter", "email"),
            lambda: registry.check("ann", "Newsletter", "email"),
            lambda: registry.may_contact("ann", "newsletter", "Email"),
            lambda: registry.check_many(["ann"], "newsletter", "fax"),
            lambda: registry.grant("bob", "Newsletter", "email", source="form"),
            lambda: registry.grant_many(["bob"], "newsletter", ["email", "fax"], source="f",
                                        basis="express"),
            lambda: registry.withdraw("ann", "Newsletter", source="link"),
            lambda: registry.record_sent_many(["ann"], "newsletter", "mail"),
        ]  # fmt: skip
        for call in calls:
            with pytest.raises(
                InvalidInputError, match=r"^(purpose|channel): '.*' is not a declared"
            ):
                call()
        with pytest.raises(InvalidInputError, match=r"\['newsletter', 'offers'\]"):
            registry.audience(["ann"], "Newsletter", "email")
        assert registry.audience(["ann"], "newsletter", "email") == ["ann"]
        assert len(registry.events()) == 1

    def test_none_by_default_and_kept_in_state(self) -> None:
        import pytest

        from community_marketing import OptInRegistry
        from community_marketing.errors import InvalidInputError

        assert OptInRegistry().audience(["ann"], "Anything", "goes") == []
        state = self.registry().to_state()
        assert state["config"]["purposes"] == ["newsletter", "offers"]
        assert state["config"]["channels"] == ["email", "sms"]
        restored = OptInRegistry.from_state(state)
        assert restored.to_state()["config"] == state["config"]
        with pytest.raises(InvalidInputError, match="purpose"):
            restored.audience(["ann"], "Newsletter", "email")
        older = OptInRegistry().to_state()
        del older["config"]["purposes"], older["config"]["channels"]
        assert OptInRegistry.from_state(older).audience(["ann"], "x", "y") == []
        state["config"]["purposes"] = "newsletter"
        with pytest.raises(InvalidInputError, match="purposes"):
            OptInRegistry.from_state(state)
        with pytest.raises(InvalidInputError, match="purposes"):
            OptInRegistry(purposes=[])
