"""The post-adaptation cycle compared before and after the reform: Kaplan-Meier, log-rank and
the Cox difference in differences in one call (:func:`adaptation_comparison`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.data.schema import COUNT_COLUMN
from talentlab.evaluation.common import (
    DID_TERM,
    EvaluationInputError,
    as_binary,
    as_int,
    check_alpha,
    count_column,
    require_columns,
)
from talentlab.evaluation.survival.cox import cox_fit, cox_pretrend
from talentlab.evaluation.survival.frames import (
    graduate_counts,
    internal_count,
    n_graduates,
    survival_frame,
)
from talentlab.evaluation.survival.kaplan_meier import km_table, logrank


@dataclass
class AdaptationResult:
    """Result of :func:`adaptation_comparison`.

    Attributes
    ----------
    effect : DataFrame
        The tidy effect rows (hazard ratio of treated x post; ``null_value`` 1;
        ``orientation`` -1 because a hazard ratio above 1 means *shorter* adaptation): the
        primary row with the requested inference, then the robust-sandwich row.
    cox : DataFrame
        All Cox terms of the primary fit (interaction and cohort effects, or group, period and
        interaction when ``unit=None``).
    km_curves, km_medians : DataFrame
        Kaplan–Meier tables and medians by group x period.
    logrank : DataFrame
        Log-rank tests: across the four group x period cells, and treated vs comparison within
        each period.
    ph_test : DataFrame
        Proportional-hazards test per covariate (lifelines ``proportional_hazard_test``, rank
        time transform, i.e. the scaled Schoenfeld residual test).
    """

    effect: pd.DataFrame
    cox: pd.DataFrame
    km_curves: pd.DataFrame
    km_medians: pd.DataFrame
    logrank: pd.DataFrame
    ph_test: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The effect row(s), as every evaluation function returns them."""
        return self.effect


def adaptation_comparison(
    data: pd.DataFrame,
    duration: str = "adaptation_months",
    event: str = "adaptation_reached",
    group: str = "treated_major",
    period: str = "post",
    cluster: str = "major",
    cohort: str = "cohort",
    *,
    reform_cohort: int,
    unit: str | None = "major",
    inference: str = "cr3",
    alpha: float = 0.05,
    count: str | None = COUNT_COLUMN,
) -> AdaptationResult:
    """Adaptation cycle: Kaplan–Meier by group x period, log-rank, Cox DiD hazard ratio.

    The effect is the hazard ratio ``exp(b)`` of ``group x period`` in the Cox model (Efron
    ties), the survival analogue of :func:`did`'s two-way fixed effects:

        h(t | major, cohort) = h0_major(t) exp(b group x period + cohort effects)

    with a baseline hazard per major (``strata=unit``; the group main effect is then absorbed)
    and cohort dummies. With ``unit=None`` the model is
    ``exp(b1 group + b2 period + b group x period)`` instead.
    Inference (see :func:`cox_effect`): ``"cr3"`` (default: leave-one-major-out jackknife,
    t(G-1)) for the primary row; the lifelines robust sandwich clustered by major is returned as
    a second, non-primary row.

    The event is reaching independent work, so a hazard ratio above 1 means the reform
    *shortened* adaptation: the effect rows say so with ``orientation`` = -1 (direction on the
    duration scale). Rows with a missing duration or event (graduates not in employment) are
    dropped and counted (``n_dropped_missing``, in graduates). If ``period`` is not a column it
    is derived as ``cohort >= reform_cohort``.

    ``count`` names a count table's column of graduates per row (used when ``data`` has it):
    Kaplan-Meier tables, log-rank tests, the Cox fits (primary, sandwich, CR3 refits, pre-trend)
    and the proportional-hazards test then equal those of the microdata the table came from
    (``tests/test_counts_evaluation.py``).

    The proportional-hazards test is lifelines' ``proportional_hazard_test`` on the model-based
    fit (the Grambsch-Therneau statistic is built on the information matrix, not a sandwich)
    with the event times ranked, tied times sharing their average rank as R's ``cox.zph``
    (lifelines' ``"rank"`` numbers tied times in row order).

    Pre-trend check (columns ``pretrend_slope``, ``pretrend_p``, ``pretrend_method`` of the
    effect rows): on the pre-reform cohorts, the log hazard's differential linear trend
    ``s * treated * (cohort - (reform_cohort - 1))`` in the same Cox model, CR3 jackknife by
    major — the survival analogue of :func:`event_study`'s ``linear`` test, read by
    :func:`talentlab.claims.judge`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> n = 400
    >>> d = pd.DataFrame({"major": rng.choice(list("abcdef"), n),
    ...                   "cohort": rng.choice(range(2019, 2025), n)})
    >>> d["treated_major"] = d["major"].isin(["a", "b"])
    >>> d["adaptation_months"] = rng.exponential(6, n)
    >>> d["adaptation_reached"] = True
    >>> res = adaptation_comparison(d, reform_cohort=2022, inference="robust")
    >>> res.effect["term"].iloc[0]
    'treated_x_post'
    """
    where = "adaptation_comparison"
    check_alpha(alpha)
    if inference not in ("cr3", "robust"):
        raise EvaluationInputError(f"{where}: inference must be 'cr3' or 'robust', got {inference!r}")
    surv = _adaptation_frame(data, duration, event, group, period, cluster, cohort,
                             reform_cohort, unit, where, count_column(data, count))
    weighted = internal_count(surv)
    notes = []
    curves, medians = km_table(surv, "_T", "_E", by=["_group_label", "_period_label"],
                               alpha=alpha, count=weighted)
    rename = {"_group_label": "group", "_period_label": "period"}
    curves, medians = curves.rename(columns=rename), medians.rename(columns=rename)
    logrank_tab = _adaptation_logrank(surv)

    covs, strata, names = _cox_did_design(surv, group, period, cohort, unit, where)
    fitted, fitter, model_frame = cox_fit(surv, "_T", "_E", covs, cluster, strata, inference,
                                           alpha, duration, weighted)
    cox = fitted.copy()
    cox["term"] = cox["term"].map(names)
    ph_tab = _ph_test_table(fitter, model_frame, names, notes)
    effect = cox[cox["term"] == DID_TERM].reset_index(drop=True)
    effect["primary"] = True
    if inference == "cr3" and not effect["method"].iloc[0].startswith("not estimable"):
        effect = pd.concat([effect, _sandwich_row(effect, alpha)], ignore_index=True)
    effect["orientation"] = -1
    effect["estimate_scale"] = "hazard_ratio"
    ph_p = ph_tab.loc[ph_tab["term"] == DID_TERM, "p_value"]
    effect["ph_test_p"] = float(ph_p.iloc[0]) if len(ph_p) else np.nan
    effect["ph_test_min_p"] = float(ph_tab["p_value"].min()) if len(ph_tab) else np.nan
    counts = graduate_counts(data, count_column(data, count), where)
    effect["n_dropped_missing"] = ((len(data) if counts is None else int(counts.sum()))
                                   - n_graduates(surv))
    pre_slope, pre_p, pre_method = cox_pretrend(surv, cohort, reform_cohort, cluster, unit,
                                                 alpha, where)
    effect["pretrend_slope"] = pre_slope
    effect["pretrend_p"] = pre_p
    effect["pretrend_method"] = pre_method
    return AdaptationResult(effect=effect, cox=cox.reset_index(drop=True), km_curves=curves,
                            km_medians=medians, logrank=logrank_tab, ph_test=ph_tab, notes=notes)


def _adaptation_frame(data, duration, event, group, period, cluster, cohort, reform_cohort,
                      unit, where, count: str | None = None) -> pd.DataFrame:
    """Rows with a duration and event, with 0/1 ``_group``, ``_period``, ``_interaction``
    and their labels; ``period`` derived as ``cohort >= reform_cohort`` when not a column."""
    frame = data
    if period not in data.columns:
        require_columns(data, [cohort], where)
        frame = data.assign(**{period: as_int(data[cohort], cohort, where) >= reform_cohort})
    needed = [duration, event, group, period, cluster] + ([cohort, unit] if unit else [])
    require_columns(frame, needed, where)
    surv = survival_frame(frame, duration, event, where, count)
    surv = surv.assign(
        _group=as_binary(surv[group], group, where).astype(int),
        _period=as_binary(surv[period], period, where).astype(int),
    )
    surv["_interaction"] = surv["_group"] * surv["_period"]
    surv["_group_label"] = np.where(surv["_group"] == 1, "treated", "comparison")
    surv["_period_label"] = np.where(surv["_period"] == 1, "post", "pre")
    return surv


def _adaptation_logrank(surv: pd.DataFrame) -> pd.DataFrame:
    """Log-rank across the four group x period cells and treated vs comparison per period."""
    weighted = internal_count(surv)
    tests = [logrank(surv, "_T", "_E", ["_group_label", "_period_label"], count=weighted)
             .assign(comparison="4 cells: group x period")]
    for per in ("pre", "post"):
        sub = surv[surv["_period_label"] == per]
        tests.append(logrank(sub, "_T", "_E", "_group_label", count=weighted)
                     .assign(comparison=f"treated vs comparison, {per}-reform"))
    return pd.concat(tests, ignore_index=True)


def _cox_did_design(surv: pd.DataFrame, group: str, period: str, cohort: str,
                    unit: str | None, where: str) -> tuple[list[str], str | None, dict]:
    """Covariates, strata and output term names of the Cox DiD.

    With ``unit``: the interaction and cohort dummies (added to ``surv`` in place), a baseline
    hazard per unit; without: group, period and interaction.
    """
    names = {"_group": group, "_period": period, "_interaction": DID_TERM}
    if not unit:
        return ["_group", "_period", "_interaction"], None, names
    cohort_values = as_int(surv[cohort], cohort, where)
    levels = sorted(np.unique(cohort_values))
    covs = ["_interaction"]
    for lev in levels[1:]:
        surv[f"_cohort_{lev}"] = (cohort_values == lev).astype(float)
        covs.append(f"_cohort_{lev}")
        names[f"_cohort_{lev}"] = f"{cohort}_{lev}"
    return covs, unit, names


def _event_time_rank(durations: pd.Series, events: pd.Series, weights) -> pd.Series:
    """lifelines time transform: the rank of each event time among the event times, tied times
    sharing their average rank (R's ``cox.zph(transform="rank")``); NaN for censored rows."""
    from scipy.stats import rankdata

    died = events.to_numpy().astype(bool)
    ranks = np.full(len(durations), np.nan)
    ranks[died] = rankdata(durations.to_numpy(dtype=float)[died], method="average")
    return pd.Series(ranks, index=durations.index)


def _ph_test_table(fitter, model_frame: pd.DataFrame, names: dict,
                   notes: list[str]) -> pd.DataFrame:
    """Scaled Schoenfeld residual test per covariate (lifelines, rank time transform)."""
    from lifelines.statistics import proportional_hazard_test

    ph_tab = pd.DataFrame(columns=["term", "statistic", "p_value", "method"])
    if fitter is None:
        return ph_tab
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ph = proportional_hazard_test(fitter, model_frame.drop(columns="_cluster",
                                                                   errors="ignore"),
                                          time_transform=_event_time_rank)
        ph_sum = ph.summary
        ph_tab = pd.DataFrame({
            "term": [names.get(str(i[-1] if isinstance(i, tuple) else i), str(i))
                     for i in ph_sum.index],
            "statistic": ph_sum["test_statistic"].to_numpy(dtype=float),
            "p_value": ph_sum["p"].to_numpy(dtype=float),
            "method": "lifelines proportional_hazard_test (rank transform, ties averaged)",
        })
    except Exception as err:  # diagnostics must not sink the estimate
        notes.append(f"proportional-hazards test failed: {err}")
    return ph_tab


def _sandwich_row(effect: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """The same fit's robust sandwich, t(G-1), as the conventional second row."""
    sandwich = effect.iloc[[0]].copy()
    b, se_s = float(sandwich["log_hr"].iloc[0]), float(sandwich["se_sandwich"].iloc[0])
    df_t = float(sandwich["df"].iloc[0])
    crit = stats.t.ppf(1 - alpha / 2, df_t)
    sandwich["se"] = se_s
    sandwich["ci_low"] = float(np.exp(b - crit * se_s))
    sandwich["ci_high"] = float(np.exp(b + crit * se_s))
    sandwich["p_value"] = float(2 * stats.t.sf(abs(b / se_s), df_t))
    sandwich["method"] = sandwich["method"].str.replace(
        "CR3 leave-one-cluster-out jackknife", "robust sandwich SE", regex=False)
    sandwich["inference"] = "robust"
    sandwich["primary"] = False
    return sandwich
