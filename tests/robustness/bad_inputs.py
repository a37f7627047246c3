#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input suite: generates hostile inputs (decompression bombs, forged headers, FIFOs,
device files, link DAGs, broken sessions and sidecars, invalid UTF-8 names, look-alike folders),
runs oodlens-cli (and the GUI's --screenshot path, when given) on each under a memory cap
(RLIMIT_AS) and a timeout, and checks the expected outcome: exit code, the file named in the
message, valid and consistent outputs. Prints a table of input class -> exit code, peak RSS,
seconds and the first line of the message. Exits 1 when any case fails.

  bad_inputs.py --cli build/ci/bin/oodlens-cli [--gui build/ci/bin/oodlens] --work DIR [-k NAME]
"""
import argparse, csv, gzip, io, json, os, resource, shutil, signal, struct, subprocess, sys, time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_MODEL = os.path.join(ROOT, "resources/demo/mnist_cnn.pt")
RGB64_MODEL = os.path.join(ROOT, "tests/fixtures/models/rgb64_traced.pt")
MEMORY_CAP = 6 << 30      # address space of each run: LibTorch and OpenBLAS reserve a lot of it
RSS_BOUND_MB = 1500       # what any of these inputs may cost in resident memory
TIMEOUT = 90              # seconds; a hang is a failure


class Outcome:
    def __init__(self, code, out, err, seconds, rss_mb, timed_out):
        self.code, self.out, self.err, self.seconds, self.rss_mb, self.timed_out = code, out, err, seconds, rss_mb, timed_out

    @property
    def text(self):
        return self.out + self.err


def run_measured(args, cwd, timeout=TIMEOUT, env=None):
    """Runs args under the memory cap and a timeout (the whole process group is killed then);
    returns an Outcome with this child's own peak RSS (wait4)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        os.setsid()
    e = dict(os.environ)
    e.update({"OPENBLAS_NUM_THREADS": "1", "QT_QPA_PLATFORM": "offscreen"})
    e.update(env or {})
    out_path, err_path = os.path.join(cwd, ".stdout"), os.path.join(cwd, ".stderr")
    start = time.monotonic()
    with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
        p = subprocess.Popen(args, cwd=cwd, env=e, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, preexec_fn=limit)
        deadline = start + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                os.killpg(p.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
    code = os.waitstatus_to_exitcode(status)
    p.returncode = code
    with open(out_path, "rb") as fo, open(err_path, "rb") as fe:
        out, err = fo.read().decode("utf-8", "replace"), fe.read().decode("utf-8", "replace")
    return Outcome(code, out, err, time.monotonic() - start, usage.ru_maxrss / 1024.0, timed_out)


# --- Inputs ----------------------------------------------------------------------------------

def png_bytes(w, h, colour=(120, 30, 200)):
    b = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(b, "PNG")
    return b.getvalue()


def noise_png(path, rng, w=40, h=40):
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)


def image_folder(path, rng, classes=2, per_class=4, colour_shift=0):
    for c in range(classes):
        d = os.path.join(path, f"class{c}")
        os.makedirs(d, exist_ok=True)
        for i in range(per_class):
            a = np.clip(rng.normal(60 + 50 * c + colour_shift, 30, (36, 36, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(a).save(os.path.join(d, f"{i}.png"))


def jpeg_bomb(path):
    """A 30,000 x 30,000 baseline JPEG header with almost no data: decoding would allocate 2.7 GB."""
    small = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(small, "JPEG")
    data = bytearray(small.getvalue())
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 30000, 30000)
    open(path, "wb").write(bytes(data[: len(data) - 2]))  # and truncated: no EOI


def tall_png(path, w=1, h=20000):
    Image.new("RGB", (w, h), (200, 100, 0)).save(path)


def gz_idx_forged(path):
    """An IDX header claiming 60,000 x 28 x 28 bytes, gzip-compressed to a few KB, whose gzip
    trailer is forged to claim the matching uncompressed size."""
    header = struct.pack(">BBBB", 0, 0, 8, 3) + struct.pack(">III", 60000, 28, 28)
    body = header + b"\0" * 4096
    data = bytearray(gzip.compress(body, mtime=0))
    struct.pack_into("<I", data, len(data) - 4, (len(header) + 60000 * 28 * 28) & 0xFFFFFFFF)
    open(path, "wb").write(bytes(data))


def write_session(path, text_or_bytes):
    data = text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes
    open(path, "wb").write(data)


def demo_session(model, id_path, **over):
    s = {"format": "oodlens-session", "version": 1, "model": model,
         "datasets": [{"name": "mnist", "path": id_path, "role": "id"},
                      {"name": "fashion", "path": os.path.join(ROOT, "resources/demo/fashion-mnist-2000-images-idx3-ubyte.gz"), "role": "ood"}],
         "methods": ["msp"]}
    s.update(over)
    return json.dumps(s)


# --- Cases -----------------------------------------------------------------------------------

class Suite:
    def __init__(self, cli, gui, work):
        self.cli, self.gui, self.work = cli, gui, work
        self.rows, self.failures = [], []
        self.rng = np.random.default_rng(0)
        self.id_dir = os.path.join(work, "id")
        image_folder(self.id_dir, self.rng)

    def dir(self, name):
        d = os.path.join(self.work, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def check(self, name, outcome, ok, why, rss_bound=RSS_BOUND_MB):
        problems = []
        if outcome.timed_out:
            problems.append(f"hung (killed after {TIMEOUT} s)")
        if outcome.rss_mb > rss_bound:
            problems.append(f"peak RSS {outcome.rss_mb:.0f} MB > {rss_bound} MB")
        if not ok:
            problems.append(why)
        lines = [l for l in outcome.err.splitlines() if l.strip()]
        first = next((l for l in lines if "error" in l or "warning" in l or "skipped" in l), lines[0] if lines else "")
        self.rows.append((name, outcome.code, outcome.rss_mb, outcome.seconds, first))
        if problems:
            self.failures.append((name, problems, outcome.text[-2000:]))

    def score(self, cwd, *args, env=None, timeout=TIMEOUT):
        return run_measured([self.cli, "score", "--no-cache", *args], cwd, timeout=timeout, env=env)

    def ood_score(self, cwd, ood, *extra):
        """Scores the RGB 64x64 fixture model on the good ID folder against `ood`."""
        return self.score(cwd, "--model", RGB64_MODEL, "--id", self.id_dir, "--ood", f"bad={ood}",
                          "--methods", "msp,energy", "--channels", "3", "--resize", "64", "--crop", "64",
                          "--out", os.path.join(cwd, "out"), *extra)

    # 3: decompression bombs and extreme sizes
    def case_jpeg_bomb(self):
        d = self.dir("jpeg_bomb")
        ood = os.path.join(d, "ood")
        os.makedirs(ood)
        jpeg_bomb(os.path.join(ood, "bomb.jpg"))
        noise_png(os.path.join(ood, "fine.png"), self.rng)
        o = self.ood_score(d, ood)
        self.check("JPEG header claiming 30000x30000 (1.7 KB)", o,
                   o.code == 0 and "bomb.jpg" in o.text and self.scored_rows(d, "bad") == 1,
                   "expected exit 0, bomb.jpg named and skipped, fine.png scored")

    def case_tall_png(self):
        d = self.dir("tall_png")
        ood = os.path.join(d, "ood")
        os.makedirs(ood)
        tall_png(os.path.join(ood, "tall.png"))
        noise_png(os.path.join(ood, "fine.png"), self.rng)
        o = self.score(d, "--model", RGB64_MODEL, "--id", self.id_dir, "--ood", f"bad={ood}", "--methods", "msp",
                       "--preset", "imagenet", "--resize", "64", "--crop", "64", "--out", os.path.join(d, "out"))
        self.check("1 x 20000 PNG under --preset imagenet (resize 64, crop 64)", o, o.code == 0 and self.scored_rows(d, "bad") in (1, 2),
                   "expected exit 0 with bounded memory")

    def case_gz_idx(self):
        d = self.dir("gz_idx")
        bad = os.path.join(d, "forged-images-idx3-ubyte.gz")
        gz_idx_forged(bad)
        o = self.ood_score(d, bad)
        self.check("gzip IDX with a forged size trailer (4 KB)", o, o.code != 0 or "forged-images" in o.text,
                   "expected the file refused and named", rss_bound=600)

    # 5: hangs
    def case_fifo_in_csv(self):
        d = self.dir("fifo_csv")
        fifo = os.path.join(d, "pipe.png")
        os.mkfifo(fifo)
        noise_png(os.path.join(d, "fine.png"), self.rng)
        lst = os.path.join(d, "list.csv")
        open(lst, "w").write("path,label\npipe.png,0\nfine.png,1\n")
        o = self.ood_score(d, lst)
        self.check("FIFO listed in a CSV", o, "pipe.png" in o.text and not o.timed_out,
                   "expected pipe.png named, no hang")

    def case_fifo_model(self):
        d = self.dir("fifo_model")
        fifo = os.path.join(d, "model.pt")
        os.mkfifo(fifo)
        o = self.score(d, "--model", fifo, "--id", self.id_dir, "--out", os.path.join(d, "out"))
        self.check("FIFO as --model", o, o.code != 0 and "model.pt" in o.text, "expected a refusal naming model.pt")

    def case_dev_zero_model(self):
        d = self.dir("dev_zero")
        o = self.score(d, "--model", "/dev/zero", "--id", self.id_dir, "--out", os.path.join(d, "out"))
        self.check("--model /dev/zero", o, o.code != 0 and "/dev/zero" in o.text, "expected a refusal naming /dev/zero",
                   rss_bound=600)

    def case_threads(self):
        d = self.dir("threads")
        o = self.score(d, "--model", DEMO_MODEL, "--id", self.id_dir, "--threads", "5000", "--out", os.path.join(d, "out"))
        self.check("--threads 5000", o, o.code != 0 and "threads" in o.text, "expected a refusal naming --threads")

    def case_link_dag(self):
        d = self.dir("link_dag")
        root = os.path.join(d, "set")
        cls = os.path.join(root, "class0")
        os.makedirs(cls)
        noise_png(os.path.join(cls, "img.png"), self.rng)
        # level k holds two links to level k-1: 2^16 paths to one file.
        prev = "img.png"
        for k in range(16):
            lvl = os.path.join(cls, f"l{k}")
            os.makedirs(lvl)
            target = os.path.join("..", prev) if k else os.path.join("..", "img.png")
            os.symlink(target, os.path.join(lvl, "a"))
            os.symlink(target, os.path.join(lvl, "b"))
            prev = os.path.join(f"l{k}")
        o = self.ood_score(d, root)
        self.check("symlink DAG in an ImageFolder (depth 16)", o, not o.timed_out and o.seconds < 60,
                   "expected each real file counted once, or a refusal")

    def case_sigint(self):
        # A 32 GB sparse file as the model: hashing it takes many seconds on any machine, a phase
        # that polls nothing; Ctrl-C must still end the process promptly (the CLI's watchdog).
        d = self.dir("sigint")
        model = os.path.join(d, "huge.pt")
        with open(model, "wb") as f:
            f.truncate(32 << 30)
        cmd = [self.cli, "score", "--no-cache", "--model", model, "--id", self.id_dir, "--out", os.path.join(d, "out")]
        p = subprocess.Popen(cmd, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        time.sleep(1.5)
        finished_first = p.poll() is not None
        start = time.monotonic()
        p.send_signal(signal.SIGINT)
        try:
            out, _ = p.communicate(timeout=15)
            timed_out = False
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            timed_out = True
        o = Outcome(p.returncode, "", out.decode(errors="replace"), time.monotonic() - start, 0, timed_out)
        self.check("SIGINT while a 32 GB model file is hashed", o,
                   not finished_first and not timed_out and p.returncode != 0 and o.seconds < 10,
                   "the run ended before the signal" if finished_first else "expected a prompt non-zero exit")

    def case_screenshot_bad_sessions(self):
        if not self.gui:
            return
        d = self.dir("sessions")
        bad = {
            "empty": b"",
            "truncated": demo_session(DEMO_MODEL, self.id_dir)[:40].encode(),
            "binary": bytes(range(256)) * 4,
            "not-an-object": b"[1, 2, 3]",
            "unknown-version": demo_session(DEMO_MODEL, self.id_dir, version=99).encode(),
            "unknown-method": demo_session(DEMO_MODEL, self.id_dir, methods=["nonsense"]).encode(),
            "unknown-role": demo_session(DEMO_MODEL, self.id_dir).replace('"ood"', '"sideways"').encode(),
            "missing-model": demo_session(os.path.join(d, "absent.pt"), self.id_dir).encode(),
            "deeply-nested": b"[" * 100000 + b"]" * 100000,
            "utf-16": demo_session(DEMO_MODEL, self.id_dir).encode("utf-16"),
            "channels-7": demo_session(DEMO_MODEL, self.id_dir, preprocessing={"channels": 7}).encode(),
            "std-0": demo_session(DEMO_MODEL, self.id_dir, preprocessing={"std": [0]}).encode(),
        }
        for name, data in bad.items():
            path = os.path.join(d, f"{name}.oodlens")
            write_session(path, data)
            o = run_measured([self.gui, path, "--screenshot", os.path.join(d, f"{name}.png")], d, timeout=60,
                             env={"HOME": d, "XDG_CONFIG_HOME": d, "OODLENS_CACHE_DIR": os.path.join(d, "cache")})
            self.check(f"oodlens SESSION --screenshot: {name}", o,
                       o.code not in (0, None) and not os.path.exists(os.path.join(d, f"{name}.png")) and f"{name}.oodlens" in o.text,
                       "expected a non-zero exit naming the session and no screenshot")

    # 1: session values through the CLI
    def case_session_values(self):
        d = self.dir("session_values")
        for name, over in {"channels-7": {"preprocessing": {"channels": 7}},
                           "std-0": {"preprocessing": {"std": [0]}},
                           "batch-0": {"batch": 0},
                           "T-negative": {"params": {"T": -1}, "methods": ["energy"]}}.items():
            path = os.path.join(d, f"{name}.oodlens")
            write_session(path, demo_session(DEMO_MODEL, os.path.join(ROOT, "resources/demo/mnist-test-2000-images-idx3-ubyte.gz"), **over))
            o = self.score(d, "--session", path, "--out", os.path.join(d, "out-" + name))
            self.check(f"session with {name}", o, o.code != 0 and f"{name}.oodlens" in o.text,
                       "expected a refusal naming the session")

    # 2: the cache must identify the data
    def case_lookalike_folders(self):
        d = self.dir("lookalike")
        a, b = os.path.join(d, "a"), os.path.join(d, "b")
        # The same names, sizes (BMP: the size follows the dimensions) and mtimes; only the pixels
        # and the place differ.
        for folder, seed, shift in ((a, 1, 0), (b, 2, 120)):
            rng = np.random.default_rng(seed)
            for c in range(2):
                os.makedirs(os.path.join(folder, f"class{c}"))
                for i in range(4):
                    px = np.clip(rng.normal(60 + shift, 30, (36, 36, 3)), 0, 255).astype(np.uint8)
                    f = os.path.join(folder, f"class{c}", f"{i}.bmp")
                    Image.fromarray(px).save(f)
                    os.utime(f, (1_600_000_000, 1_600_000_000))
        cache = os.path.join(d, "cache")
        outs = []
        for name, folder in (("first", a), ("second", b)):
            out = os.path.join(d, "out-" + name)
            o = run_measured([self.cli, "score", "--model", RGB64_MODEL, "--id", self.id_dir, "--ood", f"x={folder}",
                              "--channels", "3", "--resize", "64", "--crop", "64", "--methods", "msp",
                              "--cache-dir", cache, "--out", out], d)
            outs.append((o, out, folder))
        ok = all(o.code == 0 for o, _, _ in outs)
        paths_ok = ok and all(self.ood_paths(out, "x") and all(p.startswith(folder) for p in self.ood_paths(out, "x"))
                              for _, out, folder in outs)
        # Different pixels give different scores: the second run did not get the first one's features.
        differ = ok and self.ood_scores(outs[0][1], "x") != self.ood_scores(outs[1][1], "x")
        self.check("two look-alike folders through one cache", outs[1][0], ok and paths_ok and differ,
                   "expected both scored from their own pixels, each reporting its own paths")

    # 7: outputs
    def case_unwritable_out(self):
        d = self.dir("unwritable")
        blocker = os.path.join(d, "afile")
        open(blocker, "w").write("a file where --out's parent folder should be")
        o = self.score(d, "--model", RGB64_MODEL, "--id", self.id_dir, "--channels", "3", "--resize", "64",
                       "--crop", "64", "--out", os.path.join(blocker, "out"))
        # Refused before any image is read: no dataset line ("id: 8 images") was printed.
        self.check("--out under a file (not writable)", o,
                   o.code != 0 and "afile" in o.text and "images (" not in o.text and o.seconds < 30,
                   "expected a refusal naming the folder before extraction")

    # 8: encoding
    def case_invalid_utf8_names(self):
        d = self.dir("utf8")
        ood = os.path.join(d, "ood").encode()
        os.makedirs(ood)
        noise_png(os.path.join(ood, b"caf\xe9-latin1.png").decode("utf-8", "surrogateescape"), self.rng)
        noise_png(os.path.join(ood, b"ok.png").decode(), self.rng)
        out = os.path.join(d, "out")
        o = self.score(d, "--model", RGB64_MODEL, "--id", self.id_dir, "--ood", "n\\u00e4me=" + ood.decode(),
                       "--channels", "3", "--resize", "64", "--crop", "64", "--methods", "msp", "--out", out)
        valid = o.code == 0
        for f in ("run.json", "metrics.json"):
            try:
                json.load(open(os.path.join(out, f), encoding="utf-8"))
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                valid = False
                o.err += f"\n{f}: {e}"
        try:
            open(os.path.join(out, "scores.csv"), encoding="utf-8").read()
        except Exception as e:  # noqa: BLE001
            valid = False
            o.err += f"\nscores.csv: {e}"
        self.check("file name with invalid UTF-8", o, valid, "expected valid UTF-8 JSON and CSV")

    # 9: quiet surprises
    def case_truncated_jpeg(self):
        d = self.dir("truncated_jpeg")
        ood = os.path.join(d, "ood")
        os.makedirs(ood)
        b = io.BytesIO()
        Image.fromarray(self.rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(b, "JPEG")
        open(os.path.join(ood, "half.jpg"), "wb").write(b.getvalue()[: len(b.getvalue()) // 2])
        noise_png(os.path.join(ood, "fine.png"), self.rng)
        o = self.ood_score(d, ood)
        self.check("half-length JPEG", o, o.code == 0 and "half.jpg" in o.text and self.scored_rows(d, "bad") == 1,
                   "expected half.jpg named and skipped")

    def case_sidecar_nan(self):
        d = self.dir("sidecar_nan")
        model = os.path.join(d, "net.pt")
        shutil.copy(RGB64_MODEL, model)
        open(os.path.join(d, "net.json"), "w").write('{"input": [3, 1e999, 64]}')
        o = self.score(d, "--model", model, "--id", self.id_dir, "--out", os.path.join(d, "out"))
        self.check("sidecar input [3, 1e999, 64]", o, o.code != 0 and "net.json" in o.text, "expected net.json named")

    def case_sidecar_many_keys(self):
        d = self.dir("sidecar_keys")
        model = os.path.join(d, "net.pt")
        shutil.copy(RGB64_MODEL, model)
        keys = ", ".join(f'"k{i}": {i}' for i in range(200000))
        open(os.path.join(d, "net.json"), "w").write('{"input": [3, 64, 64], ' + keys + "}")
        o = run_measured([self.cli, "info", "--model", model], d)
        self.check("sidecar with 200,000 keys", o, o.code == 0 and o.seconds < 20, "expected it read in seconds")

    def case_duplicate_ood(self):
        d = self.dir("dup_ood")
        one, two = os.path.join(d, "one"), os.path.join(d, "two")
        image_folder(one, self.rng)
        image_folder(two, self.rng)
        o = self.score(d, "--model", RGB64_MODEL, "--id", self.id_dir, "--ood", f"x={one}", "--ood", f"x={two}",
                       "--out", os.path.join(d, "out"))
        self.check("two OOD sets named x", o, o.code != 0 and "'x'" in o.text, "expected a refusal naming x")

    # helpers on outputs
    def scored_rows(self, cwd, dataset):
        try:
            with open(os.path.join(cwd, "out", "scores.csv"), encoding="utf-8") as f:
                return sum(1 for r in csv.DictReader(f) if r["dataset"] == dataset)
        except (OSError, KeyError):
            return -1

    def ood_scores(self, out, dataset):
        try:
            with open(os.path.join(out, "scores.csv"), encoding="utf-8") as f:
                return [r["msp"] for r in csv.DictReader(f) if r["dataset"] == dataset]
        except (OSError, KeyError):
            return []

    def ood_paths(self, out, dataset):
        try:
            with open(os.path.join(out, "scores.csv"), encoding="utf-8") as f:
                return [r["path"] for r in csv.DictReader(f) if r["dataset"] == dataset]
        except (OSError, KeyError):
            return []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--gui")
    ap.add_argument("--work", required=True)
    ap.add_argument("-k", help="run only the cases whose method name contains this")
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    suite = Suite(os.path.abspath(a.cli), os.path.abspath(a.gui) if a.gui else None, os.path.abspath(a.work))
    for name in sorted(n for n in dir(suite) if n.startswith("case_")):
        if a.k and a.k not in name:
            continue
        try:
            getattr(suite, name)()
        except Exception as e:  # noqa: BLE001 - a broken case is a failure, never a pass
            suite.failures.append((name, [f"the case itself failed: {e!r}"], ""))
    print(f"{'input class':58} {'exit':>4} {'peak RSS':>9} {'time':>6}  message")
    for name, code, rss, secs, first in suite.rows:
        print(f"{name[:58]:58} {code!s:>4} {rss:7.0f}MB {secs:5.1f}s  {first[:110]}")
    for name, problems, tail in suite.failures:
        print(f"\nFAIL {name}: {'; '.join(problems)}\n{tail}")
    print(f"\n{len(suite.rows)} runs, {len(suite.failures)} failures")
    sys.exit(1 if suite.failures else 0)


if __name__ == "__main__":
    main()
