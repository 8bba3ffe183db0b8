"""The read endpoints against a demo-like history: lists with search, filters and pages;
one of each; quotes; entitlements now and in the past; flags; the catalogue; the audit."""

from __future__ import annotations

from datetime import date

import pytest

from projections import queries
from tests.api.conftest import load_demo, make_api
from tests.builders import approve, certify, register, submit
from web import daily, shapes


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    api = make_api(tmp_path_factory.mktemp("demo") / "var")
    load_demo(api, enterprises=8)
    yield api
    api.services.close()


def views_rows(api, sql: str, *params) -> list[dict]:
    with api.services.reader() as views:
        return list(views.db.query(sql, params))


def test_enterprises_list_pages_and_totals(demo):
    everyone = demo.get("/enterprises?limit=500").json
    assert everyone["total"] == 8 == len(everyone["items"])
    ids = [e["enterprise_id"] for e in everyone["items"]]
    assert ids == sorted(ids)
    page = demo.get("/enterprises?limit=3&offset=3").json
    assert (page["total"], page["limit"], page["offset"]) == (8, 3, 3)
    assert [e["enterprise_id"] for e in page["items"]] == ids[3:6]
    first = everyone["items"][0]
    assert set(first) == {"enterprise_id", "name", "size", "sectors", "registered_on",
                          "dishonesty", "awarded_total", "disbursed_total",
                          "clawback_due_total"}
    assert isinstance(first["awarded_total"], str) and "." in first["awarded_total"]


def test_enterprises_search_filter_and_sort(demo):
    everyone = demo.get("/enterprises?limit=500").json["items"]
    some = everyone[2]
    found = demo.get("/enterprises", query_string={"q": some["name"][2:6]}).json["items"]
    assert some["enterprise_id"] in [e["enterprise_id"] for e in found]
    assert demo.get("/enterprises", query_string={"q": some["enterprise_id"][-5:]}
                    ).json["items"][0]["enterprise_id"] == some["enterprise_id"]
    size = some["size"]
    by_size = demo.get(f"/enterprises?size={size}&limit=500").json["items"]
    assert by_size and all(e["size"] == size for e in by_size)
    sector = some["sectors"][0]
    by_sector = demo.get(f"/enterprises?sector={sector}&limit=500").json["items"]
    assert by_sector and all(sector in e["sectors"] for e in by_sector)
    awarded = [float(e["awarded_total"]) for e in
               demo.get("/enterprises?sort=awarded&limit=500").json["items"]]
    assert awarded == sorted(awarded, reverse=True)
    assert demo.get("/enterprises", query_string={"q": "%"}).json["total"] == 0


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "size=huge",
                                   "sort=name;drop", "limit=x", "q=", "asof=2025-01-01"])
def test_a_malformed_or_unknown_query_parameter_is_400(demo, query):
    response = demo.get(f"/enterprises?{query}")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"
    assert query.split("=")[0] in response.json["error"]["fields"]


def test_one_enterprise_and_404(demo):
    some = demo.get("/enterprises?limit=1").json["items"][0]
    one = demo.get(f"/enterprises/{some['enterprise_id']}").json
    assert {k: one[k] for k in some} == some
    counted = views_rows(demo, "SELECT status, count(*) AS n FROM applications WHERE "
                               "enterprise_id = ? GROUP BY status", some["enterprise_id"])
    assert one["applications"] == {r["status"]: r["n"] for r in counted}
    missing = demo.get("/enterprises/91110112MA0000000X")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_applications_by_enterprise_and_status(demo):
    some = demo.get("/enterprises?limit=1").json["items"][0]["enterprise_id"]
    apps = demo.get(f"/applications?enterprise_id={some}&limit=500").json
    expected = views_rows(demo, "SELECT application_id FROM applications WHERE "
                                "enterprise_id = ?", some)
    assert apps["total"] == len(expected)
    assert {a["application_id"] for a in apps["items"]} == \
        {r["application_id"] for r in expected}
    completed = demo.get("/applications?status=completed&limit=500").json["items"]
    assert completed and all(a["status"] == "completed" for a in completed)
    assert demo.get("/applications?status=lost").status_code == 400


def test_one_application_with_tranches_and_history_and_404(demo):
    awarded = demo.get("/applications?status=completed&limit=1").json["items"][0]
    one = demo.get(f"/applications/{awarded['application_id']}").json
    assert one["tranches"] and all(t["paid_on"] for t in one["tranches"])
    assert [h["event"] for h in one["history"]][:2] == ["ApplicationSubmitted",
                                                        "ApplicationCertified"]
    assert set(one["basis"]) == set(one["claimed_basis"])
    assert demo.get("/applications/NOPE-1").status_code == 404


def test_a_quote_is_grants_quote(demo):
    awarded = demo.get("/applications?status=completed&limit=1").json["items"][0]
    app_id = awarded["application_id"]
    quote = demo.get(f"/applications/{app_id}/quote?on=2026-01-05").json
    assert quote == demo.services.quote(app_id, date(2026, 1, 5))
    assert demo.get(f"/applications/{app_id}/quote?on=2026-13-01").status_code == 400
    assert demo.get("/applications/NOPE-1/quote").status_code == 404


def test_an_entitlement_now_as_of_and_known_at(demo):
    some = demo.get("/enterprises?sort=awarded&limit=1").json["items"][0]["enterprise_id"]
    ledger = demo.services
    with ledger.reader() as views:
        now = queries.entitlement(ledger.ledger, views, some)
        then = queries.entitlement(ledger.ledger, views, some, date(2025, 12, 31))
    assert demo.get(f"/enterprises/{some}/entitlement").json == now
    assert demo.get(f"/enterprises/{some}/entitlement?as_of=2025-12-31").json == then
    known = demo.get(f"/enterprises/{some}/entitlement?known_at=2000-01-01T00:00:00Z")
    assert known.status_code == 404  # nothing of it had been recorded then
    assert demo.get(f"/enterprises/{some}/entitlement?known_at=yesterday").status_code == 400
    assert demo.get("/enterprises/91110112MA0000000X/entitlement").status_code == 404


def test_the_catalogue_is_grants_policies(demo):
    assert demo.get("/catalogue").json == shapes.catalogue(demo.services.ledger.catalogue)


def test_the_audit_for_an_auditor(demo):
    report = demo.get("/audit", role="auditor").json
    assert report["ok"] is True and report["chain_ok"] is True
    assert report["events_checked"] == demo.records()
    past = demo.get("/audit?as_of=2025-09-30&what_if=true", role="auditor").json
    assert past["as_of"] == "2025-09-30" and past["what_if"] is True
    assert past["events_replayed"] < report["events_replayed"]


def test_flags_raised_by_the_scheduler_and_those_due(api):
    for c in [register(1), submit("A-1", 1), certify("A-1"), approve("A-1")]:
        assert api.services.execute_json(c)["ok"]
    assert api.get("/flags").json == {"items": [], "total": 0, "limit": 50, "offset": 0}
    due = api.get("/flags/due?on=2026-01-05").json
    assert due["on"] == "2026-01-05"
    assert [f["kind"] for f in due["flags"]] == ["tranche_due"]
    daily.run_daily(api.services, date(2026, 1, 5))
    raised = api.get("/flags").json
    assert raised["total"] == 1
    flag = raised["items"][0]
    assert (flag["kind"], flag["raised_on"], flag["cleared_on"]) == \
        ("tranche_due", "2026-01-05", None)
    assert api.get("/flags?on=2026-01-04").json["total"] == 0
    assert api.get("/flags?on=2026-02-01&kind=tranche_due").json["total"] == 1
    assert api.get("/flags?enterprise_id=nobody").json["total"] == 0
    with api.services.reader() as views:
        entitlement = queries.entitlement(api.services.ledger, views, flag["enterprise_id"])
    assert entitlement["flags"]
    assert api.get(f"/enterprises/{flag['enterprise_id']}/entitlement").json == entitlement


def test_the_checkpoint_is_grants_checkpoint_and_checks_against_the_log(demo):
    from lifecycle import log_audit

    signed = demo.get("/checkpoint", role="auditor").json
    assert signed["size"] == demo.records()
    assert signed == demo.services.tree.head()
    report = log_audit.audit_log(demo.services.ledger, demo.services.public_keys(), [signed])
    assert report.ok and report.checkpoints == 1, report.findings
