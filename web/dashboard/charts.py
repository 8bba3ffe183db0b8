"""The geometry of the server-drawn SVG: cap bars, the support-window timeline, spend bars.

Only numbers are computed here; the templates draw them (autoescaped), so no
markup is ever built from data in Python.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def share(part: Decimal | str | int, whole: Decimal | str | int) -> float:
    """`part` as a percentage of `whole`, between 0 and 100."""
    whole = Decimal(whole)
    if whole <= 0:
        return 0.0
    return float(min(Decimal(100), max(Decimal(0), Decimal(part) * 100 / whole)))


def timeline(windows: list[dict], tranches: dict[str, list[dict]], marker: date,
             width: int = 720) -> dict:
    """Support windows as rows of year cells: paid, planned, or open within the window.

    `tranches` maps an application to its tranches ({"year", "paid_on"});
    `marker` (today, or the as-of date) is drawn as a line where it falls.
    """
    if not windows:
        return {"rows": []}
    first = min(w["first_year"] for w in windows)
    last = max(w["last_year"] for w in windows)
    if marker.year in (first - 1, last + 1):
        first, last = min(first, marker.year), max(last, marker.year)
    label_width, row_height, top = 150, 30, 26
    years = list(range(first, last + 1))
    column = (width - label_width) / len(years)
    rows = []
    for i, w in enumerate(windows):
        paid = {t["year"] for t in tranches.get(w["application_id"], []) if t["paid_on"]}
        planned = {t["year"] for t in tranches.get(w["application_id"], [])}
        y = top + i * row_height
        cells = [{
            "x": label_width + (year - first) * column + 2, "y": y + 4,
            "width": column - 4, "height": row_height - 8, "year": year,
            "state": "paid" if year in paid else "planned" if year in planned else "open",
        } for year in range(w["first_year"], w["last_year"] + 1)]
        rows.append({"window": w, "y": y, "label_y": y + row_height / 2 + 4, "cells": cells})
    marker_x = None
    if first <= marker.year <= last:
        start = date(marker.year, 1, 1)
        fraction = (marker - start).days / (date(marker.year + 1, 1, 1) - start).days
        marker_x = label_width + (marker.year - first + fraction) * column
    height = top + len(windows) * row_height + 6
    return {
        "width": width, "height": height, "rows": rows, "marker_x": marker_x,
        "years": [{"year": year, "x": label_width + (year - first + 0.5) * column}
                  for year in years],
        "grid": [label_width + k * column for k in range(len(years) + 1)],
        "top": top, "bottom": height - 4,
    }


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value`."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def spend_bars(by_year: list[dict], width: int = 720, height: int = 260) -> dict:
    """Awarded and paid per year as pairs of bars, with four grid lines (amounts in fen)."""
    if not by_year:
        return {"groups": []}
    left, bottom, top = 110, 30, 12
    plot_height = height - bottom - top
    ceiling = _nice_ceiling(max(max(y["awarded_fen"], y["paid_fen"]) for y in by_year))
    group = (width - left - 10) / len(by_year)
    bar = min(48.0, group * 0.32)

    def y_of(fen: int) -> float:
        return top + plot_height * (1 - fen / ceiling)

    groups = []
    for i, y in enumerate(by_year):
        x = left + i * group + group / 2
        groups.append({
            "year": y["year"], "label_x": x,
            "awarded": {"x": x - bar - 2, "y": y_of(y["awarded_fen"]), "width": bar,
                        "height": top + plot_height - y_of(y["awarded_fen"]),
                        "fen": y["awarded_fen"]},
            "paid": {"x": x + 2, "y": y_of(y["paid_fen"]), "width": bar,
                     "height": top + plot_height - y_of(y["paid_fen"]), "fen": y["paid_fen"]},
        })
    grid = [{"y": y_of(ceiling * k // 4), "fen": ceiling * k // 4} for k in range(5)]
    return {"width": width, "height": height, "left": left, "groups": groups, "grid": grid,
            "baseline": top + plot_height, "label_y": height - 10}
