"""Run schemathesis against the combined OpenAPI of a real ``salesos serve --all``.

Starts the server on a fresh data folder (the rate limit lifted), signs up a company,
then lets schemathesis generate requests for every operation, valid and invalid, as
the company's admin. It checks that nothing answers 5xx and that the document says
what the API accepts (a request the schema allows is not refused, one it forbids is).

Usage: python scripts/fuzz_api.py [--examples 30] [--smoke] [--seed N]
Prints the operations and cases tested and the failures; exits 1 on any.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers import smtp as smtp_server  # noqa: E402  (a real SMTP server for mailboxes)
from tests.servers.smtp import SMTPServer  # noqa: E402

PASSWORD = "fuzzing-is-a-long-passphrase"

SESSION_ENDING = [
    # Each may end or demote the fuzzer's own sign-in (schemathesis follows the links
    # from GET /auth/sessions and GET /users to the caller itself): fuzzed last, alone.
    "/api/v1/auth/logout",
    "/api/v1/auth/sessions/end-others",
    "/api/v1/auth/sessions/{session_id}",
    "/api/v1/users/{user_id}/deactivate",
    "/api/v1/users/{user_id}",
    "/api/v1/auth/password",
]
STREAMS = ["/api/v1/live"]
"""Open until the token expires: tested in tests/backend/gateway."""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sign_up(base: str, company: str, smtp: SMTPServer) -> tuple[str, dict[str, Any]]:
    """A company to fuzz as: its admin's token, and records the hooks may name (a
    mailbox on a real SMTP server, whose settings positive cases connect with)."""
    r = httpx.post(
        f"{base}/api/v1/auth/signup",
        json={
            "company": company, "name": "Fuzz Admin", "password": PASSWORD,
            "email": f"fuzz-{time.time_ns()}@example.com",
        },
        timeout=20,
    )  # fmt: skip
    r.raise_for_status()
    token = str(r.json()["access_token"])
    data: dict[str, Any] = {"user": r.json()["user"]["id"], "password": PASSWORD}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=20) as c:

        def made(path: str, body: dict[str, object]) -> str:
            answer = c.post(path, json=body)
            answer.raise_for_status()
            return str(answer.json()["id"])

        for object_type in ("account", "contact"):
            made(
                "/api/v1/custom-fields",
                {"object_type": object_type, "key": "tier", "label": "Tier", "field_type": "text"},
            )
        data["manager"] = made(
            "/api/v1/users",
            {
                "email": f"mgr-{time.time_ns()}@example.com",
                "name": "M",
                "role": "manager",
                "password": PASSWORD,
            },
        )
        data["account"] = made("/api/v1/accounts", {"name": "Fuzz Co"})
        data["account_twin"] = made("/api/v1/accounts", {"name": "Fuzz Co"})
        data["account_spare"] = made("/api/v1/accounts", {"name": "Fuzz Spare"})
        data["contact"] = made(
            "/api/v1/contacts", {"last_name": "Fuzz", "account_id": data["account"]}
        )
        data["contact_twin"] = made("/api/v1/contacts", {"last_name": "Fuzz"})
        data["contact_spare"] = made("/api/v1/contacts", {"last_name": "Spare"})
        data["opportunity"] = made(
            "/api/v1/opportunities", {"name": "Fuzz deal", "account_id": data["account"]}
        )
        data["opportunity_spare"] = made("/api/v1/opportunities", {"name": "Spare deal"})
        data["stage"] = c.get("/api/v1/pipelines").json()["items"][0]["stages"][1]["id"]
        sender = f"fuzz-{time.time_ns()}@example.com"
        smtp.add_user(sender, PASSWORD)
        data["smtp"] = {
            "kind": "smtp", "email": sender, "smtp_host": smtp.host, "smtp_port": smtp.port,
            "smtp_security": "none", "username": sender, "password": PASSWORD,
        }  # fmt: skip
        data["mailbox"] = made("/api/v1/mailboxes", data["smtp"])
        data["template"] = made(
            "/api/v1/email-templates", {"name": "Fuzz", "subject": "Hi", "body_text": "Hello"}
        )
    return token, data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=30, help="cases per operation")
    parser.add_argument("--smoke", action="store_true", help="3 cases per operation")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--report", type=Path, default=None, help="keep NDJSON reports here")
    parser.add_argument(
        "--checks",
        default="not_a_server_error",
        help="schemathesis checks; 'all' adds the strict ones (positive_data_acceptance, "
        "negative_data_rejection, …), whose findings depend on data and are worth reading",
    )
    parser.add_argument(
        "--only", action="append", default=[], metavar="PATH",
        help="fuzz only this path (repeatable; skips the session-ending passes)",
    )  # fmt: skip
    opts = parser.parse_args()
    examples = 3 if opts.smoke else opts.examples
    home = Path(tempfile.mkdtemp(prefix="salesos-fuzz-"))
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
        },
        "SALESOS_HOME": str(home),
        "SALESOS_EMBEDDED_PG_FAST": "1",
        "SALESOS_LOG_LEVEL": "WARNING",
        "SALESOS_RATE_LIMIT_PER_MIN": "100000000",
        "SALESOS_LOGIN_IP_LIMIT_PER_MIN": "100000000",
    }
    log = home / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--all", "--port", str(port)],
        env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    stack = contextlib.ExitStack()
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print(log.read_text()[-3000:])
                return 2
            time.sleep(0.2)
        smtp = stack.enter_context(smtp_server.running({}, auth_without_tls=True))
        outputs = []
        codes = []
        passes = [("everything else", [*SESSION_ENDING, *STREAMS], opts.only)]
        if not opts.only:  # each with a fresh sign-in
            passes += [(path, [], [path]) for path in SESSION_ENDING]
        for label, excluded, included in passes:
            token, data = _sign_up(base, label, smtp)
            argv = [
                str(Path(sys.executable).parent / "st"), "run", f"{base}/openapi.json",
                "--url", base,
                "-H", f"Authorization: Bearer {token}",
                "--checks", opts.checks,
                "--max-examples", str(examples),
                # One worker in a smoke run: hypothesis parses lambdas with ast.parse, and
                # CPython 3.11's parser can fail two threads at once ("AST constructor
                # recursion depth mismatch").
                "--workers", "1" if opts.smoke else "2",
                "--request-timeout", "20",
                "--suppress-health-check", "all",
                "--no-color", "--continue-on-failure",
            ]  # fmt: skip
            if opts.report is not None:
                folder = (
                    label.strip("/")
                    .replace("/", "_")
                    .replace(" ", "-")
                    .replace("{", "")
                    .replace("}", "")
                )
                argv += ["--report", "ndjson", "--report-dir", str(opts.report / folder)]
            for path in excluded:
                argv += ["--exclude-path", path]
            for path in included:
                argv += ["--include-path", path]
            if opts.seed is not None:
                argv += ["--seed", str(opts.seed)]
            print(f"== {label}", flush=True)
            hooks_env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "SCHEMATHESIS_HOOKS": "scripts.fuzz_hooks",
                "SALESOS_FUZZ_DATA": json.dumps(data),
            }
            run = subprocess.run(
                argv, cwd=home, env=hooks_env, check=False, capture_output=True, text=True
            )
            print(run.stdout[-6000:] if label == passes[0][0] else run.stdout[-2500:], flush=True)
            outputs.append(run.stdout)
            if opts.report is not None:
                (opts.report / f"{folder}.txt").write_text(run.stdout)
            codes.append(run.returncode)
        # "Mostly rejected" means something over 20 cases an operation, not over a smoke
        # run's 3 (two refused by data, as a duplicate, make "mostly"): judged in full runs.
        mismatch = (
            [o for o in outputs if "Schema validation mismatch" in o] if examples >= 20 else []
        )
        if mismatch:
            print("FAIL: the OpenAPI document does not say what the API accepts (see above)")
        errors = [
            line
            for line in log.read_text().splitlines()
            if '"levelname": "ERROR"' in line or "Traceback" in line
        ]
        if errors:
            print(f"server logged {len(errors)} error line(s); first: {errors[0][:4000]}")
        return 1 if errors or mismatch or any(codes) else 0
    finally:
        stack.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        subprocess.run(
            [sys.executable, "-c", f"from backend.embedded.postgres import EmbeddedPostgres as P; P({str(home)!r}).destroy()"],
            cwd=ROOT, check=False,
        )  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
