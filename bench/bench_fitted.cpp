// SPDX-License-Identifier: GPL-3.0-or-later
// Fitted-baseline benchmark (issue: "Fitted and perturbation baselines"). Usage:
//   bench_fitted [--data DIR] [--knn-bank N] [--knn-dim D] [--knn-queries Q]
// Fit and score times of every baseline with the full MNIST training set (60,000) as the fit set
// and MNIST test + 10,000 Fashion-MNIST as queries, then KNN exact search on a synthetic
// N x D bank (default 50,000 x 2,048) with Q (10,000) queries. All figures from one run.
#include "run/Pipeline.h"
#include "BenchData.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "methods/Scores.h"
#include "datasets/Idx.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>

namespace fs = std::filesystem;
using namespace oodlens;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(const std::function<void()>& fn)
{
    const auto t0 = Clock::now();
    fn();
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

FeatureSet randomSet(std::size_t rows, int dim, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    FeatureSet s;
    s.rows = rows;
    s.dim = dim;
    s.classes = 1;
    s.features.resize(rows * static_cast<std::size_t>(dim));
    for (float& v : s.features)
        v = std::max(0.f, normal(rng)); // post-ReLU-like
    s.logits.assign(rows, 0.f);
    s.labels.assign(rows, 0);
    return s;
}

} // namespace

int main(int argc, char** argv)
{
    std::string data = "data";
    std::size_t bankRows = 50000, queries = 10000;
    int dim = 2048;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--data")
            data = argv[i + 1];
        else if (a == "--knn-bank")
            bankRows = std::stoul(argv[i + 1]);
        else if (a == "--knn-dim")
            dim = std::stoi(argv[i + 1]);
        else if (a == "--knn-queries")
            queries = std::stoul(argv[i + 1]);
    }
    try {
        std::cout << initRuntime(0) << "\n";
        const fs::path work = fs::temp_directory_path() / "oodlens-bench-fitted";
        fs::create_directories(work);
        const std::string train = data + "/mnist/train-images-idx3-ubyte.gz";
        const std::string test = data + "/mnist/t10k-images-idx3-ubyte.gz";
        const std::string fashion = data + "/fashion-mnist/images-idx3-ubyte.gz";
        if (!fs::exists(train) || !fs::exists(test) || !fs::exists(fashion)) {
            std::cerr << "bench_fitted: run tools/fetch-datasets.sh first (or pass --data DIR)\n";
            return 2;
        }
        const std::string fashionSet = bench::writeFashionMix(fashion, work);

        RunConfig config = demoConfig();
        config.datasets = {{"id", test, DatasetRole::Id}, {"fashion", fashionSet, DatasetRole::Ood}, {"fit", train, DatasetRole::Fit}};
        std::vector<std::string> fitted, images;
        for (const MethodInfo& m : methodRegistry()) {
            if (m.fit)
                fitted.push_back(m.id);
            if (m.images)
                images.push_back(m.id);
        }
        config.methods = fitted;
        // A fresh cache per run: features are then cached for the fits, but ODIN really runs.
        fs::remove_all(work / "cache");
        config.cacheDir = (work / "cache").string();
        Pipeline pipeline;
        RunResultPtr run;
        const double tExtract = seconds([&] { run = pipeline.run(config); });
        const FeatureSet &id = *run->features[0], &ood = *run->features[1], &fit = *run->features[2];
        std::printf("\nfit set: %zu MNIST training images; queries: %zu + %zu (extraction, fits and scores %.1f s)\n",
                    fit.rows, id.rows, ood.rows, tExtract);
        std::printf("%-12s %12s %14s %16s\n", "method", "fit", "score 20,000", "per 100k images");
        for (const std::string& m : fitted) {
            std::unique_ptr<FittedScorer> scorer;
            const double tFit = seconds([&] { scorer = fitScorer(m, &fit, run->head, config.params); });
            const double tScore = seconds([&] {
                scorer->score(id, nullptr);
                scorer->score(ood, nullptr);
            });
            std::printf("%-12s %9.1f ms %11.1f ms %13.1f ms\n", m.c_str(), 1e3 * tFit, 1e3 * tScore, 1e3 * tScore * 5);
        }
        // Methods that run the model again: the same pipeline keeps the features, so this is their pass alone.
        for (const std::string& m : images) {
            config.methods = {m};
            const double t = seconds([&] { pipeline.run(config); });
            std::printf("%-12s %12s %11.1f ms %13.1f ms  (input backward + second forward, no fit)\n", m.c_str(), "-",
                        1e3 * t, 1e3 * t * 5);
        }

        // KNN at the scale of a ResNet-50 penultimate layer.
        const FeatureSet bank = randomSet(bankRows, dim, 1), q = randomSet(queries, dim, 2);
        Head head;
        head.classes = 1;
        head.dim = dim;
        head.weight.assign(dim, 0.f);
        head.bias.assign(1, 0.f);
        ScoreParams p;
        std::unique_ptr<FittedScorer> knn;
        // The fitted method that searches neighbours: the one whose parameter is the neighbour rank k.
        std::string neighbours;
        for (const std::string& m : fitted)
            if (requireMethod(m).param("k") && requireMethod(m).params.size() == 1 && requireMethod(m).param("k")->min >= 1)
                neighbours = m;
        const double tFit = seconds([&] { knn = fitScorer(neighbours, &bank, head, p); });
        const double tScore = seconds([&] { knn->score(q, nullptr); });
        std::printf("\nknn exact search, bank %zu x %d, %zu queries, k = 50: fit %.2f s, score %.2f s "
                    "(%.0f queries/s, %.1f GFLOP/s)\n",
                    bankRows, dim, queries, tFit, tScore, queries / tScore,
                    2.0 * bankRows * dim * queries / tScore / 1e9);
    } catch (const std::exception& e) {
        std::cerr << "bench_fitted: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
