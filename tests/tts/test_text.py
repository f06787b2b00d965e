"""Sentence splitting with offsets, phonemes, the symbol table, and fuzzing of the text frontend."""

import string
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.tts import phonemes
from assistant.tts.phonemes import CONSONANTS, VOWELS, cmu_dict, ipa_to_arpabet
from assistant.tts.text import (
    MAX_SENTENCE,
    PAD_ID,
    SYMBOLS,
    normalize,
    phonemize,
    sentence_spans,
    split_sentences,
    symbol_ids,
    text_to_ids,
)

# ---------------------------------------------------------------- sentences

SENTENCES = [
    ("One. Two! Three? Four.", ["One.", "Two!", "Three?", "Four."]),
    ("Dr. Smith met Mrs. Jones.", ["Dr. Smith met Mrs. Jones."]),
    ("Pi is 3.14 today. Yes.", ["Pi is 3.14 today.", "Yes."]),
    ("J. R. R. Tolkien wrote it. He did.", ["J. R. R. Tolkien wrote it.", "He did."]),
    ("Wait... What? Fine.", ["Wait... What?", "Fine."]),
    ("Wait… What", ["Wait… What"]),
    (
        "See example.com for more. Or mail a.b@c.org now.",
        ["See example.com for more.", "Or mail a.b@c.org now."],
    ),
    ("Visit www.example.com. Then rest.", ["Visit www.example.com.", "Then rest."]),
    ("It is No. 5 on the list.", ["It is No. 5 on the list."]),
    ("Due Jan. 5 at noon.", ["Due Jan. 5 at noon."]),
    ("Use e.g. Paris. Or i.e. London.", ["Use e.g. Paris.", "Or i.e. London."]),
    ("In the U.S. Army he served.", ["In the U.S. Army he served."]),
    ('He said "Stop." Then left.', ['He said "Stop."', "Then left."]),
    ('"Why?" she asked.', ['"Why?" she asked.']),
    ("He won (again). Then slept.", ["He won (again).", "Then slept."]),
    ("Count: 1. 2. 3.", ["Count: 1.", "2.", "3."]),
    ("Total was 5. 6 more came.", ["Total was 5.", "6 more came."]),
    ("lower. case continues", ["lower. case continues"]),
    ("First paragraph\n\nSecond paragraph", ["First paragraph", "Second paragraph"]),
    ("Line one\nline two.", ["Line one\nline two."]),
    ("Hello!!! Really?!", ["Hello!!!", "Really?!"]),
    ("Done.   ", ["Done."]),
    ("  \n\n  ", []),
    ("...", []),
    ("", []),
    ("你好。世界！", ["你好。", "世界！"]),
    ("Mr. T. Jones is here. Ok.", ["Mr. T. Jones is here.", "Ok."]),
    ("Smith et al. reported it.", ["Smith et al. reported it."]),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES, ids=[t for t, _ in SENTENCES])
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(("text", "expected"), SENTENCES, ids=[t for t, _ in SENTENCES])
def test_spans_round_trip_to_the_original_text(text: str, expected: list[str]) -> None:
    spans = sentence_spans(text)
    assert [text[start:end] for start, end in spans] == expected
    _assert_valid_spans(text, spans)


def _assert_valid_spans(text: str, spans: list[tuple[int, int]]) -> None:
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert end - start <= MAX_SENTENCE
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end
    covered = "".join(text[start:end] for start, end in spans)
    assert sum(ch.isalnum() for ch in covered) == sum(ch.isalnum() for ch in text)


def test_long_sentence_is_cut_at_commas() -> None:
    text = ", ".join(f"clause number {i} goes on" for i in range(300)) + "."
    pieces = split_sentences(text)
    assert len(pieces) > 10
    assert all(len(p) <= MAX_SENTENCE for p in pieces)
    assert all(p.endswith((",", ".")) for p in pieces)
    _assert_valid_spans(text, sentence_spans(text))


def test_long_sentence_without_punctuation_is_cut_at_spaces() -> None:
    text = " ".join(["word"] * 2000)
    pieces = split_sentences(text)
    assert all(len(p) <= MAX_SENTENCE for p in pieces)
    assert all(p.split() == ["word"] * len(p.split()) for p in pieces)
    assert sum(len(p.split()) for p in pieces) == 2000


def test_a_5000_character_token_is_cut_hard() -> None:
    text = "x" * 5000
    spans = sentence_spans(text)
    assert len(spans) == 17
    _assert_valid_spans(text, spans)


def test_offsets_are_into_the_original_unnormalised_text() -> None:
    text = "  “Dr. Smith,” he said, “costs $12.50.”\n\nNew paragraph… ok.  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "“Dr. Smith,” he said, “costs $12.50.”",
        "New paragraph… ok.",
    ]


# ---------------------------------------------------------------- phonemes

PHONEMES = [
    ("hello", ["HH", "AH0", "L", "OW1"]),
    ("Hello, world!", ["HH", "AH0", "L", "OW1", ",", " ", "W", "ER1", "L", "D", "!"]),
    ("a cat", ["AH0", " ", "K", "AE1", "T"]),
    ("FBI", ["EH1", "F", " ", "B", "IY1", " ", "AY1"]),
    ("USA", ["Y", "UW1", " ", "EH1", "S", " ", "EY1"]),
    ("don't", ["D", "OW1", "N", "T"]),
    ("John's", ["JH", "AA1", "N", "Z"]),
    ("the robot's arm", ["DH", "AH0", " ", "R", "OW1", "B", "AA2", "T", "S", " ", "AA1", "R", "M"]),
    ("the dogs' bowls", ["DH", "AH0", " ", "D", "AA1", "G", "Z", " ", "B", "OW1", "L", "Z"]),
    ("Wait — no?", ["W", "EY1", "T", "—", " ", "N", "OW1", "?"]),
    ("one; two: three.", ["W", "AH1", "N", ";", " ", "T", "UW1", ":", " ", "TH", "R", "IY1", "."]),
    ('"Quoted"', ["K", "W", "OW1", "T", "IH0", "D"]),
    ("$1", ["W", "AH1", "N", " ", "D", "AA1", "L", "ER0"]),
    ("naïve", ["N", "AY2", "IY1", "V"]),
    ("forty-five", ["F", "AO1", "R", "T", "IY0", "F", "AY2", "V"]),
]


@pytest.mark.parametrize(("text", "expected"), PHONEMES, ids=[t for t, _ in PHONEMES])
def test_phonemize(text: str, expected: list[str]) -> None:
    assert phonemize(text) == expected


IPA = [
    ("həlˈoʊ", ["HH", "AH0", "L", "OW1"]),
    ("ˈaɪ", ["AY1"]),
    ("ˌeɪ", ["EY2"]),
    ("nˈaʊ", ["N", "AW1"]),
    ("ˈɔɪl", ["OY1", "L"]),
    ("kˈɑːɹ", ["K", "AA1", "R"]),
    ("fˈoːɹ", ["F", "AO1", "R"]),
    ("bˈɜːd", ["B", "ER1", "D"]),
    ("fˈaɪɚ", ["F", "AY1", "ER0"]),
    ("bˈʌʔn̩", ["B", "AH1", "T", "AH0", "N"]),
    ("tʃˈɜːtʃ", ["CH", "ER1", "CH"]),
    ("dʒˈʌmp", ["JH", "AH1", "M", "P"]),
    ("θˈɪŋk", ["TH", "IH1", "NG", "K"]),
    ("ðə", ["DH", "AH0"]),
    ("ʃˈʊɹ", ["SH", "UH1", "R"]),
    ("vˈɪʒən", ["V", "IH1", "ZH", "AH0", "N"]),
    ("ɹᵻvˈaɪl", ["R", "IH0", "V", "AY1", "L"]),
    ("kˈæt dˈɑːɡ", ["K", "AE1", "T", " ", "D", "AA1", "G"]),
    ("ˈæʘ", ["AE1"]),  # unknown symbols are skipped
]


@pytest.mark.parametrize(("ipa", "expected"), IPA, ids=[i for i, _ in IPA])
def test_ipa_to_arpabet(ipa: str, expected: list[str]) -> None:
    assert ipa_to_arpabet(ipa) == expected


@pytest.mark.parametrize("word", ["Zorbulon", "quixotically", "blorfed", "Dvořák", "Zyxphor"])
def test_unknown_words_go_through_espeak(word: str) -> None:
    assert word.lower() not in cmu_dict()
    tokens = phonemize(word)
    assert " " not in tokens
    assert any(t[-1] in "12" for t in tokens), "espeak marks a stressed vowel"
    assert all(t in SYMBOLS for t in tokens)


@pytest.fixture
def no_espeak(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    phonemes._word.cache_clear()
    monkeypatch.setattr(phonemes, "espeak_ipa", lambda text: "")
    yield
    phonemes._word.cache_clear()


@pytest.mark.usefixtures("no_espeak")
def test_words_are_spelled_when_espeak_fails() -> None:
    assert phonemize("Zxq") == ["Z", "IY1", " ", "EH1", "K", "S", " ", "K", "Y", "UW1"]


# ---------------------------------------------------------------- the symbol table

EXPECTED_SYMBOLS = (
    "_", " ", ",", ".", "?", "!", ";", ":", "—",
    "AA0", "AA1", "AA2", "AE0", "AE1", "AE2", "AH0", "AH1", "AH2", "AO0", "AO1", "AO2",
    "AW0", "AW1", "AW2", "AY0", "AY1", "AY2", "EH0", "EH1", "EH2", "ER0", "ER1", "ER2",
    "EY0", "EY1", "EY2", "IH0", "IH1", "IH2", "IY0", "IY1", "IY2", "OW0", "OW1", "OW2",
    "OY0", "OY1", "OY2", "UH0", "UH1", "UH2", "UW0", "UW1", "UW2",
    "B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P", "R", "S", "SH",
    "T", "TH", "V", "W", "Y", "Z", "ZH",
)  # fmt: skip


def test_symbol_table_is_stable() -> None:
    """A trained model's embedding depends on this order: only ever append."""
    assert SYMBOLS[: len(EXPECTED_SYMBOLS)] == EXPECTED_SYMBOLS
    assert len(SYMBOLS) == len(set(SYMBOLS)) == 78
    assert SYMBOLS[PAD_ID] == "_" and PAD_ID == 0
    assert len(VOWELS) + len(CONSONANTS) == 39


def test_every_cmudict_phoneme_is_a_symbol() -> None:
    used = {phone for prons in cmu_dict().values() for pron in prons for phone in pron}
    assert used <= set(SYMBOLS)


def test_symbol_ids() -> None:
    assert symbol_ids(["_", " ", "HH", "AH0"]) == [0, 1, SYMBOLS.index("HH"), SYMBOLS.index("AH0")]
    with pytest.raises(ValueError, match="'XX'"):
        symbol_ids(["HH", "XX"])


def test_text_to_ids() -> None:
    ids = text_to_ids("Hello, world!")
    assert [SYMBOLS[i] for i in ids] == phonemize("Hello, world!")
    assert PAD_ID not in ids


# ---------------------------------------------------------------- fuzzing

FRAGMENTS = st.sampled_from(
    ["Dr.", "St.", " ", "\n\n", "$", "£", "€", "%", "1,234", "3.14", "-", "–", "—", "...", "…",
     "'", '"', "“", "”", "«", "»", "@", "#", "/", "&", ":", "7:45", "pm", "a.m.", "U.S.", "FBI",
     "III", "1st", "°C", "km", "http://", "www.", ".com", "e.g.", "😀", "\u200d", "\u00a0", "ﬁ",
     "مرحبا", "שלום", "中文", "\u202e", "\x00", "\x1b", "²", "½", "٣", "１", "Ⅻ", "x", "A"]
)  # fmt: skip
NUMBERS = st.integers(min_value=-(10**40), max_value=10**40).map(str)
MIXED = st.lists(st.one_of(FRAGMENTS, NUMBERS, st.text(max_size=8)), max_size=30).map("".join)
ANY_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Po", "Pd", "Ps", "Pe"])),
    st.text(st.characters(min_codepoint=0x590, max_codepoint=0x6FF)),  # Hebrew and Arabic (RTL)
    st.text(st.characters(categories=["So", "Sk", "Sm", "Sc"]), max_size=50),
    st.text(alphabet="0123456789,.-$%:/ ", max_size=400),
    MIXED,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _has_latin_letter(text: str) -> bool:
    return any(
        ch.isalpha() and unicodedata.normalize("NFKD", ch)[:1] in string.ascii_letters
        for ch in text
    )


@FUZZ
@given(ANY_TEXT)
def test_normalize_never_raises_and_keeps_latin_letters(text: str) -> None:
    out = normalize(text)
    assert out == out.strip() and "  " not in out
    assert all(ch.isalpha() or ch in " ,.?!;:—'-" for ch in out)
    if _has_latin_letter(text):
        assert any(ch.isalpha() for ch in out)


@FUZZ
@given(ANY_TEXT)
def test_sentence_spans_never_raise_and_round_trip(text: str) -> None:
    spans = sentence_spans(text)
    _assert_valid_spans(text, spans)
    assert split_sentences(text) == [text[s:e] for s, e in spans]


@FUZZ
@given(ANY_TEXT)
def test_phonemize_never_raises_and_speaks_every_latin_text(text: str) -> None:
    tokens = phonemize(text)
    assert all(token in SYMBOLS for token in tokens)
    if _has_latin_letter(text):
        assert any(token[0].isalpha() for token in tokens)


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=1, max_value=3000))
def test_huge_numbers_do_not_break_anything(digits: int) -> None:
    text = f"About {'7' * digits} stars, or ${'1' * digits}.50 and {'9' * digits}%."
    assert phonemize(text)
    assert len(split_sentences(text)) >= 1
