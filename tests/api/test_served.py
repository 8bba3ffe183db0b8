"""The API over real HTTP (waitress): a batch with an Idempotency-Key, its retry, and a
download, as a machine client sees them."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from tests.api.conftest import served
from tests.builders import approve, certify, register, submit


def request(url: str, method: str, path: str, headers: dict, body: bytes | None = None):
    where = urlsplit(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_a_batch_its_retry_and_a_download_over_http(api):
    batch = json.dumps([register(1), submit("A-1", 1), certify("A-1"), approve("A-1")])
    headers = {**api.headers(), "Content-Type": "application/json",
               "Idempotency-Key": "http-1"}
    with served(api.app) as url:
        status, first_headers, first = request(url, "POST", "/api/v1/commands", headers,
                                               batch.encode())
        written = api.events()
        again_status, again_headers, again = request(url, "POST", "/api/v1/commands",
                                                     headers, batch.encode())
        xlsx_status, xlsx_headers, xlsx = request(url, "GET", "/api/v1/exports/awards.xlsx",
                                                  api.headers())
    assert status == again_status == 200
    assert [line["ok"] for line in json.loads(first)] == [True] * 4
    assert again == first and again_headers["Idempotent-Replayed"] == "true"
    assert api.events() == written
    assert xlsx_status == 200 and xlsx.startswith(b"PK")
    assert xlsx_headers["Content-Disposition"] == 'attachment; filename="awards.xlsx"'
