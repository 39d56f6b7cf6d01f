"""Published figures the baselines are calibrated to, and the intercept calibration itself.

The sources are written into ``truth.json`` (``calibration_sources``); the calibrated intercepts
are recorded there too (``calibrated_intercepts``).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

#: Published figures the baselines are calibrated to (indicators.md section b; quality S =
#: secondary source quoting the named report).
CALIBRATION_SOURCES = [
    {
        "indicator": "employment_rate_6_months",
        "value": 0.92,
        "published": "高职 2017届 92.1%, 2018届 92.0% (MyCOS 就业蓝皮书)",
        "source": "tengyi66.com (2020 report); zhwsqm.tw (多知网 2019-06-10); 00-edu.com",
        "quality": "S",
        "used_for": "target of (employed + military + further study) / (known destinations - "
                    "preparing further study), every cohort",
    },
    {
        "indicator": "destination_shares",
        "value": {"employed_full_time": 0.808, "employed_part_time": 0.020,
                  "self_employed": 0.038, "further_study": 0.054},
        "published": "高职 2017届: full time 80.8%, part time 2.0%, self-employed 3.8%, 读本科 5.4%",
        "source": "tengyi66.com; jizihe.com 2019/0717",
        "quality": "S",
        "used_for": "shares of part-time and self-employment; full time is the remainder",
    },
    {
        "indicator": "job_major_relevance",
        "value": 0.62,
        "published": "高职 2018届 62% of the full-time employed (2011届 60%)",
        "source": "中新网 2019-06-10 via zc8013.com; hjenglish.com/gaokaozhiyuan/p402936",
        "quality": "S",
        "used_for": "pre-reform relevance among the full-time employed (logit intercept)",
    },
    {
        "indicator": "turnover_6_months",
        "value": 0.42,
        "published": "高职 2017届 42%, 2018届 42% (2013届, 2015届 43%)",
        "source": "jizihe.com 2019/0717; 中新网 2019-11-14 via jiangsulong.com / paituo.cc",
        "quality": "S",
        "used_for": "pre-reform six-month turnover among the employed (logit intercept)",
    },
    {
        "indicator": "further_study_share",
        "value": {"2017": 0.054, "2018": 0.063, "2019": 0.076, "2022": 0.201},
        "published": "高职 读本科 5.4% (2017届), 6.3% (2018届), 7.6% (2019届), 20.1% (2022届)",
        "source": "tengyi66.com; zhwsqm.tw; iter01.com; pishu.com.cn ImageDetail 14685962",
        "quality": "S",
        "used_for": "secular further-study trend, the same for every major; 2020 and 2021 "
                    "interpolated, 2023-2025 assumed (UNVERIFIED)",
    },
    {
        "indicator": "job_satisfaction",
        "value": 0.70,
        "published": "专科 job satisfaction 63% -> 72% (2016-2021), 智联招聘, not MyCOS",
        "source": "中国青年报 2023-04-03 via mofangge.com",
        "quality": "S",
        "used_for": "order of magnitude of the job_satisfaction top box (4-5)",
    },
    {
        "indicator": "employer_satisfaction",
        "value": 0.721,
        "published": "NCVER SEUV 2019: employers satisfied with vocational qualifications 72.1%",
        "source": "ncver.edu.au (international analogue; no Chinese national figure found)",
        "quality": "P",
        "used_for": "order of magnitude of the overall_satisfaction top box (4-5)",
    },
    {
        "indicator": "work_region",
        "value": 0.92,
        "published": "Guangdong 本科 graduates employed inside Guangdong 92%",
        "source": "gzgddi.com",
        "quality": "S",
        "used_for": "most graduates stay in the province (local + province ~ 89%)",
    },
    {
        "indicator": "adaptation_period",
        "value": None,
        "published": "none: '上岗适应期长' only, no number (indicators.md b4)",
        "source": "pishu contentId=12412906 (abstract)",
        "quality": "none",
        "used_for": "median 4 months is an ASSUMPTION",
    },
    {
        "indicator": "retraining_hours",
        "value": None,
        "published": "none (indicators.md row 9)",
        "source": "exmoo.com/article/220197 (qualitative only)",
        "quality": "none",
        "used_for": "mean 80 hours is an ASSUMPTION",
    },
]
CALIBRATION_REFERENCE = "../shared/research/indicators.md, section (b) calibration table"


_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(48)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


def calibrate_logit_intercept(target: float, sd: float, offsets=(0.0,), weights=(1.0,)) -> float:
    """Intercept ``a`` with mean of expit(a + offset + sd * Z) equal to ``target``.

    Z is standard normal (Gauss-Hermite quadrature); ``offsets`` with ``weights`` is a discrete
    mixture of known shifts. Hand-written because no library calibrates a logistic-normal mean.
    """
    off = np.asarray(offsets, dtype=float)[:, None]
    w = np.asarray(weights, dtype=float)[:, None] * _GH_WEIGHTS[None, :]
    w = w / w.sum()

    def gap(a: float) -> float:
        return float((w * expit(a + off + sd * _GH_NODES[None, :])).sum() - target)

    return float(brentq(gap, -20.0, 20.0, xtol=1e-12))

