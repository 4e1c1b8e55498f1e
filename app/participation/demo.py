"""Demo data of participation (part of `flask seed-demo`, idempotent).

An active client panel of Demo hyvinvointialue (eleven members, a chair and a
secretary) with a past meeting whose report back is still unanswered and a coming
meeting; a co-development group with a three-session series two to four months
ago, its records, evaluations and feedback, and an answered report back; and a
few anonymous messages. Participants sign in as ``raati@demo.test`` (chair of the
panel), ``osallistuja@demo.test`` and ``asiakas@demo.test``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from app.accounts.models import PARTICIPANT, User
from app.bookings.models import Assignment, Order
from app.bookings.services import CO_DEVELOPMENT_SESSIONS
from app.common.timeutil import to_helsinki
from app.extensions import db
from app.participation.channel.models import AnonymousFeedback, AnonymousFeedbackTag
from app.participation.feedback.models import Feedback, ImpactReport
from app.participation.groups.models import (
    EvaluationAnswer,
    EvaluationCriterion,
    EvaluationResponse,
    FollowUp,
    GroupMeeting,
    GroupMember,
    MeetingEntry,
    ParticipationGroup,
    Topic,
)

PANEL_NAME = "Aikuissosiaalityön asiakasraati"
CO_DEVELOPMENT_NAME = "Vammaispalvelujen yhteiskehittämisryhmä"
CRITERIA = (
    "Oliko kokoukseen mukava tulla?",
    "Puhuttiinko asioista selkeästi?",
    "Oliko mielipiteelläsi merkitystä?",
)


def seed_participation(world, add: Callable[..., User], now: datetime, *, order, book,
                       report) -> None:
    """Create the demo groups unless the panel exists (``order``, ``book`` and ``report``
    are the demo's order helpers)."""
    chair = add("raati@demo.test", PARTICIPANT, "Raili Raatilainen")
    relative = add("osallistuja@demo.test", PARTICIPANT, "Oskari Osallinen")
    client = add("asiakas@demo.test", PARTICIPANT, "Sirkka Saarela")
    if db.session.scalar(select(ParticipationGroup.id).where(
            ParticipationGroup.name == PANEL_NAME)) is not None:
        return
    day = timedelta(days=1)
    org, e = world.org_user, world.experts

    panel = _group(world, PANEL_NAME, "client_panel", "social-assistance", now - 120 * day,
                   purpose="Raati tuo asiakkaiden äänen aikuissosiaalityön kehittämiseen. "
                           "Aiheet tulevat raatilaisilta ja organisaatiolta.",
                   services="Aikuissosiaalityö, toimeentulotuki, asumisen tuki")
    members = [
        (chair, "client", "chair"), (relative, "relative", "member"),
        (client, "client", "member"), (e[0].user, "expert", "member"),
        (e[1].user, "expert", "secretary"), (e[2].user, "expert", "member"),
        (e[3].user, "expert", "member"), (org, "staff", "responsible"),
    ]
    for user, kind, role in members:
        _member(panel, user, kind, role, now - 110 * day,
                shares_contact=user in (relative, e[1].user))  # the chair sees these two
    # An expert invited to the panel who has not answered yet: the group does not see them.
    _member(panel, e[6].user, "expert", "member", now - 2 * day, status="invited")
    for name in ("Pertti P.", "Liisa L.", "Jorma J."):
        _member(panel, None, "client", "member", now - 100 * day, name=name)
    panel.status, panel.activated_at = "active", now - 100 * day

    past = order(world, "Asiakasraadin kokous: asiointi ja odotusajat", "filled", -75 * day,
                 type_code="meeting", minutes=150, needed=2, area="social-assistance", now=now)
    _meeting(panel, past, org)
    for expert in (e[1], e[2]):
        (assignment,) = book(past, expert, now, status="reported")
        report(assignment, expert, "24", confirmed=False)
    session = past.sessions[0]
    _entry(session, "agenda", org, session.starts_at - 7 * day,
           "1. Tervetuloa\n2. Odotusajat sosiaalitoimistossa\n3. Asiointi verkossa\n"
           "4. Seuraava kokous")
    _entry(session, "notes", e[1].user, session.starts_at + timedelta(hours=3),
           "Raatilaiset kertoivat, että puhelinaikaa on vaikea saada. Verkkoasiointi "
           "koettiin vaikeaksi ilman tukea.")
    _entry(session, "idea", chair, session.starts_at + timedelta(hours=1),
           "Takaisinsoittopalvelu puhelinjonoon.")
    _entry(session, "decision", org, session.starts_at + timedelta(hours=2),
           "Organisaatio selvittää takaisinsoittopalvelun käyttöönoton.")
    db.session.add(ImpactReport(order_id=past.id, requested_at=now - 15 * day))
    coming = order(world, "Asiakasraadin kokous: selkokielinen päätös", "filled", 21 * day,
                   type_code="meeting", minutes=150, needed=2, area="social-assistance",
                   now=now)
    _meeting(panel, coming, org)
    book(coming, e[1], now)
    book(coming, e[2], now)
    _topic(panel, "Päätösten selkokielisyys", chair, "member", "on_agenda", coming.sessions[0],
           now - 30 * day)
    _topic(panel, "Odotusajat puhelinpalvelussa", org, "organisation", "done", session,
           now - 90 * day)
    _topic(panel, "Asumisen tuen hakeminen", relative, "member", "proposed", None, now - 5 * day)

    group = _group(world, CO_DEVELOPMENT_NAME, "participation_group", "disability",
                   now - 130 * day,
                   purpose="Asiakkaat ja työntekijät kehittävät yhdessä vammaispalvelujen "
                           "hakemista ja palvelusuunnittelua.",
                   services="Vammaispalvelut: henkilökohtainen apu, kuljetuspalvelu")
    for user, kind, role in ((chair, "client", "member"), (relative, "relative", "member"),
                             (e[4].user, "expert", "key_person"),
                             (e[5].user, "expert", "member"), (org, "staff", "responsible")):
        _member(group, user, kind, role, now - 125 * day)
    group.status, group.activated_at = "active", now - 120 * day
    series = order(world, "Yhteiskehittäminen: vammaispalvelujen hakemus", "filled",
                   -110 * day, type_code="meeting", minutes=180, needed=2, area="disability",
                   now=now,
                   sessions=[("Orientaatio", -110 * day, 180),
                             ("Kokemuksia palveluista", -96 * day, 180),
                             ("Ihannepalvelu ja arviointi", -82 * day, 180)])
    series.series_template = "co_development_3"
    with force_locale("fi"):
        for session, (_title, prompt) in zip(series.sessions, CO_DEVELOPMENT_SESSIONS,
                                             strict=True):
            session.agenda = str(prompt)
    _meeting(group, series, org)
    assignments: dict[int, list[Assignment]] = {}
    for expert in (e[4], e[5]):
        assignments[expert.id] = book(series, expert, now, status="reported")
        for assignment in assignments[expert.id]:
            report(assignment, expert, "36", confirmed=False)
    first, second, third = series.sessions
    _entry(first, "agenda", org, first.starts_at - 5 * day,
           "Tutustuminen, ryhmän tavoite ja yhteiset pelisäännöt. Miten ja mihin haluamme "
           "vaikuttaa?")
    _entry(first, "notes", e[4].user, first.starts_at + timedelta(hours=3),
           "Sovimme pelisäännöt: jokainen saa puhua, puhumme selkeästi, kaikki mielipiteet "
           "ovat tärkeitä.")
    _entry(second, "notes", org, second.starts_at + timedelta(hours=3),
           "Hakemuslomake on pitkä ja sen kieli vaikeaa. Moni tarvitsee apua lomakkeen "
           "täyttämiseen.")
    _entry(second, "idea", relative, second.starts_at + timedelta(hours=2),
           "Lomakkeesta selkokielinen versio ja kuvat.")
    _entry(third, "decision", org, third.starts_at + timedelta(hours=2),
           "Hakemuslomakkeesta tehdään selkokielinen versio ryhmän kanssa.")
    db.session.add(FollowUp(session_id=third.id, text="Selkokielisen lomakkeen luonnos",
                            owner_id=org.id, due_on=_day(third.starts_at + 30 * day),
                            status="done", created_by_id=org.id, created_at=third.starts_at,
                            done_at=third.starts_at + 25 * day, done_by_id=org.id))
    db.session.add(FollowUp(session_id=third.id, text="Lomakkeen testaus asiakkaiden kanssa",
                            owner_id=e[4].user_id, due_on=_day(now + 14 * day),
                            created_by_id=org.id, created_at=third.starts_at))
    _evaluations(group, [first, second, third], [chair, relative, e[4].user, e[5].user])
    _feedback(org, series, panel_meeting=past, experts=(e[4], e[5], e[1]))
    db.session.add(ImpactReport(
        order_id=series.id, requested_at=now - 22 * day, answered_at=now - 10 * day,
        answered_by_id=org.id,
        summary="Hakemuslomakkeesta tehtiin selkokielinen versio.",
        text="Ryhmän ehdotuksesta hakemuslomake kirjoitettiin selkokielelle ja siihen lisättiin "
             "kuvat. Uusi lomake otetaan käyttöön ensi kuussa. Ryhmä testaa lomakkeen ennen "
             "käyttöönottoa."))
    _messages(world, now)
    db.session.flush()


def _day(moment: datetime) -> date:
    return to_helsinki(moment).date()


def _group(world, name, kind, area, created_at, **fields) -> ParticipationGroup:
    group = ParticipationGroup(
        organisation=world.organisation, kind=kind, name=name, region="Satakunta",
        expertise_area=world.areas[area], municipality_code="609",
        address="Itsenäisyydenkatu 33", created_by_id=world.org_user.id,
        created_at=created_at, status="forming", **fields)
    for position, question in enumerate(CRITERIA, start=1):
        group.criteria.append(EvaluationCriterion(question=question, position=position,
                                                  created_by_id=world.org_user.id,
                                                  created_at=created_at))
    db.session.add(group)
    db.session.flush()
    return group


def _member(group, user, kind, role, joined_at, name=None, status="active",
            shares_contact=False) -> None:
    shown = name or (user.expert_profile.display_name if user.expert_profile else
                     user.full_name)
    db.session.add(GroupMember(group=group, user=user, name=shown, kind=kind, role=role,
                               joined_at=joined_at, added_by_id=group.created_by_id,
                               status=status, shares_contact=shares_contact))


def _meeting(group, order: Order, booked_by: User) -> None:
    db.session.add(GroupMeeting(group=group, order=order, booked_by_id=booked_by.id,
                                created_at=order.created_at))


def _entry(session, kind, author: User, at: datetime, text: str) -> None:
    db.session.add(MeetingEntry(session_id=session.id, kind=kind, text=text,
                                author_id=author.id, created_at=at))


def _topic(group, title, user, source, status, session, at) -> None:
    db.session.add(Topic(group=group, title=title, source=source, proposed_by_id=user.id,
                         status=status, session_id=session.id if session else None,
                         created_at=at))


#: Scores per session and respondent for the three questions (3 yes, 2 partly, 1 no).
SCORES = [
    [(3, 2, 2), (2, 2, 3), (3, 3, 2), (2, 1, 2)],
    [(3, 3, 3), (3, 2, 3), (3, 3, 3), (2, 2, 3)],
    [(3, 3, 3), (3, 3, 3), (3, 2, 3), (3, 3, 3)],
]
COMMENTS = ["Oli mukava tulla.", "", "Toivon lisää taukoja.", "Asiat selitettiin hyvin."]


def _evaluations(group, sessions, people) -> None:
    for session, rows in zip(sessions, SCORES, strict=True):
        for person, scores, comment in zip(people, rows, COMMENTS, strict=True):
            response = EvaluationResponse(
                session_id=session.id, group_id=group.id, respondent_id=person.id,
                comment=comment if session is sessions[-1] else "",
                created_at=session.starts_at + timedelta(hours=4))
            for criterion, score in zip(group.criteria, scores, strict=True):
                response.answers.append(EvaluationAnswer(criterion_id=criterion.id,
                                                         score=score))
            db.session.add(response)
    db.session.flush()


def _feedback(org: User, series: Order, panel_meeting: Order, experts) -> None:
    by_expert = {}
    for assignment in series.assignments + panel_meeting.assignments:
        by_expert.setdefault(assignment.expert_id, []).append(assignment)
    first, key_person_second = by_expert[experts[0].id][0], by_expert[experts[0].id][1]
    other = by_expert[experts[1].id][0]
    panel = by_expert[experts[2].id][0]
    rows = [
        (first, org, "organisation", 5, True, "Kokemus toi ryhmään uuden näkökulman.", False),
        (first, experts[0].user, "expert", 4, True, "Minua kuunneltiin.", False),
        (key_person_second, experts[0].user, "expert", 3, True,
         "Aikataulu oli tiukka, mutta työ oli tärkeää.", False),
        (other, experts[1].user, "expert", 5, True, "Hyvä ja tasavertainen ryhmä.", True),
        (panel, experts[2].user, "expert", 4, None, "Kokouksen materiaalit olisi hyvä saada "
                                                    "etukäteen.", False),
    ]
    for assignment, author, kind, rating, heard, text, shared in rows:
        db.session.add(Feedback(assignment_id=assignment.id, author_id=author.id,
                                author_kind=kind, rating=rating, input_heard=heard, text=text,
                                share_identity_with_organisation=shared,
                                created_at=assignment.ends_at + timedelta(days=1)))


def _messages(world, now: datetime) -> None:
    today = _day(now)
    db.session.add(AnonymousFeedback(
        topic="services", about="Porin sosiaalitoimisto",
        text="Puhelimeen ei vastata koskaan aamupäivisin. Toivoisin, että voisin varata ajan "
             "netistä.", received_on=today - timedelta(days=2), status="new"))
    forwarded = AnonymousFeedback(
        topic="accessibility", about="Vammaispalvelujen toimisto",
        text="Ovi on liian raskas pyörätuolilla avattavaksi.",
        received_on=today - timedelta(days=12), status="forwarded",
        forwarded_to=world.organisation, forwarded_at=now - 10 * timedelta(days=1),
        forwarded_by_id=db.session.scalar(select(User.id).where(
            User.email == "coordinator@demo.test")),
        forward_note="Voisitteko tarkistaa oven avaamisen?")
    forwarded.tags = [AnonymousFeedbackTag(tag="esteettömyys"),
                      AnonymousFeedbackTag(tag="tilat")]
    db.session.add(forwarded)
