"""Every failure of a background operation is worded in one place."""

from __future__ import annotations

import httpx
from keyring.errors import KeyringLocked

from app.api.errors import ApiError, SessionEndedError, UnexpectedResponseError
from app.errors import SESSION_ENDED, ErrorKind, describe_error, wait_sentence


class TestDescribeError:
    def test_server_error_names_the_message_and_the_request_id(self) -> None:
        error = ApiError(503, "unavailable", "Postgres is restarting", request_id="req-7")
        message = describe_error(error)
        assert message.kind is ErrorKind.SERVER
        assert message.title == "The server had a problem: Postgres is restarting"
        assert "request id req-7" in message.details
        assert "code unavailable" in message.details
        assert not message.connection_lost

    def test_client_error_shows_the_servers_sentence(self) -> None:
        message = describe_error(ApiError(404, "not_found", "Account 42 does not exist"))
        assert message.kind is ErrorKind.REJECTED
        assert message.title == "Account 42 does not exist"

    def test_unreadable_answer_suggests_a_version_mismatch(self) -> None:
        error = UnexpectedResponseError("http://x/health", 200, "database: Field required")
        message = describe_error(error)
        assert message.kind is ErrorKind.PROTOCOL
        assert "version" in message.text

    def test_connect_error_without_request_still_reads(self) -> None:
        message = describe_error(httpx.ConnectError("refused"))
        assert message.title == "Cannot reach the SalesOS server at the configured address."

    def test_broken_connection_counts_as_unreachable(self) -> None:
        request = httpx.Request("GET", "https://sales.example.com:8443/health")
        error = httpx.RemoteProtocolError("peer closed connection", request=request)
        message = describe_error(error)
        assert message.kind is ErrorKind.UNREACHABLE
        assert "https://sales.example.com:8443" in message.title

    def test_bug_is_internal_with_the_exception_in_details(self) -> None:
        message = describe_error(KeyError("stage_id"))
        assert message.kind is ErrorKind.INTERNAL
        assert message.details == "KeyError: 'stage_id'"


class TestSignInWording:
    def test_wrong_credentials(self) -> None:
        error = ApiError(401, "invalid_credentials", "The password is not correct for this email.")
        message = describe_error(error)
        assert message.title == "The password is not correct for this email."
        assert message.code == "invalid_credentials"

    def test_locked_account_counts_seconds(self) -> None:
        error = ApiError(429, "account_locked", "Too many … Try again in 8 s.", retry_after=8)
        message = describe_error(error)
        assert message.title == "Too many failed sign-ins. Try again in 8 seconds."
        assert message.retry_after == 8
        assert wait_sentence("account_locked", 1).endswith("Try again in 1 second.")
        assert wait_sentence("account_locked", 0) == (
            "Too many failed sign-ins. You can try again now."
        )

    def test_too_many_attempts_from_the_address(self) -> None:
        message = describe_error(ApiError(429, "too_many_attempts", "…", retry_after=30))
        assert message.title == (
            "Too many sign-in attempts from your network address. Try again in 30 seconds."
        )

    def test_field_errors_become_sentences_per_field(self) -> None:
        error = ApiError(
            422,
            "validation_error",
            "Invalid input: body.password",
            details=[
                {"field": "body.password", "message": "must be at least 8 characters"},
                {"field": "body.current_password", "message": "is not your current password"},
                {"field": "body", "message": "ignored: no field"},
            ],
        )
        message = describe_error(error)
        assert message.kind is ErrorKind.INVALID_INPUT
        assert message.fields == {
            "password": "Must be at least 8 characters.",
            "current_password": "This is not your current password.",
        }
        assert message.title == "Some fields need attention."

    def test_taken_email_belongs_to_the_email_field(self) -> None:
        message = describe_error(
            ApiError(409, "email_taken", "An account with this email already exists.")
        )
        assert message.fields == {"email": "An account with this email already exists."}

    def test_forbidden_says_so_and_why(self) -> None:
        message = describe_error(
            ApiError(403, "forbidden", "Your role (rep) does not allow this (users:manage).")
        )
        assert message.title == "You do not have permission to do this."
        assert message.text == "Your role (rep) does not allow this (users:manage)."

    def test_ended_session(self) -> None:
        assert describe_error(SessionEndedError()).kind is ErrorKind.SIGNED_OUT
        refused = describe_error(ApiError(401, "invalid_refresh_token", "Your session has ended"))
        assert refused.kind is ErrorKind.SIGNED_OUT
        assert refused.title == SESSION_ENDED

    def test_keyring_refusal(self) -> None:
        message = describe_error(KeyringLocked("Cannot unlock"))
        assert message.title == "The system keyring did not keep your sign-in."
