"""Evaluation runs: scoring held-out sentences, the systems, reports."""

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from assistant.lab.evaluation import (
    EvalItem,
    EvaluationError,
    evaluate,
    lj_items,
    load_system,
    run_dir,
    score_sentence,
    sentence_items,
    summary_table,
    write_report,
)
from assistant.lab.quality import MosScore


def fake_voice(text: str) -> tuple[np.ndarray, int]:
    """A stand-in voice: 0.1 s of audio per word at 1 kHz."""
    return np.full(int(1000 * 0.1 * len(text.split())), 0.1, dtype=np.float32), 1000


def fake_quality(audio: np.ndarray, sample_rate: int) -> MosScore:
    return MosScore(overall=3.0 + audio.size / sample_rate, signal=3.5, background=4.0)


def echo_but_drop_last_word(audio: np.ndarray, sample_rate: int) -> str:
    words = round(audio.size / sample_rate / 0.1)
    return " ".join(["word"] * (words - 1))


def test_evaluate_scores_each_sentence_and_the_corpus() -> None:
    items = [EvalItem("a", "word word word word"), EvalItem("b", "word word")]
    heard: list[str] = []
    result = evaluate(
        fake_voice,
        items,
        transcribe=echo_but_drop_last_word,
        quality=fake_quality,
        on_audio=lambda item, audio, sr: heard.append(item.id),
    )
    assert heard == ["a", "b"]
    first, second = result.rows
    assert (first.words, first.word_errors, second.words, second.word_errors) == (4, 1, 2, 1)
    assert first.audio_s == pytest.approx(0.4) and first.synthesis_s >= 0
    summary = result.summary()
    assert summary["n"] == 2
    assert summary["wer"] == pytest.approx(2 / 6)  # corpus-level, not the mean of 1/4 and 1/2
    assert summary["cer"] == pytest.approx((5 + 5) / (19 + 9))  # " word" deleted each time
    assert summary["dnsmos_overall"] == pytest.approx(3.3)
    assert summary["rtf"] == pytest.approx(sum(r.synthesis_s for r in result.rows) / 0.6)
    assert len(result.load_start) == 3


def test_alternative_references_count_as_correct() -> None:
    reference, words, errors, _, _ = score_sentence(
        ["a grant of sixpence", "a grant of six pence"], "A grant of six pence."
    )
    assert (reference, words, errors) == ("a grant of six pence", 5, 0)
    _, _, errors, _, _ = score_sentence(["thirty-five tried"], "35 tried")
    assert errors == 0  # digits and number words are the same words
    reference, _, errors, _, _ = score_sentence(["same text", "same text too"], "other")
    assert reference == "same text"  # ties keep the main reference


def test_silent_output_is_an_error() -> None:
    with pytest.raises(EvaluationError, match="no audio"):
        evaluate(
            lambda text: (np.zeros(0, dtype=np.float32), 22050),
            [EvalItem("a", "hello")],
            transcribe=lambda audio, sr: "",
            quality=fake_quality,
        )


def test_unknown_systems_and_misplaced_options_are_refused() -> None:
    with pytest.raises(EvaluationError, match="unknown system"):
        load_system("tacotron")
    with pytest.raises(EvaluationError, match="voice:<path> only"):
        load_system("piper-joe", emotion="happy")


def test_voice_adapter_explains_a_missing_voice_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "assistant.tts.voice", None)  # as if not written yet
    with pytest.raises(EvaluationError, match=r"assistant\.tts\.voice does not exist"):
        load_system("voice:assistant/voices/lj", n=2, emotion="happy", intensity=0.5)


def test_voice_adapter_passes_emotion_and_intensity(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, object]]] = []

    class FakeVoice:
        @classmethod
        def load(cls, path: Path, vocoder: str | None = None) -> "FakeVoice":
            assert path == Path("assistant/voices/lj") and vocoder is None
            return cls()

        def synthesize(self, text: str, **options: object) -> tuple[list[float], int]:
            calls.append((text, options))
            return [0.0, 0.5], 22050

    module = types.ModuleType("assistant.tts.voice")
    module.Voice = FakeVoice  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assistant.tts.voice", module)
    system = load_system("voice:assistant/voices/lj", n=3, emotion="sad", intensity=0.5)
    assert system.name == "voice-lj-sad-0.5" and len(system.items) == 3
    audio, sample_rate = system.synthesize("hello")
    assert audio.dtype == np.float32 and sample_rate == 22050
    assert calls == [("hello", {"emotion": "sad", "intensity": 0.5, "rate": 1.0})]


def test_held_out_items(shared_dir: Path) -> None:
    sentences = sentence_items(50, shared_dir)
    assert len(sentences) == 50 and len({s.id for s in sentences}) == 50
    assert sentence_items(5, shared_dir) == sentences[:5]  # a fixed order: --n takes a prefix
    clips = lj_items(100, shared_dir)  # the held-out clips of the fixture's 14 (22 of the real 370)
    assert [item.id for item, _ in clips] == ["LJ001-0024", "LJ001-0104"]
    assert all(path.is_file() for _, path in clips) and lj_items(1, shared_dir) == clips[:1]


def test_report_writes_json_png_and_a_table(tmp_path: Path) -> None:
    result = evaluate(
        fake_voice,
        [EvalItem("a", "one two three"), EvalItem("b", "four five")],
        transcribe=lambda audio, sr: "one two three",
        quality=fake_quality,
    )
    json_path, png_path = write_report(result, tmp_path / "run", {"system": "fake"})
    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["config"] == {"system": "fake"}
    assert len(report["machine"]["load_average"]) == 3
    assert [row["id"] for row in report["rows"]] == ["a", "b"]
    assert report["summary"]["wer"] == pytest.approx(3 / 5)
    assert png_path.read_bytes()[:4] == b"\x89PNG"
    table = summary_table("fake", result).splitlines()
    assert len(table) == 2 and "WER" in table[0] and "60.0%" in table[1]


def test_run_dirs_live_in_the_cache(user_dirs: Path) -> None:
    folder = run_dir("eval", "voice:assistant/voices/lj")
    assert folder.parent == user_dirs / "cache" / "eval"
    assert folder.name.startswith("voice-assistant-voices-lj-")


@pytest.mark.slow
def test_recordings_end_to_end_through_the_script(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "evaluate_voice"
    out = tmp_path / "lj"
    command = [sys.executable, str(script), "--system", "lj-recordings", "--n", "2"]
    proc = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert report["summary"]["n"] == 2
    assert report["summary"]["wer"] < 0.2  # real recordings are intelligible
    assert report["summary"]["dnsmos_overall"] > 2.5
    assert (out / "result.png").stat().st_size > 0
    assert "lj-recordings" in proc.stdout
