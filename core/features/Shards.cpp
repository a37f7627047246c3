// SPDX-License-Identifier: GPL-3.0-or-later
#include "features/Shards.h"

#include "common/Error.h"

#include <algorithm>
#include <cctype>

namespace oodlens {
namespace {

bool wholeNumber(const std::string& s, int& out)
{
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
        return false;
    out = std::stoi(s);
    return true;
}

} // namespace

Shard parseShard(const std::string& text, const std::string& option)
{
    const auto slash = text.find('/');
    Shard s;
    if (slash == std::string::npos || !wholeNumber(text.substr(0, slash), s.index) ||
        !wholeNumber(text.substr(slash + 1), s.count))
        throw Error(option + " takes I/N, shard I (counted from 0) of N (got '" + text + "')");
    if (s.count < 1 || s.count > kMaxShards)
        throw Error(option + ": N must be from 1 to " + std::to_string(kMaxShards) + " (got '" + text + "')");
    if (s.index >= s.count)
        throw Error(option + ": I counts from 0 and must be below N (got '" + text + "'; the last shard of " +
                    std::to_string(s.count) + " is " + std::to_string(s.count - 1) + "/" + std::to_string(s.count) + ")");
    return s;
}

ShardItems shardItems(std::size_t items, std::size_t batch, const Shard& shard)
{
    batch = std::max<std::size_t>(1, batch);
    const std::size_t batches = (items + batch - 1) / batch;
    const auto count = static_cast<std::size_t>(std::max(1, shard.count));
    const auto index = static_cast<std::size_t>(std::clamp(shard.index, 0, shard.count - 1));
    // Batches [floor(index * batches / count), floor((index + 1) * batches / count)): sizes differ by one at most.
    const std::size_t first = index * batches / count, last = (index + 1) * batches / count;
    return {std::min(items, first * batch), std::min(items, last * batch)};
}

} // namespace oodlens
