"""Run a notebook with papermill, the kernel talking over a local IPC socket instead of TCP.

``python -m talentlab.report.notebook_runner <papermill arguments>`` takes papermill's command line
unchanged and adds one engine: the kernel manager uses the ``ipc`` transport (Unix domain sockets
in a private temporary folder, one per run, reachable by the current user only), so no port is opened on the
machine and ipykernel has no reason to warn that it "is running over TCP without encryption".
With ``--progress-bar`` papermill's bar (on stderr) is named after the notebook it runs, so the
bars of notebooks run side by side (``make -j2``) say whose cells they count.

papermill comes with the ``notebooks`` extra (``pip install 'talentlab[notebooks]'``; ``make
setup`` installs it): without it every entry point here stops with an error naming the extra.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from talentlab import resources

ENGINE_NAME = "talentlab-ipc"
#: the optional extra that installs papermill and the kernel
EXTRA = "notebooks"


def progress_label(output_path) -> str:
    """The progress bar's name for a run writing ``output_path``: the notebook's name without
    make's ``.run`` suffix.

    Examples
    --------
    >>> progress_label("reports/10_zhuhai_case_evaluation/10_zhuhai_case_evaluation.run.ipynb")
    '10_zhuhai_case_evaluation'
    """
    name = os.path.basename(str(output_path))
    for suffix in (".ipynb", ".run"):
        name = name.removesuffix(suffix)
    return name


def register_engine() -> str:
    """Register the IPC engine with papermill and return its name.

    Raises
    ------
    ModuleNotFoundError
        papermill is not installed; the message names the extra that installs it.
    """
    resources.require("papermill", EXTRA)
    from papermill.engines import NBClientEngine, papermill_engines
    from traitlets.config import Config

    class IPCEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            # The sockets live in a fresh private folder (mode 0700): without an explicit path
            # jupyter_client names them "kernel-ipc-N" in the working directory, where kernels
            # run side by side (make -j2, other users) would answer each other's messages.
            folder = tempfile.mkdtemp(prefix="talentlab-kernel-")
            config = Config()
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = os.path.join(folder, "kernel")
            kwargs.setdefault("config", config)
            bar = getattr(nb_man, "pbar", None)
            if bar is not None and getattr(nb_man, "output_path", None):
                bar.set_description(progress_label(nb_man.output_path))
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    papermill_engines.register(ENGINE_NAME, IPCEngine)
    return ENGINE_NAME


def execute_notebook(input_path, output_path, **kwargs):
    """:func:`papermill.execute_notebook` with the kernel over IPC (quiet, no port opened).

    Raises
    ------
    ModuleNotFoundError
        papermill is not installed (``pip install 'talentlab[notebooks]'``).
    """
    papermill = resources.require("papermill", EXTRA)
    kwargs.setdefault("engine_name", register_engine())
    return papermill.execute_notebook(str(input_path), str(output_path), **kwargs)


def main(argv: list[str] | None = None) -> int:
    """papermill's command line with the IPC engine; 2 with the extra named when papermill is
    not installed."""
    try:
        resources.require("papermill", EXTRA)
    except ModuleNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from papermill.cli import papermill

    args = list(sys.argv[1:] if argv is None else argv)
    if "--engine" not in args:
        args += ["--engine", register_engine()]
    papermill.main(args=args, prog_name="papermill")
    return 0


if __name__ == "__main__":
    sys.exit(main())
