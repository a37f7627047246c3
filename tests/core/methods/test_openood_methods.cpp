// SPDX-License-Identifier: GPL-3.0-or-later
// The OpenOOD v1.5 methods (fdbd, rmds, she, dice, klm, residual, ash_p, ash_b) on small synthetic
// feature sets against brute-force formulas written here with plain loops (no tensors code: a
// Gauss-Jordan inverse, a Jacobi eigen-decomposition, sorted percentiles), and their degenerate
// cases. The fit set has more rows than one block of tensors::forEachBlock, so the block offsets
// of the streaming fits are exercised. (Against numpy/PyTorch on real models:
// tests/python/crosscheck_openood.py.)
#include "common/Error.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <random>

using namespace oodlens;

namespace {

using Vec = std::vector<double>;
using Mat = std::vector<Vec>;

constexpr int kDim = 6;
constexpr int kClasses = 4;
constexpr std::size_t kFitRows = 9000; // > 2 blocks of 4096 rows
const double kNaN = std::numeric_limits<double>::quiet_NaN();

Head randomHead(unsigned seed, int classes = kClasses, int dim = kDim)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.f, 0.4f);
    Head h;
    h.classes = classes;
    h.dim = dim;
    // Aligned with the class centres of synthetic() (feature k is high for class k mod C), plus
    // noise: most fit images are classified correctly, some are not, and every class is predicted.
    for (int c = 0; c < classes; ++c)
        for (int k = 0; k < dim; ++k)
            h.weight.push_back((k % classes == c ? 1.f : 0.f) + n(rng));
    for (int c = 0; c < classes; ++c)
        h.bias.push_back(n(rng) * 0.3f);
    return h;
}

void appendRow(FeatureSet& s, const Head& head, const std::vector<float>& h, int label)
{
    s.features.insert(s.features.end(), h.begin(), h.end());
    for (int c = 0; c < head.classes; ++c) {
        double z = head.bias[c];
        for (int k = 0; k < head.dim; ++k)
            z += double(head.weight[c * head.dim + k]) * h[k];
        s.logits.push_back(static_cast<float>(z));
    }
    s.labels.push_back(label);
    s.index.push_back(s.rows);
    s.paths.push_back("img" + std::to_string(s.rows) + ".png");
    ++s.rows;
}

// Non-negative (post-ReLU-like) features around class centres; `shift` moves them away (OOD).
FeatureSet synthetic(std::size_t rows, const Head& head, unsigned seed, float shift = 0.f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> n;
    FeatureSet s;
    s.dim = head.dim;
    s.classes = head.classes;
    for (std::size_t r = 0; r < rows; ++r) {
        const int label = static_cast<int>(r % head.classes);
        std::vector<float> h(head.dim);
        for (int k = 0; k < head.dim; ++k)
            h[k] = std::fabs(n(rng) + (k % head.classes == label ? 2.5f : 0.f) + shift);
        appendRow(s, head, h, label);
    }
    return s;
}

Vec featuresOf(const FeatureSet& s, std::size_t r)
{
    return Vec(s.featureRow(r), s.featureRow(r) + s.dim);
}
Vec logitsOf(const FeatureSet& s, std::size_t r)
{
    return Vec(s.logitRow(r), s.logitRow(r) + s.classes);
}
Vec weightRow(const Head& h, int c)
{
    return Vec(h.weight.begin() + c * h.dim, h.weight.begin() + (c + 1) * h.dim);
}

int argmax(const Vec& v)
{
    return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

double dot(const Vec& a, const Vec& b)
{
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        s += a[i] * b[i];
    return s;
}

double distance(const Vec& a, const Vec& b)
{
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        s += (a[i] - b[i]) * (a[i] - b[i]);
    return std::sqrt(s);
}

Vec softmax(const Vec& z)
{
    const double m = *std::max_element(z.begin(), z.end());
    Vec p(z.size());
    double sum = 0;
    for (std::size_t i = 0; i < z.size(); ++i)
        sum += p[i] = std::exp(z[i] - m);
    for (double& v : p)
        v /= sum;
    return p;
}

double logSumExp(const Vec& z)
{
    const double m = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (double v : z)
        sum += std::exp(v - m);
    return m + std::log(sum);
}

// Logits of features h through (possibly masked) weights.
Vec linear(const Mat& w, const Vec& b, const Vec& h)
{
    Vec z(b);
    for (std::size_t c = 0; c < w.size(); ++c)
        z[c] += dot(w[c], h);
    return z;
}

Mat headMatrix(const Head& h)
{
    Mat w;
    for (int c = 0; c < h.classes; ++c)
        w.push_back(weightRow(h, c));
    return w;
}
Vec headBias(const Head& h)
{
    return Vec(h.bias.begin(), h.bias.end());
}

Vec meanOf(const FeatureSet& s)
{
    Vec m(s.dim, 0.0);
    for (std::size_t r = 0; r < s.rows; ++r)
        for (int k = 0; k < s.dim; ++k)
            m[k] += s.featureRow(r)[k];
    for (double& v : m)
        v /= double(s.rows);
    return m;
}

// Gauss-Jordan inverse with partial pivoting.
Mat inverse(Mat a)
{
    const std::size_t n = a.size();
    Mat inv(n, Vec(n, 0.0));
    for (std::size_t i = 0; i < n; ++i)
        inv[i][i] = 1;
    for (std::size_t col = 0; col < n; ++col) {
        std::size_t pivot = col;
        for (std::size_t r = col + 1; r < n; ++r)
            if (std::fabs(a[r][col]) > std::fabs(a[pivot][col]))
                pivot = r;
        std::swap(a[col], a[pivot]);
        std::swap(inv[col], inv[pivot]);
        const double d = a[col][col];
        for (std::size_t k = 0; k < n; ++k) {
            a[col][k] /= d;
            inv[col][k] /= d;
        }
        for (std::size_t r = 0; r < n; ++r) {
            if (r == col)
                continue;
            const double f = a[r][col];
            for (std::size_t k = 0; k < n; ++k) {
                a[r][k] -= f * a[col][k];
                inv[r][k] -= f * inv[col][k];
            }
        }
    }
    return inv;
}

double quadratic(const Vec& x, const Mat& p)
{
    double s = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
        for (std::size_t j = 0; j < x.size(); ++j)
            s += x[i] * p[i][j] * x[j];
    return s;
}

// Cyclic Jacobi eigen-decomposition of a symmetric matrix: eigenvalues and eigenvectors (columns).
void jacobiEigen(Mat a, Vec& values, Mat& vectors)
{
    const std::size_t n = a.size();
    vectors.assign(n, Vec(n, 0.0));
    for (std::size_t i = 0; i < n; ++i)
        vectors[i][i] = 1;
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                off += a[i][j] * a[i][j];
        if (off < 1e-30)
            break;
        for (std::size_t p = 0; p < n; ++p)
            for (std::size_t q = p + 1; q < n; ++q) {
                if (std::fabs(a[p][q]) < 1e-300)
                    continue;
                const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                const double t = (theta >= 0 ? 1 : -1) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (std::size_t k = 0; k < n; ++k) { // A <- A J
                    const double akp = a[k][p], akq = a[k][q];
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for (std::size_t k = 0; k < n; ++k) { // A <- J^T A
                    const double apk = a[p][k], aqk = a[q][k];
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for (std::size_t k = 0; k < n; ++k) {
                    const double vkp = vectors[k][p], vkq = vectors[k][q];
                    vectors[k][p] = c * vkp - s * vkq;
                    vectors[k][q] = s * vkp + c * vkq;
                }
            }
    }
    values.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        values[i] = a[i][i];
}

// numpy.percentile with linear interpolation.
double numpyPercentile(Vec v, double p)
{
    std::sort(v.begin(), v.end());
    const double pos = p / 100 * double(v.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    if (lo + 1 >= v.size())
        return v[lo];
    return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

// --- The brute-force references --------------------------------------------------------------

Vec fdbdReference(const FeatureSet& fit, const FeatureSet& q, const Head& head)
{
    const Vec mu = meanOf(fit);
    Vec out;
    for (std::size_t r = 0; r < q.rows; ++r) {
        const Vec z = logitsOf(q, r), h = featuresOf(q, r);
        const int p = argmax(z);
        double sum = 0;
        for (int c = 0; c < head.classes; ++c)
            if (c != p)
                sum += std::fabs(z[p] - z[c]) / distance(weightRow(head, p), weightRow(head, c));
        out.push_back(sum / (head.classes - 1) / distance(h, mu));
    }
    return out;
}

struct Gaussians {
    std::vector<Vec> means; // present classes only
    Mat tiedPrecision, globalPrecision;
    Vec globalMean;
};

Gaussians gaussians(const FeatureSet& fit, int classes)
{
    const int d = fit.dim;
    std::vector<Vec> sums(classes, Vec(d, 0.0));
    std::vector<int> counts(classes, 0);
    for (std::size_t r = 0; r < fit.rows; ++r) {
        ++counts[fit.labels[r]];
        for (int k = 0; k < d; ++k)
            sums[fit.labels[r]][k] += fit.featureRow(r)[k];
    }
    std::vector<Vec> means(classes, Vec(d, 0.0));
    Gaussians g;
    for (int c = 0; c < classes; ++c)
        if (counts[c]) {
            for (int k = 0; k < d; ++k)
                means[c][k] = sums[c][k] / counts[c];
            g.means.push_back(means[c]);
        }
    g.globalMean = meanOf(fit);
    Mat tied(d, Vec(d, 0.0)), global(d, Vec(d, 0.0));
    for (std::size_t r = 0; r < fit.rows; ++r) {
        const Vec h = featuresOf(fit, r);
        const Vec& m = means[fit.labels[r]];
        for (int i = 0; i < d; ++i)
            for (int j = 0; j < d; ++j) {
                tied[i][j] += (h[i] - m[i]) * (h[j] - m[j]) / double(fit.rows);
                global[i][j] += (h[i] - g.globalMean[i]) * (h[j] - g.globalMean[j]) / double(fit.rows);
            }
    }
    g.tiedPrecision = inverse(tied);
    g.globalPrecision = inverse(global);
    return g;
}

Vec minus(const Vec& a, const Vec& b)
{
    Vec d(a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        d[i] = a[i] - b[i];
    return d;
}

// RMDS and, in `scale`, |MD_0| + |min_c MD_c| (the score is their difference and crosses 0).
Vec rmdsReference(const FeatureSet& fit, const FeatureSet& q, int classes, Vec& scale)
{
    const Gaussians g = gaussians(fit, classes);
    Vec out;
    scale.clear();
    for (std::size_t r = 0; r < q.rows; ++r) {
        const Vec h = featuresOf(q, r);
        const double md0 = quadratic(minus(h, g.globalMean), g.globalPrecision);
        double best = std::numeric_limits<double>::infinity();
        for (const Vec& m : g.means)
            best = std::min(best, quadratic(minus(h, m), g.tiedPrecision));
        out.push_back(-(best - md0));
        scale.push_back(std::fabs(md0) + std::fabs(best));
    }
    return out;
}

Vec sheReference(const FeatureSet& fit, const FeatureSet& q, int classes)
{
    std::vector<Vec> patterns(classes, Vec(fit.dim, 0.0));
    std::vector<int> counts(classes, 0);
    for (std::size_t r = 0; r < fit.rows; ++r) {
        const int label = fit.labels[r];
        if (argmax(logitsOf(fit, r)) != label)
            continue;
        ++counts[label];
        for (int k = 0; k < fit.dim; ++k)
            patterns[label][k] += fit.featureRow(r)[k];
    }
    Vec out;
    for (std::size_t r = 0; r < q.rows; ++r) {
        const int p = argmax(logitsOf(q, r));
        Vec pattern = patterns[p];
        for (double& v : pattern)
            v = counts[p] ? v / counts[p] : kNaN;
        out.push_back(dot(featuresOf(q, r), pattern));
    }
    return out;
}

Vec diceReference(const FeatureSet& fit, const FeatureSet& q, const Head& head, double p)
{
    const Vec mu = meanOf(fit);
    Mat w = headMatrix(head);
    Vec contributions;
    for (const Vec& row : w)
        for (int k = 0; k < head.dim; ++k)
            contributions.push_back(mu[k] * row[k]);
    const double threshold = numpyPercentile(contributions, p);
    for (Vec& row : w)
        for (int k = 0; k < head.dim; ++k)
            if (!(mu[k] * row[k] > threshold))
                row[k] = 0;
    Vec out;
    for (std::size_t r = 0; r < q.rows; ++r)
        out.push_back(logSumExp(linear(w, headBias(head), featuresOf(q, r))));
    return out;
}

Vec klmReference(const FeatureSet& fit, const FeatureSet& q, int classes)
{
    std::vector<Vec> templates(classes, Vec(classes, 0.0));
    std::vector<int> counts(classes, 0);
    for (std::size_t r = 0; r < fit.rows; ++r) {
        const Vec z = logitsOf(fit, r);
        const Vec p = softmax(z);
        const int c = argmax(z);
        ++counts[c];
        for (int j = 0; j < classes; ++j)
            templates[c][j] += p[j];
    }
    Vec out;
    for (std::size_t r = 0; r < q.rows; ++r) {
        const Vec p = softmax(logitsOf(q, r));
        double best = std::numeric_limits<double>::infinity();
        for (int c = 0; c < classes; ++c) {
            if (counts[c] == 0)
                continue; // the one-hot template: KL = +inf for a softmax with full support
            double kl = 0;
            for (int j = 0; j < classes; ++j)
                kl += p[j] * std::log(p[j] / (templates[c][j] / counts[c]));
            best = std::min(best, kl);
        }
        out.push_back(-best);
    }
    return out;
}

Vec residualReference(const FeatureSet& fit, const FeatureSet& q, const Head& head, int k)
{
    // o = -pinv(W) b: with C < D and W of full row rank, pinv(W) = W^T (W W^T)^-1.
    const Mat w = headMatrix(head);
    Mat wwt(head.classes, Vec(head.classes, 0.0));
    for (int i = 0; i < head.classes; ++i)
        for (int j = 0; j < head.classes; ++j)
            wwt[i][j] = dot(w[i], w[j]);
    const Mat g = inverse(wwt);
    Vec y(head.classes, 0.0);
    for (int i = 0; i < head.classes; ++i)
        for (int j = 0; j < head.classes; ++j)
            y[i] += g[i][j] * head.bias[j];
    Vec o(head.dim, 0.0);
    for (int d = 0; d < head.dim; ++d)
        for (int c = 0; c < head.classes; ++c)
            o[d] -= w[c][d] * y[c];
    Mat cov(head.dim, Vec(head.dim, 0.0));
    for (std::size_t r = 0; r < fit.rows; ++r) {
        const Vec x = minus(featuresOf(fit, r), o);
        for (int i = 0; i < head.dim; ++i)
            for (int j = 0; j < head.dim; ++j)
                cov[i][j] += x[i] * x[j] / double(fit.rows);
    }
    Vec values;
    Mat vectors;
    jacobiEigen(cov, values, vectors);
    std::vector<int> order(head.dim);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return values[a] > values[b]; });
    Vec out;
    for (std::size_t r = 0; r < q.rows; ++r) {
        const Vec x = minus(featuresOf(q, r), o);
        double sq = 0;
        for (int e = k; e < head.dim; ++e) { // the D - k smallest eigen-directions
            double proj = 0;
            for (int i = 0; i < head.dim; ++i)
                proj += x[i] * vectors[i][order[e]];
            sq += proj * proj;
        }
        out.push_back(-std::sqrt(sq));
    }
    return out;
}

// ASH-P / ASH-B: keep the k = D - round(D p / 100) largest entries (ties: none in these sets).
Vec ashReference(const FeatureSet& q, const Head& head, double p, bool binarize)
{
    const int k = head.dim - static_cast<int>(std::nearbyint(head.dim * p / 100));
    Vec out;
    for (std::size_t r = 0; r < q.rows; ++r) {
        const Vec h = featuresOf(q, r);
        Vec sorted = h;
        std::sort(sorted.begin(), sorted.end(), std::greater<double>());
        const double kth = sorted[k - 1];
        const double s1 = std::accumulate(h.begin(), h.end(), 0.0);
        Vec shaped(h.size(), 0.0);
        for (std::size_t i = 0; i < h.size(); ++i)
            if (h[i] >= kth)
                shaped[i] = binarize ? s1 / k : h[i];
        out.push_back(logSumExp(linear(headMatrix(head), headBias(head), shaped)));
    }
    return out;
}

// --- Helpers ----------------------------------------------------------------------------------

std::vector<double> fitted(const std::string& id, const FeatureSet& fit, const FeatureSet& q, const Head& head,
                           const ScoreParams& p = ScoreParams(), std::string* note = nullptr)
{
    auto scorer = fitScorer(id, &fit, head, p);
    if (note)
        *note = scorer->note();
    return scorer->score(q, nullptr);
}

ScoreParams param(const std::string& assignment)
{
    ScoreParams p;
    p.parseAssignment(assignment);
    return p;
}

void expectClose(const std::vector<double>& ours, const Vec& ref, double tol, const Vec* scale = nullptr)
{
    ASSERT_EQ(ours.size(), ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) {
        if (std::isnan(ref[i])) {
            EXPECT_TRUE(std::isnan(ours[i])) << "row " << i << ": " << ours[i];
            continue;
        }
        const double denom = std::max(scale ? (*scale)[i] : std::fabs(ref[i]), 1e-12);
        EXPECT_LE(std::fabs(ours[i] - ref[i]) / denom, tol)
            << "row " << i << ": ours " << ours[i] << ", reference " << ref[i];
    }
}

std::string messageOf(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

const std::vector<std::string> kFitted = {"fdbd", "rmds", "she", "dice", "klm", "residual"};

class OpenOodMethods : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        initRuntime(1);
        head = randomHead(11);
        fit = synthetic(kFitRows, head, 1);
        // Queries: ID-like rows and shifted (OOD-like) ones.
        query = synthetic(40, head, 2);
        const FeatureSet far = synthetic(40, head, 3, 1.5f);
        for (std::size_t r = 0; r < far.rows; ++r) {
            const std::vector<float> h(far.featureRow(r), far.featureRow(r) + kDim);
            appendRow(query, head, h, -1);
        }
    }
    static Head head;
    static FeatureSet fit, query;
};

Head OpenOodMethods::head;
FeatureSet OpenOodMethods::fit;
FeatureSet OpenOodMethods::query;

} // namespace

TEST_F(OpenOodMethods, registeredAfterVimWithTheirGroupsNeedsAndGrids)
{
    const std::vector<std::string> ids = {"fdbd", "rmds", "she", "dice", "klm", "residual", "ash_p", "ash_b"};
    const auto& all = methodRegistry();
    auto position = [&](const std::string& id) {
        return std::find_if(all.begin(), all.end(), [&](const MethodInfo& m) { return m.id == id; }) - all.begin();
    };
    for (std::size_t i = 0; i < ids.size(); ++i) {
        SCOPED_TRACE(ids[i]);
        const MethodInfo& m = requireMethod(ids[i]);
        EXPECT_FALSE(m.reference.empty());
        EXPECT_EQ(position(ids[i]), position("vim") + 1 + static_cast<long>(i));
        const bool ash = ids[i].rfind("ash_", 0) == 0;
        EXPECT_EQ(m.group, ash ? MethodGroup::Feature : MethodGroup::Fitted);
        EXPECT_EQ(m.has(NeedsFitSet), !ash);
    }
    EXPECT_LT(position("ash_b"), position("odin"));
    EXPECT_TRUE(requireMethod("rmds").has(NeedsLabels) && requireMethod("rmds").has(NeedsCovariance));
    EXPECT_TRUE(requireMethod("she").has(NeedsLabels));
    EXPECT_TRUE(requireMethod("residual").has(NeedsCovariance));
    // Parameters (besides flip) and the grids a sweep tries.
    EXPECT_EQ(requireMethod("dice").param("p")->defaultValue, 90);
    EXPECT_EQ(requireMethod("dice").param("p")->grid, (std::vector<double>{10, 30, 50, 70, 90}));
    for (const char* id : {"ash", "ash_p", "ash_b"}) {
        EXPECT_EQ(requireMethod(id).param("p")->defaultValue, 90) << id;
        EXPECT_EQ(requireMethod(id).param("p")->grid, (std::vector<double>{65, 70, 75, 80, 85, 90, 95})) << id;
    }
    for (const char* id : {"vim", "residual"}) {
        const ParamSpec* k = requireMethod(id).param("k");
        ASSERT_TRUE(k != nullptr) << id;
        EXPECT_EQ(k->defaultValue, 0) << id;
        EXPECT_EQ(k->grid, (std::vector<double>{16, 32, 64, 128, 256, 512, 1000})) << id;
    }
    for (const char* id : {"fdbd", "rmds", "she", "klm"}) {
        EXPECT_EQ(requireMethod(id).params.size(), 1u) << id; // flip only
    }
}

TEST_F(OpenOodMethods, fdbdIsTheMeanBoundaryDistanceOverTheDistanceToTheFitMean)
{
    std::string note;
    expectClose(fitted("fdbd", fit, query, head, ScoreParams(), &note), fdbdReference(fit, query, head), 1e-9);
    EXPECT_TRUE(test::contains(note, "feature mean of 9000 fit images")) << note;
}

TEST_F(OpenOodMethods, rmdsIsTheClassMahalanobisDistanceRelativeToTheBackground)
{
    Vec scale;
    const Vec ref = rmdsReference(fit, query, kClasses, scale);
    std::string note;
    expectClose(fitted("rmds", fit, query, head, ScoreParams(), &note), ref, 1e-9, &scale);
    EXPECT_TRUE(test::contains(note, "4 class Gaussians")) << note;
    EXPECT_FALSE(test::contains(note, "shrinkage")) << note;
}

TEST_F(OpenOodMethods, sheIsTheInnerProductWithTheCorrectlyClassifiedClassMean)
{
    std::string note;
    expectClose(fitted("she", fit, query, head, ScoreParams(), &note), sheReference(fit, query, kClasses), 1e-9);
    EXPECT_TRUE(test::contains(note, "correctly classified of 9000 fit images")) << note;
}

TEST_F(OpenOodMethods, diceMasksTheWeightsAboveTheContributionPercentile)
{
    for (double p : {90.0, 50.0, 10.0, 0.0}) {
        SCOPED_TRACE(p);
        std::string note;
        ScoreParams params;
        params.set("dice.p", p);
        expectClose(fitted("dice", fit, query, head, params, &note), diceReference(fit, query, head, p), 1e-9);
        EXPECT_TRUE(test::contains(note, "of 24 head weights")) << note;
    }
}

TEST_F(OpenOodMethods, klmIsMinusTheKlToTheNearestClassTemplate)
{
    expectClose(fitted("klm", fit, query, head), klmReference(fit, query, kClasses), 1e-9);
}

TEST_F(OpenOodMethods, residualIsMinusTheNormOffThePrincipalSubspace)
{
    // k = 0: D/2 = 3 as vim; and an explicit k.
    std::string note;
    expectClose(fitted("residual", fit, query, head, ScoreParams(), &note), residualReference(fit, query, head, 3),
                1e-7);
    EXPECT_TRUE(test::contains(note, "principal subspace k = 3 of 6")) << note;
    expectClose(fitted("residual", fit, query, head, param("residual.k=1")), residualReference(fit, query, head, 1),
                1e-7);
    expectClose(fitted("residual", fit, query, head, param("residual.k=5")), residualReference(fit, query, head, 5),
                1e-7);
}

TEST_F(OpenOodMethods, ashPAndAshBShapeThePenultimateVector)
{
    for (double p : {90.0, 65.0, 50.0, 0.0}) {
        SCOPED_TRACE(p);
        ScoreParams params;
        params.set("p", p);
        expectClose(computeScores("ash_p", query, head, params), ashReference(query, head, p, false), 1e-9);
        expectClose(computeScores("ash_b", query, head, params), ashReference(query, head, p, true), 1e-9);
    }
    // One hand-solved row: h = (4, 3, 2, 1), p = 50 keeps (4, 3); s1 = 10, so ASH-B fills 5 and 5.
    Head one;
    one.classes = 1;
    one.dim = 4;
    one.weight = {1, 1, 1, 1};
    one.bias = {0};
    FeatureSet q;
    appendRow(q, one, {4.f, 3.f, 2.f, 1.f}, -1);
    q.dim = 4;
    q.classes = 1;
    EXPECT_NEAR(computeScores("ash_p", q, one, param("ash_p.p=50"))[0], 7.0, 1e-12);
    EXPECT_NEAR(computeScores("ash_b", q, one, param("ash_b.p=50"))[0], 10.0, 1e-12);
}

TEST_F(OpenOodMethods, anEmptyFitSetIsAClearError)
{
    FeatureSet empty;
    empty.dim = kDim;
    empty.classes = kClasses;
    for (const std::string& id : kFitted) {
        const std::string m = messageOf([&] { fitScorer(id, &empty, head, ScoreParams()); });
        EXPECT_TRUE(test::contains(m, id) && test::contains(m, "empty")) << id << ": " << m;
        const std::string none = messageOf([&] { fitScorer(id, nullptr, head, ScoreParams()); });
        EXPECT_TRUE(test::contains(none, "needs a fit set")) << id << ": " << none;
    }
}

TEST_F(OpenOodMethods, aSubspaceDimensionOfAtLeastDIsAClearError)
{
    for (const char* k : {"residual.k=6", "residual.k=100"}) {
        const std::string m = messageOf([&] { fitScorer("residual", &fit, head, param(k)); });
        EXPECT_TRUE(test::contains(m, "residual: the principal subspace dimension k = ") &&
                    test::contains(m, "must be smaller than the feature dimension 6"))
            << m;
    }
}

TEST_F(OpenOodMethods, nonFiniteFitImagesAreAClearErrorNamingTheImage)
{
    for (const std::string& id : kFitted) {
        FeatureSet broken = fit;
        const std::size_t row = 5000; // in the second block
        if (id == "klm")
            broken.logits[row * kClasses + 1] = std::numeric_limits<float>::quiet_NaN();
        else
            broken.features[row * kDim + 2] = std::numeric_limits<float>::infinity();
        const std::string m = messageOf([&] { fitScorer(id, &broken, head, ScoreParams()); });
        EXPECT_TRUE(test::contains(m, id + ": fit image 5000 (img5000.png) has non-finite")) << id << ": " << m;
    }
}

TEST_F(OpenOodMethods, nonFiniteQueryRowsScoreNaNAndLeaveTheOthersAlone)
{
    FeatureSet q = query;
    q.features[3 * kDim + 1] = std::numeric_limits<float>::quiet_NaN();
    std::fill(q.logits.begin() + 3 * kClasses, q.logits.begin() + 4 * kClasses,
              std::numeric_limits<float>::quiet_NaN());
    q.logits[7 * kClasses + 2] = std::numeric_limits<float>::quiet_NaN(); // one NaN logit, features intact
    for (const std::string& id :
         std::vector<std::string>{"fdbd", "rmds", "she", "dice", "klm", "residual", "ash_p", "ash_b"}) {
        SCOPED_TRACE(id);
        const bool fittedMethod = requireMethod(id).has(NeedsFitSet);
        const auto clean = fittedMethod ? fitted(id, fit, query, head) : computeScores(id, query, head, ScoreParams());
        const auto s = fittedMethod ? fitted(id, fit, q, head) : computeScores(id, q, head, ScoreParams());
        EXPECT_TRUE(std::isnan(s[3])) << s[3];
        // Row 7: the methods that read the logits (the prediction or the softmax) give NaN.
        const bool readsLogits = id == "fdbd" || id == "she" || id == "klm";
        EXPECT_EQ(std::isnan(s[7]), readsLogits) << s[7];
        for (std::size_t r = 0; r < q.rows; ++r) {
            if (r != 3 && r != 7) {
                EXPECT_NEAR(s[r], clean[r], 1e-12 * (1 + std::fabs(clean[r]))) << "row " << r;
            }
        }
    }
}

TEST_F(OpenOodMethods, aOneClassFitSet)
{
    // Every fit image labelled 0: RMDS's class Gaussian is the background Gaussian, so every
    // score is 0; SHE has one pattern, and images predicted as another class score NaN.
    FeatureSet one = fit;
    std::fill(one.labels.begin(), one.labels.end(), 0);
    std::string note;
    const auto rmds = fitted("rmds", one, query, head, ScoreParams(), &note);
    EXPECT_TRUE(test::contains(note, "1 class Gaussians")) << note;
    Vec scale;
    rmdsReference(fit, query, kClasses, scale);
    for (std::size_t r = 0; r < rmds.size(); ++r)
        EXPECT_LE(std::fabs(rmds[r]), 1e-9 * scale[r]) << "row " << r;
    const auto she = fitted("she", one, query, head, ScoreParams(), &note);
    EXPECT_TRUE(test::contains(note, "1 of 4 classes") && test::contains(note, "score NaN")) << note;
    expectClose(she, sheReference(one, query, kClasses), 1e-9);
    EXPECT_TRUE(std::any_of(she.begin(), she.end(), [](double v) { return std::isnan(v); }));
    EXPECT_TRUE(std::any_of(she.begin(), she.end(), [](double v) { return std::isfinite(v); }));
    // KLM: templates only for the predicted classes of a fit set that the model puts in one class.
    FeatureSet onePredicted;
    onePredicted.dim = kDim;
    onePredicted.classes = kClasses;
    for (std::size_t r = 0; r < fit.rows && onePredicted.rows < 200; ++r)
        if (argmax(logitsOf(fit, r)) == 2)
            appendRow(onePredicted, head, std::vector<float>(fit.featureRow(r), fit.featureRow(r) + kDim), 2);
    ASSERT_EQ(onePredicted.rows, 200u);
    const auto klm = fitted("klm", onePredicted, query, head, ScoreParams(), &note);
    EXPECT_TRUE(test::contains(note, "3 classes predicted for no fit image get the one-hot template")) << note;
    expectClose(klm, klmReference(onePredicted, query, kClasses), 1e-9);
}

TEST_F(OpenOodMethods, klmMatchesAOneHotTemplateOnlyWithAOneHotSoftmax)
{
    // Logits 1000 apart make the softmax exactly one-hot (exp(-1000) = 0 in double): the one-hot
    // template of a class no fit image is predicted as is then at KL 0, the nearest.
    FeatureSet fit2;
    fit2.dim = kDim;
    fit2.classes = kClasses;
    for (std::size_t r = 0; r < fit.rows && fit2.rows < 100; ++r)
        if (argmax(logitsOf(fit, r)) == 0)
            appendRow(fit2, head, std::vector<float>(fit.featureRow(r), fit.featureRow(r) + kDim), 0);
    FeatureSet q = query;
    q.rows = 2;
    q.logits = {0.f, 1000.f, 0.f, 0.f, 0.f, 1.f, 0.f, 0.f};
    const auto s = fitted("klm", fit2, q, head);
    EXPECT_EQ(s[0], 0.0);
    EXPECT_TRUE(std::isfinite(s[1]) && s[1] < 0); // nearest is class 0's template
}

TEST_F(OpenOodMethods, sheWithoutACorrectlyClassifiedFitImageOrLabels)
{
    FeatureSet wrong = fit;
    for (std::size_t r = 0; r < wrong.rows; ++r)
        wrong.labels[r] = (argmax(logitsOf(wrong, r)) + 1) % kClasses;
    const std::string m = messageOf([&] { fitScorer("she", &wrong, head, ScoreParams()); });
    EXPECT_TRUE(test::contains(m, "she: none of the 9000 fit images is classified correctly")) << m;
    // No labels: the predictions stand in, and every fit image counts as correct.
    FeatureSet unlabelled = fit;
    std::fill(unlabelled.labels.begin(), unlabelled.labels.end(), -1);
    std::string note;
    const auto s = fitted("she", unlabelled, query, head, ScoreParams(), &note);
    EXPECT_TRUE(test::contains(note, "model predictions used as class labels") &&
                test::contains(note, "9000 correctly classified of 9000"))
        << note;
    FeatureSet predicted = fit;
    for (std::size_t r = 0; r < predicted.rows; ++r)
        predicted.labels[r] = argmax(logitsOf(predicted, r));
    expectClose(s, sheReference(predicted, query, kClasses), 1e-9);
    EXPECT_TRUE(test::contains(fitScorer("rmds", &unlabelled, head, ScoreParams())->note(), "predictions"));
}

TEST_F(OpenOodMethods, fdbdNeedsTwoDistinctClasses)
{
    const Head single = randomHead(5, 1, kDim);
    const FeatureSet s = synthetic(50, single, 4);
    EXPECT_TRUE(
        test::contains(messageOf([&] { fitScorer("fdbd", &s, single, ScoreParams()); }), "fdbd: the head has 1 class"));
    Head twins = head;
    std::copy(twins.weight.begin(), twins.weight.begin() + kDim, twins.weight.begin() + 2 * kDim); // w_2 = w_0
    EXPECT_TRUE(test::contains(messageOf([&] { fitScorer("fdbd", &fit, twins, ScoreParams()); }),
                               "fdbd: classes 0 and 2 have the same head weights"));
}

TEST_F(OpenOodMethods, rmdsShrinksASingularCovarianceAndSaysSo)
{
    FeatureSet dead = fit;
    for (std::size_t r = 0; r < dead.rows; ++r)
        dead.features[r * kDim + 4] = 0.f; // a dead unit: both covariances singular
    std::string note;
    const auto s = fitted("rmds", dead, query, head, ScoreParams(), &note);
    EXPECT_TRUE(test::contains(note, "tied covariance singular: shrinkage") &&
                test::contains(note, "background covariance singular: shrinkage"))
        << note;
    EXPECT_TRUE(std::all_of(s.begin(), s.end(), [](double v) { return std::isfinite(v); }));
}

TEST_F(OpenOodMethods, outOfRangeParametersAreRefusedWithTheRange)
{
    for (const char* a : {"dice.p=100", "dice.p=-1", "ash_p.p=100", "ash_b.p=101", "residual.k=-1", "residual.k=2.5"}) {
        const std::string m = messageOf([&] { param(a).resolve(std::string(a).substr(0, std::string(a).find('.'))); });
        EXPECT_FALSE(m.empty()) << a;
    }
}

TEST_F(OpenOodMethods, theSyntheticSetsAreNotDegenerate)
{
    // Every class is predicted, and some fit images are misclassified (SHE leaves them out).
    std::vector<int> predicted(kClasses, 0);
    std::size_t wrong = 0;
    for (std::size_t r = 0; r < fit.rows; ++r) {
        const int p = argmax(logitsOf(fit, r));
        ++predicted[p];
        wrong += p != fit.labels[r];
    }
    for (int c = 0; c < kClasses; ++c)
        EXPECT_GT(predicted[c], 500) << "class " << c;
    EXPECT_GT(wrong, 100u);
    EXPECT_LT(wrong, fit.rows / 2);
}
