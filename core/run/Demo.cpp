// SPDX-License-Identifier: GPL-3.0-or-later
#include "run/Demo.h"

#include "common/Error.h"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

#ifndef OODLENS_SOURCE_RESOURCES
#define OODLENS_SOURCE_RESOURCES ""
#endif

namespace oodlens {
namespace {

const char* const kModel = "mnist_cnn.pt";

fs::path executableDir()
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

} // namespace

std::string demoDirectory()
{
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("OODLENS_DEMO_DIR"); env && *env)
        candidates.emplace_back(env);
    const fs::path exeDir = executableDir();
    if (!exeDir.empty())
        candidates.push_back(exeDir / ".." / "share" / "oodlens" / "demo");
    if (*OODLENS_SOURCE_RESOURCES)
        candidates.push_back(fs::path(OODLENS_SOURCE_RESOURCES) / "demo");
    std::string searched;
    for (const fs::path& c : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(c / kModel, ec))
            return fs::weakly_canonical(c, ec).string();
        searched += (searched.empty() ? "" : ", ") + c.string();
    }
    throw Error("cannot find the bundled demo (" + std::string(kModel) + ") in: " + searched +
                "; set OODLENS_DEMO_DIR to the folder that holds it");
}

RunConfig demoConfig()
{
    const fs::path dir = demoDirectory();
    RunConfig c;
    c.modelPath = (dir / kModel).string();
    c.datasets = {
        {"id", (dir / "mnist-test-2000-images-idx3-ubyte.gz").string(), DatasetRole::Id},
        {"fashion-mnist", (dir / "fashion-mnist-2000-images-idx3-ubyte.gz").string(), DatasetRole::Ood},
        {"fit", (dir / "mnist-train-5000-images-idx3-ubyte.gz").string(), DatasetRole::Fit},
        // Extracted only for a sweep: other Fashion-MNIST images than the test OOD set's.
        {"fashion-val", (dir / "fashion-mnist-val-1000-images-idx3-ubyte.gz").string(), DatasetRole::ValidationOod},
    };
    c.preprocess = PreprocessSpec::preset("mnist");
    return c;
}

} // namespace oodlens
