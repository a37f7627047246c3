// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens-cli through the one options parser, end to end: `score --session` scores a saved session
// (and the other options override it), `figures` takes the preprocessing options and draws a custom
// 64x64 RGB model's figures, `score` with the same options gives the metrics of a hand-built run,
// and option errors name the option.
#include "common/Error.h"
#include "run/Pipeline.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace oodlens;
namespace fs = std::filesystem;

namespace {

const std::string kSource = OODLENS_SOURCE_DIR;
const std::string kDemo = kSource + "/resources/demo/";
const std::string kModel64 = kSource + "/tests/fixtures/models/rgb64_traced.pt";

struct CliRun {
    int exitCode = -1;
    std::string out;
    std::string err;
};

std::string readText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string quoted(const std::string& word)
{
    std::string q = "'";
    for (char c : word)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

class CliOptions : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        std::string pattern = (fs::temp_directory_path() / "oodlens-cli-options-XXXXXX").string();
        dir_ = ::mkdtemp(pattern.data());
    }
    static void TearDownTestSuite()
    {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    static fs::path dir_;

    static CliRun cli(const std::vector<std::string>& args)
    {
        static int calls = 0;
        const fs::path out = dir_ / ("stdout-" + std::to_string(++calls));
        const fs::path err = dir_ / ("stderr-" + std::to_string(calls));
        std::string command = quoted(OODLENS_CLI);
        for (const std::string& a : args)
            command += " " + quoted(a);
        command += " >" + quoted(out.string()) + " 2>" + quoted(err.string());
        const int status = std::system(command.c_str());
        CliRun r;
        r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = readText(out);
        r.err = readText(err);
        return r;
    }

    // metrics.csv as (method,ood) -> the five numbers.
    static std::map<std::string, std::vector<double>> metrics(const fs::path& file)
    {
        std::map<std::string, std::vector<double>> rows;
        std::istringstream in(readText(file));
        std::string line;
        std::getline(in, line);
        EXPECT_EQ(line, "method,ood,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out,ccr_1e-4,ccr_1e-3,ccr_1e-2,ccr_1e-1,aurc,label");
        while (std::getline(in, line)) {
            std::stringstream fields(line);
            std::string method, ood, v;
            std::getline(fields, method, ',');
            std::getline(fields, ood, ',');
            std::vector<double>& values = rows[method + "," + ood];
            for (int i = 0; i < 5 && std::getline(fields, v, ','); ++i) // then the label
                values.push_back(std::stod(v));
        }
        return rows;
    }

    // One column of scores.csv, rows of dataset `name`, in order.
    static std::vector<double> scoreColumn(const fs::path& file, const std::string& method, const std::string& name)
    {
        std::istringstream in(readText(file));
        std::string line;
        std::getline(in, line);
        std::vector<std::string> header;
        std::stringstream h(line);
        for (std::string f; std::getline(h, f, ',');)
            header.push_back(f);
        const auto col = std::find(header.begin(), header.end(), method) - header.begin();
        std::vector<double> out;
        while (std::getline(in, line)) {
            // Every field, the empty ones at the end of the line too (the name columns, when unknown).
            std::vector<std::string> f;
            for (std::size_t start = 0;;) {
                const std::size_t end = line.find(',', start);
                f.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
                if (end == std::string::npos)
                    break;
                start = end + 1;
            }
            if (f.size() == header.size() && f[0] == name)
                out.push_back(std::stod(f[std::size_t(col)]));
        }
        return out;
    }

    // A flat folder of `count` PNGs, `rows` x `cols`: smooth colour gradients (`noise` false) or
    // uniform noise.
    static std::string imageFolder(const std::string& name, int count, int rows, int cols, bool noise)
    {
        const fs::path folder = dir_ / name;
        fs::create_directories(folder);
        std::mt19937 rng(noise ? 7 : 3);
        std::uniform_int_distribution<int> byte(0, 255);
        for (int i = 0; i < count; ++i) {
            cv::Mat image(rows, cols, CV_8UC3);
            const int b = byte(rng), g = byte(rng), r = byte(rng);
            for (int y = 0; y < rows; ++y)
                for (int x = 0; x < cols; ++x) {
                    cv::Vec3b& p = image.at<cv::Vec3b>(y, x);
                    if (noise) {
                        p = cv::Vec3b(uchar(byte(rng)), uchar(byte(rng)), uchar(byte(rng)));
                    } else {
                        // A bright frame and a gradient: the centre crop sees something else than the whole.
                        const bool frame = x < 13 || x >= cols - 13;
                        p = frame ? cv::Vec3b(250, 250, 250)
                                  : cv::Vec3b(uchar((b + 2 * x) % 256), uchar((g + 3 * y) % 256), uchar(r));
                    }
                }
            const fs::path file = folder / ("img" + std::to_string(100 + i) + ".png");
            EXPECT_TRUE(cv::imwrite(file.string(), image)) << file;
        }
        return folder.string();
    }

    static void writeText(const fs::path& path, const std::string& text)
    {
        std::ofstream out(path, std::ios::binary);
        out << text;
    }
};

fs::path CliOptions::dir_;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void expectSameMetrics(const std::map<std::string, std::vector<double>>& a,
                       const std::map<std::string, std::vector<double>>& b)
{
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [key, values] : a) {
        ASSERT_TRUE(b.count(key)) << key;
        ASSERT_EQ(values.size(), b.at(key).size()) << key;
        for (std::size_t i = 0; i < values.size(); ++i)
            EXPECT_NEAR(values[i], b.at(key)[i], 1e-9) << key << " column " << i;
    }
}

} // namespace

TEST_F(CliOptions, ScoreSessionScoresTheSavedRunAndOptionsOverrideIt)
{
    const std::string model = kDemo + "mnist_cnn.pt";
    const std::string id = kDemo + "mnist-test-2000-images-idx3-ubyte.gz";
    const std::string ood = kDemo + "fashion-mnist-2000-images-idx3-ubyte.gz";
    // A session as the GUI saves it (format version 1), typed here.
    const fs::path session = dir_ / "demo.oodlens";
    writeText(session, "{\n \"format\": \"oodlens-session\", \"version\": 1, \"model\": \"" + model +
                           "\",\n \"datasets\": [{\"name\": \"id\", \"path\": \"" + id +
                           "\", \"role\": \"id\"},\n  {\"name\": \"fmnist\", \"path\": \"" + ood +
                           "\", \"role\": \"ood\"}],\n \"methods\": [\"msp\", \"energy\"], \"params\": {\"energy.T\": 2},"
                           "\n \"batch\": 100, \"device\": \"cpu\", \"view\": {\"method\": \"energy\", \"bins\": 20}}\n");

    const CliRun fromSession = cli({"score", "--session", session.string(), "--out", (dir_ / "s1").string()});
    ASSERT_EQ(fromSession.exitCode, 0) << fromSession.err;
    const CliRun fromFlags = cli({"score", "--model", model, "--id", id, "--ood", "fmnist=" + ood, "--methods",
                               "msp,energy", "--param", "energy.T=2", "--batch", "100", "--out", (dir_ / "s2").string()});
    ASSERT_EQ(fromFlags.exitCode, 0) << fromFlags.err;
    const auto sessionMetrics = metrics(dir_ / "s1/metrics.csv");
    EXPECT_EQ(sessionMetrics.size(), 2u);
    EXPECT_TRUE(sessionMetrics.count("energy,fmnist"));
    expectSameMetrics(sessionMetrics, metrics(dir_ / "s2/metrics.csv"));
    // The session's energy.T = 2 reached the scores: T = 1 gives other energies.
    const CliRun t1 = cli({"score", "--session", session.string(), "--param", "energy.T=1", "--methods", "energy",
                        "--out", (dir_ / "s3").string()});
    ASSERT_EQ(t1.exitCode, 0) << t1.err;
    EXPECT_NE(scoreColumn(dir_ / "s3/scores.csv", "energy", "id"), scoreColumn(dir_ / "s1/scores.csv", "energy", "id"));
    EXPECT_EQ(metrics(dir_ / "s3/metrics.csv").size(), 1u); // --methods replaced the session's two

    // A bad value in the file is refused naming the file and the field.
    const fs::path bad = dir_ / "bad.oodlens";
    std::string text = readText(session);
    text.replace(text.find("\"batch\": 100"), 12, "\"batch\": 0");
    writeText(bad, text);
    const CliRun refused = cli({"score", "--session", bad.string(), "--out", (dir_ / "s4").string()});
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_TRUE(contains(refused.err, bad.string()) && contains(refused.err, "\"batch\"")) << refused.err;
}

TEST_F(CliOptions, FiguresAndScoreTakeThePreprocessingOfACustom64Model)
{
    // 72 x 90 PNGs: --resize 64 makes them 64 x 80, --crop 64 cuts the centre; the model takes 64 x 64 only.
    const std::string id = imageFolder("id-png", 12, 72, 90, false);
    const std::string ood = imageFolder("ood-png", 12, 72, 90, true);
    const std::vector<std::string> pre = {"--resize", "64", "--crop", "64", "--mean", "0.5,0.45,0.4",
                                          "--std", "0.25,0.25,0.3"};
    const std::vector<std::string> methods = {"--methods", "msp,energy"};

    PreprocessSpec spec;
    spec.resize = 64;
    spec.crop = 64;
    spec.mean = {0.5f, 0.45f, 0.4f};
    spec.stddev = {0.25f, 0.25f, 0.3f};

#ifdef OODLENS_HAVE_FIGURES
    {
        const fs::path out = dir_ / "figures64";
        std::vector<std::string> args = {"figures", "--model", kModel64, "--id", id, "--ood", "noise=" + ood,
                                         "--dpi", "100", "--no-cache", "--out", out.string()};
        args.insert(args.end(), pre.begin(), pre.end());
        args.insert(args.end(), methods.begin(), methods.end());
        const CliRun r = cli(args);
        ASSERT_EQ(r.exitCode, 0) << r.err;
        for (const char* method : {"msp", "energy"})
            for (const char* kind : {"histogram", "roc"}) {
                const fs::path base = out / (std::string(method) + "-" + kind);
                const std::string pdf = readText(base.string() + ".pdf");
                EXPECT_EQ(pdf.substr(0, 4), "%PDF") << base;
                EXPECT_GT(pdf.size(), 2000u) << base;
                const std::string svg = readText(base.string() + ".svg");
                EXPECT_TRUE(contains(svg, "<svg") && contains(svg, "</svg>")) << base;
                EXPECT_GT(svg.size(), 2000u) << base;
                const cv::Mat png = cv::imread(base.string() + ".png", cv::IMREAD_COLOR);
                ASSERT_FALSE(png.empty()) << base;
                EXPECT_EQ(png.cols, int(std::lround(8.5 / 2.54 * 100))); // one column at 100 dpi
                cv::Scalar mean, dev;
                cv::meanStdDev(png, mean, dev);
                EXPECT_GT(dev[0] + dev[1] + dev[2], 10.0) << base << " is blank";
            }
    }
#endif

    // score with the same options gives the metrics and scores of a run built by hand with them.
    std::vector<std::string> args = {"score", "--model", kModel64, "--id", id, "--ood", "noise=" + ood,
                                     "--no-cache", "--out", (dir_ / "score64").string()};
    args.insert(args.end(), pre.begin(), pre.end());
    args.insert(args.end(), methods.begin(), methods.end());
    const CliRun r = cli(args);
    ASSERT_EQ(r.exitCode, 0) << r.err;

    auto handBuilt = [&](const PreprocessSpec& p) {
        RunConfig c;
        c.modelPath = kModel64;
        c.datasets = {{"id", id, DatasetRole::Id}, {"noise", ood, DatasetRole::Ood}};
        c.methods = {"msp", "energy"};
        c.preprocess = p;
        c.cacheDir.clear();
        return runOnce(c);
    };
    const RunResultPtr expected = handBuilt(spec);
    const ScoreTable& table = expected->scores;
    const auto cliMetrics = metrics(dir_ / "score64/metrics.csv");
    for (const MetricsRow& row : expected->metrics) {
        const std::vector<double>& got = cliMetrics.at(row.method + "," + row.ood);
        EXPECT_NEAR(got.at(0), row.metrics.auroc, 1e-8) << row.method;
    }
    const std::vector<double> msp = scoreColumn(dir_ / "score64/scores.csv", "msp", "id");
    const std::vector<double>& want = table.at("msp").at(0);
    ASSERT_EQ(msp.size(), want.size());
    for (std::size_t i = 0; i < msp.size(); ++i)
        EXPECT_NEAR(msp[i], want[i], 1e-7 * std::max(1.0, std::fabs(want[i])));
    // The options took effect: without resize/crop (images stretched to the model's 64 x 64) the
    // scores differ.
    PreprocessSpec stretched = spec;
    stretched.resize = stretched.crop = 0;
    const auto other = handBuilt(stretched);
    EXPECT_NE(other->scoresOf("msp", 0), want);
}

TEST_F(CliOptions, OptionErrorsNameTheOptionInEveryCommand)
{
    CliRun r = cli({"score", "--help"});
    EXPECT_EQ(r.exitCode, 0);
    for (const char* flag : {"--session FILE", "--resize N", "--std a[,b,c]", "--bootstrap N"})
        EXPECT_TRUE(contains(r.out, flag)) << flag;
    r = cli({"demo", "--resize", "64"});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(contains(r.err, "--resize") && contains(r.err, "does not apply")) << r.err;
    r = cli({"score", "--model", "m.pt", "--threads", "many"});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(contains(r.err, "option --threads: 'many' is not a whole number")) << r.err;
    r = cli({"info", "--model", kModel64, "--ood", "x"});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(contains(r.err, "--ood")) << r.err;
#ifdef OODLENS_HAVE_FIGURES
    r = cli({"figures", "--bogus"});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(contains(r.err, "unknown option '--bogus'")) << r.err;
    r = cli({"figures", "--demo", "--threads", "-2", "--out", (dir_ / "never").string()});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(contains(r.err, "option --threads must be a whole number from 0 to 256 (got -2)")) << r.err;
    r = cli({"figures", "--help"});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_TRUE(contains(r.out, "--crop N") && contains(r.out, "--formats pdf,svg,png")) << r.out;
#endif
}
