"""community-marketing: primitives for one-to-crowd marketing.

A brand lives among communities of customers. This package gives it four
primitives: a consent ledger (``OptInRegistry``), a fan group with roles and
rewards (``FanGroup``), a referral and friendship graph (``ReferralGraph``) and
an implicit-feedback recommender (``Recommender``).
"""

from __future__ import annotations

from ._frames import columns_of, frame_of
from ._imports import ImportReport
from ._public import publish
from .campaign import (
    CampaignPlan,
    NoOffer,
    PresenceLog,
    PresenceOffer,
    offer_on_presence,
    offers_on_presence,
    plan_campaign,
)
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
    JoinRule,
    ReputationPolicy,
    Reward,
    RewardDue,
    RisingArea,
    Role,
    Standing,
    TrustChange,
    TrustPolicy,
    TrustRequirement,
)
from .measurement import (
    CampaignResult,
    ControlGroup,
    GroupCounts,
    holdout_size,
    measure_campaign,
)
from .niches import Niche, niche_audiences, niches
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
from .recommend import (
    Explanation,
    FriendGraph,
    Interactions,
    RecommendationBatch,
    Recommendations,
    Recommender,
    Trial,
    TuningResult,
)
from .referrals import (
    CascadeResult,
    Communities,
    FriendRight,
    GrowthProjection,
    Influencers,
    Referral,
    ReferralFlag,
    ReferralGraph,
    ReferralTree,
    ViralCoefficient,
    project_growth,
)
from .rights import ErasureReceipt, forget, readmit, subject_access

__version__ = "0.1.0.dev0"

__all__ = [
    "Ability",
    "Badge",
    "BadgeRule",
    "BadgeTier",
    "CampaignPlan",
    "CampaignResult",
    "CascadeResult",
    "Communities",
    "CommunityMarketingError",
    "ConsentAction",
    "ConsentChecks",
    "ConsentEvent",
    "ConsentRequiredError",
    "ConsentStatus",
    "ControlGroup",
    "ErasureReceipt",
    "Explanation",
    "FanGroup",
    "FriendGraph",
    "FriendRight",
    "GroupCounts",
    "GrowthProjection",
    "Hotspot",
    "ImportReport",
    "Influencers",
    "Interactions",
    "InvalidInputError",
    "InvalidTokenError",
    "JoinRequest",
    "JoinRule",
    "KeywordResult",
    "Niche",
    "NoOffer",
    "NotFittedError",
    "OptInRegistry",
    "PermissionDeniedError",
    "Preferences",
    "PresenceLog",
    "PresenceOffer",
    "Reason",
    "RecommendationBatch",
    "Recommendations",
    "Recommender",
    "Referral",
    "ReferralFlag",
    "ReferralGraph",
    "ReferralRejectedError",
    "ReferralTree",
    "ReputationPolicy",
    "Reward",
    "RewardDue",
    "RisingArea",
    "Role",
    "Standing",
    "Trial",
    "TrustChange",
    "TrustPolicy",
    "TrustRequirement",
    "TuningResult",
    "UnknownIdError",
    "ViralCoefficient",
    "__version__",
    "columns_of",
    "forget",
    "frame_of",
    "holdout_size",
    "measure_campaign",
    "niche_audiences",
    "niches",
    "offer_on_presence",
    "offers_on_presence",
    "plan_campaign",
    "project_growth",
    "readmit",
    "subject_access",
]

publish(__name__, ImportReport)
