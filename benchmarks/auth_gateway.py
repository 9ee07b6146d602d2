"""Auth and gateway figures against a real `salesos serve --all` (uvicorn, team mode).

Measures:
  * login p50 (HTTP, sequential, argon2id m=19456 t=2 p=1);
  * wrong password vs unknown email timings (enumeration resistance);
  * gateway overhead: GET /api/v1/auth/me through the gateway vs GET /auth/me on the
    auth service served alone (`salesos serve --service auth`), same machine, same DB;
  * throughput of authenticated GETs through the gateway, from `wrk` in another
    process (if installed: apt-get install wrk), else from a Python client.

Usage: python benchmarks/auth_gateway.py [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import SMOKE_HELP, apply_smoke, describe, free_port, percentile, summary

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *args, "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code in (200, 503):
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{args} did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--users", type=int, default=30, help="wrong-password samples")
    parser.add_argument("--gets", type=int, default=2000, help="gateway overhead samples")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    opts = parser.parse_args()
    apply_smoke(opts, seconds=1, connections=4, logins=4, users=4, gets=50)

    home = Path(tempfile.mkdtemp(prefix="salesos-bench-"))
    env = {
        **os.environ,
        "SALESOS_HOME": str(home),
        "SALESOS_LOG_LEVEL": "WARNING",
        "SALESOS_RATE_LIMIT_PER_MIN": "100000000",
        "SALESOS_LOGIN_IP_LIMIT_PER_MIN": "100000",
    }
    infra = subprocess.run(
        [sys.executable, "-m", "app", "infra", "up"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in infra.stdout.splitlines():
        key, _, value = line.partition("=")
        if key in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):
            env[key] = value
    gw_port, auth_port, gw2_port = free_port(), free_port(), free_port()
    gateway = start(["serve", "--all"], env, gw_port)
    auth = start(["serve", "--service", "auth"], env, auth_port)
    gateway2 = start(["serve", "--all", "--workers", "2"], env, gw2_port)
    gw = f"http://127.0.0.1:{gw_port}"
    print(f"machine: {describe()}")
    try:
        with httpx.Client(base_url=gw, timeout=30) as c:
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            r = c.post(
                "/api/v1/auth/signup",
                json={"company": "Bench", "name": "B", "email": email, "password": PASSWORD},
            )
            r.raise_for_status()
            admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
            users = []
            for i in range(opts.users):
                u = f"bench-{i}-{uuid.uuid4().hex[:6]}@example.com"
                c.post(
                    "/api/v1/users",
                    json={"email": u, "name": f"U{i}", "password": PASSWORD},
                    headers=admin,
                ).raise_for_status()
                users.append(u)

            for _ in range(5):  # warm-up
                c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            logins = []
            for _ in range(opts.logins):
                t = time.perf_counter()
                c.post(
                    "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                ).raise_for_status()
                logins.append(time.perf_counter() - t)
            print(f"login (correct password, through the gateway): {summary(logins)}")

            wrong, unknown = [], []
            for u in users:  # one failure per user: no lock-out interferes
                t = time.perf_counter()
                assert (
                    c.post(
                        "/api/v1/auth/login", json={"email": u, "password": "wrong-password-1"}
                    ).status_code
                    == 401
                )
                wrong.append(time.perf_counter() - t)
                t = time.perf_counter()
                nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
                assert (
                    c.post(
                        "/api/v1/auth/login", json={"email": nobody, "password": "wrong-password-1"}
                    ).status_code
                    == 401
                )
                unknown.append(time.perf_counter() - t)
            print(f"login, wrong password: {summary(wrong)}")
            print(f"login, unknown email:  {summary(unknown)}")

            token = c.post(
                "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}

        with httpx.Client(timeout=10) as c:
            via_gateway, direct = [], []
            for _ in range(200):  # warm-up both paths
                c.get(f"{gw}/api/v1/auth/me", headers=bearer)
                c.get(f"http://127.0.0.1:{auth_port}/auth/me", headers=bearer)
            for _ in range(opts.gets):  # interleaved, so drift hits both alike
                t = time.perf_counter()
                assert c.get(f"{gw}/api/v1/auth/me", headers=bearer).status_code == 200
                via_gateway.append(time.perf_counter() - t)
                t = time.perf_counter()
                assert (
                    c.get(f"http://127.0.0.1:{auth_port}/auth/me", headers=bearer).status_code
                    == 200
                )
                direct.append(time.perf_counter() - t)
        p50_gw, p50_direct = percentile(via_gateway, 50) * 1000, percentile(direct, 50) * 1000
        print(f"GET /auth/me direct to the auth service: {summary(direct)}")
        print(f"GET /api/v1/auth/me through the gateway: {summary(via_gateway)}")
        print(f"gateway overhead p50: {p50_gw - p50_direct:.3f} ms")

        wrk = shutil.which("wrk")
        if not wrk:
            print("throughput: wrk not installed (apt-get install wrk); skipped")
        for label, base in (("1 process", gw), ("--workers 2", f"http://127.0.0.1:{gw2_port}")):
            if not wrk:
                break
            out = subprocess.run(
                [wrk, "-t2", f"-c{opts.connections}", f"-d{opts.seconds}s", "--latency",
                 "-H", f"Authorization: Bearer {token}", f"{base}/api/v1/auth/me"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            lat = {
                row.split()[0]: row.split()[1]
                for row in out.splitlines()
                if row.strip().startswith(("50%", "99%"))
            }
            print(
                f"throughput GET /api/v1/auth/me, serve --all {label} (wrk -t2 -c{opts.connections} "
                f"-d{opts.seconds}s): {float(rps.group(1)) if rps else 0:.0f} req/s, "
                f"non-2xx {non2xx.group(1) if non2xx else 0}, latency p50 {lat.get('50%')} p99 {lat.get('99%')}"
            )
    finally:
        for proc in (gateway, auth, gateway2):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        subprocess.run(
            [sys.executable, "-m", "app", "infra", "down"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from backend.embedded.postgres import EmbeddedPostgres; EmbeddedPostgres({str(home)!r}).destroy()",
            ],
            cwd=ROOT,
            check=False,
        )
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
