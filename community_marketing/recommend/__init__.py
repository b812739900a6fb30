"""Recommender: implicit-feedback ALS with the application's own ids, friends and consent.

``Recommender`` wraps ``implicit``'s CPU ``AlternatingLeastSquares`` and keeps an
id index on each side, so the application speaks in its own user and item ids
and never in matrix rows. On top of ALS it answers the reverse question (who
should hear about this product), blends in the scores of a user's friends, and
starts cold users from their friends' factors, falling back on popularity.

The friends come through :class:`FriendGraph`, a small protocol that
``ReferralGraph`` (or any class of the application) satisfies; this package never
imports the graph module.

Threads: a fitted ``Recommender`` is safe for concurrent reads (``recommend``,
``audience_for``...); ``fit``, ``update_users`` and the like are writes and need
the caller's lock.

Where things live:

- ``_recommender.py``: ``Recommender``, the face: hyper-parameters, argument checks, delegates.
- ``_interactions.py``: ``Interactions`` and the build of the users x items CSR from triples.
- ``_weighting.py``: log, BM25 and TF-IDF confidence weighting (``weigh``, ``item_length_norm``).
- ``_fit.py``: ``Fitted`` (what a fit learned), implicit's ALS fit, the ``update_users`` fold-in.
- ``_answers.py``: top-k for users, similar items and users, audiences, explain, related items.
- ``_social.py``: ``FriendGraph``, the social blend, cold start from friends and friends of friends.
- ``_new_items.py``: ``add_items``: factors for new products, from alike items or first holders.
- ``_tuning.py``: ``tune``, ``TuningResult`` and ``Trial``: a seeded search on a held-out split.
- ``_split.py``, ``_ranking.py``: the per-user split and the ranking metrics ``evaluation`` uses.
- ``_state.py``: ``to_state`` / ``from_state`` and the checks of ``from_factors``.
- ``_values.py``: ``Recommendations``, ``RecommendationBatch``, ``Explanation``, ``Source``.
"""

from __future__ import annotations

from .._public import publish
from ._interactions import Interactions
from ._recommender import Recommender
from ._social import FriendGraph
from ._tuning import Trial, TuningResult
from ._values import Explanation, RecommendationBatch, Recommendations, Source

__all__ = [
    "Explanation",
    "FriendGraph",
    "Interactions",
    "RecommendationBatch",
    "Recommendations",
    "Recommender",
    "Source",
    "Trial",
    "TuningResult",
]


publish(__name__, *(globals()[name] for name in __all__))
