// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/PreprocessPanel.h"

#include "common/Error.h"
#include "model/Classifier.h"
#include "run/Options.h"
#include "workspace/Workspace.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <map>

namespace oodlens::ui {

namespace {

constexpr int kMaxPixels = 100000; // settings::kResize's range

QString listText(const std::vector<float>& values)
{
    QStringList parts;
    for (float v : values)
        parts << QString::number(static_cast<double>(v), 'g', 6);
    return parts.join(QStringLiteral(", "));
}

QSpinBox* pixelSpin(QWidget* parent, const QString& name)
{
    auto* spin = new QSpinBox(parent);
    spin->setObjectName(name);
    spin->setRange(0, kMaxPixels);
    spin->setAccelerated(true);
    // The "auto: ..." text must not widen the dock: the tooltip and the origin say it in full.
    spin->setMinimumWidth(56);
    return spin;
}

// What the GUI calls an origin: "set here" for the user's own values, the core's words otherwise.
QString originWord(PreprocessOrigin origin, const std::string& preset)
{
    switch (origin) {
    case PreprocessOrigin::Option: return PreprocessPanel::tr("set here");
    case PreprocessOrigin::Preset: return PreprocessPanel::tr("preset %1").arg(QString::fromStdString(preset));
    default: return QString::fromLatin1(preprocessOriginName(origin));
    }
}

} // namespace

PreprocessPanel::PreprocessPanel(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace)
{
    setObjectName(QStringLiteral("preprocessPanel"));
    guess_ = new QLabel(this);
    guess_->setObjectName(QStringLiteral("guessLine"));
    guess_->setWordWrap(true);
    guess_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    guess_->setStyleSheet(QStringLiteral("QLabel { background: #FFF4CE; color: #5C4400; border: 1px solid #E0C36A;"
                                         " border-radius: 3px; padding: 4px; }"));
    guess_->hide();

    preset_ = new QComboBox(this);
    preset_->setObjectName(QStringLiteral("preset"));
    preset_->addItem(tr("(none)"), QString());
    for (const std::string& name : PreprocessSpec::presetNames())
        preset_->addItem(QString::fromStdString(name), QString::fromStdString(name));
    preset_->setToolTip(tr("Fill every field from a preset; the fields below can then override it"));
    resize_ = pixelSpin(this, QStringLiteral("resize"));
    resize_->setToolTip(tr("Resize the shorter side to this many pixels (bilinear), before the crop"));
    crop_ = pixelSpin(this, QStringLiteral("crop"));
    crop_->setToolTip(tr("Centre crop to N \u00d7 N pixels"));
    channels_ = new QComboBox(this);
    channels_->setObjectName(QStringLiteral("channels"));
    channels_->addItem(tr("auto"), 0);
    channels_->addItem(tr("1 (grey)"), 1);
    channels_->addItem(tr("3 (RGB)"), 3);
    channels_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    channels_->setMinimumContentsLength(6);
    preset_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    preset_->setMinimumContentsLength(6);
    height_ = pixelSpin(this, QStringLiteral("height"));
    width_ = pixelSpin(this, QStringLiteral("width"));
    height_->setToolTip(tr("Input height; images of another size are resized to it (with the width)"));
    width_->setToolTip(tr("Input width; images of another size are resized to it (with the height)"));
    mean_ = new QLineEdit(this);
    mean_->setObjectName(QStringLiteral("mean"));
    mean_->setMinimumWidth(56);
    mean_->setToolTip(tr("Per-channel mean on pixels scaled to [0, 1]: one value, or one per channel"));
    std_ = new QLineEdit(this);
    std_->setObjectName(QStringLiteral("std"));
    std_->setMinimumWidth(56);
    std_->setToolTip(tr("Per-channel standard deviation (> 0): one value, or one per channel"));

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto row = [this, form](const QString& label, QWidget* editor, const char* name) {
        auto* line = new QHBoxLayout;
        line->addWidget(editor, 1);
        auto* origin = new QLabel(this);
        origin->setObjectName(QStringLiteral("origin_") + QLatin1String(name));
        origin->setMinimumWidth(48);
        origin->setStyleSheet(QStringLiteral("QLabel { color: palette(mid); }"));
        line->addWidget(origin);
        form->addRow(label, line);
    };
    form->addRow(tr("Preset:"), preset_);
    row(tr("Resize:"), resize_, "resize");
    row(tr("Crop:"), crop_, "crop");
    row(tr("Channels:"), channels_, "channels");
    auto* size = new QWidget(this);
    auto* sizeLine = new QHBoxLayout(size);
    sizeLine->setContentsMargins(0, 0, 0, 0);
    sizeLine->addWidget(height_, 1);
    sizeLine->addWidget(new QLabel(QStringLiteral("\u00d7"), size));
    sizeLine->addWidget(width_, 1);
    row(tr("Size (H \u00d7 W):"), size, "size");
    row(tr("Mean:"), mean_, "mean");
    row(tr("Std:"), std_, "std");

    error_ = new QLabel(this);
    error_->setObjectName(QStringLiteral("preprocessError"));
    error_->setWordWrap(true);
    error_->setStyleSheet(QStringLiteral("QLabel { color: #B3261E; }"));
    error_->hide();
    apply_ = new QPushButton(tr("Apply"), this);
    apply_->setToolTip(tr("Use these values: results made with others are cleared, and the analysis reruns"));
    reset_ = new QPushButton(tr("Use the model's"), this);
    reset_->setToolTip(tr("Forget the values set here: the model's sidecar or input shape decides"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(apply_);
    buttons->addWidget(reset_);
    buttons->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(guess_);
    layout->addLayout(form);
    layout->addWidget(error_);
    layout->addLayout(buttons);
    layout->addStretch(1);

    connect(preset_, qOverload<int>(&QComboBox::activated), this, &PreprocessPanel::presetChosen);
    for (QSpinBox* spin : {resize_, crop_, height_, width_})
        connect(spin, qOverload<int>(&QSpinBox::valueChanged), this, &PreprocessPanel::updateApply);
    connect(channels_, qOverload<int>(&QComboBox::currentIndexChanged), this, &PreprocessPanel::updateApply);
    for (QLineEdit* edit : {mean_, std_}) {
        connect(edit, &QLineEdit::textEdited, this, &PreprocessPanel::updateApply);
        connect(edit, &QLineEdit::returnPressed, this, &PreprocessPanel::apply);
    }
    connect(apply_, &QPushButton::clicked, this, &PreprocessPanel::apply);
    connect(reset_, &QPushButton::clicked, this, &PreprocessPanel::useModelDefaults);
    connect(workspace_, &Workspace::configChanged, this, &PreprocessPanel::showConfig);
    connect(workspace_, &Workspace::preprocessChanged, this, &PreprocessPanel::showConfig);
    connect(workspace_, &Workspace::resultChanged, this, &PreprocessPanel::showOrigins);
    showConfig();
}

void PreprocessPanel::showConfig()
{
    const PreprocessSpec& p = workspace_->config().preprocess;
    const int presetIndex = preset_->findData(QString::fromStdString(p.presetName));
    preset_->setCurrentIndex(presetIndex < 0 ? 0 : presetIndex);
    fillEditors(p);
    error_->hide();
    showOrigins();
    updateApply();
}

void PreprocessPanel::showOrigins()
{
    const std::optional<ResolvedPreprocess> r = workspace_->resolvedPreprocess();
    std::map<std::string, QString> value, origin;
    if (r)
        for (const ResolvedPreprocess::Field& f : r->fields()) {
            value[f.name] = QString::fromStdString(f.value);
            origin[f.name] = originWord(f.origin, r->preset);
        }
    const QString unknown = workspace_->config().modelPath.empty() ? tr("no model") : tr("at the next run");
    for (const char* name : {"resize", "crop", "channels", "size", "mean", "std"}) {
        auto* label = findChild<QLabel*>(QStringLiteral("origin_") + QLatin1String(name));
        if (!label)
            continue;
        const auto it = origin.find(name);
        label->setText(it != origin.end() ? it->second : QStringLiteral("\u2014"));
        label->setToolTip(it != origin.end() ? tr("%1 (%2)").arg(value[name], it->second) : unknown);
    }
    // "auto" fields show what the model side gives them.
    auto autoText = [&](const char* name) {
        const auto it = value.find(name);
        return it != value.end() ? tr("auto: %1").arg(it->second) : tr("auto (%1)").arg(unknown);
    };
    resize_->setSpecialValueText(autoText("resize"));
    crop_->setSpecialValueText(autoText("crop"));
    height_->setSpecialValueText(autoText("size"));
    width_->setSpecialValueText(tr("auto"));
    channels_->setItemText(0, autoText("channels"));
    mean_->setPlaceholderText(autoText("mean"));
    std_->setPlaceholderText(autoText("std"));

    const QString note = r ? QString::fromStdString(guessNote(*r, "set the values below, or put a sidecar model.json "
                                                                  "next to the model"))
                           : QString();
    guess_->setText(note.isEmpty() ? QString() : note.left(1).toUpper() + note.mid(1));
    guess_->setVisible(!note.isEmpty());
}

QString PreprocessPanel::originText(const QString& name) const
{
    const auto* label = findChild<QLabel*>(QStringLiteral("origin_") + name);
    return label ? label->text() : QString();
}

QString PreprocessPanel::guessText() const
{
    return guess_->isVisible() || !guess_->text().isEmpty() ? guess_->text() : QString();
}

PreprocessSpec PreprocessPanel::editedSpec() const
{
    PreprocessSpec p;
    p.presetName = preset_->currentData().toString().toStdString();
    p.resize = resize_->value();
    p.crop = crop_->value();
    p.channels = channels_->currentData().toInt();
    p.height = height_->value();
    p.width = width_->value();
    if ((p.height > 0) != (p.width > 0))
        throw Error("Size: give both the height and the width, or neither (auto)");
    const QString mean = mean_->text().trimmed(), stddev = std_->text().trimmed();
    if (!mean.isEmpty())
        p.mean = parseFloatList(mean.toStdString(), "Mean");
    if (!stddev.isEmpty())
        p.stddev = parseFloatList(stddev.toStdString(), "Std");
    validatePreprocess(p, ValueSource{"the Preprocessing panel"});
    return p;
}

bool PreprocessPanel::apply()
{
    PreprocessSpec p;
    try {
        p = editedSpec();
    } catch (const Error& e) {
        error_->setText(QString::fromStdString(e.what()));
        error_->show();
        return false;
    }
    error_->hide();
    workspace_->setPreprocess(p);
    updateApply();
    return true;
}

void PreprocessPanel::useModelDefaults()
{
    error_->hide();
    workspace_->setPreprocess(PreprocessSpec());
    showConfig();
}

void PreprocessPanel::presetChosen(int index)
{
    const std::string name = preset_->itemData(index).toString().toStdString();
    fillEditors(name.empty() ? PreprocessSpec() : PreprocessSpec::preset(name));
    updateApply();
}

void PreprocessPanel::fillEditors(const PreprocessSpec& p)
{
    filling_ = true;
    resize_->setValue(p.resize);
    crop_->setValue(p.crop);
    const int channelsIndex = channels_->findData(p.channels);
    channels_->setCurrentIndex(channelsIndex < 0 ? 0 : channelsIndex);
    height_->setValue(p.height);
    width_->setValue(p.width);
    mean_->setText(listText(p.mean));
    std_->setText(listText(p.stddev));
    filling_ = false;
}

void PreprocessPanel::updateApply()
{
    if (filling_)
        return;
    bool changed = true;
    try {
        const PreprocessSpec p = editedSpec();
        const PreprocessSpec& c = workspace_->config().preprocess;
        changed = p.describe() != c.describe() || p.presetName != c.presetName;
    } catch (const Error&) {
        changed = true; // Apply then says what is wrong
    }
    apply_->setEnabled(changed);
    reset_->setEnabled(!workspace_->config().preprocess.isUnset());
}

} // namespace oodlens::ui
