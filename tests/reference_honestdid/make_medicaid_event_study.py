"""Make medicaid_event_study.json: the event study of HonestDiD's published Medicaid example.

Source of the data (not copied here): ``Exercises/Data/ehec_data.csv`` of the public repository
Mixtape-Sessions/Advanced-DID (commit 597021a2d5dbc3bc5eed233bb8c12ab6ca143ca9), state-level ACS
shares of low-income childless adults with health insurance (``dins``) and the Medicaid
expansion year (``yexp2``). The specification is the one of the HonestDiD README (Stata package
mcaceresb/stata-honestdid, README "Example usage -- Medicaid expansions"; the R package's vignette
uses the same): years before 2016, states first treated in 2015 dropped, D = expansion in 2014,

    reghdfe dins b2013.Dyear, absorb(stfips year) cluster(stfips)

i.e. a two-way fixed-effects event study with 2013 as the reference year and CR1 clustered by
state. talentlab.evaluation.event_study(vcov="cluster") computes it (its CR1 follows reghdfe's
convention for fixed effects nested in clusters), and its conventional 95% interval for 2014,
[0.0285, 0.0644], reproduces the published "Original" row [0.029, 0.064].

Only the coefficients and their covariance are stored (derived statistics, with this source).

Usage::

    .venv/bin/python tests/reference_honestdid/make_medicaid_event_study.py path/to/ehec_data.csv
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab import evaluation as ev


def main(path: str) -> None:
    d = pd.read_csv(path)
    d = d[(d.year < 2016) & (d.yexp2.isna() | (d.yexp2 != 2015))].copy()
    d["treated"] = d.yexp2 == 2014
    es = ev.event_study(d, "dins", treated="treated", cohort="year", reform_cohort=2014,
                        cluster="stfips", unit="stfips", vcov="cluster", n_bootstrap=99,
                        seed=20220901)
    est = es[es.period != "reference"]
    out = {
        "source": __doc__.split("\n\n")[1].replace("\n", " "),
        "specification": "TWFE event study, reference year 2013, CR1 clustered by state "
                         "(talentlab.evaluation.event_study, vcov='cluster')",
        "years": [int(y) for y in est["cohort"]],
        "num_pre": int((est.period == "pre").sum()),
        "num_post": int((est.period == "post").sum()),
        "betahat": [float(x) for x in est["estimate"]],
        "sigma": np.asarray(es.attrs["vcov"], dtype=float).tolist(),
    }
    target = Path(__file__).with_name("medicaid_event_study.json")
    target.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"written: {target}")


if __name__ == "__main__":
    main(sys.argv[1])
