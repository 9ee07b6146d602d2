"""Date fields' pop-up calendars have the app's look, not Qt's stock one (issue 11,
defect 12: the unstyled date picker: a blue bar, red weekends, week numbers)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.features.opportunities.fields import CloseDateEdit
from app.qt.core import Qt
from app.qt.widgets import QCalendarWidget
from app.widgets.record_form import OptionalDateInput


class TestDatePickers:
    def test_record_and_deal_dates_use_the_styled_calendar(self, qtbot: QtBot) -> None:
        record_date = OptionalDateInput()
        close_date = CloseDateEdit()
        for widget in (record_date, close_date):
            qtbot.addWidget(widget)
        for calendar in (record_date.date_edit.calendarWidget(), close_date.calendarWidget()):
            assert calendar.objectName() == "datePicker"  # app.qss styles it
            assert not calendar.isGridVisible()
            assert calendar.verticalHeaderFormat() is (
                QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader
            )
            sunday = calendar.weekdayTextFormat(Qt.DayOfWeek.Sunday).foreground().color()
            assert sunday.red() < 100  # not Qt's red weekends
