"""The public surface, pinned: every exported name once, sorted, documented."""

from __future__ import annotations

import community_marketing

EXPECTED = {
    "Explanation",
    "FriendGraph",
    "Interactions",
    "RecommendationBatch",
    "Recommendations",
    "Recommender",
    "Trial",
    "TuningResult",
    "CampaignPlan",
    "NoOffer",
    "Niche",
    "niche_audiences",
    "niches",
    "PresenceLog",
    "ErasureReceipt",
    "forget",
    "readmit",
    "subject_access",
    "PresenceOffer",
    "offer_on_presence",
    "offers_on_presence",
    "plan_campaign",
    "CampaignResult",
    "ControlGroup",
    "GroupCounts",
    "holdout_size",
    "columns_of",
    "frame_of",
    "measure_campaign",
    "CascadeResult",
    "Communities",
    "FriendRight",
    "GrowthProjection",
    "Influencers",
    "Referral",
    "ReferralFlag",
    "ReferralGraph",
    "ReferralTree",
    "ViralCoefficient",
    "project_growth",
    "Ability",
    "Badge",
    "BadgeRule",
    "BadgeTier",
    "FanGroup",
    "Hotspot",
    "ImportReport",
    "JoinRequest",
    "JoinRule",
    "ReputationPolicy",
    "Reward",
    "RewardDue",
    "RisingArea",
    "Role",
    "Standing",
    "TrustChange",
    "TrustPolicy",
    "TrustRequirement",
    "CommunityMarketingError",
    "ConsentAction",
    "ConsentChecks",
    "ConsentEvent",
    "ConsentRequiredError",
    "ConsentStatus",
    "InvalidInputError",
    "InvalidTokenError",
    "KeywordResult",
    "NotFittedError",
    "OptInRegistry",
    "PermissionDeniedError",
    "Preferences",
    "Reason",
    "ReferralRejectedError",
    "UnknownIdError",
    "__version__",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(community_marketing.__all__) == EXPECTED
    assert len(community_marketing.__all__) == len(EXPECTED)
    assert community_marketing.__all__ == sorted(community_marketing.__all__)


def test_every_name_resolves_and_has_a_docstring_with_an_example() -> None:
    for name in community_marketing.__all__:
        value = getattr(community_marketing, name)
        if name == "__version__":
            assert isinstance(value, str)
            continue
        doc = value.__doc__ or ""
        assert doc.strip(), name
        assert ">>>" in doc, f"{name} has no example"


def test_no_io_modules_imported_by_the_package() -> None:
    import ast
    from pathlib import Path

    forbidden = {"socket", "sqlite3", "urllib", "http", "requests", "shutil", "tempfile"}
    for path in Path(community_marketing.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"open", "print"}:
                assert path.name == "__main__.py", f"{path.name} calls {node.func.id}()"  # type: ignore[attr-defined]
                continue
            else:
                continue
            assert not names & forbidden, (path.name, names & forbidden)
