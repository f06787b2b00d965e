"""The audio layer through real devices: a private PulseAudio server with null sinks."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.devices import (
    AudioError,
    Device,
    Microphone,
    Speaker,
    find_device,
    list_devices,
    probe,
)
from assistant.audio.selftest import analyse, play_and_record, tone
from assistant.config import AudioConfig
from tests.conftest import active_part, active_seconds

pytestmark = pytest.mark.audio


def test_lists_the_null_sinks_and_their_monitors(pulse: Path) -> None:
    labels = {d.label for d in list_devices()}
    assert {"pulse:spk", "pulse:mic", "pulse:spk.monitor", "pulse:mic.monitor"} <= labels
    assert find_device("spk", "output").label == "pulse:spk"
    assert find_device("mic.monitor", "input").label == "pulse:mic.monitor"
    assert find_device("", "input") is None  # the system default


def test_unknown_or_ambiguous_device_names_are_clear_errors(pulse: Path) -> None:
    with pytest.raises(AudioError, match=r"no output device matches 'nosuch'.*pulse:spk"):
        find_device("nosuch", "output")
    with pytest.raises(AudioError, match="several input devices"):
        find_device("monitor", "input")


def test_speaker_plays_a_tone_that_arrives_in_the_sink(record_source) -> None:  # type: ignore[no-untyped-def]
    speaker = Speaker(find_device("spk", "output")).start()  # the sink streams silence from now
    recorder = record_source("spk.monitor")
    speaker.play(tone(440.0, 1.0, 22050, level=0.25))
    assert speaker.wait(timeout=10)
    assert speaker.progress == pytest.approx((1.0, 1.0), abs=0.01)
    speaker.close()
    audio = recorder.stop()
    assert active_seconds(audio, 16000) == pytest.approx(1.0, abs=0.08)
    result = analyse(active_part(audio, 16000), 16000)
    assert result.peak_hz == pytest.approx(440.0, abs=5)
    assert result.level_db == pytest.approx(20 * np.log10(0.25 / np.sqrt(2)), abs=1.5)


def test_stop_silences_the_speaker_and_reports_what_was_played(record_source) -> None:  # type: ignore[no-untyped-def]
    speaker = Speaker(find_device("spk", "output")).start()
    recorder = record_source("spk.monitor")
    speaker.play(tone(440.0, 4.0, 22050))
    deadline = time.monotonic() + 10
    while speaker.progress[0] < 0.5 and time.monotonic() < deadline:
        time.sleep(0.01)
    played = speaker.stop()
    assert not speaker.playing
    assert 0.5 <= played < 0.7
    time.sleep(0.5)
    speaker.close()
    audio = recorder.stop()
    assert active_seconds(audio, 16000) < 1.0  # not the whole 4 s


def test_microphone_records_what_is_played_into_the_virtual_mic(
    pulse: Path, tmp_path: Path
) -> None:
    wav = tmp_path / "tone.wav"
    sf.write(wav, tone(660.0, 0.8, 22050, level=0.3), 22050)
    mic = Microphone(find_device("mic.monitor", "input"), sample_rate=16000, block_ms=30).start()
    blocks: list[np.ndarray] = []
    player = threading.Timer(0.3, subprocess.run, [["paplay", "-d", "mic", str(wav)]])
    player.start()
    for block in mic.blocks():
        blocks.append(block)
        if len(blocks) * 0.03 > 2.0:
            break
    mic.stop()
    player.join()
    assert all(b.shape == (480,) and b.dtype == np.float32 for b in blocks)
    audio = np.concatenate(blocks)
    assert active_seconds(audio, 16000) == pytest.approx(0.8, abs=0.08)
    assert analyse(active_part(audio, 16000), 16000).peak_hz == pytest.approx(660.0, abs=5)


def test_self_test_hears_the_speaker_through_its_monitor(pulse: Path) -> None:
    result = play_and_record(find_device("spk", "output"), find_device("spk.monitor", "input"))
    assert result.heard(440.0)
    assert result.level_db == pytest.approx(-15.0, abs=2.0)


def test_default_devices_of_the_server_are_probed(pulse: Path) -> None:
    status = probe(AudioConfig())
    assert status.input_name and status.output_name and not status.problem
    assert not status.text_mode


def test_an_unplugged_microphone_is_reported_and_the_speaker_still_works(pulse: Path) -> None:
    module = subprocess.run(
        ["pactl", "load-module", "module-null-sink", "sink_name=usb"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    cfg = AudioConfig(input_device="usb.monitor", output_device="spk")
    assert probe(cfg).input_name == "pulse:usb.monitor"
    subprocess.run(["pactl", "unload-module", module], check=True)  # pull the plug
    status = probe(cfg)
    assert status.input_name is None and status.output_name == "pulse:spk"
    assert "no input device matches 'usb.monitor'" in status.problem
    assert not status.text_mode  # the speaker still works


def test_a_missing_device_is_a_clear_error_not_a_crash(pulse: Path) -> None:
    ghost = Device(index=97, name="ghost", inputs=1, outputs=1, default_rate=44100.0)
    with pytest.raises(AudioError, match="cannot open output ghost"):
        Speaker(ghost).start()
    status = probe(AudioConfig(input_device="ghost-mic"))
    assert status.input_name is None and status.output_name is not None
    assert "no input device matches 'ghost-mic'" in status.problem


def test_without_any_audio_server_the_cli_says_so(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PULSE_SERVER": "unix:/nonexistent",
        "ASSISTANT_CONFIG_DIR": str(tmp_path),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "devices", "--test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "text mode" in done.stderr
