// SPDX-License-Identifier: GPL-3.0-or-later
// Peak memory of every fit (issue 13, "Memory"). Usage:
//   bench_fitmemory [--rows N] [--dim D] [--classes C] [--full-rows M] [--methods a,b,...]
// For every registered method with a fit that needs a fit set, a child process of its own fits once
// on a tiny set (thread pools, BLAS and LibTorch start there), builds a synthetic fit set of N x D
// float features (default 200,000 x 2,048; C = 100 classes, logits that predict the labels), resets
// its peak resident set (VmHWM, through /proc/self/clear_refs), fits, and reports the fit time and
// how far the peak rose above the resident set before the fit (the fit set and the runtime): in MB,
// as a multiple of D^2 x 8 bytes (one double D x D matrix) and of the fit set's bytes (GB and MB are
// 10^9 and 10^6 bytes). Then the methods with a covariance again at M = 1,280,000 rows (ImageNet's
// training set at D = 2,048: 10.5 GB of features) when /proc/meminfo's MemAvailable holds the set and
// 2 GB more; skipped with a message otherwise, or with --full-rows 0.
#include "common/Error.h"
#include "common/Runtime.h"
#include "methods/Registry.h"
#include "methods/Scores.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace oodlens;

namespace {

struct Shape {
    std::size_t rows = 200000;
    int dim = 2048;
    int classes = 100;
};

long procKb(const char* file, const char* field)
{
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0)
            return std::atol(line.c_str() + std::strlen(field));
    return -1;
}

double fitSetBytes(const Shape& s)
{
    return double(s.rows) * (double(s.dim) + s.classes) * sizeof(float) + double(s.rows) * (sizeof(int) + sizeof(std::size_t));
}

uint64_t splitmix(uint64_t& x)
{
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float uniform(uint64_t& x)
{
    return static_cast<float>(splitmix(x) >> 40) * (1.f / 16777216.f);
}

// Post-ReLU-like features around class centres, logits that put the label first, labels r % C;
// each row from its own seed, filled on every core.
FeatureSet syntheticFitSet(const Shape& s, Head& head)
{
    FeatureSet f;
    f.rows = s.rows;
    f.dim = s.dim;
    f.classes = s.classes;
    f.features.resize(s.rows * static_cast<std::size_t>(s.dim));
    f.logits.resize(s.rows * static_cast<std::size_t>(s.classes));
    f.labels.resize(s.rows);
    f.index.resize(s.rows);
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (std::size_t r = t; r < s.rows; r += threads) {
                uint64_t seed = 0x5eed0000ull + r;
                const int label = static_cast<int>(r % s.classes);
                float* h = f.features.data() + r * s.dim;
                for (int k = 0; k < s.dim; ++k) {
                    const float g = (uniform(seed) + uniform(seed) + uniform(seed) - 1.5f) * 2.f; // ~N(0, 1)
                    h[k] = std::max(0.f, g + (k % s.classes == label ? 1.5f : 0.f));
                }
                float* z = f.logits.data() + r * s.classes;
                for (int c = 0; c < s.classes; ++c)
                    z[c] = uniform(seed) + (c == label ? 4.f : 0.f);
                f.labels[r] = label;
                f.index[r] = r;
            }
        });
    for (std::thread& t : pool)
        t.join();
    head.classes = s.classes;
    head.dim = s.dim;
    head.weight.resize(static_cast<std::size_t>(s.classes) * s.dim);
    head.bias.resize(s.classes);
    uint64_t seed = 42;
    for (float& w : head.weight)
        w = (uniform(seed) - 0.5f) * 0.1f;
    for (float& b : head.bias)
        b = uniform(seed) - 0.5f;
    return f;
}

// The child: build, measure, fit, report one line "ok SECONDS RSS_KB PEAK_KB" (or "error MESSAGE").
void measure(const std::string& method, const Shape& s, int out)
{
    std::string line;
    try {
        initRuntime(0);
        {
            // Thread pools, BLAS and LibTorch start on a tiny fit first: what remains is the fit's own.
            Head tinyHead;
            const FeatureSet tiny = syntheticFitSet(Shape{256, 8, std::min(s.classes, 4)}, tinyHead);
            // NNGuide's default guide bank (1 % of 256) is smaller than its k: every row a guide here.
            ScoreParams tinyParams;
            tinyParams.set("nnguide.alpha", 1);
            fitScorer(method, &tiny, tinyHead, tinyParams, nullptr);
        }
        Head head;
        const FeatureSet fit = syntheticFitSet(s, head);
        {
            std::ofstream reset("/proc/self/clear_refs");
            reset << "5";
        }
        const long rss = procKb("/proc/self/status", "VmRSS:");
        const auto t0 = std::chrono::steady_clock::now();
        std::unique_ptr<FittedScorer> scorer = fitScorer(method, &fit, head, ScoreParams(), nullptr);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const long peak = procKb("/proc/self/status", "VmHWM:");
        std::ostringstream o;
        o << "ok " << seconds << " " << rss << " " << peak << "\n";
        line = o.str();
    } catch (const std::exception& e) {
        line = std::string("error ") + e.what() + "\n";
    }
    const ssize_t written = write(out, line.data(), line.size());
    (void)written;
}

void runTable(const std::vector<std::string>& methods, const Shape& s)
{
    const double fitSet = fitSetBytes(s);
    const double matrix = double(s.dim) * s.dim * sizeof(double);
    std::printf("\nfit set: %zu x %d float features + %d logits = %.2f GB; D^2 x 8 bytes = %.1f MB\n", s.rows, s.dim, s.classes,
                fitSet / 1e9, matrix / 1e6);
    std::printf("%-12s %10s %12s %14s %12s %10s\n", "method", "fit", "RSS before", "peak above it", "x D^2 x 8", "x fit set");
    std::fflush(stdout);
    for (const std::string& m : methods) {
        int pipeFd[2];
        if (pipe(pipeFd) != 0)
            throw Error("bench_fitmemory: pipe failed");
        const pid_t child = fork();
        if (child == 0) {
            close(pipeFd[0]);
            measure(m, s, pipeFd[1]);
            _exit(0);
        }
        close(pipeFd[1]);
        std::string reply;
        char buf[512];
        ssize_t n;
        while ((n = read(pipeFd[0], buf, sizeof buf)) > 0)
            reply.append(buf, static_cast<std::size_t>(n));
        close(pipeFd[0]);
        int status = 0;
        waitpid(child, &status, 0);
        std::istringstream in(reply);
        std::string word;
        in >> word;
        if (word == "ok") {
            double seconds = 0;
            long rss = 0, peak = 0;
            in >> seconds >> rss >> peak;
            const double above = double(peak - rss) * 1024;
            std::printf("%-12s %8.1f s %9.2f GB %11.1f MB %12.2f %10.3f\n", m.c_str(), seconds, rss * 1024 / 1e9, above / 1e6,
                        above / matrix, above / fitSet);
        } else if (word == "error") {
            std::printf("%-12s error:%s", m.c_str(), reply.substr(5).c_str());
        } else {
            std::printf("%-12s child ended without a result (%s %d)\n", m.c_str(),
                        WIFSIGNALED(status) ? "signal" : "exit status", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        }
        std::fflush(stdout);
    }
}

} // namespace

int main(int argc, char** argv)
{
    Shape shape;
    std::size_t fullRows = 1280000;
    std::string only;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--rows")
            shape.rows = std::stoul(argv[i + 1]);
        else if (a == "--dim")
            shape.dim = std::stoi(argv[i + 1]);
        else if (a == "--classes")
            shape.classes = std::stoi(argv[i + 1]);
        else if (a == "--full-rows")
            fullRows = std::stoul(argv[i + 1]);
        else if (a == "--methods")
            only = "," + std::string(argv[i + 1]) + ",";
        else {
            std::cerr << "bench_fitmemory: unknown option " << a << "\n";
            return 2;
        }
    }
    try {
        // The parent only reads the registry: torch's thread pools must not exist before a fork.
        std::vector<std::string> fitted, covariance;
        for (const MethodInfo& m : methodRegistry()) {
            if (!m.fit || !m.has(NeedsFitSet) || (!only.empty() && only.find("," + m.id + ",") == std::string::npos))
                continue;
            fitted.push_back(m.id);
            if (m.has(NeedsCovariance))
                covariance.push_back(m.id);
        }
        runTable(fitted, shape);
        if (fullRows > 0 && !covariance.empty()) {
            Shape full = shape;
            full.rows = fullRows;
            const double need = fitSetBytes(full) + 2e9;
            const double available = procKb("/proc/meminfo", "MemAvailable:") * 1024.0;
            if (available < need)
                std::printf("\n%zu x %d: skipped, the fit set and 2 GB need %.1f GB, MemAvailable is %.1f GB\n", full.rows,
                            full.dim, need / 1e9, available / 1e9);
            else
                runTable(covariance, full);
        }
        std::printf("\nknn keeps its bank, the L2-normalised fit features (N x D floats): the method's own state.\n");
    } catch (const std::exception& e) {
        std::cerr << "bench_fitmemory: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
