// SPDX-License-Identifier: GPL-3.0-or-later
#include "run/RunConfig.h"

#include "features/FeaturesFile.h"

#include "datasets/Dataset.h"

#include <algorithm>

namespace oodlens {

std::string datasetLabel(const DatasetSpec& spec)
{
    if (spec.role == DatasetRole::Id && (spec.name.empty() || spec.name == "id"))
        return datasetDisplayName(spec.path);
    return spec.name;
}

const std::vector<DatasetRole>& datasetRoles()
{
    static const std::vector<DatasetRole> roles{DatasetRole::Id, DatasetRole::Ood, DatasetRole::Fit,
                                                DatasetRole::ValidationId, DatasetRole::ValidationOod};
    return roles;
}

int RunConfig::idDataset() const
{
    for (std::size_t i = 0; i < datasets.size(); ++i)
        if (datasets[i].role == DatasetRole::Id)
            return static_cast<int>(i);
    return -1;
}

bool RunConfig::hasModelOrHead() const
{
    const int id = idDataset();
    return !modelPath.empty() || (id >= 0 && isFeaturesPath(datasets[static_cast<std::size_t>(id)].path));
}

bool RunConfig::hasRole(DatasetRole role) const
{
    return std::any_of(datasets.begin(), datasets.end(), [role](const DatasetSpec& d) { return d.role == role; });
}

DatasetAddition RunConfig::addDataset(DatasetSpec spec)
{
    DatasetAddition a;
    if (spec.path.empty()) {
        a.refusal = "a dataset needs a path";
        return a;
    }
    for (const DatasetSpec& d : datasets)
        if (d.path == spec.path && d.role == spec.role) {
            a.refusal = spec.path + " is already in the analysis";
            return a;
        }
    if (spec.role != DatasetRole::Id && spec.name == "id") {
        a.refusal = "'id' names the ID set; give the " + std::string(datasetRoleName(spec.role)) + " set " +
                    spec.path + " another name";
        return a;
    }
    // A name given by the user must tell the set apart: tables, plots and scores.csv know sets by
    // name, so a second set of that name would merge with the first. (The ID set replaced below
    // does not count.)
    const bool named = !spec.name.empty() && !(spec.role == DatasetRole::Id && spec.name == "id");
    if (named)
        for (const DatasetSpec& d : datasets) {
            if (spec.role == DatasetRole::Id && d.role == DatasetRole::Id)
                continue;
            if (d.name == spec.name) {
                a.refusal = "the name '" + spec.name + "' is taken by the " + datasetRoleName(d.role) + " set " +
                            d.path + " (every set needs a name of its own)";
                return a;
            }
        }
    if (spec.role == DatasetRole::Id) {
        if (spec.name.empty())
            spec.name = "id";
        a.replaced = idDataset();
        if (a.replaced >= 0)
            datasets.erase(datasets.begin() + a.replaced);
    } else {
        if (spec.role == DatasetRole::ValidationId)
            for (std::size_t i = 0; i < datasets.size(); ++i)
                if (datasets[i].role == DatasetRole::ValidationId) {
                    a.replaced = static_cast<int>(i);
                    datasets.erase(datasets.begin() + static_cast<std::ptrdiff_t>(i));
                    break;
                }
        const std::string base = spec.name.empty() ? datasetDisplayName(spec.path) : spec.name;
        std::string name = base;
        for (int n = 2;; ++n) {
            const bool taken = std::any_of(datasets.begin(), datasets.end(), [&](const DatasetSpec& d) {
                return d.name == name || datasetLabel(d) == name;
            }) || name == "id";
            if (!taken)
                break;
            name = base + "-" + std::to_string(n);
        }
        spec.name = name;
    }
    datasets.push_back(spec);
    a.added = true;
    a.index = datasets.size() - 1;
    a.spec = std::move(spec);
    return a;
}

bool RunConfig::removeDataset(std::size_t index)
{
    if (index >= datasets.size())
        return false;
    datasets.erase(datasets.begin() + static_cast<std::ptrdiff_t>(index));
    return true;
}

} // namespace oodlens
