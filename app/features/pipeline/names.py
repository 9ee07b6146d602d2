"""The names the board's cards show but deals do not carry: their accounts' names and
their owners' initials, looked up in the background and filled in as they arrive."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from app.api.records import Opportunity
from app.features.pipeline.board import BoardDirectory
from app.features.pipeline.ops import PipelineOps
from app.qt.core import QObject, QTimer

NAMING_DELAY_MS = 40
"""Account names of pages arriving within this time are looked up together."""


class CardNames(QObject):
    """Looks up the names a board's cards need and keeps them in its directory.

    The account names of the pages that arrive together are asked for in one call
    (a board's columns load at once); an account renamed elsewhere is asked for
    again, its old name showing until the new one arrives. The colleagues' names
    (for owners' initials) are asked for once.

    Args:
        directory: Where the names are kept.
        pipelines: The board's calls.
        arrived: Called whenever names arrived (the cards show them then).
        parent: The parent object.
    """

    def __init__(
        self,
        directory: BoardDirectory,
        pipelines: PipelineOps,
        arrived: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._directory = directory
        self._ops = pipelines
        self._arrived = arrived
        self._owners_asked = False
        self._unnamed: set[str] = set()
        self._renamed: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NAMING_DELAY_MS)
        self._timer.timeout.connect(self._look_up)

    def load_owners(self) -> None:
        """Ask for the colleagues' names, the first time only."""
        if self._owners_asked:
            return
        self._owners_asked = True

        def arrived(names: dict[str, str]) -> None:
            self._directory.add_owners(names)
            self._arrived()

        self._ops.load_owners(arrived)

    def name(self, cards: Iterable[Opportunity]) -> None:
        """Look up the accounts of ``cards`` whose names are not known yet (soon, with
        those of the other pages arriving meanwhile)."""
        self._unnamed.update(self._directory.missing_accounts(cards))
        if self._unnamed:
            self._timer.start()

    def rename(self, account_id: str) -> None:
        """An account changed: read its name again if cards show it."""
        if account_id in self._directory.accounts:
            self._renamed.add(account_id)
            self._timer.start()

    def _look_up(self) -> None:
        directory = self._directory
        missing = sorted((self._unnamed - set(directory.accounts)) | self._renamed)
        self._unnamed.clear()
        self._renamed.clear()
        if not missing:
            return

        def arrived(names: dict[str, str]) -> None:
            # Names the server would not give are left blank rather than "…" forever.
            directory.add_accounts({**dict.fromkeys(missing, ""), **names})
            self._arrived()

        self._ops.load_account_names(missing, arrived)
