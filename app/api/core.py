"""API plumbing: the operation decorator that routes, authenticates and documents."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps

from flask import Blueprint, current_app, g, request

from app.accounts.models import User
from app.common.errors import DomainError, InvalidInput, PermissionDenied
from app.common.text import first_bad_text, has_control_characters
from app.extensions import csrf, db

#: The API blueprint; app/api/__init__.py imports the endpoint modules that fill it.
bp = Blueprint("api", "app.api", url_prefix="/api/v1")
csrf.exempt(bp)


class ApiError(DomainError):
    """An error with an explicit HTTP status for the API."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message, code=code, field=field)
        self.status = status


@dataclass
class Operation:
    """What the OpenAPI document says about one endpoint."""

    rule: str
    method: str
    summary: str
    auth: bool
    roles: tuple[str, ...]
    request_schema: dict | None
    response_schema: dict | None
    responses: tuple[int, ...]
    tags: tuple[str, ...] = field(default_factory=tuple)
    #: Longer text for the OpenAPI document (the rules a client must know).
    description: str | None = None


OPERATIONS: list[Operation] = []


def operation(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    auth: bool = True,
    roles: tuple[str, ...] = (),
    request_schema: dict | None = None,
    response_schema: dict | None = None,
    responses: tuple[int, ...] = (),
    tags=(),
    limit: str | None = None,
    description: str | None = None,
):
    """Register an API endpoint: route it, check the bearer token and role, document it.

    ``limit`` (e.g. ``"30 per minute"``) is a per-address rate limit. It is applied here,
    to the function that is routed: a ``@limiter.limit`` written above ``@operation``
    would wrap a copy that Flask never calls, and the limit would never fire.
    """
    from app.extensions import limiter

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if auth:
                g.api_user = authenticated_user()
                if roles and g.api_user.role not in roles:
                    raise PermissionDenied("Your role may not use this endpoint.")
            return view(*args, **kwargs)

        routed = limiter.limit(limit)(wrapped) if limit else wrapped
        endpoint = f"{view.__name__}_{method.lower()}"
        bp.add_url_rule(rule, endpoint=endpoint, view_func=routed, methods=[method])
        defaults = (401, 403) if auth and roles else (401,) if auth else ()
        if limit:
            defaults += (429,)
        OPERATIONS.append(
            Operation(
                rule=rule,
                method=method,
                summary=summary,
                auth=auth,
                roles=roles,
                request_schema=request_schema,
                response_schema=response_schema,
                responses=tuple(sorted(set(responses) | set(defaults))),
                tags=tuple(tags),
                description=description,
            )
        )
        return routed

    return decorator


def authenticated_user() -> User:
    """The user of the request's bearer token; session cookies are never accepted here."""
    from app.accounts.services import user_for_api_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Send a bearer token in the Authorization header.")
    interval = timedelta(seconds=current_app.config.get("API_TOKEN_TOUCH_SECONDS", 300))
    user = user_for_api_token(token.strip(), touch_interval=interval)
    if user is None:
        raise ApiError(401, "invalid_token", "The token is not valid, has expired or was revoked.")
    g.api_token = token.strip()
    if db.session.dirty:
        db.session.commit()  # the token's last use, at most every few minutes
    return user


def current_api_user() -> User:
    return g.api_user


def require_recent_second_factor(code: object) -> None:
    """Money-moving calls: a staff token counts its sign-in's two-factor code for 15 minutes;
    after that the call needs ``code`` ("totp" in the body or ``?totp=``), accepted once."""
    from app.accounts import second_factor
    from app.accounts.services import api_token_issued_at
    from app.common.timeutil import utcnow

    now = utcnow()
    if second_factor.is_fresh(api_token_issued_at(g.api_token), now):
        return
    if code is None or code == "":
        raise ApiError(403, "totp_required", "This step needs a two-factor code from the last "
                       "15 minutes: send \"totp\".", "totp")
    if not isinstance(code, (str, int)) or isinstance(code, bool):
        raise ApiError(422, "invalid_value", "Give the two-factor code as text.", "totp")
    second_factor.check_code(g.api_user, str(code), now)
    db.session.commit()  # the code stays used even if the step itself then fails


#: The largest integer the database's INTEGER columns hold; ids and counts beyond are 422.
MAX_INTEGER = 2**31 - 1


def json_body() -> dict:
    """The request's JSON object, or a 400 when the body is not a JSON object; 422 (with
    the field named) for text with control characters, integers beyond the database's
    range and numbers that are not finite (NaN, Infinity)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "The request body must be a JSON object.")
    bad_text = first_bad_text(data)
    if bad_text is not None:
        raise InvalidInput("Remove the control characters (invisible special characters) "
                           "from this text.", code="control_characters", field=bad_text)
    bad_number = _first_bad_number(data)
    if bad_number is not None:
        raise InvalidInput("The number is too large or not a number.", code="out_of_range",
                           field=bad_number)
    return data


def _first_bad_number(value, path: str = "") -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return path if abs(value) > MAX_INTEGER else None
    if isinstance(value, float):
        return None if math.isfinite(value) and abs(value) <= 1e15 else path
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        name = (f"{path}.{key}" if path else str(key)) if isinstance(value, dict) \
            else f"{path}[{key}]"
        found = _first_bad_number(item, name)
        if found is not None:
            return found
    return None


@bp.before_request
def _refuse_control_characters_in_query() -> None:
    """A query parameter with a control character is 422, before any handler reads it."""
    for name, value in request.args.items(multi=True):
        if has_control_characters(name) or has_control_characters(value):
            raise InvalidInput("Remove the control characters (invisible special characters) "
                               "from this text.", code="control_characters", field=name)


def money(value) -> str:
    """Money in answers: a string with two decimals."""
    return f"{value:.2f}"


def list_answer(items: list, next_cursor: str | None = None) -> dict:
    return {"items": items, "next": next_cursor}
