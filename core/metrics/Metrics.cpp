// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/Metrics.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "metrics/SortedScores.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

namespace oodlens {
namespace {

// One distinct score value and how many ID / OOD scores share it.
struct Group {
    double score;
    std::size_t id;
    std::size_t ood;
};

// Distinct scores in descending order with their ID / OOD counts; NaN left out and counted.
struct Grouped {
    std::vector<Group> groups;
    std::size_t nId = 0, nOod = 0, nanId = 0, nanOod = 0, infId = 0, infOod = 0;
};

std::size_t infinities(const std::vector<double>& ascending)
{
    std::size_t n = 0;
    for (auto it = ascending.begin(); it != ascending.end() && std::isinf(*it); ++it)
        ++n;
    for (auto it = ascending.rbegin(); it != ascending.rend() && std::isinf(*it); ++it)
        ++n;
    return std::min(n, ascending.size());
}

// Merges the two sorted sets from the top.
Grouped groupScores(const SortedScores& id, const SortedScores& ood)
{
    Grouped g;
    g.nId = id.usable();
    g.nOod = ood.usable();
    g.nanId = id.nanCount();
    g.nanOod = ood.nanCount();
    g.infId = infinities(id.values());
    g.infOod = infinities(ood.values());
    auto a = id.values().rbegin(), aEnd = id.values().rend();
    auto b = ood.values().rbegin(), bEnd = ood.values().rend();
    while (a != aEnd || b != bEnd) {
        const double s = b == bEnd || (a != aEnd && *a >= *b) ? *a : *b;
        Group grp{s, 0, 0};
        for (; a != aEnd && *a == s; ++a)
            ++grp.id;
        for (; b != bEnd && *b == s; ++b)
            ++grp.ood;
        g.groups.push_back(grp);
    }
    return g;
}

Grouped groupScores(const std::vector<double>& id, const std::vector<double>& ood)
{
    return groupScores(SortedScores(id), SortedScores(ood));
}

// Average precision (step-wise) of a ranking given as groups in the order thresholds are lowered:
// sum_k (R_k - R_{k-1}) P_k, with `pos` / `neg` choosing which count is the positive class.
template <typename Pos, typename Neg, typename Range>
double averagePrecision(const Range& groups, std::size_t nPos, Pos pos, Neg neg)
{
    std::size_t tp = 0, fp = 0;
    double ap = 0;
    for (const Group& g : groups) {
        const std::size_t dtp = pos(g);
        tp += dtp;
        fp += neg(g);
        if (dtp)
            ap += (double(dtp) / nPos) * (double(tp) / double(tp + fp));
    }
    return ap;
}

} // namespace

BinaryMetrics computeMetrics(const std::vector<double>& id, const std::vector<double>& ood)
{
    const SortedScores idSorted(id), oodSorted(ood);
    const Grouped g = groupScores(idSorted, oodSorted);
    if (g.nId == 0 || g.nOod == 0)
        throw Error(std::string("cannot compute metrics: the ") + (g.nId == 0 ? "ID" : "OOD") + " set has no usable score (" +
                    std::to_string(g.nId == 0 ? g.nanId : g.nanOod) + " NaN)");
    BinaryMetrics m;
    m.n_id = g.nId;
    m.n_ood = g.nOod;
    m.nan_id = g.nanId;
    m.nan_ood = g.nanOod;
    m.inf_id = g.infId;
    m.inf_ood = g.infOod;
    const double nId = double(g.nId), nOod = double(g.nOod);

    // Descending thresholds: ID positive, accept when score >= t.
    std::size_t tp = 0, fp = 0;
    long double twiceU = 0; // 2 * Mann-Whitney U, ties count 1/2
    double best = 0.5;      // balanced accuracy of "accept nothing"
    for (const Group& grp : g.groups) {
        twiceU += static_cast<long double>(grp.ood) * (2.0L * tp + grp.id);
        tp += grp.id;
        fp += grp.ood;
        best = std::max(best, 0.5 * (tp / nId + 1.0 - fp / nOod));
    }
    // The operating point every view starts at: the one definition of the threshold at 95% ID TPR.
    m.threshold95 = idSorted.thresholdForTpr(kIdTpr95);
    m.fpr95_id = double(oodSorted.accepted(m.threshold95)) / nOod;
    m.auroc = static_cast<double>(twiceU / (2.0L * g.nId * g.nOod));
    m.detection_acc = best;

    // Ascending thresholds: OOD positive, flag when score <= t.
    std::size_t flaggedOod = 0, flaggedId = 0;
    for (auto it = g.groups.rbegin(); it != g.groups.rend(); ++it) {
        flaggedOod += it->ood;
        flaggedId += it->id;
        if (flaggedOod >= acceptedForTpr(g.nOod, kIdTpr95)) {
            m.fpr95_ood = flaggedId / nId;
            break;
        }
    }

    m.aupr_in = averagePrecision(g.groups, g.nId, [](const Group& x) { return x.id; }, [](const Group& x) { return x.ood; });
    struct Reversed {
        const std::vector<Group>& v;
        auto begin() const { return v.rbegin(); }
        auto end() const { return v.rend(); }
    };
    m.aupr_out = averagePrecision(Reversed{g.groups}, g.nOod, [](const Group& x) { return x.ood; },
                                  [](const Group& x) { return x.id; });
    return m;
}

RocCurve rocCurve(const std::vector<double>& id, const std::vector<double>& ood)
{
    const Grouped g = groupScores(id, ood);
    RocCurve c;
    c.fpr.push_back(0);
    c.tpr.push_back(0);
    c.threshold.push_back(std::numeric_limits<double>::infinity());
    if (g.nId == 0 || g.nOod == 0)
        return c;
    std::size_t tp = 0, fp = 0;
    for (const Group& grp : g.groups) {
        tp += grp.id;
        fp += grp.ood;
        c.fpr.push_back(double(fp) / g.nOod);
        c.tpr.push_back(double(tp) / g.nId);
        c.threshold.push_back(grp.score);
    }
    return c;
}

PrCurve prCurve(const std::vector<double>& id, const std::vector<double>& ood, bool idPositive)
{
    const Grouped g = groupScores(id, ood);
    PrCurve c;
    const std::size_t nPos = idPositive ? g.nId : g.nOod;
    if (nPos == 0)
        return c;
    std::size_t tp = 0, fp = 0;
    auto step = [&](const Group& grp) {
        tp += idPositive ? grp.id : grp.ood;
        fp += idPositive ? grp.ood : grp.id;
        c.recall.push_back(double(tp) / nPos);
        c.precision.push_back(double(tp) / double(tp + fp));
        c.threshold.push_back(idPositive ? grp.score : -grp.score);
    };
    if (idPositive)
        std::for_each(g.groups.begin(), g.groups.end(), step);
    else
        std::for_each(g.groups.rbegin(), g.groups.rend(), step);
    return c;
}

OperatingPoint operatingPoint(const std::vector<double>& id, const std::vector<double>& ood, double threshold)
{
    auto accepted = [threshold](const std::vector<double>& v, std::size_t& n) {
        std::size_t a = 0;
        n = 0;
        for (double s : v) {
            if (std::isnan(s))
                continue;
            ++n;
            a += s >= threshold;
        }
        return a;
    };
    std::size_t nId = 0, nOod = 0;
    const std::size_t aId = accepted(id, nId), aOod = accepted(ood, nOod);
    OperatingPoint p;
    if (nId) {
        p.tpr_id = double(aId) / nId;
        p.fpr_ood = 1.0 - p.tpr_id;
    }
    if (nOod) {
        p.fpr_id = double(aOod) / nOod;
        p.tpr_ood = 1.0 - p.fpr_id;
    }
    return p;
}

} // namespace oodlens

namespace oodlens {

BinaryMetrics BinaryMetrics::undefined()
{
    BinaryMetrics m;
    m.auroc = m.fpr95_id = m.fpr95_ood = m.aupr_in = m.aupr_out = m.detection_acc = m.threshold95 =
        std::numeric_limits<double>::quiet_NaN();
    return m;
}

BootstrapIntervals bootstrapMetrics(const std::vector<double>& id, const std::vector<double>& ood, int resamples,
                                    unsigned long long seed, const ProgressSink* sink)
{
    BootstrapIntervals out;
    out.resamples = resamples;
    out.seed = seed;
    if (resamples <= 0)
        return out;
    std::vector<double> finiteId, finiteOod;
    for (double v : id)
        if (!std::isnan(v))
            finiteId.push_back(v);
    for (double v : ood)
        if (!std::isnan(v))
            finiteOod.push_back(v);
    if (finiteId.empty() || finiteOod.empty())
        throw Error("cannot bootstrap metrics: a set has no usable score");
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::size_t> pickId(0, finiteId.size() - 1), pickOod(0, finiteOod.size() - 1);
    std::vector<double> a(finiteId.size()), b(finiteOod.size());
    std::vector<double> auroc, fprId, fprOod, auprIn, auprOut;
    for (int r = 0; r < resamples; ++r) {
        throwIfCancelled(sink);
        for (double& v : a)
            v = finiteId[pickId(rng)];
        for (double& v : b)
            v = finiteOod[pickOod(rng)];
        const BinaryMetrics m = computeMetrics(a, b);
        auroc.push_back(m.auroc);
        fprId.push_back(m.fpr95_id);
        fprOod.push_back(m.fpr95_ood);
        auprIn.push_back(m.aupr_in);
        auprOut.push_back(m.aupr_out);
    }
    // Percentiles by linear interpolation between order statistics (numpy's default).
    auto interval = [](std::vector<double>& v) {
        std::sort(v.begin(), v.end());
        auto q = [&](double p) {
            const double pos = p * (v.size() - 1);
            const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
            const std::size_t hi = std::min(lo + 1, v.size() - 1);
            return v[lo] + (pos - lo) * (v[hi] - v[lo]);
        };
        return Interval{q(0.025), q(0.975)};
    };
    out.auroc = interval(auroc);
    out.fpr95_id = interval(fprId);
    out.fpr95_ood = interval(fprOod);
    out.aupr_in = interval(auprIn);
    out.aupr_out = interval(auprOut);
    return out;
}

} // namespace oodlens
