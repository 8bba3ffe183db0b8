"""Enterprises: the searchable list, one enterprise's page (now or on a past date), registering."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from policies.catalogue import SIZES
from projections import application_list, pages, queues
from projections.exports import Column
from web.dashboard import arguments, charts, forms, i18n, listing
from web.dashboard.access import language, roles, services
from web.dashboard.shell import _

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")

#: The enterprise page shows its newest history rows only (the history table was a third
#: of the page's time for an enterprise with a long past); the rest is on its history page.
RECENT_HISTORY = 25
#: Rows a page of the full history shows.
HISTORY_PAGE = 100
#: The list's arguments, read by one schema made once: making it (copying its fields) was
#: a twentieth of the list's time, and an instance loads any number of times (marshmallow
#: keeps no state of a load on it).
LIST_ARGUMENTS = arguments.EnterpriseList()


@bp.get("")
def index():
    """Enterprises matching a name or credit code, sector and size, a page at a time.

    The caps column shows the annual caps used in `year` (default: this year). The
    arguments are read by `arguments.EnterpriseList`; one that cannot be read answers 400.
    """
    args = request.args
    if args.get("export"):
        return _export()
    given = arguments.read(LIST_ARGUMENTS)
    year = given["year"] or services().clock.today().year
    with services().reader() as views:
        found = pages.enterprise_list(
            views, year, query=given["q"], sector=given["sector"], size=given["size"],
            sort=given["sort"], page=given["page"])
        sectors = pages.sectors(views)
        live = queues.open_counts(views, services().ledger.catalogue, services().clock.today(),
                                  services().deadlines)
    for row in found["rows"]:
        row["open_flags"] = live.get(row["enterprise_id"], 0)  # judged now, not at 06:30
        for cap in row["caps"]:
            cap["used_share"] = charts.share(cap["used_fen"], cap["cap_fen"])
    return render_template("enterprises/list.html", found=found, sectors=sectors, sizes=SIZES,
                           args=args)


def _as_of(text: str) -> tuple[date | None, str | None]:
    if not text:
        return None, None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, "YYYY-MM-DD"


@bp.get("/<enterprise_id>")
def show(enterprise_id: str):
    """One enterprise: awards, caps, windows, evaluations, flags and history; `as_of` replays."""
    as_of, as_of_error = _as_of(request.args.get("as_of", "").strip())
    ledger = services().ledger
    with services().reader() as views:
        page = pages.enterprise(views, ledger, enterprise_id, as_of,
                                today=services().clock.today(),
                                deadlines=services().deadlines, recent=RECENT_HISTORY)
    if page is None:
        abort(404)
    page.setdefault("history", [])
    page.setdefault("history_total", 0)
    timeline = bars = None
    if page["registered"]:
        bars = _cap_groups(page["caps"])
        tranches = {a["application_id"]: a["tranches"] for a in page["applications"]}
        timeline = charts.timeline(page["windows"], tranches, as_of or services().clock.today())
    evaluations = [(a, e) for a in page.get("applications", ()) for e in a["evaluations"]]
    return render_template("enterprises/show.html", page=page, bars=bars, timeline=timeline,
                           evaluations=evaluations, as_of_text=request.args.get("as_of", ""),
                           as_of_error=as_of_error)


@bp.get("/<enterprise_id>/history")
def history(enterprise_id: str):
    """An enterprise's whole history, oldest first, `HISTORY_PAGE` rows a page; `as_of`
    as on the enterprise page."""
    as_of, _as_of_error = _as_of(request.args.get("as_of", "").strip())
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):  # query numbers: ASCII only
        abort(400)
    number = max(1, int(raw))
    with services().reader() as views:
        page = pages.enterprise(views, services().ledger, enterprise_id, as_of)
    if page is None:
        abort(404)
    rows = page.get("history", [])
    count = max(1, -(-len(rows) // HISTORY_PAGE))
    number = min(number, count)
    shown = rows[(number - 1) * HISTORY_PAGE:number * HISTORY_PAGE]
    return render_template("enterprises/history.html", page=page, rows=shown, number=number,
                           count=count, total=len(rows),
                           as_of_text=request.args.get("as_of", ""))


def _cap_groups(caps: list[dict]) -> list[dict]:
    """Caps grouped for the bars: annual caps by year (latest first), then the others."""
    groups: dict[tuple, list] = {}
    for c in caps:
        c = {**c, "used_share": charts.share(c["used"], c["cap"])}
        key = ("year", c["year"]) if c["scope"] == "enterprise_year" else ("scope", c["scope"])
        groups.setdefault(key, []).append(c)
    order = sorted(groups, key=lambda k: (0, -k[1]) if k[0] == "year" else (1, k[1]))
    return [{"kind": k[0], "key": k[1], "caps": groups[k]} for k in order]


@bp.route("/new", methods=["GET", "POST"])
@roles("staff")
def register():
    """Register an enterprise (staff): credit code, name, size, sectors."""
    with services().reader() as views:
        known_sectors = pages.sectors(views)
    if request.method == "GET":
        return render_template("enterprises/new.html", values={"at": forms.today()},
                               errors={}, sectors=known_sectors, sizes=SIZES)
    form = forms.submitted()
    sectors = form.getlist("sectors") + [s.strip() for s in forms.text(
        form, "sectors_other").split(",") if s.strip()]
    command = {"type": "RegisterEnterprise", "at": forms.business_date(form),
               "enterprise_id": forms.text(form, "enterprise_id").upper(),
               "name": forms.text(form, "name"), "size": forms.text(form, "size"),
               "sectors": list(dict.fromkeys(sectors))}
    result, errors = forms.run(command)
    if result is None:
        return render_template("enterprises/new.html", values=form, errors=errors,
                               sectors=known_sectors, sizes=SIZES,
                               chosen=set(command["sectors"])), 422
    flash(_("reg.done", name=command["name"]), "success")
    return redirect(url_for("enterprises.show", enterprise_id=command["enterprise_id"]), 303)


#: The export of the list: (column, kind, heading key), as the page's table shows them.
EXPORT = (("enterprise_id", "text", "ent.credit_code"), ("name", "text", "ent.name"),
          ("size", "text", "ent.size"), ("sectors", "text", "ent.sectors"),
          ("registered_on", "date", "ent.registered_on"), ("awarded", "money", "ent.awarded"),
          ("disbursed", "money", "ent.disbursed"), ("clawback", "money", "ent.clawback"))


def _export():
    """The enterprises the list's search finds, all of them, as CSV or XLSX."""
    args, _bad = listing.read(listing.EnterpriseExportArgs())
    lang = language()
    with services().reader() as views:
        rows = pages.enterprise_rows(views, args["q"], args["sector"], args["size"],
                                     args["sort"] or "name")
    for r in rows:
        r["size"] = i18n.label(lang, "size", r["size"])
        r["sectors"] = "; ".join(i18n.label(lang, "sector", x) for x in r["sectors"])
        for name in ("awarded", "disbursed", "clawback"):
            r[name] = Decimal(r[f"{name}_fen"] or 0) / 100
    columns = tuple(Column(name, kind) for name, kind, _key in EXPORT)
    return listing.export_response(args["export"] or "csv", "enterprises", columns,
                                   [_(key) for _n, _k, key in EXPORT], rows)


@bp.get("/pick")
def pick():
    """Enterprises whose name or credit code holds the text typed (JSON): the choices of
    the enterprise picker where an application is entered."""
    args, _bad = listing.read(listing.SearchArgs())
    with services().reader() as views:
        found = application_list.pick_enterprises(views, args["q"])
    return jsonify([{"enterprise_id": e["enterprise_id"], "name": e["name"]} for e in found])
