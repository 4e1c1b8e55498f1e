"""Tokens and the signed-in user."""

from __future__ import annotations

from flask import current_app, jsonify, request

from app.accounts import second_factor, services
from app.api.core import ApiError, current_api_user, json_body, operation
from app.common.errors import DomainError
from app.common.timeutil import utcnow
from app.extensions import db

#: Token requests per address; the 31st within a minute is answered 429.
TOKEN_LIMIT = "30 per minute"

TOKEN_REQUEST = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {
        "email": {"type": "string"},
        "password": {"type": "string"},
        "totp": {"type": "string", "description": "coordinator, finance and admin: the "
                 "current two-factor code (accepted once)"},
    },
}
TOKEN_RESPONSE = {
    "type": "object",
    "properties": {"token": {"type": "string"}, "role": {"type": "string"}},
}
ME_RESPONSE = {
    "type": "object",
    "properties": {
        "user_id": {"type": "integer"},
        "email": {"type": "string"},
        "role": {"type": "string"},
        "organisation_id": {"type": "integer", "nullable": True},
        "expert_id": {"type": "integer", "nullable": True},
    },
}


@operation(
    "/auth/token",
    "POST",
    summary="Get a bearer token for e-mail and password (staff also \"totp\": without it 401 "
    "totp_required, wrong or used 401 totp_invalid)",
    auth=False,
    request_schema=TOKEN_REQUEST,
    response_schema=TOKEN_RESPONSE,
    responses=(200, 400, 401, 422, 429),
    tags=("auth",),
    limit=TOKEN_LIMIT,
)
def create_token():
    data = json_body()
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not email.strip():
        raise ApiError(422, "missing_field", "Give the e-mail address.", "email")
    if not isinstance(password, str) or not password:
        raise ApiError(422, "missing_field", "Give the password.", "password")
    config = current_app.config
    try:
        user = services.authenticate(
            email,
            password,
            max_failures=config["LOGIN_MAX_FAILURES"],
            window_minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"],
            address=request.remote_addr,
            max_address_failures=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        )
    except services.TooManyAttempts:
        raise ApiError(
            429, "too_many_attempts", "Too many wrong passwords. Wait 15 minutes and try again."
        ) from None
    db.session.commit()  # keep the attempt, failed or not
    if user is None:
        raise ApiError(401, "invalid_credentials", "The e-mail address or password is wrong.")
    if second_factor.needs_second_factor(user):
        _check_totp(user, data.get("totp"))
    token = services.issue_api_token(user)
    db.session.commit()
    return jsonify({"token": token, "role": user.role})


def _check_totp(user, code) -> None:
    """A staff member's token needs their current two-factor code, accepted once."""
    if code is None or code == "":
        raise ApiError(401, "totp_required", "Your role needs the two-factor code: send \"totp\".",
                       "totp")
    if not isinstance(code, (str, int)) or isinstance(code, bool) or not user.totp_secret:
        raise ApiError(401, "totp_invalid", "The two-factor code is wrong or already used.",
                       "totp")
    try:
        second_factor.check_code(user, str(code), utcnow())
    except second_factor.CodesPaused:
        raise ApiError(429, "totp_paused", "Too many wrong two-factor codes. Wait 15 minutes "
                       "and try again.", "totp") from None
    except DomainError as error:
        db.session.rollback()
        error.after_rollback()
        db.session.commit()
        raise ApiError(401, "totp_invalid", "The two-factor code is wrong or already used.",
                       "totp") from None


@operation(
    "/auth/token",
    "DELETE",
    summary="Revoke the bearer token used in this request",
    responses=(204,),
    tags=("auth",),
)
def revoke_token():
    current_api_user()
    token = request.headers["Authorization"].partition(" ")[2].strip()
    services.revoke_api_token(token)
    db.session.commit()
    return "", 204


@operation(
    "/me",
    summary="The signed-in user",
    response_schema=ME_RESPONSE,
    responses=(200,),
    tags=("auth",),
)
def me():
    user = current_api_user()
    return jsonify(
        {
            "user_id": user.id,
            "email": user.email,
            "role": user.role,
            "organisation_id": user.organisation_id,
            "expert_id": user.expert_id,
        }
    )
