"""Writes the server a platform .vsix carries: `bundled/` in vscode-client/.

    python scripts/bundle_server.py --target linux-x64 [--out bundled] [--wheel FILE]

For each supported Python (3.10 to 3.13) it installs this repository's wheel and its
dependencies' wheels for the target platform with `uv pip install --target --python-platform
--python-version --only-binary :all:` (uv evaluates the dependencies' markers for the target,
not for this machine: SecretStorage on Linux only, pywin32-ctypes on Windows only, hyperscan
where its marker and a wheel allow). The versions are pinned once for every Python (`uv pip compile
--universal`), then every top-level entry goes to the layer of the Pythons that have it byte
for byte the same (see `share`), so a pure-Python package is in the .vsix once:

    bundled/server.py       the launcher (`python -I bundled/server.py`; see launch_server.py)
    bundled/libs/cp310-cp311-cp312-cp313/  what every Python shares
    bundled/libs/cp311-cp312-cp313/ ...    what some share (an abi3 extension for 3.11+)
    bundled/libs/cp310/ ...                what one Python needs of its own
    bundled/manifest.json   target, Pythons, and what went where

`uv` is taken from $UV, else PATH, else `python -m uv`. The wheel is built from the
repository (`uv build --wheel`) unless --wheel names one.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLIENT = HERE.parent
REPO = CLIENT.parent

#: vsce's --target names, and uv's --python-platform for each.
TARGETS = {
    "linux-x64": "x86_64-manylinux_2_17",
    "linux-arm64": "aarch64-manylinux_2_17",
    "darwin-x64": "x86_64-apple-darwin",
    "darwin-arm64": "aarch64-apple-darwin",
    "win32-x64": "x86_64-pc-windows-msvc",
}
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def uv_command() -> list[str]:
    if os.environ.get("UV"):
        return [os.environ["UV"]]
    if found := shutil.which("uv"):
        return [found]
    return [sys.executable, "-m", "uv"]


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True)


def same(a: Path, b: Path) -> bool:
    """Whether two files or trees hold the same names and bytes."""
    if a.is_dir() != b.is_dir():
        return False
    if not a.is_dir():
        return filecmp.cmp(a, b, shallow=False)
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    if filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)[1:] != ([], []):
        return False
    return all(same(a / d, b / d) for d in cmp.common_dirs)


def top_level(tree: Path, dist_info: str) -> set[str]:
    """The top-level entries of ``tree`` that a distribution installed (from its RECORD)."""
    record = tree / dist_info / "RECORD"
    return {line.split(",", 1)[0].split("/", 1)[0] for line in record.read_text().splitlines()
            if line and not line.startswith("..")} | {dist_info}


def abi3_for_all(staged: dict[str, Path]) -> list[str]:
    """Gives every Python the oldest one's build of a distribution built for the stable ABI
    (`cp39-abi3`): it runs on every newer Python, so the newer ones need not carry their own
    (cryptography ships a `cp311-abi3` build too, which uv prefers for 3.11 and up)."""
    oldest, *newer = staged.values()
    moved = []
    for wheel in sorted(oldest.glob("*.dist-info/WHEEL")):
        dist_info = wheel.parent.name
        tags = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines()
                if line.startswith("Tag:")]
        if not tags or not all(tag.split("-")[1] == "abi3" for tag in tags):
            continue
        entries = top_level(oldest, dist_info)
        for tree in newer:
            if not (tree / dist_info).is_dir():
                continue
            for entry in top_level(tree, dist_info) | entries:
                path = tree / entry
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
            for entry in entries:
                source = oldest / entry
                if source.is_dir():
                    shutil.copytree(source, tree / entry)
                else:
                    shutil.copyfile(source, tree / entry)
        moved.append(dist_info)
    return moved


def share(staged: dict[str, Path], libs: Path) -> list[str]:
    """Moves each top-level entry of the staged trees to the layer of the Pythons that have
    it byte for byte the same: `libs/cp310-cp311-cp312-cp313/` for what all share,
    `libs/cp311-cp312-cp313/` for an extension built for 3.11 and up, `libs/cp310/` for one
    Python's own. The launcher puts every layer whose name holds its tag on sys.path."""
    names = sorted({p.name for path in staged.values() for p in path.iterdir()})
    layers: set[str] = set()
    for name in names:
        groups: list[list[str]] = []  # tags whose copies of `name` are the same
        for tag, path in staged.items():
            if not (path / name).exists():
                continue
            for group in groups:
                if same(staged[group[0]] / name, path / name):
                    group.append(tag)
                    break
            else:
                groups.append([tag])
        for group in groups:
            layer = "-".join(group)
            (libs / layer).mkdir(parents=True, exist_ok=True)
            (staged[group[0]] / name).rename(libs / layer / name)
            for tag in group[1:]:
                copy = staged[tag] / name
                shutil.rmtree(copy) if copy.is_dir() else copy.unlink()
            layers.add(layer)
    return sorted(layers, key=lambda layer: (-layer.count("-"), layer))


def size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def bundle(target: str, out: Path, wheel: Path) -> dict[str, object]:
    uv = uv_command()
    if out.exists():
        shutil.rmtree(out)
    libs = out / "libs"
    staging = out / "staging"
    # One resolution for every Python and platform, so that a package has the same version
    # under each Python and can be shared.
    requirements = staging / "requirements.txt"
    staging.mkdir(parents=True)
    (staging / "requirements.in").write_text(f"uv-index-guard @ {wheel.as_uri()}\n")
    run([*uv, "pip", "compile", "--quiet", "--universal", "--python-version", PYTHONS[0],
         "--no-header", "--no-annotate", "--only-binary", ":all:",
         "--output-file", str(requirements), str(staging / "requirements.in")])
    pins = [line for line in requirements.read_text().splitlines()
            if line.strip() and not line.startswith(("#", " "))]
    staged: dict[str, Path] = {}
    for version in PYTHONS:
        tag = "cp" + version.replace(".", "")
        staged[tag] = staging / tag
        run([*uv, "pip", "install", "--quiet", "--no-cache", "--target", str(staged[tag]),
             "--python-platform", TARGETS[target], "--python-version", version,
             "--only-binary", ":all:", "--no-compile", "--no-deps", "-r", str(requirements)])
        # Console scripts name an interpreter of this machine; the launcher replaces them.
        shutil.rmtree(staged[tag] / "bin", ignore_errors=True)
        (staged[tag] / ".lock").unlink(missing_ok=True)  # uv's lock of the target dir
        for cache in staged[tag].rglob("__pycache__"):
            shutil.rmtree(cache)
    abi3 = abi3_for_all(staged)
    layers = share(staged, libs)
    shutil.copyfile(HERE / "launch_server.py", out / "server.py")
    manifest: dict[str, object] = {
        "target": target,
        "pythons": list(PYTHONS),
        "requirements": pins,
        "abi3_for_all": abi3,
        "layers": {name: sorted(p.name for p in (libs / name).iterdir()) for name in layers},
        "bytes": {name: size(libs / name) for name in layers},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(staging)
    return manifest


def build_wheel(dest: Path) -> Path:
    run([*uv_command(), "build", "--quiet", "--wheel", "--out-dir", str(dest), str(REPO)])
    wheels = sorted(dest.glob("uv_index_guard-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"error: expected one wheel in {dest}, found {len(wheels)}")
    return wheels[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, choices=sorted(TARGETS))
    parser.add_argument("--out", type=Path, default=CLIENT / "bundled")
    parser.add_argument("--wheel", type=Path, help="the uv-index-guard wheel (default: build it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="uig-bundle-") as tmp:
        wheel = args.wheel or build_wheel(Path(tmp))
        manifest = bundle(args.target, args.out.resolve(), wheel.resolve())
    sizes = manifest["bytes"]
    assert isinstance(sizes, dict)
    print(f"bundled {args.target}: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
