"""Every failure of a background operation is worded in one place."""

from __future__ import annotations

import httpx

from app.api.errors import ApiError, UnexpectedResponseError
from app.errors import ErrorKind, describe_error


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
