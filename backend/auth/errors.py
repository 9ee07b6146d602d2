"""Errors of the auth context."""

from __future__ import annotations

from backend.kit.errors import Conflict, RateLimited, Unauthorized


class InvalidCredentials(Unauthorized):
    """The password is not this account's."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("The password is not correct for this email.")


class UnknownEmail(Unauthorized):
    """No account uses this email (sign-up says so too, so sign-in does not hide it)."""

    code = "unknown_email"

    def __init__(self) -> None:
        super().__init__("No account uses this email. Check it, or sign up.")


class AccountDeactivated(Unauthorized):
    code = "account_deactivated"

    def __init__(self) -> None:
        super().__init__("This account has been deactivated; ask your company's admin.")


class AccountLocked(RateLimited):
    code = "account_locked"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed sign-ins for this account from here. Try again in {retry_after} s.",
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
