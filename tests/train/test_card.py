"""The model card names every training leg and what was measured."""

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
