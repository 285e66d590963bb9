"""Runs the uv-index-guard language server bundled in a platform .vsix.

The extension starts it as `python -I <extension>/bundled/server.py` (isolated: no user
site-packages, no PYTHONPATH, so nothing installed elsewhere shadows the bundled packages).
It puts every layer of `libs/` whose name holds this Python's tag (`cp312` is in
`libs/cp310-cp311-cp312-cp313/`, `libs/cp311-cp312-cp313/` and `libs/cp312/`) first on
sys.path, and runs `uv-index-guard lsp` over stdio. Written for any Python 3 (no f-strings,
no annotations), so an unsupported one is told so rather than failing on syntax.
"""

import os
import sys

MINIMUM = (3, 10)
EXIT_UNSUPPORTED = 3  # the extension reads this status and names the Python it needs


def main():  # type: ignore[no-untyped-def]
    here = os.path.dirname(os.path.abspath(__file__))
    libs = os.path.join(here, "libs")
    version = "{}.{}".format(*sys.version_info[:2])
    tag = "cp{}{}".format(*sys.version_info[:2])
    layers = sorted(os.listdir(libs))
    have = sorted({t for layer in layers for t in layer.split("-")}, key=lambda t: int(t[3:]))
    own = [os.path.join(libs, layer) for layer in layers if tag in layer.split("-")]
    if sys.version_info[:2] < MINIMUM or tag not in have:
        sys.stderr.write(
            "uv-index-guard: the bundled server runs on Python {} (this is Python {} at {})\n"
            .format(", ".join(t[2] + "." + t[3:] for t in have), version, sys.executable))
        return EXIT_UNSUPPORTED
    sys.path[0:0] = own
    from uv_index_guard.cli import main as cli

    return cli(["lsp", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
