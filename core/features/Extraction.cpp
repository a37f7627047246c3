// SPDX-License-Identifier: GPL-3.0-or-later
#include "features/Extraction.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "datasets/Dataset.h"
#include "features/FeatureCache.h"
#include "model/Classifier.h"

#include <algorithm>
#include <chrono>
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

CachedFeatures extractCached(const Classifier& model, const Dataset& data, const std::string& fingerprint,
                             const PreprocessSpec& spec, const CacheOptions& cacheOptions,
                             const ExtractionOptions& options, ProgressSink* sink, const std::string& description)
{
    CachedFeatures out;
    const FeatureCache cache(cacheOptions.directory);
    const std::string key =
        FeatureCache::key(model.info().sha256, fingerprint, spec.describe() + ";device=" + cacheOptions.device);
    std::string problem;
    const FeatureCache::Expected expected{model.head().dim, model.head().classes, data.size()};
    std::optional<FeatureSet> cached = cache.load(key, &problem, &expected);
    if (cached && !useCurrentPaths(*cached, data)) {
        problem = "ignored feature cache entry '" + cache.pathFor(key) + "': its rows do not fit '" + data.source() + "'";
        cached.reset();
    }
    if (cached) {
        out.set = std::move(*cached);
        out.fromCache = true;
        return out;
    }
    if (!problem.empty() && sink)
        sink->warning(problem);
    ExtractionOptions o = options;
    double forward = 0;
    o.forwardSeconds = &forward;
    out.set = extractFeatures(model, data, spec, o, sink);
    out.forwardSeconds = forward;
    if (options.forwardSeconds)
        *options.forwardSeconds += forward;
    try {
        cache.store(key, out.set, description);
    } catch (const Error& err) {
        if (sink)
            sink->warning(std::string(err.what()) + " (results are kept in memory)");
    }
    return out;
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
