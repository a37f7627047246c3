// SPDX-License-Identifier: GPL-3.0-or-later
#include "factors/FactorsView.h"

#include "io/Export.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "docks/MethodLabels.h"
#include "explore/FlowLayout.h"
#include "factors/FactorCharts.h"
#include "workspace/Settings.h"
#include "workspace/Workspace.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QException>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>


namespace {
// Why an analysis on the pool ended: QtConcurrent hands an exception over to the GUI thread only
// when it is a QException (anything else becomes a bare "std::exception" without our message).
class AnalysisFailure : public QException {
public:
    AnalysisFailure(std::string message, bool cancelled) : message_(std::move(message)), cancelled(cancelled) {}
    void raise() const override { throw *this; }
    AnalysisFailure* clone() const override { return new AnalysisFailure(*this); }
    const char* what() const noexcept override { return message_.c_str(); }

private:
    std::string message_;

public:
    bool cancelled;
};
} // namespace

namespace oodlens::ui {

namespace {

using ReportPtr = std::shared_ptr<const FactorReport>;

// A label and its control, kept together when the controls wrap.
QWidget* labelled(const QString& text, QWidget* control, QWidget* parent)
{
    auto* box = new QWidget(parent);
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(4);
    auto* label = new QLabel(text, box);
    label->setBuddy(control);
    row->addWidget(label);
    row->addWidget(control);
    return box;
}

} // namespace

FactorsView::FactorsView(Workspace* workspace, bool persistSettings, QWidget* parent)
    : QWidget(parent), workspace_(workspace), persist_(persistSettings)
{
    setObjectName(QStringLiteral("factorsView"));

    // The controls: what is shown, and how the best member is chosen.
    methodCombo_ = new QComboBox(this);
    methodCombo_->setObjectName(QStringLiteral("factorsMethod"));
    methodCombo_->setToolTip(tr("The gradient score whose factors are analysed"));
    oodCombo_ = new QComboBox(this);
    oodCombo_->setObjectName(QStringLiteral("factorsOod"));
    oodCombo_->setToolTip(tr("The OOD set the analysis is made on"));
    for (QComboBox* combo : {methodCombo_, oodCombo_})
        combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    splitKind_ = new QComboBox(this);
    splitKind_->setObjectName(QStringLiteral("factorsSplitKind"));
    splitKind_->addItem(tr("Seeded split"), int(FactorSplit::Kind::Seeded));
    splitKind_->addItem(tr("Validation pair"), int(FactorSplit::Kind::Pair));
    splitKind_->setToolTip(tr("How the best family member is picked without looking at the images it is reported "
                              "on: a seeded random part of the ID and OOD sets, or a separate ID/OOD validation pair"));
    fraction_ = new QDoubleSpinBox(this);
    fraction_->setObjectName(QStringLiteral("factorsFraction"));
    fraction_->setRange(5, 95);
    fraction_->setSingleStep(5);
    fraction_->setDecimals(0);
    fraction_->setSuffix(QStringLiteral(" %"));
    fraction_->setToolTip(tr("Share of each set used to pick the best member; the rest is the test part"));
    seed_ = new QSpinBox(this);
    seed_->setObjectName(QStringLiteral("factorsSeed"));
    seed_->setRange(0, 999999);
    seed_->setToolTip(tr("Seed of the split (and of the paired bootstrap's resamples stay fixed)"));
    validationId_ = new QComboBox(this);
    validationId_->setObjectName(QStringLiteral("factorsValidationId"));
    validationId_->setToolTip(tr("An ID dataset of the run other than the ID set (e.g. the fit set)"));
    validationOod_ = new QComboBox(this);
    validationOod_->setObjectName(QStringLiteral("factorsValidationOod"));
    validationOod_->setToolTip(tr("The OOD set used for validation; the other OOD sets are test sets in full"));
    for (QComboBox* combo : {validationId_, validationOod_})
        combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    busy_ = new QProgressBar(this);
    busy_->setObjectName(QStringLiteral("factorsBusy"));
    busy_->setRange(0, 0);
    busy_->setMaximumWidth(120);
    busy_->setTextVisible(false);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("factorsStatus"));

    auto* controls = new FlowLayout(nullptr, 14, 4);
    controls->addWidget(labelled(tr("Gradient score"), methodCombo_, this));
    controls->addWidget(labelled(tr("OOD set"), oodCombo_, this));
    controls->addWidget(labelled(tr("Best member picked on"), splitKind_, this));
    seededControls_ = new QWidget(this);
    {
        auto* row = new QHBoxLayout(seededControls_);
        row->setContentsMargins(0, 0, 0, 0);
        row->setSpacing(8);
        row->addWidget(labelled(tr("validation"), fraction_, seededControls_));
        row->addWidget(labelled(tr("seed"), seed_, seededControls_));
    }
    pairControls_ = new QWidget(this);
    {
        auto* row = new QHBoxLayout(pairControls_);
        row->setContentsMargins(0, 0, 0, 0);
        row->setSpacing(8);
        row->addWidget(labelled(tr("ID"), validationId_, pairControls_));
        row->addWidget(labelled(tr("OOD"), validationOod_, pairControls_));
    }
    controls->addWidget(seededControls_);
    controls->addWidget(pairControls_);
    auto* busyBox = new QWidget(this);
    {
        auto* row = new QHBoxLayout(busyBox);
        row->setContentsMargins(0, 0, 0, 0);
        row->addWidget(busy_);
        row->addWidget(status_);
    }
    controls->addWidget(busyBox);

    verdict_ = new QLabel(this);
    verdict_->setObjectName(QStringLiteral("factorsVerdict"));
    verdict_->setWordWrap(true);
    verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont verdictFont = verdict_->font();
    verdictFont.setPointSizeF(verdictFont.pointSizeF() + 0.5);
    verdictFont.setBold(true);
    verdict_->setFont(verdictFont);
    details_ = new QLabel(this);
    details_->setObjectName(QStringLiteral("factorsDetails"));
    details_->setWordWrap(true);
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    chart_ = new FactorChart(this);
    chart_->setObjectName(QStringLiteral("factorChart"));
    heatmap_ = new FamilyHeatmap(this);
    heatmap_->setObjectName(QStringLiteral("familyHeatmap"));
    heatmap_->setToolTip(QString()); // per-cell tooltips
    costs_ = new QTableWidget(0, 4, this);
    costs_->setObjectName(QStringLiteral("factorsCosts"));
    costs_->setHorizontalHeaderLabels({tr("Cost per image"), tr("Time"), tr("\u00d7 closed form"), tr("Images")});
    costs_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 4; ++c)
        costs_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    costs_->verticalHeader()->hide();
    costs_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    costs_->setSelectionMode(QAbstractItemView::NoSelection);
    costs_->setWordWrap(false);

    // The chart above the cost table, the heatmap beside them.
    auto* left = new QWidget(this);
    auto* leftColumn = new QVBoxLayout(left);
    leftColumn->setContentsMargins(0, 0, 0, 0);
    leftColumn->addWidget(chart_, 1);
    leftColumn->addWidget(costs_);
    figures_ = new QSplitter(Qt::Horizontal, this);
    figures_->setObjectName(QStringLiteral("factorsSplitter"));
    figures_->addWidget(left);
    figures_->addWidget(heatmap_);
    figures_->setStretchFactor(0, 4);
    figures_->setStretchFactor(1, 5);
    figures_->setChildrenCollapsible(false);
    chart_->setMinimumHeight(200);
    heatmap_->setMinimumHeight(340);
    setMinimumWidth(420);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(controls);
    layout->addWidget(verdict_);
    layout->addWidget(details_);
    layout->addWidget(figures_, 1);

    splitTimer_ = new QTimer(this);
    splitTimer_->setSingleShot(true);
    splitTimer_->setInterval(250); // typing a seed recomputes once
    connect(splitTimer_, &QTimer::timeout, this, &FactorsView::recompute);

    setSplit(persist_ ? Settings().factorSplit() : FactorSplit());
    connect(splitKind_, qOverload<int>(&QComboBox::currentIndexChanged), this, &FactorsView::splitEdited);
    connect(fraction_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, &FactorsView::splitEdited);
    connect(seed_, qOverload<int>(&QSpinBox::valueChanged), this, &FactorsView::splitEdited);
    connect(validationId_, qOverload<int>(&QComboBox::activated), this, &FactorsView::splitEdited);
    connect(validationOod_, qOverload<int>(&QComboBox::activated), this, &FactorsView::splitEdited);
    connect(methodCombo_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this]() {
        fillSelectors();
        showAnalysis();
    });
    connect(oodCombo_, qOverload<int>(&QComboBox::currentIndexChanged), this, &FactorsView::showAnalysis);
    connect(heatmap_, &FamilyHeatmap::memberClicked, this, [this](const FamilyMember& member) {
        // The member as its cell computed it: at the gradient score's T, with its exponent.
        const FactorAnalysis* a = currentAnalysis();
        const ScoreParams& base = workspace_->config().params;
        workspace_->showMethod(QString::fromStdString(member.method()),
                               a ? familyMemberParams(member, a->gradientMethod, base) : member.params(base));
    });
    connect(workspace_, &Workspace::resultChanged, this, &FactorsView::resultChanged);

    setBusy(false);
    showAnalysis();
    resultChanged();
}

FactorsView::~FactorsView()
{
    // A computation under way stops at its next check; its report goes nowhere.
    if (cancel_)
        cancel_->store(true);
    if (computing_)
        computing_->waitForFinished();
}

FactorSplit FactorsView::split() const
{
    FactorSplit s;
    s.kind = FactorSplit::Kind(splitKind_->currentData().toInt());
    s.validationFraction = fraction_->value() / 100;
    s.seed = std::uint64_t(seed_->value());
    s.validationId = validationId_->currentData().toString().toStdString();
    s.validationOod = validationOod_->currentData().toString().toStdString();
    return s;
}

void FactorsView::setSplit(const FactorSplit& s)
{
    const QSignalBlocker b1(splitKind_), b2(fraction_), b3(seed_), b4(validationId_), b5(validationOod_);
    splitKind_->setCurrentIndex(std::max(0, splitKind_->findData(int(s.kind))));
    fraction_->setValue(100 * s.validationFraction);
    seed_->setValue(int(std::min<std::uint64_t>(s.seed, std::uint64_t(seed_->maximum()))));
    // The pair's names are kept as wanted until the run's datasets offer them.
    validationId_->setProperty("wanted", QString::fromStdString(s.validationId));
    validationOod_->setProperty("wanted", QString::fromStdString(s.validationOod));
    fillValidationChoices();
    const bool pair = s.kind == FactorSplit::Kind::Pair;
    seededControls_->setVisible(!pair);
    pairControls_->setVisible(pair);
}

void FactorsView::fillValidationChoices()
{
    const RunResultPtr r = workspace_->result();
    auto fill = [&](QComboBox* combo, bool ood) {
        const QString wanted = combo->currentIndex() >= 0 ? combo->currentData().toString()
                                                          : combo->property("wanted").toString();
        const QString keep = wanted.isEmpty() ? combo->property("wanted").toString() : wanted;
        const QSignalBlocker block(combo);
        combo->clear();
        if (r)
            for (std::size_t i = 0; i < r->datasets.size(); ++i) {
                const DatasetSummary& d = r->datasets[i];
                if (!d.ok() || int(i) == r->idIndex || (d.role == DatasetRole::Ood) != ood)
                    continue;
                combo->addItem(QString::fromStdString(d.name), QString::fromStdString(d.name));
            }
        const int at = combo->findData(keep);
        if (at >= 0)
            combo->setCurrentIndex(at);
        combo->setProperty("wanted", keep);
        combo->setEnabled(combo->count() > 0);
    };
    fill(validationId_, false);
    fill(validationOod_, true);
}

void FactorsView::splitEdited()
{
    const FactorSplit s = split();
    const bool pair = s.kind == FactorSplit::Kind::Pair;
    seededControls_->setVisible(!pair);
    pairControls_->setVisible(pair);
    validationId_->setProperty("wanted", QString::fromStdString(s.validationId));
    validationOod_->setProperty("wanted", QString::fromStdString(s.validationOod));
    if (persist_)
        Settings().setFactorSplit(s);
    splitTimer_->start();
}

void FactorsView::resultChanged()
{
    const RunResultPtr r = workspace_->result();
    fillValidationChoices();
    // Partial results are followed by the final one; only that is analysed.
    if (r && r->partial)
        return;
    if (r == reportOf_ && (report_ || !problem_.isEmpty()))
        return;
    recompute();
}

void FactorsView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // Side by side where both fit, else one above the other (the tab scrolls).
    const Qt::Orientation want = width() >= kSideBySideWidth ? Qt::Horizontal : Qt::Vertical;
    if (figures_->orientation() != want || !splitSized_) {
        figures_->setOrientation(want);
        // The heatmap has six columns of numbers: the larger share when side by side.
        const int length = want == Qt::Horizontal ? width() : std::max(figures_->height(), 600);
        figures_->setSizes({length * 2 / 5, length * 3 / 5});
        splitSized_ = true;
    }
}

void FactorsView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (dirty_)
        recompute();
}

void FactorsView::recompute()
{
    splitTimer_->stop();
    if (cancel_)
        cancel_->store(true); // the one under way is superseded
    if (computing_) {
        // It finishes on its own and deletes itself; its report is dropped.
        disconnect(computing_, nullptr, this, nullptr);
        connect(computing_, &QFutureWatcherBase::finished, computing_, &QObject::deleteLater);
        computing_ = nullptr;
        cancel_.reset();
    }
    const RunResultPtr r = workspace_->result();
    if (!r || r->partial) {
        dirty_ = false;
        setBusy(false);
        if (!r) {
            report_.reset();
            reportOf_.reset();
            problem_.clear();
            fillSelectors();
            showAnalysis();
        }
        return;
    }
    if (!isVisible()) {
        dirty_ = true; // computed when the view is shown
        return;
    }
    dirty_ = false;
    FactorOptions options;
    options.split = split();
    auto flag = std::make_shared<std::atomic<bool>>(false);
    cancel_ = flag;
    auto* watcher = new QFutureWatcher<ReportPtr>(this);
    computing_ = watcher;
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher]() { computed(watcher); });
    // The result and the options are held by the task: the Workspace may move on meanwhile.
    watcher->setFuture(QtConcurrent::run([r, options, flag]() -> ReportPtr {
        const FlagProgressSink sink(flag);
        try {
            return std::make_shared<const FactorReport>(analyseFactors(*r, options, &sink));
        } catch (const Cancelled&) {
            throw AnalysisFailure(std::string(), true);
        } catch (const std::exception& e) {
            throw AnalysisFailure(e.what(), false); // QtConcurrent passes on only QExceptions whole
        }
    }));
    reportOfPending_ = r;
    setBusy(true);
}

void FactorsView::computed(QFutureWatcher<ReportPtr>* watcher)
{
    watcher->deleteLater();
    if (watcher != computing_)
        return;
    computing_ = nullptr;
    cancel_.reset();
    setBusy(false);
    const RunResultPtr of = reportOfPending_;
    reportOfPending_.reset();
    try {
        ReportPtr report = watcher->result();
        problem_.clear();
        report_ = std::move(report);
        reportOf_ = of;
        ++computations_;
    } catch (const AnalysisFailure& f) {
        if (f.cancelled)
            return;
        problem_ = QString::fromStdString(f.what());
        report_.reset();
        reportOf_ = of;
    } catch (const Cancelled&) {
        return;
    } catch (const std::exception& e) {
        problem_ = QString::fromStdString(e.what());
        report_.reset();
        reportOf_ = of;
    }
    fillSelectors();
    showAnalysis();
    if (problem_.isEmpty())
        emit reportReady();
    else
        emit reportFailed(problem_);
}

void FactorsView::setBusy(bool busy)
{
    busy_->setVisible(busy);
    status_->setText(busy ? tr("Computing the factor analysis\u2026") : QString());
    status_->setVisible(busy);
}

void FactorsView::fillSelectors()
{
    const QString method = methodCombo_->currentData().toString();
    const QString ood = oodCombo_->currentData().toString();
    {
        const QSignalBlocker block(methodCombo_);
        methodCombo_->clear();
        if (report_)
            for (const std::string& m : report_->gradientMethods) {
                QString label = QString::fromStdString(m);
                for (const FactorAnalysis& a : report_->analyses)
                    if (a.gradientMethod == m) {
                        label = typesetMethodLabel(a.gradientLabel);
                        break;
                    }
                methodCombo_->addItem(label, QString::fromStdString(m));
            }
        methodCombo_->setCurrentIndex(std::max(0, methodCombo_->findData(method)));
    }
    const QSignalBlocker block(oodCombo_);
    oodCombo_->clear();
    if (report_) {
        const std::string m = methodCombo_->currentData().toString().toStdString();
        for (const FactorAnalysis& a : report_->analyses)
            if (a.gradientMethod == m)
                oodCombo_->addItem(QString::fromStdString(a.ood), QString::fromStdString(a.ood));
    }
    oodCombo_->setCurrentIndex(std::max(0, oodCombo_->findData(ood)));
    methodCombo_->setEnabled(methodCombo_->count() > 1);
    oodCombo_->setEnabled(oodCombo_->count() > 1);
}

const FactorAnalysis* FactorsView::currentAnalysis() const
{
    if (!report_)
        return nullptr;
    const std::string m = methodCombo_->currentData().toString().toStdString();
    const std::string ood = oodCombo_->currentData().toString().toStdString();
    for (const FactorAnalysis& a : report_->analyses)
        if (a.gradientMethod == m && a.ood == ood)
            return &a;
    return nullptr;
}

void FactorsView::showAnalysis()
{
    const FactorAnalysis* a = currentAnalysis();
    chart_->setAnalysis(a);
    heatmap_->setAnalysis(a);
    showCosts();
    if (!a) {
        if (!problem_.isEmpty())
            verdict_->setText(tr("No factor analysis: %1").arg(problem_));
        else if (!workspace_->result())
            verdict_->setText(tr("Run the analysis to see whether the gradient score needs its gradients."));
        else
            verdict_->setText(tr("The factor analysis follows the run."));
        details_->clear();
        details_->setVisible(false);
        return;
    }
    verdict_->setText(typesetMethodLabel(a->verdict));
    QStringList lines;
    const FactorSplit& s = report_->options.split;
    // The analysis's note says how the best member was picked; else the split does.
    if (!a->note.empty())
        lines << QString::fromStdString(a->note) + QLatin1Char('.');
    else if (s.kind == FactorSplit::Kind::Seeded)
        lines << tr("Best member picked on a seeded %1 % of each set (seed %2), reported on the rest.")
                     .arg(100 * s.validationFraction, 0, 'f', 0)
                     .arg(qulonglong(s.seed));
    else
        lines << tr("Best member picked on %1 vs %2, reported on the other OOD sets.")
                     .arg(QString::fromStdString(s.validationId), QString::fromStdString(s.validationOod));
    if (a->haveAutograd)
        lines << tr("The autograd gradient agrees with the closed form to %1 (largest relative difference).")
                     .arg(a->autogradMaxRelativeDifference, 0, 'g', 2);
    for (const std::string& w : report_->warnings)
        lines << QString::fromStdString(w);
    details_->setText(lines.join(QLatin1Char(' ')));
    details_->setVisible(true);
}

void FactorsView::showCosts()
{
    costs_->setRowCount(0);
    if (!report_)
        return;
    const std::string m = methodCombo_->currentData().toString().toStdString();
    const auto& methods = report_->gradientMethods;
    const auto it = std::find(methods.begin(), methods.end(), m);
    const std::size_t index = std::size_t(it - methods.begin());
    if (it == methods.end() || index >= report_->costs.size())
        return;
    const std::vector<CostRow>& rows = report_->costs[index];
    costs_->setRowCount(int(rows.size()));
    for (int i = 0; i < int(rows.size()); ++i) {
        const CostRow& row = rows[std::size_t(i)];
        auto* what = new QTableWidgetItem(QString::fromStdString(row.what));
        what->setToolTip(what->text());
        costs_->setItem(i, 0, what);
        auto* time = new QTableWidgetItem(QString::fromStdString(durationText(row.secondsPerImage)));
        time->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        costs_->setItem(i, 1, time);
        auto* ratio = new QTableWidgetItem(QString::fromStdString(ratioText(row.ratioToClosedForm)));
        ratio->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        costs_->setItem(i, 2, ratio);
        auto* images = new QTableWidgetItem(row.images ? QString::number(row.images) : QStringLiteral("\u2013"));
        images->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        costs_->setItem(i, 3, images);
    }
    costs_->resizeRowsToContents();
    // As tall as its rows: the chart above takes the rest.
    int height = costs_->horizontalHeader()->height() + 2 * costs_->frameWidth();
    for (int i = 0; i < costs_->rowCount(); ++i)
        height += costs_->rowHeight(i);
    costs_->setFixedHeight(std::max(height, 60));
}

} // namespace oodlens::ui
