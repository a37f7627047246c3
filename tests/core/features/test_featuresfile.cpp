// SPDX-License-Identifier: GPL-3.0-or-later
// The "features" dataset kind (features/FeaturesFile.h): files written and read back, a run with no
// model on them (scores checked against brute-force formulas), methods that need images refused by
// name, and every malformed file refused naming the file and the array.
#include "common/Error.h"
#include "common/Runtime.h"
#include "features/FeaturesFile.h"
#include "io/Npy.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "TestSupport.h"

#include <cmath>
#include <random>

using namespace oodlens;
using oodlens::test::contains;

namespace {

// Rows of features with logits = head(features), labels 0..C-1.
struct Synthetic {
    FeatureSet set;
    Head head;
};

Synthetic synthetic(std::size_t rows, int dim, int classes, unsigned seed, float shift)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    Synthetic s;
    s.head.classes = classes;
    s.head.dim = dim;
    std::mt19937 headRng(7); // one head for every set
    for (int i = 0; i < classes * dim; ++i)
        s.head.weight.push_back(0.3f * std::normal_distribution<float>(0, 1)(headRng));
    for (int c = 0; c < classes; ++c)
        s.head.bias.push_back(0.1f * c);
    FeatureSet& f = s.set;
    f.rows = rows;
    f.dim = dim;
    f.classes = classes;
    for (std::size_t r = 0; r < rows; ++r) {
        for (int k = 0; k < dim; ++k)
            f.features.push_back(std::abs(g(rng) + shift));
        for (int c = 0; c < classes; ++c) {
            double z = s.head.bias[c];
            for (int k = 0; k < dim; ++k)
                z += double(s.head.weight[c * dim + k]) * f.features[r * dim + k];
            f.logits.push_back(static_cast<float>(z));
        }
        f.labels.push_back(static_cast<int>(r % classes));
        f.index.push_back(r);
        f.paths.push_back("img/" + std::to_string(r) + ".png");
    }
    return s;
}

std::string errorOf(const std::string& path)
{
    try {
        readFeaturesFile(path);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

} // namespace

class FeaturesFiles : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }
    static std::string file(const std::string& name)
    {
        static const oodlens::test::TempDir tmp;
        return tmp.filePath(name);
    }
};

TEST_F(FeaturesFiles, roundTripKeepsEveryArray)
{
    const Synthetic s = synthetic(30, 6, 4, 1, 0);
    const std::string path = file("round.npz");
    writeFeaturesFile(path, s.set, &s.head, {"a", "b", "c", "d"}, {"A", "B"});
    ASSERT_TRUE(isFeaturesPath(path));
    const FeaturesFile back = readFeaturesFile(path);
    EXPECT_EQ(back.set.rows, 30u);
    EXPECT_EQ(back.set.features, s.set.features);
    EXPECT_EQ(back.set.logits, s.set.logits);
    EXPECT_EQ(back.set.labels, s.set.labels);
    EXPECT_EQ(back.set.paths, s.set.paths);
    ASSERT_TRUE(back.head.has_value());
    EXPECT_EQ(back.head->weight, s.head.weight);
    EXPECT_EQ(back.head->bias, s.head.bias);
    EXPECT_EQ(back.classNames, (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_EQ(back.labelNames, (std::vector<std::string>{"A", "B"}));
    EXPECT_LT(headMismatch(back.set, *back.head), 1e-5);
    EXPECT_EQ(readFeaturesHead(path).head.weight, s.head.weight);
}

// A run with no model: the head comes from the ID file; scores equal the formulas computed here.
TEST_F(FeaturesFiles, aRunWithoutAModelScoresFromTheFiles)
{
    const Synthetic id = synthetic(40, 5, 3, 2, 0), ood = synthetic(25, 5, 3, 3, 1.5f);
    writeFeaturesFile(file("id.npz"), id.set, &id.head);
    writeFeaturesFile(file("ood.npz"), ood.set, &ood.head);
    RunConfig c;
    c.modelPath.clear();
    c.datasets = {{"id", file("id.npz"), DatasetRole::Id}, {"far", file("ood.npz"), DatasetRole::Ood}};
    c.methods = {"msp", "energy", "gradnorm", "exgrad"};
    c.cacheDir.clear();
    const RunResultPtr r = runOnce(c);
    ASSERT_EQ(r->datasets[0].kind, "features");
    ASSERT_EQ(r->datasets[1].rows, 25u);
    EXPECT_FALSE(r->model.optimizedForward);
    for (std::size_t d = 0; d < 2; ++d) {
        const FeatureSet& set = d == 0 ? id.set : ood.set;
        for (std::size_t row = 0; row < set.rows; ++row) {
            const float* z = set.logitRow(row);
            double m = z[0], sum = 0, l1 = 0, g = 0;
            for (int k = 1; k < 3; ++k)
                m = std::max(m, double(z[k]));
            for (int k = 0; k < 3; ++k)
                sum += std::exp(z[k] - m);
            for (int k = 0; k < 5; ++k)
                l1 += std::abs(set.featureRow(row)[k]);
            for (int k = 0; k < 3; ++k)
                g += std::abs(std::exp(z[k] - m) / sum - 1.0 / 3);
            EXPECT_NEAR(r->scores.at("msp")[d][row], 1.0 / sum, 1e-6);
            EXPECT_NEAR(r->scores.at("energy")[d][row], m + std::log(sum), 1e-5);
            EXPECT_NEAR(r->scores.at("gradnorm")[d][row], l1 * g, 1e-4 * l1 * g + 1e-6);
        }
    }
    EXPECT_NE(r->model.forwardNote.find("no network"), std::string::npos);
}

TEST_F(FeaturesFiles, methodsThatNeedImagesAreRefusedByName)
{
    const Synthetic id = synthetic(10, 4, 2, 4, 0);
    writeFeaturesFile(file("odin-id.npz"), id.set, &id.head);
    RunConfig c;
    c.modelPath.clear();
    c.datasets = {{"id", file("odin-id.npz"), DatasetRole::Id}, {"o", file("odin-id.npz"), DatasetRole::Ood}};
    c.methods = {"odin", "msp"};
    c.cacheDir.clear();
    try {
        runOnce(c);
        FAIL() << "odin ran on features";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "'odin' needs the images")) << e.what();
        EXPECT_TRUE(contains(e.what(), "odin-id.npz")) << e.what();
    }
    // The default panel leaves it out.
    c.methods.clear();
    const RunResultPtr r = runOnce(c);
    EXPECT_EQ(r->scores.count("odin"), 0u);
    EXPECT_EQ(r->scores.count("msp"), 1u);
}

TEST_F(FeaturesFiles, withAModelTheShapesMustMatchIt)
{
    const Synthetic wrong = synthetic(10, 7, 10, 5, 0); // the demo model has 128 features
    writeFeaturesFile(file("wrong.npz"), wrong.set, nullptr);
    RunConfig c = demoConfig();
    c.datasets = {c.datasets[0], {"wrong", file("wrong.npz"), DatasetRole::Ood},
                  {"fashion", c.datasets[1].path, DatasetRole::Ood}};
    c.methods = {"msp"};
    const RunResultPtr r = runOnce(c);
    EXPECT_TRUE(contains(r->datasets[1].error, "has 7 features")) << r->datasets[1].error;
    EXPECT_TRUE(contains(r->datasets[1].error, "wrong.npz"));
    EXPECT_TRUE(r->datasets[2].ok()) << "the other sets are still scored";
}

TEST_F(FeaturesFiles, withoutAHeadAModelIsNeeded)
{
    const Synthetic s = synthetic(10, 4, 2, 6, 0);
    writeFeaturesFile(file("nohead.npz"), s.set, nullptr);
    RunConfig c;
    c.modelPath.clear();
    c.datasets = {{"id", file("nohead.npz"), DatasetRole::Id}, {"o", file("nohead.npz"), DatasetRole::Ood}};
    c.methods = {"msp"};
    try {
        runOnce(c);
        FAIL();
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "no 'head_weight'") && contains(e.what(), "--model")) << e.what();
    }
    // And a shard of a features file is refused.
    c.modelPath = demoConfig().modelPath;
    Pipeline p;
    const auto done = p.extract(c, Shard{0, 2});
    EXPECT_TRUE(contains(done.datasets[0].error, "holds features already")) << done.datasets[0].error;
}

struct BadFile {
    const char* tag;
    const char* expected; // part of the message
};

class BadFeaturesFiles : public FeaturesFiles, public ::testing::WithParamInterface<BadFile> {};

INSTANTIATE_TEST_SUITE_P(
    FeaturesFiles, BadFeaturesFiles,
    ::testing::Values(BadFile{"no_features", "no 'features' array"}, BadFile{"flat_features", "'features' has shape [12]"},
                      BadFile{"rows_differ", "'features' has 3 rows and 'logits' 2"},
                      BadFile{"nan", "not finite"}, BadFile{"label_below", "'labels' row 1 is -2"},
                      BadFile{"bias_alone", "'head_bias' without 'head_weight'"},
                      BadFile{"head_shape", "'head_weight' is [2, 5]"}, BadFile{"paths_count", "'paths' must be strings"},
                      BadFile{"class_names_count", "'class_names' has 1 names for 2 classes"},
                      BadFile{"int_features", "'features' must hold floats"}),
    [](const auto& info) { return std::string(info.param.tag); });

TEST_P(BadFeaturesFiles, isRefusedNamingTheFileAndTheArray)
{
    const std::string tag = GetParam().tag;
    std::vector<float> f(12, 1.0f), z(6, 0.5f), w(10, 0.1f), b(2, 0.0f);
    std::vector<std::int64_t> labels{0, -2, 1}, ints(12, 1);
    const std::vector<std::string> twoPaths{"a", "b"}, oneName{"x"};
    std::vector<NpyOut> arrays;
    auto add = [&](NpyOut a) { arrays.push_back(std::move(a)); };
    if (tag != "no_features") {
        if (tag == "flat_features")
            add({"features", {12}, f.data(), nullptr, nullptr, 'f'});
        else if (tag == "int_features")
            add({"features", {3, 4}, nullptr, ints.data(), nullptr, 'i'});
        else {
            if (tag == "nan")
                f[5] = std::nanf("");
            add({"features", {3, 4}, f.data(), nullptr, nullptr, 'f'});
        }
    }
    add({"logits", {tag == "rows_differ" ? std::size_t(2) : std::size_t(3), 2}, z.data(), nullptr, nullptr, 'f'});
    if (tag == "label_below")
        add({"labels", {3}, nullptr, labels.data(), nullptr, 'i'});
    if (tag == "bias_alone")
        add({"head_bias", {2}, b.data(), nullptr, nullptr, 'f'});
    if (tag == "head_shape")
        add({"head_weight", {2, 5}, w.data(), nullptr, nullptr, 'f'});
    if (tag == "paths_count")
        add({"paths", {2}, nullptr, nullptr, &twoPaths, 'U'});
    if (tag == "class_names_count")
        add({"class_names", {1}, nullptr, nullptr, &oneName, 'U'});
    const std::string path = file("bad-" + tag + ".npz");
    writeNpz(path, arrays);
    const std::string e = errorOf(path);
    EXPECT_TRUE(contains(e, GetParam().expected)) << e;
    EXPECT_TRUE(contains(e, path)) << e;
}
