// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens-cli's output files under bad input and failure, checked by Python as a reader would:
// scores.csv holds shortest round-trip doubles (metrics can be recomputed from it), names with
// invalid UTF-8 leave every file valid (Python's json and UTF-8 decoder accept them), --out is
// checked before extraction, and a full disk leaves the previous files and no truncated figure.
#include "RunProcess.h"
#include "TestSupport.h"

#include <filesystem>
#include <map>

using namespace oodlens::test;
namespace fs = std::filesystem;

namespace {

const std::string kDemo = OODLENS_SOURCE_DIR "/resources/demo/";
const std::string kId = kDemo + "mnist-test-2000-images-idx3-ubyte.gz";
const std::string kOod = kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz";

ProcessResult cli(const std::vector<std::string>& args, const std::string& cache)
{
    return runProcess(OODLENS_CLI, args, {{"OODLENS_CACHE_DIR", cache}, {"OPENBLAS_NUM_THREADS", "1"}});
}

// `command` through /bin/sh with the file size limited to `kb` KiB and SIGXFSZ ignored: writes past
// the limit fail with EFBIG, as on a full disk.
ProcessResult cliWithFileLimit(const std::vector<std::string>& args, const std::string& cache, int kb)
{
    std::string command = "trap '' XFSZ; ulimit -f " + std::to_string(kb * 2) + "; exec \"$0\"";
    for (std::size_t i = 0; i < args.size(); ++i)
        command += " \"${" + std::to_string(i + 1) + "}\"";
    std::vector<std::string> shArgs = {"-c", command, OODLENS_CLI};
    shArgs.insert(shArgs.end(), args.begin(), args.end());
    return runProcess("/bin/sh", shArgs, {{"OODLENS_CACHE_DIR", cache}, {"OPENBLAS_NUM_THREADS", "1"}});
}

ProcessResult python(const std::string& script, const std::vector<std::string>& args)
{
    std::vector<std::string> all = {"-c", script};
    all.insert(all.end(), args.begin(), args.end());
    return runProcess("/usr/bin/python3", all);
}

bool haveTorch() { return runProcess("/usr/bin/python3", {"-c", "import torch"}).exitCode == 0; }

std::map<std::string, std::string> folder(const std::string& dir)
{
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
        files[e.path().filename().string()] = e.is_regular_file() ? readFile(e.path().string()) : "<dir>";
    return files;
}

} // namespace

class CliOutputs : public ::testing::Test {
protected:
    TempDir dir;
    std::string cache() const { return dir.filePath("cache"); }
};

// scores.csv rounded to 9 significant digits: on a model with tiny logits every MSP printed as
// 0.1, and metrics.csv could not be recomputed from the file. Python recomputes AUROC (Mann-Whitney
// with ties, numpy) from scores.csv and must find metrics.csv's value.
TEST_F(CliOutputs, scoresRoundTripSoMetricsCanBeRecomputed)
{
    // python3-torch is a test dependency (packaging/install-deps.sh): without it this fails, never skips.
    ASSERT_TRUE(haveTorch()) << "python3-torch is not installed: run packaging/install-deps.sh";
    const std::string model = dir.filePath("tiny.pt");
    const std::string maker = dir.filePath("make.py");
    ASSERT_TRUE(writeFile(maker, "import sys, torch\n"
                                 "torch.manual_seed(0)\n"
                                 "class M(torch.nn.Module):\n"
                                 "    def __init__(self):\n"
                                 "        super().__init__()\n"
                                 "        self.body = torch.nn.Linear(784, 16)\n"
                                 "        self.fc = torch.nn.Linear(16, 10)\n"
                                 "        with torch.no_grad():\n"
                                 "            self.fc.weight.mul_(1e-7)\n"
                                 "            self.fc.bias.zero_()\n"
                                 "    def forward(self, x):\n"
                                 "        return self.fc(torch.relu(self.body(x.flatten(1))))\n"
                                 "torch.jit.script(M().eval()).save(sys.argv[1])\n"));
    const ProcessResult made = runProcess("/usr/bin/python3", {maker, model});
    ASSERT_EQ(made.exitCode, 0) << made.err;
    const std::string out = dir.filePath("out");
    const ProcessResult r =
        cli({"score", "--model", model, "--id", kId, "--ood", "fashion=" + kOod, "--methods", "msp,energy", "--out", out},
            cache());
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const ProcessResult py = python(R"(
import csv, sys
import numpy as np
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8')))
metrics = {(m['method'], m['ood']): float(m['auroc']) for m in csv.DictReader(open(sys.argv[2], encoding='utf-8'))}
for method in ('msp', 'energy'):
    idv = np.array([float(r[method]) for r in rows if r['dataset'] == 'id'])
    ood = np.array([float(r[method]) for r in rows if r['dataset'] == 'fashion'])
    # P(id > ood) + 1/2 P(tie), by ranks
    allv = np.concatenate([idv, ood])
    order = np.argsort(allv, kind='mergesort')
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1
        i = j + 1
    u = ranks[:len(idv)].sum() - len(idv) * (len(idv) + 1) / 2.0
    auroc = u / (len(idv) * len(ood))
    distinct = len(set(idv.tolist()))
    print(method, repr(auroc), repr(metrics[(method, 'fashion')]), distinct)
)",
                                    {out + "/scores.csv", out + "/metrics.csv"});
    ASSERT_EQ(py.exitCode, 0) << py.err;
    for (const std::string& line : split(py.out, '\n', true)) {
        const std::vector<std::string> f = split(line, ' ', true);
        ASSERT_EQ(f.size(), 4u) << line;
        EXPECT_NEAR(std::stod(f[1]), std::stod(f[2]), 1e-9) << line; // metrics.csv is printed shortest too
        EXPECT_GT(std::stoi(f[3]), 1000) << line;                      // the MSPs are not all one value
    }
}

// A file or OOD name with invalid UTF-8 made scores.csv, run.json and metrics.json invalid.
TEST_F(CliOutputs, invalidUtf8NamesLeaveEveryFileValid)
{
    const std::string latin1 = dir.filePath("fa\xE7on\xFF.gz");
    fs::copy_file(kOod, latin1);
    const std::string name = "caf\xE9_&|set";
    const std::string out = dir.filePath("out");
    const ProcessResult r = cli({"score", "--model", kDemo + "mnist_cnn.pt", "--id", kId, "--ood", name + "=" + latin1,
                                 "--methods", "msp", "--out", out},
                                cache());
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const ProcessResult py = python(R"(
import csv, json, sys, os
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    text = open(os.path.join(d, f), 'rb').read().decode('utf-8')   # strict: raises on invalid UTF-8
    if f.endswith('.json'):
        json.loads(text)
    if f.endswith('.csv'):
        list(csv.reader(text.splitlines()))
print(sorted(os.listdir(d)))
run = json.load(open(os.path.join(d, 'run.json'), encoding='utf-8'))
print([s['name'] for s in run['datasets']][1].encode('unicode_escape').decode())
print(run['datasets'][1]['path'].endswith('fa\ufffdon\ufffd.gz'))
)",
                                    {out});
    ASSERT_EQ(py.exitCode, 0) << py.err;
    EXPECT_TRUE(contains(py.out, "caf\\ufffd_&|set")) << py.out;
    EXPECT_TRUE(contains(py.out, "True")) << py.out;
    EXPECT_TRUE(contains(readFile(out + "/metrics.tex"), "caf\xEF\xBF\xBD\\_\\&|set")) << readFile(out + "/metrics.tex");
    EXPECT_TRUE(contains(readFile(out + "/metrics.md"), "caf\xEF\xBF\xBD\\_&\\|set")) << readFile(out + "/metrics.md");
}

// --out was checked after minutes of extraction.
TEST_F(CliOutputs, outIsCheckedBeforeExtraction)
{
    ASSERT_TRUE(writeFile(dir.filePath("file"), "x"));
    const ProcessResult r = cli({"score", "--model", kDemo + "mnist_cnn.pt", "--id", kId, "--ood", kOod, "--methods",
                                 "msp", "--out", dir.filePath("file/out")},
                                cache());
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(contains(r.err, dir.filePath("file/out"))) << r.err;
    EXPECT_TRUE(r.out.empty()) << "the run went ahead: " << r.out; // no metrics table: nothing was scored
    EXPECT_FALSE(fs::exists(cache())) << "features were extracted";
}

// A full disk on one file left the folder mixing the new and the old run.
TEST_F(CliOutputs, aFullDiskLeavesThePreviousRunWhole)
{
    const std::string out = dir.filePath("out");
    const std::vector<std::string> args = {"score", "--model", kDemo + "mnist_cnn.pt", "--id", kId, "--ood", kOod,
                                           "--methods", "msp", "--out", out};
    ASSERT_EQ(cli(args, cache()).exitCode, 0);
    const auto before = folder(out);
    std::vector<std::string> more = args;
    more[8] = "msp,energy,maxlogit,gradnorm";
    const ProcessResult r = cliWithFileLimit(more, cache(), 200); // scores.csv needs more
    EXPECT_EQ(r.exitCode, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "scores.csv")) << r.err;
    EXPECT_FALSE(contains(r.err, "Success")) << r.err;
    EXPECT_EQ(folder(out), before); // every old file, and no temporary
}

#ifdef OODLENS_HAVE_FIGURES
// `figures` on a full disk left a truncated PNG.
TEST_F(CliOutputs, figuresOnAFullDiskLeaveNoTruncatedFile)
{
    const std::string out = dir.filePath("figs");
    const ProcessResult r =
        cliWithFileLimit({"figures", "--demo", "--methods", "msp", "--formats", "png", "--out", out}, cache(), 40);
    EXPECT_EQ(r.exitCode, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "msp-histogram.png")) << r.err;
    ASSERT_TRUE(fs::is_directory(out));
    EXPECT_TRUE(folder(out).empty()) << "left: " << folder(out).begin()->first;
}
#endif
