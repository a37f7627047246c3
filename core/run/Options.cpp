// SPDX-License-Identifier: GPL-3.0-or-later
#include "run/Options.h"

#include "common/Error.h"
#include "datasets/Dataset.h"
#include "io/SessionFile.h"
#include "run/Demo.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <thread>

namespace oodlens {

namespace settings {
const IntSetting kBatch{"batch", "--batch", 1, 100000};
const IntSetting kThreads{"threads", "--threads", 0, 256};
const IntSetting kBootstrap{"bootstrap", "--bootstrap", 0, 1000000};
const IntSetting kDpi{"dpi", "--dpi", 50, 2400};
const IntSetting kResize{"preprocessing.resize", "--resize", 1, 100000, true};
const IntSetting kCrop{"preprocessing.crop", "--crop", 1, 100000, true};
const IntSetting kChannels{"preprocessing.channels", "--channels", 1, 3, true};
const IntSetting kHeight{"preprocessing.height", "", 1, 100000, true};
const IntSetting kWidth{"preprocessing.width", "", 1, 100000, true};
const IntSetting kBins{"view.bins", "", 1, 500, true};
const IntSetting kMaxPixels{"maxPixels", "--max-pixels", 1, 2147483647};
const IntSetting kResamples{"factors.resamples", "--resamples", 0, 1000000};
const IntSetting kCostProbe{"costProbe", "--cost-probe", 0, 100000};
} // namespace settings

namespace {

std::string numberText(double v)
{
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

} // namespace

std::string ValueSource::name(const std::string& field, const std::string& flag) const
{
    if (file.empty())
        return "option " + (flag.empty() ? field : flag);
    return "'" + file + "': \"" + field + "\"";
}

std::string ValueSource::name(const IntSetting& s) const { return name(s.field, s.flag); }

int checkInt(double value, const IntSetting& s, const ValueSource& source, bool allowUnset)
{
    const bool zeroOk = s.zeroUnset && allowUnset;
    if (zeroOk && value == 0)
        return 0;
    if (&s == &settings::kChannels) {
        if (value != 1 && value != 3)
            throw Error(source.name(s) + " must be 1 or 3 (got " + numberText(value) + ")");
        return static_cast<int>(value);
    }
    if (!std::isfinite(value) || value != std::floor(value) || value < double(s.min) || value > double(s.max)) {
        const long long low = zeroOk ? 0 : s.min;
        throw Error(source.name(s) + " must be a whole number from " + std::to_string(low) + " to " +
                    std::to_string(s.max) + (zeroOk ? " (0 = automatic)" : "") + " (got " + numberText(value) + ")");
    }
    return static_cast<int>(value);
}

int parseInt(const std::string& text, const IntSetting& s, const ValueSource& source)
{
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end == text.c_str() || *end || errno == ERANGE)
        throw Error(source.name(s) + ": '" + text + "' is not a whole number");
    // On the command line a flag is given to set a value: "0 = unset" is the file's default only.
    return checkInt(static_cast<double>(v), s, source, !source.file.empty());
}

std::vector<float> parseFloatList(const std::string& text, const std::string& what)
{
    std::vector<float> out;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        char* end = nullptr;
        const float v = std::strtof(part.c_str(), &end);
        if (part.empty() || end == part.c_str() || *end || !std::isfinite(v))
            throw Error(what + ": '" + part + "' is not a number");
        out.push_back(v);
    }
    if (out.empty() || (!text.empty() && text.back() == ','))
        throw Error(what + " needs comma-separated numbers (got '" + text + "')");
    return out;
}

void validatePreprocess(const PreprocessSpec& p, const ValueSource& source)
{
    using namespace settings;
    checkInt(p.resize, kResize, source);
    checkInt(p.crop, kCrop, source);
    checkInt(p.channels, kChannels, source);
    checkInt(p.height, kHeight, source);
    checkInt(p.width, kWidth, source);
    auto checkList = [&](const std::vector<float>& values, const char* field, const char* flag, bool positive) {
        const std::string name = source.name(field, flag);
        for (float v : values) {
            if (!std::isfinite(v))
                throw Error(name + ": every value must be a finite number");
            if (positive && !(v > 0))
                throw Error(name + ": every value must be positive (got " + numberText(v) + ")");
        }
        const std::size_t n = values.size();
        if (n == 0 || n == 1)
            return;
        if (p.channels > 0 && n != std::size_t(p.channels))
            throw Error(name + " has " + std::to_string(n) + " values; give 1, or one per channel (" +
                        std::to_string(p.channels) + ")");
        if (p.channels == 0 && n != 3)
            throw Error(name + " has " + std::to_string(n) + " values; give 1, or one per channel (1 or 3)");
    };
    checkList(p.mean, "preprocessing.mean", "--mean", false);
    checkList(p.stddev, "preprocessing.std", "--std", true);
}

int checkThreads(int threads, const ValueSource& source)
{
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const long long limit = std::min<long long>(settings::kThreads.max, 4LL * cores);
    if (threads > limit)
        throw Error(source.name(settings::kThreads) + " must be at most " + std::to_string(limit) + " (4 per core on " +
                    std::to_string(cores) + " cores; 0 = every core) (got " + std::to_string(threads) + ")");
    return threads;
}

DatasetSpec oodDatasetSpec(const std::string& value)
{
    if (value.empty())
        throw Error("option --ood needs a dataset");
    const auto eq = value.find('=');
    // NAME=PATH, unless the '=' belongs to the path itself.
    if (eq != std::string::npos && eq > 0 && value.find('/') > eq) {
        if (eq + 1 == value.size())
            throw Error("option --ood: no dataset after '" + value + "'");
        return {value.substr(0, eq), value.substr(eq + 1), DatasetRole::Ood};
    }
    return {datasetDisplayName(value), value, DatasetRole::Ood};
}

namespace {

// The state of one parse: the options so far and what the command line replaced of the base.
struct Parse {
    ParsedOptions& o;
    std::set<DatasetRole> replacedRoles;
    std::string preset;
    PreprocessSpec fields; // preprocessing flags given (0 / empty = not given)
    std::vector<std::pair<std::string, std::string>> groups; // --group OOD=GROUP, applied last
    // The factor split's flags as given, checked together once every set is known.
    std::string split;             // --split: "", "seeded" or "pair"
    bool fractionGiven = false;    // --validation-fraction
};

// A fraction in [0, 1] for `flag`, 0 and 1 allowed as the flags say.
double parseFraction(const std::string& v, const char* flag, bool zero, bool one)
{
    char* end = nullptr;
    const double f = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !(zero ? f >= 0 : f > 0) || !(one ? f <= 1 : f < 1))
        throw Error(std::string("option ") + flag + " takes a fraction " + (zero ? "from 0" : "above 0") + " " +
                    (one ? "to 1" : "below 1") + ", not '" + v + "'");
    return f;
}

// A 64-bit seed (--seed, --split-seed).
std::uint64_t parseSeed(const std::string& v, const char* flag)
{
    errno = 0;
    char* end = nullptr;
    const unsigned long long s = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || v[0] == '-' || *end || errno == ERANGE)
        throw Error(std::string("option ") + flag + ": '" + v + "' is not a whole number from 0 to 18446744073709551615");
    return s;
}

// The factor split's flags together: --validation-id / --validation-ood make a pair split (and
// --split pair needs both), --validation-fraction belongs to the seeded split; the names must be
// sets of the run (the validation ID set is not the ID set, the validation OOD set is an OOD set),
// said before the run rather than after it.
void applyFactorSplit(const Parse& p)
{
    FactorSplit& split = p.o.factors.split;
    const bool named = !split.validationId.empty() || !split.validationOod.empty();
    if (p.split == "seeded" && named)
        throw Error("options --validation-id and --validation-ood choose a validation pair; they do not go with "
                    "--split seeded");
    if (p.split == "pair" || (p.split.empty() && named))
        split.kind = FactorSplit::Kind::Pair;
    if (split.kind != FactorSplit::Kind::Pair)
        return;
    if (p.fractionGiven)
        throw Error("option --validation-fraction sets the seeded split; the pair split uses --validation-id and "
                    "--validation-ood in full");
    if (split.validationId.empty() || split.validationOod.empty())
        throw Error("the pair split needs --validation-id NAME (a set other than the ID set, e.g. fit) and "
                    "--validation-ood NAME (one of the OOD sets)");
    const RunConfig& c = p.o.config;
    if (c.idDataset() < 0)
        return; // no sets yet (the GUI's window opens on its own): the analysis says it later
    std::string names;
    const DatasetSpec* id = nullptr;
    const DatasetSpec* ood = nullptr;
    for (const DatasetSpec& d : c.datasets) {
        const std::string name = datasetLabel(d);
        names += (names.empty() ? "" : ", ") + name;
        if (name == split.validationId && d.role != DatasetRole::Id)
            id = &d;
        if (name == split.validationOod && d.role == DatasetRole::Ood)
            ood = &d;
    }
    if (!id)
        throw Error("option --validation-id: no set other than the ID set is named '" + split.validationId +
                    "' (sets: " + names + ")");
    if (!ood)
        throw Error("option --validation-ood: no OOD set is named '" + split.validationOod + "' (sets: " + names + ")");
}

// --group OOD=GROUP: applied once every set is known (a session's or the command line's), so the
// flag may come before or after its --ood.
void applyGroups(const Parse& p)
{
    for (const auto& [name, group] : p.groups) {
        DatasetSpec* target = nullptr;
        std::string names;
        for (DatasetSpec& d : p.o.config.datasets)
            if (d.role == DatasetRole::Ood) {
                names += (names.empty() ? "" : ", ") + d.name;
                if (d.name == name)
                    target = &d;
            }
        if (!target)
            throw Error("option --group: no OOD set is named '" + name + "' (" +
                        (names.empty() ? std::string("there is none") : "OOD sets: " + names) + ")");
        target->group = group;
    }
}

using Apply = void (*)(Parse&, const std::string& value);

struct Entry {
    OptionInfo info;
    Apply apply = nullptr; // nullptr: handled before the others (--session, --demo)
};

void addDataset(Parse& p, DatasetSpec spec, const char* flag)
{
    RunConfig& c = p.o.config;
    if (p.replacedRoles.insert(spec.role).second) // the first of its role replaces the base's sets
        c.datasets.erase(std::remove_if(c.datasets.begin(), c.datasets.end(),
                                        [&](const DatasetSpec& d) { return d.role == spec.role; }),
                         c.datasets.end());
    else if (spec.role != DatasetRole::Ood && spec.role != DatasetRole::ValidationOod)
        throw Error(std::string("option ") + flag + " given twice (one set of this role per run)");
    if (spec.path.empty())
        throw Error(std::string("option ") + flag + " needs a dataset");
    const DatasetAddition added = c.addDataset(std::move(spec)); // the one dataset rule
    if (!added.added)
        throw Error(std::string("option ") + flag + ": " + added.refusal);
}

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> parts;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ','))
        parts.push_back(part);
    if (!text.empty() && text.back() == ',')
        parts.emplace_back();
    return parts;
}

int sizePart(const std::string& text, int min, const std::string& value)
{
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || v < min || v > 16384)
        throw Error("option --size takes WIDTHxHEIGHT, at least 400x300 (e.g. 1600x1000), not '" + value + "'");
    return static_cast<int>(v);
}

const std::vector<Entry>& entries()
{
    using G = OptionGroup;
    static const std::vector<Entry> table = {
        {{"--model", "FILE", G::Model, "the TorchScript classifier (.pt)"},
         [](Parse& p, const std::string& v) { p.o.config.modelPath = v; }},
        {{"--id", "[NAME=]DATASET", G::Datasets, "the ID test set: image folder, IDX, CIFAR batch, CSV or file list"},
         [](Parse& p, const std::string& v) {
             DatasetSpec spec = v.empty() ? DatasetSpec{"id", v, DatasetRole::Id} : oodDatasetSpec(v);
             if (spec.path == v)
                 spec.name = "id"; // no name given: shown by its file name
             spec.role = DatasetRole::Id;
             addDataset(p, spec, "--id");
         }},
        {{"--ood", "[NAME=]DATASET", G::Datasets, "an OOD set (repeatable); NAME defaults to the file name"},
         [](Parse& p, const std::string& v) {
             DatasetSpec spec = oodDatasetSpec(v);
             if (spec.path == v)
                 spec.name.clear(); // no name given: named by its file, made unique ("svhn-2")
             addDataset(p, spec, "--ood");
         }},
        {{"--fit", "DATASET", G::Datasets, "an ID training set, for the fitted baselines"},
         [](Parse& p, const std::string& v) { addDataset(p, {"fit", v, DatasetRole::Fit}, "--fit"); }},
        {{"--val-id", "DATASET", G::Datasets,
          "an ID validation set for --sweep (default: a seeded part of the ID test set, --val-fraction)"},
         [](Parse& p, const std::string& v) { addDataset(p, {"val-id", v, DatasetRole::ValidationId}, "--val-id"); }},
        {{"--val-ood", "[NAME=]DATASET", G::Datasets,
          "a validation OOD set for --sweep (repeatable): parameters are chosen on it, never on the --ood sets"},
         [](Parse& p, const std::string& v) {
             DatasetSpec spec = oodDatasetSpec(v);
             if (spec.path == v)
                 spec.name.clear();
             spec.role = DatasetRole::ValidationOod;
             addDataset(p, spec, "--val-ood");
         }},
        {{"--group", "OOD=GROUP", G::Datasets,
          "put the OOD set named OOD in a group, e.g. near or far (repeatable): the results table averages each group"},
         [](Parse& p, const std::string& v) {
             const auto eq = v.rfind('=');
             if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
                 throw Error("option --group takes OOD=GROUP (an OOD set's name and a group, e.g. svhn=far), not '" +
                             v + "'");
             p.groups.emplace_back(v.substr(0, eq), v.substr(eq + 1));
         }},
        {{"--session", "FILE", G::Session, "start from a saved session (.oodlens); the other options override it"},
         nullptr},
        {{"--methods", "a,b,...", G::Methods, "methods to score ('all', or see 'oodlens-cli methods')"},
         [](Parse& p, const std::string& v) {
             try {
                 p.o.config.methods = parseMethodList(v);
             } catch (const Error& e) {
                 throw Error(std::string("option --methods: ") + e.what());
             }
             p.o.methodsGiven = true;
         }},
        {{"--cost-probe", "N", G::Methods,
          "with a gradient method, time scoring per image (run.json \"costs\"): the full-network backward on N "
          "ID images, autograd on up to 16N (default 16, 0 = off)"},
         [](Parse& p, const std::string& v) { p.o.config.costProbeImages = parseInt(v, settings::kCostProbe); }},
        {{"--param", "[METHOD.]NAME=VALUE", G::Params, "a method parameter (repeatable), e.g. T=2 or odin.eps=0.002"},
         [](Parse& p, const std::string& v) {
             try {
                 p.o.config.params.parseAssignment(v);
             } catch (const Error& e) {
                 throw Error(std::string("option --param: ") + e.what());
             }
         }},
        {{"--preset", "mnist|cifar|imagenet", G::Preprocess, "preprocessing preset; the flags below override it"},
         [](Parse& p, const std::string& v) {
             try {
                 PreprocessSpec::preset(v);
             } catch (const Error& e) {
                 throw Error(std::string("option --preset: ") + e.what());
             }
             p.preset = v;
         }},
        {{"--resize", "N", G::Preprocess, "resize the shorter side to N pixels (bilinear)"},
         [](Parse& p, const std::string& v) { p.fields.resize = parseInt(v, settings::kResize); }},
        {{"--crop", "N", G::Preprocess, "centre crop to N x N pixels"},
         [](Parse& p, const std::string& v) { p.fields.crop = parseInt(v, settings::kCrop); }},
        {{"--channels", "1|3", G::Preprocess, "grey or RGB input (default: the model's)"},
         [](Parse& p, const std::string& v) { p.fields.channels = parseInt(v, settings::kChannels); }},
        {{"--mean", "a[,b,c]", G::Preprocess, "per-channel mean, on pixels scaled to [0,1]"},
         [](Parse& p, const std::string& v) { p.fields.mean = parseFloatList(v, "option --mean"); }},
        {{"--std", "a[,b,c]", G::Preprocess, "per-channel standard deviation (> 0)"},
         [](Parse& p, const std::string& v) { p.fields.stddev = parseFloatList(v, "option --std"); }},
        {{"--batch", "N", G::Runtime, "images per model batch (default 128)"},
         [](Parse& p, const std::string& v) { p.o.config.batchSize = parseInt(v, settings::kBatch); }},
        {{"--threads", "N", G::Runtime, "engine threads (default 0: every core)"},
         [](Parse& p, const std::string& v) { p.o.config.threads = checkThreads(parseInt(v, settings::kThreads)); }},
        {{"--max-pixels", "N", G::Runtime,
          "skip images of more than N pixels, refused from their header before decoding (default " +
              std::to_string(kDefaultMaxImagePixels) + ")"},
         [](Parse& p, const std::string& v) {
             p.o.config.maxPixels = static_cast<std::uint64_t>(parseInt(v, settings::kMaxPixels));
         }},
        {{"--device", "cpu|cuda", G::Runtime, "where the model runs (default cpu)"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --device needs a device name (cpu, cuda)");
             p.o.config.device = v;
         }},
        {{"--out", "DIR", G::Output, "folder for the output files (created when missing); calibrate: the detector file"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --out needs a folder");
             p.o.outDir = v;
         }},
        {{"--bootstrap", "N", G::Bootstrap, "95% bootstrap intervals from N resamples (default 0: none)"},
         [](Parse& p, const std::string& v) { p.o.bootstrap = parseInt(v, settings::kBootstrap); }},
        {{"--seed", "S", G::Bootstrap, "seed of the bootstrap resampling, the factors' paired one too (default 0)"},
         [](Parse& p, const std::string& v) {
             p.o.seed = parseSeed(v, "--seed");
             p.o.factors.seed = p.o.seed;
         }},
        {{"--no-cache", "", G::Cache, "neither read nor write the feature cache"},
         [](Parse& p, const std::string&) { p.o.config.cacheDir.clear(); }},
        {{"--cache-dir", "DIR", G::Cache, "feature cache folder (default: $OODLENS_CACHE_DIR or the user cache)"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --cache-dir needs a folder");
             p.o.config.cacheDir = v;
         }},
        {{"--demo", "", G::Demo, "the bundled demo's model and sets (other options override them)"}, nullptr},
        {{"--size", "one|two", G::Figures, "one-column (8.5 cm, default) or two-column (17.5 cm) width"},
         [](Parse& p, const std::string& v) {
             if (v != "one" && v != "two")
                 throw Error("option --size takes 'one' or 'two', not '" + v + "'");
             p.o.twoColumn = v == "two";
         }},
        {{"--dpi", "N", G::Figures, "PNG resolution (default 300)"},
         [](Parse& p, const std::string& v) { p.o.dpi = parseInt(v, settings::kDpi); }},
        {{"--formats", "pdf,svg,png", G::Figures, "figure formats to write (default all three)"},
         [](Parse& p, const std::string& v) {
             std::vector<std::string> formats;
             for (const std::string& f : splitList(v)) {
                 if (f != "pdf" && f != "svg" && f != "png")
                     throw Error("option --formats: unknown figure format '" + f + "' (pdf, svg, png)");
                 if (std::find(formats.begin(), formats.end(), f) == formats.end())
                     formats.push_back(f);
             }
             p.o.formats = formats;
         }},
        {{"--kinds", "histogram,roc,...", G::Figures,
          "figures to write: histogram, roc, pr, panels (the three side by side), overlay (default all)"},
         [](Parse& p, const std::string& v) {
             std::vector<std::string> kinds;
             for (const std::string& k : splitList(v)) {
                 if (std::find(figureKinds().begin(), figureKinds().end(), k) == figureKinds().end())
                     throw Error("option --kinds: unknown figure kind '" + k + "' (histogram, roc, pr, panels, overlay)");
                 if (std::find(kinds.begin(), kinds.end(), k) == kinds.end())
                     kinds.push_back(k);
             }
             p.o.kinds = kinds;
         }},
        {{"--legend", "POSITION", G::Figures, "legend position: " + legendPlacementChoices() + " (default auto)"},
         [](Parse& p, const std::string& v) {
             if (!legendPlacementFromName(v, &p.o.legend))
                 throw Error("option --legend takes " + legendPlacementChoices() + ", not '" + v + "'");
         }},
        {{"--font", "FAMILY", G::Figures, "font family of the figures (default DejaVu Sans), embedded in PDFs"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --font needs a font family");
             p.o.fontFamily = v;
         }},
        {{"--font-size", "PT", G::Figures, "base font size in points, 5 to 24 (default 8 one column, 9 wider)"},
         [](Parse& p, const std::string& v) {
             char* end = nullptr;
             const double pt = std::strtod(v.c_str(), &end);
             if (v.empty() || *end || !(pt >= 5 && pt <= 24))
                 throw Error("option --font-size takes a size in points from 5 to 24, not '" + v + "'");
             p.o.fontPoints = pt;
         }},
        {{"--titles", "", G::Figures, "keep the window's plot titles and notes in the figures (default: none)"},
         [](Parse& p, const std::string&) { p.o.titles = true; }},
        {{"--split", "seeded|pair", G::Factors,
          "how the best family member is chosen: on a seeded validation part of each set (default), or on a "
          "validation pair of sets"},
         [](Parse& p, const std::string& v) {
             if (v != "seeded" && v != "pair")
                 throw Error("option --split takes 'seeded' or 'pair', not '" + v + "'");
             p.split = v;
         }},
        {{"--validation-fraction", "F", G::Factors,
          "seeded split: the share of each set's images used for validation, above 0 and below 1 (default " +
              numberText(FactorSplit().validationFraction) + ")"},
         [](Parse& p, const std::string& v) {
             char* end = nullptr;
             const double f = std::strtod(v.c_str(), &end);
             if (v.empty() || *end || !(f > 0 && f < 1))
                 throw Error("option --validation-fraction takes a fraction above 0 and below 1 (e.g. 0.3), not '" + v +
                             "'");
             p.o.factors.split.validationFraction = f;
             p.fractionGiven = true;
         }},
        {{"--split-seed", "N", G::Factors, "seed of the seeded split (default 0)"},
         [](Parse& p, const std::string& v) { p.o.factors.split.seed = parseSeed(v, "--split-seed"); }},
        {{"--validation-id", "NAME", G::Factors, "pair split: the validation ID set, a set other than the ID set (e.g. fit)"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --validation-id needs a set's name");
             p.o.factors.split.validationId = v;
         }},
        {{"--validation-ood", "NAME", G::Factors, "pair split: the validation OOD set, one of the OOD sets"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --validation-ood needs a set's name");
             p.o.factors.split.validationOod = v;
         }},
        {{"--resamples", "N", G::Factors,
          "paired bootstrap resamples of the factor comparisons (default " + std::to_string(FactorOptions().resamples) +
              "; 0: no intervals)"},
         [](Parse& p, const std::string& v) { p.o.factors.resamples = parseInt(v, settings::kResamples); }},
        {{"--sweep", "METHOD[.PARAM]", G::Sweep,
          "choose METHOD's parameter (all with a grid when no PARAM) on the validation pair over its grid, then score "
          "with the chosen value (repeatable; run.json \"sweeps\")"},
         [](Parse& p, const std::string& v) {
             SweepRequest r = SweepRequest::parse(v);
             for (const SweepRequest& old : p.o.config.sweeps)
                 if (old.method == r.method)
                     throw Error("option --sweep " + v + ": " + r.method + " is swept twice (--sweep " + old.text() +
                                 "); sweep its parameters together with --sweep " + r.method);
             p.o.config.sweeps.push_back(std::move(r));
         }},
        {{"--sweep-metric", "auroc|fpr95", G::Sweep,
          "what a sweep optimises on the validation pair: the highest AUROC (default) or the lowest FPR@95"},
         [](Parse& p, const std::string& v) {
             try {
                 p.o.config.sweepSettings.objective = parseSweepObjective(v);
             } catch (const Error& e) {
                 throw Error(std::string("option --sweep-metric: ") + e.what());
             }
         }},
        {{"--val-fraction", "F", G::Sweep,
          "without --val-id: the share of the ID test set used as validation ID images, above 0 and below 1 (default " +
              numberText(SweepSettings().idFraction) + ")"},
         [](Parse& p, const std::string& v) {
             char* end = nullptr;
             const double f = std::strtod(v.c_str(), &end);
             if (v.empty() || *end || !(f > 0 && f < 1))
                 throw Error("option --val-fraction takes a fraction above 0 and below 1 (e.g. 0.3), not '" + v + "'");
             p.o.config.sweepSettings.idFraction = f;
         }},
        {{"--val-seed", "N", G::Sweep, "seed of the ID validation split (default 0)"},
         [](Parse& p, const std::string& v) { p.o.config.sweepSettings.seed = parseSeed(v, "--val-seed"); }},
        {{"SESSION.oodlens", "", G::Gui, "open a saved session (File > Save session) instead of the demo"},
         [](Parse& p, const std::string& v) {
             if (!p.o.sessionPath.empty())
                 throw Error("more than one session file given ('" + p.o.sessionPath + "', '" + v + "')");
             p.o.sessionPath = v;
         }},
        {{"--no-autorun", "", G::Gui, "do not start the run at startup (F5 / Ctrl+R starts it)"},
         [](Parse& p, const std::string&) { p.o.autorun = false; }},
        {{"--method", "ID", G::Method,
          "the window: method to show first (default: the one shown last time); calibrate: the method to calibrate"},
         [](Parse& p, const std::string& v) {
             if (!findMethod(v))
                 throw Error("option --method: unknown method '" + v + "' (see oodlens-cli methods)");
             p.o.method = v;
         }},
        {{"--target-tpr", "F", G::Calibrate,
          "threshold keeping a share F of the calibration ID images, in (0, 1] (default " +
              numberText(CalibrationRequest::kDefaultTpr) + ")"},
         [](Parse& p, const std::string& v) {
             p.o.target = CalibrationTarget::IdTpr;
             p.o.targetValue = parseFraction(v, "--target-tpr", false, true);
         }},
        {{"--target-fpr", "F", G::Calibrate, "instead: the lowest threshold accepting at most a share F of the OOD images, in [0, 1)"},
         [](Parse& p, const std::string& v) {
             p.o.target = CalibrationTarget::OodFpr;
             p.o.targetValue = parseFraction(v, "--target-fpr", true, false);
         }},
        {{"--threshold", "T", G::Calibrate, "instead: this threshold (score units)"},
         [](Parse& p, const std::string& v) {
             char* end = nullptr;
             const double t = std::strtod(v.c_str(), &end);
             if (v.empty() || *end || !std::isfinite(t))
                 throw Error("option --threshold takes a finite number, not '" + v + "'");
             p.o.target = CalibrationTarget::Threshold;
             p.o.targetValue = t;
         }},
        {{"--calibration-fraction", "F", G::Calibrate,
          "share of the ID set that sets the threshold, the rest measures its TPR, in [0, 1); 0: no split (default " +
              numberText(CalibrationRequest::kDefaultFraction) + ")"},
         [](Parse& p, const std::string& v) { p.o.calibrationFraction = parseFraction(v, "--calibration-fraction", true, false); }},
        {{"--calibration-seed", "N", G::Calibrate, "seed of the calibration split (default 0)"},
         [](Parse& p, const std::string& v) { p.o.calibrationSeed = parseSeed(v, "--calibration-seed"); }},
        {{"--detector", "FILE", G::Apply, "the detector to apply (oodlens-cli calibrate, File > Export detector)"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --detector needs a file");
             p.o.detectorPath = v;
         }},
        {{"--images", "DATASET", G::Apply, "images to decide on: a folder, CSV list, IDX or CIFAR file (repeatable)"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --images needs a folder or file");
             p.o.images.push_back(v);
         }},
        {{"--allow-model-mismatch", "", G::Apply, "score with a model whose SHA-256 differs from the detector's"},
         [](Parse& p, const std::string&) { p.o.allowModelMismatch = true; }},
        {{"--exit-flagged", "", G::Apply,
          "exit with status " + std::to_string(kExitFlagged) + " when an image was flagged (0 when none was)"},
         [](Parse& p, const std::string&) { p.o.exitFlagged = true; }},
        {{"--shard", "I/N", G::Shard,
          "extract only shard I (from 0) of N of each dataset: whole batches, in the dataset's order"},
         [](Parse& p, const std::string& v) { p.o.shard = parseShard(v); }},
        {{"--overlay", "", G::Gui, "overlay every checked method on the ROC and PR curves"},
         [](Parse& p, const std::string&) { p.o.overlay = true; }},
        {{"--tab", "analysis|explore|factors|sweep|apply", G::Gui,
          "tab to show (default analysis); with --screenshot, apply applies --detector (or the current method at "
          "its threshold) to --images first"},
         [](Parse& p, const std::string& v) {
             if (v != "analysis" && v != "explore" && v != "factors" && v != "sweep" && v != "apply")
                 throw Error("option --tab takes 'analysis', 'explore', 'factors', 'sweep' or 'apply', not '" + v +
                             "'");
             p.o.tab = v;
         }},
        {{"--screenshot", "FILE.png", G::Gui,
          "wait for the run, save the window as a PNG, exit (1 if the run fails)"},
         [](Parse& p, const std::string& v) {
             if (v.empty())
                 throw Error("option --screenshot needs a file name");
             p.o.screenshot = v;
         }},
        {{"--size", "WxH", G::Gui, "window size for --screenshot (default 1600x1000)"},
         [](Parse& p, const std::string& v) {
             const auto x = v.find('x');
             if (x == std::string::npos)
                 sizePart("", 0, v);
             p.o.windowWidth = sizePart(v.substr(0, x), 400, v);
             p.o.windowHeight = sizePart(v.substr(x + 1), 300, v);
         }},
    };
    return table;
}

bool isPositional(const OptionInfo& info) { return info.flag.rfind("--", 0) != 0; }

} // namespace

const std::vector<OptionInfo>& optionTable()
{
    static const std::vector<OptionInfo> infos = [] {
        std::vector<OptionInfo> out;
        for (const Entry& e : entries())
            out.push_back(e.info);
        return out;
    }();
    return infos;
}

std::string optionsHelp(unsigned groups)
{
    // One column for the whole table, so that every section of a help text lines up.
    auto left = [](const OptionInfo& o) { return o.flag + (o.value.empty() ? "" : " " + o.value); };
    std::size_t width = 0;
    for (const OptionInfo& o : optionTable())
        width = std::max(width, left(o).size());
    std::string out;
    for (const OptionInfo& o : optionTable()) {
        if (!(o.group & groups))
            continue;
        const std::string l = left(o);
        out += "  " + l + std::string(width - l.size() + 2, ' ') + o.help + "\n";
    }
    return out;
}

const char* optionGroupTitle(unsigned group)
{
    switch (group) {
    case OptionGroup::Model: return "Model";
    case OptionGroup::Datasets: return "Datasets";
    case OptionGroup::Session: return "Session";
    case OptionGroup::Methods: return "Methods";
    case OptionGroup::Params: return "Method parameters";
    case OptionGroup::Preprocess: return "Preprocessing (unset values come from the model's sidecar or input shape)";
    case OptionGroup::Runtime: return "Runtime";
    case OptionGroup::Output: return "Output";
    case OptionGroup::Bootstrap: return "Bootstrap";
    case OptionGroup::Cache: return "Feature cache";
    case OptionGroup::Figures: return "Figures";
    case OptionGroup::Gui: return "Window";
    case OptionGroup::Demo: return "Demo";
    case OptionGroup::Factors: return "Factor analysis (report)";
    case OptionGroup::Sweep: return "Sweeps (parameters chosen on the validation pair)";
    case OptionGroup::Method: return "Method";
    case OptionGroup::Calibrate: return "Calibration (calibrate)";
    case OptionGroup::Apply: return "Applying a detector (apply)";
    case OptionGroup::Shard: return "Shards (extract)";
    default: return "Options";
    }
}

std::string groupedOptionsHelp(unsigned groups)
{
    std::string out;
    for (unsigned g = 1; g && g <= OptionGroup::Last; g <<= 1)
        if (groups & g)
            out += std::string(out.empty() ? "" : "\n") + optionGroupTitle(g) + ":\n" + optionsHelp(g);
    return out;
}

std::vector<std::string> drawingCommandMethods(const RunConfig& config)
{
    bool fit = false;
    for (const DatasetSpec& d : config.datasets)
        fit = fit || d.role == DatasetRole::Fit;
    std::vector<std::string> methods;
    for (const MethodInfo& m : methodRegistry())
        if (!m.has(NeedsAutograd) && !m.has(NeedsImages) && (fit || !m.has(NeedsFitSet)))
            methods.push_back(m.id);
    return methods;
}

ParsedOptions parseOptions(const std::vector<std::string>& args, unsigned groups, const std::string& command,
                           const RunConfig& base)
{
    ParsedOptions o;
    o.config = base;
    for (const std::string& a : args)
        if (a == "--help" || a == "-h") {
            o.help = true;
            return o;
        }
    const std::string hint = " (see " + command + " --help)";

    // Pass 1: every word to a table entry and its value, so that errors come before any work.
    std::vector<std::pair<const Entry*, std::string>> given;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        const Entry* match = nullptr;
        bool known = false;
        for (const Entry& e : entries()) {
            const bool positional = isPositional(e.info);
            if (positional ? (word.rfind('-', 0) == 0 || word.empty()) : e.info.flag != word)
                continue;
            known = known || !positional;
            if (e.info.group & groups) {
                match = &e;
                break;
            }
        }
        if (!match) {
            if (known)
                throw Error("option " + word + " does not apply to " + command + hint);
            if (word.rfind('-', 0) == 0)
                throw Error("unknown option '" + word + "'" + hint);
            throw Error("unexpected argument '" + word + "'" + hint);
        }
        std::string value = word;
        if (isPositional(match->info)) {
            if (word.size() < 8 || word.compare(word.size() - 8, 8, ".oodlens") != 0)
                throw Error("unexpected argument '" + word + "' (a session file ends in .oodlens)" + hint);
        } else if (!match->info.value.empty()) {
            if (i + 1 >= args.size())
                throw Error("option " + word + " needs a value (" + match->info.value + ")");
            value = args[++i];
            if (value.rfind("--", 0) == 0 && value.size() > 2)
                throw Error("option " + word + " needs a value (" + match->info.value + "), not the option '" +
                            value + "'");
        }
        given.emplace_back(match, value);
    }

    // Pass 2: the base the other options override.
    std::string session;
    bool demo = false;
    for (const auto& [e, value] : given) {
        if (e->info.flag == "--session") {
            if (!session.empty())
                throw Error("option --session given twice");
            session = value;
        } else if (e->info.flag == "--demo") {
            demo = true;
        }
    }
    if (!session.empty() && demo)
        throw Error("options --session and --demo cannot be combined: both give the run");
    if (!session.empty()) {
        const SessionFile file = SessionFile::read(session);
        o.config = file.config;
        o.config.threads = base.threads;
        o.config.cacheDir = base.cacheDir;
        o.methodsGiven = !o.config.methods.empty();
        o.sessionPath = session;
    } else if (demo) {
        RunConfig d = demoConfig();
        d.threads = base.threads;
        d.cacheDir = base.cacheDir;
        o.config = d;
        o.demo = true;
    }

    // Pass 3: the options, in order.
    Parse p{o, {}, {}, {}, {}, {}, false};
    for (const auto& [e, value] : given) {
        o.groupsGiven |= e->info.group;
        if (e->apply)
            e->apply(p, value);
    }
    applyGroups(p);
    applyFactorSplit(p);
    PreprocessSpec& pre = o.config.preprocess;
    if (!p.preset.empty())
        pre = PreprocessSpec::preset(p.preset);
    if (p.fields.resize)
        pre.resize = p.fields.resize;
    if (p.fields.crop)
        pre.crop = p.fields.crop;
    if (p.fields.channels)
        pre.channels = p.fields.channels;
    if (!p.fields.mean.empty())
        pre.mean = p.fields.mean;
    if (!p.fields.stddev.empty())
        pre.stddev = p.fields.stddev;
    validatePreprocess(pre, ValueSource{});
    return o;
}

} // namespace oodlens
