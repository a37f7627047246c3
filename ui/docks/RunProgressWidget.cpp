// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/RunProgressWidget.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

namespace oodlens::ui {

namespace {
// QProgressBar counts in int; image counts may not fit, so the bar shows per-mille.
constexpr int kBarScale = 1000;
} // namespace

RunProgressWidget::RunProgressWidget(QAction* cancelAction, QWidget* parent)
    : QWidget(parent), label_(new QLabel(this)), bar_(new QProgressBar(this))
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    label_->setMinimumWidth(260);
    bar_->setFixedWidth(180);
    bar_->setRange(0, kBarScale);
    bar_->setTextVisible(false);
    auto* cancel = new QToolButton(this);
    cancel->setDefaultAction(cancelAction);
    cancel->setToolButtonStyle(Qt::ToolButtonTextOnly);
    layout->addWidget(label_);
    layout->addWidget(bar_);
    layout->addWidget(cancel);
    setVisible(false);
}

void RunProgressWidget::begin()
{
    eta_.reset();
    clock_.start();
    label_->setText(tr("starting\u2026"));
    bar_->setRange(0, 0);
    setVisible(true);
}

void RunProgressWidget::setProgress(const QString& stage, qulonglong done, qulonglong total)
{
    if (total == 0) {
        bar_->setRange(0, 0);
        label_->setText(stage + QStringLiteral("\u2026"));
        return;
    }
    eta_.update(stage.toStdString(), done, total, clock_.elapsed() / 1000.0);
    bar_->setRange(0, kBarScale);
    bar_->setValue(static_cast<int>(double(done) / double(total) * kBarScale));
    QString text = tr("%1: %2 / %3").arg(stage).arg(done).arg(total);
    const std::string left = EtaEstimator::format(eta_.secondsLeft());
    if (!left.empty())
        text += QStringLiteral(", ") + QString::fromStdString(left);
    label_->setText(text);
}

void RunProgressWidget::setCancelling()
{
    label_->setText(tr("cancelling\u2026"));
    bar_->setRange(0, 0);
}

void RunProgressWidget::end()
{
    setVisible(false);
    bar_->setRange(0, kBarScale);
    bar_->setValue(0);
}

QString RunProgressWidget::text() const
{
    return label_->text();
}

int RunProgressWidget::value() const
{
    return bar_->value();
}

int RunProgressWidget::maximum() const
{
    return bar_->maximum();
}

} // namespace oodlens::ui
