// SPDX-License-Identifier: GPL-3.0-or-later
// Engine benchmark (issue: "verified and fast"). Usage:
//   bench_engine [--data DIR] [--repeat N]
// DIR holds the full MNIST test set and Fashion-MNIST as written by tools/fetch-datasets.sh
// (default: ./data). Prints one table of times and ratios, all measured in this run.
#include "run/Pipeline.h"
#include "BenchData.h"
#include "datasets/Dataset.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "features/Extraction.h"
#include "datasets/Idx.h"
#include "metrics/Metrics.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include <torch/script.h>

#include <algorithm>
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

// Best of `repeat` wall-clock runs, in seconds (the minimum is the least noisy estimate).
double timeBest(int repeat, const std::function<void()>& fn)
{
    double best = 1e300;
    for (int i = 0; i < repeat; ++i) {
        const auto t0 = Clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return best;
}

// First n images of an IDX file as an IDX file of its own (raw), so that sets have exact sizes.
std::string subset(const std::string& src, std::size_t n, const fs::path& dir, const std::string& name)
{
    IdxArray a = readIdx(src);
    n = std::min<std::size_t>(n, a.count());
    const std::size_t per = a.data.size() / a.count();
    a.data.resize(n * per);
    const std::string out = (dir / (name + "-images-idx3-ubyte")).string();
    writeIdx(out, {static_cast<std::uint32_t>(n), a.dims[1], a.dims[2]}, a.data);
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    std::string data = "data";
    int repeat = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--data")
            data = argv[i + 1];
        else if (a == "--repeat")
            repeat = std::max(1, std::atoi(argv[i + 1]));
    }
    try {
        std::cout << initRuntime(0) << "\n" << libraryVersions() << "\n";
        const std::string mnist = data + "/mnist/t10k-images-idx3-ubyte.gz";
        const std::string fashion = data + "/fashion-mnist/images-idx3-ubyte.gz";
        if (!fs::exists(mnist) || !fs::exists(fashion)) {
            std::cerr << "bench_engine: needs the full data sets in '" << data
                      << "'; run tools/fetch-datasets.sh first (or pass --data DIR)\n";
            return 2;
        }
        const fs::path work = fs::temp_directory_path() / "oodlens-bench";
        fs::create_directories(work);
        const std::string fashionSet = bench::writeFashionMix(fashion, work);
        const std::string mnistSet = subset(mnist, 10000, work, "mnist-10000");

        RunConfig config = demoConfig();
        config.datasets = {{"id", mnistSet, DatasetRole::Id}, {"fashion", fashionSet, DatasetRole::Ood}};
        config.cacheDir.clear(); // measure the model, not the cache
        config.batchSize = 256;
        std::vector<std::string> closedForm;
        for (const MethodInfo& m : methodRegistry())
            if (m.isClosedForm())
                closedForm.push_back(m.id);
        config.methods = closedForm;
        const std::size_t images = 20000;

        // (a) bare batched forward pass on preprocessed tensors: LibTorch directly, no engine code.
        std::vector<at::Tensor> batches;
        {
            const PreprocessSpec spec = resolvePreprocess(config.preprocess, Classifier::load(config.modelPath)->info()).spec;
            for (const std::string& path : {mnistSet, fashionSet}) {
                auto ds = openDataset(path);
                for (std::size_t b = 0; b < ds->size(); b += config.batchSize) {
                    const std::size_t n = std::min<std::size_t>(config.batchSize, ds->size() - b);
                    at::Tensor t = torch::empty({static_cast<long>(n), 1, 28, 28});
                    for (std::size_t i = 0; i < n; ++i)
                        preprocessImage(ds->image(b + i), spec, t.data_ptr<float>() + i * 784);
                    batches.push_back(t);
                }
            }
        }
        torch::jit::Module module = torch::jit::load(config.modelPath);
        module.eval();
        const double tForward = timeBest(repeat, [&] {
            torch::InferenceMode guard;
            for (const at::Tensor& b : batches)
                module.forward({b});
        });

        // (b) full extraction: open + decode + preprocess + forward + features, then every closed-form score.
        const double tFull = timeBest(repeat, [&] { runOnce(config); });
        const double tLoad = timeBest(repeat, [&] { Classifier::load(config.modelPath); });

        // (c) closed-form GradNorm vs per-sample autograd, same features.
        const RunResultPtr analysis = runOnce(config);
        const FeatureSet& feats = *analysis->features[1];
        const Head& head = analysis->head;
        ScoreParams params;
        const std::string gradient = primaryGradientMethod()->id;
        std::string autograd;
        for (const MethodInfo& m : methodRegistry())
            if (m.closedForm == gradient)
                autograd = m.id;
        const double tClosed = timeBest(repeat, [&] { computeScores(gradient, feats, head, params); });
        const double tAutograd = timeBest(1, [&] { computeScores(autograd, feats, head, params); });

        // (d) re-scoring every closed-form method from cached features, per 100,000 images.
        const double tRescore = timeBest(repeat, [&] {
            computeScoreSet(closedForm, *analysis->features[0], head, params);
            computeScoreSet(closedForm, feats, head, params);
        });

        // (e) every metric for 1,000,000 random scores with ties.
        std::mt19937 rng(1);
        std::normal_distribution<double> normal;
        std::vector<double> id(500000), ood(500000);
        for (double& v : id)
            v = std::round((normal(rng) + 1.0) * 100) / 100;
        for (double& v : ood)
            v = std::round(normal(rng) * 100) / 100;
        const double tMetrics = timeBest(repeat, [&] { computeMetrics(id, ood); });
        const double tCurves = timeBest(repeat, [&] {
            rocCurve(id, ood);
            prCurve(id, ood, true);
            prCurve(id, ood, false);
        });

        std::printf("\n%-62s %12s %12s\n", "measurement", "time", "target");
        std::printf("%-62s %10.1f ms\n", "(a) bare forward, 20,000 preprocessed images (LibTorch)", 1e3 * tForward);
        std::printf("%-62s %10.1f ms\n", "(b) extraction incl. decode + all closed-form scores", 1e3 * tFull);
        std::printf("%-62s %10.1f ms\n", "    of which model load + probe (once per run)", 1e3 * tLoad);
        std::printf("%-62s %11.3fx %12s\n", "(b)/(a)", tFull / tForward, "<= 1.15");
        std::printf("%-62s %11.3fx %12s\n", "(b - load)/(a)", (tFull - tLoad) / tForward, "");
        std::printf("%-62s %10.2f ms\n", "(c) GradNorm closed form, 10,000 images", 1e3 * tClosed);
        std::printf("%-62s %10.1f ms\n", "    GradNorm per-sample autograd, 10,000 images", 1e3 * tAutograd);
        std::printf("%-62s %11.0fx %12s\n", "    autograd / closed form", tAutograd / tClosed, ">= 50x");
        std::printf("%-62s %10.2f ms %12s\n", "(d) re-score all closed-form methods, per 100,000 images",
                    1e3 * tRescore * 100000.0 / images, "< 50 ms");
        std::printf("%-62s %10.1f ms %12s\n", "(e) all metrics, 1,000,000 scores with ties", 1e3 * tMetrics, "< 300 ms");
        std::printf("%-62s %10.1f ms\n", "    ROC + both PR curves, 1,000,000 scores", 1e3 * tCurves);
        std::printf("(%zu closed-form methods; best of %d runs; %s)\n", closedForm.size(), repeat,
                    libraryVersions().c_str());
    } catch (const std::exception& e) {
        std::cerr << "bench_engine: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
