// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Shards: a deterministic 1/N of a dataset, extracted on its own (one task of a Slurm job array,
// say) into a cache entry of its own, and a complete set of them used as if the dataset had been
// extracted whole.
#include <cstddef>
#include <string>
#include <vector>

namespace oodlens {

// Shard `index` (0-based) of `count`.
struct Shard {
    int index = 0;
    int count = 1;
    std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// Reads "I/N" (0 <= I < N <= kMaxShards); throws Error saying what is wrong, naming `option`.
constexpr int kMaxShards = 100000;
Shard parseShard(const std::string& text, const std::string& option = "--shard");

// The items [begin, end) of `shard` of a dataset of `items` items (in the dataset's order: sorted
// paths for folders, record order for containers). The dataset's batches of `batch` items are
// dealt out to the shards in contiguous runs, so every batch a shard runs is one that an unsharded
// extraction runs too: the features of a complete set of shards are bit-identical to a whole
// extraction's with the same batch size. A shard may be empty (more shards than batches).
struct ShardItems {
    std::size_t begin = 0, end = 0;
    std::size_t size() const { return end - begin; }
};
ShardItems shardItems(std::size_t items, std::size_t batch, const Shard& shard);

// Where each shard of a dataset's features came from, for run.json and the Datasets dock.
struct ShardPart {
    Shard shard;
    ShardItems items;
    std::string cacheFile;     // the shard's cache entry
    bool extractedHere = false; // it was missing from the cache and this run extracted it
};

} // namespace oodlens
