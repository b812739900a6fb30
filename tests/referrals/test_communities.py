"""Communities: Leiden, Louvain and connected components, with networkx and igraph as oracles."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import community_marketing._leiden as leiden_module
import community_marketing.referrals._communities as communities_module
from community_marketing.errors import InvalidInputError, UnknownIdError
from community_marketing.referrals import Communities, ReferralGraph

from ._support import make, snapshot, to_networkx

BACKENDS = ["scipy", pytest.param("igraph", marks=pytest.mark.skipif(
    not leiden_module.igraph_available(), reason="needs igraph"))]  # fmt: skip


def two_cliques() -> ReferralGraph:
    pairs = [(f"{c}{i}", f"{c}{j}") for c in "xy" for i in range(5) for j in range(i + 1, 5)]
    return make([*pairs, ("x0", "y0")])


def caveman(cliques: int, size: int, seed: int) -> ReferralGraph:
    reference = nx.relaxed_caveman_graph(cliques, size, 0.1, seed=seed)
    return make([(f"m{u}", f"m{v}") for u, v in reference.edges() if u != v])


def networkx_modularity(graph: ReferralGraph, found: Communities, resolution: float) -> float:
    groups = [set(group) for group in found.groups()]
    if graph.friendship_count == 0:
        return 0.0  # networkx divides by the total degree
    return float(nx.community.modularity(to_networkx(graph), groups, resolution=resolution))


class TestMethods:
    def test_components(self) -> None:
        graph = make([("a", "b"), ("c", "d"), ("d", "e"), ("f", "g")])
        graph.add_members(["h"])
        found = graph.communities(method="components")
        assert found.groups() == [["c", "d", "e"], ["a", "b"], ["f", "g"], ["h"]]
        assert list(found) == found.groups()
        assert (len(found), found.method, found.backend) == (4, "components", "components")

    @pytest.mark.parametrize("backend", BACKENDS)
    @pytest.mark.parametrize("method", ["leiden", "louvain"])
    def test_two_cliques_joined_by_one_link_are_two_communities(
        self, method: str, backend: str
    ) -> None:
        graph = two_cliques()
        found = graph.communities(method, random_state=0, backend=backend)  # type: ignore[arg-type]
        assert sorted(map(sorted, found.groups())) == [
            [f"x{i}" for i in range(5)],
            [f"y{i}" for i in range(5)],
        ]
        assert found.sizes.tolist() == [5, 5]
        assert found.backend == backend
        assert found.modularity == pytest.approx(networkx_modularity(graph, found, 1.0))
        assert graph.communities(method="components").sizes.tolist() == [10]

    def test_empty_graph(self) -> None:
        for method in ("leiden", "louvain", "components"):
            found = ReferralGraph().communities(method)  # type: ignore[arg-type]
            assert (found.count, found.ids, found.modularity, found.groups()) == (0, (), 0.0, [])

    def test_isolated_members_are_communities_alone(self) -> None:
        graph = two_cliques()
        graph.add_members(["loner"])
        found = graph.communities(random_state=0, backend="scipy")
        assert found.members_of(found.label_of("loner")) == ["loner"]
        assert found.sizes.tolist() == [5, 5, 1]


class TestDeterminism:
    @pytest.mark.parametrize("backend", BACKENDS)
    @pytest.mark.parametrize("method", ["leiden", "louvain"])
    def test_the_same_seed_gives_the_same_partition(self, method: str, backend: str) -> None:
        graph = caveman(12, 8, seed=1)
        runs = [
            graph.communities(method, random_state=7, backend=backend)  # type: ignore[arg-type]
            for _ in range(2)
        ]
        assert runs[0].labels.tolist() == runs[1].labels.tolist()
        assert runs[0].modularity == runs[1].modularity
        rng_runs = [
            graph.communities(
                method,  # type: ignore[arg-type]
                random_state=np.random.default_rng(3),
                backend=backend,
            )
            for _ in range(2)
        ]
        assert rng_runs[0].labels.tolist() == rng_runs[1].labels.tolist()

    @pytest.mark.skipif(not leiden_module.igraph_available(), reason="needs igraph")
    def test_the_igraph_backend_leaves_pythons_random_alone(self) -> None:
        import random

        random.seed(5)
        expected = random.random()
        random.seed(5)
        two_cliques().communities(random_state=0, backend="igraph")
        assert random.random() == expected

    def test_auto_is_igraph_when_installed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        found = two_cliques().communities(random_state=0)
        assert found.backend == ("igraph" if leiden_module.igraph_available() else "scipy")
        monkeypatch.setattr(leiden_module, "igraph_available", lambda: False)
        monkeypatch.setattr(communities_module, "igraph_available", lambda: False)
        assert two_cliques().communities(random_state=0).backend == "scipy"
        with pytest.raises(InvalidInputError, match="backend: 'igraph' needs the igraph"):
            two_cliques().communities(random_state=0, backend="igraph")


pair_lists = st.lists(
    st.tuples(st.integers(0, 29), st.integers(0, 29)).filter(lambda p: p[0] != p[1]),
    max_size=90,
)


@settings(max_examples=60, deadline=None)
@given(pair_lists, st.sampled_from(["scipy", "igraph"]), st.sampled_from([0.5, 1.0, 2.0]))
def test_every_leiden_community_is_connected(
    pairs: list[tuple[int, int]], backend: str, resolution: float
) -> None:
    if backend == "igraph" and not leiden_module.igraph_available():
        backend = "scipy"
    graph = make(pairs)  # type: ignore[arg-type]
    found = graph.communities(
        resolution=resolution,
        random_state=0,
        backend=backend,  # type: ignore[arg-type]
    )
    reference = to_networkx(graph)
    for group in found.groups():
        assert nx.is_connected(reference.subgraph(group))
    assert sorted(found.ids, key=str) == sorted(reference.nodes, key=str)
    assert found.sizes.tolist() == sorted(found.sizes.tolist(), reverse=True)
    assert found.modularity == pytest.approx(networkx_modularity(graph, found, resolution))


@settings(max_examples=40, deadline=None)
@given(pair_lists, st.sampled_from(["leiden", "louvain", "components"]))
def test_modularity_is_networkx_modularity(pairs: list[tuple[int, int]], method: str) -> None:
    graph = make(pairs)  # type: ignore[arg-type]
    found = graph.communities(method, random_state=1, backend="scipy")  # type: ignore[arg-type]
    assert found.modularity == pytest.approx(networkx_modularity(graph, found, 1.0), abs=1e-12)


@pytest.mark.skipif(not leiden_module.igraph_available(), reason="needs igraph")
def test_leiden_modularity_is_near_igraphs_on_planted_communities() -> None:
    graph = caveman(20, 10, seed=4)
    ours = graph.communities(random_state=0, backend="scipy").modularity
    theirs = graph.communities(random_state=0, backend="igraph").modularity
    assert ours >= 0.99 * theirs


class TestValue:
    def test_lookups(self) -> None:
        found = make([("a", "b"), ("c", "d"), ("d", "e")]).communities(method="components")
        assert found.label_of("a") == 1
        assert found.members_of(0) == ["c", "d", "e"]
        assert found.to_columns()["member"].tolist() == ["a", "b", "c", "d", "e"]
        assert found.to_columns()["community"].tolist() == [1, 1, 0, 0, 0]
        with pytest.raises(UnknownIdError):
            found.label_of("zed")
        with pytest.raises(UnknownIdError):
            found.label_of(["unhashable"])  # type: ignore[arg-type]
        for bad in (2, -1, 1.0, True):
            with pytest.raises(InvalidInputError, match="label"):
                found.members_of(bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="no communities"):
            ReferralGraph().communities().members_of(0)

    def test_views(self) -> None:
        pytest.importorskip("pandas")
        found = two_cliques().communities(random_state=0, backend="scipy")
        assert found.to_frame()["community"].tolist() == found.labels.tolist()
        assert "member_name" in found.to_frame(labels={"x0": "Ann"}).columns
        text = repr(found)
        assert text.startswith("Communities(ids=(")
        assert "method='leiden'" in text
        assert "\n" not in text
        assert "… 10 items" in text
        html = found._repr_html_()
        assert "2 leiden communities of 10 members" in html
        assert html.count("<tr>") == 3

    def test_is_frozen(self) -> None:
        found = two_cliques().communities(random_state=0)
        with pytest.raises(AttributeError):
            found.modularity = 1.0  # type: ignore[misc]

    def test_pickles(self) -> None:
        import pickle

        found = two_cliques().communities(random_state=0)
        again = pickle.loads(pickle.dumps(found))
        assert (again.ids, again.labels.tolist(), again.modularity, again.backend) == (
            found.ids,
            found.labels.tolist(),
            found.modularity,
            found.backend,
        )
        assert again.label_of("y4") == found.label_of("y4")


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"method": "walktrap"}, "method"),
            ({"method": None}, "method"),
            ({"resolution": -0.5}, "resolution"),
            ({"resolution": float("nan")}, "resolution"),
            ({"resolution": "1"}, "resolution"),
            ({"random_state": -1}, "random_state"),
            ({"random_state": "seed"}, "random_state"),
            ({"backend": "networkx"}, "backend"),
        ],
    )
    def test_bad_arguments_raise_and_change_nothing(
        self, kwargs: dict[str, object], field: str
    ) -> None:
        graph = two_cliques()
        before = snapshot(graph)
        with pytest.raises(InvalidInputError, match=field):
            graph.communities(**kwargs)  # type: ignore[arg-type]
        assert snapshot(graph) == before

    def test_an_erased_member_is_in_no_community(self) -> None:
        graph = two_cliques()
        graph.erase("x3")
        found = graph.communities(random_state=0)
        assert "x3" not in found.ids
        with pytest.raises(UnknownIdError):
            found.label_of("x3")
        assert sum(found.sizes.tolist()) == 9


def test_a_communities_value_is_frozen_and_compares_by_value() -> None:
    graph = ReferralGraph()
    graph.add_friendships([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a"), ("d", "e")])
    found = graph.communities(random_state=0)
    assert found == graph.communities(random_state=0)
    assert found != graph.communities(method="components")
    for array in (found.labels, found.sizes):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 7
