// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "io/Json.h"
#include "io/TextEscape.h"
#include "run/RunResult.h"

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace oodlens {

// scores.csv: dataset,index,path,label,prediction,<method>...,label_name,prediction_name, one row
// per image (ID first, then each OOD set), every score oriented higher = more ID. label_name is
// RunResult::labelName() (the dataset's name for its label), prediction_name
// RunResult::className() (the model's class); each is empty where unknown.
// The shortest text that reads back as exactly v ("nan", "inf", "-inf" for the others): every number
// a script may recompute from (scores.csv, factors.csv).
std::string exactNumber(double v);

void writeScoresCsv(const std::string& file, const RunResult& result);
// metrics.csv: method,ood,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out as fractions, then label (the
// method as tables name it, methodLabel(): "ExGrad (flipped)").
void writeMetricsCsv(const std::string& file, const std::vector<MetricsRow>& rows);
// metrics.json: every metric of every row (fractions), with NaN/inf counts and bootstrap intervals.
void writeMetricsJson(const std::string& file, const std::vector<MetricsRow>& rows);
// Markdown / LaTeX (booktabs) tables in percent, best value per OOD set and column in bold,
// both FPR@95 conventions labelled; intervals as "lo-hi" when computed. Methods are named by their
// registry labels ("GradNorm"), not their ids.
std::string metricsMarkdown(const std::vector<MetricsRow>& rows);
std::string metricsLatex(const std::vector<MetricsRow>& rows);

// run.json: what produced a run (model hash, datasets with kinds, counts and skipped files,
// preprocessing, methods and parameters, library versions, threads, device, date, command line).
void writeRunJson(const std::string& file, const RunResult& result, const std::string& commandLine);
// A set of files written as a whole into one folder: every file is written to a temporary file
// beside its target first (a full disk or an unwritable folder fails before anything is
// replaced); then the old files step aside and the new ones move in, and a failure there puts the
// old ones back. The folder never mixes two runs.
class OutputFiles {
public:
    void add(const std::string& name, std::string content);
    // Writes the set into `dir` (created when missing). Throws Error naming the file or folder.
    void commit(const std::string& dir) const;
    // Creates `dir` and checks that it takes new files and that none of `names` in it is anything
    // but a file; throws Error naming the folder or the file. Cheap: done before a long run.
    static void checkTargets(const std::string& dir, const std::vector<std::string>& names);

private:
    std::vector<std::pair<std::string, std::string>> files_;
};

// Every file of a scored run: scores.csv, metrics.{csv,json,md,tex}, run.json and the results
// table results_table.{tex,md,csv} (io/ResultsTableExport.h), with their contents.
OutputFiles runFiles(const RunResult& result, const std::string& commandLine);
// The names runFiles() writes.
const std::vector<std::string>& runFileNames();
// OutputFiles::checkTargets for the run files: `score --out DIR` calls it before extraction, so
// that an unwritable folder is said at once, not after minutes of work.
void checkOutputFolder(const std::string& dir);
// runFiles() written as a whole into `dir`, created when missing. Throws Error naming the file
// that cannot be written; the folder keeps its previous files then.
void writeRunFiles(const std::string& dir, const RunResult& result, const std::string& commandLine);

// The metrics table as aligned text in percent, with both FPR@95 conventions labelled.
void printMetricsTable(std::ostream& out, const std::vector<MetricsRow>& rows);

// What scoring costs per image (RunResult::costs) as one line for people, after the metrics
// table: "cost per image (cpu): forward 1.2 ms, full backward (batch 1, 16 images) 9.8 ms, GradNorm
// autograd 40 us, GradNorm closed form 0.3 us"; empty when nothing was measured.
std::string costsLine(const ScoringCosts& costs);
// A duration in seconds in the unit that suits it ("9.8 ms", "40 µs", "0.3 µs", "1.5 s"); "not measured"
// for NaN. The CLI's cost line, the verdict, the report's and the Gradients? tab's cost tables.
std::string durationText(double seconds);
// A cost ratio: "258×", "12.5×", "1.00×"; "–" when not measured. The same places.
std::string ratioText(double ratio);

// One pair's metrics as a JSON object: every metric column (MetricColumns, fractions; null where
// undefined) and the image counts. The factor analysis's factors.json and run.json's "sweeps".
Json binaryMetricsJson(const BinaryMetrics& m);

// A sweep's outcome for people, one line: "sweep energy.T (validation AUROC, mnist-test (seeded
// validation part: 600 of 2000 images, seed 0) against fashion-val): chosen T=1, 99.12 %; test AUROC
// at T=1: fashion-mnist 98.95 %".
std::string sweepLine(const SweepResult& sweep);

// Writes `content` to `file` atomically (temporary file + rename). Throws Error naming the file
// and the system's reason.
void writeFileAtomic(const std::string& file, const std::string& content);

} // namespace oodlens
