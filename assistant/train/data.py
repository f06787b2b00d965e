"""The training cache: LJ Speech clips and Piper joe speech → mel, phoneme ids, f0 and energy."""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import functools
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from tqdm import tqdm

from assistant import paths
from assistant.train import heldout, piper, pitch
from assistant.train.cache import load_utterance, read_meta
from assistant.tts import features, text
from assistant.tts.lexicon import EMPTY  # training never reads a user's pronunciations

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
FEATURES = "praat-ac-v2"  # cached utterances with other features are rebuilt (from cached audio)
MIN_SECONDS = 0.3  # shorter clips (after trimming) are skipped
TRIM_MARGIN = 2 * features.HOP  # samples kept either side of the loud part
_FEATURE_SETTINGS = ("SAMPLE_RATE", "HOP", "N_FFT", "WIN", "N_MELS", "FMIN", "FMAX", "LOG_FLOOR")
LJ_SOURCE = {
    "name": "LJ Speech Dataset 1.1, subset (LJ001-*, LJ002-*)",
    "author": "Keith Ito and Linda Johnson (2017)",
    "licence": "public domain (audio and transcripts)",
    "url": "https://keithito.com/LJ-Speech-Dataset/",
}
LESSAC_NOTE = (
    "The joe model was fine-tuned from Piper's U.S. English lessac voice; its model card states "
    "the joe dataset licence only. Check the lessac base model's terms before redistributing."
)


@dataclass(frozen=True)
class PrepareConfig:
    """What to build and where; `lj_ids`/`joe_limit` restrict the sources for tests and trials."""

    out: Path = field(default_factory=lambda: paths.cache_dir() / "voice-data")
    shared: Path = field(default_factory=heldout.default_shared_dir)
    hours: float = 4.0  # joe audio (after trimming), train + val
    jobs: int = 1
    top_db: float = 40.0  # leading/trailing audio quieter than peak - top_db is trimmed
    lj_ids: tuple[str, ...] | None = None
    joe_limit: int | None = None
    refresh_ids: bool = False  # recompute phoneme ids of cached utterances (frontend changed)
    progress: bool = True
    # every training clip again, sped up by each of these factors (sox tempo: pitch kept), so a
    # voice learns how its phonemes sound when spoken fast (the reader's rates above 1x)
    tempos: tuple[float, ...] = ()


@dataclass(frozen=True)
class Job:
    """One utterance to build: its source audio (LJ) or the text Piper should speak (joe)."""

    id: str
    speaker: str
    split: str
    text: str
    audio: str  # absolute (LJ, read-only) or relative to the cache root (joe, written by us)
    tempo: float = 1.0  # > 1: `audio` sped up this much (made in the cache), same words


def symbols_digest() -> str:
    """Identifies the frontend's symbol table; cached ids are recomputed when it changes."""
    return hashlib.sha256(json.dumps(list(text.SYMBOLS)).encode("utf-8")).hexdigest()[:16]


def utterance_path(out: Path, speaker: str, utt_id: str) -> Path:
    return out / "utts" / speaker / f"{utt_id}.npz"


def trim_bounds(audio: np.ndarray, top_db: float, margin: int = TRIM_MARGIN) -> tuple[int, int]:
    """[start, end) of the part louder than peak - top_db (frame RMS), widened by `margin`."""
    padded = np.pad(audio.astype(np.float64), features.WIN // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, features.WIN)[:: features.HOP]
    rms_db = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-20)  # frame k centred on k * HOP
    loud = np.flatnonzero(rms_db > rms_db.max() - top_db)
    if loud.size == 0:
        return 0, 0
    start = max(0, int(loud[0]) * features.HOP - margin)
    end = min(audio.size, (int(loud[-1]) + 1) * features.HOP + margin)
    return start, end


def _sums(f0: np.ndarray, energy: np.ndarray) -> dict[str, float]:
    """Sufficient statistics for the per-speaker normalisation (float64 sums)."""
    lf0 = np.log(f0[f0 > 0].astype(np.float64))
    e = energy.astype(np.float64)
    le = np.log(np.maximum(e, 1e-5))
    return {
        "voiced": float(lf0.size), "lf0": float(lf0.sum()), "lf0_sq": float((lf0**2).sum()),
        "frames": float(e.size), "energy": float(e.sum()), "energy_sq": float((e**2).sum()),
        "log_energy": float(le.sum()), "log_energy_sq": float((le**2).sum()),
    }  # fmt: skip


@functools.lru_cache(maxsize=1)
def _piper_voice(threads: int) -> piper.PiperVoice:
    """One Piper session per process (workers load their own)."""
    return piper.PiperVoice.load(threads=threads)


def _write_flac(path: Path, audio: np.ndarray) -> None:
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, features.SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    paths.atomic_write(path, buffer.getvalue())


def _save_npz(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    buffer = io.BytesIO()
    payload: dict[str, Any] = {"meta": np.array(json.dumps(meta)), **arrays}
    np.savez(buffer, **payload)  # uncompressed: fast to load
    paths.atomic_write(path, buffer.getvalue())


def tempo_jobs(metas: Sequence[dict[str, Any]], tempos: Sequence[float]) -> list[Job]:
    """The built training utterances again at each tempo (ids `<id>-x<tempo>`)."""
    names = [f.name for f in fields(Job)]
    return [
        replace(Job(**{k: m[k] for k in names if k in m}), id=f"{m['id']}-x{t:g}", tempo=t)
        for t in tempos
        for m in metas
        if m["split"] == "train" and m.get("tempo", 1.0) == 1.0
    ]


def speed_up(source: Path, target: Path, tempo: float) -> None:
    """source spoken `tempo` times as fast, pitch kept (sox's WSOLA `tempo -s`), as 16-bit FLAC."""
    if shutil.which("sox") is None:
        raise RuntimeError("sox is needed to speed up training clips: apt install sox")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.tmp.flac")
    cmd = ["sox", str(source), "-b", "16", str(tmp), "tempo", "-s", f"{tempo:g}"]
    subprocess.run(cmd, check=True, capture_output=True)
    os.replace(tmp, target)


def _source_audio(job: Job, out: Path, threads: int) -> tuple[Path, str | None]:
    """The job's audio file, synthesising (and caching as 16-bit FLAC) joe speech when missing,
    and speeding it up (cached too) for a job with a tempo."""
    if job.tempo != 1.0:
        source, generated = _source_audio(replace(job, tempo=1.0), out, threads)
        path = out / "audio" / "tempo" / job.speaker / f"{job.id}.flac"
        if not path.exists():
            speed_up(source, path, job.tempo)
        return path, generated
    if job.speaker != "joe":
        return Path(job.audio), None
    path = out / job.audio
    if not path.exists():
        # Piper speaks the frontend's normalised text, so audio and phoneme ids say the same words.
        audio = _piper_voice(threads).synthesize(text.normalize(job.text))
        _write_flac(path, np.clip(audio, -1.0, 1.0))
    made = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
    return path, made.date().isoformat()


def build_utterance(job: Job, out: Path, top_db: float, threads: int) -> dict[str, Any] | None:
    """Make one utterance's .npz (features of the trimmed audio) and return its metadata."""
    source, generated = _source_audio(job, out, threads)
    audio = features.load_audio(source)  # 16-bit FLAC → identical features when recomputed
    start, end = trim_bounds(audio, top_db)
    clip = audio[start:end]
    if clip.size < MIN_SECONDS * features.SAMPLE_RATE:
        log.warning("skipping %s: %.2f s after trimming", job.id, clip.size / features.SAMPLE_RATE)
        return None
    mel = features.mel_spectrogram(clip).numpy()  # (80, T)
    frames = mel.shape[1]
    energy = features.energy(clip).numpy().astype(np.float32)  # (T,)
    f0 = pitch.pitch(clip, frames)  # (T,)
    ids = np.asarray(text.text_to_ids(job.text, EMPTY), dtype=np.int16)  # (N,)
    meta: dict[str, Any] = {
        **asdict(job),
        "path": str(utterance_path(out, job.speaker, job.id).relative_to(out)),
        "n_frames": frames,
        "n_ids": int(ids.size),
        "duration": round(clip.size / features.SAMPLE_RATE, 4),
        "trim": [start, end],
        "source_samples": int(audio.size),
        "symbols": symbols_digest(),
        "features": FEATURES,
        "generated": generated,
        "spoken": text.normalize(job.text) if job.speaker == "joe" else None,  # what Piper read
        "sums": _sums(f0, energy),
    }
    arrays = {"mel": mel.astype(np.float16), "ids": ids, "f0": f0, "energy": energy}
    _save_npz(utterance_path(out, job.speaker, job.id), arrays, meta)
    return meta


def _refresh_ids(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Recompute an utterance's phoneme ids with the current frontend (no audio work)."""
    arrays = load_utterance(path)
    ids = np.asarray(text.text_to_ids(meta["text"], EMPTY), dtype=np.int16)
    if meta.get("spoken") not in (None, text.normalize(meta["text"])):
        log.warning("%s: the frontend now reads its text differently; delete its audio", path)
    if np.array_equal(ids, arrays["ids"]) and meta["symbols"] == symbols_digest():
        return meta
    meta = {**meta, "n_ids": int(ids.size), "symbols": symbols_digest()}
    _save_npz(path, {**arrays, "ids": ids}, meta)
    return meta


def _cached(job: Job, cfg: PrepareConfig) -> dict[str, Any] | None:
    """An already built utterance's metadata (ids refreshed); None when missing or stale."""
    path = utterance_path(cfg.out, job.speaker, job.id)
    if not path.exists():
        return None
    meta = read_meta(path)
    if meta.get("features") != FEATURES:
        return None
    if cfg.refresh_ids or meta.get("symbols") != symbols_digest():
        meta = _refresh_ids(path, meta)
    return meta


Runner = Callable[[Sequence[Job]], list[dict[str, Any] | None]]


@contextlib.contextmanager
def _runner(cfg: PrepareConfig) -> Iterator[Runner]:
    """Builds batches of jobs, reusing cached ones; missing ones in-process or in `jobs` workers."""
    threads = max(1, (os.cpu_count() or 2) // max(1, cfg.jobs))
    pool = ProcessPoolExecutor(cfg.jobs, mp_context=get_context("spawn")) if cfg.jobs > 1 else None

    def run(batch: Sequence[Job]) -> list[dict[str, Any] | None]:
        metas = [_cached(job, cfg) for job in batch]
        todo = [i for i, meta in enumerate(metas) if meta is None]
        n = len(todo)
        args = ([batch[i] for i in todo], [cfg.out] * n, [cfg.top_db] * n, [threads] * n)
        results = pool.map(build_utterance, *args) if pool else map(build_utterance, *args)
        for i, meta in zip(todo, results, strict=True):
            metas[i] = meta
        return metas

    try:
        yield run
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def lj_jobs(cfg: PrepareConfig, lj: list[heldout.Sentence]) -> list[Job]:
    """Every LJ-subset clip (or those in cfg.lj_ids), split by the fixed held-out rule."""
    wavs = heldout.lj_subset_dir(cfg.shared) / "wavs"
    return [
        Job(s.id, "lj", "val" if heldout.is_lj_val(s.id) else "train", s.raw, f"{wavs}/{s.id}.flac")
        for s in lj
        if cfg.lj_ids is None or s.id in cfg.lj_ids
    ]


def joe_jobs(
    cfg: PrepareConfig, sentences: list[heldout.Sentence], lj: list[heldout.Sentence]
) -> list[Job]:
    """Sentences for the joe voice in synthesis order (evaluation and LJ-subset texts excluded)."""
    candidates = heldout.joe_candidates(sentences, lj)[: cfg.joe_limit]
    return [Job(s.id, "joe", split, s.raw, f"audio/joe/{s.id}.flac") for s, split in candidates]


def speaker_stats(metas: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per speaker, over train: mean/std of ln f0 (voiced frames), energy and ln energy."""
    totals: dict[str, dict[str, float]] = {}
    for meta in metas:
        if meta["split"] != "train" or meta.get("tempo", 1.0) != 1.0:  # the speaker as recorded
            continue
        acc = totals.setdefault(meta["speaker"], {"utterances": 0.0, "seconds": 0.0})
        acc["utterances"] += 1
        acc["seconds"] += meta["duration"]
        for key, value in meta["sums"].items():
            acc[key] = acc.get(key, 0.0) + value
    stats = {}
    for speaker, acc in sorted(totals.items()):
        out = {"utterances": acc["utterances"], "hours": round(acc["seconds"] / 3600, 4)}
        out |= {"voiced_frames": acc["voiced"], "frames": acc["frames"]}
        for name, count in (("lf0", "voiced"), ("energy", "frames"), ("log_energy", "frames")):
            mean = acc[name] / max(acc[count], 1.0)
            var = acc[f"{name}_sq"] / max(acc[count], 1.0) - mean**2
            label = "log_f0" if name == "lf0" else name
            out |= {f"{label}_mean": mean, f"{label}_std": float(np.sqrt(max(var, 0.0)))}
        stats[speaker] = out
    return stats


def _sources(cfg: PrepareConfig, metas: list[dict[str, Any]]) -> dict[str, Any]:
    """Licence and provenance of each source, with what this cache holds of it."""
    lj = [m for m in metas if m["speaker"] == "lj"]
    lj_seconds = sum(m["source_samples"] for m in lj) / features.SAMPLE_RATE
    joe = [m for m in metas if m["speaker"] == "joe"]
    dates = sorted({m["generated"] for m in joe if m.get("generated")})
    return {
        "lj": {
            **LJ_SOURCE,
            "path": str(heldout.lj_subset_dir(cfg.shared)),
            "clips": len(lj),
            "hours_untrimmed": round(lj_seconds / 3600, 4),
        },
        "joe": {
            **piper.describe_joe_voice(),
            "note": LESSAC_NOTE,
            "texts": "ljspeech-sentences.csv (LJ Speech 1.1 transcripts, public domain), spoken as "
            "assistant.tts.text.normalize(raw text)",
            "generated": f"{dates[0]} to {dates[-1]}" if dates else None,
            "utterances": len(joe),
        },
    }


def write_manifest(cfg: PrepareConfig, metas: list[dict[str, Any]], complete: bool) -> None:
    """manifest.jsonl (one record per utterance) and manifest.json (sources, settings, stats)."""
    lines = [json.dumps({k: v for k, v in m.items() if k != "sums"}) for m in metas]
    paths.atomic_write(cfg.out / "manifest.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))
    splits: dict[str, int] = {}
    for m in metas:
        splits[f"{m['speaker']}/{m['split']}"] = splits.get(f"{m['speaker']}/{m['split']}", 0) + 1
    summary = {
        "format_version": FORMAT_VERSION,
        "complete": complete,
        "updated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "layout": "utts/<speaker>/<id>.npz: mel (80,T) float16 ln-mel, ids (N,) int16, f0 (T,) Hz "
        "float32 (0 = unvoiced), energy (T,) float32 (L2 norm of the STFT frame), meta (JSON); "
        "audio/joe/<id>.flac: 16-bit Piper output before trimming; audio/tempo/<speaker>/"
        "<id>-x<tempo>.flac: a training clip sped up (sox tempo -s); trim = [start, end) samples",
        "settings": {
            **{k.lower(): getattr(features, k) for k in _FEATURE_SETTINGS},
            "f0": f"Praat autocorrelation (parselmouth), two passes from {pitch.FLOOR:g}-"
            f"{pitch.CEILING:g} Hz, frame = hop ({FEATURES})",
            **{"trim_top_db": cfg.top_db, "trim_margin_samples": TRIM_MARGIN},
            **{"joe_hours_target": cfg.hours, "symbols": symbols_digest()},
            "tempos": list(cfg.tempos),
        },
        "split_rule": "assistant.train.heldout (evaluation sentences are never in this cache)",
        "counts": splits,
        "stats": speaker_stats(metas),
        "sources": _sources(cfg, metas),
    }
    data = json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8")
    paths.atomic_write(cfg.out / "manifest.json", data)


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One writer per cache; leftovers of a killed run (temporary files) are removed first."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RuntimeError(f"another prepare_data run is writing {out}") from exc
        for stale in out.rglob(".*.tmp"):
            stale.unlink()
        yield


def _build(
    jobs: list[Job], run: Runner, bar: tqdm, batch: int, seconds: float | None = None
) -> Iterator[dict[str, Any]]:
    """Metadata of the built jobs in order; with `seconds`, stop once that much audio is built."""
    total = 0.0
    for first in range(0, len(jobs), batch):
        for meta in run(jobs[first : first + batch]):
            if seconds is not None and total >= seconds:
                return
            if meta is None:
                continue
            total += meta["duration"]
            bar.update(int(total) - bar.n if seconds is not None else 1)  # whole seconds of audio
            yield meta


def prepare(cfg: PrepareConfig) -> Path:
    """Build (or finish, or reuse) the training cache in cfg.out; returns manifest.json's path."""
    lj = heldout.read_metadata(heldout.lj_subset_dir(cfg.shared) / "metadata.csv")
    sentences = heldout.read_metadata(heldout.sentences_csv(cfg.shared))
    batch = 1 if cfg.jobs <= 1 else 2 * cfg.jobs
    with _exclusive(cfg.out), _runner(cfg) as run:
        jobs = lj_jobs(cfg, lj)
        with tqdm(total=len(jobs), desc="lj", unit="clip", disable=not cfg.progress) as bar:
            metas = list(_build(jobs, run, bar, batch))
        write_manifest(cfg, metas, complete=False)
        log.info("lj: %d clips in %s", len(metas), cfg.out)
        target = cfg.hours * 3600.0
        jobs = joe_jobs(cfg, sentences, lj)
        with tqdm(total=round(target), desc="joe", unit="s", disable=not cfg.progress) as bar:
            for count, meta in enumerate(_build(jobs, run, bar, batch, target), start=1):
                metas.append(meta)
                if count % 250 == 0:  # a partial manifest lets training start early
                    write_manifest(cfg, metas, complete=False)
        jobs = tempo_jobs(metas, cfg.tempos)
        with tqdm(total=len(jobs), desc="faster", unit="clip", disable=not cfg.progress) as bar:
            metas += list(_build(jobs, run, bar, batch))
        write_manifest(cfg, metas, complete=True)
    log.info("cache complete: %d utterances in %s", len(metas), cfg.out)
    return cfg.out / "manifest.json"
