// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace oodlens {

// What one model pass over one dataset leaves behind; every score derives from it.
// Rows follow the dataset order with unreadable items left out (`index` maps back).
struct FeatureSet {
    std::size_t rows = 0;
    int dim = 0;
    int classes = 0;
    std::vector<float> features; // rows * dim, row-major
    std::vector<float> logits;   // rows * classes
    std::vector<int> labels;     // rows, -1 when unknown
    std::vector<std::size_t> index;      // rows: the item's index in the dataset
    std::vector<std::string> paths;      // rows: the item's file (or container#index)
    std::vector<std::string> skipped;    // "path: reason" for every unreadable item

    const float* featureRow(std::size_t r) const { return features.data() + r * static_cast<std::size_t>(dim); }
    const float* logitRow(std::size_t r) const { return logits.data() + r * static_cast<std::size_t>(classes); }
    int prediction(std::size_t r) const;
};

} // namespace oodlens
