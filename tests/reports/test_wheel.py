"""The installed wheel, not the source tree, renders a record and runs the command line
(STYLE 15).

Templates that exist only in the source tree are a classic packaging bug: pyproject
force-includes the repository's ``templates/`` as ``yiyu/templates``, and this test
proves it by building the sdist and from it the wheel (as ``nox -s build`` does),
installing the wheel alone into a fresh virtual environment (with no ``PYTHONPATH``, run
from another folder) and rendering a record there. The installed ``yiyu`` command runs a
small demo (the database, its migrations, the plan, the work lists), and, the wheel being
installed without the ``postgres`` extra, a PostgreSQL URL says which extra to install.

It is skipped only when a wheel cannot be built here at all: no ``uv``, or no package
index to fetch the build backend from. With ``CI=true`` it is never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reports.pdfcheck import need_poppler

ROOT = Path(__file__).resolve().parents[2]
_OFFLINE = ("failed to fetch", "dns error", "connection refused", "network", "timed out")

SCRIPT = textwrap.dedent(
    """
    import subprocess, sys
    from pathlib import Path

    code = "import sys, yiyu; print('weasyprint' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, check=True).stdout.strip() == "False"

    import yiyu
    from yiyu.reports import encounter_document, render, samples
    from yiyu.reports.environment import packaged_templates

    site = Path(sys.prefix).resolve()
    assert Path(yiyu.__file__).resolve().is_relative_to(site), yiyu.__file__
    # A host's mypy reads the package's types only if it says it has them (PEP 561).
    assert (Path(yiyu.__file__).parent / "py.typed").is_file()
    assert packaged_templates().resolve().is_relative_to(site), packaged_templates()
    sample = samples.visit("infant")
    pdf = render(encounter_document(sample.record, sample.subject, institution="安装包测试中心"))
    Path(sys.argv[1]).write_bytes(pdf)
    print(packaged_templates())
    """
)


def _run(args: list[str], *, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _cannot_build(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the wheel must be tested in CI: {why}")
    pytest.skip(why)


def _uv() -> str | None:
    # uv tells the processes it starts where it is (UV): under `uvx nox` it is not on PATH.
    return os.environ.get("UV") or shutil.which("uv")


def test_the_installed_wheel_renders_a_record(tmp_path: Path) -> None:
    need_poppler()
    uv = _uv()
    if uv is None:
        _cannot_build("uv is not installed")
    assert uv is not None
    dist = tmp_path / "dist"
    # The sdist, then the wheel from it: what the sdist lacks, the wheel lacks too.
    built = _run([uv, "build", "--out-dir", str(dist), str(ROOT)], cwd=tmp_path)
    if built.returncode != 0:
        if any(word in built.stderr.lower() for word in _OFFLINE):
            _cannot_build(f"no package index to build with: {built.stderr[-300:]}")
        pytest.fail(f"uv build failed:\n{built.stderr[-2000:]}")
    [wheel] = dist.glob("yiyu-*.whl")
    assert len(list(dist.glob("yiyu-*.tar.gz"))) == 1

    venv = tmp_path / "venv"
    made = _run([uv, "venv", "--python", sys.executable, str(venv)], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # Only the wheel: its declared dependencies must bring everything (the font too).
    installed = _run([uv, "pip", "install", "--python", str(python), str(wheel)], cwd=tmp_path)
    if installed.returncode != 0:
        if any(word in installed.stderr.lower() for word in _OFFLINE):
            _cannot_build(f"no package index to install from: {installed.stderr[-300:]}")
        pytest.fail(f"installing the wheel failed:\n{installed.stderr[-2000:]}")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "check.py").write_text(SCRIPT, encoding="utf-8")
    pdf = elsewhere / "record.pdf"
    ran = _run([str(python), "check.py", str(pdf)], cwd=elsewhere, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "site-packages/yiyu/templates" in ran.stdout
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode("utf-8")
    assert "1岁以内儿童健康检查记录表" in text
    assert "安装包测试中心" in text

    yiyu = venv / "bin" / "yiyu"
    helped = _run([str(yiyu), "--help"], cwd=elsewhere, timeout=60)
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert "demo" in helped.stdout
    out = elsewhere / "demo"
    demo = [str(yiyu), "demo", "--children", "10", "--no-pdf", "--out", str(out)]
    ran = _run(demo, cwd=elsewhere, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert (out / "yiyu-demo.db").is_file()
    assert list((out / "worklists").glob("*.csv"))

    # Installed without the postgres extra: no psycopg, and a message that says so.
    url = "postgresql+psycopg://nurse:pw-in-url@127.0.0.1:1/yiyu"
    refused = _run([str(yiyu), "--db", url, "worklist"], cwd=elsewhere, timeout=60)
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert "yiyu[postgres]" in line
    assert "pw-in-url" not in line
