"""The Zhuhai case evaluation: every analysis behind the claims of section 5.3, in one call.

The paper claims that after the university–enterprise community was built, the reformed
integrated-circuit majors saw counterpart employment rise, local and in-cluster employment rise,
enterprise recognition rise, post adaptation cycles shorten and retraining fall. :func:`evaluate`
compares reformed and comparison majors before and after the reform for each outcome named in
``claims.csv`` (difference in differences with major and cohort fixed effects and few-cluster
inference: CR3 jackknife with t(G-1) primary, the wild cluster bootstrap as a check; a Cox model
for adaptation; employer ratings by the rating-level DiD, with a mixed model beside), shows how far the
conclusions survive violations of parallel trends (relative-magnitudes sensitivity of the event
study, :mod:`talentlab.evaluation.sensitivity`), computes the minimum detectable effect, and judges each
claim by the rule fixed in :data:`talentlab.claims.VERDICT_RULE` (impact claims as a family with
Holm-adjusted p-values; activity claims, the reform's own outputs, descriptively).

Outcome definitions (the unit of analysis is the graduate unless stated):

* ``job_related_to_major`` — job related to the major, among full-time employed graduates who
  answered (the national survey's base for the counterpart employment rate);
* ``local_work`` — works in the college's city, among employed graduates with a known region;
* ``employer_in_cluster`` — employer in the regional cluster, among employed graduates who answered;
* ``retraining_hours`` — employer training hours before independent work, among employees;
* ``evaluation_score`` — the enterprise party's mean three-party evaluation score (0–100);
* ``recognition_score`` — employer-rating score 0–100 (one row per rating; DiD clustered by
  major, mixed model beside);
* ``adaptation_months`` — months to independent work (Cox hazard ratio, censoring honoured);
* ``technical_service_projects`` / ``sme_employees_trained`` — programme facts, one row per
  major × academic year. A programme's reform starts when the first reformed cohort enrols, that
  is ``programme_length`` (3 for higher vocational programmes) academic years before it
  graduates, so these panels use ``reform_cohort - programme_length`` as the first reformed year.

Count tables. graduates may be a count table (a ``count`` column: a row stands for that many
identical graduates, rows of count 0 for none). Every analysis then counts graduates: the DiD,
event study, Cox model, minimum detectable effect, interrupted time series, indicator trends
and the design's ``n_graduates`` equal those of the microdata the table came from. Ratings and
evaluations are linked to graduates by ``student_id``, which a count table does not carry: their
outcomes are not analysed and their claims are *not testable* with that reason
(:func:`unlinkable_outcomes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab import evaluation as ev
from talentlab import indicators as ind
from talentlab.cases.settings import (
    PAPER_ANALYSIS_SEED,
    PAPER_REFORM_COHORT,
    PRETREND_BOOTSTRAP_SEED,
)
from talentlab.claims import judge
from talentlab.data.disclosure import check_min_cell
from talentlab.data.io import not_supplied
from talentlab.data.schema import COUNT_COLUMN, EMPLOYED, EMPLOYEES
from talentlab.evaluation import sensitivity as sens
from talentlab.evaluation.randomization import staggered_randomization_inference
from talentlab.evaluation.staggered import jackknife_event_study, unit_year_sums

#: outcome → (kind, English label, Chinese label, unit of the estimate)
OUTCOMES = {
    "job_related_to_major": ("did", "Counterpart employment (job related to major)",
                             "专业对口就业", "share (percentage points / 100)"),
    "local_work": ("did", "Local employment", "本地就业", "share (percentage points / 100)"),
    "employer_in_cluster": ("did", "Employment in cluster enterprises", "集群企业就业",
                            "share (percentage points / 100)"),
    "retraining_hours": ("did", "Enterprise retraining hours", "企业再培训时长", "hours"),
    "evaluation_score": ("did", "Enterprise evaluation score (three-party evaluation)",
                         "企业评价得分（三方评价）", "points (0–100)"),
    "recognition_score": ("mixed", "Enterprise recognition score", "用人单位认可度得分",
                          "points (0–100)"),
    "adaptation_months": ("survival", "Post adaptation cycle (hazard ratio of independent work)",
                          "岗位适应期（独立上岗风险比）", "hazard ratio"),
    "technical_service_projects": ("programme", "Technical service projects",
                                   "技术服务项目数", "projects per major-year"),
    "sme_employees_trained": ("programme", "SME employees trained", "培训中小企业员工人次",
                              "people per major-year"),
}

#: outcome → the record tables its analysis reads. graduates carry the reform flag
#: (treated_major) and the cohorts, so every outcome needs them; programme facts take the flag of
#: their major from graduates.
OUTCOME_TABLES = {
    "job_related_to_major": ("graduates",),
    "local_work": ("graduates",),
    "employer_in_cluster": ("graduates",),
    "retraining_hours": ("graduates",),
    "evaluation_score": ("graduates", "evaluations"),
    "recognition_score": ("graduates", "employer_ratings"),
    "adaptation_months": ("graduates",),
    "technical_service_projects": ("graduates", "programmes"),
    "sme_employees_trained": ("graduates", "programmes"),
}


def tables_missing(data, outcome: str) -> tuple[str, ...]:
    """The record tables ``outcome`` needs that ``data`` does not hold (empty: it can run).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.data.io import TalentData
    >>> data = TalentData(graduates=pd.DataFrame())
    >>> tables_missing(data, "local_work"), tables_missing(data, "recognition_score")
    ((), ('employer_ratings',))
    """
    if outcome not in OUTCOME_TABLES:
        raise ValueError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOME_TABLES)}")
    return tuple(t for t in OUTCOME_TABLES[outcome] if getattr(data, t, None) is None)


def unavailable_outcomes(data, outcomes: Sequence[str]) -> dict[str, str]:
    """Outcome → why it cannot be analysed (``"no employer_ratings supplied"``), for those of
    ``outcomes`` whose tables ``data`` does not hold."""
    return {o: not_supplied(tables_missing(data, o)) for o in outcomes if tables_missing(data, o)}


#: outcome -> the table its analysis links to graduates by student_id
LINKED_BY_STUDENT = {"evaluation_score": "evaluations", "recognition_score": "employer_ratings"}


def graduates_present(graduates: pd.DataFrame) -> pd.DataFrame:
    """graduates without the rows of a count table that stand for no graduate (count 0).

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"major": ["a", "b"], "count": [3, 0]})
    >>> graduates_present(g)["major"].tolist()
    ['a']
    """
    if COUNT_COLUMN not in graduates.columns:
        return graduates
    counts = pd.to_numeric(graduates[COUNT_COLUMN])
    return graduates[(counts != 0).to_numpy(dtype=bool, na_value=True)]


def n_graduates(graduates: pd.DataFrame) -> int:
    """Graduates in the table: the sum of a count table's counts, else the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> n_graduates(pd.DataFrame({"count": [3, 0, 2]})), n_graduates(pd.DataFrame({"x": [1, 2]}))
    (5, 2)
    """
    if COUNT_COLUMN not in graduates.columns:
        return int(len(graduates))
    return int(pd.to_numeric(graduates[COUNT_COLUMN]).sum())


def unlinkable_outcomes(data, graduates: pd.DataFrame, outcomes: Sequence[str]
                        ) -> dict[str, str]:
    """Outcome -> why its table cannot be linked to ``graduates`` by student id, for those of
    ``outcomes`` in :data:`LINKED_BY_STUDENT` whose table ``data`` holds.

    A count table links only if each graduate has a row of its own with a ``student_id``
    (every row of count > 0 counts 1 and has an id); otherwise ratings and evaluations cannot
    be attributed to a major and cohort, and their outcomes are not analysed.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.data.io import TalentData
    >>> g = pd.DataFrame({"major": ["a"], "count": [12]})
    >>> data = TalentData(graduates=g, employer_ratings=pd.DataFrame())
    >>> unlinkable_outcomes(data, g, ["recognition_score", "local_work"])["recognition_score"]
    'graduates is a count table: 12 of 12 graduates have no row with a student_id of their own, so employer_ratings cannot be linked to them'
    """
    if COUNT_COLUMN not in graduates.columns:
        return {}
    counts = pd.to_numeric(graduates[COUNT_COLUMN]).to_numpy(dtype=float, na_value=np.nan)
    ids = (graduates["student_id"].notna().to_numpy() if "student_id" in graduates.columns
           else np.zeros(len(graduates), dtype=bool))
    unlinked = int(counts[(counts > 0) & ~(ids & (counts == 1))].sum())
    if not unlinked:
        return {}
    total = int(np.nansum(counts))
    return {o: (f"graduates is a count table: {unlinked} of {total} graduates have no row with "
                f"a student_id of their own, so {LINKED_BY_STUDENT[o]} cannot be linked to them")
            for o in outcomes
            if o in LINKED_BY_STUDENT and getattr(data, LINKED_BY_STUDENT[o], None) is not None}


#: indicator trends drawn by cohort for reformed vs comparison majors
TREND_INDICATORS = ("counterpart_employment_rate", "local_employment_rate",
                    "cluster_employment_rate", "retraining_hours")


@dataclass
class ZhuhaiEvaluation:
    """Everything :func:`evaluate` computes; ``verdicts`` is the claims table with verdicts."""

    effects: pd.DataFrame
    event_study: pd.DataFrame
    pretrend: pd.DataFrame
    mde: pd.DataFrame
    adaptation: ev.AdaptationResult | None
    verdicts: pd.DataFrame
    trends: pd.DataFrame
    design: dict
    notes: list[str] = field(default_factory=list)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    activity: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: outcome -> why it was not analysed (``"no employer_ratings supplied"``)
    unavailable: dict = field(default_factory=dict)

    def primary_effects(self) -> pd.DataFrame:
        """One row per outcome: the estimate the verdict rests on."""
        eff = self.effects
        if "primary" in eff:
            eff = eff[eff["primary"].fillna(False).astype(bool)]
        return eff.drop_duplicates("outcome").reset_index(drop=True)

    @property
    def has_estimates(self) -> bool:
        """False when no analysis could run (no graduates supplied: ``design["design"]`` is
        ``"none"``)."""
        return self.design.get("design") != "none"

    @property
    def is_its(self) -> bool:
        """True when the data had no comparison majors and the interrupted time series ran."""
        return self.design.get("design") == "its"

    def to_results(self) -> dict:
        """What ``results.json`` of the Zhuhai notebook holds from this result (tables as
        DataFrames; :func:`talentlab.report.publish_results` writes them).

        With comparison majors: the design, the primary effects, pre-trend tests, sensitivity,
        activity summaries, minimum detectable effects, the claims table with verdicts
        (:func:`claims_table`) and notes; for the interrupted time series: the design choice,
        the ITS rows and their method, and the note that no claim was judged; without graduates
        (``design["design"] == "none"``): the design's reason and the claims, each not testable.
        """
        if self.design.get("design") == "none":
            return {"design": self.design, "claims": claims_table(self), "notes": self.notes}
        if self.is_its:
            return {"design": self.design,
                    "its_effects": self.effects.drop(columns=["method", "label_zh"]),
                    "its_method": self.effects["method"].iloc[0], "notes": self.notes}
        return {"design": self.design,
                "effects": self.primary_effects().drop(columns=["method"]),
                "pretrend": self.pretrend, "sensitivity": self.sensitivity,
                "activity": self.activity, "mde": self.mde, "claims": claims_table(self),
                "notes": self.notes}


def with_treated_majors(graduates: pd.DataFrame, treated_majors: Sequence[str] | None
                        ) -> pd.DataFrame:
    """Graduates with ``treated_major`` set from a list of majors (default: as flagged)."""
    if treated_majors is None:
        return graduates
    unknown = sorted(set(treated_majors) - set(graduates["major"].dropna().unique()))
    if unknown:
        raise ValueError(f"treated_majors not found in the data: {unknown}")
    out = graduates.copy()
    out["treated_major"] = out["major"].isin(list(treated_majors)).astype("boolean")
    return out


def outcome_frame(data, outcome: str, graduates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The analysis sample of one outcome, with the outcome as a float column of that name.

    An outcome whose tables ``data`` does not hold (:data:`OUTCOME_TABLES`) is a ``ValueError``
    saying which table is not supplied.
    """
    if outcome in OUTCOME_TABLES:
        absent = [t for t in tables_missing(data, outcome)
                  if not (t == "graduates" and graduates is not None)]
        if absent:
            raise ValueError(f"outcome {outcome!r} needs {', '.join(OUTCOME_TABLES[outcome])}: "
                             f"{not_supplied(absent)}")
    g = data.graduates if graduates is None else graduates
    unlinkable = unlinkable_outcomes(data, g, [outcome]) if outcome in LINKED_BY_STUDENT else {}
    if unlinkable:
        raise ValueError(f"outcome {outcome!r}: {unlinkable[outcome]}")
    dest = g["destination"].astype("string")
    if outcome == "job_related_to_major":
        frame = g[(dest == "employed_full_time") & g["job_related_to_major"].notna()].copy()
        frame[outcome] = frame["job_related_to_major"].astype(float)
    elif outcome == "local_work":
        frame = g[dest.isin(EMPLOYED) & g["work_region"].notna()].copy()
        frame[outcome] = (frame["work_region"].astype("string") == "local").astype(float)
    elif outcome == "employer_in_cluster":
        frame = g[dest.isin(EMPLOYED) & g["employer_in_cluster"].notna()].copy()
        frame[outcome] = frame["employer_in_cluster"].astype(float)
    elif outcome == "retraining_hours":
        frame = g[dest.isin(EMPLOYEES) & g["retraining_hours"].notna()].copy()
    elif outcome == "evaluation_score":
        ent = data.evaluations[data.evaluations["party"].astype("string") == "enterprise"]
        score = ent.groupby("student_id", observed=True)["score"].mean().rename(outcome)
        frame = g.merge(score, left_on="student_id", right_index=True, how="inner")
    elif outcome == "recognition_score":
        ratings = data.employer_ratings.copy()
        ratings[outcome] = ev.recognition_score(ratings)
        keys = [c for c in ("student_id", "college", "major", "cohort", "treated_major")
                if c in g.columns]
        frame = ratings.merge(g[keys],
                              on="student_id", how="inner")
        frame = frame[frame[outcome].notna()]
    elif outcome == "adaptation_months":
        frame = g[g["adaptation_months"].notna() & g["adaptation_reached"].notna()].copy()
    elif outcome in ("technical_service_projects", "sme_employees_trained"):
        treated = (g.groupby("major", observed=True)["treated_major"].max()
                   .astype(bool).rename("treated_major"))
        frame = data.programmes.merge(treated, left_on="major", right_index=True, how="inner")
        frame = frame.rename(columns={"year": "cohort"})
        frame[outcome] = frame[outcome].astype(float)
    else:
        raise ValueError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOMES)}")
    frame = frame.reset_index(drop=True)
    frame["treated_major"] = frame["treated_major"].astype(bool)
    return frame


def indicator_trends(graduates: pd.DataFrame, min_cell: int | None = None) -> pd.DataFrame:
    """The claims' indicators by cohort for reformed vs comparison majors (for plots);
    ``min_cell`` defaults to :data:`talentlab.data.disclosure.MIN_CELL`."""
    min_cell = check_min_cell(min_cell)
    # engine="auto": national-scale tables (engines.AUTO_DUCKDB_ROWS rows or more) are counted
    # by DuckDB from the same definitions; smaller ones take the pandas indicator functions
    frames = [ind.compute_all({"graduates": graduates}, ["cohort", "treated_major"],
                              indicators=list(TREND_INDICATORS), min_cell=min_cell,
                              engine="auto")]
    adapt = ind.adaptation_cycle(graduates, by=["cohort", "treated_major"], min_cell=min_cell)
    frames.append(adapt[adapt["statistic"] == "km_median"])
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["indicator", "treated_major", "cohort"]).reset_index(drop=True)


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
    text = (f"reformed majors {_fmt_num(tpre)} -> {_fmt_num(tp)} {unit} (from {reform_year}; "
            f"{n_tp} major-years, total {_fmt_num(total)}), comparison majors "
            f"{_fmt_num(cpre)} -> {_fmt_num(cp)}")
    return pd.DataFrame([{
        "outcome": outcome, "reform_year": int(reform_year), "treated_pre_mean": tpre,
        "treated_post_mean": tp, "comparison_pre_mean": cpre, "comparison_post_mean": cp,
        "treated_post_records": n_tp, "treated_post_total": total, "summary": text,
        "method": "descriptive means per major-year (records of the reform's own output)",
    }])


def _fmt_num(x: float) -> str:
    return "n/a" if x is None or np.isnan(x) else f"{x:.3g}"


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


def claimed_signs(zhuhai_claims: pd.DataFrame) -> dict[str, int]:
    """Outcome -> +1 / -1: the claimed direction of the first judged impact claim naming it
    (the side the relative-magnitudes sensitivity analysis tests)."""
    signs: dict[str, int] = {}
    for rec in zhuhai_claims.to_dict("records"):
        if (pd.notna(rec["outcome"]) and rec["claimed_direction"] in ("increase", "decrease")
                and rec["analysis"] in ("zhuhai_did", "zhuhai_survival", "zhuhai_mixed")):
            signs.setdefault(str(rec["outcome"]),
                             1 if rec["claimed_direction"] == "increase" else -1)
    return signs


def _claims_given(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims table handed to :func:`evaluate`, checked: this module opens no file, so the
    caller loads the claims (:func:`talentlab.data.paper.load_claims`)."""
    if not isinstance(claims, pd.DataFrame):
        raise ev.EvaluationInputError(
            "zhuhai.evaluate: claims must be the claims table (talentlab.data.paper.load_claims"
            f"()), not {type(claims).__name__} / 请先读取论断表再传入")
    if "case" not in claims.columns:
        raise ev.EvaluationInputError("zhuhai.evaluate: the claims table has no 'case' column "
                                      "(talentlab.data.paper.load_claims reads it)")
    return claims


def _outcomes_named(zhuhai_claims: pd.DataFrame, outcomes: Sequence[str] | None) -> list[str]:
    """The outcomes to analyse: as given, or every outcome a Zhuhai claim names (in
    :data:`OUTCOMES` order)."""
    if outcomes is None:
        named = zhuhai_claims["outcome"].dropna().astype(str).unique().tolist()
        outcomes = [o for o in OUTCOMES if o in named]
    unknown = sorted(set(outcomes) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"unknown outcomes {unknown}; known: {', '.join(OUTCOMES)}")
    return list(outcomes)


def _effect(data, graduates, frame, outcome, kind, reform, reform_cohort, *, alpha,
            n_bootstrap, seed, inference):
    """The primary estimate of one outcome (and the adaptation result for the Cox model)."""
    adaptation = None
    checks = _inference_checks(inference, n_bootstrap)
    if kind in ("did", "programme"):
        res = ev.did(frame, outcome, reform_cohort=reform, n_bootstrap=n_bootstrap, seed=seed,
                     alpha=alpha, inference=inference, checks=checks)
    elif kind == "mixed":
        # the treatment varies by major: the verdict reads the rating-level DiD clustered by
        # major, and the employer mixed model (which ignores that clustering) is reported beside
        res = ev.recognition_model(data.employer_ratings, graduates, reform_cohort=reform_cohort,
                                   alpha=alpha, robustness=inference, primary="did",
                                   checks=checks, n_bootstrap=n_bootstrap, seed=seed,
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


def _inference_checks(inference: str, n_bootstrap: int) -> tuple[str, ...]:
    """The inference reported beside the primary one: the wild bootstrap when it is not the
    primary (and draws are asked for), CR3 when it is."""
    if inference == "wild_bootstrap":
        return ("cr3",)
    return ("wild_bootstrap",) if n_bootstrap > 0 else ()


def _analyse_outcome(data, graduates, outcome, *, reform_cohort, programme_length, sign,
                     alpha, n_bootstrap, seed, mbar, inference) -> dict:
    """Effect, event study, pre-trend test, sensitivity, MDE and activity summary of one
    outcome (the parts that apply to its kind; a list per part, as :func:`evaluate` stacks)."""
    kind = OUTCOMES[outcome][0]
    frame = outcome_frame(data, outcome, graduates)
    # graduation cohorts for graduate outcomes; academic years for programme facts
    reform = reform_cohort - programme_length if kind == "programme" else reform_cohort
    res, adaptation = _effect(data, graduates, frame, outcome, kind, reform, reform_cohort,
                              alpha=alpha, n_bootstrap=n_bootstrap, seed=seed,
                              inference=inference)
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


def _stack(frames: list[pd.DataFrame], columns: list[str] | None = None) -> pd.DataFrame:
    if frames:
        return pd.concat(frames, ignore_index=True)
    return pd.DataFrame() if columns is None else pd.DataFrame(columns=columns)


def _majors(graduates: pd.DataFrame, treated: bool) -> list[str]:
    flag = graduates["treated_major"].fillna(False).astype(bool)
    return sorted(graduates.loc[flag if treated else ~flag, "major"].astype(str).unique())


def _design_summary(graduates, *, reform_cohort, programme_length, alpha, n_bootstrap, seed,
                    adjustment, mbar, inference) -> dict:
    return {
        "reform_cohort": int(reform_cohort),
        "treated_majors": _majors(graduates, True),
        "comparison_majors": _majors(graduates, False),
        "cohorts": [int(c) for c in sorted(graduates["cohort"].dropna().unique())],
        "n_graduates": n_graduates(graduates),
        "programme_reform_year": int(reform_cohort - programme_length),
        "alpha": alpha, "n_bootstrap": int(n_bootstrap), "seed": int(seed),
        "adjustment": adjustment, "mbar": float(mbar), "inference": inference,
    }


#: The note an ITS result carries: why the claims have no verdict.
ITS_NOTE = ("no comparison majors: interrupted time series of the reformed majors instead of the "
            "difference in differences; claims not judged by the DiD verdict rule")


def _its_result(data, graduates, choice, *, reform_cohort, treated_majors, alpha,
                min_cell) -> ZhuhaiEvaluation:
    """:func:`evaluate` on data without comparison majors: the interrupted time series
    (:func:`its_evaluation`), the trends, and no verdicts (the DiD rule does not apply)."""
    its = its_evaluation(data, reform_cohort=reform_cohort, treated_majors=treated_majors,
                         alpha=alpha, min_cell=min_cell)
    design = {**choice, "reform_cohort": int(reform_cohort), "alpha": alpha}
    skipped = {**unavailable_outcomes(data, ITS_OUTCOMES),
               **unlinkable_outcomes(data, graduates, ITS_OUTCOMES)}
    return ZhuhaiEvaluation(
        effects=its, event_study=pd.DataFrame(),
        pretrend=pd.DataFrame(columns=["outcome", "pretrend_p"]),
        mde=pd.DataFrame(columns=["outcome", "mde"]), adaptation=None,
        verdicts=pd.DataFrame(columns=["claim_id", "outcome", "verdict"]),
        trends=indicator_trends(graduates, min_cell=min_cell), design=design,
        notes=[ITS_NOTE] + [f"{o}: not analysed: {why}" for o, why in skipped.items()],
        unavailable=skipped)


def _no_graduates_result(data, zhuhai_claims: pd.DataFrame, *, reform_cohort, alpha,
                         adjustment, mbar) -> ZhuhaiEvaluation:
    """:func:`evaluate` on data without graduates: nothing can be estimated (the reform flag,
    the cohorts and every graduate outcome are in graduates), so each claim an analysis would
    judge is *not testable* with the reason, and the design says why (``"none"``)."""
    why = not_supplied(["graduates"])
    reasons = {o: not_supplied(tables_missing(data, o)) for o in OUTCOMES}
    verdicts = judge(zhuhai_claims, pd.DataFrame(), alpha=alpha, adjustment=adjustment,
                     mbar=mbar, unavailable=reasons)
    design = {"design": "none", "reason": f"{why}: the reform flag (treated_major), the cohorts "
              "and every graduate outcome are read from graduates, so no Zhuhai analysis can "
              "run", "reform_cohort": int(reform_cohort), "alpha": alpha,
              "tables_supplied": list(getattr(data, "supplied", ()))}
    empty = pd.DataFrame(columns=["outcome", "estimate", "ci_low", "ci_high", "p_value"])
    return ZhuhaiEvaluation(
        effects=empty, event_study=pd.DataFrame(),
        pretrend=pd.DataFrame(columns=["outcome", "pretrend_p"]),
        mde=pd.DataFrame(columns=["outcome", "mde"]), adaptation=None, verdicts=verdicts,
        trends=pd.DataFrame(), design=design, notes=[f"no analysis: {why}"],
        unavailable=reasons)


def evaluate(data, claims: pd.DataFrame, *, reform_cohort: int = PAPER_REFORM_COHORT,
             treated_majors: Sequence[str] | None = None, outcomes: Sequence[str] | None = None,
             alpha: float = 0.05, n_bootstrap: int = 9999, seed: int = PAPER_ANALYSIS_SEED,
             min_cell: int | None = None, programme_length: int = 3, adjustment: str = "holm",
             mbar: float = sens.DEFAULT_MBAR, inference: str = "cr3") -> ZhuhaiEvaluation:
    """Run the Zhuhai case evaluation and judge the claims.

    The design follows the data (:func:`choose_design`): with comparison majors, difference in
    differences for every outcome (:func:`_analyse_outcome`) and verdicts by
    :func:`talentlab.claims.judge`; with reformed majors only, the interrupted time series of
    :func:`its_evaluation` (``design["design"] == "its"``, no verdicts). With several colleges
    or several reform years (:func:`staggered_design`, from ``programmes.reform_year``) the
    claims are judged on Callaway-Sant'Anna instead (``design["design"] == "staggered"``:
    units college x major, never-reformed comparisons, the simple aggregation with a
    leave-one-unit-out jackknife and t(G-1), the pre-trend test and the relative-magnitudes
    sensitivity on the event-time effects weighted as the simple aggregation); the Cox model
    and the programme-year panels assume one reform date, so their claims are not testable
    there, with that reason. Every DiD outcome also gets randomization inference (one date:
    exact over the assignments of the reform to the majors,
    :func:`with_randomization_inference`; staggered: over the schedules of reform years,
    :func:`with_staggered_randomization`), and the verdict reads the larger of its p-value and
    the model-based one.

    The data may hold any subset of the record tables. An outcome whose table was not supplied
    (:data:`OUTCOME_TABLES`: recognition needs ``employer_ratings``, the evaluation score
    ``evaluations``, the programme facts ``programmes``) is not analysed, and each claim on it
    is *not testable* with the reason ``"no <table> supplied"`` (also in ``notes``). Without
    graduates nothing can be estimated: ``design["design"]`` is ``"none"`` and every judged
    claim is not testable.

    graduates may be a count table (a ``count`` column): every estimate, SE, p-value and
    verdict is then that of the microdata the table came from (rows of count 0 are no
    graduates), except that ratings and evaluations, linked by student id, cannot be linked to
    its rows; their outcomes are not analysed and their claims are not testable with that
    reason (:func:`unlinkable_outcomes`).

    Parameters
    ----------
    data : TalentData
        As :func:`talentlab.load_all` returns.
    claims : DataFrame
        The claims of the paper as :func:`talentlab.data.paper.load_claims` returns; only the
        Zhuhai claims are judged here (loading them is the caller's job: this module opens
        no file).
    reform_cohort : int
        First graduation cohort taught under the reform.
    treated_majors : list of str, optional
        Reformed majors (default: those flagged ``treated_major`` in the data).
    outcomes : list of str, optional
        Outcomes to analyse (default: every outcome a Zhuhai claim names).
    alpha, n_bootstrap, seed
        Interval level, wild-bootstrap draws and random seed.
    inference : {"cr3", "wild_bootstrap", "cluster"}
        Inference of the primary estimates the verdicts read. Default ``"cr3"``: the
        leave-one-cluster-out jackknife variance ((G-1)/G scaling) with a t(G-1) reference
        (MacKinnon, Nielsen & Webb 2023), which covered the planted effects at 0.936-0.956 on
        500 simulated data sets of this eight-major design, where the wild cluster restricted
        bootstrap covered 0.900-0.942 (``benchmarks/sim_coverage_cr3.py``). The wild bootstrap
        (``n_bootstrap`` draws) is reported beside it as a check; with
        ``inference="wild_bootstrap"`` CR3 is the check. Recognition is judged on the
        rating-level DiD clustered by major; the employer mixed model is reported beside it.
    programme_length : int
        Years of study; programme-year outcomes count as reformed from academic year
        ``reform_cohort - programme_length`` (when the first reformed cohort enrolled).
    adjustment : {"holm", "bh", "none"}
        Multiplicity adjustment across the impact claims (:func:`talentlab.claims.judge`).
    mbar : float
        The stated relative-magnitudes bound of the verdict rule.

    Examples
    --------
    >>> import talentlab
    >>> from talentlab.cases import zhuhai
    >>> from talentlab.claims import load_claims
    >>> result = zhuhai.evaluate(talentlab.load_all(), load_claims(),
    ...                          outcomes=["job_related_to_major"], n_bootstrap=999)
    >>> result.primary_effects().loc[0, "outcome"]
    'job_related_to_major'
    """
    min_cell = check_min_cell(min_cell)   # None: talentlab.data.disclosure.MIN_CELL
    if inference not in ev.INFERENCE_METHODS:
        raise ev.EvaluationInputError(f"zhuhai.evaluate: inference must be one of "
                                      f"{ev.INFERENCE_METHODS}, got {inference!r}")
    claims = _claims_given(claims)
    zhuhai_claims = claims[claims["case"].astype("string") == "zhuhai"].reset_index(drop=True)
    if getattr(data, "graduates", None) is None:
        return _no_graduates_result(data, zhuhai_claims, reform_cohort=reform_cohort,
                                    alpha=alpha, adjustment=adjustment, mbar=mbar)
    graduates = graduates_present(with_treated_majors(data.graduates, treated_majors))
    choice = choose_design(graduates)
    if choice["design"] == "its":
        return _its_result(data, graduates, choice, reform_cohort=reform_cohort,
                           treated_majors=treated_majors, alpha=alpha, min_cell=min_cell)
    outcomes = _outcomes_named(zhuhai_claims, outcomes)
    years = staggered_design(data, graduates, reform_cohort) if treated_majors is None else None
    if years is not None:
        return _staggered_result(data, graduates, zhuhai_claims, years, outcomes=outcomes,
                                 alpha=alpha, seed=seed, adjustment=adjustment, mbar=mbar,
                                 min_cell=min_cell)
    # an outcome whose table was not supplied, or that a count table cannot link by student
    # id, is not analysed; its claims are not testable with the reason
    unavailable = {**unavailable_outcomes(data, outcomes),
                   **unlinkable_outcomes(data, graduates, outcomes)}
    signs = claimed_signs(zhuhai_claims)
    parts = {k: [] for k in ("effects", "studies", "pretrends", "sensitivities", "mdes",
                             "activities", "notes")}
    parts["notes"] += [f"{o}: not analysed: {why}" for o, why in unavailable.items()]
    adaptation = None
    for outcome in [o for o in outcomes if o not in unavailable]:
        found = _analyse_outcome(data, graduates, outcome, reform_cohort=reform_cohort,
                                 programme_length=programme_length, sign=signs.get(outcome, 1),
                                 alpha=alpha, n_bootstrap=n_bootstrap, seed=seed, mbar=mbar,
                                 inference=inference)
        if found["adaptation"] is not None:
            adaptation = found["adaptation"]
        del found["adaptation"]
        for key, values in found.items():
            parts[key].extend(values)
    effects = _stack(parts["effects"], ["outcome", "estimate", "ci_low", "ci_high", "p_value"])
    pretrend = _stack(parts["pretrends"], ["outcome", "pretrend_p"])
    mde = _stack(parts["mdes"], ["outcome", "mde"])
    sensitivity = _stack(parts["sensitivities"], ["outcome"])
    activity = _stack(parts["activities"], ["outcome"])
    judged = zhuhai_claims[zhuhai_claims["outcome"].isin(outcomes)
                           | zhuhai_claims["outcome"].isna()]
    verdicts = judge(judged, effects, pretrend=pretrend, mde=mde, alpha=alpha,
                     sensitivity=sensitivity, activity=activity, adjustment=adjustment, mbar=mbar,
                     unavailable=unavailable)
    design = _design_summary(graduates, reform_cohort=reform_cohort,
                             programme_length=programme_length, alpha=alpha,
                             n_bootstrap=n_bootstrap, seed=seed, adjustment=adjustment, mbar=mbar,
                             inference=inference)
    return ZhuhaiEvaluation(
        effects=effects, event_study=_stack(parts["studies"]), pretrend=pretrend, mde=mde,
        adaptation=adaptation, verdicts=verdicts,
        trends=indicator_trends(graduates, min_cell=min_cell), design=design,
        notes=parts["notes"], sensitivity=sensitivity, activity=activity,
        unavailable=unavailable)


def claims_table(result: ZhuhaiEvaluation) -> pd.DataFrame:
    """The verdicts in the layout the findings ledger reads (``zhuhai_claims.csv``)."""
    v = result.verdicts.copy()
    scale = {o: spec[3] for o, spec in OUTCOMES.items()}
    v["scale"] = v["outcome"].map(scale)
    v["evidence_link"] = v["outcome"].map(lambda o: f"#{o}" if isinstance(o, str) else "")
    cols = ["claim_id", "section", "quote", "claim_kind", "indicator", "outcome",
            "claimed_direction", "estimate", "ci_low", "ci_high", "p_value", "p_raw",
            "p_adjusted", "adjustment", "family_size", "scale", "result_method", "p_model",
            "p_randomization", "p_randomization_min", "randomization_exact", "pretrend_p",
            "pretrend_bound",
            "max_pre_change", "rm_mbar", "rm_ci_low", "rm_ci_high", "breakdown_mbar", "mde",
            "activity_summary", "verdict", "verdict_zh", "verdict_rule", "verdict_reason",
            "evidence_link"]
    return v[[c for c in cols if c in v.columns]]


#: outcome here → key of ``truth.json``'s ``effects`` written by :mod:`talentlab.simulate`
TRUTH_KEYS = {"local_work": "work_region_local", "evaluation_score": "evaluation_score_enterprise",
              "adaptation_months": "adaptation"}


def planted_effect(truth: dict, outcome: str) -> tuple[float, str] | None:
    """The effect ``truth.json`` planted for ``outcome``, on the estimate's scale, and its scale.

    Percentage points become proportions (/ 100), a log hazard ratio a hazard ratio; None when
    nothing was planted for the outcome.
    """
    planted = truth.get("effects", {}).get(TRUTH_KEYS.get(outcome, outcome))
    if not planted or planted.get("att") is None:
        return None
    value, scale = float(planted["att"]), str(planted.get("scale", ""))
    if scale == "percentage_points":
        value /= 100.0
    elif scale == "log_hazard_ratio":
        value = float(np.exp(value))
    return value, scale


def truth_coverage(result: ZhuhaiEvaluation, truth: dict) -> pd.DataFrame:
    """For synthetic data: does each interval cover the planted effect in ``truth.json``?

    Planted effects are put on the estimate's scale (:func:`planted_effect`). ``kind`` tells
    impact outcomes from activities (the reform's own outputs, judged descriptively; their
    difference in differences is shown for information).
    """
    rows = []
    for _, r in result.primary_effects().iterrows():
        found = planted_effect(truth, r["outcome"])
        if found is None:
            continue
        value, scale = found
        kind = "activity" if OUTCOMES.get(r["outcome"], ("",))[0] == "programme" else "impact"
        rows.append({"outcome": r["outcome"], "kind": kind, "planted": value,
                     "planted_scale": scale,
                     "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "covered": bool(r["ci_low"] <= value <= r["ci_high"])})
    return pd.DataFrame(rows)


# =============================================================================================
# one college, no comparison majors: interrupted time series instead of the DiD
# =============================================================================================
#: outcomes the ITS path analyses: graduate-level outcomes with one value per graduate
ITS_OUTCOMES = ("job_related_to_major", "local_work", "employer_in_cluster", "retraining_hours",
                "evaluation_score")


def choose_design(graduates: pd.DataFrame, treated: str = "treated_major",
                  min_comparison_majors: int = 1) -> dict:
    """Which design the data allow: the DiD needs comparison majors, else ITS.

    Returns ``{"design": "did" | "its", "reason": ..., "n_treated_majors", "n_comparison_majors",
    "colleges"}``. ``"its"`` when the data hold reformed majors only (or no reform flag varies):
    a single college's reformed programmes observed cohort by cohort, where the only
    counterfactual is the projected pre-reform trend (Lopez Bernal, Cummins & Gasparrini 2017).

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"major": ["a", "b"], "treated_major": [True, True]})
    >>> choose_design(g)["design"]
    'its'
    """
    flags = graduates[["major", treated]].dropna().drop_duplicates("major")
    is_treated = flags[treated].astype(bool)
    n_t, n_c = int(is_treated.sum()), int((~is_treated).sum())
    colleges = (sorted(graduates["college"].dropna().astype(str).unique().tolist())
                if "college" in graduates.columns else [])
    if n_c >= min_comparison_majors and n_t >= 1:
        design, reason = "did", (f"{n_t} reformed and {n_c} comparison majors: difference in "
                                 "differences against the comparison majors")
    else:
        design = "its"
        reason = (f"{n_t} reformed and {n_c} comparison majors: no comparison group, so the "
                  "reformed majors' own pre-reform trend is the counterfactual (interrupted "
                  "time series, segmented regression by cohort)")
    return {"design": design, "reason": reason, "n_treated_majors": n_t,
            "n_comparison_majors": n_c, "colleges": colleges}


def its_evaluation(data, *, reform_cohort: int = PAPER_REFORM_COHORT, outcomes: Sequence[str] | None = None,
                   treated_majors: Sequence[str] | None = None, alpha: float = 0.05,
                   slope_change: bool = False, min_cell: int | None = None) -> pd.DataFrame:
    """Interrupted time series of the reformed majors' cohort means (no comparison majors).

    For each graduate-level outcome the analysis sample of :func:`outcome_frame` (reformed
    majors only) is averaged by graduation cohort, and the cohort means are fitted by segmented
    OLS (:func:`talentlab.evaluation.its.interrupted_time_series`, ``family="ols"``, Newey–West standard
    errors, t reference): ``mean_c = b0 + b1 cohort + b2 post [+ b3 (cohort - t0) post]``. The
    primary row is the level change ``b2`` in the outcome's own unit (proportion points for
    shares, as the DiD). Cohorts with fewer than ``min_cell`` graduates are dropped (and
    counted). On a count table the cohort means and sizes count graduates (means weighted by
    ``count``, sizes its sums), so the series is that of the microdata; an outcome linked by
    student id that a count table cannot link (:func:`unlinkable_outcomes`) is left out by
    default and refused when asked for. Annual data have no seasonality. The design cannot separate the reform from
    anything else that changed for the same cohort (labour market, survey), which every
    method text says.

    Returns the tidy ITS rows with ``label_en``, ``label_zh``, ``scale``, ``design`` ("its"),
    ``n`` (graduates), ``n_time_points`` (cohorts) and ``n_cohorts_dropped_small``.

    Examples
    --------
    >>> import talentlab
    >>> from talentlab.cases import zhuhai
    >>> res = zhuhai.its_evaluation(talentlab.load_all(), outcomes=["local_work"])
    >>> res.loc[0, ["outcome", "term", "design"]].tolist()
    ['local_work', 'level_change', 'its']
    """
    min_cell = check_min_cell(min_cell)   # None: talentlab.data.disclosure.MIN_CELL
    from talentlab.evaluation.its import interrupted_time_series

    graduates = graduates_present(with_treated_majors(data.graduates, treated_majors))
    # by default the outcomes whose tables the data hold and can link (no error here)
    unlinkable = unlinkable_outcomes(data, graduates, ITS_OUTCOMES)
    outcomes = list([o for o in ITS_OUTCOMES if not tables_missing(data, o)
                     and o not in unlinkable] if outcomes is None else outcomes)
    unknown = sorted(set(outcomes) - set(ITS_OUTCOMES))
    if unknown:
        raise ValueError(f"its_evaluation: outcomes {unknown} are not graduate-level outcomes "
                         f"the ITS path analyses; known: {', '.join(ITS_OUTCOMES)}")
    rows = []
    for outcome in outcomes:
        frame = outcome_frame(data, outcome, graduates)
        frame = frame[frame["treated_major"]]
        weight = (pd.to_numeric(frame[COUNT_COLUMN]).astype(float)
                  if COUNT_COLUMN in frame.columns else pd.Series(1.0, index=frame.index))
        cells = pd.DataFrame({"cohort": frame["cohort"].astype(int), "size": weight,
                              "total": weight * frame[outcome].astype(float)})
        by = cells.groupby("cohort")[["size", "total"]].sum().reset_index()
        by = by[by["size"] > 0]
        by["mean"] = by["total"] / by["size"]
        by["size"] = by["size"].astype(np.int64)
        small = by["size"] < min_cell
        series = by.loc[~small, ["cohort", "mean", "size"]].rename(
            columns={"mean": outcome, "size": "n_graduates"}).reset_index(drop=True)
        res = interrupted_time_series(series, outcome, "cohort", reform_cohort, family="ols",
                                      slope_change=slope_change, alpha=alpha)
        res["method"] = res["method"] + (
            "; one group, no comparison majors: the level change also absorbs anything else "
            "that changed at the reform cohort")
        # n = graduates the estimate rests on (people, for disclosure control);
        # n_time_points = cohorts in the regression
        res["n_time_points"] = res["n"]
        res["n"] = res["n_graduates"] = int(series["n_graduates"].sum())
        res["n_cohorts_dropped_small"] = int(small.sum())
        res["label_en"], res["label_zh"] = OUTCOMES[outcome][1], OUTCOMES[outcome][2]
        res["scale"] = OUTCOMES[outcome][3]
        res["design"] = "its"
        rows.append(res)
    return pd.concat(rows, ignore_index=True)


# =============================================================================================
# several colleges or several reform years: Callaway-Sant'Anna instead of the one-date DiD
# =============================================================================================
#: outcomes the staggered path estimates (graduate- or rating-level, one reform year per unit)
STAGGERED_OUTCOMES = ("job_related_to_major", "local_work", "employer_in_cluster",
                      "retraining_hours", "evaluation_score", "recognition_score")

#: comparison units of the staggered path (R did's default: the never reformed)
STAGGERED_CONTROL = "never_treated"

#: Test of the staggered path's relative-magnitudes sensitivity: the conditional /
#: least-favourable hybrid, as on the one-date path (HonestDiD's default; about 8 s per outcome
#: with the eight post event times of the shipped staggered scenario, the LF test 0.2 s and
#: its interval wider).
STAGGERED_SENSITIVITY_METHOD = "C-LF"
#: Precision of the staggered path's breakdown value: each step of its bisection is a C-LF
#: interval (seconds with eight post event times), so two decimals, not three.
STAGGERED_BREAKDOWN_TOL = 0.01


def staggered_design(data, graduates: pd.DataFrame, reform_cohort: int | None = None
                     ) -> pd.DataFrame | None:
    """The reform year of each college x major when the design is staggered, else None.

    Staggered: the data hold several colleges, or the reformed units adopt in several years
    (:func:`talentlab.data.reform_years`). One college with one reform date keeps the
    single-date DiD (where :func:`talentlab.evaluation.staggered_did` equals it).

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"college": ["A", "A"], "major": ["IC", "SW"],
    ...                   "treated_major": [True, False]})
    >>> staggered_design({"graduates": g}, g, reform_cohort=2022) is None
    True
    """
    from talentlab.data import reform_years

    if "college" not in graduates.columns:
        return None
    years = reform_years(data, reform_cohort=reform_cohort)
    colleges = graduates["college"].dropna().nunique() if "college" in graduates else 1
    adoption = years["reform_year"].dropna().unique()
    if colleges > 1 or len(adoption) > 1:
        return years
    return None


def _with_units(frame: pd.DataFrame, years: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``unit`` (college | major) and ``first_treated`` (reform year, 0 never)."""
    keyed = years.assign(college=years["college"].astype(str), major=years["major"].astype(str))
    out = frame.assign(college=frame["college"].astype(str), major=frame["major"].astype(str))
    out = out.merge(keyed, on=["college", "major"], how="left", validate="many_to_one")
    out["unit"] = out["college"] + " | " + out["major"]
    out["first_treated"] = out["reform_year"].fillna(0).astype(int)
    return out


def _staggered_fit(frame, outcome, *, alpha, seed, inference, n_bootstrap=99):
    return ev.staggered_did(frame, outcome, unit="unit", time="cohort",
                            first_treated="first_treated", control=STAGGERED_CONTROL,
                            weights=COUNT_COLUMN if COUNT_COLUMN in frame else None,
                            confidence=1 - alpha, n_bootstrap=n_bootstrap, seed=seed,
                            panel=False, inference=inference)


def staggered_event_study(frame: pd.DataFrame, outcome: str, alpha: float = 0.05
                          ) -> tuple[pd.DataFrame, np.ndarray]:
    """Event study of a staggered design in the layout of
    :func:`talentlab.evaluation.event_study` (``cohort`` holds event time; -1 the reference,
    earlier years cumulated back to it: :func:`talentlab.evaluation.staggered.universal_event_study`)
    and the leave-one-unit-out jackknife covariance ((G-1)/G scaling, as the verdict's test) of
    its estimated coefficients, from the unit-year sums of ``frame``
    (:func:`talentlab.evaluation.staggered.jackknife_event_study`). ``rel_cohort`` is the event
    time too, and ``ci_low`` / ``ci_high`` the pointwise ``1 - alpha`` interval with t(G - 1)
    (the reference row: estimate 0, no interval), as the one-date event study gives them."""
    from scipy import stats

    sums = _unit_year_sums(frame, outcome)
    full, vcov, keep = jackknife_event_study(sums, STAGGERED_CONTROL)
    se = np.sqrt(np.diag(vcov))
    es = pd.DataFrame({"outcome": outcome, "cohort": list(full.index),
                       "estimate": full.to_numpy()})
    es["period"] = np.where(es["cohort"] < -1, "pre",
                            np.where(es["cohort"] == -1, "reference", "post"))
    es = es[es["cohort"].isin([*keep, -1])].reset_index(drop=True)
    es["se"] = es["cohort"].map(dict(zip(keep, se, strict=True)))
    es["df"] = len(sums.units) - 1
    es["event_time"] = es["cohort"]
    es["rel_cohort"] = es["cohort"]
    half = stats.t.ppf(1 - alpha / 2, es["df"]) * es["se"]
    es["ci_low"], es["ci_high"] = es["estimate"] - half, es["estimate"] + half
    return es, vcov


def _unit_year_sums(frame: pd.DataFrame, outcome: str):
    return unit_year_sums(frame, outcome, "unit", "cohort", "first_treated",
                          weights=COUNT_COLUMN if COUNT_COLUMN in frame else None)


def _event_weights(fit, frame: pd.DataFrame, post_times: Sequence[int]) -> np.ndarray:
    """Weights on the post event-time effects that reproduce the simple aggregation:
    l_e proportional to the group shares of the groups with an estimated cell at event time e
    (did's simple weights P(G = g) summed by event time)."""
    gt = fit.group_time
    gt = gt[gt["post"] & gt["estimate"].notna()]
    w = (pd.to_numeric(frame[COUNT_COLUMN]).astype(float) if COUNT_COLUMN in frame
         else pd.Series(1.0, index=frame.index))
    share = w.groupby(frame["first_treated"]).sum()
    by_e = gt.groupby("event_time")["group"].apply(lambda g: float(share.reindex(g).sum()))
    lv = np.array([float(by_e.get(e, 0.0)) for e in post_times])
    return lv / lv.sum()


#: the staggered path's pre-trend test (see :func:`_pretrend_wald`)
STAGGERED_PRETREND_METHOD = (
    "Hotelling T^2 test of the pre-adoption event-time effects (against event time -1) with "
    "the leave-one-unit-out jackknife covariance: T^2 (G-k) / (k (G-1)) against F(k, G-k)")


def _pretrend_wald(es: pd.DataFrame, vcov: np.ndarray) -> float:
    """p-value of the test that the k pre-adoption coefficients are all 0.

    The Wald statistic T^2 = b' V^-1 b uses a covariance estimated from G units, so it is
    scaled as Hotelling's T^2: T^2 (G - k) / (k (G - 1)) ~ F(k, G - k). Read as F(k, G - 1)
    (T^2 / k) it rejected 16 % of data sets at 0.10 with parallel trends true on the shipped
    staggered design (k = 6, G = 30; benchmarks/sim_study_pretrend.py), the scaled test at
    the nominal rate. NaN when there is no pre-adoption coefficient or k >= G."""
    from scipy import stats

    est = es[es["period"] != "reference"].reset_index(drop=True)
    pre = np.flatnonzero(est["period"].to_numpy() == "pre")
    n_units = int(es["df"].iloc[0]) + 1
    k = len(pre)
    if not k or k >= n_units:
        return np.nan
    b = est.loc[pre, "estimate"].to_numpy(dtype=float)
    t2 = float(b @ np.linalg.pinv(vcov[np.ix_(pre, pre)]) @ b)
    return float(stats.f.sf(t2 * (n_units - k) / (k * (n_units - 1)), k, n_units - k))


def with_staggered_randomization(row: pd.DataFrame, frame: pd.DataFrame, outcome: str, *,
                                 seed: int) -> pd.DataFrame:
    """The staggered path's effect row with design-based inference beside the jackknife, and
    the verdict's p-value the more conservative of the two (as
    :func:`with_randomization_inference` on the one-date path).

    :func:`talentlab.evaluation.randomization.staggered_randomization_inference` permutes the
    reform years over the college x major units (as many units adopting each year as
    observed), within each college when the data hold several (each college chose its own
    schedule: ``strata="college"``): exact when the schedules number at most 100,000, else
    4,999 seeded draws (floor 1/5000). Returns the primary row with ``p_model`` (the jackknife's), ``p_randomization``,
    ``p_randomization_min``, ``randomization_exact``, ``n_assignments`` and ``p_value`` = the
    larger, and a non-primary ``inference == "randomization"`` row with the test itself."""
    strata = "college" if frame["college"].nunique() > 1 else None
    ri = staggered_randomization_inference(
        frame, outcome, unit="unit", time="cohort", first_treated="first_treated",
        weights=COUNT_COLUMN if COUNT_COLUMN in frame else None, control=STAGGERED_CONTROL,
        seed=seed, strata=strata).iloc[0]
    out = row.copy()
    p_model, p_ri = float(out["p_value"].iloc[0]), float(ri["p_value"])
    extra = {"p_model": p_model, "p_randomization": p_ri,
             "p_randomization_min": float(ri["min_attainable_p"]),
             "randomization_exact": bool(ri["exact"]), "n_assignments": int(ri["n_assignments"])}
    for col, value in extra.items():
        out[col] = pd.Series([value], index=out.index, dtype=object)
    if np.isfinite(p_ri) and np.isfinite(p_model):
        kind = "exact over all" if ri["exact"] else f"Monte Carlo, {int(ri['n_evaluated'])} of"
        decided = ("the randomization p-value decides" if p_ri > p_model
                   else "the model-based p-value decides")
        out["p_value"] = max(p_model, p_ri)
        out["method"] = (
            f"{out['method'].iloc[0]}; verdict p = max(jackknife p {p_model:.3g}, "
            f"randomization p {p_ri:.3g}, {kind} {int(ri['n_assignments'])} assignments of the "
            f"reform years to the units{' within colleges' if strata else ''}"
            ", smallest attainable "
            f"{float(ri['min_attainable_p']):.3g}): {decided} - the jackknife's t(G-1) "
            "reference is an approximation, the randomization test is valid by design, so the "
            "verdict reads the more conservative")
    ri_row = {"outcome": outcome, "term": out["term"].iloc[0],
              "estimate": out["estimate"].iloc[0], "t_stat": ri["estimate"], "se": np.nan,
              "ci_low": np.nan, "ci_high": np.nan, "p_value": p_ri, "primary": False,
              "inference": "randomization", "design": "staggered",
              "alpha": out["alpha"].iloc[0], "null_value": out["null_value"].iloc[0],
              "n": out["n"].iloc[0], "n_clusters": out["n_clusters"].iloc[0],
              "method": f"{ri['method']}; statistic {ri['statistic']} (t_stat: its observed "
                        "value)"}
    return pd.concat([out, pd.DataFrame([ri_row])], ignore_index=True)


def _analyse_staggered(data, graduates, outcome, years, *, sign, alpha, seed, mbar) -> dict:
    """Effect (simple aggregation, jackknife), event study, pre-trend test, sensitivity and MDE
    of one outcome on the staggered path."""
    frame = _with_units(outcome_frame(data, outcome, graduates), years)
    fit = _staggered_fit(frame, outcome, alpha=alpha, seed=seed, inference="jackknife",
                         n_bootstrap=999)
    row = fit.simple.copy()
    row["df"] = row["n_clusters"] - 1
    row["inference"] = "jackknife"
    row["design"] = "staggered"
    row = row.assign(label_en=OUTCOMES[outcome][1], label_zh=OUTCOMES[outcome][2],
                     scale=OUTCOMES[outcome][3])
    row = with_staggered_randomization(row, frame, outcome, seed=seed)
    es, vcov = staggered_event_study(frame, outcome, alpha=alpha)
    post = es[es["period"] == "post"]["cohort"].astype(int).tolist()
    parts = {"effects": [row], "studies": [es], "notes": list(fit.notes),
             "pretrends": [pd.DataFrame([{
                 "outcome": outcome, "pretrend_p": _pretrend_wald(es, vcov),
                 "method": STAGGERED_PRETREND_METHOD}])],
             "sensitivities": [], "mdes": [mde_from_standard_error(row, outcome, alpha)]}
    try:
        parts["sensitivities"].append(sens.relative_magnitudes(
            es, vcov, sign, mbar=mbar, alpha=alpha, seed=seed,
            l_vec=_event_weights(fit, frame, post), method=STAGGERED_SENSITIVITY_METHOD,
            breakdown_tol=STAGGERED_BREAKDOWN_TOL))
    except sens.SensitivityInputError as exc:
        parts["notes"].append(f"{outcome}: no sensitivity analysis ({exc})")
    return parts


def _staggered_result(data, graduates, zhuhai_claims, years, *, outcomes, alpha, seed,
                      adjustment, mbar, min_cell) -> ZhuhaiEvaluation:
    """:func:`evaluate` on several colleges or several reform years: each graduate- and
    rating-level outcome by Callaway-Sant'Anna (units college x major, repeated
    cross-sections, never-reformed comparisons, simple aggregation with leave-one-unit-out
    jackknife inference and t(G-1), and randomization inference over the schedules of reform
    years, the verdict p the larger: :func:`with_staggered_randomization`), the Hotelling-scaled
    pre-trend test and the C-LF relative-magnitudes sensitivity on the event-time effects with
    the simple aggregation's weights, and the verdicts. The Cox model and the programme-year panels assume one reform date; their
    outcomes are not analysed here, with that reason."""
    unavailable = {**unavailable_outcomes(data, outcomes),
                   **unlinkable_outcomes(data, graduates, outcomes)}
    for o in outcomes:
        if o not in STAGGERED_OUTCOMES and o not in unavailable:
            unavailable[o] = ("not analysed on the staggered design: the "
                              + ("Cox model" if OUTCOMES[o][0] == "survival"
                                 else "programme-year panel")
                              + " assumes one reform date")
    signs = claimed_signs(zhuhai_claims)
    parts = {k: [] for k in ("effects", "studies", "pretrends", "sensitivities", "mdes",
                             "notes")}
    parts["notes"] += [f"{o}: not analysed: {why}" for o, why in unavailable.items()]
    for outcome in [o for o in outcomes if o not in unavailable]:
        found = _analyse_staggered(data, graduates, outcome, years, sign=signs.get(outcome, 1),
                                   alpha=alpha, seed=seed, mbar=mbar)
        for key, values in found.items():
            parts[key].extend(values)
    effects = _stack(parts["effects"], ["outcome", "estimate", "ci_low", "ci_high", "p_value"])
    pretrend = _stack(parts["pretrends"], ["outcome", "pretrend_p"])
    mde = _stack(parts["mdes"], ["outcome", "mde"])
    sensitivity = _stack(parts["sensitivities"], ["outcome"])
    judged = zhuhai_claims[zhuhai_claims["outcome"].isin(outcomes)
                           | zhuhai_claims["outcome"].isna()]
    verdicts = judge(judged, effects, pretrend=pretrend, mde=mde, alpha=alpha,
                     sensitivity=sensitivity, adjustment=adjustment, mbar=mbar,
                     unavailable=unavailable)
    adoption = years["reform_year"].dropna().astype(int)
    design = {"design": "staggered",
              "reason": (f"{years['college'].nunique()} colleges, {len(adoption)} reformed and "
                         f"{int(years['reform_year'].isna().sum())} never reformed college x "
                         f"major units, reform years {sorted(set(adoption.tolist()))} "
                         f"({years.attrs.get('source', '')}): Callaway-Sant'Anna"),
              "reform_years": {int(y): int((adoption == y).sum()) for y in sorted(set(adoption))},
              "control": STAGGERED_CONTROL, "inference": "jackknife",
              "cohorts": [int(c) for c in sorted(graduates["cohort"].dropna().unique())],
              "n_graduates": n_graduates(graduates), "alpha": alpha, "seed": int(seed),
              "adjustment": adjustment, "mbar": float(mbar)}
    return ZhuhaiEvaluation(
        effects=effects, event_study=_stack(parts["studies"]), pretrend=pretrend, mde=mde,
        adaptation=None, verdicts=verdicts,
        trends=indicator_trends(graduates, min_cell=min_cell), design=design,
        notes=parts["notes"], sensitivity=sensitivity, unavailable=unavailable)


#: Outcomes the design advisor can plan for: 0/1 outcomes (its simulation draws binomial counts).
ADVISED_OUTCOMES = ("job_related_to_major", "local_work", "employer_in_cluster")


@dataclass
class DesignAdvice:
    """:func:`design_advice`'s result.

    ``design`` is the planned :class:`talentlab.evaluation.design.Design` of the result, with
    the noise ``calibration`` found on ``outcome`` (:func:`talentlab.evaluation.design.
    calibrate`); ``power`` the simulated power of the full verdict rule for ``effect``
    (:class:`talentlab.evaluation.design.DesignPower`, its ``mc_se`` the Monte Carlo standard
    error sqrt(p (1 - p) / n)); ``supportable`` the smallest effect the rule supports with power
    >= ``target`` (NaN when even ``max_effect`` does not), known to within ``resolution`` from the
    bisection, and ``supportable_power`` the power estimate at it (None when NaN, or when
    ``supportable`` was not asked for)."""

    outcome: str
    design: object
    calibration: dict
    power: object
    target: float
    supportable: float
    resolution: float
    supportable_power: object = None

    def summary(self) -> str:
        """Two lines: the calibrated noise and the power; the supportable effect."""
        c = self.calibration
        lines = [f"{self.outcome}, noise calibrated on the data (not yet reformed cells): base "
                 f"rate {c['base_rate']:.3f}, unit SD {c['unit_sd']:.3f}, cell SD "
                 f"{c['cell_sd']:.3f}, {c['n_per_cell']} graduates per cell; "
                 + self.power.summary()]
        if np.isnan(self.supportable):
            lines.append(f"no effect up to the largest tried is supported with power >= "
                         f"{self.target:.0%}")
        elif self.supportable_power is not None:
            sp = self.supportable_power
            lines.append(f"smallest effect supported with power >= {self.target:.0%}: "
                         f"{self.supportable:.3f} (bisection to +/- {self.resolution:.3f}; power "
                         f"there {sp.power:.1%}, MC SE {sp.mc_se:.1%}, {sp.n_simulations} "
                         "simulations)")
        return "\n".join(lines)


def _advised_frame(result: ZhuhaiEvaluation, data, outcome: str,
                   reform_cohort: int | None) -> tuple[pd.DataFrame, str, pd.DataFrame | None]:
    """The outcome's analysis sample with the unit column and ``first_treated`` (reform year,
    0 never) as the result's path analysed it, the unit column's name, and the staggered path's
    reform years (None on the one-date path)."""
    d = result.design
    if d.get("design") == "staggered":
        graduates = graduates_present(data.graduates)
        years = staggered_design(data, graduates, reform_cohort)
        found = ({} if years is None else
                 {int(y): int(n) for y, n in
                  years["reform_year"].dropna().astype(int).value_counts().items()})
        if found != d["reform_years"]:
            raise ev.EvaluationInputError(
                f"design_advice: the data's reform years {found} are not the result's "
                f"{d['reform_years']} (pass the data and reform_cohort evaluate was given) / "
                "数据的改革年份与结果不一致")
        return _with_units(outcome_frame(data, outcome, graduates), years), "unit", years
    graduates = graduates_present(with_treated_majors(data.graduates, d["treated_majors"]))
    frame = outcome_frame(data, outcome, graduates)
    frame["first_treated"] = np.where(frame["treated_major"], int(d["reform_cohort"]), 0)
    return frame, "major", None


def describe_design(design: dict) -> str:
    """One Markdown paragraph describing an evaluation's design (``ZhuhaiEvaluation.design``):
    the reformed and comparison majors and the reform cohort of a one-date DiD, the colleges'
    reform years of a staggered design.

    Examples
    --------
    >>> for line in describe_design({"design": "did", "treated_majors": ["IC"],
    ...                              "comparison_majors": ["SW", "ME"], "cohorts": [2019, 2023],
    ...                              "reform_cohort": 2022, "n_graduates": 812}).splitlines():
    ...     print(line.rstrip())
    **Reformed majors:** IC
    **Comparison majors:** SW, ME
    **Cohorts:** 2019–2023, reform from cohort 2022; 812 graduates.
    >>> for line in describe_design({"design": "staggered", "reform_years": {2018: 4, 2020: 6},
    ...                              "cohorts": [2016, 2023], "n_graduates": 5000,
    ...                              "reason": "3 colleges: Callaway-Sant'Anna"}).splitlines():
    ...     print(line.rstrip())
    **Staggered reforms:** 4 college x major units from cohort 2018, 6 from cohort 2020
    **Cohorts:** 2016–2023; 5000 graduates.
    **Design:** 3 colleges: Callaway-Sant'Anna.
    """
    cohorts = design["cohorts"]
    span = f"{cohorts[0]}–{cohorts[-1]}"
    if design.get("design") == "staggered":
        years = ", ".join(f"{n} from cohort {y}" if i else f"{n} college x major units from cohort {y}"
                          for i, (y, n) in enumerate(sorted(design["reform_years"].items())))
        return (f"**Staggered reforms:** {years}  \n**Cohorts:** {span}; "
                f"{design['n_graduates']} graduates.  \n**Design:** {design['reason']}.")
    return (f"**Reformed majors:** {', '.join(design['treated_majors'])}  \n"
            f"**Comparison majors:** {', '.join(design['comparison_majors'])}  \n"
            f"**Cohorts:** {span}, reform from cohort {design['reform_cohort']}; "
            f"{design['n_graduates']} graduates.")


def design_advice(result: ZhuhaiEvaluation, data, outcome: str = "job_related_to_major", *,
                  effect: float = 0.10, n_simulations: int = 20, supportable: bool = True,
                  target: float = 0.8, max_effect: float = 0.4, steps: int = 3,
                  reform_cohort: int | None = None, seed: int = PAPER_ANALYSIS_SEED
                  ) -> DesignAdvice:
    """The design advisor for the design of a Zhuhai result, with the noise of its data.

    The planned :class:`talentlab.evaluation.design.Design` is the result's: one date, its
    majors, reformed majors, cohorts and reform cohort; staggered (several colleges or reform
    years), its colleges, college x major units per college, reformed units per college and
    reform years (the advisor spreads the reformed units evenly over the colleges and the
    years, earliest first; an unbalanced design is planned as its balanced average). The
    noise (``base_rate``, ``unit_sd``, ``cell_sd``, ``n_per_cell``) is estimated on ``outcome``'s
    analysis sample by :func:`talentlab.evaluation.design.calibrate` (its cells not yet
    reformed), not taken from the advisor's defaults. The rule is the result's: its ``alpha``,
    ``mbar`` and family size (Holm's first step over the impact claims it judged).

    Returns the simulated power of the full verdict rule for ``effect`` and, with
    ``supportable``, the smallest effect it supports with power >= ``target``
    (:func:`talentlab.evaluation.design.supportable_effect`: bisection over (0, ``max_effect``]
    in ``steps`` halvings, an effect counting when its power less one Monte Carlo SE reaches
    the target). Each power estimate has Monte Carlo SE sqrt(p (1 - p) / ``n_simulations``), at
    most 0.5 / sqrt(n): 0.11 with the default 20 simulations, enough to tell 0 from 80 %, not
    70 % from 80 %. Cost: (1 + ``steps``) x ``n_simulations`` simulated data sets with
    ``supportable`` (about 0.1-0.6 s each), ``n_simulations`` without.

    Parameters
    ----------
    result : ZhuhaiEvaluation
        :func:`evaluate`'s result (the one-date DiD or the staggered design).
    data : TalentData
        The data ``result`` was computed from.
    outcome : str
        The claim's outcome, one of :data:`ADVISED_OUTCOMES` (0/1 outcomes).
    effect : float
        The planted effect (proportion points); its sign is the claimed direction.
    n_simulations : int
        Simulated data sets per power estimate (<= design.MAX_SIMULATIONS).
    supportable : bool
        Also search the effect supported at ``target`` power.
    reform_cohort : int, optional
        As given to :func:`evaluate` (the staggered path's fallback date for data without
        reform years).

    Returns
    -------
    DesignAdvice

    Examples
    --------
    >>> import talentlab
    >>> from talentlab.claims import load_claims
    >>> data = talentlab.load_all()
    >>> result = evaluate(data, load_claims(), outcomes=["job_related_to_major"],
    ...                   n_bootstrap=99)
    >>> advice = design_advice(result, data, n_simulations=2, supportable=False)
    >>> advice.design.majors, advice.power.n_simulations
    (8, 2)
    """
    from dataclasses import replace

    from talentlab.evaluation.design import (
        Design,
        calibrate,
        supportable_effect,
        verdict_power,
    )

    d = result.design
    kind = d.get("design", "did")
    if kind not in ("did", "staggered") or (kind == "did" and "treated_majors" not in d):
        raise ev.EvaluationInputError(
            f"design_advice: the advisor plans difference-in-differences designs, not "
            f"{kind!r} ({d.get('reason', '')}) / 顾问只规划双重差分设计")
    if outcome not in ADVISED_OUTCOMES:
        raise ev.EvaluationInputError(
            f"design_advice: outcome {outcome!r} is not a 0/1 outcome the advisor simulates; "
            f"one of {list(ADVISED_OUTCOMES)} / 结果变量须为 0/1 变量")
    frame, unit, years = _advised_frame(result, data, outcome, reform_cohort)
    found = calibrate(frame, outcome, unit=unit, cohort="cohort",
                      first_treated="first_treated",
                      count=COUNT_COLUMN if COUNT_COLUMN in frame else None)
    cohorts = tuple(int(c) for c in d["cohorts"])
    if years is None:
        majors = len(d["treated_majors"]) + len(d["comparison_majors"])
        planned = Design(majors=majors, treated=len(d["treated_majors"]), cohorts=cohorts,
                         reform=int(d["reform_cohort"]))
    else:
        colleges = int(years["college"].nunique())
        reformed = int(years["reform_year"].notna().sum())
        majors = max(2, round(len(years) / colleges))
        adoption = sorted(int(y) for y in d["reform_years"])
        planned = Design(colleges=colleges, majors=majors,
                         treated=min(majors - 1, max(1, round(reformed / colleges))),
                         cohorts=cohorts, reform=adoption[0], reform_years=tuple(adoption))
    planned = replace(planned, **found)
    fam = pd.to_numeric(result.verdicts.get("family_size", pd.Series(dtype=float)),
                        errors="coerce").max()
    rule = {"family_size": int(fam) if np.isfinite(fam) and fam >= 1 else 1,
            "alpha": float(d.get("alpha", 0.05)),
            "mbar": float(d.get("mbar", sens.DEFAULT_MBAR))}
    power = verdict_power(planned, effect, n_simulations=n_simulations, seed=seed, **rule)
    smallest, at = float("nan"), None
    if supportable:
        smallest, runs = supportable_effect(planned, target=target, n_simulations=n_simulations,
                                            max_effect=max_effect, steps=steps, seed=seed,
                                            **rule)
        at = next((r for r in runs if r.effect == smallest), None)
    return DesignAdvice(outcome=outcome, design=planned, calibration=found, power=power,
                        target=target, supportable=smallest,
                        resolution=max_effect / 2 ** int(steps), supportable_power=at)
