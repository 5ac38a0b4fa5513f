"""The procedures source's vocabularies as the sample writes them: dossier statuses, channels,
levels. One place, so that the source's column declaration can replace them.
"""

from __future__ import annotations

# The source's column declaration (sources/readers/procedures.py) owns the vocabularies.
from sources.readers.procedures import CHANNELS

# kenh_thuc_hien: how the dossier was filed.
IN_PERSON, ONLINE, POSTAL = CHANNELS  # at the desk, online, by post

# cap_thuc_hien: the level of the receiving desk, indexed by CITY, DISTRICT, COMMUNE.
LEVELS = ("Cấp tỉnh", "Cấp huyện", "Cấp xã")
CITY, DISTRICT, COMMUNE = 0, 1, 2
# trang_thai: the dossier's state at an extraction (see the package docstring).
FINAL_STATUSES = (4, 5, 6, 7)  # indices in STATUSES: nothing changes after them
