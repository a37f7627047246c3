// SPDX-License-Identifier: GPL-3.0-or-later
// Batched extraction with prefetching: when the first batches hold no readable image, the batch shape is
// settled by the first image that decodes, on the prefetching thread, and handed to the consumer
// without any state shared between the two threads (run under the tsan preset to check the latter).
#include "common/Runtime.h"
#include "datasets/Dataset.h"
#include "features/Extraction.h"
#include "model/Classifier.h"

// OpenCV only writes the fixture images.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace oodlens;

namespace {

constexpr int kRows = 6, kCols = 5;

// A gray image whose pixels encode `seed`, so that each extracted row can be traced to its file.
cv::Mat grayTile(int seed, int rows = kRows, int cols = kCols)
{
    cv::Mat m(rows, cols, CV_8UC1);
    for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x)
            m.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(seed * 7 + y * cols + x);
    return m;
}

void writeCorrupt(const fs::path& path, int seed)
{
    fs::create_directories(path.parent_path());
    std::string junk(200 + seed, '\0');
    for (std::size_t i = 0; i < junk.size(); ++i)
        junk[i] = static_cast<char>((i * 2654435761u + seed) >> 11);
    ASSERT_TRUE(oodlens::test::writeFile(path.string(), junk));
}

// An ImageFolder whose first class holds only corrupt files (sorted first: "a-broken" < "b-good"), so
// that the first `corrupt / batch` batches have no readable image at all.
void makeFolder(const fs::path& root, int corrupt, int good)
{
    for (int i = 0; i < corrupt; ++i)
        writeCorrupt(root / "a-broken" / ("broken" + std::to_string(i) + ".png"), i);
    for (int i = 0; i < good; ++i) {
        fs::create_directories(root / "b-good");
        ASSERT_TRUE(cv::imwrite((root / "b-good" / ("good" + std::to_string(i) + ".png")).string(), grayTile(i)));
    }
}

class Extraction : public ::testing::Test {
protected:
    static fs::path dir(const char* name)
    {
        static const oodlens::test::TempDir tmp;
        return fs::path(tmp.path()) / name;
    }
};

} // namespace

TEST_F(Extraction, unreadableFirstBatchesLeaveTheShapeToTheFirstReadableImage)
{
    const fs::path root = dir("first-batches-broken");
    const int corrupt = 5, good = 7;
    makeFolder(root, corrupt, good);
    const auto ds = openDataset(root.string());
    ASSERT_EQ(ds->size(), std::size_t(corrupt + good));

    PreprocessSpec spec; // one channel, scale only, size left open: the first readable image decides it
    spec.channels = 1;
    ExtractionOptions options;
    options.batchSize = 2; // batches 0, 1 broken; batch 2 mixes the last broken file with the first good one
    std::vector<std::size_t> items;
    std::vector<std::string> skipped;
    int calls = 0;
    forEachBatch(
        *ds, spec, options, nullptr, "test",
        [&](const float* input, const std::vector<std::size_t>& batchItems,
            const std::vector<std::string>& batchSkipped, int c, int h, int w) {
            ++calls;
            skipped.insert(skipped.end(), batchSkipped.begin(), batchSkipped.end());
            if (batchItems.empty())
                return;
            ASSERT_EQ(c, 1);
            ASSERT_EQ(h, kRows);
            ASSERT_EQ(w, kCols);
            for (std::size_t r = 0; r < batchItems.size(); ++r) {
                const std::size_t item = batchItems[r];
                const int seed = static_cast<int>(item) - corrupt;
                ASSERT_TRUE(seed >= 0) << "a corrupt item was extracted: " << item;
                const cv::Mat expected = grayTile(seed);
                for (int y = 0; y < kRows; ++y)
                    for (int x = 0; x < kCols; ++x)
                        ASSERT_FLOAT_EQ(input[(r * kRows + y) * kCols + x], expected.at<std::uint8_t>(y, x) / 255.f)
                            << "item " << item << " (" << y << "," << x << ")";
                items.push_back(item);
            }
        });
    ASSERT_EQ(calls, (corrupt + good + 1) / 2);
    std::vector<std::size_t> expectedItems;
    for (int i = 0; i < good; ++i)
        expectedItems.push_back(static_cast<std::size_t>(corrupt + i));
    ASSERT_EQ(items, expectedItems);
    ASSERT_EQ(skipped.size(), std::size_t(corrupt));
    for (int i = 0; i < corrupt; ++i)
        ASSERT_TRUE(oodlens::test::contains(skipped[i], "broken" + std::to_string(i) + ".png")) << skipped[i];
}

TEST_F(Extraction, modelSeesOnlyTheReadableImagesWithTheirShape)
{
    initRuntime(2);
    const std::string demo = OODLENS_SOURCE_DIR "/resources/demo/";
    const auto model = Classifier::load(demo + "mnist_cnn.pt");
    const auto mnist = openDataset(demo + "mnist-test-2000-images-idx3-ubyte.gz");
    // The same nine digits twice: after three corrupt files, and alone.
    const fs::path broken = dir("model-broken"), clean = dir("model-clean");
    for (int i = 0; i < 3; ++i)
        writeCorrupt(broken / "a-broken" / ("broken" + std::to_string(i) + ".png"), i);
    for (std::size_t i = 0; i < 9; ++i) {
        ImageU8 img = mnist->image(i);
        const cv::Mat m(img.height, img.width, CV_8UC1, img.pixels.data());
        for (const fs::path& root : {broken, clean}) {
            fs::create_directories(root / "b-digits");
            ASSERT_TRUE(cv::imwrite((root / "b-digits" / ("d" + std::to_string(i) + ".png")).string(), m));
        }
    }
    PreprocessSpec spec = PreprocessSpec::preset("mnist");
    spec.height = spec.width = 0; // leave the size to the images (28 x 28)
    ExtractionOptions options;
    options.batchSize = 2;
    const FeatureSet a = extractFeatures(*model, *openDataset(broken.string()), spec, options, nullptr);
    options.batchSize = 4;
    const FeatureSet b = extractFeatures(*model, *openDataset(clean.string()), spec, options, nullptr);

    ASSERT_EQ(a.rows, std::size_t(9));
    ASSERT_EQ(a.skipped.size(), std::size_t(3));
    ASSERT_EQ(a.dim, model->info().featureDim);
    ASSERT_EQ(a.features.size(), a.rows * a.dim);
    ASSERT_EQ(a.logits.size(), a.rows * std::size_t(model->info().classes));
    ASSERT_EQ(a.index, (std::vector<std::size_t>{3, 4, 5, 6, 7, 8, 9, 10, 11}));
    ASSERT_EQ(b.rows, a.rows);
    ASSERT_EQ(b.features.size(), a.features.size());
    for (std::size_t i = 0; i < a.features.size(); ++i)
        ASSERT_NEAR(a.features[i], b.features[i], 1e-4f * std::max(1.f, std::fabs(b.features[i]))) << i;
    for (std::size_t i = 0; i < a.logits.size(); ++i)
        ASSERT_NEAR(a.logits[i], b.logits[i], 1e-4f * std::max(1.f, std::fabs(b.logits[i]))) << i;
    // The digits are recognised as well from the PNGs as the demo CNN does from the IDX file.
    int correct = 0;
    for (std::size_t r = 0; r < a.rows; ++r) {
        const float* z = a.logits.data() + r * model->info().classes;
        correct += std::max_element(z, z + model->info().classes) - z == mnist->label(r);
    }
    ASSERT_GE(correct, 8);
}
