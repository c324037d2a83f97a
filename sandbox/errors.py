"""The one error type of the sandbox: every non-success answer, shaped as the contract's error body."""

from __future__ import annotations

from typing import Any

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "validation_error",
    429: "rate_limited",
}


class ApiError(Exception):
    """An answer with a 4xx/5xx status; only the HTTP layer turns it into bytes."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields is not None:
            error["fields"] = self.fields
        return {"error": error}

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    @classmethod
    def for_status(cls, status: int, message: str, *, retry_after: int | None = None) -> ApiError:
        """An error with the contract's code for a status (5xx is `internal`), used by injected faults."""
        fields: dict[str, str] | None = {} if status == 422 else None
        return cls(status, _CODES.get(status, "internal"), message, fields=fields, retry_after=retry_after)

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, "bad_request", message)

    @classmethod
    def unauthorized(cls, message: str) -> ApiError:
        return cls(401, "unauthorized", message)

    @classmethod
    def forbidden(cls, what: str) -> ApiError:
        return cls(403, "forbidden", f"This {what} belongs to another location.")

    @classmethod
    def not_found(cls, what: str) -> ApiError:
        return cls(404, "not_found", f"No such {what}.")

    @classmethod
    def conflict(cls, code: str, message: str) -> ApiError:
        return cls(409, code, message)

    @classmethod
    def validation(cls, fields: dict[str, str]) -> ApiError:
        return cls(422, "validation_error", "Some fields are not valid.", fields=fields)

    @classmethod
    def rate_limited(cls, retry_after: int) -> ApiError:
        return cls(429, "rate_limited", "Too many requests for this API key.", retry_after=retry_after)
