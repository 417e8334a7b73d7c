"""A small server-drawn SVG chart: no script, no library, readable without JavaScript."""

import datetime as dt
from dataclasses import dataclass

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 48, 28, 12


@dataclass
class Chart:
    width: int
    height: int
    bars: list[dict]
    cumulative: str  # polyline points
    target_line: str
    y_ticks: list[dict]
    x_labels: list[dict]
    summary: str


def progress_chart(weeks: list[tuple[dt.date, int]], *, target: int, starts_on: dt.date, ends_on: dt.date) -> Chart:
    """Weekly submissions as bars, their running total as a line, and the straight line from
    zero at the phase's start to the target at its deadline (the pace needed)."""
    total_weeks = max(1, ((ends_on - starts_on).days // 7) + 1)
    running, cumulative = 0, []
    for _, n in weeks:
        running += n
        cumulative.append(running)
    top = max([target, running, *(n for _, n in weeks), 1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / total_weeks

    def y(value):
        return round(TOP + plot_h - plot_h * value / top, 1)

    bars = [
        {"x": round(LEFT + i * step + step * 0.15, 1), "y": y(n), "w": round(step * 0.7, 1),
         "h": round(plot_h * n / top, 1), "label": f"{day:%d/%m}: {n}"}
        for i, (day, n) in enumerate(weeks)
    ]
    points = " ".join(f"{round(LEFT + (i + 1) * step, 1)},{y(v)}" for i, v in enumerate(cumulative))
    target_line = f"{LEFT},{y(0)} {LEFT + plot_w},{y(target)}"
    ticks = [{"y": y(top * k / 4), "label": f"{round(top * k / 4):,}".replace(",", ".")} for k in range(5)]
    every = max(1, total_weeks // 6)
    labels = [
        {"x": round(LEFT + i * step, 1), "label": (starts_on + dt.timedelta(weeks=i)).strftime("%d/%m")}
        for i in range(0, total_weeks, every)
    ]
    return Chart(WIDTH, HEIGHT, bars, points, target_line, ticks, labels, summary=f"{running}/{target}")
