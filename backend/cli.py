"""``salesos`` commands (the desktop app itself starts from ``app.__main__``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Callable

import backend
from backend.embedded.broker import EmbeddedBroker
from backend.embedded.errors import InfrastructureError
from backend.embedded.infrastructure import Infrastructure
from backend.embedded.postgres import EmbeddedPostgres
from backend.embedded.supervisor import Supervisor
from backend.kit import loop as event_loop
from backend.kit import migrate
from backend.kit.logging import configure_logging
from backend.kit.settings import GATEWAY_PORT, ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesos",
        description="SalesOS: with no command, opens the desktop app (solo mode).",
    )
    parser.add_argument("--version", action="version", version=f"salesos {backend.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the backend headless (team mode)",
        description="Run the backend headless against DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS "
        "(embedded servers under SALESOS_HOME when unset).",
    )
    which = serve.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--all", action="store_true", help="the gateway with every service in-process"
    )
    which.add_argument("--service", metavar="NAME", help="one service alone: gateway, auth, crm, …")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, help="port (default: the service's team port, 3000-3008)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing the port (default 1); use up to one per core",
    )

    serve.add_argument(
        "--no-background",
        action="store_true",
        help="with --all: do not run the outbox relay and consumers in this process",
    )

    worker = commands.add_parser(
        "worker",
        help="run the outbox relay or the consumers alone (team mode)",
        description="Run one background worker against DATABASE_URL and "
        "KAFKA_BOOTSTRAP_SERVERS. Several relays may run: one leads, the others wait.",
    )
    worker.add_argument("kind", help="relay, consumers, or a context's job (e.g. email, scheduler)")
    worker.add_argument(
        "--metrics-port", type=int, default=None, help="serve /metrics on this port"
    )
    worker.add_argument("--metrics-host", default="127.0.0.1", help="address for /metrics")

    events = commands.add_parser(
        "events", help="the event backbone: backlog, dead letters", description="Events."
    )
    events_cmds = events.add_subparsers(dest="events_command", metavar="ACTION", required=True)
    events_cmds.add_parser("status", help="unpublished events and dead letters")
    dlq = events_cmds.add_parser("dlq", help="dead letters", description="Dead letters.")
    dlq_cmds = dlq.add_subparsers(dest="dlq_command", metavar="ACTION", required=True)
    dlq_list = dlq_cmds.add_parser("list", help="list dead letters, newest first")
    dlq_list.add_argument("--limit", type=int, default=50)
    dlq_list.add_argument("--all", action="store_true", help="include replayed ones")
    dlq_replay = dlq_cmds.add_parser("replay", help="put dead letters back in the outbox")
    which_dead = dlq_replay.add_mutually_exclusive_group(required=True)
    which_dead.add_argument("ids", nargs="*", type=int, default=[], help="dead-letter ids")
    which_dead.add_argument("--all", action="store_true", help="every dead letter")

    db = commands.add_parser("db", help="database migrations", description="Database migrations.")
    db_cmds = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_cmds.add_parser("upgrade", help="apply migrations", description="Apply migrations.")
    up.add_argument("revision", nargs="?", default="head")
    down = db_cmds.add_parser(
        "downgrade", help="revert migrations", description="Revert migrations."
    )
    down.add_argument("revision", help="target revision, e.g. -1 or base")
    db_cmds.add_parser(
        "current", help="show the revision", description="Show the database revision."
    )

    seed = commands.add_parser(
        "seed-demo",
        help="create the demo company and users (idempotent)",
        description="Create the demo company with an admin, a manager, a rep and a small CRM "
        "book. Running it again changes nothing. --accounts N adds N generated accounts (and "
        "3N contacts, N opportunities) for benchmarks.",
    )
    seed.add_argument("--accounts", type=int, default=0, help="generated accounts to add")

    infra = commands.add_parser(
        "infra",
        help="embedded Postgres + broker for development",
        description="Start, stop or show the embedded Postgres and broker under SALESOS_HOME.",
    )
    infra_cmds = infra.add_subparsers(dest="infra_command", metavar="ACTION", required=True)
    infra_up = infra_cmds.add_parser(
        "up", help="start both and print their addresses", description="Start both."
    )
    infra_up.add_argument("--broker-port", type=int, default=None, help="fixed broker port")
    infra_down = infra_cmds.add_parser(
        "down",
        help="stop both (--purge: and delete the database)",
        description="Stop both. --purge also deletes the data folder's database (as root it "
        "lives outside SALESOS_HOME, in /var/lib/salesos).",
    )
    infra_down.add_argument(
        "--purge", action="store_true", help="delete the database of this data folder too"
    )
    infra_down.add_argument(
        "--force", action="store_true", help="stop them even while a server process uses them"
    )
    infra_cmds.add_parser("status", help="show whether they run", description="Show their state.")
    infra_cmds.add_parser(
        "prune",
        help="as root: delete databases whose data folder is gone",
        description="As root the embedded databases live in /var/lib/salesos, outside their "
        "data folders: delete those whose data folder no longer exists.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a ``salesos`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 0
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format.value)
        if args.command == "serve":
            return _serve(settings, args)
        if args.command == "db":
            return _db(settings, args)
        if args.command == "infra":
            return _infra(settings, args)
        if args.command == "seed-demo":
            return _seed_demo(settings, args.accounts)
        if args.command == "worker":
            return _worker(settings, args)
        if args.command == "events":
            return _events(settings, args)
    except ConfigError as exc:
        print(f"salesos: configuration error: {exc}", file=sys.stderr)
        return 2
    except InfrastructureError as exc:
        print(
            f"salesos: {exc.component} could not start: {exc.cause}\n  {exc.remedy}",
            file=sys.stderr,
        )
        return 1
    return 2


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from backend import registry
    from backend.server import serve_team

    service = None if args.all else args.service
    if service not in (None, "gateway") and service not in registry.names():
        print(
            f"salesos serve: --service {service!r} is not one of "
            f"gateway, {', '.join(registry.names())}",
            file=sys.stderr,
        )
        return 2
    port = args.port
    if port is None:
        port = GATEWAY_PORT if service in (None, "gateway") else registry.context(service).port
    settings.require_secret_key()
    infra = Infrastructure(settings)
    supervisor: Supervisor | None = None
    try:
        database_url = infra.start_database(tie_to_parent=True)
        bootstrap = infra.start_broker(tie_to_parent=True)
        if service in (None, "gateway") or settings.embedded_database:
            migrate.upgrade(database_url)

        def supervise() -> None:  # once no more processes are forked
            nonlocal supervisor
            supervisor = infra.supervise()

        def started(bound: int) -> None:
            print(
                f"salesos: serving {service or 'all services'} on http://{args.host}:{bound}"
                + (f" with {args.workers} workers" if args.workers > 1 else ""),
                flush=True,
            )

        def run(sock: socket.socket | None, on_started: Callable[[int], None] | None) -> None:
            event_loop.run(
                serve_team(
                    settings,
                    service=service,
                    host=args.host,
                    port=port,
                    database_url=database_url,
                    bootstrap=bootstrap,
                    started=on_started,
                    sock=sock,
                    workers=args.workers,
                    background=not args.no_background,
                )
            )

        if args.workers <= 1:
            supervise()
            run(None, started)
        else:
            _prefork(args.host, port, args.workers, run, started, supervise)
    except OSError as exc:
        print(f"salesos: {exc}", file=sys.stderr)
        return 1
    finally:
        if supervisor is not None:
            supervisor.stop()
        infra.stop()
    return 0


def _prefork(
    host: str,
    port: int,
    workers: int,
    run: Callable[[socket.socket | None, Callable[[int], None] | None], None],
    started: Callable[[int], None],
    after_fork: Callable[[], None],
) -> None:
    """Bind once, fork ``workers`` processes that accept on the same socket, wait.

    Workers die with the parent (PR_SET_PDEATHSIG); SIGTERM/SIGINT to the parent is
    passed on to them, and the parent stops the embedded servers after they exit.
    """
    import ctypes

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise OSError(f"could not listen on {host}:{port} ({exc.strerror})") from exc
    sock.listen(2048)
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # worker
            ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
            code = 0
            try:
                run(sock, None)
            except BaseException:  # a worker must never return into the parent's code
                code = 1
            os._exit(code)
        children.append(pid)
    after_fork()
    started(sock.getsockname()[1])

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        while True:
            try:
                os.waitpid(child, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break
    sock.close()


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from fastapi import FastAPI
    from fastapi.responses import Response

    from backend.kit.resources import open_resources
    from backend.messaging import metrics
    from backend.server import job_names, serve_app, start_background

    kind = args.kind
    kinds = ("relay", "consumers", *job_names())
    if kind not in kinds:
        print(f"salesos worker: {kind!r} is not one of {', '.join(kinds)}", file=sys.stderr)
        return 2

    infra = Infrastructure(settings)
    try:
        database_url = infra.start_database(tie_to_parent=True)
        bootstrap = infra.start_broker(tie_to_parent=True)
        if settings.embedded_database:
            migrate.upgrade(database_url)

        async def work() -> None:
            resources = await open_resources(
                settings, database_url=database_url, bootstrap_servers=bootstrap, mode="team"
            )
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            running = start_background(
                resources,
                relay=kind == "relay",
                consumers=kind == "consumers",
                jobs=[kind] if kind not in ("relay", "consumers") else [],
            )
            print(f"salesos: {kind} worker running", flush=True)
            try:
                if args.metrics_port is not None:
                    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

                    @app.get("/metrics")
                    async def _metrics() -> Response:
                        body = await metrics.render(resources)
                        return Response(body, media_type=metrics.CONTENT_TYPE)

                    await serve_app(app, args.metrics_host, args.metrics_port, stop=stop)
                else:
                    await stop.wait()
            finally:
                await running.close()
                await resources.close()

        event_loop.run(work())
    finally:
        infra.stop()
    return 0


def _events(settings: Settings, args: argparse.Namespace) -> int:
    from backend.kit.db import create_engine
    from backend.kit.tenancy import APP_ROLE
    from backend.messaging import admin

    infra = Infrastructure(settings)
    try:
        url = infra.start_database(tie_to_parent=True)

        async def act() -> int:
            engine = create_engine(url, pool_size=1, role=APP_ROLE)
            try:
                if args.events_command == "status":
                    print(json.dumps(await admin.backlog(engine)))
                elif args.dlq_command == "list":
                    rows = await admin.list_dead_letters(
                        engine, limit=args.limit, include_replayed=args.all
                    )
                    if not rows:
                        print("no dead letters")
                    for row in rows:
                        state = (
                            f"replayed {row.replayed_at:%Y-%m-%d %H:%M}"
                            if row.replayed_at
                            else "waiting"
                        )
                        print(
                            f"{row.id:>6}  {row.created_at:%Y-%m-%d %H:%M:%S}  {row.source:<24} "
                            f"{row.type:<32} {row.event_id}  {row.attempts} attempts  {state}\n"
                            f"        {row.error}"
                        )
                else:
                    done = await admin.replay_dead_letters(
                        engine, None if args.all else list(args.ids)
                    )
                    print(
                        f"replayed {len(done)} dead letter(s): {', '.join(map(str, done)) or '-'}"
                    )
            finally:
                await engine.dispose()
            return 0

        return asyncio.run(act())
    finally:
        infra.stop()


def _db(settings: Settings, args: argparse.Namespace) -> int:
    infra = Infrastructure(settings)
    try:
        url = infra.start_database(tie_to_parent=True)
        if args.db_command == "upgrade":
            migrate.upgrade(url, args.revision)
        elif args.db_command == "downgrade":
            migrate.downgrade(url, args.revision)
        print(
            f"database at revision {asyncio.run(migrate.current_revision(url)) or 'base (empty)'}"
        )
    finally:
        infra.stop()
    return 0


def _seed_demo(settings: Settings, accounts: int) -> int:
    import time

    from backend.demo import demo_logins, seed_demo, seed_scale

    infra = Infrastructure(settings)
    try:
        url = infra.start_database(tie_to_parent=True)
        migrate.upgrade(url)
        created = asyncio.run(seed_demo(url))
        print("demo data created" if created else "demo data already present; nothing changed")
        for line in demo_logins():
            print(f"  {line}")
        if accounts > 0:
            started = time.perf_counter()
            totals = asyncio.run(
                seed_scale(url, accounts, lambda line: print(f"  {line}", flush=True))
            )
            took = time.perf_counter() - started
            print(
                f"generated {totals['accounts']:,} accounts, {totals['contacts']:,} contacts, "
                f"{totals['opportunities']:,} opportunities in {took:.1f} s"
            )
    finally:
        infra.stop()
    return 0


def _infra(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.embedded_database or not settings.embedded_broker:
        print("note: DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS are set; only unset ones are embedded")
    if args.infra_command == "up":
        infra = Infrastructure(settings, broker_port=args.broker_port)
        url = infra.start_database(tie_to_parent=False)
        bootstrap = infra.start_broker(tie_to_parent=False)
        infra.keep_running()  # until `salesos infra down`; other commands leave them
        print(f"DATABASE_URL={url}")
        print(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap}")
        return 0
    if args.infra_command == "prune":
        from backend.embedded.postgres import purge_orphans

        gone = purge_orphans()
        print(f"deleted {len(gone)} database(s) whose data folder is gone")
        for entry in gone:
            print(f"  {entry}")
        return 0
    pg = EmbeddedPostgres(settings.home)
    broker = EmbeddedBroker(settings.run_dir)
    state = _broker_state(broker)
    if args.infra_command == "down":
        users = {
            owner
            for owner in (pg.ownership.owner(), broker.ownership.owner())
            if isinstance(owner, int) and owner != os.getpid()
        }
        if users and not args.force:
            print(
                f"salesos infra down: process {', '.join(map(str, sorted(users)))} "
                "(salesos serve or the app) is using them; stop it first, or add --force",
                file=sys.stderr,
            )
            return 1
        broker.stop()
        broker.ownership.release_any()
        if args.purge:
            pg.destroy()
            print(f"embedded Postgres and broker stopped; database deleted ({pg.data_dir})")
        else:
            pg.stop()
            print("embedded Postgres and broker stopped")
        pg.ownership.release_any()
        return 0
    print(f"postgres: {'running' if pg.is_running() else 'stopped'} ({pg.url()})")
    pid = state.get("pid")
    alive = isinstance(pid, int) and _alive(pid)
    where = f"127.0.0.1:{state.get('port')}" if state else "-"
    print(
        f"broker:   {'running' if alive else 'stopped'} ({state.get('kind', 'tansu')} at {where})"
    )
    return 0


def _broker_state(broker: EmbeddedBroker) -> dict[str, object]:
    try:
        data = json.loads(broker.state_path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
