// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Statistics of a fit set shared by the fitted methods: each is computed in one place, streaming
// over the fit set with tensors::forEachBlock (memory O(C x D + D^2), never a copy of the set).
// Included by core/methods/*.cpp only.
#include "methods/internal/Tensors.h"

#include <string>
#include <vector>

namespace oodlens::fitstats {

// The model's prediction for one row of logits: the first largest logit, or -1 when the row has
// no defined prediction (a NaN logit, or a largest logit of +inf or -inf). Methods that read the
// prediction score such a row NaN.
int predictedClass(const float* logits, int classes);

// Throws Error "<method>: fit image R (path) has non-finite features|logits ..." when a block of
// the fit set holds a NaN or infinite value: fitted statistics would be NaN for every image scored.
void requireFinite(const at::Tensor& block, int64_t start, const FeatureSet& fit, const std::string& method,
                   const char* what);

// Class labels for class-conditional statistics: the fit set's own when every one of them names a
// class of the head, else the model's predictions (a fit set without usable labels).
struct FitLabels {
    std::vector<int> labels;
    bool fromPredictions = false;
    // "" or "the fit set has no usable labels: model predictions used as class labels; ".
    std::string note() const;
};
// Throws Error when predictions must stand in and a fit row has none (non-finite logits).
FitLabels fitLabels(const FeatureSet& fit, int classes, const std::string& method);

// Mean of the fit features (D), in double.
at::Tensor featureMean(const FeatureSet& fit, const std::string& method, ProgressSink* sink);

// Class means and the tied class-centred covariance (1/N), the Gaussians of Mahalanobis and RMDS;
// with `withGlobal` also the class-agnostic Gaussian (mean and covariance (1/N) of the whole fit
// set) RMDS measures against. Two passes (means, then centred products), each block by block.
struct ClassGaussians {
    at::Tensor means;            // C x D (zero rows for absent classes)
    std::vector<int64_t> counts; // C
    std::vector<int64_t> present;
    at::Tensor tiedCovariance;   // D x D
    at::Tensor globalMean;       // D (withGlobal)
    at::Tensor globalCovariance; // D x D (withGlobal)
};
ClassGaussians classGaussians(const FeatureSet& fit, const std::vector<int>& labels, int classes, bool withGlobal,
                              const std::string& method, ProgressSink* sink);

// The inverse of a covariance S by Cholesky, with the one shrinkage rule of the Gaussian fits
// (mahalanobis, rmds): when S is not numerically positive definite (dead ReLU units, fewer fit
// images than dimensions), it is replaced by (1 - w) S + w s I, with s = max(mean of diag S, 1e-12)
// and w = 1e-6, 1e-5, ..., 1, the first w whose Cholesky factorisation succeeds. At w = 1 the matrix
// is s I, so only a non-finite S fails: Error naming `method`.
struct ShrunkPrecision {
    at::Tensor precision; // D x D
    double shrink = 0;    // w (0: S itself was positive definite)
    double scale = 0;     // s
    // "" when w = 0, else "[<which> ]covariance singular: shrinkage 1e-06 towards 0.52 I applied".
    std::string note(const std::string& which = "") const;
};
ShrunkPrecision shrunkPrecision(const at::Tensor& covariance, const std::string& method);

// Squared Mahalanobis distances (h - mu_k)^T P (h - mu_k) of the rows of h (B x D) to each row of
// `means` (K x D): B x K.
class QuadraticDistances {
public:
    QuadraticDistances() = default;
    QuadraticDistances(const at::Tensor& means, const at::Tensor& precision);
    at::Tensor operator()(const at::Tensor& h) const;

private:
    at::Tensor precision_, meansP_, meansPMeans_;
};

// ViM's principal subspace (Wang et al., CVPR 2022), shared by vim and residual. k = 0 picks
// D/2, or 1000 when D >= 1500; k >= D is an Error naming `method`.
int64_t subspaceDimension(int64_t k, int64_t dim, const std::string& method);
struct PrincipalSubspace {
    at::Tensor origin;        // o = -pinv(W) b, where the head's logits are all zero
    at::Tensor residualBasis; // D x (D - k): eigenvectors of the D - k smallest eigenvalues
    int64_t k = 0;
    // ||(h - o) projected off the top-k principal subspace||, per row of h (B x D).
    at::Tensor residualNorm(const at::Tensor& h) const;
};
// The eigen-decomposition of the uncentred covariance of (h - o) over the fit set (1/N, about o),
// as ViM's reference code (EmpiricalCovariance(assume_centered=True) of h - o).
PrincipalSubspace principalSubspace(const FeatureSet& fit, const Head& head, int64_t k, const std::string& method,
                                    ProgressSink* sink);

// Scores of a whole set, block by block: fn(h, z, start) returns the block's scores (B).
std::vector<double>
scoreBlocks(const FeatureSet& set,
            const std::function<at::Tensor(const at::Tensor& h, const at::Tensor& z, int64_t start)>& fn,
            ProgressSink* sink);

} // namespace oodlens::fitstats
