"""MODEL_CARD.md for the melody model: data and licences, training, and the measured metrics."""

from __future__ import annotations

from typing import Any

from assistant.music.corpus import SOURCES
from assistant.music.encoding import key_name

TARGETS = {
    "mode": 0.8,  # share of tunes in the asked mode, per emotion
    "overlap": 0.8,  # each histogram
    "copy_median": 8,  # notes
}


def _table(rows: list[list[str]]) -> str:
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _emotion_rows(report: dict[str, Any], meta: dict[str, Any]) -> list[list[str]]:
    rows = [
        ["emotion", "mode asked", "in that mode", "tempo (q/min)", "notes/beat", "median pitch"]
    ]
    for e, v in report["emotions"].items():
        rows.append([
            e, meta["emotions"][e]["mode"], f"{100 * v['mode_accuracy']:.0f} %",
            f"{v['tempo']:.0f}", f"{v['density']:.2f}", f"{v['median_pitch']:.1f}",
        ])  # fmt: skip
    return rows


def _mapping_rows(meta: dict[str, Any]) -> list[list[str]]:
    """What each emotion asks of the model (generate.EMOTION_PROFILES, kept in model.json)."""
    rows = [
        ["emotion", "mode", "density", "register", "tempo at intensity 0 → 1", "meters", "keys"]
    ]
    for e, p in meta["emotions"].items():
        keys = ", ".join(key_name(t, p["mode"]) for t in p["tonics"])
        rows.append([
            e, p["mode"], f"{p['density']:.2f}", f"{p['register']:.2f}",
            f"{p['tempo'][0]} → {p['tempo'][1]}", ", ".join(p["meters"]), keys,
        ])  # fmt: skip
    return rows


def _labels(counts: dict[str, dict[str, int]]) -> str:
    return "; ".join(
        f"{name} " + ", ".join(f"{k}: {n}" for k, n in values.items())
        for name, values in counts.items()
    )


def _targets(report: dict[str, Any]) -> list[list[str]]:
    four = ("happy", "sad", "calm", "angry")
    mode_ok = all(report["emotions"][e]["mode_accuracy"] >= TARGETS["mode"] for e in four)
    o, c = report["overlap"], report["copy"]
    return [
        ["target", "measured", "met"],
        ["mode as asked ≥ 80 % (happy, calm major; sad, angry minor)",
         ", ".join(f"{e} {100 * report['emotions'][e]['mode_accuracy']:.0f} %" for e in four),
         _yes(mode_ok)],
        ["tempo ordered (happy, angry > neutral > calm, sad)", "see table",
         _yes(report["tempo_ordered"])],
        ["note density ordered (same order)", "see table", _yes(report["density_ordered"])],
        ["pitch-class histogram overlap ≥ 0.8", f"{o['pitch_class']:.3f}",
         _yes(o["pitch_class"] >= 0.8)],
        ["interval histogram overlap ≥ 0.8", f"{o['interval']:.3f}", _yes(o["interval"] >= 0.8)],
        ["duration histogram overlap ≥ 0.8", f"{o['duration']:.3f}", _yes(o["duration"] >= 0.8)],
        ["longest verbatim copy, median ≤ 8 notes", f"median {c['median']}, max {c['max']}",
         _yes(c["median"] <= TARGETS["copy_median"])],
    ]  # fmt: skip


def render(meta: dict[str, Any], report: dict[str, Any], data: dict[str, Any]) -> str:
    """The card's Markdown from model.json, the evaluation report and the data summary."""
    t, h, s = meta["training"], report["heldout"], report["settings"]
    o, c, enc, cfg = report["overlap"], report["copy"], meta["encoding"], meta["config"]
    sources = "\n".join(f"- `{name}`: {note}." for name, note in SOURCES.items())
    dens = ", ".join(f"{x:.2f}" for x in meta["labels"]["density"])
    regs = ", ".join(f"{x:.0f}" for x in meta["labels"]["register"])
    ms = 1000 * report["compose_seconds_16_bars"]
    setting = (
        f"{s['tunes']} tunes per emotion, {s['bars']} bars, intensity {s['intensity']}, "
        f"temperature {s['temperature']}, top-p {s['top_p']}"
    )
    return f"""# Melody model (emotion-conditioned LSTM)

Composes single-line tunes for an emotion (`assistant.music.generate.Composer`). The emotion
picks musical labels that the LSTM was trained with — mode, note density, register, meter and
key — and the tempo, which is set at generation time (the corpus has none). Files:
`model.safetensors` (fp16, {meta["parameters"]:,} parameters), `model.json` (config, vocabulary,
label buckets, emotion mapping, training summary).

## Data

Melodies from the corpus shipped inside the `music21` package (BSD-3-Clause library):

{sources}

`music21/corpus/license.txt`: the corpus is distributed with the encoders' permission, and some
collections carry restrictions. The Essen folk songs are licensed for non-commercial use only
(`essenFolksong/license.txt`) and are **not** used, nor is any other collection. The tunes are
public domain; the weights are derived from these encodings.

- Tunes read: {data["read"]}; usable: {data["usable"]} (dropped: {data["dropped"]}).
- Split: whole tunes, fixed by a hash of the reduced title (versions of one tune stay on one
  side): {t["tunes"][0]} for training, {t["tunes"][1]} held out.
- Encoding: per note a pitch token (semitones from the tonic in octave 4,
  {enc["rel_min"]}…+{enc["rel_max"]}) or a rest, then a duration token ({len(enc["durations"])}
  lengths from 1/8 to 6 beats); a bar-line token after each bar. Each step also reads where the
  next event falls in the bar, the bar's place in an 8-bar phrase and the bars left.
- Conditioning labels per tune: mode and tonic from music21's key analysis of the melody, meter,
  note density (quartiles; edges {dens} notes per beat) and register (terciles of the median
  pitch; edges MIDI {regs}). Training tunes are transposed by a random −5…+6 semitones each
  time they are drawn (labels recomputed).
- Training tunes per label: {_labels(data["labels"])}.

## Emotions

Density and register are targets from 0 (the corpus's sparsest / lowest bucket) to 1; the
intensity moves them from the middle (40 % of the way at intensity 0, all of it at 1) and sets
the tempo. The meter and key are drawn from the lists by the seed.

{_table(_mapping_rows(meta))}

## Training

{cfg["layers"]}-layer LSTM (hidden {cfg["hidden"]}, token embedding {cfg["embed"]}, dropout
{cfg["dropout"]}), AdamW, batches of 32 windows of 256 tokens, cosine learning rate from 2e-3
over the time budget. {t["steps"]} steps in {t["minutes"]} minutes on one CPU thread (a 2-core
machine shared with other jobs, load 4–7); the exported weights are from step
{t["best_step"]}, the lowest held-out loss. The loss curve is written next to the log
(`/tmp/train_music_loss.png` for this run; not in git). Reproduce:
`scripts/train_music --prepare`, `scripts/train_music --max-minutes 36`,
`scripts/train_music --export assistant/music/melody`, `scripts/evaluate_music --card`.

## Measured ({setting})

Held-out NLL ({h["tunes"]} tunes, untransposed): **{h["nll_per_token"]:.3f} nats per token**,
{h["nll_per_note"]:.3f} nats per note (pitch, length and bar lines together).

{_table(_emotion_rows(report, meta))}

Mode: music21's key analysis (`Stream.analyze("key")`) of each generated tune. Notes per beat
counts sounding notes per quarter beat; median pitch is MIDI (69 = A4).

Histogram overlap with the held-out tunes (shared area, all generated tunes pooled): pitch class
relative to the tonic {o["pitch_class"]:.3f}, melodic interval {o["interval"]:.3f}, note length
{o["duration"]:.3f}.

Longest run of notes found verbatim in one training tune (same intervals and lengths, in any
transposition): median {c["median"]:g}, max {c["max"]:g} notes. For scale, held-out tunes against
the training tunes: median {c["heldout_median"]:g}, max {c["heldout_max"]:g} (folk tunes share
stock phrases, and some held-out tunes are variants of training tunes under another title).

Speed: one 16-bar tune in {ms:.0f} ms (median of 20; one thread, on the loaded 2-core machine).

{_table(_targets(report))}

## Limits

- One line only: no harmony (the player adds a bass on the key's root), no dynamics.
- Irish and Scottish dance tunes dominate the corpus (reels, jigs, hornpipes) beside the
  chorale sopranos; the tunes sound like that.
- "Angry" has no counterpart in the corpus: it is minor, dense and low, and fast; accents are
  left to the synthesizer.
"""
