"""Numbers said in words ("two hundred and five", "three point five", "a half") as digits."""

from __future__ import annotations

import re
from fractions import Fraction

_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_TEENS = "fifteen sixteen seventeen eighteen nineteen"
SMALL: dict[str, int] = {word: value for value, word in enumerate(f"{_UNITS} {_TEENS}".split())}
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
TENS: dict[str, int] = {word: 10 * value for value, word in enumerate(_TENS.split(), start=2)}
SCALES: dict[str, int] = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
FRACTIONS: dict[str, Fraction] = {
    "half": Fraction(1, 2),
    "halves": Fraction(1, 2),
    "third": Fraction(1, 3),
    "thirds": Fraction(1, 3),
    "quarter": Fraction(1, 4),
    "quarters": Fraction(1, 4),
}
_A_WORDS = {"hundred", "dozen", "half", "third", "quarter", *SCALES}  # "a hundred", "a half"
_TOKEN = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+|[a-z]+(?:['-][a-z]+)*|\S")


def tokens(text: str) -> list[str]:
    """Lowercase words, digits (thousands commas dropped) and single symbols; "fifty-six" is
    two words when both are number words."""
    out: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("’", "'")):
        parts = token.split("-")
        if len(parts) > 1 and all(_is_number_word(p) for p in parts):
            out.extend(parts)
        elif token[0].isdigit() or token[0] == ".":
            out.append(token.replace(",", ""))
        else:
            out.append(token)
    return out


def words_to_digits(text: str) -> str:
    """`text` as tokens joined by spaces, every number in words written in digits:
    "what is twelve times seven" → "what is 12 times 7"."""
    words = tokens(text)
    out: list[str] = []
    i = 0
    while i < len(words):
        parsed = parse_number(words, i)
        if parsed is None:
            out.append(words[i])
            i += 1
        else:
            value, i = parsed
            out.append(format_number(value))
    return " ".join(out)


def format_number(value: Fraction | int) -> str:
    """Digits, exactly: "12", "3.5", and "1/3" for a fraction with no end to its decimals."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    denominator, places = value.denominator, 0
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    while (value * 10**places).denominator != 1:
        places += 1
    return f"{float(value):.{places}f}"


def parse_number(words: list[str], i: int) -> tuple[Fraction, int] | None:
    """The number that starts at words[i] and the index just after it, or None."""
    start = i
    if words[i] in ("a", "an") and _at(words, i + 1) in _A_WORDS:
        value, i = Fraction(1), i + 1
        if words[i] in FRACTIONS:
            return FRACTIONS[words[i]], i + 1
    elif _is_digits(words[i]):
        value, i = Fraction(words[i]), i + 1
    elif words[i] in SMALL or words[i] in TENS:
        whole, i = _whole(words, i)
        value = Fraction(whole)
    elif words[i] == "point" and _is_digit_word(_at(words, i + 1)):
        value = Fraction(0)
    else:
        return None
    value, i = _scaled(words, i, value)
    value, i = _decimals(words, i, value)
    value, i = _fraction_after(words, i, value)
    return (value, i) if i > start else None


def _whole(words: list[str], i: int) -> tuple[int, int]:
    """An integer in words from words[i]: "two hundred and five thousand three" and the like."""
    total, current, last = 0, 0, ""
    while i < len(words):
        word = words[i]
        if word in SMALL or word in TENS:
            value = SMALL.get(word, TENS.get(word, 0))
            tens_then_unit = last == "tens" and 0 < value < 10
            if last and not tens_then_unit and last not in ("hundred", "scale", "and"):
                break  # "five six": two numbers
            current += value
            last = "tens" if word in TENS else "unit"
        elif word == "hundred" and last in ("unit", "tens") and current < 100:
            current, last = current * 100, "hundred"
        elif word == "dozen" and last in ("unit", "tens"):
            current, last = current * 12, "scale"
        elif word in SCALES and last in ("unit", "tens", "hundred"):
            total, current, last = total + current * SCALES[word], 0, "scale"
        elif word == "and" and last in ("hundred", "scale") and _whole_word(_at(words, i + 1)):
            last = "and"
        else:
            break
        i += 1
    return total + current, i


def _scaled(words: list[str], i: int, value: Fraction) -> tuple[Fraction, int]:
    """ "a hundred", "5 thousand", "1.5 million", "a dozen": the scale word after a number."""
    word = _at(words, i)
    if word == "hundred":
        value, i = value * 100, i + 1
        if _at(words, i) == "and" and _whole_word(_at(words, i + 1)):
            rest, i = _whole(words, i + 1)
            value += rest
        word = _at(words, i)
    if word in SCALES:
        value, i = value * SCALES[word], i + 1
    elif word == "dozen":
        value, i = value * 12, i + 1
    return value, i


def _decimals(words: list[str], i: int, value: Fraction) -> tuple[Fraction, int]:
    """ "point one four" after a number: one digit per word ("point fifteen" is 0.15 too)."""
    if _at(words, i) != "point" or not _is_digit_word(_at(words, i + 1)):
        return value, i
    digits = ""
    i += 1
    while _is_digit_word(_at(words, i)):
        word = words[i]
        digits += word if word.isdigit() else str(SMALL.get(word, TENS.get(word, 0)))
        i += 1
    return value + Fraction(int(digits), 10 ** len(digits)), i


def _fraction_after(words: list[str], i: int, value: Fraction) -> tuple[Fraction, int]:
    """ "one and a half", "three quarters", "two thirds"."""
    if _at(words, i) == "and" and _at(words, i + 1) in ("a", "an", "one"):
        part = FRACTIONS.get(_at(words, i + 2))
        if part is not None:
            return value + part, i + 3
    part = FRACTIONS.get(_at(words, i))
    if part is not None and value.denominator == 1 and 0 < value < 20:
        return value * part, i + 1
    return value, i


def _at(words: list[str], i: int) -> str:
    return words[i] if i < len(words) else ""


def _is_digits(word: str) -> bool:
    return bool(word) and (word[0].isdigit() or (word[0] == "." and word[1:2].isdigit()))


def _is_number_word(word: str) -> bool:
    return word in SMALL or word in TENS or word == "hundred" or word in SCALES


def _whole_word(word: str) -> bool:
    return word in SMALL or word in TENS


def _is_digit_word(word: str) -> bool:
    return word in SMALL or word in TENS or word.isdigit()
