// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "detector/Apply.h"
#include "run/EtaEstimator.h"

#include <QElapsedTimer>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <atomic>
#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QListView;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSplitter;
class QThread;

namespace oodlens::ui {

class ApplyGalleryModel;
class HistogramView;
class RiskCoverageView;
class Workspace;

// The Apply tab: a detector (a saved one, or the current method at the current threshold) applied
// to new, unlabelled images (folders, CSV lists, IDX files, dropped on the tab or added), on a
// worker thread with progress, ETA and cancel (what was decided before a cancel is kept). It shows
// the counts, the applied images' score histogram against the calibration ID scores with the
// threshold, the flagged images (or the accepted, the unreadable, all) as a gallery, and exports
// that list as decisions.csv rows. Below the histogram, the risk-coverage curve of the analysis'
// current method on its ID set, with the threshold's operating point.
class ApplyView : public QWidget {
    Q_OBJECT

public:
    explicit ApplyView(Workspace* workspace, QWidget* parent = nullptr);
    // Cancels a running apply and waits for it.
    ~ApplyView() override;

    // Reads a detector file (readDetector) here; false with the reason in status().
    bool openDetector(const QString& path);
    // The same on a worker thread (the dialog's and a drop's way: the side file's SHA-256 of a large
    // fit set takes a while); detectorOpened follows.
    void openDetectorInBackground(const QString& path);
    // The current method at the current threshold (currentDetector); false with the reason.
    bool useCurrentMethod();
    void setDetector(std::shared_ptr<const Detector> detector, const QString& origin);
    std::shared_ptr<const Detector> detector() const { return detector_; }

    // Score with a model whose SHA-256 differs from the detector's (a warning instead of a refusal).
    void setAllowModelMismatch(bool allow);
    bool allowModelMismatch() const;

    void addSource(const QString& path);
    QStringList sources() const;
    void clearSources();

    // Starts the apply on the worker; false (and why in status()) without a detector or images,
    // or while one runs.
    bool start();
    void cancel();
    bool isRunning() const { return worker_ != nullptr; }
    const ApplySummary& summary() const { return summary_; }
    ApplyGalleryModel* gallery() const { return gallery_; }
    HistogramView* histogram() const { return histogram_; }
    RiskCoverageView* riskCoverage() const { return riskCoverage_; }
    QListView* galleryView() const { return galleryView_; }
    // Writes the gallery's current list (header + rows of decisions.csv); false with the reason.
    bool exportList(const QString& path);

public Q_SLOTS:
    void openDetectorDialog();
    void addFolderDialog();
    void addFilesDialog();
    void exportListDialog();

Q_SIGNALS:
    void status(const QString& text, bool error, const QString& details);
    // An apply ended (done, cancelled or failed): summary() and gallery() hold what it decided.
    void finished();
    void detectorOpened(bool ok);

protected:
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    struct Outcome;
    void onProgress(const QString& stage, qulonglong done, qulonglong total);
    void onFinished(const std::shared_ptr<Outcome>& outcome);
    void updateControls();
    void showRiskCoverage();

    Workspace* workspace_;
    std::shared_ptr<const Detector> detector_;
    QLabel* detectorLabel_;
    QPushButton* openButton_;
    QPushButton* fromAnalysisButton_;
    QCheckBox* allowMismatch_;
    QListWidget* sourcesList_;
    QPushButton* removeButton_;
    QPushButton* applyButton_;
    QPushButton* cancelButton_;
    QProgressBar* progress_;
    QLabel* etaLabel_;
    QLabel* summaryLabel_;
    HistogramView* histogram_;
    RiskCoverageView* riskCoverage_;
    QComboBox* filterCombo_;
    QPushButton* exportButton_;
    QListView* galleryView_;
    ApplyGalleryModel* gallery_;
    QSplitter* results_;

    ApplySummary summary_;
    bool opening_ = false; // openDetectorInBackground at work
    bool sized_ = false; // the splitter's shares set on the first show
    QThread* worker_ = nullptr;
    std::shared_ptr<std::atomic<bool>> cancel_;
    EtaEstimator eta_;
    QElapsedTimer clock_;
};

} // namespace oodlens::ui
