// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The one seeded validation split of a dataset (the factor analysis's split, the sweep's ID
// validation part): documented so that numpy can redraw it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace oodlens {

// Seeded split of `count` images of dataset `dataset` (index in the run): the first
// floor(fraction * count) images in the order of their keys, key i being the i-th output of
// SplitMix64 seeded with seed + dataset (ties by index), are validation; the rest are test.
// Returns whether each image is in the validation part.
std::vector<bool> validationMask(std::size_t count, std::size_t dataset, double fraction, std::uint64_t seed);

} // namespace oodlens
