// SPDX-License-Identifier: GPL-3.0-or-later
#include "apply/ApplyView.h"

#include "apply/ApplyGalleryModel.h"
#include "apply/ApplySeries.h"
#include "apply/CurrentDetector.h"
#include "common/Error.h"
#include "common/Progress.h"
#include "docks/MethodLabels.h"
#include "io/Export.h"
#include "metrics/Deployment.h"
#include "plots/HistogramView.h"
#include "plots/OkabeIto.h"
#include "plots/RiskCoverageView.h"
#include "workspace/Workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QThread>
#include <QUrl>
#include <QVBoxLayout>

#include <chrono>

namespace oodlens::ui {

// What the worker hands back: every decision made (also those before a cancel or an error).
struct ApplyView::Outcome {
    ApplySummary summary;
    std::vector<ApplyDecision> decisions;
    std::vector<std::string> sources;
    std::uint64_t maxPixels = 0;
    std::shared_ptr<const Detector> detector; // the one applied (another may be opened meanwhile)
    bool ok = false, cancelled = false;
    std::string error;
};

namespace {

// The engine's progress, posted to the view at most every 50 ms; cancellation is the shared flag.
class ApplyProgressSink final : public ProgressSink {
public:
    ApplyProgressSink(std::shared_ptr<std::atomic<bool>> cancel, std::function<void(QString, qulonglong, qulonglong)> post)
        : cancel_(std::move(cancel)), post_(std::move(post))
    {
    }
    void update(const std::string& stage, std::size_t done, std::size_t total) override
    {
        const auto now = std::chrono::steady_clock::now();
        if (stage == stage_ && now - last_ < std::chrono::milliseconds(50) && done < total)
            return;
        stage_ = stage;
        last_ = now;
        post_(QString::fromStdString(stage), done, total);
    }
    bool isCancelRequested() const override { return cancel_->load(); }

private:
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::function<void(QString, qulonglong, qulonglong)> post_;
    std::string stage_;
    std::chrono::steady_clock::time_point last_{};
};

QString summaryShort(const ApplySummary& s)
{
    // A source that could not be opened is said here, not only in the status details.
    QStringList unopened;
    for (const ApplySource& src : s.sources)
        if (!src.error.empty())
            unopened << QString::fromStdString(src.error);
    return QObject::tr("%1 images scored, %2 flagged (%3%), %4 accepted%5%6")
        .arg(s.scored)
        .arg(s.flagged)
        .arg(s.flaggedFraction() * 100, 0, 'f', 1)
        .arg(s.scored - s.flagged)
        .arg(s.unreadable ? QObject::tr(", %1 unreadable").arg(s.unreadable) : QString())
        .arg(unopened.isEmpty() ? QString() : QObject::tr("; not read: %1").arg(unopened.join(QStringLiteral("; "))));
}

} // namespace

ApplyView::ApplyView(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace)
{
    setObjectName(QStringLiteral("applyView"));
    setAcceptDrops(true);

    // The detector: a short summary (all of it in the tooltip) and where it comes from.
    detectorLabel_ = new QLabel(tr("No detector yet: open one (oodlens-cli calibrate, File \u203a Export detector) or "
                                   "take the analysis' current method at its threshold."),
                                this);
    detectorLabel_->setObjectName(QStringLiteral("applyDetectorLabel"));
    detectorLabel_->setWordWrap(true);
    detectorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    detectorLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* openButton = openButton_ = new QPushButton(tr("Open detector\u2026"), this);
    openButton->setObjectName(QStringLiteral("applyOpenDetector"));
    openButton->setToolTip(tr("A detector file written by oodlens-cli calibrate or File \u203a Export detector"));
    fromAnalysisButton_ = new QPushButton(tr("From the analysis"), this);
    fromAnalysisButton_->setObjectName(QStringLiteral("applyFromAnalysis"));
    fromAnalysisButton_->setToolTip(tr("The current method at the current threshold (the Threshold dock)"));
    allowMismatch_ = new QCheckBox(tr("Allow another model"), this);
    allowMismatch_->setObjectName(QStringLiteral("applyAllowMismatch"));
    allowMismatch_->setToolTip(tr("Score even when the model file's SHA-256 differs from the one the detector was "
                                  "calibrated on (its threshold may not fit that model)"));

    // The images.
    sourcesList_ = new QListWidget(this);
    sourcesList_->setObjectName(QStringLiteral("applySources"));
    sourcesList_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    sourcesList_->setTextElideMode(Qt::ElideMiddle);
    sourcesList_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    sourcesList_->setToolTip(tr("Folders, CSV lists, IDX or CIFAR files; drop them on the tab"));
    sourcesList_->setFixedHeight(4 * sourcesList_->fontMetrics().height() + 10);
    auto* addFolder = new QPushButton(tr("Add folder\u2026"), this);
    auto* addFiles = new QPushButton(tr("Add files\u2026"), this);
    addFiles->setToolTip(tr("CSV lists, IDX files (.gz too), CIFAR batches"));
    removeButton_ = new QPushButton(tr("Remove"), this);

    // Label column, then the text with its buttons below it: nothing wraps to a column of words
    // on a narrow window.
    auto* grid = new QGridLayout;
    grid->addWidget(new QLabel(tr("<b>Detector</b>"), this), 0, 0, Qt::AlignTop);
    grid->addWidget(detectorLabel_, 0, 1);
    auto* detectorButtons = new QHBoxLayout;
    detectorButtons->addWidget(openButton);
    detectorButtons->addWidget(fromAnalysisButton_);
    detectorButtons->addWidget(allowMismatch_);
    detectorButtons->addStretch(1);
    grid->addLayout(detectorButtons, 1, 1);
    grid->addWidget(new QLabel(tr("<b>Images</b>"), this), 2, 0, Qt::AlignTop);
    auto* sourceRow = new QHBoxLayout;
    sourceRow->addWidget(sourcesList_, 1);
    auto* sourceButtons = new QVBoxLayout;
    for (QPushButton* b : {addFolder, addFiles, removeButton_})
        sourceButtons->addWidget(b);
    sourceButtons->addStretch(1);
    sourceButtons->setSpacing(2);
    sourceRow->addLayout(sourceButtons);
    grid->addLayout(sourceRow, 2, 1);
    grid->setColumnStretch(1, 1);

    // Run.
    applyButton_ = new QPushButton(tr("&Apply"), this);
    applyButton_->setObjectName(QStringLiteral("applyStart"));
    applyButton_->setToolTip(tr("Score every image and accept or flag it (Ctrl+Return)"));
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->setObjectName(QStringLiteral("applyCancel"));
    cancelButton_->setToolTip(tr("Stop; what was decided so far is kept (Esc)"));
    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("applyProgress"));
    progress_->setTextVisible(true);
    progress_->setFormat(QString());
    etaLabel_ = new QLabel(this);
    summaryLabel_ = new QLabel(this);
    summaryLabel_->setObjectName(QStringLiteral("applySummary"));
    summaryLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summaryLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(applyButton_);
    runRow->addWidget(cancelButton_);
    runRow->addWidget(progress_, 1);
    runRow->addWidget(etaLabel_);

    // The plots and the gallery.
    histogram_ = new HistogramView(this);
    histogram_->setObjectName(QStringLiteral("applyHistogram"));
    histogram_->clearScores(tr("Apply a detector to see its scores against the calibration ID scores"));
    histogram_->setMinimumHeight(150);
    riskCoverage_ = new RiskCoverageView(this);
    riskCoverage_->setMinimumHeight(120);
    auto* plots = new QSplitter(Qt::Vertical, this);
    plots->addWidget(histogram_);
    plots->addWidget(riskCoverage_);
    plots->setStretchFactor(0, 3);
    plots->setStretchFactor(1, 2);

    auto* galleryBox = new QWidget(this);
    filterCombo_ = new QComboBox(galleryBox);
    filterCombo_->setObjectName(QStringLiteral("applyFilter"));
    filterCombo_->addItem(tr("Flagged"), int(ApplyGalleryModel::Filter::Flagged));
    filterCombo_->addItem(tr("Accepted"), int(ApplyGalleryModel::Filter::Accepted));
    filterCombo_->addItem(tr("Unreadable"), int(ApplyGalleryModel::Filter::Unreadable));
    filterCombo_->addItem(tr("All"), int(ApplyGalleryModel::Filter::All));
    filterCombo_->setToolTip(tr("Flagged and accepted images are shown from the lowest score up"));
    exportButton_ = new QPushButton(tr("Export list\u2026"), galleryBox);
    exportButton_->setObjectName(QStringLiteral("applyExport"));
    exportButton_->setToolTip(tr("The images shown, as decisions.csv rows (path, score, decision, class, margin)"));
    gallery_ = new ApplyGalleryModel(this);
    galleryView_ = new QListView(galleryBox);
    galleryView_->setObjectName(QStringLiteral("applyGallery"));
    galleryView_->setViewMode(QListView::IconMode);
    galleryView_->setResizeMode(QListView::Adjust);
    galleryView_->setMovement(QListView::Static);
    galleryView_->setUniformItemSizes(true);
    galleryView_->setIconSize(QSize(gallery_->thumbnailSize(), gallery_->thumbnailSize()));
    galleryView_->setGridSize(QSize(gallery_->thumbnailSize() + 18, gallery_->thumbnailSize() + 26));
    galleryView_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    galleryView_->setMinimumSize(2 * (gallery_->thumbnailSize() + 18) + 24, gallery_->thumbnailSize() + 40);
    galleryView_->setModel(gallery_);
    auto* galleryTop = new QHBoxLayout;
    galleryTop->addWidget(new QLabel(tr("Show"), galleryBox));
    galleryTop->addWidget(filterCombo_);
    galleryTop->addStretch(1);
    galleryTop->addWidget(exportButton_);
    auto* galleryLayout = new QVBoxLayout(galleryBox);
    galleryLayout->setContentsMargins(0, 0, 0, 0);
    galleryLayout->addLayout(galleryTop);
    galleryLayout->addWidget(galleryView_, 1);

    results_ = new QSplitter(Qt::Horizontal, this);
    results_->addWidget(plots);
    results_->addWidget(galleryBox);
    results_->setStretchFactor(0, 1);
    results_->setStretchFactor(1, 1);
    results_->setChildrenCollapsible(false);
    // Below this the tab scrolls (it sits in a scroll area) rather than squashing the plots.
    results_->setMinimumHeight(400);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(grid);
    layout->addLayout(runRow);
    layout->addWidget(summaryLabel_);
    layout->addWidget(results_, 1);

    connect(openButton, &QPushButton::clicked, this, &ApplyView::openDetectorDialog);
    connect(fromAnalysisButton_, &QPushButton::clicked, this, [this] { useCurrentMethod(); });
    connect(addFolder, &QPushButton::clicked, this, &ApplyView::addFolderDialog);
    connect(addFiles, &QPushButton::clicked, this, &ApplyView::addFilesDialog);
    connect(removeButton_, &QPushButton::clicked, this, [this] {
        qDeleteAll(sourcesList_->selectedItems());
        updateControls();
    });
    connect(sourcesList_, &QListWidget::itemSelectionChanged, this, &ApplyView::updateControls);
    connect(applyButton_, &QPushButton::clicked, this, [this] { start(); });
    connect(cancelButton_, &QPushButton::clicked, this, &ApplyView::cancel);
    connect(exportButton_, &QPushButton::clicked, this, &ApplyView::exportListDialog);
    connect(filterCombo_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        gallery_->setFilter(ApplyGalleryModel::Filter(filterCombo_->currentData().toInt()));
        updateControls();
    });
    auto* startKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    startKey->setContext(Qt::WidgetWithChildrenShortcut);
    connect(startKey, &QShortcut::activated, this, [this] { start(); });

    connect(workspace_, &Workspace::resultChanged, this, &ApplyView::showRiskCoverage);
    connect(workspace_, &Workspace::currentMethodChanged, this, &ApplyView::showRiskCoverage);
    connect(workspace_, &Workspace::thresholdChanged, this, [this](double t) {
        riskCoverage_->setThreshold(t);
        updateControls();
    });
    showRiskCoverage();
    updateControls();
}

ApplyView::~ApplyView()
{
    if (worker_) {
        *cancel_ = true;
        worker_->wait();
        delete worker_;
        worker_ = nullptr;
    }
}

void ApplyView::setDetector(std::shared_ptr<const Detector> detector, const QString& origin)
{
    detector_ = std::move(detector);
    if (detector_) {
        // Two lines on the tab (the rule and the TPR it achieves); every line in the tooltip.
        const QStringList lines = QString::fromStdString(detectorText(*detector_)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        // The rule, then the rates at it: the ID TPR and each OOD set's FPR, with their intervals.
        QStringList rates;
        for (const QString& l : lines)
            if (l.trimmed().startsWith(QStringLiteral("ID TPR")) || l.contains(QStringLiteral(": FPR ")))
                rates << l.trimmed().toHtmlEscaped();
        detectorLabel_->setText(QStringLiteral("%1 <i>(%2)</i><br>%3")
                                    .arg(lines.value(0).toHtmlEscaped(), origin.toHtmlEscaped(),
                                         rates.join(QStringLiteral("; "))));
        detectorLabel_->setToolTip(lines.join(QLatin1Char('\n')));
    }
    updateControls();
}

bool ApplyView::openDetector(const QString& path)
{
    if (worker_) {
        emit status(tr("A detector is being applied: cancel it or wait before opening another"), true, QString());
        return false;
    }
    try {
        auto d = std::make_shared<Detector>(readDetector(path.toStdString()));
        setDetector(std::move(d), QFileInfo(path).fileName());
        emit status(tr("Opened detector %1").arg(path), false, QString());
        return true;
    } catch (const std::exception& e) {
        emit status(tr("Cannot open the detector: %1").arg(QString::fromStdString(e.what())), true, QString());
        return false;
    }
}

bool ApplyView::useCurrentMethod()
{
    if (worker_) {
        emit status(tr("A detector is being applied: cancel it or wait before taking another"), true, QString());
        return false;
    }
    try {
        auto d = std::make_shared<Detector>(currentDetector(*workspace_));
        const QString origin = tr("the analysis' threshold");
        setDetector(std::move(d), origin);
        return true;
    } catch (const std::exception& e) {
        emit status(tr("No detector from the analysis: %1").arg(QString::fromStdString(e.what())), true, QString());
        return false;
    }
}

void ApplyView::setAllowModelMismatch(bool allow) { allowMismatch_->setChecked(allow); }

bool ApplyView::allowModelMismatch() const { return allowMismatch_->isChecked(); }

void ApplyView::addSource(const QString& path)
{
    if (path.isEmpty() || sources().contains(path))
        return;
    sourcesList_->addItem(path);
    updateControls();
}

QStringList ApplyView::sources() const
{
    QStringList out;
    for (int i = 0; i < sourcesList_->count(); ++i)
        out << sourcesList_->item(i)->text();
    return out;
}

void ApplyView::clearSources()
{
    sourcesList_->clear();
    updateControls();
}

bool ApplyView::start()
{
    if (worker_)
        return false;
    if (!detector_) {
        emit status(tr("Open a detector, or take one from the analysis, before applying"), true, QString());
        return false;
    }
    if (sourcesList_->count() == 0) {
        emit status(tr("Add a folder or a file of images to apply the detector to"), true, QString());
        return false;
    }
    ApplyOptions options;
    for (const QString& s : sources())
        options.sources.push_back(s.toStdString());
    options.allowModelMismatch = allowMismatch_->isChecked();
    options.cacheDir = workspace_->config().cacheDir;
    options.batchSize = workspace_->config().batchSize;
    options.maxPixels = workspace_->config().maxPixels;

    cancel_ = std::make_shared<std::atomic<bool>>(false);
    eta_.reset();
    clock_.start();
    progress_->setRange(0, 0);
    progress_->setFormat(tr("starting"));
    etaLabel_->clear();
    summaryLabel_->setText(tr("Applying %1 to %2\u2026")
                               .arg(QString::fromStdString(detector_->methodLabel()))
                               .arg(sources().join(QStringLiteral(", "))));
    const std::shared_ptr<const Detector> detector = detector_;
    const std::shared_ptr<std::atomic<bool>> cancel = cancel_;
    worker_ = QThread::create([this, detector, options, cancel]() {
        auto outcome = std::make_shared<Outcome>();
        outcome->detector = detector;
        outcome->sources = options.sources;
        outcome->maxPixels = options.maxPixels;
        ApplyProgressSink sink(cancel, [this](QString stage, qulonglong done, qulonglong total) {
            QMetaObject::invokeMethod(
                this, [this, stage, done, total] { onProgress(stage, done, total); }, Qt::QueuedConnection);
        });
        try {
            outcome->summary = applyDetector(
                *detector, options, [&](const ApplyDecision& d) { outcome->decisions.push_back(d); }, &sink);
            outcome->ok = true;
        } catch (const Cancelled&) {
            outcome->cancelled = true;
        } catch (const std::exception& e) {
            outcome->error = e.what();
        }
        QMetaObject::invokeMethod(this, [this, outcome] { onFinished(outcome); }, Qt::QueuedConnection);
    });
    worker_->setObjectName(QStringLiteral("apply"));
    worker_->start();
    updateControls();
    emit status(tr("Applying the detector\u2026"), false, QString());
    return true;
}

void ApplyView::cancel()
{
    if (cancel_ && worker_)
        *cancel_ = true;
}

void ApplyView::onProgress(const QString& stage, qulonglong done, qulonglong total)
{
    if (!worker_)
        return;
    const double seconds = double(clock_.elapsed()) / 1000.0;
    eta_.update(stage.toStdString(), done, total, seconds);
    if (total == 0) {
        progress_->setRange(0, 0);
        progress_->setFormat(stage);
        return;
    }
    progress_->setRange(0, 1000);
    progress_->setValue(int(1000.0 * double(done) / double(total)));
    progress_->setFormat(tr("%1: %2 of %3 images").arg(stage).arg(done).arg(total));
    etaLabel_->setText(QString::fromStdString(EtaEstimator::format(eta_.secondsLeft())));
}

void ApplyView::onFinished(const std::shared_ptr<Outcome>& outcome)
{
    if (worker_) {
        worker_->wait();
        delete worker_;
        worker_ = nullptr;
    }
    progress_->setRange(0, 1000);
    progress_->setValue(outcome->ok ? 1000 : progress_->value());
    progress_->setFormat(outcome->ok ? tr("done") : outcome->cancelled ? tr("cancelled") : tr("failed"));
    etaLabel_->clear();
    // A cancel or an error keeps what was decided: the counts are redone from the decisions.
    const Detector& applied = *outcome->detector;
    ApplySummary s = outcome->ok ? outcome->summary : ApplySummary{};
    if (!outcome->ok) {
        s.threshold = applied.threshold;
        s.sources.resize(outcome->sources.size());
        for (std::size_t i = 0; i < outcome->sources.size(); ++i)
            s.sources[i].path = outcome->sources[i];
        for (const ApplyDecision& d : outcome->decisions) {
            if (!d.readable) {
                ++s.unreadable;
                continue;
            }
            ++s.scored;
            s.flagged += d.flagged;
            if (d.source < s.sources.size())
                s.sources[d.source].scores.push_back(d.score);
        }
    }
    summary_ = std::move(s);
    gallery_->setDecisions(std::move(outcome->decisions), outcome->sources, outcome->maxPixels);
    if (summary_.scored > 0)
        showApplyHistogram(*histogram_, applied, summary_.sources);
    QString text = summaryShort(summary_);
    if (outcome->ok) {
        summaryLabel_->setText(text + tr(" in %1").arg(QString::fromStdString(durationText(summary_.seconds))));
        QString details = QString::fromStdString(applySummaryText(applied, summary_));
        for (const std::string& w : summary_.warnings)
            details += QStringLiteral("\n") + QString::fromStdString(w);
        emit status(tr("Applied: %1").arg(text), false, details);
    } else if (outcome->cancelled) {
        summaryLabel_->setText(tr("Cancelled; kept what was decided: %1").arg(text));
        emit status(tr("Apply cancelled; %1 decisions kept").arg(summary_.scored + summary_.unreadable), false, QString());
    } else {
        summaryLabel_->setText(tr("Failed: %1").arg(QString::fromStdString(outcome->error)));
        emit status(tr("Apply failed"), true, QString::fromStdString(outcome->error));
    }
    updateControls();
    emit finished();
}

bool ApplyView::exportList(const QString& path)
{
    try {
        std::string csv = decisionsCsvHeader();
        for (const ApplyDecision* d : gallery_->shown())
            csv += decisionsCsvRow(*d);
        writeFileAtomic(path.toStdString(), csv);
        emit status(tr("Wrote %1 (%2 images)").arg(path).arg(gallery_->rowCount()), false, QString());
        return true;
    } catch (const std::exception& e) {
        emit status(tr("Cannot export the list"), true, QString::fromStdString(e.what()));
        return false;
    }
}

void ApplyView::openDetectorDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open detector"), QString(),
                                                      tr("OOD Lens detectors (*.json);;All files (*)"));
    if (!path.isEmpty())
        openDetectorInBackground(path);
}

void ApplyView::openDetectorInBackground(const QString& path)
{
    if (worker_ || opening_) {
        emit status(tr("A detector is being applied or opened: wait, or cancel it, before opening another"), true,
                    QString());
        return;
    }
    // Reading checks the side file's SHA-256, which for a large fit set takes a while: off this thread.
    opening_ = true;
    updateControls();
    auto* watcher = new QFutureWatcher<std::shared_ptr<Detector>>(this);
    auto error = std::make_shared<std::string>();
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path, error] {
        opening_ = false;
        const std::shared_ptr<Detector> d = watcher->result();
        watcher->deleteLater();
        if (d) {
            setDetector(d, QFileInfo(path).fileName());
            emit status(tr("Opened detector %1").arg(path), false, QString());
        } else {
            updateControls();
            emit status(tr("Cannot open the detector: %1").arg(QString::fromStdString(*error)), true, QString());
        }
        emit detectorOpened(bool(d));
    });
    watcher->setFuture(QtConcurrent::run([file = path.toStdString(), error]() -> std::shared_ptr<Detector> {
        try {
            return std::make_shared<Detector>(readDetector(file));
        } catch (const std::exception& e) {
            *error = e.what();
            return nullptr;
        }
    }));
}

void ApplyView::addFolderDialog()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder of images"));
    if (!dir.isEmpty())
        addSource(dir);
}

void ApplyView::addFilesDialog()
{
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Image files or lists"), QString(),
        tr("Images, lists and containers (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff *.csv *.gz *-ubyte *.idx *_batch*);;"
           "All files (*)"));
    for (const QString& f : files)
        addSource(f);
}

void ApplyView::exportListDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the list"), QStringLiteral("decisions.csv"),
                                                      tr("CSV (*.csv)"));
    if (!path.isEmpty())
        exportList(path);
}

void ApplyView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (!sized_ && results_->width() > 0) {
        // The plots a little narrower than the gallery, which shows more images the wider it is.
        sized_ = true;
        const int w = results_->width();
        results_->setSizes({w * 9 / 20, w - w * 9 / 20});
    }
}

void ApplyView::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void ApplyView::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        if (!url.isLocalFile())
            continue;
        const QString path = url.toLocalFile();
        // A detector dropped here is opened; anything else is images.
        if (path.endsWith(QStringLiteral(".json"), Qt::CaseInsensitive))
            openDetectorInBackground(path);
        else
            addSource(path);
    }
    event->acceptProposedAction();
}

void ApplyView::updateControls()
{
    const bool running = worker_ != nullptr;
    applyButton_->setEnabled(!running && detector_ && sourcesList_->count() > 0);
    cancelButton_->setEnabled(running);
    removeButton_->setEnabled(!running && !sourcesList_->selectedItems().isEmpty());
    openButton_->setEnabled(!running && !opening_);
    fromAnalysisButton_->setEnabled(!running && workspace_->result() && workspace_->hasScores(workspace_->currentMethod()));
    exportButton_->setEnabled(gallery_->rowCount() > 0);
}

void ApplyView::showRiskCoverage()
{
    updateControls();
    const RunResultPtr result = workspace_->result();
    const QString method = workspace_->currentMethod();
    if (!result || result->idIndex < 0 || !workspace_->hasScores(method)) {
        riskCoverage_->clearCurve(tr("Run the analysis on a labelled ID set to see the risk-coverage curve"));
        return;
    }
    const auto id = std::size_t(result->idIndex);
    if (id >= result->features.size() || !result->features[id]) {
        riskCoverage_->clearCurve(tr("The ID set's features are not in this result"));
        return;
    }
    const Correctness correct = correctness(*result->features[id]);
    const RiskCoverage curve = riskCoverageCurve(result->scoresOf(method.toStdString(), id), correct);
    riskCoverage_->showCurve(methodDisplayLabel(method.toStdString(), result->params), curve, datasetColor(0));
    riskCoverage_->setThreshold(workspace_->threshold());
}

} // namespace oodlens::ui
