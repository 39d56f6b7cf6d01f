"""Survival analysis of the post-adaptation cycle: Kaplan-Meier, log-rank, Cox DiD.

Count tables. A graduates table may carry a ``count`` column (:data:`COUNT_COLUMN`): a row
stands for that many identical graduates. Every function here then counts graduates, not rows,
and gives what it gives on the microdata the table came from:

* Kaplan-Meier: the one Kaplan-Meier (:func:`talentlab.indicators.survival.km_grouped`) takes
  the counts as subjects per row;
* log-rank: at-risk and event counts per group and time are sums of counts (the formulas of
  statsmodels' ``survdiff``, which has no frequency weights);
* Cox: lifelines ``CoxPHFitter`` with the counts as ``weights_col``, except that a row of k
  graduates who reached the event is fitted as k rows of weight 1. Efron's tie correction
  counts the tied *rows* (lifelines, as R's ``coxph``, spreads a weighted row's deaths as one
  death), so a weighted event row would give another partial likelihood than its k graduates
  (log hazard ratio 0.28818 against 0.28882 on the paper_claims scenario); censored rows enter
  the risk sets only, where a weight is exactly k graduates;
* the clustered sandwich SE is computed here from Efron score residuals (Lin & Wei 1989 with
  Efron ties, as R's ``coxph(..., cluster=)``): lifelines' own score residuals sum the risk sets
  in row order within tied times, so its robust SE changed with the order of the rows (0.0709
  against 0.0685 on the same graduates shuffled), and a count table could not equal them.

Rows of count 0 stand for no graduate and are left out.
"""
from talentlab.evaluation.survival.adaptation import AdaptationResult, adaptation_comparison
from talentlab.evaluation.survival.cox import COX_FIT_OPTIONS, cox_effect, efron_score_residuals
from talentlab.evaluation.survival.kaplan_meier import km_table, logrank

__all__ = ["km_table", "logrank", "cox_effect", "COX_FIT_OPTIONS", "efron_score_residuals",
           "AdaptationResult", "adaptation_comparison"]
