"""The auth context: companies (tenants), users and roles, sign-in and sessions."""

from __future__ import annotations

from backend.auth import models
from backend.auth.api import PUBLIC, router
from backend.auth.deps import AuthState
from backend.context import BoundedContext

CONTEXT = BoundedContext(
    name="auth",
    port=3001,
    router=router,
    paths=("auth", "users"),
    models=(models,),
    public=PUBLIC,
    state=AuthState,
)
