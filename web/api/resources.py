"""The API's read endpoints: enterprises, applications, quotes, entitlements, flags,
the catalogue and the audit. Every role may read them."""

from __future__ import annotations

from datetime import date

from flask import current_app

from lifecycle import audit as audit_module
from lifecycle.errors import Refused
from projections import queries
from projections import resources as rows
from web import contract
from web.api.endpoints import Doc, Reply, operation
from web.api.errors import ApiError
from web.api.schemas import (
    ApplicationDetail,
    ApplicationPage,
    ApplicationPath,
    ApplicationQuery,
    Audit,
    AuditQuery,
    Catalogue,
    DueFlags,
    DueQuery,
    EnterpriseDetail,
    EnterprisePage,
    EnterprisePath,
    EnterpriseQuery,
    Entitlement,
    EntitlementQuery,
    Failure,
    FlagPage,
    FlagQuery,
    Quote,
    QuoteQuery,
)
from web.app import services
from web.messages import with_words

BAD_QUERY = Doc("invalid_request: a query parameter is malformed or unknown", Failure)
NOT_FOUND = Doc("not_found", Failure)


def _refused(refused: Refused) -> ApiError:
    error = contract.error(refused)
    return ApiError(error["code"], error["message"], error["fields"])


def _page(total: int, items: list, args: dict) -> dict:
    return {"items": items, "total": total, "limit": args["limit"], "offset": args["offset"]}


def _views():
    """The read models, brought up to date with what any process recorded."""
    ledger = services(current_app)
    ledger.catch_up()
    return ledger.reader()


@operation("GET", "/enterprises", tag="enterprises", summary="List enterprises",
           description="Search by part of the name or credit code, filter by size or sector, "
                       "page with limit and offset.",
           query=EnterpriseQuery, responses={200: Doc("A page of enterprises", EnterprisePage),
                                             400: BAD_QUERY})
def list_enterprises(user, args):
    """A page of enterprises matching the query."""
    with _views() as views:
        total, items = rows.enterprises(views, q=args.get("q"), size=args.get("size"),
                                        sector=args.get("sector"), sort=args["sort"],
                                        limit=args["limit"], offset=args["offset"])
    return Reply(200, _page(total, items, args))


@operation("GET", "/enterprises/<enterprise_id>", tag="enterprises",
           summary="One enterprise, its totals and its applications by status",
           path=EnterprisePath, responses={200: Doc("The enterprise", EnterpriseDetail),
                                           400: BAD_QUERY, 404: NOT_FOUND})
def get_enterprise(user, args, enterprise_id):
    """One enterprise, or 404."""
    with _views() as views:
        found = rows.enterprise(views, enterprise_id)
    if found is None:
        raise ApiError("not_found", f"no enterprise {enterprise_id}",
                       {"enterprise_id": "not registered"})
    return Reply(200, found)


@operation("GET", "/enterprises/<enterprise_id>/entitlement", tag="enterprises",
           summary="What the enterprise received and may still receive (grants entitlement)",
           description="`as_of` counts only what happened by that business date; `known_at` "
                       "only what had been recorded by that moment.",
           path=EnterprisePath, query=EntitlementQuery,
           responses={200: Doc("The entitlement", Entitlement), 400: BAD_QUERY,
                      404: NOT_FOUND})
def get_entitlement(user, args, enterprise_id):
    """The contract's entitlement answer, now or in the past."""
    ledger = services(current_app)
    with _views() as views:
        try:
            answer = queries.entitlement(ledger.ledger, views, enterprise_id,
                                         args.get("as_of"), args.get("known_at"))
        except Refused as refused:
            raise _refused(refused) from None
    return Reply(200, answer)


@operation("GET", "/applications", tag="applications", summary="List applications",
           description="Filter by enterprise, status or policy; in submission order.",
           query=ApplicationQuery,
           responses={200: Doc("A page of applications", ApplicationPage), 400: BAD_QUERY})
def list_applications(user, args):
    """A page of applications matching the query."""
    with _views() as views:
        total, items = rows.applications(views, enterprise_id=args.get("enterprise_id"),
                                         status=args.get("status"), policy=args.get("policy"),
                                         limit=args["limit"], offset=args["offset"])
    return Reply(200, _page(total, items, args))


@operation("GET", "/applications/<application_id>", tag="applications",
           summary="One application: figures, tranches, evaluations and recorded events",
           path=ApplicationPath,
           responses={200: Doc("The application", ApplicationDetail), 400: BAD_QUERY,
                      404: NOT_FOUND})
def get_application(user, args, application_id):
    """One application, or 404."""
    with _views() as views:
        found = rows.application(views, application_id)
    if found is None:
        raise ApiError("not_found", f"no application {application_id}",
                       {"application_id": "not found"})
    return Reply(200, found)


@operation("GET", "/applications/<application_id>/quote", tag="applications",
           summary="What may be approved now, and why (grants quote)",
           path=ApplicationPath, query=QuoteQuery,
           responses={200: Doc("The quote, its trace and candidates", Quote), 400: BAD_QUERY,
                      404: NOT_FOUND})
def get_quote(user, args, application_id):
    """The contract's quote, judged on `on` (default today)."""
    try:
        return Reply(200, services(current_app).quote(application_id, args.get("on")))
    except Refused as refused:
        raise _refused(refused) from None


@operation("GET", "/flags", tag="flags", summary="Flags the scheduler raised",
           description="The recorded flags. Without `on`, those open now (not cleared); with "
                       "`on`, those open on that date (raised by then, not cleared by then).",
           query=FlagQuery, responses={200: Doc("A page of flags", FlagPage), 400: BAD_QUERY})
def list_flags(user, args):
    """A page of recorded flags."""
    with _views() as views:
        total, items = rows.flags(views, on=args.get("on"),
                                  enterprise_id=args.get("enterprise_id"),
                                  kind=args.get("kind"), limit=args["limit"],
                                  offset=args["offset"])
    return Reply(200, _page(total, items, args))


@operation("GET", "/flags/due", tag="flags",
           summary="What the scheduler flags on a date (grants flags --json)",
           description="Every obligation open on `on` (default today), by due date, judged "
                       "from the log as the daily job judges it.",
           query=DueQuery, responses={200: Doc("The flags due", DueFlags), 400: BAD_QUERY})
def flags_due(user, args):
    """The contract's `grants flags` answer."""
    on = args.get("on") or date.today()
    with _views() as views:
        found = queries.flags_on(services(current_app).ledger, views, on)
    return Reply(200, {"on": on, "flags": found})


@operation("GET", "/catalogue", tag="catalogue",
           summary="The policy catalogue (grants policies --json)",
           responses={200: Doc("Policies, articles, items, caps and citations", Catalogue),
                      400: BAD_QUERY})
def get_catalogue(user, args):
    """The catalogue the ledger decides with."""
    return Reply(200, services(current_app).ledger.catalogue.to_dict())


@operation("GET", "/audit", tag="audit",
           summary="Verify the log and re-check every decision (grants audit --json)",
           description="Auditors, staff and admins may run it. `ok` is false when it finds "
                       "anything; the answer is 200 either way.",
           query=AuditQuery, responses={200: Doc("The audit report", Audit), 400: BAD_QUERY})
def run_audit(user, args):
    """The audit report, replaying up to `as_of`."""
    report = audit_module.audit(services(current_app).ledger, as_of=args.get("as_of"),
                                what_if=args["what_if"])
    return Reply(200, with_words(report.to_dict()))

