"""Text mining of the paper for the six-case comparison: condition and outcome cells coded from
the same words (:func:`shared_quote_pairs`), and how far each case's description reuses the
wording of the paper's own framework (section 4; :func:`framework_overlap`).

The paper's text is an argument (``text``), never a file this module opens.

Examples
--------
>>> from talentlab.cases.six_case import paper_sections
>>> paper_sections("4.1 Concept\\nBe cluster oriented.\\n5 CASE\\nx")
{'4.1': 'Be cluster oriented.'}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from talentlab.cases.six_case.coding import checked_case_conditions
from talentlab.cases.six_case.rules import OUTCOMES, SixCaseError

__all__ = ["evidence_sentences", "framework_overlap", "framework_overlap_summary",
           "paper_sections", "shared_quote_pairs"]


def _words(text) -> list[str]:
    return re.findall(r"[a-z0-9]+", str(text).lower()) if isinstance(text, str) else []


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def shared_quote_pairs(case_conditions: pd.DataFrame, outcomes: Sequence[str] = OUTCOMES,
                       min_words: int = 4) -> pd.DataFrame:
    """Condition/outcome pairs of one case coded from the same words of the paper.

    A pair is flagged when the condition's and the outcome's ``evidence_quote`` share a run of
    at least ``min_words`` consecutive words (case-insensitive). Such a condition and outcome
    are partly the same observation (CASES.md rule 6): a set relation between them is partly
    definitional. :func:`without_shared_quotes` removes them for a rerun.

    Returns
    -------
    DataFrame: ``case_id``, ``condition``, ``outcome``, ``shared_words`` (the longest shared
    run), ``quote_condition``, ``quote_outcome``.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "a"], "condition": ["X", "Y"],
    ...     "membership": [1.0, 1.0], "evidence_status": ["stated_present"] * 2,
    ...     "evidence_quote": ["co-built a provincial training center with firms",
    ...                        "a provincial training center with firms grew"]})
    >>> shared_quote_pairs(long, outcomes=["Y"])[["condition", "outcome", "shared_words"]].values.tolist()
    [['X', 'Y', 'a provincial training center with firms']]
    """
    long = checked_case_conditions(case_conditions)
    if "evidence_quote" not in long.columns:
        raise SixCaseError("case_conditions has no evidence_quote column")
    rows = []
    for case, grp in long.groupby("case_id", sort=False):
        quotes = dict(zip(grp["condition"], grp["evidence_quote"], strict=True))
        for out in [o for o in outcomes if o in quotes]:
            ow = _words(quotes[out])
            if len(ow) < min_words:
                continue
            for cond, q in quotes.items():
                if cond in outcomes:
                    continue
                cw = _words(q)
                shared = _ngrams(cw, min_words) & _ngrams(ow, min_words)
                if not shared:
                    continue
                # the longest common run of words
                best = max((cw[i:j] for i in range(len(cw)) for j in range(i + min_words,
                            len(cw) + 1) if " ".join(cw[i:j]) in " ".join(ow)),
                           key=len, default=[])
                rows.append({"case_id": case, "condition": cond, "outcome": out,
                             "shared_words": " ".join(best), "quote_condition": q,
                             "quote_outcome": quotes[out]})
    return pd.DataFrame(rows, columns=["case_id", "condition", "outcome", "shared_words",
                                       "quote_condition", "quote_outcome"])


def paper_sections(text: str, prefix: str = "4.") -> dict[str, str]:
    """Split the paper's text into its numbered sections; keep those whose number starts with
    ``prefix`` (e.g. ``"4."``: the framework). Headings are lines such as ``4.2.1 Interest
    linkage mechanism``.

    Examples
    --------
    >>> t = "4.1 Concept\\nBe cluster oriented.\\n4.2 Mechanism\\nHold meetings.\\n5 CASE\\nx"
    >>> paper_sections(t)
    {'4.1': 'Be cluster oriented.', '4.2': 'Hold meetings.'}
    """
    heading = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S.*$", re.M)
    marks = list(heading.finditer(text))
    out = {}
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        number = m.group(1)
        body = text[m.end():end].strip()
        if number.startswith(prefix) and body:
            out[number] = " ".join(body.split())
    return out


def evidence_sentences(case_conditions: pd.DataFrame, text: str,
                       exclude_prefix: str = "4.") -> pd.DataFrame:
    """The full sentences of the paper that hold each coded quote (one row per case x
    condition x sentence), leaving out sentences of sections numbered ``exclude_prefix`` (the
    framework itself; a quote taken from there, such as 4.3.2's McDonald's sentence, is the
    framework's wording by definition).

    Returns
    -------
    DataFrame: ``case_id``, ``condition``, ``section``, ``sentence``, ``quote``.

    Examples
    --------
    >>> t = "3.1 Effects\\nA college built a base. It trained many.\\n4.1 Path\\nBuild a base."
    >>> long = pd.DataFrame({"case_id": ["a"], "condition": ["X"], "membership": [1.0],
    ...     "evidence_status": ["stated_present"], "evidence_quote": ["built a base"]})
    >>> evidence_sentences(long, t)[["section", "sentence"]].values.tolist()
    [['3.1', 'A college built a base.']]
    """
    long = checked_case_conditions(case_conditions)
    sections = paper_sections(text, prefix="")
    rows = []
    for r in long.itertuples():
        quote = getattr(r, "evidence_quote", None)
        if not isinstance(quote, str) or not quote.strip():
            continue
        q = " ".join(quote.split())
        for sec, body in sections.items():
            if exclude_prefix and sec.startswith(exclude_prefix):
                continue
            pos = body.find(q)
            if pos < 0:
                continue
            # "e.g." and "i.e." do not end a sentence (same length, so positions hold)
            masked = re.sub(r"\b(e\.g|i\.e)\.", lambda m_: m_.group(0).replace(".", "\x00"),
                            body)
            for m in re.finditer(r"[^.!?]+[.!?]?", masked):
                if m.start() < pos + len(q) and m.end() > pos:
                    sentence = body[m.start():m.end()].strip()
                    rows.append({"case_id": r.case_id, "condition": r.condition,
                                 "section": sec, "sentence": sentence, "quote": q})
    return pd.DataFrame(rows, columns=["case_id", "condition", "section", "sentence", "quote"])


def framework_overlap(case_conditions: pd.DataFrame, framework: Mapping[str, str],
                      n: int = 4, text_column: str = "evidence_quote") -> pd.DataFrame:
    """How far each case's evidence quotes reuse the wording of the framework (section 4).

    For every coded quote, the share of its word ``n``-grams (``n`` consecutive words,
    case-insensitive) that also occur in the framework text, and the framework sections they
    occur in. A case described in the framework's own words (Zhuhai, CASES.md section 6) has
    quotes that overlap; the diagnostic turns that observation into a number that can be
    compared across cases.

    Parameters
    ----------
    case_conditions : DataFrame
        Long table with ``case_id``, ``condition`` and the text (``evidence_quote``, or the
        full sentences of :func:`evidence_sentences` with ``text_column="sentence"``).
    framework : mapping
        Section number -> text (:func:`paper_sections` with ``prefix="4."``).
    n : int
        Words per n-gram (4 by default: short enough to catch reused phrases, long enough that
        ordinary word pairs do not count).

    Returns
    -------
    DataFrame, one row per distinct (case, quote): ``case_id``, ``conditions`` (cells the quote
    supports), ``quote``, ``n_ngrams``, ``n_shared``, ``share``, ``overlaps`` (n_shared > 0),
    ``sections``.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["z", "m"], "condition": ["X", "X"],
    ...     "membership": [1.0, 1.0], "evidence_status": ["stated_present"] * 2,
    ...     "evidence_quote": ["hold quarterly demand docking meetings", "built a semester"]})
    >>> fo = framework_overlap(long, {"4.2.2": "Hold quarterly demand docking meetings to plan."})
    >>> fo[["case_id", "n_shared", "overlaps", "sections"]].values.tolist()
    [['z', 2, True, '4.2.2'], ['m', 0, False, '']]
    """
    long = case_conditions
    missing = [c for c in ("case_id", "condition", text_column) if c not in long.columns]
    if missing:
        raise SixCaseError(f"framework_overlap: the table lacks column(s) {missing}")
    if not framework:
        raise SixCaseError("framework text is empty: pass paper_sections(text, '4.')")
    grams = {sec: _ngrams(_words(t), n) for sec, t in framework.items()}
    quoted = long.loc[long[text_column].notna()
                      & (long[text_column].astype(str).str.strip() != "")]
    rows = []
    for (case, quote), grp in quoted.groupby(["case_id", text_column], sort=False):
        q = _ngrams(_words(quote), n)
        hits = {sec: len(q & g) for sec, g in grams.items() if q & g}
        shared = set().union(*[q & g for g in grams.values()]) if grams else set()
        rows.append({"case_id": case, "conditions": ", ".join(grp["condition"]),
                     "quote": quote, "n_ngrams": len(q), "n_shared": len(shared),
                     "share": len(shared) / len(q) if q else np.nan,
                     "overlaps": bool(shared), "sections": ", ".join(sorted(hits))})
    out = pd.DataFrame(rows, columns=["case_id", "conditions", "quote", "n_ngrams", "n_shared",
                                      "share", "overlaps", "sections"])
    order = {c: i for i, c in enumerate(dict.fromkeys(long["case_id"].astype(str)))}
    return out.sort_values("case_id", key=lambda s_: s_.map(order), kind="stable").reset_index(
        drop=True)


def framework_overlap_summary(overlap: pd.DataFrame) -> pd.DataFrame:
    """Per case: quotes, quotes reusing framework wording, their share, and the mean share of
    n-grams reused (:func:`framework_overlap`).

    Examples
    --------
    >>> fo = pd.DataFrame({"case_id": ["z", "z", "m"], "n_ngrams": [4, 4, 2],
    ...     "n_shared": [2, 0, 0], "share": [0.5, 0.0, 0.0], "overlaps": [True, False, False]})
    >>> framework_overlap_summary(fo)[["case_id", "share_quotes_overlapping"]].values.tolist()
    [['z', 0.5], ['m', 0.0]]
    """
    g = overlap.groupby("case_id", sort=False)
    out = pd.DataFrame({
        "n_quotes": g.size(),
        "n_quotes_overlapping": g["overlaps"].sum().astype(int),
        "share_quotes_overlapping": g["overlaps"].mean(),
        "mean_share_ngrams_reused": g["share"].mean(),
        "ngrams_reused": g["n_shared"].sum().astype(int),
        "ngrams_total": g["n_ngrams"].sum().astype(int),
    }).reset_index()
    out["share_ngrams_reused"] = out["ngrams_reused"] / out["ngrams_total"].where(
        out["ngrams_total"] > 0)
    out["method"] = ("word 4-grams of the coded evidence quotes also found in the framework "
                     "(paper section 4); one row per case")
    return out
