"""The API's read endpoints: enterprises, applications, quotes, entitlements, flags,
the catalogue and the audit, one blueprint (one tag) each. Every role may read them.

Each view reads the read models (or the ledger's own answer, for quotes,
entitlements, flags due and the audit) and hands the rows to the schema of its
`@blp.response`, which shapes the answer.
"""

from __future__ import annotations

from lifecycle import audit as audit_module
from lifecycle.errors import Refused
from projections import queries
from projections import resources as rows
from web import contract
from web.api.auth import READ
from web.api.blueprint import BAD_QUERY, Blueprint
from web.api.context import services
from web.api.errors import ApiError
from web.api.schemas import (
    ApplicationDetail,
    ApplicationPage,
    ApplicationPath,
    ApplicationQuery,
    Audit,
    AuditQuery,
    Catalogue,
    Checkpoint,
    DueFlags,
    DueQuery,
    EmptyQuery,
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
from web.messages import flag_message, with_words

BAD_PATH = "invalid_request: a query parameter or the path is malformed or unknown"

enterprises = Blueprint("enterprises", __name__,
                        description="enterprises and their entitlements")
applications = Blueprint("applications", __name__,
                         description="applications and their quotes")
flags = Blueprint("flags", __name__, description="what the scheduler flags")
catalogue = Blueprint("catalogue", __name__, description="the policy catalogue")
audit = Blueprint("audit", __name__,
                  description="verification of the log and of every decision")


def _refused(refused: Refused) -> ApiError:
    error = contract.error(refused)
    return ApiError(error["code"], error["message"], error["fields"])


def _page(total: int, items: list, query: dict) -> dict:
    return {"items": items, "total": total, "limit": query["limit"],
            "offset": query["offset"]}


def _views():
    """The read models, brought up to date with what any process recorded (a cheap check
    of the log's last id first: `Services.refresh`)."""
    return services().reader()


# -- enterprises --------------------------------------------------------------------------


@enterprises.route("/enterprises")
@enterprises.access(READ)
@enterprises.arguments(EnterpriseQuery, location="query")
@enterprises.response(200, EnterprisePage, description="A page of enterprises")
@enterprises.alt_response(400, schema=Failure, description=BAD_QUERY)
def list_enterprises(query):
    """List enterprises

    Search by part of the name or credit code, filter by size or sector, page with limit
    and offset.
    """
    with _views() as views:
        total, items = rows.enterprises(views, **query)
    return _page(total, items, query)


@enterprises.route("/enterprises/<enterprise_id>")
@enterprises.access(READ)
@enterprises.arguments(EnterprisePath, location="path", as_kwargs=True)
@enterprises.arguments(EmptyQuery, location="query", as_kwargs=True)
@enterprises.response(200, EnterpriseDetail, description="The enterprise")
@enterprises.alt_response(400, schema=Failure, description=BAD_PATH)
@enterprises.alt_response(404, schema=Failure, description="not_found")
def get_enterprise(enterprise_id):
    """One enterprise, its totals and its applications by status"""
    with _views() as views:
        found = rows.enterprise(views, enterprise_id)
    if found is None:
        raise _refused(Refused("not_found", "enterprise_not_registered", "enterprise_id",
                               enterprise_id=enterprise_id))
    return found


@enterprises.route("/enterprises/<enterprise_id>/entitlement")
@enterprises.access(READ)
@enterprises.arguments(EnterprisePath, location="path", as_kwargs=True)
@enterprises.arguments(EntitlementQuery, location="query")
@enterprises.response(200, Entitlement, description="The entitlement")
@enterprises.alt_response(400, schema=Failure, description=BAD_PATH)
@enterprises.alt_response(404, schema=Failure, description="not_found")
def get_entitlement(query, enterprise_id):
    """What the enterprise received and may still receive (grants entitlement)

    `as_of` counts only what happened by that business date; `known_at` only what had
    been recorded by that moment.
    """
    with _views() as views:
        try:
            answer = queries.entitlement(services().ledger, views, enterprise_id,
                                         query.get("as_of"), query.get("known_at"))
        except Refused as refused:
            raise _refused(refused) from None
    return {**answer, "flags": _worded(answer["flags"])}


# -- applications -------------------------------------------------------------------------


@applications.route("/applications")
@applications.access(READ)
@applications.arguments(ApplicationQuery, location="query")
@applications.response(200, ApplicationPage, description="A page of applications")
@applications.alt_response(400, schema=Failure, description=BAD_QUERY)
def list_applications(query):
    """List applications

    Filter by enterprise, status or policy; in submission order.
    """
    with _views() as views:
        total, items = rows.applications(views, **query)
    return _page(total, items, query)


@applications.route("/applications/<application_id>")
@applications.access(READ)
@applications.arguments(ApplicationPath, location="path", as_kwargs=True)
@applications.arguments(EmptyQuery, location="query", as_kwargs=True)
@applications.response(200, ApplicationDetail, description="The application")
@applications.alt_response(400, schema=Failure, description=BAD_PATH)
@applications.alt_response(404, schema=Failure, description="not_found")
def get_application(application_id):
    """One application: figures, tranches, evaluations and recorded events"""
    with _views() as views:
        found = rows.application(views, application_id)
    if found is None:
        raise _refused(Refused("not_found", "application_not_found", "application_id",
                               application_id=application_id))
    return found


@applications.route("/applications/<application_id>/quote")
@applications.access(READ)
@applications.arguments(ApplicationPath, location="path", as_kwargs=True)
@applications.arguments(QuoteQuery, location="query")
@applications.response(200, Quote, description="The quote, its trace and candidates")
@applications.alt_response(400, schema=Failure, description=BAD_PATH)
@applications.alt_response(404, schema=Failure, description="not_found")
def get_quote(query, application_id):
    """What may be approved now, and why (grants quote)"""
    try:
        return services().quote(application_id, query.get("on") or services().clock.today())
    except Refused as refused:
        raise _refused(refused) from None


# -- flags --------------------------------------------------------------------------------


def _worded(found: list[dict]) -> list[dict]:
    """Flags with their `message` in the caller's language (the recorded English, read
    back into its values, for another one)."""
    return [{**f, "message": flag_message(f)} for f in found]



@flags.route("/flags")
@flags.access(READ)
@flags.arguments(FlagQuery, location="query")
@flags.response(200, FlagPage, description="A page of flags")
@flags.alt_response(400, schema=Failure, description=BAD_QUERY)
def list_flags(query):
    """Flags the scheduler raised

    The recorded flags. Without `on`, those open now (not cleared); with `on`, those open
    on that date (raised by then, not cleared by then).
    """
    with _views() as views:
        total, items = rows.flags(views, **query)
    return _page(total, _worded(items), query)


@flags.route("/flags/due")
@flags.access(READ)
@flags.arguments(DueQuery, location="query")
@flags.response(200, DueFlags, description="The flags due")
@flags.alt_response(400, schema=Failure, description=BAD_QUERY)
def flags_due(query):
    """What the scheduler flags on a date (grants flags --json)

    Every obligation open on `on` (default today), by due date, judged from the log as
    the daily job judges it.
    """
    on = query.get("on") or services().clock.today()
    with _views() as views:
        found = queries.flags_on(services().ledger, views, on, services().deadlines)
    return {"on": on, "flags": _worded(found)}


# -- the catalogue and the audit ----------------------------------------------------------


@catalogue.route("/catalogue")
@catalogue.access(READ)
@catalogue.arguments(EmptyQuery, location="query", as_kwargs=True)
@catalogue.response(200, Catalogue,
                    description="Policies, articles, items, caps and citations")
@catalogue.alt_response(400, schema=Failure, description=BAD_QUERY)
def get_catalogue():
    """The policy catalogue (grants policies --json)"""
    return services().ledger.catalogue  # dumped by web/shapes.py's Catalogue


@audit.route("/audit")
@audit.access(READ)
@audit.arguments(AuditQuery, location="query")
@audit.response(200, Audit, description="The audit report")
@audit.alt_response(400, schema=Failure, description=BAD_QUERY)
def run_audit(query):
    """Verify the log and re-check every decision (grants audit --json)

    Auditors, staff and admins may run it. `ok` is false when it finds anything; the
    answer is 200 either way.
    """
    return with_words(audit_module.audit(services().ledger, as_of=query.get("as_of"),
                                         what_if=query["what_if"]).to_dict())


@audit.route("/checkpoint")
@audit.access(READ)
@audit.arguments(EmptyQuery, location="query", as_kwargs=True)
@audit.response(200, Checkpoint, description="The signed head of the whole log now")
@audit.alt_response(400, schema=Failure, description=BAD_QUERY)
def get_checkpoint():
    """A signed statement of the log's size and root hash now (grants checkpoint)

    Keep it outside the store; `grants audit --checkpoint FILE` later proves the log
    still holds, unchanged and in order, everything it committed to.
    """
    return services().checkpoint()
