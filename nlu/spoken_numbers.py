"""English numbers as a speech recogniser prints them: words, not digits.

Vosk's English model writes "three dash twelve oh one" and "half past three",
never "3-1201" or "3:30". People read a flat number in groups ("twelve oh
one", "one two zero one", "eight hundred and two"), so a run of number words is
read into the digit groups it was spoken in; ``nlu.normalise`` then decides,
from the words around it, whether the run is a flat number or a clock time.
Pure functions, no context: a lone "one" is still a pronoun until a caller
knows better.
"""

from __future__ import annotations

import re

__all__ = ["NUMBER_RUN", "HOUR_WORD", "MINUTE_WORD", "number_groups", "split_unit", "word_value"]

_DIGITS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
           "six": 6, "seven": 7, "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_WORD = "|".join(sorted([*_DIGITS, *_TEENS, *_TENS, "hundred", "double", "triple"], key=len, reverse=True))
# A run of number words (or digits), e.g. "twelve oh one", "eight hundred and two", "3 twelve oh one".
# "oh"/"o" and "and" only count inside a run, never at its start.
_ONE = rf"\b(?:{_WORD}|\d+)\b(?!')"  # (?!') keeps the "o" of "o'clock" out
NUMBER_RUN = rf"{_ONE}(?:[ -](?:and )?{_ONE})*"
HOUR_WORD = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2}"
# Minutes as said after an hour: "oh five", "fifteen", "twenty five", "thirty", "45".
MINUTE_WORD = (r"(?:oh|o) (?:one|two|three|four|five|six|seven|eight|nine)|"
               r"(?:twenty|thirty|forty|fifty)(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?|"
               r"ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|\d{2}")

_TOKEN = re.compile(r"[a-z]+|\d+")


def word_value(text: str) -> int | None:
    """The number one spoken group names: "twelve" → 12, "twenty five" → 25, "oh five" → 5, "45" → 45."""
    groups = number_groups(re.sub(r"^(?:oh|o) ", "", text.strip().lower()))
    if not groups:
        return None
    return int("".join(groups))


def number_groups(run: str) -> list[str] | None:
    """The digit groups a run of number words was spoken in, or ``None`` if it is not one.

    "three twelve oh one" → ["3", "12", "0", "1"]; "eight hundred and two" → ["802"];
    "double three" → ["3", "3"]; "twenty three" → ["23"]; "3 twelve oh one" → ["3", "12", "0", "1"].
    """
    tokens = _TOKEN.findall(run.lower())
    groups: list[str] = []
    repeat = 1
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "and" and groups and i + 1 < len(tokens):
            i += 1
            continue
        if token in {"double", "triple"}:
            repeat = 2 if token == "double" else 3
            i += 1
            continue
        if token == "hundred":
            if not groups or int(groups[-1]) >= 100:
                return None
            value = int(groups.pop()) * 100
            rest = tokens[i + 1 :]
            if rest and rest[0] == "and":
                rest = rest[1:]
                i += 1
            if rest and (rest[0] in _TENS or rest[0] in _TEENS or (rest[0] in _DIGITS and rest[0] not in {"o", "oh"})):
                tail = _small_number(rest)
                if tail is not None:
                    value += tail[0]
                    i += tail[1]
            groups.append(str(value))
            i += 1
            continue
        if token in {"o", "oh"} and not groups:
            return None  # "oh" opening a run is an interjection
        small = (int(token), 1) if token.isdigit() else _small_number(tokens[i:])
        if small is None:
            return None
        group = token if token.isdigit() else str(small[0])  # digits keep their zeros ("05")
        groups.extend([group] * repeat)
        repeat = 1
        i += small[1]
    return groups or None


def _small_number(tokens: list[str]) -> tuple[int, int] | None:
    """A number below 100 at the start of ``tokens``, and how many tokens it took."""
    first = tokens[0]
    if first in _TEENS:
        return _TEENS[first], 1
    if first in _TENS:
        if len(tokens) > 1 and tokens[1] in _DIGITS and _DIGITS[tokens[1]] > 0:
            return _TENS[first] + _DIGITS[tokens[1]], 2
        return _TENS[first], 1
    if first in _DIGITS:
        return _DIGITS[first], 1
    return None


def split_unit(groups: list[str]) -> tuple[int, str] | None:
    """A flat number said in one breath, as (building, room): ["3", "12", "0", "1"] → (3, "1201").

    People name the building first, so its group comes first; when that leaves no 3–4-digit room
    ("thirty one oh two"), the building is the first digit. Buildings are 1–99, rooms 3–4 digits.
    """
    digits = "".join(groups)
    candidates = [(groups[0], digits[len(groups[0]) :])] if len(groups) > 1 else []
    candidates += [(digits[:1], digits[1:]), (digits[:2], digits[2:])]
    for building, room in candidates:
        if building.isdigit() and 0 < int(building) < 100 and 3 <= len(room) <= 4 and room[0] != "0":
            return int(building), room
    return None
