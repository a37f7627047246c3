// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"
#include "workspace/Workspace.h"

#include <QImage>

#include <memory>
#include <mutex>
#include <vector>

namespace oodlens {
class Dataset;
}

namespace oodlens::ui {

// Decodes the images behind a result's rows: opens each dataset once, on first use, and maps a
// feature row back to its dataset item. Safe to call from several worker threads at once; never
// call it on the GUI thread (decoding a large image or opening a big IDX file takes a while).
class DatasetImages {
public:
    explicit DatasetImages(RunResultPtr result);
    ~DatasetImages();

    // The image at full size (RGB888 or Grayscale8). Throws Error with a message for the user.
    QImage image(const ImageRef& ref) const;
    RunResultPtr result() const { return result_; }

private:
    RunResultPtr result_;
    mutable std::mutex mutex_;
    mutable std::vector<std::shared_ptr<const Dataset>> opened_;
};

// An engine image as a QImage that owns its pixels.
QImage toQImage(int width, int height, int channels, const unsigned char* pixels);

} // namespace oodlens::ui
