"""Alerts: everything the scheduler flagged, by due date."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from projections import pages
from web.dashboard.access import services

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.get("")
def index():
    """Open flags by due date (cleared ones too with ?cleared=1)."""
    include_cleared = request.args.get("cleared") == "1"
    with services().reader() as views:
        flags = pages.alerts(views, include_cleared)
    return render_template("alerts.html", flags=flags, include_cleared=include_cleared,
                           today=services().clock.today().isoformat())
