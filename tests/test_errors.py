"""The error tree: one base, each error also the built-in it means."""

from __future__ import annotations

import pytest

import community_marketing as cm
from community_marketing import errors


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (cm.InvalidInputError, ValueError),
        (cm.UnknownIdError, KeyError),
        (cm.PermissionDeniedError, PermissionError),
        (cm.ConsentRequiredError, Exception),
        (cm.InvalidTokenError, Exception),
        (cm.ReferralRejectedError, Exception),
        (cm.NotFittedError, Exception),
    ],
)
def test_every_error_is_a_community_marketing_error(error: type, builtin: type) -> None:
    assert issubclass(error, cm.CommunityMarketingError)
    assert issubclass(error, builtin)


def test_the_tree_in_the_docstring_names_every_error() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert name in doc


def test_unknown_id_error_message_is_readable() -> None:
    error = cm.UnknownIdError("user", 42)
    assert str(error) == "unknown user: 42"
    with pytest.raises(KeyError):
        raise error


def test_referral_rejected_error_carries_the_reason() -> None:
    error = cm.ReferralRejectedError("ring", "bob already referred ann")
    assert error.reason == "ring"
    assert str(error) == "bob already referred ann"
