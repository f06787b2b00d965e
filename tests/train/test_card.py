"""The model card names every training leg and what was measured."""

from assistant.lab import prosody
from assistant.train.card import render


def test_the_card_lists_each_training_leg_and_the_measured_wer() -> None:
    legs = [
        {"steps": 12661, "batch": 16, "hardware": "2 CPU cores", "hours": 3.5},
        {"steps": 7654, "batch": 32, "hardware": "one H200 GPU", "hours": 0.17, "note": "8-bit"},
    ]
    meta = {
        "name": "joe",
        "speaker": "joe",
        "speaker_id": 1,
        "vocoder": "universal",
        "training": {"steps": 20315, "hours": 3.67, "legs": legs, "f0": "Praat"},
    }
    card = render(meta, {}, {"quality": {"neutral": {"sentences": 50, "wer": 0.079}}})
    assert "12661 steps of batch 16 on 2 CPU cores: 3.5 h" in card
    assert "7654 steps of batch 32 on one H200 GPU: 0.17 h; 8-bit" in card
    assert "| neutral | 50 | 7.9 % |" in card
    assert "- Training pitch (f0): Praat" in card
    plain = render({**meta, "training": {"steps": 5, "hours": 0.1}}, {}, {})
    assert "Steps: 5, compute: 0.1 process-hours" in plain


def test_the_card_shows_both_intensities_with_their_own_verdicts() -> None:
    calm = {"f0_shift": -0.23, "range_ratio": 0.81, "level_db": -3.8, "duration_ratio": 1.11}
    half = {"f0_shift": 0.6, "range_ratio": 0.9, "level_db": -1.9, "duration_ratio": 1.05}
    report = prosody.merge(
        [
            {
                "sentences": 50,
                "intensity_0_is_neutral": True,
                "emotions": {"calm": {"1.0": {"median": calm}}},
            },
            {
                "sentences": 50,
                "intensity_0_is_neutral": True,
                "emotions": {"calm": {"0.5": {"median": half}}},
            },
        ]
    )
    meta = {"name": "joe", "speaker_id": 1, "vocoder": "universal"}
    card = render(meta, {}, {"emotions": report})
    assert "| calm | -0.23 | 0.81 | -3.8 | 1.11 | yes |" in card
    assert "| calm | 0.5 | +0.60 | 0.90 | -1.9 | 1.05 | no (f0_shift) |" in card
    assert "Intensity 0 reproduces neutral exactly: True" in card
