"""Limits and fixed settings of :func:`talentlab.qca.analyse` (``talentlab qca``).

The limits bound what one call may compute (refused beyond with a
:class:`~talentlab.qca.QCAError` naming the limit); the other settings are choices the methods
paragraph states. :mod:`talentlab.qca.analysis` re-exports every name, so
``from talentlab.qca.analysis import MAX_CONDITIONS`` keeps working; the module is separate so
that the methods text (:mod:`talentlab.qca.analysis_text`) can read the robustness grid without
importing the analysis.

Examples
--------
>>> from talentlab.qca.analysis_settings import MAX_CONDITIONS, ROBUSTNESS_RUNS
>>> MAX_CONDITIONS, ROBUSTNESS_RUNS
(10, 10)
"""

from __future__ import annotations

#: Most conditions :func:`~talentlab.qca.analyse` accepts (the truth table has 2^k rows and the
#: exact minimisation of random-looking data grows quickly beyond ten conditions: see
#: ``benchmarks/bench_qca.py``).
MAX_CONDITIONS = 10
#: Most cases :func:`~talentlab.qca.analyse` accepts.
MAX_CASES = 10_000
#: Most equally minimal models of one solution (beyond: an error asking for fewer conditions or
#: other cut-offs).
MAX_MODELS = 10_000
#: Necessity inclusion from which a condition is reported as (quasi-)necessary (Schneider &
#: Wagemann 2012, p. 143: 0.9).
NECESSITY_CUT = 0.9
#: Seed of NCA's permutation test (reproducible p values).
NCA_SEED = 20_251

#: Robustness grid of :func:`~talentlab.qca.analyse` (``robustness=True``): the inclusion
#: cut-off moves in steps of 0.01, the frequency cut-off in steps of 1, each calibration anchor
#: in steps of ROBUSTNESS_ANCHOR_STEP x ``|i - e|``, at most ROBUSTNESS_RUNS steps each way
#: (SetMethods' ``max.runs``). So at most 2 x 2 x ROBUSTNESS_RUNS minimisations for the cut-offs
#: and 6 x ROBUSTNESS_RUNS per calibrated set, plus the test set (at most 3 + 2 per calibrated
#: set).
ROBUSTNESS_INCL_STEP = 0.01
#: Step of a calibration anchor in the robustness grid, as a share of the span ``|i - e|``.
ROBUSTNESS_ANCHOR_STEP = 0.05
#: Most steps each way of each range of the robustness grid (SetMethods' ``max.runs``).
ROBUSTNESS_RUNS = 10
#: Test set of the robustness fit (Oana & Schneider 2024): the inclusion cut-off moved by this
#: much each way, the frequency cut-off raised by one, each crossover moved by
#: ROBUSTNESS_TEST_CROSSOVER of the anchor span each way.
ROBUSTNESS_TEST_INCL = 0.05
#: Share of the anchor span ``|i - e|`` each crossover moves each way in the robustness test set.
ROBUSTNESS_TEST_CROSSOVER = 0.10

__all__ = ["MAX_CASES", "MAX_CONDITIONS", "MAX_MODELS", "NCA_SEED", "NECESSITY_CUT",
           "ROBUSTNESS_ANCHOR_STEP", "ROBUSTNESS_INCL_STEP", "ROBUSTNESS_RUNS",
           "ROBUSTNESS_TEST_CROSSOVER", "ROBUSTNESS_TEST_INCL"]
