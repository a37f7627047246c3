// SPDX-License-Identifier: GPL-3.0-or-later
// The on-disk feature cache: round trip, keys, damage detection, reuse and invalidation, cancel.
#include "run/Pipeline.h"
#include "datasets/Dataset.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "features/FeatureCache.h"
#include "datasets/Idx.h"
#include "common/Progress.h"
#include "common/Runtime.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

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

class TestCache : public QObject {
    Q_OBJECT
private:
    QTemporaryDir tmp;

    RunConfig demoIn(const QString& cacheName) const
    {
        RunConfig c = demoConfig();
        c.methods = {"msp"};
        c.cacheDir = tmp.filePath(cacheName).toStdString();
        return c;
    }

private Q_SLOTS:
    void initTestCase() { initRuntime(0); }

    void roundTrip()
    {
        FeatureCache cache(tmp.filePath(QStringLiteral("rt")).toStdString());
        const std::string key = FeatureCache::key("m", "d", "p");
        QVERIFY(!cache.load(key));
        cache.store(key, sampleSet(), "test");
        const auto back = cache.load(key);
        QVERIFY(back.has_value());
        const FeatureSet s = sampleSet();
        QCOMPARE(back->rows, s.rows);
        QCOMPARE(back->features, s.features);
        QCOMPARE(back->logits, s.logits);
        QCOMPARE(back->labels, s.labels);
        QCOMPARE(back->index, s.index);
        QCOMPARE(back->paths, s.paths);
        QCOMPARE(back->skipped, s.skipped);
    }

    void keyDependsOnEveryInput()
    {
        const std::string k = FeatureCache::key("model", "data", "pre");
        QVERIFY(k != FeatureCache::key("model2", "data", "pre"));
        QVERIFY(k != FeatureCache::key("model", "data2", "pre"));
        QVERIFY(k != FeatureCache::key("model", "data", "pre2"));
        QCOMPARE(k, FeatureCache::key("model", "data", "pre"));
    }

    void damagedEntriesAreIgnoredAndRemoved_data()
    {
        QTest::addColumn<int>("cut");   // bytes removed from the end
        QTest::addColumn<int>("flip");  // byte offset flipped (-1: none)
        QTest::newRow("missing trailer") << 16 << -1;
        QTest::newRow("truncated data") << 40 << -1;
        QTest::newRow("flipped feature byte") << 0 << 120;
        QTest::newRow("flipped magic") << 0 << 2;
    }
    void damagedEntriesAreIgnoredAndRemoved()
    {
        QFETCH(int, cut);
        QFETCH(int, flip);
        FeatureCache cache(tmp.filePath(QStringLiteral("damage")).toStdString());
        const std::string key = FeatureCache::key("m", "d", QTest::currentDataTag());
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
        QVERIFY(!cache.load(key, &problem));
        QVERIFY2(QString::fromStdString(problem).contains(QString::fromStdString(file)), problem.c_str());
        QVERIFY(!fs::exists(file));
    }

    void interruptedWriteIsNeverReadAsValid()
    {
        // A crash mid-write leaves only a temporary file; the entry's real name does not exist yet.
        FeatureCache cache(tmp.filePath(QStringLiteral("crash")).toStdString());
        const std::string key = FeatureCache::key("m", "d", "crash");
        fs::create_directories(cache.directory());
        std::ofstream(cache.pathFor(key) + ".tmp-123-456") << "OODLFC02 partial";
        QVERIFY(!cache.load(key));
    }

    void secondRunReadsTheCacheAndGivesTheSameFeatures()
    {
        const RunResultPtr first = runOnce(demoIn(QStringLiteral("reuse")));
        QVERIFY(!first->datasets[0].fromCache);
        QVERIFY(!first->datasets[1].fromCache);
        const RunResultPtr second = runOnce(demoIn(QStringLiteral("reuse")));
        QVERIFY(second->datasets[0].fromCache);
        QVERIFY(second->datasets[1].fromCache);
        QCOMPARE((*second->features[0]).features, (*first->features[0]).features);
        QCOMPARE((*second->features[1]).logits, (*first->features[1]).logits);
        QCOMPARE(second->scoresOf("msp", 1), first->scoresOf("msp", 1));
    }

    void changedPreprocessingInvalidates()
    {
        const RunResultPtr a = runOnce(demoIn(QStringLiteral("pre")));
        RunConfig c = demoIn(QStringLiteral("pre"));
        c.preprocess.stddev = {0.5f};
        const RunResultPtr b = runOnce(c);
        QVERIFY(!b->datasets[0].fromCache);
        QVERIFY((*b->features[0]).features != (*a->features[0]).features);
    }

    void changedDatasetInvalidates()
    {
        // A raw copy of 50 demo images, then the same file with one pixel changed.
        const IdxArray demo = readIdx(demoDirectory() + "/mnist-test-2000-images-idx3-ubyte.gz");
        std::vector<std::uint8_t> pixels(demo.data.begin(), demo.data.begin() + 50 * 784);
        const std::string file = tmp.filePath(QStringLiteral("small-images-idx3-ubyte")).toStdString();
        writeIdx(file, {50, 28, 28}, pixels);
        RunConfig c = demoIn(QStringLiteral("data"));
        // The pipeline needs an OOD set; the same file serves (only the ID set's entry is checked).
        c.datasets = {{"id", file, DatasetRole::Id}, {"ood", file, DatasetRole::Ood}};
        {
            const RunResultPtr a = runOnce(c);
            QVERIFY(!a->datasets[0].fromCache);
        }
        {
            const RunResultPtr a = runOnce(c);
            QVERIFY(a->datasets[0].fromCache);
        }
        pixels[400] = static_cast<std::uint8_t>(pixels[400] ^ 0xff);
        writeIdx(file, {50, 28, 28}, pixels);
        const RunResultPtr a = runOnce(c);
        QVERIFY(!a->datasets[0].fromCache);
    }

    void disabledCacheNeverReads()
    {
        RunConfig c = demoIn(QStringLiteral("reuse"));
        c.cacheDir.clear();
        const RunResultPtr a = runOnce(c);
        QVERIFY(!a->datasets[0].fromCache);
    }

    void cancelMidRunLeavesNoCacheEntry()
    {
        RunConfig c = demoIn(QStringLiteral("cancel"));
        c.batchSize = 100;
        CancelAfter sink(3); // a few batches into the ID set
        QVERIFY_THROWS_EXCEPTION(Cancelled, runOnce(c, &sink));
        QCOMPARE(filesIn(c.cacheDir, ".olfc"), std::size_t(0));
        QCOMPARE(filesIn(c.cacheDir, ".tmp-"), std::size_t(0));
        // A later full run works and fills the cache.
        const RunResultPtr b = runOnce(c);
        QVERIFY(b->datasets[0].ok());
        QCOMPARE(filesIn(c.cacheDir, ".olfc"), std::size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestCache)
#include "test_cache.moc"
