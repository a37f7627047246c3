// SPDX-License-Identifier: GPL-3.0-or-later
#include "io/SessionFile.h"

#include "common/Error.h"
#include "io/Export.h"
#include "io/Json.h"
#include "run/Options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace oodlens {

namespace {

constexpr int kFormatVersion = 1;
constexpr const char* kFormatName = "oodlens-session";

// Reads the fields of one file, each checked, every error naming the file and the field.
class Reader {
public:
    explicit Reader(std::string source) : where_{std::move(source)} {}

    [[noreturn]] void fail(const std::string& field, const std::string& problem) const
    {
        throw Error(where_.name(field, "") + " " + problem);
    }

    const Json& member(const Json& object, const std::string& key, const std::string& field, Json::Type type) const
    {
        const Json& v = object.get(key);
        if (!v.isNull() && v.type() != type)
            fail(field, std::string("must be ") + typeName(type));
        return v;
    }

    std::string string(const Json& object, const std::string& key, const std::string& field,
                       const std::string& fallback = "") const
    {
        const Json& v = member(object, key, field, Json::Type::String);
        if (v.isNull())
            return fallback;
        // JSON text is UTF-8, and what a session holds is written back as UTF-8: a string that is
        // not would come back changed (two paths that differ only in invalid bytes would become one).
        if (validUtf8(v.string()) != v.string())
            fail(field, "is not valid UTF-8 text");
        return v.string();
    }

    bool boolean(const Json& object, const std::string& key, const std::string& field) const
    {
        return member(object, key, field, Json::Type::Bool).boolean(false);
    }

    int integer(const Json& object, const std::string& key, const IntSetting& setting, int fallback) const
    {
        const Json& v = member(object, key, setting.field, Json::Type::Number);
        return v.isNull() ? fallback : checkInt(v.number(), setting, where_);
    }

    std::vector<float> floats(const Json& object, const std::string& key, const std::string& field) const
    {
        std::vector<float> out;
        for (const Json& x : member(object, key, field, Json::Type::Array).items()) {
            if (!x.isNumber())
                fail(field, "must be a list of numbers");
            out.push_back(static_cast<float>(x.number()));
        }
        return out;
    }

    const ValueSource& source() const { return where_; }

private:
    static const char* typeName(Json::Type t)
    {
        switch (t) {
        case Json::Type::Bool: return "true or false";
        case Json::Type::Number: return "a number";
        case Json::Type::String: return "a string";
        case Json::Type::Array: return "a list";
        case Json::Type::Object: return "an object";
        case Json::Type::Null: break;
        }
        return "null";
    }

    ValueSource where_;
};

} // namespace

std::string SessionFile::toJson() const
{
    const RunConfig& c = config;
    Json root = Json::object();
    root.set("format", kFormatName);
    root.set("version", kFormatVersion);
    root.set("model", c.modelPath);
    Json datasets = Json::array();
    for (const DatasetSpec& d : c.datasets) {
        Json o = Json::object();
        o.set("name", d.name);
        o.set("path", d.path);
        o.set("role", datasetRoleName(d.role));
        if (!d.group.empty())
            o.set("group", d.group);
        datasets.push(std::move(o));
    }
    root.set("datasets", std::move(datasets));
    Json methods = Json::array();
    for (const std::string& m : c.methods)
        methods.push(m);
    root.set("methods", std::move(methods));
    Json params = Json::object();
    for (const auto& [key, value] : c.params.entries())
        params.set(key, value);
    root.set("params", std::move(params));
    const PreprocessSpec& pre = c.preprocess;
    if (!pre.isUnset()) {
        Json p = pre.toJson();
        root.set("preprocessing", std::move(p));
    }
    root.set("batch", c.batchSize);
    if (c.maxPixels != kDefaultMaxImagePixels)
        root.set("maxPixels", static_cast<unsigned long long>(c.maxPixels));
    root.set("device", c.device);
    Json view = Json::object();
    view.set("method", currentMethod);
    if (threshold && std::isfinite(*threshold)) // JSON has no NaN: no threshold is saved as none
        view.set("threshold", *threshold);
    view.set("logCounts", logCounts);
    view.set("density", density);
    view.set("bins", bins);
    view.set("overlayMethods", overlayMethods);
    root.set("view", std::move(view));
    return root.dump(4) + "\n";
}

SessionFile SessionFile::fromJson(const std::string& text, const std::string& source)
{
    const Json root = Json::parse(text, "'" + source + "'");
    const std::string where = "cannot read '" + source + "': ";
    if (!root.isObject() || root.get("format").string() != kFormatName)
        throw Error(where + "not an OOD Lens session file");
    const Reader r(source);
    const Json& version = r.member(root, "version", "version", Json::Type::Number);
    if (version.isNull())
        r.fail("version", "is missing (format version " + std::to_string(kFormatVersion) + ")");
    if (version.number() > kFormatVersion)
        throw Error(where + "made by a newer OOD Lens (format version " + exactNumber(version.number()) + ")");
    if (version.number() != kFormatVersion)
        r.fail("version", "must be " + std::to_string(kFormatVersion) + " (got " + exactNumber(version.number()) + ")");

    SessionFile s;
    RunConfig& c = s.config;
    c.modelPath = r.string(root, "model", "model");
    if (c.modelPath.empty())
        r.fail("model", "is missing (the TorchScript model's path)");
    const Json& datasets = r.member(root, "datasets", "datasets", Json::Type::Array);
    for (std::size_t i = 0; i < datasets.items().size(); ++i) {
        const Json& o = datasets.items()[i];
        const std::string field = "datasets[" + std::to_string(i) + "]";
        if (!o.isObject())
            r.fail(field, "must be an object with name, path and role");
        DatasetSpec d;
        d.name = r.string(o, "name", field + ".name");
        d.path = r.string(o, "path", field + ".path");
        if (d.path.empty())
            r.fail(field + ".path", "is missing");
        const std::string role = r.string(o, "role", field + ".role");
        bool known = false;
        for (DatasetRole candidate : datasetRoles())
            if (role == datasetRoleName(candidate)) {
                d.role = candidate;
                known = true;
            }
        if (!known)
            r.fail(field + ".role", "must be id, ood, fit, val_id or val_ood (got '" + role + "')");
        d.group = r.string(o, "group", field + ".group"); // optional: the results table's group
        if (d.role == DatasetRole::Id && c.hasRole(DatasetRole::Id))
            r.fail(field + ".role", "names a second ID set (a session has one)");
        if (d.role == DatasetRole::Fit && c.hasRole(DatasetRole::Fit))
            r.fail(field + ".role", "names a second fit set (a session has one)");
        if (d.role == DatasetRole::ValidationId && c.hasRole(DatasetRole::ValidationId))
            r.fail(field + ".role", "names a second validation ID set (a session has one)");
        // The dataset rules of the command line and the GUI: a path once per role, unique names.
        const DatasetAddition added = c.addDataset(d);
        if (!added.added)
            r.fail(field, "cannot be added: " + added.refusal);
    }
    const Json& methods = r.member(root, "methods", "methods", Json::Type::Array);
    for (const Json& v : methods.items()) {
        if (!v.isString())
            r.fail("methods", "must be a list of method ids");
        if (!findMethod(v.string()))
            r.fail("methods", "names an unknown method '" + v.string() + "'");
        c.methods.push_back(v.string());
    }
    const Json& params = r.member(root, "params", "params", Json::Type::Object);
    for (const auto& [key, value] : params.members()) {
        if (!value.isNumber())
            r.fail("params." + key, "must be a number");
        try {
            // The command line's --param check: a known method prefix and a finite value.
            c.params.parseAssignment(key + "=" + exactNumber(value.number()));
        } catch (const Error& e) {
            r.fail("params." + key, std::string("is not valid: ") + e.what());
        }
    }
    // Every method parameter in its range (the check a run makes before it starts).
    try {
        bool haveFit = c.hasRole(DatasetRole::Fit);
        validateParams(c.methods.empty() ? applicableMethods(haveFit) : c.methods, c.params);
    } catch (const Error& e) {
        r.fail("params", std::string("is not valid: ") + e.what());
    }
    const Json& pre = r.member(root, "preprocessing", "preprocessing", Json::Type::Object);
    if (!pre.isNull()) {
        using namespace settings;
        PreprocessSpec& p = c.preprocess;
        p.resize = r.integer(pre, "resize", kResize, 0);
        p.crop = r.integer(pre, "crop", kCrop, 0);
        p.channels = r.integer(pre, "channels", kChannels, 0);
        p.height = r.integer(pre, "height", kHeight, 0);
        p.width = r.integer(pre, "width", kWidth, 0);
        p.mean = r.floats(pre, "mean", "preprocessing.mean");
        p.stddev = r.floats(pre, "std", "preprocessing.std");
        p.presetName = r.string(pre, "preset", "preprocessing.preset", "");
        const auto& names = PreprocessSpec::presetNames();
        if (!p.presetName.empty() && std::find(names.begin(), names.end(), p.presetName) == names.end())
            r.fail("preprocessing.preset", "is not a preset (mnist, cifar or imagenet)");
        validatePreprocess(p, r.source());
    }
    c.batchSize = r.integer(root, "batch", settings::kBatch, c.batchSize);
    // The pixel bound (--max-pixels), saved only when it is not the default.
    c.maxPixels = static_cast<std::uint64_t>(
        r.integer(root, "maxPixels", settings::kMaxPixels, static_cast<int>(kDefaultMaxImagePixels)));
    c.device = r.string(root, "device", "device", "cpu");
    if (c.device.empty())
        r.fail("device", "is empty (cpu or cuda)");

    const Json& view = r.member(root, "view", "view", Json::Type::Object);
    s.currentMethod = r.string(view, "method", "view.method");
    if (!s.currentMethod.empty() && !findMethod(s.currentMethod))
        r.fail("view.method", "names an unknown method '" + s.currentMethod + "'");
    // Older files may hold null for a threshold that was never set.
    const Json& threshold = r.member(view, "threshold", "view.threshold", Json::Type::Number);
    if (threshold.isNumber()) {
        if (!std::isfinite(threshold.number()))
            r.fail("view.threshold", "must be a finite number");
        s.threshold = threshold.number();
    }
    s.logCounts = r.boolean(view, "logCounts", "view.logCounts");
    s.density = r.boolean(view, "density", "view.density");
    s.bins = r.integer(view, "bins", settings::kBins, 0);
    s.overlayMethods = r.boolean(view, "overlayMethods", "view.overlayMethods");
    return s;
}

void SessionFile::write(const std::string& path) const { writeFileAtomic(path, toJson()); }

SessionFile SessionFile::read(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw Error("cannot open session '" + path + "': no such file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error("cannot open session '" + path + "': permission denied or not a file");
    std::ostringstream text;
    text << in.rdbuf();
    return fromJson(text.str(), path);
}

std::vector<std::string> SessionFile::missingFiles() const
{
    std::vector<std::string> missing;
    std::error_code ec;
    if (!config.modelPath.empty() && !std::filesystem::exists(config.modelPath, ec))
        missing.push_back(config.modelPath);
    for (const DatasetSpec& d : config.datasets)
        if (!std::filesystem::exists(d.path, ec))
            missing.push_back(d.path);
    return missing;
}

} // namespace oodlens
