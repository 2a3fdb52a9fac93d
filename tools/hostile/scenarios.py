"""Checks and multi-step scenarios (kill -9, Ctrl-C, two writers, full disk, resume) of the harness."""

import glob
import hashlib
import json
import os
import re
import signal
import subprocess
import time

TIMING = re.compile(r"(seconds|elapsed|wall|_per_s|per_second|_s$|timestamp|started|finished|tok_s|tokens_per)")


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not TIMING.search(k)}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def normalized(path):
    """A result file's content with timing keys removed (JSON, JSONL) or its SHA-256."""
    data = open(path, "rb").read()
    if path.endswith(".json"):
        return json.dumps(_clean(json.loads(data)), sort_keys=True)
    if path.endswith(".jsonl"):
        return sorted(json.dumps(_clean(json.loads(l)), sort_keys=True) for l in data.splitlines() if l.strip())
    return hashlib.sha256(data).hexdigest()


# -- checks: f(case, harness, result) -> None or a problem; the docstring is the expectation ------


def nothing_written(rel="out"):
    def check(case, harness, result):
        path = os.path.join(case.dir, rel)
        if not os.path.exists(path):
            return None
        left = [f for f in os.listdir(path) if f != ".iclab-lock"]
        return f"{rel} holds {sorted(left)[:4]}" if left else None

    check.__doc__ = f"nothing written to {rel}"
    return check


def no_temp_files(rel="out"):
    def check(case, harness, result):
        found = [p for p in glob.glob(os.path.join(case.dir, rel, "**", "*"), recursive=True)
                 if p.endswith((".tmp", ".part")) or ".tmp." in os.path.basename(p)]
        return f"half-written {os.path.relpath(found[0], case.dir)}" if found else None

    check.__doc__ = "no half-written file"
    return check


def files_exist(*rels):
    def check(case, harness, result):
        missing = [r for r in rels if not os.path.exists(os.path.join(case.dir, r))]
        return f"missing {missing}" if missing else None

    check.__doc__ = "writes " + ", ".join(rels)
    return check


def jsonl_lines(rel, n):
    def check(case, harness, result):
        path = os.path.join(case.dir, rel)
        if not os.path.exists(path):
            return f"no {rel}"
        count = sum(1 for l in open(path) if l.strip())
        return None if count == n else f"{rel} has {count} lines, expected {n}"

    check.__doc__ = f"{rel} has {n} lines"
    return check


def unchanged(rel, content):
    def check(case, harness, result):
        path = os.path.join(case.dir, rel)
        now = open(path).read() if os.path.exists(path) else None
        return None if now == content else f"{rel} was changed"

    check.__doc__ = f"the user's {rel} left as it was"
    return check


def same_results(rel_a, rel_b, files):
    def check(case, harness, result):
        for f in files:
            a, b = os.path.join(case.dir, rel_a, f), os.path.join(case.dir, rel_b, f)
            if not os.path.exists(a) or not os.path.exists(b):
                return f"{f} missing in {rel_a if not os.path.exists(a) else rel_b}"
            if normalized(a) != normalized(b):
                return f"{rel_b}/{f} differs from the uninterrupted run"
        return None

    check.__doc__ = "results equal an uninterrupted run (" + ", ".join(files) + ")"
    return check


# -- scenarios: f(case, harness) -> Result of the step the expectation applies to -----------------


def _wait_for(proc, condition, limit):
    deadline = time.time() + limit
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(0.2)
    return False


def _lines(path):
    try:
        return sum(1 for _ in open(path, "rb"))
    except OSError:
        return 0


def _finish(proc):
    out, err = proc.communicate()
    return out.decode(errors="replace"), err.decode(errors="replace")


def interrupted_then_resumed(args, ready, sig=signal.SIGKILL, reference=True, resume_flag="--resume",
                             out="out", ref_out="ref", resume_args=None):
    """Runs args (with --out out), sends sig once ready(case_dir) holds, reruns with --resume; with
    reference, also runs it uninterrupted into ref (checked by same_results)."""

    def scenario(case, harness):
        if reference:
            ref = harness.run(case, [*args, "--out", ref_out])
            if ref.code != 0:
                raise RuntimeError(f"the uninterrupted run failed: {ref.first_err}")
        proc = harness.start(case, [*args, "--out", out])
        hit = _wait_for(proc, lambda: ready(case.dir), case.timeout)
        if proc.poll() is None:
            proc.send_signal(sig)
        _finish(proc)
        if not hit:
            case.note = "the run ended before the interruption"
        again = resume_args if resume_args is not None else [*args, "--out", out, resume_flag]
        return harness.run(case, again)

    return scenario


def two_writers(args, ready, out="out"):
    """Starts args, then the same command on the same folder once ready; the second must refuse.
    The first must still finish with exit 0."""

    def scenario(case, harness):
        first = harness.start(case, [*args, "--out", out])
        if not _wait_for(first, lambda: ready(case.dir), case.timeout):
            _finish(first)
            raise RuntimeError("the first run ended before the second started")
        second = harness.run(case, [*args, "--out", out])
        out1, err1 = _finish(first)
        if first.returncode != 0:
            second.err += f"\n[first run: exit {first.returncode}: {err1.strip().splitlines()[-1:]}]"
            second.code = 99
        return second

    return scenario


def full_disk_then_resume(args, blocks, resume_extra=("--resume",), out="out"):
    """Runs args under `ulimit -f blocks` (a full disk), checks its one-line failure, then reruns
    without the limit (with --resume) and returns the failed run's result with the rerun noted."""

    def scenario(case, harness):
        failed = harness.run(case, [*args, "--out", out], ulimit_f=blocks)
        again = harness.run(case, [*args, "--out", out, *resume_extra])
        if again.code != 0:
            failed.err += f"\n[rerun after freeing space: exit {again.code}: {again.first_err}]"
            failed.code = 98 if failed.code in (1, 2) else failed.code
        return failed

    return scenario


def then(first_args, second_args, between=None, expect_first=0, ulimit_f=None):
    """Runs first_args (which must exit expect_first), calls between(case_dir) (damage), then runs
    second_args; returns the second."""

    def scenario(case, harness):
        first = harness.run(case, first_args)
        if first.code != expect_first:
            raise RuntimeError(f"set-up run exit {first.code}: {first.first_err}")
        if between:
            between(case.dir)
        return harness.run(case, second_args, ulimit_f=ulimit_f)

    return scenario


def prepare(setup, args):
    """Calls setup(case_dir) (files the case needs in its own folder), then runs args."""

    def scenario(case, harness):
        setup(case.dir)
        return harness.run(case, args)

    return scenario


def stdout_on_terminal(args):
    """Runs args with stdin and stdout on a pseudo-terminal and stderr on a pipe."""

    def scenario(case, harness):
        import pty

        master, slave = pty.openpty()
        started = time.time()
        proc = subprocess.Popen(harness.java(case.tmp, args), cwd=case.dir, env=harness.env(),
                                stdin=slave, stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        err = proc.stderr.read().decode(errors="replace")
        proc.wait()
        os.close(master)
        from hostile import Result

        return Result(proc.returncode, b"".join(chunks).decode(errors="replace"), err, time.time() - started)

    return scenario


def stale_lock(rel="out"):
    """Writes a lock file of a dead process (pid 999999 on this host) into rel."""

    def setup(case_dir):
        os.makedirs(os.path.join(case_dir, rel), exist_ok=True)
        open(os.path.join(case_dir, rel, ".iclab-lock"), "w").write(
            json.dumps({"pid": 999999, "host": os.uname().nodename, "started": "2020-01-01T00:00:00Z"}))

    return setup


def lines_at_least(rel, n):
    return lambda case_dir: _lines(os.path.join(case_dir, rel)) >= n


def exists(rel):
    return lambda case_dir: os.path.exists(os.path.join(case_dir, rel))


def truncate(rel, keep=0.5):
    """Cuts a file to a share of its size (a torn write)."""

    def damage(case_dir):
        path = os.path.join(case_dir, rel)
        with open(path, "r+b") as f:
            f.truncate(int(os.path.getsize(path) * keep))

    return damage


def append(rel, text):
    def damage(case_dir):
        with open(os.path.join(case_dir, rel), "a") as f:
            f.write(text)

    return damage
