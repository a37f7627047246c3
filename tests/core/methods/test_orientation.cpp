// SPDX-License-Identifier: GPL-3.0-or-later
// The orientation switch every method has (`flip`): declared once by the registry, negating the
// scores exactly after they are computed (closed forms, autograd, fitted baselines, images through
// the pipeline), turning AUROC into 1 - AUROC, and naming the method "... (flipped)".
#include "common/Error.h"
#include "common/Runtime.h"
#include "methods/Scores.h"
#include "metrics/Metrics.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "TestSupport.h"

#include <cmath>

using namespace oodlens;

namespace {

// The first `n` rows of a feature set (autograd over 2000 rows would be slow for no gain).
FeatureSet firstRows(const FeatureSet& s, std::size_t from, std::size_t n)
{
    FeatureSet out;
    out.rows = n;
    out.dim = s.dim;
    out.classes = s.classes;
    for (std::size_t r = from; r < from + n; ++r) {
        out.features.insert(out.features.end(), s.featureRow(r), s.featureRow(r) + s.dim);
        out.logits.insert(out.logits.end(), s.logitRow(r), s.logitRow(r) + s.classes);
        out.labels.push_back(s.labels[r]);
        out.index.push_back(s.index[r]);
        out.paths.push_back(s.paths[r]);
    }
    return out;
}

ScoreParams flipped(const std::string& method)
{
    ScoreParams p;
    p.parseAssignment(method + ".flip=1");
    return p;
}

} // namespace

class Orientation : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        initRuntime(0);
        RunConfig c = demoConfig();
        c.methods = {"msp"};
        demo = runOnce(c);
    }
    static void TearDownTestSuite() { demo.reset(); }
    static RunResultPtr demo;
};

RunResultPtr Orientation::demo;

TEST(OrientationParam, EveryMethodHasFlipOnceAsASwitchDefaultingToOff)
{
    for (const MethodInfo& m : methodRegistry()) {
        int count = 0;
        for (const ParamSpec& p : m.params)
            count += p.name == "flip";
        ASSERT_EQ(count, 1) << m.id;
        const ParamSpec* flip = m.param("flip");
        ASSERT_TRUE(flip != nullptr);
        EXPECT_EQ(flip->defaultValue, 0) << m.id;
        EXPECT_TRUE(flip->isSwitch()) << m.id;
        EXPECT_TRUE(flip->accepts(0) && flip->accepts(1)) << m.id;
        EXPECT_FALSE(flip->accepts(0.5) || flip->accepts(2) || flip->accepts(-1)) << m.id;
        EXPECT_EQ(ScoreParams().resolve(m).get("flip"), 0) << m.id;
    }
}

TEST(OrientationParam, AMethodFileCannotDeclareItAgain)
{
    MethodRegistry r;
    MethodInfo m;
    m.id = "twice";
    m.featureNorm = 1;
    ParamSpec p;
    p.name = "flip";
    m.params = {p};
    EXPECT_THROW(r.add(m), Error);
}

TEST(OrientationParam, ParsedPerMethodOrForAllAndRangeChecked)
{
    ScoreParams p;
    p.parseAssignment("exgrad.flip=1");
    EXPECT_TRUE(isFlipped("exgrad", p));
    EXPECT_FALSE(isFlipped("gradnorm", p));
    EXPECT_EQ(p.resolve("exgrad").get("flip"), 1);
    p.parseAssignment("flip=1"); // every method
    EXPECT_TRUE(isFlipped("gradnorm", p));
    p.parseAssignment("gradnorm.flip=0"); // the method's own key wins
    EXPECT_FALSE(isFlipped("gradnorm", p));

    ScoreParams half;
    half.parseAssignment("gini.flip=0.5");
    EXPECT_THROW(half.resolve("gini"), Error);
    ScoreParams two;
    two.parseAssignment("gini.flip=2");
    EXPECT_THROW(validateParams({"gini"}, two), Error);
}

TEST(OrientationParam, TheLabelSaysFlipped)
{
    const std::string label = requireMethod("exgrad").label;
    EXPECT_EQ(methodLabel("exgrad", ScoreParams()), label);
    EXPECT_EQ(methodLabel("exgrad", flipped("exgrad")), label + " (flipped)");
    EXPECT_EQ(methodLabel("msp", flipped("exgrad")), requireMethod("msp").label);
    EXPECT_EQ(methodLabel("no-such-method", flipped("exgrad")), "no-such-method");
}

// Every method computable from features: flipped scores are the exact negation.
TEST_F(Orientation, FlipNegatesEveryFeatureScoreExactly)
{
    const FeatureSet small = firstRows(*demo->features[0], 0, 40);
    for (const MethodInfo& m : methodRegistry()) {
        if (m.has(NeedsFitSet) || m.has(NeedsImages))
            continue;
        const std::vector<double> plain = computeScores(m.id, small, demo->head, ScoreParams());
        const std::vector<double> flip = computeScores(m.id, small, demo->head, flipped(m.id));
        ASSERT_EQ(flip.size(), plain.size()) << m.id;
        for (std::size_t r = 0; r < plain.size(); ++r)
            ASSERT_EQ(flip[r], -plain[r]) << m.id << " row " << r;
    }
}

// Computed together, a flipped product and its unflipped factors do not disturb each other.
TEST_F(Orientation, SharedFactorsKeepTheirOwnOrientation)
{
    const FeatureSet& id = *demo->features[0];
    const Factors* f = factorsOf("exgrad");
    ASSERT_TRUE(f != nullptr);
    const auto alone = computeScoreSet({f->featureTerm, f->outputTerm}, id, demo->head, ScoreParams());
    const auto together = computeScoreSet({"exgrad", f->featureTerm, f->outputTerm}, id, demo->head, flipped("exgrad"));
    EXPECT_EQ(together.at(f->featureTerm), alone.at(f->featureTerm));
    EXPECT_EQ(together.at(f->outputTerm), alone.at(f->outputTerm));
    const auto plain = computeScores("exgrad", id, demo->head, ScoreParams());
    for (std::size_t r = 0; r < plain.size(); ++r)
        ASSERT_EQ(together.at("exgrad")[r], -plain[r]);
}

TEST_F(Orientation, FittedScorersAreFlippedToo)
{
    const FeatureSet fit = firstRows(*demo->features[0], 0, 300);
    const FeatureSet query = firstRows(*demo->features[1], 0, 50);
    for (const MethodInfo& m : methodRegistry()) {
        if (!m.fit)
            continue;
        // NNGuide's default guide bank (1 % of 300) is smaller than its k: every fit image a guide.
        ScoreParams plainParams, flipParams = flipped(m.id);
        plainParams.set("nnguide.alpha", 1);
        flipParams.set("nnguide.alpha", 1);
        const auto plain = fitScorer(m.id, &fit, demo->head, plainParams)->score(query, nullptr);
        const auto flip = fitScorer(m.id, &fit, demo->head, flipParams)->score(query, nullptr);
        ASSERT_EQ(flip.size(), plain.size()) << m.id;
        for (std::size_t r = 0; r < plain.size(); ++r)
            ASSERT_EQ(flip[r], -plain[r]) << m.id << " row " << r;
    }
}

// The decomposition keeps the factors and carries the sign, so factor x factor x sign = score.
TEST_F(Orientation, DecompositionCarriesTheSign)
{
    const FeatureSet& id = *demo->features[0];
    const auto scores = computeScores("exgrad", id, demo->head, flipped("exgrad"));
    for (std::size_t r = 0; r < 20; ++r) {
        const Decomposition plain = decompose("exgrad", id, demo->head, ScoreParams(), r);
        const Decomposition flip = decompose("exgrad", id, demo->head, flipped("exgrad"), r);
        EXPECT_EQ(flip.featureTerm, plain.featureTerm);
        EXPECT_EQ(flip.outputTerm, plain.outputTerm);
        EXPECT_EQ(flip.sign, -1.0);
        EXPECT_NEAR(flip.score(), scores[r], 1e-12 * std::abs(scores[r]) + 1e-15);
    }
}

// Through the pipeline: AUROC becomes 1 - AUROC against the unflipped run, the FPR at 95 % ID TPR
// is that of the negated scores, and rows carry the flipped label.
TEST_F(Orientation, PipelineAurocBecomesOneMinusAuroc)
{
    RunConfig c = demoConfig();
    c.datasets.pop_back(); // no fit set
    c.methods = {"exgrad", "gini", "msp"};
    const RunResultPtr plain = runOnce(c);
    c.params.parseAssignment("exgrad.flip=1");
    c.params.parseAssignment("gini.flip=1");
    const RunResultPtr flip = runOnce(c);
    ASSERT_EQ(plain->metrics.size(), 3u);
    ASSERT_EQ(flip->metrics.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        const MetricsRow& a = plain->metrics[i];
        const MetricsRow& b = flip->metrics[i];
        ASSERT_EQ(a.method, b.method);
        const bool flippedRow = a.method != "msp";
        EXPECT_EQ(b.flipped, flippedRow);
        EXPECT_EQ(b.label, methodLabel(a.method, flip->params));
        EXPECT_EQ(test::endsWith(b.label, " (flipped)"), flippedRow) << b.label;
        if (flippedRow) {
            EXPECT_NEAR(b.metrics.auroc, 1.0 - a.metrics.auroc, 1e-12) << a.method;
            EXPECT_LT(a.metrics.auroc, 0.5) << a.method << ": the demo's reversed scores";
            EXPECT_GT(b.metrics.auroc, 0.5) << a.method;
            // The pipeline's scores are the negation of the unflipped run's.
            for (std::size_t d = 0; d < 2; ++d) {
                const auto& x = plain->scoresOf(a.method, d);
                const auto& y = flip->scoresOf(a.method, d);
                ASSERT_EQ(x.size(), y.size());
                for (std::size_t r = 0; r < x.size(); ++r)
                    ASSERT_EQ(y[r], -x[r]);
            }
            // FPR@95 of the flipped run is computed from the negated scores.
            std::vector<double> idNeg = plain->scoresOf(a.method, 0), oodNeg = plain->scoresOf(a.method, 1);
            for (double& v : idNeg)
                v = -v;
            for (double& v : oodNeg)
                v = -v;
            EXPECT_EQ(b.metrics.fpr95_id, computeMetrics(idNeg, oodNeg).fpr95_id);
        } else {
            EXPECT_EQ(b.metrics.auroc, a.metrics.auroc);
        }
    }
}

// A method that runs the model again (ODIN): flipping negates its scores without another pass.
TEST_F(Orientation, ImageScoresFlipWithoutRunningTheModelAgain)
{
    class Stages : public RunObserver {
    public:
        void progress(const RunProgress& p) override { images += p.stage == RunStage::Images; }
        int images = 0;
    };
    RunConfig c = demoConfig();
    c.datasets.pop_back();
    c.cacheDir.clear(); // the pipeline's own memory, not the disk cache, must carry the reuse
    c.methods = {"odin"};
    Pipeline p;
    const RunResultPtr plain = p.run(c);
    c.params.parseAssignment("odin.flip=1");
    Stages stages;
    const RunResultPtr flip = p.run(c, &stages);
    EXPECT_EQ(stages.images, 0) << "flipping ran the model again";
    for (std::size_t d = 0; d < 2; ++d) {
        const auto& x = plain->scoresOf("odin", d);
        const auto& y = flip->scoresOf("odin", d);
        ASSERT_EQ(x.size(), std::size_t(2000));
        ASSERT_EQ(y.size(), x.size());
        for (std::size_t r = 0; r < x.size(); ++r)
            ASSERT_EQ(y[r], -x[r]);
    }
    EXPECT_NEAR(flip->metrics[0].metrics.auroc, 1.0 - plain->metrics[0].metrics.auroc, 1e-12);
}
