// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The results table (metrics/ResultsTable.h) as files: LaTeX (booktabs), Markdown and CSV.
// Conventions, the same in all three and in the GUI's view:
// - values in percent with two decimals (fractions in the CSV); "-" where a value is undefined;
// - FPR@95 is FPR95 (ID+): the fraction of OOD accepted at the threshold where 95 % of the ID
//   set is accepted;
// - bold marks the best value of a column (highest AUROC, lowest FPR@95; ties all bold) and
//   nothing else;
// - an AUROC below 50 % (the score ranks OOD above ID) carries a dagger (Markdown "†", LaTeX
//   $^\dagger$) explained in a footnote; in the CSV, the column auroc_below_50 is 1;
// - methods are named by methodLabel() ("ExGrad (flipped)");
// - the ID classification accuracy, when the ID set has labels, follows the table (a column of
//   the CSV, the same on every row: it is the classifier's, not a method's).
#include "metrics/ResultsTable.h"

#include <string>
#include <utility>
#include <vector>

namespace oodlens {

std::string resultsTableLatex(const ResultsTable& table);
std::string resultsTableMarkdown(const ResultsTable& table);
// One line per (method, column): method,label,flipped,column,kind,group,auroc,fpr95_id,
// best_auroc,best_fpr95_id,auroc_below_50,id_accuracy. kind is ood, group_mean or mean.
std::string resultsTableCsv(const ResultsTable& table);

// The three files (results_table.tex, .md, .csv) with their contents.
std::vector<std::pair<std::string, std::string>> resultsTableFiles(const ResultsTable& table);
// The three files into `dir`, as a whole (io/Export.h's OutputFiles). Throws Error naming a file
// that cannot be written.
void writeResultsTableFiles(const std::string& dir, const ResultsTable& table);

// "results_table"
extern const char* const kResultsTableBaseName;

} // namespace oodlens
