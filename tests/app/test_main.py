"""``salesos``: no arguments opens the desktop (or explains why it cannot), else the CLI."""

from __future__ import annotations

import pytest

from app.__main__ import NO_DISPLAY_MESSAGE, has_display, main


class TestNoDisplay:
    def test_without_a_display_it_says_so_and_exits_2(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setattr("sys.platform", "linux")
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
            monkeypatch.delenv(name, raising=False)
        assert main([]) == 2
        err = capsys.readouterr().err
        assert NO_DISPLAY_MESSAGE in err
        assert "salesos serve --all" in err

    @pytest.mark.parametrize(
        "variable", ["DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"], ids=str.lower
    )
    def test_any_display_variable_is_enough(self, variable: str) -> None:
        assert has_display({variable: ":0"}, platform="linux")

    def test_empty_variables_are_no_display(self) -> None:
        assert not has_display({"DISPLAY": "", "WAYLAND_DISPLAY": ""}, platform="linux")

    @pytest.mark.parametrize("platform", ["win32", "darwin"])
    def test_windows_and_macos_always_have_one(self, platform: str) -> None:
        assert has_display({}, platform=platform)


class TestArgumentsGoToTheBackendCli:
    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--version"]) == 0
        assert capsys.readouterr().out.startswith("salesos ")

    def test_usage_error_is_an_exit_code_not_an_exception(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["no-such-command"]) == 2
        assert "invalid choice" in capsys.readouterr().err
