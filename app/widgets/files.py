"""Where file pickers open: a folder that exists (the user's Documents folder when there
is one, their home folder otherwise), never one the system names but never made."""

from __future__ import annotations

from pathlib import Path

from app.qt.core import QStandardPaths
from app.qt.widgets import QFileDialog, QWidget


def start_folder(*preferred: Path | None) -> Path:
    """The first of ``preferred``, then Documents, then home, that is an existing folder."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    for folder in (*preferred, Path(documents) if documents else None, Path.home()):
        if folder is not None and folder.is_dir():
            return folder
    return Path.cwd()


def ask_save_path(
    parent: QWidget, title: str, file_name: str, folder: Path | None = None
) -> Path | None:
    """Ask where to save a CSV file (``None``: the user cancelled); ``.csv`` is added to a
    name typed without an ending."""
    start = start_folder(folder) / file_name
    name, _filter = QFileDialog.getSaveFileName(parent, title, str(start), "CSV files (*.csv)")
    if not name:
        return None
    target = Path(name)
    return target if target.suffix else target.with_suffix(".csv")


def ask_open_path(parent: QWidget, title: str, folder: Path | None = None) -> Path | None:
    """Ask for a CSV file to read (``None``: the user cancelled)."""
    name, _filter = QFileDialog.getOpenFileName(
        parent, title, str(start_folder(folder)), "CSV files (*.csv *.txt);;All files (*)"
    )
    return Path(name) if name else None
