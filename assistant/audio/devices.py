"""Microphone and speaker: the only module that imports sounddevice."""

from __future__ import annotations

import logging
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import numpy as np

from assistant.audio.convert import to_mono
from assistant.config import AudioConfig

log = logging.getLogger(__name__)

Kind = Literal["input", "output"]
_PULSE_ENV = {"input": "PULSE_SOURCE", "output": "PULSE_SINK"}
_open_lock = threading.Lock()  # PULSE_SINK/PULSE_SOURCE are process-wide while a stream opens


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


@dataclass(frozen=True)
class Device:
    """A PortAudio device, or a PulseAudio sink/source reached through the 'pulse' device."""

    index: int
    name: str
    inputs: int
    outputs: int
    default_rate: float
    pulse_name: str = ""  # set for PulseAudio sinks/sources

    @property
    def label(self) -> str:
        return f"pulse:{self.pulse_name}" if self.pulse_name else self.name

    def can(self, kind: Kind) -> bool:
        return (self.inputs if kind == "input" else self.outputs) > 0


@dataclass(frozen=True)
class AudioStatus:
    """What the app can use: device names, or None with the reason in `problem`."""

    input_name: str | None
    output_name: str | None
    problem: str = ""

    @property
    def text_mode(self) -> bool:
        return self.input_name is None and self.output_name is None


def _pulse_devices(pulse_index: int) -> list[Device]:
    """Sinks and sources of a running PulseAudio server, opened through PortAudio's 'pulse'."""
    if not shutil.which("pactl"):
        return []
    found = []
    for kind in ("sinks", "sources"):
        try:
            out = subprocess.run(
                ["pactl", "list", "short", kind],
                capture_output=True,
                text=True,
                timeout=3,
                check=True,
            ).stdout
        except (subprocess.SubprocessError, OSError):
            return []
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) > 1:
                is_in = kind == "sources"
                found.append(
                    Device(
                        pulse_index,
                        parts[1],
                        int(is_in),
                        int(not is_in),
                        44100.0,
                        pulse_name=parts[1],
                    )
                )
    return found


def list_devices() -> list[Device]:
    """All devices PortAudio knows, plus PulseAudio's sinks and sources when a server runs."""
    sd = _sd()
    devices = [
        Device(
            i, d["name"], d["max_input_channels"], d["max_output_channels"], d["default_samplerate"]
        )
        for i, d in enumerate(sd.query_devices())
    ]
    pulse = next((d for d in devices if d.name == "pulse"), None)
    return devices + (_pulse_devices(pulse.index) if pulse else [])


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
    sd = _sd()
    cls = sd.InputStream if kind == "input" else sd.OutputStream
    env = _PULSE_ENV[kind]
    with _open_lock:
        saved = os.environ.get(env)
        if device is not None and device.pulse_name:
            os.environ[env] = device.pulse_name
        try:
            return cls(
                device=None if device is None else device.index,
                channels=1,
                dtype="float32",
                **kwargs,
            )
        except Exception as e:  # PortAudioError, ValueError: no such device, no server
            name = "the default device" if device is None else device.label
            raise AudioError(f"cannot open {kind} {name}: {e}") from None
        finally:
            if saved is None:
                os.environ.pop(env, None)
            else:
                os.environ[env] = saved


def _device_name(kind: Kind, device: Device | None) -> str:
    if device is not None:
        return device.label
    sd = _sd()
    try:
        index = sd.default.device[0 if kind == "input" else 1]
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
            _open(kind, device, samplerate=cfg.input_rate).close()
            names[kind] = _device_name(kind, device)
        except AudioError as e:
            names[kind] = None
            problems.append(str(e))
    return AudioStatus(names["input"], names["output"], "; ".join(problems))


class Speaker:
    """Plays float32 audio chunks back to back; stop() silences it at once."""

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
        self.delay = 0.1  # seconds from handing a block to the device until it sounds

    def start(self) -> Speaker:
        self._stream = _open(
            "output",
            self.device,
            samplerate=self.sample_rate,
            blocksize=self.block_frames,
            latency="low",
            callback=self._fill,
        )
        self._stream.start()
        return self

    def _fill(self, out: np.ndarray, frames: int, when: Any, _status: Any) -> None:
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

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None:
        """Queue audio after whatever is playing; returns at once."""
        if self._stream is None:
            raise AudioError("speaker is not started")
        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        audio = to_mono(audio, sample_rate or self.sample_rate, self.sample_rate)
        if not len(audio):
            return
        with self._lock:
            self._queued += len(audio)
            self._idle.clear()
            self._chunks.put(np.clip(audio, -1.0, 1.0))

    @property
    def playing(self) -> bool:
        return not self._idle.is_set()

    @property
    def progress(self) -> tuple[float, float]:
        """(seconds played, seconds queued) since the last stop()."""
        return self._played / self.sample_rate, self._queued / self.sample_rate

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything queued has been played; False on timeout."""
        if not self._idle.wait(timeout):
            return False
        time.sleep(self.delay + 0.05)  # the device still sounds what it buffers
        return True

    def stop(self) -> float:
        """Drop everything queued (the stream stays open, so the next play starts at once).

        Returns the seconds of audio that reached the device. What the device already buffers
        (about one `latency`) still sounds; aborting the stream would be faster but reopening a
        PulseAudio stream costs a few hundred milliseconds.
        """
        with self._lock:
            played = self._played / self.sample_rate
            while not self._chunks.empty():
                self._chunks.get_nowait()
            self._current, self._played, self._queued = None, 0, 0
            self._idle.set()
        return played

    def close(self) -> None:
        """Let what was handed to the device finish sounding, then release it."""
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
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

    def blocks(self, timeout: float = 2.0) -> Iterator[np.ndarray]:
        """Yield blocks until stop(); raise AudioError if the device goes silent-dead."""
        while self._stream is not None:
            try:
                yield self._blocks.get(timeout=timeout)
            except queue.Empty:
                if self._stream is None:
                    return
                raise AudioError(
                    f"the microphone delivered no audio for {timeout:.0f} s (unplugged or muted?)"
                ) from None

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
            stream.abort()
            stream.close()

    close = stop
