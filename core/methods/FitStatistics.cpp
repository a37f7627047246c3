// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/internal/FitStatistics.h"
#include "methods/internal/CommonParams.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace oodlens::fitstats {

using namespace tensors;

int predictedClass(const float* z, int classes)
{
    int best = -1;
    for (int c = 0; c < classes; ++c) {
        if (std::isnan(z[c]))
            return -1;
        if (best < 0 || z[c] > z[best])
            best = c;
    }
    return best >= 0 && std::isfinite(z[best]) ? best : -1;
}

void requireFinite(const at::Tensor& block, int64_t start, const FeatureSet& fit, const std::string& method,
                   const char* what)
{
    if (at::isfinite(block).all().item<bool>())
        return;
    const int64_t row = start + at::logical_not(at::isfinite(block)).any(1).nonzero().min().item<int64_t>();
    std::ostringstream m;
    m << method << ": fit image " << row;
    if (static_cast<std::size_t>(row) < fit.paths.size() && !fit.paths[row].empty())
        m << " (" << fit.paths[row] << ")";
    m << " has non-finite " << what << ": every fitted statistic would be NaN; leave such images out of the fit set";
    throw Error(m.str());
}

std::string FitLabels::note() const
{
    return fromPredictions ? "the fit set has no usable labels: model predictions used as class labels; " : "";
}

FitLabels fitLabels(const FeatureSet& fit, int classes, const std::string& method)
{
    FitLabels out;
    out.labels = fit.labels;
    out.labels.resize(fit.rows, -1);
    const bool usable = std::all_of(out.labels.begin(), out.labels.end(), [&](int l) { return l >= 0 && l < classes; });
    if (usable)
        return out;
    out.fromPredictions = true;
    for (std::size_t r = 0; r < fit.rows; ++r) {
        out.labels[r] = predictedClass(fit.logitRow(r), fit.classes);
        if (out.labels[r] < 0 || out.labels[r] >= classes)
            throw Error(method + ": the fit set has no usable labels, and fit image " + std::to_string(r) +
                        " has no prediction to stand in (non-finite logits)");
    }
    return out;
}

at::Tensor featureMean(const FeatureSet& fit, const std::string& method, ProgressSink* sink)
{
    at::Tensor sum = at::zeros({fit.dim}, at::kDouble);
    forEachBlock(
        fit,
        [&](const at::Tensor& h, const at::Tensor&, int64_t start) {
            requireFinite(h, start, fit, method, "features");
            sum += h.sum(0);
        },
        sink);
    return sum / static_cast<double>(std::max<std::size_t>(fit.rows, 1));
}

ClassGaussians classGaussians(const FeatureSet& fit, const std::vector<int>& labels, int classes, bool withGlobal,
                              const std::string& method, ProgressSink* sink)
{
    const int64_t d = fit.dim;
    ClassGaussians g;
    at::Tensor sums = at::zeros({classes, d}, at::kDouble);
    g.counts.assign(classes, 0);
    auto labelsOf = [&](int64_t start, int64_t n) {
        return at::from_blob(const_cast<int*>(labels.data() + start), {n}, at::kInt).to(at::kLong);
    };
    forEachBlock(
        fit,
        [&](const at::Tensor& h, const at::Tensor&, int64_t start) {
            requireFinite(h, start, fit, method, "features");
            sums.index_add_(0, labelsOf(start, h.size(0)), h);
        },
        sink);
    for (int l : labels)
        ++g.counts[l];
    for (int c = 0; c < classes; ++c)
        if (g.counts[c] > 0)
            g.present.push_back(c);
    const double n = static_cast<double>(fit.rows);
    g.means = sums / at::tensor(g.counts, at::kDouble).clamp_min(1).unsqueeze(1);
    g.tiedCovariance = at::zeros({d, d}, at::kDouble);
    if (withGlobal) {
        g.globalMean = sums.sum(0) / n;
        g.globalCovariance = at::zeros({d, d}, at::kDouble);
    }
    forEachBlock(
        fit,
        [&](const at::Tensor& h, const at::Tensor&, int64_t start) {
            const at::Tensor c = h - g.means.index_select(0, labelsOf(start, h.size(0)));
            g.tiedCovariance.addmm_(c.t(), c);
            if (withGlobal) {
                const at::Tensor all = h - g.globalMean;
                g.globalCovariance.addmm_(all.t(), all);
            }
        },
        sink);
    g.tiedCovariance /= n;
    if (withGlobal)
        g.globalCovariance /= n;
    return g;
}

std::string ShrunkPrecision::note(const std::string& which) const
{
    if (shrink <= 0)
        return {};
    std::ostringstream n;
    n << which << (which.empty() ? "" : " ") << "covariance singular: shrinkage " << shrink << " towards " << scale
      << " I applied";
    return n.str();
}

ShrunkPrecision shrunkPrecision(const at::Tensor& cov, const std::string& method)
{
    const int64_t d = cov.size(0);
    ShrunkPrecision out;
    out.scale = std::max(cov.diagonal().mean().item<double>(), 1e-12);
    for (double shrink = 0;; shrink = shrink == 0 ? 1e-6 : shrink * 10) {
        if (shrink > 1.0 + 1e-9)
            throw Error(method + ": the fit-set covariance stays singular even with shrinkage (non-finite features?)");
        const at::Tensor s = shrink > 0 ? (1 - shrink) * cov + shrink * out.scale * at::eye(d, at::kDouble) : cov;
        auto [factor, info] = at::linalg_cholesky_ex(s);
        if (info.item<int>() == 0 && at::isfinite(factor).all().item<bool>()) {
            out.precision = at::cholesky_inverse(factor);
            out.shrink = shrink;
            return out;
        }
    }
}

QuadraticDistances::QuadraticDistances(const at::Tensor& means, const at::Tensor& precision)
    : precision_(precision), meansP_(means.mm(precision)), meansPMeans_((meansP_ * means).sum(1))
{
}

at::Tensor QuadraticDistances::operator()(const at::Tensor& h) const
{
    const at::Tensor hPh = (h.mm(precision_) * h).sum(1, true); // B x 1
    return hPh - 2 * h.mm(meansP_.t()) + meansPMeans_.unsqueeze(0);
}

int64_t subspaceDimension(int64_t k, int64_t dim, const std::string& method)
{
    if (k <= 0)
        k = dim >= 1500 ? 1000 : dim / 2;
    if (k >= dim)
        throw Error(method + ": the principal subspace dimension k = " + std::to_string(k) +
                    " must be smaller than the feature dimension " + std::to_string(dim));
    return k;
}

at::Tensor PrincipalSubspace::residualNorm(const at::Tensor& h) const
{
    return (h - origin).mm(residualBasis).norm(2, 1);
}

PrincipalSubspace principalSubspace(const FeatureSet& fit, const Head& head, int64_t k, const std::string& method,
                                    ProgressSink* sink)
{
    const int64_t d = fit.dim;
    PrincipalSubspace s;
    s.k = subspaceDimension(k, d, method);
    s.origin = -at::linalg_pinv(headWeight(head)).mv(headBias(head));
    at::Tensor cov = at::zeros({d, d}, at::kDouble);
    forEachBlock(
        fit,
        [&](const at::Tensor& h, const at::Tensor&, int64_t start) {
            requireFinite(h, start, fit, method, "features");
            const at::Tensor c = h - s.origin;
            cov.addmm_(c.t(), c);
        },
        sink);
    cov /= static_cast<double>(fit.rows);
    const at::Tensor eigenvectors = std::get<1>(at::linalg_eigh(cov)); // ascending eigenvalues
    s.residualBasis = eigenvectors.slice(1, 0, d - s.k).contiguous();
    return s;
}

std::vector<double>
scoreBlocks(const FeatureSet& set,
            const std::function<at::Tensor(const at::Tensor& h, const at::Tensor& z, int64_t start)>& fn,
            ProgressSink* sink)
{
    std::vector<double> out;
    out.reserve(set.rows);
    forEachBlock(
        set,
        [&](const at::Tensor& h, const at::Tensor& z, int64_t start) {
            const std::vector<double> s = toVector(fn(h, z, start));
            out.insert(out.end(), s.begin(), s.end());
        },
        sink);
    return out;
}

} // namespace oodlens::fitstats

namespace oodlens {

ParamSpec subspaceDimensionParam()
{
    ParamSpec k{
        "k", 0,
        "principal subspace dimension (0: D/2, or 1000 when D >= 1500); the sweep grid's values >= D are left out"};
    k.min = 0;
    k.integer = true;
    // OpenOOD sweeps 256 and 1000 (D = 2,048); the smaller values serve smaller heads. A value that
    // is not below D cannot be used and is named in the sweep.
    k.grid = {16, 32, 64, 128, 256, 512, 1000};
    return k;
}

} // namespace oodlens
