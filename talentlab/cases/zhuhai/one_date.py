"""The Zhuhai evaluation on one reform date with comparison majors: difference in differences.

Each outcome named by a claim gets its primary estimate (the DiD with major and cohort fixed
effects and few-cluster inference, the Cox model for adaptation, the rating-level DiD for
recognition), randomization inference beside each DiD (:func:`with_randomization_inference`),
the event study and its pre-trend test, the relative-magnitudes sensitivity
(:func:`post_cohort_weights`), the minimum detectable effect and, for the reform's own outputs,
a descriptive summary (:func:`activity_summary`). :func:`evaluate_one_date` stacks them and
judges the claims.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"cohort": [2022, 2022, 2023], "treated_major": True})
>>> s = pd.DataFrame({"cohort": [2022, 2023], "period": "post", "estimate": [0.1, 0.2]})
>>> post_cohort_weights(f, s).round(3).tolist()
[0.667, 0.333]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab import evaluation as ev
from talentlab.cases.settings import PRETREND_BOOTSTRAP_SEED
from talentlab.cases.zhuhai.result import ZhuhaiEvaluation, stack_frames
from talentlab.cases.zhuhai.samples import (
    OUTCOMES,
    claimed_signs,
    indicator_trends,
    n_graduates,
    outcome_frame,
    unavailable_outcomes,
    unlinkable_outcomes,
)
from talentlab.cases.zhuhai.settings import ZhuhaiSettings
from talentlab.cases.zhuhai.text import format_number
from talentlab.claims import judge
from talentlab.data.schema import COUNT_COLUMN
from talentlab.evaluation import sensitivity as sens


def activity_summary(frame: pd.DataFrame, outcome: str, reform_year: int) -> pd.DataFrame:
    """Descriptive summary of an activity (programme-year) outcome: what the records show.

    Mean per major-year for reformed and comparison majors before and after ``reform_year``,
    and the total recorded for reformed majors after it (the activity "reported" when > 0).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"major": ["a", "a", "b", "b"], "cohort": [2018, 2020, 2018, 2020],
    ...                   "treated_major": [True, True, False, False], "n": [1.0, 7.0, 1.0, 2.0]})
    >>> activity_summary(f, "n", 2019)[["treated_post_mean", "treated_post_total"]].values.tolist()
    [[7.0, 7.0]]
    """
    y = frame[outcome].astype(float)
    post = frame["cohort"].astype(int) >= reform_year
    treated = frame["treated_major"].astype(bool)

    def cell(mask):
        v = y[mask].dropna()
        return (float(v.mean()) if len(v) else np.nan), int(len(v))

    (tp, n_tp), (tpre, _) = cell(treated & post), cell(treated & ~post)
    (cp, _), (cpre, _) = cell(~treated & post), cell(~treated & ~post)
    total = float(y[treated & post].sum()) if n_tp else 0.0
    unit = OUTCOMES.get(outcome, (None, None, None, "per major-year"))[3]
    text = (f"reformed majors {format_number(tpre)} -> {format_number(tp)} {unit} "
            f"(from {reform_year}; {n_tp} major-years, total {format_number(total)}), "
            "comparison majors "
            f"{format_number(cpre)} -> {format_number(cp)}")
    return pd.DataFrame([{
        "outcome": outcome, "reform_year": int(reform_year), "treated_pre_mean": tpre,
        "treated_post_mean": tp, "comparison_pre_mean": cpre, "comparison_post_mean": cp,
        "treated_post_records": n_tp, "treated_post_total": total, "summary": text,
        "method": "descriptive means per major-year (records of the reform's own output)",
    }])


def mde_from_standard_error(effect: pd.DataFrame, outcome: str, alpha: float,
                            power: float = 0.8, log_scale: bool = False) -> pd.DataFrame:
    """Minimum detectable effect from the realised standard error of the primary estimate.

    Bloom (1995, *Evaluation Review* 19:547) writes the MDE of any estimator as a multiplier times
    its standard error, M = t(1 - alpha/2, df) + t(power, df). Used where the design-based formula
    of :func:`talentlab.evaluation.minimum_detectable_effect` does not apply: the Cox model (on the
    log scale, giving a detectable hazard ratio exp(M * se)) and one-row-per-major-year panels.
    """
    from scipy import stats

    row = effect[effect["primary"].astype(bool)].iloc[0] if "primary" in effect else effect.iloc[0]
    df = float(row["df"]) if pd.notna(row.get("df")) else float(row["n_clusters"]) - 1
    multiplier = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
    value = multiplier * float(row["se"])
    what = "exp(M x se(log HR)), a hazard ratio" if log_scale else "M x se"
    return pd.DataFrame([{
        "outcome": outcome, "mde": float(np.exp(value)) if log_scale else float(value),
        "multiplier": float(multiplier), "se": float(row["se"]), "df": df,
        "method": f"{what}; M = t(1-alpha/2, G-1) + t(power, G-1) (Bloom 1995); 80% power",
    }])


def primary_effect(data, graduates: pd.DataFrame, frame: pd.DataFrame, outcome: str,
                   reform: int, settings: ZhuhaiSettings):
    """The primary estimate of one outcome (and the adaptation result for the Cox model).

    ``frame`` is the outcome's analysis sample (:func:`outcome_frame`) and ``reform`` its first
    reformed period (the reform cohort; for programme-year panels the academic year the first
    reformed cohort enrolled). Returns the effect rows (labels and scale added, randomization
    inference beside the DiDs) and the :class:`talentlab.evaluation.AdaptationResult` of the
    Cox model (None for other outcomes).
    """
    kind = OUTCOMES[outcome][0]
    alpha, n_bootstrap, seed = settings.alpha, settings.n_bootstrap, settings.seed
    inference, reform_cohort = settings.inference, settings.reform_cohort
    adaptation = None
    checks = inference_checks(inference, n_bootstrap)
    if kind in ("did", "programme"):
        res = ev.did(frame, outcome, reform_cohort=reform, n_bootstrap=n_bootstrap, seed=seed,
                     alpha=alpha, inference=inference, checks=checks)
    elif kind == "mixed":
        # the treatment varies by major: the verdict reads the rating-level DiD clustered by
        # major, and the employer mixed model (which ignores that clustering) is reported beside
        res = ev.recognition_model(data.employer_ratings, graduates, reform_cohort=reform_cohort,
                                   alpha=alpha, robustness=inference, primary="did",
                                   checks=checks, n_bootstrap=n_bootstrap, seed=seed,
                                   pretrend_seed=PRETREND_BOOTSTRAP_SEED,
                                   ).assign(outcome=outcome)
    else:
        adaptation = ev.adaptation_comparison(frame, reform_cohort=reform_cohort, alpha=alpha)
        res = adaptation.effect.assign(outcome=outcome)
    if kind in ("did", "mixed"):
        res = with_randomization_inference(res, frame, outcome, reform, seed=seed)
    res = res.assign(label_en=OUTCOMES[outcome][1], label_zh=OUTCOMES[outcome][2],
                     scale=OUTCOMES[outcome][3])
    return res, adaptation


def with_randomization_inference(effect: pd.DataFrame, frame: pd.DataFrame, outcome: str,
                                 reform_cohort: int, *, seed: int) -> pd.DataFrame:
    """The DiD rows of one outcome with design-based inference beside the model-based, and the
    verdict's p-value the more conservative of the two.

    Randomization inference (:func:`talentlab.evaluation.randomization_inference`) recomputes the
    DiD's CR1 t statistic under every feasible assignment of the reform to the majors (the
    observed number reformed kept; exact enumeration up to 100,000 assignments, else a seeded
    Monte Carlo sample): its p-value is valid whatever the number of clusters, but cannot go
    below 1 / (number of assignments), 1/56 = 0.018 with 3 of 8 majors reformed. CR3 with a
    t(G-1) reference is an approximation with so few clusters and can report far smaller
    p-values. The primary row keeps its estimate and interval; its ``p_value`` becomes the
    larger of the model-based (``p_model``) and the randomization p-value, and its ``method``
    says which decided and why. A non-primary row ``inference == "randomization"`` reports the
    randomization test itself, and the primary row carries ``p_randomization``,
    ``p_randomization_min`` (the smallest attainable), ``randomization_exact`` and
    ``n_assignments``.

    The statistic is the studentized one (CR1 t, not the raw estimate), the cheapest that
    stays valid under unequal major sizes; it costs one DiD fit per assignment (about 1 s for
    56 assignments of a few thousand graduates).
    """
    ri = ev.randomization_inference(frame, outcome=outcome, reform_cohort=reform_cohort,
                                    seed=seed).iloc[0]
    out = effect.copy()
    primary = out["primary"].fillna(False).astype(bool).to_numpy()
    first = int(np.flatnonzero(primary)[0]) if primary.any() else 0
    p_model = float(out["p_value"].iloc[first])
    p_ri = float(ri["p_value"])
    out["p_model"] = np.nan
    out.loc[out.index[first], "p_model"] = p_model
    for col, value in (("p_randomization", p_ri),
                       ("p_randomization_min", float(ri["min_attainable_p"])),
                       ("randomization_exact", bool(ri["exact"])),
                       ("n_assignments", int(ri["n_assignments"]))):
        out[col] = pd.Series([pd.NA] * len(out), index=out.index, dtype=object)
        out.loc[out.index[first], col] = value
    if not np.isnan(p_ri) and not np.isnan(p_model):
        kind = ("exact over all" if ri["exact"] else "Monte Carlo over")
        decided = ("the randomization p-value decides" if p_ri > p_model
                   else "the model-based p-value decides")
        out.loc[out.index[first], "p_value"] = max(p_model, p_ri)
        out.loc[out.index[first], "method"] = (
            f"{out['method'].iloc[first]}; verdict p = max(model-based p {p_model:.3g}, "
            f"randomization p {p_ri:.3g}, {kind} {int(ri['n_assignments'])} assignments of the "
            f"reform to the majors, smallest attainable {float(ri['min_attainable_p']):.3g}): "
            f"{decided} - with few reformed majors the model-based reference is an "
            "approximation, the randomization test is valid by design, so the verdict reads "
            "the more conservative")
    ri_row = {"outcome": outcome, "term": out["term"].iloc[first],
              "estimate": out["estimate"].iloc[first], "t_stat": ri["estimate"], "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": p_ri,
              "primary": False, "inference": "randomization", "alpha": out["alpha"].iloc[first],
              "null_value": out["null_value"].iloc[first], "n": out["n"].iloc[first],
              "n_clusters": out["n_clusters"].iloc[first],
              "method": f"{ri['method']}; statistic {ri['statistic']} (t_stat: its observed "
                        "value)"}
    return pd.concat([out, pd.DataFrame([ri_row])], ignore_index=True)


def inference_checks(inference: str, n_bootstrap: int) -> tuple[str, ...]:
    """The inference reported beside the primary one: the wild bootstrap when it is not the
    primary (and draws are asked for), CR3 when it is.

    Examples
    --------
    >>> inference_checks("cr3", 999), inference_checks("cr3", 0)
    (('wild_bootstrap',), ())
    >>> inference_checks("wild_bootstrap", 999)
    ('cr3',)
    """
    if inference == "wild_bootstrap":
        return ("cr3",)
    return ("wild_bootstrap",) if n_bootstrap > 0 else ()


def analyse_outcome(data, graduates: pd.DataFrame, outcome: str, *, sign: int,
                    settings: ZhuhaiSettings) -> dict:
    """Effect, event study, pre-trend test, sensitivity, MDE and activity summary of one
    outcome on the one-date path (the parts that apply to its kind; a list per part, as
    :func:`evaluate_one_date` stacks). ``sign`` is the claimed direction (+1 / -1) the
    sensitivity analysis tests."""
    kind = OUTCOMES[outcome][0]
    alpha, seed, mbar = settings.alpha, settings.seed, settings.mbar
    frame = outcome_frame(data, outcome, graduates)
    # graduation cohorts for graduate outcomes; academic years for programme facts
    reform = (settings.reform_cohort - settings.programme_length if kind == "programme"
              else settings.reform_cohort)
    res, adaptation = primary_effect(data, graduates, frame, outcome, reform, settings)
    parts = {"effects": [res], "studies": [], "pretrends": [], "sensitivities": [], "mdes": [],
             "activities": [], "notes": [], "adaptation": adaptation}
    if kind == "survival":
        parts["mdes"].append(mde_from_standard_error(adaptation.effect, outcome, alpha,
                                                     log_scale=True))
        return parts
    study = ev.event_study(frame, outcome, reform_cohort=reform, alpha=alpha,
                           seed=PRETREND_BOOTSTRAP_SEED)
    parts["studies"].append(study)
    parts["pretrends"].append(ev.pretrend_test(study))
    if kind != "programme" and "vcov" in study.attrs:
        parts["sensitivities"].append(sens.relative_magnitudes(
            study, study.attrs["vcov"], sign, mbar=mbar, alpha=alpha, seed=seed,
            l_vec=post_cohort_weights(frame, study)))
    if kind == "programme":
        parts["activities"].append(activity_summary(frame, outcome, reform))
        parts["mdes"].append(mde_from_standard_error(res, outcome, alpha))
        return parts
    try:
        parts["mdes"].append(ev.minimum_detectable_effect_from_data(
            frame, outcome, reform_cohort=reform, alpha=alpha))
    except ValueError as exc:
        parts["notes"].append(f"{outcome}: no minimum detectable effect ({exc})")
    return parts


def post_cohort_weights(frame: pd.DataFrame, study: pd.DataFrame) -> np.ndarray:
    """Weights of the post-reform event-study coefficients that make the sensitivity analysis
    target the effect the verdict's test estimates: the share of the reformed majors'
    observations (graduates, counting a count table's ``count``) in each post-reform cohort.

    The pooled DiD compares the reformed majors' post-reform observations with their own
    pre-reform level, so its effect averages the cohort effects by where those observations
    are; the default of the sensitivity analysis (the plain average of the cohort effects)
    would weight a small last cohort as much as a large first one.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"cohort": [2022, 2022, 2022, 2023], "treated_major": True})
    >>> s = pd.DataFrame({"cohort": [2021, 2022, 2023], "period": ["reference", "post", "post"],
    ...                   "estimate": [0.0, 0.1, 0.2]})
    >>> post_cohort_weights(f, s).tolist()
    [0.75, 0.25]
    """
    post = study[(study["period"] == "post") & study["estimate"].notna()]
    cohorts = sorted(int(c) for c in post["cohort"])
    treated = frame[frame["treated_major"].astype(bool)]
    weight = (pd.to_numeric(treated[COUNT_COLUMN]).astype(float) if COUNT_COLUMN in treated
              else pd.Series(1.0, index=treated.index))
    by_cohort = weight.groupby(treated["cohort"].astype(int)).sum()
    counts = np.array([float(by_cohort.get(c, 0.0)) for c in cohorts])
    if not len(counts) or counts.sum() <= 0:
        return np.full(len(cohorts), 1.0 / max(len(cohorts), 1))
    return counts / counts.sum()


def majors_flagged(graduates: pd.DataFrame, treated: bool) -> list[str]:
    """The majors flagged reformed (``treated``) or not in ``graduates``, sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"major": ["b", "a", "c"], "treated_major": [True, True, False]})
    >>> majors_flagged(g, True), majors_flagged(g, False)
    (['a', 'b'], ['c'])
    """
    flag = graduates["treated_major"].fillna(False).astype(bool)
    return sorted(graduates.loc[flag if treated else ~flag, "major"].astype(str).unique())


def design_summary(graduates: pd.DataFrame, settings: ZhuhaiSettings) -> dict:
    """The one-date design as :attr:`ZhuhaiEvaluation.design` holds it: reform cohort, reformed
    and comparison majors, cohorts, graduates and the settings the verdicts rest on."""
    reform_cohort, programme_length = settings.reform_cohort, settings.programme_length
    return {
        "reform_cohort": int(reform_cohort),
        "treated_majors": majors_flagged(graduates, True),
        "comparison_majors": majors_flagged(graduates, False),
        "cohorts": [int(c) for c in sorted(graduates["cohort"].dropna().unique())],
        "n_graduates": n_graduates(graduates),
        "programme_reform_year": int(reform_cohort - programme_length),
        "alpha": settings.alpha, "n_bootstrap": int(settings.n_bootstrap),
        "seed": int(settings.seed), "adjustment": settings.adjustment,
        "mbar": float(settings.mbar), "inference": settings.inference,
    }


def evaluate_one_date(data, graduates: pd.DataFrame, zhuhai_claims: pd.DataFrame,
                      outcomes: Sequence[str], settings: ZhuhaiSettings) -> ZhuhaiEvaluation:
    """:func:`evaluate` on one reform date with comparison majors: each outcome's difference in
    differences (:func:`analyse_outcome`), stacked, and the claims judged by
    :func:`talentlab.claims.judge`.

    ``graduates`` are those present (:func:`graduates_present`) with the reform flag set,
    ``zhuhai_claims`` the Zhuhai rows of the claims table and ``outcomes`` the outcomes to
    analyse. An outcome whose table was not supplied, or that a count table cannot link by
    student id, is not analysed; its claims are not testable with the reason.
    """
    unavailable = {**unavailable_outcomes(data, outcomes),
                   **unlinkable_outcomes(data, graduates, outcomes)}
    signs = claimed_signs(zhuhai_claims)
    parts = {k: [] for k in ("effects", "studies", "pretrends", "sensitivities", "mdes",
                             "activities", "notes")}
    parts["notes"] += [f"{o}: not analysed: {why}" for o, why in unavailable.items()]
    adaptation = None
    for outcome in [o for o in outcomes if o not in unavailable]:
        found = analyse_outcome(data, graduates, outcome, sign=signs.get(outcome, 1),
                                settings=settings)
        if found["adaptation"] is not None:
            adaptation = found["adaptation"]
        del found["adaptation"]
        for key, values in found.items():
            parts[key].extend(values)
    effects = stack_frames(parts["effects"], ["outcome", "estimate", "ci_low", "ci_high",
                                              "p_value"])
    pretrend = stack_frames(parts["pretrends"], ["outcome", "pretrend_p"])
    mde = stack_frames(parts["mdes"], ["outcome", "mde"])
    sensitivity = stack_frames(parts["sensitivities"], ["outcome"])
    activity = stack_frames(parts["activities"], ["outcome"])
    judged = zhuhai_claims[zhuhai_claims["outcome"].isin(outcomes)
                           | zhuhai_claims["outcome"].isna()]
    verdicts = judge(judged, effects, pretrend=pretrend, mde=mde, alpha=settings.alpha,
                     sensitivity=sensitivity, activity=activity,
                     adjustment=settings.adjustment, mbar=settings.mbar,
                     unavailable=unavailable)
    return ZhuhaiEvaluation(
        effects=effects, event_study=stack_frames(parts["studies"]), pretrend=pretrend,
        mde=mde, adaptation=adaptation, verdicts=verdicts,
        trends=indicator_trends(graduates, min_cell=settings.min_cell),
        design=design_summary(graduates, settings), notes=parts["notes"],
        sensitivity=sensitivity, activity=activity, unavailable=unavailable)
