"""Errors of the auth context."""

from __future__ import annotations

from backend.kit.errors import Conflict, RateLimited, Unauthorized


class InvalidCredentials(Unauthorized):
    """Same answer for an unknown email and a wrong password."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("The email or password is not correct.")


class AccountLocked(RateLimited):
    code = "account_locked"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed sign-ins for this account. Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class TooManyAttempts(RateLimited):
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many sign-in attempts from your address. Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"

    def __init__(self, message: str = "Your session has ended; please sign in again.") -> None:
        super().__init__(message)


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self) -> None:
        super().__init__("An account with this email already exists.")
