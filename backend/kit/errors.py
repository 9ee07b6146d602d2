"""The error hierarchy, and the one handler that renders it as a stable JSON body.

Every error the API returns has the shape::

    {"error": {"code": "not_found", "message": "...", "details": [...], "request_id": "..."}}

Services raise subclasses of :class:`SalesOSError`; they never raise ``HTTPException``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.kit.logging import current_request_id


class ErrorDetail(BaseModel):
    """One problem with one field: ``field`` is a dotted path such as ``body.email``."""

    field: str | None = None
    message: str
    type: str | None = None


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] = []
    request_id: str | None = None


class ErrorBody(BaseModel):
    """The JSON body of every 4xx/5xx answer; declare it in routes' ``responses=``."""

    error: ErrorInfo


class SalesOSError(Exception):
    """Base of every error the API turns into a response.

    Args:
        message: A sentence for a person.
        status_code: The HTTP status it maps to.
        details: Per-field problems.
    """

    code: ClassVar[str] = "error"
    default_status: ClassVar[int] = 500

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code or self.default_status
        self.details = details or []
        self.headers = headers or {}


class BadRequest(SalesOSError):
    code = "bad_request"
    default_status = 400


class ValidationFailed(SalesOSError):
    code = "validation_error"
    default_status = 422

    @classmethod
    def for_field(cls, field: str, message: str) -> ValidationFailed:
        return cls(f"{field}: {message}", details=[ErrorDetail(field=field, message=message)])


class Unauthorized(SalesOSError):
    code = "unauthorized"
    default_status = 401


class Forbidden(SalesOSError):
    code = "forbidden"
    default_status = 403


class NotFound(SalesOSError):
    code = "not_found"
    default_status = 404

    def __init__(self, entity: str, entity_id: object | None = None) -> None:
        what = f"{entity} {entity_id}" if entity_id is not None else entity
        super().__init__(f"{what} was not found")
        self.entity = entity


class Conflict(SalesOSError):
    code = "conflict"
    default_status = 409


class PreconditionFailed(SalesOSError):
    code = "precondition_failed"
    default_status = 412


class PayloadTooLarge(SalesOSError):
    code = "payload_too_large"
    default_status = 413


class RateLimited(SalesOSError):
    code = "rate_limited"
    default_status = 429


class UpstreamUnavailable(SalesOSError):
    code = "bad_gateway"
    default_status = 502


class UpstreamTimeout(SalesOSError):
    code = "gateway_timeout"
    default_status = 504


class ServiceUnavailable(SalesOSError):
    code = "unavailable"
    default_status = 503


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: list[ErrorDetail] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build the standard error response (used by the handlers and by middleware)."""
    body = ErrorBody(
        error=ErrorInfo(
            code=code, message=message, details=details or [], request_id=current_request_id()
        )
    )
    return JSONResponse(body.model_dump(), status_code=status_code, headers=headers)


_TYPE_TAGS = frozenset(
    {"none", "str", "int", "float", "bool", "list", "dict", "decimal", "uuid", "date", "datetime"}
)


def _is_type_tag(part: Any) -> bool:
    """Pydantic names the member of a union a value failed (``constrained-str``,
    ``function-after[_currency(), …]``, ``none``, a model's class name, and our
    discriminated unions' tags, written ``union:<name>``): not a field (ours are
    snake_case)."""
    if not isinstance(part, str):
        return False
    return (
        "[" in part
        or part in _TYPE_TAGS
        or (part[:1].isupper() and part.isalnum())  # a model in a union (``RecipientIn``)
        or part.startswith(
            ("constrained-", "function-", "lax-or-strict", "json-or-python", "union:")
        )
    )


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc if not _is_type_tag(part))


def install_error_handlers(app: FastAPI) -> None:
    """Register the one set of handlers: ours, FastAPI's validation, HTTP errors."""

    @app.exception_handler(SalesOSError)
    async def _salesos(_: Request, exc: SalesOSError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            ErrorDetail(
                field=_field_path(e.get("loc", ())), message=e.get("msg", ""), type=e.get("type")
            )
            for e in exc.errors()
        ]
        # A value failing an optional field's real type also "is not null": say only the first.
        named = {d.field for d in details if d.type != "none_required"}
        details = [d for d in details if d.type != "none_required" or d.field not in named]
        fields = ", ".join(d.field or "?" for d in details)
        return error_response(422, "validation_error", f"Invalid input: {fields}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        return error_response(
            exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None)
        )

    # Unexpected exceptions are rendered by RequestIdMiddleware (backend.kit.http),
    # while the request id is still bound for the log line and the answer.
