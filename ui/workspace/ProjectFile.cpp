// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/ProjectFile.h"

#include "common/Error.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace oodlens::ui {

namespace {

constexpr int kFormatVersion = 1;

QString roleName(DatasetRole role)
{
    return QString::fromLatin1(datasetRoleName(role));
}

DatasetRole roleFromName(const QString& name, const QString& source)
{
    for (DatasetRole role : {DatasetRole::Id, DatasetRole::Ood, DatasetRole::Fit})
        if (name == roleName(role))
            return role;
    throw Error("'" + source.toStdString() + "': unknown dataset role '" + name.toStdString() + "'");
}

QString fromStd(const std::string& s)
{
    return QString::fromStdString(s);
}

} // namespace

QByteArray projectToJson(const Project& project)
{
    const RunConfig& c = project.config;
    QJsonObject root;
    root[QStringLiteral("format")] = QStringLiteral("oodlens-session");
    root[QStringLiteral("version")] = kFormatVersion;
    root[QStringLiteral("model")] = fromStd(c.modelPath);
    QJsonArray datasets;
    for (const DatasetSpec& d : c.datasets)
        datasets.append(QJsonObject{{QStringLiteral("name"), fromStd(d.name)},
                                    {QStringLiteral("path"), fromStd(d.path)},
                                    {QStringLiteral("role"), roleName(d.role)}});
    root[QStringLiteral("datasets")] = datasets;
    QJsonArray methods;
    for (const std::string& m : c.methods)
        methods.append(fromStd(m));
    root[QStringLiteral("methods")] = methods;
    QJsonObject params;
    for (const auto& [key, value] : c.params.entries())
        params[fromStd(key)] = value;
    root[QStringLiteral("params")] = params;
    const PreprocessSpec& pre = c.preprocess;
    if (!pre.isUnset()) {
        auto floats = [](const std::vector<float>& v) {
            QJsonArray a;
            for (float x : v)
                a.append(double(x));
            return a;
        };
        root[QStringLiteral("preprocessing")] =
            QJsonObject{{QStringLiteral("resize"), pre.resize},     {QStringLiteral("crop"), pre.crop},
                        {QStringLiteral("channels"), pre.channels}, {QStringLiteral("height"), pre.height},
                        {QStringLiteral("width"), pre.width},       {QStringLiteral("mean"), floats(pre.mean)},
                        {QStringLiteral("std"), floats(pre.stddev)}};
    }
    root[QStringLiteral("batch")] = c.batchSize;
    root[QStringLiteral("device")] = fromStd(c.device);
    QJsonObject view;
    view[QStringLiteral("method")] = project.currentMethod;
    if (project.threshold)
        view[QStringLiteral("threshold")] = *project.threshold;
    view[QStringLiteral("logCounts")] = project.logCounts;
    view[QStringLiteral("density")] = project.density;
    view[QStringLiteral("bins")] = project.bins;
    view[QStringLiteral("overlayMethods")] = project.overlayMethods;
    root[QStringLiteral("view")] = view;
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

Project projectFromJson(const QByteArray& json, const QString& source)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    const std::string where = "'" + source.toStdString() + "'";
    if (doc.isNull())
        throw Error("cannot read " + where + ": not JSON (" + parseError.errorString().toStdString() + ")");
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String("oodlens-session"))
        throw Error("cannot read " + where + ": not an OOD Lens session file");
    if (root.value(QStringLiteral("version")).toInt() > kFormatVersion)
        throw Error("cannot read " + where + ": made by a newer OOD Lens (format version " +
                    std::to_string(root.value(QStringLiteral("version")).toInt()) + ")");
    Project p;
    RunConfig& c = p.config;
    c.modelPath = root.value(QStringLiteral("model")).toString().toStdString();
    for (const QJsonValue& v : root.value(QStringLiteral("datasets")).toArray()) {
        const QJsonObject o = v.toObject();
        DatasetSpec d;
        d.name = o.value(QStringLiteral("name")).toString().toStdString();
        d.path = o.value(QStringLiteral("path")).toString().toStdString();
        d.role = roleFromName(o.value(QStringLiteral("role")).toString(), source);
        c.datasets.push_back(d);
    }
    for (const QJsonValue& v : root.value(QStringLiteral("methods")).toArray()) {
        const std::string id = v.toString().toStdString();
        if (!findMethod(id))
            throw Error("cannot read " + where + ": unknown method '" + id + "'");
        c.methods.push_back(id);
    }
    const QJsonObject params = root.value(QStringLiteral("params")).toObject();
    for (auto it = params.begin(); it != params.end(); ++it)
        c.params.set(it.key().toStdString(), it.value().toDouble());
    const QJsonObject pre = root.value(QStringLiteral("preprocessing")).toObject();
    auto floats = [](const QJsonValue& v) {
        std::vector<float> out;
        for (const QJsonValue& x : v.toArray())
            out.push_back(float(x.toDouble()));
        return out;
    };
    c.preprocess.resize = pre.value(QStringLiteral("resize")).toInt();
    c.preprocess.crop = pre.value(QStringLiteral("crop")).toInt();
    c.preprocess.channels = pre.value(QStringLiteral("channels")).toInt();
    c.preprocess.height = pre.value(QStringLiteral("height")).toInt();
    c.preprocess.width = pre.value(QStringLiteral("width")).toInt();
    c.preprocess.mean = floats(pre.value(QStringLiteral("mean")));
    c.preprocess.stddev = floats(pre.value(QStringLiteral("std")));
    c.batchSize = root.value(QStringLiteral("batch")).toInt(c.batchSize);
    c.device = root.value(QStringLiteral("device")).toString(QStringLiteral("cpu")).toStdString();
    const QJsonObject view = root.value(QStringLiteral("view")).toObject();
    p.currentMethod = view.value(QStringLiteral("method")).toString();
    if (view.contains(QStringLiteral("threshold")))
        p.threshold = view.value(QStringLiteral("threshold")).toDouble();
    p.logCounts = view.value(QStringLiteral("logCounts")).toBool();
    p.density = view.value(QStringLiteral("density")).toBool();
    p.bins = view.value(QStringLiteral("bins")).toInt();
    p.overlayMethods = view.value(QStringLiteral("overlayMethods")).toBool();
    return p;
}

void saveProject(const QString& path, const Project& project)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        throw Error("cannot write '" + path.toStdString() + "': " + file.errorString().toStdString());
    file.write(projectToJson(project));
    if (!file.commit())
        throw Error("cannot write '" + path.toStdString() + "': " + file.errorString().toStdString());
}

Project loadProject(const QString& path)
{
    QFile file(path);
    if (!file.exists())
        throw Error("cannot open session '" + path.toStdString() + "': no such file");
    if (!file.open(QIODevice::ReadOnly))
        throw Error("cannot open session '" + path.toStdString() + "': " + file.errorString().toStdString());
    return projectFromJson(file.readAll(), path);
}

QStringList missingFiles(const Project& project)
{
    QStringList missing;
    if (!project.config.modelPath.empty() && !QFileInfo::exists(fromStd(project.config.modelPath)))
        missing << fromStd(project.config.modelPath);
    for (const DatasetSpec& d : project.config.datasets)
        if (!QFileInfo::exists(fromStd(d.path)))
            missing << fromStd(d.path);
    return missing;
}

} // namespace oodlens::ui
