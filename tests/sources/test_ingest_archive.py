"""The archive is the copy of record, stored once; the landing scan hashes a file once.

Real files, the real loader and a real DuckDB file: after a load the landed file and its
archive entry are one read-only inode (not two copies), a corrected file written over the
landed one never changes the archived bytes, and ``scan_landing`` reuses the hash of a
file whose name, size, mtime and inode it has seen, and hashes a replaced one again."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

import pytest

from sources.loading.ingest import EditedInPlace, file_sha256, hash_cache, scan_landing
from sources.readers.governance_indices import SPEC
from sources.sample import governance_indices as sample

NAME = "chi_so_cap_tinh_2023.csv"
HOUR_NS = 3600 * 10**9


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("indices")
    return {p.name: p for p in sample.write(out, seed=2025)}


def land(tmp_path: Path, source: Path, name: str = NAME) -> Path:
    """Copy ``source`` into the landing folder as a new file (write, then rename)."""
    folder = tmp_path / "landing" / SPEC.name
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.tmp"
    shutil.copyfile(source, tmp)
    os.replace(tmp, folder / name)
    return folder / name


def archived(warehouse, load_id: str) -> Path:
    return Path(
        warehouse.scalar(
            "select archive_path from audit.load_manifest where load_id = ?", [load_id]
        )
    )


def writable(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def corrected(source: Path, tmp_path: Path) -> Path:
    """The file with the first row's score changed in its last digit (same size): a
    publisher's correction."""
    header, first, *rest = source.read_text(encoding="utf-8").split("\n")
    cells = first.split(",")
    score = header.split(",").index("diem")
    cells[score] = cells[score][:-1] + ("1" if cells[score][-1] != "1" else "2")
    out = tmp_path / "corrected.csv"
    out.write_text("\n".join([header, ",".join(cells), *rest]), encoding="utf-8")
    assert out.stat().st_size == source.stat().st_size
    return out


def test_the_landed_file_and_its_archive_entry_are_stored_once(warehouse, tmp_path, files):
    landed = land(tmp_path, files[NAME])
    outcome = warehouse.load(SPEC, landed)
    entry = archived(warehouse, outcome.load_id)
    assert entry.name == f"{file_sha256(files[NAME])}.csv"
    assert entry.read_bytes() == files[NAME].read_bytes()
    # One inode under two names: the bytes are on disk once, read-only under both.
    assert os.path.samefile(landed, entry)
    assert entry.stat().st_nlink == 2
    assert not writable(landed) and not writable(entry)
    on_disk = {p.stat().st_ino: p.stat().st_blocks for p in (landed, entry)}
    assert len(on_disk) == 1  # as du counts it: the blocks of one file


def test_a_corrected_file_written_over_the_landed_one_leaves_the_archive_alone(
    warehouse, tmp_path, files
):
    landed = land(tmp_path, files[NAME])
    first = warehouse.load(SPEC, landed)
    entry = archived(warehouse, first.load_id)
    original = entry.read_bytes()
    fix = corrected(files[NAME], tmp_path)
    # The operator writes the corrected file under the landed name (a new file, renamed in).
    land(tmp_path, fix)
    assert landed.read_bytes() == fix.read_bytes()
    assert entry.read_bytes() == original and file_sha256(entry) == entry.stem
    assert entry.stat().st_nlink == 1  # the archive keeps the old bytes alone
    second = warehouse.load(SPEC, landed)
    assert second.status == "loaded" and second.sha256 == file_sha256(fix)
    assert os.path.samefile(landed, archived(warehouse, second.load_id))
    # Deleting the landed file and writing the next one in its place: same outcome.
    landed.unlink()
    landed.write_bytes(original)
    assert entry.read_bytes() == original and file_sha256(entry) == entry.stem
    assert archived(warehouse, second.load_id).read_bytes() == fix.read_bytes()
    assert sorted(p.name for p in (warehouse.archive / SPEC.name).iterdir()) == sorted(
        [f"{file_sha256(files[NAME])}.csv", f"{file_sha256(fix)}.csv"]
    )


def test_the_same_bytes_landed_again_are_a_no_op(warehouse, tmp_path, files):
    landed = land(tmp_path, files[NAME])
    first = warehouse.load(SPEC, landed)
    again = land(tmp_path, files[NAME])  # a new file with the same bytes
    outcome = warehouse.load(SPEC, again)
    assert outcome.status == "unchanged" and outcome.load_id == first.load_id
    assert len(list((warehouse.archive / SPEC.name).iterdir())) == 1
    assert archived(warehouse, first.load_id).read_bytes() == files[NAME].read_bytes()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through a read-only mode")
def test_editing_the_landed_file_in_place_is_refused(warehouse, tmp_path, files):
    landed = land(tmp_path, files[NAME])
    warehouse.load(SPEC, landed)
    with pytest.raises(PermissionError):
        landed.write_bytes(b"edited in place")


def test_on_another_filesystem_the_archive_entry_is_a_copy(tmp_path, files):
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second filesystem at /dev/shm")
    from tests.conftest import Warehouse

    other = Path(tempfile.mkdtemp(dir=shm))
    warehouse = Warehouse(tmp_path)
    warehouse.archive = other / "archive"
    try:
        landed = land(tmp_path, files[NAME])
        entry = archived(warehouse, warehouse.load(SPEC, landed).load_id)
        assert entry.read_bytes() == landed.read_bytes()
        assert not os.path.samefile(landed, entry)
        assert not writable(entry) and writable(landed)
    finally:
        warehouse.con.close()
        shutil.rmtree(other, ignore_errors=True)


def _cache(folder: Path) -> dict:
    return json.loads(hash_cache(folder).read_text(encoding="utf-8"))


def _age(path: Path) -> int:
    """Set the file's mtime an hour back (a file landed a while ago); returns it."""
    old = time.time_ns() - HOUR_NS
    os.utime(path, ns=(old, old))
    return old


def _rewrite_in_place(path: Path, data: bytes, mtime_ns: int) -> None:
    with path.open("r+b") as f:  # same inode, same size
        f.write(data)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_the_landing_scan_hashes_a_known_file_once(tmp_path, files):
    landed = land(tmp_path, files[NAME])
    mtime = _age(landed)
    folder = landed.parent
    first = scan_landing(SPEC, folder)
    assert [(f.path, f.sha256) for f in first] == [(landed, file_sha256(landed))]
    assert set(_cache(folder)) == {NAME}
    assert [p.name for p in folder.iterdir()] == [NAME]  # the cache is beside the folder
    # Bytes changed under the same name, size, mtime and inode are not read again: the
    # scan answers from the cache (the documented blind spot of the key).
    _rewrite_in_place(landed, corrected(files[NAME], tmp_path).read_bytes(), mtime)
    assert [f.sha256 for f in scan_landing(SPEC, folder)] == [first[0].sha256]
    hash_cache(folder).unlink()
    assert [f.sha256 for f in scan_landing(SPEC, folder)] == [file_sha256(landed)]
    assert first[0].sha256 != file_sha256(landed)


def test_a_replaced_file_of_the_same_size_and_mtime_is_hashed_again(tmp_path, files):
    landed = land(tmp_path, files[NAME])
    mtime = _age(landed)
    before = scan_landing(SPEC, landed.parent)[0].sha256
    land(tmp_path, corrected(files[NAME], tmp_path))  # a new inode under the name
    os.utime(landed, ns=(mtime, mtime))
    after = scan_landing(SPEC, landed.parent)[0].sha256
    assert after == file_sha256(landed) != before


def test_a_file_rewritten_in_place_just_after_its_hashing_is_hashed_again(tmp_path, files):
    landed = land(tmp_path, files[NAME])  # just landed: its mtime is now
    mtime = landed.stat().st_mtime_ns
    before = scan_landing(SPEC, landed.parent)[0].sha256
    # Rewritten within the timestamp resolution: same size, same mtime, same inode.
    _rewrite_in_place(landed, corrected(files[NAME], tmp_path).read_bytes(), mtime)
    after = scan_landing(SPEC, landed.parent)[0].sha256
    assert after == file_sha256(landed) != before


def test_a_loaded_file_rewritten_in_place_is_named_not_loaded(warehouse, tmp_path, files):
    """As root the read-only mode does not stop an in-place write, which changes the
    archived bytes too: the next scan names the file and the archive entry, and says how
    to land a correction; a correction landed as a new file goes through."""
    landed = land(tmp_path, files[NAME])
    first = warehouse.load(SPEC, landed)
    assert [f.sha256 for f in scan_landing(SPEC, landed.parent)] == [first.sha256]
    if os.geteuid() == 0:  # root: the write goes through to the archive entry
        with landed.open("a", encoding="utf-8") as out:
            out.write("\n")
        with pytest.raises(EditedInPlace) as raised:
            scan_landing(SPEC, landed.parent)
        message = str(raised.value)
        assert str(landed) in message and f"archive/{SPEC.name}/{first.sha256}" in message
        assert "changed in place" in message and "mv " in message
    tmp = landed.with_name(f"{landed.name}.new")
    shutil.copyfile(corrected(files[NAME], tmp_path), tmp)
    os.replace(tmp, landed)
    (rescanned,) = scan_landing(SPEC, landed.parent)
    assert rescanned.sha256 == file_sha256(landed) != first.sha256
