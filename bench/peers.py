#!/usr/bin/env python3
"""Preflight's scan against other linters, on the same files, in one table.

    python3 bench/peers.py                 # everything: corpora, tools, build, measurements
    python3 bench/peers.py --runs 7        # more runs per measurement (default 5)
    python3 bench/peers.py --only preflight,ruff
    python3 bench/peers.py --smoke         # tests/fixtures, Preflight and the floor, debug, 1 run

Corpora (bench/corpus.sh downloads them into bench/.corpora):
  django  every .py of Django's source distribution (tests included)
  ts      the .ts sources of the effect and rxjs npm packages (src/ only)

Tools are installed into bench/.tools (ignored by git) at pinned versions: Ruff and Semgrep
from PyPI into a virtualenv, oxlint, Biome, ESLint with the typescript-eslint parser and
ast-grep from npm with a local prefix. Each runs a rule subset like Preflight's (see
bench/README.md); Preflight runs every rule. Each measurement is one warm-up run, then the median
wall time of --runs runs; peak RSS is the largest of the runs (the process and its waited-for
children, from wait4). "floor" rows are bench/floor.rs: tree-sitter alone on the same files.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOOLS = BENCH / ".tools"
CORPORA = BENCH / ".corpora"
PEERS = BENCH / "peers"

PYPI = {"ruff": "0.17.6", "semgrep": "1.182.0"}
NPM = {
    "oxlint": "1.94.0",
    "@biomejs/biome": "2.6.8",
    "eslint": "10.15.0",
    "@typescript-eslint/parser": "8.73.0",
    "@ast-grep/cli": "0.51.1",
}
# Semgrep leaves out some folders whatever it is told (`tests/` among them): its own report
# says which files it read, and its row counts those.
SEMGREP_REPORT = TOOLS / "semgrep-report.json"
RUFF_RULES = "T201,S105,S106,S107,S113,S501,S608,E722,BLE001,S104"
ESLINT_CONFIG = """\
import tsParser from "@typescript-eslint/parser";
export default [
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tsParser },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: { "no-console": "error" },
  },
];
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


def run_checked(args, **kwargs):
    subprocess.run(args, check=True, **kwargs)


# ---- set-up ------------------------------------------------------------------------------------


def install_tools():
    py = TOOLS / "py"
    if not (py / "bin" / "python").exists():
        log("== creating the Python tool environment")
        run_checked([sys.executable, "-m", "venv", str(py)])
    wanted = [f"{name}=={version}" for name, version in PYPI.items()]
    installed = subprocess.run(
        [str(py / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True
    ).stdout.lower()
    if any(w.lower() not in installed for w in wanted):
        log("== installing " + " ".join(wanted))
        run_checked([str(py / "bin" / "python"), "-m", "pip", "install", "--quiet", *wanted])
    node = TOOLS / "node"
    node.mkdir(parents=True, exist_ok=True)
    manifest = node / "package.json"
    if not manifest.exists():
        manifest.write_text('{"name": "preflight-bench-tools", "private": true}\n')
    missing = []
    for name, version in NPM.items():
        package = node / "node_modules" / name / "package.json"
        if not package.exists() or json.loads(package.read_text())["version"] != version:
            missing.append(f"{name}@{version}")
    if missing:
        log("== installing " + " ".join(missing))
        run_checked(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(node), *missing]
        )
    (node / "eslint.config.mjs").write_text(ESLINT_CONFIG)


def prepare_corpora():
    """The two corpora as folders holding exactly the files every tool reads."""
    if not (CORPORA / "django").is_dir() or not (CORPORA / "effect").is_dir():
        run_checked(["bash", str(BENCH / "corpus.sh")])
    django = CORPORA / "_bench-django"
    if not django.is_dir():
        copy_files(CORPORA / "django", django, ".py")
    ts = CORPORA / "_bench-ts"
    if not ts.is_dir():
        for package in ("effect", "rxjs"):
            copy_files(CORPORA / package / "src", ts / package, ".ts")
    return {
        "django": (django, ".py"),
        "ts": (ts, ".ts"),
    }


def copy_files(source, destination, extension):
    """The files of `source` that end in `extension`, with their folders."""
    shutil.copytree(
        source,
        destination,
        ignore=lambda d, names: [
            n for n in names if not (Path(d, n).is_dir() or n.endswith(extension))
        ],
    )


def build(release):
    profile = "release" if release else "debug"
    log(f"== building preflight and the floor benchmark ({profile})")
    args = ["cargo", "build", "--locked", "-p", "preflight", "--bin", "preflight", "--example", "floor"]
    run_checked(args + (["--release"] if release else []), cwd=ROOT)
    out = ROOT / "target" / profile
    return out / "preflight", out / "examples" / "floor"


def corpus_stats(folder, extension):
    files = [p for p in folder.rglob("*" + extension) if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    lines = 0
    for p in files:
        with open(p, "rb") as handle:
            lines += handle.read().count(b"\n")
    return len(files), size, lines


# ---- measurement -------------------------------------------------------------------------------


def run_once(args, cwd, env):
    """Wall seconds, peak RSS in bytes and exit code of one run; output is discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss * 1024, process.returncode, stderr


def measure(name, args, cwd, runs, ok_codes=(0, 1), env=None):
    env = dict(os.environ, **(env or {}))
    times, peak = [], 0
    for index in range(runs + 1):
        elapsed, rss, code, stderr = run_once(args, cwd, env)
        if code not in ok_codes:
            raise SystemExit(
                f"{name} failed with exit code {code}:\n{' '.join(map(str, args))}\n"
                + stderr.decode(errors="replace")[-3000:]
            )
        if index > 0:  # the first run warms the caches
            times.append(elapsed)
            peak = max(peak, rss)
    return statistics.median(times), peak


def floor_seconds(floor, mode, folder, runs):
    """The floor's own timing of its parallel part (file reading excluded), median of runs."""
    values = []
    line = ""
    for index in range(runs + 1):
        line = subprocess.run(
            [str(floor), mode, str(folder)], capture_output=True, text=True, check=True
        ).stdout.strip()
        if index > 0:
            values.append(float(line.rsplit("seconds=", 1)[1]))
    fields = dict(part.split("=", 1) for part in line.split("\t")[1:])
    return statistics.median(values), fields


def preflight_files(binary, folder, config):
    """How many files Preflight analyses, from its summary line ("Checked N files in …")."""
    args = [str(binary), "check", "--format", "human"]
    if config:
        args += ["--config", str(config)]
    done = subprocess.run(
        args + ["."], cwd=folder, capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1")
    )
    words = (done.stdout + done.stderr).split("Checked ", 1)[1].split()
    return int(words[0].replace(",", ""))


def tool_commands(corpus, folder):
    node_bin = TOOLS / "node" / "node_modules" / ".bin"
    py_bin = TOOLS / "py" / "bin"
    semgrep = [
        str(py_bin / "semgrep"), "scan", "--config", str(PEERS / "semgrep.yml"), "--metrics=off",
        "--disable-version-check", "--no-git-ignore", "--jobs", "2", "--quiet", "--json",
        "--output", str(SEMGREP_REPORT), ".",
    ]
    ast_grep = [str(node_bin / "ast-grep"), "scan", "--config", str(PEERS / "ast-grep" / "sgconfig.yml"), "--json=stream", "."]
    if corpus == "django":
        return {
            "ruff": [str(py_bin / "ruff"), "check", "--isolated", "--no-cache", "--select", RUFF_RULES, "--quiet", "."],
            "ast-grep": ast_grep,
            "semgrep": semgrep,
        }
    return {
        "oxlint": [str(node_bin / "oxlint"), "-A", "all", "-D", "no-console", "--threads", "2", "--quiet", "."],
        "biome": [str(node_bin / "biome"), "lint", "--config-path", str(PEERS / "biome.json"), "--max-diagnostics=0", "."],
        "eslint": [str(node_bin / "eslint"), "--config", str(TOOLS / "node" / "eslint.config.mjs"), "--no-warn-ignored", "."],
        "ast-grep": ast_grep,
        "semgrep": semgrep,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="comma-separated tools (preflight, floor, ruff, …)")
    parser.add_argument("--corpus", help="django or ts (default: both)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tests/fixtures, no peers, one run, debug build: checks the harness, measures nothing",
    )
    options = parser.parse_args()
    only = set(options.only.split(",")) if options.only else None
    wanted = lambda tool: only is None or tool in only  # noqa: E731

    preflight, floor = build(release=not options.smoke)
    if options.smoke:
        corpora = {"fixtures": (ROOT / "tests" / "fixtures", "")}
        options.runs = 1
    else:
        corpora = prepare_corpora()
        if only is None or only - {"preflight", "preflight-default", "floor"}:
            install_tools()
    if options.corpus:
        corpora = {options.corpus: corpora[options.corpus]}

    rows = []
    for corpus, (folder, extension) in corpora.items():
        if extension:
            files, size, lines = corpus_stats(folder, extension)
        else:
            files, size, lines = preflight_files(preflight, folder, PEERS / "preflight-all-files.toml"), 0, 0
        log(f"== {corpus}: {files} files, {size / 1e6:.1f} MB, {lines} lines")
        results = []  # (tool, seconds, rss, files)
        if wanted("preflight"):
            args = [str(preflight), "check", "--format", "json", "--config", str(PEERS / "preflight-all-files.toml"), "."]
            seconds, rss = measure("preflight", args, folder, options.runs)
            results.append(("preflight", seconds, rss, preflight_files(preflight, folder, PEERS / "preflight-all-files.toml"), size))
        if wanted("preflight-default") and not options.smoke:
            args = [str(preflight), "check", "--format", "json", "."]
            seconds, rss = measure("preflight-default", args, folder, options.runs)
            results.append(("preflight (default skips)", seconds, rss, preflight_files(preflight, folder, None), None))
        if wanted("floor"):
            for mode in ("parse", "query", "analyze", "full"):
                seconds, fields = floor_seconds(floor, mode, folder, options.runs)
                label = {
                    "parse": "floor: parse only",
                    "query": "floor: parse + 1 query",
                    "analyze": "floor: engine, prefilter",
                    "full": "floor: engine, no prefilter",
                }[mode]
                results.append((label, seconds, None, int(fields["files"]), size))
                if mode == "analyze":
                    passed = int(fields["prefilter_passed"])
                    log(f"   prefilter lets {passed} of {fields['files']} files through ({100 - 100 * passed / max(1, int(fields['files'])):.0f}% skipped)")
        if not options.smoke:
            for tool, args in tool_commands(corpus, folder).items():
                if wanted(tool):
                    log(f"   {tool}")
                    seconds, rss = measure(tool, args, folder, options.runs, env={"SEMGREP_SEND_METRICS": "off"})
                    count, read = files, size
                    if tool == "semgrep":
                        scanned = json.loads(SEMGREP_REPORT.read_text())["paths"]["scanned"]
                        count = len(scanned)
                        read = sum((folder / path).stat().st_size for path in scanned)
                        tool = f"semgrep ({count} files read)"
                    results.append((tool, seconds, rss, count, read))
        reference = next((r[1] for r in results if r[0] == "preflight"), None)
        for tool, seconds, rss, count, read in results:
            rows.append((corpus, tool, seconds, count, read, rss, reference))

    print()
    print("| corpus | tool | wall time | files/s | MB/s | peak RSS | Preflight / tool |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for corpus, tool, seconds, count, size, rss, reference in rows:
        mbs = f"{size / 1e6 / seconds:.1f}" if size else "–"
        memory = f"{rss / 2**20:.0f} MB" if rss else "–"
        ratio = f"{reference / seconds:.2f}" if reference and tool != "preflight" else "–"
        print(f"| {corpus} | {tool} | {seconds:.3f} s | {count / seconds:,.0f} | {mbs} | {memory} | {ratio} |")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nLoad average at the end (1, 5, 15 min): {load} on {os.cpu_count()} cores.")


if __name__ == "__main__":
    main()
