// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens-cli end to end on the bundled demo, and its error messages.
#include "io/Json.h"

#include "RunProcess.h"
#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using oodlens::Json;
using oodlens::test::contains;
using oodlens::test::countOf;
using oodlens::test::endsWith;
using oodlens::test::readLines;
using oodlens::test::split;
using oodlens::test::startsWith;

namespace {

const std::string kDemo = OODLENS_SOURCE_DIR "/resources/demo/";

oodlens::test::ProcessResult runCli(const std::vector<std::string>& args)
{
    return oodlens::test::runProcess(OODLENS_CLI, args);
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// The last line of stderr that carries the error.
std::string errorLine(const oodlens::test::ProcessResult& r)
{
    const std::vector<std::string> lines = split(oodlens::test::trimmed(r.err), '\n');
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
        if (contains(*it, "error"))
            return *it;
    return {};
}

// Parses a JSON file; an unreadable or malformed file fails the calling test with the parser's message.
Json readJson(const std::string& path, std::string& problem)
{
    try {
        return Json::parseFile(path);
    } catch (const std::exception& e) {
        problem = e.what();
        return {};
    }
}

} // namespace

// One temporary folder for the whole suite.
class Cli : public ::testing::Test {
protected:
    static std::string filePath(const std::string& name)
    {
        static const oodlens::test::TempDir tmp;
        return tmp.filePath(name);
    }
};

TEST_F(Cli, demoWritesScoresAndMetrics)
{
    const std::string out = filePath("demo");
    const auto r = runCli({"demo", "--out", out});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    for (const char* m : {"msp ", "energy ", "gradnorm "})
        ASSERT_TRUE(contains(r.out, m)) << r.out;
    ASSERT_TRUE(contains(r.out, "fashion-mnist"));

    const std::vector<std::string> scores = readLines(out + "/scores.csv");
    ASSERT_EQ(scores.size(), std::size_t(4001));
    ASSERT_TRUE(startsWith(scores[0], "dataset,index,path,label,prediction,gradnorm,exgrad,msp,"));
    ASSERT_TRUE(startsWith(scores[1], "id,0,"));
    ASSERT_TRUE(contains(scores[1], "mnist-test-2000-images-idx3-ubyte.gz#0,"));
    ASSERT_TRUE(startsWith(scores[2001], "fashion-mnist,0,"));
    const int columns = countOf(scores[0], ",") + 1;
    for (const std::string& line : scores)
        ASSERT_EQ(countOf(line, ",") + 1, columns);

    const std::vector<std::string> metrics = readLines(out + "/metrics.csv");
    ASSERT_TRUE(!metrics.empty());
    ASSERT_EQ(metrics[0], "method,ood,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out,ccr_1e-4,ccr_1e-3,ccr_1e-2,ccr_1e-1,aurc,label");
    // One row per method, one OOD set: the columns less dataset..prediction and the two name columns.
    ASSERT_TRUE(endsWith(scores[0], ",label_name,prediction_name")) << scores[0];
    ASSERT_EQ(metrics.size(), std::size_t(1 + columns - 7));
    for (std::size_t i = 1; i < metrics.size(); ++i) {
        const std::vector<std::string> f = split(metrics[i], ',');
        ASSERT_EQ(f.size(), std::size_t(13));
        // AUROC .. AURC are all rates in [0, 1] (CCR and AURC included: the demo ID set is labelled).
        for (int c = 2; c < 12; ++c) {
            bool ok = false;
            const double v = oodlens::test::toDouble(f[c], &ok);
            ASSERT_TRUE(ok && v >= 0 && v <= 1);
        }
    }
    // The demo CNN separates MNIST from Fashion-MNIST well with MSP, Energy and GradNorm.
    for (const std::string& line : metrics)
        if (startsWith(line, "msp,") || startsWith(line, "energy,") || startsWith(line, "gradnorm,")) {
            ASSERT_TRUE(oodlens::test::toDouble(split(line, ',')[2]) > 0.9) << line;
        }
}

TEST_F(Cli, scoreWithNamedOodSets)
{
    const std::string out = filePath("score");
    const auto r =
        runCli({"score", "--model", kDemo + "mnist_cnn.pt", "--id", kDemo + "mnist-test-2000-images-idx3-ubyte.gz",
                "--ood", "fmnist=" + kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz", "--ood",
                kDemo + "mnist-train-5000-images-idx3-ubyte.gz", "--methods", "msp,energy,gradnorm", "--batch", "64",
                "--out", out});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    const std::vector<std::string> metrics = readLines(out + "/metrics.csv");
    ASSERT_EQ(metrics.size(), std::size_t(1 + 3 * 2));
    ASSERT_TRUE(startsWith(metrics[1], "msp,fmnist,"));
    ASSERT_TRUE(startsWith(metrics[2], "msp,mnist-train-5000,"));
    // MNIST train vs MNIST test is no OOD problem at all: AUROC near chance.
    ASSERT_TRUE(std::abs(oodlens::test::toDouble(split(metrics[2], ',')[2]) - 0.5) < 0.1);
    const std::vector<std::string> scores = readLines(out + "/scores.csv");
    ASSERT_EQ(scores.size(), std::size_t(1 + 2000 + 2000 + 5000));
    ASSERT_EQ(scores[0], "dataset,index,path,label,prediction,msp,energy,gradnorm,label_name,prediction_name");
}

TEST_F(Cli, missingModelIsNamed)
{
    const auto r = runCli({"score", "--model", "/nonexistent/m.pt", "--id",
                           kDemo + "mnist-test-2000-images-idx3-ubyte.gz", "--out", filePath("x")});
    ASSERT_EQ(r.exitCode, 1);
    ASSERT_TRUE(contains(errorLine(r), "/nonexistent/m.pt")) << r.err;
}

TEST_F(Cli, modelThatIsNotTorchScriptIsNamed)
{
    const std::string fake = filePath("fake.pt");
    ASSERT_TRUE(oodlens::test::writeFile(fake, "this is not a model"));
    const auto r = runCli({"info", "--model", fake});
    ASSERT_EQ(r.exitCode, 1);
    ASSERT_TRUE(contains(errorLine(r), fake) && contains(errorLine(r), "TorchScript")) << r.err;
}

TEST_F(Cli, malformedOodSetIsNamedAndOthersStillScored)
{
    const std::string bad = filePath("bad-images-idx3-ubyte");
    // IDX header 00 00 08 03, then 1000 images of 28 x 28: claims 1000 images, holds 100 bytes.
    const std::string header("\x00\x00\x08\x03\x00\x00\x03\xe8\x00\x00\x00\x1c\x00\x00\x00\x1c", 16);
    ASSERT_TRUE(oodlens::test::writeFile(bad, header + std::string(100, '\0')));
    const std::string out = filePath("partial");
    const auto r = runCli(
        {"score", "--model", kDemo + "mnist_cnn.pt", "--id", kDemo + "mnist-test-2000-images-idx3-ubyte.gz", "--ood",
         kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz", "--ood", bad, "--methods", "msp", "--out", out});
    ASSERT_EQ(r.exitCode, 1);
    ASSERT_TRUE(contains(errorLine(r), bad) && contains(errorLine(r), "header claims 1000 images")) << r.err;
    ASSERT_EQ(readLines(out + "/metrics.csv").size(), std::size_t(2)); // the valid OOD set is kept
}

TEST_F(Cli, unknownMethodAndOptionAreRefused)
{
    auto r = runCli({"demo", "--methods", "msp,nosuch"});
    ASSERT_EQ(r.exitCode, 1);
    ASSERT_TRUE(contains(errorLine(r), "nosuch"));
    r = runCli({"demo", "--bogus"});
    ASSERT_EQ(r.exitCode, 1);
    ASSERT_TRUE(contains(errorLine(r), "--bogus"));
    r = runCli({"frobnicate"});
    ASSERT_EQ(r.exitCode, 2);
}

TEST_F(Cli, secondScoreReadsTheFeatureCache)
{
    const std::string cache = filePath("cli-cache");
    const std::vector<std::string> base = {"score",
                                           "--model",
                                           kDemo + "mnist_cnn.pt",
                                           "--id",
                                           kDemo + "mnist-test-2000-images-idx3-ubyte.gz",
                                           "--ood",
                                           kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz",
                                           "--methods",
                                           "msp,gradnorm",
                                           "--out",
                                           filePath("cached")};
    const auto first = runCli(base + std::vector<std::string>{"--cache-dir", cache});
    ASSERT_TRUE(first.exitCode == 0) << first.err;
    ASSERT_TRUE(!contains(first.err, "from the cache"));
    const std::vector<std::string> firstScores = readLines(filePath("cached/scores.csv"));
    const auto second = runCli(base + std::vector<std::string>{"--cache-dir", cache});
    ASSERT_TRUE(second.exitCode == 0) << second.err;
    ASSERT_EQ(countOf(second.err, "features from the cache"), 2);
    ASSERT_EQ(readLines(filePath("cached/scores.csv")), firstScores);
    const auto bypass = runCli(base + std::vector<std::string>{"--cache-dir", cache, "--no-cache"});
    ASSERT_TRUE(!contains(bypass.err, "from the cache"));
    // run.json records where features came from.
    const std::string runFile = filePath("cached/run.json");
    ASSERT_TRUE(std::filesystem::is_regular_file(runFile));
    std::string problem;
    const Json doc = readJson(runFile, problem);
    ASSERT_TRUE(problem.empty()) << problem;
    const std::vector<Json>& sets = doc.get("datasets").items();
    ASSERT_TRUE(!sets.empty());
    ASSERT_EQ(sets[0].get("from_cache").boolean(), false);
}

// extract --shard through the CLI: two shards, then a score that merges them (no model pass, the
// same scores as a whole run) and records them in run.json; a shard outside the count is refused.
TEST_F(Cli, extractShardsThenScoreMergesThem)
{
    const std::string cache = filePath("cli-shards");
    const std::vector<std::string> sets = {"--model", kDemo + "mnist_cnn.pt", "--id",
                                           kDemo + "mnist-test-2000-images-idx3-ubyte.gz", "--ood",
                                           "fashion=" + kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz",
                                           "--methods", "msp,energy", "--cache-dir", cache};
    for (const char* shard : {"0/2", "1/2"}) {
        const auto r = runCli(std::vector<std::string>{"extract"} + sets + std::vector<std::string>{"--shard", shard});
        ASSERT_EQ(r.exitCode, 0) << r.err;
        ASSERT_TRUE(contains(r.out, std::string("id: shard ") + shard + ", items ")) << r.out;
        ASSERT_TRUE(contains(r.out, "fashion: shard ")) << r.out;
    }
    const auto merged = runCli(std::vector<std::string>{"score"} + sets +
                               std::vector<std::string>{"--out", filePath("cli-shards-out")});
    ASSERT_EQ(merged.exitCode, 0) << merged.err;
    ASSERT_EQ(countOf(merged.err, "features from the cache"), 2) << merged.err;
    ASSERT_TRUE(!contains(merged.err, "extracting it here")) << merged.err;
    const auto whole = runCli(std::vector<std::string>{"score"} + sets +
                              std::vector<std::string>{"--no-cache", "--out", filePath("cli-whole-out")});
    ASSERT_EQ(whole.exitCode, 0) << whole.err;
    ASSERT_EQ(readLines(filePath("cli-shards-out/scores.csv")), readLines(filePath("cli-whole-out/scores.csv")));

    std::string problem;
    const Json run = readJson(filePath("cli-shards-out/run.json"), problem);
    ASSERT_TRUE(problem.empty()) << problem;
    const std::vector<Json>& shards = run.get("datasets").items().at(0).get("shards").items();
    ASSERT_EQ(shards.size(), 2u);
    ASSERT_EQ(shards[0].get("shard").string(), "0/2");
    ASSERT_EQ(shards[1].get("shard").string(), "1/2");
    ASSERT_EQ(shards[0].get("first_item").number(), 0);
    ASSERT_EQ(shards[0].get("end_item").number(), shards[1].get("first_item").number());
    ASSERT_EQ(shards[1].get("end_item").number(), 2000);
    ASSERT_FALSE(shards[1].get("extracted_here").boolean());
    ASSERT_TRUE(std::filesystem::is_regular_file(shards[1].get("cache_file").string()));
    // A whole run records no shards.
    const Json plain = readJson(filePath("cli-whole-out/run.json"), problem);
    ASSERT_FALSE(plain.get("datasets").items().at(0).has("shards"));

    auto bad = runCli(std::vector<std::string>{"extract"} + sets + std::vector<std::string>{"--shard", "2/2"});
    ASSERT_EQ(bad.exitCode, 1);
    ASSERT_TRUE(contains(bad.err, "--shard") && contains(bad.err, "1/2")) << bad.err;
    bad = runCli(std::vector<std::string>{"extract"} + sets + std::vector<std::string>{"--no-cache", "--shard", "0/2"});
    ASSERT_EQ(bad.exitCode, 1);
    ASSERT_TRUE(contains(bad.err, "--no-cache")) << bad.err;
    bad = runCli(std::vector<std::string>{"score"} + sets +
                 std::vector<std::string>{"--shard", "0/2", "--out", filePath("cli-shards-refused")});
    ASSERT_NE(bad.exitCode, 0);
    ASSERT_TRUE(contains(bad.err, "--shard")) << bad.err;
}

TEST_F(Cli, writesEveryExportFormatAndRunMetadata)
{
    const std::string out = filePath("formats");
    const auto r = runCli({"demo", "--methods", "msp,energy", "--bootstrap", "50", "--seed", "7", "--out", out});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    ASSERT_TRUE(std::filesystem::is_regular_file(out + "/metrics.json"));
    std::string problem;
    const Json metrics = readJson(out + "/metrics.json", problem);
    ASSERT_TRUE(problem.empty()) << problem;
    const std::vector<Json>& rows = metrics.get("rows").items();
    ASSERT_EQ(rows.size(), std::size_t(2));
    const Json& row = rows.at(0);
    const std::vector<Json>& ci = row.get("ci95").get("auroc").items();
    ASSERT_EQ(ci.size(), std::size_t(2));
    const double auroc = row.get("auroc").number();
    ASSERT_TRUE(ci.at(0).number() <= auroc && auroc <= ci.at(1).number());
    ASSERT_TRUE(row.has("detection_acc") && row.has("threshold95"));

    const std::vector<std::string> md = readLines(out + "/metrics.md");
    ASSERT_TRUE(md.size() >= 3);
    ASSERT_TRUE(contains(md[0], "FPR@95 (ID+)") && contains(md[0], "FPR@95 (OOD+)"));
    ASSERT_EQ(countOf(md[2], "|"), 13);
    const std::vector<std::string> tex = readLines(out + "/metrics.tex");
    ASSERT_TRUE(contains(oodlens::test::join(tex, "\n"), "\\begin{tabular}"));
    ASSERT_TRUE(contains(oodlens::test::join(tex, "\n"), "\\bottomrule"));

    ASSERT_TRUE(std::filesystem::is_regular_file(out + "/run.json"));
    const Json run = readJson(out + "/run.json", problem);
    ASSERT_TRUE(problem.empty()) << problem;
    ASSERT_EQ(run.get("model").get("sha256").string().size(), std::size_t(64));
    // Which forward ran, and why: the demo CNN's optimised copy passes its probe-batch check.
    ASSERT_TRUE(run.get("model").get("optimized_forward").boolean()) << run.get("model").get("forward").string();
    ASSERT_TRUE(contains(run.get("model").get("forward").string(), "1e-4"));
    const std::vector<Json>& sets = run.get("datasets").items();
    ASSERT_TRUE(!sets.empty());
    ASSERT_EQ(sets.at(0).get("kind").string(), "idx");
    ASSERT_EQ(static_cast<int>(sets.at(0).get("scored").number()), 2000);
    ASSERT_TRUE(contains(run.get("preprocessing").get("spec").string(), "mean=0.1307"));
    ASSERT_TRUE(contains(run.get("environment").get("libraries").string(), "LibTorch"));
    ASSERT_EQ(run.get("methods").items().size(), std::size_t(2));
    ASSERT_TRUE(!run.get("date").string().empty());

    // Same seed, same intervals.
    const std::string out2 = filePath("formats2");
    runCli({"demo", "--methods", "msp,energy", "--bootstrap", "50", "--seed", "7", "--out", out2});
    ASSERT_EQ(readLines(out2 + "/metrics.md"), md);
}

// A run that scores GradNorm prints what scoring costs per image and records it in run.json's
// "costs" (seconds per image, null where not measured); one without a gradient method says why.
TEST_F(Cli, runJsonRecordsTheScoringCosts)
{
    const std::string out = filePath("costs");
    const auto r = runCli({"demo", "--methods", "msp,gradnorm", "--cost-probe", "3", "--out", out});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    ASSERT_TRUE(contains(r.out, "cost per image (cpu): forward ")) << r.out;
    ASSERT_TRUE(contains(r.out, "full backward (batch 1, 3 images)")) << r.out;
    ASSERT_TRUE(contains(r.out, "GradNorm autograd") && contains(r.out, "GradNorm closed form")) << r.out;
    std::string problem;
    const Json run = readJson(out + "/run.json", problem);
    ASSERT_TRUE(problem.empty()) << problem;
    const Json& costs = run.get("costs");
    ASSERT_TRUE(costs.isObject());
    ASSERT_EQ(costs.get("unit").string(), "seconds per image");
    ASSERT_EQ(costs.get("device").string(), "cpu");
    for (const char* field : {"forward", "full_backward"})
        ASSERT_TRUE(costs.get(field).number() > 0) << field;
    // The ID set's extraction, or with its features from the cache a probe of batches 2 and 3 of 128.
    const bool cached = run.get("datasets").items().at(0).get("from_cache").boolean();
    ASSERT_EQ(costs.get("forward_images").number(), cached ? 256 : 2000);
    ASSERT_EQ(costs.get("full_backward_images").number(), 3);
    ASSERT_EQ(costs.get("autograd_images").number(), 48);
    ASSERT_EQ(costs.get("closed_form_images").number(), 2000);
    ASSERT_TRUE(costs.get("autograd").get("gradnorm").number() > 0);
    ASSERT_TRUE(costs.get("closed_form").get("gradnorm").number() > 0);
    ASSERT_TRUE(!costs.get("closed_form").has("exgrad")); // not scored in this run
    ASSERT_TRUE(!costs.get("note").string().empty());

    const std::string none = filePath("costs-none");
    ASSERT_EQ(runCli({"demo", "--methods", "msp", "--out", none}).exitCode, 0);
    const Json plain = readJson(none + "/run.json", problem);
    ASSERT_TRUE(problem.empty()) << problem;
    ASSERT_TRUE(plain.get("costs").get("forward").isNull());
    ASSERT_TRUE(plain.get("costs").get("full_backward").isNull());
    ASSERT_TRUE(contains(plain.get("costs").get("note").string(), "no gradient method"));
}

TEST_F(Cli, infoDescribesTheDemoModel)
{
    const auto r = runCli({"info", "--model", kDemo + "mnist_cnn.pt"});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    ASSERT_TRUE(contains(r.out, "classes:        10"));
    ASSERT_TRUE(contains(r.out, "feature dim:    128"));
    ASSERT_TRUE(contains(r.out, "head:           fc"));
    ASSERT_TRUE(contains(r.out, "forward_features"));
}

TEST_F(Cli, infoSaysWhereEachPreprocessingValueComesFromAndWhatIsAGuess)
{
    // A model without a sidecar: its size is found by probing, its normalisation unknown.
    const std::string bare = filePath("bare.pt");
    std::filesystem::copy_file(std::string(OODLENS_SOURCE_DIR) + "/tests/fixtures/models/resnet_fc_traced.pt", bare);
    auto r = runCli({"info", "--model", bare});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "the model also runs at other sizes")) << r.out;
    EXPECT_TRUE(contains(r.out, "(guess)")) << r.out;
    EXPECT_TRUE(contains(r.err, "note: guessed input size")) << r.err;
    EXPECT_TRUE(contains(r.err, "no normalisation")) << r.err;
    // Given on the command line, nothing is a guess, and each value says it came from a flag/preset.
    r = runCli({"info", "--model", bare, "--preset", "cifar", "--std", "0.5"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_FALSE(contains(r.err, "guessed")) << r.err;
    EXPECT_TRUE(contains(r.out, "(preset)")) << r.out;
    EXPECT_TRUE(contains(r.out, "std       0.5  (flag)")) << r.out;
    // The demo's sidecar gives the preprocessing: no guess either.
    r = runCli({"info", "--model", kDemo + "mnist_cnn.pt"});
    EXPECT_TRUE(contains(r.out, "(sidecar)")) << r.out;
    EXPECT_FALSE(contains(r.err, "guessed")) << r.err;
}

namespace {

// Column `name` of a CSV file (no quoted fields), every row.
std::vector<std::string> csvColumn(const std::string& file, const std::string& name)
{
    const std::vector<std::string> lines = readLines(file);
    std::vector<std::string> out;
    if (lines.empty())
        return out;
    const std::vector<std::string> header = split(lines[0], ',');
    const auto col = std::size_t(std::find(header.begin(), header.end(), name) - header.begin());
    if (col == header.size())
        return out;
    for (std::size_t i = 1; i < lines.size(); ++i)
        out.push_back(split(lines[i], ',').at(col));
    return out;
}

// metrics.csv's AUROC of `method` (on the run's only OOD set).
double aurocOf(const std::string& dir, const std::string& method)
{
    const std::vector<std::string> methods = csvColumn(dir + "/metrics.csv", "method");
    const std::vector<std::string> auroc = csvColumn(dir + "/metrics.csv", "auroc");
    for (std::size_t i = 0; i < methods.size(); ++i)
        if (methods[i] == method)
            return oodlens::test::toDouble(auroc[i]);
    return NAN;
}

const Json* methodEntry(const Json& run, const std::string& id)
{
    for (const Json& m : run.get("methods").items())
        if (m.get("id").string() == id)
            return &m;
    return nullptr;
}

} // namespace

// --param exgrad.flip=1: scores.csv holds the exact negation, AUROC becomes 1 - AUROC, and run.json,
// metrics.csv, the tables and the CLI's own table name the method as flipped.
TEST_F(Cli, flipParamNegatesTheScoreAndIsRecorded)
{
    const std::string plain = filePath("unflipped"), flipped = filePath("flipped");
    auto r = runCli({"demo", "--methods", "exgrad,msp", "--out", plain});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    r = runCli({"demo", "--methods", "exgrad,msp", "--param", "exgrad.flip=1", "--out", flipped});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    EXPECT_TRUE(contains(r.out, "exgrad (flipped)")) << r.out;

    const std::vector<std::string> a = csvColumn(plain + "/scores.csv", "exgrad");
    const std::vector<std::string> b = csvColumn(flipped + "/scores.csv", "exgrad");
    ASSERT_EQ(a.size(), std::size_t(4000));
    ASSERT_EQ(b.size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        ASSERT_EQ(oodlens::test::toDouble(b[i]), -oodlens::test::toDouble(a[i])) << a[i] << " " << b[i];
    EXPECT_EQ(csvColumn(plain + "/scores.csv", "msp"), csvColumn(flipped + "/scores.csv", "msp"));

    const double before = aurocOf(plain, "exgrad"), after = aurocOf(flipped, "exgrad");
    EXPECT_LT(before, 0.5);
    EXPECT_NEAR(after, 1.0 - before, 1e-8);
    EXPECT_EQ(aurocOf(flipped, "msp"), aurocOf(plain, "msp"));
    EXPECT_EQ(csvColumn(flipped + "/metrics.csv", "label"), (std::vector<std::string>{"ExGrad (flipped)", "MSP"}));

    std::string problem;
    const Json run = readJson(flipped + "/run.json", problem);
    ASSERT_TRUE(problem.empty()) << problem;
    const Json* exgrad = methodEntry(run, "exgrad");
    ASSERT_TRUE(exgrad != nullptr);
    EXPECT_EQ(exgrad->get("params").get("flip").number(), 1.0);
    EXPECT_EQ(exgrad->get("label").string(), "ExGrad (flipped)");
    EXPECT_TRUE(exgrad->get("flipped").boolean());
    const Json* msp = methodEntry(run, "msp");
    ASSERT_TRUE(msp != nullptr);
    EXPECT_EQ(msp->get("params").get("flip").number(), 0.0);
    EXPECT_FALSE(msp->get("flipped").boolean());
    for (const char* file : {"/metrics.md", "/metrics.tex", "/results_table.md", "/results_table.tex"})
        EXPECT_TRUE(contains(oodlens::test::readFile(flipped + file), "ExGrad (flipped)")) << file;
    EXPECT_FALSE(contains(oodlens::test::readFile(plain + "/metrics.md"), "flipped"));
}

// A session that records the flip scores as the command line did.
TEST_F(Cli, flipRecordedInASessionIsReloaded)
{
    const std::string session = filePath("flip.oodlens");
    {
        std::ofstream out(session);
        out << R"({"format": "oodlens-session", "version": 1, "model": ")" << kDemo << R"(mnist_cnn.pt",
            "datasets": [{"name": "id", "path": ")" << kDemo << R"(mnist-test-2000-images-idx3-ubyte.gz", "role": "id"},
                         {"name": "fashion-mnist", "path": ")" << kDemo << R"(fashion-mnist-2000-images-idx3-ubyte.gz", "role": "ood", "group": "far"}],
            "methods": ["exgrad", "msp"], "params": {"exgrad.flip": 1}, "batch": 128, "device": "cpu",
            "view": {"method": "exgrad"}})";
    }
    const std::string fromSession = filePath("flip-session"), fromFlags = filePath("flip-flags");
    auto r = runCli({"score", "--session", session, "--out", fromSession});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    r = runCli({"score", "--model", kDemo + "mnist_cnn.pt", "--id", kDemo + "mnist-test-2000-images-idx3-ubyte.gz",
                "--ood", kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz", "--methods", "exgrad,msp", "--param",
                "exgrad.flip=1", "--out", fromFlags});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    EXPECT_EQ(aurocOf(fromSession, "exgrad"), aurocOf(fromFlags, "exgrad"));
    EXPECT_GT(aurocOf(fromSession, "exgrad"), 0.5);
    std::string problem;
    const Json run = readJson(fromSession + "/run.json", problem);
    ASSERT_TRUE(problem.empty()) << problem;
    EXPECT_EQ(methodEntry(run, "exgrad")->get("params").get("flip").number(), 1.0);
    // The session's group reaches the results table: the far mean is a column.
    const std::vector<std::string> kinds = csvColumn(fromSession + "/results_table.csv", "kind");
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "group_mean"), kinds.end());
}

// `score` writes the results table next to the other exports; --group makes one mean per group.
TEST_F(Cli, scoreWritesTheResultsTableWithGroupMeans)
{
    const std::string out = filePath("results-table");
    const auto r =
        runCli({"score", "--model", kDemo + "mnist_cnn.pt", "--id", kDemo + "mnist-test-2000-images-idx3-ubyte.gz",
                "--ood", "fmnist=" + kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz", "--ood",
                kDemo + "mnist-train-5000-images-idx3-ubyte.gz", "--group", "fmnist=far", "--group",
                "mnist-train-5000=near", "--methods", "msp,energy,exgrad", "--out", out});
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    for (const char* f : {"/results_table.tex", "/results_table.md", "/results_table.csv"})
        ASSERT_TRUE(std::filesystem::is_regular_file(out + f)) << f;
    const std::vector<std::string> column = csvColumn(out + "/results_table.csv", "column");
    const std::vector<std::string> kind = csvColumn(out + "/results_table.csv", "kind");
    const std::vector<std::string> auroc = csvColumn(out + "/results_table.csv", "auroc");
    const std::vector<std::string> method = csvColumn(out + "/results_table.csv", "method");
    ASSERT_EQ(column.size(), std::size_t(3 * 5)); // far: fmnist, far mean; near: mnist-train, near mean; mean
    EXPECT_EQ(std::vector<std::string>(column.begin(), column.begin() + 5),
              (std::vector<std::string>{"fmnist", "far", "mnist-train-5000", "near", "Mean"}));
    EXPECT_EQ(kind[1], "group_mean");
    EXPECT_EQ(kind[4], "mean");
    // The set's AUROC is metrics.csv's; the overall mean is the mean of the two sets.
    for (std::size_t i = 0; i < method.size(); i += 5) {
        const double f = oodlens::test::toDouble(auroc[i]), m = oodlens::test::toDouble(auroc[i + 2]);
        EXPECT_NEAR(f, aurocOf(out, method[i]), 1e-8); // metrics.csv lists fmnist first
        EXPECT_NEAR(oodlens::test::toDouble(auroc[i + 1]), f, 1e-8);
        EXPECT_NEAR(oodlens::test::toDouble(auroc[i + 4]), (f + m) / 2, 1e-8);
    }
    const std::string md = oodlens::test::readFile(out + "/results_table.md");
    EXPECT_TRUE(contains(md, "ID classification accuracy on mnist-test-2000")) << md;
    EXPECT_TRUE(contains(md, "\u2020")); // ExGrad's AUROC on the demo is below 50 %
}
