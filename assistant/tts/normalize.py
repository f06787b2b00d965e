"""Text normalisation: numbers, dates, money, units, abbreviations and symbols to speakable words.

Emoji and other pictographs are dropped (a voice reading "smiling face with smiling eyes" aloud
is worse than silence). The output holds words, apostrophes and hyphens inside words, and the
pauses , . ? ! ; : and " — ", separated by single spaces.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from re import Match

from assistant.tts.numbers import (
    AMOUNT_RULES,
    DATE_TIME_RULES,
    MONTHS,
    NUMBER_RULES,
    Rule,
    cardinal,
    digit_words,
    ordinal,
)
from assistant.tts.phonemes import cmu_dict, read_initialism

# ---------------------------------------------------------------- unicode clean-up
_PUNCT_MAP = str.maketrans({
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "‹": '"', "›": '"', "″": '"',
    "〝": '"', "〞": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "‐": "-", "‑": "-", "−": "-", "‒": "–", "―": "—", "⁄": "/", "∕": "/", "…": "...",
    "、": ",", "。": ".", "،": ",", "؟": "?", "؛": ";", "‽": "?", "¿": "", "¡": "",
    "™": "", "®": "", "©": "", "²": " squared", "³": " cubed", "\u2028": "\n", "\u2029": "\n\n",
    "¼": " 1/4", "½": " 1/2", "¾": " 3/4", "⅓": " 1/3", "⅔": " 2/3", "⅛": " 1/8",
})  # fmt: skip
_SUPERSCRIPTS = str.maketrans("⁰¹⁴⁵⁶⁷⁸⁹", "01456789")
_POWER = re.compile(r"(?<=\d)([⁰¹⁴-⁹]+)|[⁰¹⁴-⁹]+")
_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=8192)
def _clean_char(ch: str) -> str:
    """Drop controls, marks, emoji and other pictographs; ASCII digits for every script's digits."""
    cat = unicodedata.category(ch)
    if ch == "\n" or cat[0] in "LPN" or cat in ("Sm", "Sc") or ch in "°^`":
        return str(unicodedata.digit(ch)) if cat == "Nd" else ch
    return " " if cat[0] == "Z" or cat == "Cc" else ""


def _power(m: Match[str]) -> str:
    if m[1] is None:  # a footnote mark after a word
        return ""
    return " to the power of " + m[1].translate(_SUPERSCRIPTS)


def _clean_unicode(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_PUNCT_MAP)
    text = _POWER.sub(_power, text)
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP)
    text = "".join(map(_clean_char, text))
    text = _PARAGRAPH.sub(" . ", text)
    return _SPACES.sub(" ", text)


# ---------------------------------------------------------------- URLs and e-mail addresses
_TLDS = "com|org|net|edu|gov|io|ai|dev|app|co|uk|de|fr|info|biz|us|ca|au|jp|tv|me|eu|nl|ch"
_URL = re.compile(
    r"(?<![\w@./-])(?:(?:https?|ftp)://|www\.)[^\s<>\"]+"
    rf"|(?<![\w@./-])(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:{_TLDS})(?![\w@-])(?:/[^\s<>\"]*)?"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_SYMBOLS = {
    ".": "dot", "/": "slash", "@": "at", "-": "dash", "_": "underscore", "+": "plus",
    ":": "colon", "?": "question mark", "=": "equals", "&": "and", "#": "hash",
}  # fmt: skip
_URL_PIECES = re.compile(r"[^\W\d_]+|\d+|.")


def _address_words(address: str) -> str:
    words = []
    for piece in _URL_PIECES.findall(address):
        if piece.isdigit():
            words.append(digit_words(piece))
        elif piece.isalpha():
            words.append(" ".join(piece.upper()) if piece.lower() == "www" else piece)
        elif piece in _URL_SYMBOLS:
            words.append(_URL_SYMBOLS[piece])
    return " ".join(words)


def _say_url(url: str) -> str:
    without_scheme = re.sub(r"^[a-z]+://", "", url).rstrip("/")
    if not any(ch.isalnum() for ch in without_scheme):
        return _address_words(url)  # a bare "http://"
    host, _, path = without_scheme.partition("/")
    labels = host.split(".")
    if len(labels) > 1 and len(labels[-1]) <= 2 and labels[-1].isalpha():
        labels[-1] = labels[-1].upper()  # country codes are spelled: "co dot U K"
    words = " dot ".join(_address_words(label) for label in labels)
    if path:
        words += " slash " + _address_words(path)
    return words


def _url(m: Match[str]) -> str:
    url = m[0].rstrip(".,;:!?)]'\"")
    return f" {_say_url(url)} {m[0][len(url) :]}"


def _email(m: Match[str]) -> str:
    local, _, domain = m[0].partition("@")
    return f" {_address_words(local)} at {_say_url(domain)} "


# ---------------------------------------------------------------- abbreviations
# kind: "title" never ends a sentence; "end" may ("Main St." at the end keeps its full stop);
# "mid" never does; "num" only expands before a number ("No. 5").
_ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "Mr": ("Mister", "title"), "Mrs": ("Missus", "title"), "Ms": ("Miz", "title"),
    "Prof": ("Professor", "title"), "Rev": ("Reverend", "title"), "Gen": ("General", "title"),
    "Capt": ("Captain", "title"), "Sgt": ("Sergeant", "title"), "Lt": ("Lieutenant", "title"),
    "Col": ("Colonel", "title"), "Gov": ("Governor", "title"), "Sen": ("Senator", "title"),
    "Rep": ("Representative", "title"), "Pres": ("President", "title"), "Mt": ("Mount", "title"),
    "Ft": ("Fort", "title"), "Hon": ("Honorable", "title"), "Dr": ("Drive", "end"),
    "St": ("Street", "end"), "Jr": ("Junior", "end"), "Sr": ("Senior", "end"),
    "etc": ("et cetera", "end"), "Inc": ("Incorporated", "end"), "Ltd": ("Limited", "end"),
    "Co": ("Company", "end"), "Corp": ("Corporation", "end"), "Bros": ("Brothers", "end"),
    "Ave": ("Avenue", "end"), "Blvd": ("Boulevard", "end"), "Rd": ("Road", "end"),
    "Ph.D": ("P H D", "end"), "PhD": ("P H D", "end"), "vs": ("versus", "mid"),
    "e.g": ("for example", "mid"), "i.e": ("that is", "mid"), "cf": ("compare", "mid"),
    "approx": ("approximately", "mid"), "Fig": ("figure", "mid"), "fig": ("figure", "mid"),
    "Vol": ("Volume", "mid"), "vol": ("volume", "mid"), "Ch": ("Chapter", "mid"),
    "ch": ("chapter", "mid"), "pp": ("pages", "mid"), "Dept": ("Department", "mid"),
    "Esq": ("Esquire", "end"),
    "No": ("number", "num"), "no": ("number", "num"), "Nos": ("numbers", "num"),
    "Sept": ("September", "end"),
    **{month[:3]: (month, "end") for month in MONTHS if len(month) > 4},
}  # fmt: skip
_WHEN_CAPITALISED = {"Dr": "Doctor", "St": "Saint"}  # before a name
_WITHOUT_STOP = frozenset({"Mr", "Mrs", "Ms", "Dr", "St"})  # "Mr Smith" is British usage
_ABBREVIATION = re.compile(
    r"(?<![\w.])("
    + "|".join(map(re.escape, sorted(_ABBREVIATIONS, key=len, reverse=True)))
    + r")(\.|(?=\s[A-Z]))(?!\w)"
)
_VERSUS = re.compile(r"\bvs\b(?!\.)")
_NEXT_CAPITAL = re.compile(r" ?[\"'(]?[A-Z]")
_NEXT_NUMBER = re.compile(r" ?#?\d")


def _abbreviation(m: Match[str]) -> str:
    word, kind = _ABBREVIATIONS[m[1]]
    before_name = _NEXT_CAPITAL.match(m.string, m.end()) is not None
    if m[1] in _WHEN_CAPITALISED and before_name:
        return _WHEN_CAPITALISED[m[1]]
    if kind == "num":
        return word if _NEXT_NUMBER.match(m.string, m.end()) else m[0]
    if not m[2] and m[1] not in _WITHOUT_STOP:  # "Co" or "Gen" without a full stop is a word
        return m[0]
    return word + "." if kind == "end" and m[2] and (before_name or _at_end(m)) else word


def _at_end(m: Match[str]) -> bool:
    """Whether only spaces and closing quotes/brackets follow the match."""
    return len(m.string) - m.end() < 6 and m.string[m.end() :].strip(" \"')]") == ""


# ---------------------------------------------------------------- roman numerals and initials
_ROMAN = re.compile(r"\b([A-Z][a-z]+) ([IVXLC]+)\b(?!['-])")
_ROMAN_VALUES = ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                 (4, "IV"), (1, "I"))  # fmt: skip
_COUNTED = frozenset(
    {
        "Chapter", "Part", "Volume", "Book", "Act", "Scene", "Section", "Article", "Phase",
        "Stage", "Level", "Round", "Title", "Appendix", "Episode", "War", "Class", "Type", "Bowl",
        "Apollo", "Gemini", "Vatican", "Psalm", "Canto", "Lesson", "Unit", "Rocky"
    }
)  # fmt: skip
_NOT_NAMES = frozenset(
    {
        "The", "A", "An", "This", "That", "My", "Our", "Your", "His", "Her", "Their", "Its", "In",
        "On", "At", "For", "Of", "And", "Or", "With", "By", "To", "From", "See", "Use", "Add",
        "Is", "Was", "Are", "Be", "It", "We", "You", "They", "He", "She", "Not", "No", "So",
        "But", "If", "As", "Then", "When", "Now", "Here", "There", "What", "Did", "Am", "Can",
        "May", "Must", "Will", "Shall", "Should", "Could", "Would", "Have", "Do", "Yes", "Than"
    }
)  # fmt: skip
_DOTTED = re.compile(r"(?<![\w.])([A-Za-z](?:\.[A-Za-z])+)(\.)?(?!\w)")
_INITIAL = re.compile(r"\b([A-Z])\.(?= [A-Z])")


def _roman_value(numeral: str) -> int:
    """The value of a canonical roman numeral below 400, else 0."""
    rest, value = numeral, 0
    for amount, letters in _ROMAN_VALUES:
        while rest.startswith(letters) and value < 400:
            rest, value = rest[len(letters) :], value + amount
    return value if not rest and value < 400 else 0


def _roman(m: Match[str]) -> str:
    word, numeral = m[1], m[2]
    value = _roman_value(numeral)
    if value and word in _COUNTED and (len(numeral) > 1 or numeral in "IVX"):
        return f"{word} {cardinal(value)}"
    named = len(numeral) > 1 or (numeral == "I" and _at_clause_end(m))  # "Charles I."
    if value and named and word not in _NOT_NAMES and set(numeral) <= set("IVX"):
        return f"{word} the {ordinal(value)}"  # King George the third
    return m[0]


def _at_clause_end(m: Match[str]) -> bool:
    return m.end() == len(m.string) or m.string[m.end()] in ".,;:!?"


def _dotted(m: Match[str]) -> str:
    letters = " ".join(m[1].replace(".", "").upper())
    return letters + "." if m[2] and _at_end(m) else letters


# ---------------------------------------------------------------- symbols and capitals
_MARKDOWN_RULE = re.compile(r"[=*_~#-]{3,}")
_HASH_NUMBER = re.compile(r"#(?= ?\d)")
_HASHTAG = re.compile(r"#(?=[^\W\d_])")
_ABOUT = re.compile(r"~(?= ?-?\d)")
_COMPARISON = re.compile(r"([<>]=?|≤|≥)(?= ?-?\d)")
_COMPARISONS = {"<": "less than", ">": "greater than", "<=": "at most", ">=": "at least",
                "≤": "at most", "≥": "at least"}  # fmt: skip
_SYMBOL_WORDS = {"&": "and", "+": "plus", "=": "equals", "@": "at", "%": "percent", "/": "slash",
                 "×": "times", "÷": "divided by", "±": "plus or minus", "°": "degrees",
                 "§": "section", "≈": "about", "≠": "is not equal to", "∞": "infinity"}  # fmt: skip
_SYMBOL = re.compile("[" + re.escape("".join(_SYMBOL_WORDS)) + "]")
_SHOUT = re.compile(r"\b[A-Z]+(?:'[A-Z]+)?(?:[ ,;:.!?\"-]+[A-Z]+(?:'[A-Z]+)?){2,}\b")
_CAPITALS = re.compile(r"\b([A-Z]{2,})(s?)\b")
_ACRONYM_WORDS = frozenset(
    {
        "NASA", "NATO", "UNESCO", "UNICEF", "SCUBA", "LASER", "RADAR", "SONAR", "AIDS", "COVID",
        "OPEC", "FIFA", "UEFA", "NASDAQ", "GIF", "JPEG", "PIN", "SIM", "RAM", "ROM", "CAPTCHA",
        "JSON", "IKEA", "LEGO", "SARS", "DARPA", "FEMA", "OSHA", "POTUS", "SWAT", "ZIP", "LAN",
        "WAN", "NAFTA", "WIFI", "AN", "AND", "ARE", "AS", "AT", "BE", "BUT", "BY", "CAN", "DO",
        "FOR", "GO", "HAS", "HAD", "HE", "HER", "HIS", "HOW", "IF", "IN", "IS", "ME", "MY", "NO",
        "NOT", "OF", "OH", "ON", "OR", "OUR", "OUT", "SHE", "SO", "THE", "TO", "UP", "WAS", "WE",
        "WHO", "WHY", "YES", "YOU", "ALL", "ANY", "NEW", "NOW", "ONE", "TWO", "TOO", "OFF", "OWN",
        "HI", "YET", "GET", "GOT", "LET", "SEE", "SAY", "DAY", "WAY", "BIG", "OLD", "BAD", "HOT",
        "TOP", "END", "MAN", "MEN", "DID"
    }
)  # fmt: skip
_SPECIAL_CAPITALS = {"OK": "okay", "OKAY": "okay"}


def _shout(m: Match[str]) -> str:
    """A run of three or more capitalised words is shouting, not initialisms: read the words."""
    if sum(len(word) > 1 for word in re.findall(r"[A-Z]+", m[0])) < 2:
        return m[0]
    known = cmu_dict()
    return re.sub(
        r"[A-Z]+(?:'[A-Z]+)?", lambda w: w[0].lower() if w[0].lower() in known else w[0], m[0]
    )


def _capitals(m: Match[str]) -> str:
    word, plural = m[1], m[2]
    said = _SPECIAL_CAPITALS.get(word) or read_initialism(word, _ACRONYM_WORDS)
    if plural:
        said += "'s" if " " in said else "s"
    return said


# ---------------------------------------------------------------- punctuation tidy-up
_ELLIPSIS_PAUSE = re.compile(r"\.{2,}(?= *[a-z])")  # "wait... what" pauses like a comma
_ELLIPSIS = re.compile(r"\.{2,}")
_DASHES = re.compile(r" ?(?:—|–|--+) ?| - ")
_BRACKETS = re.compile(r"[()\[\]{}]")
_DOT_IN_WORD = re.compile(r"(?<=[^\W\d_])\.(?=[^\W\d_])")
_LONE_MARKS = re.compile(r"(?<![^\W\d_])['-]+|['-]+(?![^\W\d_])")
_PUNCT_RUN = re.compile(r" *[,.?!;:—](?: *[,.?!;:—])*")
_LEADING_PUNCT = re.compile(r"^[ ,.?!;:—]+")
_STRENGTH = "?!.;:—,"  # the strongest mark of a run wins: "?!" → "?", ", —" → "—"
_KEPT = frozenset(" ,.?!;:—'-")


@functools.lru_cache(maxsize=8192)
def _speakable(ch: str) -> str:
    return ch if ch.isalpha() or ch in _KEPT else " "


def _punct_run(m: Match[str]) -> str:
    mark = min((c for c in m[0] if c != " "), key=_STRENGTH.index)
    return " — " if mark == "—" else mark + " "


def _tidy(text: str) -> str:
    text = _ELLIPSIS_PAUSE.sub(",", text.replace('"', " "))
    text = _ELLIPSIS.sub(".", text)
    text = _DASHES.sub(" — ", text)
    text = _BRACKETS.sub(" , ", text)
    text = _DOT_IN_WORD.sub(lambda m: ". " if m.string[m.end()].isupper() else " dot ", text)
    text = "".join(map(_speakable, text))
    text = _LONE_MARKS.sub(" ", text)
    text = _PUNCT_RUN.sub(_punct_run, text)
    text = _LEADING_PUNCT.sub("", _SPACES.sub(" ", text))
    return text.strip()


_RULES: tuple[Rule, ...] = (
    (_EMAIL, _email),
    (_URL, _url),
    (_ABBREVIATION, _abbreviation),
    (_VERSUS, "versus"),
    *DATE_TIME_RULES,
    *AMOUNT_RULES,
    (_ROMAN, _roman),
    (_DOTTED, _dotted),
    (_INITIAL, r"\1"),
    (_MARKDOWN_RULE, " "),
    (_HASH_NUMBER, " number "),
    (_HASHTAG, " hashtag "),
    (_ABOUT, " about "),
    (_COMPARISON, lambda m: f" {_COMPARISONS[m[1]]} "),
    *NUMBER_RULES,
    (_SYMBOL, lambda m: f" {_SYMBOL_WORDS[m[0]]} "),
    (_SHOUT, _shout),
    (_CAPITALS, _capitals),
)


def normalize(text: str) -> str:
    """Written text to speakable words and pauses: "$12.50" → "twelve dollars and fifty cents"."""
    text = _clean_unicode(text)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _tidy(text)
