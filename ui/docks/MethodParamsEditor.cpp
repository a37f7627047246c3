// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/MethodParamsEditor.h"

#include "docks/MethodLabels.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace oodlens::ui {

namespace {

// The box's range is the registry's (ParamSpec: min, max, exclusive ends, integer), so that the
// editor offers exactly the values the engine accepts; only the display (decimals, step, a "%"
// on percentiles) depends on the kind of parameter.
void configure(QDoubleSpinBox* box, const ParamSpec& spec)
{
    int decimals = 4;
    double step = 0.1;
    if (spec.integer) {
        decimals = 0;
        step = 1;
    } else if (spec.name == "p") {
        decimals = 1;
        step = 1;
        box->setSuffix(QStringLiteral(" %"));
    } else if (spec.name == "eps") {
        decimals = 5;
        step = 0.0002;
    }
    const double unit = std::pow(10.0, -decimals); // the smallest step the box can show
    const double bound = 1e9;
    double lo = std::isfinite(spec.min) ? spec.min + (spec.minExclusive ? unit : 0.0) : -bound;
    double hi = std::isfinite(spec.max) ? spec.max - (spec.maxExclusive ? unit : 0.0) : bound;
    box->setDecimals(decimals);
    box->setRange(std::max(lo, -bound), std::min(hi, bound));
    box->setSingleStep(step);
}

} // namespace

MethodParamsEditor::MethodParamsEditor(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("methodParams"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    form_ = new QFormLayout;
    layout->addLayout(form_);
    empty_ = new QLabel(this);
    empty_->setWordWrap(true);
    empty_->setStyleSheet(QStringLiteral("QLabel { color: palette(mid); }"));
    layout->addWidget(empty_);
    layout->addStretch(1);
}

void MethodParamsEditor::setMethod(const QString& method, const ScoreParams& params)
{
    method_ = method;
    while (form_->rowCount() > 0)
        form_->removeRow(0);
    editors_.clear();
    switches_.clear();
    const MethodInfo* info = findMethod(method.toStdString());
    if (!info || info->params.empty()) {
        empty_->setText(method.isEmpty() ? tr("Pick a method to see its parameters.")
                                         : tr("%1 has no parameters.").arg(methodDisplayLabel(method.toStdString())));
        empty_->setVisible(true);
        return;
    }
    empty_->setVisible(false);
    for (const ParamSpec& spec : info->params) {
        const QString key = method + QLatin1Char('.') + QString::fromStdString(spec.name);
        if (spec.isSwitch()) {
            const bool isFlip = spec.name == kFlipParam;
            auto* check = new QCheckBox(isFlip ? tr("Flip orientation")
                                               : QString::fromStdString(spec.help),
                                        this);
            check->setChecked(params.value(info->id, spec) == 1);
            check->setObjectName(QStringLiteral("param_") + key);
            check->setToolTip(tr("%1 (default %2); key %3, e.g. --param %3=1")
                                  .arg(QString::fromStdString(spec.help))
                                  .arg(spec.defaultValue)
                                  .arg(key));
            connect(check, &QCheckBox::toggled, this, [this, key](bool on) { emit paramChanged(key, on ? 1.0 : 0.0); });
            form_->addRow(isFlip ? QString() : QString::fromStdString(spec.name) + QLatin1Char(':'), check);
            switches_.emplace_back(QString::fromStdString(spec.name), check);
            continue;
        }
        auto* box = new QDoubleSpinBox(this);
        configure(box, spec);
        box->setKeyboardTracking(false); // report once typing is done, not per keystroke
        box->setValue(params.value(info->id, spec));
        box->setObjectName(QStringLiteral("param_") + key);
        box->setToolTip(
            tr("%1 (default %2); key %3").arg(QString::fromStdString(spec.help)).arg(spec.defaultValue).arg(key));
        connect(box, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
                [this, key](double value) { emit paramChanged(key, value); });
        form_->addRow(QString::fromStdString(spec.name) + QLatin1Char(':'), box);
        editors_.emplace_back(QString::fromStdString(spec.name), box);
    }
}

QCheckBox* MethodParamsEditor::switchFor(const QString& name) const
{
    for (const auto& [n, check] : switches_)
        if (n == name)
            return check;
    return nullptr;
}

QDoubleSpinBox* MethodParamsEditor::editorFor(const QString& name) const
{
    for (const auto& [n, box] : editors_)
        if (n == name)
            return box;
    return nullptr;
}

} // namespace oodlens::ui
