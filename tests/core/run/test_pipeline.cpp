// SPDX-License-Identifier: GPL-3.0-or-later
// The one engine pipeline: what it reuses between runs, how it reports progress, and the rows of
// its metrics table. Runs the bundled demo model.
#include "common/Error.h"
#include "common/Runtime.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <thread>

using namespace oodlens;

namespace {

class Recorder : public RunObserver {
public:
    void progress(const RunProgress& p) override { seen.push_back(p); }
    void datasetFinished(std::size_t index, const DatasetSummary& d) override { finished[index] = d.name; }
    void partialResult(RunResultPtr) override { ++partials; }
    std::vector<RunProgress> seen;
    std::map<std::size_t, std::string> finished;
    int partials = 0;
};

RunConfig demoWithTwoSimilarNames()
{
    RunConfig c = demoConfig();
    c.cacheDir.clear(); // every dataset is really extracted, with its own progress
    const DatasetSpec ood = c.datasets[1];
    c.datasets = {c.datasets[0], {"svhn", ood.path, DatasetRole::Ood}, {"svhn_extra", ood.path, DatasetRole::Ood}};
    c.methods = {"msp", "energy"};
    c.batchSize = 500;
    return c;
}

} // namespace

class PipelineTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }
};

// Progress and dataset ends carry the dataset's index, so "svhn_extra" can never be taken for "svhn".
TEST_F(PipelineTest, ProgressNamesTheDatasetByIndex)
{
    Recorder rec;
    const RunResultPtr r = runOnce(demoWithTwoSimilarNames(), &rec);
    std::map<int, std::size_t> extractDone;
    for (const RunProgress& p : rec.seen)
        if (p.stage == RunStage::Extract && p.total > 0)
            extractDone[p.dataset] = std::max(extractDone[p.dataset], p.done);
    ASSERT_EQ(extractDone.size(), 3u);
    EXPECT_EQ(extractDone[0], 2000u);
    EXPECT_EQ(extractDone[1], 2000u);
    EXPECT_EQ(extractDone[2], 2000u);
    EXPECT_EQ(rec.finished[1], "svhn");
    EXPECT_EQ(rec.finished[2], "svhn_extra");
    // A partial result after each OOD set, then the final one.
    EXPECT_EQ(rec.partials, 2);
    EXPECT_FALSE(r->partial);
    ASSERT_EQ(r->metrics.size(), 4u);
}

// Changing methods or parameters, or adding a dataset, never runs the model again on a dataset it has seen.
TEST_F(PipelineTest, ReusesTheModelAndExtractedDatasets)
{
    RunConfig c = demoConfig();
    c.cacheDir.clear();
    c.methods = {"msp"};
    Pipeline p;
    const RunResultPtr first = p.run(c);
    EXPECT_EQ(p.modelLoads(), 1);
    const int passes = p.modelPasses();
    EXPECT_EQ(passes, 2); // ID and OOD; the fit set is not needed by msp
    c.methods = {"energy", "gradnorm"};
    c.params.parseAssignment("T=2");
    const RunResultPtr second = p.run(c);
    EXPECT_EQ(p.modelLoads(), 1);
    EXPECT_EQ(p.modelPasses(), passes);
    EXPECT_EQ(second->features[0], first->features[0]); // the same immutable features, shared
    c.methods = {"mahalanobis"};                            // needs the fit set: only it is extracted
    p.run(c);
    EXPECT_EQ(p.modelPasses(), passes + 1);
    c.preprocess.stddev = {0.5f}; // the model side changed: everything is redone
    p.run(c);
    EXPECT_EQ(p.modelLoads(), 2);
}

TEST_F(PipelineTest, BadParametersAreRefusedBeforeAnyWork)
{
    RunConfig c = demoConfig();
    c.methods = {"knn"};
    c.params.parseAssignment("knn.k=0");
    Recorder rec;
    try {
        runOnce(c, &rec);
        FAIL() << "k = 0 accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("knn"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("[1, inf)"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(rec.seen.empty());
}

// A method whose scores are all NaN keeps its row, with a note, instead of vanishing.
TEST_F(PipelineTest, AllNaNScoresKeepTheirRowWithANote)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    ScoreTable t;
    t["good"] = {{3, 2, 1}, {0, -1}};
    t["broken"] = {{nan, nan, nan}, {nan, nan}};
    std::vector<std::string> warned;
    const auto rows = metricsRows({"good", "broken"}, t, 0, {{1, "ood"}}, 0, 0, nullptr,
                                  [&](std::size_t d, const std::string& m, const std::string& msg) {
                                      EXPECT_EQ(d, 1u);
                                      EXPECT_EQ(m, "broken");
                                      warned.push_back(msg);
                                  });
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_DOUBLE_EQ(rows[0].metrics.auroc, 1.0);
    EXPECT_TRUE(rows[0].note.empty());
    EXPECT_EQ(rows[1].method, "broken");
    EXPECT_TRUE(std::isnan(rows[1].metrics.auroc));
    EXPECT_FALSE(rows[1].note.empty());
    ASSERT_EQ(warned.size(), 1u);
}

class CancelFlag : public ProgressSink {
public:
    bool isCancelRequested() const override { return cancel; }
    bool cancel = false;
};

// Bootstrap polls cancellation between resamples, so closing the window never waits for it.
TEST_F(PipelineTest, BootstrapIsCancellable)
{
    std::vector<double> id(20000), ood(20000);
    for (std::size_t i = 0; i < id.size(); ++i) {
        id[i] = std::sin(double(i));
        ood[i] = std::cos(double(i)) - 0.3;
    }
    CancelFlag flag;
    flag.cancel = true;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(bootstrapMetrics(id, ood, 100000, 1, &flag), Cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    flag.cancel = false;
    const BootstrapIntervals b = bootstrapMetrics(id, ood, 20, 1, &flag);
    EXPECT_LE(b.auroc.lo, b.auroc.hi);
}

// A fitted method that cannot fit (k larger than the fit set, as with a small fit set of one's
// own) is named in a warning and left out; every other method is still scored.
TEST_F(PipelineTest, AFitThatFailsCostsThatMethodOnly)
{
    RunConfig c = demoConfig();
    c.methods = {"msp", "knn", "energy"};
    c.params.parseAssignment("knn.k=1000000");
    const RunResultPtr r = runOnce(c);
    EXPECT_EQ(r->methods, (std::vector<std::string>{"msp", "energy"}));
    EXPECT_EQ(r->scores.count("knn"), 0u);
    ASSERT_EQ(r->scores.count("msp"), 1u);
    EXPECT_FALSE(r->scoresOf("msp", std::size_t(r->idIndex)).empty());
    for (const MetricsRow& row : r->metrics)
        EXPECT_NE(row.method, "knn");
    bool named = false;
    for (const RunWarning& w : r->warnings)
        named = named || (w.method == "knn" && w.message.find("not scored") != std::string::npos &&
                          w.message.find("larger than the fit set") != std::string::npos);
    EXPECT_TRUE(named);
    // With nothing else asked for, there is nothing to show: the run fails with the reason.
    c.methods = {"knn"};
    try {
        runOnce(c);
        ADD_FAILURE() << "a run with no scorable method succeeded";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("larger than the fit set"), std::string::npos) << e.what();
    }
}

// A config built in code (not through the options parser or a session file) with 7 channels read
// past the image buffer: the pipeline applies the same value rules before it starts.
TEST_F(PipelineTest, ConfigValuesAreCheckedByTheCommandLineRules)
{
    RunConfig c = demoConfig();
    c.cacheDir.clear();
    c.methods = {"msp"};
    c.preprocess.channels = 7;
    try {
        runOnce(c);
        FAIL() << "7 channels accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("\"preprocessing.channels\" must be 1 or 3 (got 7)"), std::string::npos)
            << e.what();
    }
    c.preprocess.channels = 0;
    c.preprocess.stddev = {0.f};
    EXPECT_THROW(runOnce(c), Error); // std 0 made every score NaN ("MSP AUROC 50.00")
    c.preprocess.stddev.clear();
    c.batchSize = 0;
    EXPECT_THROW(runOnce(c), Error);
}
