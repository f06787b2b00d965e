"""The user's pronunciation dictionary: respellings, ARPAbet and regex rewrites before phonemes.

The file (`paths.pronunciations_file()`, ~/.config/assistant/pronunciations.txt) holds one entry
a line; blank lines and lines starting with # are ignored:

    Nguyen = win                                 whole word or phrase → respelling
    Siobhan = /SH AH0 V AO1 N/                   whole word or phrase → ARPAbet (or [SH AH0 ...])
    re:\\bv(\\d+)\\.(\\d+)\\b = version \\1 point \\2   regular expression → replacement

Words and phrases match case-insensitively and whole ("SQL" leaves "MySQL" alone, "SQL's" becomes
"sequel's"). Regular expressions are Python's, case-sensitive unless they start with (?i), and
their replacement may use \\1 or \\g<name>. The separator is the first "=" with spaces on both
sides (else the first "="), so a pattern may contain "=" when the separator has spaces.

Order: the regular expressions in file order, each on the text the ones before left; then all
respellings in one pass (a respelling is not respelled again); then the ARPAbet words, which
become placeholder words that `phonemes.phonemes_of` maps to exactly the phonemes given. All of
it happens before normalisation, on one sentence at a time. A later entry for the same word
wins. A malformed line is skipped and reported (`Lexicon.problems`, with its line number, and a
log warning); the rest still apply.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant import paths
from assistant.tts.phonemes import BOUNDARY, PAD, PUNCTUATION, SYMBOLS, VOWELS

log = logging.getLogger(__name__)

REGEX_PREFIX = "re:"
_PHONEMES = frozenset(SYMBOLS) - {PAD, BOUNDARY, *PUNCTUATION}
_ARPABET = re.compile(r"/(.*)/|\[(.*)\]", re.DOTALL)
_SEPARATOR = re.compile(r"\s=\s")
_SPACES = re.compile(r"\s+")
# ARPAbet words become "qxqlex" + letters: lower case, so normalisation keeps them as they are.
_PLACEHOLDER = "qxqlex"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Problem:
    """A line of the file that was skipped, and why."""

    line: int
    text: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}: {self.text}"


@dataclass(frozen=True)
class _Rewrite:
    pattern: re.Pattern[str]
    replacement: str  # a re.sub template for regular expressions


class Lexicon:
    """Parsed entries; `apply` rewrites a sentence and returns the ARPAbet placeholders."""

    def __init__(
        self,
        rewrites: Iterable[_Rewrite] = (),
        respellings: Mapping[str, str] | None = None,
        arpabet: Mapping[str, tuple[str, ...]] | None = None,
        problems: Iterable[Problem] = (),
        source: str = "",
    ) -> None:
        self.rewrites = tuple(rewrites)
        self.respellings = dict(respellings or {})  # key (lower case, single spaces) → text
        self.arpabet = dict(arpabet or {})  # key → phonemes
        self.problems = tuple(problems)
        self.source = source
        self._respell = _words_pattern(self.respellings)
        self._spoken = _words_pattern(self.arpabet)
        self._names = {key: _placeholder(i) for i, key in enumerate(self.arpabet)}

    @classmethod
    def parse(cls, text: str, source: str = "") -> Lexicon:
        """Entries of a pronunciation file's text; malformed lines become `problems`."""
        rewrites: list[_Rewrite] = []
        respellings: dict[str, str] = {}
        arpabet: dict[str, tuple[str, ...]] = {}
        problems: list[Problem] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                entry = _parse_line(line)
            except ValueError as e:
                problems.append(Problem(number, line, str(e)))
                continue
            if isinstance(entry, _Rewrite):
                rewrites.append(entry)
            elif isinstance(entry[1], tuple):
                respellings.pop(entry[0], None)
                arpabet[entry[0]] = entry[1]
            else:
                arpabet.pop(entry[0], None)
                respellings[entry[0]] = entry[1]
        for problem in problems:
            log.warning("%s: %s", source or "pronunciations", problem)
        return cls(rewrites, respellings, arpabet, problems, source)

    @classmethod
    def read(cls, path: Path) -> Lexicon:
        """The file at `path`; a missing file is an empty lexicon, an unreadable one a problem."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(source=str(path))
        except OSError as e:
            log.warning("cannot read %s: %s", path, e)
            return cls(problems=[Problem(0, str(path), f"cannot read it: {e}")], source=str(path))
        return cls.parse(data.decode("utf-8", errors="replace"), str(path))

    def __len__(self) -> int:
        return len(self.rewrites) + len(self.respellings) + len(self.arpabet)

    def apply(self, text: str) -> tuple[str, dict[str, tuple[str, ...]]]:
        """`text` rewritten, and the phonemes of each placeholder word it now contains."""
        for rewrite in self.rewrites:
            text = rewrite.pattern.sub(rewrite.replacement, text)
        if self._respell is not None:
            text = self._respell.sub(lambda m: self.respellings.get(_key(m[0]), m[0]), text)
        found: dict[str, tuple[str, ...]] = {}
        if self._spoken is not None:
            text = self._spoken.sub(lambda m: self._placeholder_for(m[0], found), text)
        return text, found

    def _placeholder_for(self, words: str, found: dict[str, tuple[str, ...]]) -> str:
        name = self._names.get(_key(words))
        if name is None:  # a case-insensitive match whose lower case differs (rare Unicode)
            return words
        found[name] = self.arpabet[_key(words)]
        return name


def _parse_line(line: str) -> _Rewrite | tuple[str, str] | tuple[str, tuple[str, ...]]:
    """One non-comment line → a regex rewrite, (key, respelling) or (key, phonemes)."""
    spaced = _SEPARATOR.search(line)
    if spaced:
        left, right = line[: spaced.start()], line[spaced.end() :]
    elif "=" in line:
        left, _, right = line.partition("=")
    else:
        raise ValueError("no '=' between the word and its pronunciation")
    left, right = left.strip(), right.strip()
    if left.startswith(REGEX_PREFIX):
        return _regex(left[len(REGEX_PREFIX) :].strip(), right)
    if not left:
        raise ValueError("nothing before '='")
    if not right:
        raise ValueError("nothing after '='")
    arpabet = _ARPABET.fullmatch(right)
    if arpabet:
        return _key(left), _phonemes(arpabet[1] if arpabet[1] is not None else arpabet[2])
    return _key(left), right


def _regex(pattern: str, replacement: str) -> _Rewrite:
    if not pattern:
        raise ValueError("no regular expression after 're:'")
    if not replacement:
        raise ValueError("nothing after '='")
    try:
        compiled = re.compile(pattern)
        compiled.sub(replacement, "")  # checks \1 and \g<name> against the pattern's groups
    except (re.error, IndexError, OverflowError, RecursionError, ValueError) as e:
        raise ValueError(f"bad regular expression: {e}") from None
    if compiled.fullmatch("") is not None:
        raise ValueError("the regular expression matches empty text")
    return _Rewrite(compiled, replacement)


def _phonemes(arpabet: str) -> tuple[str, ...]:
    """ARPAbet symbols separated by spaces, checked against the voices' symbol table."""
    phones = tuple(arpabet.upper().split())
    if not phones:
        raise ValueError("no ARPAbet symbols between the slashes")
    for phone in phones:
        if phone in _PHONEMES:
            continue
        if phone in VOWELS:
            raise ValueError(f"vowel {phone} needs a stress digit: {phone}0, {phone}1 or {phone}2")
        raise ValueError(f"unknown ARPAbet symbol {phone!r}")
    return phones


def _key(words: str) -> str:
    return _SPACES.sub(" ", words.strip()).lower()


def _words_pattern(keys: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for whole words or phrases, longest first."""
    ordered = sorted(keys, key=len, reverse=True)
    if not ordered:
        return None
    body = "|".join(r"\s+".join(map(re.escape, key.split(" "))) for key in ordered)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _placeholder(index: int) -> str:
    letters = ""
    while True:
        index, digit = divmod(index, len(_LETTERS))
        letters = _LETTERS[digit] + letters
        if not index:
            return _PLACEHOLDER + letters


EMPTY = Lexicon()


class LexiconFile:
    """A pronunciation file, read once and again whenever its mtime or size changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._lexicon = EMPTY

    def current(self) -> Lexicon:
        """The lexicon as the file is now (one stat call when nothing changed)."""
        try:
            info = os.stat(self.path)
            stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._lexicon = Lexicon.read(self.path) if stamp else Lexicon(source=str(self.path))
                self._stamp = stamp
                if stamp:
                    log.info("%d pronunciations from %s", len(self._lexicon), self.path)
            return self._lexicon


_DEFAULT: LexiconFile | None = None
_DEFAULT_LOCK = threading.Lock()


def user_lexicon() -> Lexicon:
    """The user's pronunciation file as it is now (empty when there is none)."""
    global _DEFAULT
    path = paths.pronunciations_file()
    with _DEFAULT_LOCK:
        if _DEFAULT is None or _DEFAULT.path != path:  # tests relocate the config dir
            _DEFAULT = LexiconFile(path)
        watched = _DEFAULT
    return watched.current()
