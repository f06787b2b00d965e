"""The settings screen's and self-voicing's hands on the parts: devices, test tone, speech."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from assistant.config import AudioConfig
from assistant.events import AudioChanged, Notice
from assistant.ui.access import SettingsHooks

if TYPE_CHECKING:
    from assistant.chat import Parts
    from assistant.conversation.pipeline import Pipeline

log = logging.getLogger(__name__)

TONE_S, TONE_LEVEL = 0.6, 0.3  # the test tone: 440 Hz


class LiveAudio:
    """Applies new audio settings to the open devices: volume at once, devices reopened."""

    def __init__(self, audio: AudioConfig, pipeline: Pipeline, parts: Parts) -> None:
        self.audio, self.pipeline, self.parts = audio, pipeline, parts
        self._lock = threading.Lock()

    def device_names(self) -> tuple[list[str], list[str]]:
        from assistant.audio.devices import AudioError, list_devices

        try:
            devices = list_devices()
        except AudioError as e:
            log.warning("cannot list the sound devices: %s", e)
            return [], []
        inputs = [d.label for d in devices if d.can("input")]
        return inputs, [d.label for d in devices if d.can("output")]

    def test_tone(self) -> str | None:
        from assistant.audio.selftest import tone

        speaker = self.parts.speaker
        if speaker is None:
            return "No speaker is open, so no tone can be played."
        try:
            speaker.play(tone(440.0, TONE_S, speaker.sample_rate, TONE_LEVEL))
        except Exception as e:  # AudioError: the speaker stopped
            return f"The test tone could not play: {e}"
        return None

    def changed(self, audio: AudioConfig) -> None:
        """In a thread: opening a device can take a moment."""
        threading.Thread(target=self._apply, args=(audio,), name="audio-apply", daemon=True).start()

    def _apply(self, audio: AudioConfig) -> None:
        with self._lock:
            old, self.audio = self.audio, audio
            if self.parts.watch is not None:
                self.parts.watch.cfg = self.parts.watch.cfg.replace("audio", **vars(audio))
            if self.parts.speaker is not None:
                self.parts.speaker.volume = audio.volume
            try:
                if audio.output_device != old.output_device:
                    self._reopen_speaker(audio)
                if audio.input_device != old.input_device:
                    self._reopen_microphone(audio)
            except Exception as e:  # AudioError: say so, keep what works
                log.warning("could not switch the sound device: %s", e)
                self.pipeline.emit(Notice(f"Could not switch the sound device: {e}"))
                return
            self._show(audio)

    def _reopen_speaker(self, audio: AudioConfig) -> None:
        from assistant.audio.devices import open_speaker

        old = self.parts.speaker
        if old is None:
            return  # none was opened (none at start-up): the device watch opens it
        speaker = open_speaker(audio, old.sample_rate)
        self.pipeline.stop()
        self.parts.speaker = speaker
        if self.pipeline.voice is not None:
            self.pipeline.speaker = speaker
        old.stop()
        old.close()

    def _reopen_microphone(self, audio: AudioConfig) -> None:
        from assistant.audio.devices import open_microphone

        old, listener = self.parts.mic, self.parts.listener
        if old is None or listener is None:
            return
        mic = open_microphone(audio)  # first: if it fails, the old one goes on
        self.pipeline.ears.stop()
        old.stop()
        self.parts.mic = mic
        self.parts.threads.append(self.pipeline.start_listening(mic, listener))

    def _show(self, audio: AudioConfig) -> None:
        from assistant.audio.devices import probe

        status = probe(audio)
        watch = self.parts.watch
        if watch is not None:  # what it shows when a device is lost later
            watch.names["input"], watch.names["output"] = status.input_name, status.output_name
        self.pipeline.emit(AudioChanged(status.input_name, status.output_name, status.problem))


def make_hooks(audio: AudioConfig, pipeline: Pipeline, parts: Parts) -> SettingsHooks:
    """The hooks of the app in `assistant chat`."""
    live = LiveAudio(audio, pipeline, parts)
    return SettingsHooks(
        device_names=live.device_names,
        test_tone=live.test_tone,
        audio_changed=live.changed,
        announce=Announcer(pipeline),
    )


class Announcer:
    """Self-voicing: says a line in the current voice at the user's rate. It never talks over
    a reply, reading or music; a new line cuts its own previous one (only the latest focus
    matters)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._queued = -1.0  # the speaker's queued seconds after our last line (else: not ours)
        self._lock = threading.Lock()

    def __call__(self, text: str) -> None:
        if text.strip():
            threading.Thread(
                target=self._say, args=(text,), name="self-voicing", daemon=True
            ).start()

    def _say(self, text: str) -> None:
        pipeline = self.pipeline
        voice, speaker = pipeline.voice, pipeline.speaker
        if voice is None or speaker is None or pipeline.speaking:
            return
        try:
            audio = voice.sentence_audio(text, "neutral", 1.0, pipeline.settings_fn().rate)
            with self._lock:
                if speaker.playing and speaker.progress[1] != self._queued:
                    return  # a reading or music: not cut for a focus change
                speaker.stop()
                speaker.play(audio, voice.sample_rate)
                self._queued = speaker.progress[1]
        except Exception:
            log.exception("self-voicing failed")
