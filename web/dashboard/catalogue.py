"""The policy catalogue: every policy and article with its citation, in both languages."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.dashboard.access import services

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


@bp.get("")
def index():
    """Each policy with its dates, each article with its items, caps and sources."""
    catalogue = services().ledger.catalogue
    return render_template("catalogue.html", catalogue=catalogue, today=services().clock.today())
