"""Melody training on a handful of real corpus tunes: the loss falls, runs resume, exports load."""

import statistics
from pathlib import Path

import pytest

from assistant.music import corpus, encoding
from assistant.music.encoding import Melody
from assistant.music.generate import Composer
from assistant.train import music_data
from assistant.train.music import MusicTrainConfig, export, train

SMALL = {"hidden": 96, "embed": 32}


@pytest.fixture(scope="module")
def tunes() -> list[Melody]:
    """Six reels and hornpipes and two chorales, read with music21."""
    found: list[Melody] = []
    for source, count in (("ryansMammoth", 6), ("bach", 2)):
        for path in corpus.corpus_paths(source)[:count]:
            found += corpus.read_file(path, source)[0]
    assert len(found) == 8
    return found


def config(out: Path, steps: int) -> MusicTrainConfig:
    return MusicTrainConfig(
        out=out, steps=steps, batch=8, window=128, lr=3e-3, warmup=5, eval_every=15,
        log_every=10, checkpoint_minutes=60.0, model=SMALL,
    )  # fmt: skip


def test_short_run_lowers_the_loss_resumes_and_exports(tmp_path: Path, tunes: list[Melody]) -> None:
    out = tmp_path / "run"
    _, history = train(config(out, 30), tunes)
    losses = [h["loss"] for h in history]
    assert len(losses) == 30
    assert statistics.mean(losses[-5:]) < statistics.mean(losses[:5]) - 0.5, losses
    held = [h["heldout"] for h in history if "heldout" in h]
    assert len(held) == 2 and held[1] < held[0]
    assert (out / "checkpoint.pt").is_file() and (out / "loss.png").stat().st_size > 1000

    _, resumed = train(config(out, 34), tunes)  # continues at step 30
    assert len(resumed) == 34 and resumed[:30] == history

    folder = export(out, tmp_path / "melody")
    tune = Composer(folder).compose("sad", bars=4, seed=3)
    assert tune.beats == 4 * float(encoding.bar_beats(tune.meter))


def test_split_is_fixed_and_keeps_versions_together(tunes: list[Melody]) -> None:
    twins = [
        Melody(f"The {t} Reel", f"x#{i}", "2/4", 0, "major", ()) for i, t in enumerate("ab" * 40)
    ]
    train_a, held_a = music_data.split(twins)
    _, held_b = music_data.split(list(reversed(twins)))
    assert {m.source for m in held_a} == {m.source for m in held_b}
    assert {m.title for m in held_a}.isdisjoint(m.title for m in train_a)
    assert music_data.title_key("The Acacia -- Reel") == "acacia"


def test_usable_drops_transposed_duplicates(tunes: list[Melody]) -> None:
    kept, why = music_data.usable([*tunes, tunes[0].transposed(2)])
    assert len(kept) == len(tunes) and why["duplicate"] == 1


def test_label_edges_bucket_the_corpus(tunes: list[Melody]) -> None:
    edges = music_data.LabelEdges.fit(tunes)
    assert len(edges.density) == music_data.DENSITY_BUCKETS - 1
    labels = [edges.labels(m) for m in tunes]
    assert len({lab.density for lab in labels}) >= 3  # reels dense, chorales sparse
    chorale, reel = labels[-1], labels[0]
    assert chorale.density < reel.density
