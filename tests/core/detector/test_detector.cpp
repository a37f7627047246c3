// SPDX-License-Identifier: GPL-3.0-or-later
// Detectors (core/detector) and the deployment metrics (metrics/Deployment.h) against brute force:
// thresholds, splits, rates and curves recomputed here from the definitions in the headers (the
// split and the bootstrap redrawn with a SplitMix64 of the test's own), the detector file written,
// read back and attacked, and the demo model applied to IDX files made from the run's own images.
#include "common/Error.h"
#include "common/Runtime.h"
#include "common/internal/Hash.h"
#include "datasets/Idx.h"
#include "detector/Apply.h"
#include "detector/Calibration.h"
#include "detector/Detector.h"
#include "io/Json.h"
#include "metrics/Deployment.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "PeakMemory.h"
#include "TestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <random>

using namespace oodlens;
using oodlens::test::contains;
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
__extension__ using U128 = unsigned __int128;

// SplitMix64 as docs/methods.md writes it, and an index as the high half of x * n.
struct Mix {
    std::uint64_t state;
    std::uint64_t next()
    {
        state += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::size_t index(std::size_t n) { return static_cast<std::size_t>((U128(next()) * n) >> 64); }
};

// ValidationSplit.h: the first floor(fraction * n) images in the order of their keys (ties by index).
std::vector<bool> bruteMask(std::size_t n, std::size_t dataset, double fraction, std::uint64_t seed)
{
    Mix m{seed + dataset};
    std::vector<std::pair<std::uint64_t, std::size_t>> keyed;
    for (std::size_t i = 0; i < n; ++i)
        keyed.emplace_back(m.next(), i);
    std::sort(keyed.begin(), keyed.end());
    std::vector<bool> mask(n, false);
    for (std::size_t i = 0; i < static_cast<std::size_t>(std::floor(fraction * double(n))); ++i)
        mask[keyed[i].second] = true;
    return mask;
}

std::vector<double> usable(const std::vector<double>& s)
{
    std::vector<double> u;
    for (double v : s)
        if (!std::isnan(v))
            u.push_back(v);
    return u;
}

std::size_t acceptedAt(const std::vector<double>& s, double t)
{
    std::size_t c = 0;
    for (double v : s)
        c += v >= t; // false for NaN
    return c;
}

// The highest score t that accepts (score >= t) at least a share `tpr` of the usable scores.
double bruteTprThreshold(const std::vector<double>& scores, double tpr)
{
    const std::vector<double> u = usable(scores);
    double best = kNaN;
    for (double v : u)
        if (double(acceptedAt(u, v)) / double(u.size()) >= tpr && (std::isnan(best) || v > best))
            best = v;
    return best;
}

// The lowest score t that accepts at most a share `fpr`; just above the highest when none does.
double bruteFprThreshold(const std::vector<double>& scores, double fpr)
{
    const std::vector<double> u = usable(scores);
    if (u.empty())
        return kNaN;
    double best = std::nextafter(*std::max_element(u.begin(), u.end()), std::numeric_limits<double>::infinity());
    for (double v : u)
        if (double(acceptedAt(u, v)) / double(u.size()) <= fpr && v < best)
            best = v;
    return best;
}

// numpy.percentile(..., method="linear"): virtual index q/100 (n - 1), interpolated.
double brutePercentile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    const double pos = q / 100.0 * double(v.size() - 1);
    const double below = std::floor(pos), above = std::ceil(pos);
    const double a = v[std::size_t(below)], b = v[std::size_t(above)];
    return a + (b - a) * (pos - below);
}

bool sameDouble(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

std::string errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

// Energy from its definition, T logsumexp(z / T), on a row of float logits.
double energyOf(const float* z, int classes, double T)
{
    double m = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < classes; ++c)
        m = std::max(m, double(z[c]) / T);
    double s = 0;
    for (int c = 0; c < classes; ++c)
        s += std::exp(double(z[c]) / T - m);
    return T * (m + std::log(s));
}

void expectSameRate(const RateInterval& a, const RateInterval& b, const std::string& what)
{
    EXPECT_TRUE(sameDouble(a.estimate, b.estimate)) << what;
    EXPECT_TRUE(sameDouble(a.low, b.low)) << what;
    EXPECT_TRUE(sameDouble(a.high, b.high)) << what;
    EXPECT_EQ(a.count, b.count) << what;
    EXPECT_EQ(a.accepted, b.accepted) << what;
    EXPECT_EQ(a.resamples, b.resamples) << what;
    EXPECT_EQ(a.seed, b.seed) << what;
}

// Splits one CSV line with RFC 4180 quoting.
std::vector<std::string> csvFields(const std::string& line)
{
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\n') {
            out.back() += c;
        }
    }
    return out;
}

// Every score of an apply, source after source (the decisions' order).
std::vector<double> allScores(const ApplySummary& s)
{
    std::vector<double> out;
    for (const ApplySource& src : s.sources)
        out.insert(out.end(), src.scores.begin(), src.scores.end());
    return out;
}

} // namespace

// One demo run for the whole program (every suite below shares it): ID mnist-test-2000, OOD
// fashion-val-1000, fit mnist-train-5000, scored with Energy and Mahalanobis; and the first 256 ID
// and OOD images as IDX files of their own (two full batches of 128, as in the run), whose scores
// apply must give as the run gave them.
struct DemoRun {
    static constexpr std::size_t kApplyImages = 256;
    test::TempDir dir;
    RunResultPtr result;
    DemoRun()
    {
        initRuntime(0);
        RunConfig c = demoConfig();
        const std::string demo = demoDirectory();
        c.datasets = {{"id", demo + "/mnist-test-2000-images-idx3-ubyte.gz", DatasetRole::Id},
                      {"fashion-val", demo + "/fashion-mnist-val-1000-images-idx3-ubyte.gz", DatasetRole::Ood},
                      {"fit", demo + "/mnist-train-5000-images-idx3-ubyte.gz", DatasetRole::Fit}};
        c.methods = {"energy", "mahalanobis"};
        result = runOnce(c);
        auto subset = [](const std::string& from, const std::string& to) {
            IdxArray a = readIdx(from);
            const std::size_t item = a.data.size() / a.count();
            a.data.resize(kApplyImages * item);
            writeIdx(to, {std::uint32_t(kApplyImages), a.dims[1], a.dims[2]}, a.data);
        };
        subset(c.datasets[0].path, dir.filePath("id256.idx"));
        subset(c.datasets[1].path, dir.filePath("fashion256.idx"));
    }
    static DemoRun& get()
    {
        static DemoRun shared;
        return shared;
    }
};

class DetectorTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { DemoRun::get(); }

    static const RunResult& run() { return *DemoRun::get().result; }
    static std::size_t idIndex() { return std::size_t(run().idIndex); }
    static std::string path(const std::string& name) { return DemoRun::get().dir.filePath(name); }
    static std::string idSubset() { return path("id256.idx"); }
    static std::string oodSubset() { return path("fashion256.idx"); }
    static std::string modelPath() { return demoDirectory() + "/mnist_cnn.pt"; }

    static Detector calibrate(const std::string& method, CalibrationTarget target, double value, double fraction = 0.5,
                              std::uint64_t splitSeed = 0)
    {
        CalibrationRequest q;
        q.method = method;
        q.target = target;
        q.value = value;
        q.fraction = fraction;
        q.splitSeed = splitSeed;
        q.resamples = 40;
        q.seed = 3;
        return calibrateDetector(run(), q);
    }

    static constexpr std::size_t kApplyImages = DemoRun::kApplyImages;
};

// The run itself: Energy is its definition on the run's logits (the reference for apply below).
TEST_F(DetectorTest, RunScoresAreEnergyOfTheLogits)
{
    ASSERT_EQ(run().idIndex, 0);
    ASSERT_EQ(run().oodIndices, (std::vector<std::size_t>{1}));
    const FeatureSet& id = *run().features[0];
    const std::vector<double>& s = run().scoresOf("energy", 0);
    ASSERT_EQ(id.rows, 2000u);
    ASSERT_EQ(s.size(), 2000u);
    ASSERT_EQ(run().scoresOf("mahalanobis", 0).size(), 2000u);
    ASSERT_EQ(run().scoresOf("energy", 1).size(), 1000u);
    const double T = run().params.resolve("energy").get("T");
    for (std::size_t r = 0; r < id.rows; ++r) {
        ASSERT_EQ(id.index[r], r);
        ASSERT_NEAR(s[r], energyOf(id.logitRow(r), id.classes, T), 1e-9 * (1 + std::fabs(s[r]))) << r;
    }
}

// IdTpr: the threshold is the brute-force one on the calibration part of the seeded split, the
// held-out rate the brute-force count on the rest, the OOD rate the count on the OOD set.
TEST_F(DetectorTest, IdTprThresholdAndRatesAreBruteForce)
{
    for (const std::string method : {"energy", "mahalanobis"})
        for (const double tpr : {0.95, 0.8, 1.0})
            for (const std::uint64_t seed : {std::uint64_t(0), std::uint64_t(7)}) {
                SCOPED_TRACE(method + " tpr " + std::to_string(tpr) + " seed " + std::to_string(seed));
                const Detector d = calibrate(method, CalibrationTarget::IdTpr, tpr, 0.5, seed);
                const std::vector<double>& ids = run().scoresOf(method, idIndex());
                const std::vector<bool> mask = bruteMask(ids.size(), idIndex(), 0.5, seed);
                std::vector<double> setting, measuring;
                for (std::size_t i = 0; i < ids.size(); ++i)
                    (mask[i] ? setting : measuring).push_back(ids[i]);
                ASSERT_EQ(setting.size(), 1000u);
                EXPECT_EQ(d.threshold, bruteTprThreshold(setting, tpr));
                EXPECT_GE(double(acceptedAt(setting, d.threshold)) / double(setting.size()), tpr);
                EXPECT_EQ(d.calibrationScores, setting);
                EXPECT_TRUE(d.split);
                EXPECT_EQ(d.splitSeed, seed);
                EXPECT_EQ(d.idImages, ids.size());
                EXPECT_EQ(d.calibrationImages, setting.size());
                EXPECT_EQ(d.heldOutImages, measuring.size());
                EXPECT_EQ(d.calibrationImages + d.heldOutImages, d.idImages);
                EXPECT_EQ(d.idTpr.count, measuring.size());
                EXPECT_EQ(d.idTpr.accepted, acceptedAt(measuring, d.threshold));
                EXPECT_EQ(d.idTpr.estimate, double(d.idTpr.accepted) / double(measuring.size()));
                EXPECT_LE(d.idTpr.low, d.idTpr.estimate);
                EXPECT_GE(d.idTpr.high, d.idTpr.estimate);
                ASSERT_EQ(d.oodSets.size(), 1u);
                const std::vector<double>& ood = run().scoresOf(method, 1);
                EXPECT_EQ(d.oodSets[0].name, "fashion-val");
                EXPECT_EQ(d.oodSets[0].accepted.count, ood.size());
                EXPECT_EQ(d.oodSets[0].accepted.accepted, acceptedAt(ood, d.threshold));
                EXPECT_EQ(d.oodSets[0].accepted.seed, 4u); // seed + 1 + k
                EXPECT_EQ(d.modelSha256, sha256File(modelPath()));
                EXPECT_EQ(d.method, method);
                EXPECT_EQ(bool(d.fit), method == "mahalanobis");
                if (d.fit) {
                    EXPECT_EQ(d.fit.get(), run().features[2].get());
                }
            }
}

// Without a split the whole ID set sets the threshold and measures the rate.
TEST_F(DetectorTest, NoSplitUsesTheWholeIdSet)
{
    const Detector d = calibrate("energy", CalibrationTarget::IdTpr, 0.9, 0.0);
    const std::vector<double>& ids = run().scoresOf("energy", idIndex());
    EXPECT_FALSE(d.split);
    EXPECT_EQ(d.threshold, bruteTprThreshold(ids, 0.9));
    EXPECT_EQ(d.calibrationImages, ids.size());
    EXPECT_EQ(d.heldOutImages, 0u);
    EXPECT_EQ(d.idTpr.count, ids.size());
    EXPECT_EQ(d.idTpr.accepted, acceptedAt(ids, d.threshold));
}

// OodFpr: the threshold is thresholdForFpr's on the pooled OOD scores, and accepts at most that share.
TEST_F(DetectorTest, OodFprAndThresholdTargets)
{
    const std::vector<double>& ids = run().scoresOf("mahalanobis", idIndex());
    const std::vector<double>& ood = run().scoresOf("mahalanobis", 1);
    for (const double fpr : {0.0, 0.01, 0.05, 0.2}) {
        SCOPED_TRACE(fpr);
        const Detector d = calibrate("mahalanobis", CalibrationTarget::OodFpr, fpr);
        EXPECT_EQ(d.threshold, bruteFprThreshold(ood, fpr));
        EXPECT_EQ(d.threshold, thresholdForFpr(ood, fpr));
        EXPECT_LE(double(acceptedAt(ood, d.threshold)) / double(ood.size()), fpr);
        EXPECT_EQ(d.oodSets[0].accepted.accepted, acceptedAt(ood, d.threshold));
        // The rate on ID images is still measured on the held-out part.
        const std::vector<bool> mask = bruteMask(ids.size(), idIndex(), 0.5, 0);
        std::vector<double> measuring;
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (!mask[i])
                measuring.push_back(ids[i]);
        EXPECT_EQ(d.idTpr.count, measuring.size());
        EXPECT_EQ(d.idTpr.accepted, acceptedAt(measuring, d.threshold));
    }
    // A threshold given as a number: kept as it is, measured on the whole ID set, no split.
    const double given = brutePercentile(usable(ids), 30);
    const Detector d = calibrate("mahalanobis", CalibrationTarget::Threshold, given);
    EXPECT_EQ(d.threshold, given);
    EXPECT_FALSE(d.split);
    EXPECT_EQ(d.calibrationImages, ids.size());
    EXPECT_EQ(d.idTpr.count, ids.size());
    EXPECT_EQ(d.idTpr.accepted, acceptedAt(ids, given));
    EXPECT_EQ(d.oodSets[0].accepted.accepted, acceptedAt(ood, given));
}

TEST_F(DetectorTest, CalibrationRefusesWhatItCannotDo)
{
    EXPECT_TRUE(contains(errorOf([] { calibrate("msp", CalibrationTarget::IdTpr, 0.95); }), "MSP"));
    EXPECT_TRUE(contains(errorOf([] { calibrate("energy", CalibrationTarget::IdTpr, 0.0); }), "(0, 1]"));
    EXPECT_TRUE(contains(errorOf([] { calibrate("energy", CalibrationTarget::OodFpr, 1.0); }), "[0, 1)"));
    EXPECT_TRUE(contains(errorOf([] { calibrate("energy", CalibrationTarget::IdTpr, 0.95, 1.0); }), "fraction"));
    EXPECT_TRUE(contains(errorOf([] { calibrate("energy", CalibrationTarget::Threshold, kNaN); }), "not a number"));
}

// thresholdForFpr against brute force on random scores with ties and NaNs.
TEST(ThresholdForFpr, MatchesBruteForce)
{
    std::mt19937 rng(11);
    std::normal_distribution<double> z;
    std::uniform_real_distribution<double> u;
    for (int trial = 0; trial < 300; ++trial) {
        const std::size_t n = std::size_t(rng() % 60);
        std::vector<double> s;
        for (std::size_t i = 0; i < n; ++i)
            s.push_back(u(rng) < 0.1 ? kNaN : std::round(z(rng) * 3) / 3);
        const std::size_t m = usable(s).size();
        std::vector<double> fprs{0.0, 1.0, 0.01, 0.05, 0.1, 0.29, 0.5, 0.9, u(rng)};
        for (std::size_t k = 0; k <= m; ++k)
            fprs.push_back(double(k) / double(m));
        for (double fpr : fprs) {
            const double t = thresholdForFpr(s, fpr);
            const double b = bruteFprThreshold(s, fpr);
            ASSERT_TRUE(sameDouble(t, b)) << "trial " << trial << " fpr " << fpr << ": " << t << " vs " << b;
        }
    }
    const std::vector<double> s{1, 2, 2, 3, kNaN};
    EXPECT_EQ(thresholdForFpr(s, 0), std::nextafter(3.0, 4.0)); // accepts none
    EXPECT_EQ(acceptedAt(s, thresholdForFpr(s, 0)), 0u);
    EXPECT_EQ(thresholdForFpr(s, 1), 1.0); // accepts every usable score
    EXPECT_EQ(thresholdForFpr(s, 0.25), 3.0);
    EXPECT_EQ(thresholdForFpr(s, 0.74), 3.0); // 3 of 4 would be 0.75
    EXPECT_EQ(thresholdForFpr(s, 0.75), 2.0);
    EXPECT_TRUE(std::isnan(thresholdForFpr({kNaN, kNaN}, 0.5)));
    EXPECT_TRUE(std::isnan(thresholdForFpr({}, 0.5)));
}

// writeDetector / readDetector keep every field, the doubles bit for bit.
TEST_F(DetectorTest, WriteReadRoundTrip)
{
    for (const std::string method : {"mahalanobis", "energy"}) {
        SCOPED_TRACE(method);
        Detector a = calibrate(method, CalibrationTarget::IdTpr, 0.95, 0.5, 5);
        a.created = "2026-01-02T03:04:05Z";
        a.oodlensVersion = "9.8.7";
        a.classNamesSource = "names.txt";
        const std::string file = path("round-" + method + ".json");
        writeDetector(a, file);
        EXPECT_TRUE(fs::is_regular_file(path("round-" + method + ".bin")));
        const Detector b = readDetector(file);
        EXPECT_EQ(b.oodlensVersion, a.oodlensVersion);
        EXPECT_EQ(b.created, a.created);
        EXPECT_EQ(b.modelPath, a.modelPath);
        EXPECT_EQ(b.modelSha256, a.modelSha256);
        EXPECT_EQ(b.classes, a.classes);
        EXPECT_EQ(b.featureDim, a.featureDim);
        EXPECT_EQ(b.preprocess.resize, a.preprocess.resize);
        EXPECT_EQ(b.preprocess.crop, a.preprocess.crop);
        EXPECT_EQ(b.preprocess.channels, a.preprocess.channels);
        EXPECT_EQ(b.preprocess.height, a.preprocess.height);
        EXPECT_EQ(b.preprocess.width, a.preprocess.width);
        EXPECT_EQ(b.preprocess.mean, a.preprocess.mean);
        EXPECT_EQ(b.preprocess.stddev, a.preprocess.stddev);
        EXPECT_EQ(b.preprocess.presetName, a.preprocess.presetName);
        EXPECT_EQ(b.preprocess.describe(), a.preprocess.describe());
        EXPECT_EQ(b.device, a.device);
        EXPECT_EQ(b.method, a.method);
        EXPECT_EQ(b.params, a.params);
        EXPECT_FALSE(a.params.values().empty());
        EXPECT_EQ(std::memcmp(&b.threshold, &a.threshold, sizeof(double)), 0);
        EXPECT_EQ(b.target, a.target);
        EXPECT_EQ(b.targetValue, a.targetValue);
        EXPECT_EQ(b.idName, a.idName);
        EXPECT_EQ(b.idPath, a.idPath);
        EXPECT_EQ(b.idImages, a.idImages);
        EXPECT_EQ(b.split, a.split);
        EXPECT_EQ(b.splitFraction, a.splitFraction);
        EXPECT_EQ(b.splitSeed, a.splitSeed);
        EXPECT_EQ(b.calibrationImages, a.calibrationImages);
        EXPECT_EQ(b.heldOutImages, a.heldOutImages);
        expectSameRate(b.idTpr, a.idTpr, "idTpr");
        ASSERT_EQ(b.oodSets.size(), a.oodSets.size());
        for (std::size_t k = 0; k < a.oodSets.size(); ++k) {
            EXPECT_EQ(b.oodSets[k].name, a.oodSets[k].name);
            EXPECT_EQ(b.oodSets[k].path, a.oodSets[k].path);
            expectSameRate(b.oodSets[k].accepted, a.oodSets[k].accepted, "ood " + a.oodSets[k].name);
            const BinaryMetrics& x = a.oodSets[k].metrics;
            const BinaryMetrics& y = b.oodSets[k].metrics;
            EXPECT_FALSE(std::isnan(x.auroc));
            EXPECT_TRUE(sameDouble(y.auroc, x.auroc));
            EXPECT_TRUE(sameDouble(y.fpr95_id, x.fpr95_id));
            EXPECT_TRUE(sameDouble(y.aupr_in, x.aupr_in));
            EXPECT_TRUE(sameDouble(y.aupr_out, x.aupr_out));
            EXPECT_TRUE(sameDouble(y.ccr_1e2, x.ccr_1e2));
            EXPECT_TRUE(sameDouble(y.aurc, x.aurc));
        }
        EXPECT_TRUE(sameDouble(b.idAccuracy, a.idAccuracy));
        EXPECT_FALSE(std::isnan(a.idAccuracy));
        EXPECT_EQ(b.classNames, a.classNames);
        EXPECT_EQ(a.classNames.size(), 10u);
        EXPECT_EQ(b.classNamesSource, a.classNamesSource);
        EXPECT_EQ(b.fitName, a.fitName);
        EXPECT_EQ(b.fitPath, a.fitPath);
        ASSERT_EQ(bool(b.fit), bool(a.fit));
        if (a.fit) {
            EXPECT_EQ(b.fit->rows, a.fit->rows);
            EXPECT_EQ(b.fit->dim, a.fit->dim);
            EXPECT_EQ(b.fit->classes, a.fit->classes);
            EXPECT_EQ(b.fit->features, a.fit->features);
            EXPECT_EQ(b.fit->logits, a.fit->logits);
            EXPECT_EQ(b.fit->labels, a.fit->labels);
            EXPECT_EQ(b.fit->index.size(), a.fit->rows);
        }
        ASSERT_EQ(b.calibrationScores.size(), a.calibrationScores.size());
        EXPECT_EQ(std::memcmp(b.calibrationScores.data(), a.calibrationScores.data(),
                              a.calibrationScores.size() * sizeof(double)),
                  0);
        EXPECT_EQ(b.methodLabel(), a.methodLabel());
    }
}

// Seeds are 64-bit (the CLI's --calibration-seed and --seed take 0 ... 2^64 - 1); the detector file
// must give back the seed the split and the intervals were drawn with.
// DISABLED: fails today. Detector.cpp writes the seeds as JSON numbers (doubles) and reads them
// back with static_cast<std::uint64_t>(double) (lines 117 and 485): 2^53 + 1 comes back as 2^53,
// 2^64 - 1 as 0 (the cast of 2^64 is undefined behaviour), and a hostile "seed": -1 or 1e30 is
// taken without a word. Enable once seeds are stored exactly (as text, say) and range-checked.
TEST_F(DetectorTest, LargeSeedsRoundTrip)
{
    for (const std::uint64_t seed : {(std::uint64_t(1) << 53) + 1, std::uint64_t(0xFFFFFFFFFFFFFFFFull)}) {
        SCOPED_TRACE(seed);
        CalibrationRequest q;
        q.method = "energy";
        q.splitSeed = seed;
        q.seed = seed - 1;
        q.resamples = 10;
        const Detector a = calibrateDetector(run(), q);
        const std::string file = path("seed.json");
        writeDetector(a, file);
        const Detector b = readDetector(file);
        EXPECT_EQ(b.splitSeed, a.splitSeed);
        EXPECT_EQ(b.idTpr.seed, a.idTpr.seed);
    }
}

// Damaged and hostile detector files: each is refused with a message naming the file and the problem.
class DetectorFileTest : public DetectorTest {
protected:
    // A fresh copy of a written Mahalanobis detector in its own folder; returns the JSON's path.
    static std::string copy(const std::string& name)
    {
        static bool written = false;
        if (!written) {
            fs::create_directories(path("original"));
            writeDetector(calibrate("mahalanobis", CalibrationTarget::IdTpr, 0.95), path("original/detector.json"));
            written = true;
        }
        fs::create_directories(path(name));
        fs::copy_file(path("original/detector.json"), path(name + "/detector.json"));
        fs::copy_file(path("original/detector.bin"), path(name + "/detector.bin"));
        return path(name + "/detector.json");
    }
    static Json jsonOf(const std::string& file) { return Json::parse(test::readFile(file)); }
    static void writeJson(const std::string& file, const Json& j) { ASSERT_TRUE(test::writeFile(file, j.dump())); }
    // A copy whose JSON has `edit` applied.
    static std::string edited(const std::string& name, const std::function<void(Json&)>& edit)
    {
        const std::string file = copy(name);
        Json j = jsonOf(file);
        edit(j);
        writeJson(file, j);
        return file;
    }
    static Json with(const Json& object, const std::string& key, Json value)
    {
        Json o = object;
        o.set(key, std::move(value));
        return o;
    }
    // Asserts that readDetector refuses `file` with a message holding every one of `parts`.
    static void expectRefused(const std::string& file, const std::vector<std::string>& parts)
    {
        const std::string msg = errorOf([&] { readDetector(file); });
        ASSERT_FALSE(msg.empty()) << file << " was accepted";
        for (const std::string& p : parts)
            EXPECT_TRUE(contains(msg, p)) << "'" << p << "' not in: " << msg;
    }
};

TEST_F(DetectorFileTest, TheGoodCopyReads)
{
    const Detector d = readDetector(copy("good"));
    ASSERT_TRUE(d.fit);
    EXPECT_EQ(d.fit->rows, 5000u);
}

TEST_F(DetectorFileTest, DamagedSideFiles)
{
    {
        const std::string file = copy("truncated");
        const std::string side = path("truncated/detector.bin");
        std::string bytes = test::readFile(side);
        bytes.resize(bytes.size() - 5);
        ASSERT_TRUE(test::writeFile(side, bytes));
        expectRefused(file, {side, file, "truncated"});
    }
    {
        const std::string file = copy("longer");
        const std::string side = path("longer/detector.bin");
        ASSERT_TRUE(test::writeFile(side, test::readFile(side) + "x"));
        expectRefused(file, {side, file, "bytes"});
    }
    {
        const std::string file = copy("flipped");
        const std::string side = path("flipped/detector.bin");
        std::string bytes = test::readFile(side);
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
        ASSERT_TRUE(test::writeFile(side, bytes));
        expectRefused(file, {side, file, "SHA-256"});
    }
    {
        const std::string file = copy("magic");
        const std::string side = path("magic/detector.bin");
        std::string bytes = test::readFile(side);
        bytes[0] = 'X';
        ASSERT_TRUE(test::writeFile(side, bytes));
        expectRefused(file, {side, "not an OOD Lens detector side file"});
    }
    {
        const std::string file = copy("missing");
        fs::remove(path("missing/detector.bin"));
        expectRefused(file, {path("missing/detector.bin"), "No such file"});
    }
    // A side file named outside the detector's folder.
    expectRefused(
        edited("escape",
               [](Json& j) { j.set("side_file", with(j.get("side_file"), "file", "../original/detector.bin")); }),
        {path("escape/detector.json"), "side_file.file"});
}

TEST_F(DetectorFileTest, NotADetector)
{
    const std::string other = path("other.json");
    ASSERT_TRUE(test::writeFile(other, "{\"hello\": 1}"));
    expectRefused(other, {other, "not an OOD Lens detector"});
    ASSERT_TRUE(test::writeFile(other, "[1, 2, 3]"));
    expectRefused(other, {other, "not an OOD Lens detector"});
    const std::string sidecar = demoDirectory() + "/mnist_cnn.json"; // JSON, but a model's sidecar
    expectRefused(sidecar, {sidecar, "not an OOD Lens detector"});
    ASSERT_TRUE(test::writeFile(other, "{\"format\": \"oodlens-detector\", "));
    expectRefused(other, {other});
    const std::string empty = path("empty.json");
    ASSERT_TRUE(test::writeFile(empty, ""));
    expectRefused(empty, {empty});
    fs::create_directories(path("folder.json"));
    expectRefused(path("folder.json"), {path("folder.json"), "folder"});
    expectRefused(path("absent.json"), {path("absent.json"), "No such file"});
}

TEST_F(DetectorFileTest, NewerVersionAndWrongTypes)
{
    std::string f = edited("v2", [](Json& j) { j.set("version", 2); });
    expectRefused(f, {f, "\"version\"", "is 2", "reads version 1"});
    f = edited("threshold", [](Json& j) { j.set("threshold", "high"); });
    expectRefused(f, {f, "\"threshold\"", "not a number"});
    f = edited("classes", [](Json& j) { j.set("model", with(j.get("model"), "classes", "ten")); });
    expectRefused(f, {f, "\"model.classes\"", "not a number"});
    f = edited("names", [](Json& j) {
        Json names = Json::array();
        names.push(1);
        j.set("class_names", names);
    });
    expectRefused(f, {f, "\"class_names\"", "text"});
    f = edited("target", [](Json& j) { j.set("calibration", with(j.get("calibration"), "target", "best")); });
    expectRefused(f, {f, "\"calibration.target\"", "best"});
    f = edited("method", [](Json& j) { j.set("method", with(j.get("method"), "id", "nosuch")); });
    expectRefused(f, {f, "\"method.id\"", "nosuch"});
    f = edited("param", [](Json& j) {
        Json m = j.get("method");
        m.set("params", with(m.get("params"), "flip", "yes"));
        j.set("method", m);
    });
    expectRefused(f, {f, "\"method.params.flip\"", "not a number"});
    f = edited("sections", [](Json& j) { j.set("side_file", with(j.get("side_file"), "sections", "all")); });
    expectRefused(f, {f, "\"side_file.sections\"", "list"});
    f = edited("nomodel", [](Json& j) { j.set("model", 3); });
    expectRefused(f, {f, "\"model\"", "object"});
    f = edited("v15", [](Json& j) { j.set("version", 1.5); });
    expectRefused(f, {f, "\"version\"", "is 1.5"});
    f = edited("kind", [](Json& j) {
        Json cal = j.get("calibration");
        cal.set("split", with(cal.get("split"), "kind", "bogus"));
        j.set("calibration", cal);
    });
    expectRefused(f, {f, "\"calibration.split.kind\"", "bogus"});
    f = edited("ci", [](Json& j) {
        Json cal = j.get("calibration");
        Json ci = Json::array();
        ci.push("a");
        ci.push("b");
        cal.set("id_tpr", with(cal.get("id_tpr"), "ci95", ci));
        j.set("calibration", cal);
    });
    expectRefused(f, {f, "\"calibration.id_tpr.ci95\"", "two numbers"});
    f = edited("fewnames", [](Json& j) {
        Json names = Json::array();
        names.push("zero");
        names.push("one");
        j.set("class_names", names);
    });
    expectRefused(f, {f, "\"class_names\"", "2 names", "10 classes"});
    // The calibration scores listed as two halves: the sizes add up and the hash matches, but a
    // section named twice is refused (the second would overwrite the first).
    f = edited("twice", [](Json& j) {
        Json side = j.get("side_file");
        Json sections = Json::array();
        for (const Json& sec : side.get("sections").items()) {
            if (sec.get("name").string() == "calibration_scores") {
                const double half = sec.get("count").number() / 2;
                sections.push(with(sec, "count", half));
                sections.push(with(sec, "count", half));
            } else {
                sections.push(sec);
            }
        }
        j.set("side_file", with(side, "sections", sections));
    });
    expectRefused(f, {f, "\"side_file.sections\"", "calibration_scores", "twice"});
    // Twenty million empty arrays fit in 64 MiB; the value budget refuses them at once.
    {
        const std::string file = copy("manyvalues");
        std::string text = test::readFile(file);
        std::string junk = "\"junk\": [";
        for (int i = 0; i < 2000000; ++i)
            junk += "[],";
        junk += "[]], ";
        text.insert(text.find('{') + 1, junk);
        ASSERT_TRUE(test::writeFile(file, text));
        expectRefused(file, {file, "values"});
    }
    // Seeds: whole numbers up to 2^53, or digits as text up to 2^64 - 1; nothing else.
    auto withSplitSeed = [](Json seed) {
        return [seed](Json& j) {
            Json cal = j.get("calibration");
            cal.set("split", with(cal.get("split"), "seed", seed));
            j.set("calibration", cal);
        };
    };
    for (const auto& [name, seed] : std::vector<std::pair<std::string, Json>>{
             {"seedneg", Json(-1)}, {"seedhuge", Json(1e30)}, {"seedfrac", Json(2.5)},
             {"seedtext", Json("12x")}, {"seedover", Json("18446744073709551616")}}) {
        f = edited(name, withSplitSeed(seed));
        expectRefused(f, {f, "\"calibration.split.seed\"", "whole number"});
    }
    f = edited("seedmax", withSplitSeed(Json("18446744073709551615")));
    EXPECT_EQ(readDetector(f).splitSeed, 0xFFFFFFFFFFFFFFFFull);
    // Targets and fractions out of range.
    f = edited("tpr2", [](Json& j) { j.set("calibration", with(j.get("calibration"), "value", 2.0)); });
    expectRefused(f, {f, "\"calibration.value\"", "out of range"});
    f = edited("fraction1", [](Json& j) {
        Json cal = j.get("calibration");
        cal.set("split", with(cal.get("split"), "fraction", 1.0));
        j.set("calibration", cal);
    });
    expectRefused(f, {f, "\"calibration.split.fraction\""});
}

// Sizes and counts a hostile file claims are refused before anything is allocated by them.
TEST_F(DetectorFileTest, HugeClaimsAreRefusedBeforeAllocating)
{
    const auto quick = [&](const std::string& file, const std::vector<std::string>& parts) {
        const auto start = std::chrono::steady_clock::now();
        const long grown = test::peakGrowthKb([&] { expectRefused(file, parts); });
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << file;
        if (grown >= 0) {
            EXPECT_LT(grown, 16 * 1024) << file << ": the peak grew by " << grown << " kB";
        }
    };
    // A fit set of 2^40 floats, the byte count made consistent with it: the file is far smaller.
    std::string f = edited("hugefit", [](Json& j) {
        Json side = j.get("side_file");
        Json sections = Json::array();
        double bytes = 8;
        for (const Json& s : side.get("sections").items()) {
            Json o = s;
            if (s.get("name").string() == "fit_features")
                o.set("count", 1099511627776.0);
            bytes += o.get("count").number() * (o.get("type").string() == "f64" ? 8 : 4);
            sections.push(o);
        }
        side.set("sections", sections);
        side.set("bytes", bytes);
        j.set("side_file", side);
    });
    quick(f, {f, path("hugefit/detector.bin"), "truncated"});
    // The same claim with the byte count left as it was.
    f = edited("hugecount", [](Json& j) {
        Json side = j.get("side_file");
        Json sections = Json::array();
        for (const Json& s : side.get("sections").items())
            sections.push(s.get("name").string() == "calibration_scores" ? with(s, "count", 1e15) : s);
        side.set("sections", sections);
        j.set("side_file", side);
    });
    quick(f, {f, "side_file.sections.count"});
    f = edited("hugebytes", [](Json& j) { j.set("side_file", with(j.get("side_file"), "bytes", 1e30)); });
    quick(f, {f, "\"side_file.bytes\"", "whole number"});
    f = edited("hugedim", [](Json& j) { j.set("model", with(j.get("model"), "feature_dim", 1e12)); });
    quick(f, {f, "\"model.feature_dim\"", "whole number"});
    f = edited("hugeclasses", [](Json& j) { j.set("model", with(j.get("model"), "classes", 4e9)); });
    quick(f, {f, "\"model.classes\"", "whole number"});
    f = edited("hugeimages", [](Json& j) {
        Json cal = j.get("calibration");
        cal.set("id_set", with(cal.get("id_set"), "images", 1e300));
        j.set("calibration", cal);
    });
    quick(f, {f, "\"calibration.id_set.images\"", "whole number"});
    f = edited("negative", [](Json& j) {
        Json cal = j.get("calibration");
        cal.set("id_tpr", with(cal.get("id_tpr"), "count", -1));
        j.set("calibration", cal);
    });
    quick(f, {f, "\"calibration.id_tpr.count\"", "whole number"});
    // A fit set whose shapes do not match the model's (a consistent, hashed side file of other shapes).
    {
        Detector d = calibrate("mahalanobis", CalibrationTarget::IdTpr, 0.95);
        auto fit = std::make_shared<FeatureSet>(*d.fit);
        fit->features.pop_back();
        d.fit = fit;
        fs::create_directories(path("shapes"));
        writeDetector(d, path("shapes/detector.json"));
        quick(path("shapes/detector.json"), {path("shapes/detector.json"), "shapes"});
    }
}

// Applies `d` to the two 256-image IDX files, collecting every decision.
struct Applied {
    ApplySummary summary;
    std::vector<ApplyDecision> decisions;
};

class ApplyTest : public DetectorTest {
protected:
    static Applied apply(const Detector& d, const std::vector<std::string>& sources, ApplyOptions o = {})
    {
        Applied a;
        o.sources = sources;
        o.blockImages = 128;
        a.summary = applyDetector(d, o, [&](const ApplyDecision& x) { a.decisions.push_back(x); });
        return a;
    }
};

// Decisions on IDX files of the run's own images: their scores are the run's (Energy: its
// definition on the run's logits), flagged exactly when not score >= threshold, in dataset order.
TEST_F(ApplyTest, DecisionsMatchBruteForce)
{
    for (const std::string method : {"energy", "mahalanobis"}) {
        SCOPED_TRACE(method);
        const Detector d = calibrate(method, CalibrationTarget::IdTpr, 0.95);
        const Applied a = apply(d, {idSubset(), oodSubset()});
        ASSERT_EQ(a.decisions.size(), 2 * kApplyImages);
        EXPECT_FALSE(a.summary.modelMismatch);
        EXPECT_EQ(a.summary.modelSha256, sha256File(modelPath()));
        EXPECT_EQ(a.summary.threshold, d.threshold);
        const double T = method == "energy" ? d.params.get("T") : 0.0;
        if (method == "energy" && d.params.values().count("flip")) {
            ASSERT_EQ(d.params.get("flip"), 0.0);
        }
        std::size_t flagged[2] = {0, 0};
        for (std::size_t k = 0; k < a.decisions.size(); ++k) {
            const ApplyDecision& x = a.decisions[k];
            const std::size_t source = k / kApplyImages, item = k % kApplyImages;
            ASSERT_EQ(x.source, source);
            ASSERT_EQ(x.path, (source ? oodSubset() : idSubset()) + "#" + std::to_string(item));
            ASSERT_TRUE(x.readable);
            const FeatureSet& set = *run().features[source]; // dataset 0 = ID, 1 = OOD
            const double reference = run().scoresOf(method, source)[item];
            if (method == "energy") {
                EXPECT_NEAR(x.score, energyOf(set.logitRow(item), set.classes, T), 1e-5 * (1 + std::fabs(x.score)));
            }
            EXPECT_NEAR(x.score, reference, 1e-5 * (1 + std::fabs(reference))) << k;
            EXPECT_EQ(x.flagged, !(x.score >= d.threshold)) << k;
            // Away from the threshold, the run's score gives the same decision.
            if (std::fabs(reference - d.threshold) > 1e-4 * (1 + std::fabs(d.threshold))) {
                EXPECT_EQ(x.flagged, reference < d.threshold) << k;
            }
            EXPECT_EQ(x.margin, x.score - d.threshold);
            EXPECT_EQ(x.predicted, set.prediction(item)) << k;
            EXPECT_EQ(x.className, d.classNames[std::size_t(x.predicted)]);
            EXPECT_EQ(a.summary.sources[source].scores.at(item), x.score);
            flagged[source] += x.flagged;
        }
        ASSERT_EQ(a.summary.sources.size(), 2u);
        for (std::size_t s = 0; s < 2; ++s) {
            const ApplySource& src = a.summary.sources[s];
            EXPECT_EQ(src.kind, "idx");
            EXPECT_EQ(src.items, kApplyImages);
            EXPECT_EQ(src.scored, kApplyImages);
            EXPECT_EQ(src.flagged, flagged[s]);
            EXPECT_EQ(src.unreadable, 0u);
            EXPECT_EQ(src.nan, 0u);
            EXPECT_EQ(src.fromCache, 0u);
            EXPECT_TRUE(src.error.empty());
        }
        EXPECT_EQ(a.summary.scored, 2 * kApplyImages);
        EXPECT_EQ(a.summary.flagged, flagged[0] + flagged[1]);
        EXPECT_EQ(allScores(a.summary).size(), 2 * kApplyImages);
        // The detector keeps most ID images and flags most Fashion-MNIST ones.
        EXPECT_GT(flagged[1], flagged[0]);
    }
}

// A second apply with the same cache folder reads every block from it and gives the same scores.
TEST_F(ApplyTest, SecondApplyReadsTheCache)
{
    const Detector d = calibrate("energy", CalibrationTarget::IdTpr, 0.95);
    test::TempDir cache;
    ApplyOptions o;
    o.cacheDir = cache.path();
    const Applied first = apply(d, {idSubset(), oodSubset()}, o);
    const Applied second = apply(d, {idSubset(), oodSubset()}, o);
    for (std::size_t s = 0; s < 2; ++s) {
        EXPECT_EQ(first.summary.sources[s].fromCache, 0u);
        EXPECT_EQ(second.summary.sources[s].fromCache, 2u); // 256 images in blocks of 128
    }
    ASSERT_EQ(allScores(second.summary).size(), allScores(first.summary).size());
    for (std::size_t k = 0; k < allScores(first.summary).size(); ++k)
        ASSERT_EQ(std::memcmp(&allScores(second.summary)[k], &allScores(first.summary)[k], sizeof(double)), 0) << k;
    EXPECT_EQ(second.summary.flagged, first.summary.flagged);
}

// Another model's hash is refused naming both hashes, unless the mismatch is allowed.
TEST_F(ApplyTest, ModelMismatch)
{
    Detector d = calibrate("energy", CalibrationTarget::IdTpr, 0.95);
    const Applied good = apply(d, {idSubset()});
    const std::string real = sha256File(modelPath());
    d.modelSha256 = std::string(64, 'a');
    const std::string msg = errorOf([&] { apply(d, {idSubset()}); });
    EXPECT_TRUE(contains(msg, real)) << msg;
    EXPECT_TRUE(contains(msg, d.modelSha256)) << msg;
    EXPECT_TRUE(contains(msg, "--allow-model-mismatch")) << msg;
    ApplyOptions o;
    o.allowModelMismatch = true;
    const Applied anyway = apply(d, {idSubset()}, o);
    EXPECT_TRUE(anyway.summary.modelMismatch);
    EXPECT_EQ(anyway.summary.modelSha256, real);
    EXPECT_EQ(allScores(anyway.summary), allScores(good.summary));
    bool warned = false;
    for (const std::string& w : anyway.summary.warnings)
        warned = warned || (contains(w, real) && contains(w, d.modelSha256));
    EXPECT_TRUE(warned);
}

// A source that cannot be opened is reported in its ApplySource; the others are still scored.
TEST_F(ApplyTest, UnopenableSourceIsReported)
{
    const Detector d = calibrate("energy", CalibrationTarget::IdTpr, 0.95);
    const std::string missing = path("missing-images.idx");
    const std::string garbage = path("garbage.idx");
    ASSERT_TRUE(test::writeFile(garbage, "not an idx file at all"));
    const Applied a = apply(d, {missing, idSubset(), garbage});
    ASSERT_EQ(a.summary.sources.size(), 3u);
    EXPECT_TRUE(contains(a.summary.sources[0].error, missing)) << a.summary.sources[0].error;
    EXPECT_TRUE(contains(a.summary.sources[2].error, garbage)) << a.summary.sources[2].error;
    EXPECT_TRUE(a.summary.sources[1].error.empty());
    EXPECT_EQ(a.summary.sources[0].scored, 0u);
    EXPECT_EQ(a.summary.sources[1].scored, kApplyImages);
    EXPECT_EQ(a.summary.scored, kApplyImages);
    ASSERT_EQ(a.decisions.size(), kApplyImages);
    for (const ApplyDecision& x : a.decisions)
        EXPECT_EQ(x.source, 1u);
    const std::string none = errorOf([&] { apply(d, {missing, garbage}); });
    EXPECT_TRUE(contains(none, missing)) << none;
}

// A block in which no image decodes: every image is a decision "unreadable" with its own reason,
// and the images of the other sources are still scored.
TEST_F(ApplyTest, UnreadableImagesKeepTheirOwnReasons)
{
    const Detector d = calibrate("energy", CalibrationTarget::IdTpr, 0.95);
    const std::string junk = path("junk-images");
    std::filesystem::create_directories(junk);
    for (const char* name : {"a.png", "b.png", "c.jpg"})
        ASSERT_TRUE(test::writeFile(junk + "/" + name, std::string("not an image: ") + name));
    const Applied a = apply(d, {junk, idSubset()});
    ASSERT_EQ(a.decisions.size(), 3 + kApplyImages);
    EXPECT_EQ(a.summary.sources[0].unreadable, 3u);
    EXPECT_EQ(a.summary.sources[1].scored, kApplyImages);
    for (std::size_t i = 0; i < 3; ++i) {
        const ApplyDecision& x = a.decisions[i];
        EXPECT_FALSE(x.readable);
        // Its own file in its own reason, not the block's first.
        EXPECT_TRUE(contains(x.reason, x.path)) << x.path << ": " << x.reason;
    }
    EXPECT_NE(a.decisions[0].reason, a.decisions[1].reason);
}

// A model failure is not an unreadable image: it stops the apply with the model's message.
TEST_F(ApplyTest, AModelFailureStopsTheApply)
{
    Detector d = calibrate("energy", CalibrationTarget::IdTpr, 0.95);
    // The demo CNN takes 1 x 28 x 28; a detector that asks for 3 x 40 x 40 makes every forward fail.
    d.preprocess.channels = 3;
    d.preprocess.height = d.preprocess.width = 40;
    d.preprocess.resize = 40;
    d.preprocess.crop = 40;
    d.preprocess.mean = {0, 0, 0};
    d.preprocess.stddev = {1, 1, 1};
    const std::string msg = errorOf([&] { apply(d, {idSubset()}); });
    EXPECT_FALSE(msg.empty()) << "a failing model was reported as unreadable images";
    EXPECT_FALSE(contains(msg, "no readable image")) << msg;
}

// The seeded split is the seed's alone: the same whatever the ID set's place among the datasets.
TEST_F(DetectorTest, SplitDoesNotDependOnTheOrderOfTheDatasets)
{
    RunConfig c = demoConfig();
    const std::string demo = demoDirectory();
    c.datasets = {{"fashion-val", demo + "/fashion-mnist-val-1000-images-idx3-ubyte.gz", DatasetRole::Ood},
                  {"id", demo + "/mnist-test-2000-images-idx3-ubyte.gz", DatasetRole::Id}};
    c.methods = {"energy"};
    const RunResultPtr reordered = runOnce(c);
    ASSERT_EQ(reordered->idIndex, 1);
    CalibrationRequest q;
    q.method = "energy";
    q.resamples = 20;
    q.splitSeed = 5;
    const Detector a = calibrateDetector(run(), q), b = calibrateDetector(*reordered, q);
    EXPECT_EQ(a.threshold, b.threshold);
    EXPECT_EQ(a.calibrationScores, b.calibrationScores);
    EXPECT_EQ(a.idTpr.accepted, b.idTpr.accepted);
}

TEST(DecisionsCsv, QuotesPathsAndRoundTripsNumbers)
{
    ApplyDecision d;
    d.source = 1;
    d.path = "/data/a,b \"x\".png";
    d.score = 0.1 + 0.2;
    d.flagged = false;
    d.predicted = 3;
    d.className = "three, or so";
    d.margin = -1.0 / 3.0;
    const std::string row = decisionsCsvRow(d);
    EXPECT_TRUE(test::startsWith(row, "\"/data/a,b \"\"x\"\".png\",1,")) << row;
    EXPECT_TRUE(test::endsWith(row, "\n"));
    const std::vector<std::string> header = csvFields(test::trimmed(decisionsCsvHeader()));
    EXPECT_EQ(header, (std::vector<std::string>{"path", "set", "score", "decision", "predicted_class", "predicted_name",
                                                "margin"}));
    const std::vector<std::string> f = csvFields(row);
    ASSERT_EQ(f.size(), header.size()) << row;
    EXPECT_EQ(f[0], d.path);
    EXPECT_EQ(f[1], "1");
    EXPECT_EQ(std::strtod(f[2].c_str(), nullptr), d.score);
    EXPECT_EQ(f[3], "accepted");
    EXPECT_EQ(f[4], "3");
    EXPECT_EQ(f[5], d.className);
    EXPECT_EQ(std::strtod(f[6].c_str(), nullptr), d.margin);
    d.flagged = true;
    EXPECT_EQ(csvFields(decisionsCsvRow(d))[3], "flagged");
    ApplyDecision bad;
    bad.path = "plain.png";
    bad.readable = false;
    bad.reason = "not an image";
    const std::vector<std::string> u = csvFields(decisionsCsvRow(bad));
    ASSERT_EQ(u.size(), header.size());
    EXPECT_EQ(u[0], "plain.png");
    EXPECT_EQ(u[3], "unreadable");
    EXPECT_TRUE(u[2].empty());
}

// --- metrics/Deployment.h ---------------------------------------------------------------------

namespace {

struct IdSample {
    std::vector<double> scores;
    Correctness correct;
};

// Scores with ties (rounded) and NaNs, correctness with unknowns.
IdSample randomId(std::mt19937& rng, std::size_t n)
{
    std::normal_distribution<double> z;
    std::uniform_real_distribution<double> u;
    IdSample s;
    for (std::size_t i = 0; i < n; ++i) {
        const double score = std::round(z(rng) * 4) / 4;
        s.scores.push_back(u(rng) < 0.05 ? kNaN : score);
        const double r = u(rng);
        // Misclassified images lean towards low scores, as with a real classifier.
        s.correct.push_back(r < 0.05 ? -1 : (u(rng) < 0.3 - 0.1 * score ? 0 : 1));
    }
    return s;
}

// OpenOOD v1.5 ccr_fpr, from the header's words.
double bruteCcr(const IdSample& id, const std::vector<double>& oodScores, double fpr)
{
    std::vector<double> ood = usable(oodScores);
    std::size_t ids = 0, hits = 0;
    for (std::size_t i = 0; i < id.scores.size(); ++i)
        ids += id.correct[i] >= 0 && !std::isnan(id.scores[i]);
    if (ood.empty() || ids == 0)
        return kNaN;
    std::sort(ood.begin(), ood.end());
    const std::size_t k = std::max<std::size_t>(1, std::size_t(std::ceil(fpr * double(ood.size()))));
    const double t = ood[ood.size() - std::min(k, ood.size())];
    for (std::size_t i = 0; i < id.scores.size(); ++i)
        hits += id.correct[i] == 1 && id.scores[i] > t;
    return double(hits) / double(ids);
}

} // namespace

TEST(Deployment, CcrAtFprMatchesOpenOodDefinition)
{
    EXPECT_EQ(ccrFprs(), (std::vector<double>{1e-4, 1e-3, 1e-2, 1e-1}));
    std::mt19937 rng(5);
    std::normal_distribution<double> z;
    for (int trial = 0; trial < 200; ++trial) {
        const IdSample id = randomId(rng, 1 + rng() % 80);
        std::vector<double> ood;
        const std::size_t n = rng() % 120;
        for (std::size_t j = 0; j < n; ++j)
            ood.push_back(rng() % 20 == 0 ? kNaN : std::round((z(rng) - 1) * 4) / 4);
        std::vector<double> fprs = ccrFprs();
        fprs.insert(fprs.end(), {0.0, 0.05, 0.5, 1.0});
        for (double fpr : fprs)
            ASSERT_TRUE(sameDouble(ccrAtFpr(id.scores, id.correct, ood, fpr), bruteCcr(id, ood, fpr)))
                << "trial " << trial << " fpr " << fpr;
    }
    // Hand-checked: OOD {0, 1, 2, 3}, fpr 0.25 -> k = 1, t = 3; ID above 3 and correct: 1 of 3.
    EXPECT_DOUBLE_EQ(ccrAtFpr({4, 3, 5}, {1, 1, 0}, {0, 1, 2, 3}, 0.25), 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(ccrAtFpr({4, 3, 5}, {1, 1, 0}, {0, 1, 2, 3}, 0.5), 2.0 / 3.0); // k = 2, t = 2
    EXPECT_TRUE(std::isnan(ccrAtFpr({1, 2}, {1, 1}, {kNaN}, 0.1)));
    EXPECT_TRUE(std::isnan(ccrAtFpr({1, 2}, {-1, -1}, {0.5}, 0.1)));
}

TEST(Deployment, RiskCoverageAndAurcMatchBruteForce)
{
    std::mt19937 rng(9);
    for (int trial = 0; trial < 200; ++trial) {
        const IdSample id = randomId(rng, rng() % 70);
        std::vector<double> s;
        std::vector<bool> wrong;
        for (std::size_t i = 0; i < id.scores.size(); ++i)
            if (id.correct[i] >= 0 && !std::isnan(id.scores[i])) {
                s.push_back(id.scores[i]);
                wrong.push_back(id.correct[i] == 0);
            }
        std::vector<double> distinct = s;
        std::sort(distinct.begin(), distinct.end(), std::greater<double>());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        const RiskCoverage c = riskCoverageCurve(id.scores, id.correct);
        ASSERT_EQ(c.threshold, distinct) << trial;
        ASSERT_EQ(c.coverage.size(), distinct.size());
        ASSERT_EQ(c.risk.size(), distinct.size());
        double area = 0, previous = 0;
        for (std::size_t j = 0; j < distinct.size(); ++j) {
            std::size_t taken = 0, bad = 0;
            for (std::size_t i = 0; i < s.size(); ++i)
                if (s[i] >= distinct[j]) {
                    ++taken;
                    bad += wrong[i];
                }
            ASSERT_EQ(c.coverage[j], double(taken) / double(s.size()));
            ASSERT_EQ(c.risk[j], double(bad) / double(taken));
            area += c.risk[j] * (c.coverage[j] - previous);
            previous = c.coverage[j];
        }
        if (!distinct.empty()) {
            ASSERT_EQ(c.coverage.back(), 1.0);
        }
        const double a = aurc(id.scores, id.correct);
        if (s.empty())
            ASSERT_TRUE(std::isnan(a));
        else
            ASSERT_NEAR(a, area, 1e-12) << trial;
    }
    // Without ties, AURC is the mean over k of the risk of the k most confident images.
    std::vector<double> s;
    Correctness correct;
    std::uniform_real_distribution<double> u;
    for (int i = 0; i < 300; ++i) {
        s.push_back(u(rng));
        correct.push_back(u(rng) < s.back() ? 1 : 0);
    }
    std::vector<std::size_t> order(s.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
    double mean = 0;
    std::size_t bad = 0;
    for (std::size_t k = 1; k <= order.size(); ++k) {
        bad += correct[order[k - 1]] == 0;
        mean += double(bad) / double(k);
    }
    mean /= double(order.size());
    EXPECT_NEAR(aurc(s, correct), mean, 1e-12);
    EXPECT_TRUE(std::isnan(aurc({kNaN, 1.0}, {1, -1})));
}

TEST(Deployment, AcceptedRateIsTheCountAndTheSeededBootstrap)
{
    std::mt19937 rng(21);
    std::normal_distribution<double> z;
    for (int trial = 0; trial < 30; ++trial) {
        std::vector<double> s;
        const std::size_t n = 1 + rng() % 200;
        for (std::size_t i = 0; i < n; ++i)
            s.push_back(rng() % 10 == 0 ? kNaN : std::round(z(rng) * 3) / 3);
        const double threshold = std::round(z(rng) * 3) / 3; // often equal to some scores
        const int resamples = trial % 3 == 0 ? 0 : 1 + int(rng() % 300);
        const std::uint64_t seed = rng();
        const RateInterval r = acceptedRate(s, threshold, resamples, seed);
        std::vector<unsigned char> accepted;
        for (double v : s)
            if (!std::isnan(v))
                accepted.push_back(v >= threshold);
        ASSERT_EQ(r.count, accepted.size());
        if (accepted.empty()) {
            EXPECT_TRUE(std::isnan(r.estimate));
            continue;
        }
        const std::size_t hits = std::size_t(std::count(accepted.begin(), accepted.end(), 1));
        ASSERT_EQ(r.accepted, hits);
        ASSERT_EQ(r.estimate, double(hits) / double(accepted.size()));
        EXPECT_EQ(r.resamples, resamples);
        EXPECT_EQ(r.seed, seed);
        if (resamples == 0) {
            EXPECT_EQ(r.low, r.estimate);
            EXPECT_EQ(r.high, r.estimate);
            continue;
        }
        Mix m{seed};
        std::vector<double> rates;
        for (int b = 0; b < resamples; ++b) {
            std::size_t h = 0;
            for (std::size_t i = 0; i < accepted.size(); ++i)
                h += accepted[m.index(accepted.size())];
            rates.push_back(double(h) / double(accepted.size()));
        }
        EXPECT_NEAR(r.low, brutePercentile(rates, 2.5), 1e-12) << trial;
        EXPECT_NEAR(r.high, brutePercentile(rates, 97.5), 1e-12) << trial;
        EXPECT_LE(r.low, r.high);
    }
    const RateInterval none = acceptedRate({kNaN}, 0, 10, 1);
    EXPECT_EQ(none.count, 0u);
    EXPECT_TRUE(std::isnan(none.estimate));
}

TEST(Deployment, LinearPercentileIsNumpys)
{
    EXPECT_EQ(linearPercentile({1, 2, 3, 4}, 50), 2.5);
    EXPECT_EQ(linearPercentile({1, 2, 3, 4}, 0), 1.0);
    EXPECT_EQ(linearPercentile({1, 2, 3, 4}, 100), 4.0);
    EXPECT_DOUBLE_EQ(linearPercentile({0, 10}, 2.5), 0.25);
    EXPECT_DOUBLE_EQ(linearPercentile({1, 2, 3, 4, 5}, 97.5), 4.9); // numpy: 4.9
    EXPECT_EQ(linearPercentile({7}, 37), 7.0);
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(-5, 5);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<double> v(1 + rng() % 50);
        for (double& x : v)
            x = std::round(u(rng) * 2) / 2;
        std::sort(v.begin(), v.end());
        for (double q : {0.0, 2.5, 25.0, 50.0, 97.5, 100.0, u(rng) * 10 + 50})
            ASSERT_NEAR(linearPercentile(v, q), brutePercentile(v, q), 1e-12) << trial << " q " << q;
    }
}

TEST(Deployment, CorrectnessComparesPredictionsWithLabels)
{
    FeatureSet set;
    set.rows = 4;
    set.classes = 3;
    set.dim = 1;
    set.features = {0, 0, 0, 0};
    set.logits = {1, 5, 2, /**/ 9, 0, 0, /**/ 0, 0, 1, /**/ 3, 2, 1};
    set.labels = {1, 2, -1, 7}; // right, wrong, unknown, a label outside the model: wrong
    EXPECT_EQ(correctness(set), (Correctness{1, 0, -1, 0}));
}
