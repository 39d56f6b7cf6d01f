"""One look for every figure, Chinese labels that render anywhere, and byte-stable files.

:func:`setup` registers a freely licensed CJK font shipped on PyPI (Noto Sans CJK SC, SIL Open Font
Licence, from the ``mplfonts`` wheel) with matplotlib, so 专业对口率 renders on a fresh machine with no
system fonts, and sets one seaborn theme. :func:`savefig` writes PNG/SVG/PDF without dates or version
strings and with a fixed SVG hash salt, so two runs give the same bytes.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import matplotlib

matplotlib.use(os.environ.get("MPLBACKEND", "Agg"))

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from talentlab.data.codebook import label as codebook_label  # noqa: E402

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FAMILY = "Noto Sans CJK SC"
FONT_FAMILY = ["DejaVu Sans", CJK_FAMILY]
SYNTHETIC_MARK = "SYNTHETIC DATA · 合成数据"

#: Bilingual labels of things users see in figures.
LABELS = {
    "cohort": {"en": "Graduation cohort", "zh": "毕业届别"},
    "estimate": {"en": "Estimate", "zh": "估计值"},
    "share": {"en": "Share", "zh": "比例"},
    "count": {"en": "Count", "zh": "人数"},
    "months": {"en": "Months", "zh": "月"},
    "treated": {"en": "Reformed majors", "zh": "改革专业"},
    "comparison": {"en": "Comparison majors", "zh": "对照专业"},
    "pre": {"en": "before reform", "zh": "改革前"},
    "post": {"en": "after reform", "zh": "改革后"},
    "still_adapting": {"en": "Share still adapting", "zh": "尚未独立上岗比例"},
    "relative_cohort": {"en": "Cohorts relative to the reform", "zh": "相对改革届别"},
    "effect": {"en": "Effect (reformed − comparison)", "zh": "效应（改革专业−对照专业）"},
    "national_anchor": {"en": "National figure", "zh": "全国参照值"},
    "destination": {"en": "Destination", "zh": "毕业去向"},
    "major": {"en": "Major", "zh": "专业"},
    "membership": {"en": "Membership", "zh": "隶属度"},
    "condition": {"en": "Condition", "zh": "条件"},
    "case": {"en": "Case", "zh": "案例"},
    # values of the records shown on axes and in legends: the contract's names of the fields and
    # categories (talentlab/data/contract/datapackage.json, description_zh and aliases)
    "rating": {"en": "Rating", "zh": "评分"},
    "party": {"en": "Evaluating party", "zh": "评价主体"},
    "school": {"en": "School", "zh": "学校"},
    "enterprise": {"en": "Enterprise", "zh": "企业"},
    "industry": {"en": "Industry", "zh": "行业"},
    "practical_skill": {"en": "Practical skill", "zh": "实践技能"},
    "post_adaptability": {"en": "Post adaptability", "zh": "岗位适应能力"},
    "professional_quality": {"en": "Professional quality", "zh": "职业素养"},
    "problem_solving": {"en": "Problem solving", "zh": "解决问题能力"},
    "learning_ability": {"en": "Learning ability", "zh": "学习能力"},
    "innovation_ability": {"en": "Innovation ability", "zh": "创新能力"},
    "theory": {"en": "Theory", "zh": "理论知识"},
    # titles and axes of talentlab.report.figures
    "destinations_title": {"en": "Graduate destinations by cohort", "zh": "各届毕业生去向构成"},
    "ratings_title": {"en": "Employer ratings by item (1–5)", "zh": "用人单位评价各题项分布（1–5分）"},
    "score_0_100": {"en": "Score (0–100)", "zh": "得分（0–100）"},
    "evaluation_title": {"en": "Three-party evaluation scores", "zh": "学校、企业、行业三方评价得分"},
    "double_qualified_title": {"en": "Double-qualified teacher ratio", "zh": "双师型教师比例"},
    "co_developed_title": {"en": "Co-developed course share", "zh": "校企合作开发课程占比"},
    "academic_year": {"en": "Academic year", "zh": "学年"},
    "adaptation_title": {"en": "Post adaptation cycle", "zh": "岗位适应期"},
    # QCA figures (talentlab.report.figures_qca)
    "heatmap_title": {"en": 'Case × condition memberships coded from the paper', "zh": '案例 × 条件隶属度（依据论文文本编码）'},
    "heatmap_note": {"en": 'suffix: i = implied, n = not mentioned (coded 0), a = stated absent; none = stated present', "zh": '后缀：i 隐含，n 未提及（记为 0），a 明确不存在；无后缀为明确存在'},
    "outcomes": {"en": 'Outcomes', "zh": '结果'},
    "xy_title": {"en": 'XY plot: {x} and {y}', "zh": 'XY 图：{x} 与 {y}'},
    "robustness_title": {"en": 'Robustness: share of recodings in which each term appears', "zh": '稳健性：各解项在重新编码中出现的比例'},
    "share_runs": {"en": 'Share of successful runs', "zh": '成功运行中的比例'},
    "in_baseline": {"en": 'in baseline solution', "zh": '基准解中的项'},
    "not_in_baseline": {"en": 'only in recodings', "zh": '仅见于重新编码'},
    # configuration chart and NCA plot (talentlab.report.figures_configurational)
    'configuration chart: configuration': {"en": 'Configuration',
        "zh": '组态'},
    'configuration chart: condition': {"en": 'Condition',
        "zh": '条件'},
    'configuration chart: consistency': {"en": 'Consistency',
        "zh": '一致性'},
    'configuration chart: PRI': {"en": 'PRI',
        "zh": 'PRI'},
    'configuration chart: raw coverage': {"en": 'Raw coverage',
        "zh": '原始覆盖度'},
    'configuration chart: unique coverage': {"en": 'Unique coverage',
        "zh": '唯一覆盖度'},
    'configuration chart: cases': {"en": 'Cases',
        "zh": '案例'},
    'configuration chart: solution': {"en": 'Solution',
        "zh": '总体解'},
    'configuration chart: coverage': {"en": 'Coverage',
        "zh": '覆盖度'},
    'configuration chart: solution consistency': {"en": 'Solution consistency',
        "zh": '总体解一致性'},
    'configuration chart: solution PRI': {"en": 'Solution PRI',
        "zh": '总体解 PRI'},
    'configuration chart: solution coverage': {"en": 'Solution coverage',
        "zh": '总体解覆盖度'},
    'configuration chart: legend': {"en": "● core condition present · • peripheral condition present · ⨂ core condition absent · ⊗ peripheral condition absent · blank: don't care. Core conditions are part of the parsimonious and the intermediate solution, peripheral ones of the intermediate solution only (Ragin & Fiss 2008; Fiss 2011).",
        "zh": '● 核心条件存在 · • 边缘条件存在 · ⨂ 核心条件缺失 · ⊗ 边缘条件缺失 · 空白：无关紧要。核心条件同时出现在简约解与中间解中，边缘条件仅出现在中间解中（Ragin & Fiss 2008；Fiss 2011）。'},
    'configuration chart: title': {"en": 'Configurations for {outcome}',
        "zh": '{outcome} 的组态'},
    'configuration chart: synthetic': {"en": 'SYNTHETIC DATA',
        "zh": '合成数据'},
    'configuration chart: nca_title': {"en": 'NCA: {x} necessary for {y}?',
        "zh": '必要条件分析：{x} 是否为 {y} 的必要条件？'},
    'configuration chart: ce_fdh': {"en": 'CE-FDH ceiling',
        "zh": 'CE-FDH 上限线'},
    'configuration chart: cr_fdh': {"en": 'CR-FDH ceiling',
        "zh": 'CR-FDH 上限线'},
    'configuration chart: peers': {"en": 'peers (ceiling points)',
        "zh": '上限点（peers）'},
    'configuration chart: cases_label': {"en": 'cases',
        "zh": '案例'},
    'configuration chart: effect': {"en": 'd',
        "zh": '效应量 d'},
}

#: English and Chinese names of the QCA conditions, dimensions and outcomes (data/raw/CASES.md §2).
SET_LABELS: dict[str, tuple[str, str]] = {
    "concept": ("Cluster-oriented concept", "集群导向培养理念"),
    "interest_linkage": ("Interest linkage", "利益联结机制"),
    "collaborative_governance": ("Collaborative governance", "协同治理机制"),
    "demand_feedback": ("Demand feedback", "需求反馈机制"),
    "modular_curriculum": ("Modular curriculum", "模块化课程体系"),
    "dual_training": ("Dual training", "双元合作实训"),
    "customized_cultivation": ("Customised cultivation", "定制化培养"),
    "teacher_development": ("Teacher development", "双师型教师建设"),
    "three_party_evaluation": ("Three-party evaluation", "三方评价"),
    "policy_resource_guarantee": ("Policy & resources", "政策与资源保障"),
    "mechanism": ("Mechanism", "协同机制"),
    "model": ("Cultivation model", "培养模式"),
    "support": ("Support", "保障体系"),
    "talent_adaptability": ("Talent adaptability", "人才培养适应性"),
    "resource_integration": ("Resource integration", "校企资源整合"),
    "industrial_service": ("Industrial service", "产业服务能力"),
}


def label(key: str, lang: str = "en") -> str:
    """The label of ``key`` in English (``lang="en"``), Chinese (``"zh"``) or both (``"both"``).

    The one label lookup of every figure: the figure vocabulary (:data:`LABELS`), then the QCA
    set names (:data:`SET_LABELS`), then the indicator codes of the codebook
    (:func:`talentlab.data.codebook.label`, the data layer's source of truth); any other key is
    its own label.

    Examples
    --------
    >>> label("treated", "zh"), label("mechanism"), label("turnover_6_months", "zh")
    ('改革专业', 'Mechanism', '半年内离职率')
    >>> label("A*B", "both")
    'A*B / A*B'
    """
    if lang not in ("en", "zh", "both"):
        raise ValueError(f"lang must be 'en', 'zh' or 'both', not {lang!r}")
    entry = LABELS.get(key)
    if entry is None and key in SET_LABELS:
        entry = dict(zip(("en", "zh"), SET_LABELS[key], strict=True))
    if entry is None:
        try:
            en, zh = codebook_label(key)
        except ValueError:
            en = zh = key
        entry = {"en": en, "zh": zh}
    if lang == "both":
        return f"{entry['en']} / {entry['zh']}"
    return entry[lang]


def cjk_font_path() -> Path:
    """Path of the CJK font file shipped by the ``mplfonts`` wheel."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the CJK font package 'mplfonts' is not installed (run make setup)")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FONT_FILE
    if not path.exists():
        raise RuntimeError(f"CJK font file missing: {path}")
    return path


def setup(context: str = "notebook") -> None:
    """Register the CJK font, set the one seaborn theme, and make figure files deterministic.

    Examples
    --------
    >>> import talentlab.report.plotting as tp
    >>> tp.setup()
    >>> "Noto Sans CJK SC" in matplotlib.rcParams["font.family"]
    True
    """
    path = str(cjk_font_path())
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    # seaborn's set_theme resets fonts, so pass them again through rc
    rc = {
        "font.family": FONT_FAMILY,
        "axes.unicode_minus": False,  # the CJK font has no U+2212 minus
        "svg.hashsalt": "talentlab",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "figure.dpi": 100,
        "savefig.dpi": 120,
        "figure.figsize": (7.5, 4.5),
    }
    sns.set_theme(context=context, style="whitegrid", palette="colorblind", rc=rc)
    matplotlib.rcParams.update(rc)
    try:  # inline figures in notebooks: no software/version strings in the PNG either
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = "
                              "{'bbox_inches': 'tight', 'metadata': {'Software': None}}")
    except ImportError:
        pass


def _metadata(fmt: str) -> dict:
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    if fmt == "pdf":
        return {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}
    return {}


def savefig(fig: matplotlib.figure.Figure, path: str | os.PathLike, **kwargs) -> Path:
    """Save ``fig`` without dates or version strings, so the bytes depend only on the content."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower()
    kwargs.setdefault("bbox_inches", "tight")
    fig.savefig(path, metadata=_metadata(fmt), **kwargs)
    return path


def show(fig: matplotlib.figure.Figure, path: str | os.PathLike, alt: str | None = None,
         **kwargs) -> None:
    """Save ``fig`` with :func:`savefig` and show the saved PNG inline in the notebook.

    The notebook output carries the very bytes of the saved file (no dates, no version strings),
    so the executed notebook and its HTML stay byte-stable and show each figure beside the cell
    that drew it. The figure is closed afterwards; nothing is returned, so no path is echoed.
    Outside IPython it only saves.

    Examples
    --------
    >>> import tempfile, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(1, 1))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     show(fig, Path(d) / "f.png")
    ...     (Path(d) / "f.png").read_bytes()[:4]
    b'\x89PNG'
    """
    path = savefig(fig, path, **kwargs)
    plt.close(fig)
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return None
    if get_ipython() is None:
        return None
    if path.suffix.lower() == ".png":
        display(Image(data=path.read_bytes(), format="png", alt=alt or path.stem.replace("_", " ")))
    elif path.suffix.lower() == ".svg":
        from IPython.display import SVG

        display(SVG(data=path.read_text(encoding="utf-8")))
    return None


def mark_synthetic(fig: matplotlib.figure.Figure, synthetic: bool = True) -> None:
    """Stamp a figure as showing synthetic data (no-op for real data).

    The stamp sits in the margin above the figure's top edge, right-aligned, where no axes,
    title or legend is drawn; :func:`savefig` (``bbox_inches="tight"``) widens the saved image
    to hold it, so it never covers data or labels (:func:`layout_overlaps` checks it).

    Examples
    --------
    >>> fig, ax = new_figure(figsize=(3, 2))
    >>> ax.set_title("title")
    Text(0.5, 1.0, 'title')
    >>> mark_synthetic(fig)
    >>> layout_overlaps(fig)
    []
    """
    if synthetic:
        fig.text(0.995, 1.0, SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8,
                 color="#b2182b", alpha=0.9, gid="talentlab-synthetic-mark")


def _boxes(fig: matplotlib.figure.Figure, renderer) -> tuple[list, list, list]:
    """(data areas, texts, legends) of a drawn figure as ``(name, Bbox)`` in display pixels."""
    areas, texts, legends = [], [], []

    def text_box(name, t):
        if t is not None and t.get_visible() and t.get_text().strip():
            texts.append((name, t.get_window_extent(renderer)))

    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        if ax.axison:
            areas.append((f"axes {i} data area", ax.get_window_extent(renderer)))
            for axis_name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                for t in axis.get_ticklabels():
                    text_box(f"axes {i} {axis_name} tick label {t.get_text()!r}", t)
                text_box(f"axes {i} {axis_name} axis label", axis.label)
        for where, title in (("left", ax._left_title), ("center", ax.title),
                             ("right", ax._right_title)):
            text_box(f"axes {i} title ({where})", title)
        if ax.get_legend() is not None and ax.get_legend().get_visible():
            legends.append((f"axes {i} legend", ax.get_legend().get_window_extent(renderer)))
    for j, leg in enumerate(fig.legends):
        legends.append((f"figure legend {j}", leg.get_window_extent(renderer)))
    for t in fig.texts:
        text_box("synthetic-data stamp" if t.get_gid() == "talentlab-synthetic-mark"
                 else f"figure text {t.get_text()[:30]!r}", t)
    return areas, texts, legends


def layout_overlaps(fig: matplotlib.figure.Figure, tolerance: float = 1.0) -> list[str]:
    """Where a legend or the synthetic-data stamp covers data or text in ``fig``: an empty list
    when every legend lies outside every axes' data area and clear of tick labels, axis labels
    and titles, and the stamp clear of all of them.

    ``tolerance`` (pixels) forgives boxes that only touch. Axes drawn without axis (tables drawn
    as figures) have no data area.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    areas, texts, legends = _boxes(fig, renderer)

    def overlap(a, b) -> bool:
        return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
                and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)

    problems = []
    for name, box in legends:
        for other, obox in areas + texts + [lg for lg in legends if lg[0] != name]:
            if overlap(box, obox):
                problems.append(f"{name} covers {other}")
    stamp = [(n, b) for n, b in texts if n == "synthetic-data stamp"]
    for name, box in stamp:
        for other, obox in areas + [t for t in texts if t[0] != name]:
            if overlap(box, obox):
                problems.append(f"{name} covers {other}")
    return problems


def new_figure(*args, **kwargs):
    """``plt.subplots`` with the talentlab theme applied."""
    setup()
    return plt.subplots(*args, **kwargs)
