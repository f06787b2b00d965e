"""Expressive reading: each sentence's emotion guessed, smoothed over the passage, quotes apart."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from assistant.reader.document import Document
from assistant.reader.narration import Part

log = logging.getLogger(__name__)

GuessBatch = Callable[[list[str]], list[str]]  # texts → an emotion each, as guess_many

NEUTRAL = "neutral"
SPAN = 3  # sentences looked at from the current one on (itself and the next two)
HOLD = 2  # a new emotion starts only where it is the guess of this many of those SPAN
BATCH = 32  # sentences guessed and smoothed together
CONTEXT = 16  # sentences before a batch smoothed with it, so its first state is the reader's
CACHED_BATCHES = 64  # smoothed batches kept (a book has 10⁵ sentences)
QUOTE_MIN_WORDS = 3  # a shorter quote ("Yes," he said) takes the narration's emotion


def smooth(raw: Sequence[str], span: int = SPAN, hold: int = HOLD) -> list[str]:
    """Smoothed emotions of one run of sentences from their raw guesses (see ExpressivePlan)."""
    out: list[str] = []
    current = NEUTRAL
    for i, label in enumerate(raw):
        ahead = raw[i : i + span]
        if current != NEUTRAL and current in ahead:
            pass  # an emotion lasts while it comes back within the span
        elif label != NEUTRAL and ahead.count(label) >= hold:
            current = label  # a new one starts where it holds
        else:
            current = NEUTRAL
        out.append(current)
    return _without_single_sentences(out)


def _without_single_sentences(labels: list[str]) -> list[str]:
    """A stretch of one sentence (only neutral ones remain after `smooth`) joins the next
    stretch, or the previous one at the end, so the emotion never changes twice in a row."""
    stretches: list[list[Any]] = []  # [label, sentences]
    for label in labels:
        if stretches and stretches[-1][0] == label:
            stretches[-1][1] += 1
        else:
            stretches.append([label, 1])
    for i in range(len(stretches) - 1, -1, -1):  # from the end: later ones are final already
        if stretches[i][1] == 1 and len(stretches) > 1:
            stretches[i + 1 if i + 1 < len(stretches) else i - 1][1] += 1
            del stretches[i]
    return [label for label, count in stretches for _ in range(count)]


_DOUBLE_OPEN = {"\u201c": "\u201d", "\u201e": "\u201d", "\u00ab": "\u00bb"}  # “ „ «
_SINGLE = "'\u2018\u2019"  # ' ‘ ’
_CLOSING_PUNCTUATION = ".,!?;:\u2026\u2014-"


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the quoted speech in one paragraph, quote marks included.

    Double quotes pair up (straight ones alternate); one left open runs to the paragraph's end,
    as a quote continued in the next paragraph does. Single quotes count only outside double
    ones and only where clearly a quote: opened before a word, closed after punctuation
    ('Go home,' he said) and never between two letters (don't, it's).
    """
    spans = _double_spans(text)
    outside = [(a, b) for a, b in _gaps(spans, len(text))]
    for a, b in outside:
        spans.extend(_single_spans(text, a, b))
    return sorted(spans)


def _double_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        closer = '"' if ch == '"' else _DOUBLE_OPEN.get(ch)
        if closer is None:
            i += 1
            continue
        end = text.find(closer, i + 1)
        end = len(text) if end < 0 else end + 1
        spans.append((i, end))
        i = end
    return spans


def _gaps(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    gaps, start = [], 0
    for a, b in spans:
        gaps.append((start, a))
        start = b
    gaps.append((start, length))
    return [(a, b) for a, b in gaps if b > a]


def _opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return text[i] in "'\u2018" and (before.isspace() or before in "([\u2014") and after.isalnum()


def _closes(text: str, i: int, end: int) -> bool:
    before = text[i - 1]
    after = text[i + 1] if i + 1 < end else " "
    if before.isalpha() and after.isalpha():
        return False  # an apostrophe: don't, it's
    return before in _CLOSING_PUNCTUATION or (
        before.isalnum() and (after in _CLOSING_PUNCTUATION or i + 1 >= end)
    )


def _single_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for i in range(start, end):
        if text[i] not in _SINGLE:
            continue
        if opened is not None and text[i] in "'\u2019" and _closes(text, i, end):
            spans.append((opened, i + 1))
            opened = None
        elif _opens(text, i):
            opened = i  # a later opening replaces one never closed ('n' roll)
    return spans


class ExpressivePlan:
    """The parts of each sentence with the emotion it is read in: a `Plan` for `Narration`.

    Each sentence's emotion is first guessed alone (`guess_batch`, e.g. a loaded
    `EmotionGuesser().guess_many`), a batch of `batch` sentences at a time when one of them is
    first asked for, and cached. The guesses are then smoothed along each run of sentences (a
    chapter's text between headings; paragraphs do not end a run, so dialogue lines count
    together), looking at the sentence and the next `span - 1` (3 by default):

    - an emotion, once read, lasts while it comes back within those 3 sentences, so a passage
      keeps its emotion over up to 2 sentences guessed otherwise;
    - a new emotion starts only at a sentence guessed so that holds: guessed for `hold` (2) of
      those 3; a lone guess is read neutral;
    - otherwise the narration is neutral (between emotional passages too);
    - a stretch of a single sentence (a neutral one between two passages) joins the next
      stretch, so the emotion never changes at two sentences in a row: every stretch lasts at
      least 2 sentences, except where a run is only one sentence long.

    Headings are neutral and end a run. Each batch is smoothed with the `context` sentences
    before it and a few after, so it does not matter in what order sentences are asked; at a
    batch's edge the result can, rarely, differ from smoothing the whole run at once.
    With `quotes_other_voice`, quoted speech (see `quote_spans`) becomes its own part with
    `other_voice=True`, read in the sentence's emotion; in neutral narration a quote of
    `quote_min_words` words or more is read in its own guessed emotion (a character's line may
    be emotional where the story around it is not). `ready` (e.g. `lambda: guesser.ready`),
    when given, says whether the guesser gives real guesses yet; until then nothing is cached.
    """

    def __init__(
        self,
        doc: Document,
        guess_batch: GuessBatch,
        *,
        quotes_other_voice: bool = False,
        span: int = SPAN,
        hold: int = HOLD,
        batch: int = BATCH,
        context: int = CONTEXT,
        quote_min_words: int = QUOTE_MIN_WORDS,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        if not 1 <= hold <= span or batch < 1 or context < 0:
            raise ValueError("need 1 <= hold <= span, batch >= 1 and context >= 0")
        self.doc, self.guess_batch, self.quotes_other_voice = doc, guess_batch, quotes_other_voice
        self.span, self.hold, self.batch, self.context = span, hold, batch, context
        self.quote_min_words, self.ready = quote_min_words, ready
        self._raw: dict[int, str] = {}  # sentence index → its own guess
        self._batches: OrderedDict[int, tuple[list[str], list[list[Part]]]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, index: int) -> list[Part]:
        return self._batch(index)[1][index % self.batch]

    def emotion(self, index: int) -> str:
        """The sentence's smoothed emotion (its narration's; a quote may have its own)."""
        return self._batch(index)[0][index % self.batch]

    def raw_emotion(self, index: int) -> str:
        """The guess for the sentence alone, before smoothing."""
        self._batch(index)
        return self._raw.get(index, NEUTRAL)

    def _batch(self, index: int) -> tuple[list[str], list[list[Part]]]:
        if not 0 <= index < len(self.doc.sentences):
            raise IndexError(f"sentence {index} is not in the document")
        key = index // self.batch
        with self._lock:
            if key in self._batches:
                self._batches.move_to_end(key)
                return self._batches[key]
            real = self.ready is None or self.ready()  # asked before guessing: no race
            done = self._compute(key, real)
            if real:
                self._batches[key] = done
                while len(self._batches) > CACHED_BATCHES:
                    self._batches.popitem(last=False)
            return done

    def _compute(self, key: int, real: bool) -> tuple[list[str], list[list[Part]]]:
        n = len(self.doc.sentences)
        first, stop = key * self.batch, min(n, (key + 1) * self.batch)
        after = self.span + 1  # the span, and the stretch after it for the single-sentence rule
        lo, hi = max(0, first - self.context), min(n, stop + after)
        missing = [i for i in range(lo, hi) if i not in self._raw and not self._heading(i)]
        guesses = self._guess([self.doc.sentence_text(i) for i in missing])
        fresh = dict(zip(missing, guesses, strict=True))
        if real:
            self._raw.update(fresh)
        smoothed = self._smoothed(lambda i: fresh.get(i) or self._raw.get(i, NEUTRAL), lo, hi)
        emotions = smoothed[first - lo : stop - lo]
        pieces = [self._pieces(i) for i in range(first, stop)]
        quotes = [  # only quotes in neutral narration are read in their own emotion
            text
            for emotion, cut in zip(emotions, pieces, strict=True)
            for text, quoted in cut
            if quoted and emotion == NEUTRAL and len(text.split()) >= self.quote_min_words
        ]
        quote_emotion = dict(zip(quotes, self._guess(quotes), strict=True))
        parts = [
            self._parts(cut, emotion, quote_emotion)
            for cut, emotion in zip(pieces, emotions, strict=True)
        ]
        log.debug("expressive reading: sentences %d-%d, %d guessed", first, stop, len(missing))
        return emotions, parts

    def _guess(self, texts: list[str]) -> list[str]:
        guesses = self.guess_batch(texts) if texts else []
        if len(guesses) != len(texts):
            raise ValueError(f"guess_batch gave {len(guesses)} emotions for {len(texts)} texts")
        return guesses

    def _heading(self, index: int) -> bool:
        return self.doc.sentences[index].heading

    def _smoothed(self, raw: Callable[[int], str], lo: int, hi: int) -> list[str]:
        """Smoothed emotions of sentences lo..hi-1, each run of them on its own."""
        out: list[str] = []
        start = lo
        for i in range(lo, hi + 1):
            if i < hi and (i == start or self._same_run(i - 1, i)):
                continue
            labels = [raw(j) for j in range(start, i)]
            out.extend(smooth(labels, self.span, self.hold))
            start = i
        return out

    def _same_run(self, a: int, b: int) -> bool:
        s, t = self.doc.sentences[a], self.doc.sentences[b]
        return s.chapter == t.chapter and not s.heading and not t.heading

    def _pieces(self, index: int) -> list[tuple[str, bool]]:
        """The sentence's text cut into (text, quoted) pieces that join back into it."""
        text = self.doc.sentence_text(index)
        if not self.quotes_other_voice or self._heading(index):
            return [(text, False)]
        s = self.doc.sentences[index]
        p = self.doc.paragraphs[s.paragraph]
        cuts: list[tuple[int, int, bool]] = []
        at = s.start
        for a, b in quote_spans(self.doc.text[p.start : p.end]):
            a, b = max(a + p.start, s.start), min(b + p.start, s.end)
            if a >= b:
                continue
            if a > at:
                cuts.append((at, a, False))
            cuts.append((a, b, True))
            at = b
        if at < s.end:
            cuts.append((at, s.end, False))
        return _joined([(self.doc.text[a:b], quoted) for a, b, quoted in cuts])

    def _parts(
        self, pieces: list[tuple[str, bool]], emotion: str, quote_emotion: dict[str, str]
    ) -> list[Part]:
        parts: list[Part] = []
        for text, quoted in pieces:
            part = Part(text, quote_emotion.get(text, emotion) if quoted else emotion, quoted)
            if parts and (parts[-1].emotion, parts[-1].other_voice) == (part.emotion, quoted):
                parts[-1] = Part(parts[-1].text + text, part.emotion, quoted)
            else:
                parts.append(part)
        return parts


def _joined(pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Pieces without a letter or digit (a full stop after a closing quote, a space) join the
    piece before them (the first joins the next); the pieces still join into the same text."""
    out: list[tuple[str, bool]] = []
    carry = ""
    for text, quoted in pieces:
        if not any(ch.isalnum() for ch in text):
            if out:
                out[-1] = (out[-1][0] + text, out[-1][1])
            else:
                carry += text
            continue
        out.append((carry + text, quoted))
        carry = ""
    if carry:
        out.append((carry, False))
    return out
