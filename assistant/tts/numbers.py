"""Numbers in all their written forms (dates, times, money, units, ordinals) to words."""

from __future__ import annotations

import re
from collections.abc import Callable
from re import Match

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = (
    "", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion",
    "sextillion", "septillion", "octillion", "nonillion", "decillion",
)  # fmt: skip
MAX_DIGITS = 3 * len(_SCALES)  # longer numbers are read digit by digit
_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
             "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def digit_words(digits: str) -> str:
    """Read a string of ASCII digits one by one: "007" → "zero zero seven"."""
    return " ".join(_ONES[ord(c) - 48] for c in digits if "0" <= c <= "9")


def _hundreds(n: int) -> list[str]:
    words = [_ONES[n // 100], "hundred"] if n >= 100 else []
    n %= 100
    if n >= 20:
        words.append(_TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else ""))
    elif n:
        words.append(_ONES[n])
    return words


def cardinal(n: int) -> str:
    """1234 → "one thousand two hundred thirty-four" (digit by digit beyond decillions)."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n == 0:
        return "zero"
    if n >= 1000 ** len(_SCALES):
        return digit_words(str(n))
    words: list[str] = []
    for scale in range(len(_SCALES) - 1, -1, -1):
        chunk = n // 1000**scale % 1000
        if chunk:
            words += _hundreds(chunk) + ([_SCALES[scale]] if scale else [])
    return " ".join(words)


def ordinal(n: int) -> str:
    """22 → "twenty-second"."""
    words = cardinal(n)
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in _ORDINALS:
        return head + _ORDINALS[last]
    return head + (last[:-1] + "ieth" if last.endswith("y") else last + "th")


def year_words(n: int) -> str:
    """1984 → "nineteen eighty-four", 2005 → "two thousand five", 2010 → "twenty ten"."""
    if not 1000 <= n <= 9999 or 2000 <= n <= 2009 or n % 1000 == 0:
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    return f"{cardinal(high)} {'oh ' + _ONES[low] if low < 10 else cardinal(low)}"


def number_words(text: str) -> str:
    """A written number: "-1,234.5" → "minus one thousand two hundred thirty-four point five"."""
    sign = "minus " if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    whole = whole.replace(",", "")
    if len(whole) > MAX_DIGITS or (len(whole) > 1 and whole.startswith("0")):
        words = digit_words(whole)
    else:
        words = cardinal(int(whole)) if whole else ""
    if frac:
        words = f"{words} point {digit_words(frac)}".strip()
    return sign + words


def _plural(words: str) -> str:
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and 1100 <= int(digits) <= 2099


# ---------------------------------------------------------------- dates, times, money, units
_MONTH_NAMES = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?" \
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"  # fmt: skip
_MONTH_DAY = re.compile(
    rf"\b{_MONTH_NAMES}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\w:])(?:,?\s+(\d{{4}})(?!\d))?"
)
_DAY_MONTH = re.compile(
    rf"(?<![\d.,])(?:\b([Tt]he) )?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAMES}\b"
    r"(?:,?\s+(\d{4})(?!\d))?"
)
_DATE_PREPOSITIONS = frozenset({"on", "by", "until", "till", "from", "before", "after", "since"})
_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_US_DATE = re.compile(r"(?<![\d/.])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")
_FRACTION = re.compile(r"(?<![\d/.])(?:(\d+) )?(\d{1,2})/(\d{1,2})(?![\d/])")
_PHONE = re.compile(r"(?<![\d-])(?:\(\d{3}\) ?\d{3}-\d{4}|\d{3}-\d{3}-\d{4}|\d{3}-\d{4})(?![\d-])")
_AMPM = r"(?:\s?([AaPp])\.?[Mm]\b(?:\.(?= [a-z]|[,;:!?]))?)"
_TIME = re.compile(rf"(?<![\d:.])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?![\d:]){_AMPM}?")
_HOUR = re.compile(rf"(?<![\d:.])(1[0-2]|0?[1-9]){_AMPM}")
_FRACTIONS = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def _date(year: int | None, month: int, day: int, day_first: bool = False) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    name = MONTHS[month - 1]
    words = f"the {ordinal(day)} of {name}" if day_first else f"{name} {ordinal(day)}"
    return words if year is None else f"{words}, {year_words(year)}"


def _month_number(name: str) -> int:
    return [m[:3] for m in MONTHS].index(name[:3]) + 1


def _month_day(m: Match[str]) -> str:
    year = int(m[3]) if m[3] else None
    return _date(year, _month_number(m[1]), int(m[2])) or m[0]


def _day_month(m: Match[str]) -> str:
    year = int(m[4]) if m[4] else None
    words = _date(year, _month_number(m[3]), int(m[2]), day_first=True)
    if words is None:
        return m[0]
    if m[1]:
        return m[1] + words[3:]  # keep the text's own "The"
    before = m.string[max(m.start() - 8, 0) : m.start()].split()
    return words if not before or before[-1].lower() in _DATE_PREPOSITIONS else words[4:]


def _iso_date(m: Match[str]) -> str:
    return _date(int(m[1]), int(m[2]), int(m[3])) or m[0]


def _us_date(m: Match[str]) -> str:
    first, second, year = int(m[1]), int(m[2]), int(m[3])
    if len(m[3]) == 2:
        year += 2000 if year < 50 else 1900
    if first > 12 >= second:  # 15/3/2024 can only be day first
        first, second = second, first
    return _date(year, first, second) or m[0]


def _fraction(m: Match[str]) -> str:
    num, den = int(m[2]), int(m[3])
    if 0 < num < den <= 10:
        single, plural = _FRACTIONS.get(den, (ordinal(den), _plural(ordinal(den))))
        part = f"{cardinal(num)} {plural}" if num > 1 else single
        if m[1]:
            return f"{number_words(m[1])} and {'a ' + part if num == 1 else part}"
        return f"one {part}" if num == 1 else part
    lead = number_words(m[1]) + " " if m[1] else ""
    return lead + (_date(None, num, den) or f"{number_words(m[2])} {number_words(m[3])}")


def _phone(m: Match[str]) -> str:
    return ", ".join(digit_words(group) for group in re.findall(r"\d+", m[0]))


def _time(m: Match[str]) -> str:
    hour, minute, ampm = int(m[1]), int(m[2]), m[4]
    said = cardinal(12 if hour == 0 and ampm else hour)
    if minute == 0:
        if ampm:
            words = said
        elif hour == 0:
            words = "midnight"
        else:
            words = f"{said} o'clock" if hour <= 12 else f"{said} hundred"
    else:
        words = f"{said} {'oh ' + _ONES[minute] if minute < 10 else cardinal(minute)}"
    if m[3] and int(m[3]):
        words += f" and {cardinal(int(m[3]))} second{'s' if int(m[3]) != 1 else ''}"
    return f"{words} {ampm.upper()} M" if ampm else words


def _hour(m: Match[str]) -> str:
    return f"{cardinal(int(m[1]))} {m[2].upper()} M"


_NUM = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
_RANGE = rf"(?<![\d.,])({_NUM})(?:\s?[–-]\s?({_NUM}))?"
_CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
               "£": ("pound", "pounds", "penny", "pence"), "¥": ("yen", "yen", "", ""),
               "₹": ("rupee", "rupees", "paisa", "paise")}  # fmt: skip
_SCALE_WORDS = {"k": "thousand", "K": "thousand", "m": "million", "M": "million",
                "bn": "billion", "b": "billion", "B": "billion"}  # fmt: skip
_MONEY = re.compile(
    rf"(?<![\w$€£¥₹])([$€£¥₹]) ?({_NUM})"
    r"(?: ?(thousand|million|billion|trillion)\b|(k|K|m|M|bn|b|B)\b)?"
)
_TRAILING_CURRENCY = re.compile(rf"(?<![\d.,])({_NUM}) ?([€£¢])")
_PERCENT = re.compile(rf"{_RANGE} ?%")
_UNITS: dict[str, tuple[str, str]] = {
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "mph": ("mile per hour", "miles per hour"),
    "km": ("kilometer", "kilometers"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "m": ("meter", "meters"),
    "kg": ("kilogram", "kilograms"),
    "mg": ("milligram", "milligrams"),
    "g": ("gram", "grams"),
    "ml": ("milliliter", "milliliters"),
    "mL": ("milliliter", "milliliters"),
    "L": ("liter", "liters"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"),
    "KB": ("kilobyte", "kilobytes"),
    "kB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"),
    "Hz": ("hertz", "hertz"),
    "kHz": ("kilohertz", "kilohertz"),
    "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"),
    "ms": ("millisecond", "milliseconds"),
    "sec": ("second", "seconds"),
    "min": ("minute", "minutes"),
    "h": ("hour", "hours"),
    "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "ft": ("foot", "feet"),
    "mi": ("mile", "miles"),
    "yd": ("yard", "yards"),
    "kW": ("kilowatt", "kilowatts"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
}
_UNIT = re.compile(
    rf"{_RANGE} ?("
    + "|".join(map(re.escape, sorted(_UNITS, key=len, reverse=True)))
    + r")(?![^\W_])"
)


def _money(m: Match[str]) -> str:
    single, plural, cent, cents = _CURRENCIES[m[1]]
    amount = m[2].replace(",", "")
    scale = m[3] or _SCALE_WORDS.get(m[4] or "")
    if scale:
        return f"{number_words(amount)} {scale} {plural}"
    whole, _, frac = amount.partition(".")
    if frac and (len(frac) != 2 or not cent):
        return f"{number_words(amount)} {plural}"
    words = number_words(whole)
    words += " " + (single if words == "one" else plural)
    if frac and int(frac):
        change = f"{cardinal(int(frac))} {cent if int(frac) == 1 else cents}"
        return change if int(whole[:MAX_DIGITS] or "0") == 0 else f"{words} and {change}"
    return words


def _trailing_currency(m: Match[str]) -> str:
    if m[2] == "¢":
        return f"{number_words(m[1])} {'cent' if m[1] == '1' else 'cents'}"
    return f"{m[2]}{m[1]}"


def _quantity(m: Match[str], single: str, plural: str) -> str:
    if m[2]:
        return f"{number_words(m[1])} to {number_words(m[2])} {plural}"
    return f"{number_words(m[1])} {single if m[1] == '1' else plural}"


def _unit(m: Match[str]) -> str:
    return _quantity(m, *_UNITS[m[3]])


def _percent(m: Match[str]) -> str:
    return _quantity(m, "percent", "percent")


# ---------------------------------------------------------------- plain numbers
_MINUS = re.compile(r"(?<![^\s(\[])-(?=[$€£¥₹]?\.?\d)")
_DEGREE_SPACE = re.compile(r"° ([CF])\b")
_NUMBER_RANGE = re.compile(r"(?<![\d.,:/])(\d{1,4}) ?[–-] ?(\d{1,4})(?![\d:/]|[.,]\d)")
_ORDINAL = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th|ST|ND|RD|TH)(?![^\W_])")
_DECADE = re.compile(r"(?<![\d.,])(1\d|20)(\d0)'?s(?![^\W_])")
_SHORT_DECADE = re.compile(r"(?<![\w'])'?([1-9]0)'?s(?![^\W_])")
_VERSION = re.compile(r"(?<![\d.])\d+(?:\.\d+){2,}(?!\d)")
_LEADING_DECIMAL = re.compile(r"(?<![\w.])\.(\d+)")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_POWER_OF = re.compile(r"(?<=\d) ?(?:\*\*|\^) ?(?=\d)")
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!\d)")
_DIGITS = re.compile(r"\d+")
_NEXT_WORD = re.compile(r" ([a-z]+)")
_YEAR_CONTEXT = frozenset(
    {
        "in", "since", "by", "of", "from", "to", "until", "till", "during", "before", "after",
        "around", "circa", "year", "early", "late", "mid", "summer", "winter", "spring", "autumn",
        "between", "about", "the"
    }
)  # fmt: skip
_NOT_PLURAL = frozenset({"was", "has", "is", "as", "its", "this", "thus", "his", "yes", "always"})


def _number_range(m: Match[str]) -> str:
    first, last = m[1], m[2]
    if _is_year(first):
        end = year_words(int(last)) if _is_year(last) else number_words(last)
        return f"{year_words(int(first))} to {end}"
    return f"{number_words(first)} to {number_words(last)}"


def _ordinal(m: Match[str]) -> str:
    digits = m[1].replace(",", "")
    return digit_words(digits) if len(digits) > MAX_DIGITS else ordinal(int(digits))


def _number(m: Match[str]) -> str:
    if m[2] is None and _is_year(m[1]) and _reads_as_year(m):
        return year_words(int(m[1]))
    return number_words(m[0])


def _reads_as_year(m: Match[str]) -> bool:
    """A plausible year unless it counts something: "in 1308" but "1308 prisoners"."""
    before = m.string[max(m.start() - 12, 0) : m.start()].split()
    if before and (before[-1].lower() in _YEAR_CONTEXT or before[-1] in MONTHS):
        return True
    after = _NEXT_WORD.match(m.string, m.end())
    return not (after and after[1].endswith("s") and after[1] not in _NOT_PLURAL)


Rule = tuple[re.Pattern[str], str | Callable[[Match[str]], str]]
DATE_TIME_RULES: tuple[Rule, ...] = (
    (_PHONE, _phone),
    (_ISO_DATE, _iso_date),
    (_US_DATE, _us_date),
    (_MONTH_DAY, _month_day),
    (_DAY_MONTH, _day_month),
    (_TIME, _time),
    (_HOUR, _hour),
)
AMOUNT_RULES: tuple[Rule, ...] = (
    (_MINUS, "minus "),
    (_TRAILING_CURRENCY, _trailing_currency),
    (_MONEY, _money),
    (_PERCENT, _percent),
    (_DEGREE_SPACE, r"°\1"),
    (_UNIT, _unit),
    (_FRACTION, _fraction),
    (_NUMBER_RANGE, _number_range),
    (_ORDINAL, _ordinal),
    (_DECADE, lambda m: _plural(year_words(int(m[1] + m[2])))),
    (_SHORT_DECADE, lambda m: _plural(cardinal(int(m[1])))),
)
NUMBER_RULES: tuple[Rule, ...] = (
    (_LETTER_DIGIT, " "),
    (_POWER_OF, " to the power of "),
    (_VERSION, lambda m: " dot ".join(number_words(part) for part in m[0].split("."))),
    (_LEADING_DECIMAL, lambda m: "point " + digit_words(m[1])),
    (_NUMBER, _number),
    (_DIGITS, lambda m: number_words(m[0])),
)
