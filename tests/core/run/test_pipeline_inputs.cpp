// SPDX-License-Identifier: GPL-3.0-or-later
// The pipeline on data the cache could mistake (issue 11, defect 2) and on labels the model cannot
// predict (defect 9): two folders of the same layout, sizes and mtimes but other pixels get their
// own features; a copied set reports its own paths; the same set spelled another way reuses the
// cache but reports the paths it was given. Runs the bundled demo model (MNIST, 10 classes) on
// 28 x 28 BMP files written here (BMP: the size depends only on the dimensions).
#include "common/Runtime.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "BmpFixture.h"
#include "TestSupport.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace oodlens;
using oodlens::test::contains;
using oodlens::test::startsWith;

namespace {

// An ImageFolder of 2 classes x 3 images; `seed` changes every pixel, not the layout or the sizes.
void writeSet(const fs::path& root, int seed)
{
    for (int c = 0; c < 2; ++c)
        for (int i = 0; i < 3; ++i)
            oodlens::test::writeBmp(root / ("c" + std::to_string(c)) / ("i" + std::to_string(i) + ".bmp"), seed + 10 * c + i,
                                    28, 1600000000);
}

class PipelineInputs : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }
    oodlens::test::TempDir tmp_;
    fs::path path(const std::string& name) const { return fs::path(tmp_.path()) / name; }

    RunConfig config(const fs::path& id, const fs::path& ood) const
    {
        RunConfig c = demoConfig();
        c.datasets = {{"id", id.string(), DatasetRole::Id}, {"ood", ood.string(), DatasetRole::Ood}};
        c.methods = {"msp"};
        c.cacheDir = path("cache").string();
        return c;
    }
};

bool allStartWith(const std::vector<std::string>& paths, const std::string& prefix)
{
    for (const std::string& p : paths)
        if (!startsWith(p, prefix))
            return false;
    return !paths.empty();
}

} // namespace

TEST_F(PipelineInputs, foldersOfTheSameLayoutSizesAndMtimesGetTheirOwnFeatures)
{
    writeSet(path("a"), 1);
    writeSet(path("b"), 50);
    writeSet(path("ood"), 120);
    ASSERT_EQ(fs::file_size(path("a") / "c0" / "i0.bmp"), fs::file_size(path("b") / "c0" / "i0.bmp"));

    const RunResultPtr first = runOnce(config(path("a"), path("ood")));
    const RunResultPtr second = runOnce(config(path("b"), path("ood")));
    ASSERT_FALSE(first->datasets[0].fromCache);
    // Before, b's fingerprint equalled a's: b was read from a's cache entry, with a's paths.
    EXPECT_FALSE(second->datasets[0].fromCache);
    EXPECT_NE(first->datasets[0].fingerprint, second->datasets[0].fingerprint);
    EXPECT_NE(first->features[0]->logits, second->features[0]->logits);
    EXPECT_NE(first->scores.at("msp")[0], second->scores.at("msp")[0]);
    EXPECT_TRUE(allStartWith(second->features[0]->paths, path("b").string())) << second->features[0]->paths[0];
    // The OOD set, the same in both runs, comes from the cache.
    EXPECT_TRUE(second->datasets[1].fromCache);
}

TEST_F(PipelineInputs, resultsReportTheCurrentPathsOfASet)
{
    writeSet(path("a"), 1);
    writeSet(path("ood"), 120);
    const RunResultPtr first = runOnce(config(path("a"), path("ood")));

    // A copy (same mtimes) is other files: extracted again, and reported under its own paths.
    fs::copy(path("a"), path("copy"), fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(path("copy")))
        if (e.is_regular_file()) {
            const struct timespec times[2] = {{1600000000, 0}, {1600000000, 0}};
            utimensat(AT_FDCWD, e.path().c_str(), times, 0);
        }
    const RunResultPtr copied = runOnce(config(path("copy"), path("ood")));
    EXPECT_FALSE(copied->datasets[0].fromCache);
    EXPECT_TRUE(allStartWith(copied->features[0]->paths, path("copy").string())) << copied->features[0]->paths[0];
    EXPECT_EQ(copied->features[0]->logits, first->features[0]->logits); // the same pixels

    // The same folder through a link: the same data, so the cache is used, but the paths are the
    // ones this run was given, not the ones stored in the entry.
    fs::create_directory_symlink(path("a"), path("alias"));
    const RunResultPtr alias = runOnce(config(path("alias"), path("ood")));
    EXPECT_TRUE(alias->datasets[0].fromCache);
    EXPECT_TRUE(allStartWith(alias->features[0]->paths, path("alias").string())) << alias->features[0]->paths[0];
}

// A CSV ID set labelled for another model: labels 0-9 are the demo model's; 12 is none of its classes.
TEST_F(PipelineInputs, labelsOutsideTheModelsClassesAreWarnedNamingTheSet)
{
    writeSet(path("imgs"), 1);
    writeSet(path("ood"), 120);
    std::ofstream(path("imgs") / "list.csv") << "path,label\nc0/i0.bmp,3\nc0/i1.bmp,12\nc1/i0.bmp,7\n";
    RunConfig c = config(path("imgs") / "list.csv", path("ood"));
    c.datasets[0].name = "mylist";
    const RunResultPtr r = runOnce(c);
    bool warned = false;
    for (const RunWarning& w : r->warnings)
        warned = warned || (contains(w.message, "mylist") && contains(w.message, "outside the model's 10 classes") &&
                            contains(w.message, "i1.bmp") && contains(w.message, "label 12"));
    EXPECT_TRUE(warned);
    // Labels the model knows hear nothing.
    std::ofstream(path("imgs") / "list.csv") << "path,label\nc0/i0.bmp,3\nc0/i1.bmp,9\n";
    // (The result is held: a range-for over runOnce(c)->warnings used the freed result; ASan.)
    const RunResultPtr known = runOnce(c);
    for (const RunWarning& w : known->warnings)
        EXPECT_FALSE(contains(w.message, "outside the model's")) << w.message;
}
