// SPDX-License-Identifier: GPL-3.0-or-later
// Internal to core: exact last-layer gradient norms by LibTorch autograd, one sample at a time.
#pragma once
#include "model/Classifier.h"
#include "features/FeatureSet.h"

#include <vector>

namespace oodlens {

class ProgressSink;

// || d KL(u || softmax(z/T)) / dW ||_1 per row, z = W h + b, by autograd through the head weight.
std::vector<double> gradnormAutograd(const FeatureSet& set, const Head& head, double temperature, ProgressSink* sink);
// sum_y p_y || d(-log p_y) / dW ||_1 per row, p = softmax(z/T), by autograd (one backward per class).
std::vector<double> exgradAutograd(const FeatureSet& set, const Head& head, double temperature, ProgressSink* sink);

} // namespace oodlens
