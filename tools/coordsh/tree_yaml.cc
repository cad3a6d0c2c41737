#include "tools/coordsh/tree_yaml.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "coord/base/sha1.h"
#include "tools/coordsh/render.h"

namespace coord::coordsh {
namespace {

std::string Child(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

Status EmitNode(Client* client, const std::string& path, YAML::Emitter& out) {
  Result<GetDataResponse> got = client->GetData(path);
  if (!got.ok()) return got.status();
  Result<std::vector<std::string>> children = client->GetAllChildren(path);
  if (!children.ok()) return children.status();
  std::sort(children->begin(), children->end());
  out << YAML::BeginMap;
  if (!got->data.empty()) {
    if (IsPrintableText(got->data)) {
      out << YAML::Key << "data" << YAML::Value << YAML::DoubleQuoted << got->data;
    } else {
      out << YAML::Key << "data_base64" << YAML::Value << Base64Encode(got->data);
    }
  }
  if (!children->empty()) {
    out << YAML::Key << "children" << YAML::Value << YAML::BeginMap;
    for (const std::string& name : *children) {
      // Ephemerals are session state, not configuration: they are not exported.
      Result<std::optional<Stat>> stat = client->Exists(Child(path, name));
      if (!stat.ok()) return stat.status();
      if (!stat->has_value() || (*stat)->ephemeral_owner != 0) continue;
      out << YAML::Key << YAML::DoubleQuoted << name << YAML::Value;
      COORD_RETURN_IF_ERROR(EmitNode(client, Child(path, name), out));
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return Status::Ok();
}

struct Planned {
  std::string path;
  std::string data;
};

Status Plan(const YAML::Node& node, const std::string& path, std::vector<Planned>* out) {
  if (!node.IsMap() && !node.IsNull()) {
    return Status(Code::kBadArguments, "the entry for " + path + " is not a map");
  }
  Planned p{path, ""};
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      if (key == "data") {
        p.data = kv.second.as<std::string>();
      } else if (key == "data_base64") {
        std::optional<std::string> decoded = Base64Decode(kv.second.as<std::string>());
        if (!decoded) return Status(Code::kBadArguments, "bad base64 data for " + path);
        p.data = *decoded;
      } else if (key != "children") {
        return Status(Code::kBadArguments,
                      "unknown key '" + key + "' for " + path + " (data, data_base64, children)");
      }
    }
  }
  out->push_back(p);
  if (node.IsMap() && node["children"]) {
    const YAML::Node& children = node["children"];
    if (!children.IsMap())
      return Status(Code::kBadArguments, "children of " + path + " is not a map");
    for (const auto& kv : children) {
      const std::string name = kv.first.as<std::string>();
      if (name.empty() || name.find('/') != std::string::npos) {
        return Status(Code::kBadArguments, "bad child name '" + name + "' under " + path);
      }
      COORD_RETURN_IF_ERROR(Plan(kv.second, Child(path, name), out));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ExportYaml(Client* client, const std::string& path) {
  YAML::Emitter out;
  COORD_RETURN_IF_ERROR(EmitNode(client, path, out));
  if (!out.good()) return Status(Code::kInternal, "YAML: " + out.GetLastError());
  return std::string("# coordsh export of ") + path + "\n" + out.c_str() + "\n";
}

Result<ImportReport> ImportYaml(Client* client, const std::string& file, const std::string& path,
                                bool dry_run) {
  YAML::Node doc;
  try {
    if (file == "-") {
      std::stringstream in;
      in << std::cin.rdbuf();
      doc = YAML::Load(in.str());
    } else {
      std::ifstream in(file);
      if (!in) return Status(Code::kBadArguments, "cannot read " + file);
      std::stringstream text;
      text << in.rdbuf();
      doc = YAML::Load(text.str());
    }
  } catch (const YAML::Exception& e) {
    return Status(Code::kBadArguments, file + ": " + e.what());
  }
  std::vector<Planned> plan;
  try {
    COORD_RETURN_IF_ERROR(Plan(doc, path, &plan));
  } catch (const YAML::Exception& e) {
    return Status(Code::kBadArguments, file + ": " + e.what());
  }
  ImportReport report;
  // Missing ancestors of the target come first.
  std::vector<std::string> ancestors;
  for (std::string p = path; p != "/";) {
    p = p.substr(0, p.rfind('/'));
    if (p.empty()) p = "/";
    if (p != "/") ancestors.push_back(p);
  }
  std::reverse(ancestors.begin(), ancestors.end());
  std::vector<MultiOpRequest> ops;
  auto flush = [&]() -> Status {
    if (ops.empty() || dry_run) {
      ops.clear();
      return Status::Ok();
    }
    Result<MultiResponse> r = client->Multi(std::move(ops));
    ops.clear();
    return r.status();
  };
  for (const std::string& a : ancestors) {
    Result<std::optional<Stat>> exists = client->Exists(a);
    if (!exists.ok()) return exists.status();
    if (exists->has_value()) continue;
    CreateRequest c;
    c.path = a;
    ops.push_back(c);
    report.actions.push_back("create " + a);
    ++report.created;
  }
  for (const Planned& p : plan) {
    Result<std::optional<Stat>> exists = client->Exists(p.path);
    if (!exists.ok()) return exists.status();
    if (exists->has_value()) {
      Result<GetDataResponse> current = client->GetData(p.path);
      if (!current.ok()) return current.status();
      if (current->data == p.data) continue;
      ops.push_back(SetDataRequest{p.path, p.data, kAnyVersion});
      report.actions.push_back("set " + p.path);
      ++report.updated;
    } else {
      CreateRequest c;
      c.path = p.path;
      c.data = p.data;
      ops.push_back(c);
      report.actions.push_back("create " + p.path);
      ++report.created;
    }
    if (ops.size() >= kImportBatch) COORD_RETURN_IF_ERROR(flush());
  }
  COORD_RETURN_IF_ERROR(flush());
  return report;
}

}  // namespace coord::coordsh
