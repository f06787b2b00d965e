"""Streaming speech recognition with Vosk (the only vosk import; loaded lazily in `load()`)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.asr.types import Final, Partial, Word

log = logging.getLogger(__name__)

_FETCH_HINT = "run 'assistant models fetch vosk-en' or set asr.vosk_model to a Vosk model folder"


class VoskError(RuntimeError):
    """The Vosk model or library cannot be used; the message says why and what to do."""


def model_problem(path: Path) -> str | None:
    """Why `path` is not a usable Vosk model folder, or None if its files are all there."""
    if not path.is_dir():
        return "does not exist" if not path.exists() else "is not a folder"
    missing = [name for name in ("am/final.mdl", "conf/model.conf") if not (path / name).is_file()]
    graph = path / "graph"
    if not (graph / "HCLG.fst").is_file() and not (
        (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    ):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)")
    return f"is not a Vosk model (missing {', '.join(missing)})" if missing else None


def model_label(path: Path) -> str:
    """A short name for the screen: the folder name, or its parent's when it is just 'model'."""
    return path.parent.name if path.name in ("model", "") else path.name


def to_pcm16(block: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as 16-bit little-endian PCM, what Vosk reads."""
    clipped = np.clip(np.asarray(block, np.float32).reshape(-1), -1.0, 1.0)
    return (clipped * 32767.0).round().astype("<i2").tobytes()


class VoskRecognizer:
    """Partial and final results from a stream of microphone blocks (one utterance at a time)."""

    def __init__(
        self,
        model_path: Path,
        words: bool = False,
        grammar: Sequence[str] | None = None,
        reason: str = "",
    ) -> None:
        self.model_path = Path(model_path)
        self.words = words  # word timings and confidences in Final.words
        self.grammar = list(grammar) if grammar is not None else None  # phrases it may hear
        self.reason = reason  # why this engine listens, for the screen (optional)
        self._vosk: Any = None
        self._model: Any = None
        self._recognizer: Any = None
        self._rate = 0
        self._heard = 0  # samples this Vosk stream has decoded (Vosk's word times count from 0)
        self._origin = 0.0  # Vosk's time at the last start(): word times are made relative to it
        self._partial = ""

    @property
    def name(self) -> str:
        detail = model_label(self.model_path) + (f"; {self.reason}" if self.reason else "")
        return f"vosk ({detail})"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the model (seconds for a large one); a second call does nothing."""
        if self._model is not None:
            return
        problem = model_problem(self.model_path)
        if problem:
            raise VoskError(f"Vosk model folder {self.model_path} {problem}; {_FETCH_HINT}")
        try:
            import vosk
        except (ImportError, OSError) as err:  # OSError: libvosk.so cannot be loaded
            raise VoskError(f"the vosk library is not usable ({err}); pip install vosk") from None
        vosk.SetLogLevel(-1)  # Kaldi's informational logs go to fd 2; keep warnings and errors
        try:
            self._model = vosk.Model(str(self.model_path))
        except Exception:  # vosk raises a bare Exception("Failed to create a model")
            raise VoskError(
                f"Vosk could not load the model in {self.model_path}: its files are incomplete "
                f"or corrupt; {_FETCH_HINT} (the download replaces a broken copy with --force)"
            ) from None
        self._vosk = vosk
        log.info("loaded Vosk model %s", self.model_path)

    def start(self, sample_rate: int) -> None:
        """Load the model if needed and open a fresh stream at `sample_rate` Hz."""
        self.load()
        self._partial = ""
        if self._recognizer is not None and self._rate == sample_rate:
            self._recognizer.Reset()
            self._origin = self._heard / self._rate
            return
        args: list[Any] = [self._model, float(sample_rate)]
        if self.grammar is not None:
            args.append(json.dumps(self._known_phrases(), ensure_ascii=False))
        self._recognizer = self._vosk.KaldiRecognizer(*args)
        self._recognizer.SetWords(self.words)
        self._rate, self._heard = sample_rate, 0
        self._warm_up()
        self._origin = self._heard / self._rate

    def _warm_up(self) -> None:
        """Decode a second of faint noise: a new recogniser's first utterance is slow
        (about 0.7 s extra with a large graph), which would otherwise delay the first turn."""
        noise = np.random.default_rng(0).standard_normal(self._rate).astype(np.float32) * 0.05
        started = time.perf_counter()
        self._recognizer.AcceptWaveform(to_pcm16(noise))
        self._heard += len(noise)
        self._recognizer.FinalResult()
        self._recognizer.Reset()
        log.debug("Vosk warm-up took %.2f s", time.perf_counter() - started)

    def _known_phrases(self) -> list[str]:
        """The grammar without phrases whose words the model does not know (Vosk would warn)."""
        known = []
        for phrase in self.grammar or []:
            unknown = [w for w in phrase.split() if self._model.vosk_model_find_word(w) < 0]
            if unknown:
                log.warning("grammar phrase %r dropped: %s not in the vocabulary", phrase, unknown)
            else:
                known.append(phrase)
        return known

    def accept(self, block: np.ndarray) -> Partial | Final | None:
        """Feed a float32 block; a Final when Vosk ends an utterance, a changed Partial, or None."""
        if self._recognizer is None:
            raise VoskError("the recogniser is not started; call start(sample_rate) first")
        pcm = to_pcm16(block)
        self._heard += len(pcm) // 2
        if self._recognizer.AcceptWaveform(pcm):
            self._partial = ""
            final = self._final(self._recognizer.Result())
            return final if final.text else None
        partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
        if partial == self._partial:
            return None
        self._partial = partial
        return Partial(partial)

    def finish(self) -> Final:
        """End the utterance: whatever was still pending, as a Final (the next one starts fresh)."""
        if self._recognizer is None:
            return Final("")
        self._partial = ""
        return self._final(self._recognizer.FinalResult())

    def _final(self, result: str) -> Final:
        data = json.loads(result)
        at = self._origin  # word times: seconds of audio accepted since start()
        words = tuple(
            Word(w["word"], w["start"] - at, w["end"] - at, float(w.get("conf", 1.0)))
            for w in data.get("result", [])
        )
        return Final(data.get("text", "").strip(), words)

    def reset(self) -> None:
        """Drop the utterance in progress."""
        if self._recognizer is not None:
            self._recognizer.Reset()
        self._partial = ""

    def close(self) -> None:
        """Release the model; `start()` loads it again."""
        self._recognizer = None
        self._model = None
