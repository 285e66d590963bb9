"""The house's layers, read from the package's own imports (every import statement,
including those inside functions and under `TYPE_CHECKING`).

- the core (text in, findings and edits out) imports no front end, no `credentials/`, no
  `files.py`, and nothing that touches files, processes or the network;
- `credentials/` imports no front end (`lsp/`, `hooks/`, `cli.py`);
- no import cycle between the package's modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "uv_index_guard"
FRONT_ENDS = ("uv_index_guard.cli", "uv_index_guard.__main__", "uv_index_guard.lsp",
              "uv_index_guard.hooks")
OUTSIDE_CORE = (*FRONT_ENDS, "uv_index_guard.credentials", "uv_index_guard.files")
# What a pure module must not use: the file system, processes, the network, keyring.
IMPURE = ("os", "pathlib", "subprocess", "socket", "shutil", "tempfile", "httpx", "keyring",
          "urllib.request", "http")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names; `from a import b` counts `a` and, when
    `a.b` is a module of the package, `a.b`)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: {m for m in imports(path) if m in MODULES and m != name}
         for name, path in MODULES.items()}


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_graph_is_read() -> None:
    assert "uv_index_guard.engine" in GRAPH["uv_index_guard.hooks.check"]
    assert "uv_index_guard.syntax.parse" in GRAPH["uv_index_guard.syntax"]


def test_core_imports_no_front_end_and_no_io() -> None:
    core = [name for name in MODULES if not under(name, OUTSIDE_CORE)]
    assert "uv_index_guard.engine" in core and "uv_index_guard.rules.base" in core
    for name in core:
        bad = sorted(m for m in GRAPH[name] if under(m, OUTSIDE_CORE))
        assert not bad, f"{name} imports {bad}"
        impure = sorted(m for m in imports(MODULES[name]) if under(m, IMPURE))
        assert not impure, f"{name} imports {impure}"


def test_credentials_import_no_front_end() -> None:
    for name in MODULES:
        if under(name, ("uv_index_guard.credentials",)):
            bad = sorted(m for m in GRAPH[name] if under(m, FRONT_ENDS))
            assert not bad, f"{name} imports {bad}"


def test_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for dep in sorted(GRAPH[name]):
            if dep.startswith(name + "."):
                continue  # a package importing its own modules (its face) is no cycle
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join(
                    [*path[path.index(dep):], dep]))
            if dep not in state:
                visit(dep)
        path.pop()
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


def test_the_secret_gate_loads_neither_the_toml_syntax_nor_the_uv_model(tmp_path: Path) -> None:
    """`scan` (the pre-commit hook and the CI gate) starts on every commit and every shard
    job: it masks what it shows without loading tree-sitter or the uv index model (the
    variable names a mask needs live in `index_env`), and a scan of files loads no
    `subprocess`."""
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text("nothing here\n")
    code = ("import sys\nfrom uv_index_guard.cli import main\n"
            "try:\n    main(['scan', '--format', 'json', 'a.txt'])\n"
            "except SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=True)
    loaded = set(done.stderr.split())
    assert "uv_index_guard.scanner" in loaded and '"findings": []' in done.stdout
    assert "subprocess" not in loaded  # a scan of files runs no git
    assert not {m for m in loaded if under(m, ("tree_sitter", "tree_sitter_toml",
                                                 "uv_index_guard.syntax",
                                                 "uv_index_guard.model"))}
