// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// "Are gradients needed?" (Igoe et al. 2022), answered for one run: a last-layer gradient score
// factors into a feature norm times an output term (GradNorm = ||h||_1 x ||softmax(z/T) - 1/C||_1 / T).
// For each (gradient method, OOD set) the factor analysis reports the metrics of the gradient score,
// of its feature term alone, of its output term alone and of every member of the non-gradient family
// ||h||_q^a x phi(z); picks the best member on a validation split and reports it on the rest; compares
// it with the gradient score by a paired bootstrap and DeLong's test; sets what each costs per image
// next to it; and says the outcome in one sentence. Everything derives from the run's cached features
// and logits: nothing here runs the model. docs/methods.md, "Are gradients needed?", defines it all.
#include "metrics/Metrics.h"
#include "metrics/PairedComparison.h"
#include "metrics/ValidationSplit.h"
#include "methods/Registry.h"
#include "run/RunResult.h"

#include <cstdint>
#include <string>
#include <vector>

namespace oodlens {

class ProgressSink;

// The exponents a of the family: 0 (the output term alone), 1/2, 1, 2.
const std::vector<double>& familyExponents();

// One member ||h||_q^a x phi(z) of the family, or (outputTerm empty) the feature term ||h||_q alone.
// q and phi are the registry's: every registered feature norm (MethodInfo::featureNorm: 1, 2, inf) and
// every registered output term (MethodInfo::outputTerm: msp, maxlogit, energy, gradterm, gini, gen).
struct FamilyMember {
    std::string featureTerm; // registry id of the norm ("feature_l1")
    double q = 1;            // its order (1, 2, inf)
    double a = 1;            // the exponent
    std::string outputTerm;  // registry id of phi ("msp"); empty for the feature term alone

    // "||h||_1 x MSP", "||h||_2^0.5 x Energy", "MSP" (a = 0), "||h||_inf" (feature term alone).
    std::string label() const;
    // The registered method that computes this member, and the parameters that make it so: the family
    // method of (q, phi) with its exponent "a" (a = 0: phi's own method; feature term alone: the norm's).
    // Making the member "current" in the GUI selects this method with these parameters.
    std::string method() const;
    ScoreParams params(const ScoreParams& base) const; // base with "<method>.a" set where the method has it
    bool operator==(const FamilyMember& o) const
    {
        return featureTerm == o.featureTerm && a == o.a && outputTerm == o.outputTerm;
    }
};

// The parameters `member` is computed with in the analysis of `gradientMethod`: `base`, the gradient
// method's own values of every parameter the member shares with it (T: the comparison is at the same
// temperature), and the member's exponent. What makes the member current (the GUI's heatmap click).
ScoreParams familyMemberParams(const FamilyMember& member, const std::string& gradientMethod, const ScoreParams& base);

// Every member: for each feature norm (q ascending), each exponent, each output term (registry order).
std::vector<FamilyMember> familyMembers();

// How the best member is chosen without looking at the images it is then reported on.
struct FactorSplit {
    enum class Kind {
        // Each of the ID set and the OOD set is split at random (seeded) into a validation part
        // (validationFraction of its images) and a test part. The best member is picked per OOD set.
        Seeded,
        // A separate validation pair: validationId (a dataset of the run other than the ID set, e.g. the
        // fit set) and validationOod (one of the OOD sets). The best member is picked once on that pair;
        // every other OOD set is a test set in full, against the whole ID set.
        Pair,
    };
    Kind kind = Kind::Seeded;
    double validationFraction = 0.3;
    std::uint64_t seed = 0;
    std::string validationId, validationOod; // dataset names (Pair)
};

// validationMask (metrics/ValidationSplit.h) draws the seeded split.

struct FactorOptions {
    // Closed-form gradient methods to analyse; empty: those the run scored (directly or through their
    // autograd variant), else the primary gradient method (GradNorm).
    std::vector<std::string> gradientMethods;
    FactorSplit split;
    int resamples = 1000;   // paired bootstrap resamples (0: no intervals)
    std::uint64_t seed = 0; // of the paired bootstrap
};

// A score's metrics on the whole sets, on the validation part and on the test part.
struct ScoreMetrics {
    std::string label;
    BinaryMetrics all, validation, test;
};

struct FamilyResult {
    FamilyMember member;
    ScoreMetrics metrics;
};

// The gradient score against one other score, on the test part: the differences other - gradient.
struct FactorComparison {
    std::string label;         // the other score's label
    AurocComparison delong;    // A = other, B = gradient
    PairedBootstrap bootstrap; // A = other, B = gradient (aurocOfA / aurocOfB: each score's own interval)
    bool ok = false;           // false when it could not be computed (note says why)
    std::string note;
};

// One (gradient method, OOD set).
struct FactorAnalysis {
    std::string gradientMethod; // registry id ("gradnorm")
    std::string gradientLabel;  // methodLabel with the run's parameters
    std::string ood;            // OOD set name
    std::size_t oodIndex = 0;   // dataset index in the run
    ScoreMetrics gradient, featureTerm, outputTerm;
    FamilyMember featureMember, outputMember; // the gradient's own factors as family entries
    // The autograd variant's agreement with the closed form, when the run scored it: the largest
    // |autograd - closed form| / max(|closed form|, 1e-12) over the ID and OOD images.
    bool haveAutograd = false;
    double autogradMaxRelativeDifference = 0;
    std::vector<FamilyResult> family; // familyMembers() order, plus the feature terms alone
    int best = -1;                    // index into family: highest validation AUROC among the members
    FactorComparison versusBest, versusFeatureTerm, versusOutputTerm;
    std::string verdict;              // one sentence from these numbers
    std::string note;                 // e.g. "OOD set used for validation"
};

// Per image, what computing the score costs: from RunResult::costs.
struct CostRow {
    std::string what;             // "Forward pass (batch N)", "Full-network backward, batch 1 (timing probe, 16 images)"
    double secondsPerImage = 0;   // NaN: not measured
    double ratioToClosedForm = 0; // secondsPerImage / closed form
    std::size_t images = 0;
};

struct FactorReport {
    FactorOptions options;
    std::vector<FactorAnalysis> analyses; // gradient method major, OOD sets in run order
    std::vector<std::vector<CostRow>> costs; // per gradient method (same order as options.gradientMethods)
    std::vector<std::string> gradientMethods;
    std::vector<std::string> warnings;
};

// Throws Error when the run has no ID set, no usable OOD set, a split that cannot be made (unknown or
// wrong datasets, too few images for a validation part), or Cancelled when `cancel` asks.
FactorReport analyseFactors(const RunResult& result, const FactorOptions& options, const ProgressSink* cancel = nullptr);

// Compares two family members (or feature terms) of one analysis on its test part, as versusBest does.
FactorComparison compareMembers(const RunResult& result, const FactorReport& report, const FactorAnalysis& analysis,
                                const FamilyMember& a, const FamilyMember& b);

// factors.csv: one row per (gradient method, OOD set, family member) and per feature term alone
// (phi empty, a = 1), metrics on the whole sets: gradient_method,ood,q,a,phi,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out.
std::string factorsCsv(const FactorReport& report);
// factors.json: everything of the report (options, per analysis the metrics of the gradient score, its
// factors, the best member on every part, the comparisons with their DeLong and bootstrap figures, the
// verdict; the cost rows), for scripts and the report's cross-checks. NaN is written as null.
std::string factorsJson(const FactorReport& report);
void writeFactorsCsv(const std::string& file, const FactorReport& report);

} // namespace oodlens
