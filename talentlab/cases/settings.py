"""The paper's values for its two studies: the reform cohort and the seeds.

These are facts about the paper's analysis, not about the statistics: the functions of
:mod:`talentlab.evaluation` take the reform cohort and the seeds as required arguments, and the
two studies of :mod:`talentlab.cases` pass them from here (through
:class:`talentlab.cases.zhuhai.ZhuhaiSettings` and
:class:`talentlab.cases.six_case.SixCaseSettings`, whose defaults these are).

Examples
--------
>>> from talentlab.cases import settings
>>> settings.PAPER_REFORM_COHORT, settings.PAPER_ANALYSIS_SEED, settings.PRETREND_BOOTSTRAP_SEED
(2022, 20240601, 20220901)
"""

from __future__ import annotations

#: First graduation cohort taught under the Zhuhai reform (the university-enterprise community
#: was built for the cohort enrolling in academic year 2019, three-year programmes).
PAPER_REFORM_COHORT = 2022

#: Seed of every resampling in the two studies' analyses: the wild cluster bootstrap, the Monte
#: Carlo randomization inference, the relative-magnitudes sensitivity and the design advisor's
#: simulations of the Zhuhai evaluation; the QCA random-consistency simulation and the coding
#: agreement bootstrap of the six-case comparison. The notebooks' ``seed`` parameter and the
#: Makefile's ``SEED`` default to it.
PAPER_ANALYSIS_SEED = 20240601

#: Seed of the event study's wild cluster bootstrap pre-trend test in the Zhuhai evaluation
#: (:func:`talentlab.evaluation.event_study`): the study has always drawn the pre-trend test
#: with this seed, apart from :data:`PAPER_ANALYSIS_SEED`, and its p-values in the published
#: results rest on it.
PRETREND_BOOTSTRAP_SEED = 20220901
