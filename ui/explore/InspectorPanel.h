// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/Workspace.h"
#include "explore/Inspect.h"

#include <QPointer>
#include <QWidget>

#include <map>
#include <string>

class QBoxLayout;
class QLabel;
class QTreeWidget;

namespace oodlens::ui {

class ThumbnailLoader;

// Everything about the session's current image: the image (decoded off the GUI thread), its file,
// true label, prediction and top-5 probabilities (classes by number and name, ClassText.h; an
// image is marked "(wrong)" or "(correct)" only when its label is an ID class,
// RunResult::isIdClassLabel), and every score side by side, grouped
// gradient-based / non-gradient / fitted baselines, each with its percentile within the ID set
// and its decision. The current method is judged at the session's threshold; the others at their
// own 95%-ID-TPR threshold, and the column says which. GradNorm and ExGrad also show their
// factors, featureTerm x outputTerm = score, with each factor's percentile among the ID set's.
class InspectorPanel : public QWidget {
    Q_OBJECT

public:
    InspectorPanel(Workspace* session, ThumbnailLoader* loader, QWidget* parent = nullptr);

    // Writes the current image's inspector figure (explore/InspectorFigure.h), 17.5 cm wide:
    // .pdf, .svg or .png at `dpi`. Returns an error message, empty on success.
    QString exportTo(const QString& file, int dpi = 192);

    // For tests: the tree of scores and the text of the header / decomposition labels.
    QTreeWidget* scoreTree() const { return tree_; }
    QString headerText() const;
    QString decompositionText() const;
    bool hasImage() const;

    // Below this width the header goes under the image instead of beside it.
    static constexpr int kSideBySideWidth = 500;

public Q_SLOTS:
    void refresh();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void showImage();
    // Where `value` sits among the ID set's scores of `method` (the Workspace's sorted index).
    double idPercentile(const std::string& method, double value) const;
    const DecompositionReference* decomposition(const std::string& method);

    QPointer<Workspace> session_;
    QPointer<ThumbnailLoader> loader_;
    QBoxLayout* top_ = nullptr;
    QLabel* image_ = nullptr;
    QLabel* header_ = nullptr;
    QLabel* decomposition_ = nullptr;
    QTreeWidget* tree_ = nullptr;
    // Per-result caches, dropped when the result changes.
    const RunResult* cachedFor_ = nullptr;
    std::map<std::string, DecompositionReference> decompositions_;
};

} // namespace oodlens::ui
