"""The indicator codebook as data, the published calibration anchors, and their Markdown rendering.

Every indicator that :mod:`talentlab.indicators` computes is defined here once: code, English and
Chinese labels, formula, numerator, denominator, exclusions, unit, timing, source and how well that
source was verified. :func:`codebook` returns the definitions as a DataFrame, the indicator functions
take their labels from it, and :func:`render_codebook_markdown` renders the same rows as Markdown:
the "Indicators" section of the generated ``data/raw/README.md`` (``make codebook``, ``talentlab
codebook``; :func:`talentlab.report.docs.render_readme`), so code and documentation cannot drift.

:func:`calibration_anchors` returns the published national figures collected in the project's
research notes (``../shared/research/indicators.md``, sections b1-b3): only figures whose source is
named, never one the notes mark UNVERIFIED or tell us not to use for calibration.

Source-quality flags
--------------------
``verified``            definition seen in a primary / official source.
``verified_secondary``  definition seen in a secondary reprint that quotes the named report.
``partly_verified``     part of the definition seen; the rest is a stated choice.
``research_definition`` no official definition exists; talentlab's documented research definition.
"""

from __future__ import annotations

import pandas as pd

from talentlab.data.disclosure import MIN_CELL

__all__ = ["INDICATORS", "ANCHORS", "codebook", "calibration_anchors", "label",
           "render_codebook_markdown"]

CODEBOOK_COLUMNS = ["code", "label_en", "label_zh", "formula", "numerator", "denominator",
                    "exclusions", "unit", "timing", "source", "source_quality", "table",
                    "function", "interval"]

_MYCOS = "MyCOS (麦可思) 就业蓝皮书"

#: The indicator definitions, one dict per indicator (the single source of truth).
INDICATORS: list[dict[str, str]] = [
    {
        "code": "counterpart_employment_rate",
        "label_en": "Counterpart employment rate (job related to major)",
        "label_zh": "专业对口率（工作与专业相关度）",
        "formula": "N(full-time employed AND job related to major) / N(full-time employed with an "
                   "answer on relatedness)",
        "numerator": "Graduates employed full time who say their job is related to their major",
        "denominator": "Graduates employed full time (受雇全职工作) who answered the relatedness "
                       "item. Variant denominator='all_employed': full-time + part-time + "
                       "self-employed (the local quality-report variant, N_对口 / N_employed)",
        "exclusions": "Part-time, self-employed, military, further study, preparing further "
                      "study, unemployed and unknown destinations (national-survey definition). "
                      "Employed graduates with a missing relatedness answer are item "
                      "non-response: left out of numerator and denominator and counted in "
                      "n_unknown",
        "unit": "proportion (0-1)",
        "timing": "About six months after graduation (半年后, ≈ January of the year after)",
        "source": f"{_MYCOS}: '受雇全职工作的2011届大学毕业生的工作与专业相关度为64%' "
                  "(hjenglish.com/gaokaozhiyuan/p402936); full-time ≥32 h/week, part-time "
                  "20-31 h/week (pishu.com.cn ImageDetail ID=14685962, 2023 高职 report). "
                  "Variant: zssbjy.com (Guangzhou 中职 2021 quality report, 对口就业率; "
                  "definition not verified)",
        "source_quality": "verified_secondary",
        "table": "graduates",
        "function": "counterpart_employment_rate",
        "interval": "Wilson score (Newcombe 1998 method 3)",
    },
    {
        "code": "employment_rate",
        "label_en": "Employment rate (national graduate-survey definition)",
        "label_zh": "就业率（半年后，全国毕业生调查口径）",
        "formula": "N(employed full/part time, self-employed, military, further study) / "
                   "N(graduates who need employment: all minus preparing further study, "
                   "minus unknown)",
        "numerator": "'已就业人数': employed full time + employed part time + self-employed + "
                     "military + further study (读本科/读研 count as employed in this survey)",
        "denominator": "'需要就业的人数 (就业基数)': graduates with a known destination, minus those "
                       "preparing for further study",
        "exclusions": "preparing_further_study removed from the base (2007 MyCOS definition "
                      "removes graduate-exam takers). unknown = survey non-response: excluded "
                      "from the base and reported in n_unknown (unknown='not_employed' keeps "
                      "them in the base as not employed, a lower bound)",
        "unit": "proportion (0-1)",
        "timing": "About six months after graduation (半年后)",
        "source": "news.sina.com.cn 2007-11-23 (MyCOS-Gallup 指标说明: 就业率 = 已就业人数 / "
                  "需要就业的人数). Share arithmetic 2017/2018届 (tengyi66.com; zhwsqm.tw) "
                  "supports further study counting as employed",
        "source_quality": "verified_secondary",
        "table": "graduates",
        "function": "employment_rate",
        "interval": "Wilson score",
    },
    {
        "code": "destination_rate",
        "label_en": "Graduate destination rate (ministry definition)",
        "label_zh": "毕业去向落实率",
        "formula": "N(employed full/part time, self-employed, military, further study) / "
                   "N(all graduates)",
        "numerator": "Contract and flexible employment (full time, part time, self-employed), "
                     "military and further study (升学)",
        "denominator": "All graduates, including preparing further study, unemployed and unknown",
        "exclusions": "None: the base is every graduate. unknown destinations stay in the base "
                      "as not placed and are reported in n_unknown (unknown='exclude' drops "
                      "them, an upper bound)",
        "unit": "proportion (0-1)",
        "timing": "School reports: usually 31 August or the end of the graduation year "
                  "(official snapshot date not verified)",
        "source": "2y1y.com/xuanzhuanye/283003; wenxuejuzibashi.cn (secondary explainers of "
                  "the MOE definition (就业+升学)/毕业生总数); official MOE text not seen",
        "source_quality": "partly_verified",
        "table": "graduates",
        "function": "destination_rate",
        "interval": "Wilson score",
    },
    {
        "code": "local_employment_rate",
        "label_en": "Local employment rate (among the employed)",
        "label_zh": "本地就业率",
        "formula": "N(employed AND work_region in regions) / N(employed with known work_region)",
        "numerator": "Employed graduates (full time, part time, self-employed) working in the "
                     "target region (default: the college's city, work_region='local')",
        "denominator": "Employed graduates with a known work_region",
        "exclusions": "Further study, military and the not employed are excluded. Employed "
                      "graduates with missing work_region are counted in n_unknown. The "
                      "geography is a parameter and is named in `method`",
        "unit": "proportion (0-1)",
        "timing": "About six months after graduation",
        "source": "Concept only (research notes row 8): the geography must be explicit; no "
                  "official formula seen",
        "source_quality": "research_definition",
        "table": "graduates",
        "function": "local_employment_rate",
        "interval": "Wilson score",
    },
    {
        "code": "cluster_employment_rate",
        "label_en": "Employment rate in cluster enterprises (among the employed)",
        "label_zh": "集群企业就业率",
        "formula": "N(employed AND employer_in_cluster) / N(employed with known "
                   "employer_in_cluster)",
        "numerator": "Employed graduates whose employer belongs to the regional industrial "
                     "cluster",
        "denominator": "Employed graduates (full time, part time, self-employed) with a known "
                       "cluster flag",
        "exclusions": "As local_employment_rate; missing flags counted in n_unknown",
        "unit": "proportion (0-1)",
        "timing": "About six months after graduation",
        "source": "Research definition modelled on 本地就业率 (research notes row 8)",
        "source_quality": "research_definition",
        "table": "graduates",
        "function": "cluster_employment_rate",
        "interval": "Wilson score",
    },
    {
        "code": "turnover_6_months",
        "label_en": "Six-month turnover rate",
        "label_zh": "半年内离职率",
        "formula": "N(employed AND left a job within 6 months) / N(employed with a known answer)",
        "numerator": "Employed graduates with at least one separation (quit or dismissed) "
                     "within about six months",
        "denominator": "Employed graduates (full time, part time, self-employed) with a known "
                       "answer. The survey's base ('are or were employed') cannot be rebuilt "
                       "from a destination snapshot: graduates who left and are now not "
                       "employed are missing from both parts",
        "exclusions": "Not employed, further study, military; missing answers counted in "
                      "n_unknown",
        "unit": "proportion (0-1)",
        "timing": "Within about six months of graduation (asked at 半年后)",
        "source": "wap.sinogk.com/News/Details/151100 ('毕业半年内有多大百分比有过离职的经历', "
                  "2009届 definition; MyCOS)",
        "source_quality": "verified_secondary",
        "table": "graduates",
        "function": "turnover_6_months",
        "interval": "Wilson score",
    },
    {
        "code": "job_satisfaction_rate",
        "label_en": "Job satisfaction rate",
        "label_zh": "就业满意度",
        "formula": "N(job_satisfaction in {4, 5}) / N(employed with job_satisfaction 1-5)",
        "numerator": "Employed graduates answering satisfied (4) or very satisfied (5)",
        "denominator": "Employed graduates with a valid 1-5 answer",
        "exclusions": "Missing answers (and 'cannot evaluate', which the contract stores as "
                      "missing) are counted in n_unknown",
        "unit": "proportion (0-1)",
        "timing": "About six months after graduation",
        "source": "pishu.cn/psgd/70849 (MyCOS 2014 blue book 名词解释: 满意 = 满意 + 很满意, "
                  "无法评估 excluded; seen for 校友满意度 - use for 就业满意度 is an inference)",
        "source_quality": "partly_verified",
        "table": "graduates",
        "function": "job_satisfaction_rate",
        "interval": "Wilson score",
    },
    {
        "code": "adaptation_cycle",
        "label_en": "Post adaptation cycle (months to independent work)",
        "label_zh": "岗位适应期（独立上岗所需月数）",
        "formula": "Kaplan-Meier median of adaptation_months with adaptation_reached as the "
                   "event; restricted mean = area under the KM curve up to the horizon",
        "numerator": "events: employed graduates who reached independent work",
        "denominator": "n: employed graduates with adaptation data (events + censored)",
        "exclusions": "Not employed (no job to adapt to). Graduates still adapting at the last "
                      "observation are censored, never dropped. Employed graduates without "
                      "adaptation data are counted in n_unknown",
        "unit": "months",
        "timing": "Graduate self-report about six months after graduation",
        "source": "No official definition: '上岗适应期' is one of 42 matching indicators in a "
                  "pishu/SSAP report (1.203.103.66, pishu contentId=12412906, abstract only); "
                  "operational definition (i) of the research notes",
        "source_quality": "research_definition",
        "table": "graduates",
        "function": "adaptation_cycle",
        "interval": "Median: inverted Z-test on cloglog S(t) (Brookmeyer-Crowley as in SAS "
                    "LIFETEST, statsmodels SurvfuncRight.quantile_ci); restricted mean: "
                    "Greenwood-type variance, normal interval",
    },
    {
        "code": "retraining_hours",
        "label_en": "Enterprise retraining hours per hire",
        "label_zh": "企业再培训时长（每名新员工）",
        "formula": "Σ retraining_hours / N(employees with an answer)",
        "numerator": "Total employer training hours before independent work",
        "denominator": "Employees (full time and part time) with a recorded value",
        "exclusions": "Self-employed and the not employed (no employer); missing values "
                      "counted in n_unknown",
        "unit": "hours per hire",
        "timing": "First job after graduation",
        "source": "No official definition or figure (research notes row 9, researcher-defined; "
                  "qualitative support: exmoo.com/article/220197). Hours only: the cost "
                  "version needs wages and direct costs",
        "source_quality": "research_definition",
        "table": "graduates",
        "function": "retraining_hours",
        "interval": "Mean with cluster-robust (employer) standard error and t interval with "
                    "G-1 df (statsmodels OLS cov_type='cluster')",
    },
    {
        "code": "industry_certificate_rate",
        "label_en": "Industry / vocational skill certificate rate",
        "label_zh": "职业技能证书获取率",
        "formula": "N(industry_certificate) / N(graduates with a known answer)",
        "numerator": "Graduates holding an industry or vocational skill certificate at "
                     "graduation",
        "denominator": "All graduates with a known answer",
        "exclusions": "Missing answers counted in n_unknown",
        "unit": "proportion (0-1)",
        "timing": "At graduation",
        "source": "Research definition (no national formula seen in the research notes)",
        "source_quality": "research_definition",
        "table": "graduates",
        "function": "industry_certificate_rate",
        "interval": "Wilson score",
    },
    {
        "code": "enterprise_recognition_score",
        "label_en": "Enterprise recognition score (5-item battery, 0-100)",
        "label_zh": "用人单位认可度得分（五项，0-100）",
        "formula": "mean over ratings of 100 × (mean of answered items − 1) / 4",
        "numerator": "Sum of rating scores",
        "denominator": "Ratings with at least min_items (default 3) of the five items answered",
        "exclusions": "Ratings with fewer answered items (counted in n_unknown)",
        "unit": "score 0-100",
        "timing": "Annual employer survey",
        "source": "Research definition; items: practical skill, post adaptability, "
                  "professional quality, problem solving, learning ability",
        "source_quality": "research_definition",
        "table": "employer_ratings",
        "function": "enterprise_recognition",
        "interval": "Cluster-robust (employer) SE, t interval with G-1 df",
    },
    {
        "code": "enterprise_satisfaction_share",
        "label_en": "Enterprise satisfaction share",
        "label_zh": "用人单位满意度",
        "formula": "N(overall_satisfaction in {4, 5}) / N(overall_satisfaction in 1-5)",
        "numerator": "Ratings 'satisfied' (4) or 'very satisfied' (5)",
        "denominator": "Valid ratings 1-5",
        "exclusions": "0 = cannot evaluate (无法评估) excluded and counted in n_excluded; missing "
                      "counted in n_unknown",
        "unit": "proportion (0-1)",
        "timing": "Annual employer survey",
        "source": "Satisfaction rule as MyCOS 名词解释 (pishu.cn/psgd/70849, 无法评估 "
                  "excluded); employer-satisfaction formula itself not verified. International "
                  "analogue: NCVER SEUV",
        "source_quality": "partly_verified",
        "table": "employer_ratings",
        "function": "enterprise_recognition",
        "interval": "Wilson score with the Kish effective sample size n·p(1-p)/(n·se²) from the "
                    "cluster-robust (employer) SE",
    },
    {
        "code": "enterprise_recognition_alpha",
        "label_en": "Internal consistency of the recognition battery (Cronbach's alpha)",
        "label_zh": "认可度量表内部一致性（Cronbach α）",
        "formula": "k/(k-1) · (1 − Σ item variances / variance of the sum)",
        "numerator": "—",
        "denominator": "Ratings with all five items (listwise)",
        "exclusions": "Ratings with any missing item",
        "unit": "coefficient",
        "timing": "Annual employer survey",
        "source": "Cronbach (1951); pingouin.cronbach_alpha",
        "source_quality": "verified",
        "table": "employer_ratings",
        "function": "enterprise_recognition",
        "interval": "Feldt interval (pingouin)",
    },
    {
        "code": "double_qualified_teacher_ratio",
        "label_en": "Double-qualified teacher ratio (over specialised teachers)",
        "label_zh": "双师型教师比例",
        "formula": "Σ double_qualified_teachers / Σ specialised_teachers",
        "numerator": "Specialised teachers certified double-qualified (双师型)",
        "denominator": "Full-time specialised-course (专业课) teachers; enterprise part-time "
                       "teachers are NOT in the base",
        "exclusions": "Enterprise part-time teachers (a stated choice)",
        "unit": "proportion (0-1)",
        "timing": "Academic year",
        "source": "教育部《职业教育“双师型”教师基本标准(试行)》 教师厅〔2022〕2号 via "
                  "jinengpingjia.com/html/dfwj/14212 (Gansu implementation)",
        "source_quality": "partly_verified",
        "table": "programmes",
        "function": "double_qualified_teacher_ratio",
        "interval": "Wilson score (treats the count as a binomial sample; for a complete "
                    "census the ratio itself is exact)",
    },
    {
        "code": "co_developed_course_share",
        "label_en": "Share of courses co-developed with enterprises",
        "label_zh": "校企合作开发课程占比",
        "formula": "Σ courses_co_developed / Σ courses_total",
        "numerator": "Courses co-developed with enterprises",
        "denominator": "All courses of the programme",
        "exclusions": "None",
        "unit": "proportion (0-1)",
        "timing": "Academic year",
        "source": "fanyingfuhgjx.com/zlglc/info/1154/1529 (a college's 专业人才培养质量考核 "
                  "indicator list; names verified, no national formula)",
        "source_quality": "partly_verified",
        "table": "programmes",
        "function": "co_developed_course_share",
        "interval": "Wilson score (binomial approximation, see double_qualified_teacher_ratio)",
    },
    {
        "code": "order_class_share",
        "label_en": "Order-class enrolment share",
        "label_zh": "订单培养学生占比",
        "formula": "Σ order_class_students / Σ students_enrolled",
        "numerator": "Students in order (订单) classes",
        "denominator": "Students enrolled in the major",
        "exclusions": "None",
        "unit": "proportion (0-1)",
        "timing": "Academic year",
        "source": "fanyingfuhgjx.com/zlglc/info/1154/1529 ('订单培养学生占比(%)')",
        "source_quality": "verified_secondary",
        "table": "programmes",
        "function": "order_class_share",
        "interval": "Wilson score (binomial approximation)",
    },
    {
        "code": "three_party_evaluation",
        "label_en": "Three-party evaluation (school, enterprise, industry)",
        "label_zh": "学校+企业+行业三方评价",
        "formula": "Per-party mean of graduate scores; composite = Σ w_p · mean_p / Σ w_p; "
                   "agreement = ICC over graduates × parties; Cronbach's alpha with parties "
                   "as items",
        "numerator": "—",
        "denominator": "Graduates scored by every party (complete cases for ICC and alpha)",
        "exclusions": "Graduates missing a party are left out of ICC and alpha (n_unknown)",
        "unit": "score 0-100; ICC and alpha coefficients",
        "timing": "At graduation or the first year of work",
        "source": "Research definition; ICC forms after Shrout & Fleiss (1979) and McGraw & "
                  "Wong (1996) via pingouin.intraclass_corr",
        "source_quality": "research_definition",
        "table": "evaluations",
        "function": "three_party_evaluation",
        "interval": "Means: t interval over graduates; composite: delta method over the "
                    "per-graduate weighted scores; ICC: F-based interval (pingouin)",
    },
]

_A = "research notes §b1 (../shared/research/indicators.md)"
#: Published calibration figures (value as a proportion). Only figures with a named source,
#: nothing marked UNVERIFIED, and nothing the notes flag as not for calibration.
ANCHORS: list[dict] = [
    # MyCOS national 高职高专 figures, six months after graduation.
    *[{"indicator": "employment_rate", "value": v, "year": y,
       "population": "China, higher vocational (高职高专) graduates, national sample",
       "source": s, "source_quality": "S", "note": _A}
      for y, v, s in [
          (2007, 0.841, "MyCOS via edu.sina.com.cn 2010-06-02"),
          (2008, 0.835, "MyCOS via edu.sina.com.cn 2010-06-02"),
          (2009, 0.852, "MyCOS via edu.sina.com.cn 2010-06-02"),
          (2013, 0.909, "MyCOS via handmsg.com 2017/0304 (史洪波 2017)"),
          (2014, 0.915, "MyCOS 2019 blue book via zhwsqm.tw (多知网 2019-06-10)"),
          (2016, 0.915, "MyCOS 2020 report via tengyi66.com"),
          (2017, 0.921, "MyCOS via tengyi66.com; jizihe.com 2019/0717"),
          (2018, 0.920, "MyCOS 2019 blue book via zhwsqm.tw; 00-edu.com"),
      ]],
    *[{"indicator": "counterpart_employment_rate", "value": v, "year": y,
       "population": "China, higher vocational graduates employed full time, national sample",
       "source": s, "source_quality": "S", "note": _A}
      for y, v, s in [
          (2011, 0.60, "MyCOS via hjenglish.com/gaokaozhiyuan/p402936"),
          (2018, 0.62, "MyCOS via 中新网 2019-06-10 (zc8013.com)"),
      ]],
    *[{"indicator": "turnover_6_months", "value": v, "year": y,
       "population": "China, higher vocational graduates, national sample",
       "source": s, "source_quality": "S", "note": _A}
      for y, v, s in [
          (2013, 0.43, "MyCOS via handmsg.com 2017/0304 (史洪波 2017)"),
          (2015, 0.43, "MyCOS via 新华网 2017-02-03 (0v2773b.cn)"),
          (2017, 0.42, "MyCOS 2018 blue book via jizihe.com 2019/0717 (高法文)"),
          (2018, 0.42, "MyCOS via 中新网 2019-11-14 (jiangsulong.com / paituo.cc)"),
      ]],
    *[{"indicator": "job_satisfaction_rate", "value": v, "year": y,
       "population": "China, 专科 graduates, 智联招聘 sample (not MyCOS; different sample)",
       "source": "中国青年报 2023-04-03 via mofangge.com", "source_quality": "S", "note": _A}
      for y, v in [(2016, 0.63), (2021, 0.72)]],
    *[{"indicator": "destination_rate", "value": v, "year": 2022,
       "population": f"China, higher vocational graduates, {region}",
       "source": "MyCOS 2023 高职 report via renrendoc 338022019", "source_quality": "L-S",
       "note": _A}
      for region, v in [("Yangtze River Delta", 0.914), ("Pearl River Delta", 0.899)]],
    {"indicator": "counterpart_employment_rate", "value": 0.797, "year": 2021,
     "population": "Guangzhou secondary vocational (中职) graduates; 对口就业率 over the employed "
                   "(denominator='all_employed' variant; different level of education)",
     "source": "Guangzhou 中职 quality report 2021学年 via zssbjy.com", "source_quality": "S",
     "note": "research notes §b2"},
    {"indicator": "enterprise_satisfaction_share", "value": 0.979, "year": 2021,
     "population": "Guangzhou secondary vocational (中职) employers",
     "source": "Guangzhou 中职 quality report 2021学年 via zssbjy.com", "source_quality": "S",
     "note": "research notes §b2"},
    # International analogues (different definitions; stated in `population`).
    *[{"indicator": "enterprise_satisfaction_share", "value": v, "year": y,
       "population": "Australia, employers with jobs requiring vocational qualifications "
                     "(NCVER SEUV: satisfied qualifications give the skills needed)",
       "source": s, "source_quality": "P", "note": "research notes §b3"}
      for y, v, s in [(2019, 0.721, "ncver.edu.au SEUV 2019 publication page"),
                      (2017, 0.754, "voced.edu.au ngv:77986; NCVER release 2017-10-26")]],
    *[{"indicator": "employment_rate", "value": v, "year": y,
       "population": f"EU-27, recent graduates aged 20-34, {pop} (Eurostat tps00053; ILO "
                     "employment, 1-3 years after completion)",
       "source": "Eurostat Statistics Explained, 'Employment rates of recent graduates'",
       "source_quality": "P", "note": "research notes §b3"}
      for y, v, pop in [(2022, 0.824, "all ISCED 3-8"), (2023, 0.835, "all ISCED 3-8"),
                        (2024, 0.823, "all ISCED 3-8"), (2022, 0.797, "medium vocational"),
                        (2024, 0.800, "medium vocational")]],
    {"indicator": "employment_rate", "value": 0.795, "year": 2023,
     "population": "Australia, VET graduates employed after training (NCVER NSOS)",
     "source": "ncver.edu.au media release 'VET graduates in demand' (2023)",
     "source_quality": "P", "note": "research notes §b3"},
]


def codebook() -> pd.DataFrame:
    """The indicator definitions as a DataFrame, one row per indicator.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, label_en, label_zh, formula, numerator, denominator, exclusions, unit,
        timing, source, source_quality, table, function, interval``.

    Examples
    --------
    >>> from talentlab.data.codebook import codebook
    >>> cb = codebook()
    >>> cb.set_index("code").loc["turnover_6_months", "label_zh"]
    '半年内离职率'
    """
    return pd.DataFrame(INDICATORS, columns=CODEBOOK_COLUMNS).astype("string")


def label(code: str) -> tuple[str, str]:
    """English and Chinese label of an indicator code (``ValueError`` for an unknown code)."""
    for row in INDICATORS:
        if row["code"] == code:
            return row["label_en"], row["label_zh"]
    raise ValueError(f"unknown indicator code {code!r}; known: {[r['code'] for r in INDICATORS]}")


def calibration_anchors() -> pd.DataFrame:
    """Published figures to draw as reference lines, with their sources and quality flags.

    Only figures whose source is named in the research notes; nothing marked UNVERIFIED and
    nothing flagged low-reliability-only. ``source_quality``: ``P`` primary/official page,
    ``S`` secondary page quoting the named report, ``L-S`` low-reliability page quoting it.
    Values are proportions (0-1), comparable with the ``estimate`` of the indicator functions.

    Examples
    --------
    >>> from talentlab.data.codebook import calibration_anchors
    >>> a = calibration_anchors()
    >>> float(a.query("indicator == 'turnover_6_months' and year == 2018")["value"].iloc[0])
    0.42
    """
    df = pd.DataFrame(ANCHORS, columns=["indicator", "value", "year", "population", "source",
                                        "source_quality", "note"])
    df["year"] = df["year"].astype("Int64")
    df["value"] = df["value"].astype("float64")
    for col in ["indicator", "population", "source", "source_quality", "note"]:
        df[col] = df[col].astype("string")
    return df.sort_values(["indicator", "year"], kind="stable").reset_index(drop=True)


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_codebook_markdown() -> str:
    """Render the codebook and the calibration anchors as Markdown.

    The text is the "Indicators" section of ``data/raw/README.md``, which ``make codebook``
    (``talentlab codebook``) writes through :func:`talentlab.report.docs.render_readme`.

    Examples
    --------
    >>> from talentlab.data.codebook import render_codebook_markdown
    >>> render_codebook_markdown().splitlines()[0]
    '# talentlab indicator codebook'
    """
    lines = [
        "# talentlab indicator codebook",
        "",
        "Generated by `talentlab.data.codebook.render_codebook_markdown()` from the definitions in "
        "`talentlab/data/codebook.py`; do not edit by hand.",
        "",
        "Every indicator function returns one row per group with `numerator`, `denominator`, "
        "`estimate`, `se`, `ci_low`, `ci_high`, `n` (size of the base), `n_excluded` (records "
        "of the group the definition leaves out), `n_unknown` (records with a missing or "
        "unknown answer; how they were treated is stated in `method`), `method` and "
        "`suppressed` (n below the disclosure threshold `min_cell`, default "
        f"{MIN_CELL}).",
        "",
        "Source-quality flags: `verified`, `verified_secondary` (secondary reprint quoting the "
        "named report), `partly_verified`, `research_definition` (no official definition; "
        "talentlab's documented choice).",
        "",
    ]
    for row in INDICATORS:
        lines += [
            f"## `{row['code']}` — {row['label_en']} / {row['label_zh']}",
            "",
            "| Field | Definition |",
            "|---|---|",
        ]
        for key in ["formula", "numerator", "denominator", "exclusions", "unit", "timing",
                    "interval", "source", "source_quality", "table", "function"]:
            value = row[key]
            if key == "function":
                value = f"`talentlab.indicators.{value}()`"
            lines.append(f"| {key.replace('_', ' ')} | {_md_cell(value)} |")
        lines.append("")
    lines += [
        "## Calibration anchors (published figures)",
        "",
        "Quality: P = primary/official page; S = secondary page quoting the named report; "
        "L-S = low-reliability page quoting it. Values are proportions.",
        "",
        "| indicator | year | value | population | source | quality |",
        "|---|---|---|---|---|---|",
    ]
    for r in calibration_anchors().itertuples(index=False):
        lines.append(f"| `{r.indicator}` | {r.year} | {r.value:.3f} | {_md_cell(r.population)} "
                     f"| {_md_cell(r.source)} | {r.source_quality} |")
    lines.append("")
    return "\n".join(lines)
