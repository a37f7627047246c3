// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// NumPy's .npy arrays, read from a .npz archive (np.savez, np.savez_compressed) or from a folder of
// NAME.npy files (np.save), and written as a .npz: the exchange format of the "features" dataset
// kind and of `oodlens-cli export-features`. Files come from users and are treated as hostile: no
// claimed size is allocated before the file's real bytes and the caller's cap can back it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace oodlens {

// One array as read, in C order. The value vector that `kind` names is filled, the others are empty.
struct NpyArray {
    std::vector<std::size_t> shape;   // () for a 0-d array
    char kind = 0;                    // 'f' float, 'i' signed int, 'u' unsigned int, 'b' bool,
                                      // 'U' unicode string, 'S' byte string
    int itemBytes = 0;                // in the file: 2/4/8 for f, 1..8 for i/u, 1 for b, 4 x width for U
    std::vector<float> floats;        // f: f2, f4, f8 (an f8 value beyond float range is an error)
    std::vector<std::int64_t> ints;   // i, u (a u8 value above INT64_MAX is an error), b (0 or 1)
    std::vector<std::string> strings; // U as UTF-8, S as its bytes; trailing NULs trimmed

    // The product of `shape` (1 for a 0-d array).
    std::size_t count() const;
};

// Reads the arrays named in `wanted` from the .npz file `path`, or from `path`/NAME.npy when `path`
// is a folder. Other members are not read; a wanted array that is not there is absent from the map.
// `maxBytes` caps what the arrays may take together, each in the file and decoded (strings count their
// std::string too). Throws Error "cannot read '<file>': array '<name>': <problem>" (without the
// array where the container itself is bad) for a file that cannot be opened, is not a regular file
// or not a ZIP archive, or an array that is truncated, larger than allowed, of an unsupported dtype,
// big-endian, in Fortran order or pickled. Supported dtypes: <f2 <f4 <f8, <i1..<i8, <u1..<u8, |b1,
// <U<n> and |S<n>. std::invalid_argument for a wanted name that is empty or holds a '/'.
std::map<std::string, NpyArray> readNpyArrays(const std::string& path, const std::vector<std::string>& wanted,
                                              std::uint64_t maxBytes);

// One array to write, in C order. The pointer that is set gives its dtype and all of its values; it
// is read straight from the caller's memory while the archive is written, never copied. An array
// with no elements may leave every pointer null (an empty vector's data()) and say its dtype in `kind`.
struct NpyOut {
    std::string name;                                  // the member NAME.npy; not empty, no '/'
    std::vector<std::size_t> shape;                    // () for a single value
    const float* f32 = nullptr;                        // written as <f4
    const std::int64_t* i64 = nullptr;                 // written as <i8
    const std::vector<std::string>* strings = nullptr; // UTF-8, written as <U<n> (np.str_); when one
                                                       // is not valid UTF-8, all are written as |S<n>
    char kind = 0;                                     // 'f', 'i' or 'U'; 0: the pointer set says
};

// Writes `arrays` as the .npz archive `path` (ZIP, members stored uncompressed, ZIP64 where a member
// needs it) through a temporary file beside it that is then renamed into place, so an existing file
// is replaced whole or not at all; np.load reads it. Throws Error "cannot write '<path>': ..." when
// it cannot be written, std::invalid_argument when `arrays` is empty or an entry is inconsistent
// (not exactly one data pointer, a shape that does not match the strings, a bad or repeated name).
void writeNpz(const std::string& path, const std::vector<NpyOut>& arrays);

} // namespace oodlens
