// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens-cli on inputs that used to hang or surprise (issue 11): a FIFO or /dev/zero as --model,
// a FIFO listed in a CSV, Ctrl-C while nothing polls for cancellation (hashing a large model), and
// --max-pixels skipping a large image by name while the others are scored.
#include "BmpFixture.h"
#include "RunProcess.h"
#include "TestSupport.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using oodlens::test::contains;

namespace {

const std::string kCli = OODLENS_CLI;

std::string demoModel()
{
    return std::string(OODLENS_SOURCE_DIR) + "/resources/demo/mnist_cnn.pt";
}

std::string readFile(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using oodlens::test::writeBmp;

class CliInputs : public ::testing::Test {
protected:
    oodlens::test::TempDir tmp_;
    fs::path path(const std::string& name) const { return fs::path(tmp_.path()) / name; }
    std::map<std::string, std::string> env() const { return {{"OODLENS_CACHE_DIR", path("cache").string()}}; }
};

} // namespace

TEST_F(CliInputs, fifoOrDeviceAsModelIsRefusedAtOnce)
{
    ASSERT_EQ(mkfifo(path("model.pt").c_str(), 0600), 0);
    for (const std::string& model : {path("model.pt").string(), std::string("/dev/zero")}) {
        const auto start = std::chrono::steady_clock::now();
        const auto r = oodlens::test::runProcess(kCli, {"info", "--model", model}, env(), 30);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_EQ(r.exitCode, 1) << model << ": " << r.err; // -1: killed after 30 s, it blocked
        EXPECT_TRUE(contains(r.err, model) && contains(r.err, "not a regular file")) << r.err;
        EXPECT_LT(seconds, 20.0) << model;
    }
}

TEST_F(CliInputs, fifoListedInACsvIsSkippedByNameAndTheRestScored)
{
    for (int i = 0; i < 4; ++i)
        writeBmp(path("id") / ("i" + std::to_string(i) + ".bmp"), i);
    for (int i = 0; i < 4; ++i)
        writeBmp(path("ood") / ("o" + std::to_string(i) + ".bmp"), 100 + i);
    ASSERT_EQ(mkfifo(path("ood/pipe.bmp").c_str(), 0600), 0);
    std::ofstream(path("ood/list.csv")) << "path\no0.bmp\npipe.bmp\no1.bmp\no2.bmp\no3.bmp\n";
    const auto r = oodlens::test::runProcess(kCli,
                                             {"score", "--model", demoModel(), "--id", path("id").string(), "--ood",
                                              "list=" + path("ood/list.csv").string(), "--methods", "msp", "--out",
                                              path("out").string()},
                                             env(), 120);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "pipe.bmp") && contains(r.err, "not a regular file")) << r.err;
    EXPECT_TRUE(contains(r.err, "4 images")) << r.err;
}

TEST_F(CliInputs, maxPixelsSkipsTheLargeImageByName)
{
    for (int i = 0; i < 3; ++i)
        writeBmp(path("id") / ("i" + std::to_string(i) + ".bmp"), i);
    for (int i = 0; i < 3; ++i)
        writeBmp(path("ood") / ("o" + std::to_string(i) + ".bmp"), 100 + i);
    writeBmp(path("ood") / "large.bmp", 7, 300); // 90,000 pixels
    const auto r = oodlens::test::runProcess(kCli,
                                             {"score", "--model", demoModel(), "--id", path("id").string(), "--ood",
                                              path("ood").string(), "--methods", "msp", "--max-pixels", "50000",
                                              "--out", path("out").string()},
                                             env(), 120);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "large.bmp") && contains(r.err, "300 x 300 = 90000 pixels, more than the limit of 50000"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "ood: 3 images")) << r.err;
    const auto bad = oodlens::test::runProcess(kCli, {"score", "--max-pixels", "0"}, env(), 30);
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_TRUE(contains(bad.err, "--max-pixels")) << bad.err;
}

// Ctrl-C while the model file is hashed (nothing polls for cancellation there): the process ends
// with 130 within the grace period instead of hashing 16 GB and then failing.
TEST_F(CliInputs, ctrlCEndsTheProcessInAPhaseThatDoesNotPoll)
{
    const fs::path model = path("huge.pt");
    {
        const int fd = ::open(model.c_str(), O_CREAT | O_WRONLY, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::ftruncate(fd, 16ll << 30), 0); // sparse: no disk used
        ::close(fd);
    }
    const fs::path err = path("stderr.txt");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> args = {kCli, "info", "--model", model.string()};
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, kCli.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    // Wait until the process has the model open (it is hashing it), however slow start-up is.
    const auto hashing = [&] {
        std::error_code ec;
        for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
            if (fs::read_symlink(fd.path(), ec) == model)
                return true;
        return false;
    };
    const auto waitStart = std::chrono::steady_clock::now();
    while (!hashing() && std::chrono::steady_clock::now() - waitStart < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(hashing()) << "the model file was never opened";
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(::kill(pid, SIGINT), 0);
    int status = 0;
    bool ended = false;
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(20)) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            ended = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!ended) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    ASSERT_TRUE(ended) << "still running 20 s after Ctrl-C";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << readFile(err);
    EXPECT_LT(seconds, 8.0);
    EXPECT_TRUE(contains(readFile(err), "cancelled")) << readFile(err);
}
