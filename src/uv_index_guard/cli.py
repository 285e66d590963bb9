"""The `uv-index-guard` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from uv_index_guard import __version__
from uv_index_guard.finding import Severity


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="uv-index-guard",
                     description="Check uv index configuration and keep registry credentials "
                                 "out of git.")
    parser.add_argument("--version", action="version", version=f"uv-index-guard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = sub.add_parser("check", help="check pyproject.toml and uv.toml files")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or directories (default: .)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                       help="lowest severity that makes the exit code 1 (default: error)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.command == "check":
            from uv_index_guard.hooks.check import run

            return run(args.paths, args.format, Severity.parse(args.fail_on), sys.stdout,
                       sys.stderr)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
