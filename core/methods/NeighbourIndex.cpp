// SPDX-License-Identifier: GPL-3.0-or-later
// Neighbour search on faiss (see methods/internal/NeighbourIndex.h).
#include "methods/internal/NeighbourIndex.h"
#include "methods/internal/Tensors.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <ATen/Parallel.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>

namespace oodlens::neighbours {

namespace {
// faiss's k-means warns below 39 training points per cell and samples at most 256 per cell.
constexpr std::size_t kTrainPerCell = 256;
constexpr std::size_t kQueryBlock = 512;
} // namespace

std::vector<ParamSpec> indexParams()
{
    ParamSpec nlist{"nlist", 0, "IVF cells of the neighbour index (faiss IndexIVFFlat); 0 = exact search"};
    nlist.min = 0;
    nlist.integer = true;
    ParamSpec nprobe{"nprobe", 8, "IVF cells searched per query (only with nlist > 0)"};
    nprobe.min = 1;
    nprobe.integer = true;
    return {nlist, nprobe};
}

IndexSpec indexSpec(const ParamValues& params)
{
    IndexSpec s;
    s.nlist = static_cast<int>(params.get("nlist"));
    s.nprobe = static_cast<int>(params.get("nprobe"));
    return s;
}

void normaliseRow(const float* x, int dim, float* out)
{
    double ss = 0;
    for (int d = 0; d < dim; ++d)
        ss += static_cast<double>(x[d]) * x[d];
    const double inv = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
    for (int d = 0; d < dim; ++d)
        out[d] = static_cast<float>(x[d] * inv);
}

NeighbourIndex::Fill normalisedRows(const FeatureSet& set)
{
    return [&set](std::size_t first, std::size_t count, float* out) {
        for (std::size_t i = 0; i < count; ++i)
            normaliseRow(set.featureRow(first + i), set.dim, out + i * static_cast<std::size_t>(set.dim));
    };
}

ParamSpec neighbourCountParam(double defaultValue, const char* help, std::vector<double> grid)
{
    ParamSpec k{"k", defaultValue, help};
    k.min = 1;
    k.integer = true;
    k.grid = std::move(grid);
    return k;
}

struct NeighbourIndex::Impl {
    std::unique_ptr<faiss::IndexFlatIP> flat;      // exact search, or IVF's coarse quantizer
    std::unique_ptr<faiss::IndexIVFFlat> ivf;      // null for exact search
    const faiss::Index& index() const { return ivf ? static_cast<const faiss::Index&>(*ivf) : *flat; }
};

NeighbourIndex::NeighbourIndex(std::size_t rows, int dim, IndexSpec spec, const std::string& method,
                               const std::function<void(std::size_t, std::size_t, float*)>& fill, ProgressSink* sink)
    : impl_(new Impl), rows_(rows), dim_(dim), spec_(spec), method_(method)
{
    if (rows == 0 || dim <= 0)
        throw Error(method + ": the neighbour bank is empty");
    if (spec.nlist < 0 || spec.nprobe < 1)
        throw Error(method + ": nlist must be >= 0 and nprobe >= 1");
    if (spec.nlist > 0 && static_cast<std::size_t>(spec.nlist) > rows)
        throw Error(method + ": an IVF index of nlist = " + std::to_string(spec.nlist) + " cells needs at least as many bank rows; the bank has " +
                    std::to_string(rows));
    try {
        impl_->flat.reset(new faiss::IndexFlatIP(dim));
        faiss::Index* target = impl_->flat.get();
        if (spec.nlist > 0) {
            impl_->ivf.reset(new faiss::IndexIVFFlat(impl_->flat.get(), dim, static_cast<std::size_t>(spec.nlist),
                                                     faiss::METRIC_INNER_PRODUCT));
            impl_->ivf->nprobe = static_cast<std::size_t>(std::min(spec.nprobe, spec.nlist));
            // Train on an evenly spaced sample: the bank is never copied whole.
            const std::size_t sample = std::min(rows, kTrainPerCell * static_cast<std::size_t>(spec.nlist));
            std::vector<float> train(sample * static_cast<std::size_t>(dim));
            for (std::size_t j = 0; j < sample; ++j)
                fill(j * rows / sample, 1, train.data() + j * static_cast<std::size_t>(dim));
            throwIfCancelled(sink);
            // faiss would print its own warning below 39 training rows per cell; describe() says it.
            impl_->ivf->cp.min_points_per_centroid = 1;
            impl_->ivf->train(static_cast<faiss::Index::idx_t>(sample), train.data());
            target = impl_->ivf.get();
        }
        // The flat index's storage grows by reallocation as blocks are added: reserved up front, the
        // bank is never held twice (bench_fitmemory measured 1.35 x the bank without this).
        if (!impl_->ivf)
            impl_->flat->codes.reserve(rows * static_cast<std::size_t>(dim) * sizeof(float));
        std::vector<float> block(static_cast<std::size_t>(tensors::kChunk) * static_cast<std::size_t>(dim));
        for (std::size_t first = 0; first < rows; first += static_cast<std::size_t>(tensors::kChunk)) {
            throwIfCancelled(sink);
            const std::size_t count = std::min(rows - first, static_cast<std::size_t>(tensors::kChunk));
            fill(first, count, block.data());
            target->add(static_cast<faiss::Index::idx_t>(count), block.data());
        }
        if (impl_->ivf)
            impl_->ivf->make_direct_map(true);
    } catch (const faiss::FaissException& e) {
        throw Error(method + ": faiss could not build the neighbour index: " + e.what());
    }
}

NeighbourIndex::~NeighbourIndex()
{
    // The IVF index points at the flat quantizer: destroy it first.
    impl_->ivf.reset();
}

std::string NeighbourIndex::describe() const
{
    if (!impl_->ivf)
        return "exact inner-product search (faiss IndexFlatIP)";
    std::string text = "IVF search (faiss IndexIVFFlat, nlist " + std::to_string(spec_.nlist) + ", nprobe " +
                       std::to_string(impl_->ivf->nprobe) + "; approximate)";
    if (rows_ < 39 * static_cast<std::size_t>(spec_.nlist))
        text += "; only " + std::to_string(rows_) + " bank rows for " + std::to_string(spec_.nlist) +
                " cells, fewer than faiss's 39 a cell: lower nlist";
    return text;
}

void NeighbourIndex::vector(std::int64_t id, float* out) const
{
    if (impl_->ivf)
        impl_->ivf->reconstruct(id, out);
    else
        std::memcpy(out, impl_->flat->get_xb() + static_cast<std::size_t>(id) * static_cast<std::size_t>(dim_),
                    sizeof(float) * static_cast<std::size_t>(dim_));
}

void NeighbourIndex::search(std::size_t n, const Fill& fill, int k,
                            const std::function<void(std::size_t, const float*, const std::int64_t*, int)>& perRow,
                            ProgressSink* sink) const
{
    if (k < 1 || static_cast<std::size_t>(k) > rows_)
        throw Error(method_ + ": k = " + std::to_string(k) + " must lie in [1, " + std::to_string(rows_) + "], the bank's size");
    const faiss::Index& index = impl_->index();
    const int64_t blocks = static_cast<int64_t>((n + kQueryBlock - 1) / kQueryBlock);
    const std::size_t d = static_cast<std::size_t>(dim_), kk = static_cast<std::size_t>(k);
    // BLAS is pinned to one thread, so the parallelism comes from splitting query blocks over
    // ATen's intra-op pool (faiss's own OpenMP loops run nested, on one thread, inside each);
    // parallel_for re-throws an exception of any block here.
    at::parallel_for(0, blocks, 1, [&](int64_t firstBlock, int64_t lastBlock) {
        std::vector<float> q, sims;
        std::vector<faiss::Index::idx_t> ids;
        for (int64_t b = firstBlock; b < lastBlock; ++b) {
            throwIfCancelled(sink);
            const std::size_t start = static_cast<std::size_t>(b) * kQueryBlock;
            const std::size_t count = std::min(n - start, kQueryBlock);
            q.resize(count * d);
            sims.resize(count * kk);
            ids.resize(count * kk);
            fill(start, count, q.data());
            try {
                index.search(static_cast<faiss::Index::idx_t>(count), q.data(), k, sims.data(), ids.data());
            } catch (const faiss::FaissException& e) {
                throw Error(method_ + ": faiss search failed: " + e.what());
            }
            for (std::size_t i = 0; i < count; ++i) {
                const faiss::Index::idx_t* row = ids.data() + i * kk;
                // IVF pads with -1 when the probed cells hold fewer than k vectors.
                const int found = static_cast<int>(std::find(row, row + k, faiss::Index::idx_t(-1)) - row);
                perRow(start + i, q.data() + i * d, row, found);
            }
        }
    });
}

} // namespace oodlens::neighbours
