// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "methods/Scores.h"

#include <QString>
#include <QWidget>

#include <vector>

class QCheckBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;

namespace oodlens::ui {

// The parameters of one method (T, knn.k, react.p, ash.p, vim.k, odin.T, odin.eps), edited in
// place; switches (every method's `flip`) are checkboxes. Each edit is reported under its per-method key ("energy.T") once the user has finished
// typing (or stepped with the arrows): the window rescores from cached features, the model does
// not run again (except for ODIN, whose input perturbation needs the images).
class MethodParamsEditor : public QWidget {
    Q_OBJECT

public:
    explicit MethodParamsEditor(QWidget* parent = nullptr);

    // Shows the parameters of `method` with their values in `params`.
    void setMethod(const QString& method, const ScoreParams& params);
    QString method() const { return method_; }
    // The editor of parameter `name` ("T"), or nullptr.
    QDoubleSpinBox* editorFor(const QString& name) const;
    // The checkbox of switch parameter `name` ("flip"), or nullptr.
    QCheckBox* switchFor(const QString& name) const;

signals:
    // `key` is "method.name".
    void paramChanged(const QString& key, double value);

private:
    QString method_;
    QFormLayout* form_;
    QLabel* empty_;
    std::vector<std::pair<QString, QDoubleSpinBox*>> editors_;
    std::vector<std::pair<QString, QCheckBox*>> switches_;
};

} // namespace oodlens::ui
