"""Optional native build of the rule engine's hot modules (``xpath``, ``schematron``).

``tools/build_accel.py`` (run by ``./dev``) compiles the two modules unchanged with Cython
into extension modules next to their sources and records the SHA-256 of each source in a
sidecar file (``.xpath.accel``). Python imports an extension module before a ``.py`` of the
same name, so a stale build (the source changed since) would run old code: ``select()``,
called by the package before anything imports the modules, loads the pure-Python source
instead whenever the recorded hash does not match the source, when the build is missing, or
when ``KS_EINVOICE_ACCEL=0``. The compiled and the pure module give the same verdicts (the
differential tests run on whichever is loaded); the compiled one is about 1.5× faster.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

MODULES = ("xpath", "schematron")
HERE = Path(__file__).resolve().parent


def source_hash(py: Path) -> str:
    return hashlib.sha256(py.read_bytes()).hexdigest()


def sidecar(name: str) -> Path:
    return HERE / f".{name}.accel"


def built_extension(name: str) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        so = HERE / f"{name}{suffix}"
        if so.exists():
            return so
    return None


def is_fresh(name: str) -> bool:
    """True when a compiled ``name`` exists and was built from the current source."""
    if built_extension(name) is None:
        return False
    try:
        recorded = sidecar(name).read_text().strip()
    except OSError:
        return False
    return recorded == source_hash(HERE / f"{name}.py")


def status() -> dict[str, str]:
    """For each module: ``compiled`` or ``python`` — what is (or will be) loaded."""
    out = {}
    for name in MODULES:
        mod = sys.modules.get(f"{__package__}.{name}")
        if mod is not None:
            out[name] = "python" if str(mod.__file__).endswith(".py") else "compiled"
        else:
            out[name] = "compiled" if _wanted() and is_fresh(name) else "python"
    return out


def _wanted() -> bool:
    return os.environ.get("KS_EINVOICE_ACCEL", "1") not in ("0", "false", "no")


def select() -> None:
    """Make the imports of ``xpath``/``schematron`` load the source when the compiled module
    is missing, stale or switched off (see the module doc)."""
    wanted = _wanted()
    for name in MODULES:
        full = f"{__package__}.{name}"
        if full in sys.modules or (wanted and is_fresh(name)):
            continue
        if built_extension(name) is None:
            continue  # nothing compiled: the normal import finds the source
        spec = importlib.util.spec_from_file_location(full, HERE / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(full, None)
            raise
