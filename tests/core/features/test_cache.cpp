// SPDX-License-Identifier: GPL-3.0-or-later
// The on-disk feature cache: round trip, keys, damage detection, reuse and invalidation, cancel.
#include "common/Error.h"
#include "common/Progress.h"
#include "common/Runtime.h"
#include "datasets/Dataset.h"
#include "datasets/Idx.h"
#include "features/FeatureCache.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "TestSupport.h"

#include <filesystem>
#include <fstream>

using namespace oodlens;
namespace fs = std::filesystem;

namespace {

FeatureSet sampleSet()
{
    FeatureSet s;
    s.rows = 3;
    s.dim = 2;
    s.classes = 4;
    s.features = {1, 2, 3, 4, 5, 6};
    s.logits = {0.5f, -1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    s.labels = {1, -1, 3};
    s.index = {0, 2, 5};
    s.paths = {"a.png", "c, with comma.png", "f.png"};
    s.skipped = {"b.png: not an image"};
    return s;
}

std::size_t filesIn(const std::string& dir, const std::string& suffix)
{
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        n += e.path().string().find(suffix) != std::string::npos;
    return n;
}

// Cancels once `after` progress updates have been seen.
class CancelAfter : public RunObserver {
public:
    explicit CancelAfter(int after) : after_(after) {}
    void progress(const RunProgress&) override { ++seen_; }
    bool isCancelRequested() const override { return seen_ >= after_; }

private:
    int after_;
    int seen_ = 0;
};

} // namespace

// One temporary folder for the whole suite: later cases reuse caches that earlier ones filled.
class Cache : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }

    static std::string filePath(const std::string& name)
    {
        static const oodlens::test::TempDir tmp;
        return tmp.filePath(name);
    }

    static RunConfig demoIn(const std::string& cacheName)
    {
        RunConfig c = demoConfig();
        c.methods = {"msp"};
        c.cacheDir = filePath(cacheName);
        return c;
    }
};

TEST_F(Cache, roundTrip)
{
    FeatureCache cache(filePath("rt"));
    const std::string key = FeatureCache::key("m", "d", "p");
    ASSERT_TRUE(!cache.load(key));
    cache.store(key, sampleSet(), "test");
    const auto back = cache.load(key);
    ASSERT_TRUE(back.has_value());
    const FeatureSet s = sampleSet();
    ASSERT_EQ(back->rows, s.rows);
    ASSERT_EQ(back->features, s.features);
    ASSERT_EQ(back->logits, s.logits);
    ASSERT_EQ(back->labels, s.labels);
    ASSERT_EQ(back->index, s.index);
    ASSERT_EQ(back->paths, s.paths);
    ASSERT_EQ(back->skipped, s.skipped);
}

TEST_F(Cache, keyDependsOnEveryInput)
{
    const std::string k = FeatureCache::key("model", "data", "pre");
    ASSERT_TRUE(k != FeatureCache::key("model2", "data", "pre"));
    ASSERT_TRUE(k != FeatureCache::key("model", "data2", "pre"));
    ASSERT_TRUE(k != FeatureCache::key("model", "data", "pre2"));
    ASSERT_EQ(k, FeatureCache::key("model", "data", "pre"));
}

struct DamageRow {
    const char* tag;
    int cut;  // bytes removed from the end
    int flip; // byte offset flipped (-1: none)
};

void PrintTo(const DamageRow& r, std::ostream* os)
{
    *os << r.tag;
}

class CacheDamage : public Cache, public ::testing::WithParamInterface<DamageRow> {};

INSTANTIATE_TEST_SUITE_P(Cache, CacheDamage,
                         ::testing::Values(DamageRow{"missing trailer", 16, -1}, DamageRow{"truncated data", 40, -1},
                                           DamageRow{"flipped feature byte", 0, 120}, DamageRow{"flipped magic", 0, 2}),
                         [](const auto& info) { return oodlens::test::paramName(info.param.tag); });

TEST_P(CacheDamage, damagedEntriesAreIgnoredAndRemoved)
{
    const auto [tag, cut, flip] = GetParam();
    FeatureCache cache(filePath("damage"));
    const std::string key = FeatureCache::key("m", "d", tag);
    cache.store(key, sampleSet(), "test");
    const std::string file = cache.pathFor(key);
    const auto size = fs::file_size(file);
    if (cut)
        fs::resize_file(file, size - cut);
    if (flip >= 0) {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(flip);
        char c = 0;
        f.read(&c, 1);
        f.seekp(flip);
        c = static_cast<char>(c ^ 0x5a);
        f.write(&c, 1);
    }
    std::string problem;
    ASSERT_TRUE(!cache.load(key, &problem));
    ASSERT_TRUE(oodlens::test::contains(problem, file)) << problem;
    ASSERT_TRUE(!fs::exists(file));
}

TEST_F(Cache, interruptedWriteIsNeverReadAsValid)
{
    // A crash mid-write leaves only a temporary file; the entry's real name does not exist yet.
    FeatureCache cache(filePath("crash"));
    const std::string key = FeatureCache::key("m", "d", "crash");
    fs::create_directories(cache.directory());
    std::ofstream(cache.pathFor(key) + ".tmp-123-456") << "OODLFC02 partial";
    ASSERT_TRUE(!cache.load(key));
}

TEST_F(Cache, secondRunReadsTheCacheAndGivesTheSameFeatures)
{
    const RunResultPtr first = runOnce(demoIn("reuse"));
    ASSERT_TRUE(!first->datasets[0].fromCache);
    ASSERT_TRUE(!first->datasets[1].fromCache);
    const RunResultPtr second = runOnce(demoIn("reuse"));
    ASSERT_TRUE(second->datasets[0].fromCache);
    ASSERT_TRUE(second->datasets[1].fromCache);
    ASSERT_EQ((*second->features[0]).features, (*first->features[0]).features);
    ASSERT_EQ((*second->features[1]).logits, (*first->features[1]).logits);
    ASSERT_EQ(second->scoresOf("msp", 1), first->scoresOf("msp", 1));
}

TEST_F(Cache, changedPreprocessingInvalidates)
{
    const RunResultPtr a = runOnce(demoIn("pre"));
    RunConfig c = demoIn("pre");
    c.preprocess.stddev = {0.5f};
    const RunResultPtr b = runOnce(c);
    ASSERT_TRUE(!b->datasets[0].fromCache);
    ASSERT_TRUE((*b->features[0]).features != (*a->features[0]).features);
}

TEST_F(Cache, changedDatasetInvalidates)
{
    // A raw copy of 50 demo images, then the same file with one pixel changed.
    const IdxArray demo = readIdx(demoDirectory() + "/mnist-test-2000-images-idx3-ubyte.gz");
    std::vector<std::uint8_t> pixels(demo.data.begin(), demo.data.begin() + 50 * 784);
    const std::string file = filePath("small-images-idx3-ubyte");
    writeIdx(file, {50, 28, 28}, pixels);
    RunConfig c = demoIn("data");
    // The pipeline needs an OOD set; the same file serves (only the ID set's entry is checked).
    c.datasets = {{"id", file, DatasetRole::Id}, {"ood", file, DatasetRole::Ood}};
    {
        const RunResultPtr a = runOnce(c);
        ASSERT_TRUE(!a->datasets[0].fromCache);
    }
    {
        const RunResultPtr a = runOnce(c);
        ASSERT_TRUE(a->datasets[0].fromCache);
    }
    pixels[400] = static_cast<std::uint8_t>(pixels[400] ^ 0xff);
    writeIdx(file, {50, 28, 28}, pixels);
    const RunResultPtr a = runOnce(c);
    ASSERT_TRUE(!a->datasets[0].fromCache);
}

TEST_F(Cache, disabledCacheNeverReads)
{
    RunConfig c = demoIn("reuse");
    c.cacheDir.clear();
    const RunResultPtr a = runOnce(c);
    ASSERT_TRUE(!a->datasets[0].fromCache);
}

TEST_F(Cache, cancelMidRunLeavesNoCacheEntry)
{
    RunConfig c = demoIn("cancel");
    c.batchSize = 100;
    CancelAfter sink(3); // a few batches into the ID set
    ASSERT_THROW(runOnce(c, &sink), Cancelled);
    ASSERT_EQ(filesIn(c.cacheDir, ".olfc"), std::size_t(0));
    ASSERT_EQ(filesIn(c.cacheDir, ".tmp-"), std::size_t(0));
    // A later full run works and fills the cache.
    const RunResultPtr b = runOnce(c);
    ASSERT_TRUE(b->datasets[0].ok());
    ASSERT_EQ(filesIn(c.cacheDir, ".olfc"), std::size_t(2));
}
