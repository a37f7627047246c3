// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "detector/Calibration.h"
#include "factors/FactorAnalysis.h"
#include "run/FigureStyle.h"
#include "run/Pipeline.h"

#include <optional>
#include <string>
#include <vector>

namespace oodlens {

// The one command-line parser of oodlens-cli (score, demo, figures, info) and of the GUI. Every
// flag is declared once, in a group; a command names the groups it accepts, so a flag means the
// same thing in every command that takes it. Numbers and preprocessing values are checked here,
// with the same rules that the session file (io/SessionFile.h) applies to its fields.
struct OptionGroup {
    enum : unsigned {
        Model = 1u << 0,      // --model
        Datasets = 1u << 1,   // --id --ood --fit --group --val-id --val-ood
        Session = 1u << 2,    // --session (the run config from a saved .oodlens file)
        Methods = 1u << 3,    // --methods --cost-probe
        Params = 1u << 4,     // --param
        Preprocess = 1u << 5, // --preset --resize --crop --channels --mean --std
        Runtime = 1u << 6,    // --batch --threads --max-pixels --device
        Output = 1u << 7,     // --out
        Bootstrap = 1u << 8,  // --bootstrap --seed
        Cache = 1u << 9,      // --no-cache --cache-dir
        Figures = 1u << 10,   // --size one|two --dpi --formats --kinds --legend --font --font-size --titles
        Gui = 1u << 11,       // --no-autorun --method --overlay --tab --screenshot --size WxH, SESSION.oodlens
        Demo = 1u << 12,      // --demo
        Factors = 1u << 13,   // --split --validation-fraction --split-seed --validation-id --validation-ood --resamples
        Sweep = 1u << 14,     // --sweep --sweep-metric --val-fraction --val-seed
        Method = 1u << 15,    // --method (the window's first method, the method calibrate calibrates)
        Calibrate = 1u << 16, // --target-tpr --target-fpr --threshold --calibration-fraction --calibration-seed
        Apply = 1u << 17,     // --detector --images --allow-model-mismatch --exit-flagged
        Shard = 1u << 18,     // --shard
        Last = Shard,
    };
};

// The groups each command accepts. `figures` and `report` take every `score` option.
namespace commandGroups {
// score takes --demo too: a Slurm job's `extract ... --demo` and its `score ... --demo` take one command line.
constexpr unsigned kScore = OptionGroup::Model | OptionGroup::Datasets | OptionGroup::Session |
                            OptionGroup::Methods | OptionGroup::Params | OptionGroup::Preprocess |
                            OptionGroup::Runtime | OptionGroup::Output | OptionGroup::Bootstrap | OptionGroup::Cache |
                            OptionGroup::Sweep | OptionGroup::Demo;
constexpr unsigned kDemo = OptionGroup::Methods | OptionGroup::Params | OptionGroup::Runtime | OptionGroup::Output |
                           OptionGroup::Bootstrap | OptionGroup::Cache | OptionGroup::Sweep;
constexpr unsigned kInfo = OptionGroup::Model | OptionGroup::Runtime | OptionGroup::Preprocess;
constexpr unsigned kFigures = kScore | OptionGroup::Figures | OptionGroup::Demo;
// The report: the run of `score` (or the demo's) and the factor analysis's options.
constexpr unsigned kReport = kScore | OptionGroup::Demo | OptionGroup::Factors;
// The window takes every score option except --out: `oodlens --model M --id D --ood N=D` opens on
// that analysis and runs it; the factor options set the Factors view's split; --sweep fills the
// Sweep tab, which applies a chosen value only when asked ("Apply best"); --detector and --images
// fill the Apply tab (--exit-flagged is refused: it is for scripts).
constexpr unsigned kGui = (kScore & ~(OptionGroup::Output | OptionGroup::Demo)) | OptionGroup::Gui | OptionGroup::Method |
                          OptionGroup::Factors | OptionGroup::Apply;
// calibrate: a run of one method (score's options but sweeps), then the detector's threshold.
constexpr unsigned kCalibrate = (kScore & ~OptionGroup::Sweep) | OptionGroup::Method | OptionGroup::Calibrate;
// apply: the detector holds the model, preprocessing and method; --model names a moved model file.
constexpr unsigned kApply = OptionGroup::Apply | OptionGroup::Model | OptionGroup::Runtime | OptionGroup::Output |
                            OptionGroup::Cache;
// extract: every score option (so that a Slurm task and the merging score job take one command
// line), the demo's sets, and --shard.
constexpr unsigned kExtract = kScore | OptionGroup::Demo | OptionGroup::Shard;
} // namespace commandGroups

// apply --exit-flagged: the exit status when the detector flagged at least one image (0: none
// flagged; 1: an error, as for every command).
constexpr int kExitFlagged = 10;

// One flag of the table, for help texts and tests.
struct OptionInfo {
    std::string flag;  // "--resize"
    std::string value; // placeholder ("N"); empty for a switch
    unsigned group = 0;
    std::string help;  // one line
};
// Every flag, in help order.
const std::vector<OptionInfo>& optionTable();
// The option lines of `--help` for the given groups: "  --resize N   <help>", aligned.
std::string optionsHelp(unsigned groups);
// The title of one group ("Preprocessing"), and the option lines of each group in `groups` under
// its title ("Preprocessing:\n  --preset ...").
const char* optionGroupTitle(unsigned group);
std::string groupedOptionsHelp(unsigned groups);

// What a command line says. Fields of groups a command does not accept keep their defaults.
struct ParsedOptions {
    RunConfig config;
    bool methodsGiven = false; // --methods given, or methods read from --session
    std::string outDir;
    int bootstrap = 0;
    unsigned long long seed = 0;
    std::string sessionPath; // --session FILE (score, figures) or the GUI's SESSION.oodlens
    bool help = false;       // --help or -h: nothing else was parsed
    unsigned groupsGiven = 0; // the OptionGroup bits of the options on the command line

    // Figures group.
    bool demo = false;
    bool twoColumn = false; // --size two
    int dpi = 300;
    std::vector<std::string> formats{"pdf", "svg", "png"};
    std::vector<std::string> kinds = figureKinds();
    LegendPlacement legend = LegendPlacement::Auto;
    std::string fontFamily;  // empty: the figures' default family
    double fontPoints = 0;   // 0: by width (8 pt one column, 9 pt wider)
    bool titles = false;     // --titles: the window's plot titles and notes in the files too

    // Factors group: the factor analysis (validation split, paired bootstrap). Its bootstrap seed
    // is --seed's.
    FactorOptions factors;

    // Method group: the method the window shows first, or the one calibrate calibrates.
    std::string method;

    // Calibrate group (the defaults are CalibrationRequest's).
    CalibrationTarget target = CalibrationTarget::IdTpr;
    double targetValue = CalibrationRequest::kDefaultTpr;
    double calibrationFraction = CalibrationRequest::kDefaultFraction;
    std::uint64_t calibrationSeed = 0;

    // Apply group.
    std::string detectorPath;
    std::vector<std::string> images; // --images, in order
    bool allowModelMismatch = false;
    bool exitFlagged = false; // exit status kExitFlagged when an image was flagged

    // Shard group: extract only this shard of each dataset (features/Shards.h).
    std::optional<Shard> shard;

    // GUI group.
    bool autorun = true;
    bool overlay = false;
    std::string tab; // "", "analysis" or "explore"
    std::string screenshot;
    int windowWidth = 1600;
    int windowHeight = 1000;
};

// Parses `args` (the words after the command) for a command that accepts `groups`, on top of
// `base` (the command's defaults, e.g. demoConfig() for demo). `command` names the command in
// messages ("score", "oodlens"). With --session FILE (or --demo), the file's (the demo's) run
// config becomes the base, wherever the option appears; the other options then override it:
// --methods replaces the methods, --param adds or replaces parameters, the first --id / --ood /
// --fit replaces the base's sets of that role, each preprocessing flag replaces its field and
// --preset all of them. Throws Error naming the option: unknown options, options of a group the
// command does not take, missing or malformed values, numbers out of range.
ParsedOptions parseOptions(const std::vector<std::string>& args, unsigned groups, const std::string& command,
                           const RunConfig& base = RunConfig());

// The methods `figures` and `report` score when neither --methods nor a session or the demo gives
// them: every method that needs neither the per-sample autograd pass nor the images (the fast
// ones), the fitted ones only when `config` has a fit set.
std::vector<std::string> drawingCommandMethods(const RunConfig& config);

// --- Value rules shared with the session file -------------------------------------------------

// A whole-number setting: its field in the session file, its flag, its range. A value of 0 is
// "unset / automatic" where `zeroUnset` (and then allowed whatever `min` says).
struct IntSetting {
    const char* field; // "batch", "preprocessing.resize", "view.bins"
    const char* flag;  // "--batch"; "" when the command line has none
    long long min;
    long long max;
    bool zeroUnset = false;
};
namespace settings {
extern const IntSetting kBatch, kThreads, kBootstrap, kDpi, kResize, kCrop, kChannels, kHeight, kWidth, kBins,
    kMaxPixels, kResamples, kCostProbe;
}

// Says where a value came from, for messages: the command line (`source` empty: "option --batch")
// or a file ("'run.oodlens': \"batch\"").
struct ValueSource {
    std::string file; // empty = the command line
    std::string name(const IntSetting& s) const;
    std::string name(const std::string& field, const std::string& flag) const;
};

// Checks `value` against `setting`; throws Error "<name> must be a whole number from MIN to MAX
// (got V)" (or "must be 1 or 3" for the channels). 0 passes for a `zeroUnset` setting when
// `allowUnset`.
int checkInt(double value, const IntSetting& setting, const ValueSource& source, bool allowUnset = true);
// The engine threads: at most settings::kThreads.max and 4 per core (more only thrash, and
// thousands exhaust the process); throws Error naming the option otherwise. Returns `threads`.
int checkThreads(int threads, const ValueSource& source = {});
// Parses decimal text and checks it; throws Error naming the option on text that is no number.
// On the command line (`source` without a file), 0 is refused for `zeroUnset` settings.
int parseInt(const std::string& text, const IntSetting& setting, const ValueSource& source = {});
// Comma-separated finite numbers ("0.5,0.5,0.5"); throws Error naming `what` otherwise.
std::vector<float> parseFloatList(const std::string& text, const std::string& what);

// Checks a preprocessing spec: channels 0 (from the model), 1 or 3; resize, crop, height and width
// 0 (unset) or 1 to 100000; every std > 0 and finite means; mean and std hold 1 value or one per
// channel. Throws Error naming the offending field (as a flag or as a session-file field).
void validatePreprocess(const PreprocessSpec& spec, const ValueSource& source);

// Splits --ood's value: "NAME=PATH" gives (NAME, PATH), unless the '=' belongs to the path (it
// comes after a '/', or nothing precedes it); a plain PATH gets datasetDisplayName(PATH).
DatasetSpec oodDatasetSpec(const std::string& value);

} // namespace oodlens
