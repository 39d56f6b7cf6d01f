"""The pandas engine: the conditions of :mod:`talentlab.indicators.definitions` as numpy masks
and ``bincount`` over the group codes of :func:`talentlab.indicators.core.group_index` (small
in-memory frames)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data.schema import DESTINATIONS
from talentlab.indicators import definitions as defs
from talentlab.indicators.core import (
    IndicatorInputError,
    counted_rows,
    group_index,
    weighted_bincount,
)
from talentlab.indicators.engines.plan import Plan, derive_unknown, require_plan_columns
from talentlab.indicators.engines.sources import read_for_pandas


def pandas_counts(src: pd.DataFrame | Path | str, by: list[str], plan: Plan) -> pd.DataFrame:
    """The counts of ``plan`` per group of ``by`` with numpy, from a source
    :func:`~talentlab.indicators.engines.sources.resolve_source` has resolved (a file is read
    first, only the columns the plan needs)."""
    if not isinstance(src, pd.DataFrame):
        src = read_for_pandas(src, plan.needed_columns(by))
    require_plan_columns(plan, by, list(src.columns), "graduates")
    src, counts = counted_rows(src, "compute_counts")  # a count table: rows of count 0 go
    codes, keys = group_index(src, by, "compute_counts", "graduates")
    frame = defs.MaskFrame(src)
    _pandas_checks(src, plan)
    G = len(keys) if by else 1
    out = keys.copy() if by else pd.DataFrame(index=pd.RangeIndex(1))
    out["n_total"] = weighted_bincount(codes, counts, G)
    masks: dict[defs.Cond, np.ndarray] = {}
    for name, cond in plan.conditions().items():
        if cond not in masks:
            masks[cond] = cond.mask(frame)
        out[name] = weighted_bincount(codes, counts, G, masks[cond])
    derive_unknown(plan, out)
    if plan.mean is not None:
        m = plan.mean
        base = m.base.mask(frame) & frame.known(m.column)
        x = frame.numbers(m.column)[base]
        c = codes[base]
        w = np.ones(len(x)) if counts is None else counts[base].astype(float)
        n = np.bincount(c, weights=None if counts is None else w, minlength=G).astype(float)
        total = np.bincount(c, weights=x if counts is None else x * w,
                            minlength=G).astype(float)
        out["hours__sum"] = total
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n
        resid = x - mean[c]
        if m.cluster is None:
            ss = np.bincount(c, weights=resid**2 if counts is None else w * resid**2,
                             minlength=G).astype(float)
            out["hours__ss"] = np.where(n > 0, ss, np.nan)
        else:
            # aggregate per (group, cluster) first: e_c = sum of residuals in the cluster
            # (a row of k graduates adds k e); each graduate without a cluster id is a
            # cluster of its own (a row of k such graduates: k clusters of e^2 each)
            emp = src[m.cluster][base]
            emp_codes = np.asarray(pd.factorize(emp, use_na_sentinel=True)[0], dtype=np.int64)
            single = emp_codes < 0
            k = int(emp_codes.max()) + 1 if len(emp_codes) else 0
            pair = c.astype(np.int64) * max(k, 1) + np.where(single, 0, emp_codes)
            pair_keys, inverse = np.unique(pair[~single], return_inverse=True)
            e = resid if counts is None else resid * w
            e_c = np.bincount(inverse, weights=e[~single], minlength=len(pair_keys))
            grp = (pair_keys // max(k, 1)).astype(np.intp)
            ssc = np.bincount(grp, weights=e_c**2, minlength=G).astype(float)
            ssc += np.bincount(c[single], weights=(resid**2 * w)[single], minlength=G)
            out["hours__ssc"] = ssc
            out["hours__clusters"] = (np.bincount(grp, minlength=G)
                                      + weighted_bincount(c, None if counts is None
                                                          else counts[base], G, single)
                                      ).astype(np.int64)
    return out.reset_index(drop=True)


def _pandas_checks(df: pd.DataFrame, plan: Plan) -> None:
    if "destination" in df.columns:
        s = df["destination"]
        bad = (~s.isin(DESTINATIONS) | s.isna()).to_numpy()
        if bad.any():
            raise IndicatorInputError(
                f"graduates.destination: {int(bad.sum())} row(s) break the rule 'destination "
                f"outside the contract or missing', e.g. values "
                f"{list(map(str, s[bad].head(5)))}")
    for col, rule in (("job_satisfaction", "job_satisfaction must be an integer 1-5"),
                      ("retraining_hours", "retraining_hours must be >= 0")):
        if col in df.columns and rule in plan.checks:
            v = df[col].to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                bad = ((v < 1) | (v > 5) | (v != np.round(v))) if col == "job_satisfaction" \
                    else (v < 0)
            bad &= ~np.isnan(v)
            if bad.any():
                raise IndicatorInputError(f"graduates.{col}: {int(bad.sum())} row(s) break the "
                                          f"rule '{rule}', e.g. values {v[bad][:5].tolist()}")
