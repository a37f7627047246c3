// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Neighbour search for the methods that compare a query with a bank of fit features (KNN, NNGuide),
// on faiss (Debian's libfaiss-dev): an exact flat inner-product index by default, or an inverted-file
// (IVF) index for banks too large for exact search. faiss's headers stay in NeighbourIndex.cpp.
//
// faiss ranks in float. What a method computes from the neighbours (a distance, a mean similarity)
// is recomputed here in double from the stored vectors, so that the exact index gives the
// brute-force scores to rounding, not to float ranking error.
#include "methods/Method.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace oodlens {

class ProgressSink;

namespace neighbours {

// Which index: nlist = 0 is exact search (faiss IndexFlatIP); nlist > 0 an IndexIVFFlat with that
// many coarse cells, of which nprobe are searched per query.
struct IndexSpec {
    int nlist = 0;
    int nprobe = 8;
};

// The parameters every neighbour method has ("nlist", "nprobe"), appended to its own. Declared
// here once; KNN and NNGuide read them with indexSpec().
std::vector<ParamSpec> indexParams();
IndexSpec indexSpec(const ParamValues& params);

class NeighbourIndex {
public:
    // Builds the index over `rows` vectors of `dim` floats, produced block by block by `fill`:
    // fill(first, count, out) writes rows first .. first + count - 1 into out (count x dim). The
    // index holds the only copy of the bank (IVF training reads an evenly spaced sample of at
    // most 256 x nlist rows). `method` names the caller in errors ("knn: ...").
    NeighbourIndex(std::size_t rows, int dim, IndexSpec spec, const std::string& method,
                   const std::function<void(std::size_t first, std::size_t count, float* out)>& fill,
                   ProgressSink* sink);
    ~NeighbourIndex();
    NeighbourIndex(const NeighbourIndex&) = delete;
    NeighbourIndex& operator=(const NeighbourIndex&) = delete;

    std::size_t rows() const { return rows_; }
    int dim() const { return dim_; }
    // "exact inner-product search (faiss IndexFlatIP)" or "IVF (faiss IndexIVFFlat, nlist 1024, nprobe 8)".
    std::string describe() const;

    // The k largest inner products of each of `n` query rows with the bank. The queries are made
    // block by block by fill(first, count, out), like the bank's rows, so that a query set is never
    // copied whole; perRow(row, query, ids, found) gets each query row as searched (dim floats) and
    // the bank rows of its neighbours, best first (found < k when IVF's probed cells hold fewer).
    // Query blocks run on ATen's intra-op pool: perRow may be called from several threads at once,
    // each with its own rows. Checks `sink` for cancellation between blocks; an exception in any
    // block reaches the caller.
    using Fill = std::function<void(std::size_t first, std::size_t count, float* out)>;
    void search(std::size_t n, const Fill& fill, int k,
                const std::function<void(std::size_t row, const float* query, const std::int64_t* ids, int found)>& perRow,
                ProgressSink* sink) const;
    // Bank row `id` as stored (float), into out (dim floats).
    void vector(std::int64_t id, float* out) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::size_t rows_ = 0;
    int dim_ = 0;
    IndexSpec spec_;
    std::string method_;
};

// x / ||x||_2 in double, written as float (a zero row stays zero).
void normaliseRow(const float* x, int dim, float* out);
// The rows of `set`, L2-normalised: how a query set enters search().
NeighbourIndex::Fill normalisedRows(const FeatureSet& set);
// A method's neighbour count k: an integer >= 1 with its default and sweep grid.
ParamSpec neighbourCountParam(double defaultValue, const char* help, std::vector<double> grid);

} // namespace neighbours
} // namespace oodlens
