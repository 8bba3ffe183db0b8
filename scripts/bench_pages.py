"""Time the dashboard's enterprise page and enterprise list, in process, logged in.

    GRANTS_DATA=/tmp/demo .venv/bin/grants demo
    .venv/bin/python scripts/bench_pages.py --data /tmp/demo [--requests 300]

Uses Flask's test client (no network), logged in as the demo auditor, over
varied enterprises, pages, searches and filters (and the enterprise page on a
past date, which replays the log); prints the median and the 95th percentile of
each, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from web.app import create_app, services  # noqa: E402


def log_in(client, username: str, password: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf_token": token})
    if answer.status_code != 303:
        raise SystemExit(f"bench_pages: could not log in as {username}")


def timed(client, urls: list[str]) -> list[float]:
    """Milliseconds per request; every answer must be a 200."""
    times = []
    for url in urls:
        started = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"bench_pages: {url} answered {answer.status_code}")
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"requests": len(times), "median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description="time the enterprise page and list")
    parser.add_argument("--data", required=True, help="a data folder loaded with grants demo")
    parser.add_argument("--requests", type=int, default=300, help="per page (at least 200)")
    parser.add_argument("--user", default="auditor")
    parser.add_argument("--password", default="auditor-demo")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    app = create_app({"GRANTS_DATA": args.data})
    client = app.test_client()
    log_in(client, args.user, args.password)
    with services(app).reader() as views:
        enterprises = [r[0] for r in views.db.execute("SELECT enterprise_id FROM enterprises")]
        names = [r[0] for r in views.db.execute("SELECT name FROM enterprises")]
        sectors = [r[0] for r in views.db.execute(
            "SELECT DISTINCT j.value FROM enterprises, json_each(enterprises.sectors) j")]
    pages = max(1, len(enterprises) // 25)
    rng.shuffle(enterprises)
    enterprise_urls = [f"/enterprises/{enterprises[i % len(enterprises)]}"
                       for i in range(args.requests)]
    list_urls = []
    for i in range(args.requests):
        kind = i % 5
        if kind == 0:
            list_urls.append(f"/enterprises?page={rng.randint(1, pages)}")
        elif kind == 1:
            list_urls.append(f"/enterprises?q={rng.choice(names)[:2]}")
        elif kind == 2:
            list_urls.append(f"/enterprises?sector={rng.choice(sectors)}&size="
                             f"{rng.choice(['', 'small', 'micro', 'medium'])}")
        elif kind == 3:
            list_urls.append(f"/enterprises?sort=awarded&page={rng.randint(1, pages)}")
        else:
            list_urls.append(f"/enterprises?q=MA000{rng.randint(0, 9)}")
    as_of_urls = [f"{url}?as_of=202{rng.randint(5, 7)}-{rng.randint(1, 12):02d}-15"
                  for url in enterprise_urls]
    timed(client, enterprise_urls[:10] + list_urls[:10])  # warm up
    result = {"data": args.data, "enterprises": len(enterprises),
              "enterprise_page": summary(timed(client, enterprise_urls)),
              "enterprise_list": summary(timed(client, list_urls)),
              "enterprise_page_as_of": summary(timed(client, as_of_urls))}
    services(app).close()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
