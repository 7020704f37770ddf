"""The README and docs/ say what is true: links stay in the repository, the problem codes match
the catalogue, and the deployment check answers as the README says."""

import re
import subprocess
import sys

import pytest

from lims.management.commands.problem_codes import problems_markdown
from tests.lims.live import ROOT, clean_environment

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SECRET = "test-only-" + "k" * 20 + "9Zq!x2@Lr#7vT$pW&e4^Nc*8yB(m)fG"


def test_docs_problems_md_is_the_catalogue():
    written = (ROOT / "docs" / "problems.md").read_text()
    assert written == problems_markdown(), (
        "docs/problems.md differs from lims/problem_catalog.py: "
        "python manage.py problem_codes > docs/problems.md"
    )


def test_every_problem_code_has_its_row():
    written = (ROOT / "docs" / "problems.md").read_text()
    for code in ("not_found", "unknown_field", "slot_occupied", "idempotency_key_reused"):
        assert f"| `{code}` |" in written


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_documents_point_only_inside_the_repository(document):
    text = document.read_text()
    assert "../" not in text, f"{document.name} points outside the repository"
    targets = re.findall(r"\]\(([^)#]+)\)", text)
    # Code-quoted file paths from the repository's top folders (`lims/…` rows abbreviate theirs).
    quoted = re.findall(r"`([\w/.-]+/[\w.-]+\.(?:py|md|sh))`", text)
    targets += [path for path in quoted if (ROOT / path.split("/")[0]).is_dir()]
    for target in targets:
        if target.startswith(("http://", "https://")):
            continue
        assert (document.parent / target).exists() or (ROOT / target).exists(), (
            f"{document.name} names {target}, which is not in the repository"
        )


def test_the_readme_points_at_the_docs_and_the_walkthrough():
    readme = (ROOT / "README.md").read_text()
    for name in ("architecture.md", "api.md", "problems.md", "walkthrough.sh"):
        assert f"docs/{name}" in readme


@pytest.mark.parametrize(
    ("env", "warning"),
    [
        ({}, "security.W020"),
        ({"DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0"}, "security.W008"),
    ],
)
def test_check_deploy_warns_as_the_readme_says(env, warning):
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"`{warning}`" in readme
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_environment(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=SECRET, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert re.findall(r"\(([\w.]+)\)", result.stderr) == [warning], result.stderr
