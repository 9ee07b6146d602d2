"""On a server without Google or Microsoft clients, the Mailboxes page says so in the
server's words where the Connect button would be, and SMTP still connects."""

from __future__ import annotations

import asyncio

from pytestqt.qtbot import QtBot

from app.features.mailboxes.ops import MailboxOps
from app.features.mailboxes.view import MailboxesPage
from app.ops import Operations
from tests.app.crm_support import sign_up
from tests.app.email_support import signed_in
from tests.app.support import SIGN_IN_TIMEOUT_MS, SoloServer


def test_a_provider_that_is_not_set_up_shows_the_servers_message(
    qloop: asyncio.AbstractEventLoop, qtbot: QtBot, ops: Operations, solo_server: SoloServer
) -> None:
    tenant = sign_up(solo_server)
    with signed_in(qloop, qtbot, solo_server.url, tenant.email) as client:
        opened: list[str] = []
        page = MailboxesPage(MailboxOps(client, ops), open_browser=opened.append)
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(lambda: page.providers is not None, timeout=SIGN_IN_TIMEOUT_MS)
        panel = page.connect_panel
        for kind, words in (
            ("gmail", "SALESOS_GOOGLE_CLIENT_ID"),
            ("outlook", "SALESOS_MICROSOFT"),
        ):
            assert not panel.buttons[kind].isEnabled()
            assert panel.notes[kind].isVisible()
            assert words in panel.notes[kind].text()
            assert panel.buttons[kind].toolTip() == panel.notes[kind].text()
        assert panel.buttons["smtp"].isEnabled()
        assert page.empty_label.isVisible()
        assert opened == []
