"""The training cache: aligned features, manifest and licences, resume/reuse, held-out sets."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.train import cache, data, heldout, pitch
from assistant.tts import features, text


@pytest.fixture(scope="module")
def sources(shared_dir: Path) -> tuple[list[heldout.Sentence], list[heldout.Sentence]]:
    sentences = heldout.read_metadata(heldout.sentences_csv(shared_dir))
    lj = heldout.read_metadata(heldout.lj_subset_dir(shared_dir) / "metadata.csv")
    return sentences, lj


def tiny_config(shared: Path, out: Path, lj_train: int = 2) -> data.PrepareConfig:
    """`lj_train` short LJ training clips, one LJ validation clip and three joe sentences."""
    lj = heldout.read_metadata(heldout.lj_subset_dir(shared) / "metadata.csv")
    short = sorted(lj, key=lambda s: len(s.raw))
    train = [s.id for s in short if not heldout.is_lj_val(s.id)][:lj_train]
    val = [s.id for s in short if heldout.is_lj_val(s.id)][:1]
    return data.PrepareConfig(
        out=out, shared=shared, hours=1.0, lj_ids=(*train, *val), joe_limit=3, progress=False
    )


@pytest.fixture(scope="module")
def built(
    shared_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[data.PrepareConfig, dict[str, Any], list[dict[str, Any]]]:
    cfg = tiny_config(shared_dir, tmp_path_factory.mktemp("voice-data"))
    data.prepare(cfg)
    summary, records = cache.read_manifest(cfg.out)
    return cfg, summary, records


def mtimes(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.suffix in (".npz", ".flac")
    }


def test_heldout_sets_are_large_enough_fixed_and_never_trained_on(
    sources: tuple[list[heldout.Sentence], list[heldout.Sentence]],
) -> None:
    sentences, lj = sources
    evaluation = heldout.evaluation_sentences(sentences, lj)
    assert len(evaluation) == 132  # the fixture keeps every evaluation sentence of the real set
    assert evaluation == heldout.evaluation_sentences(list(reversed(sentences)), lj)[::-1]
    # The fixed rule holds back 22 of the real subset's 370 clips; of the fixture's 14, these two:
    assert [s.id for s in lj if heldout.is_lj_val(s.id)] == ["LJ001-0024", "LJ001-0104"]
    candidates = heldout.joe_candidates(sentences, lj)
    spoken_ids = {s.id for s, _ in candidates}
    spoken_texts = {heldout.text_key(s.raw) for s, _ in candidates}
    assert not spoken_ids & {s.id for s in evaluation}
    assert not spoken_texts & {heldout.text_key(s.raw) for s in evaluation}
    assert not spoken_texts & {heldout.text_key(s.raw) for s in lj}
    assert {split for _, split in candidates} == {"train", "val"}
    assert [s.id for s, _ in candidates] == [s.id for s, _ in heldout.joe_candidates(sentences, lj)]


def test_trim_bounds_keeps_the_loud_part_and_a_margin() -> None:
    rate = features.SAMPLE_RATE
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(rate) / rate)
    audio = np.concatenate([np.zeros(rate), tone, 1e-4 * np.ones(rate)]).astype(np.float32)
    start, end = data.trim_bounds(audio, top_db=40.0)
    assert abs(start - (rate - data.TRIM_MARGIN)) <= features.WIN
    assert abs(end - (2 * rate + data.TRIM_MARGIN)) <= features.WIN


def test_one_writer_per_cache(tmp_path: Path) -> None:
    with data._exclusive(tmp_path), pytest.raises(RuntimeError, match="another"):  # noqa: SIM117
        with data._exclusive(tmp_path):
            pass


@pytest.mark.slow
def test_features_are_aligned_and_ids_in_symbols(built: Any) -> None:
    cfg, _, records = built
    assert len(records) == 6
    for record in records:
        arrays = cache.load_utterance(cfg.out / record["path"])
        frames = record["n_frames"]
        assert arrays["mel"].shape == (features.N_MELS, frames)
        assert arrays["mel"].dtype == np.float16
        assert arrays["f0"].shape == arrays["energy"].shape == (frames,)
        assert frames == features.n_frames(record["trim"][1] - record["trim"][0])
        assert record["duration"] * features.SAMPLE_RATE / features.HOP == pytest.approx(
            frames, abs=1
        )
        ids = arrays["ids"]
        assert ids.size == record["n_ids"] > 0
        assert ids.min() >= 0 and ids.max() < len(text.SYMBOLS)
        assert list(ids) == text.text_to_ids(record["text"])
        voiced = arrays["f0"][arrays["f0"] > 0]
        # Piper samples each take (noise), so joe's voiced share varies (27-60 % seen); a broken
        # pitch tracker gives next to none
        assert voiced.size > 0.2 * frames
        assert voiced.min() >= pitch.LOWEST and voiced.max() <= pitch.HIGHEST
        if record["speaker"] == "joe":  # joe speaks at ~88 Hz: no octave-doubled median
            assert 70 < np.median(voiced) < 110
        assert np.isfinite(arrays["energy"]).all() and np.isfinite(arrays["mel"]).all()


@pytest.mark.slow
def test_joe_audio_is_kept_as_flac_and_features_can_be_recomputed(built: Any) -> None:
    cfg, _, records = built
    joe = [r for r in records if r["speaker"] == "joe"]
    assert len(joe) == 3
    for record in joe:
        audio = features.load_audio(cfg.out / record["audio"])
        assert audio.size == record["source_samples"]
        start, end = record["trim"]
        again = features.mel_spectrogram(audio[start:end]).numpy().astype(np.float16)
        stored = cache.load_utterance(cfg.out / record["path"])["mel"]
        np.testing.assert_array_equal(again, stored)


@pytest.mark.slow
def test_manifest_has_splits_licences_and_stats(built: Any) -> None:
    cfg, summary, records = built
    assert summary["complete"] is True
    lj = {r["id"]: r["split"] for r in records if r["speaker"] == "lj"}
    assert sorted(lj.values()) == ["train", "train", "val"]
    assert all(split == ("val" if heldout.is_lj_val(i) else "train") for i, split in lj.items())
    assert summary["counts"] == {"lj/train": 2, "lj/val": 1, "joe/train": 3}
    sources = summary["sources"]
    assert "public domain" in sources["lj"]["licence"] and "Keith Ito" in sources["lj"]["author"]
    assert sources["joe"]["dataset_licence"] == "CC0"
    assert "lessac" in sources["joe"]["model_card"]
    assert sources["joe"]["synthesis"]["noise_scale"] == 0.667
    assert sources["joe"]["generated"]
    stats = summary["stats"]
    assert 4.4 < stats["joe"]["log_f0_mean"] < 5.1  # male, 80–165 Hz (DIO doubling gave ~5.25)
    assert 5.0 < stats["lj"]["log_f0_mean"] < 5.6  # female voice: about 150–270 Hz
    for speaker in ("lj", "joe"):
        assert stats[speaker]["log_f0_std"] > 0 and stats[speaker]["energy_std"] > 0
    line = (cfg.out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert {"id", "speaker", "text", "n_frames", "n_ids", "split", "path"} <= json.loads(
        line
    ).keys()


@pytest.mark.slow
def test_evaluation_sentences_are_not_in_the_cache(built: Any, shared_dir: Path) -> None:
    _, _, records = built
    evaluation = {s.id for s in heldout.load_evaluation_sentences(shared_dir)}
    assert not evaluation & {r["id"] for r in records}


@pytest.mark.slow
def test_second_run_reuses_everything(built: Any) -> None:
    cfg, summary, records = built
    before = mtimes(cfg.out)
    data.prepare(cfg)
    assert mtimes(cfg.out) == before
    again, records_again = cache.read_manifest(cfg.out)
    assert records_again == records
    assert again["stats"] == summary["stats"]


@pytest.mark.slow
def test_an_interrupted_run_is_finished_without_redoing_work(
    shared_dir: Path, tmp_path: Path
) -> None:
    cfg = tiny_config(shared_dir, tmp_path, lj_train=0)
    data.prepare(cfg)
    _, records = cache.read_manifest(cfg.out)
    joe = [r for r in records if r["speaker"] == "joe"]
    # As if killed: one utterance never got its features, one not even its audio, a torn temp file.
    (cfg.out / joe[0]["path"]).unlink()
    (cfg.out / joe[1]["path"]).unlink()
    (cfg.out / joe[1]["audio"]).unlink()
    torn = cfg.out / "utts" / "joe" / f".{joe[2]['id']}.npz.12345.tmp"
    torn.write_bytes(b"partial")
    before = mtimes(cfg.out)
    data.prepare(cfg)
    after = mtimes(cfg.out)
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {joe[0]["path"], joe[1]["path"], joe[1]["audio"]}
    assert not torn.exists()
    _, resumed = cache.read_manifest(cfg.out)
    assert [r["id"] for r in resumed] == [r["id"] for r in records]


@pytest.mark.slow
def test_sped_up_clips_say_the_same_words_faster_and_leave_the_stats(
    built: Any, tmp_path: Path
) -> None:
    cfg, summary, records = built
    shutil.copytree(cfg.out, tmp_path / "cache")
    faster = replace(cfg, out=tmp_path / "cache", tempos=(2.0,))
    data.prepare(faster)
    again, with_tempo = cache.read_manifest(faster.out)
    assert with_tempo[: len(records)] == records  # the clips as recorded come first, unchanged
    added = with_tempo[len(records) :]
    train = [r for r in records if r["split"] == "train"]
    assert [r["id"] for r in added] == [f"{r['id']}-x2" for r in train]  # no validation clip
    for source, fast in zip(train, added, strict=True):
        assert fast["tempo"] == 2.0 and fast["split"] == "train"
        assert fast["speaker"] == source["speaker"] and fast["text"] == source["text"]
        # sox keeps the words and halves the time (trimming is redone on the new audio)
        assert fast["duration"] == pytest.approx(source["duration"] / 2, rel=0.12)
        arrays = cache.load_utterance(faster.out / fast["path"])
        assert list(arrays["ids"]) == text.text_to_ids(fast["text"])
        assert arrays["mel"].shape == (features.N_MELS, fast["n_frames"])
        voiced = arrays["f0"][arrays["f0"] > 0]
        first = cache.load_utterance(cfg.out / source["path"])["f0"]
        assert np.median(voiced) == pytest.approx(np.median(first[first > 0]), rel=0.1)  # pitch
    assert again["stats"] == summary["stats"]  # the speakers as recorded
    assert again["settings"]["tempos"] == [2.0]
