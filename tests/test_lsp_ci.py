"""CI files in the language server: an open `.gitlab-ci.yml` (or workflow, or `.env`) gets the
CI rules' diagnostics against the indexes of the project at its repository root, as the open
pyproject.toml has them now; hovering a `UV_INDEX_<NAME>_*` name says which index it is for;
the fixes are quick fixes. Neovim (pulled diagnostics) and VS Code 1.65 (pushed) profiles."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_client import CONFIG, TIMEOUT, Doc, pull, uses_pull

pytestmark = pytest.mark.asyncio(loop_scope="function")

PYPROJECT = """[project]
name = "app"
version = "0.1.0"
dependencies = ["acme-core"]

[[tool.uv.index]]
name = "gitlab"
url = "https://gitlab.example.com/api/v4/projects/42/packages/pypi/simple"
explicit = true

[tool.uv.sources]
acme-core = { index = "gitlab" }
"""
GITLAB_CI = """variables:
  UV_INDEX_GITLAB_USERNAME: gitlab-ci-token
  UV_INDEX_GITLB_PASSWORD: $CI_JOB_TOKEN

publish:
  script:
    - uv publish --token $CI_JOB_TOKEN
"""


@pytest_lsp.fixture(config=CONFIG, params=["neovim", "visual_studio_code"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(request.param), workspace_folders=[]))
    yield
    await lsp_client.shutdown_session()


async def ci_diagnostics(client: LanguageClient, doc: Doc,
                         want: set[str]) -> list[types.Diagnostic]:
    """The CI file's diagnostics once their codes are ``want`` (an edit elsewhere changes
    them without a version of their own: wait for the push, or pull again)."""
    async def wait() -> list[types.Diagnostic]:
        while True:
            if uses_pull(client):
                found = await pull(client, doc.uri)
            else:
                published = getattr(client, "published", {}).get(doc.uri, [])
                found = list(published[-1][1]) if published else []
            if {d.code for d in found} == want:
                return found
            await asyncio.sleep(0.05)
    return await asyncio.wait_for(wait(), TIMEOUT)


async def test_gitlab_ci_diagnostics_hover_and_fix(client: LanguageClient,
                                                   tmp_path: Path) -> None:
    project = Doc(client, tmp_path / "pyproject.toml", PYPROJECT)
    await project.diagnostics()
    ci = Doc(client, tmp_path / ".gitlab-ci.yml", GITLAB_CI)
    found = await ci_diagnostics(client, ci, {"UIG401", "UIG402"})
    typo = next(d for d in found if d.code == "UIG402")
    assert typo.range.start == ci.find("UV_INDEX_GITLB_PASSWORD")
    assert "did you mean `UV_INDEX_GITLAB_PASSWORD`" in typo.message

    # Hover: the index a variable is for, or that it is for none.
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=ci.uri),
        position=ci.find("UV_INDEX_GITLAB_USERNAME", 3)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "the username uv sends to the index `gitlab`" in hover.contents.value
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=ci.uri),
        position=ci.find("UV_INDEX_GITLB_PASSWORD", 3)))
    assert hover is not None and "uv does not read it" in str(hover.contents)

    # The quick fix of UIG401 replaces `--token $CI_JOB_TOKEN`.
    publish = next(d for d in found if d.code == "UIG401")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=ci.uri), range=publish.range,
        context=types.CodeActionContext(diagnostics=[publish])))
    action = next(a for a in actions or [] if isinstance(a, types.CodeAction))
    assert action.edit is not None
    edits = (action.edit.changes or {}).get(ci.uri) or [
        e for change in action.edit.document_changes or []
        if isinstance(change, types.TextDocumentEdit) for e in change.edits]
    ci.apply([e for e in edits if isinstance(e, types.TextEdit)])
    assert '--username gitlab-ci-token --password "$CI_JOB_TOKEN"' in ci.text

    # Renaming the index in the open pyproject.toml: the CI file's variables follow it, and
    # now the username variable is the one that matches no index.
    start = project.text.index('name = "gitlab"')
    project.edit(start, start + len('name = "gitlab"'), 'name = "gitlb"')

    def flagged(found: list[types.Diagnostic]) -> set[str]:
        return {ci.text.split("\n")[d.range.start.line].split(":")[0].strip()
                for d in found if d.code == "UIG402"}

    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while flagged(await ci_diagnostics(client, ci, {"UIG401", "UIG402"})) != {
            "UV_INDEX_GITLAB_USERNAME"}:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)


async def test_dotenv_and_workflow(client: LanguageClient, tmp_path: Path) -> None:
    Doc(client, tmp_path / "pyproject.toml", PYPROJECT)
    env = Doc(client, tmp_path / ".env", "UV_INDEX_GITLAB_USERNAME=__token__\n"
              "UV_INDEX_GITLAB_PASSWORD=$CI_JOB_TOKEN\n")
    found = await ci_diagnostics(client, env, {"UIG403"})
    assert found[0].range.start == env.find("__token__")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    workflow = Doc(client, tmp_path / ".github" / "workflows" / "ci.yml",
                   "on: push\njobs:\n  t:\n    runs-on: x\n    env:\n"
                   "      UV_INDEX_PRIVATE_PASSWORD: x\n    steps:\n      - run: uv sync\n")
    found = await ci_diagnostics(client, workflow, {"UIG402"})
    assert found[0].range.start == workflow.find("UV_INDEX_PRIVATE_PASSWORD")


async def test_ci_file_without_a_project(client: LanguageClient, tmp_path: Path) -> None:
    ci = Doc(client, tmp_path / ".gitlab-ci.yml", GITLAB_CI)
    await ci_diagnostics(client, ci, {"UIG401"})  # the indexes are unknown: no UIG402
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=ci.uri),
        position=ci.find("UV_INDEX_GITLB_PASSWORD", 3)))
    assert hover is not None and "no `pyproject.toml` or `uv.toml` was found" in str(
        hover.contents)
