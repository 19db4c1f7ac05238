"""Usage: points per day over a chosen period, split by user, team or app; CSV too.

Staff see everyone's; everyone else sees their own.
"""

import math

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.views.decorators.http import require_GET

from common.htmx import HtmxHttpRequest
from generator.batches import status as batch_status
from generator.money.forms import UsageForm
from generator.money.usage import Usage, usage_csv, usage_range

# The chart's drawing box (SVG units); CSS scales it, and keeps it wide enough on a
# phone for its labels to stay readable (the box scrolls sideways there).
WIDTH, HEIGHT = 720, 270
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 38
# Below 700 px the chart is drawn 600 px wide inside a 1 px border (pages.css) and
# scrolls; its axis is repeated at that scale in a copy that stays at the left edge.
PHONE_SCALE = (600 - 2) / WIDTH


@login_required
@require_GET
def usage(request: HtmxHttpRequest):
    staff = request.user.is_staff
    form = UsageForm(request.GET or None, staff=staff)
    start, end = form.period(timezone.localdate())
    data = usage_range(
        start=start,
        end=end,
        user=None if staff else request.user,
        split=form.split_choice() if form.is_bound and form.is_valid() else "app",
    )
    if request.GET.get("format") == "csv" and not form.errors:
        response = HttpResponse(usage_csv(usage=data), content_type="text/csv; charset=utf-8")
        name = f"a1-usage-{data.start.isoformat()}-{data.end.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = request.GET.copy()
    query["format"] = "csv"
    context = {
        "form": form,
        "usage": data,
        "staff": staff,
        "chart": chart(data),
        "day_format": day_format(),
        "csv_query": query.urlencode(),
        "batches": batch_status.batches_overview() if staff else [],
    }
    return render(request, "money/usage.html", context)


def day_format() -> str:
    """A day of the chart, short: "25 Nov" in English, "11月25日" in Chinese and Japanese
    (the language's MONTH_DAY_FORMAT, a1site/formats/)."""
    return str(formats.get_format("MONTH_DAY_FORMAT"))


def _step(peak: int) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving about four gridlines up to `peak`."""
    raw = max(peak / 4, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def chart(data: Usage) -> dict:
    """Bars, axes and labels for the SVG, in drawing units."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max(data.total_by_day.values(), default=0)
    step = _step(peak)
    top = step * max(math.ceil(peak / step), 1)
    scale = plot_h / top
    slot = plot_w / max(len(data.days), 1)
    bar_w = max(slot * 0.7, 1)
    # Label every day when they fit, else every few days (always the first).
    every = next(n for n in (1, 2, 5, 7, 10, 14, 30, 61) if slot * n >= 30)
    series = data.series or []
    bars, labels = [], []
    for i, day in enumerate(data.days):
        x = LEFT + i * slot + (slot - bar_w) / 2
        y: float = TOP + plot_h
        for n, s in enumerate(series):
            points = s.points[i]
            if not points:
                continue
            height = points * scale
            y -= height
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "width": round(bar_w, 1),
                    "height": round(height, 1),
                    "series": n,
                    "name": s.name,
                    "day": day,
                    "points": points,
                }
            )
        if i % every == 0:
            # Day numbers only (the heading names the period); a new month shows its name
            # when there is room for it.
            wide = every > 1 and (i == 0 or day.day == 1)
            text = formats.date_format(day, day_format() if wide else "j")
            labels.append({"x": round(LEFT + i * slot + slot / 2, 1), "text": text})
    ticks = [{"value": v, "y": round(TOP + plot_h - v * scale, 1)} for v in range(0, top + 1, step)]
    busiest = max(data.total_by_day.items(), key=lambda kv: kv[1], default=(None, 0))
    return {
        "width": WIDTH,
        "axis_width": round(LEFT * PHONE_SCALE, 2),
        "axis_height": round(HEIGHT * PHONE_SCALE, 2),
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "base": TOP + plot_h,
        "top": TOP,
        "label_y": TOP + plot_h + 20,
        "mid_x": LEFT + plot_w / 2,
        "mid_y": TOP + plot_h / 2,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        # The table alternative: days on which anything was spent.
        "rows": [
            {"day": day, "points": [s.points[i] for s in series], "total": total}
            for i, (day, total) in enumerate(data.total_by_day.items())
            if total
        ],
        "busiest_day": busiest[0],
        "busiest_points": busiest[1],
    }
