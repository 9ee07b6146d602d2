"""The Contacts page: every contact the user may see, paged by the server."""

from __future__ import annotations

from app.api.models import Contact
from app.features.contacts.model import ContactsTableModel
from app.features.contacts.ops import ContactRecordOps
from app.features.records.ops import RecordLoader
from app.features.records.view import RecordListPage
from app.qt import QWidget


class ContactsPage(RecordListPage[Contact]):
    """The people at the accounts, sortable by header and filtered by last name.

    Args:
        contacts: The contact calls.
        autoload: Load the first page when the page is first shown.
        parent: The parent widget.
    """

    def __init__(
        self, contacts: ContactRecordOps, *, autoload: bool = True, parent: QWidget | None = None
    ) -> None:
        model = ContactsTableModel()
        loader: RecordLoader[Contact] = RecordLoader(model, contacts.fetch_page, contacts.ops)
        super().__init__(
            "Contacts",
            "The people you sell to, at every account you can see.",
            model,
            loader,
            widths=(170, 240, 170, 150, 100),
            stretch=ContactsTableModel.EMAIL,
            autoload=autoload,
            parent=parent,
        )
        self.setObjectName("contactsPage")
        model.setParent(self)
        loader.setParent(self)
