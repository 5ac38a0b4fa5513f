"""Vietnamese text helpers shared by every source: NFC, ASCII folding, name-matching keys."""

from __future__ import annotations

import re
import unicodedata

# Type prefixes that sources put in front of unit names, longest first so that
# "thị xã" wins over "xã". Matched on the NFC, case-folded text.
_TYPE_PREFIXES = (
    "thành phố",
    "thị trấn",
    "thị xã",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "tp.",
    "tx.",
    "tt.",
    "q.",
    "h.",
    "p.",
    "x.",
    "xã",
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (composed) form, stripped of outer whitespace."""
    return unicodedata.normalize("NFC", text).strip()


def to_ascii(text: str) -> str:
    """Fold Vietnamese text to ASCII: ``"Hoàn Kiếm"`` -> ``"Hoan Kiem"``, ``đ`` -> ``d``."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_unit_type(text: str) -> str:
    """Drop a leading unit-type prefix such as ``"Quận "`` or ``"P. "`` from a unit name."""
    folded = nfc(text).casefold()
    for prefix in _TYPE_PREFIXES:
        if folded.startswith(prefix) and (
            prefix.endswith(".") or len(folded) == len(prefix) or folded[len(prefix)] == " "
        ):
            return folded[len(prefix) :].strip()
    return folded


def match_key(text: str) -> str:
    """Key used only for matching unit names: no type prefix, case-folded, de-accented.

    ``"Q. Hoàn Kiếm"``, ``"Quận Hoàn Kiếm"``, ``"HOÀN KIẾM"`` and ``"Hoan Kiem"`` all give
    ``"hoankiem"``. Never store the key as a name: it loses the tones.
    """
    return _NON_ALNUM.sub("", to_ascii(strip_unit_type(text)))
