// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "common/Error.h"
#include "features/FeatureSet.h"
#include "features/Preprocess.h"
#include "features/Shards.h"

#include <functional>
#include <memory>
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

// What extractFeatures throws when no item of a dataset could be read (a model or other failure is
// a plain Error): `skipped` holds "path: reason" for every item.
class NoReadableImage : public Error {
public:
    NoReadableImage(const std::string& message, std::vector<std::string> skippedItems)
        : Error(message), skipped(std::move(skippedItems))
    {
    }
    std::vector<std::string> skipped;
};

// Runs the model once over the dataset in batches, keeping logits and penultimate features.
// Unreadable items are skipped, reported through sink->warning() and listed in `skipped`.
// Throws NoReadableImage when no item could be read, and Cancelled when the sink asks for it.
FeatureSet extractFeatures(const Classifier& model, const Dataset& data, const PreprocessSpec& spec,
                           const ExtractionOptions& options, ProgressSink* sink);

// Where cached extraction keeps its entries, and what identifies them besides the model and the
// data: the cache folder (empty: no cache) and the device the features were computed on.
struct CacheOptions {
    std::string directory;
    std::string device = "cpu";
};

// What extractCached() found: the features, and whether they came from the cache.
struct CachedFeatures {
    FeatureSet set;
    bool fromCache = false;
    double forwardSeconds = 0; // the model's forward time (0 from the cache)
    // The shards the set was put together from, in order (empty: it was one entry, or one
    // extraction). fromCache is true when every shard came from the cache.
    std::vector<ShardPart> shards;
};

// The one rule of the feature cache: the features of `data` (whose content `fingerprint`
// identifies; Dataset::fingerprint() or a part of it) under `spec` from the cache when an entry
// of this model, data, preprocessing and device is there and fits the dataset (shapes, counts,
// every row an item of `data`; the rows then carry `data`'s own paths), else from the model, then
// stored (a store that fails is a warning: the features are kept). Damaged or mismatched entries
// are reported through sink->warning(). `description` is stored in the entry for people.
CachedFeatures extractCached(const Classifier& model, const Dataset& data, const std::string& fingerprint,
                             const PreprocessSpec& spec, const CacheOptions& cache, const ExtractionOptions& options,
                             ProgressSink* sink, const std::string& description);

// Shards (Shards.h): when the whole dataset's entry is not in the cache but the shards of a
// layout stored for it are (`oodlens-cli extract --shard I/N`), extractCached puts the set together
// from them, fewest shards first among complete layouts. A layout with shards missing is used too
// (the one with the most present): each missing shard is named through sink->warning(), extracted
// here and stored as a shard, so the result is the same as a whole extraction's either way.
//
// extractShard extracts (or finds in the cache) shard `shard` of `data` alone: its items are
// shardItems(data.size(), options.batchSize, shard), its rows index into `data`, and its layout is
// stored for the whole dataset's key. The result's `shards` holds the one part.
CachedFeatures extractShard(const Classifier& model, const Dataset& data, const std::string& fingerprint,
                            const PreprocessSpec& spec, const CacheOptions& cache, const ExtractionOptions& options,
                            ProgressSink* sink, const std::string& description, const Shard& shard);

// Items [begin, end) of `data` as a dataset of their own (index i is data's begin + i), with the
// fingerprint of that range: what streaming commands extract and cache one block at a time.
std::unique_ptr<Dataset> datasetRange(const Dataset& data, std::size_t begin, std::size_t end,
                                      const std::string& dataFingerprint);


} // namespace oodlens
