"""Analysis stage, THUCNews headlines: our labels joined to titles read from a folder or a git dir.

The fixture is our own invented text in THUCNews' layout (`title<TAB>class id`), not THUCNews.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from yuqing.analysis import thucnews
from yuqing.analysis.train_data import headline_rows, is_held_text

DEV = "某市自来水厂检修后全城停水两天\t5\n央行公布本月中间价\t0\n没有类别的坏行\n"
TEST = "某区学校食堂发生集体食物中毒\t5\n新楼盘周末开盘\t1\n某县副县长被指收受开发商钱财\t6\n"
LABELS = """# our labels, fixture
file\tline\tclass\tlabel\tcategory
dev.txt\t1\tsociety\tneg\tproblem
dev.txt\t2\tfinance\tnon\t-
test.txt\t1\tsociety\tneg\temergency
test.txt\t2\trealty\tnon\t-
test.txt\t3\tpolitics\tneg\tsensitive
bad\trow
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with dev.txt and test.txt in THUCNews' layout."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "dev.txt").write_text(DEV, encoding="utf-8")
    (data / "test.txt").write_text(TEST, encoding="utf-8")
    return data


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    """Our label file for the fixture, with a comment, a header and a malformed row."""
    path = tmp_path / "headlines_labels.tsv"
    path.write_text(LABELS, encoding="utf-8")
    return path


def test_read_file_keys_titles_by_line_and_skips_bad_lines(folder: Path) -> None:
    rows = thucnews.read_file(folder, "dev.txt")
    assert rows == {1: ("某市自来水厂检修后全城停水两天", 5), 2: ("央行公布本月中间价", 0)}


def test_read_labels_skips_comments_header_and_malformed_rows(labels: Path) -> None:
    read = thucnews.read_labels(labels)
    assert [(r.file, r.line, r.label, r.category) for r in read][:2] == [
        ("dev.txt", 1, "neg", "problem"), ("dev.txt", 2, "non", "-")]
    assert len(read) == 5


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_titles_come_from_a_git_directory_at_the_commit(folder: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / thucnews.GIT_DIR).mkdir(parents=True)
    shutil.copy(folder / "dev.txt", repo / thucnews.GIT_DIR / "dev.txt")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "fixture"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    (repo / thucnews.GIT_DIR / "dev.txt").unlink()  # only the commit holds the file now
    assert thucnews.read_file(repo / ".git", "dev.txt", commit)[2] == ("央行公布本月中间价", 0)
    with pytest.raises(FileNotFoundError):
        thucnews.read_file(repo / ".git", "test.txt", commit)


def test_headline_rows_join_labels_to_titles_and_hold_out_by_text(folder: Path, labels: Path,
                                                                    tmp_path: Path) -> None:
    rows = headline_rows(tmp_path / "absent.tsv", labels, folder)
    by_text = {r.text: r for r in rows}
    assert len(rows) == 5
    assert by_text["某市自来水厂检修后全城停水两天"].label == 1
    assert by_text["某市自来水厂检修后全城停水两天"].category == "problem"
    assert by_text["央行公布本月中间价"].label == 0
    assert by_text["央行公布本月中间价"].category is None
    assert by_text["某县副县长被指收受开发商钱财"].category == "sensitive"
    assert all(r.source == "headline" and r.held == is_held_text(r.text, 0.30) for r in rows)


def test_old_text_file_adds_rows_and_a_shared_title_counts_once(folder: Path, labels: Path,
                                                                 tmp_path: Path) -> None:
    old = tmp_path / "headlines.tsv"
    old.write_text("non\t-\t某市自来水厂检修后全城停水两天\nneg\tproblem\t某地桥面坍塌无人修\n", encoding="utf-8")
    rows = headline_rows(old, labels, folder)
    by_text = {r.text: r for r in rows}
    assert len(rows) == 6
    assert by_text["某市自来水厂检修后全城停水两天"].label == 1  # our THUCNews label wins
    assert by_text["某地桥面坍塌无人修"].label == 1


def test_absent_titles_warn_and_yield_no_rows(labels: Path, tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert headline_rows(tmp_path / "absent.tsv", labels, tmp_path / "no-such-dir") == []
    assert "YUQING_THUCNEWS" in caplog.text


def test_titles_of_another_version_are_refused(folder: Path, labels: Path, tmp_path: Path) -> None:
    (folder / "test.txt").write_text("新楼盘周末开盘\t1\n" + TEST, encoding="utf-8")  # lines shifted by one
    with pytest.raises(ValueError, match="test.txt line 1"):
        headline_rows(tmp_path / "absent.tsv", labels, folder)
