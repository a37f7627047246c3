// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/Inspect.h"

#include "common/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

namespace oodlens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double at(const std::vector<double>* v, std::size_t row)
{
    return v && row < v->size() ? (*v)[row] : kNaN;
}

int atInt(const std::vector<int>* v, std::size_t row)
{
    return v && row < v->size() ? (*v)[row] : -1;
}

// A hashable key of an image for the selection filter.
std::size_t imageKey(const ImageIndex& i)
{
    return (i.dataset << 40) ^ i.row;
}

} // namespace

std::vector<ClassProbability> topProbabilities(const float* logits, int classes, int k, double temperature)
{
    std::vector<ClassProbability> all;
    if (classes <= 0 || k <= 0)
        return all;
    // Softmax with the maximum subtracted, in double, so large logits do not overflow.
    double maxZ = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < classes; ++c)
        maxZ = std::max(maxZ, static_cast<double>(logits[c]) / temperature);
    double sum = 0;
    all.resize(static_cast<std::size_t>(classes));
    for (int c = 0; c < classes; ++c) {
        const double e = std::exp(static_cast<double>(logits[c]) / temperature - maxZ);
        all[static_cast<std::size_t>(c)] = {c, e};
        sum += e;
    }
    for (ClassProbability& p : all)
        p.probability /= sum;
    const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(k), all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                      [](const ClassProbability& a, const ClassProbability& b) {
                          return a.probability != b.probability ? a.probability > b.probability : a.cls < b.cls;
                      });
    all.resize(keep);
    return all;
}

std::vector<int> predictions(const FeatureSet& set)
{
    std::vector<int> p(set.rows);
    for (std::size_t r = 0; r < set.rows; ++r)
        p[r] = set.prediction(r);
    return p;
}

std::vector<double> normalizedRanks(const std::vector<double>& scores)
{
    std::vector<double> ranks(scores.size(), kNaN);
    std::vector<std::size_t> order;
    order.reserve(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i)
        if (!std::isnan(scores[i]))
            order.push_back(i);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    const std::size_t n = order.size();
    if (n == 1) {
        ranks[order[0]] = 0.5;
        return ranks;
    }
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
            ++j;
        // Ranks i..j (0-based) share their average.
        const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 / static_cast<double>(n - 1);
        for (std::size_t k = i; k <= j; ++k)
            ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}

std::vector<double> rankDifference(const std::vector<double>& a, const std::vector<double>& b)
{
    if (a.size() != b.size())
        throw Error("rank difference: the two scores cover " + std::to_string(a.size()) + " and " +
                    std::to_string(b.size()) + " images");
    const std::vector<double> ra = normalizedRanks(a);
    const std::vector<double> rb = normalizedRanks(b);
    std::vector<double> d(a.size());
    for (std::size_t i = 0; i < d.size(); ++i)
        d[i] = ra[i] - rb[i]; // NaN propagates
    return d;
}

std::vector<ImageIndex> selectImages(const std::vector<ImageColumns>& columns, const ImageFilter& filter, bool ascending)
{
    std::unordered_set<std::size_t> only;
    if (filter.restrict)
        for (const ImageIndex& i : filter.only)
            only.insert(imageKey(i));

    struct Item {
        double score;
        ImageIndex image;
    };
    std::vector<Item> items;
    for (const ImageColumns& c : columns) {
        const std::size_t rows = c.sortScores ? c.sortScores->size() : 0;
        for (std::size_t r = 0; r < rows; ++r) {
            if (filter.trueClass >= 0 && atInt(c.labels, r) != filter.trueClass)
                continue;
            if (filter.predictedClass >= 0 && atInt(c.predictions, r) != filter.predictedClass)
                continue;
            if (filter.flag != FlagFilter::Any) {
                const double f = at(c.flagScores, r);
                const bool flagged = std::isnan(f) || f < filter.threshold;
                if (flagged != (filter.flag == FlagFilter::Flagged))
                    continue;
            }
            const ImageIndex image{c.dataset, r};
            if (filter.restrict && !only.count(imageKey(image)))
                continue;
            items.push_back({(*c.sortScores)[r], image});
        }
    }
    std::sort(items.begin(), items.end(), [ascending](const Item& a, const Item& b) {
        const bool na = std::isnan(a.score), nb = std::isnan(b.score);
        if (na != nb)
            return nb; // NaN last
        if (!na && a.score != b.score)
            return ascending ? a.score < b.score : a.score > b.score;
        return a.image < b.image;
    });
    std::vector<ImageIndex> out(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
        out[i] = items[i].image;
    return out;
}

bool isDecomposable(const std::string& method) { return factorsOf(method) != nullptr; }

DecompositionReference::DecompositionReference(const std::string& method, const FeatureSet& id, const Head& head,
                                               const ScoreParams& params)
    : method_(method), head_(head), params_(params)
{
    std::vector<double> f(id.rows), o(id.rows);
    for (std::size_t r = 0; r < id.rows; ++r) {
        const Decomposition d = decompose(method, id, head, params, r);
        f[r] = d.featureTerm;
        o[r] = d.outputTerm;
    }
    feature_ = SortedScores(f);
    output_ = SortedScores(o);
}

FactorPercentiles DecompositionReference::locate(const FeatureSet& set, std::size_t row) const
{
    FactorPercentiles p;
    p.value = decompose(method_, set, head_, params_, row);
    p.score = p.value.score();
    p.featurePercentile = feature_.percentile(p.value.featureTerm);
    p.outputPercentile = output_.percentile(p.value.outputTerm);
    return p;
}

DisagreementReport findDisagreements(const std::vector<std::vector<double>>& scoresA,
                                     const std::vector<std::vector<double>>& scoresB, std::size_t idDataset,
                                     double tpr, bool flagConflictOnly, std::size_t limit)
{
    if (scoresA.size() != scoresB.size() || idDataset >= scoresA.size())
        throw Error("disagreement: the two score tables do not cover the same datasets");
    DisagreementReport report;
    report.tpr = tpr;
    report.thresholdA = thresholdAtIdTpr(scoresA[idDataset], tpr);
    report.thresholdB = thresholdAtIdTpr(scoresB[idDataset], tpr);

    // Pool every image so that ranks compare across datasets.
    std::vector<double> a, b;
    std::vector<ImageIndex> images;
    for (std::size_t d = 0; d < scoresA.size(); ++d) {
        if (scoresA[d].size() != scoresB[d].size())
            throw Error("disagreement: dataset " + std::to_string(d) + " has " + std::to_string(scoresA[d].size()) +
                        " and " + std::to_string(scoresB[d].size()) + " scores");
        for (std::size_t r = 0; r < scoresA[d].size(); ++r) {
            a.push_back(scoresA[d][r]);
            b.push_back(scoresB[d][r]);
            images.push_back({d, r});
        }
    }
    const std::vector<double> ra = normalizedRanks(a);
    const std::vector<double> rb = normalizedRanks(b);
    for (std::size_t i = 0; i < images.size(); ++i) {
        Disagreement x;
        x.image = images[i];
        x.scoreA = a[i];
        x.scoreB = b[i];
        x.rankA = ra[i];
        x.rankB = rb[i];
        x.rankDiff = ra[i] - rb[i];
        x.flaggedA = std::isnan(a[i]) || a[i] < report.thresholdA;
        x.flaggedB = std::isnan(b[i]) || b[i] < report.thresholdB;
        if (flagConflictOnly && x.flaggedA == x.flaggedB)
            continue;
        report.rows.push_back(x);
    }
    auto byDisagreement = [](const Disagreement& x, const Disagreement& y) {
        const double dx = std::isnan(x.rankDiff) ? -1 : std::fabs(x.rankDiff);
        const double dy = std::isnan(y.rankDiff) ? -1 : std::fabs(y.rankDiff);
        return dx != dy ? dx > dy : x.image < y.image;
    };
    if (limit > 0 && limit < report.rows.size()) {
        std::partial_sort(report.rows.begin(), report.rows.begin() + static_cast<std::ptrdiff_t>(limit),
                          report.rows.end(), byDisagreement);
        report.rows.resize(limit);
    } else {
        std::sort(report.rows.begin(), report.rows.end(), byDisagreement);
    }
    return report;
}

} // namespace oodlens
