"""Bad inputs for the hostile-input harness, built once in its work folder from the repo's fixtures.

Every builder writes into the work folder only; the repository's fixtures are never changed.
"""

import json
import os
import shutil
import struct


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + n]), 8 + n, bytearray(data)


def fill_tensor(model_dir, tensor, value):
    """Overwrites every element of one F32 tensor with value (NaN, Inf, a huge number)."""
    path = os.path.join(model_dir, "model.safetensors")
    header, start, data = read_safetensors(path)
    begin, end = header[tensor]["data_offsets"]
    data[start + begin : start + end] = struct.pack("<f", value) * ((end - begin) // 4)
    open(path, "wb").write(data)


def copy_model(src, dst):
    shutil.copytree(src, dst)
    return dst


def edit_config(model_dir, **changes):
    path = os.path.join(model_dir, "config.json")
    config = json.load(open(path))
    for key, value in changes.items():
        if value is DELETE:
            config.pop(key, None)
        else:
            config[key] = value
    json.dump(config, open(path, "w"), indent=2)


DELETE = object()


class Fixtures:
    """Paths of the built inputs (attributes), all under work/fx."""

    def __init__(self, repo, work):
        self.repo = repo
        self.root = os.path.join(work, "fx")
        self.tiny = os.path.join(repo, "fixtures/models/tinystories-656k")
        self.gpt2 = os.path.join(repo, "fixtures/models/synthetic/gpt2-tiny")
        self.gpt2_tokenizer = os.path.join(repo, "fixtures/models/gpt2-tokenizer")
        self.data = os.path.join(repo, "fixtures/data")

    def p(self, *parts):
        return os.path.join(self.root, *parts)

    def build(self):
        if os.path.isdir(self.root):
            shutil.rmtree(self.root)
        os.makedirs(self.root)
        self._models()
        self._texts()
        self._tasks()
        self._configs()

    # -- models ---------------------------------------------------------------------------------

    def _model(self, name, base=None, **config):
        d = copy_model(base or self.tiny, self.p("models", name))
        if config:
            edit_config(d, **config)
        return d

    def _models(self):
        fill_tensor(self._model("nan"), "model.norm.weight", float("nan"))
        fill_tensor(self._model("inf"), "model.layers.1.self_attn.q_proj.weight", float("inf"))
        fill_tensor(self._model("overflow"), "model.layers.0.mlp.up_proj.weight", 3e38)
        self._model("neg-eps", rms_norm_eps=-1e-6)
        self._model("zero-eps", rms_norm_eps=0.0)
        self._model("zero-heads", num_attention_heads=0)
        self._model("odd-head", num_attention_heads=6, num_key_value_heads=6)
        self._model("kv-not-divisor", num_key_value_heads=3)
        self._model("no-arch", architectures=[])
        self._model("bad-arch", architectures=["NoSuchForCausalLM"], model_type="nosuch")
        self._model("billion-layers", num_hidden_layers=2_000_000_000)
        self._model("many-layers", num_hidden_layers=100_000)
        self._model("huge-hidden", hidden_size=1_000_000, intermediate_size=4_000_000)
        self._model("frac-vocab", vocab_size=2048.5)
        self._model("neg-vocab", vocab_size=-2048)
        self._model("small-vocab", vocab_size=100)
        self._model("string-hidden", hidden_size="128")
        self._model("null-layers", num_hidden_layers=None)
        self._model("no-layers-key", num_hidden_layers=DELETE)
        self._model("zero-context", max_position_embeddings=0)
        self._model("neg-rope", rope_theta=-10000.0)
        self._model("bad-act", hidden_act="nosuch")
        self._model("bad-dtype-cfg", torch_dtype="float7")
        self._model("short-window", max_position_embeddings=16)
        d = self._model("trunc-weights")
        path = os.path.join(d, "model.safetensors")
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size // 2)
        d = self._model("empty-weights")
        open(os.path.join(d, "model.safetensors"), "wb").close()
        d = self._model("garbage-header")
        with open(os.path.join(d, "model.safetensors"), "r+b") as f:
            f.seek(8)
            f.write(b"{not json at all")
        d = self._model("huge-header-len")
        with open(os.path.join(d, "model.safetensors"), "r+b") as f:
            f.write(struct.pack("<Q", 2**62))
        d = self._model("wrong-shape")
        path = os.path.join(d, "model.safetensors")
        header, start, data = read_safetensors(path)
        header["model.norm.weight"]["shape"] = [64, 2]
        self._rewrite_header(path, header, data[start:])
        d = self._model("missing-tensor")
        path = os.path.join(d, "model.safetensors")
        header, start, data = read_safetensors(path)
        del header["model.layers.1.mlp.up_proj.weight"]
        self._rewrite_header(path, header, data[start:])
        d = self._model("bad-dtype")
        path = os.path.join(d, "model.safetensors")
        header, start, data = read_safetensors(path)
        header["model.norm.weight"]["dtype"] = "Q7"
        self._rewrite_header(path, header, data[start:])
        d = self._model("overlap-offsets")
        path = os.path.join(d, "model.safetensors")
        header, start, data = read_safetensors(path)
        header["model.norm.weight"]["data_offsets"] = [0, 10**12]
        self._rewrite_header(path, header, data[start:])
        d = self._model("no-weights")
        os.remove(os.path.join(d, "model.safetensors"))
        d = self._model("no-config")
        os.remove(os.path.join(d, "config.json"))
        d = self._model("config-not-json")
        open(os.path.join(d, "config.json"), "w").write("{ this is not json")
        d = self._model("config-array")
        open(os.path.join(d, "config.json"), "w").write("[1, 2, 3]")
        d = self._model("config-utf16")
        text = open(os.path.join(self.tiny, "config.json")).read()
        open(os.path.join(d, "config.json"), "wb").write(text.encode("utf-16"))
        d = self._model("config-bom")
        open(os.path.join(d, "config.json"), "wb").write(b"\xef\xbb\xbf" + text.encode())
        d = self._model("no-tokenizer")
        os.remove(os.path.join(d, "tokenizer.json"))
        d = self._model("tokenizer-garbage")
        open(os.path.join(d, "tokenizer.json"), "wb").write(os.urandom(2000))
        d = self._model("tokenizer-empty-json")
        open(os.path.join(d, "tokenizer.json"), "w").write("{}")
        d = self._model("foreign-tokenizer", base=self.gpt2)
        shutil.copy(os.path.join(self.gpt2_tokenizer, "tokenizer.json"), d)
        # A hub cache with one snapshot whose files are missing (a cut download).
        snap = self.p("hub", "models--org--cut", "snapshots", "abc")
        os.makedirs(snap)
        os.makedirs(self.p("hub", "models--org--cut", "refs"))
        open(self.p("hub", "models--org--cut", "refs", "main"), "w").write("abc")
        shutil.copy(os.path.join(self.tiny, "config.json"), snap)

    @staticmethod
    def _rewrite_header(path, header, body):
        raw = json.dumps(header).encode()
        raw += b" " * (-len(raw) % 8)
        open(path, "wb").write(struct.pack("<Q", len(raw)) + raw + bytes(body))

    # -- text files -----------------------------------------------------------------------------

    def _texts(self):
        os.makedirs(self.p("text"))
        story = "Once upon a time there was a little girl named Lily. She liked to play.\n" * 8
        open(self.p("text", "story.txt"), "w").write(story)
        open(self.p("text", "empty.txt"), "w").close()
        open(self.p("text", "newlines.txt"), "w").write("\n\n\n\n")
        open(self.p("text", "utf16.txt"), "wb").write(story.encode("utf-16"))
        open(self.p("text", "latin1.txt"), "wb").write(("Caf\xe9 na\xefve. " * 20).encode("latin-1"))
        open(self.p("text", "binary.bin"), "wb").write(os.urandom(4096))
        open(self.p("text", "crlf.txt"), "wb").write(story.replace("\n", "\r\n").encode())
        open(self.p("text", "cr-only.txt"), "wb").write(story.replace("\n", "\r").encode())
        open(self.p("text", "one-token.txt"), "w").write("a")
        open(self.p("text", "nul.txt"), "wb").write(b"Once\x00upon\x00a\x00time\n" * 20)
        open(self.p("text", "emoji.txt"), "w").write("\U0001F600 \u202Eright-to-left\u202C e\u0301\n" * 20)
        # Tune's JSONL text data.
        open(self.p("text", "train.jsonl"), "w").write(
            "".join(json.dumps({"text": "Lily played with her ball. It was fun."}) + "\n" for _ in range(8))
        )
        open(self.p("text", "broken.jsonl"), "w").write('{"text": "ok"}\n{"text": unterminated\n')
        open(self.p("text", "no-field.jsonl"), "w").write('{"body": "ok"}\n' * 4)
        open(self.p("text", "not-object.jsonl"), "w").write("[1,2]\n\"str\"\n")

    # -- task files -----------------------------------------------------------------------------

    def task(self, name, rows, extra="", header="id\ttext\tlabel\n", raw=None, rows_name=None):
        d = self.p("tasks", name)
        os.makedirs(d)
        rows_name = rows_name or "rows.tsv"
        if raw is not None:
            open(os.path.join(d, rows_name), "wb").write(raw)
        else:
            open(os.path.join(d, rows_name), "w", newline="").write(header + rows)
        yaml = (
            "name: toy\n"
            "labels: [negative, positive]\n"
            "label_words: [bad, good]\n"
            'template: "Review: {text} Verdict:"\n'
            "fields: {text: text}\n"
            "id_column: id\n"
            f"train: {rows_name}\n"
            f"eval: {rows_name}\n" + extra
        )
        open(os.path.join(d, "task.yaml"), "w").write(yaml)
        return os.path.join(d, "task.yaml")

    def _tasks(self):
        good = "".join(
            f"r{i}\t{'good fun film' if i % 2 else 'bad dull film'}\t{'positive' if i % 2 else 'negative'}\n"
            for i in range(12)
        )
        self.task("good", good)
        dup = "".join(f"r{i % 5}\tfilm {i}\t{'positive' if i % 2 else 'negative'}\n" for i in range(10))
        self.task("dup-ids", dup)
        self.task("cr-only", "", raw=("id\ttext\tlabel\n" + good).replace("\n", "\r").encode())
        self.task("crlf", "", raw=("id\ttext\tlabel\n" + good).replace("\n", "\r\n").encode())
        self.task("utf16", "", raw=("id\ttext\tlabel\n" + good).encode("utf-16"))
        self.task("bom", "", raw=b"\xef\xbb\xbf" + ("id\ttext\tlabel\n" + good).encode())
        self.task("latin1", "", raw=("id\ttext\tlabel\n" + good.replace("film", "caf\xe9")).encode("latin-1"))
        self.task("empty", "", raw=b"")
        self.task("header-only", "")
        self.task("unknown-label", good + "x1\tmeh\tneutral\n")
        self.task("missing-column", "", raw=("id\ttext\n" + "a\tgood\nb\tbad\n").encode())
        self.task("short-row", good + "x2\tonly two\n")
        self.task("binary", "", raw=os.urandom(3000))
        self.task("empty-text", good + "x3\t\tpositive\n")
        longtext = "the film was long and slow and dull " * 120
        self.task("one-overlong", good + f"long\t{longtext}\tnegative\n")
        self.task("all-overlong", "".join(f"l{i}\t{longtext}\tpositive\n" for i in range(4)))
        self.task("no-id-column", good, extra="", header="key\ttext\tlabel\n")
        d = self.task("yaml-garbage", good)
        open(d, "w").write("name: [unclosed\n  - : :\n")
        d = self.task("yaml-missing-keys", good)
        open(d, "w").write("name: toy\ntrain: rows.tsv\n")
        d = self.task("yaml-unknown-key", good, extra="colour: blue\n")
        d = self.task("label-words-mismatch", good)
        text = open(d).read().replace("label_words: [bad, good]", "label_words: [bad]")
        open(d, "w").write(text)
        d = self.task("template-no-field", good)
        text = open(d).read()
        open(d, "w").write(text.replace("{text}", "{nosuch}"))
        d = self.task("rows-missing", good)
        text = open(d).read()
        open(d, "w").write(text.replace("rows.tsv", "nosuch.tsv"))
        jsonl = "".join(
            json.dumps({"id": f"j{i}", "text": "good" if i % 2 else "bad", "label": "positive" if i % 2 else "negative"})
            + "\n"
            for i in range(8)
        )
        self.task("jsonl-broken", "", raw=(jsonl + '{"id": "x", "text": \n').encode(), rows_name="rows.jsonl")
        self.task("tsv-quote", good + 'q1\t"unclosed quote\tpositive\n')
        self.task("dup-keep-first", dup, extra="duplicate_ids: keep-first\n")
        self.task("two-rows", "a\tgood\tpositive\nb\tbad\tnegative\n")

    # -- experiment configs ---------------------------------------------------------------------

    def _configs(self):
        d = self.p("configs")
        os.makedirs(d)
        files = {
            "wrong-type.yaml": "task: sst2\nlimit: four\n",
            "unknown-key.yaml": "task: sst2\ncolour: blue\n",
            "garbage.yaml": "task: [sst2\n  limit: : :\n",
            "empty.yaml": "",
            "list-top.yaml": "- task\n- sst2\n",
            "shots-neg.yaml": "task: sst2\nshots: [-1]\n",
            "huge-limit.yaml": "task: sst2\nlimit: 99999999999999999999\n",
            "trailing.json": '{"task": "sst2"} trailing',
            "nested.yaml": "task: {name: sst2}\n",
            "nan-limit.yaml": "task: sst2\nlimit: .nan\n",
        }
        for name, text in files.items():
            open(os.path.join(d, name), "w").write(text)
        open(os.path.join(d, "utf16.yaml"), "wb").write("task: sst2\nlimit: 4\n".encode("utf-16"))
        open(os.path.join(d, "binary.yaml"), "wb").write(os.urandom(500))
