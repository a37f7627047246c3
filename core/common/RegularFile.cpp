// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/internal/RegularFile.h"

#include "common/Error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <cstring>

namespace oodlens {
namespace {

std::string prefix(const std::string& path, const std::string& what)
{
    return (what.empty() ? std::string("cannot read") : what) + " '" + path + "': ";
}

const char* kindOf(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "a special file";
}

[[noreturn]] void notRegular(const std::string& path, const std::string& what, mode_t mode)
{
    throw Error(prefix(path, what) + "not a regular file (it is " + kindOf(mode) + ")");
}

} // namespace

int openRegularFile(const std::string& path, const std::string& what, std::uint64_t* size)
{
    // stat first: a device such as a tape could act on open(); O_NONBLOCK covers the race with a
    // FIFO put in its place.
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw Error(prefix(path, what) + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        notRegular(path, what, st.st_mode);
    int fd = -1;
    do
        fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        throw Error(prefix(path, what) + std::strerror(errno));
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const int err = errno;
        const mode_t mode = st.st_mode;
        ::close(fd);
        if (!S_ISREG(mode))
            notRegular(path, what, mode);
        throw Error(prefix(path, what) + std::strerror(err));
    }
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    if (size)
        *size = static_cast<std::uint64_t>(st.st_size);
    return fd;
}

void requireRegularFile(const std::string& path, const std::string& what)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw Error(prefix(path, what) + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        notRegular(path, what, st.st_mode);
}

std::string readRegularFile(const std::string& path, std::uint64_t maxBytes, const std::string& what)
{
    std::uint64_t size = 0;
    const int fd = openRegularFile(path, what, &size);
    if (size > maxBytes) {
        ::close(fd);
        throw Error(prefix(path, what) + "the file is " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(maxBytes) + " allowed");
    }
    std::string out(static_cast<std::size_t>(size), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t got = ::read(fd, out.data() + done, out.size() - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            const int err = errno;
            ::close(fd);
            throw Error(prefix(path, what) + std::strerror(err));
        }
        if (got == 0)
            break; // the file shrank since fstat
        done += static_cast<std::size_t>(got);
    }
    ::close(fd);
    out.resize(done);
    return out;
}

std::string thisHost()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || !name[0])
        return "localhost";
    std::string host(name);
    for (char& c : host) // the name is part of a file name
        if (c == '/' || c == '@')
            c = '_';
    return host;
}

std::string temporaryNameFor(const std::string& target)
{
    static std::atomic<unsigned long long> counter{0};
    return target + ".tmp-" + std::to_string(::getpid()) + "@" + thisHost() + "-" + std::to_string(counter++);
}

void replaceWithTemporary(const std::string& tmp, const std::string& target, const std::string& what)
{
    std::error_code ec;
    std::filesystem::rename(tmp, target, ec);
    if (ec) {
        const std::string why = ec.message(); // before the clean-up overwrites it
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw Error("cannot write " + (what.empty() ? "'" + target + "'" : what) + ": " + why);
    }
}

} // namespace oodlens
