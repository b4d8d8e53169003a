"""Statement text, boilerplate stripping, containment, and MinHash equal to datasketch's."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from datasketch import MinHash

from tests.analysis.factory import OFFICIAL_REPLY, STATEMENT
from yuqing.analysis.similarity import (
    NUM_PERM,
    SEED,
    BandLayout,
    band_hashes,
    band_layout,
    containment,
    estimate_containment,
    minhash_signatures,
    shingle_counts,
    shingle_hash32,
    shingles,
)
from yuqing.analysis.text import clean_title, fold_statement, statement_text, strip_boilerplate


@pytest.mark.parametrize(("raw", "kept"), [
    ("【转】交通局门口渣土车撞人", "交通局门口渣土车撞人"),
    ("[转载] 交通局门口渣土车撞人", "交通局门口渣土车撞人"),
    ("转发:交通局门口渣土车撞人", "交通局门口渣土车撞人"),
    ("转载自本地宝:交通局门口渣土车撞人", "交通局门口渣土车撞人"),
    ("转自微博:交通局门口渣土车撞人", "交通局门口渣土车撞人"),
    ("太可怕了//@路人甲:交通局门口渣土车撞人", "太可怕了交通局门口渣土车撞人"),
    ("原标题:交通局门口渣土车撞人", "交通局门口渣土车撞人"),
    ("网曝:交通局门口渣土车撞人", "交通局门口渣土车撞人"),
    ("交通局门口渣土车撞人\n来源:某某晚报", "交通局门口渣土车撞人"),
    ("交通局门口渣土车撞人(来源:某某网)", "交通局门口渣土车撞人"),
    ("交通局门口渣土车撞人\n责任编辑:王五", "交通局门口渣土车撞人"),
    ("交通局门口渣土车撞人 转自本地论坛", "交通局门口渣土车撞人"),
    ("转发量破万的交通局新闻", "转发量破万的交通局新闻"),
])
def test_repost_boilerplate_is_stripped_and_statements_kept(raw: str, kept: str) -> None:
    assert fold_statement(raw) == fold_statement(kept)
    assert kept.replace(" ", "") in strip_boilerplate(raw).replace(" ", "") or fold_statement(raw) == fold_statement(kept)


def test_folding_joins_traditional_full_width_and_punctuation_variants() -> None:
    assert fold_statement("交通局門口渣土車撞人,３人受傷!") == fold_statement("交通局门口 渣土车撞人。3人受伤") == "交通局门口渣土车撞人3人受伤"
    assert fold_statement("ABC 交通") == "abc交通"


def test_statement_text_does_not_repeat_a_title_the_body_starts_with() -> None:
    assert statement_text("渣土车撞人", "渣土车撞人,三人受伤") == "渣土车撞人三人受伤"
    assert statement_text("渣土车撞人", "三人受伤") == "渣土车撞人三人受伤"
    assert clean_title("【转】渣土车撞人") == "渣土车撞人"
    assert clean_title("", "转发:" + STATEMENT)[:8] == STATEMENT[:8]


def test_containment_accepts_reprints_and_truncations_and_rejects_the_official_reply() -> None:
    original = statement_text("交通局门口渣土车撞人", STATEMENT)
    reprint = statement_text("【转】交通局门口渣土车撞人", "转自本地论坛:" + STATEMENT + "\n来源:晚报")
    truncated = statement_text("市民被撞 目击者称司机在打电话", STATEMENT[: int(len(STATEMENT) * 0.6)])
    reply = statement_text("情况通报", OFFICIAL_REPLY)
    assert containment(original, reprint) == 1.0
    assert containment(original, truncated) >= 0.85
    assert containment(original, reply) < 0.3


def test_short_texts_use_bigrams_and_need_a_jaccard_match() -> None:
    assert shingles("交通局") == frozenset({"交通", "通局"})
    assert len(next(iter(shingles(fold_statement(STATEMENT))))) == 3
    assert containment("交通局长", "交通局长被查处了这是一条很长的新闻") < 0.7
    assert containment("交通局长被查", "交通局长被查") == 1.0


def test_minhash_signatures_equal_datasketch_with_the_same_hash() -> None:
    texts = [fold_statement(STATEMENT), fold_statement(OFFICIAL_REPLY), "", "交通", "x", fold_statement(STATEMENT)[:11]]
    signatures = minhash_signatures(texts)
    for text, signature in zip(texts, signatures, strict=True):
        reference = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=lambda b: shingle_hash32(b.decode()))
        reference.update_batch([s.encode() for s in shingles(text)])
        assert np.array_equal(reference.hashvalues, signature)


@pytest.mark.parametrize("num_perm", [32, NUM_PERM, 128])
def test_band_layout_is_the_one_datasketch_picks(num_perm: int) -> None:
    from datasketch import MinHashLSH

    for threshold in np.arange(0.10, 0.91, 0.05):
        threshold = round(float(threshold), 2)
        reference = MinHashLSH(threshold=threshold, num_perm=num_perm)
        assert band_layout(threshold, num_perm) == BandLayout(reference.b, reference.r), threshold


def test_analysis_does_not_import_datasketch_or_scipy() -> None:
    code = ("import sys; from yuqing.analysis.similarity import band_layout, minhash_signatures; "
            "band_layout(0.35); minhash_signatures(['交通事故']); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'datasketch', 'scipy'}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_band_hashes_are_signed_64_bit_and_shared_by_copies() -> None:
    layout = band_layout(0.35)
    assert (layout.bands, layout.rows) == (21, 3)
    a, b, c = minhash_signatures([statement_text("渣土车撞人", STATEMENT),
                                  statement_text("【转】渣土车撞人", STATEMENT + "//@路人:天哪"),
                                  statement_text("情况通报", OFFICIAL_REPLY)])
    ha, hb, hc = (band_hashes(s, layout) for s in (a, b, c))
    assert all(-(2**63) <= h < 2**63 for h in ha) and len(ha) == 21
    assert len(set(enumerate(ha)) & set(enumerate(hb))) >= 10
    assert len(set(enumerate(ha)) & set(enumerate(hc))) == 0


def test_containment_estimated_from_sketches_is_close_to_the_exact_one() -> None:
    texts = [statement_text("交通局门口渣土车撞人", STATEMENT),
             statement_text("【转】交通局门口渣土车撞人", "转自本地论坛:" + STATEMENT[:80]),
             statement_text("情况通报", OFFICIAL_REPLY)]
    signatures = minhash_signatures(texts)
    sizes = shingle_counts(texts)
    for i, j in ((0, 1), (0, 2), (1, 2)):
        estimate = estimate_containment(signatures[i], sizes[i], signatures[j], sizes[j])
        assert abs(estimate - containment(texts[i], texts[j])) < 0.2
    assert estimate_containment(signatures[0], sizes[0], signatures[0], sizes[0]) == 1.0
    assert estimate_containment(signatures[0], 0, signatures[1], sizes[1]) == 0.0
