"""Name matching keys: the spellings sources really use map to one key."""

from __future__ import annotations

import unicodedata

import pytest

from sources.formats.text import match_key, nfc, strip_unit_type, to_ascii


@pytest.mark.parametrize(
    "spelling",
    [
        "Q. Hoàn Kiếm",
        "Quận Hoàn Kiếm",
        "Hoan Kiem",
        "HOÀN KIẾM",
        unicodedata.normalize("NFD", "Quận Hoàn Kiếm"),
        "  quận   hoàn kiếm ",
    ],
)
def test_spellings_of_hoan_kiem_share_one_key(spelling: str) -> None:
    assert match_key(spelling) == "hoankiem"


def test_type_prefix_is_stripped_only_as_a_word() -> None:
    assert strip_unit_type("Thị xã Sơn Tây") == "sơn tây"
    assert strip_unit_type("Xã Đàn") == "đàn"
    assert strip_unit_type("Phường Xã Đàn") == "xã đàn"  # the name itself starts with "Xã"
    assert strip_unit_type("Quảng An") == "quảng an"  # "Q" alone is not the "Q." prefix


def test_ascii_folding_keeps_d_bar() -> None:
    assert to_ascii("Đống Đa") == "Dong Da"
    assert nfc(unicodedata.normalize("NFD", "Đống Đa")) == "Đống Đa"
