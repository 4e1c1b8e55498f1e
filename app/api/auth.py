"""Tokens and the signed-in user."""

from __future__ import annotations

from flask import current_app, jsonify, request

from app.accounts import services
from app.api.core import ApiError, current_api_user, json_body, operation
from app.extensions import db

#: Token requests per address; the 31st within a minute is answered 429.
TOKEN_LIMIT = "30 per minute"

TOKEN_REQUEST = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
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
    summary="Get a bearer token for e-mail and password",
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
        )
    except services.TooManyAttempts:
        raise ApiError(
            429, "too_many_attempts", "Too many wrong passwords. Wait 15 minutes and try again."
        ) from None
    if user is None:
        db.session.commit()  # keep the failed attempt
        raise ApiError(401, "invalid_credentials", "The e-mail address or password is wrong.")
    token = services.issue_api_token(user)
    db.session.commit()
    return jsonify({"token": token, "role": user.role})


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
