"""Arithmetic, percentages and unit conversions, in words or digits, answered aloud with units."""

from __future__ import annotations

import ast
import logging
import math
import re
from collections.abc import Callable
from fractions import Fraction

from assistant.reply import units
from assistant.reply.numberwords import format_number, words_to_digits

log = logging.getLogger(__name__)

DIVIDE_BY_ZERO = "I can't divide by zero."
TOO_BIG = "That number is too big for me to say."
NO_ROOT = "A negative number has no real square root."
MAX_CHARS = 200  # longer text is no sum someone says aloud
MAX_POWER_BITS = 4000  # 2 to the 4000 has 1,205 digits; more is not worth saying
SCIENTIFIC_FROM = 10**15  # past this a number is said as "about 1.27 times 10 to the power of 30"

NUM = r"-?\d+(?:\.\d+)?(?:/\d+)?"
UNIT = f"(?:{units.PATTERN})"
_PERCENT = r"(?:%|percent|per cent|pc)"

_LEADS = re.compile(
    r"(?:hey|hi|hello|ok|okay|so|um|uh|er|well|alright|right|and|now|then|please|quick question|"
    r"assistant|computer|can you|could you|would you|will you|do you know|tell me|i want to know|"
    r"i'd like to know|work out|figure out|calculate|compute|solve|evaluate|quickly|exactly|"
    r"what's|whats|what is|what are|how much is|how much are|what does|what do|what would|"
    r"the answer to|the result of|the value of|,|:) "
)
_NEGATIVE = re.compile(r"(^|\b(?:of|in|is|to|from|by|than|what's) )(?:-|minus|negative) (?=\d)")
_TRAILS = re.compile(
    r" (?:please|thanks|thank you|for me|equal|equals|make|come to|give|give me|exactly|then|"
    r"is|be|[?.!,])$"
)


class TooBig(ValueError):
    """A result too large to be worth saying."""


def calculate(text: str) -> str | None:
    """The spoken answer with units ("15 percent of 80 is 12."), None if `text` is no calculation.

    Never raises and never runs code: expressions are read by a small evaluator over Python's
    `ast` that knows numbers and + - * / ** % only.
    """
    if len(text) > MAX_CHARS or not text.strip():
        return None
    try:
        said = _prepare(text)
        for rule in _RULES:
            answer = rule(said)
            if answer is not None:
                return answer
    except ZeroDivisionError:
        return DIVIDE_BY_ZERO
    except TooBig:
        return TOO_BIG
    except Exception:  # a calculator must never break a turn
        log.exception("could not calculate %r", text)
    return None


def _prepare(text: str) -> str:
    """Lowercase tokens, numbers in digits, without "hey, what's" before or "please?" after."""
    said = _NEGATIVE.sub(r"\1-", words_to_digits(text))
    while True:
        trimmed = _TRAILS.sub("", _LEADS.sub("", said, count=1) if _LEADS.match(said) else said)
        if trimmed == said:
            return said.strip()
        said = trimmed


# ---------------------------------------------------------------- percentages and fractions


def _percent(said: str) -> str | None:
    if m := re.fullmatch(f"({NUM}) {_PERCENT} of ({NUM})", said):
        part, whole = _number(m[1]), _number(m[2])
        return f"{_say(part)} percent of {_say(whole)} is {_say(part * whole / 100)}."
    if m := re.fullmatch(f"what (?:{_PERCENT}|percentage) of ({NUM}) is ({NUM})", said):
        return _share(_number(m[2]), _number(m[1]))
    if m := re.fullmatch(f"what (?:{_PERCENT}|percentage) is ({NUM}) of ({NUM})", said):
        return _share(_number(m[1]), _number(m[2]))
    if m := re.fullmatch(f"({NUM}) is what (?:{_PERCENT}|percentage) of ({NUM})", said):
        return _share(_number(m[1]), _number(m[2]))
    if m := re.fullmatch(f"({NUM}) (plus|minus|\\+|-) ({NUM}) {_PERCENT}", said):
        base, rate = _number(m[1]), _number(m[3])
        sign, word = (1, "plus") if m[2] in ("plus", "+") else (-1, "minus")
        return (
            f"{_say(base)} {word} {_say(rate)} percent is {_say(base * (1 + sign * rate / 100))}."
        )
    if m := re.fullmatch(f"({NUM}) {_PERCENT} (?:off|discount on|off of) ({NUM})", said):
        rate, base = _number(m[1]), _number(m[2])
        return f"{_say(base)} with {_say(rate)} percent off is {_say(base * (1 - rate / 100))}."
    return None


def _share(part: Fraction, whole: Fraction) -> str:
    return f"{_say(part)} is {_say(part / whole * 100)} percent of {_say(whole)}."


_MULTIPLES = {"half": Fraction(1, 2), "double": Fraction(2), "twice": Fraction(2)}
_MULTIPLES |= {"triple": Fraction(3)}
_FRACTION_NAMES = {Fraction(1, 2): "Half", Fraction(1, 3): "A third", Fraction(2, 3): "Two thirds"}
_FRACTION_NAMES |= {Fraction(1, 4): "A quarter", Fraction(3, 4): "Three quarters"}


def _fraction_of(said: str) -> str | None:
    """ "half of 50", "a third of 90" (words_to_digits made it "1/3 of 90"), "double 21"."""
    words = "|".join(_MULTIPLES)
    m = re.fullmatch(f"(?:(half)(?: of)?|({words})|({NUM}) of) ({NUM})", said)
    if m is None:
        return None
    value = _number(m[4])
    if m[2]:
        return f"{m[2].capitalize()} {_say(value)} is {_say(_MULTIPLES[m[2]] * value)}."
    factor = _MULTIPLES["half"] if m[1] else _number(m[3])
    name = _FRACTION_NAMES.get(factor) or _say(factor).capitalize()
    return f"{name} of {_say(value)} is {_say(factor * value)}."


def _root(said: str) -> str | None:
    m = re.fullmatch(f"(?:the )?(square|cube) root of ({NUM})", said)
    if m is None:
        return None
    value = _number(m[2])
    if m[1] == "square":
        if value < 0:
            return NO_ROOT
        root: Fraction | float = _exact_root(value, 2)
    else:
        root = math.copysign(_exact_root(abs(value), 3), value)
    return f"The {m[1]} root of {_say(value)} is {_say(root)}."


def _exact_root(value: Fraction, n: int) -> Fraction | float:
    guess = round(float(value) ** (1 / n))
    if value.denominator == 1 and guess**n == value:
        return Fraction(guess)
    return float(value) ** (1 / n)


# ---------------------------------------------------------------- units


def _convert(said: str) -> str | None:
    m = re.fullmatch(
        f"(?:convert |change |turn )?(?:({NUM}) )?({UNIT}) (?:in|to|into|as) ({UNIT})", said
    )
    if m:
        return _conversion(m[1], m[2], m[3])
    if m := re.fullmatch(f"how many ({UNIT}) (?:is|are|make|equals?) ({NUM}) ({UNIT})", said):
        return _conversion(m[2], m[3], m[1])
    m = re.fullmatch(
        f"how (?:many|much) ({UNIT}) (?:are |is )?(?:there )?(?:in|per|to|make) "
        f"(?:(a|an|{NUM}) )?({UNIT})",
        said,
    )
    if m is None:
        return None
    source, target = units.find(m[3]), units.find(m[1])
    if source is None or target is None:
        return None
    amount = Fraction(1) if m[2] in (None, "a", "an") else _number(m[2])
    value = units.convert(float(amount), source, target)
    whole = source.say(_say(amount), 2)
    if amount == 1:
        whole = ("an " if source.singular[0] in "aeiouh" else "a ") + source.singular
    are = "is" if value == 1 else "are"
    return f"There {are} {target.say(units.number(value), value)} in {whole}."


def _conversion(amount_text: str | None, source_name: str, target_name: str) -> str | None:
    source, target = units.find(source_name), units.find(target_name)
    if source is None or target is None or source == target:
        return None
    amount = _number(amount_text) if amount_text else Fraction(1)
    value = units.convert(float(amount), source, target)
    if source == units.DEGREES:
        source = units.find("fahrenheit" if target.pint == "degC" else "celsius") or source
    said = source.say(_say(amount), float(amount))
    return f"{said[0].upper()}{said[1:]} is {target.say(units.number(value), value)}."


# ---------------------------------------------------------------- arithmetic

_VERB_FORMS = (
    (r"(?:the )?sum of (.+) and (.+)", r"\1 plus \2"),
    (r"add (.+) (?:to|and) (.+)", r"\1 plus \2"),
    (r"subtract (.+) from (.+)", r"\2 minus \1"),
    (r"(?:the )?difference between (.+) and (.+)", r"\1 minus \2"),
    (r"multiply (.+) (?:by|and|with) (.+)", r"\1 times \2"),
    (r"(?:the )?product of (.+) and (.+)", r"\1 times \2"),
    (r"divide (.+) by (.+)", r"\1 divided by \2"),
)
_OPERATORS = tuple(
    (re.compile(pattern), symbol)
    for pattern, symbol in (
        (r"\bto the power of\b|\bto the\b|\^|\* \*", " ** "),
        (r"(?<=\d) (?:th|st|nd|rd)\b(?: power\b)?", ""),
        (r"\bsquared\b", " ** 2"),
        (r"\bcubed\b", " ** 3"),
        (r"\b(?:plus|added to|and)\b", " + "),
        (r"\b(?:minus|take away|less|negative)\b", " - "),
        (r"\b(?:times|multiplied by|x)\b|×", " * "),
        (r"\b(?:divided by|over)\b|÷", " / "),
        (r"\b(?:modulo|modulus|mod)\b", " % "),
    )
)
_EXPRESSION = re.compile(r"[\d.\s+\-*/%()]+")
_BINARY = re.compile(r"[\d)]\s*(?:\*\*|[+\-*/%])\s*[\d(\-]")
_TOKENS = re.compile(r"\*\*|\d+(?:\.\d+)?|[-+*/%()]")
_WORDS = {"+": "plus", "-": "minus", "*": "times", "/": "divided by", "%": "modulo"}


def _arithmetic(said: str) -> str | None:
    expression = said
    for pattern, infix in _VERB_FORMS:
        expression = re.sub(f"^{pattern}$", infix, expression)
    for operator, symbol in _OPERATORS:
        expression = operator.sub(symbol, expression)
    expression = " ".join(expression.split())
    if not _EXPRESSION.fullmatch(expression) or not _BINARY.search(expression):
        return None
    value = evaluate(expression)
    return f"{_spoken(expression)} is {_say(value)}."


def evaluate(expression: str) -> Fraction | float:
    """The value of an expression of numbers and + - * / ** % (exact where it can be).
    ValueError for anything else; ZeroDivisionError; TooBig for a huge power."""
    tree = ast.parse(expression.strip(), mode="eval")
    if sum(1 for _ in ast.walk(tree)) > 100:
        raise ValueError("too long an expression")
    return _value(tree.body)


def _value(node: ast.AST) -> Fraction | float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Fraction(repr(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _value(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left), _value(node.right)
        operation = _BINARY_OPERATIONS.get(type(node.op))
        if operation is not None:
            return operation(left, right)
    raise ValueError(f"not arithmetic: {ast.dump(node)[:80]}")


def _power(base: Fraction | float, exponent: Fraction | float) -> Fraction | float:
    if isinstance(exponent, Fraction) and exponent.denominator == 1:
        if abs(exponent) * _bits(base) > MAX_POWER_BITS:
            raise TooBig("too big")
        if abs(exponent) > MAX_POWER_BITS:  # a base near 1: said as a float
            return float(base) ** float(exponent)
        return base**exponent.numerator
    if base < 0:
        raise ValueError("no real root of a negative number")
    return float(base) ** float(exponent)


def _bits(value: Fraction | float) -> float:
    """About log2 of |value| where that is above 0 (how fast its powers grow), else 0."""
    if isinstance(value, Fraction):
        return max(abs(value.numerator).bit_length() - value.denominator.bit_length(), 0)
    return math.log2(abs(value)) if abs(value) > 1 else 0.0


_BINARY_OPERATIONS: dict[type, Callable[[Fraction | float, Fraction | float], Fraction | float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: _power,
}


def _spoken(expression: str) -> str:
    """ "12 * 7" → "12 times 7"; long or bracketed expressions → "The answer"."""
    parts = _TOKENS.findall(expression)
    operators = [p for p in parts if p in _WORDS or p == "**"]
    if "(" in parts or len(operators) > 3:
        return "The answer"
    words: list[str] = []
    for i, part in enumerate(parts):
        unary = part == "-" and (i == 0 or parts[i - 1] in _WORDS or parts[i - 1] == "**")
        if unary:
            words.append("-")
        elif part == "**":
            following = parts[i + 1] if i + 1 < len(parts) else ""
            words.append({"2": "squared", "3": "cubed"}.get(following, "to the power of"))
        elif part in _WORDS:
            words.append(_WORDS[part])
        elif words and words[-1] in ("squared", "cubed"):
            continue
        else:
            words.append(_say(_number(part)))
    return " ".join(words).replace("- ", "-")


# ---------------------------------------------------------------- numbers


def _number(text: str) -> Fraction:
    return Fraction(text)


def _say(value: Fraction | float) -> str:
    """A number to say: exact when short ("84", "7.5"), else "about 3.333"."""
    if isinstance(value, Fraction) and value.denominator == 1:
        digits = str(abs(value.numerator))
        if abs(value) >= SCIENTIFIC_FROM and len(digits.rstrip("0")) > 3:
            return _scientific(float(value))
        return f"{value.numerator:,}"
    if isinstance(value, Fraction):
        exact = format_number(value)
        if "/" not in exact and len(exact.split(".")[-1]) <= 4:
            return exact
    number = float(value)
    if abs(number) >= SCIENTIFIC_FROM:
        return _scientific(number)
    if number == round(number):
        return f"{round(number):,}"
    places = max(3 - math.floor(math.log10(abs(number))), 0)
    return "about " + f"{number:,.{places}f}".rstrip("0").rstrip(".")


def _scientific(number: float) -> str:
    exponent = math.floor(math.log10(abs(number)))
    mantissa = f"{number / 10**exponent:.2f}".rstrip("0").rstrip(".")
    return f"about {mantissa} times 10 to the power of {exponent}"


_RULES: tuple[Callable[[str], str | None], ...] = (
    _percent,
    _root,
    _convert,
    _fraction_of,
    _arithmetic,
)
