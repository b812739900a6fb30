"""The errors raised by community-marketing.

Every error is a ``CommunityMarketingError``; most are also the built-in
exception they mean, so ``except KeyError`` keeps working::

    CommunityMarketingError
    ├── InvalidInputError      (also ValueError)   bad argument or state; names the field
    ├── UnknownIdError         (also KeyError)     an id the object has never seen
    ├── ConsentRequiredError                       the contact has not agreed, or is suppressed
    ├── PermissionDeniedError  (also PermissionError)  a member lacks an ability
    ├── InvalidTokenError                          wrong, reused, expired or malformed token
    ├── ReferralRejectedError                      self-referral, ring, existing member...
    └── NotFittedError                             a model asked before ``fit``

A call that raises changes nothing.
"""

from __future__ import annotations

from collections.abc import Hashable

__all__ = [
    "CommunityMarketingError",
    "ConsentRequiredError",
    "InvalidInputError",
    "InvalidTokenError",
    "NotFittedError",
    "PermissionDeniedError",
    "ReferralRejectedError",
    "UnknownIdError",
]


class CommunityMarketingError(Exception):
    """Base class of every error this library raises.

    Examples
    --------
    >>> from community_marketing import CommunityMarketingError, InvalidInputError
    >>> issubclass(InvalidInputError, CommunityMarketingError)
    True
    """


class InvalidInputError(CommunityMarketingError, ValueError):
    """An argument or a state field is not what was expected.

    The message names the field, what was expected and what arrived.

    Examples
    --------
    >>> from community_marketing import InvalidInputError
    >>> isinstance(InvalidInputError("purpose: expected a non-empty str"), ValueError)
    True
    """


class UnknownIdError(CommunityMarketingError, KeyError):
    """An id (user, item, contact, member) that the object has never seen.

    Examples
    --------
    >>> from community_marketing import UnknownIdError
    >>> err = UnknownIdError("user", "alice")
    >>> err.kind, err.id
    ('user', 'alice')
    >>> str(err)
    "unknown user: 'alice'"
    """

    def __init__(self, kind: str, id: Hashable) -> None:
        super().__init__(kind, id)
        self.kind = kind
        self.id = id

    def __str__(self) -> str:
        return f"unknown {self.kind}: {self.id!r}"


class ConsentRequiredError(CommunityMarketingError):
    """The contact has not given the consent the call needs, or is suppressed.

    Examples
    --------
    >>> from community_marketing import ConsentRequiredError
    >>> str(ConsentRequiredError("ann is on the suppression list"))
    'ann is on the suppression list'
    """


class PermissionDeniedError(CommunityMarketingError, PermissionError):
    """A member tried to do something their roles do not allow.

    Examples
    --------
    >>> from community_marketing import PermissionDeniedError
    >>> isinstance(PermissionDeniedError("bob lacks BAN"), PermissionError)
    True
    """


class InvalidTokenError(CommunityMarketingError):
    """A token is wrong, already used, expired or malformed.

    Examples
    --------
    >>> from community_marketing import InvalidTokenError
    >>> str(InvalidTokenError("token: expired"))
    'token: expired'
    """


class ReferralRejectedError(CommunityMarketingError):
    """A referral cannot be recorded; ``reason`` says why.

    Examples
    --------
    >>> from community_marketing import ReferralRejectedError
    >>> err = ReferralRejectedError("self_referral", "ann cannot refer herself")
    >>> err.reason
    'self_referral'
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotFittedError(CommunityMarketingError):
    """A model was asked for something before ``fit`` (or ``from_factors``).

    Examples
    --------
    >>> from community_marketing import NotFittedError
    >>> str(NotFittedError("Recommender is not fitted: call fit() first"))
    'Recommender is not fitted: call fit() first'
    """
