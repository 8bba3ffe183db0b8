"""Spend: awarded and paid per policy, article and year, with a bar chart by year."""

from __future__ import annotations

from flask import Blueprint, render_template

from projections import pages
from web.dashboard import charts
from web.dashboard.access import services

bp = Blueprint("spend", __name__, url_prefix="/spend")


@bp.get("")
def index():
    """The `spend` view as a table, and its yearly totals as bars."""
    with services().reader() as views:
        spend = pages.spend(views)
    return render_template("spend.html", spend=spend, chart=charts.spend_bars(spend["by_year"]))
