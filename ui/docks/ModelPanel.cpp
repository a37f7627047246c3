// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/ModelPanel.h"

#include "workspace/Workspace.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace oodlens::ui {

namespace {

const char* const kFields[] = {"Classes", "Feature dim", "Head", "Feature source", "Forward", "Input", "Sidecar", "SHA-256"};

} // namespace

ModelPanel::ModelPanel(Workspace* workspace, QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("modelPanel"));
    path_ = new QLabel(tr("No model"), this);
    path_->setWordWrap(true);
    path_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    open_ = new QPushButton(tr("Open model\u2026"), this);
    open_->setToolTip(tr("A TorchScript image classifier (Ctrl+O)"));
    form_ = new QFormLayout;
    for (const char* name : kFields) {
        auto* value = new QLabel(this);
        value->setObjectName(QString::fromLatin1(name));
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form_->addRow(tr(name) + QLatin1Char(':'), value);
    }
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(path_);
    layout->addLayout(form_);
    layout->addWidget(open_, 0, Qt::AlignLeft);
    layout->addStretch(1);
    connect(open_, &QPushButton::clicked, this, &ModelPanel::openRequested);
    // The details of the configured model once it is known: opened and checked, or from a result.
    auto show = [this, workspace]() {
        if (const ModelInfo* info = workspace->modelInfo()) {
            setInfo(*info);
            // The class names a run found for it (sidecar, classes.txt, the ID folders).
            const RunResultPtr r = workspace->result();
            if (r && workspace->resultMatchesModel() && !r->classNames.empty()) {
                QStringList names;
                for (std::size_t i = 0; i < r->classNames.size() && i < 4; ++i)
                    names << QString::fromStdString(r->classNames[i]);
                if (r->classNames.size() > 4)
                    names << QStringLiteral("\u2026");
                setField(QStringLiteral("Classes"),
                         tr("%1 (%2; names from %3)")
                             .arg(info->classes)
                             .arg(names.join(QStringLiteral(", ")),
                                  QFileInfo(QString::fromStdString(r->classNamesSource)).fileName()));
            }
        } else
            setModelPath(QString::fromStdString(workspace->config().modelPath));
    };
    connect(workspace, &Workspace::configChanged, this, show);
    connect(workspace, &Workspace::preprocessChanged, this, show);
    connect(workspace, &Workspace::resultChanged, this, show);
    show();
}

void ModelPanel::setField(const QString& name, const QString& value)
{
    if (auto* label = findChild<QLabel*>(name))
        label->setText(value);
}

QString ModelPanel::field(const QString& name) const
{
    const auto* label = findChild<QLabel*>(name);
    return label ? label->text() : QString();
}

void ModelPanel::setModelPath(const QString& path)
{
    path_->setText(path.isEmpty() ? tr("No model")
                                  : QStringLiteral("<b>%1</b>").arg(QFileInfo(path).fileName().toHtmlEscaped()));
    path_->setToolTip(path);
    for (const char* name : kFields)
        setField(QString::fromLatin1(name), name == kFields[0] && !path.isEmpty() ? tr("(loaded at the next run)") : QString());
}

void ModelPanel::setInfo(const ModelInfo& info)
{
    setModelPath(QString::fromStdString(info.path));
    setField(QStringLiteral("Classes"), QString::number(info.classes));
    setField(QStringLiteral("Feature dim"), QString::number(info.featureDim));
    setField(QStringLiteral("Head"), QString::fromStdString(info.headName));
    setField(QStringLiteral("Feature source"), QString::fromStdString(info.featureSource));
    setField(QStringLiteral("Forward"), QString::fromStdString(info.forwardNote));
    QStringList input;
    for (int v : info.inputHint)
        input << QString::number(v);
    QString source;
    switch (info.inputSource) {
    case ModelInfo::InputSource::Sidecar: source = tr("from the sidecar"); break;
    case ModelInfo::InputSource::Option: source = tr("from the preprocessing"); break;
    case ModelInfo::InputSource::Probe: source = tr("a probe shape it accepted"); break;
    case ModelInfo::InputSource::None: break;
    }
    const QString sizes = info.acceptsOtherSizes ? tr("also runs at other sizes") : tr("runs at this size only");
    setField(QStringLiteral("Input"), input.isEmpty() ? tr("not given")
                                                      : tr("%1 (%2; %3)").arg(input.join(QStringLiteral(" \u00d7 ")),
                                                                              source, sizes));
    setField(QStringLiteral("Sidecar"),
             info.sidecarPath.empty() ? tr("none") : QFileInfo(QString::fromStdString(info.sidecarPath)).fileName());
    setField(QStringLiteral("SHA-256"), QString::fromStdString(info.sha256).left(16) + QStringLiteral("\u2026"));
}

} // namespace oodlens::ui
