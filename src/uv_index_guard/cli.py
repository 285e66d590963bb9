"""The `uv-index-guard` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from uv_index_guard import __version__, formats
from uv_index_guard.finding import Severity

if TYPE_CHECKING:
    from uv_index_guard.report import Style


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="uv-index-guard",
                     description="Check uv index configuration and keep registry credentials "
                                 "out of git.")
    parser.add_argument("-V", "--version", action="version",
                        version=f"uv-index-guard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = sub.add_parser("check", help="check pyproject.toml and uv.toml files")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or directories (default: .); `-` reads standard input")
    check.add_argument("--stdin-filename", metavar="NAME",
                       help="with `-`: the file's name, which says its kind "
                            "(default: pyproject.toml)")
    check.add_argument("--output-format", "--format", dest="format", default="text",
                       choices=formats.CHECK,
                       help="github: workflow commands; gitlab: a Code Quality report; "
                            "junit: JUnit XML (default: text)")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                       help="lowest severity that makes the exit code 1 (default: error)")
    fixing = check.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_const", const="fix", dest="fix",
                        help="apply the findings' safe fixes to the files")
    fixing.add_argument("--diff", action="store_const", const="diff", dest="fix",
                        help="show the fixes --fix would apply as a diff; write nothing")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff: the unsafe fixes too (a guessed name, ...)")
    _add_output_options(check)
    _add_scan(sub)
    _add_merge_reports(sub)
    _add_doctor(sub)
    _add_fix(sub)
    rule = sub.add_parser("rule", help="explain a rule (a code such as UIG301, or a scan rule "
                                       "such as gitlab-pat)")
    rule.add_argument("code", nargs="?", metavar="CODE")
    rule.add_argument("--all", action="store_true", help="list every rule")
    sub.add_parser("lsp", help="run the language server over stdio")
    return parser


def _add_report_options(command: argparse.ArgumentParser) -> None:
    """`--output-format` (also `--format`) and `--output`, as `scan` and `merge-reports`
    take them."""
    command.add_argument("--output-format", "--format", dest="format", default="text",
                         choices=formats.SCAN)
    command.add_argument("--output", metavar="FILE",
                         help="write the report to FILE (text still goes to the terminal)")


def _add_output_options(command: argparse.ArgumentParser) -> None:
    """What every reporting command takes: `--exit-zero`, `-q`, `--statistics`."""
    command.add_argument("--exit-zero", action="store_true",
                         help="exit 0 even when something is found (2 still means an error)")
    command.add_argument("-q", "--quiet", action="store_true",
                         help="text output: the findings only, no summary")
    command.add_argument("--statistics", action="store_true",
                         help="text output: how many findings of each rule, not the findings")
    command.add_argument("-v", "--verbose", action="store_true",
                         help="say on standard error what is read and how long it takes")
    command.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="colour the text output (auto: on a terminal, unless NO_COLOR "
                              "is set; FORCE_COLOR forces it)")


def _add_doctor(sub: argparse._SubParsersAction[_Parser]) -> None:
    doctor = sub.add_parser("doctor", help="show where uv takes each index's credentials from "
                                           "and what the index answers")
    doctor.add_argument("path", nargs="?", metavar="PATH",
                        help="pyproject.toml, uv.toml or a project directory (default: .)")
    doctor.add_argument("--format", choices=("text", "json"), default="text")
    doctor.add_argument("--no-probe", action="store_true",
                        help="do not send a request to the indexes")
    doctor.add_argument("--index", metavar="NAME", help="only the index with this name")
    doctor.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="time limit of each probe request (default: 10)")


def _add_fix(sub: argparse._SubParsersAction[_Parser]) -> None:
    fix = sub.add_parser("fix", help="move a token from an index URL to keyring or an env file")
    fix.add_argument("path", nargs="?", metavar="PATH",
                     help="pyproject.toml or uv.toml (default: ./pyproject.toml)")
    fix.add_argument("--to", choices=("keyring", "env"), required=True,
                     help="where the token goes")
    fix.add_argument("--index", metavar="NAME", help="only the index with this name")
    fix.add_argument("--env-file", metavar="PATH",
                     help="with `--to env`: the file to write (default: .env beside PATH)")
    fix.add_argument("--enable-keyring-provider", action="store_true",
                     help='with `--to keyring`: also set `keyring-provider = "subprocess"`')
    fix.add_argument("--force", action="store_true",
                     help="replace a different value already stored for the same name")


def _add_scan(sub: argparse._SubParsersAction[_Parser]) -> None:
    scan = sub.add_parser("scan", help="block GitLab/PyPI tokens and passwords in URLs")
    scan.add_argument("paths", nargs="*", metavar="PATH",
                      help="files or directories (default: .); directories honour .gitignore; "
                           "`-` reads standard input")
    scan.add_argument("--stdin-filename", metavar="NAME",
                      help="with `-`: the name standard input is reported under (default: -)")
    where = scan.add_mutually_exclusive_group()
    where.add_argument("--staged", action="store_true",
                       help="scan the staged content of the git index (for a git hook)")
    where.add_argument("--git", nargs="?", const="HEAD", metavar="REV_RANGE",
                       help="scan the lines each commit in REV_RANGE adds (default: HEAD)")
    scan.add_argument("--all", action="store_true", dest="all_refs",
                      help="with --git: every commit reachable from any ref")
    scan.add_argument("--shard", metavar="K/N",
                      help="with --git: scan shard K of N of the commits (one CI job each; "
                           "join the JSON reports with `merge-reports`)")
    scan.add_argument("--verify", action="store_true",
                      help="ask the GitLab instance whether each GitLab token found is active "
                           "(sends those tokens to it; nothing is sent without this)")
    scan.add_argument("--gitlab-url", metavar="URL",
                      help="with --verify: the instance (default: $CI_SERVER_URL, else "
                           "https://gitlab.com)")
    scan.add_argument("--force-exclude", action="store_true",
                      help="apply `exclude` to files named on the command line too (for "
                           "pre-commit, which names every file)")
    scan.add_argument("--baseline", metavar="FILE", help="ignore findings recorded in FILE")
    scan.add_argument("--write-baseline", metavar="FILE",
                      help="record the fingerprints of all current findings in FILE")
    _add_report_options(scan)
    _add_output_options(scan)


def _add_merge_reports(sub: argparse._SubParsersAction[_Parser]) -> None:
    merge = sub.add_parser("merge-reports",
                           help="join the JSON reports of `scan --shard` jobs into one report")
    merge.add_argument("reports", nargs="+", metavar="REPORT",
                       help="JSON reports of `scan --format json`")
    _add_report_options(merge)
    _add_output_options(merge)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # A bad invocation shows the command's own usage, as ruff's does, not the top level's.
    command = _commands(parser).get(args.command or "", parser)
    if extra:
        from uv_index_guard.redact import safe_text

        command.error(f"unrecognized arguments: {safe_text(' '.join(extra))}")
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if getattr(args, "verbose", False):
        from uv_index_guard.hooks import verbose

        verbose.enable(sys.stderr)
    try:
        code = _run(command, args)
    finally:
        if getattr(args, "verbose", False):
            verbose.disable()
    return 0 if code == 1 and getattr(args, "exit_zero", False) else code


def use_color(choice: str, stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether text output is coloured: `--color always|never` decides; with `auto`, a
    non-empty NO_COLOR turns colour off and a FORCE_COLOR other than 0 on (no-color.org,
    force-color.org), else a terminal that is not `dumb` gets it."""
    if choice != "auto":
        return choice == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and env.get("TERM") != "dumb"


def _style(args: argparse.Namespace) -> Style:
    import os

    from uv_index_guard.report import Style

    return Style(quiet=args.quiet, statistics=args.statistics,
                 color=use_color(args.color, sys.stdout, os.environ))


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _run(command: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the command ``args`` name; ``command`` is its parser (for usage errors)."""
    try:
        if args.command == "check":
            from uv_index_guard.hooks.check import run

            return run(args.paths, args.format, Severity.parse(args.fail_on), sys.stdout,
                       sys.stderr, sys.stdin.buffer, args.stdin_filename, style=_style(args),
                       fix=args.fix, unsafe=args.unsafe_fixes)
        if args.command == "scan":
            if (args.staged or args.git or args.all_refs) and args.paths:
                command.error("`scan` takes paths or `--staged`/`--git`, not both")
            if args.all_refs and args.git not in (None, "HEAD"):
                command.error("`--all` takes no REV_RANGE")
            if args.shard and args.git is None and not args.all_refs:
                command.error("`--shard` splits a history scan: give `--git` or `--git --all`")
            if args.gitlab_url and not args.verify:
                command.error("`--gitlab-url` names the instance for `--verify`")
            listing = None
            if args.shard:  # git walks the graph while the scanner loads
                from uv_index_guard.hooks.git import ShardListing, history_revs

                listing = ShardListing(history_revs(args.git, args.all_refs))
            from uv_index_guard.hooks import scan

            return scan.run(scan.Options(
                paths=args.paths, staged=args.staged, git=args.git, all_refs=args.all_refs,
                baseline=args.baseline, write_baseline=args.write_baseline,
                format=args.format, output=args.output, shard=args.shard, verify=args.verify,
                gitlab_url=args.gitlab_url, force_exclude=args.force_exclude,
                stdin=sys.stdin.buffer.read, stdin_name=args.stdin_filename,
                style=_style(args), listing=listing), sys.stdout, sys.stderr)
        if args.command == "merge-reports":
            from uv_index_guard.hooks import scan

            return scan.merge_reports(args.reports, args.format, args.output, sys.stdout,
                                      sys.stderr, style=_style(args))
        if args.command == "doctor":
            import os

            from uv_index_guard.credentials import doctor

            return doctor.run(doctor.Options(args.path, args.format, not args.no_probe,
                                             args.index, args.timeout),
                              os.environ, sys.stdout, sys.stderr)
        if args.command == "fix":
            import os

            from uv_index_guard.credentials import fix

            return fix.run(fix.Options(args.path, args.to, args.index, args.env_file,
                                       args.enable_keyring_provider, args.force),
                           os.environ, sys.stdout, sys.stderr)
        if args.command == "rule":
            from uv_index_guard.hooks import rule as rule_docs

            if args.all == (args.code is not None):
                command.error("`rule` takes a CODE or `--all`")
            if args.all:
                print(rule_docs.table(), file=sys.stdout)
                return 0
            text = rule_docs.explain(args.code)
            if text is None:
                from uv_index_guard.redact import safe_text

                print(f"error: no rule `{safe_text(args.code)}`; `uv-index-guard rule --all` "
                      "lists them", file=sys.stderr)
                return 2
            print(text, file=sys.stdout)
            return 0
        if args.command == "lsp":
            from uv_index_guard.lsp.server import main as lsp_main

            return lsp_main()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: never exit 1, which means "found something"
        print(f"error: {internal_error(exc)}", file=sys.stderr)
        return 2
    command.print_help(sys.stderr)
    return 2


def internal_error(exc: BaseException) -> str:
    """An unexpected exception, by type and frames only (see :func:`redact.exception_trail`)."""
    from uv_index_guard.redact import exception_trail

    return f"internal error: {exception_trail(exc)} (a bug in uv-index-guard: please report it)"


if __name__ == "__main__":
    raise SystemExit(main())
