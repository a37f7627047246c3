// SPDX-License-Identifier: GPL-3.0-or-later
#include "features/Extraction.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "datasets/Dataset.h"
#include "features/FeatureCache.h"
#include "model/Classifier.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <future>

namespace oodlens {
namespace {

// One batch of preprocessed images ready for the model.
struct Batch {
    std::size_t begin = 0, end = 0; // dataset item range
    std::vector<float> input;       // rows x C x H x W
    std::vector<std::size_t> items; // dataset indices of the rows that decoded
    std::vector<std::string> skipped;
    int height = 0, width = 0; // output size of every row; 0 while no image so far has decoded
};

// A cache entry belongs to the same data (its key holds the dataset's fingerprint), but a result
// reports this dataset's own paths, never the ones stored in the entry (the same folder may be
// spelled differently: "./data" and "/home/me/data"). False when the entry's rows do not fit the
// dataset.
bool useCurrentPaths(FeatureSet& set, const Dataset& data)
{
    if (set.index.size() != set.rows || set.paths.size() != set.rows)
        return false;
    std::string oldPrefix, newPrefix;
    for (std::size_t r = 0; r < set.rows; ++r) {
        if (set.index[r] >= data.size() || (r > 0 && set.index[r] <= set.index[r - 1]))
            return false;
        std::string now = data.itemPath(set.index[r]);
        if (r == 0) {
            // The stored spelling of the root, for the skipped items' messages: what differs
            // before the common tail of the first item's old and new path.
            const std::string& old = set.paths[0];
            std::size_t tail = 0;
            while (tail < old.size() && tail < now.size() && old[old.size() - 1 - tail] == now[now.size() - 1 - tail])
                ++tail;
            oldPrefix = old.substr(0, old.size() - tail);
            newPrefix = now.substr(0, now.size() - tail);
        }
        set.paths[r] = std::move(now);
    }
    if (oldPrefix != newPrefix && !oldPrefix.empty())
        for (std::string& skipped : set.skipped)
            for (std::size_t at = skipped.find(oldPrefix); at != std::string::npos;
                 at = skipped.find(oldPrefix, at + newPrefix.size()))
                skipped.replace(at, oldPrefix.size(), newPrefix);
    return true;
}

// Items [begin, end) of another dataset.
class RangeDataset final : public Dataset {
public:
    RangeDataset(const Dataset& data, std::size_t begin, std::size_t end, std::string fingerprint)
        : data_(data), begin_(begin), end_(end), fingerprint_(std::move(fingerprint))
    {
    }
    std::string kind() const override { return data_.kind(); }
    std::string source() const override { return data_.source(); }
    std::size_t size() const override { return end_ - begin_; }
    ImageU8 image(std::size_t i) const override { return data_.image(begin_ + i); }
    int label(std::size_t i) const override { return data_.label(begin_ + i); }
    std::string itemPath(std::size_t i) const override { return data_.itemPath(begin_ + i); }
    std::vector<std::string> classNames() const override { return data_.classNames(); }
    std::string fingerprint() const override { return fingerprint_; }

private:
    const Dataset& data_;
    std::size_t begin_, end_;
    std::string fingerprint_;
};

} // namespace

std::unique_ptr<Dataset> datasetRange(const Dataset& data, std::size_t begin, std::size_t end,
                                      const std::string& dataFingerprint)
{
    end = std::min(end, data.size());
    begin = std::min(begin, end);
    return std::make_unique<RangeDataset>(data, begin, end,
                                          dataFingerprint + "#items:" + std::to_string(begin) + "-" + std::to_string(end));
}

namespace {

std::string entryKey(const Classifier& model, const std::string& fingerprint, const PreprocessSpec& spec,
                     const CacheOptions& cacheOptions)
{
    return FeatureCache::key(model.info().sha256, fingerprint, spec.describe() + ";device=" + cacheOptions.device);
}

// The entry `key` when it is there and fits `data` (its rows then carry data's paths); otherwise
// nothing, with `problem` saying why when it was more than a plain miss.
std::optional<FeatureSet> loadEntry(const FeatureCache& cache, const std::string& key, const Classifier& model,
                                    const Dataset& data, std::string& problem)
{
    const FeatureCache::Expected expected{model.head().dim, model.head().classes, data.size()};
    std::optional<FeatureSet> cached = cache.load(key, &problem, &expected);
    if (cached && !useCurrentPaths(*cached, data)) {
        problem = "ignored feature cache entry '" + cache.pathFor(key) + "': its rows do not fit '" + data.source() + "'";
        cached.reset();
    }
    return cached;
}

// Runs the model over `data` and stores the set under `key` (a store that fails is a warning).
// With `keepUnreadable`, a dataset with no readable item gives an empty set that lists them (a
// shard may be all unreadable; the whole dataset then still has rows elsewhere).
CachedFeatures extractAndStore(const Classifier& model, const Dataset& data, const PreprocessSpec& spec,
                               const FeatureCache& cache, const std::string& key, const ExtractionOptions& options,
                               ProgressSink* sink, const std::string& description, bool keepUnreadable = false,
                               bool mustStore = false)
{
    CachedFeatures out;
    ExtractionOptions o = options;
    double forward = 0;
    o.forwardSeconds = &forward;
    try {
        out.set = extractFeatures(model, data, spec, o, sink);
    } catch (NoReadableImage& none) {
        if (!keepUnreadable)
            throw;
        out.set.dim = model.info().featureDim;
        out.set.classes = model.info().classes;
        out.set.skipped = std::move(none.skipped);
    }
    out.forwardSeconds = forward;
    if (options.forwardSeconds)
        *options.forwardSeconds += forward;
    try {
        cache.store(key, out.set, description);
    } catch (const Error& err) {
        if (mustStore)
            throw;
        if (sink)
            sink->warning(std::string(err.what()) + " (results are kept in memory)");
    }
    return out;
}

// Shard `part` of `data` from its cache entry, else extracted and stored; rows index into `data`.
CachedFeatures shardFeatures(const Classifier& model, const Dataset& data, const std::string& fingerprint,
                             const PreprocessSpec& spec, const FeatureCache& cache, const CacheOptions& cacheOptions,
                             const ExtractionOptions& options, ProgressSink* sink, const std::string& description,
                             const ShardPart& part, bool forMerge)
{
    CachedFeatures out;
    out.shards.push_back(part);
    if (part.items.size() == 0) { // more shards than batches: nothing to do
        out.set.dim = model.info().featureDim;
        out.set.classes = model.info().classes;
        out.fromCache = true;
        return out;
    }
    const std::unique_ptr<Dataset> items = datasetRange(data, part.items.begin, part.items.end, fingerprint);
    const std::string key = entryKey(model, items->fingerprint(), spec, cacheOptions);
    const std::string file = cache.pathFor(key);
    std::string problem;
    if (std::optional<FeatureSet> cached = loadEntry(cache, key, model, *items, problem)) {
        out.set = std::move(*cached);
        out.fromCache = true;
    } else {
        if (!problem.empty() && sink)
            sink->warning(problem);
        if (forMerge && sink)
            sink->warning("shard " + part.shard.text() + " of '" + data.source() + "' (items " +
                          std::to_string(part.items.begin) + " to " + std::to_string(part.items.end - 1) +
                          ") is not in the feature cache: extracting it here");
        out = extractAndStore(model, *items, spec, cache, key, options, sink,
                              description + " | shard " + part.shard.text(), true, !forMerge);
        out.shards = {part};
        out.shards.back().extractedHere = true;
    }
    out.shards.back().cacheFile = file;
    for (std::size_t& i : out.set.index)
        i += part.items.begin;
    return out;
}

std::vector<ShardPart> partsOf(const FeatureCache::ShardLayout& layout)
{
    std::vector<ShardPart> parts;
    for (int i = 0; i < layout.count; ++i) {
        ShardPart p;
        p.shard = {i, layout.count};
        p.items = layout.ranges[static_cast<std::size_t>(i)];
        parts.push_back(p);
    }
    return parts;
}

// The whole set from the shards of the stored layout with the most shards present (fewest shards
// among complete ones); missing shards are extracted here.
CachedFeatures fromShards(const Classifier& model, const Dataset& data, const std::string& fingerprint,
                          const PreprocessSpec& spec, const FeatureCache& cache, const CacheOptions& cacheOptions,
                          const ExtractionOptions& options, ProgressSink* sink, const std::string& description,
                          const std::vector<FeatureCache::ShardLayout>& layouts)
{
    const FeatureCache::ShardLayout* best = nullptr;
    double bestPresent = -1;
    for (const FeatureCache::ShardLayout& layout : layouts) {
        int present = 0;
        for (const ShardPart& p : partsOf(layout)) {
            std::error_code ec;
            const bool there = p.items.size() == 0 ||
                               std::filesystem::exists(cache.pathFor(entryKey(
                                   model, datasetRange(data, p.items.begin, p.items.end, fingerprint)->fingerprint(),
                                   spec, cacheOptions)), ec);
            present += there ? 1 : 0;
        }
        const double share = double(present) / layout.count;
        if (share > bestPresent) { // layouts come fewest shards first: ties keep the smaller count
            best = &layout;
            bestPresent = share;
        }
    }
    CachedFeatures out;
    out.fromCache = true;
    out.set.dim = model.info().featureDim;
    out.set.classes = model.info().classes;
    // A missing shard is extracted at the layout's batch size: its batches are then the ones a
    // whole extraction at that size runs.
    ExtractionOptions layoutOptions = options;
    layoutOptions.batchSize = static_cast<int>(std::min<std::size_t>(best->batch, 1u << 30));
    for (const ShardPart& p : partsOf(*best)) {
        CachedFeatures part = shardFeatures(model, data, fingerprint, spec, cache, cacheOptions, layoutOptions, sink,
                                            description, p, true);
        FeatureSet& s = part.set;
        FeatureSet& o = out.set;
        o.features.insert(o.features.end(), s.features.begin(), s.features.end());
        o.logits.insert(o.logits.end(), s.logits.begin(), s.logits.end());
        o.labels.insert(o.labels.end(), s.labels.begin(), s.labels.end());
        o.index.insert(o.index.end(), s.index.begin(), s.index.end());
        o.paths.insert(o.paths.end(), std::make_move_iterator(s.paths.begin()), std::make_move_iterator(s.paths.end()));
        o.skipped.insert(o.skipped.end(), std::make_move_iterator(s.skipped.begin()),
                         std::make_move_iterator(s.skipped.end()));
        out.fromCache = out.fromCache && part.fromCache;
        out.forwardSeconds += part.forwardSeconds;
        out.shards.push_back(part.shards.front());
    }
    out.set.rows = out.set.index.size();
    if (out.set.rows == 0)
        throw NoReadableImage("dataset '" + data.source() + "' has no readable image (" +
                                  std::to_string(out.set.skipped.size()) + " skipped; first: " +
                                  (out.set.skipped.empty() ? std::string("none") : out.set.skipped.front()) + ")",
                              std::move(out.set.skipped));
    return out;
}

} // namespace

CachedFeatures extractCached(const Classifier& model, const Dataset& data, const std::string& fingerprint,
                             const PreprocessSpec& spec, const CacheOptions& cacheOptions,
                             const ExtractionOptions& options, ProgressSink* sink, const std::string& description)
{
    const FeatureCache cache(cacheOptions.directory);
    const std::string key = entryKey(model, fingerprint, spec, cacheOptions);
    std::string problem;
    if (std::optional<FeatureSet> cached = loadEntry(cache, key, model, data, problem)) {
        CachedFeatures out;
        out.set = std::move(*cached);
        out.fromCache = true;
        return out;
    }
    if (!problem.empty() && sink)
        sink->warning(problem);
    std::vector<std::string> problems;
    const std::vector<FeatureCache::ShardLayout> layouts = cache.shardLayouts(key, data.size(), &problems);
    for (const std::string& p : problems)
        if (sink)
            sink->warning(p);
    if (!layouts.empty())
        return fromShards(model, data, fingerprint, spec, cache, cacheOptions, options, sink, description, layouts);
    return extractAndStore(model, data, spec, cache, key, options, sink, description);
}

CachedFeatures extractShard(const Classifier& model, const Dataset& data, const std::string& fingerprint,
                            const PreprocessSpec& spec, const CacheOptions& cacheOptions,
                            const ExtractionOptions& options, ProgressSink* sink, const std::string& description,
                            const Shard& shard)
{
    const FeatureCache cache(cacheOptions.directory);
    if (!cache.enabled())
        throw Error("a shard is kept only in the feature cache, and the cache is off");
    FeatureCache::ShardLayout layout;
    const auto batch = static_cast<std::size_t>(std::max(1, options.batchSize));
    layout.count = shard.count;
    layout.batch = batch;
    layout.items = data.size();
    for (int i = 0; i < shard.count; ++i)
        layout.ranges.push_back(shardItems(data.size(), batch, {i, shard.count}));
    cache.storeShardLayout(entryKey(model, fingerprint, spec, cacheOptions), layout);
    ShardPart part;
    part.shard = shard;
    part.items = layout.ranges[static_cast<std::size_t>(shard.index)];
    return shardFeatures(model, data, fingerprint, spec, cache, cacheOptions, options, sink, description, part, false);
}

void forEachBatch(const Dataset& data, const PreprocessSpec& specIn, const ExtractionOptions& options,
                  ProgressSink* sink, const std::string& stage, const BatchFn& fn)
{
    const std::size_t n = data.size();
    if (n == 0)
        throw Error("dataset '" + data.source() + "' is empty");
    PreprocessSpec spec = specIn;
    const int channels = spec.channels > 0 ? spec.channels : 3;
    spec.channels = channels;
    const std::size_t batchSize = static_cast<std::size_t>(std::max(1, options.batchSize));

    // The output size of the first readable image fixes the batch shape when the spec leaves it
    // open. Each task gets the shape settled so far by value and returns the shape it used, so the
    // prefetching thread and this one share nothing mutable: batch k + 1 starts from what batch k
    // (or an earlier one) settled, and a batch with no readable image leaves the shape open.
    auto prepare = [&data, n, batchSize, channels](std::size_t begin, PreprocessSpec shape) {
        Batch b;
        b.begin = begin;
        b.end = std::min(n, begin + batchSize);
        for (std::size_t i = b.begin; i < b.end; ++i) {
            try {
                const ImageU8 img = data.image(i);
                if (shape.height == 0 || shape.width == 0) {
                    int height = 0, width = 0;
                    preprocessedSize(shape, img.height, img.width, height, width);
                    shape.height = height;
                    shape.width = width;
                }
                const std::size_t block = static_cast<std::size_t>(channels) * shape.height * shape.width;
                b.input.resize(b.input.size() + block);
                preprocessImage(img, shape, b.input.data() + b.input.size() - block);
                b.items.push_back(i);
            } catch (const std::exception& e) {
                b.skipped.push_back(data.itemPath(i) + ": " + e.what());
            }
        }
        b.height = shape.height;
        b.width = shape.width;
        return b;
    };

    if (sink)
        sink->update(stage, 0, n);
    // Decode the next batch on another thread while the model runs on the current one; at most two
    // batches of decoded images exist at any time, whatever the dataset size.
    std::future<Batch> next = std::async(std::launch::async, prepare, std::size_t(0), spec);
    for (std::size_t begin = 0; begin < n; begin += batchSize) {
        Batch batch = next.get();
        if (spec.height == 0 || spec.width == 0) {
            spec.height = batch.height;
            spec.width = batch.width;
        }
        if (batch.end < n)
            next = std::async(std::launch::async, prepare, batch.end, spec);
        if (sink && sink->isCancelRequested()) {
            if (next.valid())
                next.wait();
            throw Cancelled();
        }
        fn(batch.input.data(), batch.items, batch.skipped, channels, batch.height, batch.width);
        if (sink)
            sink->update(stage, batch.end, n);
    }
}

FeatureSet extractFeatures(const Classifier& model, const Dataset& data, const PreprocessSpec& spec,
                           const ExtractionOptions& options, ProgressSink* sink)
{
    FeatureSet out;
    out.dim = model.info().featureDim;
    out.classes = model.info().classes;
    forEachBatch(data, spec, options, sink, "extracting '" + data.source() + "'",
                 [&](const float* input, const std::vector<std::size_t>& items, const std::vector<std::string>& skipped,
                     int c, int h, int w) {
                     for (const std::string& s : skipped) {
                         out.skipped.push_back(s);
                         if (sink)
                             sink->warning("skipped " + s);
                     }
                     if (items.empty())
                         return;
                     const auto start = std::chrono::steady_clock::now();
                     model.forward(input, static_cast<int>(items.size()), c, h, w, out.logits, out.features);
                     if (options.forwardSeconds)
                         *options.forwardSeconds +=
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                     for (std::size_t i : items) {
                         out.index.push_back(i);
                         out.labels.push_back(data.label(i));
                         out.paths.push_back(data.itemPath(i));
                     }
                 });
    out.rows = out.index.size();
    if (out.rows == 0) {
        // The message first: the list moves into the exception.
        const std::string message = "dataset '" + data.source() + "' has no readable image (" +
                                    std::to_string(out.skipped.size()) + " skipped; first: " + out.skipped.front() + ")";
        throw NoReadableImage(message, std::move(out.skipped));
    }
    return out;
}

} // namespace oodlens
