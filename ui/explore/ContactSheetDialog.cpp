// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/ContactSheetDialog.h"

#include "workspace/Settings.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>

namespace oodlens::ui {

ContactSheetDialog::ContactSheetDialog(int available, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Contact sheet"));
    count_ = new QSpinBox(this);
    count_->setRange(1, std::max(1, available));
    count_->setValue(std::min(Settings().contactSheetCount(), count_->maximum()));
    count_->setSuffix(tr(" images"));
    count_->setToolTip(tr("The first images in the list's order (%1 available)").arg(available));
    columns_ = new QSpinBox(this);
    columns_->setRange(0, 32);
    columns_->setSpecialValueText(tr("auto (up to 8)"));
    title_ = new QCheckBox(tr("Title line (what the sheet shows)"), this);
    auto* form = new QFormLayout(this);
    form->addRow(tr("Images:"), count_);
    form->addRow(tr("Columns:"), columns_);
    form->addRow(QString(), title_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

int ContactSheetDialog::count() const
{
    return count_->value();
}

int ContactSheetDialog::columns() const
{
    return columns_->value();
}

bool ContactSheetDialog::title() const
{
    return title_->isChecked();
}

void ContactSheetDialog::remember() const
{
    Settings().setContactSheetCount(count());
}

} // namespace oodlens::ui
