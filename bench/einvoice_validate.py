"""E-invoice validation: our validator against the official stylesheets (saxonche).

Usage: .venv/bin/python bench/einvoice_validate.py [--n 1000] [--workers 2] [--data DIR]
                                                    [--skip-official] [--json]

The corpus is the official examples in ``../shared/data/einvoice`` (EN 16931 examples and
test files, the Danish Peppol BIS 3 examples; UBL invoices and credit notes), replicated to
``--n`` documents. Both routes get the same documents, each with the rules that govern it:

- ours: ``parse_document`` + ``validate`` (rule sets from ``rulesets_for``: for Peppol
  documents EN 16931 (Peppol's CEN version) + Peppol BIS 3 + the Danish CIUS);
- official: the compiled stylesheets that ``official.stylesheets_for`` names (CEN + PEPPOL
  + DK XSLT for Peppol documents), each compiled once per worker process.

Both run in ``--workers`` processes (fork; the Saxon processor is made in the worker after
the fork). Warm-up (imports, compiling the rules/stylesheets, one document of each kind)
is not timed. Prints invoices/s for each route, the ratio, and whether every verdict (the
set of failed rule ids with their severity) is identical.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "einvoice"

_DOCS: list[bytes] = []
_DATA: Path = DEFAULT_DATA


def corpus(data: Path) -> list[tuple[str, bytes]]:
    files = (
        sorted((data / "en16931/ubl/examples").glob("*"))
        + sorted((data / "en16931/test/testfiles").glob("*"))
        + sorted((data / "peppol-dk/Example-files").glob("*"))
    )
    out = []
    for f in files:
        b = f.read_bytes()
        head = b[:3000]
        if b"CrossIndustryInvoice" in head or b"<Order" in head:
            continue
        out.append((f.name, b))
    return out


def _init(data: str, names: list[str]) -> None:
    global _DOCS, _DATA
    _DATA = Path(data)
    by_name = dict(corpus(_DATA))
    _DOCS = [by_name[n] for n in names]


def _ours(i: int) -> tuple[int, dict[str, str], float]:
    from koncernservice.finance.einvoice import parse_document, validate
    from koncernservice.finance.einvoice.engine import failed_ids

    cpu = time.process_time()
    parsed = parse_document(_DOCS[i])
    verdict = failed_ids(validate(parsed))
    return i, verdict, time.process_time() - cpu


def _official(i: int) -> tuple[int, dict[str, str], float]:
    from lxml import etree

    from koncernservice.finance.einvoice import official

    cpu = time.process_time()
    xml = _DOCS[i]
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    out: dict[str, str] = {}
    for f in official.official_verdict(xml, official.stylesheets_for(root), base=_DATA):
        if out.get(f.rule) != "fatal":
            out[f.rule] = f.severity
    return i, out, time.process_time() - cpu


def _warm_ours(_: int) -> int:
    for i in range(len(_DOCS)):
        _ours(i)
    return os.getpid()


def _warm_official(_: int) -> int:
    for i in range(len(_DOCS)):
        _official(i)
    return os.getpid()


def run(
    fn: Any, warm: Any, n: int, workers: int, data: Path, names: list[str]
) -> tuple[float, float, list[dict[str, str]]]:
    ctx = mp.get_context("fork")
    distinct = len(names)
    with ctx.Pool(workers, initializer=_init, initargs=(str(data), names)) as pool:
        # warm every worker: compile rules/stylesheets, run each document once
        pool.map(warm, range(workers * 2), chunksize=1)
        started = time.perf_counter()
        results = pool.map(fn, [i % distinct for i in range(n)], chunksize=8)
        elapsed = time.perf_counter() - started
    verdicts: list[dict[str, str]] = [{} for _ in range(distinct)]
    cpu = 0.0
    for i, v, c in results:
        verdicts[i] = v
        cpu += c
    return elapsed, cpu, verdicts


def _engine() -> str:
    """``compiled`` when the Cython build of the rule engine is in use (tools/build_accel.py;
    ``KS_EINVOICE_ACCEL=0`` switches it off), else ``python``."""
    from koncernservice.finance.einvoice import accel

    kinds = set(accel.status().values())
    return kinds.pop() if len(kinds) == 1 else "mixed"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--skip-official", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    docs = corpus(args.data)
    if not docs:
        print(
            f"No official examples under {args.data} (the shared test material beside the "
            "repository); point --data at ../shared/data/einvoice.",
            file=sys.stderr,
        )
        return 2
    names = [n for n, _ in docs]
    size = sum(len(b) for _, b in docs)
    ours_s, ours_cpu, ours_v = run(_ours, _warm_ours, args.n, args.workers, args.data, names)
    out: dict[str, Any] = {
        "documents": args.n,
        "distinct_documents": len(docs),
        "distinct_bytes": size,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "engine": _engine(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "ours_seconds": round(ours_s, 2),
        "ours_per_second": round(args.n / ours_s, 1),
        "ours_cpu_ms_per_document": round(ours_cpu / args.n * 1000, 2),
    }
    if not args.skip_official:
        off_s, off_cpu, off_v = run(
            _official, _warm_official, args.n, args.workers, args.data, names
        )
        mismatches = [names[i] for i in range(len(names)) if ours_v[i] != off_v[i]]
        out.update(
            {
                "official_seconds": round(off_s, 2),
                "official_per_second": round(args.n / off_s, 1),
                "official_cpu_ms_per_document": round(off_cpu / args.n * 1000, 2),
                "ratio": round(off_s / ours_s, 2),
                "cpu_ratio": round(off_cpu / ours_cpu, 2),
                "identical_verdicts": not mismatches,
                "mismatches": mismatches,
            }
        )
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(
            f"corpus: {args.n} documents ({len(docs)} distinct official examples), "
            f"{args.workers} worker processes, {os.cpu_count()} CPUs, rule engine: "
            f"{out['engine']}, load average {out['load_average']}"
        )
        print(
            f"ours:     {out['ours_per_second']:>8} invoices/s ({out['ours_seconds']} s wall, "
            f"{out['ours_cpu_ms_per_document']} ms CPU per document)"
        )
        if "official_per_second" in out:
            print(
                f"official: {out['official_per_second']:>8} invoices/s "
                f"({out['official_seconds']} s wall, "
                f"{out['official_cpu_ms_per_document']} ms CPU per document)"
            )
            print(f"ratio (official / ours): {out['ratio']}x wall, {out['cpu_ratio']}x CPU")
            print(f"identical verdicts: {out['identical_verdicts']} {out['mismatches'] or ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
