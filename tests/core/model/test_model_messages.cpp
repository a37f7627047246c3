// SPDX-License-Identifier: GPL-3.0-or-later
// What a model's author and user are told: the model's own error message in full, a sidecar's
// "input" checked before it becomes an int, and a warning for a model with a single class. The
// models are written by Debian's python3-torch at test time (skipped without it).
#include "common/Error.h"
#include "common/Runtime.h"
#include "features/Preprocess.h"
#include "io/Json.h"
#include "model/Classifier.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "RunProcess.h"
#include "TestSupport.h"

#include <filesystem>

#include <unistd.h>

using namespace oodlens;
using namespace oodlens::test;
namespace fs = std::filesystem;

namespace {

const std::string kDemoModel = OODLENS_SOURCE_DIR "/resources/demo/mnist_cnn.pt";

// Runs `script` (written to a file: TorchScript compiles from source files) with /usr/bin/python3;
// false with the reason when it fails.
bool python(const std::string& script, std::string& why)
{
    static int n = 0;
    const std::string file = (fs::temp_directory_path() / ("oodlens-model-" + std::to_string(::getpid()) + "-" +
                                                           std::to_string(n++) + ".py")).string();
    if (!writeFile(file, script)) {
        why = "cannot write " + file;
        return false;
    }
    const ProcessResult r = runProcess("/usr/bin/python3", {file}, {{"OMP_NUM_THREADS", "1"}}, 120);
    std::error_code ec;
    fs::remove(file, ec);
    why = r.err;
    return r.exitCode == 0;
}

bool haveTorch()
{
    static const bool have = runProcess("/usr/bin/python3", {"-c", "import torch"}).exitCode == 0;
    return have;
}

std::string loadError(const std::string& path)
{
    try {
        Classifier::load(path, "cpu", {});
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

} // namespace

class ModelMessages : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(1); }
    TempDir dir;
};

// TorchScript errors were cut to their first line ("The following operation failed in the
// TorchScript interpreter."), losing the model's own message.
TEST_F(ModelMessages, aModelsOwnErrorMessageIsKeptInFull)
{
    // python3-torch is a test dependency (packaging/install-deps.sh): without it this fails, never skips.
    ASSERT_TRUE(haveTorch()) << "python3-torch is not installed: run packaging/install-deps.sh";
    const std::string path = dir.filePath("raises.pt");
    std::string why;
    ASSERT_TRUE(python("import torch\n"
                       "class M(torch.nn.Module):\n"
                       "    def forward(self, x):\n"
                       "        if x.size(2) != 5:\n"
                       "            raise RuntimeError('this model wants 5x5 images: see its README')\n"
                       "        return x.flatten(1)\n"
                       "torch.jit.script(M()).save('" + path + "')\n",
                       why))
        << why;
    const std::string e = loadError(path);
    ASSERT_FALSE(e.empty());
    EXPECT_TRUE(contains(e, "this model wants 5x5 images: see its README")) << e;
    // The first line (the GUI's summary, the CLI's first line) carries it too.
    EXPECT_TRUE(contains(e.substr(0, e.find('\n')), "this model wants 5x5 images")) << e;
    EXPECT_TRUE(contains(e, "'" + path + "'")) << e;
}

// A sidecar's `input: [nan, ...]` reached a float-to-int cast (undefined behaviour).
TEST_F(ModelMessages, aSidecarInputMustBeThreeWholeNumbers)
{
    const std::string model = dir.filePath("net.pt");
    fs::copy_file(kDemoModel, model);
    const std::string sidecar = dir.filePath("net.json");
    struct Case {
        const char* input;
        const char* expected;
    };
    for (const Case& c : std::vector<Case>{
             {"[nan, 28, 28]", "cannot parse"},
             {"[NaN, 28, 28]", "cannot parse"},
             {"[1, Infinity, 28]", "cannot parse"},
             {"[1, 1e999, 28]", "number out of range"},
             {"[1.5, 28, 28]", "\"input[0] (channels)\" must be a whole number"},
             {"[7, 28, 28]", "\"input[0] (channels)\" must be"},
             {"[1, 28.5, 28]", "\"input[1] (height)\" must be a whole number from 1 to 100000"},
             {"[1, 28, 1e12]", "\"input[2] (width)\" must be a whole number from 1 to 100000"},
             {"[1, -28, 28]", "\"input[1] (height)\" must be a whole number"},
             {"[1, 28]", "\"input\" must be [channels, height, width]"},
             {"[1, \"28\", 28]", "\"input\" must be [channels, height, width]"},
         }) {
        SCOPED_TRACE(c.input);
        ASSERT_TRUE(writeFile(sidecar, std::string("{\"input\": ") + c.input + "}"));
        const std::string e = loadError(model);
        EXPECT_TRUE(contains(e, sidecar)) << e;
        EXPECT_TRUE(contains(e, c.expected)) << e;
    }
    ASSERT_TRUE(writeFile(sidecar, "{\"input\": [1, 28, 28]}"));
    EXPECT_EQ(loadError(model), "");
}

// Preprocessing keys beside "input" were ignored without a word (the model then ran on
// unnormalised pixels); each is refused, naming the file and where the key belongs.
TEST_F(ModelMessages, aPreprocessingKeyOutsidePreprocessingIsRefused)
{
    const std::string model = dir.filePath("net.pt");
    fs::copy_file(kDemoModel, model);
    const std::string sidecar = dir.filePath("net.json");
    for (const std::string& key : PreprocessSpec::jsonKeys()) {
        SCOPED_TRACE(key);
        // Accepted inside "preprocessing" (so the list is what fromJson reads) ...
        const std::string value = key == "preset" ? "\"mnist\"" : key == "mean" || key == "std" ? "[0.5]" : key == "channels" ? "1" : "28";
        const Json inside = Json::parse("{\"" + key + "\": " + value + "}");
        EXPECT_NO_THROW(PreprocessSpec::fromJson(inside, "test"));
        // ... and refused beside "input".
        ASSERT_TRUE(writeFile(sidecar, "{\"input\": [1, 28, 28], \"" + key + "\": " + value + "}"));
        const std::string e = loadError(model);
        EXPECT_TRUE(contains(e, sidecar)) << e;
        EXPECT_TRUE(contains(e, "\"" + key + "\" belongs inside \"preprocessing\"")) << e;
    }
}

// A 1-class model gave constant MSP and GradNorm (softmax = 1) without a word.
TEST_F(ModelMessages, aSingleClassModelIsWarnedAbout)
{
    // python3-torch is a test dependency (packaging/install-deps.sh): without it this fails, never skips.
    ASSERT_TRUE(haveTorch()) << "python3-torch is not installed: run packaging/install-deps.sh";
    const std::string path = dir.filePath("one_class.pt");
    std::string why;
    ASSERT_TRUE(python("import torch\n"
                       "torch.manual_seed(0)\n"
                       "class M(torch.nn.Module):\n"
                       "    def __init__(self):\n"
                       "        super().__init__()\n"
                       "        self.body = torch.nn.Linear(784, 8)\n"
                       "        self.fc = torch.nn.Linear(8, 1)\n"
                       "    def forward(self, x):\n"
                       "        return self.fc(torch.relu(self.body(x.flatten(1))))\n"
                       "torch.jit.script(M().eval()).save('" + path + "')\n",
                       why))
        << why;
    RunConfig c = demoConfig();
    c.modelPath = path;
    c.cacheDir.clear();
    c.methods = {"msp", "gradnorm", "energy"};
    c.batchSize = 500;
    const RunResultPtr r = runOnce(c);
    ASSERT_EQ(r->model.classes, 1);
    std::string all;
    for (const RunWarning& w : r->warnings)
        all += w.message + "\n";
    EXPECT_TRUE(contains(all, "has a single output class")) << all;
    EXPECT_TRUE(contains(all, "MSP gives every image the same score (1)")) << all;
    EXPECT_TRUE(contains(all, "GradNorm gives every image the same score (0)")) << all;
    EXPECT_FALSE(contains(all, "Energy gives every image the same score")) << all; // the logit itself varies
}
