"""The hostile cases, command by command. Each: id, command, category, input, args, expectation.

Categories: model (corrupt or inconsistent checkpoints), config (experiment configs), data (task
and text files), encoding, flags (extreme or invalid values), disk (full, read-only, occupied),
interrupt (kill -9, Ctrl-C, resume), concurrency (two processes on one folder), network (cut),
terminal.
"""

import os
import signal

from hostile import Case
from scenarios import (
    exists,
    files_exist,
    full_disk_then_resume,
    interrupted_then_resumed,
    jsonl_lines,
    lines_at_least,
    no_temp_files,
    nothing_written,
    prepare,
    same_results,
    stale_lock,
    stdout_on_terminal,
    then,
    truncate,
    two_writers,
    append,
    unchanged,
)

READ_ONLY = "/proc/iclab-hostile-out"  # a read-only file system on every Linux


def flags(base, *pairs):
    """base with each (flag, value) of pairs set: replaced where base has the flag, else added
    (a flag given twice would be refused as a usage error, hiding what the case tries)."""
    args = list(base)
    for flag, value in zip(pairs[::2], pairs[1::2]):
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    return args


def cases(fx):
    m = lambda name: fx.p("models", name)  # noqa: E731
    t = lambda name: fx.p("tasks", name, "task.yaml")  # noqa: E731
    txt = lambda name: fx.p("text", name)  # noqa: E731
    c = lambda name: fx.p("configs", name)  # noqa: E731
    tiny, data = fx.tiny, fx.data
    out = []

    def add(*args, **kwargs):
        out.append(Case(*args, **kwargs))

    # -- every model command: broken checkpoints -------------------------------------------------
    broken = [
        ("nan", "NaN weight (model.norm.weight)", ["model.norm.weight"]),
        ("inf", "Inf weight", ["q_proj"]),
        ("neg-eps", "negative rms_norm_eps", ["rms_norm_eps"]),
        ("zero-eps", "rms_norm_eps 0", ["rms_norm_eps"]),
        ("zero-heads", "num_attention_heads 0", ["num_attention_heads"]),
        ("odd-head", "head size 128/6 not whole", ["num_attention_heads"]),
        ("kv-not-divisor", "8 heads over 3 kv heads", ["num_key_value_heads"]),
        ("no-arch", "empty architectures list", ["architectures"]),
        ("bad-arch", "unknown architecture and model_type", ["nosuch"]),
        ("billion-layers", "2e9 layers (memory)", ["2000000000 layers"]),
        ("many-layers", "100,000 layers: weights far fewer than config implies", []),
        ("huge-hidden", "hidden 1e6 (memory)", []),
        ("frac-vocab", "vocab_size 2048.5", ["vocab_size"]),
        ("neg-vocab", "vocab_size -2048", ["vocab_size"]),
        ("small-vocab", "vocab_size 100 < embedding rows", ["vocab"]),
        ("string-hidden", 'hidden_size "128" (a string)', ["hidden_size"]),
        ("null-layers", "num_hidden_layers null", ["num_hidden_layers"]),
        ("no-layers-key", "num_hidden_layers missing", ["num_hidden_layers"]),
        ("zero-context", "max_position_embeddings 0", ["max_position_embeddings"]),
        ("neg-rope", "rope_theta negative", ["rope_theta"]),
        ("bad-act", "unknown hidden_act", ["hidden_act"]),
        ("trunc-weights", "model.safetensors cut in half", ["model.safetensors"]),
        ("empty-weights", "model.safetensors empty", ["model.safetensors"]),
        ("garbage-header", "safetensors header not JSON", ["model.safetensors"]),
        ("huge-header-len", "safetensors header length 2^62", ["model.safetensors"]),
        ("wrong-shape", "tensor shape [64,2] for [128]", ["model.norm.weight"]),
        ("missing-tensor", "a layer's up_proj missing", ["up_proj"]),
        ("bad-dtype", "unknown dtype Q7", ["Q7"]),
        ("overlap-offsets", "data offsets past the end", ["model.norm.weight"]),
        ("no-weights", "no model.safetensors", ["safetensors"]),
        ("no-config", "no config.json", ["config.json"]),
        ("config-not-json", "config.json not JSON", ["config.json"]),
        ("config-array", "config.json a JSON array", ["config.json"]),
        ("tokenizer-garbage", "tokenizer.json random bytes", ["tokenizer.json"]),
        ("tokenizer-empty-json", "tokenizer.json {}", ["tokenizer.json"]),
        ("foreign-tokenizer", "GPT-2's tokenizer on a 500-token model", ["vocabulary"]),
    ]
    runners = [
        ("generate", lambda mp: ["generate", "--model", mp, "--prompt", "Once upon a time", "--max-new-tokens", "4"]),
        ("score", lambda mp: ["score", "--model", mp, "--context", "Lily was", "--candidates", " happy", " sad"]),
        ("logits", lambda mp: ["logits", "--model", mp, "--prompt", "Once upon a time"]),
        ("perplexity", lambda mp: ["perplexity", "--model", mp, "--data", txt("story.txt")]),
        ("eval", lambda mp: ["eval", "--model", mp, "--task-file", t("good"), "--shots", "0", "--seeds", "1",
                             "--out", "out"]),
        ("tune", lambda mp: ["tune", "--model", mp, "--method", "lora", "--task-file", t("good"), "--out", "out"]),
        ("dai", lambda mp: ["dai", "--model", mp, "--task-file", t("good"), "--shots", "2", "--ft-lr", "0.01",
                            "--out", "out"]),
        ("inspect", lambda mp: ["inspect", "--model", mp]),
    ]
    # Every broken model through a rotating command (each command gets every kind of break often).
    for i, (name, what, says) in enumerate(broken):
        cmd, build = runners[i % len(runners)]
        if cmd == "inspect" and name in ("nan", "inf"):
            cmd, build = runners[0]
        checks = (nothing_written(),) if cmd in ("eval", "tune", "dai") else ()
        # model_type alone decides the architecture: an empty list is no error.
        expect = "either" if name == "no-arch" else "refuse"
        add(f"{cmd}-model-{name}", cmd, "model", what, build(m(name)), says=says if expect == "refuse" else [],
            checks=checks, expect=expect)
    # The worst of issue 19 on every command: NaN / overflowing weights give no plausible result.
    for cmd, build in runners:
        if cmd == "inspect":
            continue
        if f"{cmd}-model-nan" not in {c.id for c in out}:
            add(f"{cmd}-model-nan", cmd, "model", "NaN weight", build(m("nan")), says=["model.norm.weight"],
                checks=(nothing_written(),) if cmd in ("eval", "tune", "dai") else ())
        add(f"{cmd}-model-overflow", cmd, "model", "first MLP overflows float32 (NaN at run time)",
            build(m("overflow")), checks=(nothing_written("out/summary.json"),) if cmd == "eval" else ())

    # -- inspect ---------------------------------------------------------------------------------
    add("inspect-missing-dir", "inspect", "flags", "--model a missing folder", ["inspect", "--model", "nosuch/dir"],
        says=["nosuch"])
    add("inspect-file-as-model", "inspect", "flags", "--model a text file", ["inspect", "--model", txt("story.txt")])
    add("inspect-config-utf16", "inspect", "encoding", "config.json in UTF-16 with BOM",
        ["inspect", "--model", m("config-utf16")], expect="either")
    add("inspect-config-bom", "inspect", "encoding", "config.json with a UTF-8 BOM",
        ["inspect", "--model", m("config-bom")], expect="either")
    add("inspect-hub-missing", "inspect", "network", "hub id not in the cache, no --download",
        ["inspect", "--model", "org/nope"], says=["org/nope"])
    add("inspect-hub-cut", "inspect", "network", "cached snapshot without weights (a cut download)",
        ["inspect", "--model", "org/cut"])
    add("inspect-download-cut", "inspect", "network", "--download with the network cut (closed port)",
        ["inspect", "--model", "org/nope", "--download"])
    add("inspect-download-bad-endpoint", "inspect", "network", "--download, HF_ENDPOINT not a URL",
        ["inspect", "--model", "org/nope", "--download"], env={"HF_ENDPOINT": "::not a url::"})
    add("inspect-bad-revision", "inspect", "flags", "hub id with an empty revision",
        ["inspect", "--model", "org/name@"])
    add("inspect-device-gpu", "inspect", "flags", "--device gpu on a machine without one",
        ["inspect", "--model", tiny, "--device", "gpu:7"], expect="either")
    add("inspect-device-bogus", "inspect", "flags", "--device tpu", ["inspect", "--model", tiny, "--device", "tpu"])
    add("inspect-bad-dtype-config", "inspect", "model", "torch_dtype float7 in config.json",
        ["inspect", "--model", m("bad-dtype-cfg")], expect="either")

    # -- generate --------------------------------------------------------------------------------
    g = ["generate", "--model", tiny]
    add("generate-max-new-neg", "generate", "flags", "--max-new-tokens -1",
        [*g, "--prompt", "Once", "--max-new-tokens", "-1"], says=["--max-new-tokens"])
    add("generate-max-new-zero", "generate", "flags", "--max-new-tokens 0",
        [*g, "--prompt", "Once", "--max-new-tokens", "0"], expect="either")
    add("generate-max-new-huge", "generate", "flags", "--max-new-tokens 2e9 (ends at the context window)",
        ["generate", "--model", m("short-window"), "--ids", "1,2,3", "--greedy", "--no-eos-stop",
         "--max-new-tokens", "2000000000", "--json"],
        expect="ok", says=["context_full"])
    add("generate-max-new-overflow", "generate", "flags", "--max-new-tokens 9999999999 (beyond int)",
        [*g, "--prompt", "Once", "--max-new-tokens", "9999999999"])
    add("generate-temp-neg", "generate", "flags", "--temperature -1",
        [*g, "--prompt", "Once", "--temperature", "-1"], says=["--temperature"])
    add("generate-temp-nan", "generate", "flags", "--temperature NaN",
        [*g, "--prompt", "Once", "--temperature", "NaN"], says=["--temperature"])
    add("generate-temp-inf", "generate", "flags", "--temperature Infinity",
        [*g, "--prompt", "Once", "--temperature", "Infinity"])
    add("generate-topk-neg", "generate", "flags", "--top-k -5", [*g, "--prompt", "Once", "--top-k", "-5"])
    add("generate-topp-2", "generate", "flags", "--top-p 2", [*g, "--prompt", "Once", "--top-p", "2"])
    add("generate-topp-nan", "generate", "flags", "--top-p NaN", [*g, "--prompt", "Once", "--top-p", "NaN"])
    add("generate-stop-empty", "generate", "flags", '--stop ""', [*g, "--prompt", "Once", "--stop", ""])
    add("generate-ids-beyond-vocab", "generate", "flags", "--ids 999999",
        [*g, "--ids", "999999"], says=["999999"])
    add("generate-ids-neg", "generate", "flags", "--ids -1", [*g, "--ids", "-1"])
    add("generate-ids-letters", "generate", "flags", "--ids a,b", [*g, "--ids", "a,b"], expect="usage")
    add("generate-ids-empty", "generate", "flags", '--ids ""', [*g, "--ids", ""])
    add("generate-prompt-and-ids", "generate", "flags", "--prompt and --ids", [*g, "--prompt", "x", "--ids", "1"])
    add("generate-no-prompt", "generate", "flags", "neither --prompt nor --ids", g)
    add("generate-prompt-emoji", "generate", "encoding", "prompt of emoji, RTL override, combining marks",
        [*g, "--prompt", "\U0001F600 \u202Eabc\u202C e\u0301", "--max-new-tokens", "3", "--greedy"], expect="ok")
    add("generate-prompt-lone-surrogate", "generate", "encoding", "prompt with invalid UTF-8 bytes (argv)",
        [*g, "--prompt", "Once \udcff upon", "--max-new-tokens", "3", "--greedy"], expect="either")
    add("generate-prompt-too-long", "generate", "flags", "prompt longer than the context window",
        [*g, "--prompt", "the cat sat on the mat " * 400, "--max-new-tokens", "2"], says=["context"])
    add("generate-seed-text", "generate", "flags", "--seed abc", [*g, "--prompt", "Once", "--seed", "abc"],
        expect="usage")
    add("generate-unknown-flag", "generate", "flags", "--frobnicate", [*g, "--frobnicate"], expect="usage")
    add("generate-no-tokenizer-prompt", "generate", "model", "no tokenizer.json, --prompt",
        ["generate", "--model", m("no-tokenizer"), "--prompt", "Once"], says=["tokenizer"])
    add("generate-no-tokenizer-ids", "generate", "model", "no tokenizer.json, --ids (works on ids)",
        ["generate", "--model", m("no-tokenizer"), "--ids", "1,2", "--max-new-tokens", "2", "--greedy", "--json"],
        expect="either")
    add("generate-closed-stdout", "generate", "disk", "stdout closed (read end gone)",
        [*g, "--prompt", "Once", "--max-new-tokens", "3", "--greedy"], expect="either",
        scenario=_closed_stdout)

    # -- score -----------------------------------------------------------------------------------
    s = ["score", "--model", tiny]
    add("score-no-candidates", "score", "flags", "no --candidates", [*s, "--context", "Lily"])
    add("score-empty-candidate", "score", "flags", 'candidate ""',
        [*s, "--context", "Lily was", "--candidates", ""], expect="either")
    add("score-space-candidate", "score", "flags", 'candidate " "',
        [*s, "--context", "Lily was", "--candidates", " "], expect="either")
    add("score-no-context", "score", "flags", "no --context", [*s, "--candidates", " a"])
    add("score-long-context", "score", "flags", "context longer than the window",
        [*s, "--context", "the cat sat on the mat " * 400, "--candidates", " a"], says=["context"])
    add("score-emoji", "score", "encoding", "emoji context and candidates",
        [*s, "--context", "\U0001F600 Lily", "--candidates", " \U0001F601", " \u00e9", "--json"], expect="ok")

    # -- perplexity ------------------------------------------------------------------------------
    p = ["perplexity", "--model", tiny, "--data"]
    add("perplexity-empty", "perplexity", "data", "empty file", [*p, txt("empty.txt")])
    add("perplexity-newlines", "perplexity", "data", "only newlines (newline tokens: measurable)",
        [*p, txt("newlines.txt")], expect="either")
    add("perplexity-utf16", "perplexity", "encoding", "UTF-16 text", [*p, txt("utf16.txt")], says=["UTF-8"])
    add("perplexity-latin1", "perplexity", "encoding", "Latin-1 text", [*p, txt("latin1.txt")], says=["UTF-8"])
    add("perplexity-binary", "perplexity", "encoding", "random bytes", [*p, txt("binary.bin")])
    add("perplexity-crlf", "perplexity", "encoding", "CRLF line ends", [*p, txt("crlf.txt"), "--json"], expect="ok")
    add("perplexity-cr-only", "perplexity", "encoding", "CR-only line ends", [*p, txt("cr-only.txt"), "--json"],
        expect="ok")
    add("perplexity-one-token", "perplexity", "data", "one character (BOS + 1 token)",
        [*p, txt("one-token.txt")], expect="either")
    add("perplexity-nul", "perplexity", "encoding", "NUL bytes in text", [*p, txt("nul.txt"), "--json"],
        expect="either")
    add("perplexity-emoji", "perplexity", "encoding", "emoji and RTL marks", [*p, txt("emoji.txt"), "--json"],
        expect="ok")
    add("perplexity-stride-0", "perplexity", "flags", "--stride 0", [*p, txt("story.txt"), "--stride", "0"])
    add("perplexity-stride-neg", "perplexity", "flags", "--stride -1", [*p, txt("story.txt"), "--stride", "-1"])
    add("perplexity-maxlen-0", "perplexity", "flags", "--max-length 0",
        [*p, txt("story.txt"), "--max-length", "0"])
    add("perplexity-maxlen-huge", "perplexity", "flags", "--max-length 99999 > context window",
        [*p, txt("story.txt"), "--max-length", "99999"], says=["512"])
    add("perplexity-stride-gt-len", "perplexity", "flags", "--stride 64 > --max-length 32",
        [*p, txt("story.txt"), "--max-length", "32", "--stride", "64"], expect="either")
    add("perplexity-missing", "perplexity", "data", "missing file", [*p, "nosuch.txt"], says=["nosuch.txt"])
    add("perplexity-dir", "perplexity", "data", "a folder as --data", [*p, fx.root])
    add("perplexity-terminal-stdout", "perplexity", "terminal",
        "stdout on a terminal, stderr a pipe: no cursor codes on stderr",
        expect="ok", scenario=stdout_on_terminal([*p, txt("story.txt"), "--max-length", "16", "--stride", "8"]))

    # -- logits ----------------------------------------------------------------------------------
    lg = ["logits", "--model", tiny]
    add("logits-ids-vocab", "logits", "flags", "--ids 2048 (= vocab size)", [*lg, "--ids", "5,2048"],
        says=["2048"])
    add("logits-ids-empty", "logits", "flags", '--ids ""', [*lg, "--ids", ""])
    add("logits-nothing", "logits", "flags", "neither --prompt nor --ids", lg)
    add("logits-ids-overflow", "logits", "flags", "--ids 99999999999", [*lg, "--ids", "99999999999"])

    # -- eval ------------------------------------------------------------------------------------
    e = ["eval", "--model", tiny, "--shots", "0", "--seeds", "1"]
    ef = lambda task: [*e, "--task-file", t(task), "--out", "out"]  # noqa: E731
    add("eval-dup-ids", "eval", "data", "task file with repeated ids", ef("dup-ids"), says=["repeats"],
        checks=(nothing_written(),))
    add("eval-dup-keep-first", "eval", "data", "repeated ids, duplicate_ids: keep-first", ef("dup-keep-first"),
        expect="ok", checks=(jsonl_lines("out/samples.jsonl", 5),))
    add("eval-cr-only", "eval", "encoding", "CR-only line ends", ef("cr-only"), expect="ok",
        checks=(jsonl_lines("out/samples.jsonl", 12),))
    add("eval-crlf", "eval", "encoding", "CRLF line ends", ef("crlf"), expect="ok",
        checks=(jsonl_lines("out/samples.jsonl", 12),))
    add("eval-utf16", "eval", "encoding", "UTF-16 rows file", ef("utf16"), checks=(nothing_written(),))
    add("eval-bom", "eval", "encoding", "rows with a UTF-8 BOM", ef("bom"), expect="ok",
        checks=(jsonl_lines("out/samples.jsonl", 12),))
    add("eval-latin1", "eval", "encoding", "Latin-1 rows declared UTF-8", ef("latin1"), checks=(nothing_written(),))
    add("eval-empty-rows", "eval", "data", "empty rows file", ef("empty"), checks=(nothing_written(),))
    add("eval-header-only", "eval", "data", "header, no rows", ef("header-only"), checks=(nothing_written(),))
    add("eval-unknown-label", "eval", "data", "a row with an unknown label", ef("unknown-label"),
        says=["neutral"], checks=(nothing_written(),))
    add("eval-unknown-label-skip", "eval", "data", "unknown label with --skip-bad-rows",
        [*ef("unknown-label"), "--skip-bad-rows"], expect="ok", checks=(jsonl_lines("out/samples.jsonl", 12),))
    add("eval-missing-column", "eval", "data", "rows without the label column", ef("missing-column"),
        says=["label"], checks=(nothing_written(),))
    add("eval-short-row", "eval", "data", "a row with too few fields", ef("short-row"), checks=(nothing_written(),))
    add("eval-binary-rows", "eval", "encoding", "rows file of random bytes", ef("binary"),
        checks=(nothing_written(),))
    add("eval-empty-text", "eval", "data", "a row with empty text", ef("empty-text"), expect="either")
    add("eval-one-overlong", "eval", "data", "one query longer than the window", ef("one-overlong"), expect="ok",
        says=["left out"], checks=(jsonl_lines("out/samples.jsonl", 12),))
    add("eval-all-overlong", "eval", "data", "every query longer than the window", ef("all-overlong"),
        says=["context window"], checks=(nothing_written(),))
    add("eval-no-id-column", "eval", "data", "id_column not in the header", ef("no-id-column"),
        says=["id"], checks=(nothing_written(),))
    add("eval-yaml-garbage", "eval", "data", "task file not YAML", ef("yaml-garbage"), checks=(nothing_written(),))
    add("eval-yaml-missing", "eval", "data", "task file missing keys", ef("yaml-missing-keys"),
        checks=(nothing_written(),))
    add("eval-yaml-unknown-key", "eval", "data", "task file with an unknown key", ef("yaml-unknown-key"),
        says=["colour"], checks=(nothing_written(),))
    add("eval-label-words", "eval", "data", "one label word for two labels", ef("label-words-mismatch"),
        checks=(nothing_written(),))
    add("eval-template-field", "eval", "data", "template names a missing field", ef("template-no-field"),
        says=["nosuch"], checks=(nothing_written(),))
    add("eval-rows-missing", "eval", "data", "task file names a missing rows file", ef("rows-missing"),
        says=["nosuch.tsv"], checks=(nothing_written(),))
    add("eval-jsonl-broken", "eval", "data", "JSONL rows with a torn last line", ef("jsonl-broken"),
        checks=(nothing_written(),))
    add("eval-tsv-quote", "eval", "data", "TSV row with an unclosed quote", ef("tsv-quote"), expect="either")
    add("eval-task-file-missing", "eval", "data", "--task-file missing", [*e, "--task-file", "nosuch.yaml",
                                                                         "--out", "out"], says=["nosuch.yaml"])
    add("eval-task-file-binary", "eval", "encoding", "--task-file random bytes",
        [*e, "--task-file", txt("binary.bin"), "--out", "out"], checks=(nothing_written(),))
    sst = ["eval", "--model", tiny, "--task", "sst2", "--data-dir", data, "--seeds", "1", "--limit", "4"]
    add("eval-shots-neg", "eval", "flags", "--shots -1", flags(sst + ["--out", "out"], "--shots", "-1"),
        says=["--shots"], checks=(nothing_written(),))
    add("eval-shots-5000", "eval", "flags", "--shots 5000 (far more than fit)",
        flags(sst + ["--out", "out"], "--shots", "5000"), timeout=120, checks=(nothing_written(),))
    add("eval-shots-gt-pool", "eval", "flags", "--shots 8 on a two-row pool",
        flags(ef("two-rows"), "--shots", "8"), checks=(nothing_written(),))
    add("eval-seeds-text", "eval", "flags", "--seeds abc", flags(sst + ["--out", "out"], "--seeds", "abc"),
        says=["--seeds"])
    add("eval-limit-0", "eval", "flags", "--limit 0", flags(sst + ["--out", "out"], "--shots", "0", "--limit", "0"),
        checks=(nothing_written(),))
    add("eval-limit-neg", "eval", "flags", "--limit -5", flags(sst + ["--out", "out"], "--shots", "0", "--limit", "-5"),
        checks=(nothing_written(),))
    add("eval-limit-overflow", "eval", "flags", "--limit 99999999999",
        flags(sst + ["--out", "out"], "--shots", "0", "--limit", "99999999999"), checks=(nothing_written(),))
    add("eval-batch-0", "eval", "flags", "--batch-size 0", flags(sst + ["--out", "out"], "--shots", "0", "--batch-size", "0"), checks=(nothing_written(),))
    add("eval-batch-huge", "eval", "flags", "--batch-size 2147483647",
        flags(sst + ["--out", "out"], "--shots", "0", "--batch-size", "2147483647"), expect="either")
    add("eval-eval-cap-0", "eval", "flags", "--eval-cap 0", flags(sst + ["--out", "out"], "--shots", "0", "--eval-cap", "0"), checks=(nothing_written(),))
    add("eval-select-bogus", "eval", "flags", "--select nosuch", flags(sst + ["--out", "out"], "--shots", "1", "--select", "nosuch"), checks=(nothing_written(),))
    add("eval-select-fixed-bad", "eval", "flags", "--select fixed:nosuch",
        flags(sst + ["--out", "out"], "--shots", "1", "--select", "fixed:nosuch"), checks=(nothing_written(),))
    add("eval-order-perm-8", "eval", "flags", "--order permutations with 8 shots",
        flags(sst + ["--out", "out"], "--shots", "8", "--order", "permutations"), checks=(nothing_written(),))
    add("eval-labels-correct-150", "eval", "flags", "--labels correct:150",
        flags(sst + ["--out", "out"], "--shots", "1", "--labels", "correct:150"), checks=(nothing_written(),))
    add("eval-scoring-bogus", "eval", "flags", "--scoring nosuch", flags(sst + ["--out", "out"], "--shots", "0", "--scoring", "nosuch"), checks=(nothing_written(),))
    add("eval-task-bogus", "eval", "flags", "--task nosuch", ["eval", "--model", tiny, "--task", "nosuch",
                                                             "--out", "out"], checks=(nothing_written(),))
    add("eval-data-dir-missing", "eval", "data", "--data-dir missing", ["eval", "--model", tiny, "--task", "sst2",
        "--data-dir", "nosuch", "--out", "out"], checks=(nothing_written(),))
    add("eval-task-and-file", "eval", "flags", "--task and --task-file",
        [*sst, "--task-file", t("good"), "--out", "out"], checks=(nothing_written(),))
    add("eval-no-out", "eval", "flags", "no --out", [*sst, "--shots", "0"])
    add("eval-adapter-missing", "eval", "flags", "--adapter missing", [*ef("good"), "--adapter", "nosuch"])
    add("eval-adapter-is-model", "eval", "flags", "--adapter a model folder", [*ef("good"), "--adapter", tiny])
    for name in ["wrong-type.yaml", "unknown-key.yaml", "garbage.yaml", "list-top.yaml", "shots-neg.yaml",
                 "huge-limit.yaml", "trailing.json", "nested.yaml", "nan-limit.yaml", "binary.yaml"]:
        add(f"eval-config-{name.replace('.', '-')}", "eval", "config", f"--config {name}",
            ["eval", "--config", c(name), "--model", tiny, "--data-dir", data, "--out", "out"],
            checks=(nothing_written(),))
    add("eval-config-empty", "eval", "config", "--config empty.yaml (nothing set)",
        ["eval", "--config", c("empty.yaml"), "--model", tiny, "--task", "sst2", "--data-dir", data, "--shots", "0",
         "--seeds", "1", "--limit", "2", "--out", "out"], expect="either")
    add("eval-config-utf16", "eval", "encoding", "--config in UTF-16",
        ["eval", "--config", c("utf16.yaml"), "--model", tiny, "--data-dir", data, "--shots", "0", "--seeds", "1",
         "--out", "out"], expect="either")
    add("eval-config-missing", "eval", "config", "--config missing", ["eval", "--config", "nosuch.yaml"],
        says=["nosuch.yaml"])
    good = ef("good")
    add("eval-out-is-file", "eval", "disk", "--out an existing file",
        [*e, "--task-file", t("good"), "--out", txt("story.txt")])
    add("eval-out-read-only", "eval", "disk", "--out on a read-only file system",
        [*e, "--task-file", t("good"), "--out", READ_ONLY])
    add("eval-out-nonempty", "eval", "disk", "--out a non-empty folder, no --resume",
        scenario=prepare(lambda d: (os.makedirs(f"{d}/out"), open(f"{d}/out/mine.txt", "w").write("x")), good),
        checks=(unchanged("out/mine.txt", "x"),))
    add("eval-resume-other-config", "eval", "interrupt", "--resume with another --seeds",
        scenario=then(good, [*e[:-1], "2", "--task-file", t("good"), "--out", "out", "--resume"]), says=["seed"])
    add("eval-resume-missing", "eval", "interrupt", "--resume on a missing folder (starts)", [*good, "--resume"],
        expect="ok", checks=(jsonl_lines("out/samples.jsonl", 12),))
    add("eval-resume-finished", "eval", "interrupt", "--resume of a finished run",
        scenario=then(good, [*good, "--resume"]), expect="ok", checks=(jsonl_lines("out/samples.jsonl", 12),))
    add("eval-leftover-tmp", "eval", "interrupt", "a leftover samples.jsonl.tmp, then --resume",
        scenario=then(good, [*good, "--resume"], between=append("out/samples.jsonl.tmp", "{")), expect="ok",
        checks=(no_temp_files(),))
    add("eval-stale-lock", "eval", "concurrency", "a lock file of a dead process",
        scenario=prepare(stale_lock(), [*good, "--resume"]), expect="ok",
        checks=(jsonl_lines("out/samples.jsonl", 12),))
    add("eval-runjson-corrupt", "eval", "interrupt", "run.json torn, then --resume",
        scenario=then(good, [*good, "--resume"], between=truncate("out/run.json")), says=["run.json"])
    add("eval-samples-torn", "eval", "interrupt", "samples.jsonl with a torn last line, then --resume",
        scenario=then(good, [*good, "--resume"], between=append("out/samples.jsonl", '{"setting": "x", "id')),
        expect="either", checks=(jsonl_lines("out/samples.jsonl", 12),))
    big = ["eval", "--model", tiny, "--task", "sst2", "--data-dir", data, "--shots", "0,2", "--seeds", "1",
           "--limit", "30"]
    add("eval-kill9-resume", "eval", "interrupt", "kill -9 mid-run, then --resume", expect="ok",
        scenario=interrupted_then_resumed(big, lines_at_least("out/samples.jsonl", 5)),
        checks=(same_results("ref", "out", ["samples.jsonl", "summary.json"]),), timeout=400)
    add("eval-ctrl-c-resume", "eval", "interrupt", "Ctrl-C (SIGINT) mid-run, then --resume", expect="ok",
        scenario=interrupted_then_resumed(big, lines_at_least("out/samples.jsonl", 5), sig=signal.SIGINT),
        checks=(same_results("ref", "out", ["samples.jsonl", "summary.json"]),), timeout=400)
    add("eval-kill9-before-samples", "eval", "interrupt", "kill -9 right after run.json, then --resume",
        expect="ok", scenario=interrupted_then_resumed(big, exists("out/run.json"), reference=False),
        checks=(jsonl_lines("out/samples.jsonl", 60),), timeout=400)
    add("eval-two-writers", "eval", "concurrency", "a second eval on the same --out",
        scenario=two_writers(big, lines_at_least("out/samples.jsonl", 1)), says=["another iclab run"],
        checks=(jsonl_lines("out/samples.jsonl", 60),), timeout=400)
    add("eval-disk-full", "eval", "disk", "disk full (ulimit -f 8 KiB) mid-run, then --resume",
        scenario=full_disk_then_resume(big, 16), checks=(jsonl_lines("out/samples.jsonl", 60),), timeout=400)
    add("eval-knn-tmp", "eval", "terminal", "--select knn (ONNX Runtime): nothing left in /tmp",
        flags(sst + ["--out", "out"], "--shots", "1", "--select", "knn"), expect="ok", timeout=300)
    add("eval-knn-kill9-tmp", "eval", "interrupt", "kill -9 during kNN embedding: nothing left in /tmp",
        expect="ok", timeout=400,
        scenario=interrupted_then_resumed([*sst[:-1], "40", "--shots", "1", "--select", "knn"],
                                          exists("out/run.json"), reference=False))
    add("eval-download-cut", "eval", "network", "--model org/nope --download, network cut",
        ["eval", "--model", "org/nope", "--download", "--task-file", t("good"), "--out", "out"],
        checks=(nothing_written(),))

    # -- tune ------------------------------------------------------------------------------------
    tn = ["tune", "--model", tiny, "--method", "lora", "--task-file", t("good")]
    tf = lambda *pairs: flags([*tn, "--out", "out"], *pairs)  # noqa: E731
    for flag, value in [("--lr", "NaN"), ("--lr", "-1"), ("--epochs", "0"), ("--epochs", "-1"),
                        ("--lora-r", "0"), ("--lora-r", "-1"), ("--lora-alpha", "NaN"), ("--lora-dropout", "1.5"),
                        ("--grad-accum", "0"), ("--max-length", "0"), ("--save-every", "-1"),
                        ("--warmup-steps", "-1"), ("--clip-norm", "-1"), ("--label-smoothing", "1.5"),
                        ("--weight-decay", "NaN"), ("--train-limit", "0"), ("--batch-size", "0"),
                        ("--eval-limit", "-1"), ("--threads", "0")]:
        add(f"tune-flag{flag}-{value}", "tune", "flags", f"{flag} {value}", tf(flag, value), says=[flag],
            checks=(nothing_written(),))
    add("tune-batch-huge", "tune", "flags", "--batch-size 2147483647 (schedule overflow)",
        tf("--batch-size", "2147483647"), expect="either", checks=(no_temp_files(),))
    add("tune-method-bogus", "tune", "flags", "--method nosuch",
        ["tune", "--model", tiny, "--method", "nosuch", "--task-file", t("good"), "--out", "out"])
    add("tune-target-bogus", "tune", "flags", "--target nosuch", tf("--target", "nosuch"), says=["nosuch"],
        checks=(nothing_written(),))
    add("tune-schedule-bogus", "tune", "flags", "--schedule nosuch", tf("--schedule", "nosuch"))
    add("tune-optimizer-bogus", "tune", "flags", "--optimizer nosuch", tf("--optimizer", "nosuch"))
    for method, flag in [("prefix", "--prefix-len"), ("prompt", "--prompt-len"), ("adapter", "--adapter-size")]:
        add(f"tune-{method}-zero", "tune", "flags", f"--method {method} {flag} 0",
            ["tune", "--model", tiny, "--method", method, flag, "0", "--task-file", t("good"), "--out", "out"],
            says=[flag], checks=(nothing_written(),))
    td = ["tune", "--model", tiny, "--method", "lora", "--out", "out", "--data"]
    add("tune-data-broken", "tune", "data", "JSONL with a torn line", [*td, txt("broken.jsonl")], says=["line 2"],
        checks=(nothing_written(),))
    add("tune-data-no-field", "tune", "data", "JSONL without the text field", [*td, txt("no-field.jsonl")],
        says=["text"], checks=(nothing_written(),))
    add("tune-data-not-object", "tune", "data", "JSONL lines not objects", [*td, txt("not-object.jsonl")],
        checks=(nothing_written(),))
    add("tune-data-empty", "tune", "data", "empty JSONL", [*td, txt("empty.txt")], checks=(nothing_written(),))
    add("tune-data-binary", "tune", "encoding", "random bytes as JSONL", [*td, txt("binary.bin")],
        checks=(nothing_written(),))
    add("tune-dup-ids", "tune", "data", "task file with repeated ids",
        ["tune", "--model", tiny, "--method", "lora", "--task-file", t("dup-ids"), "--out", "out"],
        says=["repeats"], checks=(nothing_written(),))
    add("tune-out-read-only", "tune", "disk", "--out on a read-only file system (refused before training)",
        [*tn, "--out", READ_ONLY])
    add("tune-out-nonempty", "tune", "disk", "--out a non-empty folder",
        scenario=prepare(lambda d: (os.makedirs(f"{d}/out"), open(f"{d}/out/mine.txt", "w").write("x")), tf()),
        checks=(unchanged("out/mine.txt", "x"),))
    tsave = ["tune", "--model", tiny, "--method", "lora", "--task", "sst2", "--data-dir", data, "--train-limit",
             "48", "--save-every", "4", "--seed", "1"]
    add("tune-disk-full", "tune", "disk", "disk full (ulimit -f 24 KiB) with --save-every, then --resume",
        scenario=full_disk_then_resume(tsave, 24), checks=(files_exist("out/adapter_model.safetensors"),),
        timeout=400)
    add("tune-kill9-resume", "tune", "interrupt", "kill -9 after a checkpoint, then --resume", expect="ok",
        scenario=interrupted_then_resumed(tsave, exists("out/checkpoints")),
        checks=(same_results("ref", "out", ["adapter_model.safetensors"]),), timeout=400)
    add("tune-two-writers", "tune", "concurrency", "a second tune on the same --out",
        scenario=two_writers(tsave[:10] + ["400", "--seed", "1"], exists("out/run.json")),
        says=["another iclab run"], timeout=400)
    add("tune-ctrl-c-no-save", "tune", "interrupt", "Ctrl-C without --save-every, then rerun --resume",
        expect="ok", timeout=400,
        scenario=interrupted_then_resumed(tsave[:10] + ["400", "--seed", "1"],
                                          exists("out/run.json"), sig=signal.SIGINT,
                                          reference=False))

    # -- merge -----------------------------------------------------------------------------------
    mg = ["merge", "--model", tiny, "--out", "out", "--adapter"]
    add("merge-adapter-missing", "merge", "flags", "--adapter missing", [*mg, "nosuch"], says=["nosuch"])
    add("merge-adapter-is-model", "merge", "flags", "--adapter a model folder", [*mg, tiny])
    lora = ["tune", "--model", tiny, "--method", "lora", "--task-file", t("good"), "--out", "lora"]
    add("merge-other-model", "merge", "model", "LoRA of tinystories into another model",
        scenario=then(lora, ["merge", "--model", os.path.join(fx.repo, "fixtures/models/tiny-gpt2-random"),
                             "--adapter", "lora", "--out", "out"]), checks=(nothing_written(),), timeout=300)
    add("merge-prefix-adapter", "merge", "flags", "a prefix adapter (not LoRA)",
        scenario=then(["tune", "--model", tiny, "--method", "prefix", "--max-length", "64", "--task-file",
                       t("good"), "--out", "pfx"],
                      [*mg, "pfx"]), checks=(nothing_written(),), timeout=300)
    add("merge-config-corrupt", "merge", "model", "adapter_config.json torn",
        scenario=then(lora, [*mg, "lora"], between=truncate("lora/adapter_config.json")),
        checks=(nothing_written(),), timeout=300)
    add("merge-weights-truncated", "merge", "model", "adapter_model.safetensors truncated",
        scenario=then(lora, [*mg, "lora"], between=truncate("lora/adapter_model.safetensors")), checks=(nothing_written(),), timeout=300)
    add("merge-out-exists", "merge", "disk", "--out exists",
        scenario=then(lora, ["merge", "--model", tiny, "--adapter", "lora", "--out", "lora"]), timeout=300)
    add("merge-out-read-only", "merge", "disk", "--out on a read-only file system",
        scenario=then(lora, ["merge", "--model", tiny, "--adapter", "lora", "--out", READ_ONLY]), timeout=300)
    add("merge-disk-full", "merge", "disk", "disk full (ulimit -f 1 MiB) while writing",
        scenario=then(lora, ["merge", "--model", tiny, "--adapter", "lora", "--out", "out"], ulimit_f=1024), checks=(nothing_written(),), timeout=300)

    # -- dai -------------------------------------------------------------------------------------
    da = ["dai", "--model", tiny, "--task-file", t("good"), "--shots", "2", "--ft-lr", "0.01", "--limit", "4"]
    df = lambda *pairs: flags([*da, "--out", "out"], *pairs)  # noqa: E731
    for flag, value in [("--ft-lr", "NaN"), ("--ft-lr", "-1"), ("--ft-lr", "0"), ("--shots", "0"),
                        ("--shots", "100000"), ("--limit", "0"), ("--lr-search", ""), ("--lr-search", "a,b"),
                        ("--position", "nosuch"), ("--answer-score", "nosuch"), ("--subset", "nosuch"),
                        ("--control", "nosuch"), ("--select", "nosuch"), ("--lr-search-dev", "-1"),
                        ("--eval-cap", "0")]:
        add(f"dai-flag{flag}-{value or 'empty'}", "dai", "flags", f"{flag} {value!r}", df(flag, value),
            checks=(nothing_written(),))
    add("dai-dup-ids", "dai", "data", "task file with repeated ids",
        ["dai", "--model", tiny, "--task-file", t("dup-ids"), "--shots", "2", "--ft-lr", "0.01", "--out", "out"],
        says=["repeats"], checks=(nothing_written(),))
    add("dai-all-overlong", "dai", "data", "every query longer than the window",
        ["dai", "--model", tiny, "--task-file", t("all-overlong"), "--shots", "1", "--ft-lr", "0.01", "--out",
         "out"], checks=(nothing_written(),))
    add("dai-emergence-run-missing", "dai", "flags", "--emergence-run missing",
        ["dai", "--emergence-run", "nosuch", "--ft-lr", "0.1", "--out", "out"], says=["nosuch"])
    add("dai-emergence-run-not-a-run", "dai", "flags", "--emergence-run a model folder",
        ["dai", "--emergence-run", tiny, "--ft-lr", "0.1", "--out", "out"])
    add("dai-kill9-resume", "dai", "interrupt", "kill -9 mid-run, then --resume", expect="ok",
        scenario=interrupted_then_resumed(["dai", "--model", tiny, "--task", "sst2", "--data-dir", data, "--shots",
                                           "2", "--ft-lr", "5e-4", "--limit", "12"], exists("out/run.json")),
        checks=(same_results("ref", "out", ["metrics.json"]),), timeout=500)
    add("dai-two-writers", "dai", "concurrency", "a second dai on the same --out",
        scenario=two_writers(["dai", "--model", tiny, "--task", "sst2", "--data-dir", data, "--shots", "2",
                              "--ft-lr", "5e-4", "--limit", "12"], exists("out/run.json")), says=["another iclab run"],
        timeout=400)

    # -- emergence -------------------------------------------------------------------------------
    em = ["emergence", "--steps", "20", "--eval-every", "10", "--eval-size", "32"]
    ems = lambda *pairs: flags([*em, "--out", "out"], *pairs)  # noqa: E731
    for flag, value in [("--classes", "0"), ("--classes", "-1"), ("--steps", "0"), ("--steps", "-1"),
                        ("--width", "0"), ("--item-dim", "0"), ("--eval-size", "0"), ("--labels", "0"),
                        ("--p-bursty", "2"), ("--p-bursty", "NaN"), ("--zipf", "-1"), ("--zipf", "NaN"),
                        ("--batch", "0"), ("--lr", "NaN"), ("--preset", "nosuch"), ("--arch", "nosuch"),
                        ("--heads", "0"),
                        ("--layers", "0"), ("--eval-every", "0"), ("--noise", "-1"), ("--clip", "NaN"),
                        ("--format", "nosuch"), ("--labels-per-class", "0"), ("--threads", "0"),
                        ("--sweep", "bogus"), ("--sweep", "nosuch=1,2")]:
        add(f"emergence-flag{flag}-{value}", "emergence", "flags", f"{flag} {value}", ems(flag, value),
            checks=(nothing_written(),))
    add("emergence-exemplars-0", "emergence", "flags", "--exemplars 0 (fresh noise each draw: valid)",
        ems("--exemplars", "0"), expect="ok")
    add("emergence-checkpoint-every-0", "emergence", "flags", "--checkpoint-every 0 (valid)",
        ems("--checkpoint-every", "0"), expect="ok")
    add("emergence-width-heads", "emergence", "flags", "--width 30 --heads 4 (not divisible)",
        ems("--width", "30", "--heads", "4"), checks=(nothing_written(),))
    add("emergence-layers-billion", "emergence", "flags", "--layers 1e9 (memory)",
        ems("--layers", "1000000000"), says=["GiB"], checks=(nothing_written(),))
    add("emergence-width-huge", "emergence", "flags", "--width 1000000 (memory)", ems("--width", "1000000"),
        says=["GiB"], checks=(nothing_written(),))
    add("emergence-classes-huge", "emergence", "flags", "--classes 2e9", ems("--classes", "2000000000"),
        checks=(nothing_written(),))
    add("emergence-item-dim-huge", "emergence", "flags", "--item-dim 2e9", ems("--item-dim", "2000000000"),
        checks=(nothing_written(),))
    add("emergence-eval-size-huge", "emergence", "flags", "--eval-size 2e9", ems("--eval-size", "2000000000"),
        checks=(nothing_written(),))
    add("emergence-omniglot-missing", "emergence", "data", "--data omniglot, folder missing",
        ems("--data", "omniglot", "--omniglot-dir", "nosuch"), says=["nosuch"], checks=(nothing_written(),))
    add("emergence-user-runjson", "emergence", "disk", "--out holds the user's own run.json",
        scenario=prepare(lambda d: (os.makedirs(f"{d}/out"), open(f"{d}/out/run.json", "w").write("{\"mine\":1}")),
                         ems()), checks=(unchanged("out/run.json", "{\"mine\":1}"),))
    add("emergence-out-read-only", "emergence", "disk", "--out on a read-only file system", [*em, "--out",
                                                                                           READ_ONLY])
    emk = ["emergence", "--steps", "200", "--eval-every", "50", "--eval-size", "32"]
    add("emergence-kill9-before-checkpoint", "emergence", "interrupt",
        "kill -9 before the first checkpoint, then --resume", expect="ok",
        scenario=interrupted_then_resumed(emk, exists("out/run.json"), reference=False),
        checks=(jsonl_lines("out/metrics.jsonl", 4), files_exist("out/report.html")), timeout=400)
    add("emergence-ctrl-c-resume", "emergence", "interrupt", "Ctrl-C mid-run, then --resume", expect="ok",
        scenario=interrupted_then_resumed(emk, lines_at_least("out/metrics.jsonl", 2), sig=signal.SIGINT,
                                          reference=False),
        checks=(jsonl_lines("out/metrics.jsonl", 4),), timeout=400)
    add("emergence-two-writers", "emergence", "concurrency", "a second emergence on the same --out",
        scenario=two_writers(emk, exists("out/run.json")), says=["another iclab run"],
        checks=(jsonl_lines("out/metrics.jsonl", 4),),
        timeout=400)
    add("emergence-disk-full", "emergence", "disk", "disk full (ulimit -f 64 KiB), then --resume",
        scenario=full_disk_then_resume(emk, 64), checks=(files_exist("out/report.html"),), timeout=400)
    add("emergence-checkpoint-truncated", "emergence", "interrupt", "checkpoint.bin truncated, then --resume",
        scenario=then(ems(), [*ems(), "--resume"], between=truncate("out/checkpoint.bin")),
        expect="either", checks=(no_temp_files(),))

    # -- quickstart ------------------------------------------------------------------------------
    q = ["quickstart", "--out", "out"]
    add("quickstart-steps-0", "quickstart", "flags", "--steps 0", [*q, "--steps", "0"], checks=(nothing_written(),))
    add("quickstart-steps-neg", "quickstart", "flags", "--steps -1", [*q, "--steps", "-1"],
        checks=(nothing_written(),))
    add("quickstart-threads-0", "quickstart", "flags", "--threads 0", [*q, "--threads", "0"],
        checks=(nothing_written(),))
    add("quickstart-out-file", "quickstart", "disk", "--out an existing file",
        ["quickstart", "--steps", "10", "--out", txt("story.txt")])
    add("quickstart-out-read-only", "quickstart", "disk", "--out read-only", ["quickstart", "--steps", "10",
                                                                              "--out", READ_ONLY])
    add("quickstart-kill9-resume", "quickstart", "interrupt", "kill -9 mid-run, then --resume", expect="ok",
        scenario=interrupted_then_resumed(["quickstart", "--steps", "60"], exists("out/run.json"),
                                          reference=False),
        checks=(files_exist("out/summary.json"),), timeout=500)
    add("quickstart-rerun-finished", "quickstart", "disk", "rerun into a finished folder without --resume",
        scenario=then([*q, "--steps", "10"], [*q, "--steps", "10"]), checks=(files_exist("out/summary.json"),),
        timeout=400)

    # -- pretrain --------------------------------------------------------------------------------
    pt = ["pretrain", "--tokenizer", tiny, "--data", txt("story.txt"), "--context", "16", "--layers", "1",
          "--hidden", "32", "--heads", "2", "--steps", "4", "--batch-size", "2"]
    ptf = lambda *pairs: flags([*pt, "--out", "out"], *pairs)  # noqa: E731
    for flag, value in [("--hidden", "30"), ("--context", "0"), ("--layers", "0"), ("--steps", "0"),
                        ("--batch-size", "0"), ("--lr", "NaN"), ("--arch", "nosuch"), ("--attention", "nosuch"),
                        ("--heads", "0"), ("--eval-windows", "-1"), ("--save-every", "-1"),
                        ("--warmup-steps", "-1"), ("--clip-norm", "NaN")]:
        add(f"pretrain-flag{flag}-{value}", "pretrain", "flags", f"{flag} {value}", ptf(flag, value),
            checks=(nothing_written(),))
    add("pretrain-odd-head", "pretrain", "flags", "llama head size 5 (rotary needs even)",
        ptf("--hidden", "10", "--heads", "2"), checks=(nothing_written(),))
    add("pretrain-eta-1", "pretrain", "flags", "--attention momentum --momentum-eta 1",
        ptf("--attention", "momentum", "--momentum-eta", "1"), checks=(nothing_written(),))
    add("pretrain-layers-billion", "pretrain", "flags", "--layers 1e9 (memory)", ptf("--layers", "1000000000"),
        says=["GiB"], checks=(nothing_written(),))
    add("pretrain-hidden-huge", "pretrain", "flags", "--hidden 1048576 (memory)",
        ptf("--hidden", "1048576", "--heads", "2"), says=["--hidden"], checks=(nothing_written(),))
    add("pretrain-context-huge", "pretrain", "flags", "--context 2e9",
        ptf("--context", "2000000000"), checks=(nothing_written(),))
    pd = ["pretrain", "--tokenizer", tiny, "--context", "16", "--layers", "1", "--hidden", "32", "--heads", "2",
          "--steps", "4", "--out", "out", "--data"]
    for name in ["empty.txt", "utf16.txt", "latin1.txt", "binary.bin", "one-token.txt"]:
        add(f"pretrain-data-{name.replace('.', '-')}", "pretrain", "data", f"--data {name}", [*pd, txt(name)],
            checks=(nothing_written(),))
    add("pretrain-tokenizer-missing", "pretrain", "flags", "--tokenizer missing",
        ["pretrain", "--tokenizer", "nosuch", "--data", txt("story.txt"), "--out", "out"], says=["nosuch"])
    add("pretrain-tokenizer-garbage", "pretrain", "model", "--tokenizer with a garbage tokenizer.json",
        ["pretrain", "--tokenizer", m("tokenizer-garbage"), "--data", txt("story.txt"), "--out", "out"])
    ptk = [*pt[:-4], "--steps", "60", "--batch-size", "2", "--save-every", "10"]
    add("pretrain-kill9-resume", "pretrain", "interrupt", "kill -9 after a checkpoint, then --resume", expect="ok",
        scenario=interrupted_then_resumed(ptk, exists("out/checkpoints")),
        checks=(same_results("ref", "out", ["model.safetensors"]),), timeout=500)
    add("pretrain-disk-full", "pretrain", "disk", "disk full (ulimit -f 32 KiB), then --resume",
        scenario=full_disk_then_resume(ptk, 32), checks=(files_exist("out/model.safetensors"),), timeout=400)

    # -- ipt -------------------------------------------------------------------------------------
    ip = ["ipt", "run", "--model", tiny, "--data-dir", data, "--out", "out"]
    add("ipt-dim-0", "ipt", "flags", "--intrinsic-dim 0", [*ip, "--tasks", "sst2,cb", "--intrinsic-dim", "0"],
        checks=(nothing_written(),))
    add("ipt-train-is-test", "ipt", "flags", "a test task also a training task",
        [*ip, "--train-tasks", "sst2", "--test-tasks", "sst2"], checks=(nothing_written(),))
    add("ipt-unknown-task", "ipt", "flags", "unknown task", [*ip, "--train-tasks", "nosuch", "--test-tasks", "cb"],
        says=["nosuch"], checks=(nothing_written(),))
    add("ipt-prompt-length-0", "ipt", "flags", "--prompt-length 0",
        [*ip, "--train-tasks", "sst2", "--test-tasks", "cb", "--prompt-length", "0"], checks=(nothing_written(),))
    add("ipt-shots-0", "ipt", "flags", "--shots-per-class 0",
        [*ip, "--train-tasks", "sst2", "--test-tasks", "cb", "--shots-per-class", "0"], checks=(nothing_written(),))
    add("ipt-split-bogus", "ipt", "flags", "--split nosuch", [*ip, "--tasks", "sst2,cb", "--split", "nosuch"])
    add("ipt-test-fraction-2", "ipt", "flags", "--test-fraction 2",
        [*ip, "--tasks", "sst2,cb", "--split", "random", "--test-fraction", "2"], checks=(nothing_written(),))
    add("ipt-unknown-class", "ipt", "flags", "a pair task naming an unknown class",
        [*ip, "--train-tasks", "trec:NOPE-vs-HUM", "--test-tasks", "cb"], checks=(nothing_written(),))
    add("ipt-no-model", "ipt", "flags", "no --model", ["ipt", "run", "--out", "out"], expect="usage")

    # -- bench, dual-form, top level ------------------------------------------------------------
    add("bench-runtime-repeats-0", "bench", "flags", "bench runtime --repeats 0",
        ["bench", "runtime", "--repeats", "0", "--skip-large", "--out", "b.json"])
    add("bench-runtime-forwards-neg", "bench", "flags", "bench runtime --forwards -1",
        ["bench", "runtime", "--forwards", "-1", "--skip-large", "--out", "b.json"])
    add("bench-emergence-steps-0", "bench", "flags", "bench emergence --steps 0", ["bench", "emergence", "--steps",
                                                                                   "0"])
    add("bench-emergence-out-ro", "bench", "disk", "bench emergence --out read-only",
        ["bench", "emergence", "--steps", "2", "--out", READ_ONLY + "/b.json"])
    add("bench-icl-shots-neg", "bench", "flags", "bench icl --shots -1", ["bench", "icl", "--shots", "-1"])
    add("bench-tune-steps-0", "bench", "flags", "bench tune --steps 0", ["bench", "tune", "--steps", "0"])
    add("bench-unknown", "bench", "flags", "bench nosuch", ["bench", "nosuch"], expect="usage")
    add("dual-form-dim-0", "dual-form", "flags", "--dim 0", ["dual-form", "--dim", "0"])
    add("dual-form-head-dim-neg", "dual-form", "flags", "--head-dim -1", ["dual-form", "--head-dim", "-1"])
    add("dual-form-demo-neg", "dual-form", "flags", "--demo-tokens -1", ["dual-form", "--demo-tokens", "-1"])
    add("dual-form-dim-huge", "dual-form", "flags", "--dim and --head-dim 1e6 (1e12 values)",
        ["dual-form", "--dim", "1000000", "--head-dim", "1000000"])
    add("dual-form-query-0", "dual-form", "flags", "--query-tokens 0", ["dual-form", "--query-tokens", "0"])
    add("top-unknown-command", "iclab", "flags", "iclab nosuch", ["nosuch"], expect="usage")
    add("top-no-args", "iclab", "flags", "iclab without arguments (usage, exit 0)", [], expect="ok")
    add("top-verbose-shows-trace", "iclab", "flags", "--verbose on a bad model shows the trace",
        ["inspect", "--model", "nosuch", "--verbose"], verbose_ok=True)
    return out


def _closed_stdout(case, harness):
    """Runs the command with its stdout's read end closed at once (as `| head -c0`)."""
    import subprocess
    import time

    from hostile import Result

    started = time.time()
    read, write = os.pipe()
    os.close(read)
    proc = subprocess.Popen(harness.java(case.tmp, case.args), cwd=case.dir, env=harness.env(), stdout=write,
                            stderr=subprocess.PIPE)
    os.close(write)
    err = proc.communicate(timeout=case.timeout)[1].decode(errors="replace")
    return Result(proc.returncode, "", err, time.time() - started)
