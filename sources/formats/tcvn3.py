"""TCVN3 (TCVN 5712:1993, the ".Vn" ABC fonts) to Unicode.

Old Vietnamese Excel and CSV files were written in TCVN3. Python has no codec for it;
this table was generated once from glibc's ``iconv -f TCVN5712-1`` (byte by byte) and
lists every byte whose character differs from Latin-1. TCVN3 files use the lower-case
part of TCVN 5712; upper case came from a separate font with the same codes, which no
decoder can know about.
"""

from __future__ import annotations

import unicodedata

_TABLE: dict[int, str] = {
    0x01: "Ú",
    0x02: "Ụ",
    0x04: "Ừ",
    0x05: "Ử",
    0x06: "Ữ",
    0x11: "Ứ",
    0x12: "Ự",
    0x13: "Ỳ",
    0x14: "Ỷ",
    0x15: "Ỹ",
    0x16: "Ý",
    0x17: "Ỵ",
    0x80: "À",
    0x81: "Ả",
    0x82: "Ã",
    0x83: "Á",
    0x84: "Ạ",
    0x85: "Ặ",
    0x86: "Ậ",
    0x87: "È",
    0x88: "Ẻ",
    0x89: "Ẽ",
    0x8A: "É",
    0x8B: "Ẹ",
    0x8C: "Ệ",
    0x8D: "Ì",
    0x8E: "Ỉ",
    0x8F: "Ĩ",
    0x90: "Í",
    0x91: "Ị",
    0x92: "Ò",
    0x93: "Ỏ",
    0x94: "Õ",
    0x95: "Ó",
    0x96: "Ọ",
    0x97: "Ộ",
    0x98: "Ờ",
    0x99: "Ở",
    0x9A: "Ỡ",
    0x9B: "Ớ",
    0x9C: "Ợ",
    0x9D: "Ù",
    0x9E: "Ủ",
    0x9F: "Ũ",
    0xA1: "Ă",
    0xA2: "Â",
    0xA3: "Ê",
    0xA4: "Ô",
    0xA5: "Ơ",
    0xA6: "Ư",
    0xA7: "Đ",
    0xA8: "ă",
    0xA9: "â",
    0xAA: "ê",
    0xAB: "ô",
    0xAC: "ơ",
    0xAD: "ư",
    0xAE: "đ",
    0xAF: "Ằ",
    0xB0: "̀",
    0xB1: "̉",
    0xB2: "̃",
    0xB3: "́",
    0xB4: "̣",
    0xB5: "à",
    0xB6: "ả",
    0xB7: "ã",
    0xB8: "á",
    0xB9: "ạ",
    0xBA: "Ẳ",
    0xBB: "ằ",
    0xBC: "ẳ",
    0xBD: "ẵ",
    0xBE: "ắ",
    0xBF: "Ẵ",
    0xC0: "Ắ",
    0xC1: "Ầ",
    0xC2: "Ẩ",
    0xC3: "Ẫ",
    0xC4: "Ấ",
    0xC5: "Ề",
    0xC6: "ặ",
    0xC7: "ầ",
    0xC8: "ẩ",
    0xC9: "ẫ",
    0xCA: "ấ",
    0xCB: "ậ",
    0xCC: "è",
    0xCD: "Ể",
    0xCE: "ẻ",
    0xCF: "ẽ",
    0xD0: "é",
    0xD1: "ẹ",
    0xD2: "ề",
    0xD3: "ể",
    0xD4: "ễ",
    0xD5: "ế",
    0xD6: "ệ",
    0xD7: "ì",
    0xD8: "ỉ",
    0xD9: "Ễ",
    0xDA: "Ế",
    0xDB: "Ồ",
    0xDC: "ĩ",
    0xDD: "í",
    0xDE: "ị",
    0xDF: "ò",
    0xE0: "Ổ",
    0xE1: "ỏ",
    0xE2: "õ",
    0xE3: "ó",
    0xE4: "ọ",
    0xE5: "ồ",
    0xE6: "ổ",
    0xE7: "ỗ",
    0xE8: "ố",
    0xE9: "ộ",
    0xEA: "ờ",
    0xEB: "ở",
    0xEC: "ỡ",
    0xED: "ớ",
    0xEE: "ợ",
    0xEF: "ù",
    0xF0: "Ỗ",
    0xF1: "ủ",
    0xF2: "ũ",
    0xF3: "ú",
    0xF4: "ụ",
    0xF5: "ừ",
    0xF6: "ử",
    0xF7: "ữ",
    0xF8: "ứ",
    0xF9: "ự",
    0xFA: "ỳ",
    0xFB: "ỷ",
    0xFC: "ỹ",
    0xFE: "ỵ",
    0xFF: "Ố",
}
_TRANSLATE = {i: _TABLE.get(i, chr(i)) for i in range(256)}


def decode_tcvn3_line(raw: bytes) -> str:
    """Decode TCVN3 bytes to NFC Unicode text."""
    return unicodedata.normalize("NFC", raw.decode("latin-1").translate(_TRANSLATE))


def encode_tcvn3(text: str) -> bytes:
    """Encode Unicode text to TCVN3 (for test fixtures); raises on unmappable text."""
    reverse = {v: k for k, v in _TABLE.items()}
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in reverse:
            out.append(reverse[ch])
        elif ord(ch) < 256 and ord(ch) not in _TABLE:
            out.append(ord(ch))
        else:
            raise ValueError(f"{ch!r} has no TCVN3 code")
    return bytes(out)
