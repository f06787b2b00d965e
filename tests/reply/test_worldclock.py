"""The world clock: the time in any IANA city, country or US state, and the date in N days."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from assistant.reply import worldclock
from assistant.reply.worldclock import date_in, find_zone, time_in

NOW = datetime(2025, 3, 4, 15, 7, tzinfo=UTC)  # Tuesday afternoon in London


@pytest.mark.parametrize(
    ("place", "answer"),
    [
        ("tokyo", "In Tokyo it's 12:07 AM on Wednesday."),
        ("Tokyo", "In Tokyo it's 12:07 AM on Wednesday."),
        ("new york", "In New York it's 10:07 AM on Tuesday."),
        ("london", "In London it's 3:07 PM on Tuesday."),
        ("paris", "In Paris it's 4:07 PM on Tuesday."),
        ("los angeles", "In Los Angeles it's 7:07 AM on Tuesday."),
        ("california", "In California it's 7:07 AM on Tuesday."),
        ("japan", "In Japan it's 12:07 AM on Wednesday."),
        ("india", "In India it's 8:37 PM on Tuesday."),  # a half-hour zone
        ("sydney", "In Sydney it's 2:07 AM on Wednesday."),  # summer time there
        ("uk", "In the UK it's 3:07 PM on Tuesday."),
        ("moscow", "In Moscow it's 6:07 PM on Tuesday."),
        ("São Paulo", "In Sao Paulo it's 12:07 PM on Tuesday."),
        ("the philippines", "In the Philippines it's 11:07 PM on Tuesday."),
        ("Kathmandu", "In Kathmandu it's 8:52 PM on Tuesday."),  # +5:45
        ("in berlin right now", "In Berlin it's 4:07 PM on Tuesday."),
        ("utc", "It's 3:07 PM UTC, on Tuesday."),
    ],
)
def test_the_time_in_a_place_names_the_place_time_and_weekday(place: str, answer: str) -> None:
    assert time_in(place, NOW) == answer


def test_summer_time_is_followed() -> None:
    july = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert time_in("new york", july) == "In New York it's 8:00 AM on Tuesday."
    assert time_in("london", july) == "In London it's 1:00 PM on Tuesday."


def test_unknown_places_are_none() -> None:
    for place in ("atlantis", "the moon", "", "my house", "12345"):
        assert time_in(place, NOW) is None


def test_every_iana_city_is_a_place() -> None:
    zones = [z for z in zoneinfo.available_timezones() if z.count("/") == 1]
    cities = {z.split("/")[1].replace("_", " ").lower() for z in zones}
    assert len(cities) > 300
    for city in ("new york", "tokyo", "buenos aires", "kolkata", "port-au-prince", "isle of man"):
        assert city in cities and find_zone(city) is not None, city
    for city in sorted(cities):
        found = find_zone(city)
        if found is not None and not city.startswith(("gmt", "utc")):
            assert time_in(city, NOW) is not None


def test_every_alias_has_a_zone() -> None:
    for place, (zone, name) in worldclock.ALIASES.items():
        zoneinfo.ZoneInfo(zone)  # raises if the tzdata has no such zone
        assert name and find_zone(place) is not None


@pytest.mark.parametrize(
    ("days", "answer"),
    [
        (3, "In 3 days it will be Sunday, December 6."),
        (0, "Today is Thursday, December 3."),
        (1, "Tomorrow will be Friday, December 4."),
        (-1, "Yesterday was Wednesday, December 2."),
        (-3, "3 days ago it was Monday, November 30."),
        (30, "In 30 days it will be Saturday, January 2, 2027."),
        (100, "In 100 days it will be Saturday, March 13, 2027."),
    ],
)
def test_the_date_in_n_days(days: int, answer: str) -> None:
    assert date_in(days, datetime(2026, 12, 3, 10, 0)) == answer


def test_the_date_in_n_days_agrees_with_the_calendar() -> None:
    now = datetime(2024, 2, 27, 23, 59)  # a leap year
    for days in range(2, 400):
        then = now + timedelta(days=days)
        assert date_in(days, now).startswith(f"In {days} days it will be {then:%A}, {then:%B}")
    assert date_in(2, now) == "In 2 days it will be Thursday, February 29."
