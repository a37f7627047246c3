// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Internal to the core: opening input files that must be regular files. A FIFO, a socket or a
// device (/dev/zero, /dev/stdin) given as an image, a model, a CSV list, an IDX or CIFAR file would
// block in open() or read forever; these functions refuse them before anything is read.
#include <cstdint>
#include <string>

namespace oodlens {

// Opens `path` read-only (O_NONBLOCK, so that opening a FIFO without a writer does not block;
// cleared again once the file is known to be regular) and returns the descriptor. Throws Error
// "<what> '<path>': <problem>" ("cannot read" when `what` is empty) when it cannot be opened or is
// not a regular file (naming what it is: a FIFO, a device, a folder, a socket). Symbolic links
// are followed. `size`, when given, receives the file size.
int openRegularFile(const std::string& path, const std::string& what = {}, std::uint64_t* size = nullptr);

// The same check without keeping the file open, for files that a library opens itself
// (TorchScript, zlib). Throws like openRegularFile.
void requireRegularFile(const std::string& path, const std::string& what = {});

// Reads a whole regular file of at most `maxBytes` bytes into a string; throws Error naming the
// file when it is not a regular file, is larger, or cannot be read.
std::string readRegularFile(const std::string& path, std::uint64_t maxBytes, const std::string& what = {});

// Files the core writes go to a temporary name beside their target and then replace it at once,
// so a crash or a full disk never leaves a half-written file under the real name. The temporary
// name: "<target>.tmp-<pid>@<host>-<n>" (n counts up in the process; FeatureCache's clean-up of
// writers that died recognises the form, and judges a pid only on its own host: a cache folder may
// be shared by the nodes of a cluster).
std::string temporaryNameFor(const std::string& target);
// This machine's host name ("localhost" when it has none), as temporaryNameFor() writes it.
std::string thisHost();
// Renames `tmp` onto `target`. When that fails, removes `tmp` and throws Error "cannot write
// <what>: <rename's own message>"; `what` defaults to "'<target>'".
void replaceWithTemporary(const std::string& tmp, const std::string& target, const std::string& what = {});

} // namespace oodlens
