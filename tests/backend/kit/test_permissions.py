"""The permission map, as each service will apply it to records."""

from __future__ import annotations

import uuid

import pytest

from backend.kit.errors import Forbidden
from backend.kit.security import Permission, Principal, Role, Scope


def _principal(role: Role) -> Principal:
    return Principal(uuid.uuid4(), uuid.uuid4(), role, uuid.uuid4(), "jti")


class TestPermissionMap:
    @pytest.mark.parametrize(
        ("role", "read", "write"),
        [
            (Role.REP, Scope.OWN, Scope.OWN),
            (Role.MANAGER, Scope.TEAM, Scope.TEAM),
            (Role.ADMIN, Scope.ALL, Scope.ALL),
        ],
    )
    def test_scopes_per_role(self, role: Role, read: Scope, write: Scope) -> None:
        p = _principal(role)
        assert p.scope(Permission.RECORDS_READ) is read
        assert p.scope(Permission.RECORDS_WRITE) is write

    @pytest.mark.parametrize("role", [Role.REP, Role.MANAGER])
    def test_only_admins_manage_users_and_settings(self, role: Role) -> None:
        p = _principal(role)
        for permission in (Permission.USERS_MANAGE, Permission.SETTINGS_MANAGE):
            assert not p.can(permission)
            with pytest.raises(Forbidden, match=rf"role \({role.value}\)"):
                p.require(permission)
        assert _principal(Role.ADMIN).can(Permission.USERS_MANAGE)

    def test_record_reach(self) -> None:
        rep, manager, admin = _principal(Role.REP), _principal(Role.MANAGER), _principal(Role.ADMIN)
        team = frozenset({rep.user_id})
        someone_else = uuid.uuid4()
        assert rep.may_touch(Permission.RECORDS_WRITE, rep.user_id, frozenset())
        assert not rep.may_touch(Permission.RECORDS_WRITE, someone_else, frozenset())
        assert manager.may_touch(Permission.RECORDS_WRITE, rep.user_id, team)
        assert manager.may_touch(Permission.RECORDS_READ, manager.user_id, team)
        assert not manager.may_touch(Permission.RECORDS_READ, someone_else, team)
        assert admin.may_touch(Permission.RECORDS_WRITE, someone_else, frozenset())
