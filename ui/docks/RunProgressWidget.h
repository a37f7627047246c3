// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/EtaEstimator.h"

#include <QElapsedTimer>
#include <QWidget>

class QAction;
class QLabel;
class QProgressBar;

namespace oodlens::ui {

// The status bar's view of a running analysis: stage, progress bar, time left, Cancel button.
class RunProgressWidget : public QWidget {
    Q_OBJECT

public:
    // The Cancel button shows (and triggers) `cancelAction`.
    explicit RunProgressWidget(QAction* cancelAction, QWidget* parent = nullptr);

    void begin();
    // `total` 0 shows a busy bar.
    void setProgress(const QString& stage, qulonglong done, qulonglong total);
    void setCancelling();
    void end();

    // The stage line as shown ("extracting fashion-mnist: 1024 / 2000, about 2 s left").
    QString text() const;
    int value() const;
    int maximum() const;

private:
    QLabel* label_;
    QProgressBar* bar_;
    QElapsedTimer clock_;
    EtaEstimator eta_;
};

} // namespace oodlens::ui
