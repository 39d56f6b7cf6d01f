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
    """The importer (replace) and processing (merge) go through it."""
    from talentlab.data import importer, io

    calls = []
    real = atomic.write_folder_atomically

    def spy(target, write_fn, **kw):
        calls.append((os.fspath(target), kw.get("replace", False)))
        return real(target, write_fn, **kw)

    for mod in (importer, io):
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
    (processed / "notes.txt").write_text("kept")
    io.process(write_dir(tmp_path), processed)
    assert calls[-1] == (os.fspath(processed), False)
    assert "notes.txt" in _names(processed) and "manifest.json" in _names(processed)
    assert not [n for n in _names(tmp_path) if n.startswith(".")]
