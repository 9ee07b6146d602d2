"""The rules of CONVENTIONS.md that import-linter cannot see: SQL lives in
repositories, a context's events module is its contract, every context is under the
contracts, every handler is declared, modules stay small."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from backend import registry

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"

SQL_BUILDERS = frozenset(
    {"select", "insert", "update", "delete", "text", "func", "and_", "or_", "exists", "literal"}
)
"""SQLAlchemy names that build statements."""

SQL_CALLS = frozenset(
    {
        "execute", "scalars", "scalar", "stream", "fetch", "fetchval", "fetchrow",
        "copy_records_to_table", "with_for_update",
    }
)  # fmt: skip
"""Methods that send SQL (SQLAlchemy sessions and connections, asyncpg connections)."""

SQL_HOMES = {
    "backend/kit/db.py": "the engine and the unit of work",
    "backend/kit/tenancy.py": "hands the tenant to Postgres at the start of each transaction",
    "backend/kit/resources.py": "the health check's SHOW server_version",
    "backend/kit/migrate.py": "Alembic's version table",
    "backend/kit/pagination.py": "the keyset conditions repositories add to their queries",
}
"""Modules besides repositories allowed to send SQL, and why."""


def sql_outside_repositories(source: str, relative: str) -> list[str]:
    """Where ``source`` builds or sends SQL though it is not a repository module:
    ``"file:line: what"`` for each place. Models may use ``func``/``text`` for server
    defaults and index predicates."""
    name = Path(relative).name
    if name == "repository.py" or relative in SQL_HOMES:
        return []
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            for alias in node.names:
                if alias.name in SQL_BUILDERS and name != "models.py":
                    found.append(f"{relative}:{node.lineno}: imports {alias.name} from sqlalchemy")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_CALLS
        ):
            found.append(f"{relative}:{node.lineno}: calls .{node.func.attr}()")
    return found


def _backend_modules() -> list[Path]:
    return sorted(p for p in BACKEND.rglob("*.py") if "__pycache__" not in p.parts)


class TestSqlLivesInRepositories:
    def test_no_backend_module_but_a_repository_builds_or_sends_sql(self) -> None:
        found = []
        for path in _backend_modules():
            relative = str(path.relative_to(ROOT))
            found += sql_outside_repositories(path.read_text(), relative)
        assert found == []

    def test_a_select_added_to_a_route_is_caught(self) -> None:
        route = ROOT / "backend/crm/records/api.py"
        source = route.read_text() + (
            "\n\nfrom sqlalchemy import select\n\n"
            "async def sneaky(session):\n"
            "    return await session.execute(select(1))\n"
        )
        found = sql_outside_repositories(source, "backend/crm/records/api.py")
        assert any("imports select" in f for f in found)
        assert any("calls .execute()" in f for f in found)

    def test_a_repository_may(self) -> None:
        source = (ROOT / "backend/crm/records/repository.py").read_text()
        assert sql_outside_repositories(source, "backend/crm/records/repository.py") == []
        assert "select(" in source  # it really holds SQL


class TestContexts:
    def test_the_contexts_found_are_the_packages_that_declare_one(self) -> None:
        declared = sorted(p.parent.name for p in BACKEND.glob("*/context.py"))
        assert sorted(registry.names()) == declared == ["auth", "crm", "email"]

    def test_every_context_is_under_the_import_contracts(self) -> None:
        config = tomllib.loads((ROOT / "pyproject.toml").read_text())
        contracts = {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}
        independent = next(
            c for n, c in contracts.items() if n.startswith("Contexts are independent")
        )
        gateway = next(
            c for n, c in contracts.items() if n.startswith("The gateway knows no context")
        )
        layers = next(c for n, c in contracts.items() if n.startswith("Backend layers"))
        for name in registry.names():
            module = f"backend.{name}"
            assert module in independent["modules"], (
                f"{module} missing from the independence contract"
            )
            assert module in gateway["forbidden_modules"], (
                f"{module} missing from the gateway contract"
            )
            assert any(module in layer.split() for layer in layers["layers"]), module

    @pytest.mark.parametrize("name", registry.names())
    def test_an_events_module_is_a_contract_that_imports_no_more_of_its_context(
        self, name: str
    ) -> None:
        path = BACKEND / name / "events.py"
        tree = ast.parse(path.read_text())
        imported = [
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("backend")
        ]
        imported += [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name.startswith("backend")
        ]
        assert all(m.startswith(("backend.kit", "backend.messaging")) for m in imported), imported

    @pytest.mark.parametrize("name", registry.names())
    def test_every_handler_a_context_writes_is_declared(self, name: str) -> None:
        """A ``handlers.py`` nothing lists would never run: its handlers must be the
        descriptor's."""
        context = registry.context(name)
        path = BACKEND / name / "handlers.py"
        if not path.exists():
            assert context.handlers == ()
            return
        import importlib

        module = importlib.import_module(f"backend.{name}.handlers")
        written = {h.name for h in module.handlers.all()}
        assert written == {h.name for h in context.handlers}


MAX_LINES = 650
"""CONVENTIONS.md: modules of a few hundred lines, split past ~600."""


def test_no_module_is_too_long() -> None:
    long = []
    for top in ("backend", "app", "tests", "benchmarks"):
        for path in (ROOT / top).rglob("*.py"):
            lines = path.read_text().count("\n")
            if lines > MAX_LINES:
                long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert long == []
