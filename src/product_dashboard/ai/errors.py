"""What can go wrong when we call OpenAI, as errors a person can act on.

AIError (AppError, 502)
 ├── AINotConfigured (503)       no OPENAI_API_KEY
 ├── AIAuthFailed (502)          the key is wrong, revoked, or lacks access to the model
 ├── AIModelUnavailable (502)    the configured model is retired or unknown: names the setting
 ├── AIRefused (422)             the prompt or the output was refused by OpenAI's safety system
 ├── AIRateLimited (429)         rate limit or exhausted quota, after the client's retries
 ├── AITimeout (504)             no answer in OPENAI_TIMEOUT_SECONDS, after retries
 ├── AIUnavailable (502)         connection failure or OpenAI 5xx, after retries
 └── AIBadOutput (502)           an answer we could not use (no image, invalid JSON, wrong shape)

`code` is a stable short name for reports; `fatal` means retrying other items with the same
settings is pointless (bad key, retired model, no quota), so a batch stops calling OpenAI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from product_dashboard.exceptions import AppError

if TYPE_CHECKING:
    import openai


class AIError(AppError):
    status_code = 502
    kind = "ai_error"
    code = "ai_error"
    fatal = False


class AINotConfigured(AIError):
    status_code = 503
    kind = "ai_not_configured"
    code = "not_configured"
    fatal = True


class AIAuthFailed(AIError):
    kind = "ai_auth_failed"
    code = "auth_failed"
    fatal = True


class AIModelUnavailable(AIError):
    kind = "ai_model_unavailable"
    code = "model_unavailable"
    fatal = True


class AIRefused(AIError):
    status_code = 422
    kind = "ai_refused"
    code = "refused"


class AIRateLimited(AIError):
    status_code = 429
    kind = "ai_rate_limited"
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int = 60, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class AIQuotaExhausted(AIRateLimited):
    code = "quota_exhausted"
    fatal = True


class AITimeout(AIError):
    status_code = 504
    kind = "ai_timeout"
    code = "timeout"


class AIUnavailable(AIError):
    kind = "ai_unavailable"
    code = "unavailable"


class AIBadOutput(AIError):
    kind = "ai_bad_output"
    code = "bad_output"


_REFUSAL_CODES = {"content_policy_violation", "moderation_blocked", "content_filter"}
_MODEL_CODES = {"model_not_found", "model_not_available", "model_deprecated", "model_retired"}


def _error_fields(exc: openai.APIStatusError) -> tuple[str, str]:
    """(code, message) from OpenAI's `{"error": {"code", "message", ...}}` body."""
    body: Any = exc.body
    code = exc.code or ""
    message = exc.message
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            code = str(inner.get("code") or inner.get("type") or code)
            message = str(inner.get("message") or message)
    return code, message


def map_openai_error(exc: Exception, *, model: str, model_setting: str) -> AIError:
    """Translate an `openai` exception into an AIError that says what to do about it."""
    import openai  # loaded by then: only the gateway, which imports it, raises these

    if isinstance(exc, AIError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return AITimeout(
            "OpenAI did not answer in time (OPENAI_TIMEOUT_SECONDS), even after retries."
        )
    if isinstance(exc, openai.APIConnectionError):
        return AIUnavailable(f"Could not reach OpenAI: {exc}.")
    if not isinstance(exc, openai.APIStatusError):
        return AIBadOutput(f"Unexpected error from the OpenAI client: {type(exc).__name__}: {exc}")
    code, message = _error_fields(exc)
    if code in _MODEL_CODES or (
        isinstance(exc, openai.NotFoundError) and "model" in message.lower()
    ):
        return AIModelUnavailable(
            f"OpenAI has no model '{model}' available to this key (retired, misspelt, or not "
            f"enabled for the organisation). Set {model_setting} to a current model. "
            f"OpenAI said: {message}"
        )
    if code in _REFUSAL_CODES or "safety system" in message.lower():
        return AIRefused(f"OpenAI refused the request (content policy): {message}")
    if isinstance(exc, openai.AuthenticationError):
        return AIAuthFailed(
            f"OpenAI rejected the API key; check OPENAI_API_KEY. OpenAI said: {message}"
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return AIAuthFailed(
            f"The OpenAI key may not use model '{model}' ({model_setting}); the organisation "
            f"may need verification or access. OpenAI said: {message}"
        )
    if isinstance(exc, openai.RateLimitError):
        if code == "insufficient_quota":
            return AIQuotaExhausted(
                f"The OpenAI account has no quota left; add credit or raise its limit. {message}",
                retry_after=3600,
            )
        return AIRateLimited(
            f"OpenAI rate limit reached, even after retries: {message}", retry_after=60
        )
    if exc.status_code >= 500:
        return AIUnavailable(f"OpenAI had a server error ({exc.status_code}): {message}")
    return AIBadOutput(f"OpenAI rejected the request ({exc.status_code} {code}): {message}")
