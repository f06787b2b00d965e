"""Expressive reading: smoothing, quotes, laziness; the real guesser on a story; audible changes."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant import EMOTIONS
from assistant.reader.document import Block, Document, from_blocks
from assistant.reader.expressive import ExpressivePlan, quote_spans, smooth

STORY = Path(__file__).resolve().parent.parent / "data" / "story.txt"
log = logging.getLogger(__name__)


def story() -> Document:
    """The fixture: blocks split at blank lines, '# ' starts a heading."""
    blocks = [
        Block(b[2:], 1) if b.startswith("# ") else Block(b)
        for b in STORY.read_text(encoding="utf-8").split("\n\n")
    ]
    return from_blocks(STORY, "The Letter", blocks)


def stretches(labels: list[str]) -> list[int]:
    out: list[int] = []
    for i, label in enumerate(labels):
        if i and label == labels[i - 1]:
            out[-1] += 1
        else:
            out.append(1)
    return out


def switches(labels: list[str]) -> int:
    return sum(a != b for a, b in itertools.pairwise(labels))


# ---- smoothing -----------------------------------------------------------------------------

N, H, S, A, C, U = "neutral", "happy", "sad", "angry", "calm", "surprised"


@pytest.mark.parametrize(
    ("raw", "smoothed"),
    [
        ([N, C, N, N, N], [N] * 5),  # a lone guess is read neutral
        ([N, N, S, S, N, N, S, S, N, N, N], [N, N] + [S] * 6 + [N] * 3),  # gaps filled
        ([S, N, S, N, S], [S] * 5),  # every other sentence still holds
        ([H, S, H, S, H, S], [H] * 6),  # no flipping: the first holds while it comes back
        ([N, N, H, H, N, N, N, N], [N, N, H, H, N, N, N, N]),  # neutral between passages
        ([H, H, H, N, S, S, S], [H, H, H, S, S, S, S]),  # a one-sentence gap joins the next
        ([S, S, S, A, A, A], [S, S, S, A, A, A]),  # a change that holds
        ([A, A, U, S, N, N], [A, A, N, N, N, N]),  # lone guesses after it: neutral
    ],
)
def test_smoothing_rule(raw: list[str], smoothed: list[str]) -> None:
    assert smooth(raw) == smoothed


@given(st.lists(st.sampled_from(EMOTIONS), min_size=2, max_size=60))
def test_smoothed_emotions_last_two_sentences_and_come_from_the_guesses(raw: list[str]) -> None:
    out = smooth(raw)
    assert len(out) == len(raw)
    assert min(stretches(out)) >= 2  # the emotion never changes at two sentences in a row
    assert switches(out) <= switches(raw)
    i = 0
    for length in stretches(out):
        label = out[i]
        if label != N:  # an emotional stretch has that emotion guessed at least twice in it
            assert raw[i : i + length].count(label) >= 2
        i += length


@given(st.lists(st.sampled_from(EMOTIONS), min_size=1, max_size=20))
def test_lone_guesses_two_sentences_apart_are_all_read_neutral(labels: list[str]) -> None:
    raw = [x for label in labels for x in (label, N, N)]  # no emotion twice within 3 sentences
    assert smooth(raw) == [N] * len(raw)


# ---- quotes --------------------------------------------------------------------------------


def quoted(text: str) -> list[str]:
    return [text[a:b] for a, b in quote_spans(text)]


@pytest.mark.parametrize(
    ("text", "quotes"),
    [
        ('"I can\'t believe it," she whispered.', ['"I can\'t believe it,"']),
        ("\u201cStop.\u201d He left. \u201cNow!\u201d", ["\u201cStop.\u201d", "\u201cNow!\u201d"]),
        ('"Stop wasting my time. Get out!" He left.', ['"Stop wasting my time. Get out!"']),
        ('He said: "it goes on to the next paragraph', ['"it goes on to the next paragraph']),
        ("She wrote: 'It was long. I don't know.' Then", ["'It was long. I don't know.'"]),
        (
            "\u2018Go,\u2019 he said. \u2018Don\u2019t.\u2019",
            ["\u2018Go,\u2019", "\u2018Don\u2019t.\u2019"],
        ),
        ("It's the dogs' bowl and we don't know.", []),  # apostrophes only
        ("'Tis late, and rock 'n' roll plays. 'Fine,' he said.", ["'Fine,'"]),
        ("\"He said 'no' to me,\" she said.", ["\"He said 'no' to me,\""]),  # nested: one quote
        ("No quotes at all.", []),
    ],
)
def test_quote_spans(text: str, quotes: list[str]) -> None:
    assert quoted(text) == quotes


# ---- the plan with a keyword guesser -------------------------------------------------------


class KeywordGuesser:
    """Guesses the first emotion word in a text (else neutral) and records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    @property
    def asked(self) -> list[str]:
        return [text for call in self.calls for text in call]

    def __call__(self, texts: list[str]) -> list[str]:
        self.calls.append(list(texts))
        return [next((e for e in EMOTIONS if e in t.lower()), N) for t in texts]


def long_document(sentences: int) -> Document:
    rng = np.random.default_rng(0)
    words = [*EMOTIONS, "plain", "plain", "plain"]
    paragraphs = [
        " ".join(f"Line {i + j} is {rng.choice(words)}." for j in range(5))
        for i in range(0, sentences, 5)
    ]
    blocks = [Block("Chapter one", 1), *map(Block, paragraphs[:20])]
    blocks += [Block("Chapter two", 1), *map(Block, paragraphs[20:])]
    return from_blocks(Path("long.txt"), "long", blocks)


def test_guesses_lazily_in_batches_and_caches() -> None:
    doc = long_document(1000)
    guess = KeywordGuesser()
    plan = ExpressivePlan(doc, guess, batch=32, context=16)
    plan(0)
    after = plan.span + 1  # sentences guessed after a batch, for its smoothing
    assert 0 < len(guess.asked) <= 32 + after
    plan(5), plan.emotion(31)
    assert len(guess.asked) <= 32 + after  # cached
    plan(900)
    assert len(guess.asked) <= 2 * (32 + after) + 16  # context, batch, after: not all between
    assert doc.sentence_text(700) not in guess.asked


def test_the_order_of_asking_does_not_change_the_reading() -> None:
    doc = long_document(300)
    forward = ExpressivePlan(doc, KeywordGuesser(), batch=16)
    backward = ExpressivePlan(doc, KeywordGuesser(), batch=16)
    n = len(doc.sentences)
    ahead = [forward.emotion(i) for i in range(n)]
    behind = [backward.emotion(i) for i in reversed(range(n))][::-1]
    assert ahead == behind
    assert len(set(ahead)) > 2  # the document is not all one emotion
    headings = [i for i, s in enumerate(doc.sentences) if s.heading]
    assert len(headings) == 2 and all(ahead[i] == N for i in headings)


def test_parts_join_into_the_sentence_and_quotes_get_the_other_voice() -> None:
    doc = story()
    plan = ExpressivePlan(doc, KeywordGuesser(), quotes_other_voice=True)
    plain = ExpressivePlan(doc, KeywordGuesser())
    for i in range(len(doc.sentences)):
        assert "".join(p.text for p in plan(i)) == doc.sentence_text(i)
        assert [p.text for p in plain(i)] == [doc.sentence_text(i)]
        assert not any(p.other_voice for p in plain(i))
    said = {p.text.strip() for i in range(len(doc.sentences)) for p in plan(i) if p.other_voice}
    assert '"I can\'t believe it,"' in said and "she whispered." not in said
    assert "'It was a long day." in said and "I don't know what tomorrow brings.'" in said
    assert '"Stop wasting my time.' in said  # a quote going on into the next sentence
    assert "Get out of my way or I'll call the police!\"" in said


def test_nothing_is_cached_while_the_guesser_is_not_ready() -> None:
    doc = story()
    guess = KeywordGuesser()
    ready = False
    plan = ExpressivePlan(doc, guess, ready=lambda: ready)
    plan(3), plan(3)
    assert len(guess.calls) >= 2 and guess.calls[: len(guess.calls) // 2] * 2 == guess.calls
    before = len(guess.calls)
    ready = True
    plan(3), plan(3)
    assert len(guess.calls) == before * 3 // 2  # asked once more, then cached


# ---- the real guesser on the story ---------------------------------------------------------

PASSAGES = {  # paragraph index → the emotion its sentences should mostly be read in
    "neutral opening": ([1], N),
    "happy news": ([2], H),
    "sad news": ([3], S),
    "neutral arrival": ([4], N),
    "angry exchange": ([5, 6, 7], A),
}


@pytest.fixture(scope="module")
def real_plan() -> ExpressivePlan:
    from assistant.emotion_auto import EmotionGuesser

    guesser = EmotionGuesser()
    guesser.load()
    return ExpressivePlan(story(), guesser.guess_many, quotes_other_voice=True)


@pytest.mark.slow
def test_the_reading_follows_the_story(real_plan: ExpressivePlan) -> None:
    doc = real_plan.doc
    for name, (paragraphs, emotion) in PASSAGES.items():
        indices = [i for i, s in enumerate(doc.sentences) if s.paragraph in paragraphs]
        read = [real_plan.emotion(i) for i in indices]
        raw = [real_plan.raw_emotion(i) for i in indices]
        share, raw_share = read.count(emotion) / len(read), raw.count(emotion) / len(raw)
        log.info(
            "%s: %.0f%% %s (raw %.0f%%): %s", name, 100 * share, emotion, 100 * raw_share, read
        )
        assert share >= (0.75 if emotion in (N, S) else 0.6), (name, read)
    body = [i for i, s in enumerate(doc.sentences) if not s.heading]
    raw = [real_plan.raw_emotion(i) for i in body]
    read = [real_plan.emotion(i) for i in body]
    log.info("switches: raw %d, smoothed %d", switches(raw), switches(read))
    assert switches(read) * 3 <= switches(raw)
    assert min(stretches(read)) >= 2


@pytest.mark.slow
def test_quotes_split_with_the_real_plan(real_plan: ExpressivePlan) -> None:
    doc = real_plan.doc
    whisper = next(i for i in range(len(doc.sentences)) if "whispered" in doc.sentence_text(i))
    parts = real_plan(whisper)
    assert [(p.text.strip(), p.other_voice) for p in parts] == [
        ('"I can\'t believe it,"', True),
        ("she whispered.", False),
    ]
    assert {p.emotion for p in parts} == {S}  # in the sad passage, the quote is sad too
    diary = next(i for i in range(len(doc.sentences)) if "diary:" in doc.sentence_text(i))
    assert [p.other_voice for p in real_plan(diary)] == [False, True]
    assert [p.other_voice for p in real_plan(diary + 1)] == [True]


# ---- audible: the real voices --------------------------------------------------------------


def semitones(higher: float, lower: float) -> float:
    return float(12 * np.log2(higher / lower))


@pytest.mark.slow
def test_the_switch_is_audible_and_quotes_are_in_the_other_voice(
    real_plan: ExpressivePlan,
) -> None:
    from assistant.lab.prosody import measure
    from assistant.reader.narration import Narration
    from assistant.tts.voice import Voice

    doc = real_plan.doc
    lj, joe = Voice.load("lj"), Voice.load("joe")
    reader = Narration(doc, lj, plan=real_plan, other_voice=joe)
    flat = Narration(doc, lj)  # every sentence neutral

    def index(words: str) -> int:
        return next(i for i in range(len(doc.sentences)) if words in doc.sentence_text(i))

    happy, sad = index("wanted to sing"), index("ached with grief")
    assert (real_plan.emotion(happy), real_plan.emotion(sad)) == (H, S)
    f0 = {
        name: (measure(reader.speech(i)).f0_median_hz, measure(flat.speech(i)).f0_median_hz)
        for name, i in (("happy", happy), ("sad", sad))
    }
    apart = semitones(f0["happy"][0], f0["sad"][0])
    shift = {name: semitones(read, neutral) for name, (read, neutral) in f0.items()}
    log.info("f0 happy - sad %.2f st; against neutral: %s", apart, shift)
    assert apart >= 2.0
    assert shift["happy"] >= 1.0 and shift["sad"] <= -0.5

    whisper = index("whispered")
    quote, narration = real_plan(whisper)
    speech = reader.speech(whisper)
    alone = joe.sentence_audio(quote.text.strip(), quote.emotion)
    rest = lj.sentence_audio(narration.text.strip(), narration.emotion)
    assert len(speech) == len(alone) + len(rest)  # the quote in joe, then the narration in lj
    lower = semitones(
        measure(speech[len(alone) :]).f0_median_hz, measure(speech[: len(alone)]).f0_median_hz
    )
    log.info("quote in joe: %.2f st below the narration in lj", lower)
    assert lower >= 5.0
