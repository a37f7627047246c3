// SPDX-License-Identifier: GPL-3.0-or-later
// The one engine pipeline: what it reuses between runs, how it reports progress, and the rows of
// its metrics table. Runs the bundled demo model.
#include "common/Error.h"
#include "common/Runtime.h"
#include "datasets/Dataset.h"
#include "features/Extraction.h"
#include "model/Classifier.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "TestSupport.h"

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
    // A set the run had no use for says so, and is not a failure (the Datasets dock draws failures red).
    for (std::size_t i = 0; i < first->datasets.size(); ++i) {
        const DatasetSummary& d = first->datasets[i];
        const bool used = d.role == DatasetRole::Id || d.role == DatasetRole::Ood;
        EXPECT_EQ(d.needed, used) << d.name << ": " << d.error;
        EXPECT_EQ(d.ok(), used) << d.name;
    }
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

namespace {

// Records the costs of every result it is handed, and cancels once the cost stage starts when asked to.
class CostRecorder : public RunObserver {
public:
    void progress(const RunProgress& p) override { costStage = costStage || p.stage == RunStage::Cost; }
    void partialResult(RunResultPtr r) override
    {
        partialCosts = partialCosts || std::isfinite(r->costs.forward) || !r->costs.closedForm.empty();
    }
    bool isCancelRequested() const override { return cancelInCostStage && costStage; }
    bool costStage = false;
    bool partialCosts = false;
    bool cancelInCostStage = false;
};

bool positive(double v) { return std::isfinite(v) && v > 0; }

} // namespace

// A run that scores GradNorm times it per image: the forward pass (this run's extraction of the ID
// set), the official full-network backward on costProbeImages ID images, the autograd variant on
// 16 times as many feature rows, the closed form over the whole ID set. Only the final result has
// costs; only the gradient methods scored are in them.
TEST_F(PipelineTest, CostsAreMeasuredWhenAGradientMethodIsScored)
{
    RunConfig c = demoConfig();
    c.cacheDir.clear();
    c.methods = {"msp", "gradnorm"};
    c.costProbeImages = 4;
    CostRecorder rec;
    const RunResultPtr r = runOnce(c, &rec);
    const ScoringCosts& k = r->costs;
    EXPECT_EQ(k.device, "cpu");
    EXPECT_TRUE(positive(k.forward)) << k.forward;
    EXPECT_EQ(k.forwardImages, 2000u);
    EXPECT_TRUE(positive(k.fullBackward)) << k.note;
    EXPECT_EQ(k.fullBackwardImages, 4u);
    ASSERT_EQ(k.autograd.size(), 1u) << k.note;
    EXPECT_TRUE(positive(k.autograd.at("gradnorm")));
    EXPECT_EQ(k.autogradImages, 64u);
    ASSERT_EQ(k.closedForm.size(), 1u);
    EXPECT_TRUE(positive(k.closedForm.at("gradnorm")));
    EXPECT_EQ(k.closedFormImages, 2000u);
    // Orders of magnitude that hold on any machine: a backward through the network costs more than
    // the closed form's few multiplications.
    EXPECT_GT(k.fullBackward, k.closedForm.at("gradnorm"));
    EXPECT_GT(k.autograd.at("gradnorm"), k.closedForm.at("gradnorm"));
    EXPECT_NE(k.note.find("4 ID images at batch 1"), std::string::npos) << k.note;
    EXPECT_TRUE(rec.costStage);
    EXPECT_FALSE(rec.partialCosts);
}

TEST_F(PipelineTest, CostsAreAbsentWithoutAGradientMethodOrWithTheProbeOff)
{
    RunConfig c = demoConfig();
    c.methods = {"msp", "energy"};
    CostRecorder rec;
    const RunResultPtr none = runOnce(c, &rec);
    EXPECT_TRUE(std::isnan(none->costs.forward) && std::isnan(none->costs.fullBackward));
    EXPECT_TRUE(none->costs.closedForm.empty() && none->costs.autograd.empty());
    EXPECT_NE(none->costs.note.find("no gradient method"), std::string::npos) << none->costs.note;
    EXPECT_FALSE(rec.costStage);
    c.methods = {"gradnorm"};
    c.costProbeImages = 0;
    const RunResultPtr off = runOnce(c);
    EXPECT_TRUE(std::isnan(off->costs.forward) && std::isnan(off->costs.fullBackward));
    EXPECT_TRUE(off->costs.closedForm.empty());
    EXPECT_NE(off->costs.note.find("--cost-probe 0"), std::string::npos) << off->costs.note;
    c.costProbeImages = -1;
    EXPECT_THROW(runOnce(c), Error);
}

// A rescoring run (other methods, other T) keeps the probes that ran the model: no model pass,
// the same full-backward figure; an autograd variant scored over the whole ID set gives its own
// time. With the features from the cache, the forward pass is a probe of a few batches.
TEST_F(PipelineTest, RescoringReusesTheCostProbes)
{
    const oodlens::test::TempDir cache;
    RunConfig c = demoConfig();
    c.cacheDir = cache.path();
    c.methods = {"gradnorm"};
    c.costProbeImages = 4;
    Pipeline p;
    const RunResultPtr first = p.run(c);
    const int passes = p.modelPasses();
    EXPECT_EQ(passes, 2);
    c.methods = {"msp", "gradnorm_autograd"};
    c.params.parseAssignment("T=2");
    const RunResultPtr second = p.run(c);
    EXPECT_EQ(p.modelPasses(), passes);
    EXPECT_EQ(second->costs.fullBackward, first->costs.fullBackward);
    EXPECT_EQ(second->costs.forward, first->costs.forward);
    ASSERT_EQ(second->costs.autograd.count("gradnorm"), 1u) << second->costs.note;
    EXPECT_EQ(second->costs.autogradImages, 2000u);
    EXPECT_NE(second->costs.note.find("timed while scoring"), std::string::npos) << second->costs.note;

    RunConfig cached = c;
    cached.batchSize = 100;
    Pipeline q;
    const RunResultPtr fromCache = q.run(cached);
    ASSERT_TRUE(fromCache->datasets[0].fromCache);
    EXPECT_EQ(q.modelPasses(), 0);
    EXPECT_TRUE(positive(fromCache->costs.forward));
    EXPECT_EQ(fromCache->costs.forwardImages, 200u); // batches 2 and 3 of 100; the first warms up
    EXPECT_NE(fromCache->costs.note.find("cache"), std::string::npos) << fromCache->costs.note;
}

TEST_F(PipelineTest, TheCostStageIsCancellable)
{
    RunConfig c = demoConfig();
    c.methods = {"gradnorm"};
    CostRecorder rec;
    rec.cancelInCostStage = true;
    EXPECT_THROW(runOnce(c, &rec), Cancelled);
    EXPECT_TRUE(rec.costStage);
}

// The full-backward probe computes the official quantity: on the demo's own images, the last
// layer's weight gradient after a backward through the whole network has the L1 norm that the
// closed form gives those images.
TEST_F(PipelineTest, TheFullBackwardProbeGivesTheClosedFormGradNorm)
{
    RunConfig c = demoConfig();
    c.methods = {"gradnorm"};
    c.params.parseAssignment("T=2");
    c.costProbeImages = 0;
    const RunResultPtr r = runOnce(c);
    const std::vector<double>& closedForm = r->scoresOf("gradnorm", std::size_t(r->idIndex));
    const std::unique_ptr<Classifier> model = Classifier::load(c.modelPath);
    const std::unique_ptr<Dataset> data = openDataset(c.datasets[std::size_t(r->idIndex)].path);
    ExtractionOptions options;
    options.batchSize = 8;
    std::vector<double> norms;
    forEachBatch(*data, r->preprocess, options, nullptr, "test",
                 [&](const float* input, const std::vector<std::size_t>& items, const std::vector<std::string>&, int ch,
                     int h, int w) {
                     if (norms.empty())
                         norms = model->fullBackwardGradNorms(input, static_cast<int>(items.size()), ch, h, w, 2.0);
                 });
    ASSERT_EQ(norms.size(), 8u);
    for (std::size_t i = 0; i < norms.size(); ++i)
        EXPECT_NEAR(norms[i], closedForm[i], 1e-4 * closedForm[i]) << "image " << i;
}
