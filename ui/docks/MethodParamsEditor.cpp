// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/MethodParamsEditor.h"

#include "docks/MethodLabels.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace oodlens::ui {

namespace {

// Ranges and steps that make sense for each kind of parameter.
void configure(QDoubleSpinBox* box, const std::string& name)
{
    if (name == "k") {
        box->setDecimals(0);
        box->setRange(0, 100000);
        box->setSingleStep(1);
    } else if (name == "p") {
        box->setDecimals(1);
        box->setRange(0, 100);
        box->setSingleStep(1);
        box->setSuffix(QStringLiteral(" %"));
    } else if (name == "eps") {
        box->setDecimals(5);
        box->setRange(0, 1);
        box->setSingleStep(0.0002);
    } else {
        box->setDecimals(4);
        box->setRange(0.0001, 100000);
        box->setSingleStep(0.1);
    }
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
        configure(box, spec.name);
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
