// SPDX-License-Identifier: GPL-3.0-or-later
// Feature cache entries that are well-formed but wrong, and temporaries that a killed writer left.
// An entry with a valid checksum but shapes that do not fit the model or the dataset gave
// "internal error" or was used with the wrong head; a `*.olfc.tmp-*` file stayed forever.
#include "common/Error.h"
#include "common/Runtime.h"
#include "common/internal/RegularFile.h"
#include "features/FeatureCache.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "TestSupport.h"

#include <chrono>
#include <filesystem>
#include <functional>

#include <sys/wait.h>
#include <unistd.h>

using namespace oodlens;
using namespace oodlens::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> entryKeys(const std::string& dir)
{
    std::vector<std::string> keys;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".olfc")
            keys.push_back(e.path().stem().string());
    return keys;
}

RunConfig demoIn(const std::string& cacheDir)
{
    RunConfig c = demoConfig();
    c.cacheDir = cacheDir;
    c.methods = {"msp", "energy", "feature_l1"};
    c.batchSize = 500;
    return c;
}

std::string warningsOf(const RunResult& r)
{
    std::string all;
    for (const RunWarning& w : r.warnings)
        all += w.message + "\n";
    return all;
}

} // namespace

class CacheEntries : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }
};

// Each entry of a first run rewritten (valid checksum) with one thing wrong: the second run must
// not use it, must say so, and must give exactly the first run's scores.
TEST_F(CacheEntries, anEntryThatDoesNotFitTheModelOrDatasetIsAMiss)
{
    struct Tamper {
        const char* what;
        std::function<void(FeatureSet&)> change;
    };
    const std::vector<Tamper> tampers = {
        {"one feature column fewer",
         [](FeatureSet& s) {
             std::vector<float> f;
             for (std::size_t r = 0; r < s.rows; ++r)
                 f.insert(f.end(), s.featureRow(r), s.featureRow(r) + s.dim - 1);
             s.features = f;
             --s.dim;
         }},
        {"one class more",
         [](FeatureSet& s) {
             std::vector<float> z;
             for (std::size_t r = 0; r < s.rows; ++r) {
                 z.insert(z.end(), s.logitRow(r), s.logitRow(r) + s.classes);
                 z.push_back(0.f);
             }
             s.logits = z;
             ++s.classes;
         }},
        {"an item index past the dataset", [](FeatureSet& s) { s.index.back() = 1u << 30; }},
        {"more rows than the dataset has items",
         [](FeatureSet& s) {
             const std::size_t n = s.rows;
             for (std::size_t r = 0; r < n; ++r) {
                 s.features.insert(s.features.end(), s.featureRow(r), s.featureRow(r) + s.dim);
                 s.logits.insert(s.logits.end(), s.logitRow(r), s.logitRow(r) + s.classes);
                 s.labels.push_back(s.labels[r]);
                 s.index.push_back(s.index[r]);
                 s.paths.push_back(s.paths[r]);
             }
             s.rows = 2 * n;
         }},
    };
    TempDir dir;
    const RunResultPtr first = runOnce(demoIn(dir.path()));
    const std::vector<std::string> keys = entryKeys(dir.path());
    ASSERT_EQ(keys.size(), 2u); // the ID and the OOD set
    const FeatureCache cache(dir.path());
    std::map<std::string, FeatureSet> originals;
    for (const std::string& k : keys) {
        auto s = cache.load(k);
        ASSERT_TRUE(s.has_value());
        originals[k] = *s;
    }
    for (const Tamper& t : tampers) {
        SCOPED_TRACE(t.what);
        for (const std::string& k : keys) {
            FeatureSet s = originals[k];
            t.change(s);
            cache.store(k, s, "tampered");
        }
        RunResultPtr second;
        try {
            second = runOnce(demoIn(dir.path()));
        } catch (const std::exception& e) {
            FAIL() << "the run failed: " << e.what();
        }
        for (const DatasetSummary& d : second->datasets)
            EXPECT_FALSE(d.fromCache) << d.name;
        EXPECT_TRUE(contains(warningsOf(*second), "does not match the model and dataset")) << warningsOf(*second);
        for (const std::string& m : first->methods)
            for (std::size_t d = 0; d < first->datasets.size(); ++d)
                EXPECT_EQ(second->scoresOf(m, d), first->scoresOf(m, d)) << m << " on " << d;
        // The run rewrote the entries: a third run reads them.
        const RunResultPtr third = runOnce(demoIn(dir.path()));
        for (const DatasetSummary& d : third->datasets) {
            // Fit and validation sets are not needed by these methods (no sweep): never extracted.
            if (d.role != DatasetRole::Fit && d.role != DatasetRole::ValidationOod) {
                EXPECT_TRUE(d.fromCache) << d.name;
            }
        }
    }
}

// A writer killed mid-write (kill -9) leaves "<key>.olfc.tmp-<pid>-<n>": opening the cache removes
// the temporaries of writers that are gone and any that are old, and leaves a live writer's alone.
TEST_F(CacheEntries, staleTemporariesAreRemovedWhenTheCacheOpens)
{
    // A process id that is gone: a child that has exited and been reaped.
    const pid_t child = fork();
    if (child == 0)
        _exit(0);
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);

    TempDir dir;
    const auto now = fs::file_time_type::clock::now();
    auto temporary = [&](const std::string& name, pid_t pid, std::chrono::minutes age) {
        const std::string path = dir.filePath(name + ".olfc.tmp-" + std::to_string(pid) + "-12345");
        EXPECT_TRUE(writeFile(path, "partial"));
        fs::last_write_time(path, now - age);
        return path;
    };
    const std::string deadOld = temporary("a", child, std::chrono::minutes(5));
    const std::string deadFresh = temporary("b", child, std::chrono::minutes(0));
    const std::string liveOld = temporary("c", getpid(), std::chrono::minutes(5));
    const std::string liveAncient = temporary("d", getpid(), std::chrono::minutes(120));
    const std::string entry = dir.filePath("e.olfc");
    ASSERT_TRUE(writeFile(entry, "not a temporary"));
    fs::last_write_time(entry, now - std::chrono::hours(48));
    // The form temporaryNameFor() writes: "<pid>@<host>-<n>". A pid is judged only on its own host:
    // on a cache folder that cluster nodes share, another node's writer is not this host's process.
    auto named = [&](const std::string& name, pid_t pid, const std::string& host) {
        const std::string path = dir.filePath(name + ".olfc.tmp-" + std::to_string(pid) + "@" + host + "-7");
        EXPECT_TRUE(writeFile(path, "partial"));
        fs::last_write_time(path, now - std::chrono::minutes(5));
        return path;
    };
    const std::string deadHere = named("f", child, thisHost());
    const std::string otherNode = named("g", child, "node-17.cluster");
    EXPECT_TRUE(temporaryNameFor(entry).find(".tmp-" + std::to_string(getpid()) + "@" + thisHost() + "-") !=
                std::string::npos);

    const FeatureCache cache(dir.path());
    EXPECT_FALSE(fs::exists(deadHere));  // its writer was on this host, and is gone
    EXPECT_TRUE(fs::exists(otherNode));  // another node's writer: its pid says nothing here
    EXPECT_FALSE(fs::exists(deadOld));     // its writer is gone
    EXPECT_TRUE(fs::exists(deadFresh));    // could be another machine's, just begun
    EXPECT_TRUE(fs::exists(liveOld));      // a writer still at work
    EXPECT_FALSE(fs::exists(liveAncient)); // an hour and more: no write takes that long
    EXPECT_TRUE(fs::exists(entry));        // entries are never touched
}
