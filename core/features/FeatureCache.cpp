// SPDX-License-Identifier: GPL-3.0-or-later
#include "features/FeatureCache.h"

#include "common/Error.h"
#include "common/internal/Hash.h"
#include "common/internal/RegularFile.h"
#include "io/Json.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <mutex>
#include <set>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

constexpr char kMagic[8] = {'O', 'O', 'D', 'L', 'F', 'C', '0', '2'};
constexpr char kEndMagic[8] = {'O', 'O', 'D', 'L', 'E', 'N', 'D', '!'};
// Part of every key: bump it when the layout or the meaning of cached features (e.g. preprocessing) changes.
constexpr const char* kFormat = "oodlens-feature-cache-3";

// A fast 64-bit checksum (not cryptographic): catches truncation and bit rot in large files
// at memory speed, where SHA-256 would dominate the load time.
class Checksum {
public:
    void update(const void* data, std::size_t size)
    {
        const auto* p = static_cast<const unsigned char*>(data);
        std::size_t i = 0;
        if (fill_ == 0) { // fast path: whole words
            for (; i + 8 <= size; i += 8) {
                std::memcpy(&word_, p + i, 8);
                flush();
            }
        }
        for (; i < size; ++i) {
            word_ |= std::uint64_t(p[i]) << (8 * fill_);
            if (++fill_ == 8)
                flush();
        }
    }
    std::uint64_t value()
    {
        if (fill_)
            flush();
        std::uint64_t h = state_ ^ (count_ * 0x9E3779B97F4A7C15ull);
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        return h;
    }

private:
    void flush()
    {
        std::uint64_t k = word_ * 0x87c37b91114253d5ull;
        k = (k << 31) | (k >> 33);
        state_ = ((state_ ^ k) << 27 | (state_ ^ k) >> 37) * 5 + 0x52dce729;
        word_ = 0;
        fill_ = 0;
        ++count_;
    }
    std::uint64_t state_ = 0x243F6A8885A308D3ull, word_ = 0, count_ = 0;
    int fill_ = 0;
};

class Writer {
public:
    explicit Writer(std::FILE* f) : f_(f) {}
    void raw(const void* data, std::size_t size)
    {
        if (size && std::fwrite(data, 1, size, f_) != size)
            ok_ = false;
        sum_.update(data, size);
    }
    template <typename T> void pod(const T& v) { raw(&v, sizeof v); }
    void str(const std::string& s)
    {
        pod(static_cast<std::uint32_t>(s.size()));
        raw(s.data(), s.size());
    }
    void trailer()
    {
        const std::uint64_t v = sum_.value();
        if (std::fwrite(&v, sizeof v, 1, f_) != 1 || std::fwrite(kEndMagic, 1, 8, f_) != 8)
            ok_ = false;
    }
    bool ok() const { return ok_; }

private:
    std::FILE* f_;
    Checksum sum_;
    bool ok_ = true;
};

class Reader {
public:
    Reader(std::ifstream& in, std::uint64_t size) : in_(in), left_(size) {}
    bool raw(void* out, std::size_t size)
    {
        if (size > left_ || !in_.read(static_cast<char*>(out), static_cast<std::streamsize>(size)))
            return false;
        left_ -= size;
        sum_.update(out, size);
        return true;
    }
    template <typename T> bool pod(T& v) { return raw(&v, sizeof v); }
    template <typename T> bool array(std::vector<T>& v, std::uint64_t count)
    {
        if (count > left_ / sizeof(T))
            return false; // never allocate more than the file can hold
        v.resize(count);
        return raw(v.data(), count * sizeof(T));
    }
    bool str(std::string& s)
    {
        std::uint32_t n = 0;
        if (!pod(n) || n > left_)
            return false;
        s.resize(n);
        return raw(s.data(), n);
    }
    std::uint64_t checksum() { return sum_.value(); }
    std::uint64_t left() const { return left_; }
    std::ifstream& stream() { return in_; }

private:
    std::ifstream& in_;
    std::uint64_t left_;
    Checksum sum_;
};

// A layout file is small: a few numbers per shard. Anything far larger is not one.
constexpr std::uintmax_t kMaxLayoutBytes = 64u << 20;

std::string layoutFileName(const std::string& wholeKey, int count, std::size_t batch)
{
    return wholeKey + ".shards-" + std::to_string(count) + "-batch-" + std::to_string(batch) + ".json.olfc";
}

std::string nowIso()
{
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

} // namespace

FeatureCache::FeatureCache(std::string directory) : directory_(std::move(directory))
{
    if (!enabled())
        return;
    static std::mutex mutex;
    static std::set<std::string> cleaned;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!cleaned.insert(directory_).second)
            return;
    }
    removeStaleTemporaries();
}

void FeatureCache::removeStaleTemporaries() const
{
    if (!enabled())
        return;
    std::error_code ec;
    fs::directory_iterator it(directory_, ec);
    if (ec)
        return; // no folder yet: nothing to clean
    const auto now = fs::file_time_type::clock::now();
    const std::string marker = ".olfc.tmp-";
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec)
            return;
        const std::string name = it->path().filename().string();
        const auto at = name.find(marker);
        if (at == std::string::npos || !it->is_regular_file(ec))
            continue;
        // "<key>.olfc.tmp-<pid>@<host>-<n>" (temporaryNameFor), or "<key>.olfc.tmp-<pid>-<clock>"
        // as older versions wrote it: the writer's pid, which says something only on its own host.
        // A writer elsewhere (a cluster node sharing the folder) keeps its file's mtime fresh while
        // it writes; only an hour without a write removes it.
        const std::string rest = name.substr(at + marker.size());
        char* end = nullptr;
        const long pid = std::strtol(rest.c_str(), &end, 10);
        bool here = end != rest.c_str() && *end == '-';
        if (end != rest.c_str() && *end == '@') {
            const std::string afterPid(end + 1);
            const auto dash = afterPid.rfind('-');
            here = dash != std::string::npos && afterPid.substr(0, dash) == thisHost();
        }
        const auto modified = fs::last_write_time(it->path(), ec);
        if (ec)
            continue;
        const auto age = now - modified;
        const bool writerGone = here && pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
        if ((writerGone && age > std::chrono::minutes(1)) || age > std::chrono::hours(1))
            fs::remove(it->path(), ec);
    }
}

std::string FeatureCache::defaultDirectory()
{
    if (const char* env = std::getenv("OODLENS_CACHE_DIR"); env && *env)
        return env;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        return (fs::path(xdg) / "oodlens" / "features").string();
    if (const char* home = std::getenv("HOME"); home && *home)
        return (fs::path(home) / ".cache" / "oodlens" / "features").string();
    return (fs::temp_directory_path() / "oodlens-cache").string();
}

std::string FeatureCache::key(const std::string& modelSha256, const std::string& datasetFingerprint,
                              const std::string& preprocessing)
{
    Sha256 h;
    for (const std::string& part : {std::string(kFormat), modelSha256, datasetFingerprint, preprocessing}) {
        h.update(part);
        h.update("\n", 1);
    }
    return h.hexDigest();
}

std::string FeatureCache::pathFor(const std::string& key) const { return (fs::path(directory_) / (key + ".olfc")).string(); }

void FeatureCache::store(const std::string& key, const FeatureSet& set, const std::string& description) const
{
    if (!enabled())
        return;
    std::error_code ec;
    fs::create_directories(directory_, ec);
    const std::string target = pathFor(key);
    const std::string tmp = temporaryNameFor(target); // every target ends in ".olfc": the clean-up finds them
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f)
        throw Error("cannot write feature cache '" + tmp + "': " + std::strerror(errno));
    Json header = Json::object();
    header.set("format", kFormat);
    header.set("key", key);
    header.set("rows", static_cast<unsigned long long>(set.rows));
    header.set("dim", set.dim);
    header.set("classes", set.classes);
    header.set("description", description);
    header.set("created", nowIso());
    const std::string headerText = header.dump(0);

    Writer w(f);
    w.raw(kMagic, 8);
    w.pod(static_cast<std::uint64_t>(headerText.size()));
    w.raw(headerText.data(), headerText.size());
    w.raw(set.features.data(), set.features.size() * sizeof(float));
    w.raw(set.logits.data(), set.logits.size() * sizeof(float));
    for (int label : set.labels)
        w.pod(static_cast<std::int32_t>(label));
    for (std::size_t i : set.index)
        w.pod(static_cast<std::uint64_t>(i));
    for (const std::string& p : set.paths)
        w.str(p);
    w.pod(static_cast<std::uint64_t>(set.skipped.size()));
    for (const std::string& s : set.skipped)
        w.str(s);
    w.trailer();
    const bool ok = w.ok() && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok) {
        fs::remove(tmp, ec);
        throw Error("cannot write feature cache '" + target + "': disk full or I/O error");
    }
    replaceWithTemporary(tmp, target, "feature cache '" + target + "'");
}

std::optional<FeatureSet> FeatureCache::load(const std::string& key, std::string* problem, const Expected* expected) const
{
    if (!enabled())
        return std::nullopt;
    const std::string path = pathFor(key);
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec)
        return std::nullopt; // a plain miss
    auto damaged = [&](const std::string& why) -> std::optional<FeatureSet> {
        if (problem)
            *problem = "ignored damaged feature cache '" + path + "': " + why;
        std::error_code rm;
        fs::remove(path, rm);
        return std::nullopt;
    };
    if (size < 8 + 8 + 16)
        return damaged("file too short");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    Reader r(in, size - 16);
    char magic[8];
    std::uint64_t headerLen = 0;
    if (!r.raw(magic, 8) || std::memcmp(magic, kMagic, 8) != 0)
        return damaged("wrong magic number");
    if (!r.pod(headerLen) || headerLen > r.left())
        return damaged("bad header length");
    std::string headerText(headerLen, '\0');
    if (!r.raw(headerText.data(), headerLen))
        return damaged("truncated header");
    Json header;
    try {
        header = Json::parse(headerText, "'" + path + "'");
    } catch (const Error& e) {
        return damaged(e.what());
    }
    if (header.get("format").string() != kFormat || header.get("key").string() != key)
        return damaged("header does not match its key");
    // Counts become integers only when they are whole numbers in range (a cast of anything else
    // is undefined behaviour).
    auto count = [&](const char* field, double max, double& out) {
        const Json& v = header.get(field);
        out = v.number(-1);
        return v.isNumber() && out >= 0 && out <= max && out == std::floor(out);
    };
    double rows = 0, dim = 0, classes = 0;
    if (!count("rows", 1e12, rows) || !count("dim", 1 << 24, dim) || !count("classes", 1 << 24, classes))
        return damaged("bad rows, dim or classes in the header");
    FeatureSet s;
    s.rows = static_cast<std::size_t>(rows);
    s.dim = static_cast<int>(dim);
    s.classes = static_cast<int>(classes);
    // An entry made for another model or dataset (its checksum is valid, its shapes are not
    // these): a miss, rewritten by this run.
    auto mismatch = [&](const std::string& why) -> std::optional<FeatureSet> {
        if (problem)
            *problem = "feature cache entry '" + path + "' does not match the model and dataset (" + why +
                       "); extracting again";
        return std::nullopt;
    };
    if (expected && expected->dim >= 0 && s.dim != expected->dim)
        return mismatch("feature dimension " + std::to_string(s.dim) + ", the model's is " + std::to_string(expected->dim));
    if (expected && expected->classes >= 0 && s.classes != expected->classes)
        return mismatch(std::to_string(s.classes) + " classes, the model has " + std::to_string(expected->classes));
    if (expected && expected->items > 0 && s.rows > expected->items)
        return mismatch(std::to_string(s.rows) + " rows, the dataset has " + std::to_string(expected->items) + " items");
    std::vector<std::int32_t> labels;
    std::vector<std::uint64_t> index;
    if (!r.array(s.features, std::uint64_t(s.rows) * s.dim) || !r.array(s.logits, std::uint64_t(s.rows) * s.classes) ||
        !r.array(labels, s.rows) || !r.array(index, s.rows))
        return damaged("truncated data");
    s.labels.assign(labels.begin(), labels.end());
    s.index.assign(index.begin(), index.end());
    s.paths.resize(s.rows);
    for (std::string& p : s.paths)
        if (!r.str(p))
            return damaged("truncated paths");
    std::uint64_t skipped = 0;
    if (!r.pod(skipped) || skipped > r.left())
        return damaged("truncated skipped list");
    s.skipped.resize(skipped);
    for (std::string& p : s.skipped)
        if (!r.str(p))
            return damaged("truncated skipped list");
    if (r.left() != 0)
        return damaged("unexpected bytes before the trailer");
    if (expected && expected->items > 0) {
        for (std::size_t i : s.index)
            if (i >= expected->items)
                return mismatch("item index " + std::to_string(i) + ", the dataset has " +
                                std::to_string(expected->items) + " items");
        if (s.rows + s.skipped.size() > expected->items)
            return mismatch(std::to_string(s.rows) + " rows and " + std::to_string(s.skipped.size()) +
                            " skipped items, the dataset has " + std::to_string(expected->items));
    }
    const std::uint64_t sum = r.checksum();
    std::uint64_t stored = 0;
    char end[8];
    if (!in.read(reinterpret_cast<char*>(&stored), 8) || !in.read(end, 8) || std::memcmp(end, kEndMagic, 8) != 0)
        return damaged("missing trailer (incomplete write)");
    if (stored != sum)
        return damaged("checksum mismatch");
    return s;
}

void FeatureCache::storeShardLayout(const std::string& wholeKey, const ShardLayout& layout) const
{
    if (!enabled())
        return;
    std::error_code ec;
    fs::create_directories(directory_, ec);
    Json ranges = Json::array();
    for (const ShardItems& r : layout.ranges) {
        Json pair = Json::array();
        pair.push(static_cast<unsigned long long>(r.begin));
        pair.push(static_cast<unsigned long long>(r.end));
        ranges.push(std::move(pair));
    }
    Json j = Json::object();
    j.set("format", kFormat);
    j.set("key", wholeKey);
    j.set("count", layout.count);
    j.set("batch", static_cast<unsigned long long>(layout.batch));
    j.set("items", static_cast<unsigned long long>(layout.items));
    j.set("ranges", std::move(ranges));
    const std::string text = j.dump(0) + "\n";
    const std::string target = (fs::path(directory_) / layoutFileName(wholeKey, layout.count, layout.batch)).string();
    const std::string tmp = temporaryNameFor(target); // every target ends in ".olfc": the clean-up finds them
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            fs::remove(tmp, ec);
            throw Error("cannot write the shard layout '" + target + "': disk full or I/O error");
        }
    }
    replaceWithTemporary(tmp, target, "the shard layout '" + target + "'");
}

std::vector<FeatureCache::ShardLayout> FeatureCache::shardLayouts(const std::string& wholeKey, std::size_t items,
                                                                  std::vector<std::string>* problems) const
{
    std::vector<ShardLayout> out;
    if (!enabled())
        return out;
    std::error_code ec;
    fs::directory_iterator it(directory_, ec);
    if (ec)
        return out;
    const std::string prefix = wholeKey + ".shards-", suffix = ".json.olfc";
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec)
            break;
        const std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string path = it->path().string();
        auto skip = [&](const std::string& why) {
            if (problems)
                problems->push_back("ignored shard layout '" + path + "': " + why);
        };
        std::error_code sizeError;
        const auto size = fs::file_size(it->path(), sizeError);
        if (sizeError || size > kMaxLayoutBytes) {
            skip(sizeError ? sizeError.message() : "larger than any layout");
            continue;
        }
        std::ifstream in(path, std::ios::binary);
        std::string text(static_cast<std::size_t>(size), '\0');
        if (!in.read(text.data(), static_cast<std::streamsize>(size))) {
            skip("cannot be read");
            continue;
        }
        try {
            // Two numbers per shard and a handful of fields: bound the values by the largest count.
            const Json j = Json::parse(text, "'" + path + "'", 3 * static_cast<std::size_t>(kMaxShards) + 16);
            const double count = j.get("count").number(-1), total = j.get("items").number(-1),
                         batch = j.get("batch").number(-1);
            if (j.get("format").string() != kFormat || j.get("key").string() != wholeKey)
                throw Error("it belongs to another key or cache format");
            if (!(count >= 1 && count <= kMaxShards && count == std::floor(count)) ||
                !(batch >= 1 && batch <= 1e9 && batch == std::floor(batch)) ||
                name != layoutFileName(wholeKey, static_cast<int>(count), static_cast<std::size_t>(batch)))
                throw Error("its shard count or batch size does not match its name");
            if (total != static_cast<double>(items))
                continue; // made for other content under the same key: not this dataset's
            ShardLayout layout;
            layout.count = static_cast<int>(count);
            layout.batch = static_cast<std::size_t>(batch);
            layout.items = items;
            const std::vector<Json>& ranges = j.get("ranges").items();
            if (ranges.size() != static_cast<std::size_t>(layout.count))
                throw Error("it lists " + std::to_string(ranges.size()) + " ranges for " +
                            std::to_string(layout.count) + " shards");
            std::size_t next = 0;
            for (const Json& r : ranges) {
                const std::vector<Json>& pair = r.items();
                const double b = pair.size() == 2 ? pair[0].number(-1) : -1, e = pair.size() == 2 ? pair[1].number(-1) : -1;
                if (b != static_cast<double>(next) || !(e >= b && e <= static_cast<double>(items)) || e != std::floor(e))
                    throw Error("its ranges do not cover the dataset's items in order");
                layout.ranges.push_back({next, static_cast<std::size_t>(e)});
                next = static_cast<std::size_t>(e);
            }
            if (next != items)
                throw Error("its ranges end at item " + std::to_string(next) + " of " + std::to_string(items));
            out.push_back(std::move(layout));
        } catch (const Error& e) {
            skip(e.what());
        }
    }
    std::sort(out.begin(), out.end(), [](const ShardLayout& a, const ShardLayout& b) {
        return a.count != b.count ? a.count < b.count : a.batch < b.batch;
    });
    return out;
}

} // namespace oodlens
