// SPDX-License-Identifier: GPL-3.0-or-later
// Sweeps (sweep/Sweep.h): the grid, the choice on the validation pair only, and the pipeline's sweep
// on the demo against brute force (energy at every T recomputed here from the logits, AUROC by
// counting pairs). The honesty test replaces the test OOD set's images and checks that nothing
// chosen changes. tests/python/crosscheck_sweep.py redoes the demo sweep with numpy and sklearn.
#include "common/Error.h"
#include "common/Runtime.h"
#include "datasets/Idx.h"
#include "metrics/ValidationSplit.h"
#include "run/Demo.h"
#include "run/Pipeline.h"
#include "sweep/Sweep.h"

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

using namespace oodlens;

namespace {

double bruteAuroc(const std::vector<double>& id, const std::vector<double>& ood)
{
    double wins = 0, n = 0;
    for (double a : id)
        for (double b : ood) {
            wins += a > b ? 1.0 : a == b ? 0.5 : 0.0;
            n += 1;
        }
    return wins / n;
}

// logsumexp(z / T) * T per row: the energy score, written here from its definition.
std::vector<double> energyAt(const FeatureSet& s, double t)
{
    std::vector<double> out(s.rows);
    for (std::size_t r = 0; r < s.rows; ++r) {
        const float* z = s.logitRow(r);
        double m = -INFINITY, sum = 0;
        for (int c = 0; c < s.classes; ++c)
            m = std::max(m, z[c] / t);
        for (int c = 0; c < s.classes; ++c)
            sum += std::exp(z[c] / t - m);
        out[r] = t * (m + std::log(sum));
    }
    return out;
}

std::vector<double> rows(const std::vector<double>& v, const std::vector<bool>& mask, bool keep)
{
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (mask[i] == keep)
            out.push_back(v[i]);
    return out;
}

SweepPoint point(double objective, std::string error = {})
{
    SweepPoint p;
    p.objective = objective;
    p.error = std::move(error);
    return p;
}

template <class F> void expectError(F f, const std::string& part)
{
    try {
        f();
        ADD_FAILURE() << "no error; expected one containing: " << part;
    } catch (const Error& e) {
        EXPECT_TRUE(test::contains(e.what(), part)) << e.what();
    }
}

int indexOf(const RunResult& r, const std::string& name)
{
    for (std::size_t i = 0; i < r.datasets.size(); ++i)
        if (r.datasets[i].name == name)
            return static_cast<int>(i);
    return -1;
}

} // namespace

TEST(SweepRequest, ParsesMethodAndParameterAndRefusesWhatCannotBeSwept)
{
    const SweepRequest t = SweepRequest::parse("energy.T");
    EXPECT_EQ(t.method, "energy");
    EXPECT_EQ(t.sweptParams(), std::vector<std::string>{"T"});
    EXPECT_EQ(t.text(), "energy.T");
    const SweepRequest odin = SweepRequest::parse("odin");
    EXPECT_EQ(odin.sweptParams(), (std::vector<std::string>{"T", "eps"}));
    EXPECT_EQ(sweepGrid(odin).size(), requireMethod("odin").param("T")->grid.size() * requireMethod("odin").param("eps")->grid.size());
    expectError([] { SweepRequest::parse("nosuch.T"); }, "unknown method 'nosuch'");
    expectError([] { SweepRequest::parse("energy.k"); }, "energy has no parameter 'k'");
    expectError([] { SweepRequest::parse("energy.flip"); }, "has no sweep grid");
    expectError([] { SweepRequest::parse("feature_l1"); }, "no parameter to sweep");
}

TEST(SweepGrid, IsTheProductOfTheGridsFirstParameterSlowest)
{
    const std::vector<SweepValues> g = sweepGrid(SweepRequest::parse("gen"));
    const auto& gamma = requireMethod("gen").param("gamma")->grid;
    const auto& m = requireMethod("gen").param("M")->grid;
    ASSERT_EQ(g.size(), gamma.size() * m.size());
    std::set<std::pair<double, double>> seen;
    for (std::size_t i = 0; i < g.size(); ++i) {
        EXPECT_EQ(g[i].at("gamma"), gamma[i / m.size()]);
        EXPECT_EQ(g[i].at("M"), m[i % m.size()]);
        seen.insert({g[i].at("gamma"), g[i].at("M")});
    }
    EXPECT_EQ(seen.size(), g.size());
}

TEST(SweepRegistry, EveryGridValueIsInItsParametersRange)
{
    for (const MethodInfo& m : methodRegistry())
        for (const ParamSpec& p : m.params)
            for (double v : p.grid)
                EXPECT_TRUE(p.accepts(v)) << m.id << "." << p.name << " = " << v;
}

TEST(ChooseSweepPoint, HighestAurocLowestFprFirstOnTiesNeverAFailedPoint)
{
    const std::vector<SweepPoint> p{point(0.7), point(0.9, "k is larger than the bank"), point(0.8), point(0.8),
                                    point(std::nan(""))};
    EXPECT_EQ(chooseSweepPoint(p, SweepObjective::Auroc), 2);
    EXPECT_EQ(chooseSweepPoint(p, SweepObjective::Fpr95), 0);
    EXPECT_EQ(chooseSweepPoint({point(0.5, "x"), point(std::nan(""))}, SweepObjective::Auroc), -1);
    EXPECT_EQ(chooseSweepPoint({}, SweepObjective::Auroc), -1);
}

TEST(RunSweep, ScoresOnlyTheValidationPairBeforeItChooses)
{
    // Datasets: 0 = ID test, 1 = validation OOD, 2 = test OOD. Scores = param T times a fixed
    // pattern; the test set's scores would favour another T than the validation set's.
    std::vector<std::size_t> calls;
    SweepInputs in;
    in.idDataset = 0;
    in.idRows = 10;
    in.idName = "id";
    in.idValidationRows = validationMask(10, 0, 0.5, 3);
    in.validationOods = {{1, "val"}};
    in.testOods = {{2, "test"}};
    in.scores = [&](const ScoreParams& params, std::size_t dataset) {
        const double t = params.value("energy", "T", 1);
        calls.push_back(dataset);
        std::vector<double> s;
        const std::size_t n = dataset == 0 ? 10 : 6;
        for (std::size_t i = 0; i < n; ++i) {
            const double base = dataset == 0 ? double(i) : dataset == 1 ? double(i) - 3 : double(i) + 2;
            // At T = 10 validation separates best; the test set would prefer T = 0.5.
            s.push_back(dataset == 1 ? base - (t == 10 ? 5 : 0) : dataset == 2 ? base - (t == 0.5 ? 9 : 0) : base);
        }
        return s;
    };
    const SweepResult r = runSweep(SweepRequest::parse("energy.T"), SweepSettings{}, ScoreParams(), in);
    ASSERT_NE(r.chosen(), nullptr);
    EXPECT_EQ(r.chosen()->values.at("T"), 10);
    // Every validation score (dataset 1, at every T) comes before the first test score (dataset 2).
    const auto lastValidation = std::find(calls.rbegin(), calls.rend(), std::size_t(1)).base() - calls.begin();
    const auto firstTest = std::find(calls.begin(), calls.end(), std::size_t(2)) - calls.begin();
    EXPECT_EQ(std::count(calls.begin(), calls.end(), std::size_t(1)), std::ptrdiff_t(r.points.size()));
    EXPECT_GE(firstTest, lastValidation) << "the test OOD set was scored before the choice";
    // Every value got its test metrics afterwards, against the ID rows not used for validation.
    for (const SweepPoint& p : r.points)
        ASSERT_EQ(p.test.size(), 1u);
    EXPECT_EQ(r.validationIdImages, 5u);
    EXPECT_EQ(r.testIdImages, 5u);
}

TEST(RunSweep, NeedsAValidationOodSetAndEnoughIdImages)
{
    SweepInputs in;
    in.scores = [](const ScoreParams&, std::size_t) { return std::vector<double>{1, 2}; };
    in.idValidationRows = {true, false};
    in.testOods = {{1, "test"}};
    expectError([&] { runSweep(SweepRequest::parse("energy.T"), {}, {}, in); }, "needs a validation OOD set");
    in.validationOods = {{2, "val"}};
    in.idValidationRows = {false, false};
    expectError([&] { runSweep(SweepRequest::parse("energy.T"), {}, {}, in); }, "too few to split");
}

class DemoSweep : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }

    static RunConfig config()
    {
        RunConfig c = demoConfig();
        c.methods = {"energy", "msp"};
        c.sweeps = {SweepRequest::parse("energy.T"), SweepRequest::parse("vim.k")};
        return c;
    }
};

TEST_F(DemoSweep, ChoosesTheBestValidationValueByBruteForceAndAppliesIt)
{
    const RunResultPtr r = runOnce(config());
    ASSERT_EQ(r->sweeps.size(), 2u);
    const SweepResult& s = r->sweeps[0];
    ASSERT_EQ(s.request.method, "energy");
    const int id = r->idIndex, val = indexOf(*r, "fashion-val");
    ASSERT_GE(val, 0);
    EXPECT_EQ(r->datasets[val].role, DatasetRole::ValidationOod);
    // The validation set is never in the metrics table.
    for (const MetricsRow& row : r->metrics)
        EXPECT_NE(row.ood, "fashion-val");
    const std::vector<bool> mask = validationMask(r->features[id]->rows, id, 0.3, 0);
    const std::vector<double>& grid = requireMethod("energy").param("T")->grid;
    ASSERT_EQ(s.points.size(), grid.size());
    double bestAuc = -1, bestT = 0;
    for (std::size_t i = 0; i < grid.size(); ++i) {
        const double auc = bruteAuroc(rows(energyAt(*r->features[id], grid[i]), mask, true),
                                      energyAt(*r->features[val], grid[i]));
        EXPECT_NEAR(s.points[i].objective, auc, 1e-9) << "T = " << grid[i];
        if (auc > bestAuc) {
            bestAuc = auc;
            bestT = grid[i];
        }
        // Test metrics: the ID rows not used for validation against the test OOD set.
        ASSERT_EQ(s.points[i].test.size(), 1u);
        const int ood = indexOf(*r, "fashion-mnist");
        EXPECT_NEAR(s.points[i].test[0].auroc,
                    bruteAuroc(rows(energyAt(*r->features[id], grid[i]), mask, false), energyAt(*r->features[ood], grid[i])),
                    1e-9);
    }
    EXPECT_EQ(s.chosen()->values.at("T"), bestT);
    EXPECT_EQ(r->params.value("energy", "T", -1), bestT); // applied to the run's scores
    EXPECT_EQ(s.validationIdImages, static_cast<std::size_t>(std::count(mask.begin(), mask.end(), true)));
    // vim.k (a fitted method, refitted per value): values not below the demo's D = 128 cannot be
    // used; they are named and never chosen; the best usable one is applied.
    const SweepResult& k = r->sweeps[1];
    ASSERT_NE(k.chosen(), nullptr);
    for (const SweepPoint& p : k.points) {
        EXPECT_EQ(p.ok(), p.values.at("k") < 128) << p.values.at("k") << ": " << p.error;
        if (!p.ok()) {
            EXPECT_NE(p.error.find("must be smaller than the feature dimension 128"), std::string::npos) << p.error;
        }
    }
    EXPECT_LT(k.chosen()->values.at("k"), 128);
    EXPECT_EQ(r->params.value("vim", "k", -1), k.chosen()->values.at("k"));
}

TEST_F(DemoSweep, ChangingTheTestOodImagesChangesNothingChosen)
{
    const RunResultPtr a = runOnce(config());
    // Another test OOD set: uniform noise images in place of Fashion-MNIST.
    test::TempDir dir;
    std::mt19937 rng(7);
    std::vector<std::uint8_t> pixels(500 * 28 * 28);
    for (auto& p : pixels)
        p = static_cast<std::uint8_t>(rng() % 256);
    const std::string noise = dir.path() + "/noise-idx3-ubyte";
    writeIdx(noise, {500, 28, 28}, pixels);
    RunConfig c = config();
    for (DatasetSpec& d : c.datasets)
        if (d.role == DatasetRole::Ood)
            d.path = noise;
    const RunResultPtr b = runOnce(c);
    ASSERT_EQ(a->sweeps.size(), b->sweeps.size());
    for (std::size_t i = 0; i < a->sweeps.size(); ++i) {
        const SweepResult &sa = a->sweeps[i], &sb = b->sweeps[i];
        EXPECT_EQ(sa.chosen()->values, sb.chosen()->values) << sa.request.text();
        ASSERT_EQ(sa.points.size(), sb.points.size());
        bool testDiffers = false;
        for (std::size_t p = 0; p < sa.points.size(); ++p) {
            if (!sa.points[p].ok())
                continue;
            EXPECT_EQ(sa.points[p].objective, sb.points[p].objective); // bit for bit
            testDiffers = testDiffers || sa.points[p].test[0].auroc != sb.points[p].test[0].auroc;
        }
        EXPECT_TRUE(testDiffers) << "the test sets differ, so their metrics must";
    }
}

TEST_F(DemoSweep, WithoutApplyTheScoresKeepTheConfiguredValue)
{
    RunConfig c = config();
    c.applySweeps = false;
    c.params.set("energy.T", 2);
    const RunResultPtr r = runOnce(c);
    EXPECT_EQ(r->params.value("energy", "T", -1), 2);
    ASSERT_FALSE(r->sweeps.empty());
}

TEST_F(DemoSweep, AnUnreadableValidationOodSetIsNamed)
{
    RunConfig c = config();
    for (DatasetSpec& d : c.datasets)
        if (d.role == DatasetRole::ValidationOod)
            d.path = "/nonexistent/val";
    expectError([&] { runOnce(c); }, "no validation OOD set could be read (fashion-val: ");
}

TEST_F(DemoSweep, WithoutAValidationOodSetTheRunIsRefusedBeforeItStarts)
{
    RunConfig c = config();
    c.datasets.erase(std::remove_if(c.datasets.begin(), c.datasets.end(),
                                    [](const DatasetSpec& d) { return d.role == DatasetRole::ValidationOod; }),
                     c.datasets.end());
    expectError([&] { runOnce(c); }, "needs a validation OOD set");
}
