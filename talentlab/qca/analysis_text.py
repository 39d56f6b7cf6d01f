"""The methods paragraph and diagnostics sentences of :func:`talentlab.qca.analyse`, in English
and Chinese: every choice of the analysis stated (``methods.md`` of ``talentlab qca``).

:meth:`talentlab.qca.QCAResult.methods` calls :func:`methods_paragraph`;
:mod:`talentlab.qca.analysis` re-exports both public functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from talentlab.qca.analysis_settings import ROBUSTNESS_ANCHOR_STEP, ROBUSTNESS_INCL_STEP
from talentlab.qca.expressions import QCAError, split_outcome

if TYPE_CHECKING:  # the result types are defined in talentlab.qca.analysis, which imports this
    from talentlab.qca.analysis import QCADiagnostics, QCAResult, QCARobustness

__all__ = ["diagnostics_sentences", "methods_paragraph"]


def _f(v, digits: int = 2) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def _directional_text(directional, lang: str) -> str:
    if directional is None:
        return "none" if lang == "en" else "无"
    if isinstance(directional, Mapping):
        words = {1: ("present", "存在"), 0: ("absent", "缺失")}
        parts = []
        for k, v in directional.items():
            if v in ("-", None, ""):
                parts.append(f"{k}: {'no expectation' if lang == 'en' else '无预期'}")
            else:
                w = words.get(int(v), (f"level {v}", f"取值 {v}"))
                parts.append(f"{k}: {w[0] if lang == 'en' else w[1]}")
        return "; ".join(parts) if lang == "en" else "；".join(parts)
    items = [directional] if isinstance(directional, str) else list(directional)
    return ", ".join(str(i) for i in items)


def _bound(row, side: str) -> str:
    """One end of a range as text; a missing bound states how far the grid went."""
    v = row[side]
    if isinstance(v, float) and math.isnan(v):
        sign = -1 if side == "lower" else 1
        reach = row["value"] + sign * row["max_runs"] * row["step"]
        return f"{'<' if side == 'lower' else '>'} {reach:.4g}"
    return f"{v:.4g}"


def _robustness_text(rob: QCARobustness, lang: str) -> str:
    """The methods sentences of the robustness checks, every range stated."""
    names = {"incl_cut": ("consistency cut-off", "一致性阈值"),
             "n_cut": ("frequency cut-off", "频数阈值"),
             "exclusion": ("full-exclusion anchor", "完全不隶属锚点"),
             "crossover": ("crossover", "交叉点"), "inclusion": ("full-inclusion anchor",
                                                              "完全隶属锚点")}
    en = lang == "en"
    parts = []
    for _, row in rob.ranges.iterrows():
        label = names[row["parameter"]][0 if en else 1]
        label = f"{row['set']} {label}" if row["set"] else label
        parts.append(f"{label} {row['value']:.4g}{': ' if en else '：'}{_bound(row, 'lower')}–"
                     f"{_bound(row, 'upper')}")
    kind = rob.solution if en else {"intermediate": "中间解", "parsimonious": "简约解"}[rob.solution]
    used = rob.tests.loc[rob.tests["model"] != "", "change"].tolist()
    skipped = rob.tests.loc[rob.tests["model"] == "", "change"].tolist()
    if en:
        text = (f"Robustness (Oana & Schneider 2024; SetMethods 4.0 conventions): the first model "
                f"of the {kind} solution stays the same within these ranges (steps "
                f"{ROBUSTNESS_INCL_STEP:g} for the consistency cut-off, 1 for the frequency "
                f"cut-off, {ROBUSTNESS_ANCHOR_STEP:g} × |i − e| for calibration anchors, at most "
                f"{int(rob.ranges['max_runs'].max())} steps each way; '<'/'>' means no change "
                f"within the grid): {'; '.join(parts)}.")
        if rob.fit is not None:
            f = rob.fit.iloc[0]
            text += (f" Against a test set of {len(used)} alternative analyses "
                     f"({', '.join(used)}), RF_cov = {_f(f['RF_cov'])}, RF_cons = "
                     f"{_f(f['RF_cons'])}, RF_SC_minTS = {_f(f['RF_SC_minTS'])}, RF_SC_maxTS = "
                     f"{_f(f['RF_SC_maxTS'])}; robust case ratios RCR_typ = {_f(f['RCR_typ'])}, "
                     f"RCR_dev = {_f(f['RCR_dev'])}, RCC_Rank = {int(f['RCC_Rank'])} (1: no "
                     "shaky and no possible cases).")
        if skipped:
            text += f" Without a solution, so not in the test set: {', '.join(skipped)}."
        return text
    text = (f"稳健性检验（Oana & Schneider 2024；采用 SetMethods 4.0 的规则）：{kind}的第一个模型在以下范围内保持不变"
            f"（一致性阈值步长 {ROBUSTNESS_INCL_STEP:g}，频数阈值步长 1，校准锚点步长为 "
            f"{ROBUSTNESS_ANCHOR_STEP:g} × |i − e|，每个方向最多 {int(rob.ranges['max_runs'].max())} 步；"
            f"“<”“>”表示在搜索范围内未发生变化）：{'；'.join(parts)}。")
    if rob.fit is not None:
        f = rob.fit.iloc[0]
        text += (f"以 {len(used)} 个替代分析（{'、'.join(used)}）为检验集，稳健性拟合 RF_cov = "
                 f"{_f(f['RF_cov'])}，RF_cons = {_f(f['RF_cons'])}，RF_SC_minTS = "
                 f"{_f(f['RF_SC_minTS'])}，RF_SC_maxTS = {_f(f['RF_SC_maxTS'])}；稳健案例比 RCR_typ = "
                 f"{_f(f['RCR_typ'])}，RCR_dev = {_f(f['RCR_dev'])}，RCC_Rank = {int(f['RCC_Rank'])}"
                 "（1 表示没有不稳定案例和可能案例）。")
    if skipped:
        text += f"以下替代分析没有解，未纳入检验集：{'、'.join(skipped)}。"
    return text


def _rows_text(table: pd.DataFrame, lang: str) -> str:
    rows = [str(int(r)) for r in table.index]
    if lang == "en":
        return f"rows {', '.join(rows)}" if rows else "none"
    return f"第 {'、'.join(rows)} 行" if rows else "无"


def _smmr_text(d: QCADiagnostics, lang: str) -> str:
    table = d.smmr
    typical = table[table["type"] == "typical"]
    deviant = table[table["type"] == "deviant_consistency"]
    best = typical[typical["most"].astype(bool)].drop_duplicates("term")
    named = [f"{r.case} ({r.term})" for r in best.itertuples()]
    worst = deviant[deviant["most"].astype(bool)].drop_duplicates("term")
    dev_named = [f"{r.case} ({r.term})" for r in worst.itertuples()]
    if lang == "en":
        text = (f"Case selection (Schneider & Rohlfing 2013; SetMethods 4.0 smmr, smmr.csv): "
                f"{len(typical)} typical and {len(deviant)} deviant consistency case(s) across "
                f"the {len(d.model)} term(s) of the model")
        if named:
            text += f"; most typical per term: {', '.join(named)}"
        if dev_named:
            text += f"; most deviant per term: {', '.join(dev_named)}"
        return text + "."
    text = (f"案例选择（Schneider & Rohlfing 2013；SetMethods 4.0 smmr，见 smmr.csv）：模型 "
            f"{len(d.model)} 个组态项共有典型案例 {len(typical)} 个、一致性偏离案例 {len(deviant)} 个")
    if named:
        text += f"；各项最典型案例：{'、'.join(named)}"
    if dev_named:
        text += f"；各项最偏离案例：{'、'.join(dev_named)}"
    return text + "。"


def diagnostics_sentences(result: QCAResult, lang: str = "en") -> list[str]:
    """One sentence per diagnostic of ``result.diagnostics`` that ran (or why it did not).

    Parameters
    ----------
    result : QCAResult
        From :func:`~talentlab.qca.analyse`.
    lang : {"en", "zh"}

    Returns
    -------
    list of str
        Empty when the analysis has no diagnostics (no solution).

    Examples
    --------
    >>> from talentlab.qca import analyse
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0, 1], "B": [1, 0, 1, 0, 1], "Y": [1, 1, 0, 0, 1]})
    >>> res = analyse(d, "Y", "A,B", incl_cut=1, robustness=False)
    >>> diagnostics_sentences(res)[0]
    'Contradictory simplifying assumptions (remainders used for both Y and its negation; Yamasaki & Rihoux 2009; R QCA findRows type 2, csa.csv): none.'
    """
    d = result.diagnostics
    if d is None:
        return []
    en = lang == "en"
    kind = d.solution if en else {"intermediate": "中间解", "parsimonious": "简约解"}[d.solution]
    out = []
    if d.csa is not None:
        out.append(f"Contradictory simplifying assumptions (remainders used for both "
                   f"{result.outcome} and its negation; Yamasaki & Rihoux 2009; R QCA findRows "
                   f"type 2, csa.csv): {_rows_text(d.csa, lang)}." if en else
                   f"矛盾简化假设（同时用于结果 {result.outcome} 及其否定的逻辑余项；Yamasaki & Rihoux "
                   f"2009；R QCA findRows 第 2 类，见 csa.csv）：{_rows_text(d.csa, lang)}。"
                   if len(d.csa) else "矛盾简化假设（Yamasaki & Rihoux 2009；R QCA findRows 第 2 "
                   "类，见 csa.csv）：无。")
    else:
        out.append(f"Contradictory simplifying assumptions could not be determined: "
                   f"{d.problems['csa']}." if en else
                   f"未能确定矛盾简化假设：{d.problems['csa']}。")
    if d.ssr is not None:
        out.append(f"Simultaneous subset relations (observed rows sufficient for both "
                   f"{result.outcome} and its negation; R QCA findRows type 3, ssr.csv): "
                   f"{_rows_text(d.ssr, lang)}." if en else
                   "同时子集关系（对结果及其否定都充分的观察组态；R QCA findRows 第 3 类，见 ssr.csv）："
                   + f"{_rows_text(d.ssr, lang)}。")
    else:
        out.append(f"Simultaneous subset relations could not be determined: {d.problems['ssr']}."
                   if en else f"未能确定同时子集关系：{d.problems['ssr']}。")
    out.append(_smmr_text(d, lang))
    f = d.xy.fit
    out.append(f"The XY plot (xy_solution.png) shows model M1 of the {kind} solution, "
               f"{d.expression}, against {result.outcome}: consistency {_f(f['inclS'], 3)}, "
               f"coverage {_f(f['covS'], 3)}, PRI {_f(f['PRI'], 3)}." if en else
               f"XY 图（xy_solution.png）展示{kind}的模型 M1（{d.expression}）与结果 "
               f"{result.outcome} 的关系：一致性 {_f(f['inclS'], 3)}，覆盖度 {_f(f['covS'], 3)}，"
               f"PRI {_f(f['PRI'], 3)}。")
    if d.theory is not None:
        fit = d.theory.fit
        cells = d.theory.intersections
        hits = {(r.intersection, r.outcome): r.n for r in cells.itertuples()}
        ts = fit.loc["T*S"]
        if en:
            out.append(
                f"Theory evaluation (Ragin 1987; Schneider & Wagemann 2012, 11.3; SetMethods "
                f"theory.evaluation) of T = {d.theory.theory} against the model: T*S "
                f"consistency {_f(ts['inclS'], 3)}, coverage {_f(ts['covS'], 3)}; cases with "
                f"{result.outcome} > 0.5 in T*S {hits[('T*S', 'Y > 0.5')]}, ~T*S "
                f"{hits[('~T*S', 'Y > 0.5')]}, T*~S {hits[('T*~S', 'Y > 0.5')]} "
                f"(theory_fit.csv, theory_cases.csv).")
        else:
            out.append(
                f"理论评估（Ragin 1987；Schneider & Wagemann 2012 第 11.3 节；SetMethods "
                f"theory.evaluation）：理论 T = {d.theory.theory} 与模型的交集 T*S 一致性 "
                f"{_f(ts['inclS'], 3)}、覆盖度 {_f(ts['covS'], 3)}；结果隶属度大于 0.5 的案例中，T*S "
                f"{hits[('T*S', 'Y > 0.5')]} 个，~T*S {hits[('~T*S', 'Y > 0.5')]} 个，T*~S "
                f"{hits[('T*~S', 'Y > 0.5')]} 个（见 theory_fit.csv、theory_cases.csv）。")
    elif "theory" in d.problems:
        out.append(f"The theory evaluation was not run: {d.problems['theory']}." if en else
                   f"未进行理论评估：{d.problems['theory']}。")
    if d.cluster is not None:
        o = result.options
        fit = d.cluster.fit[d.cluster.fit["set"] == d.cluster.distances["set"].iloc[-1]]
        pooled = fit.loc[fit["level"] == "pooled", "consistency"].iloc[0]
        between = fit.loc[fit["level"] == "between", "consistency"]
        dist = d.cluster.distances.iloc[-1]
        n_units = int((fit["level"] == "within").sum())
        if en:
            out.append(
                f"Cluster diagnostics (García-Castro & Arino 2016; SetMethods cluster, "
                f"cluster.csv) of the model over {len(between)} clusters ({o['cluster']}) and "
                f"{n_units} units ({o['unit']}): pooled consistency {_f(pooled, 3)}, between "
                f"clusters {_f(between.min(), 3)}–{_f(between.max(), 3)}, distances dBP = "
                f"{_f(dist['dBP'], 3)} and dWP = {_f(dist['dWP'], 3)}.")
        else:
            out.append(
                f"聚类诊断（García-Castro & Arino 2016；SetMethods cluster，见 cluster.csv）：模型在 "
                f"{len(between)} 个聚类（{o['cluster']}）与 {n_units} 个单位（{o['unit']}）上，"
                f"合并一致性 {_f(pooled, 3)}，聚类间一致性 {_f(between.min(), 3)}–"
                f"{_f(between.max(), 3)}，距离 dBP = {_f(dist['dBP'], 3)}、dWP = "
                f"{_f(dist['dWP'], 3)}。")
    if d.esa_exclusions is not None:
        o = result.options
        reasons = [f"necessary {e}" for e in o["necessary"]] + \
                  [f"untenable {e}" for e in o["untenable"]]
        if o["esa_csa"]:
            reasons.append("the contradictory simplifying assumptions")
        names = {"parsimonious": ("parsimonious", "简约解"),
                 "intermediate": ("intermediate", "中间解")}
        found = [f"{names[k][0 if en else 1]} {' | '.join(v.expressions)}"
                 for k, v in d.esa.items()]
        failed = [f"{names[k.split(' ', 1)[1]][0 if en else 1]}: {why}"
                  for k, why in d.problems.items() if k.startswith("esa ")]
        if en:
            text = (f"Enhanced standard analysis (Schneider & Wagemann 2013; SetMethods esa, "
                    f"esa_solutions.csv, esa_exclusions.csv): {len(d.esa_exclusions)} "
                    f"truth-table row(s) kept out of the minimisation ({'; '.join(reasons)})")
            text += f"; enhanced solutions: {'; '.join(found)}" if found else ""
            text += f"; not found: {'; '.join(failed)}" if failed else ""
            out.append(text + ".")
        else:
            reasons_zh = [f"必要条件 {e}" for e in o["necessary"]] + \
                         [f"站不住的假设 {e}" for e in o["untenable"]] + \
                         (["矛盾简化假设"] if o["esa_csa"] else [])
            text = (f"增强标准分析（Schneider & Wagemann 2013；SetMethods esa，见 esa_solutions.csv、"
                    f"esa_exclusions.csv）：{len(d.esa_exclusions)} 个真值表行不参与最小化"
                    f"（{'；'.join(reasons_zh)}）")
            text += f"；增强后的解：{'；'.join(found)}" if found else ""
            text += f"；未能求出：{'；'.join(failed)}" if failed else ""
            out.append(text + "。")
    return out


def methods_paragraph(result: QCAResult, lang: str = "en") -> str:
    """The methods section of a QCA analysis, every choice stated (English or Chinese).

    What ``result.methods(lang)`` returns and ``talentlab qca`` writes to ``methods.md``.

    Parameters
    ----------
    result : QCAResult
        From :func:`~talentlab.qca.analyse`.
    lang : {"en", "zh"}

    Returns
    -------
    str

    Examples
    --------
    >>> from talentlab.qca import analyse
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0, 1], "B": [1, 0, 1, 0, 1], "Y": [1, 1, 0, 0, 1]})
    >>> text = methods_paragraph(analyse(d, "Y", "A,B", incl_cut=1, robustness=False))
    >>> text[:80]
    'We analysed 5 cases (DataFrame) with fuzzy-set Qualitative Comparative Analysis '
    """
    if lang not in ("en", "zh"):
        raise QCAError(f"lang must be 'en' or 'zh', not {lang!r}")
    r, o = result, result.options
    tt = r.truth_table
    rows = tt.all_rows
    observed = int((rows["OUT"] != "?").sum())
    total = len(rows)
    positive = int((rows["OUT"] == "1").sum())
    necessary = r.necessity.index[r.necessity["necessary"]].tolist()
    cal_en = "; ".join(f"{k}: {v}" for k, v in r.calibration.items())
    given = [c for c in r.conditions + [split_outcome(r.outcome)[0]] if c not in r.calibration]
    conf_from = o["configurations_from"]
    n_models = {k: len(v.solutions) for k, v in r.solutions.items()}
    nca_rows = r.nca.summary.loc[r.nca.summary["ceiling"] == "ce_fdh"]
    nca_en = "; ".join(f"{c} d = {_f(d)}" for c, d in zip(nca_rows["condition"],
                                                           nca_rows["effect_size"], strict=True))
    if lang == "en":
        text = [
            f"We analysed {len(r.data)} cases ({r.source}) with fuzzy-set Qualitative "
            f"Comparative Analysis (Ragin 2008) and Necessary Condition Analysis (Dul 2016), "
            f"using talentlab, which follows the conventions of the R package QCA 3.25.1 "
            f"(Dusa 2019) and NCA 5.0.1. The outcome is {r.outcome}; the conditions are "
            f"{', '.join(r.conditions)}.",
            ("Calibration: direct method with the logistic function (Ragin 2008, ch. 5; "
             "inclusion degree 0.95 at the anchors), anchors full exclusion, crossover and "
             f"full inclusion (e, c, i) as stated: {cal_en}. "
             if r.calibration else "No set was calibrated here. ")
            + (f"Used as given (memberships in [0, 1] or crisp levels): {', '.join(given)}."
               if given else ""),
            f"Necessity: each condition and its negation was tested (inclusion, relevance and "
            f"coverage of necessity; Schneider & Wagemann 2012); a condition counts as necessary "
            f"when its inclusion reaches {o['necessity_cut']:g}: "
            f"{', '.join(necessary) if necessary else 'none did'}.",
            f"Truth table: {total} configurations, {observed} with at least {o['n_cut']} "
            f"case(s) (frequency cut-off {o['n_cut']}); a configuration is sufficient (OUT = 1) "
            f"when its consistency reaches {o['incl_cut']:g} and its PRI {o['pri_cut']:g}; "
            f"{positive} configuration(s) are; the {total - observed} others are logical "
            "remainders. Cases with a membership of exactly 0.5 belong to no configuration.",
            f"Minimisation: exact (all equally minimal models listed) for the conservative "
            f"solution (remainders excluded; {n_models.get('conservative', 0)} model(s)), the "
            f"parsimonious solution (all remainders as simplifying assumptions; "
            f"{n_models.get('parsimonious', 0)} model(s)) and the intermediate solution (easy "
            f"counterfactuals only, directional expectations: "
            f"{_directional_text(o['directional'], 'en')}; "
            f"{n_models.get('intermediate', 0)} model(s)).",
        ]
        if conf_from:
            text.append(
                f"The configuration table shows model M1 of the {conf_from} solution"
                + (" (branch C1P1)" if conf_from == "intermediate" else "")
                + ": core conditions are those of the parsimonious solution, peripheral ones "
                "appear only in the intermediate solution (Ragin & Fiss 2008; Fiss 2011).")
        for name, why in r.problems.items():
            if name == "robustness":
                text.append(f"The robustness checks were not run: {why}.")
            else:
                text.append(f"The {name} solution was not computed: {why}.")
        if r.robustness is not None:
            text.append(_robustness_text(r.robustness, "en"))
        text += diagnostics_sentences(r, "en")
        text.append(
            f"NCA: CE-FDH and CR-FDH ceilings on the calibrated memberships, scope "
            f"{'the observed range of the data (R NCA default)' if o['nca_scope'] != 'theoretical' else 'the theoretical [0, 1]'}"
            + (f", approximate permutation test with {o['nca_permutations']} permutations "
               f"(seed {o['nca_seed']})" if o["nca_permutations"] else ", no significance test")
            + f"; CE-FDH effect sizes: {nca_en}.")
        return " ".join(text)
    cal_zh = "；".join(f"{k}：{v}" for k, v in r.calibration.items())
    text = [
        f"本研究采用模糊集定性比较分析（fsQCA；Ragin 2008）与必要条件分析（NCA；Dul 2016）对 "
        f"{len(r.data)} 个案例（{r.source}）进行分析，计算工具为 talentlab，遵循 R 软件包 QCA 3.25.1 "
        f"（Dusa 2019）与 NCA 5.0.1 的约定。结果变量为 {r.outcome}，条件变量为 {'、'.join(r.conditions)}。",
        (f"校准：采用直接校准法（逻辑函数，Ragin 2008 第 5 章；锚点处隶属度 0.95），完全不隶属、交叉点与"
         f"完全隶属三个锚点（e、c、i）如下：{cal_zh}。" if r.calibration else "本次未进行校准。")
        + (f"按原值使用（[0, 1] 内的隶属度或清晰集取值）：{'、'.join(given)}。" if given else ""),
        f"必要性分析：检验每个条件及其否定（必要性一致性、必要性相关度 RoN 与覆盖度；Schneider & "
        f"Wagemann 2012），一致性达到 {o['necessity_cut']:g} 视为必要条件："
        f"{'、'.join(necessary) if necessary else '无'}。",
        f"真值表：共 {total} 个组态，其中 {observed} 个至少包含 {o['n_cut']} 个案例（频数阈值 "
        f"{o['n_cut']}）；一致性不低于 {o['incl_cut']:g} 且 PRI 不低于 {o['pri_cut']:g} 的组态记为充分"
        f"（OUT = 1），共 {positive} 个；其余 {total - observed} 个为逻辑余项。隶属度恰为 0.5 的案例不归入任何组态。",
        f"最小化：精确求解并列出全部同等最简模型，包括复杂解（排除逻辑余项；"
        f"{n_models.get('conservative', 0)} 个模型）、简约解（全部逻辑余项作为简化假设；"
        f"{n_models.get('parsimonious', 0)} 个模型）与中间解（仅用简单反事实，方向性预期："
        f"{_directional_text(o['directional'], 'zh')}；{n_models.get('intermediate', 0)} 个模型）。",
    ]
    if conf_from:
        which = "中间解" if conf_from == "intermediate" else "简约解"
        text.append(f"组态表展示{which}的模型 M1"
                    + ("（分支 C1P1）" if conf_from == "intermediate" else "")
                    + "：核心条件为同时出现在简约解中的条件，边缘条件仅出现在中间解中"
                    "（Ragin & Fiss 2008；Fiss 2011）。")
    zh_names = {"conservative": "复杂解", "parsimonious": "简约解", "intermediate": "中间解"}
    for name, why in r.problems.items():
        if name == "robustness":
            text.append(f"未进行稳健性检验：{why}。")
        else:
            text.append(f"{zh_names[name]}未能求出：{why}。")
    if r.robustness is not None:
        text.append(_robustness_text(r.robustness, "zh"))
    text += diagnostics_sentences(r, "zh")
    nca_zh = "；".join(f"{c} d = {_f(d)}" for c, d in zip(nca_rows["condition"],
                                                          nca_rows["effect_size"], strict=True))
    text.append(
        "NCA：在校准后的隶属度上估计 CE-FDH 与 CR-FDH 上限线，范围取"
        + ("数据的观测范围（R NCA 默认）" if o["nca_scope"] != "theoretical" else "理论范围 [0, 1]")
        + (f"，近似置换检验 {o['nca_permutations']} 次（随机种子 {o['nca_seed']}）"
           if o["nca_permutations"] else "，未做显著性检验")
        + f"；CE-FDH 效应量：{nca_zh}。")
    return "".join(text)
