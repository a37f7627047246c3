// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/AddDatasetDialog.h"

#include "datasets/Dataset.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>

namespace oodlens::ui {

AddDatasetDialog::AddDatasetDialog(bool hasIdSet, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Add dataset"));
    path_ = new QLineEdit(this);
    path_->setPlaceholderText(tr("folder, list.csv, *-images-idx3-ubyte[.gz], CIFAR .bin or features .npz"));
    auto* folder = new QPushButton(tr("Folder\u2026"), this);
    auto* file = new QPushButton(tr("File\u2026"), this);
    role_ = new QComboBox(this);
    role_->addItem(tr("OOD set"), int(DatasetRole::Ood));
    role_->addItem(tr("ID test set"), int(DatasetRole::Id));
    role_->addItem(tr("Fit set (ID training images, for the fitted baselines)"), int(DatasetRole::Fit));
    role_->addItem(tr("Validation OOD set (sweeps choose parameters on it, never on the OOD sets)"),
                   int(DatasetRole::ValidationOod));
    role_->addItem(tr("Validation ID set (for sweeps; default: a seeded part of the ID test set)"),
                   int(DatasetRole::ValidationId));
    role_->setCurrentIndex(hasIdSet ? 0 : 1);
    name_ = new QLineEdit(this);
    name_->setPlaceholderText(tr("shown on plots and in tables"));

    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(path_, 1);
    pathRow->addWidget(folder);
    pathRow->addWidget(file);
    auto* form = new QFormLayout(this);
    form->addRow(tr("Path:"), pathRow);
    form->addRow(tr("Role:"), role_);
    form->addRow(tr("Name:"), name_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    resize(620, sizeHint().height());

    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(folder, &QPushButton::clicked, this, [this]() {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Dataset folder"), path_->text());
        if (!dir.isEmpty())
            path_->setText(dir);
    });
    connect(file, &QPushButton::clicked, this, [this]() {
        const QString f = QFileDialog::getOpenFileName(this, tr("Dataset file"), path_->text());
        if (!f.isEmpty())
            path_->setText(f);
    });
    connect(path_, &QLineEdit::textChanged, this, [this](const QString& p) {
        if (!p.isEmpty())
            name_->setPlaceholderText(QString::fromStdString(datasetDisplayName(p.toStdString())));
    });
    auto updateOk = [this, buttons]() { buttons->button(QDialogButtonBox::Ok)->setEnabled(!path_->text().isEmpty()); };
    connect(path_, &QLineEdit::textChanged, this, updateOk);
    updateOk();
}

DatasetSpec AddDatasetDialog::spec() const
{
    DatasetSpec s;
    s.path = path_->text().trimmed().toStdString();
    s.role = static_cast<DatasetRole>(role_->currentData().toInt());
    const QString name = name_->text().trimmed();
    // No name: RunConfig::addDataset names the set by its file (made unique: "svhn-2").
    s.name = name.toStdString();
    if (s.role == DatasetRole::Id && name.isEmpty())
        s.name = "id"; // shown by its file name
    else if (s.role == DatasetRole::Fit)
        s.name = name.isEmpty() ? "fit" : s.name;
    return s;
}

} // namespace oodlens::ui
