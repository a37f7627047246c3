// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "features/FeatureSet.h"
#include "features/Preprocess.h"

#include <functional>
#include <string>
#include <vector>

namespace oodlens {

class Classifier;
class Dataset;
class ProgressSink;

struct ExtractionOptions {
    int batchSize = 128;
    // When set, extractFeatures adds the wall time of the model's forward calls to it (decoding,
    // which overlaps on another thread, not counted): the run's forward cost.
    double* forwardSeconds = nullptr;
};

// Streams a dataset in preprocessed batches: decodes batch k+1 on a second thread while `fn` runs on
// batch k. `fn(input, items, skipped, c, h, w)` gets items.size() images as contiguous floats
// (c x h x w each), the dataset indices of those rows, and "path: reason" for unreadable items.
// Throws Cancelled between batches when the sink asks for it.
using BatchFn = std::function<void(const float* input, const std::vector<std::size_t>& items,
                                   const std::vector<std::string>& skipped, int c, int h, int w)>;
void forEachBatch(const Dataset& data, const PreprocessSpec& spec, const ExtractionOptions& options, ProgressSink* sink,
                  const std::string& stage, const BatchFn& fn);

// Runs the model once over the dataset in batches, keeping logits and penultimate features.
// Unreadable items are skipped, reported through sink->warning() and listed in `skipped`.
// Throws Error when no item could be read, and Cancelled when the sink asks for it.
FeatureSet extractFeatures(const Classifier& model, const Dataset& data, const PreprocessSpec& spec,
                           const ExtractionOptions& options, ProgressSink* sink);


} // namespace oodlens
