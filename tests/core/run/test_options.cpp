// SPDX-License-Identifier: GPL-3.0-or-later
// The one options parser: the same flag means the same thing in every command, commands accept
// only their groups, unknown options and bad numbers are refused naming the option, --session and
// --demo give a base that the other options override, and the help lines come from the table.
#include "features/Preprocess.h"
#include "features/ResolvedPreprocess.h"
#include "run/Options.h"

#include "common/Error.h"
#include "datasets/Dataset.h"
#include "io/SessionFile.h"

#include <gtest/gtest.h>

#include <thread>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using namespace oodlens;
namespace fs = std::filesystem;

namespace {

using Words = std::vector<std::string>;

// The message of the Error that parsing `words` throws ("" when it parses).
std::string errorOf(const Words& words, unsigned groups, const RunConfig& base = RunConfig())
{
    try {
        parseOptions(words, groups, "oodlens-cli test", base);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string kDemo = OODLENS_SOURCE_DIR "/resources/demo/";

class TempDir {
public:
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "oodlens-options-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }

private:
    std::string path_;
};

void writeText(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
}

} // namespace

TEST(Options, ScoreOptionsFillTheRunConfig)
{
    const ParsedOptions o = parseOptions(
        {"--model", "m.pt", "--id", "id-set", "--ood", "svhn=/data/svhn", "--ood", "/data/lsun", "--fit", "train",
         "--methods", "msp,energy", "--param", "energy.T=2", "--param", "T=3", "--batch", "64", "--threads", "2",
         "--device", "cuda", "--out", "dir", "--bootstrap", "200", "--seed", "18446744073709551615", "--cache-dir",
         "cache", "--resize", "72", "--crop", "64", "--channels", "3", "--mean", "0.5,0.4,0.3", "--std", "0.2"},
        commandGroups::kScore, "oodlens-cli score");
    const RunConfig& c = o.config;
    EXPECT_EQ(c.modelPath, "m.pt");
    ASSERT_EQ(c.datasets.size(), 4u);
    EXPECT_EQ(c.datasets[0].role, DatasetRole::Id);
    EXPECT_EQ(c.datasets[0].path, "id-set");
    EXPECT_EQ(c.datasets[1].name, "svhn");
    EXPECT_EQ(c.datasets[1].path, "/data/svhn");
    EXPECT_EQ(c.datasets[2].name, datasetDisplayName("/data/lsun"));
    EXPECT_EQ(c.datasets[3].role, DatasetRole::Fit);
    EXPECT_EQ(c.methods, (std::vector<std::string>{"msp", "energy"}));
    EXPECT_TRUE(o.methodsGiven);
    EXPECT_EQ(c.params.value("energy", "T", 1.0), 2.0);
    EXPECT_EQ(c.params.value("msp", "T", 1.0), 3.0);
    EXPECT_EQ(c.batchSize, 64);
    EXPECT_EQ(c.threads, 2);
    EXPECT_EQ(c.device, "cuda");
    EXPECT_EQ(o.outDir, "dir");
    EXPECT_EQ(o.bootstrap, 200);
    EXPECT_EQ(o.seed, 18446744073709551615ull);
    EXPECT_EQ(c.cacheDir, "cache");
    EXPECT_EQ(c.preprocess.resize, 72);
    EXPECT_EQ(c.preprocess.crop, 64);
    EXPECT_EQ(c.preprocess.channels, 3);
    EXPECT_EQ(c.preprocess.mean, (std::vector<float>{0.5f, 0.4f, 0.3f}));
    EXPECT_EQ(c.preprocess.stddev, (std::vector<float>{0.2f}));
}

// --cost-probe N: one flag, taken by every command that scores, refused by info; 0 turns it off.
TEST(Options, CostProbeIsTakenByEveryScoringCommand)
{
    EXPECT_EQ(RunConfig().costProbeImages, 16);
    for (unsigned groups : {commandGroups::kScore, commandGroups::kDemo, commandGroups::kFigures, commandGroups::kGui})
        EXPECT_EQ(parseOptions({"--cost-probe", "3"}, groups, "test").config.costProbeImages, 3);
    EXPECT_EQ(parseOptions({"--cost-probe", "0"}, commandGroups::kScore, "test").config.costProbeImages, 0);
    EXPECT_TRUE(contains(errorOf({"--cost-probe", "-1"}, commandGroups::kScore), "--cost-probe")) ;
    EXPECT_TRUE(contains(errorOf({"--cost-probe", "x"}, commandGroups::kScore), "not a whole number"));
    EXPECT_TRUE(contains(errorOf({"--cost-probe", "3"}, commandGroups::kInfo), "does not apply"));
    EXPECT_TRUE(contains(optionsHelp(commandGroups::kScore), "--cost-probe N"));
}

TEST(Options, OodNameSplitsOnlyBeforeThePath)
{
    EXPECT_EQ(oodDatasetSpec("svhn=/data/svhn").name, "svhn");
    EXPECT_EQ(oodDatasetSpec("svhn=/data/svhn").path, "/data/svhn");
    // An '=' inside the path (after a '/') belongs to the path; so does a leading one.
    EXPECT_EQ(oodDatasetSpec("/data/run=3/set").path, "/data/run=3/set");
    EXPECT_EQ(oodDatasetSpec("/data/run=3/set").name, datasetDisplayName("/data/run=3/set"));
    EXPECT_EQ(oodDatasetSpec("=odd").path, "=odd");
    EXPECT_EQ(oodDatasetSpec("plain.csv").name, datasetDisplayName("plain.csv"));
    EXPECT_TRUE(contains(errorOf({"--ood", "name="}, commandGroups::kScore), "--ood"));
    // The same split in figures as in score: one parser.
    const ParsedOptions f = parseOptions({"--ood", "a=/x/y=z"}, commandGroups::kFigures, "oodlens-cli figures");
    EXPECT_EQ(f.config.datasets.at(0).name, "a");
    EXPECT_EQ(f.config.datasets.at(0).path, "/x/y=z");
}

TEST(Options, UnknownOptionsAndForeignGroupsAreNamed)
{
    std::string e = errorOf({"--bogus"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "unknown option '--bogus'")) << e;
    EXPECT_TRUE(contains(e, "oodlens-cli test --help")) << e;
    e = errorOf({"--resize", "64"}, commandGroups::kDemo);
    EXPECT_TRUE(contains(e, "--resize")) << e;
    EXPECT_TRUE(contains(e, "does not apply")) << e;
    e = errorOf({"--id", "x"}, commandGroups::kInfo);
    EXPECT_TRUE(contains(e, "--id") && contains(e, "does not apply")) << e;
    e = errorOf({"--screenshot", "a.png"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--screenshot") && contains(e, "does not apply")) << e;
    e = errorOf({"stray"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "unexpected argument 'stray'")) << e;
    e = errorOf({"--out"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--out needs a value")) << e;
    e = errorOf({"--out", "--methods", "msp"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--out needs a value")) << e;
    e = errorOf({"--methods", "msp,nosuch"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--methods") && contains(e, "nosuch")) << e;
    e = errorOf({"--param", "nosuch.T=1"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--param") && contains(e, "nosuch")) << e;
    e = errorOf({"--id", "a", "--id", "b"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--id given twice")) << e;
}

TEST(Options, NumbersAreRangeCheckedOnce)
{
    struct Case {
        Words words;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {{"--threads", "abc"}, "option --threads: 'abc' is not a whole number"},
        {{"--threads", "-1"}, "option --threads must be a whole number from 0 to 256 (got -1)"},
        // 5000 threads hung the engine: bounded by 256 and by 4 per core.
        {{"--threads", "5000"}, "option --threads must be a whole number from 0 to 256 (got 5000)"},
        {{"--threads", "2.5"}, "option --threads: '2.5' is not a whole number"},
        {{"--batch", "0"}, "option --batch must be a whole number from 1 to 100000 (got 0)"},
        {{"--batch", "99999999999999999999"}, "option --batch: '99999999999999999999' is not a whole number"},
        {{"--bootstrap", "-5"}, "option --bootstrap must be a whole number from 0"},
        {{"--seed", "-1"}, "option --seed: '-1' is not a whole number"},
        {{"--resize", "0"}, "option --resize must be a whole number from 1 to 100000 (got 0)"},
        {{"--crop", "x"}, "option --crop: 'x' is not a whole number"},
        {{"--channels", "2"}, "option --channels must be 1 or 3 (got 2)"},
        {{"--channels", "0"}, "option --channels must be 1 or 3 (got 0)"},
        {{"--std", "0.5,0"}, "option --std: every value must be positive (got 0)"},
        {{"--std", "-1"}, "option --std: every value must be positive"},
        {{"--mean", "0.5,abc"}, "option --mean: 'abc' is not a number"},
        {{"--mean", "0.5,0.5"}, "option --mean has 2 values; give 1, or one per channel"},
        {{"--channels", "1", "--std", "0.2,0.2,0.2"}, "option --std has 3 values; give 1, or one per channel (1)"},
        {{"--preset", "svhn"}, "option --preset: unknown preprocessing preset 'svhn'"},
    };
    for (const Case& c : cases) {
        const std::string e = errorOf(c.words, commandGroups::kScore);
        EXPECT_TRUE(contains(e, c.expected)) << c.words.front() << " " << c.words.back() << ": " << e;
    }
    const std::vector<Case> figures = {
        {{"--dpi", "20"}, "option --dpi must be a whole number from 50 to 2400 (got 20)"},
        {{"--size", "three"}, "option --size takes 'one' or 'two'"},
        {{"--formats", "pdf,gif"}, "unknown figure format 'gif'"},
    };
    for (const Case& c : figures) {
        const std::string e = errorOf(c.words, commandGroups::kFigures);
        EXPECT_TRUE(contains(e, c.expected)) << e;
    }
    // The shared rules are the ones the session file uses for its fields.
    EXPECT_EQ(checkInt(0, settings::kResize, ValueSource{"s.oodlens"}), 0); // 0 = unset in a file
    try {
        checkInt(2, settings::kChannels, ValueSource{"s.oodlens"});
        ADD_FAILURE() << "2 channels accepted";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "'s.oodlens': \"preprocessing.channels\" must be 1 or 3 (got 2)");
    }
}

// --threads 5000 hung: more threads than 4 per core are refused with the core count.
TEST(Options, ThreadsAreBoundedByTheCores)
{
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const long long limit = std::min<long long>(256, 4LL * cores);
    EXPECT_EQ(errorOf({"--threads", std::to_string(limit)}, commandGroups::kScore), "");
    const std::string e = errorOf({"--threads", std::to_string(limit + 1)}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "option --threads must be at most " + std::to_string(limit)) || contains(e, "from 0 to 256"))
        << e;
    EXPECT_EQ(parseOptions({"--threads", "0"}, commandGroups::kScore, "t").config.threads, 0);
}

// `--ood id=X` and two OOD sets of one name merged into one set in tables and scores.csv:
// RunConfig::addDataset, the one dataset rule, refuses them.
TEST(Options, OodNamesMustTellTheSetsApart)
{
    const std::string id = kDemo + "mnist-test-2000-images-idx3-ubyte.gz";
    const std::string a = kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz";
    const std::string b = kDemo + "mnist-train-5000-images-idx3-ubyte.gz";
    std::string e = errorOf({"--id", id, "--ood", "id=" + a}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "option --ood: 'id' names the ID set")) << e;
    e = errorOf({"--id", id, "--ood", "x=" + a, "--ood", "x=" + b}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "option --ood: the name 'x' is taken by the ood set " + a)) << e;
    e = errorOf({"--id", id, "--ood", "x=" + a, "--ood", "y=" + a}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "is already in the analysis")) << e;
    // Two sets without names that share a file name are told apart by a suffix.
    TempDir dir;
    fs::create_directories(dir.file("one/svhn"));
    fs::create_directories(dir.file("two/svhn"));
    const ParsedOptions o =
        parseOptions({"--id", id, "--ood", dir.file("one/svhn"), "--ood", dir.file("two/svhn")}, commandGroups::kScore, "t");
    ASSERT_EQ(o.config.datasets.size(), 3u);
    EXPECT_EQ(o.config.datasets[1].name, "svhn");
    EXPECT_EQ(o.config.datasets[2].name, "svhn-2");
}

TEST(Options, PresetIsTheBaseOfThePreprocessingFlagsInAnyOrder)
{
    for (const Words& words : {Words{"--resize", "300", "--preset", "imagenet", "--std", "0.5"},
                               Words{"--preset", "imagenet", "--std", "0.5", "--resize", "300"}}) {
        const PreprocessSpec p = parseOptions(words, commandGroups::kScore, "s").config.preprocess;
        EXPECT_EQ(p.resize, 300);
        EXPECT_EQ(p.crop, 224);
        EXPECT_EQ(p.channels, 3);
        EXPECT_EQ(p.mean, PreprocessSpec::preset("imagenet").mean);
        EXPECT_EQ(p.stddev, std::vector<float>{0.5f});
    }
}

// `--preset imagenet --crop 64` (a net trained at 64 x 64 with ImageNet statistics) gives 64 x 64
// inputs and a 3 x 64 x 64 probe: the preset once also fixed the size at 224 x 224, so the crop was
// scaled back up and the probe ran the model at 224.
TEST(Options, ACropOverAPresetSetsTheInputSize)
{
    const PreprocessSpec p =
        parseOptions({"--preset", "imagenet", "--resize", "72", "--crop", "64"}, commandGroups::kScore, "s").config.preprocess;
    int h = 0, w = 0;
    preprocessedSize(p, 480, 640, h, w);
    EXPECT_EQ(h, 64);
    EXPECT_EQ(w, 64);
    EXPECT_EQ(probeShapeOf(p), (std::vector<int>{3, 64, 64}));
}

TEST(Options, FiguresTakesEveryScoreOption)
{
    EXPECT_EQ(commandGroups::kFigures & commandGroups::kScore, commandGroups::kScore);
    const ParsedOptions o = parseOptions(
        {"--model", "m.pt", "--id", "d", "--ood", "o=/d2", "--resize", "64", "--crop", "64", "--mean", "0.5,0.5,0.5",
         "--std", "0.25,0.25,0.25", "--channels", "3", "--batch", "16", "--threads", "1", "--no-cache", "--bootstrap",
         "10", "--size", "two", "--dpi", "120", "--formats", "png,pdf,png", "--out", "figs"},
        commandGroups::kFigures, "oodlens-cli figures");
    EXPECT_EQ(o.config.preprocess.resize, 64);
    EXPECT_EQ(o.config.preprocess.crop, 64);
    EXPECT_EQ(o.config.preprocess.mean.size(), 3u);
    EXPECT_TRUE(o.config.cacheDir.empty());
    EXPECT_TRUE(o.twoColumn);
    EXPECT_EQ(o.dpi, 120);
    EXPECT_EQ(o.formats, (std::vector<std::string>{"png", "pdf"}));
    EXPECT_EQ(o.outDir, "figs");
}

TEST(Options, GuiFlagsAreAGroupOfTheSameParser)
{
    const ParsedOptions o =
        parseOptions({"saved.oodlens", "--no-autorun", "--methods", "msp,energy", "--method", "energy", "--overlay",
                      "--tab", "explore", "--screenshot", "shot.png", "--size", "1200x900"},
                     commandGroups::kGui, "oodlens");
    EXPECT_EQ(o.sessionPath, "saved.oodlens");
    EXPECT_FALSE(o.autorun);
    EXPECT_EQ(o.config.methods, (std::vector<std::string>{"msp", "energy"}));
    EXPECT_EQ(o.method, "energy");
    EXPECT_TRUE(o.overlay);
    EXPECT_EQ(o.tab, "explore");
    EXPECT_EQ(o.screenshot, "shot.png");
    EXPECT_EQ(o.windowWidth, 1200);
    EXPECT_EQ(o.windowHeight, 900);

    EXPECT_TRUE(contains(errorOf({"--size", "300x200"}, commandGroups::kGui), "--size takes WIDTHxHEIGHT"));
    EXPECT_TRUE(contains(errorOf({"--size", "two"}, commandGroups::kGui), "--size takes WIDTHxHEIGHT"));
    EXPECT_TRUE(contains(errorOf({"--tab", "plots"}, commandGroups::kGui), "--tab takes 'analysis', 'explore', 'factors', 'sweep' or 'apply'"));
    EXPECT_TRUE(contains(errorOf({"--method", "nosuch"}, commandGroups::kGui), "unknown method 'nosuch'"));
    EXPECT_TRUE(contains(errorOf({"model.pt"}, commandGroups::kGui), "a session file ends in .oodlens"));
    EXPECT_TRUE(contains(errorOf({"a.oodlens", "b.oodlens"}, commandGroups::kGui), "more than one session file"));
    EXPECT_TRUE(contains(errorOf({"--out", "dir"}, commandGroups::kGui), "does not apply"));
    // The window takes score's analysis options: `oodlens --model M --id D --ood N=D --resize 64`.
    const ParsedOptions g = parseOptions({"--model", "m.pt", "--id", "my photos=/data/id", "--ood", "noise=/data/ood",
                                          "--resize", "64", "--param", "energy.T=2"},
                                         commandGroups::kGui, "oodlens");
    EXPECT_EQ(g.config.modelPath, "m.pt");
    ASSERT_EQ(g.config.datasets.size(), 2u);
    EXPECT_EQ(g.config.datasets[0].name, "my photos");
    EXPECT_EQ(g.config.datasets[0].role, DatasetRole::Id);
    EXPECT_EQ(g.config.datasets[0].path, "/data/id");
    EXPECT_EQ(g.config.datasets[1].name, "noise");
    EXPECT_EQ(g.config.preprocess.resize, 64);
    EXPECT_TRUE(g.groupsGiven & OptionGroup::Model);
    EXPECT_TRUE(g.groupsGiven & OptionGroup::Preprocess);
    EXPECT_FALSE(g.groupsGiven & OptionGroup::Figures);
    // A plain --id is the unnamed ID set, shown by its file name.
    const ParsedOptions plain = parseOptions({"--id", "/data/id"}, commandGroups::kScore, "score");
    EXPECT_EQ(plain.config.datasets[0].name, "id");
    EXPECT_EQ(datasetLabel(plain.config.datasets[0]), "id");
    // --size means a figure width in figures, a window size in the GUI; no command takes both groups.
    EXPECT_EQ(commandGroups::kGui & OptionGroup::Figures, 0u);
}

TEST(Options, HelpListsEveryOptionOfTheCommandOnly)
{
    const std::string score = groupedOptionsHelp(commandGroups::kScore);
    const std::string demo = groupedOptionsHelp(commandGroups::kDemo);
    const std::string gui = groupedOptionsHelp(commandGroups::kGui);
    std::set<std::string> flags;
    for (const OptionInfo& o : optionTable()) {
        flags.insert(o.flag);
        const std::string line = "  " + o.flag + (o.value.empty() ? "" : " " + o.value) + " ";
        EXPECT_EQ(contains(score, line), bool(o.group & commandGroups::kScore)) << o.flag;
        EXPECT_EQ(contains(demo, line), bool(o.group & commandGroups::kDemo)) << o.flag;
        EXPECT_EQ(contains(gui, line), bool(o.group & commandGroups::kGui)) << o.flag;
        EXPECT_FALSE(o.help.empty()) << o.flag;
    }
    for (const char* f : {"--resize", "--crop", "--mean", "--std", "--channels", "--preset", "--session",
                          "--no-autorun", "--screenshot", "SESSION.oodlens"})
        EXPECT_EQ(flags.count(f), 1u) << f;
    // The parser knows every flag the help lists: a switch parses alone, a flag with a value asks for it.
    for (const OptionInfo& o : optionTable()) {
        if (o.flag.rfind("--", 0) != 0)
            continue;
        const std::string e = errorOf({o.flag}, o.group);
        if (o.value.empty() && o.flag != "--demo") {
            EXPECT_EQ(e, "") << o.flag;
        } else if (!o.value.empty()) {
            EXPECT_TRUE(contains(e, "option " + o.flag + " needs a value (" + o.value + ")")) << e;
        }
    }
    EXPECT_TRUE(parseOptions({"--no-cache", "--bogus", "--help"}, commandGroups::kScore, "s").help);
}

TEST(Options, DemoIsABaseTheOtherOptionsOverride)
{
    const RunConfig base;
    const ParsedOptions o = parseOptions({"--threads", "3", "--ood", "/tmp/x", "--demo", "--no-cache"},
                                         commandGroups::kFigures, "oodlens-cli figures", base);
    EXPECT_TRUE(o.demo);
    EXPECT_FALSE(o.config.modelPath.empty()); // the demo's model
    EXPECT_EQ(o.config.threads, 3);
    EXPECT_TRUE(o.config.cacheDir.empty());
    std::size_t ood = 0, id = 0;
    for (const DatasetSpec& d : o.config.datasets) {
        ood += d.role == DatasetRole::Ood;
        id += d.role == DatasetRole::Id;
    }
    EXPECT_EQ(id, 1u);  // kept from the demo
    EXPECT_EQ(ood, 1u); // the demo's OOD set replaced by --ood
    EXPECT_EQ(o.config.datasets.back().path, "/tmp/x");
}

TEST(Options, SessionIsABaseTheOtherOptionsOverride)
{
    TempDir dir;
    const std::string path = dir.file("run.oodlens");
    writeText(path, R"({"format": "oodlens-session", "version": 1, "model": "/models/m.pt",
        "datasets": [{"name": "id", "path": "/d/id", "role": "id"}, {"name": "a", "path": "/d/a", "role": "ood"},
                     {"name": "fit", "path": "/d/fit", "role": "fit"}],
        "methods": ["msp", "energy"], "params": {"energy.T": 2, "T": 5},
        "preprocessing": {"resize": 40, "crop": 0, "channels": 3, "height": 0, "width": 0, "mean": [0.5], "std": [0.25]},
        "batch": 32, "device": "cpu", "view": {"method": "energy"}})");

    RunConfig base;
    base.threads = 2;
    ParsedOptions o = parseOptions({"--session", path, "--out", "x"}, commandGroups::kScore, "s", base);
    EXPECT_EQ(o.sessionPath, path);
    EXPECT_EQ(o.config.modelPath, "/models/m.pt");
    EXPECT_EQ(o.config.datasets.size(), 3u);
    EXPECT_EQ(o.config.methods, (std::vector<std::string>{"msp", "energy"}));
    EXPECT_TRUE(o.methodsGiven);
    EXPECT_EQ(o.config.batchSize, 32);
    EXPECT_EQ(o.config.threads, 2);                 // not saved in sessions: the command's
    EXPECT_EQ(o.config.cacheDir, base.cacheDir);    // likewise
    EXPECT_EQ(o.config.preprocess.resize, 40);

    o = parseOptions({"--methods", "maxlogit", "--ood", "b=/d/b", "--param", "energy.T=4", "--crop", "32", "--batch",
                      "8", "--session", path},
                     commandGroups::kScore, "s");
    EXPECT_EQ(o.config.methods, std::vector<std::string>{"maxlogit"});
    ASSERT_EQ(o.config.datasets.size(), 3u); // id and fit kept, the OOD set replaced
    EXPECT_EQ(o.config.datasets[0].path, "/d/id");
    EXPECT_EQ(o.config.datasets[1].role, DatasetRole::Fit);
    EXPECT_EQ(o.config.datasets[2].name, "b");
    EXPECT_EQ(o.config.params.value("energy", "T", 1), 4.0);
    EXPECT_EQ(o.config.params.value("msp", "T", 1), 5.0);
    EXPECT_EQ(o.config.preprocess.resize, 40); // from the file
    EXPECT_EQ(o.config.preprocess.crop, 32);   // from the command line
    EXPECT_EQ(o.config.batchSize, 8);

    std::string e = errorOf({"--session", dir.file("nope.oodlens")}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "nope.oodlens")) << e;
    e = errorOf({"--session", path, "--demo"}, commandGroups::kFigures);
    EXPECT_TRUE(contains(e, "cannot be combined")) << e;
    e = errorOf({"--session", path}, commandGroups::kDemo);
    EXPECT_TRUE(contains(e, "--session") && contains(e, "does not apply")) << e;
}

// --group OOD=GROUP names an OOD set by its name, before or after its --ood, and on a session's sets.
TEST(Options, GroupPutsANamedOodSetInAGroup)
{
    ParsedOptions o = parseOptions({"--group", "svhn=far", "--id", "/d/id", "--ood", "svhn=/d/svhn", "--ood",
                                    "c100=/d/c100", "--group", "c100=near", "--ood", "/d/plain"},
                                   commandGroups::kScore, "s");
    ASSERT_EQ(o.config.datasets.size(), 4u);
    EXPECT_EQ(o.config.datasets[0].group, "");
    EXPECT_EQ(o.config.datasets[1].group, "far");
    EXPECT_EQ(o.config.datasets[2].group, "near");
    EXPECT_EQ(o.config.datasets[3].group, "");

    std::string e = errorOf({"--ood", "a=/d/a", "--group", "b=near"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--group") && contains(e, "'b'") && contains(e, "OOD sets: a")) << e;
    e = errorOf({"--ood", "a=/d/a", "--group", "a"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "OOD=GROUP")) << e;
    e = errorOf({"--ood", "a=/d/a", "--group", "a="}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "OOD=GROUP")) << e;
    EXPECT_TRUE(contains(optionsHelp(commandGroups::kScore), "--group"));

    // A session's OOD set gets its group from the command line.
    TempDir dir;
    const std::string path = dir.file("g.oodlens");
    writeText(path, R"({"format": "oodlens-session", "version": 1, "model": "/m.pt",
        "datasets": [{"name": "id", "path": "/d/id", "role": "id"}, {"name": "a", "path": "/d/a", "role": "ood", "group": "near"},
                     {"name": "b", "path": "/d/b", "role": "ood"}],
        "methods": ["msp"], "params": {}, "batch": 32, "device": "cpu", "view": {"method": "msp"}})");
    o = parseOptions({"--session", path, "--group", "b=far"}, commandGroups::kScore, "s");
    ASSERT_EQ(o.config.datasets.size(), 3u);
    EXPECT_EQ(o.config.datasets[1].group, "near");
    EXPECT_EQ(o.config.datasets[2].group, "far");
}

// --param METHOD.flip=1 is a parameter like any other; out of its range it is refused by name.
TEST(Options, FlipIsAParam)
{
    const ParsedOptions o = parseOptions({"--param", "exgrad.flip=1"}, commandGroups::kScore, "s");
    EXPECT_TRUE(isFlipped("exgrad", o.config.params));
    EXPECT_FALSE(isFlipped("gini", o.config.params));
    ScoreParams bad;
    bad.parseAssignment("exgrad.flip=3");
    try {
        validateParams({"exgrad"}, bad);
        FAIL() << "flip = 3 accepted";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "flip") && contains(e.what(), "[0, 1], integer")) << e.what();
    }
}

// --max-pixels (issue 11): the bound on decoded images, carried in RunConfig, default from ImageDecode.h.
TEST(Options, MaxPixelsIsAPositiveWholeNumber)
{
    EXPECT_EQ(parseOptions({}, commandGroups::kScore, "s").config.maxPixels, kDefaultMaxImagePixels);
    EXPECT_EQ(parseOptions({"--max-pixels", "5000"}, commandGroups::kScore, "s").config.maxPixels, 5000u);
    for (const char* bad : {"0", "-1", "abc", "3000000000"})
        EXPECT_TRUE(contains(errorOf({"--max-pixels", bad}, commandGroups::kScore), "--max-pixels")) << bad;
}

// The factor analysis's options are parsed once, into a FactorOptions, for report and the window.
TEST(Options, FactorOptionsFillTheFactorAnalysis)
{
    const Words sets{"--model", "m.pt", "--id", "/d/id", "--ood", "noise=/d/noise", "--ood", "svhn=/d/svhn",
                     "--fit", "/d/fit"};
    auto with = [&](const Words& extra) {
        Words w = sets;
        w.insert(w.end(), extra.begin(), extra.end());
        return w;
    };
    // Defaults: the seeded split of FactorSplit, FactorOptions' resamples; --seed seeds the paired bootstrap too.
    ParsedOptions o = parseOptions(with({"--seed", "9"}), commandGroups::kReport, "report");
    EXPECT_EQ(o.factors.split.kind, FactorSplit::Kind::Seeded);
    EXPECT_EQ(o.factors.split.validationFraction, FactorSplit().validationFraction);
    EXPECT_EQ(o.factors.resamples, FactorOptions().resamples);
    EXPECT_EQ(o.factors.seed, 9u);

    o = parseOptions(with({"--split", "seeded", "--validation-fraction", "0.25", "--split-seed", "18446744073709551615",
                           "--resamples", "0"}),
                     commandGroups::kReport, "report");
    EXPECT_EQ(o.factors.split.kind, FactorSplit::Kind::Seeded);
    EXPECT_DOUBLE_EQ(o.factors.split.validationFraction, 0.25);
    EXPECT_EQ(o.factors.split.seed, 18446744073709551615ull);
    EXPECT_EQ(o.factors.resamples, 0);

    o = parseOptions(with({"--split", "pair", "--validation-id", "fit", "--validation-ood", "svhn"}),
                     commandGroups::kReport, "report");
    EXPECT_EQ(o.factors.split.kind, FactorSplit::Kind::Pair);
    EXPECT_EQ(o.factors.split.validationId, "fit");
    EXPECT_EQ(o.factors.split.validationOod, "svhn");
    // The names alone choose the pair split, and the window takes the same flags.
    o = parseOptions(with({"--validation-ood", "noise", "--validation-id", "fit"}), commandGroups::kGui, "oodlens");
    EXPECT_EQ(o.factors.split.kind, FactorSplit::Kind::Pair);

    const unsigned r = commandGroups::kReport;
    EXPECT_TRUE(contains(errorOf(with({"--split", "random"}), r), "--split takes 'seeded' or 'pair'"));
    for (const char* f : {"0", "1", "-0.2", "x", "0.5x", "nan"})
        EXPECT_TRUE(contains(errorOf(with({"--validation-fraction", f}), r), "above 0 and below 1")) << f;
    EXPECT_TRUE(contains(errorOf(with({"--split-seed", "-1"}), r), "option --split-seed: '-1' is not a whole number"));
    EXPECT_TRUE(contains(errorOf(with({"--resamples", "-5"}), r), "--resamples must be a whole number from 0"));
    EXPECT_TRUE(contains(errorOf(with({"--split", "pair"}), r), "needs --validation-id NAME"));
    EXPECT_TRUE(contains(errorOf(with({"--split", "pair", "--validation-id", "fit"}), r), "--validation-ood NAME"));
    EXPECT_TRUE(contains(errorOf(with({"--split", "seeded", "--validation-ood", "svhn"}), r),
                         "do not go with --split seeded"));
    EXPECT_TRUE(contains(errorOf(with({"--validation-fraction", "0.2", "--validation-id", "fit", "--validation-ood",
                                       "svhn"}),
                                 r),
                         "--validation-fraction sets the seeded split"));
    // Names are checked against the run's sets before any work, and say which there are.
    const std::string unknown = errorOf(with({"--validation-id", "fit", "--validation-ood", "cifar"}), r);
    EXPECT_TRUE(contains(unknown, "no OOD set is named 'cifar'")) << unknown;
    EXPECT_TRUE(contains(unknown, "noise, svhn, fit")) << unknown;
    EXPECT_TRUE(contains(errorOf(with({"--validation-id", "fit", "--validation-ood", "fit"}), r),
                         "no OOD set is named 'fit'"));
    EXPECT_TRUE(contains(errorOf(with({"--validation-id", "id", "--validation-ood", "noise"}), r),
                         "no set other than the ID set is named 'id'"));
    // Score and figures do not take them.
    EXPECT_TRUE(contains(errorOf(with({"--split", "pair"}), commandGroups::kScore), "does not apply"));
    EXPECT_TRUE(contains(errorOf(with({"--resamples", "5"}), commandGroups::kFigures), "does not apply"));
    // report takes every score option and --demo, not the figure style of `figures`.
    EXPECT_EQ(commandGroups::kReport & commandGroups::kScore, commandGroups::kScore);
    EXPECT_TRUE(parseOptions({"--demo"}, r, "report").demo);
    EXPECT_TRUE(contains(errorOf({"--demo", "--kinds", "roc"}, r), "does not apply"));
}

TEST(Options, SweepOptionsFillTheConfigAndNameWhatIsWrong)
{
    const ParsedOptions o = parseOptions({"--val-ood", "tin=" + kDemo + "fashion-mnist-val-1000-images-idx3-ubyte.gz",
                                          "--val-ood", kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz", "--val-id",
                                          kDemo + "mnist-train-5000-images-idx3-ubyte.gz", "--sweep", "energy.T",
                                          "--sweep", "odin", "--sweep-metric", "fpr95", "--val-fraction", "0.25",
                                          "--val-seed", "9"},
                                         commandGroups::kScore, "t");
    ASSERT_EQ(o.config.sweeps.size(), 2u);
    EXPECT_EQ(o.config.sweeps[0].text(), "energy.T");
    EXPECT_EQ(o.config.sweeps[1].sweptParams(), (std::vector<std::string>{"T", "eps"}));
    EXPECT_EQ(o.config.sweepSettings.objective, SweepObjective::Fpr95);
    EXPECT_EQ(o.config.sweepSettings.idFraction, 0.25);
    EXPECT_EQ(o.config.sweepSettings.seed, 9u);
    int valOod = 0, valId = 0;
    for (const DatasetSpec& d : o.config.datasets) {
        valOod += d.role == DatasetRole::ValidationOod;
        valId += d.role == DatasetRole::ValidationId;
    }
    EXPECT_EQ(valOod, 2); // repeatable, like --ood
    EXPECT_EQ(valId, 1);
    EXPECT_EQ(o.config.datasets.front().name, "tin");
    std::string e = errorOf({"--sweep", "energy.T", "--sweep", "energy"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "energy is swept twice")) << e;
    e = errorOf({"--sweep", "knnn"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "unknown method 'knnn'")) << e;
    e = errorOf({"--sweep-metric", "auc"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--sweep-metric") && contains(e, "fpr95")) << e;
    e = errorOf({"--val-fraction", "1"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--val-fraction takes a fraction")) << e;
    e = errorOf({"--val-id", "a", "--val-id", "b"}, commandGroups::kScore);
    EXPECT_TRUE(contains(e, "--val-id given twice")) << e;
    e = errorOf({"--sweep", "energy.T"}, commandGroups::kInfo);
    EXPECT_TRUE(contains(e, "--sweep") && contains(e, "does not apply")) << e;
}
