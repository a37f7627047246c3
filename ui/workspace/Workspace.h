// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"
#include "metrics/ThresholdIndex.h"

#include <QObject>
#include <QString>
#include <QVector>

#include <cstddef>
#include <map>
#include <memory>

namespace oodlens::ui {

// One image of one dataset of the current result: `dataset` indexes RunResult::datasets,
// `row` indexes that dataset's FeatureSet rows (and its score vectors).
struct ImageRef {
    int dataset = -1;
    int row = -1;
    bool isValid() const { return dataset >= 0 && row >= 0; }
    bool operator==(const ImageRef& o) const { return dataset == o.dataset && row == o.row; }
    bool operator!=(const ImageRef& o) const { return !(*this == o); }
};

// The state every view shares, so that they stay in sync without knowing each other: the current
// result, the method being looked at, the one decision threshold (accept as ID when
// score >= threshold, in the current method's units), the image being inspected and the selection.
// Views read it and call the setters; every setter emits its signal only when the value changes.
// Lives on the GUI thread.
class Workspace : public QObject {
    Q_OBJECT

public:
    explicit Workspace(QObject* parent = nullptr);

    RunResultPtr result() const { return result_; }
    QString currentMethod() const { return method_; }
    double threshold() const { return threshold_; }
    ImageRef currentImage() const { return current_; }
    const QVector<ImageRef>& selection() const { return selection_; }

    // Scores of the current method on one dataset of the current result (empty if none).
    const std::vector<double>& currentScores(std::size_t dataset) const;
    // Whether an image is flagged as OOD at the current threshold (score < threshold; NaN is flagged).
    bool isFlagged(const ImageRef& image) const;
    // `method`'s scores of the current result sorted once (built on first use, dropped with the
    // result), so that every view answers a threshold move with binary searches.
    const ThresholdIndex& thresholdIndex(const QString& method) const;
    const ThresholdIndex& currentThresholdIndex() const { return thresholdIndex(method_); }

public Q_SLOTS:
    void setResult(RunResultPtr result);
    void setCurrentMethod(const QString& method);
    void setThreshold(double threshold);
    void setCurrentImage(ImageRef image);
    void setSelection(const QVector<ImageRef>& images);

Q_SIGNALS:
    void resultChanged();
    void currentMethodChanged(const QString& method);
    void thresholdChanged(double threshold);
    void currentImageChanged(oodlens::ui::ImageRef image);
    void selectionChanged();

private:
    RunResultPtr result_;
    QString method_;
    double threshold_ = 0;
    ImageRef current_;
    QVector<ImageRef> selection_;
    mutable std::map<QString, std::shared_ptr<const ThresholdIndex>> indices_;
};

} // namespace oodlens::ui

Q_DECLARE_METATYPE(oodlens::ui::ImageRef)
