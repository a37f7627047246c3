// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "features/FeatureSet.h"
#include "features/Shards.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace oodlens {

// On-disk cache of extracted features and logits, one file per (model file hash, dataset content
// fingerprint, preprocessing spec). Shared by the CLI and the GUI.
//
// Location: $OODLENS_CACHE_DIR, else $XDG_CACHE_HOME/oodlens/features, else ~/.cache/oodlens/features.
// File: <key>.olfc where key = SHA-256 of the three inputs and the format version. Layout
// (little-endian): magic "OODLFC02", u64 JSON header length, JSON header (rows, dim, classes, the
// key's inputs, creation date), then features f32[rows*dim], logits f32[rows*classes],
// labels i32[rows], index u64[rows], paths and skipped items as (u32 length, bytes) strings, and a
// trailer: u64 checksum of everything before it + magic "OODLEND!". A file is written to a
// temporary name and renamed into place, so a crash or cancel mid-write never leaves a file that
// reads as valid; a file whose size, header or checksum does not match is ignored (and removed).
class FeatureCache {
public:
    // An empty directory disables the cache.
    explicit FeatureCache(std::string directory);
    static std::string defaultDirectory();

    bool enabled() const { return !directory_.empty(); }
    const std::string& directory() const { return directory_; }

    static std::string key(const std::string& modelSha256, const std::string& datasetFingerprint,
                           const std::string& preprocessing);
    std::string pathFor(const std::string& key) const;

    // What an entry must hold to be used: the model's feature dimension and class count, and no
    // more rows than the dataset has items (every index below it). -1 / 0: not checked.
    struct Expected {
        int dim = -1;
        int classes = -1;
        std::size_t items = 0; // 0: not checked
    };
    // The cached set, or nothing on a miss. A damaged entry is reported in `problem` and removed;
    // an entry whose shapes or counts do not match `expected` (a valid checksum is no proof that
    // it belongs to this model and dataset) is a miss, with a note in `problem`.
    std::optional<FeatureSet> load(const std::string& key, std::string* problem = nullptr,
                                   const Expected* expected = nullptr) const;
    // Removes the temporary files of writes that never finished (a writer killed mid-write): those
    // whose writer process is gone (and at least a minute old), and any older than an hour.
    // Called once per folder and process when a cache is first opened.
    void removeStaleTemporaries() const;
    // Stores atomically; throws Error naming the file when it cannot be written.
    void store(const std::string& key, const FeatureSet& set, const std::string& description) const;

    // How a dataset was cut into shards: `count` shards of runs of whole batches of `batch` items of
    // a dataset of `items` items, shard i holding items ranges[i]. Stored next to the entries as
    // "<whole key>.shards-<count>-batch-<batch>.json.olfc" by every shard's extraction (the same
    // text each time), so that a later run finds the shards of the whole dataset's key, and a shard
    // rerun at another batch size makes a layout of its own instead of replacing this one. The
    // shards' own entries are keyed by their ranges (datasetRange).
    struct ShardLayout {
        int count = 0;
        std::size_t batch = 0;
        std::size_t items = 0;
        std::vector<ShardItems> ranges;
    };
    // Atomic, like store(); throws Error naming the file when it cannot be written.
    void storeShardLayout(const std::string& wholeKey, const ShardLayout& layout) const;
    // The layouts stored for `wholeKey` whose item count is `items`, fewest shards first (then by
    // batch). A layout
    // file that does not parse, or whose ranges do not tile [0, items) in order, is skipped and
    // named in `problems`.
    std::vector<ShardLayout> shardLayouts(const std::string& wholeKey, std::size_t items,
                                          std::vector<std::string>* problems = nullptr) const;

private:
    std::string directory_;
};

} // namespace oodlens
