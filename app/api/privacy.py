"""Data rights in the API: download my data, close my account."""

from __future__ import annotations

from flask import Response

from app.api.core import ApiError, current_api_user, json_body, operation
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.privacy import services

CLOSE_REQUEST = {
    "type": "object",
    "required": ["password"],
    "properties": {"password": {"type": "string"}},
}
CLOSE_RESPONSE = {
    "type": "object",
    "properties": {
        "closed": {"type": "boolean"},
        "payment_data_erased": {
            "type": "boolean",
            "description": "false while a payout is still owed: the e-mail address and the "
                           "bank account are erased after the last one is paid",
        },
    },
}


@operation(
    "/me/export",
    summary="Everything the service holds about me, as a ZIP (data.json, summary.html, files)",
    response_schema={"type": "string", "format": "binary"},
    responses=(200,),
    tags=("me",),
)
def export_my_data():
    user = current_api_user()
    now = utcnow()
    content = services.export_data(user, user.id, now)
    db.session.commit()
    return Response(content, mimetype="application/zip", headers={
        "Content-Disposition":
            f'attachment; filename="kokemuspankki-{to_helsinki(now):%Y-%m-%d}.zip"'})


@operation(
    "/me/close",
    "POST",
    summary="Close my account (experts, organisation members, participants)",
    roles=services.SELF_SERVICE_ROLES,
    request_schema=CLOSE_REQUEST,
    response_schema=CLOSE_RESPONSE,
    responses=(200, 400, 403, 409, 422),
    tags=("me",),
)
def close_my_account():
    user = current_api_user()
    password = json_body().get("password")
    if not isinstance(password, str) or not password:
        raise ApiError(422, "missing_field", "Give your password.", "password")
    result = services.close_own_account(user, password)
    db.session.commit()
    services.remove_files(result)
    return {"closed": True, "payment_data_erased": result.erased}
