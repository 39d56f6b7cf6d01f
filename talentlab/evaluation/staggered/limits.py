"""The documented limits of :func:`talentlab.evaluation.staggered_did` and the unit-year sums:
a call beyond them is refused with a clear error before the work starts (bounded time and
memory). The estimator modules read them from here at call time.
"""

#: below this many clusters the result carries a note that its intervals rest on many clusters
FEW_CLUSTERS = 30
#: bootstrap draws of the simultaneous bands: at least, at most
MIN_BOOTSTRAP = 99
MAX_BOOTSTRAP = 100_000
MAX_CELLS = 2_500  # adoption years x periods
MAX_CELL_WORK = 500_000_000  # rows x ATT(g,t) cells (each cell scans the rows once)
MAX_BOOTSTRAP_WORK = 20_000_000_000  # draws x clusters x estimates (the bootstrap products)
