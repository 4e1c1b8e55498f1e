"""Expert services: verification decisions, training and certificates, the profile, breaks
and unavailability. The only writers of the experts' state.

Every function takes the acting user, checks that the user may act on this
expert, flushes (the request or job commits) and writes an audit entry for
decisions and money-related changes. Status moves go through `app.experts.states`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from flask import current_app, url_for
from sqlalchemy import select

from app.accounts.email_change import notice_addresses
from app.accounts.models import EXPERT, FINANCE, User
from app.accounts.passwords import verify_password
from app.audit.services import record_audit
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.timeutil import to_helsinki, utcnow
from app.experts import certificates
from app.experts.iban import mask_iban, normalize_iban
from app.experts.identity_code import (
    IDENTITY_CODE_ERRORS,
    InvalidIdentityCode,
    decrypt_identity_code,
    encrypt_identity_code,
    mask_identity_code,
    normalize_identity_code,
)
from app.experts.models import (
    PAUSED,
    RETIRED,
    WORK_LANGUAGES,
    ExpertArea,
    ExpertAssignmentType,
    ExpertLanguage,
    ExpertProfile,
    TrainingRecord,
    Unavailability,
)
from app.experts.queries import application_for_reviewer
from app.experts.states import APPLICATION_OPEN, EXPERT_PROFILE
from app.extensions import db
from app.fees.models import AssignmentType
from app.mail.services import queue_mail
from app.reference.models import ExpertiseArea, Municipality
from app.reference.queries import municipality_for_postcode

MAX_TRAVEL_KM = 2000
MAX_EARNINGS_LIMIT = Decimal("1000000")
CENT = Decimal("0.01")


# --- helpers -----------------------------------------------------------------------------


def _today() -> date:
    return to_helsinki(utcnow()).date()


def _own_profile(actor: User) -> ExpertProfile:
    """The actor's own expert profile; only experts have one."""
    if actor.role != EXPERT or actor.expert_profile is None:
        raise PermissionDenied("Only experience experts can do this.")
    return actor.expert_profile


def _move(profile: ExpertProfile, action: str) -> None:
    EXPERT_PROFILE.apply(profile, action)  # an illegal move is a 409 IllegalTransition


def _link(endpoint: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint)


def _required_text(value: str | None, field_name: str, message: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, code="missing_field", field=field_name)
    if len(text) > limit:
        raise InvalidInput("The text is too long.", code="too_long", field=field_name)
    return text


# --- verification --------------------------------------------------------------------------


def approve_expert(actor: User, expert_id: int) -> ExpertProfile:
    """A coordinator accepts the applicant's training: the expert becomes bookable."""
    profile = application_for_reviewer(actor, expert_id)
    _move(profile, "approve")
    profile.status_reason = None
    profile.verified_at = utcnow()
    profile.verified_by_id = actor.id
    record_audit(actor, "expert_verified", "expert", profile.id)
    user = profile.user
    queue_mail(user.email, "expert_verified", language=user.language, kind="expert_verified",
               user_id=user.id, user=user, link=_link("experts.profile"))
    db.session.flush()
    return profile


def request_more_information(actor: User, expert_id: int, message: str) -> ExpertProfile:
    """A coordinator asks the applicant for more information (the message is required)."""
    profile = application_for_reviewer(actor, expert_id)
    message = _required_text(message, "message",
                             "Write what information the applicant should add.", 2000)
    _move(profile, "request_info")
    profile.status_reason = message
    record_audit(actor, "expert_info_requested", "expert", profile.id, message=message)
    user = profile.user
    queue_mail(user.email, "expert_info_requested", language=user.language,
               kind="expert_info_requested", user_id=user.id, user=user, message=message,
               link=_link("experts.application"))
    db.session.flush()
    return profile


def reject_expert(actor: User, expert_id: int, reason: str) -> ExpertProfile:
    """A coordinator rejects the application with a reason that the applicant is told."""
    profile = application_for_reviewer(actor, expert_id)
    reason = _required_text(reason, "reason", "Write the reason. The applicant sees it.", 2000)
    _move(profile, "reject")
    profile.status_reason = reason
    record_audit(actor, "expert_rejected", "expert", profile.id, reason=reason)
    user = profile.user
    queue_mail(user.email, "expert_rejected", language=user.language, kind="expert_rejected",
               user_id=user.id, user=user, reason=reason)
    db.session.flush()
    return profile


def resubmit_application(actor: User) -> ExpertProfile:
    """The applicant, asked for more information, sends the application again."""
    profile = _own_profile(actor)
    _move(profile, "resubmit")
    record_audit(actor, "expert_resubmitted", "expert", profile.id)
    db.session.flush()
    return profile


# --- training and certificates ---------------------------------------------------------------


@dataclass(frozen=True)
class TrainingDetails:
    provider: str
    course: str
    completed_on: date


def _open_application(actor: User) -> ExpertProfile:
    profile = _own_profile(actor)
    if profile.status not in APPLICATION_OPEN:
        raise Conflict(
            "Your application has already been checked. Ask the coordinator if your "
            "training details need to change.",
            code="application_closed",
        )
    return profile


def add_training(
    actor: User,
    details: TrainingDetails,
    certificate: BinaryIO | None = None,
    filename: str | None = None,
) -> TrainingRecord:
    """The applicant adds a training record, optionally with its certificate."""
    profile = _open_application(actor)
    provider = _required_text(details.provider, "provider",
                              "Write who organised the training.", 200)
    course = _required_text(details.course, "course", "Write the name of the training.", 200)
    if details.completed_on is None:
        raise InvalidInput("Give the date.", code="missing_field", field="completed_on")
    if details.completed_on > _today():
        raise InvalidInput("The completion date cannot be in the future.",
                           code="date_in_future", field="completed_on")
    record = TrainingRecord(provider=provider, course=course, completed_on=details.completed_on)
    if certificate is not None:
        _store_on(record, certificate, filename)
    profile.trainings.append(record)
    db.session.flush()
    return record


def attach_certificate(
    actor: User, training_id: int, certificate: BinaryIO, filename: str | None
) -> str | None:
    """The applicant uploads a certificate for one of their training records.

    Returns the path of the certificate it replaced (to be removed after commit), if any.
    """
    profile = _open_application(actor)
    record = db.session.get(TrainingRecord, training_id)
    if record is None or record.expert_id != profile.id:
        raise NotFound("The training was not found.", code="training_not_found",
                       field="training_id")
    replaced = record.certificate_path
    _store_on(record, certificate, filename)
    db.session.flush()
    return replaced


def _store_on(record: TrainingRecord, certificate: BinaryIO, filename: str | None) -> None:
    content, kind = certificates.read_certificate(certificate)
    record.certificate_path = certificates.store_certificate(content, kind)
    record.certificate_filename = certificates.display_filename(filename, kind)


# --- profile -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileChanges:
    """Everything the profile form sends; ``postcode``, when given, wins over the municipality."""

    display_name: str
    bio: str = ""
    areas: Sequence[str] = ()
    shown_areas: Sequence[str] = ()
    languages: Sequence[str] = ()
    home_municipality_code: str | None = None
    postcode: str = ""
    assignment_types: Sequence[str] = ()
    travel_range_km: int = 100
    remote_ok: bool = True
    monthly_earnings_limit: Decimal | None = None
    yearly_earnings_limit: Decimal | None = None
    iban: str = ""
    withholding_percent: Decimal | None = None
    #: A new personal identity code; empty keeps the saved one.
    identity_code: str = ""
    #: The expert's current password: needed when the IBAN or the tax card changes.
    current_password: str = ""


def _identity_code(text: str) -> str | None:
    """A valid code, None when left empty, else `InvalidInput` saying what is wrong."""
    if not (text or "").strip():
        return None
    try:
        return normalize_identity_code(text)
    except InvalidIdentityCode as error:
        raise InvalidInput(IDENTITY_CODE_ERRORS[error.reason], code="invalid_identity_code",
                           field="identity_code") from None


def store_identity_code(profile: ExpertProfile, code: str) -> None:
    """Keep ``code`` (validated) encrypted on the profile; the caller audits."""
    profile.identity_code_encrypted = encrypt_identity_code(code, current_app.config)


def erase_identity_code(profile: ExpertProfile) -> bool:
    """Remove the profile's identity code (e.g. when the account is closed); True if
    there was one. The caller audits and commits."""
    had = profile.identity_code_encrypted is not None
    profile.identity_code_encrypted = None
    return had


def masked_identity_code(profile: ExpertProfile) -> str:
    """The saved code masked (131052-****), or "" when none; not a full read, not audited."""
    return mask_identity_code(
        decrypt_identity_code(profile.identity_code_encrypted, current_app.config))


def read_identity_code(actor: User, expert_id: int, purpose: str) -> str | None:
    """The expert's identity code in full, for finance only; every read is audited."""
    if actor is None or actor.role != FINANCE:
        raise PermissionDenied("Only finance may read personal identity codes.")
    profile = db.session.get(ExpertProfile, expert_id)
    if profile is None:
        raise NotFound("The expert was not found.", code="expert_not_found")
    record_audit(actor, "identity_code_read", "expert_profile", profile.id, purpose=purpose)
    db.session.flush()
    return decrypt_identity_code(profile.identity_code_encrypted, current_app.config)


def _home_municipality(changes: ProfileChanges) -> str:
    postcode = (changes.postcode or "").strip()
    if postcode:
        municipality = municipality_for_postcode(postcode)
        if municipality is None:
            raise InvalidInput(
                "We do not know this postcode. Check it, or choose your home municipality "
                "from the list and leave the postcode empty.",
                code="unknown_postcode",
                field="postcode",
            )
        return municipality.code
    code = (changes.home_municipality_code or "").strip()
    if not code or db.session.get(Municipality, code) is None:
        raise InvalidInput(
            "Choose your home municipality from the list, or give your postcode.",
            code="unknown_municipality",
            field="home_municipality_code",
        )
    return code


def _amount(value: Decimal | None, field_name: str, maximum: Decimal) -> Decimal | None:
    if value is None:
        return None
    if value < 0 or value > maximum:
        raise InvalidInput("The value is outside the allowed range.", code="out_of_range",
                           field=field_name)
    if value != value.quantize(CENT):
        raise InvalidInput("Give at most two decimals.", code="too_many_decimals",
                           field=field_name)
    return value.quantize(CENT)


def _validated(changes: ProfileChanges) -> dict:
    """The checked values of the profile form, or `InvalidInput` for the first problem."""
    display_name = _required_text(changes.display_name, "display_name",
                                  "Write the name that organisations see.", 100)
    bio = (changes.bio or "").strip()
    if len(bio) > 1000:
        raise InvalidInput("The text is too long. Write at most 1000 characters.",
                           code="too_long", field="bio")
    wanted = list(dict.fromkeys(changes.areas))
    areas = {a.slug: a for a in db.session.scalars(
        select(ExpertiseArea).where(ExpertiseArea.slug.in_(wanted),
                                    ExpertiseArea.active.is_(True)))}
    if len(areas) != len(wanted):
        raise InvalidInput("Choose the expertise areas from the list.", code="unknown_area",
                           field="areas")
    shown = set(changes.shown_areas)
    if not shown <= set(wanted):
        raise InvalidInput(
            "You chose to show an area that you have not ticked as your own. "
            "Tick \"I have experience of this\" too, or leave \"show\" empty.",
            code="shown_area_not_chosen",
            field="areas",
        )
    languages = list(dict.fromkeys(changes.languages))
    if not languages:
        raise InvalidInput("Choose at least one language.", code="missing_field",
                           field="languages")
    if not set(languages) <= set(WORK_LANGUAGES):
        raise InvalidInput("Choose the languages from the list.", code="unknown_language",
                           field="languages")
    codes = list(dict.fromkeys(changes.assignment_types))
    types = list(db.session.scalars(
        select(AssignmentType).where(AssignmentType.code.in_(codes),
                                     AssignmentType.active.is_(True))))
    if len(types) != len(codes):
        raise InvalidInput("Choose the types of work from the list.",
                           code="unknown_assignment_type", field="assignment_types")
    travel = changes.travel_range_km
    if travel is None or not 0 <= travel <= MAX_TRAVEL_KM:
        raise InvalidInput("Give a distance from 0 to 2000 km.", code="out_of_range",
                           field="travel_range_km")
    iban = (changes.iban or "").strip()
    withholding = _amount(changes.withholding_percent, "withholding_percent", Decimal(100))
    return {
        "display_name": display_name,
        "bio": bio,
        "areas": [(areas[slug], slug in shown) for slug in wanted],
        "languages": languages,
        "home_municipality_code": _home_municipality(changes),
        "assignment_type_ids": [t.id for t in types],
        "travel_range_km": travel,
        "remote_ok": bool(changes.remote_ok),
        "monthly_earnings_limit": _amount(changes.monthly_earnings_limit,
                                          "monthly_earnings_limit", MAX_EARNINGS_LIMIT),
        "yearly_earnings_limit": _amount(changes.yearly_earnings_limit,
                                         "yearly_earnings_limit", MAX_EARNINGS_LIMIT),
        "iban": normalize_iban(iban) if iban else None,
        "withholding_percent": withholding,
        "identity_code": _identity_code(changes.identity_code),
    }


def update_profile(actor: User, changes: ProfileChanges) -> ExpertProfile:
    """The expert saves their own profile.

    Only the money-related fields (IBAN, withholding, identity code) are audited, and never
    with their values. The identity code is stored encrypted; leaving it empty keeps it.
    """
    profile = _own_profile(actor)
    if profile.status == RETIRED:
        raise Conflict("This profile is closed.", code="profile_closed")
    values = _validated(changes)
    for name in ("display_name", "bio", "home_municipality_code", "travel_range_km",
                 "remote_ok", "monthly_earnings_limit", "yearly_earnings_limit"):
        setattr(profile, name, values[name])
    _replace_areas(profile, values["areas"])
    _replace_languages(profile, values["languages"])
    _replace_assignment_types(profile, values["assignment_type_ids"])
    changed = [name for name in ("iban", "withholding_percent")
               if getattr(profile, name) != values[name]]
    if changed and not verify_password(actor.password_hash, changes.current_password or ""):
        raise InvalidInput("Type your current password to change your bank account or tax "
                           "card details.", code="password_required", field="current_password")
    old_iban = profile.iban
    for name in changed:
        setattr(profile, name, values[name])
    if values["identity_code"]:
        store_identity_code(profile, values["identity_code"])
        changed.append("identity_code")
    if changed:
        record_audit(actor, "expert_payment_details_changed", "expert", profile.id,
                     fields=",".join(changed))
    if {"iban", "withholding_percent"} & set(changed):
        _tell_payment_details_changed(actor, profile, old_iban, changed)
    db.session.flush()
    return profile


def _tell_payment_details_changed(actor: User, profile: ExpertProfile, old_iban: str | None,
                                  changed: list[str]) -> None:
    """Mail the expert that their bank account or tax card changed, so that a change they did
    not make themselves is noticed (the old and new account are shown masked). It goes to
    the previous e-mail address too when the address changed lately (`notice_addresses`):
    whoever moved the account to their own address is not the only one told."""
    for address in notice_addresses(actor, utcnow()):
        queue_mail(address, "payment_details_changed", language=actor.language,
                   kind="payment_details_changed", user_id=actor.id,
                   name=profile.display_name or actor.full_name,
                   iban_changed="iban" in changed,
                   tax_card_changed="withholding_percent" in changed,
                   old_iban=mask_iban(old_iban), new_iban=mask_iban(profile.iban))


def _replace_areas(profile: ExpertProfile, wanted: list[tuple[ExpertiseArea, bool]]) -> None:
    visible = {area.id: shown for area, shown in wanted}
    for row in list(profile.areas):
        if row.area_id not in visible:
            profile.areas.remove(row)
        else:
            row.visible_to_organisations = visible.pop(row.area_id)
    for area, shown in wanted:
        if area.id in visible:
            profile.areas.append(ExpertArea(area=area, visible_to_organisations=shown))


def _replace_languages(profile: ExpertProfile, wanted: list[str]) -> None:
    for row in list(profile.languages):
        if row.language not in wanted:
            profile.languages.remove(row)
    have = {row.language for row in profile.languages}
    for language in wanted:
        if language not in have:
            profile.languages.append(ExpertLanguage(language=language))


def _replace_assignment_types(profile: ExpertProfile, wanted: list[int]) -> None:
    for row in list(profile.assignment_types):
        if row.assignment_type_id not in wanted:
            profile.assignment_types.remove(row)
    have = {row.assignment_type_id for row in profile.assignment_types}
    for type_id in wanted:
        if type_id not in have:
            profile.assignment_types.append(ExpertAssignmentType(assignment_type_id=type_id))


# --- breaks and unavailability -------------------------------------------------------------------


def pause_work(actor: User, until: date | None = None, today: date | None = None) -> ExpertProfile:
    """The expert takes a break (no work offers), optionally until a return date."""
    profile = _own_profile(actor)
    if until is not None and until < (today or _today()):
        raise InvalidInput("The return date cannot be in the past.", code="date_in_past",
                           field="paused_until")
    _move(profile, "pause")
    profile.paused_until = until
    record_audit(actor, "expert_paused", "expert", profile.id,
                 until=until.isoformat() if until else None)
    db.session.flush()
    return profile


def resume_work(actor: User) -> ExpertProfile:
    """The expert comes back from a break and can be booked again."""
    profile = _own_profile(actor)
    _move(profile, "resume")
    profile.paused_until = None
    record_audit(actor, "expert_resumed", "expert", profile.id)
    db.session.flush()
    return profile


def end_finished_breaks(today: date | None = None) -> int:
    """Bring back every expert whose break has reached its return date (a daily job).

    Returns how many experts came back; each is audited with the system as the actor.
    """
    today = today or _today()
    due = db.session.scalars(
        select(ExpertProfile).where(
            ExpertProfile.status == PAUSED,
            ExpertProfile.paused_until.is_not(None),
            ExpertProfile.paused_until <= today,
        ).order_by(ExpertProfile.id)
    ).all()
    for profile in due:
        _move(profile, "resume")
        record_audit(None, "expert_resumed", "expert", profile.id,
                     return_date=profile.paused_until.isoformat())
        profile.paused_until = None
    db.session.flush()
    return len(due)


def add_unavailability(
    actor: User, starts_at: datetime, ends_at: datetime, note: str = "",
    now: datetime | None = None,
) -> Unavailability:
    """The expert marks a time when they cannot work (the note stays private)."""
    profile = _own_profile(actor)
    if ends_at <= starts_at:
        raise InvalidInput("The end must be after the start.", code="ends_before_start",
                           field="end_date")
    if ends_at <= (now or utcnow()):
        raise InvalidInput("This time has already passed.", code="in_the_past",
                           field="end_date")
    note = (note or "").strip()
    if len(note) > 200:
        raise InvalidInput("The note is too long. Write at most 200 characters.",
                           code="too_long", field="note")
    period = Unavailability(starts_at=starts_at, ends_at=ends_at, note=note or None)
    profile.unavailabilities.append(period)
    db.session.flush()
    return period


def remove_unavailability(actor: User, unavailability_id: int) -> None:
    """The expert removes one of their own unavailability periods."""
    profile = _own_profile(actor)
    period = db.session.get(Unavailability, unavailability_id)
    if period is None or period.expert_id != profile.id:
        raise NotFound("The time was not found.", code="unavailability_not_found")
    profile.unavailabilities.remove(period)
    db.session.flush()
