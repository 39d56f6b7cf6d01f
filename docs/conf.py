"""Sphinx configuration of the talentlab documentation site.

Build it with ``make docs`` (``python docs/build_site.py build/docs``), not with a bare
``sphinx-build docs``: the build script assembles the sources (these pages, the notebooks, the
codebook and the API pages it writes from the package) in a build folder and checks the links.
"""

import talentlab

project = "talentlab"
author = "talentlab contributors"
copyright = "talentlab contributors"  # noqa: A001 (Sphinx's name)
release = talentlab.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]

# ---- sources ------------------------------------------------------------------------------------
root_doc = "index"
exclude_patterns = ["_include", "build_site.py", "offline_links.py", "**/.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
language = "en"
# The notebooks are committed without outputs and shown as they are: a docs build never runs them.
nb_execution_mode = "off"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# ---- API reference --------------------------------------------------------------------------------
autosummary_generate = False  # build_site.py writes one page per public module itself
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_default_options = {"exclude-members": "__init__"}
numpydoc_show_class_members = False  # autodoc's :members: documents them once
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# ---- output -------------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"talentlab {release}"
html_show_sphinx = False
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "description": "Talent cultivation for regional industrial clusters: data, evaluation, QCA "
                   "and reports / 人才培养评估工具包",
    "show_powered_by": False,
    "fixed_sidebar": False,
    # a CJK font where the reader has one, before the serif fallback (Chinese pages and labels)
    "font_family": 'Georgia, "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", SimSun, serif',
    "head_font_family": 'Georgia, "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", SimSun, '
                        'serif',
}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}
html_static_path = ["_static"]  # custom.css: long code lines wrap in the column

#: Links to other sites the pages may carry. They are not fetched: the offline link check
#: (docs/offline_links.py) accepts a link that starts with one of these prefixes and fails on any
#: other external link, so the site never points where a reader could not follow it. Keep it short:
#: the paper's DOI and the references the guides cite.
ALLOWED_EXTERNAL_LINKS = (
    "https://doi.org/",
)
