"""The paper's claims ledger as tables: reading and checking ``claims.csv`` and its kinds.

``data/raw/claims.csv`` holds one row per empirical claim of the paper (section, quote, case,
indicator, outcome, claimed direction, analysis); ``data/raw/claims_supplement.csv`` adds the claims
coded later (with their own ``claim_kind``), and ``data/raw/claim_kinds.csv`` types the claims of
``claims.csv``: *impact*, *activity*, *existence* or *not_testable*. This module reads those files
and checks their shape and values (every problem listed, with the file's row number); the verdict
rules that judge the claims live in :mod:`talentlab.claims`, which re-exports these names
(``load_claims``, ``load_claim_kinds``, ``with_claim_kinds``, ``default_claims_path``,
``default_claim_kinds_path``, ``default_supplement_path``, ``ClaimsError``, ``CLAIM_COLUMNS``,
``REQUIRED_VALUES``, ``CLAIMED_DIRECTIONS``, ``ANALYSES``, ``JUDGED_ANALYSES``, ``CLAIM_KINDS``,
``KIND_COLUMNS``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from talentlab.data.io import RAW_DIR

__all__ = [
    "ANALYSES",
    "CLAIM_COLUMNS",
    "CLAIM_KINDS",
    "CLAIMED_DIRECTIONS",
    "JUDGED_ANALYSES",
    "KIND_COLUMNS",
    "REQUIRED_VALUES",
    "ClaimsError",
    "default_claim_kinds_path",
    "default_claims_path",
    "default_supplement_path",
    "load_claim_kinds",
    "load_claims",
    "validate_claims",
    "with_claim_kinds",
]

CLAIM_COLUMNS = ["claim_id", "section", "quote", "case", "indicator", "outcome",
                 "claimed_direction", "testable_with", "analysis"]
REQUIRED_VALUES = ["claim_id", "section", "quote", "case", "claimed_direction", "analysis"]
CLAIMED_DIRECTIONS = ("increase", "decrease", "positive_association", "necessary", "sufficient")
ANALYSES = ("zhuhai_did", "zhuhai_survival", "zhuhai_mixed", "qca", "not_testable")
JUDGED_ANALYSES = ("zhuhai_did", "zhuhai_survival", "zhuhai_mixed")

#: What a claim asserts; decides how it is judged.
CLAIM_KINDS = ("impact", "activity", "existence", "not_testable")
KIND_COLUMNS = ["claim_id", "claim_kind", "reason"]


class ClaimsError(ValueError):
    """Bad claims table or results; the message says what and where."""


def default_claims_path() -> Path:
    """``<project root>/data/raw/claims.csv``, found relative to the package."""
    return RAW_DIR / "claims.csv"


def default_claim_kinds_path() -> Path:
    """``<project root>/data/raw/claim_kinds.csv``: the kind of each claim of ``claims.csv``."""
    return RAW_DIR / "claim_kinds.csv"


def load_claim_kinds(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a claim-kinds table (``claim_id``, ``claim_kind``, ``reason``).

    Every row needs an id, a kind from :data:`CLAIM_KINDS` and a reason; ids are unique.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "claim_kinds.csv"
    >>> _ = p.write_text("claim_id,claim_kind,reason\\nC1,activity,projects carried out\\n")
    >>> load_claim_kinds(p)["claim_kind"].tolist()
    ['activity']
    """
    path = Path(path) if path is not None else default_claim_kinds_path()
    if not path.is_file():
        raise ClaimsError(f"claim kinds file not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame.apply(lambda col: col.str.strip()).replace("", pd.NA).astype("string")
    missing = [c for c in KIND_COLUMNS if c not in frame.columns]
    if missing:
        raise ClaimsError(f"{path}: missing column(s) {missing}; expected {KIND_COLUMNS}")
    problems = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        for col in KIND_COLUMNS:
            if pd.isna(rec[col]):
                problems.append(f"row {i}, column '{col}': a value is required")
        if pd.notna(rec["claim_kind"]) and rec["claim_kind"] not in CLAIM_KINDS:
            problems.append(f"row {i}, column 'claim_kind', value {rec['claim_kind']!r}: must "
                            f"be one of {CLAIM_KINDS}")
    dup = frame["claim_id"][frame["claim_id"].duplicated() & frame["claim_id"].notna()]
    problems += [f"column 'claim_id', value {v!r}: more than one kind" for v in dup.unique()]
    if problems:
        raise ClaimsError(f"{path}: {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))
    return frame[KIND_COLUMNS]


def _default_kind(analysis) -> str:
    """Kind of a claim no kinds table covers: judged analyses are impact claims."""
    return "impact" if analysis in JUDGED_ANALYSES or analysis == "qca" else "not_testable"


def with_claim_kinds(claims: pd.DataFrame, kinds: pd.DataFrame | None = None,
                     where: str = "claims") -> pd.DataFrame:
    """The claims with ``claim_kind`` and ``claim_kind_reason`` filled.

    A kind already in the claims (e.g. a supplement's own ``claim_kind`` column) wins; the rest
    come from ``kinds`` (a :func:`load_claim_kinds` table); a claim neither covers gets the
    default by analysis (impact for judged analyses and the QCA, else not_testable) and says
    so in ``claim_kind_reason``. Unknown kinds and kinds for unknown claims raise.
    """
    out = claims.copy()
    if "claim_kind" not in out.columns:
        out["claim_kind"] = pd.Series(pd.NA, index=out.index, dtype="string")
    if "claim_kind_reason" not in out.columns:
        out["claim_kind_reason"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["claim_kind"] = out["claim_kind"].astype("string")
    out["claim_kind_reason"] = out["claim_kind_reason"].astype("string")
    if kinds is not None and len(kinds):
        unknown = sorted(set(kinds["claim_id"].dropna()) - set(out["claim_id"].dropna()))
        if unknown:
            raise ClaimsError(f"{where}: claim kinds given for unknown claim(s) {unknown}")
        kmap = dict(zip(kinds["claim_id"], kinds["claim_kind"], strict=True))
        rmap = dict(zip(kinds["claim_id"], kinds["reason"], strict=True))
        fill = out["claim_kind"].isna()
        out.loc[fill, "claim_kind_reason"] = out.loc[fill, "claim_id"].map(rmap).astype("string")
        out.loc[fill, "claim_kind"] = out.loc[fill, "claim_id"].map(kmap).astype("string")
    fill = out["claim_kind"].isna()
    if fill.any():
        out.loc[fill, "claim_kind"] = [_default_kind(a) for a in out.loc[fill, "analysis"]]
        out.loc[fill, "claim_kind_reason"] = "default by analysis (no kind recorded)"
    bad = out[~out["claim_kind"].isin(CLAIM_KINDS)]
    if len(bad):
        raise ClaimsError(f"{where}: claim_kind must be one of {CLAIM_KINDS}; got "
                          + ", ".join(f"{c}={k!r}" for c, k in
                                      zip(bad["claim_id"], bad["claim_kind"], strict=True)))
    return out


def validate_claims(claims: pd.DataFrame, where: str) -> None:
    """Refuse a claims table whose columns or values break the ledger's rules, listing every
    problem with its file line (``where`` names the file); raises :class:`ClaimsError`."""
    missing = [c for c in CLAIM_COLUMNS if c not in claims.columns]
    if missing:
        raise ClaimsError(f"{where}: missing column(s) {missing}; expected {CLAIM_COLUMNS}")
    problems = []
    for i, row in enumerate(claims.itertuples(index=False), start=2):  # file line numbers
        rec = row._asdict()
        for col in REQUIRED_VALUES:
            if pd.isna(rec[col]) or str(rec[col]).strip() == "":
                problems.append(f"row {i}, column '{col}': a value is required")
        if pd.notna(rec["claimed_direction"]) and rec["claimed_direction"] not in CLAIMED_DIRECTIONS:
            problems.append(f"row {i}, column 'claimed_direction', value "
                            f"{rec['claimed_direction']!r}: must be one of {CLAIMED_DIRECTIONS}")
        if pd.notna(rec["analysis"]) and rec["analysis"] not in ANALYSES:
            problems.append(f"row {i}, column 'analysis', value {rec['analysis']!r}: "
                            f"must be one of {ANALYSES}")
        if rec["analysis"] in JUDGED_ANALYSES and pd.isna(rec["outcome"]):
            problems.append(f"row {i}, column 'outcome': required when analysis is "
                            f"{rec['analysis']!r}")
    dup = claims["claim_id"][claims["claim_id"].duplicated() & claims["claim_id"].notna()]
    problems += [f"column 'claim_id', value {v!r}: duplicated" for v in dup.unique()]
    if problems:
        raise ClaimsError(f"{where}: {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))


def default_supplement_path() -> Path:
    """``<project root>/data/raw/claims_supplement.csv``: the claims added to the ledger after
    ``claims.csv`` was frozen (issue 11), same columns plus ``claim_kind``."""
    return default_claims_path().with_name("claims_supplement.csv")


def load_claims(path: str | Path | None = None,
                supplement: str | Path | bool | None = None) -> pd.DataFrame:
    """Read and check the claims table.

    Parameters
    ----------
    path : str or Path, optional
        Default :func:`default_claims_path` (``data/raw/claims.csv`` of the project).
    supplement : str, Path or bool, optional
        Further claims appended after those of ``path`` (ids must not repeat). Default: the
        project's ``claims_supplement.csv`` when ``path`` is the default, none otherwise;
        ``False`` for none.

    Returns
    -------
    DataFrame
        The columns of :data:`CLAIM_COLUMNS` (string dtype; empty cells are missing), in file
        order, then ``claim_kind`` and ``claim_kind_reason``: from the file's own
        ``claim_kind`` column if it has one, else from ``claim_kinds.csv`` beside it
        (:func:`load_claim_kinds`), else the default by analysis (:func:`with_claim_kinds`).

    Raises
    ------
    ClaimsError
        Missing columns, missing required values, unknown directions or analyses, duplicated
        ids (every problem listed, with the file's row number).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.csv"
    >>> _ = p.write_text("claim_id,section,quote,case,indicator,outcome,claimed_direction,"
    ...                  "testable_with,analysis\\nC1,5.3,rose,zhuhai,x,y,increase,data,zhuhai_did\\n")
    >>> load_claims(p)["claim_id"].tolist()
    ['C1']
    """
    if supplement is None:
        supplement = path is None
    if supplement is True:
        supplement = default_supplement_path()
    if supplement:
        main = load_claims(path, supplement=False)
        extra = load_claims(supplement, supplement=False)
        extra["claim_kind_reason"] = extra["claim_kind_reason"].fillna(
            f"recorded in {Path(supplement).name}")
        both = pd.concat([main, extra], ignore_index=True)
        dup = sorted(set(main["claim_id"]) & set(extra["claim_id"]))
        if dup:
            raise ClaimsError(f"{supplement}: claim_id(s) {dup} repeat ids of the main table")
        return both
    path = Path(path) if path is not None else default_claims_path()
    if not path.is_file():
        raise ClaimsError(f"claims file not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame.apply(lambda s: s.str.strip()).replace("", pd.NA).astype("string")
    validate_claims(frame, str(path))
    kinds_path = path.parent / "claim_kinds.csv"
    kinds = load_claim_kinds(kinds_path) if kinds_path.is_file() else None
    if kinds is not None:  # kinds for claims of other files (e.g. a supplement) are not ours
        kinds = kinds[kinds["claim_id"].isin(frame["claim_id"])]
    frame = with_claim_kinds(frame, kinds, str(path))
    return frame[CLAIM_COLUMNS + [c for c in frame.columns if c not in CLAIM_COLUMNS]]
