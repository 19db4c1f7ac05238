"""The audit log's pages: all of it for staff, a team's part for its managers; both
filtered by person, team, act and dates, and exported as CSV or JSON lines."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from common.htmx import HtmxHttpRequest
from generator.audit.models import Act
from generator.audit.queries import (
    PAGE,
    AuditFilters,
    audit_csv,
    audit_entries,
    audit_jsonl,
    audit_page,
)
from generator.models import Membership, Team

FORMATS = {
    "csv": ("text/csv; charset=utf-8", audit_csv),
    "jsonl": ("application/x-ndjson; charset=utf-8", audit_jsonl),
}


def _managed_team_or_404(user, team_id: int) -> Team:
    team = Team.objects.filter(
        pk=team_id, memberships__user=user, memberships__role=Membership.Role.MANAGER
    ).first()
    if team is None:
        raise Http404
    return team


def _render(request: HtmxHttpRequest, *, entries, teams, team: Team | None, export_url: str):
    filters = AuditFilters.from_params(request.GET)
    if team is not None:
        filters = AuditFilters(**{**filters.__dict__, "team_id": team.pk})
    page = audit_page(entries=entries, filters=filters)
    more = len(page) > PAGE
    page = page[:PAGE]
    context = {
        "entries": page,
        "filters": filters,
        "acts": Act.choices,
        "teams": teams,
        "team": team,
        "export_url": export_url,
        "query": urlencode(filters.params()),
        "next_before": page[-1].pk if more else None,
    }
    return render(request, "audit/log.html", context)


@staff_member_required
@require_GET
def audit_log(request: HtmxHttpRequest):
    return _render(
        request,
        entries=audit_entries(),
        teams=Team.objects.order_by("name"),
        team=None,
        export_url=reverse("audit_export", args=["csv"]).removesuffix("csv"),
    )


@login_required
@require_GET
def team_audit_log(request: HtmxHttpRequest, team_id: int):
    team = _managed_team_or_404(request.user, team_id)
    return _render(
        request,
        entries=audit_entries(team_ids=[team.pk]),
        teams=None,
        team=team,
        export_url=reverse("team_audit_export", args=[team.pk, "csv"]).removesuffix("csv"),
    )


def _export(request, *, entries, kind: str, name: str):
    if kind not in FORMATS:
        raise Http404
    content_type, write = FORMATS[kind]
    chosen = AuditFilters.from_params(request.GET).query(entries)
    response = StreamingHttpResponse(write(entries=chosen), content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{kind}"'
    return response


@staff_member_required
@require_GET
def audit_export(request: HtmxHttpRequest, kind: str):
    return _export(request, entries=audit_entries(), kind=kind, name="audit-log")


@login_required
@require_GET
def team_audit_export(request: HtmxHttpRequest, team_id: int, kind: str):
    team = _managed_team_or_404(request.user, team_id)
    return _export(
        request, entries=audit_entries(team_ids=[team.pk]), kind=kind, name=f"audit-team-{team.pk}"
    )
