// SPDX-License-Identifier: GPL-3.0-or-later
// Shards (features/Shards.h): the cut of a dataset into runs of whole batches, `extract --shard`
// through the Pipeline, and a complete (or incomplete) set of shards used as if the data had been
// extracted whole: bit-identical features and scores to an unsharded run.
#include "common/Error.h"
#include "common/Runtime.h"
#include "features/FeatureCache.h"
#include "features/Shards.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "TestSupport.h"

#include <filesystem>
#include <fstream>

using namespace oodlens;
namespace fs = std::filesystem;

namespace {

class Warnings : public RunObserver {
public:
    void warning(const RunWarning& w) override { seen.push_back(w.message); }
    bool any(const std::string& part) const
    {
        for (const std::string& w : seen)
            if (w.find(part) != std::string::npos)
                return true;
        return false;
    }
    std::vector<std::string> seen;
};

std::string errorOf(const std::string& text)
{
    try {
        parseShard(text);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

} // namespace

TEST(ShardItems, wholeBatchesTileTheDatasetInOrder)
{
    // Brute force: deal the batch numbers out one by one by the same floor rule, then compare.
    for (std::size_t items : {0u, 1u, 7u, 128u, 129u, 1000u, 2000u}) {
        for (std::size_t batch : {1u, 3u, 128u, 500u}) {
            for (int count : {1, 2, 3, 4, 7, 16}) {
                const std::size_t batches = (items + batch - 1) / batch;
                std::size_t next = 0, smallest = items, largest = 0;
                for (int i = 0; i < count; ++i) {
                    const ShardItems s = shardItems(items, batch, {i, count});
                    ASSERT_EQ(s.begin, next) << items << " " << batch << " " << i << "/" << count;
                    ASSERT_TRUE(s.begin % batch == 0 || s.begin == items); // starts on a batch boundary
                    ASSERT_TRUE(s.end % batch == 0 || s.end == items);     // ends on one, or at the end
                    // Whole batches, dealt out evenly: floor or ceil of batches / count of them.
                    const std::size_t own = (s.size() + batch - 1) / batch;
                    ASSERT_TRUE(own == batches / count || own == (batches + count - 1) / count)
                        << own << " batches of " << batches << " in shard " << i << "/" << count;
                    next = s.end;
                    smallest = std::min(smallest, s.size());
                    largest = std::max(largest, s.size());
                }
                ASSERT_EQ(next, items);
                // Balanced to a batch (the last batch may be short).
                ASSERT_LE(largest - std::min(largest, smallest), 2 * batch);
            }
        }
    }
}

TEST(ShardItems, parseShardNamesWhatIsWrong)
{
    const Shard s = parseShard("2/5");
    EXPECT_EQ(s.index, 2);
    EXPECT_EQ(s.count, 5);
    EXPECT_EQ(s.text(), "2/5");
    EXPECT_TRUE(oodlens::test::contains(errorOf("5/5"), "the last shard of 5 is 4/5"));
    EXPECT_TRUE(oodlens::test::contains(errorOf("1/0"), "N must be from 1"));
    for (const char* bad : {"", "3", "a/b", "-1/4", "1/4/2", "1 /4", "1/99999999999"})
        EXPECT_TRUE(oodlens::test::contains(errorOf(bad), "--shard")) << bad;
}

class Shards : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }

    static std::string dir(const std::string& name)
    {
        static const oodlens::test::TempDir tmp;
        return tmp.filePath(name);
    }
    static RunConfig demo(const std::string& cache)
    {
        RunConfig c = demoConfig();
        c.methods = {"msp", "energy", "gradnorm", "mahalanobis"}; // a fitted one: the fit set is merged too
        c.batchSize = 96;                                        // batches that do not divide the sets
        c.cacheDir = dir(cache);
        return c;
    }
    // The unsharded reference, computed once.
    static const RunResult& whole()
    {
        static const RunResultPtr r = runOnce(demo("whole"));
        return *r;
    }
    static void expectSameAsWhole(const RunResult& r)
    {
        const RunResult& w = whole();
        ASSERT_EQ(r.datasets.size(), w.datasets.size());
        for (std::size_t i = 0; i < r.datasets.size(); ++i) {
            if (!w.datasets[i].ok())
                continue;
            const FeatureSet& a = *r.features[i];
            const FeatureSet& b = *w.features[i];
            EXPECT_EQ(a.rows, b.rows) << i;
            EXPECT_TRUE(a.features == b.features) << "features of dataset " << i << " differ";
            EXPECT_TRUE(a.logits == b.logits) << i;
            EXPECT_EQ(a.labels, b.labels) << i;
            EXPECT_EQ(a.index, b.index) << i;
            EXPECT_EQ(a.paths, b.paths) << i;
        }
        for (const auto& [method, sets] : w.scores)
            EXPECT_TRUE(r.scores.at(method) == sets) << method << ": scores differ";
    }
};

TEST_F(Shards, aCompleteSetOfShardsIsTheWholeExtraction)
{
    for (int count : {1, 2, 3}) {
        const RunConfig c = demo("complete-" + std::to_string(count));
        for (int i = 0; i < count; ++i) {
            Pipeline p; // one process per shard, as on a cluster
            const std::vector<DatasetSummary> done = p.extract(c, Shard{i, count}).datasets;
            ASSERT_EQ(done.size(), c.datasets.size());
            for (const DatasetSummary& d : done) {
                ASSERT_TRUE(d.ok()) << d.name << ": " << d.error;
                ASSERT_EQ(d.shards.size(), 1u);
                EXPECT_EQ(d.shards[0].shard.text(), Shard({i, count}).text());
                EXPECT_EQ(d.rows, d.shards[0].items.size());
            }
        }
        Pipeline merged;
        Warnings w;
        const RunResultPtr r = merged.run(c, &w);
        EXPECT_EQ(merged.modelPasses(), 0) << "the shards were there: the model must not run";
        for (const DatasetSummary& d : r->datasets)
            if (d.ok()) {
                EXPECT_TRUE(d.fromCache);
                EXPECT_EQ(d.shards.size(), static_cast<std::size_t>(count)) << d.name;
            }
        EXPECT_FALSE(w.any("shard")) << "a complete set needs no warning";
        expectSameAsWhole(*r);
    }
}

TEST_F(Shards, aMissingShardIsNamedThenExtractedHere)
{
    const RunConfig c = demo("missing");
    for (int i : {0, 2}) {
        Pipeline p;
        p.extract(c, Shard{i, 3});
    }
    Pipeline merged;
    Warnings w;
    const RunResultPtr r = merged.run(c, &w);
    EXPECT_TRUE(w.any("shard 1/3 of '")) << "the missing shard must be named";
    expectSameAsWhole(*r);
    for (const DatasetSummary& d : r->datasets)
        if (d.ok()) {
            ASSERT_EQ(d.shards.size(), 3u);
            EXPECT_FALSE(d.shards[0].extractedHere);
            EXPECT_TRUE(d.shards[1].extractedHere);
            EXPECT_FALSE(d.fromCache);
        }
    // Now stored: the next run finds all three.
    Pipeline again;
    Warnings w2;
    const RunResultPtr r2 = again.run(c, &w2);
    EXPECT_EQ(again.modelPasses(), 0);
    EXPECT_FALSE(w2.any("shard"));
    expectSameAsWhole(*r2);
}

// A shard rerun at another batch size (after running out of GPU memory, say) makes a layout of
// its own: the complete set at the first size is still found, and nothing is extracted again.
TEST_F(Shards, aShardRerunAtAnotherBatchSizeKeepsTheOthers)
{
    RunConfig c = demo("rerun");
    for (int i = 0; i < 3; ++i) {
        Pipeline p;
        p.extract(c, Shard{i, 3});
    }
    RunConfig smaller = c;
    smaller.batchSize = 50;
    {
        Pipeline p;
        p.extract(smaller, Shard{1, 3});
    }
    Pipeline merged;
    Warnings w;
    const RunResultPtr r = merged.run(c, &w);
    EXPECT_EQ(merged.modelPasses(), 0);
    EXPECT_FALSE(w.any("not in the feature cache"));
    expectSameAsWhole(*r);
}

TEST_F(Shards, aDamagedLayoutIsNamedAndIgnored)
{
    const RunConfig c = demo("damaged");
    {
        Pipeline p;
        p.extract(c, Shard{0, 2});
    }
    int layouts = 0;
    for (const auto& e : fs::directory_iterator(c.cacheDir))
        if (e.path().string().find(".shards-2-batch-96.json.olfc") != std::string::npos) {
            std::ofstream(e.path(), std::ios::trunc) << "{\"count\": 2, \"ranges\": [[0, 99999999]";
            ++layouts;
        }
    ASSERT_GT(layouts, 0);
    Pipeline p;
    Warnings w;
    const RunResultPtr r = p.run(c, &w);
    EXPECT_TRUE(w.any("ignored shard layout")) << "the damaged layout must be named";
    expectSameAsWhole(*r);
}

TEST_F(Shards, moreShardsThanBatchesGiveEmptyShards)
{
    RunConfig c = demo("many");
    c.batchSize = 2000; // ID and OOD sets: one batch each
    for (int i = 0; i < 4; ++i) {
        Pipeline p;
        for (const DatasetSummary& d : p.extract(c, Shard{i, 4}).datasets)
            ASSERT_TRUE(d.ok()) << d.error;
    }
    Pipeline merged;
    const RunResultPtr r = merged.run(c);
    EXPECT_EQ(merged.modelPasses(), 0);
    for (std::size_t i = 0; i < r->datasets.size(); ++i) {
        if (r->datasets[i].ok()) {
            EXPECT_EQ(r->features[i]->rows, whole().features[i]->rows);
        }
    }
}

TEST_F(Shards, extractRefusesToRunWithoutTheCache)
{
    RunConfig c = demo("none");
    c.cacheDir.clear();
    Pipeline p;
    const std::vector<DatasetSummary> done = p.extract(c, Shard{0, 2}).datasets;
    for (const DatasetSummary& d : done)
        EXPECT_TRUE(oodlens::test::contains(d.error, "cache is off")) << d.error;
}
