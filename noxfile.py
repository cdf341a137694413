"""Development sessions: ``nox -l`` lists them, ``nox -s tests`` runs the suite."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typing", "docs"]
nox.options.reuse_existing_virtualenvs = True

#: None: the interpreter nox runs on, so any Python 3.10+ on the machine works.
PYTHON = None


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite with branch coverage, against the sandbox."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term:skip-covered",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check formatting and lint rules with ruff."""
    session.install("ruff>=0.6")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")


@nox.session(python=PYTHON)
def typing(session: nox.Session) -> None:
    """Type-check the package, the tests and this file with mypy --strict."""
    session.install("-e", ".[test]", "mypy>=1.10", "nox")
    session.run("mypy")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation with MkDocs, failing on any warning."""
    session.install("mkdocs>=1.6")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")
