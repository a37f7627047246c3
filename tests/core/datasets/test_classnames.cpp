// SPDX-License-Identifier: GPL-3.0-or-later
// Class names end to end: classes.txt and sidecar lists (bounded, checked), a CSV's label_name
// column, CIFAR meta files, and a run on a traced 3x64x64 model with ImageFolder sets whose
// scores.csv carries label_name / prediction_name, read back with a CSV parser.
#include "common/Error.h"
#include "common/Runtime.h"
#include "datasets/ClassNames.h"
#include "datasets/Dataset.h"
#include "io/Export.h"
#include "run/Pipeline.h"

// OpenCV only writes the fixture images.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "TestSupport.h"

#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using namespace oodlens;
using oodlens::test::contains;
using oodlens::test::writeText;

namespace {

std::string readText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename F> std::string errorOf(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "<no error thrown>";
}

// A 64x64 colour image whose pixels depend on `seed`.
void writePng(const fs::path& path, int seed)
{
    fs::create_directories(path.parent_path());
    cv::Mat m(64, 64, CV_8UC3);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x)
            m.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<std::uint8_t>((seed * 37 + x * 3) & 0xff),
                                              static_cast<std::uint8_t>((seed * 91 + y * 5) & 0xff),
                                              static_cast<std::uint8_t>((seed * 53 + x * y) & 0xff));
    ASSERT_TRUE(cv::imwrite(path.string(), m));
}

// RFC 4180 records of a whole file (quoted fields may hold commas and doubled quotes).
std::vector<std::vector<std::string>> parseCsv(const std::string& text)
{
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = any = true;
        } else if (c == ',') {
            row.push_back(field);
            field.clear();
            any = true;
        } else if (c == '\n') {
            row.push_back(field);
            rows.push_back(row);
            row.clear();
            field.clear();
            any = false;
        } else {
            field += c;
            any = true;
        }
    }
    if (any) {
        row.push_back(field);
        rows.push_back(row);
    }
    return rows;
}

const fs::path kModel = fs::path(OODLENS_SOURCE_DIR) / "tests/fixtures/models/rgb64_traced.pt"; // 5 classes, 3x64x64

} // namespace

class ClassNames : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(0); }
    static fs::path dir(const char* name)
    {
        static const oodlens::test::TempDir tmp;
        return fs::path(tmp.path()) / name;
    }
};

// --- classes.txt -------------------------------------------------------------------------

TEST_F(ClassNames, classesFileIsOneNamePerLine)
{
    const fs::path f = dir("txt") / "classes.txt";
    // A byte order mark, CRLF, blanks around names and blank lines at the end are all fine.
    writeText(f, "\xEF\xBB\xBF" "cat\r\n  dog  \n\tsea lion\n\n\n");
    EXPECT_EQ(readClassNamesFile(f.string()), (std::vector<std::string>{"cat", "dog", "sea lion"}));
    writeText(f, "only");
    EXPECT_EQ(readClassNamesFile(f.string()), std::vector<std::string>{"only"});
}

TEST_F(ClassNames, badClassesFilesAreRefusedNamingTheFileAndLine)
{
    const fs::path f = dir("badtxt") / "classes.txt";
    std::string msg = errorOf([&] { readClassNamesFile(f.string()); });
    EXPECT_TRUE(contains(msg, f.string())) << msg; // missing

    writeText(f, "");
    msg = errorOf([&] { readClassNamesFile(f.string()); });
    EXPECT_TRUE(contains(msg, f.string()) && contains(msg, "names no class")) << msg;

    // A blank line among names would shift every later name by one class.
    writeText(f, "cat\n\ndog\n");
    msg = errorOf([&] { readClassNamesFile(f.string()); });
    EXPECT_TRUE(contains(msg, f.string()) && contains(msg, "line 3") && contains(msg, "line 2 is blank")) << msg;
    writeText(f, "\ncat\n");
    msg = errorOf([&] { readClassNamesFile(f.string()); });
    EXPECT_TRUE(contains(msg, "line 2") && contains(msg, "starts with a blank line")) << msg;

    writeText(f, "cat\n" + std::string(kMaxClassNameBytes + 1, 'x') + "\n");
    msg = errorOf([&] { readClassNamesFile(f.string()); });
    EXPECT_TRUE(contains(msg, f.string()) && contains(msg, "line 2") && contains(msg, "bytes")) << msg;

    writeText(f, std::string("cat\nd\x01g\n"));
    msg = errorOf([&] { readClassNamesFile(f.string()); });
    EXPECT_TRUE(contains(msg, "line 2") && contains(msg, "control character")) << msg;

    std::string many;
    for (std::size_t k = 0; k <= kMaxClassNames; ++k)
        many += "c" + std::to_string(k) + "\n";
    writeText(f, many);
    msg = errorOf([&] { readClassNamesFile(f.string()); });
    EXPECT_TRUE(contains(msg, "line " + std::to_string(kMaxClassNames + 1)) && contains(msg, "more than")) << msg;

    writeText(f, std::string(kMaxClassNamesFileBytes + 1, 'a'));
    msg = errorOf([&] { readClassNamesFile(f.string()); });
    EXPECT_TRUE(contains(msg, f.string()) && contains(msg, "bytes, more than")) << msg;
}

// --- a model's names: sidecar first, then classes.txt ----------------------------------------

TEST_F(ClassNames, sidecarClassesComeBeforeClassesTxt)
{
    const fs::path d = dir("model-both");
    writeText(d / "model.json", R"({"classes": ["a", "b", "c"]})");
    writeText(d / "classes.txt", "x\ny\nz\n");
    ModelClassNames found = findModelClassNames((d / "model.pt").string(), (d / "model.json").string(), 3);
    EXPECT_EQ(found.names, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(found.source, (d / "model.json").string());
    EXPECT_EQ(found.warning, "");

    // A sidecar without "classes": classes.txt next to the model.
    writeText(d / "model.json", R"({"input": [3, 64, 64]})");
    found = findModelClassNames((d / "model.pt").string(), (d / "model.json").string(), 3);
    EXPECT_EQ(found.names, (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_EQ(found.source, (d / "classes.txt").string());

    // Nothing at all: no names, nothing to warn about.
    const fs::path none = dir("model-none");
    fs::create_directories(none);
    found = findModelClassNames((none / "model.pt").string(), "", 3);
    EXPECT_TRUE(found.names.empty() && found.source.empty() && found.warning.empty());
}

TEST_F(ClassNames, aListOfTheWrongLengthIsRefusedNamingTheFile)
{
    const fs::path d = dir("model-short");
    writeText(d / "classes.txt", "x\ny\n");
    ModelClassNames found = findModelClassNames((d / "model.pt").string(), "", 3);
    EXPECT_TRUE(found.names.empty());
    EXPECT_TRUE(contains(found.warning, (d / "classes.txt").string()) && contains(found.warning, "2 names") &&
                contains(found.warning, "3 classes"))
        << found.warning;

    // A bad sidecar list is refused too, and does not fall through to classes.txt.
    writeText(d / "classes.txt", "x\ny\nz\n");
    writeText(d / "model.json", R"({"classes": ["a", 7, "c"]})");
    found = findModelClassNames((d / "model.pt").string(), (d / "model.json").string(), 3);
    EXPECT_TRUE(found.names.empty());
    EXPECT_TRUE(contains(found.warning, (d / "model.json").string()) && contains(found.warning, "[1]") &&
                contains(found.warning, "strings"))
        << found.warning;
    writeText(d / "model.json", R"({"classes": "a,b,c"})");
    found = findModelClassNames((d / "model.pt").string(), (d / "model.json").string(), 3);
    EXPECT_TRUE(found.names.empty() && contains(found.warning, "must be an array")) << found.warning;
}

// --- datasets' own names -------------------------------------------------------------------

TEST_F(ClassNames, csvLabelNameColumnNamesTheLabels)
{
    const fs::path d = dir("csv-names");
    writePng(d / "a.png", 1);
    writeText(d / "list.csv", "path,label,label_name,note\n"
                              "a.png,2,\"sea lion, grey\",x\n"
                              "a.png,0,cat,\n"
                              "a.png,2,\"sea lion, grey\",\n"
                              "a.png,3,,\n" // labelled, not named
                              "a.png,,,\n");
    const auto set = openDataset((d / "list.csv").string());
    ASSERT_EQ(set->size(), 5u);
    EXPECT_EQ(set->label(0), 2);
    EXPECT_EQ(set->label(4), -1);
    // Index = label; label 1 never appears and label 3 has no name.
    EXPECT_EQ(set->classNames(), (std::vector<std::string>{"cat", "", "sea lion, grey"}));

    // Any case, any column after the first two.
    writeText(d / "upper.csv", "PATH,Label,extra,LABEL_NAME\na.png,1,q,dog\n");
    EXPECT_EQ(openDataset((d / "upper.csv").string())->classNames(), (std::vector<std::string>{"", "dog"}));

    // Without a header the third column is an ignored extra column, as before.
    writeText(d / "plain.csv", "a.png,1,dog\n");
    EXPECT_TRUE(openDataset((d / "plain.csv").string())->classNames().empty());

    // Names are part of the dataset: renaming a class changes the fingerprint.
    writeText(d / "renamed.csv", "path,label,label_name\na.png,1,dog\n");
    const std::string before = openDataset((d / "renamed.csv").string())->fingerprint();
    writeText(d / "renamed.csv", "path,label,label_name\na.png,1,wolf\n");
    EXPECT_NE(openDataset((d / "renamed.csv").string())->fingerprint(), before);
}

TEST_F(ClassNames, badCsvLabelNamesAreRefusedNamingTheLine)
{
    const fs::path d = dir("csv-bad");
    writePng(d / "a.png", 1);
    const auto refuse = [&](const std::string& text, const std::vector<std::string>& parts) {
        writeText(d / "list.csv", text);
        const std::string msg = errorOf([&] { openDataset((d / "list.csv").string()); });
        bool all = contains(msg, (d / "list.csv").string());
        for (const std::string& p : parts)
            all = all && contains(msg, p);
        EXPECT_TRUE(all) << msg;
    };
    refuse("path,label,label_name\na.png,1,dog\na.png,1,wolf\n", {"line 3", "'wolf'", "'dog'", "line 2"});
    refuse("path,label,label_name\na.png,,dog\n", {"line 2", "without a label"});
    refuse("path,label,label_name\na.png,100000,dog\n", {"line 2", "too large"});
    refuse("path,label,label_name\na.png,1,d\x02g\n", {"line 2", "control character"});
    refuse("path,label,label_name\na.png,1," + std::string(kMaxClassNameBytes + 1, 'n') + "\n", {"line 2", "bytes"});
}

TEST_F(ClassNames, cifarMetaNamesNeedOnePerClass)
{
    const fs::path d = dir("cifar");
    std::vector<std::uint8_t> record(1 + 3072, 0);
    record[0] = 3;
    fs::create_directories(d);
    {
        std::ofstream out(d / "test_batch.bin", std::ios::binary);
        out.write(reinterpret_cast<const char*>(record.data()), static_cast<std::streamsize>(record.size()));
    }
    std::string meta;
    for (const char* n : {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"})
        meta += std::string(n) + "\n";
    writeText(d / "batches.meta.txt", meta + "\n"); // CIFAR's own file ends with a blank line
    auto set = openDataset(d.string());
    ASSERT_EQ(set->classNames().size(), 10u);
    EXPECT_EQ(set->classNames()[3], "cat");
    EXPECT_EQ(set->classNamesWarning(), "");

    writeText(d / "batches.meta.txt", "airplane\nautomobile\n");
    set = openDataset(d.string());
    EXPECT_TRUE(set->classNames().empty());
    EXPECT_TRUE(contains(set->classNamesWarning(), (d / "batches.meta.txt").string()) &&
                contains(set->classNamesWarning(), "2 names"))
        << set->classNamesWarning();
}

// --- a run: the model's names, the datasets' names, scores.csv ------------------------------

namespace {

const std::vector<std::string> kModelClasses = {"apple", "banana", "cherry, red", "date", "elder"};
const std::vector<std::string> kOodClasses = {"noise", "stripes"};

// An ImageFolder with `perClass` images in each class folder.
void writeImageFolder(const fs::path& root, const std::vector<std::string>& classes, int perClass, int seed)
{
    for (const std::string& c : classes)
        for (int k = 0; k < perClass; ++k)
            writePng(root / c / ("img" + std::to_string(k) + ".png"), seed++);
}

RunConfig configFor(const fs::path& model, const fs::path& id, const fs::path& ood)
{
    RunConfig c;
    c.modelPath = model.string();
    c.datasets = {{"id", id.string(), DatasetRole::Id}, {"shapes", ood.string(), DatasetRole::Ood}};
    c.methods = {"msp", "energy"};
    c.cacheDir.clear();
    c.batchSize = 8;
    return c;
}

bool anyWarningContains(const RunResult& r, const std::vector<std::string>& parts)
{
    for (const RunWarning& w : r.warnings) {
        bool all = true;
        for (const std::string& p : parts)
            all = all && contains(w.message, p);
        if (all)
            return true;
    }
    return false;
}

} // namespace

TEST_F(ClassNames, aRunCarriesTheNamesIntoScoresCsv)
{
    const fs::path d = dir("run");
    fs::create_directories(d / "model");
    fs::copy_file(kModel, d / "model" / "model.pt");
    std::string list;
    for (const std::string& c : kModelClasses)
        list += std::string(list.empty() ? "" : ", ") + "\"" + c + "\"";
    writeText(d / "model" / "model.json", "{\"input\": [3, 64, 64], \"classes\": [" + list + "]}");
    writeImageFolder(d / "id", kModelClasses, 2, 0);
    writeImageFolder(d / "ood", kOodClasses, 3, 100);

    const RunResultPtr r = runOnce(configFor(d / "model" / "model.pt", d / "id", d / "ood"));
    ASSERT_EQ(r->model.classes, 5);
    EXPECT_EQ(r->classNames, kModelClasses);
    EXPECT_EQ(r->classNamesSource, (d / "model" / "model.json").string());
    const auto id = static_cast<std::size_t>(r->idIndex);
    const std::size_t ood = r->oodIndices.at(0);
    EXPECT_EQ(r->datasets[id].classNames, kModelClasses); // folder names, sorted byte-wise like the list
    EXPECT_EQ(r->datasets[ood].classNames, kOodClasses);
    // The OOD set's labels 0 and 1 are numbers the model also has, yet never ID classes.
    for (int label : r->features[ood]->labels)
        EXPECT_FALSE(r->isIdClassLabel(ood, label));
    for (int label : r->features[id]->labels)
        EXPECT_TRUE(r->isIdClassLabel(id, label));
    EXPECT_FALSE(anyWarningContains(*r, {"class names"}));
    EXPECT_FALSE(anyWarningContains(*r, {"calls label"}));

    const fs::path out = d / "out";
    writeRunFiles(out.string(), *r, "test");
    const auto rows = parseCsv(readText(out / "scores.csv"));
    ASSERT_GE(rows.size(), 2u);
    const std::vector<std::string>& header = rows[0];
    // Old columns in their old places; the names appended after the scores.
    ASSERT_EQ(header, (std::vector<std::string>{"dataset", "index", "path", "label", "prediction", "msp", "energy",
                                                "label_name", "prediction_name"}));
    std::map<std::string, int> perDataset;
    for (std::size_t k = 1; k < rows.size(); ++k) {
        const auto& row = rows[k];
        ASSERT_EQ(row.size(), header.size()) << k;
        ++perDataset[row[0]];
        const int label = std::stoi(row[3]), prediction = std::stoi(row[4]);
        ASSERT_TRUE(prediction >= 0 && prediction < 5);
        EXPECT_EQ(row[8], kModelClasses[std::size_t(prediction)]);
        // Each image's label is its class folder, whose name is in its path.
        const std::vector<std::string>& own = row[0] == "id" ? kModelClasses : kOodClasses;
        ASSERT_TRUE(label >= 0 && std::size_t(label) < own.size()) << row[2];
        EXPECT_EQ(row[7], own[std::size_t(label)]);
        EXPECT_TRUE(contains(row[2], "/" + row[7] + "/")) << row[2];
    }
    EXPECT_EQ(perDataset["id"], 10);
    EXPECT_EQ(perDataset["shapes"], 6);
    EXPECT_TRUE(contains(readText(out / "run.json"), "\"class_names_from\""));
}

TEST_F(ClassNames, aListOfTheWrongLengthIsWarnedAboutAndTheIdSetNamesThePredictions)
{
    const fs::path d = dir("run-short");
    fs::create_directories(d / "model");
    fs::copy_file(kModel, d / "model" / "model.pt");
    writeText(d / "model" / "model.json", R"({"input": [3, 64, 64]})");
    writeText(d / "model" / "classes.txt", "one\ntwo\nthree\nfour\n"); // the model has 5 classes
    writeImageFolder(d / "id", kModelClasses, 1, 0);
    writeImageFolder(d / "ood", kOodClasses, 1, 50);

    const RunResultPtr r = runOnce(configFor(d / "model" / "model.pt", d / "id", d / "ood"));
    EXPECT_TRUE(anyWarningContains(*r, {(d / "model" / "classes.txt").string(), "4 names", "5 classes"}));
    // Precedence: the model's list is refused, so the ID set (one folder per model class) names them.
    EXPECT_EQ(r->classNames, kModelClasses);
    EXPECT_EQ(r->classNamesSource, "ID set id");
}

TEST_F(ClassNames, idFoldersNamedUnlikeTheModelsClassesAreWarnedAbout)
{
    const fs::path d = dir("run-mismatch");
    fs::create_directories(d / "model");
    fs::copy_file(kModel, d / "model" / "model.pt");
    writeText(d / "model" / "model.json", R"({"input": [3, 64, 64]})");
    writeText(d / "model" / "classes.txt", "a\nb\nc\nd\ne\n");
    writeImageFolder(d / "id", kModelClasses, 1, 0);
    writeImageFolder(d / "ood", kOodClasses, 1, 50);

    const RunResultPtr r = runOnce(configFor(d / "model" / "model.pt", d / "id", d / "ood"));
    EXPECT_EQ(r->classNames, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
    EXPECT_TRUE(anyWarningContains(*r, {"label 0", "'apple'", "'a'", "by number"}));
    // Each label keeps its own dataset's name; predictions take the model's.
    const auto id = static_cast<std::size_t>(r->idIndex);
    EXPECT_EQ(r->labelName(id, 0), "apple");
    EXPECT_EQ(r->className(0), "a");
}
