#!/usr/bin/env python3
"""Hostile-input harness: runs every case of cases.py against the iclab jar and tallies them.

    python3 tools/hostile/hostile.py [--jobs 2] [--only SUBSTRING] [--work DIR] [--report FILE]

Each case runs `java -jar` on a copy of iclab-cli/target/iclab.jar (built by ./iclab first) with its
own temporary folder (java.io.tmpdir), and is checked against its expectation:

- ok: exit 0; refuse: exit 1 or 2 with one stderr line starting "error:" (one clear line);
- always: no stack trace, no "internal error", no uncaught Error, no cursor codes on a non-terminal
  stderr, nothing left in the case's temporary folder, and the case's own checks (what the error
  names, nothing half-written, results equal to an uninterrupted run).

Prints a per-case table and the tally; --report writes them as Markdown (paths relative).
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixtures import Fixtures  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
STACK = re.compile(r"^\s+at [\w$.<>/]+\(.*\)$|Exception in thread|internal error|OutOfMemoryError", re.M)


class Result:
    def __init__(self, code, out, err, seconds):
        self.code, self.out, self.err, self.seconds = code, out, err, seconds

    @property
    def first_err(self):
        """The error line (progress lines may come before it), else the first line of stderr."""
        lines = [line.strip() for line in self.err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        return errors[0] if errors else (lines[0] if lines else "")

    @property
    def one_error_line(self):
        return sum(1 for line in self.err.splitlines() if line.startswith("error:")) == 1


class Harness:
    def __init__(self, work, java_opts):
        self.work = work
        self.jar = os.path.join(work, "iclab.jar")
        self.java_opts = java_opts
        self.fx = Fixtures(REPO, work)

    def java(self, case_tmp, args, ulimit_f=None):
        cmd = ["java", *self.java_opts, f"-Djava.io.tmpdir={case_tmp}", "-Dai.djl.offline=true",
               "-Dfile.encoding=UTF-8", "-jar", self.jar, *args]
        if ulimit_f is not None:
            quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in cmd)
            cmd = ["bash", "-c", f"ulimit -f {ulimit_f}; exec {quoted}"]
        return cmd

    def env(self, extra=None):
        env = dict(os.environ)
        env.update({"DJL_OFFLINE": "true", "OPT_OUT_TRACKING": "true",
                    "HF_HUB_CACHE": os.path.join(self.work, "fx", "hub"),
                    "HF_ENDPOINT": "http://127.0.0.1:9",
                    "ICLAB_CACHE_DIR": os.path.join(self.work, "cache")})
        env.pop("HF_HOME", None)
        env.update(extra or {})
        return env

    def start(self, case, args, ulimit_f=None, env=None, **popen):
        return subprocess.Popen(self.java(case.tmp, args, ulimit_f), cwd=case.dir, env=self.env(env),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)

    def run(self, case, args, ulimit_f=None, env=None, timeout=None, stdin=None):
        started = time.time()
        proc = self.start(case, args, ulimit_f, env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)
        try:
            out, err = proc.communicate(stdin, timeout=timeout or case.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            return Result(-999, out.decode(errors="replace"), err.decode(errors="replace"), time.time() - started)
        return Result(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                      time.time() - started)


class Case:
    """One hostile input: args (or a scenario function), an expectation and checks."""

    def __init__(self, cid, command, category, what, args=None, expect="refuse", says=(), checks=(),
                 scenario=None, ulimit_f=None, env=None, timeout=180, stdin=None, verbose_ok=False):
        self.id, self.command, self.category, self.what = cid, command, category, what
        self.args, self.expect, self.says, self.checks = args, expect, says, checks
        self.scenario, self.ulimit_f, self.env, self.timeout = scenario, ulimit_f, env, timeout
        self.stdin, self.verbose_ok = stdin, verbose_ok
        self.note = None

    def expectation(self):
        text = {"ok": "exit 0", "refuse": "exit 1/2, one line", "usage": "exit 2, one line",
                "either": "exit 0, or 1/2 with one line"}[self.expect]
        if self.says:
            text += "; names " + ", ".join(f"'{s}'" for s in self.says)
        for check in self.checks:
            text += "; " + check.__doc__.strip()
        return text


def verify(case, harness, result):
    """The failures of one result against its case (empty when handled)."""
    problems = []
    if result.code == -999:
        return [f"hung past {case.timeout}s"]
    if not case.verbose_ok and STACK.search(result.err + result.out):
        problems.append("stack trace or internal error")
    if "\x1b[" in result.err or "\r" in result.err:
        problems.append("cursor codes on a non-terminal stderr")
    if case.expect == "ok" and result.code != 0:
        problems.append(f"exit {result.code}, expected 0")
    elif case.expect == "either" and result.code != 0:
        if result.code not in (1, 2):
            problems.append(f"exit {result.code}")
        if not result.one_error_line:
            problems.append("no one-line error")
    elif case.expect in ("refuse", "usage"):
        wanted = (2,) if case.expect == "usage" else (1, 2)
        if result.code == 0:
            problems.append("exit 0 on garbage")
        elif result.code not in wanted:
            problems.append(f"exit {result.code}")
        if not result.one_error_line:
            problems.append("no one-line error")
    for s in case.says:
        if s.lower() not in (result.err + result.out).lower():
            problems.append(f"does not name '{s}'")
    for check in case.checks:
        message = check(case, harness, result)
        if message:
            problems.append(message)
    leftovers = os.listdir(case.tmp) if os.path.isdir(case.tmp) else []
    if leftovers:
        problems.append("left in tmp: " + ", ".join(sorted(leftovers)[:3]))
    return problems


def run_case(case, harness):
    case.dir = os.path.join(harness.work, "cases", case.id)
    case.tmp = os.path.join(case.dir, "tmp")
    shutil.rmtree(case.dir, ignore_errors=True)
    os.makedirs(case.tmp)
    try:
        if case.scenario:
            result = case.scenario(case, harness)
        else:
            result = harness.run(case, case.args, case.ulimit_f, case.env, stdin=case.stdin)
        problems = verify(case, harness, result)
        with open(os.path.join(case.dir, "stderr.txt"), "w") as log:
            log.write(f"exit {result.code}\n{result.err}\n--- stdout ---\n{result.out[-4000:]}")
    except Exception as e:  # a broken scenario is a harness failure, shown as such
        result, problems = Result(-1, "", "", 0), [f"harness: {type(e).__name__}: {e}"]
    return case, result, problems


def relative(text, harness):
    return text.replace(harness.work, "$W").replace(REPO + "/", "").replace(REPO, ".")


def markdown(rows, harness, command, tally):
    lines = [
        "# Hostile inputs: the tally",
        "",
        "Bad, adversarial and unlucky inputs across every command (issue 19), run by",
        "`tools/hostile/hostile.py`; each case states what handling it well means. Made with:",
        "",
        "```bash",
        command,
        "```",
        "",
        "Every case: no stack trace (without `--verbose`), no `internal error`, no cursor codes on a",
        "non-terminal stderr, nothing left in its temporary folder. `refuse`: exit 1 or 2 and one",
        "stderr line starting `error:`; `ok`: exit 0. `$W` is the harness's work folder.",
        "",
        f"**{tally}**",
        "",
        "| case | command | category | input | expectation | result | exit | first line of stderr |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, result, problems in rows:
        verdict = "handled" if not problems else "**FAILED**: " + "; ".join(problems)
        first = relative(result.first_err, harness)[:110].replace("|", "\\|")
        lines.append(
            f"| {case.id} | {case.command} | {case.category} | {relative(case.what, harness).replace('|', '/')} | "
            f"{case.expectation().replace('|', '/')} | {verdict.replace('|', '/')} | {result.code} | {first} |"
        )
    return "\n".join(lines) + "\n"


def main():
    # A harness started in the background (`&`) inherits an ignored SIGINT, and so would every run:
    # the Ctrl-C cases need the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default=None, help="run only cases whose id contains this")
    parser.add_argument("--cases", default=None, help="run only these case ids (comma separated)")
    parser.add_argument("--work", default="/tmp/iclab-hostile")
    parser.add_argument("--report", default=None)
    parser.add_argument("--xmx", default="2g")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep the work folder's jar and inputs")
    args = parser.parse_args()

    import cases as case_module

    # Fast start-up: the work happens in native code, so C1 alone and a serial GC do not slow it.
    harness = Harness(os.path.abspath(args.work),
                      [f"-Xmx{args.xmx}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"])
    all_cases = case_module.cases(harness.fx)
    ids = [c.id for c in all_cases]
    assert len(ids) == len(set(ids)), "case ids repeat"
    if args.list:
        for c in all_cases:
            print(c.id, c.command, c.category, c.what, sep="\t")
        print(len(all_cases), "cases")
        return 0
    wanted = set(args.cases.split(",")) if args.cases else None
    selected = [c for c in all_cases if (args.only is None or args.only in c.id)
                and (wanted is None or c.id in wanted)]
    os.makedirs(harness.work, exist_ok=True)
    print("building the jar (./iclab --version) ...", file=sys.stderr)
    if not args.reuse:
        subprocess.run([os.path.join(REPO, "iclab"), "--version"], check=True, stdout=subprocess.DEVNULL)
        shutil.copy(os.path.join(REPO, "iclab-cli/target/iclab.jar"), harness.jar)
        harness.fx.build()

    rows, lock = [], threading.Lock()
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for case, result, problems in pool.map(lambda c: run_case(c, harness), selected):
            with lock:
                rows.append((case, result, problems))
                mark = "ok  " if not problems else "FAIL"
                print(f"{mark} {case.id:34s} exit {result.code:4d} {result.seconds:5.1f}s "
                      f"{'; '.join(problems)[:150]}", flush=True)
    handled = sum(1 for _, _, p in rows if not p)
    commands = sorted({c.command for c, _, _ in rows})
    tally = (f"{handled} of {len(rows)} cases handled, {len(rows) - handled} failed "
             f"({len(commands)} commands, {time.time() - started:.0f} s with {args.jobs} jobs)")
    print(tally)
    if args.report:
        command = "python3 tools/hostile/hostile.py --jobs %d --report %s" % (args.jobs, args.report)
        if args.only:
            command += f" --only {args.only}"
        open(args.report, "w").write(markdown(rows, harness, command, tally))
    return 0 if handled == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
