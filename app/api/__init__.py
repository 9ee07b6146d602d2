"""The typed async client of the SalesOS gateway (httpx); no Qt here.

It mirrors the backend: :mod:`app.api.client` is the transport (one server, its
connection pool, the session and its token refresh, reading error answers), and
each backend area has one module of typed answers and calls on it:

* :mod:`app.api.auth` — sign-in, refresh, sign-out, me, password, devices
  (:mod:`app.api.session` keeps the tokens fresh);
* :mod:`app.api.users` — the company's users;
* :mod:`app.api.records` — accounts, contacts and opportunities;
* :mod:`app.api.fields` — custom fields and saved views;
* :mod:`app.api.pipelines` — pipelines and the board's totals;
* :mod:`app.api.imports` — CSV imports;
* :mod:`app.api.search` — global search;
* :mod:`app.api.live` — the stream of changes, and telling news from echoes;
* :mod:`app.api.health` — the backend's health.

Feature operations (``app/features/*/ops.py``) build the area objects they need on
the signed-in :class:`~app.api.client.GatewayClient` and call them directly.
"""
