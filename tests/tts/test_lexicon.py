"""The user's pronunciation dictionary: parsing, problems, reloading, and its effect on speech."""

import logging
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import paths
from assistant.asr.whisper import WhisperRecognizer
from assistant.lab.scoring import normalize_for_scoring
from assistant.tts import lexicon
from assistant.tts.lexicon import EMPTY, Lexicon, LexiconFile, user_lexicon
from assistant.tts.text import phonemize, symbol_ids
from assistant.tts.voice import Voice

SIOBHAN = ["SH", "AH0", "V", "AO1", "N"]

# (an entry, text, what the text must sound like without any dictionary)
RESPELLINGS = [
    ("Nguyen = win", "Nguyen is here.", "win is here."),
    ("SQL = sequel", "I use SQL, not MySQL.", "I use sequel, not MySQL."),
    ("sql = sequel", "SQL and Sql and sQL.", "sequel and sequel and sequel."),
    ("SQL = sequel", "SQL's rows, SQL-based.", "sequel's rows, sequel-based."),
    ("SQL = sequel", "SQLite and NOSQL.", "SQLite and NOSQL."),
    ("New York = Gotham", "New   York is big.", "Gotham is big."),
    ("C++ = see plus plus", "I like C++.", "I like see plus plus."),
    (r"re:\bv(\d+)\.(\d+)\b = version \1 point \2", "Get v2.10 now.",
     "Get version 2 point 10 now."),
    (r"re:(?P<a>\d+)x(?P<b>\d+) = \g<a> by \g<b>", "A 3x4 room.", "A 3 by 4 room."),
    (r"re:(\d+)=(\d+) = \1 equals \2", "So 2=3 holds.", "So 2 equals 3 holds."),
    ("re:Foo = bar", "foo and Foo.", "foo and bar."),
    ("re:(?i)foo = bar", "foo and FOO.", "bar and bar."),
    ("dr = doctor", "Dr. Who.", "doctor. Who."),
]  # fmt: skip


@pytest.mark.parametrize(("entry", "text", "sounds_like"), RESPELLINGS)
def test_respellings_and_regexes(entry: str, text: str, sounds_like: str) -> None:
    lex = Lexicon.parse(entry)
    assert lex.problems == ()
    assert phonemize(text, lex) == phonemize(sounds_like, EMPTY)


# (entry, text, the phonemes expected for the whole text)
ARPABET = [
    ("Siobhan = /SH AH0 V AO1 N/", "Siobhan", SIOBHAN),
    ("siobhan = [sh ah0 v ao1 n]", "SIOBHAN.", [*SIOBHAN, "."]),
    ("Siobhan = /SH AH0 V AO1 N/", "Siobhan's", [*SIOBHAN, "Z"]),
    ("Siobhan = /SH AH0 V AO1 N/", "Siobhan-like", [*SIOBHAN, " ", "L", "AY1", "K"]),
    ("Siobhan = /SH AH0 V AO1 N/", "Siobhanna", phonemize("Siobhanna", EMPTY)),
    ("Mary Ann = /M EH1 R IY0 AE1 N/", "Mary Ann", ["M", "EH1", "R", "IY0", "AE1", "N"]),
    ("tomato = /T AH0 M AA1 T OW2/", "A tomato!",
     ["AH0", " ", "T", "AH0", "M", "AA1", "T", "OW2", "!"]),
]  # fmt: skip


@pytest.mark.parametrize(("entry", "text", "expected"), ARPABET)
def test_arpabet_words_reach_the_phonemes_as_written(
    entry: str, text: str, expected: list[str]
) -> None:
    assert phonemize(text, Lexicon.parse(entry)) == expected


def test_order_regexes_then_respellings_then_arpabet() -> None:
    lex = Lexicon.parse(
        "Shiv = Siobhan\nSiobhan = /SH AH0 V AO1 N/\nre:Shivvy = Shiv\nwin = lose\nNguyen = win"
    )
    assert phonemize("Shivvy", lex) == SIOBHAN  # regex → respelling → ARPAbet
    assert phonemize("Nguyen", lex) == phonemize("win", EMPTY)  # one respelling pass, no chain


def test_a_later_entry_for_the_same_word_wins() -> None:
    lex = Lexicon.parse("Siobhan = shove on\nSIOBHAN = /SH AH0 V AO1 N/\nNguyen = /W IH1 N/\n"
                        "nguyen = win")  # fmt: skip
    assert phonemize("Siobhan", lex) == SIOBHAN
    assert lex.respellings == {"nguyen": "win"}
    assert list(lex.arpabet) == ["siobhan"]


MALFORMED = """\
# a comment, then a blank line

Nguyen = win
this line has no equals sign
re:( = broken
re:(a) = \\2
re:x* = matches nothing at all
 = nothing before
lonely =
Siobhan = /SH AH0 V AO1 QQ/
vowel = /AH V/
empty = //
re: = no pattern
SQL = sequel
"""


def test_malformed_entries_are_reported_with_line_numbers_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.tts.lexicon"):
        lex = Lexicon.parse(MALFORMED, "pronunciations.txt")
    found = [(p.line, p.message) for p in lex.problems]
    assert [line for line, _ in found] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    expected = ["no '='", "bad regular expression", "invalid group reference", "empty text",
                "nothing before", "nothing after", "unknown ARPAbet symbol 'QQ'",
                "stress digit", "no ARPAbet symbols", "no regular expression"]  # fmt: skip
    for (_, message), part in zip(found, expected, strict=True):
        assert part in message
    assert str(lex.problems[0]) == (
        "line 4: no '=' between the word and its pronunciation: this line has no equals sign"
    )
    assert len(caplog.records) == len(found)
    assert "pronunciations.txt: line 6" in caplog.records[2].getMessage()
    assert phonemize("Nguyen knows SQL.", lex) == phonemize("win knows sequel.", EMPTY)


def test_a_missing_file_is_an_empty_lexicon(tmp_path: Path) -> None:
    lex = Lexicon.read(tmp_path / "nothing.txt")
    assert len(lex) == 0 and lex.problems == ()
    assert LexiconFile(tmp_path / "nothing.txt").current().apply("SQL") == ("SQL", {})


def test_the_file_is_read_once_and_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "pronunciations.txt"
    watched = LexiconFile(path)
    assert len(watched.current()) == 0
    path.write_text("SQL = sequel\n", encoding="utf-8")
    first = watched.current()
    assert first.respellings == {"sql": "sequel"}
    assert watched.current() is first  # unchanged: not parsed again
    path.write_text("SQL = squeal\n", encoding="utf-8")  # same size: the mtime tells
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert watched.current().respellings == {"sql": "squeal"}
    path.unlink()
    assert len(watched.current()) == 0


def test_phonemize_uses_the_users_file_by_default() -> None:
    assert phonemize("Siobhan") != SIOBHAN
    path = paths.pronunciations_file()
    assert path == paths.config_dir() / "pronunciations.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Siobhan = /SH AH0 V AO1 N/\n", encoding="utf-8")
    assert phonemize("Siobhan") == SIOBHAN
    assert user_lexicon() is user_lexicon()


_LINES = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, b: f"{a}={b}", st.text(max_size=15), st.text(max_size=15)),
    st.builds(
        lambda a, b: f"re:{a} = {b}",
        st.text("()[]*+?\\1ab{}=|^$.", max_size=12),
        st.text("\\1g<>ab ", max_size=8),
    ),
    st.builds(lambda a, b: f"{a} = /{b}/", st.text(max_size=8), st.text("AHEY012 ", max_size=12)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, max_size=8), st.text(max_size=60))
def test_any_file_text_loads_without_raising(lines: list[str], sample: str) -> None:
    lex = Lexicon.parse("\n".join(lines))
    assert all(p.line >= 1 for p in lex.problems)
    rewritten, given_phonemes = lex.apply(sample)
    assert isinstance(rewritten, str)
    assert all(given_phonemes.values())
    phonemize(sample, lex)


# ---------------------------------------------------------------- with the real lj voice


@pytest.fixture(scope="module")
def lj() -> Voice:
    return Voice.load("lj")


def _write(entries: str) -> None:
    path = paths.pronunciations_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(entries, encoding="utf-8")
    assert lexicon.user_lexicon().problems == ()


def test_an_arpabet_entry_changes_the_ids_and_the_audio_of_the_real_voice(lj: Voice) -> None:
    sentence = "The cat sleeps."
    before_ids = symbol_ids(phonemize(sentence))
    before = lj.sentence_audio(sentence)
    _write("cat = /D AO1 G/\n")
    after_ids = symbol_ids(phonemize(sentence))
    after = lj.sentence_audio(sentence)
    assert after_ids != before_ids
    assert after_ids == symbol_ids(phonemize("The dog sleeps.", EMPTY))
    n = min(len(before), len(after))
    assert len(before) != len(after) or not np.allclose(before[:n], after[:n], atol=1e-3)


def test_whisper_hears_the_respelling_and_the_arpabet_word(
    lj: Voice, recognizer: WhisperRecognizer
) -> None:
    sentence = "We meet on Tuesday with the cat."
    plain = normalize_for_scoring(recognizer.transcribe(*lj.synthesize(sentence)))
    # Whisper tiny.en hears this voice's "cat" as "cat" or "cap" (package versions differ)
    assert "tuesday" in plain and "dog" not in plain
    _write("Tuesday = Thursday\ncat = /D AO1 G/\n")
    heard = normalize_for_scoring(recognizer.transcribe(*lj.synthesize(sentence)))
    assert "thursday" in heard and "tuesday" not in heard
    assert "dog" in heard and "cat" not in heard
