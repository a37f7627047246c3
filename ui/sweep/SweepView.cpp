// SPDX-License-Identifier: GPL-3.0-or-later
#include "sweep/SweepView.h"

#include "explore/FlowLayout.h"
#include "plots/OkabeIto.h"
#include "workspace/Workspace.h"

#include "common/Error.h"
#include "methods/Registry.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace oodlens::ui {
namespace {

bool hasGrid(const MethodInfo& m)
{
    return std::any_of(m.params.begin(), m.params.end(), [](const ParamSpec& p) { return !p.grid.empty(); });
}

double metricOf(const BinaryMetrics& m, SweepObjective objective)
{
    return 100.0 * (objective == SweepObjective::Auroc ? m.auroc : m.fpr95_id);
}

QString metricName(SweepObjective objective)
{
    return objective == SweepObjective::Auroc ? QStringLiteral("AUROC") : QStringLiteral("FPR@95");
}

QString valuesText(const SweepValues& v) { return QString::fromStdString(sweepValuesText(v)); }

} // namespace

SweepPlot::SweepPlot(QWidget* parent) : QCustomPlot(parent)
{
    setObjectName(QStringLiteral("sweepPlot"));
    setMinimumHeight(220);
    legend->setVisible(true);
    legend->setBrush(QColor(255, 255, 255, 220));
    placeholder_ = new QCPItemText(this);
    placeholder_->position->setType(QCPItemPosition::ptAxisRectRatio);
    placeholder_->position->setCoords(0.5, 0.5);
    placeholder_->setText(tr("No sweep yet: choose a method and press Sweep"));
    placeholder_->setColor(Qt::gray);
    setSweep(nullptr);
}

void SweepPlot::setSweep(const SweepResult* s)
{
    clearGraphs();
    clearItems(); // the placeholder too: made again below
    lines_.clear();
    placeholder_ = new QCPItemText(this);
    placeholder_->position->setType(QCPItemPosition::ptAxisRectRatio);
    placeholder_->position->setCoords(0.5, 0.5);
    placeholder_->setColor(Qt::gray);
    placeholder_->setText(tr("No sweep yet: choose a method and press Sweep"));
    xAxis->setScaleType(QCPAxis::stLinear);
    xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    if (!s || s->points.empty()) {
        legend->setVisible(false);
        xAxis->setLabel(QString());
        yAxis->setLabel(QString());
        replot();
        return;
    }
    placeholder_->setVisible(false);
    legend->setVisible(true);
    const SweepObjective objective = s->settings.objective;
    const bool single = s->params.size() == 1;
    QVector<double> x;
    double lo = INFINITY, hi = -INFINITY; // over the values that could be scored
    for (std::size_t i = 0; i < s->points.size(); ++i) {
        const double v = single ? s->points[i].values.at(s->params.front()) : double(i);
        x.push_back(v);
        if (s->points[i].ok()) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    if (!(lo <= hi))
        lo = hi = x.front();
    const bool logScale = single && lo > 0 && hi / lo >= 20;
    if (logScale)
        xAxis->setScaleType(QCPAxis::stLogarithmic);
    // Ticks at the grid's own values (the values a sweep can choose), labelled with them.
    auto ticker = QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText);
    for (std::size_t i = 0; i < s->points.size(); ++i)
        if (s->points[i].ok())
            ticker->addTick(x[int(i)], single ? QString::number(x[int(i)], 'g', 6) : valuesText(s->points[i].values));
    xAxis->setTicker(ticker);
    xAxis->setTickLabelRotation(!single && s->points.size() > 6 ? 60 : 0);
    xAxis->setLabel(single ? QString::fromStdString(s->request.method + "." + s->params.front())
                           : tr("%1 values").arg(QString::fromStdString(s->request.method)));
    yAxis->setLabel(tr("%1 (%)").arg(metricName(objective)));

    auto addLine = [&](const QString& name, const std::vector<double>& y, const QPen& pen) {
        QCPGraph* g = addGraph();
        g->setName(name);
        g->setPen(pen);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, pen.color(), pen.color(), 6));
        QVector<double> ys(y.begin(), y.end());
        QVector<double> xs = x;
        g->setData(xs, ys, true);
        lines_.push_back({name, y});
    };
    std::vector<double> validation;
    for (const SweepPoint& p : s->points)
        validation.push_back(p.ok() ? 100.0 * p.objective : NAN);
    QString vName = tr("validation");
    if (s->validationOods.size() == 1)
        vName += QStringLiteral(": ") + QString::fromStdString(s->validationOods.front());
    else
        vName += tr(" (mean of %1 sets)").arg(s->validationOods.size());
    QPen vPen(QColor(30, 30, 30), 2.2);
    addLine(vName, validation, vPen);
    for (std::size_t t = 0; t < s->testOods.size(); ++t) {
        std::vector<double> y;
        for (const SweepPoint& p : s->points)
            y.push_back(t < p.test.size() ? metricOf(p.test[t], objective) : NAN);
        QPen pen(datasetColor(int(t) + 1), 1.6, Qt::DashLine);
        addLine(tr("test: %1").arg(QString::fromStdString(s->testOods[t])), y, pen);
    }
    if (const SweepPoint* c = s->chosen()) {
        auto* mark = new QCPItemStraightLine(this);
        const double cx = x[s->best];
        mark->point1->setCoords(cx, 0);
        mark->point2->setCoords(cx, 1);
        mark->setPen(QPen(okabeItoColor(2), 1.2, Qt::DotLine));
        auto* label = new QCPItemText(this);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(cx, 0.04);
        // Beside the mark, on the side with room (the chosen value is often an end of the grid).
        const bool rightHalf = 2 * s->best >= int(s->points.size());
        label->setPositionAlignment((rightHalf ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignTop);
        label->setText(tr(" chosen %1 ").arg(valuesText(c->values)));
        label->setColor(okabeItoColor(2).darker(130));
        label->setBrush(QColor(255, 255, 255, 200));
    }
    rescaleAxes();
    const double pad = logScale ? 0 : std::max(0.5, (hi - lo) * 0.06);
    if (logScale)
        xAxis->setRange(lo / 1.6, hi * 1.6);
    else
        xAxis->setRange(lo - pad, hi + pad);
    const QCPRange y = yAxis->range();
    // Metrics are percentages: some room around the lines, never beyond [-1, 101].
    yAxis->setRange(std::max(-1.0, y.lower - 0.08 * std::max(1.0, y.size())),
                    std::min(101.0, y.upper + 0.12 * std::max(1.0, y.size())));
    legend->setVisible(true);
    axisRect()->insetLayout()->setInsetAlignment(0, objective == SweepObjective::Auroc ? Qt::AlignBottom | Qt::AlignRight
                                                                                         : Qt::AlignTop | Qt::AlignRight);
    replot();
}

SweepView::SweepView(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace)
{
    setObjectName(QStringLiteral("sweepView"));
    method_ = new QComboBox(this);
    method_->setObjectName(QStringLiteral("sweepMethod"));
    for (const MethodInfo& m : methodRegistry())
        if (hasGrid(m))
            method_->addItem(QString::fromStdString(m.label), QString::fromStdString(m.id));
    param_ = new QComboBox(this);
    param_->setObjectName(QStringLiteral("sweepParam"));
    metric_ = new QComboBox(this);
    metric_->setObjectName(QStringLiteral("sweepMetric"));
    metric_->addItem(tr("AUROC (highest)"), int(SweepObjective::Auroc));
    metric_->addItem(tr("FPR@95 (lowest)"), int(SweepObjective::Fpr95));
    fraction_ = new QDoubleSpinBox(this);
    fraction_->setObjectName(QStringLiteral("sweepFraction"));
    fraction_->setRange(0.05, 0.9);
    fraction_->setSingleStep(0.05);
    fraction_->setDecimals(2);
    fraction_->setValue(SweepSettings().idFraction);
    fraction_->setToolTip(tr("Without a validation ID set: the share of the ID test set used as validation ID images "
                             "(seeded); the sweep's test metrics use the rest"));
    seed_ = new QSpinBox(this);
    seed_->setObjectName(QStringLiteral("sweepSeed"));
    seed_->setRange(0, 1000000);
    seed_->setToolTip(tr("Seed of the ID validation split"));
    sweep_ = new QPushButton(tr("Sweep"), this);
    sweep_->setObjectName(QStringLiteral("sweepButton"));
    sweep_->setToolTip(tr("Score every value of the grid on the validation pair and choose the best (Ctrl+Shift+W)"));
    sweep_->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+W")));
    apply_ = new QPushButton(tr("Apply best"), this);
    apply_->setObjectName(QStringLiteral("sweepApply"));
    apply_->setToolTip(tr("Set the chosen values as the method's parameters and rescore"));
    apply_->setEnabled(false);
    hint_ = new QLabel(this);
    hint_->setObjectName(QStringLiteral("sweepHint"));
    hint_->setWordWrap(true);
    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("sweepSummary"));
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    plot_ = new SweepPlot(this);
    table_ = new QTableWidget(this);
    table_->setObjectName(QStringLiteral("sweepTable"));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->setVisible(false);
    table_->setMinimumHeight(120);

    // A flow of label + control pairs: the tab never sets the window's minimum width.
    auto* controls = new FlowLayout(nullptr, 14, 4);
    auto labelled = [&](const QString& text, QWidget* w) {
        auto* pair = new QWidget(this);
        auto* row = new QHBoxLayout(pair);
        row->setContentsMargins(0, 0, 0, 0);
        row->setSpacing(6);
        auto* l = new QLabel(text, pair);
        l->setBuddy(w);
        row->addWidget(l);
        row->addWidget(w);
        controls->addWidget(pair);
    };
    labelled(tr("&Method"), method_);
    labelled(tr("&Parameter"), param_);
    labelled(tr("M&etric"), metric_);
    labelled(tr("ID validation &share"), fraction_);
    labelled(tr("Seed"), seed_);
    controls->addWidget(sweep_);
    controls->addWidget(apply_);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(plot_);
    splitter->addWidget(table_);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(hint_);
    layout->addWidget(summary_);
    layout->addWidget(splitter, 1);

    connect(method_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        fillParams();
        refresh();
    });
    connect(sweep_, &QPushButton::clicked, this, &SweepView::startSweep);
    connect(apply_, &QPushButton::clicked, this, &SweepView::applyBest);
    connect(workspace_, &Workspace::resultChanged, this, &SweepView::refresh);
    connect(workspace_, &Workspace::configChanged, this, &SweepView::updateHint);
    connect(workspace_, &Workspace::paramsChanged, this, &SweepView::refresh);
    if (const int energy = method_->findData(QStringLiteral("energy")); energy >= 0)
        method_->setCurrentIndex(energy);
    fillParams();
    refresh();
}

void SweepView::fillParams()
{
    param_->clear();
    const MethodInfo* m = findMethod(method_->currentData().toString().toStdString());
    if (!m)
        return;
    int withGrid = 0;
    for (const ParamSpec& p : m->params)
        withGrid += !p.grid.empty();
    if (withGrid > 1)
        param_->addItem(tr("all (%1 together)").arg(withGrid), QString());
    for (const ParamSpec& p : m->params)
        if (!p.grid.empty())
            param_->addItem(QStringLiteral("%1 (%2 values)").arg(QString::fromStdString(p.name)).arg(p.grid.size()),
                            QString::fromStdString(p.name));
}

SweepRequest SweepView::request() const
{
    SweepRequest r;
    r.method = method_->currentData().toString().toStdString();
    if (const QString p = param_->currentData().toString(); !p.isEmpty())
        r.params = {p.toStdString()};
    return r;
}

SweepSettings SweepView::settings() const
{
    SweepSettings s;
    s.objective = SweepObjective(metric_->currentData().toInt());
    s.idFraction = fraction_->value();
    s.seed = static_cast<std::uint64_t>(seed_->value());
    return s;
}

void SweepView::setRequest(const SweepRequest& request, const SweepSettings& settings)
{
    if (const int i = method_->findData(QString::fromStdString(request.method)); i >= 0)
        method_->setCurrentIndex(i);
    fillParams();
    if (!request.params.empty())
        if (const int i = param_->findData(QString::fromStdString(request.params.front())); i >= 0)
            param_->setCurrentIndex(i);
    metric_->setCurrentIndex(metric_->findData(int(settings.objective)));
    fraction_->setValue(settings.idFraction);
    seed_->setValue(static_cast<int>(std::min<std::uint64_t>(settings.seed, 1000000)));
    refresh();
}

const SweepResult* SweepView::shownSweep() const
{
    if (!result_)
        return nullptr;
    const std::string method = method_->currentData().toString().toStdString();
    for (const SweepResult& s : result_->sweeps)
        if (s.request.method == method)
            return &s;
    return nullptr;
}

void SweepView::startSweep()
{
    if (!workspace_->config().hasRole(DatasetRole::ValidationOod)) {
        updateHint();
        return;
    }
    workspace_->setSweep(request(), settings());
}

void SweepView::applyBest()
{
    const SweepResult* s = shownSweep();
    if (!s || !s->chosen())
        return;
    for (const auto& [name, value] : s->chosen()->values)
        workspace_->setParam(QString::fromStdString(s->request.method + "." + name), value);
}

void SweepView::updateHint()
{
    const RunConfig& c = workspace_->config();
    const bool haveOod = c.hasRole(DatasetRole::ValidationOod);
    const bool haveId = c.hasRole(DatasetRole::ValidationId);
    fraction_->setEnabled(!haveId);
    seed_->setEnabled(!haveId);
    sweep_->setEnabled(haveOod && method_->count() > 0);
    if (!haveOod)
        hint_->setText(tr("<b>A sweep needs a validation OOD set.</b> Add one in the Datasets dock (Add…, role "
                          "\"Validation OOD set\") or with --val-ood NAME=PATH: values are chosen on it and on "
                          "validation ID images, never on the test OOD sets."));
    else
        hint_->setText(haveId ? tr("Validation pair: the validation ID set against the validation OOD sets.")
                              : tr("Validation pair: a seeded %1 % of the ID test set against the validation OOD sets; "
                                   "the sweep's test metrics use the other ID images.")
                                    .arg(fraction_->value() * 100, 0, 'f', 0));
}

void SweepView::refresh()
{
    const RunResultPtr r = workspace_->result();
    if (!r || !r->partial)
        result_ = r; // partial results carry no sweeps: keep the last final one
    updateHint();
    const SweepResult* s = shownSweep();
    plot_->setSweep(s);
    table_->clear();
    table_->setRowCount(0);
    apply_->setEnabled(false);
    if (!s) {
        summary_->setText(QString());
        table_->setColumnCount(0);
        return;
    }
    const SweepObjective objective = s->settings.objective;
    const QString metric = metricName(objective);
    QStringList headers{tr("Value"), tr("Validation %1").arg(metric)};
    for (const std::string& t : s->testOods)
        headers << tr("Test %1: %2").arg(metric, QString::fromStdString(t));
    headers << tr("Note");
    table_->setColumnCount(headers.size());
    table_->setHorizontalHeaderLabels(headers);
    table_->setRowCount(int(s->points.size()));
    auto cell = [&](int row, int col, const QString& text, bool bold) {
        auto* item = new QTableWidgetItem(text);
        if (bold) {
            QFont f = item->font();
            f.setBold(true);
            item->setFont(f);
        }
        if (col > 0 && col < headers.size() - 1)
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table_->setItem(row, col, item);
    };
    auto pct = [](double v) { return std::isfinite(v) ? QString::number(v, 'f', 2) : QStringLiteral("–"); };
    for (int i = 0; i < int(s->points.size()); ++i) {
        const SweepPoint& p = s->points[std::size_t(i)];
        const bool best = i == s->best;
        cell(i, 0, valuesText(p.values) + (best ? tr("  (chosen)") : QString()), best);
        cell(i, 1, p.ok() ? pct(100.0 * p.objective) : QStringLiteral("–"), best);
        for (std::size_t t = 0; t < s->testOods.size(); ++t)
            cell(i, int(2 + t), t < p.test.size() ? pct(metricOf(p.test[t], objective)) : QStringLiteral("–"), best);
        cell(i, headers.size() - 1, QString::fromStdString(p.error), false);
    }
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    const SweepPoint* c = s->chosen();
    if (!c) {
        summary_->setText(tr("No value of the grid could be scored."));
        return;
    }
    // Whether the chosen values are what the method is scored with now.
    bool applied = true;
    try {
        const ParamValues now = workspace_->config().params.resolve(s->request.method);
        for (const auto& [name, value] : c->values)
            applied = applied && now.get(name) == value;
    } catch (const Error&) {
        applied = false;
    }
    apply_->setEnabled(!applied);
    QString vo;
    for (const std::string& n : s->validationOods)
        vo += (vo.isEmpty() ? QString() : QStringLiteral(", ")) + QString::fromStdString(n);
    summary_->setText(tr("<b>Chosen %1</b> (validation %2 %3 %, on %4 against %5)%6. %7")
                          .arg(valuesText(c->values), metric, pct(100.0 * c->objective),
                               QString::fromStdString(s->validationId).toHtmlEscaped(), vo.toHtmlEscaped(),
                               s->note.empty() ? QString() : QStringLiteral("; ") + QString::fromStdString(s->note),
                               applied ? tr("These are the method's parameters now.")
                                       : tr("Apply best sets them as the method's parameters.")));
}

} // namespace oodlens::ui
