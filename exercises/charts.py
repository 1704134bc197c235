"""Server-side SVG geometry for the after-action pictures: the timeline of each incident's
milestones on one time axis, and the distribution of times to acknowledge and to verify. The
templates (exercises/_timeline.svg, _histogram.svg) draw what these compute; no JavaScript."""

import math
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from exercises.figures import MILESTONES, percentile

WIDTH = 860
LEFT = 120
RIGHT = 20
TOP = 28
ROW = 18
TIMELINE_ROWS = 60

# Milestone marks: distinct shapes (readable in black and white) and colours.
MARKS = {
    "reported_at": ("circle", "#0b4f8a"),
    "acknowledged_at": ("square", "#5b6778"),
    "verifying_at": ("triangle", "#d9a21e"),
    "verified_at": ("diamond", "#1e7a3c"),
    "first_dispatched_at": ("square", "#d9631e"),
    "on_scene_at": ("triangle", "#b3261e"),
    "resolved_at": ("circle", "#111111"),
}


@dataclass
class Mark:
    x: float
    y: float
    shape: str
    colour: str
    label: str

    @property
    def corner(self):
        """The top-left corner of a square mark."""
        return self.x - 5, self.y - 5

    @property
    def points(self):
        """Polygon points for triangles and diamonds."""
        x, y = self.x, self.y
        if self.shape == "triangle":
            return f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"


@dataclass
class Timeline:
    width: int
    height: int
    rows: list = field(default_factory=list)  # (y, label, x_from, x_to)
    marks: list = field(default_factory=list)
    ticks: list = field(default_factory=list)  # (x, label)
    legend: list = field(default_factory=list)  # Mark
    hidden: int = 0


def timeline(incidents, start, end):
    """Each incident a row, its milestones marked along one time axis from `start` to `end`."""
    shown = incidents[:TIMELINE_ROWS]
    end = max([end, start + timedelta(minutes=1)] + [_last(i) for i in shown])
    span = (end - start).total_seconds()
    plot = WIDTH - LEFT - RIGHT

    def x(moment):
        return LEFT + plot * max(0.0, (moment - start).total_seconds()) / span

    chart = Timeline(width=WIDTH, height=TOP + ROW * len(shown) + 60)
    chart.hidden = len(incidents) - len(shown)
    for n, incident in enumerate(shown):
        y = TOP + ROW * n + ROW / 2
        stamps = [(key, incident[key]) for key, _ in MILESTONES if incident[key]]
        chart.rows.append((y, incident["reference"], x(stamps[0][1]), x(stamps[-1][1])))
        for key, moment in stamps:
            shape, colour = MARKS[key]
            label = f"{incident['reference']} {dict(MILESTONES)[key]} {_clock(moment, True)}"
            chart.marks.append(Mark(x(moment), y, shape, colour, label))
    seconds = span < 15 * 60
    for k in range(6):
        moment = start + (end - start) * k / 5
        chart.ticks.append((x(moment), _clock(moment, seconds)))
    legend_x, legend_y = LEFT, chart.height - 18
    for key, label in MILESTONES:
        shape, colour = MARKS[key]
        chart.legend.append(Mark(legend_x, legend_y, shape, colour, label))
        legend_x += 24 + 6.5 * len(label)
    return chart


def _last(incident):
    return max(incident[key] for key, _ in MILESTONES if incident[key])


def _clock(moment, seconds=False):
    return timezone.localtime(moment).strftime("%H:%M:%S" if seconds else "%H:%M")


@dataclass
class Histogram:
    title: str
    width: int
    height: int
    count: int
    bars: list = field(default_factory=list)  # (x, y, w, h, count, label)
    lines: list = field(default_factory=list)  # (x, label)
    base: float = 0
    axis_label: str = "minutes"


BIN_MINUTES = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240)
HIST_WIDTH = 420
HIST_HEIGHT = 200


def histogram(title, values):
    """Bars of how many incidents took how long, with the median and 90th percentile marked."""
    minutes = [v.total_seconds() / 60 for v in values]
    chart = Histogram(title=title, width=HIST_WIDTH, height=HIST_HEIGHT, count=len(minutes))
    chart.base = HIST_HEIGHT - 30
    if not minutes:
        return chart
    top = max(minutes)
    size = next((b for b in BIN_MINUTES if top / b < 12), BIN_MINUTES[-1])
    bins = max(1, math.floor(top / size) + 1)
    counts = [0] * bins
    for m in minutes:
        counts[min(int(m // size), bins - 1)] += 1
    plot_w, plot_h = HIST_WIDTH - 40, chart.base - 20
    width = plot_w / bins
    tallest = max(counts)
    for n, c in enumerate(counts):
        h = plot_h * c / tallest
        label = f"{_num(n * size)}–{_num((n + 1) * size)}"
        chart.bars.append((20 + n * width, chart.base - h, width - 2, h, c, label))
    for name, q in (("median", 0.5), ("p90", 0.9)):
        value = percentile(minutes, q)
        chart.lines.append((20 + plot_w * value / (bins * size), f"{name} {_num(value)} min"))
    return chart


def _num(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")
