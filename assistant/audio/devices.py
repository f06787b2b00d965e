"""Microphone and speaker: the only module that imports sounddevice."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

from assistant.audio.catalog import AudioStatus, Device, Kind, pulse_devices
from assistant.audio.convert import to_mono
from assistant.config import AudioConfig

log = logging.getLogger(__name__)

_PULSE_ENV = {"input": "PULSE_SOURCE", "output": "PULSE_SINK"}
# PULSE_SINK/PULSE_SOURCE are process-wide while a stream opens; a rescan must not run meanwhile
_open_lock = threading.RLock()
_open_streams = 0  # streams opened and not yet closed: PortAudio may not be re-initialised then
STALL_S = 4.0  # a speaker that takes no audio this long while some is queued is dead (a busy
# machine can starve the callback for over 1.5 s: seen in a test under full load)
# A new PulseAudio stream asks for a few blocks, then for nothing for up to ~2 s (measured with
# a null sink): no stall is counted this long after the start.
START_GRACE_S = 3.0
POLL_S = 0.2  # how often a waiting microphone checks that its stream still runs


class AudioError(RuntimeError):
    """A device is missing or failed; the message says what to do."""


def _sd() -> ModuleType:
    try:
        import sounddevice
    except OSError as e:  # raised when the PortAudio library is not installed
        raise AudioError(
            f"PortAudio is not available ({e}); install it with 'apt install libportaudio2'"
        ) from None
    return sounddevice


def rescan() -> bool:
    """Make PortAudio list the devices again (it lists them once, when it starts: a sound server
    that was down then shows none). Refused (False) while a stream is open, which it would free."""
    sd = _sd()
    with _open_lock:
        if _open_streams:
            return False
        sd._terminate()
        sd._initialize()
    return True


def list_devices() -> list[Device]:
    """All devices PortAudio knows, plus PulseAudio's sinks and sources when a server runs."""
    sd = _sd()
    with _open_lock:
        found = list(sd.query_devices())
        if not found and rescan():  # PortAudio may have started while the server was down
            found = list(sd.query_devices())
    devices = [
        Device(
            i, d["name"], d["max_input_channels"], d["max_output_channels"], d["default_samplerate"]
        )
        for i, d in enumerate(found)
    ]
    pulse = next((d for d in devices if d.name == "pulse"), None)
    return devices + (pulse_devices(pulse.index) if pulse else [])


def find_device(spec: str, kind: Kind) -> Device | None:
    """Resolve a config value: '' (system default: None), an index, 'pulse:<name>' or a name."""
    spec = spec.strip()
    if not spec:
        return None
    candidates = [d for d in list_devices() if d.can(kind)]
    if spec.isdigit():
        matches = [d for d in candidates if d.index == int(spec) and not d.pulse_name]
    else:
        exact = [d for d in candidates if spec.lower() in (d.label.lower(), d.name.lower())]
        matches = exact or [d for d in candidates if spec.lower() in d.label.lower()]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(f"{d.index}: {d.label}" for d in candidates) or "none"
    if not matches:
        raise AudioError(f"no {kind} device matches '{spec}' (available: {names})")
    raise AudioError(
        f"'{spec}' matches several {kind} devices: " + ", ".join(d.label for d in matches)
    )


def _open(kind: Kind, device: Device | None, **kwargs: Any) -> Any:
    """Open a PortAudio stream on a device (routing PulseAudio names through the env)."""
    global _open_streams
    sd = _sd()
    cls = sd.InputStream if kind == "input" else sd.OutputStream
    env = _PULSE_ENV[kind]
    with _open_lock:
        saved = os.environ.get(env)
        if device is not None and device.pulse_name:
            os.environ[env] = device.pulse_name
        try:
            stream = cls(
                device=None if device is None else device.index,
                channels=1,
                dtype="float32",
                **kwargs,
            )
            _open_streams += 1
            return stream
        except Exception as e:  # PortAudioError, ValueError: no such device, no server
            name = "the default device" if device is None else device.label
            raise AudioError(f"cannot open {kind} {name}: {e}") from None
        finally:
            if saved is None:
                os.environ.pop(env, None)
            else:
                os.environ[env] = saved


def _release(stream: Any, drain: bool, timeout: float = 2.0) -> None:
    """Stop (letting buffered audio sound if `drain`) and close a stream; a stream whose server
    hangs is left to a background thread after `timeout`, so the caller never hangs."""

    def close() -> None:
        global _open_streams
        try:
            if not stream.stopped:
                stream.stop() if drain else stream.abort()
        except Exception as e:  # the server is gone: closing still frees the stream
            log.debug("stopping a stream: %s", e)
        try:
            stream.close()
        except Exception as e:
            log.warning("closing a stream: %s", e)
        with _open_lock:
            _open_streams -= 1

    thread = threading.Thread(target=close, name="audio-close", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        log.warning("an audio stream did not close within %.0f s; left behind", timeout)


def _stream_problem(stream: Any) -> str | None:
    """Why an open stream no longer runs (PortAudio ends it when the server goes away)."""
    try:
        if stream.active:
            return None
    except Exception as e:  # PortAudioError
        return f"its audio stream failed ({e})"
    return "its audio stream ended (did the sound server stop?)"


def _device_name(kind: Kind, device: Device | None) -> str:
    if device is not None:
        return device.label
    sd = _sd()
    try:
        index = sd.default.device[0 if kind == "input" else 1]
        with _open_lock:
            name = str(sd.query_devices(index)["name"])
    except Exception:
        name = "default"
    return f"{name} (default)"


def probe(cfg: AudioConfig) -> AudioStatus:
    """Open each configured device briefly to learn whether it works."""
    names: dict[Kind, str | None] = {}
    problems = []
    pairs: tuple[tuple[Kind, str], ...] = (
        ("input", cfg.input_device),
        ("output", cfg.output_device),
    )
    for kind, spec in pairs:
        try:
            device = find_device(spec, kind)
            _release(_open(kind, device, samplerate=cfg.input_rate), drain=False)
            names[kind] = _device_name(kind, device)
        except AudioError as e:
            names[kind] = None
            problems.append(str(e))
    return AudioStatus(names["input"], names["output"], "; ".join(problems))


class Speaker:
    """Plays float32 audio chunks back to back; stop() silences it at once.

    A speaker whose stream ends (the sound server went away) or stalls (takes no audio for
    `STALL_S` while some is queued, after its first `START_GRACE_S`) has an `error`: it is no
    longer `playing`, and play() raises.
    """

    def __init__(
        self, device: Device | None = None, sample_rate: int = 22050, block_frames: int = 512
    ) -> None:
        self.device, self.sample_rate, self.block_frames = device, sample_rate, block_frames
        self._chunks: queue.Queue[np.ndarray] = queue.Queue()
        self._current: np.ndarray | None = None
        self._offset = 0
        self._played = 0  # frames of real audio sent to the device since the last stop()
        self._queued = 0  # frames handed to play() since the last stop()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()  # the audio thread and stop() both touch the queue state
        self._stream: Any = None
        self._error: str | None = None
        self._asked = 0.0  # monotonic time the device last asked for audio, or audio was queued
        self.delay = 0.1  # seconds from handing a block to the device until it sounds
        self.volume = 1.0  # gain of what is played from now on (audio.volume)

    def start(self) -> Speaker:
        self._stream = _open(
            "output",
            self.device,
            samplerate=self.sample_rate,
            blocksize=self.block_frames,
            latency="low",
            callback=self._fill,
        )
        self._asked = time.monotonic() + START_GRACE_S
        self._stream.start()
        return self

    def _fill(self, out: np.ndarray, frames: int, when: Any, _status: Any) -> None:
        self._asked = max(self._asked, time.monotonic())  # (in the start's grace: its end)
        self.delay = max(0.0, when.outputBufferDacTime - when.currentTime) or self.delay
        with self._lock:
            done = self._copy_into(out, frames)
        out[done:, 0] = 0.0

    def _copy_into(self, out: np.ndarray, frames: int) -> int:
        done = 0
        while done < frames:
            if self._current is None:
                try:
                    self._current, self._offset = self._chunks.get_nowait(), 0
                except queue.Empty:
                    break
            take = min(frames - done, len(self._current) - self._offset)
            out[done : done + take, 0] = self._current[self._offset : self._offset + take]
            done += take
            self._offset += take
            if self._offset >= len(self._current):
                self._current = None
        self._played += done
        if done < frames and self._current is None and self._chunks.empty():
            self._idle.set()
        return done

    @property
    def error(self) -> str | None:
        """Why the speaker stopped working (None while it works); checked when asked."""
        stream = self._stream
        if self._error is None and stream is not None:
            problem = _stream_problem(stream)
            quiet = time.monotonic() - self._asked
            if problem is None and not self._idle.is_set() and quiet > STALL_S:
                problem = f"the device took no audio for {quiet:.1f} s"
            if problem is not None and self._stream is stream:  # not closed meanwhile
                log.warning("the speaker stopped: %s", problem)
                self._error = problem
                self._drop()
        return self._error

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None:
        """Queue audio after whatever is playing; returns at once."""
        if self.error is not None:
            raise AudioError(f"the speaker stopped: {self._error}")
        if self._stream is None:
            raise AudioError("speaker is not started")
        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        audio = to_mono(audio, sample_rate or self.sample_rate, self.sample_rate)
        if not len(audio):
            return
        with self._lock:
            self._queued += len(audio)
            if self._idle.is_set():  # a stall counts from now, not from the last idle block
                self._asked = max(self._asked, time.monotonic())
            self._idle.clear()
            self._chunks.put(np.clip(audio * self.volume, -1.0, 1.0))

    @property
    def playing(self) -> bool:
        return not self._idle.is_set() and self.error is None

    @property
    def progress(self) -> tuple[float, float]:
        """(seconds played, seconds queued) since the last stop()."""
        return self._played / self.sample_rate, self._queued / self.sample_rate

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything queued has been played; False on timeout or failure."""
        end = None if timeout is None else time.monotonic() + timeout
        while not self._idle.wait(POLL_S):
            if self.error is not None or (end is not None and time.monotonic() > end):
                return False
        if self.error is not None:
            return False
        time.sleep(self.delay + 0.05)  # the device still sounds what it buffers
        return True

    def _drop(self, reset: bool = False) -> int:
        """Forget everything queued; the frames played until now (counted from zero again if
        `reset`)."""
        with self._lock:
            played = self._played
            while not self._chunks.empty():
                self._chunks.get_nowait()
            self._current = None
            if reset:
                self._played, self._queued = 0, 0
            self._idle.set()
        return played

    def stop(self) -> float:
        """Drop everything queued (the stream stays open, so the next play starts at once).

        Returns the seconds of audio that reached the device. What the device already buffers
        (about one `latency`) still sounds; aborting the stream would be faster but reopening a
        PulseAudio stream costs a few hundred milliseconds.
        """
        return self._drop(reset=True) / self.sample_rate

    def close(self) -> None:
        """Let what was handed to the device finish sounding, then release it."""
        stream, self._stream = self._stream, None
        if stream is not None:
            _release(stream, drain=self._error is None)
        self._idle.set()


class Microphone:
    """Records mono float32 blocks from an input device into a queue."""

    def __init__(
        self,
        device: Device | None = None,
        sample_rate: int = 16000,
        block_ms: int = 30,
        max_blocks: int = 1000,
    ) -> None:
        self.device, self.sample_rate = device, sample_rate
        self.block_frames = sample_rate * block_ms // 1000
        self._blocks: queue.Queue[np.ndarray] = queue.Queue(maxsize=max_blocks)
        self._stream: Any = None
        self._error: str | None = None
        self.dropped = 0  # blocks lost because nobody read them

    def start(self) -> Microphone:
        self._stream = _open(
            "input",
            self.device,
            samplerate=self.sample_rate,
            blocksize=self.block_frames,
            callback=self._take,
        )
        self._stream.start()
        return self

    def _take(self, data: np.ndarray, _frames: int, _time: Any, _status: Any) -> None:
        try:
            self._blocks.put_nowait(data[:, 0].copy())
        except queue.Full:
            self._blocks.get_nowait()
            self._blocks.put_nowait(data[:, 0].copy())
            self.dropped += 1

    @property
    def error(self) -> str | None:
        """Why the microphone stopped working (its stream ended, or it went silent-dead)."""
        stream = self._stream
        if self._error is None and stream is not None:
            problem = _stream_problem(stream)
            if problem is not None and self._stream is stream:
                self._error = problem
        return self._error

    def blocks(self, timeout: float = 2.0) -> Iterator[np.ndarray]:
        """Yield blocks until stop(); raise AudioError if the stream ends or the device goes
        silent-dead (no block for `timeout` seconds)."""
        last = time.monotonic()
        while self._stream is not None:
            try:
                block = self._blocks.get(timeout=min(POLL_S, timeout))
            except queue.Empty:
                if self._stream is None:
                    return
                if self.error is None and time.monotonic() - last > timeout:
                    self._error = (
                        f"the microphone delivered no audio for {timeout:.0f} s "
                        "(unplugged or muted?)"
                    )
                if self._error is not None:
                    raise AudioError(self._error) from None
                continue
            last = time.monotonic()
            yield block

    def read(self, seconds: float) -> np.ndarray:
        """Record a fixed duration (from now) and return it as one array."""
        want = int(seconds * self.sample_rate)
        got: list[np.ndarray] = []
        for block in self.blocks():
            got.append(block)
            if sum(len(b) for b in got) >= want:
                break
        return np.concatenate(got)[:want] if got else np.zeros(0, np.float32)

    def clear(self) -> None:
        while not self._blocks.empty():
            self._blocks.get_nowait()

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            _release(stream, drain=False)

    close = stop


def open_speaker(cfg: AudioConfig, sample_rate: int) -> Speaker:
    """The configured speaker, started (AudioError if it cannot open)."""
    speaker = Speaker(find_device(cfg.output_device, "output"), sample_rate)
    speaker.volume = cfg.volume
    return speaker.start()


def open_microphone(cfg: AudioConfig) -> Microphone:
    """The configured microphone, recording (AudioError if it cannot open)."""
    return Microphone(find_device(cfg.input_device, "input"), cfg.input_rate, cfg.block_ms).start()
