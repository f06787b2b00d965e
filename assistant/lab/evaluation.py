"""Evaluating voices: held-out runs scored with Whisper (WER/CER) and DNSMOS, their reports."""

from __future__ import annotations

import importlib
import json
import logging
import os
import platform
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant import paths
from assistant.asr.whisper import WhisperRecognizer
from assistant.lab.quality import Dnsmos, MosScore
from assistant.lab.scoring import edit_distance, normalize_for_scoring
from assistant.train import heldout

log = logging.getLogger(__name__)

# --- evaluating a voice: synthesize held-out sentences, transcribe, score, time -----------------

SynthFn = Callable[[str], tuple[np.ndarray, int]]  # text → (float32 samples, sample rate)
TranscribeFn = Callable[[np.ndarray, int], str]
QualityFn = Callable[[np.ndarray, int], MosScore]
AudioHook = Callable[["EvalItem", np.ndarray, int], None]


class EvaluationError(RuntimeError):
    """An evaluation cannot run (unknown system, missing voice module, silent output)."""


@dataclass(frozen=True)
class EvalItem:
    """One sentence to speak; alternatives also count as correct (e.g. numbers spelled out)."""

    id: str
    text: str
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentenceScore:
    """What one sentence scored: errors against its best reference, quality, and timing."""

    id: str
    text: str
    reference: str  # the reference scored against: text or one of its alternatives
    hypothesis: str
    words: int
    word_errors: int
    chars: int
    char_errors: int
    audio_s: float
    synthesis_s: float  # = time to first audio when the sentence is the first chunk
    dnsmos_overall: float
    dnsmos_signal: float
    dnsmos_background: float

    @property
    def wer(self) -> float:
        return self.word_errors / self.words

    @property
    def cer(self) -> float:
        return self.char_errors / self.chars

    @property
    def rtf(self) -> float:
        return self.synthesis_s / self.audio_s


@dataclass(frozen=True)
class EvalResult:
    """Per-sentence scores and the load average when the run started and ended."""

    rows: tuple[SentenceScore, ...]
    load_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def summary(self) -> dict[str, float]:
        """Corpus WER/CER, mean DNSMOS, overall RTF and latency percentiles (seconds)."""
        rows = self.rows
        latency = np.array([r.synthesis_s for r in rows])
        audio_s = sum(r.audio_s for r in rows)
        return {
            "n": len(rows),
            "wer": sum(r.word_errors for r in rows) / sum(r.words for r in rows),
            "cer": sum(r.char_errors for r in rows) / sum(r.chars for r in rows),
            "dnsmos_overall": float(np.mean([r.dnsmos_overall for r in rows])),
            "dnsmos_signal": float(np.mean([r.dnsmos_signal for r in rows])),
            "dnsmos_background": float(np.mean([r.dnsmos_background for r in rows])),
            "rtf": float(latency.sum() / audio_s),
            "audio_s": audio_s,
            "latency_mean_s": float(latency.mean()),
            "latency_p50_s": float(np.percentile(latency, 50)),
            "latency_p90_s": float(np.percentile(latency, 90)),
            "latency_max_s": float(latency.max()),
        }

    def to_dict(self) -> dict[str, Any]:
        rows = [{**asdict(r), "wer": r.wer, "cer": r.cer, "rtf": r.rtf} for r in self.rows]
        return {
            "summary": self.summary(),
            "load_average": {"start": list(self.load_start), "end": list(self.load_end)},
            "rows": rows,
        }


def score_sentence(references: Sequence[str], hypothesis: str) -> tuple[str, int, int, int, int]:
    """(reference, words, word errors, chars, char errors) for the best-matching reference."""
    hyp_words = normalize_for_scoring(hypothesis)
    best: tuple[float, str, int, int, int, int] | None = None
    for reference in references:
        ref_words = normalize_for_scoring(reference)
        if not ref_words:
            raise ValueError(f"reference {reference!r} is empty after normalisation")
        word_errors = edit_distance(ref_words, hyp_words)
        ref_chars, hyp_chars = " ".join(ref_words), " ".join(hyp_words)
        char_errors = edit_distance(ref_chars, hyp_chars)
        key = word_errors / len(ref_words)
        if best is None or key < best[0]:  # ties keep the earlier (main) reference
            best = (key, reference, len(ref_words), word_errors, len(ref_chars), char_errors)
    if best is None:
        raise ValueError("no reference to score against")
    return best[1:]


def evaluate(
    synthesize: SynthFn,
    items: Sequence[EvalItem],
    transcribe: TranscribeFn | None = None,
    quality: QualityFn | None = None,
    on_audio: AudioHook | None = None,
) -> EvalResult:
    """Speak each item, time it, transcribe it (Whisper tiny.en) and rate it (DNSMOS).

    Only the synthesize call is timed. One untimed warm-up call on the first item comes first,
    so one-off allocations do not count as the first sentence's latency.
    """
    if not items:
        raise ValueError("nothing to evaluate")
    if transcribe is None:
        transcribe = WhisperRecognizer(cpu_threads=2).transcribe
    if quality is None:
        quality = Dnsmos().score
    load_start = os.getloadavg()
    synthesize(items[0].text)
    rows = []
    for number, item in enumerate(items, start=1):
        start = time.perf_counter()
        audio, sample_rate = synthesize(item.text)
        elapsed = time.perf_counter() - start
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)
        if samples.size == 0:
            raise EvaluationError(f"no audio for {item.id}: {item.text!r}")
        if on_audio is not None:
            on_audio(item, samples, sample_rate)
        hypothesis = transcribe(samples, sample_rate)
        mos = quality(samples, sample_rate)
        reference, words, word_errors, chars, char_errors = score_sentence(
            (item.text, *item.alternatives), hypothesis
        )
        row = SentenceScore(
            item.id, item.text, reference, hypothesis, words, word_errors, chars, char_errors,
            samples.size / sample_rate, elapsed, mos.overall, mos.signal, mos.background,
        )  # fmt: skip
        log.info("%d/%d %s WER %.2f DNSMOS %.2f: %s", number, len(items), item.id, row.wer,
                 mos.overall, hypothesis)  # fmt: skip
        rows.append(row)
    return EvalResult(tuple(rows), load_start, os.getloadavg())


# --- the systems under test: our voice, the Piper joe anchor, the real LJ recordings -----------

SYSTEMS = ("piper-joe", "lj-recordings", "voice:<path>")


@dataclass(frozen=True)
class System:
    """A named text-to-speech function and the held-out items it is evaluated on."""

    name: str
    synthesize: SynthFn
    items: list[EvalItem]
    note: str = ""  # e.g. what its "synthesis" time really measures


def sentence_items(n: int, shared: Path | None = None) -> list[EvalItem]:
    """The first n fixed evaluation sentences (raw text; the normalised one also counts)."""
    chosen = heldout.load_evaluation_sentences(shared)[:n]
    return [EvalItem(s.id, s.raw, (s.normalised,) if s.normalised != s.raw else ()) for s in chosen]


def lj_items(n: int, shared: Path | None = None) -> list[tuple[EvalItem, Path]]:
    """The first n held-out LJ clips (never trained on) with their recordings."""
    root = heldout.lj_subset_dir(shared or heldout.default_shared_dir())
    clips = [s for s in heldout.read_metadata(root / "metadata.csv") if heldout.is_lj_val(s.id)]
    return [
        (EvalItem(s.id, s.raw, (s.normalised,) if s.normalised != s.raw else ()),
         root / "wavs" / f"{s.id}.flac")
        for s in clips[:n]
    ]  # fmt: skip


def _recordings(pairs: list[tuple[EvalItem, Path]]) -> SynthFn:
    from assistant.tts import features  # torch: imported only when recordings are played

    by_text = {item.text: path for item, path in pairs}

    def play(text: str) -> tuple[np.ndarray, int]:
        return features.load_audio(by_text[text]), features.SAMPLE_RATE

    return play


def _piper(threads: int) -> SynthFn:
    from assistant.train.piper import PiperVoice

    voice = PiperVoice.load(threads=threads)
    return lambda text: (voice.synthesize(text), voice.sample_rate)


def _voice(
    path: Path,
    emotion: str | None,
    intensity: float | None,
    threads: int,
    rate: float = 1.0,
    vocoder: str | None = None,
) -> SynthFn:
    """Our own voice through `assistant.tts.voice.Voice` (imported only when asked for)."""
    try:
        module = importlib.import_module("assistant.tts.voice")
    except ModuleNotFoundError as err:
        if err.name != "assistant.tts.voice":
            raise
        raise EvaluationError(
            "assistant.tts.voice does not exist yet: no voice of our own can be evaluated; "
            "try --system piper-joe or lj-recordings"
        ) from err
    import torch

    torch.set_num_threads(threads)
    try:
        voice = module.Voice.load(path, vocoder=vocoder)
    except (OSError, ValueError, RuntimeError) as err:  # VoiceError is a RuntimeError
        raise EvaluationError(f"cannot load the voice {path}: {err}") from err
    options: dict[str, Any] = {"rate": rate}
    if emotion is not None:
        options["emotion"] = emotion
    if intensity is not None:
        options["intensity"] = intensity

    def speak(text: str) -> tuple[np.ndarray, int]:
        audio, sample_rate = voice.synthesize(text, **options)
        return np.asarray(audio, dtype=np.float32), int(sample_rate)

    return speak


def load_system(
    spec: str,
    n: int = 50,
    emotion: str | None = None,
    intensity: float | None = None,
    threads: int = 2,
    shared: Path | None = None,
    rate: float = 1.0,
    vocoder: str | None = None,
) -> System:
    """piper-joe | lj-recordings | voice:<voice name or folder>, with its first n items."""
    if (emotion is not None or intensity is not None or rate != 1.0) and not spec.startswith(
        "voice:"
    ):
        raise EvaluationError(
            f"--emotion/--intensity/--rate apply to voice:<path> only, not {spec}"
        )
    if spec == "lj-recordings":
        pairs = lj_items(n, shared)
        note = "recordings: RTF and latency measure reading the files, not synthesis"
        return System(spec, _recordings(pairs), [item for item, _ in pairs], note)
    if spec == "piper-joe":
        return System(spec, _piper(threads), sentence_items(n, shared))
    if spec.startswith("voice:") and spec[6:]:
        path = Path(spec[6:]).expanduser()
        name = f"voice-{path.name}" + (f"-{emotion}" if emotion else "")
        if intensity is not None:
            name += f"-{intensity:g}"
        if rate != 1.0:
            name += f"-x{rate:g}"
        if vocoder:
            name += f"-{Path(vocoder).name}"
        speak = _voice(path, emotion, intensity, threads, rate, vocoder)
        return System(name, speak, sentence_items(n, shared))
    raise EvaluationError(f"unknown system {spec!r}; choose one of {', '.join(SYSTEMS)}")


def as_document(system: System, words: int, shared: Path | None = None) -> System:
    """The same system reading one long document made of held-out sentences (≥ `words`)."""
    chosen: list[EvalItem] = []
    for item in sentence_items(10_000, shared):
        chosen.append(item)
        if sum(len(i.text.split()) for i in chosen) >= words:
            break
    document = " ".join(i.text for i in chosen)
    spelled = " ".join((i.alternatives or (i.text,))[0] for i in chosen)
    item = EvalItem(f"document-{len(document.split())}-words", document, (spelled,))
    return System(f"{system.name}-document", system.synthesize, [item], system.note)


# --- reports: JSON, a one-line table, plots (the only matplotlib import) ------------------------


def machine_info() -> dict[str, Any]:
    """Where and when numbers were measured: busy cores make every timing slower."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": list(os.getloadavg()),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "commit": commit or None,
    }


def run_dir(kind: str, name: str = "") -> Path:
    """A fresh output folder: <cache>/<kind>/<name>-<timestamp>/ (or <timestamp>/ without name)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
    return paths.cache_dir() / kind / (f"{slug}-{stamp}" if slug else stamp)


def audio_saver(folder: Path) -> AudioHook:
    """An on_audio hook that writes each sentence to folder/<id>.wav (for listening)."""
    import soundfile

    def save(item: EvalItem, audio: np.ndarray, sample_rate: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(folder / f"{item.id}.wav"), audio, sample_rate)

    return save


def write_report(result: EvalResult, out_dir: Path, config: dict[str, Any]) -> tuple[Path, Path]:
    """result.json (config, machine, summary, rows) and result.png under out_dir."""
    report = {"config": config, "machine": machine_info(), **result.to_dict()}
    json_path, png_path = out_dir / "result.json", out_dir / "result.png"
    paths.atomic_write(
        json_path, (json.dumps(report, indent=2, default=str) + "\n").encode("utf-8")
    )
    save_eval_plot(result, png_path, title=str(config.get("system", "")))
    return json_path, png_path


def summary_table(name: str, result: EvalResult) -> str:
    """A header line and one row: the numbers to compare with the anchors."""
    s = result.summary()
    load = result.load_start[0]
    return (
        f"{'system':<24} {'n':>3} {'WER':>6} {'CER':>6} {'DNSMOS o/s/b':>15} {'RTF':>6} "
        f"{'lat p50/p90 s':>13} {'load':>5}\n"
        f"{name:<24} {s['n']:>3} {s['wer']:>6.1%} {s['cer']:>6.1%} "
        f"{s['dnsmos_overall']:>5.2f}/{s['dnsmos_signal']:.2f}/{s['dnsmos_background']:.2f} "
        f"{s['rtf']:>6.3f} {s['latency_p50_s']:>6.2f}/{s['latency_p90_s']:<6.2f} {load:>5.2f}"
    )


def _figure(panels: int) -> tuple[Any, list[Any]]:
    from matplotlib.figure import Figure  # no pyplot: no global state, no display needed

    figure = Figure(figsize=(5 * panels, 4), layout="constrained")
    return figure, list(figure.subplots(1, panels, squeeze=False)[0])


def save_eval_plot(result: EvalResult, path: Path, title: str = "") -> None:
    """Per-sentence WER, latency against audio length, and the DNSMOS histogram."""
    rows = result.rows
    s = result.summary()
    figure, (wer_ax, lat_ax, mos_ax) = _figure(3)
    wer_ax.bar(range(len(rows)), [100 * r.wer for r in rows], color="tab:red")
    wer_ax.set(xlabel="sentence", ylabel="WER %", title=f"WER {s['wer']:.1%} (corpus)")
    lat_ax.scatter([r.audio_s for r in rows], [r.synthesis_s for r in rows], s=12)
    lat_ax.set(xlabel="audio s", ylabel="synthesis s (first-audio latency)",
               title=f"RTF {s['rtf']:.3f}, p90 latency {s['latency_p90_s']:.2f} s")  # fmt: skip
    mos_ax.hist([r.dnsmos_overall for r in rows], bins=20, range=(1, 5), color="tab:green")
    mos_ax.set(xlabel="DNSMOS overall", ylabel="sentences",
               title=f"DNSMOS {s['dnsmos_overall']:.2f}")  # fmt: skip
    figure.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)


def save_bar_charts(path: Path, panels: dict[str, dict[str, float]], title: str = "") -> None:
    """One bar chart per panel (its title → {bar label: value}); empty panels are left out."""
    shown = {name: bars for name, bars in panels.items() if bars}
    if not shown:
        raise ValueError("nothing to plot")
    figure, axes = _figure(len(shown))
    for ax, (name, bars) in zip(axes, shown.items(), strict=True):
        ax.bar(list(bars), list(bars.values()), color="tab:blue")
        ax.set_title(name)
        ax.tick_params(axis="x", labelrotation=30)
        for x, value in enumerate(bars.values()):
            ax.annotate(f"{value:.3g}", (x, value), ha="center", va="bottom")
    figure.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
