"""The Accounts page (the rep's home) and the detail panel of one account."""

from __future__ import annotations

from app.api.models import Account, Contact, Opportunity
from app.errors import UserMessage
from app.features.accounts.model import AccountsTableModel, format_money
from app.features.accounts.ops import AccountRecordOps, AccountRelations
from app.features.records.model import NO_VALUE, short_date, text_or_dash
from app.features.records.ops import RecordLoader
from app.features.records.view import RecordListPage
from app.qt import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QModelIndex,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)

STATUS_LABELS = {"open": "Open", "won": "Won", "lost": "Lost"}


def _label(text: str, parent: QWidget, role: str = "", name: str = "") -> QLabel:
    label = QLabel(text, parent)
    if role:
        label.setProperty("role", role)
    if name:
        label.setObjectName(name)
    return label


class AccountDetail(QFrame):
    """One account's fields, contacts and opportunities, beside the list.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountDetailPanel")
        self.setFixedWidth(340)
        self.account: Account | None = None
        self.name_label = _label("", self, "headline", "accountDetailName")
        self.name_label.setWordWrap(True)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.hide)
        top = QHBoxLayout()
        top.addWidget(self.name_label, 1)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.viewport().setAutoFillBackground(False)
        self.contact_labels: list[QLabel] = []
        self.opportunity_rows: list[tuple[QLabel, QLabel]] = []
        self._clear()
        self._scroll.setWidget(self._inner)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 8, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self._scroll, 1)

    def _clear(self) -> None:
        """Start an empty body (the scroll area deletes the old one)."""
        self._inner = QWidget()
        self._inner.setObjectName("accountDetailBody")
        self._body = QVBoxLayout(self._inner)
        self._body.setContentsMargins(0, 0, 8, 0)
        self._body.setSpacing(6)
        self.status_label = _label("", self._inner, "muted")
        self.contact_labels = []
        self.opportunity_rows = []

    def show_account(self, account: Account) -> None:
        """Show ``account``'s fields, and "Loading…" for its contacts and deals."""
        self.account = account
        self._clear()
        self.name_label.setText(account.name)
        fields = QGridLayout()
        fields.setHorizontalSpacing(12)
        fields.setVerticalSpacing(4)
        address = ", ".join(
            part
            for part in (account.street, account.city, account.region, account.postal_code)
            if part
        )
        rows = (
            ("Domain", text_or_dash(account.domain)),
            ("Industry", text_or_dash(account.industry)),
            ("Employees", f"{account.size:,}" if account.size is not None else NO_VALUE),
            ("Address", address or NO_VALUE),
            ("Country", text_or_dash(account.country)),
            ("Updated", short_date(account.updated_at)),
        )
        for row, (name, value) in enumerate(rows):
            fields.addWidget(_label(name, self._inner, "muted"), row, 0, Qt.AlignmentFlag.AlignTop)
            value_label = _label(value, self._inner, name="detailValue")
            value_label.setWordWrap(True)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            fields.addWidget(value_label, row, 1)
        fields.setColumnStretch(1, 1)
        self._body.addLayout(fields)
        self.status_label.setText("Loading contacts and opportunities…")
        self._body.addWidget(self.status_label)
        self._body.addStretch(1)
        self._scroll.setWidget(self._inner)
        self.show()

    def show_relations(self, relations: AccountRelations) -> None:
        """Add the account's contacts and opportunities (if it is still the one shown)."""
        if self.account is None or relations.account.id != self.account.id:
            return
        stretch = self._body.takeAt(self._body.count() - 1)  # re-added at the end
        del stretch
        self.status_label.setText("Showing the first 50 of each." if relations.more else "")
        self.status_label.setVisible(relations.more)
        self._section(f"Contacts ({len(relations.contacts)})")
        if not relations.contacts:
            self._body.addWidget(_label("No contacts", self._inner, "muted"))
        for contact in relations.contacts:
            self._add_contact(contact)
        self._section(f"Opportunities ({len(relations.opportunities)})")
        if not relations.opportunities:
            self._body.addWidget(_label("No opportunities", self._inner, "muted"))
        for opportunity in relations.opportunities:
            self._add_opportunity(opportunity)
        self._body.addStretch(1)

    def show_failure(self, message: UserMessage) -> None:
        """Say why the contacts and opportunities could not be loaded."""
        self.status_label.setText(" ".join(p for p in (message.title, message.text) if p))

    def _section(self, title: str) -> None:
        self._body.addSpacing(8)
        self._body.addWidget(_label(title, self._inner, "sectionLabel"))

    def _add_contact(self, contact: Contact) -> None:
        detail = " · ".join(part for part in (contact.title, contact.email) if part)
        text = contact.full_name or NO_VALUE
        label = _label(f"{text}\n{detail}" if detail else text, self._inner, name="detailContact")
        label.setToolTip(label.text())
        label.setWordWrap(True)
        # A long email must not widen the panel past its fixed width.
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._body.addWidget(label)
        self.contact_labels.append(label)

    def _add_opportunity(self, opportunity: Opportunity) -> None:
        row = QHBoxLayout()
        row.setSpacing(8)
        status = STATUS_LABELS.get(opportunity.status, opportunity.status.capitalize())
        close = short_date_of(opportunity)
        name = _label(f"{opportunity.name}\n{status} · closes {close}", self._inner)
        name.setObjectName("detailOpportunity")
        name.setWordWrap(True)
        amount = _label(
            format_money(opportunity.amount, opportunity.currency), self._inner, name="detailAmount"
        )
        amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        row.addWidget(name, 1)
        row.addWidget(amount, 0, Qt.AlignmentFlag.AlignTop)
        self._body.addLayout(row)
        self.opportunity_rows.append((name, amount))

    def amounts(self) -> dict[str, str]:
        """Each opportunity's amount as shown, by the opportunity's name (for tests)."""
        return {name.text().split("\n")[0]: amount.text() for name, amount in self.opportunity_rows}


def short_date_of(opportunity: Opportunity) -> str:
    """The close date as ``2026-11-25``; "—" for none."""
    return opportunity.close_date.isoformat() if opportunity.close_date else NO_VALUE


class AccountsPage(RecordListPage[Account]):
    """The accounts the user may see; double-click or Enter opens one beside the list.

    Args:
        accounts: The account calls.
        autoload: Load the first page when the page is first shown.
        parent: The parent widget.
    """

    def __init__(
        self, accounts: AccountRecordOps, *, autoload: bool = True, parent: QWidget | None = None
    ) -> None:
        model = AccountsTableModel()
        loader: RecordLoader[Account] = RecordLoader(model, accounts.fetch_page, accounts.ops)
        super().__init__(
            "Accounts",
            "The companies you sell to.",
            model,
            loader,
            widths=(154, 150, 120, 96, 100, 110, 100),
            stretch=AccountsTableModel.DOMAIN,
            autoload=autoload,
            parent=parent,
        )
        self.setObjectName("accountsPage")
        model.setParent(self)
        loader.setParent(self)
        self._accounts = accounts
        self.detail = AccountDetail(self)
        self.detail.hide()
        self.content.addWidget(self.detail)
        self.table.activated.connect(self.open_account)  # double-click or Enter

    def open_account(self, index: QModelIndex) -> None:
        """Show the account of ``index``'s row in the side panel and load its relations."""
        if not index.isValid():
            return
        account = self.model.record_at(index.row())
        self.detail.show_account(account)
        self._accounts.load_relations(account, self.detail.show_relations, self.detail.show_failure)
