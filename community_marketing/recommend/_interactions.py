"""Interactions: who interacted with what, as a users x items CSR with an id index per side.

Also the steps that build it: canonical CSR, weight checks, and the dense
numbering of ids (a numpy fast path for int and str arrays).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .._display import short
from .._frames import column
from .._ids import IdIndex, as_id_list
from .._types import Float64Array, Int64Array
from ..errors import InvalidInputError

MAX_WEIGHT = float(np.finfo(np.float32).max)
"""The largest weight: the interactions are stored in float32."""


def check_weights(data: npt.NDArray[Any], field: str, rows: Sequence[Hashable] | None) -> None:
    """Raise if any weight is NaN, infinite, negative or beyond float32, naming the first."""
    fine = (data >= 0) & (data <= MAX_WEIGHT)  # False for NaN and the infinities
    if fine.all():
        return
    position = int(np.argmin(fine))
    where = f"{field}[{position}]" if rows is None else f"{field} for user {rows[position]!r}"
    if np.isfinite(data[position]) and data[position] > 0:
        raise InvalidInputError(
            f"{where}: expected a weight at most {MAX_WEIGHT:.4g} (float32), "
            f"got {float(data[position])!r}"
        )
    raise InvalidInputError(
        f"{where}: expected a finite non-negative weight, got {float(data[position])!r}"
    )


def _as_float_array(values: Any, field: str) -> Float64Array:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{field}: expected numbers, got {type(values).__name__}") from None
    if array.ndim != 1:
        raise InvalidInputError(f"{field}: expected a 1-d sequence, got shape {array.shape}")
    return array


def canonical_csr(matrix: Any) -> sp.csr_matrix:
    """CSR, float32, duplicates summed, explicit zeros dropped, indices sorted.

    A matrix already in that form is returned as it is (no copy); any other is
    copied, so the caller's matrix is never modified.
    """
    if (
        isinstance(matrix, sp.csr_matrix)
        and matrix.dtype == np.float32
        and matrix.has_canonical_format
        and matrix.data.size
        and matrix.data.all()
    ):
        return matrix
    matrix = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


@attrs.frozen(eq=False)
class Interactions:
    """Who interacted with what, and how much: a users x items CSR with its ids.

    Build it with :meth:`from_triples` or :meth:`from_csr`; both sum duplicates,
    drop zero weights and refuse NaN, infinite or negative weights.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``float32`` users x items matrix of summed weights.
    user_ids : tuple of hashable
        The id of each row.
    item_ids : tuple of hashable
        The id of each column.

    Examples
    --------
    >>> data = Interactions.from_triples(["ann", "ann", "bob"], ["tea", "tea", "jam"], [1, 2, 5])
    >>> data.user_ids, data.item_ids
    (('ann', 'bob'), ('tea', 'jam'))
    >>> data.matrix.toarray().tolist()
    [[3.0, 0.0], [0.0, 5.0]]
    """

    matrix: sp.csr_matrix = attrs.field(repr=False)
    user_ids: tuple[Hashable, ...] = attrs.field(repr=short)
    item_ids: tuple[Hashable, ...] = attrs.field(repr=short)
    _user_index: IdIndex = attrs.field(init=False, repr=False)
    _item_index: IdIndex = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        matrix = self.matrix
        if not sp.issparse(matrix):
            raise InvalidInputError(
                f"matrix: expected a scipy.sparse matrix, got {type(matrix).__name__}"
            )
        users = IdIndex(self.user_ids, kind="user")
        items = IdIndex(self.item_ids, kind="item")
        if len(users) != len(self.user_ids):
            raise InvalidInputError("user_ids: expected distinct ids, got duplicates")
        if len(items) != len(self.item_ids):
            raise InvalidInputError("item_ids: expected distinct ids, got duplicates")
        if matrix.shape != (len(users), len(items)):
            raise InvalidInputError(
                f"matrix: expected shape ({len(users)}, {len(items)}) to match the ids, "
                f"got {matrix.shape}"
            )
        canonical = canonical_csr(matrix)
        if canonical is not matrix:
            object.__setattr__(self, "matrix", canonical)
        bad = ~np.isfinite(canonical.data) | (canonical.data < 0)
        if bad.any():
            position = int(np.argmax(bad))
            row_of = np.searchsorted(canonical.indptr, np.arange(position + 1), side="right") - 1
            raise InvalidInputError(
                f"matrix: weight of user {self.user_ids[row_of[position]]!r} for item "
                f"{self.item_ids[canonical.indices[position]]!r}: expected a finite "
                f"non-negative number, got {float(canonical.data[position])!r}"
            )
        object.__setattr__(self, "_user_index", users)
        object.__setattr__(self, "_item_index", items)

    @classmethod
    def from_triples(
        cls,
        users: Sequence[Hashable] | npt.NDArray[Any],
        items: Sequence[Hashable] | npt.NDArray[Any],
        weights: Sequence[float] | npt.NDArray[Any] | None = None,
    ) -> Interactions:
        """Interactions from three parallel sequences: who, what, how much.

        Parameters
        ----------
        users : sequence of hashable
            The user of each interaction, in the application's own ids.
        items : sequence of hashable
            The item of each interaction.
        weights : sequence of float, optional
            How much (listens, purchases, visits); 1 for each row when omitted.
            Duplicated (user, item) pairs are summed.

        Returns
        -------
        Interactions

        Raises
        ------
        InvalidInputError
            Empty input, mismatched lengths, a bad id, or a NaN, infinite or
            negative weight (the message names the row).

        Examples
        --------
        >>> Interactions.from_triples([1, 2], ["a", "b"]).matrix.nnz
        2
        >>> Interactions.from_triples([1, 2], ["a", "b"], [1.0, -1.0])
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: weights[1]: expected a finite non-negative weight, got -1.0
        """  # noqa: E501
        user_list = _id_sequence(users, "users")
        item_list = _id_sequence(items, "items")
        count = len(user_list)
        if count == 0:
            raise InvalidInputError("users: expected at least one interaction, got none")
        if len(item_list) != count:
            raise InvalidInputError(
                f"items: expected {count} ids to match users, got {len(item_list)}"
            )
        if weights is None:
            values = np.ones(count, dtype=np.float64)
        else:
            values = _as_float_array(weights, "weights")
            if values.shape[0] != count:
                raise InvalidInputError(
                    f"weights: expected {count} weights to match users, got {values.shape[0]}"
                )
            check_weights(values, "weights", None)
        user_ids, rows = _dense_ids(users, user_list, "users", "user")
        item_ids, cols = _dense_ids(items, item_list, "items", "item")
        matrix = sp.csr_matrix(
            (values.astype(np.float32), (rows, cols)), shape=(len(user_ids), len(item_ids))
        )
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return cls(matrix, tuple(user_ids), tuple(item_ids))

    @classmethod
    def from_frame(
        cls, table: object, *, user: str, item: str, weight: str | None = None
    ) -> Interactions:
        """Interactions from named columns of a table, as :meth:`from_triples` reads them.

        Parameters
        ----------
        table : DataFrame or mapping of str to array
            A pandas, polars or pyarrow table, or a dict of arrays; read by column name
            (none of those libraries is imported).
        user, item : str
            The columns holding the user and the item of each interaction.
        weight : str, optional
            The column of weights; 1 for each row when omitted.

        Returns
        -------
        Interactions

        Raises
        ------
        InvalidInputError
            A missing column (named), or what :meth:`from_triples` refuses.

        Examples
        --------
        >>> table = {"userID": [2, 2, 3], "artistID": [51, 52, 51], "weight": [13, 2, 7]}
        >>> data = Interactions.from_frame(table, user="userID", item="artistID", weight="weight")
        >>> data.n_users, data.n_items, data.nnz
        (2, 2, 3)
        >>> Interactions.from_frame(table, user="user", item="artistID")
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: user: no column 'user' in the table; ...
        """
        users = column(table, user, "user")
        items = column(table, item, "item")
        weights = None if weight is None else column(table, weight, "weight")
        return cls.from_triples(users, items, weights)

    @classmethod
    def from_csr(
        cls,
        matrix: Any,
        user_ids: Sequence[Hashable] | npt.NDArray[Any],
        item_ids: Sequence[Hashable] | npt.NDArray[Any],
    ) -> Interactions:
        """Interactions from a users x items sparse matrix and the ids of its rows and columns.

        A CSR matrix that is already ``float32`` with summed duplicates, sorted
        indices and no explicit zeros is used as it is, without a copy (which
        matters at ten million interactions): do not modify it afterwards. Any
        other matrix is copied and never modified.

        Parameters
        ----------
        matrix : scipy.sparse matrix
            Users as rows, items as columns (any sparse format; converted to CSR).
        user_ids : sequence of hashable
            One distinct id per row.
        item_ids : sequence of hashable
            One distinct id per column.

        Returns
        -------
        Interactions

        Examples
        --------
        >>> import scipy.sparse as sp
        >>> matrix = sp.csr_matrix([[1.0, 0.0], [0.0, 2.0]])
        >>> data = Interactions.from_csr(matrix, ["u", "v"], [7, 8])
        >>> data.n_users, data.n_items, data.nnz
        (2, 2, 2)
        """
        return cls(
            matrix,
            tuple(as_id_list(user_ids, "user_ids")),
            tuple(as_id_list(item_ids, "item_ids")),
        )

    @property
    def n_users(self) -> int:
        """Number of users (rows)."""
        return int(self.matrix.shape[0])

    @property
    def n_items(self) -> int:
        """Number of items (columns)."""
        return int(self.matrix.shape[1])

    @property
    def nnz(self) -> int:
        """Number of distinct (user, item) pairs."""
        return int(self.matrix.nnz)

    def items_of(self, user: Hashable) -> list[Hashable]:
        """The items ``user`` interacted with, in column order.

        Examples
        --------
        >>> Interactions.from_triples(["a", "a"], ["x", "y"]).items_of("a")
        ['x', 'y']
        """
        row = self._user_index.index(user)
        start, end = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        return [self.item_ids[i] for i in self.matrix.indices[start:end].tolist()]


def _id_sequence(ids: Any, field: str) -> Sequence[Hashable] | npt.NDArray[Any]:
    """``ids`` as a list, or as the 1-d numpy array it is when it has a plain dtype."""
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iuU" and ids.ndim == 1:
        return ids
    return as_id_list(ids, field)


def _dense_ids(
    original: Any, ids: Sequence[Hashable] | npt.NDArray[Any], field: str, kind: str
) -> tuple[list[Hashable], Int64Array]:
    """Distinct ids in order of first appearance, and the position of each row's id.

    A numpy array of ints or strings is mapped with ``np.unique`` (no Python object
    per row, which matters at ten million rows); anything else through ``IdIndex``.
    """
    if isinstance(ids, np.ndarray):
        distinct, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        distinct_ids: list[Hashable] = distinct[order].tolist()
        return distinct_ids, rank[inverse.ravel()]
    index = IdIndex(kind=kind)
    positions = index.add_many(ids, field)
    return index.ids(), positions


def align(data: Interactions, users: IdIndex, items: IdIndex) -> sp.csr_matrix:
    """``data``'s matrix renumbered to the rows of ``users`` and columns of ``items``."""
    rows = users.indices(data.user_ids, "interactions.user_ids")
    columns = items.indices(data.item_ids, "interactions.item_ids")
    coo = data.matrix.tocoo()
    return canonical_csr(
        sp.csr_matrix((coo.data, (rows[coo.row], columns[coo.col])), shape=(len(users), len(items)))
    )


def interactions_from(
    users: Interactions | Sequence[Hashable] | npt.NDArray[Any],
    items: Sequence[Hashable] | npt.NDArray[Any] | None,
    weights: Sequence[float] | npt.NDArray[Any] | None,
) -> Interactions:
    """``fit``'s two ways in: an :class:`Interactions` value, or three parallel sequences."""
    if isinstance(users, Interactions):
        if items is not None or weights is not None:
            raise InvalidInputError(
                "items, weights: expected None when passing an Interactions value"
            )
        return users
    if items is None:
        if hasattr(users, "columns") or hasattr(users, "column_names"):
            raise InvalidInputError(
                "users: got a table; read its columns by name with "
                "fit(Interactions.from_frame(table, user=..., item=..., weight=...))"
            )
        raise InvalidInputError("items: expected a sequence of item ids, got None")
    return Interactions.from_triples(users, items, weights)
