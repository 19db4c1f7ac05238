"""Staff: points per day this month, and totals by user, team and app."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..services import batches, budgets
from . import HtmxHttpRequest

CHART_WIDTH, CHART_HEIGHT = 720, 200


@staff_member_required
@require_GET
def usage(request: HtmxHttpRequest):
    data = budgets.usage_month()
    peak = max(data.total_by_day.values(), default=0) or 1
    slot = CHART_WIDTH / max(len(data.days), 1)
    bars = [
        {
            "x": round(i * slot + 2, 1),
            "width": round(max(slot - 4, 1), 1),
            "height": round(points * (CHART_HEIGHT - 20) / peak, 1),
            "y": round(CHART_HEIGHT - points * (CHART_HEIGHT - 20) / peak, 1),
            "day": day,
            "points": points,
        }
        for i, (day, points) in enumerate(data.total_by_day.items())
    ]
    return render(
        request,
        "library/usage.html",
        {
            "usage": data,
            "bars": bars,
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "peak": peak,
            "batches": batches.batches_overview(),
        },
    )
