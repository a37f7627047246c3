// SPDX-License-Identifier: GPL-3.0-or-later
#include "detector/Detector.h"

#include "common/Error.h"
#include "common/Runtime.h"
#include "common/internal/Hash.h"
#include "common/internal/RegularFile.h"
#include "datasets/ClassNames.h"
#include "io/Export.h"
#include "io/Json.h"
#include "io/TextEscape.h"
#include "methods/Registry.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <unistd.h>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

constexpr const char* kFormat = "oodlens-detector";
constexpr char kSideMagic[8] = {'O', 'O', 'D', 'L', 'D', 'E', 'T', '1'};
// A detector's JSON holds settings and a few numbers per OOD set and class: 64 MiB is far more
// than any needs (100,000 class names of 255 bytes fit), and bounds what a hostile file can claim.
constexpr std::uint64_t kMaxJsonBytes = 64ull << 20;
// And values: a detector holds about a hundred plus one per class name and OOD set. A million
// bounds parsing to a few hundred megabytes and a second, whatever the text (20 million empty
// arrays fit in 64 MiB and would take 5 GB).
constexpr std::size_t kMaxJsonValues = 1000000;

// One array of the side file, in file order.
struct Section {
    std::string name;
    std::string type; // "f32", "f64", "i32"
    std::uint64_t count = 0;
};
std::uint64_t elementBytes(const std::string& type) { return type == "f64" ? 8 : 4; }

std::string nowIso()
{
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

// A seed: a JSON number while a double holds it exactly (up to 2^53), else its decimal digits as
// text, so that every 64-bit seed comes back as it was.
constexpr std::uint64_t kExactDoubleInteger = 1ull << 53;
Json seedJson(std::uint64_t seed)
{
    if (seed <= kExactDoubleInteger)
        return Json(static_cast<unsigned long long>(seed));
    return Json(std::to_string(seed));
}

Json rateJson(const RateInterval& r)
{
    Json o = Json::object();
    o.set("estimate", r.estimate);
    Json ci = Json::array();
    ci.push(r.low);
    ci.push(r.high);
    o.set("ci95", std::move(ci));
    o.set("count", static_cast<unsigned long long>(r.count));
    o.set("accepted", static_cast<unsigned long long>(r.accepted));
    o.set("resamples", r.resamples);
    o.set("seed", seedJson(r.seed));
    return o;
}

// Field readers that name the file and the field in every message.
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}
    [[noreturn]] void fail(const std::string& field, const std::string& problem) const
    {
        throw Error("detector '" + file_ + "': " + (field.empty() ? "" : "\"" + field + "\" ") + problem);
    }
    const Json& member(const Json& o, const std::string& key, const std::string& field, Json::Type type,
                       bool optional = false) const
    {
        const Json& v = o.get(key);
        if (v.isNull() && optional)
            return v;
        if (v.type() != type)
            fail(field, std::string("is missing or not ") +
                            (type == Json::Type::String   ? "text"
                             : type == Json::Type::Number ? "a number"
                             : type == Json::Type::Array  ? "a list"
                             : type == Json::Type::Object ? "an object"
                                                          : "a value of the right type"));
        return v;
    }
    std::string text(const Json& o, const std::string& key, const std::string& field) const
    {
        return member(o, key, field, Json::Type::String).string();
    }
    double number(const Json& o, const std::string& key, const std::string& field, bool nullIsNaN = false) const
    {
        if (nullIsNaN && o.get(key).isNull())
            return std::numeric_limits<double>::quiet_NaN();
        return member(o, key, field, Json::Type::Number).number();
    }
    std::uint64_t count(const Json& o, const std::string& key, const std::string& field, std::uint64_t max) const
    {
        const double v = number(o, key, field);
        if (!(v >= 0 && v <= double(max) && std::floor(v) == v))
            fail(field, "must be a whole number from 0 to " + std::to_string(max));
        return static_cast<std::uint64_t>(v);
    }
    RateInterval rate(const Json& o, const std::string& field) const
    {
        RateInterval r;
        r.estimate = number(o, "estimate", field + ".estimate", true);
        const Json& ci = member(o, "ci95", field + ".ci95", Json::Type::Array);
        if (ci.items().size() != 2)
            fail(field + ".ci95", "must hold two numbers");
        for (const Json& v : ci.items())
            if (!v.isNull() && !v.isNumber())
                fail(field + ".ci95", "must hold two numbers");
        r.low = ci.items()[0].isNull() ? std::numeric_limits<double>::quiet_NaN() : ci.items()[0].number();
        r.high = ci.items()[1].isNull() ? std::numeric_limits<double>::quiet_NaN() : ci.items()[1].number();
        r.count = count(o, "count", field + ".count", std::numeric_limits<std::uint32_t>::max() * 16ull);
        r.accepted = count(o, "accepted", field + ".accepted", r.count);
        r.resamples = static_cast<int>(count(o, "resamples", field + ".resamples", 1000000));
        r.seed = seed(o, "seed", field + ".seed");
        return r;
    }
    // seedJson's form: a whole number from 0 to 2^53, or decimal digits as text up to 2^64 - 1.
    std::uint64_t seed(const Json& o, const std::string& key, const std::string& field) const
    {
        const Json& v = o.get(key);
        if (v.isNumber()) {
            const double x = v.number();
            if (!(x >= 0 && x <= double(kExactDoubleInteger) && std::floor(x) == x))
                fail(field, "must be a whole number from 0 to 2^53 (larger seeds are written as text)");
            return static_cast<std::uint64_t>(x);
        }
        if (v.isString()) {
            const std::string& t = v.string();
            errno = 0;
            char* end = nullptr;
            const unsigned long long x = t.empty() || t[0] < '0' || t[0] > '9' ? 0 : std::strtoull(t.c_str(), &end, 10);
            if (t.empty() || t.size() > 20 || !end || *end != '\0' || errno == ERANGE)
                fail(field, "must be a whole number from 0 to 2^64 - 1, not '" + t.substr(0, 40) + "'");
            return x;
        }
        fail(field, "is missing or not a number");
    }
    const std::string& file() const { return file_; }

private:
    std::string file_;
};

// Writes the side file to `tmp` and returns its record for the JSON (sections, bytes, SHA-256);
// the caller renames it into place at `path`.
Json writeSideFile(const Detector& d, const std::string& path, const std::string& tmp)
{
    std::vector<Section> sections{{"calibration_scores", "f64", d.calibrationScores.size()}};
    if (d.fit) {
        sections.push_back({"fit_features", "f32", d.fit->features.size()});
        sections.push_back({"fit_logits", "f32", d.fit->logits.size()});
        sections.push_back({"fit_labels", "i32", d.fit->labels.size()});
    }
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
        throw Error("cannot write '" + tmp + "': " + std::strerror(errno));
    Sha256 hash;
    std::uint64_t bytes = 0;
    auto put = [&](const void* data, std::size_t size) {
        out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
        hash.update(data, size);
        bytes += size;
    };
    put(kSideMagic, sizeof kSideMagic);
    put(d.calibrationScores.data(), d.calibrationScores.size() * sizeof(double));
    if (d.fit) {
        put(d.fit->features.data(), d.fit->features.size() * sizeof(float));
        put(d.fit->logits.data(), d.fit->logits.size() * sizeof(float));
        put(d.fit->labels.data(), d.fit->labels.size() * sizeof(int));
    }
    out.close();
    if (!out) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw Error("cannot write '" + path + "': the disk may be full");
    }
    Json record = Json::object();
    record.set("file", fs::path(path).filename().string());
    record.set("bytes", static_cast<unsigned long long>(bytes));
    record.set("sha256", hash.hexDigest());
    Json list = Json::array();
    for (const Section& s : sections) {
        Json o = Json::object();
        o.set("name", s.name);
        o.set("type", s.type);
        o.set("count", static_cast<unsigned long long>(s.count));
        list.push(std::move(o));
    }
    record.set("sections", std::move(list));
    return record;
}

// Reads the side file described by `record`, after checking its size and hash against it.
void readSideFile(Detector& d, const Json& record, const std::string& jsonPath, const Reader& r)
{
    const std::string name = r.text(record, "file", "side_file.file");
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        r.fail("side_file.file", "must be a file name next to the detector, not '" + name + "'");
    const std::string path = (fs::path(jsonPath).parent_path() / name).string();
    const std::uint64_t bytes = r.count(record, "bytes", "side_file.bytes", std::numeric_limits<std::int64_t>::max());
    const std::string sha = r.text(record, "sha256", "side_file.sha256");
    std::vector<Section> sections;
    std::uint64_t expected = sizeof kSideMagic;
    for (const Json& s : r.member(record, "sections", "side_file.sections", Json::Type::Array).items()) {
        if (!s.isObject())
            r.fail("side_file.sections", "must be a list of objects");
        Section sec{r.text(s, "name", "side_file.sections.name"), r.text(s, "type", "side_file.sections.type"), 0};
        if (sec.type != "f32" && sec.type != "f64" && sec.type != "i32")
            r.fail("side_file.sections.type", "must be f32, f64 or i32, not '" + sec.type + "'");
        sec.count = r.count(s, "count", "side_file.sections.count", bytes / elementBytes(sec.type));
        expected += sec.count * elementBytes(sec.type);
        if (expected > bytes)
            r.fail("side_file.sections", "describe more data than the side file's " + std::to_string(bytes) + " bytes");
        sections.push_back(sec);
    }
    if (expected != bytes)
        r.fail("side_file.bytes", "is " + std::to_string(bytes) + " but the sections take " + std::to_string(expected));
    std::uint64_t size = 0;
    int fd = openRegularFile(path, "detector side file", &size);
    struct Closer {
        int& fd;
        ~Closer()
        {
            if (fd >= 0)
                ::close(fd);
        }
    } closer{fd}; // also when an allocation throws
    if (size != bytes)
        throw Error("detector side file '" + path + "' is " + std::to_string(size) + " bytes, but '" + r.file() +
                    "' records " + std::to_string(bytes) + (size < bytes ? ": it is truncated" : ""));
    // Read in blocks, hashing as we go; each section is allocated only once the file is known to hold it.
    auto readExact = [&](void* into, std::size_t n, Sha256& h) {
        std::size_t done = 0;
        while (done < n) {
            const ssize_t got = ::read(fd, static_cast<char*>(into) + done, n - done);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                throw Error("detector side file '" + path + "': cannot read it (" +
                            (got == 0 ? std::string("it shrank while being read") : std::strerror(errno)) + ")");
            }
            done += static_cast<std::size_t>(got);
        }
        h.update(into, n);
    };
    Sha256 hash;
    char magic[8];
    readExact(magic, sizeof magic, hash);
    if (std::memcmp(magic, kSideMagic, sizeof magic) != 0)
        throw Error("detector side file '" + path + "' is not an OOD Lens detector side file");
    std::vector<float> features, logits;
    std::vector<int> labels;
    bool haveFit = false;
    std::vector<std::string> seen;
    for (const Section& s : sections) {
        if (std::find(seen.begin(), seen.end(), s.name) != seen.end())
            r.fail("side_file.sections", "name the section '" + s.name + "' twice");
        seen.push_back(s.name);
        if (s.name == "calibration_scores" && s.type == "f64") {
            d.calibrationScores.resize(s.count);
            readExact(d.calibrationScores.data(), s.count * 8, hash);
        } else if (s.name == "fit_features" && s.type == "f32") {
            features.resize(s.count);
            readExact(features.data(), s.count * 4, hash);
            haveFit = true;
        } else if (s.name == "fit_logits" && s.type == "f32") {
            logits.resize(s.count);
            readExact(logits.data(), s.count * 4, hash);
        } else if (s.name == "fit_labels" && s.type == "i32") {
            labels.resize(s.count);
            readExact(labels.data(), s.count * 4, hash);
        } else {
            r.fail("side_file.sections", "names an unknown section '" + s.name + "' of type " + s.type);
        }
    }
    ::close(fd);
    fd = -1;
    if (hash.hexDigest() != sha)
        throw Error("detector side file '" + path + "' does not match '" + r.file() +
                    "' (its SHA-256 differs from the one recorded): it was changed or belongs to another detector");
    if (haveFit) {
        auto fit = std::make_shared<FeatureSet>();
        fit->rows = labels.size();
        fit->dim = d.featureDim;
        fit->classes = d.classes;
        if (fit->rows == 0 || features.size() != fit->rows * std::size_t(d.featureDim) ||
            logits.size() != fit->rows * std::size_t(d.classes))
            r.fail("side_file.sections", "hold a fit set whose shapes do not match the model's " +
                                             std::to_string(d.featureDim) + " features and " +
                                             std::to_string(d.classes) + " classes");
        fit->features = std::move(features);
        fit->logits = std::move(logits);
        fit->labels = std::move(labels);
        fit->index.resize(fit->rows);
        for (std::size_t i = 0; i < fit->rows; ++i)
            fit->index[i] = i;
        d.fit = std::move(fit);
    }
}

} // namespace

const char* calibrationTargetName(CalibrationTarget target)
{
    switch (target) {
    case CalibrationTarget::IdTpr: return "id_tpr";
    case CalibrationTarget::OodFpr: return "ood_fpr";
    case CalibrationTarget::Threshold: return "threshold";
    }
    return "id_tpr";
}

std::string Detector::methodLabel() const
{
    ScoreParams p;
    for (const auto& [name, value] : params.values())
        p.set(method + "." + name, value);
    return oodlens::methodLabel(method, p);
}

std::string detectorText(const Detector& d)
{
    auto rate = [](const RateInterval& r) {
        std::string t = percentText(r.estimate) + " %";
        if (r.resamples > 0)
            t += " (95 % CI " + percentText(r.low) + "-" + percentText(r.high) + ")";
        return t + " of " + std::to_string(r.count);
    };
    std::string out = d.methodLabel() + ": accepted as ID when score >= " + exactNumber(d.threshold) + "\n";
    switch (d.target) {
    case CalibrationTarget::IdTpr:
        out += "  set to keep " + percentText(d.targetValue) + " % of " + std::to_string(d.calibrationImages) +
               " calibration images of " + d.idName;
        break;
    case CalibrationTarget::OodFpr:
        out += "  set to accept at most " + percentText(d.targetValue) + " % of the OOD images";
        break;
    case CalibrationTarget::Threshold: out += "  threshold given as a number (--threshold, File > Export detector)"; break;
    }
    out += d.split ? " (seeded split: fraction " + exactNumber(d.splitFraction) + ", seed " +
                         std::to_string(d.splitSeed) + ")\n"
                   : " (no split)\n";
    out += "  ID TPR " + rate(d.idTpr) + (d.split ? " held-out" : "") + " ID images\n";
    for (const DetectorOodSet& o : d.oodSets)
        out += "  " + o.name + ": FPR " + rate(o.accepted) + " images accepted as ID" +
               (d.target == CalibrationTarget::OodFpr ? " (in-sample: these images set the threshold)" : "") + "\n";
    if (!std::isnan(d.idAccuracy))
        out += "  classifier accuracy on " + d.idName + ": " + percentText(d.idAccuracy) + " %\n";
    return out;
}

std::string detectorSideFile(const std::string& jsonPath)
{
    fs::path p(jsonPath);
    if (p.extension() == ".json")
        return p.replace_extension(".bin").string();
    return jsonPath + ".bin";
}

void writeDetector(const Detector& d, const std::string& path)
{
    if (path.empty())
        throw Error("no file given for the detector");
    const std::string side = detectorSideFile(path);
    Json root = Json::object();
    root.set("format", kFormat);
    root.set("version", Detector::kVersion);
    root.set("oodlens_version", d.oodlensVersion.empty() ? std::string(oodlensVersion()) : d.oodlensVersion);
    root.set("created", d.created.empty() ? nowIso() : d.created);
    Json model = Json::object();
    model.set("path", d.modelPath);
    model.set("sha256", d.modelSha256);
    model.set("classes", d.classes);
    model.set("feature_dim", d.featureDim);
    root.set("model", std::move(model));
    root.set("preprocessing", d.preprocess.toJson());
    root.set("device", d.device);
    Json method = Json::object();
    method.set("id", d.method);
    method.set("label", d.methodLabel());
    Json params = Json::object();
    for (const auto& [name, value] : d.params.values())
        params.set(name, value);
    method.set("params", std::move(params));
    method.set("orientation", "higher = more in-distribution; accepted when score >= threshold, else flagged");
    root.set("method", std::move(method));
    root.set("threshold", d.threshold);
    Json cal = Json::object();
    cal.set("target", calibrationTargetName(d.target));
    cal.set("value", d.targetValue);
    Json id = Json::object();
    id.set("name", d.idName);
    id.set("path", d.idPath);
    id.set("images", static_cast<unsigned long long>(d.idImages));
    cal.set("id_set", std::move(id));
    Json split = Json::object();
    split.set("kind", d.split ? "seeded" : "none");
    split.set("fraction", d.splitFraction);
    split.set("seed", seedJson(d.splitSeed));
    split.set("calibration_images", static_cast<unsigned long long>(d.calibrationImages));
    split.set("held_out_images", static_cast<unsigned long long>(d.heldOutImages));
    cal.set("split", std::move(split));
    cal.set("id_tpr", rateJson(d.idTpr));
    cal.set("id_tpr_measured_on", d.split ? "held-out ID images (not the ones that set the threshold)"
                                          : "the ID images that set the threshold (no split)");
    cal.set("id_accuracy", d.idAccuracy);
    root.set("calibration", std::move(cal));
    Json oods = Json::array();
    for (const DetectorOodSet& o : d.oodSets) {
        Json j = Json::object();
        j.set("name", o.name);
        j.set("path", o.path);
        j.set("fpr", rateJson(o.accepted));
        Json m = Json::object();
        m.set("auroc", o.metrics.auroc);
        m.set("fpr95_id", o.metrics.fpr95_id);
        m.set("aupr_in", o.metrics.aupr_in);
        m.set("aupr_out", o.metrics.aupr_out);
        m.set("ccr_1e-2", o.metrics.ccr_1e2);
        m.set("aurc", o.metrics.aurc);
        j.set("metrics", std::move(m));
        oods.push(std::move(j));
    }
    root.set("ood_sets", std::move(oods));
    Json names = Json::array();
    for (const std::string& n : d.classNames)
        names.push(n);
    root.set("class_names", std::move(names));
    root.set("class_names_source", d.classNamesSource);
    if (d.fit) {
        Json fit = Json::object();
        fit.set("name", d.fitName);
        fit.set("path", d.fitPath);
        fit.set("rows", static_cast<unsigned long long>(d.fit->rows));
        root.set("fit_set", std::move(fit));
    }
    // Both files are written under temporary names first and renamed only when both are whole, so
    // that a failed write never leaves an old JSON beside a new side file (or the other way round).
    const std::string pid = std::to_string(::getpid());
    const std::string sideTmp = side + ".tmp-" + pid, jsonTmp = path + ".tmp-" + pid;
    root.set("side_file", writeSideFile(d, side, sideTmp));
    auto removeTemporaries = [&] {
        std::error_code ec;
        fs::remove(sideTmp, ec);
        fs::remove(jsonTmp, ec);
    };
    {
        std::ofstream out(jsonTmp, std::ios::binary | std::ios::trunc);
        out << root.dump() << "\n";
        out.close();
        if (!out) {
            removeTemporaries();
            throw Error("cannot write '" + path + "': " + std::strerror(errno));
        }
    }
    for (const auto& [from, to] : {std::pair{sideTmp, side}, std::pair{jsonTmp, path}}) {
        std::error_code ec;
        fs::rename(from, to, ec);
        if (ec) {
            removeTemporaries();
            throw Error("cannot write '" + to + "': " + ec.message());
        }
    }
}

Detector readDetector(const std::string& path)
{
    const Reader r(path);
    const std::string text = readRegularFile(path, kMaxJsonBytes, "detector");
    Json root;
    try {
        root = Json::parse(text, "detector '" + path + "'", kMaxJsonValues);
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + " (a detector is written by oodlens-cli calibrate or File > Export detector)");
    }
    if (!root.isObject() || root.get("format").string() != kFormat)
        throw Error("'" + path + "' is not an OOD Lens detector (no \"format\": \"" + kFormat + "\")");
    const double version = r.number(root, "version", "version");
    if (version != Detector::kVersion)
        r.fail("version", "is " + exactNumber(version) + "; this OOD Lens (" + oodlensVersion() + ") reads version " +
                              std::to_string(Detector::kVersion));
    Detector d;
    d.oodlensVersion = r.text(root, "oodlens_version", "oodlens_version");
    d.created = r.text(root, "created", "created");
    const Json& model = r.member(root, "model", "model", Json::Type::Object);
    d.modelPath = r.text(model, "path", "model.path");
    d.modelSha256 = r.text(model, "sha256", "model.sha256");
    d.classes = static_cast<int>(r.count(model, "classes", "model.classes", kMaxClassNames));
    d.featureDim = static_cast<int>(r.count(model, "feature_dim", "model.feature_dim", 1u << 24));
    if (d.classes < 1 || d.featureDim < 1)
        r.fail("model", "needs at least one class and one feature dimension");
    d.preprocess = PreprocessSpec::fromJson(r.member(root, "preprocessing", "preprocessing", Json::Type::Object), path);
    d.device = r.text(root, "device", "device");
    const Json& method = r.member(root, "method", "method", Json::Type::Object);
    d.method = r.text(method, "id", "method.id");
    const MethodInfo* info = findMethod(d.method);
    if (!info)
        r.fail("method.id", "names an unknown method '" + d.method + "' (see oodlens-cli methods)");
    ScoreParams given;
    for (const auto& [name, value] : r.member(method, "params", "method.params", Json::Type::Object).members()) {
        if (!value.isNumber())
            r.fail("method.params." + name, "is not a number");
        if (!info->param(name))
            r.fail("method.params." + name, "is not a parameter of " + d.method);
        given.set(d.method + "." + name, value.number());
    }
    try {
        d.params = given.resolve(*info);
    } catch (const Error& e) {
        r.fail("method.params", e.what());
    }
    d.threshold = r.number(root, "threshold", "threshold");
    const Json& cal = r.member(root, "calibration", "calibration", Json::Type::Object);
    const std::string target = r.text(cal, "target", "calibration.target");
    if (target == "id_tpr")
        d.target = CalibrationTarget::IdTpr;
    else if (target == "ood_fpr")
        d.target = CalibrationTarget::OodFpr;
    else if (target == "threshold")
        d.target = CalibrationTarget::Threshold;
    else
        r.fail("calibration.target", "must be id_tpr, ood_fpr or threshold, not '" + target + "'");
    d.targetValue = r.number(cal, "value", "calibration.value");
    if ((d.target == CalibrationTarget::IdTpr && !(d.targetValue > 0 && d.targetValue <= 1)) ||
        (d.target == CalibrationTarget::OodFpr && !(d.targetValue >= 0 && d.targetValue < 1)) ||
        !std::isfinite(d.targetValue))
        r.fail("calibration.value", "is out of range for the target " + target);
    const Json& id = r.member(cal, "id_set", "calibration.id_set", Json::Type::Object);
    d.idName = r.text(id, "name", "calibration.id_set.name");
    d.idPath = r.text(id, "path", "calibration.id_set.path");
    d.idImages = r.count(id, "images", "calibration.id_set.images", std::numeric_limits<std::uint32_t>::max() * 16ull);
    const Json& split = r.member(cal, "split", "calibration.split", Json::Type::Object);
    const std::string kind = r.text(split, "kind", "calibration.split.kind");
    if (kind != "seeded" && kind != "none")
        r.fail("calibration.split.kind", "must be seeded or none, not '" + kind + "'");
    d.split = kind == "seeded";
    d.splitFraction = r.number(split, "fraction", "calibration.split.fraction");
    if (!(d.splitFraction >= 0 && d.splitFraction < 1))
        r.fail("calibration.split.fraction", "must lie in [0, 1)");
    d.splitSeed = r.seed(split, "seed", "calibration.split.seed");
    d.calibrationImages = r.count(split, "calibration_images", "calibration.split.calibration_images", d.idImages);
    d.heldOutImages = r.count(split, "held_out_images", "calibration.split.held_out_images", d.idImages);
    d.idTpr = r.rate(r.member(cal, "id_tpr", "calibration.id_tpr", Json::Type::Object), "calibration.id_tpr");
    d.idAccuracy = r.number(cal, "id_accuracy", "calibration.id_accuracy", true);
    for (const Json& o : r.member(root, "ood_sets", "ood_sets", Json::Type::Array).items()) {
        if (!o.isObject())
            r.fail("ood_sets", "must be a list of objects");
        DetectorOodSet s;
        s.name = r.text(o, "name", "ood_sets.name");
        s.path = r.text(o, "path", "ood_sets.path");
        s.accepted = r.rate(r.member(o, "fpr", "ood_sets.fpr", Json::Type::Object), "ood_sets.fpr");
        s.metrics = BinaryMetrics::undefined();
        const Json& m = r.member(o, "metrics", "ood_sets.metrics", Json::Type::Object);
        s.metrics.auroc = r.number(m, "auroc", "ood_sets.metrics.auroc", true);
        s.metrics.fpr95_id = r.number(m, "fpr95_id", "ood_sets.metrics.fpr95_id", true);
        s.metrics.aupr_in = r.number(m, "aupr_in", "ood_sets.metrics.aupr_in", true);
        s.metrics.aupr_out = r.number(m, "aupr_out", "ood_sets.metrics.aupr_out", true);
        s.metrics.ccr_1e2 = r.number(m, "ccr_1e-2", "ood_sets.metrics.ccr_1e-2", true);
        s.metrics.aurc = r.number(m, "aurc", "ood_sets.metrics.aurc", true);
        d.oodSets.push_back(std::move(s));
    }
    const Json& names = r.member(root, "class_names", "class_names", Json::Type::Array);
    if (names.items().size() > kMaxClassNames)
        r.fail("class_names", "lists more than " + std::to_string(kMaxClassNames) + " names");
    for (const Json& n : names.items()) {
        if (!n.isString())
            r.fail("class_names", "must be a list of text");
        d.classNames.push_back(n.string());
    }
    if (!d.classNames.empty() && d.classNames.size() != std::size_t(d.classes))
        r.fail("class_names", "lists " + std::to_string(d.classNames.size()) + " names for the model's " +
                                  std::to_string(d.classes) + " classes");
    d.classNamesSource = root.get("class_names_source").string();
    if (const Json& fit = root.get("fit_set"); fit.isObject()) {
        d.fitName = r.text(fit, "name", "fit_set.name");
        d.fitPath = r.text(fit, "path", "fit_set.path");
    }
    readSideFile(d, r.member(root, "side_file", "side_file", Json::Type::Object), path, r);
    if (info->fit && !d.fit && info->has(NeedsFitSet))
        r.fail("side_file", "holds no fit set, and " + d.method + " needs one");
    return d;
}

} // namespace oodlens
