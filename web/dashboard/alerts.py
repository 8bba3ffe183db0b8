"""Alerts: every obligation open today, judged live from the read models, by due date;
and what the daily job recorded (raised and cleared), on request."""

from __future__ import annotations

from flask import Blueprint, render_template

from projections import pages, queues
from web.dashboard import listing
from web.dashboard.access import services

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
PER_PAGE = 100
KINDS = ("tranche_due", "evaluation_due", "window_closing", "policy_lapsing", "clawback_due")


@bp.get("")
def index():
    """What is due today, live (of one kind with ?kind=); with ?cleared=1 the flags the
    daily job recorded, cleared ones too."""
    args, _bad = listing.read(listing.AlertArgs())
    svc = services()
    today = svc.clock.today()
    with svc.reader() as views:
        live = queues.open_obligations(views, svc.ledger.catalogue, today, svc.deadlines)
        recorded = pages.alerts(views, True) if args["cleared"] else None
    counts = {k: sum(1 for f in live if f["kind"] == k) for k in KINDS}
    if args["kind"]:
        live = [f for f in live if f["kind"] == args["kind"]]
    last = max(1, -(-len(live) // PER_PAGE))
    page = min(args["page"], last)
    found = {"page": page, "pages": last, "total": len(live)}
    live = live[(page - 1) * PER_PAGE:page * PER_PAGE]
    return render_template("alerts.html", flags=live, counts=counts, kind=args["kind"],
                           found=found,
                           recorded=recorded, include_cleared=bool(args["cleared"]),
                           kinds=KINDS, today=today.isoformat())
