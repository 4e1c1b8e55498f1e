"""Filling in the organisation's order form through its labels, as a keyboard user would.

The labels are the Finnish ones the form shows (app/translations/fi/LC_MESSAGES/messages.po).
"""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.browser.helpers import press_key

ONE_OFF = "Yksittäinen tehtävä (yksi päivä)"
SERIES = "Yhteiskehittäminen, kolme tapaamiskertaa"
LECTURE = "Luento tai puheenvuoro"
MEETING = "Kokous tai työryhmä"
MENTAL_HEALTH = "Mielenterveys ja mielenterveyskuntoutus"
CALCULATE = "Laske hinta"
SEND = "Lähetä tilaus"
#: What the order page says of a newly sent order ("submitted").
RECEIVED = "Vastaanotettu, odottaa kokemusasiantuntijoiden hakua"


def label(page: Page, text: str):
    return page.get_by_label(text, exact=True)


def tick(page: Page, text: str) -> None:
    """Tick a checkbox or choose a radio button with the space bar."""
    control = label(page, text)
    if not control.is_checked():
        press_key(page, control, "Space")
    expect(control).to_be_checked()


def fill_common(page: Page, *, kind: str, type_label: str, title: str, experts: int,
                start: date, start_time: str, minutes: int) -> None:
    tick(page, kind)
    label(page, "Tehtävän tyyppi").select_option(label=type_label)
    label(page, "Otsikko").fill(title)
    label(page, "Mitä kokemusasiantuntijan pitää tehdä?").fill(
        "Kerro omasta toipumisestasi ja siitä, mikä palveluissa auttoi.")
    tick(page, MENTAL_HEALTH)
    label(page, "Tehtävän kieli").select_option("fi")
    label(page, "Montako kokemusasiantuntijaa?").fill(str(experts))
    label(page, "Päivämäärä").fill(start.isoformat())
    label(page, "Alkamisaika").fill(start_time)
    label(page, "Kesto minuutteina").fill(str(minutes))


def fill_one_off_order(page: Page, title: str, start: date) -> None:
    """A 90-minute lecture by two experts on site in Pori."""
    fill_common(page, kind=ONE_OFF, type_label=LECTURE, title=title, experts=2, start=start,
                start_time="13:00", minutes=90)
    label(page, "Paikan kunta").select_option(label="Pori")
    label(page, "Katuosoite").fill("Itsenäisyydenkatu 33, Pori")
    label(page, "Paikan saavutettavuus").fill("Esteetön sisäänkäynti, induktiosilmukka")
    label(page, "Keitä kuulijat ovat?").fill("40 sosiaalityöntekijää")
    label(page, "Laskutusviite (ei pakollinen)").fill("SELAINTESTI-1")


def fill_series_order(page: Page, title: str, first: date) -> None:
    """The three-session co-development series, remote, two weeks apart."""
    fill_common(page, kind=SERIES, type_label=MEETING, title=title, experts=1, start=first,
                start_time="09:00", minutes=180)
    label(page, "Toisen kerran päivämäärä").fill((first + timedelta(days=14)).isoformat())
    label(page, "Kolmannen kerran päivämäärä").fill((first + timedelta(days=28)).isoformat())
    tick(page, "Etätyö (videokokous)")
    label(page, "Keitä kuulijat ovat?").fill("Palvelupolun kehittäjäryhmä")
