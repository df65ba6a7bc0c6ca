"""infsim: a cycle-approximate simulator of AWS Inferentia (Inf1), from Python.

The functions run the same C++ code as the ``infsim`` command (no subprocess) and return plain
Python data with the names of the command's JSON output. Simulations run in forked children,
as the command's do, so a notebook can run any number of them. A user mistake raises the
exception of its kind (``InvalidConfigError``, ``InvalidModelError``, ``UnsupportedOperatorError``,
``DoesNotFitError``, ``ImpossibleRequestError``, ``BadFileError``; all subclasses of
``infsim.Error``) with the command's message.

    import infsim
    r = infsim.run(model="resnet50", cores=4)
    r["scenarios"][0]["throughput_avg"]
    r.to_pandas()                      # one row per scenario (needs pandas)

See docs/python.md.
"""

import json as _json
import os as _os
import tempfile as _tempfile

from . import _infsim
from ._infsim import (  # noqa: F401  (re-exported)
    BadFileError,
    DoesNotFitError,
    Error,
    ImpossibleRequestError,
    InvalidConfigError,
    InvalidModelError,
    UnsupportedOperatorError,
)

__version__ = _infsim.__version__
version_string = _infsim.version_string

__all__ = ["compile", "run", "table", "validate", "sweep", "config_dir", "Result", "Error",
           "BadFileError", "DoesNotFitError", "ImpossibleRequestError", "InvalidConfigError",
           "InvalidModelError", "UnsupportedOperatorError"]


class Result(dict):
    """A command's JSON document as a dict; ``to_pandas()`` turns its rows into a DataFrame."""

    def __init__(self, data, rows_key):
        super().__init__(data)
        self._rows_key = rows_key

    def to_pandas(self):
        """The rows (scenarios, table rows, validation rows or sweep points), nested fields
        flattened to dotted columns. Needs pandas."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("to_pandas() needs pandas (Debian: python3-pandas)") from e
        return pandas.json_normalize(self[self._rows_key])


def _settings(values):
    """{"chip.dram.bandwidth": "100GiB/s"} -> the --set strings' key and value text."""
    out = {}
    for key, value in (values or {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        out[str(key)] = str(value)
    return out


def config_dir():
    """The configs/ directory in use (INFSIM_CONFIG_DIR, the installed one, or the checkout)."""
    return _infsim.config_dir()


def compile(model, batch=1, dtype="bf16", pipeline_cores=1, *, image_size=0, seq_len=128,
            cpu_fallback=False, weights=False, instance=None, set=None, framework=None,
            output=None):
    """Compiles `model` (zoo name or .onnx) as ``infsim compile`` does. Returns the compile
    report's numbers (instructions, estimated_cycles, macs, per-core SBUF and weights, ...) and
    its text under "report"; writes the .ifx program to `output` when given."""
    request = _infsim.CompileRequest()
    request.model = str(model)
    request.batch = batch
    request.dtype = dtype
    request.pipeline_cores = pipeline_cores
    request.image_size = image_size
    request.seq_len = seq_len
    request.cpu_fallback = cpu_fallback
    request.weights = weights
    text = _infsim.compile(request, instance or _infsim.default_instance, _settings(set),
                           framework or _infsim.default_framework,
                           _os.fspath(output) if output else "")
    return Result(_json.loads(text), "cores")


def run(experiment=None, *, model=None, batch=1, dtype="bf16", cores=1, pipeline_cores=1,
        threads=0, iterations=100, image_size=0, seq_len=128, instance=None, set=None,
        framework=None, seed=None, detail="sampled"):
    """``infsim run``: an experiment file (default: the torch-neuron ResNet-50 tutorial, as the
    command's), or with `model` the flags form (`cores` copies of the
    model, data parallel). `set` is a dict of config values (``--set``). Returns results.json's
    document: experiment, instance, framework, seed and "scenarios" (throughput_avg,
    throughput_peak, throughput_unit, latency_ms_p0 ... latency_ms_p100, load_avg_ms, cores with their
    utilization, traffic, ...)."""
    if experiment is not None and model is not None:
        raise ImpossibleRequestError("run: give either an experiment file or --model, not both")
    if detail not in ("sampled", "full"):
        raise ImpossibleRequestError(
            "run: --detail must be sampled or full, not '%s'" % detail)
    flags = _infsim.ModelRun()
    flags.model = str(model) if model is not None else ""
    flags.instance = instance or _infsim.default_instance
    flags.batch = batch
    flags.dtype = dtype
    flags.cores = cores
    flags.pipeline_cores = pipeline_cores
    flags.threads = threads
    flags.iterations = iterations
    flags.image_size = image_size
    flags.seq_len = seq_len
    text = _infsim.run(_os.fspath(experiment) if experiment is not None else "", flags,
                       instance is not None, _settings(set), framework or "", seed,
                       detail == "full")
    return Result(_json.loads(text), "scenarios")


def table(preset="inf1-performance", *, set=None):
    """``infsim table --preset``: the rows of a published page (a configs/tables/ name or a
    .yaml path) with the page's columns. Returns the --json document ("rows")."""
    return Result(_json.loads(_infsim.table(_os.fspath(preset), _settings(set))), "rows")


def validate(csv, *, framework="", requests=200, tolerance=None, set=None):
    """``infsim validate FILE.csv``: every row simulated the way its framework ran it. Returns the
    --json document: "rows" (measured, simulated and error per metric, status), "mape",
    "off_by_2x"."""
    text = _infsim.validate(_os.fspath(csv), framework, requests, tolerance, _settings(set))
    return Result(_json.loads(text), "rows")


def sweep(study, out=None, *, jobs=0, plot=False):
    """``infsim sweep STUDY.yaml``: every point of the study, in worker processes, into the
    folder `out` (resumed if it holds this study; a temporary folder when None). Returns the
    sweep's results.json: the study and its "points" (parameters, status, metrics)."""
    if out is None:
        with _tempfile.TemporaryDirectory(prefix="infsim-sweep-") as tmp:
            return sweep(study, _os.path.join(tmp, "sweep"), jobs=jobs, plot=plot)
    return Result(_json.loads(_infsim.sweep(_os.fspath(study), _os.fspath(out), jobs, plot)),
                  "points")
