// SPDX-License-Identifier: GPL-3.0-or-later
// Models without wrappers: every fixture written by tools/make_model_fixtures.py, traced and scripted,
// must load with the right head and reproduce the eager-PyTorch logits, features and scores; the
// fixtures that are not usable classifiers must be refused with a message that names the file.
#include "common/Error.h"
#include "common/Runtime.h"
#include "features/FeatureSet.h"
#include "methods/Scores.h"
#include "model/Classifier.h"

#include "io/Json.h"

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>

using namespace oodlens;

namespace {

using oodlens::test::contains;

const std::string kRoot = OODLENS_SOURCE_DIR "/";
const std::string kExpected = kRoot + "tests/fixtures/models/expected/";

// Listed here rather than discovered, so that a fixture that goes missing fails instead of shrinking the test.
const char* const kClassifiers[] = {"resnet_fc",    "densenet",   "mobilenetv3", "vgg_style",   "timm_style",
                                    "tuple_output", "addmm_head", "matmul_head", "nobias_head", "mnist_cnn_demo"};
// torch.jit.freeze'd variants (weights become graph constants, BatchNorm is folded into the convolutions).
const char* const kFrozen[] = {"resnet_fc", "timm_style"};
const char* const kRefused[] = {"not_classifier", "temperature", "conv_head"};
const char* const kVariants[] = {"traced", "scripted"};
const char* const kScores[] = {"msp", "maxlogit", "energy", "gradnorm", "exgrad", "feature_l1"};

constexpr double kTolerance = 1e-4;

Json readExpected(const std::string& name, std::string& problem)
{
    const std::string file = kExpected + name + ".json";
    try {
        Json doc = Json::parseFile(file);
        if (!doc.isObject())
            problem = file + ": not a JSON object";
        return doc;
    } catch (const Error& e) {
        problem = e.what();
        return {};
    }
}

// Row-major values of a JSON array of rows (or of numbers).
std::vector<double> values(const Json& v)
{
    std::vector<double> out;
    for (const Json& item : v.items()) {
        if (item.isArray())
            for (const Json& x : item.items())
                out.push_back(x.number());
        else
            out.push_back(item.number());
    }
    return out;
}

std::vector<int> ints(const Json& v)
{
    std::vector<int> out;
    for (const Json& x : v.items())
        out.push_back(static_cast<int>(x.number()));
    return out;
}

// The fixture's saved input batch (little-endian float32, as on every supported host) and its shape.
void readInput(const Json& ref, std::vector<int>& shape, std::vector<float>& x)
{
    const Json& input = ref.get("input");
    shape = ints(input.get("shape"));
    ASSERT_EQ(shape.size(), std::size_t(4));
    const std::string binFile = kExpected + input.get("file").string();
    ASSERT_TRUE(std::filesystem::is_regular_file(binFile)) << binFile;
    const std::string bytes = oodlens::test::readFile(binFile);
    const std::size_t count = std::size_t(shape[0]) * shape[1] * shape[2] * shape[3];
    ASSERT_EQ(std::size_t(bytes.size()), count * sizeof(float));
    x.resize(count);
    std::memcpy(x.data(), bytes.data(), bytes.size());
}

struct ModelRow {
    std::string name;
    std::string variant;
};

void PrintTo(const ModelRow& r, std::ostream* os)
{
    *os << r.name << " " << r.variant;
}

std::string modelRowName(const ::testing::TestParamInfo<ModelRow>& info)
{
    return oodlens::test::paramName(info.param.name + " " + info.param.variant);
}

std::vector<ModelRow> classifierRows()
{
    std::vector<ModelRow> rows;
    for (const char* name : kClassifiers)
        for (const char* variant : kVariants) {
            if (std::strcmp(name, "mnist_cnn_demo") == 0 && std::strcmp(variant, "traced") == 0)
                continue; // the bundled demo exists scripted only
            rows.push_back({name, variant});
        }
    for (const char* name : kFrozen)
        rows.push_back({name, "frozen"});
    return rows;
}

std::vector<ModelRow> refusedRows()
{
    std::vector<ModelRow> rows;
    for (const char* name : kRefused)
        for (const char* variant : kVariants)
            rows.push_back({name, variant});
    return rows;
}

template <typename T> std::vector<double> asDouble(const std::vector<T>& v)
{
    return std::vector<double>(v.begin(), v.end());
}

// max_i |ours_i - ref_i| / max(|ref_i|, 1e-2 * max_j |ref_j|): relative, with a floor so that entries near
// zero (a feature after ReLU, a logit that happens to be tiny) do not ask for more than float32 holds.
double worstRelative(const std::vector<double>& ours, const std::vector<double>& ref)
{
    if (ours.size() != ref.size())
        return INFINITY;
    double scale = 0;
    for (double r : ref)
        scale = std::max(scale, std::abs(r));
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double err = std::abs(ours[i] - ref[i]) / std::max({std::abs(ref[i]), 1e-2 * scale, 1e-30});
        worst = std::max(worst, std::isfinite(err) ? err : INFINITY);
    }
    return worst;
}

bool spread(const std::vector<double>& v)
{
    return !v.empty() && *std::max_element(v.begin(), v.end()) > *std::min_element(v.begin(), v.end());
}

} // namespace

// One LibTorch thread, set once for every suite of this file.
class Models : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(1); }
};

class ModelsClassifier : public Models, public ::testing::WithParamInterface<ModelRow> {};
class ModelsRefused : public Models, public ::testing::WithParamInterface<ModelRow> {};

INSTANTIATE_TEST_SUITE_P(Models, ModelsClassifier, ::testing::ValuesIn(classifierRows()), modelRowName);
INSTANTIATE_TEST_SUITE_P(Models, ModelsRefused, ::testing::ValuesIn(refusedRows()), modelRowName);

TEST_P(ModelsClassifier, classifierLoadsAndReproducesEagerPyTorch)
{
    const auto& [name, variant] = GetParam();
    std::string problem;
    const Json ref = readExpected(name, problem);
    ASSERT_TRUE(problem.empty()) << problem;
    const std::string rel = ref.get("variants").get(variant).string();
    ASSERT_TRUE(!rel.empty()) << name << ": no " << variant << " variant";
    const std::string path = kRoot + rel;

    std::unique_ptr<Classifier> model;
    try {
        model = Classifier::load(path);
    } catch (const Error& e) {
        FAIL() << e.what();
    }
    const ModelInfo& info = model->info();
    const int classes = static_cast<int>(ref.get("classes").number());
    const int dim = static_cast<int>(ref.get("feature_dim").number());
    ASSERT_EQ(info.classes, classes);
    ASSERT_EQ(info.featureDim, dim);
    // A saved frozen module keeps no attribute names: its head has no name to report.
    const bool frozen = variant == "frozen";
    ASSERT_EQ(info.headName, frozen ? std::string("(frozen constant)") : ref.get("head").string());
    ASSERT_EQ(info.inputHint, ints(ref.get("input_hint")));
    const std::string& source = info.featureSource;
    if (name == "tuple_output") {
        ASSERT_TRUE(contains(source, "(logits, features)")) << source;
    } else if (frozen) {
        ASSERT_TRUE(contains(source, "last linear op") && contains(source, "frozen constant")) << source;
    } else {
        ASSERT_TRUE(contains(source, "last linear op") && contains(source, info.headName)) << source;
    }
    ASSERT_TRUE(info.headCheckMaxError < 1e-4) << info.headCheckMaxError;
    // Extraction runs the frozen, inference-optimised copy wherever it was verified on the probe
    // batch (the eager references below then check it on the saved batch): every fixture but
    // MobileNetV3, whose fused hardswish moves its outputs by more than 1e-4 and keeps the plain module.
    ASSERT_FALSE(info.forwardNote.empty());
    if (name != "mobilenetv3") {
        ASSERT_TRUE(info.optimizedForward) << info.forwardNote;
    }
    ASSERT_EQ(model->head().classes, classes);
    ASSERT_EQ(model->head().dim, dim);
    ASSERT_EQ(model->head().weight.size(), std::size_t(classes) * dim);
    ASSERT_EQ(model->head().bias.size(), std::size_t(classes));

    // The saved input batch.
    std::vector<int> shape;
    std::vector<float> x;
    ASSERT_NO_FATAL_FAILURE(readInput(ref, shape, x));

    const std::vector<double> refLogits = values(ref.get("logits"));
    const std::vector<double> refFeatures = values(ref.get("features"));
    ASSERT_EQ(refLogits.size(), std::size_t(shape[0]) * classes);
    ASSERT_EQ(refFeatures.size(), std::size_t(shape[0]) * dim);
    ASSERT_TRUE(spread(refLogits) && spread(refFeatures));

    // Several passes: the graph executor profiles the first runs and optimises later ones.
    FeatureSet set;
    for (int pass = 0; pass < 3; ++pass) {
        std::vector<float> logits, features;
        model->forward(x.data(), shape[0], shape[1], shape[2], shape[3], logits, features);
        const double errLogits = worstRelative(asDouble(logits), refLogits);
        const double errFeatures = worstRelative(asDouble(features), refFeatures);
        ASSERT_TRUE(errLogits < kTolerance) << "pass " << pass << ": logits off by " << errLogits << " (relative)";
        ASSERT_TRUE(errFeatures < kTolerance)
            << "pass " << pass << ": features off by " << errFeatures << " (relative)";
        set.logits = std::move(logits);
        set.features = std::move(features);
    }
    set.rows = std::size_t(shape[0]);
    set.dim = dim;
    set.classes = classes;
    set.labels.assign(set.rows, -1);
    for (std::size_t i = 0; i < set.rows; ++i) {
        set.index.push_back(i);
        set.paths.push_back(name + "#" + std::to_string(i));
    }

    // Scores from the engine's outputs and head against the eager float64 references.
    ScoreParams params;
    params.set("T", ref.get("temperature").number(1.0));
    const Json& scores = ref.get("scores");
    for (const char* method : kScores) {
        const std::vector<double> expected = values(scores.get(method));
        ASSERT_EQ(expected.size(), set.rows);
        std::vector<std::string> ids{method};
        if (std::strcmp(method, "gradnorm") == 0 || std::strcmp(method, "exgrad") == 0)
            ids.push_back(std::string(method) + "_autograd");
        for (const std::string& id : ids) {
            const double err = worstRelative(computeScores(id, set, model->head(), params), expected);
            ASSERT_TRUE(err < kTolerance) << id << " off by " << err << " (relative)";
        }
    }
}

TEST_P(ModelsRefused, unusableModelsAreRefused)
{
    const auto& [name, variant] = GetParam();
    std::string problem;
    const Json ref = readExpected(name, problem);
    ASSERT_TRUE(problem.empty()) << problem;
    const std::string reason = ref.get("refused").string();
    ASSERT_TRUE(!reason.empty());
    const std::string rel = ref.get("variants").get(variant).string();
    ASSERT_TRUE(!rel.empty());
    const std::string path = kRoot + rel;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    try {
        Classifier::load(path);
        FAIL() << "accepted " << rel;
    } catch (const Error& e) {
        const std::string message = e.what();
        ASSERT_TRUE(contains(message, path)) << message;
        ASSERT_TRUE(contains(message, reason)) << message;
        ASSERT_TRUE(contains(message, "Making any model compatible")) << message;
    }
}

TEST_F(Models, notAModelFileIsRefusedByName)
{
    const std::string path = kExpected + "resnet_fc.json";
    try {
        Classifier::load(path);
        FAIL() << "accepted a JSON file";
    } catch (const Error& e) {
        ASSERT_TRUE(contains(e.what(), path)) << e.what();
    }
}

// The cost table's full-network backward (GradNorm as its official code computes it: batch 1,
// backward through every layer, the last layer's weight gradient) gives eager PyTorch's GradNorm
// for every image: the probe computes the official quantity, not just something that takes time.
// A frozen model's head weight is a graph constant, not a parameter: no gradient, and it says so.
TEST_P(ModelsClassifier, fullBackwardGivesTheGradNormOfEagerPyTorch)
{
    const auto& [name, variant] = GetParam();
    std::string problem;
    const Json ref = readExpected(name, problem);
    ASSERT_TRUE(problem.empty()) << problem;
    const std::unique_ptr<Classifier> model = Classifier::load(kRoot + ref.get("variants").get(variant).string());
    std::vector<int> shape;
    std::vector<float> x;
    ASSERT_NO_FATAL_FAILURE(readInput(ref, shape, x));
    const double temperature = ref.get("temperature").number(1.0);
    if (variant == "frozen") {
        try {
            model->fullBackwardGradNorms(x.data(), shape[0], shape[1], shape[2], shape[3], temperature);
            FAIL() << "a frozen model gave a weight gradient";
        } catch (const Error& e) {
            ASSERT_TRUE(contains(e.what(), "not a parameter")) << e.what();
        }
        return;
    }
    const std::vector<double> expected = values(ref.get("scores").get("gradnorm"));
    ASSERT_EQ(expected.size(), std::size_t(shape[0]));
    ASSERT_TRUE(spread(expected));
    for (int pass = 0; pass < 2; ++pass) { // the second after the graph executor's profiling run
        const std::vector<double> norms =
            model->fullBackwardGradNorms(x.data(), shape[0], shape[1], shape[2], shape[3], temperature);
        const double err = worstRelative(norms, expected);
        ASSERT_TRUE(err < kTolerance) << "pass " << pass << ": off by " << err << " (relative)";
    }
    // Inference afterwards is unchanged (the parameters' gradient flags are restored).
    std::vector<float> logits, features;
    model->forward(x.data(), shape[0], shape[1], shape[2], shape[3], logits, features);
    ASSERT_TRUE(worstRelative(asDouble(logits), values(ref.get("logits"))) < kTolerance);
}

// OODLENS_PLAIN_FORWARD=1 keeps the plain module, which gives the optimised copy's outputs to 1e-4
// on a batch other than the probe.
TEST_F(Models, plainForwardOnRequestGivesTheOptimisedOutputs)
{
    const std::string path = kRoot + "tests/fixtures/models/resnet_fc_traced.pt";
    const std::unique_ptr<Classifier> fast = Classifier::load(path);
    ASSERT_TRUE(fast->info().optimizedForward) << fast->info().forwardNote;
    ::setenv("OODLENS_PLAIN_FORWARD", "1", 1);
    const std::unique_ptr<Classifier> plain = Classifier::load(path);
    ::unsetenv("OODLENS_PLAIN_FORWARD");
    ASSERT_FALSE(plain->info().optimizedForward);
    ASSERT_TRUE(contains(plain->info().forwardNote, "OODLENS_PLAIN_FORWARD")) << plain->info().forwardNote;
    const std::vector<int>& hint = fast->info().inputHint;
    const int n = 5;
    std::vector<float> x(std::size_t(n) * hint[0] * hint[1] * hint[2]);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = float(std::sin(0.37 * double(i)) * 2.0);
    std::vector<float> zf, hf, zp, hp;
    fast->forward(x.data(), n, hint[0], hint[1], hint[2], zf, hf);
    plain->forward(x.data(), n, hint[0], hint[1], hint[2], zp, hp);
    ASSERT_TRUE(worstRelative(asDouble(zf), asDouble(zp)) < 1e-4);
    ASSERT_TRUE(worstRelative(asDouble(hf), asDouble(hp)) < 1e-4);
}
