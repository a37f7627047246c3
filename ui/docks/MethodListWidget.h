// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "methods/Registry.h"

#include <QListWidget>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace oodlens::ui {

// Every method of oodlens::methodRegistry(), grouped under "Gradient-based" / "Non-gradient" /
// "Fitted" headers. Headers cannot be selected; each method item carries its id and a checkbox:
// checked methods are scored and can be overlaid on the curves; the current item is the one the
// histogram shows. Methods that need a fit set are disabled while the analysis has none.
class MethodListWidget : public QListWidget {
    Q_OBJECT

public:
    static constexpr int MethodIdRole = Qt::UserRole;
    // The method's description, without the state notes appended to the tooltip.
    static constexpr int BaseToolTipRole = Qt::UserRole + 1;

    explicit MethodListWidget(QWidget* parent = nullptr);

    // Checks exactly `ids` (unknown ids are ignored); keeps the current method, else picks the
    // first checked one.
    void setCheckedMethods(const std::vector<std::string>& ids);
    // Checked and enabled methods, in list order.
    std::vector<std::string> checkedMethods() const;
    bool isChecked(const QString& id) const;
    void setChecked(const QString& id, bool checked);
    // Enables the methods that need a fit set (disabled ones are never reported as checked).
    void setFitSetAvailable(bool available);
    // Marks the checked methods the shown result has no scores for (italic, with a tooltip); unchecked
    // methods keep the normal look, so that only disabled ones (no fit set) look disabled.
    void setScoredMethods(const std::vector<std::string>& ids);

    // Names each method as scores computed with `params` are named (a flipped method reads
    // "ExGrad (flipped)").
    void setParams(const ScoreParams& params);

    // Every listed method id, in list order.
    QStringList methods() const;
    QString currentMethod() const;
    // False when `id` is not listed.
    bool setCurrentMethod(const QString& id);

signals:
    void currentMethodChanged(const QString& id);
    void checkedMethodsChanged();

private:
    QListWidgetItem* itemFor(const QString& id) const;
    void restyle();
    std::vector<std::string> scored_;
    bool haveScored_ = false;
    QString lastEmitted_;
    bool fitAvailable_ = true;
};

} // namespace oodlens::ui
