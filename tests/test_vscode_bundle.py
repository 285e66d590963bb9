"""The platform .vsix's server layout (vscode-client/scripts/bundle_server.py) and its launcher
(launch_server.py), on small trees built here: each Python gets every package once, a package
the same for several Pythons is stored once, and a Python the bundle has no libraries for is
told so. tests/test_vscode_client.py checks the real bundle inside the real .vsix."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parents[1] / "vscode-client" / "scripts"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_server = load("bundle_server")


def write(tree: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)


def dist(name: str, version: str, tag: str, files: dict[str, str]) -> dict[str, str]:
    """A distribution as `uv pip install --target` leaves it: its files, WHEEL and RECORD."""
    info = f"{name}-{version}.dist-info"
    record = "".join(f"{path},,\n" for path in files) + f"{info}/WHEEL,,\n{info}/RECORD,,\n"
    return {**files, f"{info}/WHEEL": f"Wheel-Version: 1.0\nTag: {tag}\n",
            f"{info}/RECORD": record}


def test_each_package_lands_in_the_layer_of_the_pythons_that_share_it(tmp_path: Path) -> None:
    staged = {tag: tmp_path / "staging" / tag for tag in ("cp310", "cp311", "cp312", "cp313")}
    for tag, tree in staged.items():
        write(tree, dist("pure", "1.0", "py3-none-any", {"pure/__init__.py": "x = 1\n"}))
        # A per-version extension, and one built for 3.11 and up.
        write(tree, dist("ext", "2.0", f"{tag}-{tag}-manylinux_2_17_x86_64",
                         {f"ext/_c.{tag}.so": tag}))
        if tag != "cp310":
            write(tree, dist("newer", "3.0", "py3-none-any", {"newer.py": "y = 2\n"}))
        # The stable ABI: the oldest Python's build (cp39-abi3) serves all; uv picks a
        # cp311-abi3 build for 3.11 and up, which the bundle need not carry.
        abi3 = ("cp39" if tag == "cp310" else "cp311") + "-abi3-manylinux_2_28_x86_64"
        write(tree, dist("crypto", "50.0", abi3, {"crypto/_rust.abi3.so": abi3}))
    moved = bundle_server.abi3_for_all(staged)
    assert moved == ["crypto-50.0.dist-info"]
    libs = tmp_path / "libs"
    layers = bundle_server.share(staged, libs)
    assert layers == ["cp310-cp311-cp312-cp313", "cp311-cp312-cp313", "cp310", "cp311",
                      "cp312", "cp313"]
    everyone = sorted(p.name for p in (libs / "cp310-cp311-cp312-cp313").iterdir())
    assert everyone == ["crypto", "crypto-50.0.dist-info", "pure", "pure-1.0.dist-info"]
    shared = libs / "cp310-cp311-cp312-cp313"
    assert (shared / "crypto" / "_rust.abi3.so").read_text().startswith("cp39")
    assert sorted(p.name for p in (libs / "cp311-cp312-cp313").iterdir()) == [
        "newer-3.0.dist-info", "newer.py"]
    assert (libs / "cp312" / "ext" / "_c.cp312.so").read_text() == "cp312"
    # Nothing is left behind, nothing is stored twice.
    assert not [p for tree in staged.values() for p in tree.iterdir()]
    names = [p.relative_to(layer) for layer in libs.iterdir() for p in layer.rglob("*")
             if p.is_file()]
    # Only what differs is stored per Python: ext's metadata names each one's own build.
    twice = {str(name) for name in names if names.count(name) > 1}
    assert twice == {"ext-2.0.dist-info/WHEEL", "ext-2.0.dist-info/RECORD"}
    assert len(names) == len(set(names)) + 2 * 3


def run_launcher(bundled: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", str(bundled / "server.py"), "--help"],
                          capture_output=True, text=True, timeout=60)


def test_the_launcher_runs_the_bundled_package(tmp_path: Path) -> None:
    tag = "cp{}{}".format(*sys.version_info[:2])
    layer = tmp_path / "libs" / f"cp310-{tag}"
    # A stand-in package on the bundle's path proves the launcher imports from the layers
    # (with -I nothing else is on sys.path but the standard library).
    write(layer, {"uv_index_guard/__init__.py": "",
                  "uv_index_guard/cli.py": "import sys\n"
                  "def main(argv):\n    print('bundled', argv, sys.path[0].endswith('"
                  f"{layer.name}'))\n    return 7\n"})
    shutil.copyfile(SCRIPTS / "launch_server.py", tmp_path / "server.py")
    proc = run_launcher(tmp_path)
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout.strip() == "bundled ['lsp', '--help'] True"


def test_the_launcher_names_the_pythons_it_has_for_another(tmp_path: Path) -> None:
    for tag in ("cp38", "cp39"):
        (tmp_path / "libs" / tag).mkdir(parents=True)
    shutil.copyfile(SCRIPTS / "launch_server.py", tmp_path / "server.py")
    proc = run_launcher(tmp_path)
    assert proc.returncode == 3
    version = "{}.{}".format(*sys.version_info[:2])
    assert proc.stderr.startswith(
        f"uv-index-guard: the bundled server runs on Python 3.8, 3.9 (this is Python {version}")


def test_the_extension_ships_the_repository_license() -> None:
    root = SCRIPTS.parents[1]
    assert (root / "vscode-client" / "LICENSE").read_bytes() == (root / "LICENSE").read_bytes()
