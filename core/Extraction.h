// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "FeatureSet.h"
#include "Preprocess.h"

namespace oodlens {

class Classifier;
class Dataset;
class ProgressSink;

struct ExtractionOptions {
    int batchSize = 128;
};

// Runs the model once over the dataset in batches, keeping logits and penultimate features.
// Unreadable items are skipped, reported through sink->warning() and listed in `skipped`.
// Throws Error when no item could be read, and Cancelled when the sink asks for it.
FeatureSet extractFeatures(const Classifier& model, const Dataset& data, const PreprocessSpec& spec,
                           const ExtractionOptions& options, ProgressSink* sink);

// Fills the spec's unset fields from the model's sidecar defaults, then channels and size from
// the shape the model accepted.
PreprocessSpec resolvePreprocess(PreprocessSpec spec, const Classifier& model);

} // namespace oodlens
