"""Which threshold applies: read by every path that starts paid work (batch_start,
run_start), before anything is sent. Imports only models, so the starting paths can
ask it without importing the approvals' services (which start batches)."""

from __future__ import annotations

from generator.approvals.models import ApprovalPolicy
from generator.teams.models import Team


def approval_threshold(*, team: Team | None) -> int | None:
    """The lowest threshold that applies to work billed to `team` (None: no team):
    the team's own, staff's for everyone; None when neither is set."""
    found = []
    if team is not None and team.approval_threshold is not None:
        found.append(team.approval_threshold)
    policy = ApprovalPolicy.objects.order_by("pk").first()
    if policy is not None and policy.threshold is not None:
        found.append(policy.threshold)
    return min(found) if found else None


def approval_needed(*, team: Team | None, points: int) -> int | None:
    """The threshold `points` is over, or None when it may start at once."""
    threshold = approval_threshold(team=team)
    return threshold if threshold is not None and points > threshold else None
