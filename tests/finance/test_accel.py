"""The compiled rule engine (tools/build_accel.py) is used only when built from the current
source; otherwise the pure-Python modules are loaded (finance/einvoice/accel.py)."""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from pathlib import Path

import pytest

from koncernservice.finance.einvoice import accel


def _fake_build(here: Path, name: str, source: bytes, recorded_from: bytes) -> None:
    (here / f"{name}.py").write_bytes(source)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (here / f"{name}{suffix}").write_bytes(b"\x7fELF not really")
    (here / f".{name}.accel").write_text(
        accel.source_hash(here / f"{name}.py") if source == recorded_from else "0" * 64
    )


def test_a_build_from_the_current_source_is_fresh(tmp_path, monkeypatch):
    monkeypatch.setattr(accel, "HERE", tmp_path)
    _fake_build(tmp_path, "xpath", b"X = 1\n", b"X = 1\n")
    assert accel.is_fresh("xpath")


def test_a_build_from_an_older_source_is_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(accel, "HERE", tmp_path)
    _fake_build(tmp_path, "xpath", b"X = 2\n", b"X = 1\n")
    assert not accel.is_fresh("xpath")


def test_no_build_or_no_record_is_not_fresh(tmp_path, monkeypatch):
    monkeypatch.setattr(accel, "HERE", tmp_path)
    (tmp_path / "xpath.py").write_text("X = 1\n")
    assert not accel.is_fresh("xpath")
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (tmp_path / f"xpath{suffix}").write_bytes(b"")
    assert not accel.is_fresh("xpath")  # built, but no recorded source hash


def test_switched_off_reports_python(monkeypatch):
    monkeypatch.setenv("KS_EINVOICE_ACCEL", "0")
    for name in accel.MODULES:
        monkeypatch.delitem(sys.modules, f"{accel.__package__}.{name}", raising=False)
    assert set(accel.status().values()) == {"python"}


@pytest.mark.parametrize("name", accel.MODULES)
def test_the_loaded_engine_is_never_a_stale_build(name):
    module = importlib.import_module(f"{accel.__package__}.{name}")
    if not str(module.__file__).endswith(".py"):
        assert accel.is_fresh(name), f"{module.__file__} was built from an older {name}.py"
