// SPDX-License-Identifier: GPL-3.0-or-later
// Fitted baselines (shared/reference/ood-methods.md): Mahalanobis, KNN, ReAct, ASH-S, ViM.
// LibTorch is used here as a linear-algebra library (BLAS products, eigh, Cholesky, pinv).
#include "methods/Fitted.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "methods/Scores.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cmath>
#include <sstream>

namespace oodlens {
namespace {

constexpr int64_t kChunk = 4096; // rows per block: bounds memory of every product to O(kChunk x D)

at::Tensor featuresOf(const FeatureSet& s, torch::ScalarType type = torch::kDouble)
{
    return torch::from_blob(const_cast<float*>(s.features.data()), {static_cast<int64_t>(s.rows), s.dim}, torch::kFloat)
        .to(type);
}

at::Tensor logitsOf(const FeatureSet& s)
{
    return torch::from_blob(const_cast<float*>(s.logits.data()), {static_cast<int64_t>(s.rows), s.classes}, torch::kFloat)
        .to(torch::kDouble);
}

at::Tensor headWeight(const Head& h)
{
    return torch::from_blob(const_cast<float*>(h.weight.data()), {h.classes, h.dim}, torch::kFloat).to(torch::kDouble);
}

at::Tensor headBias(const Head& h)
{
    return torch::from_blob(const_cast<float*>(h.bias.data()), {h.classes}, torch::kFloat).to(torch::kDouble);
}

std::vector<double> toVector(const at::Tensor& t)
{
    at::Tensor c = t.to(torch::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

void checkDim(const FeatureSet& s, const Head& head, const std::string& method, const char* what)
{
    if (s.dim != head.dim)
        throw Error(method + ": the " + std::string(what) + " has feature dimension " + std::to_string(s.dim) +
                    " but the model's head expects " + std::to_string(head.dim));
}

// numpy.percentile (linear interpolation) of all values.
double percentile(std::vector<float> values, double p)
{
    if (values.empty())
        throw Error("percentile of an empty set");
    const double pos = p / 100.0 * (values.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    std::nth_element(values.begin(), values.begin() + lo, values.end());
    const double a = values[lo];
    if (lo + 1 >= values.size())
        return a;
    const double b = *std::min_element(values.begin() + lo + 1, values.end());
    return a + (pos - lo) * (b - a);
}

// T * logsumexp(z / T) of W h + b for a batch of (modified) features, T = 1.
at::Tensor energyOfFeatures(const at::Tensor& h, const at::Tensor& w, const at::Tensor& b)
{
    return torch::logsumexp(torch::nn::functional::linear(h, w, b), 1);
}

// ---------------------------------------------------------------------------------------------
class Mahalanobis final : public FittedScorer {
public:
    Mahalanobis(const FeatureSet& fit, const Head& head, ProgressSink* sink)
    {
        const int64_t d = fit.dim;
        std::vector<int> labels = fit.labels;
        const bool haveLabels = std::all_of(labels.begin(), labels.end(), [&](int l) { return l >= 0 && l < head.classes; });
        if (!haveLabels) {
            for (std::size_t r = 0; r < fit.rows; ++r)
                labels[r] = fit.prediction(r);
            note_ = "the fit set has no usable labels: model predictions used as class labels; ";
        }
        // Class means, then the tied class-centred covariance accumulated block by block: memory is
        // O(D^2) whatever the size of the fit set.
        at::Tensor sums = torch::zeros({head.classes, d}, torch::kDouble);
        std::vector<int64_t> counts(head.classes, 0);
        at::Tensor x = featuresOf(fit);
        at::Tensor y = torch::from_blob(labels.data(), {static_cast<int64_t>(fit.rows)}, torch::kInt).to(torch::kLong);
        sums.index_add_(0, y, x);
        for (int l : labels)
            ++counts[l];
        present_.clear();
        for (int c = 0; c < head.classes; ++c)
            if (counts[c] > 0)
                present_.push_back(c);
        at::Tensor cnt = torch::tensor(counts, torch::kDouble).clamp_min(1).unsqueeze(1);
        means_ = sums / cnt;
        at::Tensor cov = torch::zeros({d, d}, torch::kDouble);
        for (int64_t start = 0; start < x.size(0); start += kChunk) {
            throwIfCancelled(sink);
            const int64_t end = std::min<int64_t>(x.size(0), start + kChunk);
            at::Tensor c = x.slice(0, start, end) - means_.index_select(0, y.slice(0, start, end));
            cov.addmm_(c.t(), c);
        }
        cov /= static_cast<double>(x.size(0));
        // Shrinkage towards a scaled identity until the Cholesky factorisation succeeds.
        const double scale = std::max(cov.diagonal().mean().item<double>(), 1e-12);
        double shrink = 0;
        at::Tensor l;
        for (int attempt = 0;; ++attempt) {
            at::Tensor s = shrink > 0 ? (1 - shrink) * cov + shrink * scale * torch::eye(d, torch::kDouble) : cov;
            auto [factor, info] = torch::linalg_cholesky_ex(s);
            if (info.item<int>() == 0) {
                l = factor;
                break;
            }
            if (attempt > 12)
                throw Error("mahalanobis: the fit-set covariance stays singular even with shrinkage");
            shrink = shrink == 0 ? 1e-6 : shrink * 10;
        }
        precision_ = torch::cholesky_inverse(l);
        shrinkage_ = shrink;
        std::ostringstream n;
        n << note_ << "tied covariance from " << fit.rows << " fit images, " << present_.size() << " classes";
        if (shrink > 0)
            n << "; covariance singular: shrinkage " << shrink << " towards " << scale << " I applied";
        note_ = n.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        at::Tensor idx = torch::tensor(present_, torch::kLong);
        at::Tensor mu = means_.index_select(0, idx);          // K x D
        at::Tensor muP = mu.mm(precision_);                    // K x D
        at::Tensor muPmu = (muP * mu).sum(1);                  // K
        at::Tensor x = featuresOf(set);
        std::vector<double> out;
        out.reserve(set.rows);
        for (int64_t start = 0; start < x.size(0); start += kChunk) {
            throwIfCancelled(sink);
            at::Tensor h = x.slice(0, start, std::min<int64_t>(x.size(0), start + kChunk));
            at::Tensor hPh = (h.mm(precision_) * h).sum(1, true); // B x 1
            at::Tensor dist = hPh - 2 * h.mm(muP.t()) + muPmu.unsqueeze(0);
            auto s = toVector(-std::get<0>(dist.min(1)));
            out.insert(out.end(), s.begin(), s.end());
        }
        return out;
    }

private:
    at::Tensor means_, precision_;
    std::vector<int64_t> present_;
    double shrinkage_ = 0;
};

// ---------------------------------------------------------------------------------------------
class Knn final : public FittedScorer {
public:
    Knn(const FeatureSet& fit, int k) : k_(k)
    {
        if (k < 1)
            throw Error("knn: k must be at least 1");
        if (static_cast<std::size_t>(k) > fit.rows)
            throw Error("knn: k = " + std::to_string(k) + " is larger than the fit set's bank of " + std::to_string(fit.rows) +
                        " features");
        bank_ = normalised(featuresOf(fit, torch::kFloat));
        note_ = "bank of " + std::to_string(fit.rows) + " L2-normalised fit features, k = " + std::to_string(k);
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        at::Tensor q = normalised(featuresOf(set, torch::kFloat));
        std::vector<double> out(set.rows);
        // Exact search by blocked matrix products: similarity of unit vectors, k-th largest per row.
        // Blocks run in parallel (OpenBLAS itself is pinned to one thread), each writing its own rows.
        const int64_t block = 512;
        const int64_t blocks = (q.size(0) + block - 1) / block;
        // Query blocks are split over one thread per core (BLAS is pinned to one thread, so the
        // parallelism has to come from here); each thread writes its own rows of `out`.
        const int threads = std::max(1, std::min<int>(at::get_num_threads(), static_cast<int>(blocks)));
        std::vector<std::thread> pool;
        std::atomic<int64_t> next{0};
        auto work = [&] {
            at::init_num_threads();
            for (int64_t b = next++; b < blocks; b = next++) {
                if (sink && sink->isCancelRequested())
                    return;
                const int64_t start = b * block, end = std::min<int64_t>(q.size(0), start + block);
                at::Tensor sim = q.slice(0, start, end).mm(bank_.t());
                at::Tensor kth = std::get<0>(sim.topk(k_, 1, /*largest=*/true, /*sorted=*/true)).select(1, k_ - 1);
                at::Tensor dist = (2.0 - 2.0 * kth.to(torch::kDouble)).clamp_min(0).sqrt().contiguous();
                for (int64_t i = 0; i < end - start; ++i)
                    out[static_cast<std::size_t>(start + i)] = -dist.data_ptr<double>()[i];
            }
        };
        for (int t = 1; t < threads; ++t)
            pool.emplace_back(work);
        work();
        for (std::thread& t : pool)
            t.join();
        throwIfCancelled(sink);
        return out;
    }

private:
    static at::Tensor normalised(const at::Tensor& x) { return x / x.norm(2, 1, true).clamp_min(1e-12); }
    at::Tensor bank_;
    int k_;
};

// ---------------------------------------------------------------------------------------------
class React final : public FittedScorer {
public:
    React(const FeatureSet& fit, const Head& head, double p) : w_(headWeight(head)), b_(headBias(head))
    {
        if (!(p > 0 && p <= 100))
            throw Error("react: percentile p must be in (0, 100]");
        clip_ = percentile(fit.features, p);
        std::ostringstream n;
        n << "clip at " << clip_ << " = the " << p << "th percentile of " << fit.features.size() << " fit activations";
        note_ = n.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink*) const override
    {
        return toVector(energyOfFeatures(featuresOf(set).clamp_max(clip_), w_, b_));
    }
    double clip() const { return clip_; }

private:
    at::Tensor w_, b_;
    double clip_ = 0;
};

// ---------------------------------------------------------------------------------------------
class AshS final : public FittedScorer {
public:
    AshS(const Head& head, double p) : w_(headWeight(head)), b_(headBias(head)), p_(p)
    {
        if (!(p >= 0 && p < 100))
            throw Error("ash: percentile p must be in [0, 100)");
        std::ostringstream n;
        n << "ASH-S, keeps the top " << 100 - p << "% of activations per image";
        note_ = n.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink*) const override
    {
        // As the ASH reference code: keep the k = D - round(D p / 100) largest entries, zero the
        // rest, and rescale by exp(s1 / s2) with s1, s2 the sums before and after pruning.
        at::Tensor h = featuresOf(set);
        const int64_t d = h.size(1);
        const int64_t k = std::max<int64_t>(1, d - static_cast<int64_t>(std::llround(d * p_ / 100.0)));
        at::Tensor s1 = h.sum(1);
        auto [values, index] = h.topk(k, 1);
        at::Tensor pruned = torch::zeros_like(h).scatter_(1, index, values);
        at::Tensor s2 = pruned.sum(1);
        pruned = pruned * torch::exp(s1 / s2).unsqueeze(1);
        return toVector(energyOfFeatures(pruned, w_, b_));
    }

private:
    at::Tensor w_, b_;
    double p_;
};

// ---------------------------------------------------------------------------------------------
class Vim final : public FittedScorer {
public:
    Vim(const FeatureSet& fit, const Head& head, int k, ProgressSink* sink) : w_(headWeight(head)), b_(headBias(head))
    {
        const int64_t d = fit.dim;
        if (k <= 0)
            k = d >= 1500 ? 1000 : static_cast<int>(d / 2);
        if (k >= d)
            throw Error("vim: the principal subspace dimension k = " + std::to_string(k) +
                        " must be smaller than the feature dimension " + std::to_string(d));
        // Origin: the point the head maps to zero logits, o = -pinv(W) b.
        origin_ = -torch::linalg_pinv(w_).mv(b_);
        at::Tensor x = featuresOf(fit);
        at::Tensor cov = torch::zeros({d, d}, torch::kDouble);
        for (int64_t start = 0; start < x.size(0); start += kChunk) {
            throwIfCancelled(sink);
            at::Tensor c = x.slice(0, start, std::min<int64_t>(x.size(0), start + kChunk)) - origin_;
            cov.addmm_(c.t(), c);
        }
        cov /= static_cast<double>(x.size(0));
        auto [eigenvalues, eigenvectors] = torch::linalg_eigh(cov); // ascending
        // The residual space: eigenvectors of the D - k smallest eigenvalues.
        nullSpace_ = eigenvectors.slice(1, 0, d - k).contiguous();
        const double meanMaxLogit = std::get<0>(logitsOf(fit).max(1)).mean().item<double>();
        const double meanResidual = residual(x).mean().item<double>();
        alpha_ = meanMaxLogit / std::max(meanResidual, 1e-12);
        std::ostringstream n;
        n << "principal subspace k = " << k << " of " << d << ", alpha = " << alpha_;
        note_ = n.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink*) const override
    {
        at::Tensor h = featuresOf(set);
        return toVector(energyOfFeatures(h, w_, b_) - alpha_ * residual(h));
    }

private:
    at::Tensor residual(const at::Tensor& h) const { return (h - origin_).mm(nullSpace_).norm(2, 1); }
    at::Tensor w_, b_, origin_, nullSpace_;
    double alpha_ = 1;
};

} // namespace

bool isFittedMethod(const std::string& m)
{
    return m == "mahalanobis" || m == "knn" || m == "react" || m == "ash" || m == "vim";
}

bool needsFitSet(const std::string& m) { return isFittedMethod(m) && m != "ash"; }

std::unique_ptr<FittedScorer> fitScorer(const std::string& method, const FeatureSet* fit, const Head& head,
                                        const ScoreParams& params, ProgressSink* sink)
{
    torch::NoGradGuard noGrad;
    if (!isFittedMethod(method))
        throw Error("'" + method + "' is not a fitted method");
    if (needsFitSet(method)) {
        if (!fit)
            throw Error(method + " needs a fit set (an ID training set: --fit DATASET)");
        if (fit->rows == 0)
            throw Error(method + ": the fit set is empty");
        checkDim(*fit, head, method, "fit set");
    }
    if (method == "mahalanobis")
        return std::make_unique<Mahalanobis>(*fit, head, sink);
    if (method == "knn")
        return std::make_unique<Knn>(*fit, static_cast<int>(params.value(method, "k", 50)));
    if (method == "react")
        return std::make_unique<React>(*fit, head, params.value(method, "p", 90));
    if (method == "ash")
        return std::make_unique<AshS>(head, params.value(method, "p", 90));
    return std::make_unique<Vim>(*fit, head, static_cast<int>(params.value(method, "k", 0)), sink);
}

} // namespace oodlens
