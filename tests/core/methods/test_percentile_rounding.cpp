// SPDX-License-Identifier: GPL-3.0-or-later
// ASH-S and SCALE keep k = D - round(D p / 100) activations, rounded as their reference code does
// (OpenOOD: `n - int(np.round(n * percentile / 100.0))`, numpy's round half to even). At a tie
// (D p / 100 = x.5) rounding half away from zero keeps one activation fewer, and the scores differed
// by 13 %. The reference here is numpy, run by /usr/bin/python3.
#include "common/Runtime.h"
#include "methods/Registry.h"
#include "methods/Scores.h"

#include "RunProcess.h"
#include "TestSupport.h"

#include <cmath>
#include <random>
#include <sstream>

using namespace oodlens;
using namespace oodlens::test;

namespace {

constexpr int kDim = 10;
constexpr int kClasses = 3;

// numpy's ASH-S and SCALE energies for every p on argv, one line of scores per (method, p); the
// half-away variant of ASH is printed too, to show that the ties tell the roundings apart.
const char* const kReference = R"(
import sys
import numpy as np
def load(name, shape):
    return np.array([float(v) for v in open(name).read().split()], dtype=np.float32).astype(np.float64).reshape(shape)
H = load(sys.argv[1], (-1, 10)); W = load(sys.argv[2], (3, 10)); b = load(sys.argv[3], (3,))
def energy(x):
    z = x @ W.T + b
    m = z.max(1)
    return m + np.log(np.exp(z - m[:, None]).sum(1))
def top(x, k):
    out = np.zeros_like(x)
    idx = np.argsort(-x, axis=1)[:, :k]
    np.put_along_axis(out, idx, np.take_along_axis(x, idx, 1), 1)
    return out
n = H.shape[1]
for p in [float(v) for v in sys.argv[4:]]:
    for rounding in ("even", "away"):
        r = int(np.round(n * p / 100.0)) if rounding == "even" else int(np.floor(n * p / 100.0 + 0.5))
        k = max(1, n - r)
        s1 = H.sum(1)
        pruned = top(H, k)
        s2 = pruned.sum(1)
        ash = energy(pruned * np.exp(s1 / s2)[:, None])
        scale = energy(H * np.exp(s1 / s2)[:, None])
        print(rounding, p, " ".join(repr(v) for v in ash), "|", " ".join(repr(v) for v in scale))
)";

std::string numbers(const std::vector<float>& v)
{
    std::ostringstream out;
    out.precision(9);
    for (float x : v)
        out << x << "\n";
    return out.str();
}

} // namespace

TEST(PercentileRounding, ashAndScaleRoundTiesAsNumpyDoes)
{
    initRuntime(1);
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(0.05f, 2.f);
    std::normal_distribution<float> n(0.f, 0.6f);
    FeatureSet set;
    set.dim = kDim;
    set.classes = kClasses;
    set.rows = 6;
    for (std::size_t i = 0; i < set.rows * kDim; ++i)
        set.features.push_back(u(rng));
    set.logits.assign(set.rows * kClasses, 0.f);
    Head head;
    head.dim = kDim;
    head.classes = kClasses;
    for (int i = 0; i < kDim * kClasses; ++i)
        head.weight.push_back(n(rng));
    for (int c = 0; c < kClasses; ++c)
        head.bias.push_back(n(rng));

    TempDir dir;
    ASSERT_TRUE(writeFile(dir.filePath("h.txt"), numbers(set.features)));
    ASSERT_TRUE(writeFile(dir.filePath("w.txt"), numbers(head.weight)));
    ASSERT_TRUE(writeFile(dir.filePath("b.txt"), numbers(head.bias)));
    ASSERT_TRUE(writeFile(dir.filePath("ref.py"), kReference));
    // With D = 10: p = 85, 25, 45, 65 are ties whose roundings differ (8.5, 2.5, 4.5, 6.5: half to
    // even goes down, half away up); 90 and 60 are no ties.
    const std::vector<std::string> ps = {"85", "25", "45", "65", "90", "60"};
    std::vector<std::string> args = {dir.filePath("ref.py"), dir.filePath("h.txt"), dir.filePath("w.txt"),
                                     dir.filePath("b.txt")};
    args.insert(args.end(), ps.begin(), ps.end());
    const ProcessResult py = runProcess("/usr/bin/python3", args);
    ASSERT_EQ(py.exitCode, 0) << py.err;

    int ties = 0;
    for (const std::string& line : split(py.out, '\n', true)) {
        std::istringstream in(line);
        std::string rounding, p;
        in >> rounding >> p;
        std::vector<double> ash, scale;
        std::string word;
        bool second = false;
        while (in >> word) {
            if (word == "|")
                second = true;
            else
                (second ? scale : ash).push_back(std::stod(word));
        }
        ASSERT_EQ(ash.size(), set.rows);
        ASSERT_EQ(scale.size(), set.rows);
        ScoreParams params;
        params.set("p", std::stod(p));
        const std::vector<double> ourAsh = computeScores("ash", set, head, params);
        const std::vector<double> ourScale = computeScores("scale", set, head, params);
        double worstAsh = 0, worstScale = 0;
        for (std::size_t r = 0; r < set.rows; ++r) {
            worstAsh = std::max(worstAsh, std::fabs(ourAsh[r] - ash[r]) / (1 + std::fabs(ash[r])));
            worstScale = std::max(worstScale, std::fabs(ourScale[r] - scale[r]) / (1 + std::fabs(scale[r])));
        }
        const bool tie = std::stod(p) != 90 && std::stod(p) != 60;
        if (rounding == "even") {
            EXPECT_LT(worstAsh, 1e-4) << "ASH at p = " << p;
            EXPECT_LT(worstScale, 1e-4) << "SCALE at p = " << p;
        } else if (tie) {
            // The other rounding is far from ours at every tie: the test tells them apart.
            EXPECT_GT(worstAsh, 1e-2) << "ASH at p = " << p;
            EXPECT_GT(worstScale, 1e-2) << "SCALE at p = " << p;
            ++ties;
        }
    }
    EXPECT_EQ(ties, 4);
}
