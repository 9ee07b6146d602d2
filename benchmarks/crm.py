"""CRM figures with 100k accounts / 300k contacts / 100k opportunities loaded.

Starts `salesos serve --all` on a fresh SALESOS_HOME, generates the data with
`salesos seed-demo --accounts N`, then measures through the gateway (HTTP, as the
demo admin): list of 50 (several sorts and filters, first and deep pages), global
search, and a CSV import of 100k contacts (upload to "done").

Usage: python benchmarks/crm.py [--accounts 100000] [--import-rows 100000]
       python benchmarks/crm.py --home DIR   (a home seeded before: no seeding, kept)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import SMOKE_HELP, apply_smoke, describe, free_port, summary

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--home", type=Path, help="reuse this seeded SALESOS_HOME")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    opts = parser.parse_args()
    apply_smoke(opts, accounts=300, import_rows=300, samples=5)
    home = opts.home or Path(tempfile.mkdtemp(prefix="salesos-crm-bench-"))
    env = {
        **os.environ,
        "SALESOS_HOME": str(home),
        "SALESOS_LOG_LEVEL": "WARNING",
        "SALESOS_RATE_LIMIT_PER_MIN": "100000000",
    }
    env.pop("DATABASE_URL", None)
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    print(f"machine: {describe()}")
    if opts.home is None:
        t = time.perf_counter()
        seeded = subprocess.run(
            [sys.executable, "-m", "app", "seed-demo", "--accounts", str(opts.accounts)],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(f"seed-demo --accounts {opts.accounts}: {time.perf_counter() - t:.1f} s "
              f"({seeded.stdout.strip().splitlines()[-1]})")  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--all", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=120) as c:
            token = c.post(
                "/api/v1/auth/login",
                json={"email": "admin@demo.salesos.dev", "password": "demo123!"},
            ).json()["access_token"]
            c.headers["Authorization"] = f"Bearer {token}"
            rnd = random.Random(1)

            def timed(path: str, params: dict | None = None) -> float:
                t0 = time.perf_counter()
                r = c.get(path, params=params)
                elapsed = time.perf_counter() - t0
                assert r.status_code == 200, r.text
                return elapsed

            lists = {
                "accounts by name": ("/api/v1/accounts", {"sort": "name", "limit": "50"}),
                "accounts by -updated_at": ("/api/v1/accounts", {"sort": "-updated_at", "limit": "50"}),
                "accounts industry=Software by -size": ("/api/v1/accounts", {"sort": "-size", "limit": "50", "filter": "industry:eq:Software"}),
                "contacts by last_name": ("/api/v1/contacts", {"sort": "last_name", "limit": "50"}),
                "opportunities by -amount": ("/api/v1/opportunities", {"sort": "-amount", "limit": "50"}),
            }  # fmt: skip
            for label, (path, params) in lists.items():
                for _ in range(20):
                    timed(path, params)
                samples = [timed(path, params) for _ in range(opts.samples)]
                print(f"list of 50, {label}, first page: {summary(samples)}")
            # deep pages: follow cursors 40 pages in
            path, params = lists["accounts by name"]
            cursor, deep = None, []
            for _ in range(40):
                q = dict(params, **({"cursor": cursor} if cursor else {}))
                t0 = time.perf_counter()
                body = c.get(path, params=q).json()
                deep.append(time.perf_counter() - t0)
                cursor = body["next_cursor"]
            print(f"list of 50, accounts by name, pages 1-40 by cursor: {summary(deep)}")

            words = [
                "north",
                "atlas",
                "summ",
                "quantum harbor",
                "lovelace",
                "hoper",
                "cedar labs",
                "acme",
                "nova works",
                "ritchie",
            ]
            for q in words[:3]:
                timed("/api/v1/search", {"q": q})
            samples = [
                timed("/api/v1/search", {"q": rnd.choice(words)}) for _ in range(opts.samples)
            ]
            print(f"search (prefixes, typos, two words; 20 results): {summary(samples)}")

            if opts.skip_import:
                return
            lines = ["First name,Last name,Email,Title"] + [
                f"Imp{i},Person{i},imported{i}@bulk-import.example,Buyer"
                for i in range(opts.import_rows)
            ]
            payload = "\n".join(lines).encode()
            t0 = time.perf_counter()
            r = c.post(
                "/api/v1/imports",
                files={"file": ("contacts.csv", payload, "text/csv")},
                data={"mapping": '{"First name": "first_name", "Last name": "last_name", "Email": "email", "Title": "title"}',
                      "object_type": "contact", "on_duplicate": "skip"},
            )  # fmt: skip
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
            while True:
                job = c.get(f"/api/v1/imports/{job_id}").json()
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.25)
            took = time.perf_counter() - t0
            print(f"import of {opts.import_rows:,} contacts ({len(payload) / 1e6:.1f} MB CSV), upload to done: "
                  f"{took:.1f} s, status {job['status']}, created {job['created_count']:,}, errors {job['error_count']}")  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    if opts.home is None:
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from backend.embedded.postgres import EmbeddedPostgres as P; P({str(home)!r}).destroy()",
            ],
            cwd=ROOT,
            check=False,
        )
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
