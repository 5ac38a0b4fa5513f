"""The published budget figures (B1..B19) the sample is calibrated to."""

from __future__ import annotations

# Published figures calibrated in (figure ids of published_figures.csv). City amounts
# in tenths of a billion VND, Hoàn Kiếm amounts in million VND.
CITY_REVENUE_EXEC = {(2023, "12T"): 4_052_520, (2024, "12T"): 5_093_000, (2024, "6T"): 2_520_540}
CITY_REVENUE_STATUTORY_2024 = 4_085_000  # B3, B5 denominator (dự toán pháp lệnh)
HOAN_KIEM = "002"
HOAN_KIEM_REVENUE_EXEC = {2021: 14_003_000, 2022: 14_732_000}  # B8 denominator, B6
HOAN_KIEM_REVENUE_ESTIMATE_2022 = 11_250_000  # B7 denominator (city's assignment)
# published_figures_2025.csv, tenths of a billion VND, by report and line path.
CITY_2025 = {
    ("12T", "A"): 7_045_790,  # B9 revenue on the territory
    ("12T", "A/I"): 6_622_810,  # B10 domestic
    ("12T", "A/II"): 388_970,  # B11 import-export
    ("12T", "A/III"): 24_830,  # B12 crude oil
    ("12T", "A/IV"): 9_180,  # B9 - B10 - B11 - B12: other revenue, its own line
    ("12T", "B"): 1_557_340,  # B17 local expenditure
    ("12T", "B/I"): 850_380,  # B18 development investment
    ("12T", "B/II"): 705_446,  # B19: recurrent "above 70,544"
    ("12T", "B/III"): 1_514,  # interest: B17 - B18 - recurrent
    ("9T", "A"): 4_999_000,  # B14 (499.9 thousand bn)
}
CITY_REVENUE_STATUTORY_2025 = 5_138_000  # B13 (execution >= 137 %), B15 (97.3 %)
CITY_REVENUE_9T_2024 = 3_772_830  # B16 denominator (9T 2025 / 9T 2024 = 132.5 %)
RECURRENT_2025_AT_LEAST = 705_440  # B19 (bound)
PUBLISHED_RATES = {
    "B3": "124.7",
    "B5": "61.7",
    "B7": "131",
    "B8": "105.2",
    "B15": "97.3",
    "B16": "132.5",
}
PUBLISHED_RATE_BOUNDS = {"B13": "137"}
