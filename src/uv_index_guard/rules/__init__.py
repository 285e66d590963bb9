"""The rule table: every code, in one place (like ruff's codes.rs). Codes never change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from uv_index_guard.finding import Finding
from uv_index_guard.model import IndexDef
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.rules.ci_base import CiContext, CiRule
from uv_index_guard.rules.ci_token_username import CiTokenUsername
from uv_index_guard.rules.credentials_in_url import CredentialsInUrl
from uv_index_guard.rules.credentials_over_http import CredentialsOverHttp
from uv_index_guard.rules.deprecated_index_url import DeprecatedIndexUrl
from uv_index_guard.rules.duplicate_index_name import DuplicateIndexName, DuplicateIndexNameUvToml
from uv_index_guard.rules.empty_index_name import EmptyIndexName
from uv_index_guard.rules.explicit_index_without_name import ExplicitIndexWithoutName
from uv_index_guard.rules.gitlab_registry_url import GitlabRegistryUrl
from uv_index_guard.rules.ignored_credential_key import IgnoredCredentialKey
from uv_index_guard.rules.index_env_name_collision import IndexEnvNameCollision
from uv_index_guard.rules.index_url_dropped import IndexUrlDropped
from uv_index_guard.rules.invalid_index_name import InvalidIndexName
from uv_index_guard.rules.invalid_index_value import InvalidIndexValue
from uv_index_guard.rules.invalid_settings import InvalidSettings
from uv_index_guard.rules.invalid_toml import InvalidToml
from uv_index_guard.rules.links_page_as_index import LinksPageAsIndex
from uv_index_guard.rules.missing_index_url import MissingIndexUrl
from uv_index_guard.rules.multiple_default_indexes import (
    MultipleDefaultIndexes,
    MultipleDefaultIndexesUvToml,
)
from uv_index_guard.rules.publish_job_token import PublishWithJobToken
from uv_index_guard.rules.setting_ignored_in_member import SettingIgnoredInMember
from uv_index_guard.rules.settings_beside_uv_toml import SettingsBesideUvToml
from uv_index_guard.rules.source_pins_nothing import SourcePinsNothing
from uv_index_guard.rules.token_in_index import TokenInIndex
from uv_index_guard.rules.toml_1_1_syntax import Toml11Syntax
from uv_index_guard.rules.undeclared_index_reference import UndeclaredIndexReference
from uv_index_guard.rules.unknown_index_key import UnknownIndexKey
from uv_index_guard.rules.unknown_index_variable import UnknownIndexVariable
from uv_index_guard.rules.unknown_uv_toml_key import UnknownUvTomlKey
from uv_index_guard.rules.unreadable_uv_settings import UnreadableUvSettings
from uv_index_guard.rules.unused_explicit_index import UnusedExplicitIndex
from uv_index_guard.rules.workspace_member_from_index import WorkspaceMemberFromIndex

RULES: Final[tuple[Rule, ...]] = (
    InvalidToml(),
    InvalidSettings(),
    Toml11Syntax(),
    MissingIndexUrl(),
    InvalidIndexName(),
    DuplicateIndexName(),
    MultipleDefaultIndexes(),
    ExplicitIndexWithoutName(),
    InvalidIndexValue(),
    UndeclaredIndexReference(),
    UnknownUvTomlKey(),
    WorkspaceMemberFromIndex(),
    UnknownIndexKey(),
    IgnoredCredentialKey(),
    EmptyIndexName(),
    IndexEnvNameCollision(),
    UnusedExplicitIndex(),
    DuplicateIndexNameUvToml(),
    MultipleDefaultIndexesUvToml(),
    GitlabRegistryUrl(),
    CredentialsOverHttp(),
    DeprecatedIndexUrl(),
    UnreadableUvSettings(),
    SettingsBesideUvToml(),
    SettingIgnoredInMember(),
    LinksPageAsIndex(),
    IndexUrlDropped(),
    SourcePinsNothing(),
    CredentialsInUrl(),
    TokenInIndex(),
)
#: The rules over CI files (`.gitlab-ci.yml`, GitHub workflows, `.env`): :func:`run_ci`.
CI_RULES: Final[tuple[CiRule, ...]] = (
    PublishWithJobToken(),
    UnknownIndexVariable(),
    CiTokenUsername(),
)
#: Every rule, config and CI, in code order of the docs.
ALL_RULES: Final[tuple[Rule | CiRule, ...]] = (*RULES, *CI_RULES)
CODES: Final[dict[str, Rule | CiRule]] = {rule.code: rule for rule in ALL_RULES}
# The rules whose findings about one index depend on that index alone (see `Rule.per_index`).
PER_INDEX: Final = tuple(rule for rule in RULES if rule.per_index)


#: What each rule of `PER_INDEX` finds in one index (by its place in `PER_INDEX`; only the
#: rules that find something), whatever `keep` says: reusable while the table is unchanged.
IndexFindings = tuple[tuple[int, list[Finding]], ...]

_CHECKS: Final = tuple(enumerate(rule.check_index for rule in PER_INDEX))


def index_findings(ctx: Context, index: IndexDef) -> IndexFindings:
    """What each per-index rule finds in ``index``."""
    found = []
    for at, check in _CHECKS:
        findings = check(ctx, index)
        if type(findings) is not list:
            findings = list(findings)
        if findings:
            found.append((at, findings))
    return tuple(found)


def run(ctx: Context, found_in: Callable[[IndexDef], IndexFindings] | None = None,
        ) -> list[Finding]:
    """Every rule's findings, in rule order; ``found_in`` gives the per-index rules'
    findings of each index (the engine's, for tables it has checked before)."""
    if found_in is None:
        return [finding for rule in RULES for finding in rule.check(ctx)]
    keeps = [rule.keep(ctx) for rule in PER_INDEX]
    per_index: list[list[Finding]] = [[] for _ in PER_INDEX]
    for index in ctx.config.indexes:
        for at, found in found_in(index):
            keep = keeps[at]
            if keep is None or keep(index):
                per_index[at].extend(found)
    kept = iter(per_index)
    return [finding for rule in RULES
            for finding in (rule.findings(ctx, next(kept)) if rule.per_index
                            else rule.check(ctx))]


def run_ci(ctx: CiContext) -> list[Finding]:
    """Every CI rule's findings in a CI file."""
    return [finding for rule in CI_RULES for finding in rule.check_ci(ctx)]


__all__ = ["ALL_RULES", "CI_RULES", "CODES", "PER_INDEX", "RULES", "CiContext", "CiRule",
           "Context", "IndexFindings", "Rule", "index_findings", "run", "run_ci"]
