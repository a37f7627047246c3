// SPDX-License-Identifier: GPL-3.0-or-later
// KNN splits its query blocks over threads: anything thrown inside one (a cancellation, a sink that
// fails) must reach the caller, not std::terminate the process.
#include "common/Error.h"
#include "common/Progress.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <stdexcept>

using namespace oodlens;

namespace {

FeatureSet randomSet(std::size_t rows, int dim, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    FeatureSet s;
    s.rows = rows;
    s.dim = dim;
    s.classes = 2;
    for (std::size_t i = 0; i < rows * dim; ++i)
        s.features.push_back(normal(rng));
    s.logits.assign(rows * 2, 0.0f);
    s.labels.assign(rows, 0);
    s.index.assign(rows, 0);
    s.paths.assign(rows, std::string());
    return s;
}

// Throws from inside the worker threads after a few blocks.
class ThrowingSink : public ProgressSink {
public:
    bool isCancelRequested() const override
    {
        if (++calls_ > 2)
            throw std::runtime_error("sink failed");
        return false;
    }

private:
    mutable std::atomic<int> calls_{0};
};

class CancelSoon : public ProgressSink {
public:
    bool isCancelRequested() const override { return ++calls_ > 2; }

private:
    mutable std::atomic<int> calls_{0};
};

Head zeroHead(int dim)
{
    Head h;
    h.classes = 2;
    h.dim = dim;
    h.weight.assign(2 * dim, 0.0f);
    h.bias.assign(2, 0.0f);
    return h;
}

} // namespace

TEST(KnnThreads, AnExceptionInAWorkerReachesTheCaller)
{
    initRuntime(0);
    const FeatureSet bank = randomSet(600, 16, 1), queries = randomSet(8000, 16, 2);
    ScoreParams p;
    p.set("knn.k", 5);
    auto knn = fitScorer("knn", &bank, zeroHead(16), p);
    ThrowingSink sink;
    EXPECT_THROW(knn->score(queries, &sink), std::runtime_error);
}

TEST(KnnThreads, CancellationStopsTheSearch)
{
    initRuntime(0);
    const FeatureSet bank = randomSet(600, 16, 1), queries = randomSet(8000, 16, 2);
    ScoreParams p;
    p.set("knn.k", 5);
    auto knn = fitScorer("knn", &bank, zeroHead(16), p);
    CancelSoon sink;
    EXPECT_THROW(knn->score(queries, &sink), Cancelled);
    // Without a sink every row is scored, each as minus a distance.
    const std::vector<double> s = knn->score(queries, nullptr);
    ASSERT_EQ(s.size(), queries.rows);
    for (double v : s)
        EXPECT_LE(v, 0.0);
}
