"""The calculator: sums, percentages and unit conversions in words or digits, said with units."""

import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.reply import calculator, units
from assistant.reply.calculator import calculate, evaluate
from assistant.reply.numberwords import words_to_digits


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        # the brief's examples, typed or recognised
        ("what's 15 percent of 80", "15 percent of 80 is 12."),
        ("what is twelve times seven", "12 times 7 is 84."),
        ("convert 5 miles to kilometers", "5 miles is 8.05 kilometers."),
        ("how many minutes in an hour", "There are 60 minutes in an hour."),
        ("how many ounces in a pound", "There are 16 ounces in a pound."),
        ("100 fahrenheit in celsius", "100 degrees Fahrenheit is 37.8 degrees Celsius."),
        ("60 mph in km/h", "60 miles per hour is 96.6 kilometers per hour."),
        ("what is 2 to the power of 10", "2 to the power of 10 is 1,024."),
        ("square root of 81", "The square root of 81 is 9."),
        # phrasings around them
        ("Hi, what's 7 times 8?", "7 times 8 is 56."),
        ("hey how much is 25 plus 17", "25 plus 17 is 42."),
        ("What is 9 minus 13?", "9 minus 13 is -4."),
        ("what is 144 divided by 12", "144 divided by 12 is 12."),
        ("what's 12x7", "12 times 7 is 84."),
        ("what is 3 squared plus 4 squared", "3 squared plus 4 squared is 25."),
        ("what is 2 to the 10th power", "2 to the power of 10 is 1,024."),
        ("subtract 3 from 10", "10 minus 3 is 7."),
        ("what's the sum of two hundred and five and three", "205 plus 3 is 208."),
        ("what's 17 mod 5", "17 modulo 5 is 2."),
        ("(3+4)*2", "The answer is 14."),
        ("what's 0.1 + 0.2", "0.1 plus 0.2 is 0.3."),  # exact, not 0.30000000000000004
        ("what is one and a half times four", "1.5 times 4 is 6."),
        ("what is three point five times two", "3.5 times 2 is 7."),
        ("what is 10 divided by 3", "10 divided by 3 is about 3.333."),
        ("What is 1000 minus 1?", "1,000 minus 1 is 999."),
        # percentages and fractions
        ("what percent of 80 is 12", "12 is 15 percent of 80."),
        ("12 is what percent of 80", "12 is 15 percent of 80."),
        ("80 plus 15 percent", "80 plus 15 percent is 92."),
        ("what is 50 percent off 80", "80 with 50 percent off is 40."),
        ("what's twenty percent of one hundred and fifty", "20 percent of 150 is 30."),
        ("what is half of 50", "Half of 50 is 25."),
        ("a third of 90", "A third of 90 is 30."),
        ("what is double 21", "Double 21 is 42."),
        ("cube root of 27", "The cube root of 27 is 3."),
        ("square root of 2", "The square root of 2 is about 1.414."),
        # conversions: time, length, weight, volume, temperature, speed
        ("how many seconds in a day", "There are 86,400 seconds in a day."),
        ("how many minutes in 2.5 hours", "There are 150 minutes in 2.5 hours."),
        ("how many feet in a mile", "There are 5,280 feet in a mile."),
        ("how many centimeters in an inch", "There are 2.54 centimeters in an inch."),
        ("how many kilometers is 5 miles", "5 miles is 8.05 kilometers."),
        ("convert 10 kilometers to miles", "10 kilometers is 6.21 miles."),
        ("what is 70 kg in pounds", "70 kilograms is 154 pounds."),
        ("how many grams in a kilogram", "There are 1,000 grams in a kilogram."),
        ("how many ounces in a cup", "There are 8 ounces in a cup."),  # fluid ounces
        ("convert 2 liters to cups", "2 liters is 8.45 cups."),
        ("30 celsius in fahrenheit", "30 degrees Celsius is 86 degrees Fahrenheit."),
        ("minus 40 celsius in fahrenheit", "-40 degrees Celsius is -40 degrees Fahrenheit."),
        ("0 kelvin in celsius", "0 kelvin is -273 degrees Celsius."),
        ("what's 100 degrees in celsius", "100 degrees Fahrenheit is 37.8 degrees Celsius."),
        ("what's 100 km/h in mph", "100 kilometers per hour is 62.1 miles per hour."),
    ],
)
def test_calculations_are_answered_with_units(said: str, answer: str) -> None:
    assert calculate(said) == answer


@pytest.mark.parametrize(
    "said",
    [
        "what is the capital of france",
        "how many legs does a spider have",
        "how many continents are there",
        "what is the freezing point of water",
        "how many hours should a teenager sleep",
        "how much time does it take to boil an egg",
        "what time is it in 2 hours",
        "what's the date in 30 days",
        "time in a bottle lyrics",
        "what year did world war two end",
        "what day of the week was july 4 1776",
        "how many days until christmas",
        "what is 5",
        "minus four",
        "tell me a story about 3 bears and 7 dwarves",
        "convert 5 miles to kilograms",  # different things: the model can explain
        "",
        "   ",
    ],
)
def test_ordinary_questions_are_left_to_the_model(said: str) -> None:
    assert calculate(said) is None


def test_no_code_is_ever_run() -> None:
    for said in (
        "__import__('os').system('touch /tmp/pwned')",
        "what is 2 plus __import__('os')",
        "(lambda: 1)() plus 2",
        "what's 1e5 plus 1",
        "what is 3 plus 4; import os",
    ):
        assert calculate(said) is None
    with pytest.raises(ValueError):
        evaluate("__import__('os')")
    with pytest.raises(ValueError):
        evaluate("[1, 2]")


def test_division_by_zero_and_huge_numbers_are_said_plainly() -> None:
    assert calculate("what is 10 divided by 0") == calculator.DIVIDE_BY_ZERO
    assert calculate("17 mod 0") == calculator.DIVIDE_BY_ZERO
    assert calculate("what is 0 to the power of -1") == calculator.DIVIDE_BY_ZERO
    started = time.perf_counter()
    assert calculate("9**9**9**9") == calculator.TOO_BIG
    assert calculate("what is 2 to the power of 100000") == calculator.TOO_BIG
    assert time.perf_counter() - started < 1  # refused, not computed
    assert calculate("square root of -4") == calculator.NO_ROOT
    assert calculate("what is 2 to the power of 100") == (
        "2 to the power of 100 is about 1.27 times 10 to the power of 30."
    )


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("twelve times seven", "12 times 7"),
        ("two hundred and five", "205"),
        ("a hundred and ten", "110"),
        ("one million two hundred thousand", "1200000"),
        ("one hundred twenty three thousand four hundred fifty six", "123456"),
        ("three point one four", "3.14"),
        ("point five", "0.5"),
        ("a half", "0.5"),
        ("one and a half", "1.5"),
        ("three quarters", "0.75"),
        ("a third", "1/3"),
        ("two dozen", "24"),
        ("5 thousand", "5000"),
        ("fifty-six", "56"),
        ("1,024", "1024"),
        ("nineteen eighty four", "19 84"),
        ("how many legs does a spider have", "how many legs does a spider have"),
        ("what's up", "what's up"),
    ],
)
def test_number_words(words: str, digits: str) -> None:
    assert words_to_digits(words) == digits


@pytest.mark.parametrize(
    ("value", "said"),
    [(8.04672, "8.05"), (37.7778, "37.8"), (15840.0, "15,840"), (0.028317, "0.0283")],
)
def test_conversions_keep_three_significant_digits_but_every_whole_digit(
    value: float, said: str
) -> None:
    assert units.number(value) == said


def test_every_unit_name_converts_within_its_kind() -> None:
    for name, unit in units.NAMES.items():
        assert units.convert(1.0, unit, unit) == pytest.approx(1.0, rel=1e-9), name


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_it_never_raises_on_any_text(text: str) -> None:
    answer = calculate(text)
    assert answer is None or answer.endswith(".")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-10_000, 10_000),
    st.sampled_from(["plus", "minus", "times", "divided by"]),
    st.integers(-10_000, 10_000),
)
def test_integer_arithmetic_is_exact(a: int, operator: str, b: int) -> None:
    symbol = {"plus": "+", "minus": "-", "times": "*", "divided by": "/"}[operator]
    if symbol == "/" and b == 0:
        assert calculate(f"what is {a} {operator} {b}") == calculator.DIVIDE_BY_ZERO
        return
    value = evaluate(f"({a}) {symbol} ({b})")
    assert value == {"+": a + b, "-": a - b, "*": a * b, "/": Fraction(a, b or 1)}[symbol]
    answer = calculate(f"what is {a} {operator} {b}")
    assert answer is not None
    if isinstance(value, Fraction) and value.denominator == 1:
        assert answer.endswith(f" is {value.numerator:,}.")
