"""The text frontend: normalisation, sentence splitting with offsets, and phoneme/symbol ids."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from assistant.tts.lexicon import Lexicon, user_lexicon
from assistant.tts.normalize import normalize
from assistant.tts.phonemes import BOUNDARY, PAD_ID, PUNCTUATION, SYMBOLS, phonemes_of, spell

__all__ = [
    "PAD_ID",
    "SYMBOLS",
    "normalize",
    "phonemize",
    "sentence_spans",
    "split_sentences",
    "symbol_ids",
    "text_to_ids",
]

logger = logging.getLogger(__name__)

MAX_SENTENCE = 300  # characters; longer runs are cut at ; : — , or a space for streaming TTS
_MIN_PIECE = MAX_SENTENCE // 3
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n|\u2029")
_TERMINATOR = re.compile(r"[.!?]+|…+|[。！？]")
_SPACE = re.compile(r"\s*")
_DOTTED_LETTERS = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_CLOSERS = frozenset("\"'”’»)]}")
_OPENERS = frozenset("\"'“‘«„([{¿¡")
# A full stop after these does not end a sentence ("Dr. Smith", "e.g. Paris") ...
_NEVER_FINAL = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "mt", "ft", "rev", "gen", "capt", "sgt", "lt",
        "col", "gov", "sen", "rep", "pres", "hon", "fr", "vs", "cf", "approx", "fig", "vol", "ch",
        "pp", "dept", "e.g", "i.e"
    }
)  # fmt: skip
# ... nor after these when a number follows ("No. 5", "Jan. 3", "p. 12").
_BEFORE_NUMBER = frozenset(
    {
        "no", "nos", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "p", "pp", "vol", "ch", "fig", "art", "sec"
    }
)  # fmt: skip
_ID = {symbol: i for i, symbol in enumerate(SYMBOLS)}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets into `text` of each sentence, trimmed, none longer than MAX_SENTENCE."""
    spans: list[tuple[int, int]] = []
    for start, end in _paragraphs(text):
        for sentence in _sentences(text, start, end):
            spans.extend(_limited(text, *sentence))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (see `sentence_spans`)."""
    return [text[start:end] for start, end in sentence_spans(text)]


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        yield start, m.start()
        start = m.end()
    yield start, len(text)


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for m in _TERMINATOR.finditer(text, start, end):
        stop = m.end()
        while stop < end and text[stop] in _CLOSERS:
            stop += 1
        if _ends_sentence(text, m, stop, end):
            yield from _trimmed(text, start, stop)
            start = stop
    yield from _trimmed(text, start, end)


def _ends_sentence(text: str, mark: re.Match[str], stop: int, end: int) -> bool:
    """Whether the terminator `mark` (closing quotes run to `stop`) ends a sentence."""
    if mark[0] in "。！？":
        return True
    following = _SPACE.match(text, stop, end)
    after = following.end() if following else stop
    if after == stop or after >= end:
        return False
    nxt = text[after]
    if not (
        nxt.isupper() or nxt.isdigit() or nxt in _OPENERS or (nxt.isalpha() and not nxt.islower())
    ):
        return False
    if ".." in mark[0] or "…" in mark[0]:
        return False  # an ellipsis is a pause, not an ending
    if mark[0] != ".":
        return True
    word = _word_before(text, mark.start())
    lowered = word.lower()
    if (
        lowered in _NEVER_FINAL
        or (len(word) == 1 and word.isalpha())
        or _DOTTED_LETTERS.fullmatch(word)
    ):
        return False
    return not (nxt.isdigit() and lowered in _BEFORE_NUMBER)


def _word_before(text: str, index: int) -> str:
    start = index
    while start > max(index - 24, 0) and not text[start - 1].isspace():
        start -= 1
    word = text[start:index]
    while word and word[0] in _OPENERS:
        word = word[1:]
    return word


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if any(ch.isalnum() for ch in text[start:end]):
        yield start, end


def _limited(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut a long sentence at the last ; : — , or space before MAX_SENTENCE (or hard at it)."""
    while end - start > MAX_SENTENCE:
        cut = _cut_point(text, start, start + MAX_SENTENCE)
        yield from _trimmed(text, start, cut)
        start = cut
    yield from _trimmed(text, start, end)


def _cut_point(text: str, start: int, limit: int) -> int:
    window = text[start:limit]
    for marks in (";:—", ","):
        index = max(window.rfind(mark) for mark in marks)
        if index >= _MIN_PIECE:
            return start + index + 1
    for index in range(len(window) - 1, _MIN_PIECE - 1, -1):
        if window[index].isspace():
            return start + index + 1
    return limit


def phonemize(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """ARPAbet phonemes with stress, " " between words and , . ? ! ; : — as pauses.

    The pronunciation dictionary (`lexicon`; by default the user's file) rewrites the text
    first and gives its ARPAbet words their phonemes as written.
    """
    rewritten, given = (lexicon if lexicon is not None else user_lexicon()).apply(text)
    tokens = phonemes_of(normalize(rewritten), given)
    if not any(token != BOUNDARY and token not in PUNCTUATION for token in tokens):
        letters = spell(text[:1000])  # the last resort for Latin letters normalisation dropped
        if letters:
            logger.debug("no phonemes for %r after normalisation; spelling it", text[:80])
            return letters
    return tokens


def symbol_ids(tokens: list[str]) -> list[int]:
    """Indices into SYMBOLS; ValueError names the first token that is not in the table."""
    try:
        return [_ID[token] for token in tokens]
    except KeyError as error:
        raise ValueError(f"not a symbol of the voice's table: {error.args[0]!r}") from None


def text_to_ids(text: str, lexicon: Lexicon | None = None) -> list[int]:
    """Symbol ids for `text`, ready for the acoustic model (`lexicon` as in `phonemize`)."""
    return symbol_ids(phonemize(text, lexicon))
