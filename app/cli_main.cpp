// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens-cli: the headless face of the engine. Parses arguments, runs the core, writes files.
#include "datasets/Dataset.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "io/Export.h"
#include "run/Pipeline.h"
#include "common/Progress.h"
#include "common/Runtime.h"
#ifdef OODLENS_HAVE_FIGURES
#include "app/FiguresCommand.h"
#endif

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace oodlens;

namespace {

std::atomic<bool> g_interrupted{false};

void onSigint(int) { g_interrupted = true; }

const char* const kUsage =
    R"(Usage:
  oodlens-cli score --model FILE --id DATASET [--ood [NAME=]DATASET]... [--fit DATASET]
                    [--methods a,b,...] --out DIR [--batch N] [--threads N] [--device cpu|cuda]
                    [--param [METHOD.]NAME=VALUE]... [--preset mnist|cifar|imagenet]
                    [--resize N] [--crop N] [--channels 1|3] [--mean a,b,c] [--std a,b,c]
                    [--bootstrap N] [--seed S] [--no-cache] [--cache-dir DIR]
  oodlens-cli info --model FILE [--device cpu|cuda]
  oodlens-cli demo [--out DIR] [--methods a,b,...] [--threads N] [--param ...]
  oodlens-cli figures --model FILE --id DATASET [--ood [NAME=]DATASET]... [--methods a,b,...] --out DIR
                      (or figures --demo --out DIR; builds with the GUI only)
  oodlens-cli methods
  oodlens-cli --help | --version

score  runs the model once per dataset and writes DIR/scores.csv (one row per image, every
       score oriented higher = more in-distribution) and DIR/metrics.csv (one row per method
       and OOD set, fractions in [0,1]); the metrics table is printed. Also writes
       metrics.json / metrics.md / metrics.tex and run.json (what produced the run).
       Features are cached per (model, dataset content, preprocessing) so a second run
       does not run the model again; --no-cache bypasses the cache.
demo   scores the bundled MNIST (ID) vs Fashion-MNIST (OOD) demo and prints the table.
info   prints what the engine found in a model: classes, features, head.
figures writes the score histogram and ROC curve of each method as PDF, SVG and PNG, headless.
methods lists every score id with its group and formula.
)";

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

struct Args {
    std::vector<std::string> items;
    std::size_t pos = 0;
    bool more() const { return pos < items.size(); }
    std::string next(const std::string& option)
    {
        if (pos >= items.size())
            throw Error("option " + option + " needs a value");
        return items[pos++];
    }
};

int parseInt(const std::string& option, const std::string& text, int min)
{
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end || v < min || v > 1000000)
        throw Error("option " + option + ": '" + text + "' is not a valid number");
    return static_cast<int>(v);
}

std::vector<float> parseFloats(const std::string& option, const std::string& text)
{
    std::vector<float> out;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        char* end = nullptr;
        const float v = std::strtof(part.c_str(), &end);
        if (end == part.c_str() || *end)
            throw Error("option " + option + ": '" + part + "' is not a number");
        out.push_back(v);
    }
    if (out.empty())
        throw Error("option " + option + " needs comma-separated numbers");
    return out;
}

struct Options {
    RunConfig config;
    std::string outDir;
    bool methodsGiven = false;
    int bootstrap = 0;
    unsigned long long seed = 0;
    std::string commandLine;
};

// Parses the options shared by score / demo / info into `o`. Unknown options are errors.
void parseOptions(Args& a, Options& o, bool demo)
{
    PreprocessSpec& p = o.config.preprocess;
    while (a.more()) {
        const std::string opt = a.next("");
        if (opt == "--model" && !demo)
            o.config.modelPath = a.next(opt);
        else if (opt == "--id" && !demo)
            o.config.datasets.push_back({"id", a.next(opt), DatasetRole::Id});
        else if (opt == "--ood" && !demo) {
            const std::string v = a.next(opt);
            const auto eq = v.find('=');
            // NAME=PATH, unless the '=' belongs to the path itself.
            if (eq != std::string::npos && eq > 0 && v.find('/') > eq)
                o.config.datasets.push_back({v.substr(0, eq), v.substr(eq + 1), DatasetRole::Ood});
            else
                o.config.datasets.push_back({datasetDisplayName(v), v, DatasetRole::Ood});
        } else if (opt == "--fit" && !demo)
            o.config.datasets.push_back({"fit", a.next(opt), DatasetRole::Fit});
        else if (opt == "--methods") {
            o.config.methods = parseMethodList(a.next(opt));
            o.methodsGiven = true;
        } else if (opt == "--out")
            o.outDir = a.next(opt);
        else if (opt == "--batch")
            o.config.batchSize = parseInt(opt, a.next(opt), 1);
        else if (opt == "--threads")
            o.config.threads = parseInt(opt, a.next(opt), 0);
        else if (opt == "--device")
            o.config.device = a.next(opt);
        else if (opt == "--no-cache")
            o.config.cacheDir.clear();
        else if (opt == "--cache-dir")
            o.config.cacheDir = a.next(opt);
        else if (opt == "--bootstrap")
            o.bootstrap = parseInt(opt, a.next(opt), 0);
        else if (opt == "--seed")
            o.seed = static_cast<unsigned long long>(parseInt(opt, a.next(opt), 0));
        else if (opt == "--param")
            o.config.params.parseAssignment(a.next(opt));
        else if (opt == "--preset" && !demo) {
            const std::string name = a.next(opt);
            p = PreprocessSpec::preset(name);
        } else if (opt == "--resize" && !demo)
            p.resize = parseInt(opt, a.next(opt), 1);
        else if (opt == "--crop" && !demo)
            p.crop = parseInt(opt, a.next(opt), 1);
        else if (opt == "--channels" && !demo) {
            p.channels = parseInt(opt, a.next(opt), 1);
            if (p.channels != 1 && p.channels != 3)
                throw Error("option --channels must be 1 or 3");
        } else if (opt == "--mean" && !demo)
            p.mean = parseFloats(opt, a.next(opt));
        else if (opt == "--std" && !demo)
            p.stddev = parseFloats(opt, a.next(opt));
        else
            throw Error("unknown option '" + opt + "' (see oodlens-cli --help)");
    }
    for (float s : p.stddev)
        if (!(s > 0))
            throw Error("option --std: every value must be positive");
}

// Shared by `score` and `demo`: run the pipeline, print, write.
int runAnalysis(Options& o)
{
    CliProgress progress;
    std::cerr << initRuntime(o.config.threads) << "\n";
    o.config.bootstrap = o.bootstrap;
    o.config.seed = o.seed;
    const RunResultPtr result = runOnce(o.config, &progress);
    for (std::size_t i = 0; i < result->datasets.size(); ++i) {
        const DatasetSummary& d = result->datasets[i];
        if (d.ok())
            std::cerr << o.config.datasets[i].name << ": " << d.rows << " images (" << d.kind << ")"
                      << (d.skipped ? ", " + std::to_string(d.skipped) + " skipped" : "")
                      << (d.fromCache ? ", features from the cache" : "") << "\n";
    }
    for (const auto& [method, note] : result->fitNotes)
        std::cerr << method << ": " << note << "\n";
    printMetricsTable(std::cout, result->metrics);
    if (!o.outDir.empty()) {
        writeRunFiles(o.outDir, *result, o.commandLine);
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

std::string g_commandLine;

int cmdScore(Args& a)
{
    Options o;
    o.commandLine = g_commandLine;
    parseOptions(a, o, false);
    if (o.config.modelPath.empty())
        throw Error("score needs --model FILE");
    if (o.outDir.empty())
        throw Error("score needs --out DIR");
    return runAnalysis(o);
}

int cmdDemo(Args& a)
{
    Options o;
    o.commandLine = g_commandLine;
    o.config = demoConfig();
    parseOptions(a, o, true);
    if (!o.methodsGiven)
        o.config.methods = defaultMethods(PanelDemo);
    return runAnalysis(o);
}

int cmdInfo(Args& a)
{
    Options o;
    parseOptions(a, o, false);
    if (o.config.modelPath.empty())
        throw Error("info needs --model FILE");
    initRuntime(o.config.threads);
    auto model = Classifier::load(o.config.modelPath, o.config.device);
    const ModelInfo& i = model->info();
    std::cout << "model:          " << i.path << "\n"
              << "sha256:         " << i.sha256 << "\n"
              << "classes:        " << i.classes << "\n"
              << "feature dim:    " << i.featureDim << "\n"
              << "head:           " << i.headName << " (Linear " << i.featureDim << " -> " << i.classes << ")\n"
              << "features from:  " << i.featureSource << "\n"
              << "head check:     max |head(features) - logits| = " << i.headCheckMaxError << "\n";
    if (i.inputHint.size() == 3)
        std::cout << "input hint:     " << i.inputHint[0] << " x " << i.inputHint[1] << " x " << i.inputHint[2]
                  << " (C x H x W, the probe shape the model accepted)\n";
    std::cout << "device:         " << i.device << "\n";
    return 0;
}

int cmdMethods()
{
    for (const MethodInfo& m : methodRegistry()) {
        std::cout << m.id << "\t" << methodGroupName(m.group) << "\t" << m.formula;
        for (const ParamSpec& p : m.params)
            std::cout << "\t[" << p.name << "=" << p.defaultValue << " in " << p.rangeText() << "]";
        std::cout << "\n";
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    std::signal(SIGINT, onSigint);
    Args a;
    for (int i = 1; i < argc; ++i)
        a.items.emplace_back(argv[i]);
    for (int i = 0; i < argc; ++i)
        g_commandLine += (i ? " " : "") + std::string(argv[i]);
    if (!a.more()) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string cmd = a.next("");
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::cout << kUsage;
            return 0;
        }
        if (cmd == "--version") {
            std::cout << "oodlens-cli " OODLENS_VERSION " (" << libraryVersions() << ")\n";
            return 0;
        }
        if (cmd == "score")
            return cmdScore(a);
        if (cmd == "demo")
            return cmdDemo(a);
        if (cmd == "info")
            return cmdInfo(a);
        if (cmd == "methods")
            return cmdMethods();
        if (cmd == "figures") {
#ifdef OODLENS_HAVE_FIGURES
            return runFiguresCommand(argc - 1, argv + 1);
#else
            std::cerr << "oodlens-cli: error: this build has no GUI (OODLENS_BUILD_GUI=OFF), and figures needs its "
                         "plotting code; use scores.csv, or a build with the GUI\n";
            return 2;
#endif
        }
        std::cerr << "oodlens-cli: error: unknown command '" << cmd << "' (expected score, info, demo or methods)\n";
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
