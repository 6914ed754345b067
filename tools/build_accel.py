"""Compile the e-invoice rule engine's hot modules with Cython (see finance/einvoice/accel.py).

Usage: .venv/bin/python tools/build_accel.py [--force]

Skips a module whose build is fresh (the recorded source hash matches). Compiles the source
unchanged (Python semantics; type annotations are not used as C types), two modules in
parallel. A failure leaves the pure-Python modules in use and exits 0 with a warning, so a
machine without a C compiler still runs everything.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from koncernservice.finance.einvoice import accel  # noqa: E402

SETUP = """
from setuptools import setup
from Cython.Build import cythonize
setup(
    name="{name}",
    ext_modules=cythonize(
        ["{name}.py"],
        language_level=3,
        compiler_directives={{"annotation_typing": False, "binding": True}},
        quiet=True,
    ),
    script_args=["build_ext", "--inplace"],
)
"""


def build(name: str) -> str:
    src = accel.HERE / f"{name}.py"
    digest = accel.source_hash(src)
    with tempfile.TemporaryDirectory(prefix=f"ks-accel-{name}-") as tmp:
        work = Path(tmp)
        shutil.copy2(src, work / src.name)
        (work / "setup.py").write_text(SETUP.format(name=name))
        done = subprocess.run(
            [sys.executable, "setup.py"], cwd=work, capture_output=True, text=True, check=False
        )
        built = [p for p in work.glob(f"{name}.*") if p.suffix in (".so", ".pyd")]
        if done.returncode != 0 or not built:
            return (
                f"{name}: build failed, the pure-Python module stays in use\n{done.stderr[-2000:]}"
            )
        old = accel.built_extension(name)
        if old is not None:
            old.unlink()
        target = accel.HERE / built[0].name
        shutil.copy2(built[0], target)
        accel.sidecar(name).write_text(digest + "\n")
    return f"{name}: compiled ({target.name})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="rebuild even when fresh")
    args = ap.parse_args()
    todo = [n for n in accel.MODULES if args.force or not accel.is_fresh(n)]
    if not todo:
        return 0
    try:
        import Cython  # noqa: F401
    except ImportError:
        print("Cython is not installed: the pure-Python rule engine is used.", file=sys.stderr)
        return 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for line in pool.map(build, todo):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
