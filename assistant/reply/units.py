"""Units said aloud ("miles", "km/h", "degrees Fahrenheit"), converted by pint (its one import)."""

from __future__ import annotations

import functools
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from assistant.reply.numberwords import tokens

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unit:
    """A unit pint knows, with the words that say one and several of it."""

    pint: str
    singular: str
    plural: str

    def say(self, number: str, value: float) -> str:
        """ "5 miles", "1 mile", "0.5 miles"."""
        return f"{number} {self.singular if value == 1 else self.plural}"

    @property
    def is_temperature(self) -> bool:
        return self.pint in ("degC", "degF", "kelvin")


# pint name, singular, plural, other names (each is said in any of these ways)
_TABLE: tuple[tuple[str, str, str, str], ...] = (
    # time
    ("millisecond", "millisecond", "milliseconds", "ms msec"),
    ("second", "second", "seconds", "sec secs"),
    ("minute", "minute", "minutes", "min mins"),
    ("hour", "hour", "hours", "hr hrs"),
    ("day", "day", "days", ""),
    ("week", "week", "weeks", ""),
    ("fortnight", "fortnight", "fortnights", ""),
    ("month", "month", "months", ""),
    ("year", "year", "years", "yr yrs"),
    ("decade", "decade", "decades", ""),
    ("century", "century", "centuries", ""),
    # length
    ("millimeter", "millimeter", "millimeters", "mm millimetre millimetres"),
    ("centimeter", "centimeter", "centimeters", "cm cms centimetre centimetres"),
    ("meter", "meter", "meters", "m metre metres"),
    ("kilometer", "kilometer", "kilometers", "km kms kilometre kilometres"),
    ("inch", "inch", "inches", ""),
    ("foot", "foot", "feet", "ft"),
    ("yard", "yard", "yards", "yd yds"),
    ("mile", "mile", "miles", "mi"),
    ("nautical_mile", "nautical mile", "nautical miles", "nmi"),
    ("light_year", "light year", "light years", "light-year light-years"),
    # weight
    ("milligram", "milligram", "milligrams", "mg"),
    ("gram", "gram", "grams", "g gramme grammes"),
    ("kilogram", "kilogram", "kilograms", "kg kgs kilo kilos kilogramme kilogrammes"),
    ("metric_ton", "metric ton", "metric tons", "tonne tonnes t"),
    ("short_ton", "ton", "tons", "us ton"),
    ("ounce", "ounce", "ounces", "oz"),
    ("pound", "pound", "pounds", "lb lbs"),
    ("stone", "stone", "stone", "stones"),
    # volume
    ("milliliter", "milliliter", "milliliters", "ml millilitre millilitres"),
    ("liter", "liter", "liters", "l litre litres"),
    ("meter ** 3", "cubic meter", "cubic meters", "cubic metre cubic metres m3"),
    ("teaspoon", "teaspoon", "teaspoons", "tsp"),
    ("tablespoon", "tablespoon", "tablespoons", "tbsp"),
    ("cup", "cup", "cups", ""),
    ("fluid_ounce", "fluid ounce", "fluid ounces", "fl oz"),
    ("pint", "pint", "pints", "pt"),
    ("quart", "quart", "quarts", "qt"),
    ("gallon", "gallon", "gallons", "gal gals us gallon us gallons"),
    ("imperial_pint", "imperial pint", "imperial pints", "uk pint uk pints"),
    ("imperial_gallon", "imperial gallon", "imperial gallons", "uk gallon uk gallons"),
    # temperature
    ("degC", "degree Celsius", "degrees Celsius", "celsius centigrade c °c"),
    ("degF", "degree Fahrenheit", "degrees Fahrenheit", "fahrenheit f °f"),
    ("kelvin", "kelvin", "kelvin", "kelvins"),
    # speed
    ("mile / hour", "mile per hour", "miles per hour", "mph miles an hour mile an hour"),
    (
        "kilometer / hour",
        "kilometer per hour",
        "kilometers per hour",
        "km/h kph kmh kmph kilometres per hour kilometre per hour kilometers an hour "
        "kilometres an hour",
    ),
    ("meter / second", "meter per second", "meters per second", "m/s metres per second"),
    ("foot / second", "foot per second", "feet per second", "ft/s"),
    ("knot", "knot", "knots", "kn kt"),
)
# Names with spaces in them, listed whole: the rest of the "other names" split at spaces.
_MULTI = re.compile(
    r"fl oz|us ton|us gallons?|uk pints?|uk gallons?|cubic metres?|miles? an hour|"
    r"kilometres? per hour|kilometre?s an hour|kilometers an hour|metres per second"
)
_TEMPERATURE_WORDS = ("degrees", "degree", "deg", "°")


def _names() -> dict[str, Unit]:
    names: dict[str, Unit] = {}
    for pint_name, singular, plural, others in _TABLE:
        unit = Unit(pint_name, singular, plural)
        multi = _MULTI.findall(others)
        singles = _MULTI.sub(" ", others).split()
        for name in (singular, plural, *multi, *singles):
            spoken = " ".join(tokens(name))
            names.setdefault(spoken, unit)
            if unit.pint in ("degC", "degF") and spoken.split()[0] not in _TEMPERATURE_WORDS:
                for word in _TEMPERATURE_WORDS:  # "degrees celsius", "° c"
                    names.setdefault(f"{word} {spoken}", unit)
    return names


NAMES: dict[str, Unit] = _names()
DEGREES = Unit(
    "degree", "degree", "degrees"
)  # no scale said: Celsius or Fahrenheit, whichever fits
# A regular expression for any unit name in words_to_digits' spacing, longest names first.
PATTERN = "|".join(
    re.escape(name) for name in sorted([*NAMES, *_TEMPERATURE_WORDS], key=len, reverse=True)
)


def find(name: str) -> Unit | None:
    """The unit `name` says (in words_to_digits' spacing), or None."""
    if name in _TEMPERATURE_WORDS:
        return DEGREES
    return NAMES.get(name)


def convert(value: float, source: Unit, target: Unit) -> float:
    """`value` in `source` as `target`; ValueError if they measure different things."""
    if source == DEGREES:
        source = find("fahrenheit" if target.pint == "degC" else "celsius") or source
    if target == DEGREES:
        target = find("fahrenheit" if source.pint == "degC" else "celsius") or target
    pint = _pint()
    registry = _registry()
    try:
        result = registry.Quantity(value, source.pint).to(target.pint).magnitude
    except pint.DimensionalityError as e:
        fluid = _fluid(source), _fluid(target)
        if fluid == (source, target):
            raise ValueError(f"cannot turn {source.plural} into {target.plural}") from e
        return convert(value, *fluid)
    return float(result)


def _fluid(unit: Unit) -> Unit:
    """Ounces are fluid ounces when the other unit is a volume ("ounces in a cup")."""
    return NAMES["fluid ounce"] if unit.pint == "ounce" else unit


def number(value: float) -> str:
    """A converted value: three significant digits, never rounding away whole digits
    (8.05, 37.8, 15,840, 0.0283); whole numbers exactly."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    nearest = round(value)
    if abs(value - nearest) <= 1e-9 * max(1.0, abs(value)):
        return f"{nearest:,}"
    places = max(2 - math.floor(math.log10(abs(value))), 0)
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@functools.cache
def _pint() -> Any:
    import pint

    return pint


@functools.cache
def _registry() -> Any:
    """pint's registry, made on first use (about 0.4 s)."""
    registry = _pint().UnitRegistry()
    log.debug("pint unit registry ready")
    return registry
