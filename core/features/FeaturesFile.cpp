// SPDX-License-Identifier: GPL-3.0-or-later
#include "features/FeaturesFile.h"

#include "common/Error.h"
#include "common/internal/Hash.h"
#include "datasets/ClassNames.h"
#include "io/Npy.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

// Every array a features file may hold (FeaturesFile.h).
const std::vector<std::string> kArrays = {"features",    "logits",    "labels",      "paths",
                                          "head_weight", "head_bias", "class_names", "label_names"};

bool endsWithNpz(const std::string& path)
{
    if (path.size() < 4)
        return false;
    std::string tail = path.substr(path.size() - 4);
    std::transform(tail.begin(), tail.end(), tail.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return tail == ".npz";
}

std::uintmax_t bytesOf(const std::string& path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::uintmax_t total = 0;
        for (const std::string& name : kArrays) {
            const auto size = fs::file_size(fs::path(path) / (name + ".npy"), ec);
            total += ec ? 0 : size;
        }
        return total;
    }
    const auto size = fs::file_size(path, ec);
    return ec ? 0 : size;
}

[[noreturn]] void refuse(const std::string& path, const std::string& why)
{
    throw Error("features file '" + path + "': " + why);
}

std::string shapeText(const std::vector<std::size_t>& shape)
{
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// A float array of rank `rank`, every value finite.
const NpyArray& floats(const std::string& path, const std::map<std::string, NpyArray>& arrays, const char* name,
                       std::size_t rank, const char* layout)
{
    const auto it = arrays.find(name);
    if (it == arrays.end())
        refuse(path, std::string("no '") + name + "' array (expected " + layout + ")");
    const NpyArray& a = it->second;
    if (a.kind != 'f')
        refuse(path, std::string("'") + name + "' must hold floats, " + layout);
    if (a.shape.size() != rank)
        refuse(path, std::string("'") + name + "' has shape " + shapeText(a.shape) + ", expected " + layout);
    for (std::size_t i = 0; i < a.floats.size(); ++i)
        if (!std::isfinite(a.floats[i]))
            refuse(path, std::string("'") + name + "' holds a value that is not finite at flat index " + std::to_string(i));
    return a;
}

std::optional<Head> headFrom(const std::string& path, const std::map<std::string, NpyArray>& arrays)
{
    const bool weight = arrays.count("head_weight") > 0, bias = arrays.count("head_bias") > 0;
    if (!weight && bias)
        refuse(path, "'head_bias' without 'head_weight'");
    if (!weight)
        return std::nullopt;
    const NpyArray& w = floats(path, arrays, "head_weight", 2, "[classes, dim]");
    Head h;
    h.classes = static_cast<int>(std::min<std::size_t>(w.shape[0], std::numeric_limits<int>::max()));
    h.dim = static_cast<int>(std::min<std::size_t>(w.shape[1], std::numeric_limits<int>::max()));
    if (h.classes < 1 || h.dim < 1 || std::size_t(h.classes) != w.shape[0] || std::size_t(h.dim) != w.shape[1])
        refuse(path, "'head_weight' has shape " + shapeText(w.shape) + ": classes and dim must be at least 1");
    h.weight = w.floats;
    if (bias) {
        const NpyArray& b = floats(path, arrays, "head_bias", 1, "[classes]");
        if (b.shape[0] != w.shape[0])
            refuse(path, "'head_bias' has " + std::to_string(b.shape[0]) + " values, 'head_weight' " +
                             std::to_string(w.shape[0]) + " classes");
        h.bias = b.floats;
    } else {
        h.bias.assign(std::size_t(h.classes), 0.0f);
    }
    return h;
}

// A list of names (class_names, label_names), each checked as a class-names file's line is.
std::vector<std::string> namesFrom(const std::string& path, const std::map<std::string, NpyArray>& arrays,
                                   const char* name)
{
    const auto it = arrays.find(name);
    if (it == arrays.end())
        return {};
    const NpyArray& a = it->second;
    if ((a.kind != 'U' && a.kind != 'S') || a.shape.size() != 1 || a.shape[0] > kMaxClassNames)
        refuse(path, std::string("'") + name + "' must be a list of at most " + std::to_string(kMaxClassNames) +
                         " strings");
    for (std::size_t i = 0; i < a.strings.size(); ++i)
        checkClassName(a.strings[i], "features file '" + path + "': '" + name + "' entry " + std::to_string(i));
    return a.strings;
}

} // namespace

bool isFeaturesPath(const std::string& path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        return fs::is_regular_file(fs::path(path) / "features.npy", ec);
    return endsWithNpz(path);
}

std::uint64_t featuresFileByteCap(const std::string& path)
{
    const std::uint64_t floor = 16ull << 20;
    const std::uint64_t size = bytesOf(path);
    return std::max<std::uint64_t>(floor, size > (UINT64_MAX >> 7) ? UINT64_MAX : size * 64);
}

FeaturesHead readFeaturesHead(const std::string& path)
{
    const auto arrays = readNpyArrays(path, {"head_weight", "head_bias", "class_names"}, featuresFileByteCap(path));
    std::optional<Head> head = headFrom(path, arrays);
    if (!head)
        refuse(path, "it holds no 'head_weight', so it cannot stand in for a model: give --model FILE, or save "
                     "head_weight (and head_bias) in it (README, \"Features in and out\")");
    FeaturesHead out;
    out.head = std::move(*head);
    out.classNames = namesFrom(path, arrays, "class_names");
    if (!out.classNames.empty() && out.classNames.size() != std::size_t(out.head.classes))
        refuse(path, "'class_names' has " + std::to_string(out.classNames.size()) + " names for " +
                         std::to_string(out.head.classes) + " classes");
    return out;
}

FeaturesFile readFeaturesFile(const std::string& path)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error("features file '" + path + "' does not exist");
    const auto arrays = readNpyArrays(path, kArrays, featuresFileByteCap(path));
    const NpyArray& f = floats(path, arrays, "features", 2, "[N, D]: one row of penultimate features per image");
    const NpyArray& z = floats(path, arrays, "logits", 2, "[N, C]: the classifier's outputs per image");
    const std::size_t rows = f.shape[0];
    if (rows == 0)
        refuse(path, "'features' has no rows");
    if (z.shape[0] != rows)
        refuse(path, "'features' has " + std::to_string(rows) + " rows and 'logits' " + std::to_string(z.shape[0]));
    if (f.shape[1] < 1 || f.shape[1] > (1u << 24) || z.shape[1] < 1 || z.shape[1] > (1u << 24))
        refuse(path, "'features' " + shapeText(f.shape) + " and 'logits' " + shapeText(z.shape) +
                         " must have from 1 to 16777216 columns");
    FeaturesFile out;
    FeatureSet& s = out.set;
    s.rows = rows;
    s.dim = static_cast<int>(f.shape[1]);
    s.classes = static_cast<int>(z.shape[1]);
    s.features = f.floats;
    s.logits = z.floats;
    s.index.resize(rows);
    for (std::size_t i = 0; i < rows; ++i)
        s.index[i] = i;
    s.labels.assign(rows, -1);
    if (const auto it = arrays.find("labels"); it != arrays.end()) {
        const NpyArray& l = it->second;
        if ((l.kind != 'i' && l.kind != 'u' && l.kind != 'b') || l.shape.size() != 1 || l.shape[0] != rows)
            refuse(path, "'labels' must be integers of shape [" + std::to_string(rows) + "], not " +
                             std::string(1, l.kind ? l.kind : '?') + " " + shapeText(l.shape));
        for (std::size_t i = 0; i < rows; ++i) {
            if (l.ints[i] < -1 || l.ints[i] > std::numeric_limits<int>::max() - 1)
                refuse(path, "'labels' row " + std::to_string(i) + " is " + std::to_string(l.ints[i]) +
                                 " (labels are class indices from 0, or -1 for unknown)");
            s.labels[i] = static_cast<int>(l.ints[i]);
        }
    }
    if (const auto it = arrays.find("paths"); it != arrays.end()) {
        const NpyArray& p = it->second;
        if ((p.kind != 'U' && p.kind != 'S') || p.shape.size() != 1 || p.shape[0] != rows)
            refuse(path, "'paths' must be strings of shape [" + std::to_string(rows) + "] (np.array(paths, dtype=str)), not " +
                             shapeText(p.shape));
        s.paths = p.strings;
    } else {
        s.paths.resize(rows);
        for (std::size_t i = 0; i < rows; ++i)
            s.paths[i] = path + "#" + std::to_string(i);
    }
    out.head = headFrom(path, arrays);
    if (out.head && (out.head->dim != s.dim || out.head->classes != s.classes))
        refuse(path, "'head_weight' is [" + std::to_string(out.head->classes) + ", " + std::to_string(out.head->dim) +
                         "] but the features have " + std::to_string(s.dim) + " columns and the logits " +
                         std::to_string(s.classes));
    out.classNames = namesFrom(path, arrays, "class_names");
    out.labelNames = namesFrom(path, arrays, "label_names");
    if (!out.classNames.empty() && out.classNames.size() != std::size_t(s.classes))
        refuse(path, "'class_names' has " + std::to_string(out.classNames.size()) + " names for " +
                         std::to_string(s.classes) + " classes");
    Sha256 h;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    h.update((ec ? path : canonical.string()) + "\n" + std::to_string(bytesOf(path)) + "\n");
    const auto when = fs::last_write_time(fs::is_directory(path, ec) ? fs::path(path) / "features.npy" : fs::path(path), ec);
    h.update(std::to_string(ec ? 0 : when.time_since_epoch().count()));
    out.fingerprint = "features:" + h.hexDigest();
    return out;
}

void writeFeaturesFile(const std::string& path, const FeatureSet& set, const Head* head,
                       const std::vector<std::string>& classNames, const std::vector<std::string>& labelNames)
{
    std::vector<std::int64_t> labels(set.labels.begin(), set.labels.end());
    std::vector<NpyOut> arrays;
    arrays.push_back({"features", {set.rows, std::size_t(set.dim)}, set.features.data(), nullptr, nullptr, 'f'});
    arrays.push_back({"logits", {set.rows, std::size_t(set.classes)}, set.logits.data(), nullptr, nullptr, 'f'});
    arrays.push_back({"labels", {set.rows}, nullptr, labels.data(), nullptr, 'i'});
    arrays.push_back({"paths", {set.rows}, nullptr, nullptr, &set.paths, 'U'});
    if (head) {
        arrays.push_back({"head_weight", {std::size_t(head->classes), std::size_t(head->dim)}, head->weight.data(),
                          nullptr, nullptr, 'f'});
        arrays.push_back({"head_bias", {std::size_t(head->classes)}, head->bias.data(), nullptr, nullptr, 'f'});
    }
    if (!classNames.empty())
        arrays.push_back({"class_names", {classNames.size()}, nullptr, nullptr, &classNames, 'U'});
    if (!labelNames.empty())
        arrays.push_back({"label_names", {labelNames.size()}, nullptr, nullptr, &labelNames, 'U'});
    writeNpz(path, arrays);
}

double headMismatch(const FeatureSet& set, const Head& head)
{
    if (head.dim != set.dim || head.classes != set.classes)
        return std::numeric_limits<double>::infinity();
    const std::size_t rows = std::min<std::size_t>(set.rows, 256);
    double worst = 0, scale = 1;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* f = set.featureRow(r);
        const float* z = set.logitRow(r);
        for (int c = 0; c < set.classes; ++c) {
            double v = head.bias[std::size_t(c)];
            const float* w = head.weight.data() + std::size_t(c) * head.dim;
            for (int k = 0; k < set.dim; ++k)
                v += double(w[k]) * f[k];
            worst = std::max(worst, std::abs(v - z[c]));
            scale = std::max(scale, std::abs(double(z[c])));
        }
    }
    return worst / scale;
}

} // namespace oodlens
