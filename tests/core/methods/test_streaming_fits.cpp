// SPDX-License-Identifier: GPL-3.0-or-later
// The fits of Mahalanobis, ViM and ReAct stream over the fit set (issue 13, "Memory"): blocks of
// kChunk rows for the covariances, an in-place radix selection for ReAct's percentile. Checked
// against the implementations they replace (copied below, as they were at fe407cf, only as the
// reference: each held a whole double-precision copy of the fit set, ReAct's percentile a float
// copy of every activation), against a brute-force sort and numpy for the percentile, and by the
// growth of the process's peak memory during a fit.
#include "common/Error.h"
#include "common/Runtime.h"
#include "methods/Scores.h"
#include "methods/internal/Tensors.h"

#include "PeakMemory.h"
#include "RunProcess.h"
#include "TestSupport.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

using namespace oodlens;

namespace {

// ---- The implementations before streaming, kept as the reference ---------------------------

namespace before {

at::Tensor features(const FeatureSet& s)
{
    return at::from_blob(const_cast<float*>(s.features.data()), {static_cast<int64_t>(s.rows), s.dim}, at::kFloat)
        .to(at::kDouble);
}

at::Tensor logits(const FeatureSet& s)
{
    return at::from_blob(const_cast<float*>(s.logits.data()), {static_cast<int64_t>(s.rows), s.classes}, at::kFloat)
        .to(at::kDouble);
}

at::Tensor weight(const Head& h)
{
    return at::from_blob(const_cast<float*>(h.weight.data()), {h.classes, h.dim}, at::kFloat).to(at::kDouble);
}

at::Tensor bias(const Head& h)
{
    return at::from_blob(const_cast<float*>(h.bias.data()), {h.classes}, at::kFloat).to(at::kDouble);
}

std::vector<double> toVector(const at::Tensor& t)
{
    at::Tensor c = t.to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

at::Tensor energy(const at::Tensor& h, const at::Tensor& w, const at::Tensor& b)
{
    return at::logsumexp(at::linear(h, w, b), 1);
}

double percentile(std::vector<float> values, double p)
{
    const double pos = p / 100.0 * (values.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    std::nth_element(values.begin(), values.begin() + lo, values.end());
    const double a = values[lo];
    if (lo + 1 >= values.size())
        return a;
    const double b = *std::min_element(values.begin() + lo + 1, values.end());
    return a + (pos - lo) * (b - a);
}

struct Mahalanobis {
    at::Tensor means, precision;
    std::vector<int64_t> present;
    double shrink = 0;

    Mahalanobis(const FeatureSet& fit, const Head& head)
    {
        const int64_t d = fit.dim;
        std::vector<int> labels = fit.labels;
        if (!std::all_of(labels.begin(), labels.end(), [&](int l) { return l >= 0 && l < head.classes; }))
            for (std::size_t r = 0; r < fit.rows; ++r)
                labels[r] = fit.prediction(r);
        at::Tensor sums = at::zeros({head.classes, d}, at::kDouble);
        std::vector<int64_t> counts(head.classes, 0);
        at::Tensor x = features(fit);
        at::Tensor y = at::from_blob(labels.data(), {static_cast<int64_t>(fit.rows)}, at::kInt).to(at::kLong);
        sums.index_add_(0, y, x);
        for (int l : labels)
            ++counts[l];
        for (int c = 0; c < head.classes; ++c)
            if (counts[c] > 0)
                present.push_back(c);
        means = sums / at::tensor(counts, at::kDouble).clamp_min(1).unsqueeze(1);
        at::Tensor cov = at::zeros({d, d}, at::kDouble);
        for (int64_t start = 0; start < x.size(0); start += tensors::kChunk) {
            const int64_t end = std::min<int64_t>(x.size(0), start + tensors::kChunk);
            at::Tensor c = x.slice(0, start, end) - means.index_select(0, y.slice(0, start, end));
            cov.addmm_(c.t(), c);
        }
        cov /= static_cast<double>(x.size(0));
        const double scale = std::max(cov.diagonal().mean().item<double>(), 1e-12);
        at::Tensor l;
        for (int attempt = 0;; ++attempt) {
            at::Tensor s = shrink > 0 ? (1 - shrink) * cov + shrink * scale * at::eye(d, at::kDouble) : cov;
            auto [factor, info] = at::linalg_cholesky_ex(s);
            if (info.item<int>() == 0) {
                l = factor;
                break;
            }
            if (attempt > 12)
                throw Error("singular");
            shrink = shrink == 0 ? 1e-6 : shrink * 10;
        }
        precision = at::cholesky_inverse(l);
    }

    std::vector<double> score(const FeatureSet& set) const
    {
        at::Tensor mu = means.index_select(0, at::tensor(present, at::kLong));
        at::Tensor muP = mu.mm(precision);
        at::Tensor muPmu = (muP * mu).sum(1);
        at::Tensor x = features(set);
        at::Tensor dist = (x.mm(precision) * x).sum(1, true) - 2 * x.mm(muP.t()) + muPmu.unsqueeze(0);
        return toVector(-std::get<0>(dist.min(1)));
    }
};

struct Vim {
    at::Tensor w, b, origin, nullSpace;
    double alpha = 1;

    Vim(const FeatureSet& fit, const Head& head, int k) : w(weight(head)), b(bias(head))
    {
        const int64_t d = fit.dim;
        origin = -at::linalg_pinv(w).mv(b);
        at::Tensor x = features(fit);
        at::Tensor cov = at::zeros({d, d}, at::kDouble);
        for (int64_t start = 0; start < x.size(0); start += tensors::kChunk) {
            at::Tensor c = x.slice(0, start, std::min<int64_t>(x.size(0), start + tensors::kChunk)) - origin;
            cov.addmm_(c.t(), c);
        }
        cov /= static_cast<double>(x.size(0));
        auto [eigenvalues, eigenvectors] = at::linalg_eigh(cov);
        nullSpace = eigenvectors.slice(1, 0, d - k).contiguous();
        const double meanMaxLogit = std::get<0>(logits(fit).max(1)).mean().item<double>();
        alpha = meanMaxLogit / std::max(residual(x).mean().item<double>(), 1e-12);
    }
    at::Tensor residual(const at::Tensor& h) const { return (h - origin).mm(nullSpace).norm(2, 1); }
    // Scores and, per row, |energy| + |penalty|: the scale a relative error of a difference is taken against.
    std::pair<std::vector<double>, std::vector<double>> score(const FeatureSet& set) const
    {
        at::Tensor h = features(set);
        at::Tensor e = energy(h, w, b), penalty = alpha * residual(h);
        return {toVector(e - penalty), toVector(e.abs() + penalty.abs())};
    }
};

struct React {
    at::Tensor w, b;
    double clip;
    React(const FeatureSet& fit, const Head& head, double p) : w(weight(head)), b(bias(head)), clip(percentile(fit.features, p)) {}
    std::vector<double> score(const FeatureSet& set) const { return toVector(energy(features(set).clamp_max(clip), w, b)); }
};

} // namespace before

// ---- Fixtures ------------------------------------------------------------------------------

Head randomHead(int classes, int dim, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.f, 0.4f);
    Head h;
    h.classes = classes;
    h.dim = dim;
    for (int i = 0; i < classes * dim; ++i)
        h.weight.push_back(n(rng));
    for (int c = 0; c < classes; ++c)
        h.bias.push_back(n(rng));
    return h;
}

// Post-ReLU-like features around class centres (`shift` moves them off: OOD-like queries), logits
// W h + b, labels r % classes (or -1 with `labelled` false). `deadColumn` >= 0 is always 0 (a dead
// unit: the covariance is singular and Mahalanobis shrinks it).
FeatureSet makeSet(std::size_t rows, const Head& head, unsigned seed, float shift = 0, bool labelled = true,
                   int deadColumn = -1)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    FeatureSet s;
    s.rows = rows;
    s.dim = head.dim;
    s.classes = head.classes;
    s.features.reserve(rows * head.dim);
    for (std::size_t r = 0; r < rows; ++r) {
        const int label = static_cast<int>(r % head.classes);
        const std::size_t row = s.features.size();
        for (int k = 0; k < head.dim; ++k) {
            const float centre = (k % head.classes == label ? 2.f : 0.f) + shift;
            s.features.push_back(k == deadColumn ? 0.f : std::max(0.f, normal(rng) + centre));
        }
        for (int c = 0; c < head.classes; ++c) {
            double z = head.bias[c];
            for (int k = 0; k < head.dim; ++k)
                z += double(head.weight[c * head.dim + k]) * s.features[row + k];
            s.logits.push_back(static_cast<float>(z));
        }
        s.labels.push_back(labelled ? label : -1);
        s.index.push_back(r);
        s.paths.push_back("row" + std::to_string(r));
    }
    return s;
}

FeatureSet concat(const FeatureSet& a, const FeatureSet& b)
{
    FeatureSet s = a;
    s.rows += b.rows;
    s.features.insert(s.features.end(), b.features.begin(), b.features.end());
    s.logits.insert(s.logits.end(), b.logits.begin(), b.logits.end());
    s.labels.insert(s.labels.end(), b.labels.begin(), b.labels.end());
    return s;
}

// max over rows of |ours - ref| / max(scale, 1).
double worstRelative(const std::vector<double>& ours, const std::vector<double>& ref, const std::vector<double>& scale)
{
    EXPECT_EQ(ours.size(), ref.size());
    double worst = 0;
    for (std::size_t r = 0; r < std::min(ours.size(), ref.size()); ++r) {
        if (!std::isfinite(ref[r]) || !std::isfinite(ours[r])) {
            ADD_FAILURE() << "row " << r << ": ours " << ours[r] << ", reference " << ref[r];
            return INFINITY;
        }
        worst = std::max(worst, std::fabs(ours[r] - ref[r]) / std::max(1.0, std::fabs(scale[r])));
    }
    return worst;
}

std::vector<double> ours(const std::string& method, const FeatureSet& fit, const Head& head, const FeatureSet& set,
                         const ScoreParams& params = ScoreParams())
{
    return fitScorer(method, &fit, head, params, nullptr)->score(set, nullptr);
}

class StreamingFits : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }
};

// ---- The fits against the implementations they replace --------------------------------------

// 10,000 fit rows are three blocks of kChunk (4096); the 6,000 queries are two.
constexpr std::size_t kFitRows = 10000;
constexpr int kDim = 16;
constexpr int kClasses = 3;

TEST_F(StreamingFits, mahalanobisEqualsTheWholeSetFit)
{
    ASSERT_GT(kFitRows, std::size_t(2 * tensors::kChunk));
    const Head head = randomHead(kClasses, kDim, 1);
    const FeatureSet queries = concat(makeSet(3000, head, 2), makeSet(3000, head, 3, 1.5f));
    struct Case {
        const char* what;
        bool labelled;
        int dead;
    };
    for (const Case& c : {Case{"labelled", true, -1}, Case{"no labels (predictions)", false, -1},
                          Case{"a dead unit (shrinkage)", true, 5}}) {
        SCOPED_TRACE(c.what);
        const FeatureSet fit = makeSet(kFitRows, head, 4, 0, c.labelled, c.dead);
        const before::Mahalanobis ref(fit, head);
        EXPECT_EQ(ref.shrink > 0, c.dead >= 0) << "the fixture exercises shrinkage exactly when it has a dead unit";
        const std::vector<double> expected = ref.score(queries);
        const double worst = worstRelative(ours("mahalanobis", fit, head, queries), expected, expected);
        std::printf("mahalanobis, %s: worst relative difference %.1e\n", c.what, worst);
        EXPECT_LT(worst, 1e-12);
    }
}

TEST_F(StreamingFits, vimEqualsTheWholeSetFit)
{
    const Head head = randomHead(kClasses, kDim, 5);
    const FeatureSet fit = makeSet(kFitRows, head, 6);
    const FeatureSet queries = concat(makeSet(3000, head, 7), makeSet(3000, head, 8, 1.5f));
    for (int k : {4, 8, 12}) {
        SCOPED_TRACE("k = " + std::to_string(k));
        const auto [expected, scale] = before::Vim(fit, head, k).score(queries);
        ScoreParams p;
        p.set("k", k);
        const double worst = worstRelative(ours("vim", fit, head, queries, p), expected, scale);
        std::printf("vim, k = %d: worst relative difference %.1e\n", k, worst);
        EXPECT_LT(worst, 1e-12);
    }
}

TEST_F(StreamingFits, reactEqualsTheWholeSetFit)
{
    const Head head = randomHead(kClasses, kDim, 9);
    const FeatureSet fit = makeSet(kFitRows, head, 10);
    const FeatureSet queries = concat(makeSet(3000, head, 11), makeSet(3000, head, 12, 1.5f));
    for (double p : {90.0, 75.0, 99.0, 10.0, 0.5, 100.0}) {
        SCOPED_TRACE("p = " + std::to_string(p));
        const before::React ref(fit, head, p);
        // The clip itself is exactly the old one.
        EXPECT_EQ(tensors::streamingPercentile(fit.features.data(), fit.features.size(), p).value, ref.clip);
        ScoreParams params;
        params.set("p", p);
        const std::vector<double> expected = ref.score(queries);
        const double worst = worstRelative(ours("react", fit, head, queries, params), expected, expected);
        std::printf("react, p = %g: worst relative difference %.1e\n", p, worst);
        EXPECT_LT(worst, 1e-12);
    }
}

// ---- The streaming percentile against a sort ----------------------------------------------

// numpy-style linear interpolation over the sorted values that are not NaN.
template <typename T> double sortedPercentile(std::vector<T> v, double p)
{
    v.erase(std::remove_if(v.begin(), v.end(), [](T x) { return std::isnan(x); }), v.end());
    std::sort(v.begin(), v.end());
    const double pos = p / 100.0 * (v.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    const double a = v[lo];
    if (lo + 1 >= v.size())
        return a;
    const double b = v[lo + 1];
    return a + (pos - lo) * (b - a);
}

std::vector<double> manyPercentiles()
{
    std::vector<double> ps = {0, 100, 50, 90, 10, 25, 75, 99, 1, 99.9, 0.1, 33.3, 66.7, 12.5, 87.5, 95, 5};
    std::mt19937 rng(99);
    std::uniform_real_distribution<double> u(0, 100);
    for (int i = 0; i < 40; ++i)
        ps.push_back(u(rng));
    return ps;
}

// Vectors of every shape the selection has to get right: one value, two, ties everywhere, signed
// zeros, negatives, values that share the high 16 bits of their keys, sizes across a 65,536 bin
// boundary, infinities.
std::vector<std::pair<std::string, std::vector<float>>> floatCases()
{
    std::vector<std::pair<std::string, std::vector<float>>> cases;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    cases.push_back({"one value", {3.25f}});
    cases.push_back({"one negative value", {-1.5f}});
    cases.push_back({"two values", {2.f, -1.f}});
    cases.push_back({"all equal", std::vector<float>(1000, 0.75f)});
    cases.push_back({"signed zeros", {-0.f, 0.f, -0.f, 1.f, -1.f, 0.f, -0.f}});
    std::vector<float> ties;
    for (int i = 0; i < 5000; ++i)
        ties.push_back(std::vector<float>{-2.f, -0.f, 0.f, 0.f, 1.f, 1.f, 1.f, 3.5f}[rng() % 8]);
    cases.push_back({"ties, negatives and signed zeros", ties});
    std::vector<float> relu;
    for (int i = 0; i < 70000; ++i)
        relu.push_back(std::max(0.f, normal(rng)));
    cases.push_back({"post-ReLU (half zeros), 70,000", relu});
    std::vector<float> gaussian;
    for (int i = 0; i < 100001; ++i)
        gaussian.push_back(normal(rng) * 50.f);
    cases.push_back({"Gaussian with negatives, 100,001", gaussian});
    std::vector<float> close; // one high-16-bit bucket: 1.0 .. 1.0078
    for (int i = 0; i < 20000; ++i)
        close.push_back(1.f + static_cast<float>(rng() % 60000) * 1e-7f);
    cases.push_back({"values sharing their high key bits", close});
    std::vector<float> tiny;
    for (int i = 0; i < 3000; ++i)
        tiny.push_back((rng() % 2 ? 1.f : -1.f) * std::ldexp(1.f, -140 + static_cast<int>(rng() % 20))); // subnormals
    cases.push_back({"subnormals of both signs", tiny});
    std::vector<float> inf = {-INFINITY, 1.f, 2.f, 3.f, INFINITY};
    cases.push_back({"infinities", inf});
    for (std::size_t n : {3, 7, 100, 1000, 4097})
        cases.push_back({"uniform " + std::to_string(n), [&] {
                             std::vector<float> v;
                             std::uniform_real_distribution<float> u(-10.f, 10.f);
                             for (std::size_t i = 0; i < n; ++i)
                                 v.push_back(u(rng));
                             return v;
                         }()});
    return cases;
}

bool sameValue(double a, double b)
{
    return a == b || (std::isnan(a) && std::isnan(b));
}

TEST_F(StreamingFits, percentileEqualsASortForEveryShape)
{
    for (const auto& [what, values] : floatCases()) {
        for (double p : manyPercentiles()) {
            const tensors::Percentile got = tensors::streamingPercentile(values.data(), values.size(), p);
            const double expected = sortedPercentile(values, p);
            EXPECT_TRUE(sameValue(got.value, expected)) << what << ", p = " << p << ": " << got.value << " vs " << expected;
            EXPECT_EQ(got.count, values.size());
            EXPECT_EQ(got.nans, 0u);
            // Bit for bit what the engine computed before (nth_element on a copy).
            EXPECT_TRUE(sameValue(got.value, before::percentile(values, p))) << what << ", p = " << p;
        }
    }
}

TEST_F(StreamingFits, percentileOfDoublesEqualsASort)
{
    std::mt19937 rng(3);
    std::normal_distribution<double> normal;
    std::vector<double> v;
    for (int i = 0; i < 50000; ++i)
        v.push_back(i % 5 == 0 ? std::round(normal(rng) * 4) : normal(rng) * 1e-3); // ties and close values
    v.push_back(-0.0);
    for (double p : manyPercentiles())
        EXPECT_EQ(tensors::percentile(v, p), sortedPercentile(v, p)) << "p = " << p;
    EXPECT_EQ(tensors::percentile(std::vector<double>{-0.5}, 37), -0.5);
}

// Rules of the selection: -0.0 and +0.0 are one value, reported as +0.0; NaN is left out and
// counted (numpy.nanpercentile); nothing left is an Error.
TEST_F(StreamingFits, percentileRulesForZerosAndNaN)
{
    const std::vector<float> zeros(10, -0.f);
    const double z = tensors::percentile(zeros, 50);
    EXPECT_EQ(z, 0.0);
    EXPECT_FALSE(std::signbit(z)) << "a zero percentile is +0.0";

    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> withNaN = {nan, 4.f, -1.f, nan, 2.5f, -nan, 0.f, 7.f};
    for (double p : manyPercentiles()) {
        const tensors::Percentile got = tensors::streamingPercentile(withNaN.data(), withNaN.size(), p);
        EXPECT_EQ(got.nans, 3u);
        EXPECT_EQ(got.count, 5u);
        EXPECT_EQ(got.value, sortedPercentile(withNaN, p)) << "p = " << p;
    }
    const std::vector<float> allNaN(4, nan);
    EXPECT_THROW(tensors::percentile(allNaN, 50), Error);
    EXPECT_THROW(tensors::percentile(std::vector<float>{}, 50), Error);
    EXPECT_THROW(tensors::percentile(std::vector<float>{1.f}, 101), Error);
    EXPECT_THROW(tensors::percentile(std::vector<float>{1.f}, std::nan("")), Error);

    // ReAct names itself when no activation is left, and counts those left out.
    const Head head = randomHead(2, 3, 1);
    FeatureSet fit = makeSet(4, head, 2);
    std::fill(fit.features.begin(), fit.features.end(), nan);
    try {
        fitScorer("react", &fit, head, ScoreParams(), nullptr);
        ADD_FAILURE() << "no error for a fit set of NaN activations";
    } catch (const Error& e) {
        EXPECT_TRUE(test::contains(e.what(), "react")) << e.what();
        EXPECT_TRUE(test::contains(e.what(), "NaN")) << e.what();
    }
    fit = makeSet(40, head, 3);
    fit.features[7] = nan;
    const auto scorer = fitScorer("react", &fit, head, ScoreParams(), nullptr);
    EXPECT_TRUE(test::contains(scorer->note(), "1 NaN activations left out")) << scorer->note();
}

// numpy.percentile itself (Debian's numpy, by /usr/bin/python3), for the values above: the same
// double whenever t = pos - floor(pos) < 0.5, where numpy's formula is ours (a + t (b - a)); within
// two units in the last place of the larger end point when t >= 0.5, where numpy computes
// b - (1 - t)(b - a).
TEST_F(StreamingFits, percentileAgreesWithNumpy)
{
    test::TempDir dir;
    const char* script = R"(
import sys
import numpy as np
ps = [float(p) for p in open(sys.argv[2]).read().split()]
for line in open(sys.argv[1]):
    v = np.array([float(x) for x in line.split()], dtype=np.float32).astype(np.float64)
    print(" ".join(repr(float(np.percentile(v, p))) for p in ps))
)";
    ASSERT_TRUE(test::writeFile(dir.filePath("ref.py"), script));
    const std::vector<double> ps = manyPercentiles();
    std::ostringstream psText, valuesText;
    psText.precision(17);
    for (double p : ps)
        psText << p << " ";
    valuesText.precision(9);
    std::vector<std::vector<float>> sets;
    for (const auto& [what, values] : floatCases()) {
        if (what == "infinities")
            continue; // numpy's interpolation between inf and inf differs from a + t (b - a) by design
        sets.push_back(values);
        for (float v : values)
            valuesText << v << " ";
        valuesText << "\n";
    }
    ASSERT_TRUE(test::writeFile(dir.filePath("p.txt"), psText.str()));
    ASSERT_TRUE(test::writeFile(dir.filePath("v.txt"), valuesText.str()));
    const test::ProcessResult py =
        test::runProcess("/usr/bin/python3", {dir.filePath("ref.py"), dir.filePath("v.txt"), dir.filePath("p.txt")});
    ASSERT_EQ(py.exitCode, 0) << py.err;
    const std::vector<std::string> lines = test::split(py.out, '\n', true);
    ASSERT_EQ(lines.size(), sets.size());
    int exact = 0;
    for (std::size_t s = 0; s < sets.size(); ++s) {
        const std::vector<std::string> words = test::split(lines[s], ' ', true);
        ASSERT_EQ(words.size(), ps.size());
        for (std::size_t i = 0; i < ps.size(); ++i) {
            const double numpy = std::stod(words[i]);
            const double got = tensors::percentile(sets[s], ps[i]);
            const double pos = ps[i] / 100.0 * (sets[s].size() - 1);
            if (pos - std::floor(pos) < 0.5) {
                EXPECT_EQ(got, numpy) << "set " << s << ", p = " << ps[i];
                ++exact;
            } else {
                // Both formulas round within an ulp of the larger end point.
                std::vector<float> sorted = sets[s];
                std::sort(sorted.begin(), sorted.end());
                const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
                const double ends = std::max(std::fabs(double(sorted[lo])), std::fabs(double(sorted[lo + 1])));
                EXPECT_LE(std::fabs(got - numpy), 2 * std::numeric_limits<double>::epsilon() * ends)
                    << "set " << s << ", p = " << ps[i];
            }
        }
    }
    EXPECT_GT(exact, 100);
}

// ---- No copy of the fit set ----------------------------------------------------------------

// The growth of the peak resident set during a fit of 200,000 x 256 floats (a double copy would be
// 410 MB) stays far below a copy; the implementations replaced above, measured the same way, grow
// by at least one, which shows the measurement sees a copy. Not under AddressSanitizer, whose
// quarantine keeps freed blocks resident.
#if defined(__SANITIZE_ADDRESS__)
#define OODLENS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OODLENS_ASAN 1
#endif
#endif

TEST_F(StreamingFits, fitsDoNotCopyTheFitSet)
{
#ifdef OODLENS_ASAN
    GTEST_SKIP() << "peak memory is not meaningful under AddressSanitizer";
#else
    constexpr std::size_t rows = 200000;
    constexpr int dim = 256;
    const Head head = randomHead(4, dim, 21);
    FeatureSet fit;
    fit.rows = rows;
    fit.dim = dim;
    fit.classes = head.classes;
    std::mt19937 rng(22);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    fit.features.resize(rows * dim);
    for (std::size_t i = 0; i < fit.features.size(); ++i)
        fit.features[i] = u(rng) + ((i / dim) % 4 == (i % dim) % 4 ? 1.f : 0.f);
    fit.logits.resize(rows * head.classes);
    for (std::size_t i = 0; i < fit.logits.size(); ++i)
        fit.logits[i] = u(rng);
    fit.labels.resize(rows);
    for (std::size_t r = 0; r < rows; ++r)
        fit.labels[r] = static_cast<int>(r % 4);
    // Thread pools and BLAS buffers start on a small fit first.
    const FeatureSet small = makeSet(500, head, 23);
    for (const char* m : {"mahalanobis", "vim", "react"})
        fitScorer(m, &small, head, ScoreParams(), nullptr);

    const double copyKb = rows * dim * sizeof(double) / 1024.0;
    struct Fit {
        const char* method;
        std::function<void()> before;
        double beforeCopyKb; // what the replaced fit copied
    };
    const std::vector<Fit> fits = {
        {"mahalanobis", [&] { before::Mahalanobis m(fit, head); }, copyKb},
        {"vim", [&] { before::Vim v(fit, head, dim / 2); }, copyKb},
        {"react", [&] { before::React r(fit, head, 90); }, copyKb / 2},
    };
    for (const Fit& f : fits) {
        // The reset is checked against the resident set right after it; a freshly freed copy can
        // leave the two apart for a moment, so the measurement is tried a few times.
        long growth = -1;
        for (int attempt = 0; attempt < 3 && growth < 0; ++attempt)
            growth = test::peakGrowthKb([&] { fitScorer(f.method, &fit, head, ScoreParams(), nullptr); });
        if (growth < 0)
            GTEST_SKIP() << "the kernel cannot reset the peak resident set (/proc/self/clear_refs)";
        long old = -1;
        for (int attempt = 0; attempt < 3 && old < 0; ++attempt)
            old = test::peakGrowthKb(f.before);
        std::printf("%-12s peak growth %8.1f MB (before streaming: %8.1f MB; a double copy: %.1f MB)\n", f.method,
                    growth / 1024.0, old / 1024.0, copyKb / 1024);
        EXPECT_LT(growth, copyKb / 4) << f.method << ": kB of peak growth";
        EXPECT_GT(old, 0.9 * f.beforeCopyKb) << f.method << ": the measurement did not see the old fit's copy";
    }
#endif
}

} // namespace
