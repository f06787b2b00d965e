"""The time in other places (IANA time zones from the tzdata package) and the date in N days."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
import zoneinfo
from datetime import datetime, timedelta

log = logging.getLogger(__name__)

# Places that are no IANA city: countries, US states, regions and big cities without a zone of
# their own → (zone, the name to say). Countries across several zones use their capital's or
# largest city's zone, and the answer names that city.
ALIASES: dict[str, tuple[str, str]] = {
    # countries
    "uk": ("Europe/London", "the UK"),
    "united kingdom": ("Europe/London", "the UK"),
    "britain": ("Europe/London", "Britain"),
    "great britain": ("Europe/London", "Britain"),
    "england": ("Europe/London", "England"),
    "scotland": ("Europe/London", "Scotland"),
    "wales": ("Europe/London", "Wales"),
    "ireland": ("Europe/Dublin", "Ireland"),
    "france": ("Europe/Paris", "France"),
    "germany": ("Europe/Berlin", "Germany"),
    "spain": ("Europe/Madrid", "Spain"),
    "italy": ("Europe/Rome", "Italy"),
    "portugal": ("Europe/Lisbon", "Portugal"),
    "netherlands": ("Europe/Amsterdam", "the Netherlands"),
    "holland": ("Europe/Amsterdam", "the Netherlands"),
    "belgium": ("Europe/Brussels", "Belgium"),
    "switzerland": ("Europe/Zurich", "Switzerland"),
    "austria": ("Europe/Vienna", "Austria"),
    "sweden": ("Europe/Stockholm", "Sweden"),
    "norway": ("Europe/Oslo", "Norway"),
    "denmark": ("Europe/Copenhagen", "Denmark"),
    "finland": ("Europe/Helsinki", "Finland"),
    "poland": ("Europe/Warsaw", "Poland"),
    "greece": ("Europe/Athens", "Greece"),
    "turkey": ("Europe/Istanbul", "Turkey"),
    "ukraine": ("Europe/Kyiv", "Ukraine"),
    "russia": ("Europe/Moscow", "Moscow"),
    "egypt": ("Africa/Cairo", "Egypt"),
    "nigeria": ("Africa/Lagos", "Nigeria"),
    "kenya": ("Africa/Nairobi", "Kenya"),
    "south africa": ("Africa/Johannesburg", "South Africa"),
    "morocco": ("Africa/Casablanca", "Morocco"),
    "israel": ("Asia/Jerusalem", "Israel"),
    "saudi arabia": ("Asia/Riyadh", "Saudi Arabia"),
    "uae": ("Asia/Dubai", "the UAE"),
    "united arab emirates": ("Asia/Dubai", "the UAE"),
    "iran": ("Asia/Tehran", "Iran"),
    "pakistan": ("Asia/Karachi", "Pakistan"),
    "india": ("Asia/Kolkata", "India"),
    "bangladesh": ("Asia/Dhaka", "Bangladesh"),
    "china": ("Asia/Shanghai", "China"),
    "japan": ("Asia/Tokyo", "Japan"),
    "korea": ("Asia/Seoul", "South Korea"),
    "south korea": ("Asia/Seoul", "South Korea"),
    "thailand": ("Asia/Bangkok", "Thailand"),
    "vietnam": ("Asia/Ho_Chi_Minh", "Vietnam"),
    "philippines": ("Asia/Manila", "the Philippines"),
    "indonesia": ("Asia/Jakarta", "Jakarta"),
    "malaysia": ("Asia/Kuala_Lumpur", "Malaysia"),
    "australia": ("Australia/Sydney", "Sydney"),
    "new zealand": ("Pacific/Auckland", "New Zealand"),
    "canada": ("America/Toronto", "Toronto"),
    "mexico": ("America/Mexico_City", "Mexico City"),
    "brazil": ("America/Sao_Paulo", "São Paulo"),
    "argentina": ("America/Argentina/Buenos_Aires", "Argentina"),
    "chile": ("America/Santiago", "Chile"),
    "peru": ("America/Lima", "Peru"),
    "colombia": ("America/Bogota", "Colombia"),
    "usa": ("America/New_York", "New York"),
    "us": ("America/New_York", "New York"),
    "united states": ("America/New_York", "New York"),
    "america": ("America/New_York", "New York"),
    # US states and regions
    "california": ("America/Los_Angeles", "California"),
    "washington state": ("America/Los_Angeles", "Washington State"),
    "oregon": ("America/Los_Angeles", "Oregon"),
    "nevada": ("America/Los_Angeles", "Nevada"),
    "arizona": ("America/Phoenix", "Arizona"),
    "colorado": ("America/Denver", "Colorado"),
    "utah": ("America/Denver", "Utah"),
    "texas": ("America/Chicago", "Texas"),
    "illinois": ("America/Chicago", "Illinois"),
    "minnesota": ("America/Chicago", "Minnesota"),
    "florida": ("America/New_York", "Florida"),
    "massachusetts": ("America/New_York", "Massachusetts"),
    "new york state": ("America/New_York", "New York State"),
    "new jersey": ("America/New_York", "New Jersey"),
    "pennsylvania": ("America/New_York", "Pennsylvania"),
    "ohio": ("America/New_York", "Ohio"),
    "alaska": ("America/Anchorage", "Alaska"),
    "hawaii": ("Pacific/Honolulu", "Hawaii"),
    "east coast": ("America/New_York", "New York"),
    "west coast": ("America/Los_Angeles", "Los Angeles"),
    # cities without a zone of their own
    "washington": ("America/New_York", "Washington"),
    "washington dc": ("America/New_York", "Washington"),
    "dc": ("America/New_York", "Washington"),
    "boston": ("America/New_York", "Boston"),
    "philadelphia": ("America/New_York", "Philadelphia"),
    "miami": ("America/New_York", "Miami"),
    "atlanta": ("America/New_York", "Atlanta"),
    "houston": ("America/Chicago", "Houston"),
    "dallas": ("America/Chicago", "Dallas"),
    "san francisco": ("America/Los_Angeles", "San Francisco"),
    "seattle": ("America/Los_Angeles", "Seattle"),
    "las vegas": ("America/Los_Angeles", "Las Vegas"),
    "san diego": ("America/Los_Angeles", "San Diego"),
    "montreal": ("America/Toronto", "Montreal"),
    "manchester": ("Europe/London", "Manchester"),
    "edinburgh": ("Europe/London", "Edinburgh"),
    "barcelona": ("Europe/Madrid", "Barcelona"),
    "munich": ("Europe/Berlin", "Munich"),
    "milan": ("Europe/Rome", "Milan"),
    "venice": ("Europe/Rome", "Venice"),
    "kiev": ("Europe/Kyiv", "Kyiv"),
    "beijing": ("Asia/Shanghai", "Beijing"),
    "delhi": ("Asia/Kolkata", "Delhi"),
    "new delhi": ("Asia/Kolkata", "New Delhi"),
    "mumbai": ("Asia/Kolkata", "Mumbai"),
    "bombay": ("Asia/Kolkata", "Mumbai"),
    "bangalore": ("Asia/Kolkata", "Bangalore"),
    "calcutta": ("Asia/Kolkata", "Kolkata"),
    "osaka": ("Asia/Tokyo", "Osaka"),
    "kyoto": ("Asia/Tokyo", "Kyoto"),
    "saigon": ("Asia/Ho_Chi_Minh", "Ho Chi Minh City"),
    "rio": ("America/Sao_Paulo", "Rio"),
    "rio de janeiro": ("America/Sao_Paulo", "Rio de Janeiro"),
    "utc": ("UTC", "UTC"),
    "gmt": ("Etc/GMT", "GMT"),
    "greenwich": ("Europe/London", "Greenwich"),
}
_SKIPPED_AREAS = ("Etc/", "SystemV/", "US/", "posix/", "right/")
_FILLER = re.compile(r"^(?:the|in|at|for)\s+|\s+(?:right now|now|today|please)$")


@functools.cache
def _cities() -> dict[str, tuple[str, str]]:
    """Every IANA zone's city ("Asia/Tokyo" → "tokyo", "America/New_York" → "new york")."""
    cities: dict[str, tuple[str, str]] = {}
    for zone in sorted(zoneinfo.available_timezones()):
        if "/" not in zone or zone.startswith(_SKIPPED_AREAS):
            continue
        city = zone.rsplit("/", 1)[1].replace("_", " ")
        key = city.lower()
        # the longer name ("America/Argentina/Cordoba") is the canonical one, not a link
        if key not in cities or zone.count("/") > cities[key][0].count("/"):
            cities[key] = (zone, city)
    return cities


def find_zone(place: str) -> tuple[zoneinfo.ZoneInfo, str] | None:
    """The zone of `place` (a city, country, US state or alias) and the name to say, or None."""
    plain = unicodedata.normalize("NFKD", place.lower()).encode("ascii", "ignore").decode()
    key = " ".join(re.sub(r"[^\w\s'-]", " ", plain).split())
    previous = None
    while key != previous:
        previous, key = key, _FILLER.sub("", key)
    found = ALIASES.get(key) or _cities().get(key)
    if found is None:
        return None
    zone, name = found
    try:
        return zoneinfo.ZoneInfo(zone), name
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("no time zone data for %s", zone)
        return None


def time_in(place: str, now: datetime) -> str | None:
    """ "In Tokyo it's 9:30 PM on Saturday." for the moment `now` (naive = local time);
    None for an unknown place."""
    found = find_zone(place)
    if found is None:
        return None
    zone, name = found
    there = now.astimezone(zone)
    if name in ("UTC", "GMT"):
        return f"It's {clock(there)} {name}, on {there:%A}."
    return f"In {name} it's {clock(there)} on {there:%A}."


def date_in(days: int, now: datetime) -> str:
    """ "In 3 days it will be Sunday, December 6." (the year too when it is not this year)."""
    then = now + timedelta(days=days)
    when = f"{then:%A}, {then:%B} {then.day}"
    if then.year != now.year:
        when += f", {then.year}"
    if days == 0:
        return f"Today is {when}."
    if days == 1:
        return f"Tomorrow will be {when}."
    if days == -1:
        return f"Yesterday was {when}."
    if days < 0:
        return f"{-days} days ago it was {when}."
    return f"In {days} days it will be {when}."


def clock(moment: datetime) -> str:
    """ "9:05 PM"."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
