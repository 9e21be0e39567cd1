"""Every development task of yiyu: ``nox -s tests lint typecheck docs build``.

Sessions read their dependency groups from ``pyproject.toml`` so that there is one
list of development dependencies. Python is pinned to 3.11, the interpreter the
project's machines have; with ``CI=true`` nox fails on a missing interpreter
instead of skipping, which is what we want.
"""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from pathlib import Path

import nox

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"
PYPROJECT = nox.project.load_toml("pyproject.toml")


def _group(name: str) -> list[str]:
    return list(PYPROJECT["dependency-groups"][name])


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Install the package (not the source tree) and run the test suite."""
    session.install(".[postgres]", *_group("test"))
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting check."""
    session.install(*_group("lint"))
    session.run("ruff", "check", "src", "tests", "noxfile.py", "scripts")
    session.run("ruff", "format", "--check", "src", "tests", "noxfile.py", "scripts")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and the public-API usage file."""
    session.install("-e", ".[postgres]", *_group("typecheck"))  # psycopg.conninfo is typed
    session.run("mypy", "--strict")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Regenerate the pages and previews made from the package, then build the site."""
    session.run("bash", "scripts/system-deps.sh", external=True)  # previews render PDFs
    session.install("-e", ".", *_group("docs"))
    session.run("python", "scripts/gen_docs.py")
    session.run("python", "scripts/gen_previews.py")
    session.run("mkdocs", "build", "--strict")


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """The wheel and the sdist into ``dist/``, the wheel built from the sdist.

    Checks that both carry what only the source tree has otherwise: the templates (force-
    included as ``yiyu/templates``), the packaged data and ``py.typed``.
    """
    session.install("uv")  # also under the virtualenv backend
    shutil.rmtree("dist", ignore_errors=True)
    session.run("uv", "build", "--out-dir", "dist")
    [wheel] = Path("dist").glob("yiyu-*.whl")
    [sdist] = Path("dist").glob("yiyu-*.tar.gz")
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        in_sdist = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    expected = {
        wheel: ["yiyu/py.typed", "yiyu/templates/", "yiyu/protocol/data/cn-national.toml"],
        sdist: ["src/yiyu/py.typed", "templates/", "src/yiyu/protocol/data/cn-national.toml"],
    }
    for archive_path, names in expected.items():
        contents = in_wheel if archive_path == wheel else in_sdist
        for name in names:
            if not any(member.startswith(name) for member in contents):
                session.error(f"{archive_path} lacks {name}")
    session.log(f"built {wheel} and {sdist}")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job on the embedded default: a demo over a synthetic cohort.

    ``nox -s demo -- --children 5000`` passes options to ``yiyu demo``.
    """
    session.run("bash", "scripts/system-deps.sh", external=True)
    session.install(".")
    session.run("yiyu", "demo", "--out", "yiyu-demo", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks (#7, #14): writes docs/benchmarks.md and docs/benchmarks.json.

    About 20 minutes on 2 cores (10k and 100k children, SQLite and PostgreSQL);
    ``nox -s bench -- --sizes 10000 --backends sqlite`` is a quick look.
    ``nox -s bench -- --province`` instead runs every job at 1.2 million children, one run
    each, in resumable stages (about 1.5 hours per backend; ``--backends sqlite,postgresql``
    adds PostgreSQL): docs/benchmarks-province.md and .json. Each stage keeps its figures
    in ``benchmarks/.province/`` as it finishes; the same command again resumes after the
    last finished stage, ``--restart`` starts over, ``--province-size 20000`` tries the
    stages in a few minutes (its page stays in the state directory).
    PostgreSQL is ``YIYU_BENCH_POSTGRES_URL`` (default: the test database on 127.0.0.1).
    """
    session.run("bash", "scripts/system-deps.sh", external=True)
    # Compiled, as a deployment installs it (pip compiles by default, uv does not): every
    # worker pool starts a fork server that imports yiyu, and compiling its modules and
    # its dependencies' anew took 3.0-3.5 s of each start against 1.0 s (#14).
    session.install(".[postgres]", env={"UV_COMPILE_BYTECODE": "1"})
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python=PYTHON)
def tables(session: nox.Session) -> None:
    """Re-extract WS/T 423—2022's tables from the official PDF (development only).

    ``nox -s tables -- --pdf WS-T-423-2022.pdf [--check]``: the PDF is not in the repository
    (its sha256 is in the data's header); see ``scripts/gen_wst423_tables.py``.
    """
    session.install(*_group("tables"))
    session.run("python", "scripts/gen_wst423_tables.py", *session.posargs)
