"""IdIndex: the id <-> index bijection, in bulk."""

from __future__ import annotations

import uuid
from collections.abc import Hashable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing import InvalidInputError, UnknownIdError
from community_marketing._ids import IdIndex, canonical_id, plain_id


def test_first_appearance_order_and_bulk_lookups() -> None:
    index = IdIndex(kind="user")
    assert index.add_many(["b", "a", "b", "c"]).tolist() == [0, 1, 0, 2]
    assert index.ids() == ["b", "a", "c"]
    assert index.indices(np.array(["c", "b"])).tolist() == [2, 0]
    assert index.lookup(["a", "zz"]).tolist() == [1, -1]
    assert index.add("d") == 3
    assert index.add("a") == 1
    assert len(index) == 4
    assert "d" in index
    assert [] not in index  # unhashable: simply absent


def test_mixed_hashable_ids() -> None:
    key = uuid.UUID(int=5)
    index = IdIndex([1, "1", key, (2, 3)])
    assert index.indices([key, (2, 3), "1", 1]).tolist() == [2, 3, 1, 0]


def test_numpy_ids_become_python_scalars() -> None:
    index = IdIndex(np.array([10, 20, 30]))
    assert all(type(i) is int for i in index.ids())
    assert index.index(np.int64(20)) == 1


def test_unknown_id_error() -> None:
    index = IdIndex(["a"], kind="item")
    with pytest.raises(UnknownIdError) as info:
        index.indices(["a", "b"])
    assert info.value.kind == "item"
    assert info.value.id == "b"
    assert isinstance(info.value, KeyError)
    with pytest.raises(UnknownIdError):
        index.index("zz")


@pytest.mark.parametrize("bad", [[["list"]], [None], [float("nan")], [{}]])
def test_bad_ids_change_nothing(bad: list[object]) -> None:
    index = IdIndex(["a"])
    with pytest.raises(InvalidInputError, match=r"ids\[1\]"):
        index.add_many(["new", *bad])
    assert index.ids() == ["a"]
    assert "new" not in index


def test_lookup_rejects_unhashable() -> None:
    with pytest.raises(InvalidInputError, match=r"ids\[0\]"):
        IdIndex(["a"]).lookup([["x"]])


def test_single_string_is_not_a_sequence_of_ids() -> None:
    with pytest.raises(InvalidInputError, match="single str"):
        IdIndex().add_many("abc")
    with pytest.raises(InvalidInputError, match="1-d"):
        IdIndex().add_many(np.zeros((2, 2)))


def test_remove_and_truncate() -> None:
    index = IdIndex(["a", "b", "c"])
    assert index.remove("b") == 1
    assert index.is_removed(1)
    assert "b" not in index
    assert list(index) == ["a", "c"]
    assert index.count == 2
    assert index.add("b") == 3  # a returning id gets a new slot
    index.truncate(2)
    assert list(index) == ["a"]
    assert index.lookup(["a", "b", "c"]).tolist() == [0, -1, -1]
    with pytest.raises(UnknownIdError):
        index.id_at(1)


@given(st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=2)), max_size=30))
def test_add_many_matches_one_by_one(ids: list[object]) -> None:
    bulk = IdIndex()
    single = IdIndex()
    assert bulk.add_many(ids).tolist() == [single.add(i) for i in ids]
    assert bulk.ids() == single.ids()
    assert bulk.ids_at(bulk.indices(ids)) == ids


# ---------------------------------------------------------------- one canonical form for ids

_NUMBERS = st.one_of(
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.fractions(max_denominator=20),
    st.decimals(allow_nan=False, places=3),
    st.integers(-(2**31), 2**31 - 1).map(np.int64),
    st.floats(allow_nan=False, width=32).map(np.float32),
)
_IDS = st.recursive(
    st.one_of(_NUMBERS, st.text(max_size=4), st.binary(max_size=4)),
    lambda inner: st.tuples(inner, inner),
    max_leaves=4,
)


@settings(max_examples=400)
@given(_IDS, _IDS)
def test_canonical_id_agrees_exactly_with_equality(a: Hashable, b: Hashable) -> None:
    """Two ids share a key exactly when a dict would hold them as one."""
    same_key = {a: 1}.get(b) == 1
    assert (canonical_id(a) == canonical_id(b)) == same_key


@given(_NUMBERS)
def test_canonical_id_of_a_number_and_its_numpy_and_plain_forms(value: Hashable) -> None:
    assert canonical_id(value) == canonical_id(plain_id(value))


def test_index_stores_plain_ids() -> None:
    index = IdIndex([np.int64(3), "a"])
    index.add(np.float64(2.5))
    index.add_many([np.int32(5), 3])
    assert index.ids() == [3, "a", 2.5, 5]
    assert [type(i) for i in index.ids()] == [int, str, float, int]
    assert index.index(np.int64(5)) == 3
