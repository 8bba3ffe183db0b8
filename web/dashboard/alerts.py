"""Alerts: everything the scheduler flagged, by due date."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template, request

from projections import pages
from web.app import services

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.get("")
def index():
    """Open flags by due date (cleared ones too with ?cleared=1)."""
    include_cleared = request.args.get("cleared") == "1"
    with services(current_app).reader() as views:
        flags = pages.alerts(views, include_cleared)
    return render_template("alerts.html", flags=flags, include_cleared=include_cleared,
                           today=date.today().isoformat())
