"""The README's first two commands: the same in the quickstart, and their first step (putting
uv into the checkout) accepted by a distribution's externally managed Python (PEP 668).

CI runs both commands whole under /usr/bin/python3 with an empty home (.ci/run); this test
runs the step that PEP 668 used to refuse, wherever such a Python is found.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _commands(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return re.findall(r"^(python3 .*nox -s \w+)  +#", text, re.MULTILINE)


def test_the_readme_and_the_quickstart_give_the_same_two_commands() -> None:
    readme = _commands(ROOT / "README.md")
    assert [command.rsplit(" ", 1)[-1] for command in readme] == ["demo", "tests"]
    assert _commands(ROOT / "docs" / "guide" / "quickstart.md") == readme
    for command in readme:
        assert "--break-system-packages" not in command
        assert "sudo" not in command


def _externally_managed(python: Path) -> bool:
    if not python.exists():
        return False
    stdlib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.strip()
    return (Path(stdlib) / "EXTERNALLY-MANAGED").exists()


def test_the_first_step_works_on_an_externally_managed_python(tmp_path: Path) -> None:
    if not _externally_managed(SYSTEM_PYTHON):
        pytest.skip(f"no externally managed {SYSTEM_PYTHON} here")
    [install] = {command.split(" && ")[0] for command in _commands(ROOT / "README.md")}
    assert install.startswith("python3 -m pip install")
    # The system's python3 first on PATH, a fresh home, the network's settings kept.
    kept = ("SSL_CERT_FILE", "SSL_CERT_DIR", "PIP_CERT", "https_proxy", "HTTPS_PROXY")
    env = {name: os.environ[name] for name in kept if name in os.environ}
    env |= {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home")}
    ran = subprocess.run(
        ["bash", "-c", install],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    offline = any(word in ran.stderr.lower() for word in ("connection", "network", "resolve"))
    if ran.returncode != 0 and "externally-managed" not in ran.stderr and offline:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no package index in CI: {ran.stderr[-500:]}")
        pytest.skip(f"no package index: {ran.stderr[-300:]}")
    assert ran.returncode == 0, ran.stderr[-2000:]
    uvx = tmp_path / ".tools" / "bin" / "uvx"
    assert uvx.exists()
    version = subprocess.run(
        [str(uvx), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert version.stdout.startswith("uv")
