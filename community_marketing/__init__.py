"""community-marketing: primitives for one-to-crowd marketing.

A brand lives among communities of customers. This package gives it four
primitives: a consent ledger (``OptInRegistry``), a fan group with roles and
rewards (``FanGroup``), a referral and friendship graph (``ReferralGraph``) and
an implicit-feedback recommender (``Recommender``).
"""

from __future__ import annotations

from .errors import (
    CommunityMarketingError,
    ConsentRequiredError,
    InvalidInputError,
    InvalidTokenError,
    NotFittedError,
    PermissionDeniedError,
    ReferralRejectedError,
    UnknownIdError,
)
from .groups import (
    Ability,
    Badge,
    BadgeRule,
    BadgeTier,
    FanGroup,
    Hotspot,
    JoinRequest,
    Reward,
    RewardDue,
    Role,
    Standing,
    TrustPolicy,
)
from .optin import (
    ConsentAction,
    ConsentChecks,
    ConsentEvent,
    ConsentStatus,
    KeywordResult,
    OptInRegistry,
    Preferences,
    Reason,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "Ability",
    "Badge",
    "BadgeRule",
    "BadgeTier",
    "CommunityMarketingError",
    "ConsentAction",
    "ConsentChecks",
    "ConsentEvent",
    "ConsentRequiredError",
    "ConsentStatus",
    "FanGroup",
    "Hotspot",
    "InvalidInputError",
    "InvalidTokenError",
    "JoinRequest",
    "KeywordResult",
    "NotFittedError",
    "OptInRegistry",
    "PermissionDeniedError",
    "Preferences",
    "Reason",
    "ReferralRejectedError",
    "Reward",
    "RewardDue",
    "Role",
    "Standing",
    "TrustPolicy",
    "UnknownIdError",
    "__version__",
]
