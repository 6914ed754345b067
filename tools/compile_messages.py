#!/usr/bin/env python
"""Compile the project's gettext catalogues without GNU gettext.

Compiles every ``src/koncernservice/**/locale/*/LC_MESSAGES/django.po`` (the project's
catalogue and each app's own) to the
``django.mo`` next to it, using polib.

    python tools/compile_messages.py            # (re)write every django.mo
    python tools/compile_messages.py --check    # verify only, write nothing
    python tools/compile_messages.py PO [PO ...] # only these catalogues

``--check`` exits 1 when

* a ``django.mo`` is missing, or its entries (msgid -> msgstr, including
  plural forms, plus the Language, Content-Type and Plural-Forms headers)
  differ from what the ``.po`` compiles to -- the parsed contents are
  compared, not the bytes; or
* a ``.po`` has entries that are untranslated (an empty msgstr or plural
  form) or marked fuzzy (fuzzy entries are left out of the ``.mo``).

The ``.mo`` files are committed so that a fresh machine needs no GNU gettext.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "src" / "koncernservice" / "locale"

Key = tuple[str | None, str, str | None]
Value = str | tuple[str, ...]


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.parent.glob("**/locale/*/LC_MESSAGES/django.po"))


def _key(entry: polib._BaseEntry) -> Key:
    return (entry.msgctxt or None, entry.msgid, entry.msgid_plural or None)


def _value(entry: polib._BaseEntry) -> Value:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return entry.msgstr


# Header fields that change how the catalogue behaves at run time. The rest
# (POT-Creation-Date and the like) changes on every makemessages run and does
# not matter to Django, so it is not compared.
RUNTIME_HEADERS = ("Language", "Content-Type", "Plural-Forms")


def _metadata(catalogue: polib._BaseFile) -> dict[str, str]:
    return {k: catalogue.metadata.get(k, "").strip() for k in RUNTIME_HEADERS}


def expected_catalogue(po: polib.POFile) -> tuple[dict[str, str], dict[Key, Value]]:
    """What the .po compiles to: the header and every translated entry."""
    return _metadata(po), {_key(e): _value(e) for e in po.translated_entries()}


def actual_catalogue(mo: polib.MOFile) -> tuple[dict[str, str], dict[Key, Value]]:
    return _metadata(mo), {_key(e): _value(e) for e in mo}


def untranslated(po: polib.POFile) -> list[tuple[str, polib.POEntry]]:
    """Entries that would not be used: empty msgstr/plural form, or fuzzy."""
    problems = []
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        if entry.fuzzy:
            problems.append(("fuzzy", entry))
        elif not entry.translated():
            problems.append(("empty msgstr", entry))
    return problems


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def describe_diff(
    expected: tuple[dict[str, str], dict[Key, Value]],
    actual: tuple[dict[str, str], dict[Key, Value]],
    limit: int = 10,
) -> list[str]:
    lines = []
    if expected[0] != actual[0]:
        for name in RUNTIME_HEADERS:
            if expected[0][name] != actual[0][name]:
                lines.append(
                    f"header {name} differs: .po {expected[0][name]!r}, .mo {actual[0][name]!r}"
                )
    exp, act = expected[1], actual[1]
    for key in sorted(exp.keys() - act.keys(), key=str)[:limit]:
        lines.append(f"missing from .mo: {key[1]!r}")
    for key in sorted(act.keys() - exp.keys(), key=str)[:limit]:
        lines.append(f"not in .po (or untranslated/fuzzy there): {key[1]!r}")
    changed = [k for k in exp.keys() & act.keys() if exp[k] != act[k]]
    for key in sorted(changed, key=str)[:limit]:
        lines.append(f"translation differs: {key[1]!r}")
    return lines


def check(paths: list[Path]) -> int:
    failed = False
    for po_path in paths:
        po = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            print(f"{rel(mo_path)}: missing; run tools/compile_messages.py")
            failed = True
        else:
            try:
                mo = polib.mofile(str(mo_path))
            except (OSError, ValueError) as exc:
                print(f"{rel(mo_path)}: cannot be read ({exc}); run tools/compile_messages.py")
                failed = True
            else:
                diff = describe_diff(expected_catalogue(po), actual_catalogue(mo))
                if diff:
                    print(
                        f"{rel(mo_path)}: out of date with {po_path.name}; "
                        "run tools/compile_messages.py"
                    )
                    for line in diff:
                        print(f"  {line}")
                    failed = True
        problems = untranslated(po)
        if problems:
            print(f"{rel(po_path)}: {len(problems)} entries not translated:")
            for reason, entry in problems:
                where = f" (line {entry.linenum})" if entry.linenum else ""
                print(f"  [{reason}]{where} {entry.msgid!r}")
            failed = True
    if not failed:
        print(f"OK: {len(paths)} catalogue(s) compiled and fully translated.")
    return 1 if failed else 0


def compile_all(paths: list[Path]) -> int:
    for po_path in paths:
        po = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        po.save_as_mofile(str(mo_path))
        total = len([e for e in po if not e.obsolete and e.msgid])
        done = len(po.translated_entries())
        note = "" if done == total else f" ({total - done} untranslated or fuzzy, left out)"
        print(f"{rel(mo_path)}: {done}/{total} entries{note}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a .mo is missing or stale, or a msgstr is empty",
    )
    parser.add_argument(
        "po",
        nargs="*",
        type=Path,
        help="only these django.po files (default: every catalogue under src/koncernservice)",
    )
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.po] if args.po else po_files()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"Not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 1
    if not paths:
        print(f"No django.po found under {rel(LOCALE_DIR.parent)}", file=sys.stderr)
        return 1
    return check(paths) if args.check else compile_all(paths)


if __name__ == "__main__":
    sys.exit(main())
