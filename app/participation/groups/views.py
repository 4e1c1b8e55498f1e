"""Pages of participation (blueprint ``participation``): the hub, groups and their members,
meetings, the record of each session, and evaluations. Thin: parse, call a service, show
the result."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.models import ORGANISATION_MEMBER
from app.bookings.services import SessionRequest
from app.common.errors import DomainError, InvalidInput, NotFound, PermissionDenied, translated
from app.common.paging import parse_limit
from app.common.timeutil import helsinki_to_utc, utcnow
from app.extensions import db
from app.fees.services import active_assignment_types
from app.organisations.models import Organisation
from app.participation import access, texts
from app.participation.channel import services as channel
from app.participation.feedback import impact
from app.participation.feedback import services as feedback
from app.participation.feedback.models import ImpactReport
from app.participation.forms import NO_ANSWER
from app.participation.groups import evaluations, records
from app.participation.groups import services as groups
from app.participation.groups.forms import (
    AddExpertForm,
    CriterionForm,
    EntryForm,
    FollowUpForm,
    GroupForm,
    InvitationAnswerForm,
    InvitePersonForm,
    MeetingForm,
    RoleForm,
    TopicForm,
    TopicMoveForm,
    evaluation_form,
)
from app.participation.states import TOPIC
from app.reference.queries import expertise_areas, municipality_choices
from app.web.actions import attempt
from app.web.actions import fail as _fail
from app.web.actions import guard as _guard
from app.web.actions import post_action as _action
from app.web.forms import attach_error
from app.web.templating import current_language, helsinki_datetime, localized_name

bp = Blueprint("participation", __name__, url_prefix="/participation")
bp.record_once(lambda state: texts.init_app(state.app))


# --- The hub -------------------------------------------------------------------------------


@bp.route("/")
@login_required
def home():
    """Participation for everyone: groups, coming meetings, what waits for the user."""
    user = current_user
    now = utcnow()
    code = 200
    try:
        page = groups.groups_page(user, cursor=request.args.get("cursor"),
                                  limit=parse_limit(request.args.get("limit")))
    except InvalidInput as error:
        flash(translated(error), "error")
        page = groups.groups_page(user, cursor=None, limit=parse_limit(None))
        code = 422
    open_reports, answered_reports = impact.hub_reports(user)
    return render_template(
        "participation/groups/home.html", page=page, groups=page.items,
        coming=groups.coming_meetings(user, now),
        follow_ups=records.open_follow_ups_of(user),
        waiting_feedback=feedback.waiting_count(user, now),
        open_reports=open_reports, answered_reports=answered_reports,
        new_messages=channel.new_count(user) if access.is_staff(user) else 0,
        forwarded=channel.forwarded_count(user) if user.role == ORGANISATION_MEMBER else 0,
        invitations=groups.invitations_of(user),
        can_create=user.role == ORGANISATION_MEMBER or access.is_staff(user),
    ), code


# --- Groups ----------------------------------------------------------------------------------


def _group_form(form: GroupForm) -> GroupForm:
    language = current_language()
    form.expertise_area.choices = [("", _("Choose an expertise area"))] + [
        (a.slug, a.name(language)) for a in expertise_areas()]
    form.municipality_code.choices = municipality_choices(language)
    form.organisation_id.choices = [(0, _("Choose an organisation"))] + [
        (o.id, o.name) for o in db.session.scalars(
            select(Organisation).where(Organisation.active.is_(True))
            .order_by(Organisation.name))]
    return form


def _group_data(form: GroupForm) -> groups.GroupData:
    return groups.GroupData(
        kind=form.kind.data, name=form.name.data or "", purpose=form.purpose.data or "",
        services=form.services.data or "", region=form.region.data or "",
        expertise_area=form.expertise_area.data or None,
        municipality_code=form.municipality_code.data or None,
        address=form.address.data or "", remote=form.remote.data)


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    if not (current_user.role == ORGANISATION_MEMBER or access.is_staff(current_user)):
        abort(403)
    form = _group_form(GroupForm())
    staff = access.is_staff(current_user)
    if form.validate_on_submit():
        try:
            group = groups.create_group(current_user, _group_data(form),
                                        organisation_id=form.organisation_id.data or None)
        except DomainError as error:
            _fail(error)
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The group was created. Next, add its members."), "success")
            return redirect(url_for("participation.members", group_id=group.id))
    status = 422 if request.method == "POST" else 200
    return render_template("participation/groups/group_form.html", form=form, staff=staff,
                           group=None, kind_hints=texts.GROUP_KIND_HINT), status


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_group(group_id: int):
    group = _guard(access.group_for_manager, current_user, group_id)
    form = GroupForm(obj=group) if request.method == "GET" else GroupForm()
    _group_form(form)
    if request.method == "GET":
        form.expertise_area.data = group.expertise_area.slug if group.expertise_area else ""
    if form.validate_on_submit():
        try:
            groups.update_group(current_user, group.id, _group_data(form))
        except DomainError as error:
            _fail(error)
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The changes were saved."), "success")
            return redirect(url_for("participation.group", group_id=group.id))
    status = 422 if request.method == "POST" else 200
    return render_template("participation/groups/group_form.html", form=form, staff=False,
                           group=group, kind_hints=texts.GROUP_KIND_HINT), status


@bp.route("/groups/<int:group_id>")
@login_required
def group(group_id: int):
    group = _guard(access.group_for_reader, current_user, group_id)
    now = utcnow()
    meetings = groups.meetings_of(group)
    sessions = [s for order in meetings for s in order.sessions]
    topics = groups.topics_of(group)
    return render_template(
        "participation/groups/group.html", group=group, meetings=meetings, now=now,
        shortfalls=groups.shortfalls(group),
        topics=topics, topic_form=TopicForm(),
        topic_actions={t.id: [a for a in ("finish", "decline", "reopen", "unschedule")
                              if TOPIC.can(t.status, a)] for t in topics},
        move_form=_move_form(sessions),
        criterion_form=CriterionForm(),
        criteria=evaluations.active_criteria(group),
        results=evaluations.group_results(group)[-3:],
        reports={r.order_id: r for r in impact.reports_for(
            current_user, order_ids=[order.id for order in meetings])},
        can_manage=access.can_manage(current_user, group),
        can_lead=access.can_lead(current_user, group),
        can_book=access.is_organisation_member_of(current_user, group.organisation_id),
        me=access.membership(group, current_user),
        contacts=groups.contacts_for(current_user, group),
    )


def _move_form(sessions) -> TopicMoveForm:
    form = TopicMoveForm()
    form.session_id.choices = [(s.id, f"{s.order.title}: {_session_time(s)}")
                               for s in sessions]
    return form


def _session_time(session) -> str:
    return helsinki_datetime(session.starts_at)


@bp.route("/groups/<int:group_id>/activate", methods=["POST"])
@login_required
def activate(group_id: int):
    target = url_for("participation.group", group_id=group_id)
    try:
        groups.activate_group(current_user, group_id)
    except groups.GroupRuleNotMet as error:
        db.session.rollback()
        flash(" ".join([translated(error)] + [texts.shortfall_text(s)
                                              for s in error.shortfalls]), "error")
        return redirect(target)
    except DomainError as error:
        _fail(error)
        flash(translated(error), "error")
        return redirect(target)
    db.session.commit()
    flash(_("The group is now active."), "success")
    return redirect(target)


@bp.route("/groups/<int:group_id>/close", methods=["POST"])
@login_required
def close(group_id: int):
    return _action(lambda: groups.close_group(current_user, group_id),
                   _("The group was closed."),
                   url_for("participation.group", group_id=group_id))


@bp.route("/groups/<int:group_id>/reopen", methods=["POST"])
@login_required
def reopen(group_id: int):
    return _action(lambda: groups.reopen_group(current_user, group_id),
                   _("The group is being formed again."),
                   url_for("participation.group", group_id=group_id))


# --- Members ----------------------------------------------------------------------------------


def _expert_form(form: AddExpertForm) -> AddExpertForm:
    """Experts by the name they show organisations and their home region (never the home
    municipality: with a display name it could point at one person)."""
    choices = [(0, _("Choose an expert"))]
    for expert_id, name, region in groups.bookable_experts(current_user, current_language()):
        choices.append((expert_id, f"{name} ({region})" if region else name))
    form.expert_id.choices = choices
    return form


@bp.route("/groups/<int:group_id>/members", methods=["GET", "POST"])
@login_required
def members(group_id: int):
    group = _guard(access.group_for_manager, current_user, group_id)
    expert_form = _expert_form(AddExpertForm(prefix="expert"))
    person_form = InvitePersonForm(prefix="person")
    status = 200
    if request.method == "POST":
        which = request.form.get("form")
        try:
            if which == "expert" and expert_form.validate_on_submit():
                member = groups.add_expert(current_user, group.id, expert_form.expert_id.data,
                                           expert_form.expert_role.data)
            elif which == "person" and person_form.validate_on_submit():
                member = groups.invite_person(
                    current_user, group.id, person_form.name.data, person_form.email.data,
                    person_form.kind.data, person_form.role.data)
            else:
                member = None
        except DomainError as error:
            _fail(error)
            attach_error(expert_form if which == "expert" else person_form, error)
            member = None
        if member is not None:
            db.session.commit()
            # The same words whoever the address belongs to (and whether they were invited
            # before): the answer must not tell who has an account.
            flash(_("%(name)s is now a member of the group.", name=member.name)
                  if member.user_id is None else
                  _("The invitation was sent. The person is shown in the group when they "
                    "accept it."), "success")
            return redirect(url_for("participation.members", group_id=group.id))
        status = 422
    present, former, paging_status = _member_pages(group)
    role_forms = {m.id: RoleForm(prefix=f"m{m.id}", role=m.role) for m in present.items}
    return render_template("participation/groups/members.html", group=group,
                           present=present, former=former,
                           expert_form=expert_form, person_form=person_form,
                           role_forms=role_forms, shortfalls=groups.shortfalls(group),
                           can_add=groups.may_add_people(current_user),
                           waiting=groups.invited_count(group)
                           ), status if status != 200 else paging_status


def _member_pages(group):
    """The pages of the present (``cursor``) and former (``former``) members; a broken page
    link gives the first page with a message (422)."""
    limit, code, pages = parse_limit(None), 200, []
    for status, param in (("active", "cursor"), ("left", "former")):
        try:
            pages.append(groups.members_page(group, status, cursor=request.args.get(param),
                                             limit=limit))
        except InvalidInput as error:
            flash(translated(error), "error")
            pages.append(groups.members_page(group, status, cursor=None, limit=limit))
            code = 422
    return pages[0], pages[1], code


@bp.route("/invitations/<int:member_id>", methods=["GET", "POST"])
@login_required
def invitation(member_id: int):
    """The invited person accepts or declines joining a group."""
    member = _guard(groups.invitation_for, current_user, member_id)
    form = InvitationAnswerForm()
    if form.validate_on_submit():
        accept = request.form.get("answer") == "accept"
        done = attempt(lambda: groups.answer_invitation(
            current_user, member_id, accept, bool(form.share_contact.data)))
        if done.ok:
            if accept:
                flash(_("Welcome to the group %(group)s.", group=member.group.name), "success")
                return redirect(url_for("participation.group", group_id=member.group_id))
            flash(_("You declined the invitation. The group does not see your name."),
                  "success")
            return redirect(url_for("participation.home"))
    return render_template("participation/groups/invitation.html", member=member,
                           group=member.group, form=form)


@bp.route("/groups/<int:group_id>/contact-sharing", methods=["POST"])
@login_required
def contact_sharing(group_id: int):
    share = request.form.get("share") == "1"
    return _action(lambda: groups.set_contact_sharing(current_user, group_id, share),
                   _("The group's chair and secretary now see your e-mail address and phone.")
                   if share else _("Your contact details are no longer shown in the group."),
                   url_for("participation.group", group_id=group_id))


@bp.route("/groups/<int:group_id>/members/<int:member_id>/role", methods=["POST"])
@login_required
def change_role(group_id: int, member_id: int):
    role = request.form.get(f"m{member_id}-role", "")
    return _action(lambda: groups.change_role(current_user, group_id, member_id, role),
                   _("The task was changed."),
                   url_for("participation.members", group_id=group_id))


@bp.route("/groups/<int:group_id>/members/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(group_id: int, member_id: int):
    group = _guard(access.group_for_reader, current_user, group_id)
    leaving_self = not access.can_manage(current_user, group)
    target = (url_for("participation.home") if leaving_self
              else url_for("participation.members", group_id=group_id))
    return _action(lambda: groups.remove_member(current_user, group_id, member_id),
                   _("You left the group.") if leaving_self
                   else _("The person is no longer a member of the group."), target)


# --- Meetings ---------------------------------------------------------------------------------


def _meeting_form(form: MeetingForm, group) -> MeetingForm:
    form.assignment_type.choices = [(t.code, localized_name(t))
                                    for t in active_assignment_types()]
    form.municipality_code.choices = municipality_choices(current_language())
    if request.method == "GET":
        form.assignment_type.data = "meeting"
        form.remote.data = group.remote
        form.municipality_code.data = group.municipality_code or ""
        form.address.data = group.address
    return form


def _meeting_sessions(form: MeetingForm) -> list[SessionRequest]:
    minutes = form.duration_minutes.data
    first = helsinki_to_utc(form.date.data, form.start_time.data)
    if form.kind.data != "series":
        return [SessionRequest(first, minutes)]
    missing = [f for f in (form.second_date, form.third_date) if f.data is None]
    for field in missing:
        field.errors = list(field.errors) + [_("Give the date of each session of the series.")]
    if missing:
        return []
    starts: list[datetime] = [first] + [helsinki_to_utc(f.data, form.start_time.data)
                                        for f in (form.second_date, form.third_date)]
    return groups.series_sessions(starts, minutes)


@bp.route("/groups/<int:group_id>/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(group_id: int):
    group = _guard(access.group_for_reader, current_user, group_id)
    if not access.is_organisation_member_of(current_user, group.organisation_id):
        abort(403)
    form = _meeting_form(MeetingForm(), group)
    if form.validate_on_submit():
        sessions = _meeting_sessions(form)
        if sessions:
            try:
                order = groups.book_meeting(current_user, group.id, groups.MeetingRequest(
                    title=form.title.data or "", sessions=sessions,
                    assignment_type=form.assignment_type.data, remote=form.remote.data,
                    municipality_code=form.municipality_code.data or None,
                    address=form.address.data or "", language=current_language(),
                    description=form.description.data or "",
                    series=form.kind.data == "series",
                    invite_members=form.invite_members.data))
            except DomainError as error:
                _fail(error)
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("The meeting was booked. The group's experts got a work offer, and "
                        "the members see the meeting on the group's page."), "success")
                return redirect(url_for("participation.session",
                                        session_id=order.sessions[0].id))
    status = 422 if request.method == "POST" else 200
    return render_template("participation/groups/meeting_form.html", form=form, group=group,
                           experts=groups.verified_expert_members(group)), status


# --- Topics and evaluation questions --------------------------------------------------------


@bp.route("/groups/<int:group_id>/topics", methods=["POST"])
@login_required
def propose_topic(group_id: int):
    form = TopicForm()
    target = url_for("participation.group", group_id=group_id) + "#topics"
    if not form.validate_on_submit():
        flash(_("Give the topic a short title."), "error")
        return redirect(target)
    return _action(lambda: groups.propose_topic(current_user, group_id, form.title.data,
                                                form.description.data or ""),
                   _("Thank you! The topic was added."), target)


@bp.route("/groups/<int:group_id>/topics/<int:topic_id>/<action>", methods=["POST"])
@login_required
def move_topic(group_id: int, topic_id: int, action: str):
    if action not in ("schedule", "finish", "decline", "reopen", "unschedule"):
        abort(404)
    session_id = request.form.get("session_id", type=int)
    return _action(lambda: groups.move_topic(current_user, group_id, topic_id, action,
                                             session_id),
                   _("The topic was updated."),
                   url_for("participation.group", group_id=group_id) + "#topics")


@bp.route("/groups/<int:group_id>/criteria", methods=["POST"])
@login_required
def add_criterion(group_id: int):
    form = CriterionForm()
    target = url_for("participation.group", group_id=group_id) + "#evaluation"
    if not form.validate_on_submit():
        flash(_("Write the question."), "error")
        return redirect(target)
    return _action(lambda: evaluations.add_criterion(current_user, group_id,
                                                     form.question.data),
                   _("The question was added to the evaluation."), target)


@bp.route("/groups/<int:group_id>/criteria/<int:criterion_id>/retire", methods=["POST"])
@login_required
def retire_criterion(group_id: int, criterion_id: int):
    return _action(lambda: evaluations.retire_criterion(current_user, group_id, criterion_id),
                   _("The question is no longer asked."),
                   url_for("participation.group", group_id=group_id) + "#evaluation")


@bp.route("/groups/<int:group_id>/evaluation")
@login_required
def group_evaluation(group_id: int):
    """The group's evaluation results per session and over time: a chart and a table."""
    group = _guard(access.group_for_reader, current_user, group_id)
    return render_template("participation/groups/group_evaluation.html", group=group,
                           results=evaluations.group_results(group))


# --- The record of a session ------------------------------------------------------------------


def _entry_forms() -> dict[str, EntryForm]:
    labels = {"agenda": _("The agenda"), "notes": _("Your notes"), "idea": _("Your idea"),
              "decision": _("The decision")}
    forms = {}
    for kind, text in labels.items():
        forms[kind] = EntryForm(prefix=kind)
        forms[kind].text.label.text = text
    return forms


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def session(session_id: int):
    """Agenda, notes, ideas, decisions and follow-ups of one meeting or session."""
    seen = _guard(access.session_for_reader, current_user, session_id)
    forms = _entry_forms()
    follow_form = FollowUpForm(prefix="follow")
    people = records.circle_people(seen.session)
    follow_form.owner_id.choices = [(0, _("Choose a person"))] + [
        (u.id, texts.person_name(u)) for u in people]
    status = 200
    if request.method == "POST":
        kind = request.form.get("form", "")
        try:
            if kind in forms and forms[kind].validate_on_submit():
                records.add_entry(current_user, session_id, kind, forms[kind].text.data)
                message = _("Saved. Thank you!")
            elif kind == "follow" and follow_form.validate_on_submit():
                records.add_follow_up(current_user, session_id, follow_form.text.data,
                                      follow_form.owner_id.data, follow_form.due_on.data)
                message = _("The follow-up was added.")
            else:
                message = None
        except DomainError as error:
            _fail(error)
            attach_error(forms.get(kind, follow_form), error)
            message = None
        if message:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("participation.session", session_id=session_id)
                            + f"#{kind}")
        status = 422
    now = utcnow()
    record = records.record_of(seen.session)
    if request.method == "GET" and seen.can_lead:
        forms["agenda"].text.data = record.agenda
    results = (evaluations.group_results(seen.group, seen.session.id)
               if seen.group is not None else [])
    return render_template(
        "participation/groups/session.html", seen=seen, session=seen.session, order=seen.order,
        group=seen.group, record=record, forms=forms, follow_form=follow_form,
        can_evaluate=seen.can_evaluate(now) and not evaluations.has_answered(
            current_user, session_id),
        answered=evaluations.has_answered(current_user, session_id),
        result=results[0] if results else None, now=now,
        report=_report_of(seen.order.id),
    ), status


def _report_of(order_id: int):
    report = db.session.scalar(select(ImpactReport).where(ImpactReport.order_id == order_id))
    if report is None:
        return None
    try:
        return impact.report_for_reader(current_user, report.id)
    except NotFound:
        return None


@bp.route("/follow-ups/<int:follow_up_id>/<action>", methods=["POST"])
@login_required
def follow_up(follow_up_id: int, action: str):
    if action not in ("done", "reopen"):
        abort(404)
    item = _guard(records.follow_up_for_reader, current_user, follow_up_id)
    return _action(lambda: records.set_follow_up_done(current_user, follow_up_id,
                                                      action == "done"),
                   _("The follow-up was updated."),
                   url_for("participation.session", session_id=item.session_id) + "#follow")


@bp.route("/sessions/<int:session_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluate(session_id: int):
    """The short evaluation after a session: smiley-scale questions and a comment."""
    try:
        seen, criteria = evaluations.evaluation_for(current_user, session_id)
    except NotFound:
        abort(404)
    except PermissionDenied:
        abort(403)
    except DomainError as error:
        flash(translated(error), "error")
        return redirect(url_for("participation.session", session_id=session_id))
    if evaluations.has_answered(current_user, session_id):
        flash(_("You have already evaluated this meeting. Thank you!"), "info")
        return redirect(url_for("participation.session", session_id=session_id))
    form = evaluation_form(criteria)
    if form.validate_on_submit():
        scores = {}
        for criterion in criteria:
            value = getattr(form, f"criterion_{criterion.id}").data
            scores[criterion.id] = int(value) if value and value != NO_ANSWER else None
        try:
            evaluations.submit_evaluation(current_user, session_id, scores,
                                          form.comment.data or "")
        except DomainError as error:
            _fail(error)
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Thank you for your evaluation!"), "success")
            return redirect(url_for("participation.session", session_id=session_id))
    status = 422 if request.method == "POST" else 200
    return render_template("participation/groups/evaluate.html", form=form, seen=seen,
                           session=seen.session, criteria=criteria,
                           faces={str(k): v for k, v in texts.SMILEY_FACE.items()}), status

