// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens-cli: the headless face of the engine. Parses arguments, runs the core, writes files.
#include "datasets/Dataset.h"
#include "run/Demo.h"
#include "detector/Apply.h"
#include "detector/Calibration.h"
#include "common/Error.h"
#include "io/Export.h"
#include "run/Pipeline.h"
#include "common/Progress.h"
#include "common/Runtime.h"
#include "features/FeaturesFile.h"
#include "run/Options.h"
#ifdef OODLENS_HAVE_FIGURES
#include "apply/ApplyFigure.h"
#include "app/FiguresCommand.h"
#include "app/ReportCommand.h"
#endif

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace fs = std::filesystem;
using namespace oodlens;

namespace {

std::atomic<bool> g_interrupted{false};
int g_signalPipe[2] = {-1, -1};

// Ctrl-C asks the run to stop at its next check (between batches, rows, resamples); the watchdog
// below makes sure it stops even where nothing checks (a model that takes long to load, a file
// that blocks, a long write). Only async-signal-safe calls here.
void onSigint(int)
{
    g_interrupted = true;
    const char byte = 1;
    if (g_signalPipe[1] >= 0)
        (void)!::write(g_signalPipe[1], &byte, 1);
}

// How long a cancelled run may take to stop on its own before the process exits.
constexpr int kCancelGraceMs = 3000;

// Waits for SIGINT on its own thread; after the first, gives the run kCancelGraceMs to stop
// cleanly (it then exits 130 through main), and exits 130 at once on a second Ctrl-C or when the
// grace period ends.
void startInterruptWatchdog()
{
    if (::pipe(g_signalPipe) != 0)
        return;
    ::fcntl(g_signalPipe[0], F_SETFD, FD_CLOEXEC);
    ::fcntl(g_signalPipe[1], F_SETFD, FD_CLOEXEC);
    ::fcntl(g_signalPipe[1], F_SETFL, O_NONBLOCK);
    std::thread([] {
        char byte = 0;
        while (::read(g_signalPipe[0], &byte, 1) < 0 && errno == EINTR) {
        }
        pollfd p{g_signalPipe[0], POLLIN, 0};
        int r = 0;
        do
            r = ::poll(&p, 1, kCancelGraceMs);
        while (r < 0 && errno == EINTR);
        static const char msg[] = "\noodlens-cli: cancelled\n";
        (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
        ::_exit(130);
    }).detach();
}

const char* const kSynopsis =
    R"(Usage:
  oodlens-cli score --model FILE --id DATASET [--ood [NAME=]DATASET]... --out DIR [options]
  oodlens-cli score --session FILE.oodlens --out DIR [options that override the session]
  oodlens-cli demo [--out DIR] [options]
  oodlens-cli figures (--model FILE --id DATASET [--ood ...]... | --session FILE | --demo) --out DIR
                      [options]   (builds with the GUI only)
  oodlens-cli report (--model FILE --id DATASET [--ood ...]... | --session FILE | --demo) --out DIR
                     [--split seeded|pair] [factor options] [options]   (builds with the GUI only)
  oodlens-cli calibrate --model FILE --id DATASET [--ood ...]... [--fit DATASET] --method ID
                        [--target-tpr F | --target-fpr F | --threshold T] --out DETECTOR.json [options]
  oodlens-cli apply --detector DETECTOR.json --images DATASET [--images ...]... --out DIR
                    [--allow-model-mismatch] [--exit-flagged]
  oodlens-cli extract (--model FILE --id DATASET [--ood ...]... | --session FILE | --demo) [--shard I/N]
                      [options of score]
  oodlens-cli export-features (--model FILE --id DATASET [--ood ...]... | --session FILE | --demo) --out DIR
                              [options of score]
  oodlens-cli info --model FILE [preprocessing options] [--device cpu|cuda] [--threads N]
  oodlens-cli methods
  oodlens-cli COMMAND --help
  oodlens-cli --help | --version
)";

const char* const kCommands =
    R"(
score  runs the model once per dataset and writes DIR/scores.csv (one row per image, every
       score oriented higher = more in-distribution) and DIR/metrics.csv (one row per method
       and OOD set, fractions in [0,1]); the metrics table is printed. Also writes
       metrics.json / metrics.md / metrics.tex and run.json (what produced the run).
       Features are cached per (model, dataset content, preprocessing) so a second run
       does not run the model again; --no-cache bypasses the cache. With --session, the run
       is the one saved in the file (File > Save session in the GUI); the other options
       override it (--methods, --param, the first --id/--ood/--fit of a role, each
       preprocessing flag).
demo   scores the bundled MNIST (ID) vs Fashion-MNIST (OOD) demo and prints the table.
calibrate sets a detector: METHOD's threshold at a target ID TPR (default 0.95) on a seeded
       calibration half of the ID set (--calibration-fraction, --calibration-seed), its TPR
       measured on the other half and its FPR on each OOD set, with bootstrap intervals
       (--bootstrap, default 1000), written to DETECTOR.json and DETECTOR.bin (the fit set of a
       fitted method, the calibration scores); docs/detector.md documents the files.
apply  decides on new images with a detector: DIR/decisions.csv (path, set, score, accepted or
       flagged, predicted class and name, margin to the threshold), summary.json / .txt and the
       score histogram against the calibration scores (histogram.pdf/.png with the GUI). Streams
       in blocks of 4096 images through the feature cache; refuses a model whose SHA-256
       differs from the detector's unless --allow-model-mismatch.
extract runs the model over every dataset given (fit and validation sets too) into the feature
       cache and scores nothing. With --shard I/N, only shard I (from 0) of N of each: a Slurm
       job array runs one shard per task (packaging/slurm), and a later score (or the GUI) with
       the same options and cache folder uses a complete set of shards as if the data had been
       extracted whole; a missing shard is named, then extracted there. Shards are runs of whole
       batches in the dataset's order (sorted paths; records of a container), so the merged
       features equal an unsharded extraction's exactly at the same --batch.
export-features writes each dataset's features, logits, labels and paths, and the model's last
       layer (head_weight, head_bias), as DIR/<name>.npz for NumPy (np.load): the format a
       "features" dataset reads (README, "Features in and out"). From the cache when it has them.
info   prints what the engine found in a model: classes, features, head, input shape, and the
       preprocessing a run would use with where each value comes from (flag, preset, sidecar,
       model or guess).
figures writes the score histogram and ROC curve of each method as PDF, SVG and PNG, headless;
       it takes every score option.
report writes the factor analysis ("are gradients needed?") as one self-contained report.html
       and report.pdf (model and datasets, metrics, factor tables and figures, histograms and
       ROC of each gradient score and its best non-gradient member, cost, verdicts), factors.tex
       and factors.csv for papers and scripts, every figure as PDF and SVG in DIR/figures, and
       score's files; headless, it takes every score option and the factor analysis's.
methods lists every score id with its group and formula.
)";

// The full help: synopsis, commands, and every option line from the parser's table.
std::string usage()
{
    using namespace commandGroups;
    return std::string(kSynopsis) + kCommands + "\n" + groupedOptionsHelp(kFigures | kReport | kCalibrate | kApply | kExtract) +
           "\nscore takes every option above except Figures and Factor analysis; figures takes all but\n"
           "Factor analysis; report all but Figures; demo takes the Methods, Method parameters, Runtime,\n"
           "Output, Bootstrap and Feature cache options; info takes --model, the Preprocessing and the\n"
           "Runtime options; calibrate takes score's options but sweeps, --method and Calibration; apply\n"
           "takes Applying a detector, --model (a moved model file), Runtime, --out and the cache options;\n"
           "extract takes score's options, --demo and Shards.\n";
}

void printCommandHelp(const std::string& synopsis, unsigned groups)
{
    std::cout << "Usage: " << synopsis << "\n\n" << groupedOptionsHelp(groups);
}

// Progress on stderr: a live line with ETA on a terminal, nothing otherwise; warnings always.
class CliProgress final : public RunObserver {
public:
    void progress(const RunProgress& p) override
    {
        if (!tty_)
            return;
        const auto now = std::chrono::steady_clock::now();
        if (p.label != stage_) {
            stage_ = p.label;
            start_ = now;
        }
        if (p.total == 0 || (p.done < p.total && now - last_ < std::chrono::milliseconds(100)))
            return;
        last_ = now;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        std::ostringstream line;
        line << "\r" << p.label << ": " << p.done << "/" << p.total;
        if (p.done > 0 && p.done < p.total)
            line << "  ETA " << static_cast<int>(elapsed * (p.total - p.done) / p.done + 0.5) << " s";
        line << "        ";
        std::cerr << line.str() << (p.done >= p.total ? "\n" : "") << std::flush;
    }
    void warning(const RunWarning& w) override { std::cerr << (tty_ ? "\r" : "") << "warning: " << w.message << "\n"; }
    bool isCancelRequested() const override { return g_interrupted.load(); }

private:
    bool tty_ = isatty(STDERR_FILENO);
    std::string stage_;
    std::chrono::steady_clock::time_point start_{}, last_{};
};

std::string g_commandLine;

// Shared by `score` and `demo`: run the pipeline, print, write.
// The one visible line that says what of the preprocessing is a guess (nothing when nothing is).
void printGuessNote(const ResolvedPreprocess& pre)
{
    const std::string note =
        guessNote(pre, "set --preset, or --resize/--crop/--channels/--mean/--std, or put a sidecar model.json (README, \"Point it at your own model\") "
                       "next to the model");
    if (!note.empty())
        std::cerr << "note: " << note << "\n";
}

int runAnalysis(const ParsedOptions& o, const std::string& commandLine)
{
    if (!o.outDir.empty())
        checkOutputFolder(o.outDir); // before minutes of extraction, not after
    CliProgress progress;
    std::cerr << initRuntime(o.config.threads) << "\n";
    RunConfig config = o.config;
    config.bootstrap = o.bootstrap;
    config.seed = o.seed;
    const RunResultPtr result = runOnce(config, &progress);
    for (std::size_t i = 0; i < result->datasets.size(); ++i) {
        const DatasetSummary& d = result->datasets[i];
        if (d.ok())
            std::cerr << o.config.datasets[i].name << ": " << d.rows << " images (" << d.kind << ")"
                      << (d.skipped ? ", " + std::to_string(d.skipped) + " skipped" : "")
                      << (d.fromCache ? ", features from the cache" : "") << "\n";
    }
    printGuessNote(result->preprocessOrigin);
    for (const auto& [method, note] : result->fitNotes)
        std::cerr << method << ": " << note << "\n";
    for (const SweepResult& sweep : result->sweeps)
        std::cout << sweepLine(sweep) << "\n";
    printMetricsTable(std::cout, result->metrics);
    if (const std::string costs = costsLine(result->costs); !costs.empty()) {
        std::cout << costs << "\n";
        std::cerr << "cost note: " << result->costs.note << "\n";
    }
    if (!o.outDir.empty()) {
        writeRunFiles(o.outDir, *result, commandLine);
        std::cerr << "wrote scores.csv, metrics.{csv,json,md,tex} and run.json to " << o.outDir << "\n";
    }
    // A failed OOD set is reported but does not lose the others' results.
    for (std::size_t i = 0; i < result->datasets.size(); ++i)
        if (!result->datasets[i].ok() && result->datasets[i].role == DatasetRole::Ood) {
            std::cerr << "oodlens-cli: error: OOD set '" << o.config.datasets[i].name << "': " << result->datasets[i].error
                      << "\n";
            return 1;
        }
    return 0;
}

int cmdScore(const std::vector<std::string>& args)
{
    const ParsedOptions o = parseOptions(args, commandGroups::kScore, "oodlens-cli score");
    if (o.help) {
        printCommandHelp("oodlens-cli score (--model FILE --id DATASET [--ood [NAME=]DATASET]... | --session FILE | --demo) "
                         "--out DIR [options]",
                         commandGroups::kScore);
        return 0;
    }
    if (!o.config.hasModelOrHead())
        throw Error(o.sessionPath.empty() ? "score needs --model FILE (or --session FILE, or an ID set of features "
                                            "with head_weight: --id FEATURES.npz)"
                                          : "session '" + o.sessionPath + "' names no model; give --model FILE");
    if (o.outDir.empty())
        throw Error("score needs --out DIR");
    return runAnalysis(o, g_commandLine);
}

// The options of extract and export-features (nullopt: --help was answered).
std::optional<ParsedOptions> extractionOptions(const std::vector<std::string>& args, unsigned groups,
                                               const std::string& command, const std::string& synopsis)
{
    const bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                      std::find(args.begin(), args.end(), "-h") != args.end();
    ParsedOptions o = parseOptions(args, groups, command);
    if (help || o.help) {
        printCommandHelp(synopsis, groups);
        return std::nullopt;
    }
    if (!o.config.hasModelOrHead())
        throw Error(o.sessionPath.empty() ? command.substr(command.find(' ') + 1) + " needs --model FILE (or --session FILE, or --demo)"
                                          : "session '" + o.sessionPath + "' names no model; give --model FILE");
    return o;
}

int cmdExtract(const std::vector<std::string>& args)
{
    const std::optional<ParsedOptions> parsed = extractionOptions(
        args, commandGroups::kExtract, "oodlens-cli extract",
        "oodlens-cli extract (--model FILE --id DATASET [--ood [NAME=]DATASET]... | --session FILE | --demo) "
        "[--shard I/N] [options of score]");
    if (!parsed)
        return 0;
    const ParsedOptions& o = *parsed;
    if (o.config.cacheDir.empty())
        throw Error("extract fills the feature cache, and --no-cache turns it off; give --cache-dir DIR (or none)");
    if (!o.outDir.empty())
        std::cerr << "note: extract writes only the feature cache; --out is for the score that uses it\n";
    CliProgress progress;
    std::cerr << initRuntime(o.config.threads) << "\n";
    Pipeline pipeline;
    const std::vector<DatasetSummary> done = pipeline.extract(o.config, o.shard, &progress).datasets;
    int failed = 0;
    for (std::size_t i = 0; i < done.size(); ++i) {
        const DatasetSummary& d = done[i];
        const std::string name = o.config.datasets[i].name;
        if (!d.ok()) {
            std::cerr << "oodlens-cli: error: " << name << " (" << d.path << "): " << d.error << "\n";
            ++failed;
            continue;
        }
        std::cout << name << ": ";
        if (d.kind == kFeaturesKind) {
            std::cout << "a features file: nothing to extract (" << d.rows << " rows)\n";
        } else if (o.shard) {
            const ShardPart& part = d.shards.front();
            std::cout << "shard " << part.shard.text()
                      << (part.items.size() ? ", items " + std::to_string(part.items.begin) + " to " +
                                                  std::to_string(part.items.end - 1)
                                            : std::string(", no items"))
                      << " of " << d.items << ": " << d.rows << " images"
                      << (d.skipped ? ", " + std::to_string(d.skipped) + " unreadable" : "")
                      << (part.items.size() == 0 ? " (an empty shard: nothing to extract)"
                                                 : d.fromCache ? " (already in the cache)" : "")
                      << (part.cacheFile.empty() ? "" : " -> " + part.cacheFile) << "\n";
        } else {
            std::cout << d.rows << " of " << d.items << " images"
                      << (d.fromCache ? (d.shards.empty() ? " (already in the cache)"
                                                          : " (from " + std::to_string(d.shards.size()) + " shards)")
                                      : " extracted")
                      << "\n";
        }
    }
    std::cerr << "feature cache: " << o.config.cacheDir << "\n";
    return failed ? 1 : 0;
}

// The features of every dataset, from the cache or the model, as DIR/<name>.npz (FeaturesFile.h).
int cmdExportFeatures(const std::vector<std::string>& args)
{
    const std::optional<ParsedOptions> parsed = extractionOptions(
        args, commandGroups::kExtract & ~OptionGroup::Shard, "oodlens-cli export-features",
        "oodlens-cli export-features (--model FILE --id DATASET [--ood [NAME=]DATASET]... | --session FILE | --demo) "
        "--out DIR [options of score]");
    if (!parsed)
        return 0;
    const ParsedOptions& o = *parsed;
    if (o.outDir.empty())
        throw Error("export-features needs --out DIR: the folder for one <dataset>.npz per dataset");
    std::vector<std::string> names;
    for (const DatasetSpec& d : o.config.datasets) {
        std::string name = d.name.empty() ? datasetLabel(d) : d.name;
        for (char& c : name)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
                c = '_';
        name += ".npz";
        for (std::size_t k = 0; k < names.size(); ++k)
            if (names[k] == name)
                throw Error("export-features: datasets '" + o.config.datasets[k].name + "' and '" + d.name +
                            "' would both be written to " + name + "; give one of them another NAME=");
        names.push_back(name);
    }
    checkOutputFolder(o.outDir);
    OutputFiles::checkTargets(o.outDir, names);
    CliProgress progress;
    std::cerr << initRuntime(o.config.threads) << "\n";
    Pipeline pipeline;
    const Pipeline::Extraction done = pipeline.extract(o.config, std::nullopt, &progress);
    int failed = 0;
    for (std::size_t i = 0; i < done.datasets.size(); ++i) {
        const DatasetSummary& d = done.datasets[i];
        if (!d.ok()) {
            std::cerr << "oodlens-cli: error: " << o.config.datasets[i].name << " (" << d.path << "): " << d.error << "\n";
            ++failed;
            continue;
        }
        const std::string file = (fs::path(o.outDir) / names[i]).string();
        writeFeaturesFile(file, *done.features[i], &done.head, done.classNames, d.classNames);
        std::cout << file << ": " << d.rows << " rows, features [" << d.rows << ", " << done.head.dim << "], logits ["
                  << d.rows << ", " << done.head.classes << "], labels, paths, head_weight, head_bias"
                  << (done.classNames.empty() ? "" : ", class_names") << (d.classNames.empty() ? "" : ", label_names")
                  << (d.fromCache ? " (from the feature cache)" : "") << "\n";
    }
    return failed ? 1 : 0;
}

int cmdDemo(const std::vector<std::string>& args)
{
    // --help answers even where the demo files are missing.
    const bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                      std::find(args.begin(), args.end(), "-h") != args.end();
    ParsedOptions o = parseOptions(args, commandGroups::kDemo, "oodlens-cli demo", help ? RunConfig() : demoConfig());
    if (o.help) {
        printCommandHelp("oodlens-cli demo [--out DIR] [options]", commandGroups::kDemo);
        return 0;
    }
    if (!o.methodsGiven)
        o.config.methods = defaultMethods(PanelDemo);
    return runAnalysis(o, g_commandLine);
}

int cmdCalibrate(const std::vector<std::string>& args)
{
    const ParsedOptions o = parseOptions(args, commandGroups::kCalibrate, "oodlens-cli calibrate");
    if (o.help) {
        printCommandHelp("oodlens-cli calibrate --model FILE --id DATASET [--ood ...]... [--fit DATASET] --method ID "
                         "[--target-tpr F | --target-fpr F | --threshold T] --out DETECTOR.json [options]",
                         commandGroups::kCalibrate);
        return 0;
    }
    if (o.config.modelPath.empty())
        throw Error("calibrate needs --model FILE (or --session FILE)");
    if (o.method.empty())
        throw Error("calibrate needs --method ID: the method whose threshold it sets (see oodlens-cli methods)");
    if (o.outDir.empty())
        throw Error("calibrate needs --out DETECTOR.json");
    if (fs::is_directory(o.outDir))
        throw Error("--out '" + o.outDir + "' is a folder; calibrate writes a file (e.g. " +
                    (fs::path(o.outDir) / "detector.json").string() + ")");
    // Before the run: a folder that cannot take the files is said at once (and a missing one made).
    {
        const fs::path out(o.outDir);
        OutputFiles::checkTargets(out.has_parent_path() ? out.parent_path().string() : std::string("."),
                                  {out.filename().string(), fs::path(detectorSideFile(o.outDir)).filename().string()});
    }
    CliProgress progress;
    std::cerr << initRuntime(o.config.threads) << "\n";
    RunConfig config = o.config;
    config.methods = {o.method};
    config.bootstrap = 0; // the detector's rates carry intervals of their own
    const RunResultPtr result = runOnce(config, &progress);
    printGuessNote(result->preprocessOrigin);
    CalibrationRequest q;
    q.method = o.method;
    q.target = o.target;
    q.value = o.targetValue;
    q.fraction = o.calibrationFraction;
    q.splitSeed = o.calibrationSeed;
    // --bootstrap N sets the rates' resamples (0: none); without it, the detector's default.
    if (std::find(args.begin(), args.end(), "--bootstrap") != args.end())
        q.resamples = o.bootstrap;
    q.seed = o.seed;
    const Detector detector = calibrateDetector(*result, q);
    writeDetector(detector, o.outDir);
    std::cout << detectorText(detector);
    std::cerr << "wrote " << o.outDir << " and " << detectorSideFile(o.outDir) << "\n";
    return 0;
}

// Progress of apply on stderr (a live line on a terminal) and its warnings.
class ApplyProgress final : public ProgressSink {
public:
    void update(const std::string& stage, std::size_t done, std::size_t total) override
    {
        RunProgress p;
        p.label = stage;
        p.done = done;
        p.total = total;
        line_.progress(p);
    }
    void warning(const std::string& message) override { line_.warning(RunWarning{-1, {}, message}); }
    bool isCancelRequested() const override { return g_interrupted.load(); }

private:
    CliProgress line_;
};

int cmdApply(const std::vector<std::string>& args)
{
    const ParsedOptions o = parseOptions(args, commandGroups::kApply, "oodlens-cli apply");
    if (o.help) {
        printCommandHelp("oodlens-cli apply --detector DETECTOR.json --images DATASET [--images ...]... --out DIR "
                         "[options]",
                         commandGroups::kApply);
        return 0;
    }
    if (o.detectorPath.empty())
        throw Error("apply needs --detector FILE (written by oodlens-cli calibrate or File > Export detector)");
    if (o.images.empty())
        throw Error("apply needs --images DATASET: a folder, a CSV list or an IDX file of the images to decide on");
    if (o.outDir.empty())
        throw Error("apply needs --out DIR");
    const Detector detector = readDetector(o.detectorPath); // a bad detector is said before the folder is touched
    static const std::vector<std::string> names{"decisions.csv", "summary.json", "summary.txt", "histogram.pdf",
                                                "histogram.png"};
    OutputFiles::checkTargets(o.outDir, names);
    std::cerr << initRuntime(o.config.threads) << "\n";
    ApplyOptions a;
    a.sources = o.images;
    a.modelPath = o.config.modelPath;
    if (std::find(args.begin(), args.end(), "--device") != args.end())
        a.device = o.config.device;
    a.allowModelMismatch = o.allowModelMismatch;
    a.batchSize = o.config.batchSize;
    a.maxPixels = o.config.maxPixels;
    a.cacheDir = o.config.cacheDir;
    // decisions.csv is written as the images are decided: a partial file under its own name while
    // the command runs (kept, and named, when it stops early), renamed into place at the end.
    const fs::path partial = fs::path(o.outDir) / "decisions.partial.csv";
    std::ofstream csv(partial, std::ios::trunc);
    if (!csv)
        throw Error("cannot write '" + partial.string() + "'");
    csv << decisionsCsvHeader();
    ApplyProgress progress;
    ApplySummary summary;
    // Why an image could not be read goes to stderr (the first ones; the CSV marks every one).
    constexpr std::size_t kShownUnreadable = 20;
    std::size_t unreadable = 0, decided = 0;
    auto decide = [&](const ApplyDecision& d) {
        ++decided;
        csv << decisionsCsvRow(d);
        if (!d.readable && unreadable++ < kShownUnreadable)
            progress.warning("unreadable: " + d.reason);
    };
    try {
        summary = applyDetector(detector, a, decide, &progress);
    } catch (...) {
        csv.close();
        std::error_code ec;
        if (decided)
            std::cerr << "oodlens-cli: the " << decided << " decisions made so far are in " << partial.string() << "\n";
        else
            fs::remove(partial, ec); // refused before any image (another model, a missing file)
        throw;
    }
    csv.close();
    if (!csv)
        throw Error("cannot write '" + partial.string() + "': the disk may be full");
    std::error_code ec;
    fs::rename(partial, fs::path(o.outDir) / "decisions.csv", ec);
    if (ec)
        throw Error("cannot write '" + (fs::path(o.outDir) / "decisions.csv").string() + "': " + ec.message());
    OutputFiles files;
    files.add("summary.json", applySummaryJson(detector, summary));
    const std::string text = applySummaryText(detector, summary);
    files.add("summary.txt", text);
    files.commit(o.outDir);
    std::cout << text;
    if (unreadable > kShownUnreadable)
        std::cerr << "warning: " << unreadable - kShownUnreadable << " more images unreadable (\"unreadable\" in decisions.csv)\n";
    std::string written = "decisions.csv, summary.json, summary.txt";
#ifdef OODLENS_HAVE_FIGURES
    std::string error;
    if (writeApplyHistogram(detector, summary, o.outDir, &error))
        written += ", histogram.pdf and histogram.png";
    else
        std::cerr << "warning: no histogram: " << error << "\n";
#else
    std::cerr << "note: this build has no GUI, so no histogram figure; the scores are in decisions.csv\n";
#endif
    std::cerr << "wrote " << written << " to " << o.outDir << "\n";
    return o.exitFlagged && summary.flagged > 0 ? kExitFlagged : 0;
}

int cmdInfo(const std::vector<std::string>& args)
{
    const ParsedOptions o = parseOptions(args, commandGroups::kInfo, "oodlens-cli info");
    if (o.help) {
        printCommandHelp("oodlens-cli info --model FILE [options]", commandGroups::kInfo);
        return 0;
    }
    if (o.config.modelPath.empty())
        throw Error("info needs --model FILE");
    initRuntime(o.config.threads);
    auto model = Classifier::load(o.config.modelPath, o.config.device, probeShapeOf(o.config.preprocess));
    const ModelInfo& i = model->info();
    std::cout << "model:          " << i.path << "\n"
              << "sha256:         " << i.sha256 << "\n"
              << "classes:        " << i.classes << "\n"
              << "feature dim:    " << i.featureDim << "\n"
              << "head:           " << i.headName << " (Linear " << i.featureDim << " -> " << i.classes << ")\n"
              << "features from:  " << i.featureSource << "\n"
              << "head check:     max |head(features) - logits| = " << i.headCheckMaxError << "\n"
              << "forward:        " << i.forwardNote << "\n";
    if (i.inputHint.size() == 3)
        std::cout << "input hint:     " << i.inputHint[0] << " x " << i.inputHint[1] << " x " << i.inputHint[2]
                  << (i.inputSource == ModelInfo::InputSource::Sidecar ? " (C x H x W, from the sidecar)"
                      : i.inputSource == ModelInfo::InputSource::Option ? " (C x H x W, from the preprocessing options)"
                                                                         : " (C x H x W, the probe shape the model accepted)")
                  << (i.acceptsOtherSizes ? "; the model also runs at other sizes" : "; the model runs at this size only")
                  << "\n";
    std::cout << "sidecar:        " << (i.sidecarPath.empty() ? std::string("none") : i.sidecarPath) << "\n";
    std::cout << "device:         " << i.device << "\n";
    const ResolvedPreprocess pre = resolvePreprocess(o.config.preprocess, i);
    std::cout << "preprocessing:\n";
    for (const ResolvedPreprocess::Field& f : pre.fields())
        std::cout << "  " << f.name << std::string(10 - std::min<std::size_t>(9, f.name.size()), ' ') << f.value << "  ("
                  << preprocessOriginName(f.origin) << ")\n";
    printGuessNote(pre);
    return 0;
}

int cmdMethods()
{
    for (const MethodInfo& m : methodRegistry()) {
        std::cout << m.id << "\t" << methodGroupName(m.group) << "\t" << m.formula;
        for (const ParamSpec& p : m.params) {
            std::cout << "\t[" << p.name << "=" << p.defaultValue << " in " << p.rangeText();
            if (!p.grid.empty()) { // what --sweep tries
                std::cout << ", sweep";
                for (double v : p.grid)
                    std::cout << " " << v;
            }
            std::cout << "]";
        }
        std::cout << "\n";
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    startInterruptWatchdog();
    struct sigaction action {};
    action.sa_handler = onSigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: a blocking read or open returns EINTR
    ::sigaction(SIGINT, &action, nullptr);
    std::vector<std::string> args;
    for (int i = 2; i < argc; ++i)
        args.emplace_back(argv[i]);
    for (int i = 0; i < argc; ++i)
        g_commandLine += (i ? " " : "") + std::string(argv[i]);
    if (argc < 2) {
        std::cerr << usage();
        return 2;
    }
    const std::string cmd = argv[1];
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::cout << usage();
            return 0;
        }
        if (cmd == "--version") {
            std::cout << "oodlens-cli " OODLENS_VERSION " (" << libraryVersions() << ")\n";
            return 0;
        }
        if (cmd == "score")
            return cmdScore(args);
        if (cmd == "demo")
            return cmdDemo(args);
        if (cmd == "info")
            return cmdInfo(args);
        if (cmd == "extract")
            return cmdExtract(args);
        if (cmd == "export-features")
            return cmdExportFeatures(args);
        if (cmd == "calibrate")
            return cmdCalibrate(args);
        if (cmd == "apply")
            return cmdApply(args);
        if (cmd == "methods") {
            if (!args.empty() && (args.front() == "--help" || args.front() == "-h")) {
                std::cout << "Usage: oodlens-cli methods\n\nLists every score id with its group, formula and parameters.\n";
                return 0;
            }
            if (!args.empty())
                throw Error("unknown option '" + args.front() + "' (methods takes none)");
            return cmdMethods();
        }
        if (cmd == "figures") {
#ifdef OODLENS_HAVE_FIGURES
            return runFiguresCommand(argc - 1, argv + 1);
#else
            std::cerr << "oodlens-cli: error: this build has no GUI (OODLENS_BUILD_GUI=OFF), and figures needs its "
                         "plotting code; use scores.csv, or a build with the GUI\n";
            return 2;
#endif
        }
        if (cmd == "report") {
#ifdef OODLENS_HAVE_FIGURES
            return runReportCommand(argc - 1, argv + 1, g_commandLine);
#else
            std::cerr << "oodlens-cli: error: this build has no GUI (OODLENS_BUILD_GUI=OFF), and report needs its "
                         "plotting code; use score and scores.csv, or a build with the GUI\n";
            return 2;
#endif
        }
        std::cerr << "oodlens-cli: error: unknown command '" << cmd
                  << "' (expected score, demo, extract, export-features, calibrate, apply, figures, report, info or methods; see oodlens-cli --help)\n";
        return 2;
    } catch (const Cancelled&) {
        std::cerr << "\noodlens-cli: cancelled\n";
        return 130;
    } catch (const Error& e) {
        std::cerr << "oodlens-cli: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "oodlens-cli: internal error: " << e.what() << "\n";
        return 3;
    }
}
