"""The page's side of an Account column (:mod:`~app.features.records.account_names`): the
names asked for once per page, in one ``id:in`` call, and again for the accounts renamed
or trashed elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from app.api.live import Change
from app.errors import UserMessage
from app.features.live.model import LiveChanges
from app.features.records.account_names import AccountNamesModel
from app.features.records.live import GATHER_MS
from app.features.records.notices import message_text
from app.ops import FailureHandler
from app.qt.core import QObject, QTimer, Signal
from app.widgets.record_form import ActionBanner

LookUpNames = Callable[
    [Sequence[str], Callable[[dict[str, str]], None], FailureHandler],
    "asyncio.Task[dict[str, str]]",
]
"""Reads the names of some accounts by id (:meth:`RecordOps.account_names`)."""


class AccountNameLookup(QObject):
    """Answers a list's wishes for account names, and asks again after changes elsewhere.

    Args:
        model: The list's model.
        look_up: Reads account names by id.
        banner: Where a failure is said.
        noun: The records, plural, for that message ("contacts").
        parent: The parent object.

    Signals:
        arrived(object): The names that arrived (``dict`` of id → name).
    """

    arrived = Signal(object)

    def __init__(
        self,
        model: AccountNamesModel[Any],
        look_up: LookUpNames,
        banner: ActionBanner,
        noun: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._look_up = look_up
        self._banner = banner
        self._noun = noun
        self._changed: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(GATHER_MS)
        self._timer.timeout.connect(self._names_changed)
        model.account_names_wanted.connect(self.load)

    def follow(self, live: LiveChanges) -> None:
        """Read again the names of accounts changed elsewhere (renamed, trashed), a burst
        of such changes in one call."""
        live.changed.connect(self.account_changed)
        live.stopped.connect(self._timer.stop)

    def account_changed(self, change: Change) -> None:
        """An account changed somewhere: read its name again soon if a row shows it."""
        if change.kind != "account" or change.created:
            return
        self._changed.add(change.id)
        if not self._timer.isActive():
            self._timer.start()

    def _names_changed(self) -> None:
        changed, self._changed = self._changed, set()
        self._model.names_changed(changed)

    def load(self, account_ids: list[str]) -> None:
        """Ask for the names of ``account_ids`` (the accounts of a page) in one call; the
        Account column fills in when they arrive."""
        model = self._model

        def arrived(names: dict[str, str]) -> None:
            model.set_account_names(names, account_ids)
            self.arrived.emit(names)

        def failed(message: UserMessage) -> None:
            model.account_names_failed(account_ids)
            text = f"The {self._noun}' account names could not be loaded. {message_text(message)}"
            self._banner.show_message(text, "error")

        self._look_up(account_ids, arrived, failed)
