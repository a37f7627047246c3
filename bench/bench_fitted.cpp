// SPDX-License-Identifier: GPL-3.0-or-later
// Fitted-baseline benchmark. Usage:
//   bench_fitted [--data DIR] [--knn-banks N1,N2] [--knn-dim D] [--knn-queries Q] [--knn-only]
// Fit and score times of every baseline with the full MNIST training set (60,000) as the fit set
// and MNIST test + 10,000 Fashion-MNIST as queries (skipped with --knn-only), then KNN's
// neighbour search on synthetic banks of N x D features (default 50,000 and 200,000 x 2,048) with
// Q (10,000) queries: the hand-written search KNN had before faiss (blocked LibTorch products +
// topk, kept here as the baseline), faiss's exact flat index and faiss's IVF index, with IVF's
// recall of the exact k nearest measured on the first 1,000 queries. All figures from one run.
#include "run/Pipeline.h"
#include "BenchData.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "methods/Scores.h"
#include "methods/internal/NeighbourIndex.h"
#include "datasets/Idx.h"
#include "common/Runtime.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

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

// Features like a penultimate layer's: post-ReLU, clustered around one of 100 class centres (on
// unclustered noise every index, IVF above all, would be at its worst, and no real feature set
// looks like that).
FeatureSet clusteredSet(std::size_t rows, int dim, unsigned seed)
{
    std::mt19937 centreRng(12345); // the same centres for bank and queries
    std::normal_distribution<float> normal;
    const int classes = 100;
    std::vector<float> centres(static_cast<std::size_t>(classes) * dim);
    for (float& v : centres)
        v = normal(centreRng);
    std::mt19937 rng(seed);
    FeatureSet s;
    s.rows = rows;
    s.dim = dim;
    s.classes = 1;
    s.features.resize(rows * static_cast<std::size_t>(dim));
    for (std::size_t r = 0; r < rows; ++r) {
        const float* c = centres.data() + (r * 7919 % classes) * static_cast<std::size_t>(dim);
        for (int d = 0; d < dim; ++d)
            s.features[r * dim + d] = std::max(0.f, c[d] + normal(rng));
    }
    s.logits.assign(rows, 0.f);
    s.labels.assign(rows, 0);
    s.index.assign(rows, 0);
    s.paths.assign(rows, std::string());
    return s;
}

// KNN's search before faiss: the normalised bank as one LibTorch tensor, blocked products of the
// normalised queries with it and topk, query blocks over ATen's pool.
struct HandWrittenKnn {
    at::Tensor bank;
    int k;
    static at::Tensor normalised(const FeatureSet& s)
    {
        at::Tensor x = at::from_blob(const_cast<float*>(s.features.data()), {static_cast<int64_t>(s.rows), s.dim}, at::kFloat);
        return x / x.norm(2, 1, true).clamp_min(1e-12);
    }
    HandWrittenKnn(const FeatureSet& fit, int k_) : bank(normalised(fit)), k(k_) {}
    std::vector<double> score(const FeatureSet& set) const
    {
        at::Tensor q = normalised(set);
        std::vector<double> out(set.rows);
        const int64_t block = 512, blocks = (q.size(0) + block - 1) / block;
        at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
            for (int64_t b = first; b < last; ++b) {
                const int64_t start = b * block, end = std::min<int64_t>(q.size(0), start + block);
                at::Tensor kth = std::get<0>(q.slice(0, start, end).mm(bank.t()).topk(k, 1)).select(1, k - 1);
                at::Tensor dist = (2.0 - 2.0 * kth.to(at::kDouble)).clamp_min(0).sqrt().contiguous();
                for (int64_t i = 0; i < end - start; ++i)
                    out[static_cast<std::size_t>(start + i)] = -dist.data_ptr<double>()[i];
            }
        });
        return out;
    }
};

// The ids of the k nearest bank rows of the first n queries, from an index.
std::vector<std::set<std::int64_t>> neighbourIds(const neighbours::NeighbourIndex& index, const FeatureSet& q,
                                                 std::size_t n, int k)
{
    std::vector<std::set<std::int64_t>> ids(n);
    index.search(
        n, neighbours::normalisedRows(q), k, [&](std::size_t row, const float*, const std::int64_t* found, int m) { ids[row].insert(found, found + m); },
        nullptr);
    return ids;
}

std::unique_ptr<neighbours::NeighbourIndex> buildIndex(const FeatureSet& bank, neighbours::IndexSpec spec)
{
    return std::make_unique<neighbours::NeighbourIndex>(
        bank.rows, bank.dim, spec, "bench", neighbours::normalisedRows(bank), nullptr);
}

void knnTable(const std::vector<std::size_t>& banks, int dim, std::size_t queries)
{
    const int k = 50;
    std::printf("\nKNN neighbour search, D = %d, %zu queries, k = %d (synthetic clustered post-ReLU features)\n", dim,
                queries, k);
    std::printf("%-9s %-34s %9s %10s %12s %10s %14s\n", "bank", "search", "fit s", "query s", "queries/s", "recall@50",
                "max |diff|");
    const FeatureSet q = clusteredSet(queries, dim, 2);
    const Head head{1, dim, std::vector<float>(static_cast<std::size_t>(dim), 0.f), {0.f}};
    for (std::size_t rows : banks) {
        const FeatureSet bank = clusteredSet(rows, dim, 1);
        std::vector<double> reference;
        {
            std::unique_ptr<HandWrittenKnn> hand;
            const double tFit = seconds([&] { hand = std::make_unique<HandWrittenKnn>(bank, k); });
            const double tQuery = seconds([&] { reference = hand->score(q); });
            std::printf("%-9zu %-34s %9.2f %10.2f %12.0f %10s %14s\n", rows, "hand-written (LibTorch mm + topk)", tFit,
                        tQuery, queries / tQuery, "-", "-");
        }
        const int nlist = static_cast<int>(std::lround(4 * std::sqrt(static_cast<double>(rows))));
        const std::size_t recallQueries = std::min<std::size_t>(1000, queries);
        std::vector<std::set<std::int64_t>> exactIds;
        for (int variant = 0; variant < 3; ++variant) {
            ScoreParams p;
            p.set("knn.k", k);
            std::string name = "faiss exact (IndexFlatIP)";
            if (variant > 0) {
                p.set("knn.nlist", nlist);
                p.set("knn.nprobe", variant == 1 ? 8 : 32);
                std::ostringstream n;
                n << "faiss IVF nlist " << nlist << " nprobe " << (variant == 1 ? 8 : 32);
                name = n.str();
            }
            std::unique_ptr<FittedScorer> knn;
            std::vector<double> scores;
            const double tFit = seconds([&] { knn = fitScorer("knn", &bank, head, p); });
            const double tQuery = seconds([&] { scores = knn->score(q, nullptr); });
            double diff = 0;
            for (std::size_t i = 0; i < queries; ++i)
                diff = std::max(diff, std::fabs(scores[i] - reference[i]));
            // Recall: how many of the exact k nearest the index finds, on the first 1,000 queries.
            neighbours::IndexSpec spec;
            spec.nlist = variant == 0 ? 0 : nlist;
            spec.nprobe = variant == 1 ? 8 : 32;
            knn.reset();
            const auto index = buildIndex(bank, spec);
            const std::vector<std::set<std::int64_t>> ids = neighbourIds(*index, q, recallQueries, k);
            if (variant == 0)
                exactIds = ids;
            std::size_t hit = 0;
            for (std::size_t i = 0; i < recallQueries; ++i)
                for (std::int64_t id : ids[i])
                    hit += exactIds[i].count(id);
            std::printf("%-9zu %-34s %9.2f %10.2f %12.0f %10.3f %14.2e\n", rows, name.c_str(), tFit, tQuery,
                        queries / tQuery, double(hit) / (double(recallQueries) * k), diff);
        }
    }
    std::printf("(max |diff|: largest difference of the KNN scores from the hand-written search's; recall@50: the "
                "share of faiss exact's 50 nearest that the index finds, on the first 1,000 queries)\n");
}

} // namespace

int main(int argc, char** argv)
{
    std::string data = "data";
    std::vector<std::size_t> banks = {50000, 200000};
    std::size_t queries = 10000;
    int dim = 2048;
    bool knnOnly = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "--knn-only")
            knnOnly = true;
        else if (a == "--data" && hasValue)
            data = argv[++i];
        else if (a == "--knn-banks" && hasValue) {
            banks.clear();
            std::stringstream list(argv[++i]);
            for (std::string item; std::getline(list, item, ',');)
                banks.push_back(std::stoul(item));
        } else if (a == "--knn-dim" && hasValue)
            dim = std::stoi(argv[++i]);
        else if (a == "--knn-queries" && hasValue)
            queries = std::stoul(argv[++i]);
        else {
            std::cerr << "bench_fitted: unknown argument " << a << "\n";
            return 2;
        }
    }
    try {
        std::cout << initRuntime(0) << "\n";
        if (knnOnly) {
            knnTable(banks, dim, queries);
            return 0;
        }
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

        knnTable(banks, dim, queries);
    } catch (const std::exception& e) {
        std::cerr << "bench_fitted: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
