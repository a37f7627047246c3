// SPDX-License-Identifier: GPL-3.0-or-later
// The .oodlens session file, read and written by core: files written by the old Qt code (fixtures
// typed by hand in its exact output format) still load; the new writer's files read back the same;
// every bad value is an Error naming the file and the field, with the command line's rules.
#include "io/SessionFile.h"

#include "common/Error.h"
#include "io/Json.h"
#include "run/Options.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include <unistd.h>

using namespace oodlens;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = OODLENS_SOURCE_DIR "/tests/fixtures/sessions/";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A minimal valid session with `field` (a top-level key, or "view"/"preprocessing" member as
// "view.bins") set to the JSON text `value`.
std::string sessionWith(const std::string& field, const std::string& value)
{
    Json root = Json::parse(R"({"format": "oodlens-session", "version": 1, "model": "/m.pt",
        "datasets": [{"name": "id", "path": "/d/id", "role": "id"}], "methods": ["msp", "energy"], "params": {},
        "preprocessing": {"resize": 0, "crop": 0, "channels": 3, "height": 0, "width": 0, "mean": [0.5], "std": [0.5]},
        "batch": 16, "device": "cpu", "view": {"method": "msp", "bins": 0}})");
    const auto dot = field.find('.');
    const Json parsed = Json::parse(value);
    if (dot == std::string::npos) {
        root.set(field, parsed);
    } else {
        Json inner = root.get(field.substr(0, dot));
        inner.set(field.substr(dot + 1), parsed);
        root.set(field.substr(0, dot), inner);
    }
    return root.dump();
}

std::string errorOf(const std::string& text, const std::string& source = "bad.oodlens")
{
    try {
        SessionFile::fromJson(text, source);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(SessionFile, OldQtFileStillLoads)
{
    // Written by hand in the old ProjectFile.cpp's output (QJsonDocument::Indented: sorted keys,
    // float statistics widened to double).
    const SessionFile s = SessionFile::read(kFixtures + "cifar-v1-qt.oodlens");
    const RunConfig& c = s.config;
    EXPECT_EQ(c.modelPath, "/home/ana/models/resnet18_cifar10.pt");
    ASSERT_EQ(c.datasets.size(), 4u);
    EXPECT_EQ(c.datasets[0].role, DatasetRole::Id);
    EXPECT_EQ(c.datasets[0].path, "/home/ana/data/cifar10/test_batch.bin");
    EXPECT_EQ(c.datasets[2].name, "svhn_extra");
    EXPECT_EQ(c.datasets[2].role, DatasetRole::Ood);
    EXPECT_EQ(c.datasets[3].role, DatasetRole::Fit);
    EXPECT_EQ(c.methods, (std::vector<std::string>{"msp", "energy", "mahalanobis", "odin"}));
    EXPECT_EQ(c.params.value("energy", "T", 1), 3.0);
    EXPECT_EQ(c.params.value("msp", "T", 1), 2.0);
    EXPECT_EQ(c.params.value("odin", "eps", 0), 0.0014);
    // The float32 statistics come back exactly, as the preset gives them.
    const PreprocessSpec cifar = PreprocessSpec::preset("cifar");
    EXPECT_EQ(c.preprocess.channels, 3);
    EXPECT_EQ(c.preprocess.height, 32);
    EXPECT_EQ(c.preprocess.width, 32);
    EXPECT_EQ(c.preprocess.resize, 0);
    EXPECT_EQ(c.preprocess.crop, 0);
    EXPECT_EQ(c.preprocess.mean, cifar.mean);
    EXPECT_EQ(c.preprocess.stddev, cifar.stddev);
    EXPECT_EQ(c.batchSize, 64);
    EXPECT_EQ(c.device, "cpu");
    EXPECT_EQ(c.cacheDir, RunConfig().cacheDir); // not in the file
    EXPECT_EQ(s.currentMethod, "energy");
    ASSERT_TRUE(s.threshold.has_value());
    EXPECT_EQ(*s.threshold, -4.25);
    EXPECT_EQ(s.bins, 37);
    EXPECT_TRUE(s.density);
    EXPECT_FALSE(s.logCounts);
    EXPECT_TRUE(s.overlayMethods);
}

TEST(SessionFile, OldQtFileOfAnUnrunSessionLoads)
{
    // Saved before any run: no preprocessing, no threshold, no methods, empty params.
    const SessionFile s = SessionFile::read(kFixtures + "demo-unrun-v1-qt.oodlens");
    EXPECT_EQ(s.config.datasets.size(), 2u);
    EXPECT_EQ(s.config.datasets[1].name, "fashion-mnist");
    EXPECT_TRUE(s.config.methods.empty());
    EXPECT_TRUE(s.config.params.entries().empty());
    EXPECT_TRUE(s.config.preprocess.isUnset());
    EXPECT_FALSE(s.threshold.has_value());
    EXPECT_EQ(s.currentMethod, "");
    EXPECT_TRUE(s.logCounts);
    EXPECT_EQ(s.bins, 0);
    EXPECT_EQ(s.config.batchSize, 128);
    const std::vector<std::string> missing = s.missingFiles();
    EXPECT_EQ(missing.size(), 3u); // model and both sets live on another machine
}

TEST(SessionFile, WriteThenReadGivesTheSameSession)
{
    SessionFile s;
    s.config.modelPath = "/m/model.pt";
    s.config.datasets = {{"id", "/d/id", DatasetRole::Id},
                         {"a=b", "/d/with \"quotes\" and \\ ünïcode", DatasetRole::Ood},
                         {"fit", "/d/fit", DatasetRole::Fit}};
    s.config.methods = {"energy", "knn"};
    s.config.params.set("energy.T", 0.1);
    s.config.params.set("k", 50);
    s.config.preprocess = PreprocessSpec::preset("imagenet");
    s.config.batchSize = 7;
    s.config.device = "cuda";
    s.currentMethod = "knn";
    s.threshold = -0.123456789012345678;
    s.logCounts = true;
    s.bins = 500;
    s.overlayMethods = true;

    const std::string path = (fs::temp_directory_path() / ("oodlens-session-" + std::to_string(::getpid()) + ".oodlens")).string();
    s.write(path);
    const SessionFile r = SessionFile::read(path);
    fs::remove(path);
    EXPECT_EQ(r.config.modelPath, s.config.modelPath);
    ASSERT_EQ(r.config.datasets.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(r.config.datasets[i].name, s.config.datasets[i].name);
        EXPECT_EQ(r.config.datasets[i].path, s.config.datasets[i].path);
        EXPECT_EQ(r.config.datasets[i].role, s.config.datasets[i].role);
    }
    EXPECT_EQ(r.config.methods, s.config.methods);
    EXPECT_TRUE(r.config.params == s.config.params);
    EXPECT_EQ(r.config.preprocess.describe(), s.config.preprocess.describe());
    EXPECT_EQ(r.config.preprocess.mean, s.config.preprocess.mean);
    EXPECT_EQ(r.config.batchSize, 7);
    EXPECT_EQ(r.config.device, "cuda");
    EXPECT_EQ(r.currentMethod, "knn");
    EXPECT_EQ(r.threshold, s.threshold);
    EXPECT_TRUE(r.logCounts);
    EXPECT_FALSE(r.density);
    EXPECT_EQ(r.bins, 500);
    EXPECT_TRUE(r.overlayMethods);

    // The format the old reader expects: its marker, version 1, and no NaN threshold.
    s.threshold = std::numeric_limits<double>::quiet_NaN();
    const Json j = Json::parse(s.toJson());
    EXPECT_EQ(j.get("format").string(), "oodlens-session");
    EXPECT_EQ(j.get("version").number(), 1);
    EXPECT_FALSE(j.get("view").has("threshold"));
    EXPECT_FALSE(SessionFile::fromJson(s.toJson(), "x").threshold.has_value());
}

TEST(SessionFile, BadValuesNameTheFileAndTheField)
{
    struct Case {
        const char* field;
        const char* value;
        const char* expected;
    };
    const Case cases[] = {
        {"preprocessing.channels", "2", "\"preprocessing.channels\" must be 1 or 3 (got 2)"},
        {"preprocessing.std", "[0.5, 0]", "\"preprocessing.std\": every value must be positive (got 0)"},
        {"preprocessing.std", "[0.5, 0.5]", "\"preprocessing.std\" has 2 values; give 1, or one per channel (3)"},
        {"preprocessing.mean", "\"x\"", "\"preprocessing.mean\" must be a list"},
        {"preprocessing.resize", "-3", "\"preprocessing.resize\" must be a whole number from 0 to 100000"},
        {"preprocessing.crop", "2.5", "\"preprocessing.crop\" must be a whole number"},
        {"batch", "0", "\"batch\" must be a whole number from 1 to 100000 (got 0)"},
        {"batch", "\"64\"", "\"batch\" must be a number"},
        {"view.bins", "1000", "\"view.bins\" must be a whole number from 0 to 500 (0 = automatic) (got 1000)"},
        {"view.threshold", "\"high\"", "\"view.threshold\" must be a number"},
        {"view.method", "\"nosuch\"", "\"view.method\" names an unknown method 'nosuch'"},
        {"view.density", "1", "\"view.density\" must be true or false"},
        {"methods", "[\"msp\", \"nosuch\"]", "\"methods\" names an unknown method 'nosuch'"},
        {"params", "{\"nosuch.T\": 1}", "\"params.nosuch.T\" is not valid"},
        {"params", "{\"T\": \"1\"}", "\"params.T\" must be a number"},
        {"datasets", "[{\"name\": \"x\", \"path\": \"/p\", \"role\": \"test\"}]",
         "\"datasets[0].role\" must be id, ood, fit, val_id or val_ood (got 'test')"},
        {"datasets", "[{\"name\": \"x\", \"role\": \"ood\"}]", "\"datasets[0].path\" is missing"},
        {"model", "3", "\"model\" must be a string"},
        // Issue 11: every value through the command line's rules, nothing reaches a run unchecked.
        {"preprocessing.channels", "7", "\"preprocessing.channels\" must be 1 or 3 (got 7)"},
        {"preprocessing.std", "[0]", "\"preprocessing.std\": every value must be positive (got 0)"},
        {"preprocessing.height", "-5", "\"preprocessing.height\" must be a whole number from 0 to 100000"},
        {"params", "{\"T\": 0}", "\"params\" is not valid: method 'energy': parameter T = 0 is outside its range"},
        {"params", "{\"msp.flip\": 2}", "parameter flip = 2 is outside its range"},
        {"model", "\"\"", "\"model\" is missing"},
        {"version", "0", "\"version\" must be 1 (got 0)"},
        {"version", "1.5", "newer OOD Lens (format version 1.5)"},
        {"datasets",
         "[{\"name\": \"id\", \"path\": \"/a\", \"role\": \"id\"}, {\"name\": \"id\", \"path\": \"/b\", \"role\": \"id\"}]",
         "\"datasets[1].role\" names a second ID set"},
        {"datasets",
         "[{\"name\": \"id\", \"path\": \"/a\", \"role\": \"id\"}, {\"name\": \"svhn\", \"path\": \"/b\", \"role\": "
         "\"ood\"}, {\"name\": \"svhn\", \"path\": \"/c\", \"role\": \"ood\"}]",
         "\"datasets[2]\" cannot be added: the name 'svhn' is taken"},
        {"datasets",
         "[{\"name\": \"id\", \"path\": \"/a\", \"role\": \"id\"}, {\"name\": \"id\", \"path\": \"/b\", \"role\": \"ood\"}]",
         "'id' names the ID set"},
    };
    for (const Case& c : cases) {
        const std::string e = errorOf(sessionWith(c.field, c.value));
        EXPECT_TRUE(contains(e, "'bad.oodlens'")) << c.field << ": " << e;
        EXPECT_TRUE(contains(e, c.expected)) << c.field << " = " << c.value << ": " << e;
    }
    // A number too large for a double (the writer never makes one) is no threshold either.
    std::string huge = sessionWith("view.bins", "0");
    huge.replace(huge.find("\"bins\": 0"), 9, "\"bins\": 0, \"threshold\": 1e999");
    const std::string e = errorOf(huge);
    EXPECT_TRUE(contains(e, "'bad.oodlens'") && (contains(e, "\"view.threshold\" must be a finite number") ||
                                                 contains(e, "cannot parse")))
        << e;

    // The rules are the command line's: the same check, worded for a flag there.
    EXPECT_TRUE(contains(errorOf(sessionWith("batch", "100001")), "from 1 to 100000"));
    EXPECT_EQ(errorOf(sessionWith("batch", "100000")), "");

    EXPECT_TRUE(contains(errorOf(sessionWith("version", "2")), "newer OOD Lens (format version 2)"));
    {
        Json noVersion = Json::parse(sessionWith("batch", "16"));
        Json copy = Json::object();
        for (const auto& [k, v] : noVersion.members())
            if (k != "version")
                copy.set(k, v);
        EXPECT_TRUE(contains(errorOf(copy.dump()), "\"version\" is missing")) << errorOf(copy.dump());
    }
    for (const char* text : {"", "[1, 2]", "\"text\"", "{\"format\": \"oodlens-session\", \"version\": 1, \"mod"})
        EXPECT_TRUE(contains(errorOf(text), "bad.oodlens")) << text;
    EXPECT_TRUE(contains(errorOf(std::string(300, '[')), "nesting too deep"));
    EXPECT_TRUE(contains(errorOf(sessionWith("format", "\"other\"")), "not an OOD Lens session file"));
    EXPECT_TRUE(contains(errorOf("{not json"), "bad.oodlens"));
    try {
        SessionFile::read("/nonexistent/oodlens/x.oodlens");
        ADD_FAILURE() << "a missing file was read";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "/nonexistent/oodlens/x.oodlens: no such file") ||
                    contains(e.what(), "'/nonexistent/oodlens/x.oodlens': no such file"))
            << e.what();
    }
}

// An OOD set's group and a method's flip are saved and read back; a session without them (older
// files) reads as no group and no flip.
TEST(SessionFile, GroupsAndFlipAreSavedAndReadBack)
{
    SessionFile s;
    s.config.modelPath = "/m/model.pt";
    s.config.datasets = {{"id", "/d/id", DatasetRole::Id, ""},
                         {"svhn", "/d/svhn", DatasetRole::Ood, "far"},
                         {"cifar100", "/d/c100", DatasetRole::Ood, "near"},
                         {"plain", "/d/plain", DatasetRole::Ood, ""}};
    s.config.methods = {"exgrad", "msp"};
    s.config.params.parseAssignment("exgrad.flip=1");
    const SessionFile r = SessionFile::fromJson(s.toJson(), "x.oodlens");
    ASSERT_EQ(r.config.datasets.size(), 4u);
    EXPECT_EQ(r.config.datasets[0].group, "");
    EXPECT_EQ(r.config.datasets[1].group, "far");
    EXPECT_EQ(r.config.datasets[2].group, "near");
    EXPECT_EQ(r.config.datasets[3].group, "");
    EXPECT_TRUE(r.config.datasets == s.config.datasets);
    EXPECT_TRUE(isFlipped("exgrad", r.config.params));
    EXPECT_FALSE(isFlipped("msp", r.config.params));
    EXPECT_EQ(r.config.params.resolve("exgrad").get("flip"), 1.0);
    const Json j = Json::parse(s.toJson());
    EXPECT_EQ(j.get("params").get("exgrad.flip").number(), 1.0);
    EXPECT_EQ(j.get("datasets").items()[1].get("group").string(), "far");
    EXPECT_FALSE(j.get("datasets").items()[3].has("group")); // no group, no key

    EXPECT_TRUE(contains(errorOf(sessionWith("datasets", R"([{"name": "a", "path": "/a", "role": "ood", "group": 3}])")),
                         "datasets[0].group"));
    EXPECT_TRUE(contains(errorOf(sessionWith("params", R"({"exgrad.flop": 1})")), "params.exgrad.flop"));
}

// The pixel bound (--max-pixels) was lost when a session was saved: the GUI then decoded images
// the command line had refused. It is saved when not the default and range-checked on reading.
TEST(SessionFile, MaxPixelsIsSavedAndChecked)
{
    SessionFile s;
    s.config.modelPath = "/m/model.pt";
    s.config.datasets = {{"id", "/d/id", DatasetRole::Id}};
    EXPECT_FALSE(Json::parse(s.toJson()).has("maxPixels")); // the default, not written
    EXPECT_EQ(SessionFile::fromJson(s.toJson(), "x.oodlens").config.maxPixels, kDefaultMaxImagePixels);
    s.config.maxPixels = 4'000'000;
    EXPECT_EQ(SessionFile::fromJson(s.toJson(), "x.oodlens").config.maxPixels, 4'000'000u);
    EXPECT_TRUE(contains(errorOf(sessionWith("maxPixels", "0")), "maxPixels"));
    EXPECT_TRUE(contains(errorOf(sessionWith("maxPixels", "\"many\"")), "maxPixels"));
}

// Found by fuzz_session: two OOD paths that differ only in invalid UTF-8 bytes were both accepted,
// then written back as the same U+FFFD text, and the saved session no longer opened. Text that is not
// UTF-8 is refused by name; valid UTF-8 (non-ASCII) paths still round-trip.
TEST(SessionFile, TextThatIsNotUtf8IsRefusedAndUtf8RoundTrips)
{
    const std::string text = "{\"format\": \"oodlens-session\", \"version\": 1, \"model\": \"m.pt\", \"datasets\": ["
                             "{\"name\": \"id\", \"path\": \"/d/id\", \"role\": \"id\"},"
                             "{\"name\": \"a\", \"path\": \"/d/o\xf1\xf1\", \"role\": \"ood\"},"
                             "{\"name\": \"b\", \"path\": \"/d/o\xf2\xf2\", \"role\": \"ood\"}]}";
    const std::string msg = errorOf(text);
    EXPECT_TRUE(contains(msg, "bad.oodlens") && contains(msg, "UTF-8")) << msg;
    SessionFile s;
    s.config.modelPath = "/m/mod\xc3\xa8le.pt";
    s.config.datasets = {{"id", "/d/\xe5\x86\x99\xe7\x9c\x9f", DatasetRole::Id}};
    const SessionFile back = SessionFile::fromJson(s.toJson(), "ok.oodlens");
    EXPECT_EQ(back.config.modelPath, s.config.modelPath);
    EXPECT_EQ(back.config.datasets.at(0).path, s.config.datasets.at(0).path);
}
