"""talentlab.data.atomic: the one implementation of atomic file and folder writes."""

import os

import pytest

from talentlab.data import atomic, schema


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_schema_still_exports_the_file_writes():
    assert schema.atomic_write_text is atomic.atomic_write_text
    assert schema.atomic_write_bytes is atomic.atomic_write_bytes


def test_file_write_replaces_and_leaves_no_temporary(tmp_path):
    p = tmp_path / "a" / "f.txt"
    atomic.atomic_write_text(p, "一\n")
    atomic.atomic_write_text(p, "二\n")
    assert p.read_text(encoding="utf-8") == "二\n" and _names(p.parent) == ["f.txt"]
    assert p.stat().st_mode & 0o777 == 0o644


def test_file_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    p = tmp_path / "f.txt"
    p.write_text("old")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic.atomic_write_bytes(p, b"new")
    assert p.read_text() == "old" and _names(tmp_path) == ["f.txt"]


def _writer(files):
    def write(stage):
        for name, text in files.items():
            (stage / name).write_text(text)
    return write


@pytest.mark.parametrize("replace", [False, True])
def test_new_folder_appears_in_one_step(tmp_path, replace):
    out = atomic.write_folder_atomically(tmp_path / "deep" / "out", _writer({"a": "1"}),
                                         replace=replace)
    assert out == tmp_path / "deep" / "out" and _names(out) == ["a"]
    assert out.stat().st_mode & 0o777 == 0o755
    assert _names(out.parent) == ["out"]


def test_merge_replaces_written_files_and_keeps_others(tmp_path):
    out = tmp_path / "out"
    atomic.write_folder_atomically(out, _writer({"a": "1", "b": "1"}))
    atomic.write_folder_atomically(out, _writer({"a": "2"}))
    assert (out / "a").read_text() == "2" and (out / "b").read_text() == "1"
    assert _names(tmp_path) == ["out"]


def test_replace_swaps_the_whole_folder(tmp_path):
    out = tmp_path / "out"
    atomic.write_folder_atomically(out, _writer({"a": "1", "b": "1"}))
    inode = out.stat().st_ino
    atomic.write_folder_atomically(out, _writer({"a": "2"}), replace=True)
    assert _names(out) == ["a"] and (out / "a").read_text() == "2"
    assert out.stat().st_ino != inode and _names(tmp_path) == ["out"]


@pytest.mark.parametrize("replace", [False, True])
def test_failure_leaves_target_untouched_and_no_stage(tmp_path, replace):
    out = tmp_path / "out"
    atomic.write_folder_atomically(out, _writer({"a": "1"}))

    def broken(stage):
        (stage / "a").write_text("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic.write_folder_atomically(out, broken, replace=replace)
    assert (out / "a").read_text() == "1" and _names(tmp_path) == ["out"]
    with pytest.raises(RuntimeError, match="boom"):
        atomic.write_folder_atomically(tmp_path / "new", broken, replace=replace)
    assert _names(tmp_path) == ["out"]


def test_callers_write_through_it(tmp_path, monkeypatch):
    """The importer and processing swap whole folders; processing refuses a folder that is not
    its own output (it would be replaced as a whole) and leaves nothing of an old run behind."""
    from talentlab.data import import_writing, importer, io

    calls = []
    real = atomic.write_folder_atomically

    def spy(target, write_fn, **kw):
        calls.append((os.fspath(target), kw.get("replace", False)))
        return real(target, write_fn, **kw)

    for mod in (import_writing, io):  # where the importer's folder write lives
        monkeypatch.setattr(mod, "write_folder_atomically", spy)
    src = tmp_path / "export"
    src.mkdir()
    (src / "p.csv").write_text(
        "院校,专业,学年,专任教师数,双师型教师数,企业兼职教师数,课程总数,校企合作开发课程数,"
        "在校生数,订单班学生数,技术服务项目数,培训中小企业员工数\n"
        "示例院校,软件技术,2020,12,6,3,30,5,200,20,1,0\n", encoding="utf-8")
    importer.import_records(src, tmp_path / "imported")
    assert calls == [(os.fspath(tmp_path / "imported"), True)]
    (tmp_path / "imported" / "extra.txt").write_text("x")
    importer.import_records(src, tmp_path / "imported")
    assert "extra.txt" not in _names(tmp_path / "imported")
    from tests.test_io_validation import write_dir

    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "notes.txt").write_text("not an output of process")
    with pytest.raises(ValueError, match="not a folder written by `talentlab process`"):
        io.process(write_dir(tmp_path), processed)
    assert _names(processed) == ["notes.txt"]
    (processed / "notes.txt").unlink()
    io.process(write_dir(tmp_path), processed)
    (processed / "stale.parquet").write_text("from an older run")
    io.process(write_dir(tmp_path), processed)
    assert calls[-1] == (os.fspath(processed), True)
    assert "stale.parquet" not in _names(processed) and "manifest.json" in _names(processed)
    assert not [n for n in _names(tmp_path) if n.startswith(".")]


def test_process_refuses_an_output_folder_holding_its_input(tmp_path):
    """A whole-folder swap of --out would delete the raw folder inside it."""
    from talentlab.data import io
    from tests.test_io_validation import write_dir

    raw = write_dir(tmp_path / "project")
    with pytest.raises(ValueError, match="holds the raw folder"):
        io.process(raw, tmp_path / "project")
    assert _names(raw) == ["employer_ratings.csv", "evaluations.csv", "graduates.csv",
                           "programmes.csv"]


# --------------------------------------------------------------------------------------------
# the swap and the recovery of a killed run
# --------------------------------------------------------------------------------------------
def test_swap_is_one_exchange_on_linux(tmp_path, monkeypatch):
    """With renameat2 the staged folder itself becomes the target (no second rename)."""
    if atomic.renameat2 is None:
        pytest.skip("no renameat2 here: the two-rename scheme is tested below")
    out = tmp_path / "out"
    atomic.write_folder_atomically(out, _writer({"a": "1"}), replace=True)
    renames, real_rename = [], os.rename
    monkeypatch.setattr(atomic.os, "rename", lambda *a: renames.append(a) or real_rename(*a))
    stages = []

    def write(stage):
        stages.append(stage.stat().st_ino)
        (stage / "b").write_text("2")

    atomic.write_folder_atomically(out, write, replace=True)
    assert renames == [] and out.stat().st_ino == stages[0]
    assert _names(out) == ["b"] and _names(tmp_path) == ["out"]


def test_two_rename_scheme_where_there_is_no_exchange(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "renameat2", None)
    assert atomic.exchange_folders(tmp_path, tmp_path) is False
    out = tmp_path / "out"
    atomic.write_folder_atomically(out, _writer({"a": "1"}), replace=True)
    atomic.write_folder_atomically(out, _writer({"b": "2"}), replace=True)
    assert _names(out) == ["b"] and _names(tmp_path) == ["out"]


def _leftover(parent, name, pid, kind, files):
    path = parent / f".{name}.{pid}-abcd1234.{kind}"
    path.mkdir()
    for fname, text in files.items():
        (path / fname).write_text(text)
    return path


def _dead_pid():
    import subprocess
    import sys

    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_a_missing_target_is_restored_from_the_old_copy(tmp_path):
    """Killed between the two renames: no target, the old copy and the complete new stage."""
    pid = _dead_pid()
    _leftover(tmp_path, "out", pid, "old", {"a": "old"})
    _leftover(tmp_path, "out", pid, "tmp", {"a": "new"})
    done = atomic.recover_folder(tmp_path / "out")
    assert [d.split(":")[0] for d in done] == ["restored", "deleted"]
    assert _names(tmp_path) == ["out"] and (tmp_path / "out" / "a").read_text() == "old"
    atomic.write_folder_atomically(tmp_path / "out", _writer({"a": "newer"}), replace=True)
    assert (tmp_path / "out" / "a").read_text() == "newer" and _names(tmp_path) == ["out"]


def test_leftovers_beside_an_existing_target_are_deleted_by_the_next_write(tmp_path):
    pid = _dead_pid()
    out = tmp_path / "out"
    atomic.write_folder_atomically(out, _writer({"a": "1"}), replace=True)
    _leftover(tmp_path, "out", pid, "old", {"a": "0"})        # killed before deleting the old
    _leftover(tmp_path, "out", pid, "tmp", {"a": "half"})     # killed while writing
    (tmp_path / f".out.{pid}-ffff0000.tmp").write_text("a file, too")
    _leftover(tmp_path, "out.v2", pid, "tmp", {})             # another target's: not ours
    atomic.write_folder_atomically(out, _writer({"a": "2"}), replace=True)
    assert (out / "a").read_text() == "2"
    assert _names(tmp_path) == [f".out.v2.{pid}-abcd1234.tmp", "out"]


def test_leftovers_of_a_running_process_are_left_alone(tmp_path):
    running = os.getppid()                                    # the process that started pytest
    _leftover(tmp_path, "out", running, "tmp", {"a": "being written"})
    atomic.write_folder_atomically(tmp_path / "out", _writer({"a": "1"}), replace=True)
    assert _names(tmp_path) == [f".out.{running}-abcd1234.tmp", "out"]


def test_two_old_copies_and_no_target_is_an_error_not_a_guess(tmp_path):
    pid = _dead_pid()
    _leftover(tmp_path, "out", pid, "old", {"a": "x"})
    (tmp_path / f".out.{pid}-ffff0000.old").mkdir()
    with pytest.raises(FileExistsError, match="2 old copies"):
        atomic.write_folder_atomically(tmp_path / "out", _writer({"a": "1"}), replace=True)
    assert not (tmp_path / "out").exists()


def test_the_old_layout_of_a_killed_import_is_recovered(tmp_path):
    """0.1 left the previous import in .<name>.<random>.old/previous and no target."""
    old = tmp_path / ".imported.k2j4h5g6.old"
    (old / "previous").mkdir(parents=True)
    (old / "previous" / "graduates.csv").write_text("old")
    (tmp_path / ".imported.a1b2c3d4.tmp").mkdir()
    atomic.recover_folder(tmp_path / "imported")
    assert _names(tmp_path) == ["imported"]
    assert (tmp_path / "imported" / "graduates.csv").read_text() == "old"


def test_a_link_is_followed_and_a_file_refused(tmp_path):
    real = tmp_path / "real"
    atomic.write_folder_atomically(real, _writer({"a": "1"}), replace=True)
    (tmp_path / "link").symlink_to(real)
    atomic.write_folder_atomically(tmp_path / "link", _writer({"b": "2"}), replace=True)
    assert (tmp_path / "link").is_symlink() and _names(real) == ["b"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        atomic.write_folder_atomically(tmp_path / "file", _writer({"a": "1"}), replace=True)
    assert (tmp_path / "file").read_text() == "x"
