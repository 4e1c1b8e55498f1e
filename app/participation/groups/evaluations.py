"""Evaluation: the group's own questions, members' answers after each session on the
smiley scale, and the results per session and over time (computed on the database)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit.services import record_audit
from app.bookings.models import OrderSession
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.participation import access
from app.participation.groups.models import (
    EvaluationAnswer,
    EvaluationCriterion,
    EvaluationResponse,
    GroupMeeting,
    ParticipationGroup,
)
from app.participation.rules import SMILEY_SCORES, average

MAX_CRITERIA = 10


def active_criteria(group: ParticipationGroup) -> list[EvaluationCriterion]:
    return [c for c in group.criteria if c.active]


def add_criterion(actor: User, group_id: int, question: str,
                  now: datetime | None = None) -> EvaluationCriterion:
    """A question the group agreed on; asked after every session from now on."""
    group = access.group_for_leader(actor, group_id)
    question = (question or "").strip()
    if not question:
        raise InvalidInput("Write the question.", code="missing_question", field="question")
    if len(question) > 300:
        raise InvalidInput("Keep the question short (at most 300 characters).",
                           code="question_too_long", field="question")
    if len(active_criteria(group)) >= MAX_CRITERIA:
        raise Conflict("Keep the evaluation short: at most ten questions.",
                       code="too_many_criteria", field="question")
    position = max((c.position for c in group.criteria), default=0) + 1
    criterion = EvaluationCriterion(group=group, question=question, position=position,
                                    created_by_id=actor.id, created_at=now or utcnow())
    db.session.add(criterion)
    db.session.flush()
    record_audit(actor, "criterion_added", "group", group.id, criterion=criterion.id)
    return criterion


def retire_criterion(actor: User, group_id: int, criterion_id: int) -> EvaluationCriterion:
    """Stop asking a question; its earlier answers stay in the results."""
    group = access.group_for_leader(actor, group_id)
    criterion = next((c for c in group.criteria if c.id == criterion_id), None)
    if criterion is None:
        raise NotFound("The question was not found.", code="criterion_not_found")
    criterion.active = False
    record_audit(actor, "criterion_retired", "group", group.id, criterion=criterion.id)
    db.session.flush()
    return criterion


def has_answered(user: User, session_id: int) -> bool:
    return db.session.scalar(select(EvaluationResponse.id).where(
        EvaluationResponse.session_id == session_id,
        EvaluationResponse.respondent_id == user.id)) is not None


def evaluation_for(actor: User, session_id: int, now: datetime | None = None):
    """The session and its questions if ``actor`` may evaluate it now."""
    now = now or utcnow()
    seen = access.session_for_reader(actor, session_id)
    if seen.group is None:
        raise NotFound("This meeting has no evaluation.", code="no_evaluation")
    if not seen.participant:
        raise PermissionDenied("Only the people who took part can evaluate the meeting.")
    if seen.session.starts_at > now:
        raise Conflict("You can evaluate the meeting once it has started.",
                       code="session_not_started")
    return seen, active_criteria(seen.group)


def submit_evaluation(actor: User, session_id: int, scores: dict[int, int | None],
                      comment: str = "", now: datetime | None = None) -> EvaluationResponse:
    """One member's answers: a score (3 yes, 2 partly, 1 no) or nothing per question."""
    now = now or utcnow()
    seen, criteria = evaluation_for(actor, session_id, now)
    if has_answered(actor, session_id):
        raise Conflict("You have already evaluated this meeting. Thank you!",
                       code="already_evaluated")
    comment = (comment or "").strip()[:5000]
    answers = []
    for criterion in criteria:
        score = scores.get(criterion.id)
        if score is not None and score not in SMILEY_SCORES:
            raise InvalidInput("Choose one of the answers.", code="invalid_score",
                               field=f"criterion_{criterion.id}")
        answers.append(EvaluationAnswer(criterion_id=criterion.id, score=score))
    if not comment and all(a.score is None for a in answers):
        raise InvalidInput("Answer at least one question, or write a comment.",
                           code="empty_evaluation", field="comment")
    response = EvaluationResponse(session_id=seen.session.id, group_id=seen.group.id,
                                  respondent_id=actor.id, comment=comment, created_at=now,
                                  answers=answers)
    db.session.add(response)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("You have already evaluated this meeting. Thank you!",
                       code="already_evaluated") from None
    record_audit(actor, "session_evaluated", "session", seen.session.id)
    return response


# --- Results -------------------------------------------------------------------------------


@dataclass
class CriterionResult:
    criterion: EvaluationCriterion
    answers: int = 0
    total: int = 0
    #: How many answered 3, 2 and 1.
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SMILEY_SCORES, 0))

    @property
    def average(self) -> Decimal | None:
        return average(self.total, self.answers)


@dataclass
class SessionResult:
    session: OrderSession
    responses: int
    criteria: list[CriterionResult]
    comments: list[str]

    @property
    def overall(self) -> Decimal | None:
        return average(sum(c.total for c in self.criteria), sum(c.answers for c in self.criteria))


def group_sessions(group: ParticipationGroup) -> list[OrderSession]:
    """The sessions of the group's meetings, in time order."""
    return list(db.session.scalars(
        select(OrderSession).join(GroupMeeting, GroupMeeting.order_id == OrderSession.order_id)
        .where(GroupMeeting.group_id == group.id)
        .order_by(OrderSession.starts_at, OrderSession.id)))


def group_results(group: ParticipationGroup, session_id: int | None = None
                  ) -> list[SessionResult]:
    """Results of every evaluated session of the group (or of one), oldest first.

    Counts and sums come from the database grouped by session, question and score;
    comments are listed in alphabetical order, never with who wrote them or when.
    """
    answers = select(EvaluationResponse.session_id, EvaluationAnswer.criterion_id,
                     EvaluationAnswer.score, func.count()).join(
        EvaluationAnswer, EvaluationAnswer.response_id == EvaluationResponse.id).where(
        EvaluationResponse.group_id == group.id, EvaluationAnswer.score.is_not(None))
    responses = select(EvaluationResponse.session_id, func.count()).where(
        EvaluationResponse.group_id == group.id)
    comments = select(EvaluationResponse.session_id, EvaluationResponse.comment).where(
        EvaluationResponse.group_id == group.id, EvaluationResponse.comment != "")
    if session_id is not None:
        answers = answers.where(EvaluationResponse.session_id == session_id)
        responses = responses.where(EvaluationResponse.session_id == session_id)
        comments = comments.where(EvaluationResponse.session_id == session_id)
    tallies: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for sid, criterion_id, score, count in db.session.execute(
            answers.group_by(EvaluationResponse.session_id, EvaluationAnswer.criterion_id,
                             EvaluationAnswer.score)):
        tallies[sid, criterion_id][score] = count
    response_counts = dict(db.session.execute(
        responses.group_by(EvaluationResponse.session_id)).all())
    texts: dict[int, list[str]] = defaultdict(list)
    for sid, text in db.session.execute(comments.order_by(EvaluationResponse.comment)):
        texts[sid].append(text)
    results = []
    for session in group_sessions(group):
        if session.id not in response_counts:
            continue
        rows = []
        for criterion in group.criteria:
            tally = tallies.get((session.id, criterion.id), {})
            if not criterion.active and not tally:
                continue
            row = CriterionResult(criterion)
            for score, count in tally.items():
                row.counts[score] = count
                row.answers += count
                row.total += score * count
            rows.append(row)
        results.append(SessionResult(session, response_counts[session.id], rows,
                                     texts.get(session.id, [])))
    return results
