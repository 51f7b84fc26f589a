// Applying --set overrides to YAML trees; see overrides.h.
#include "scenarios/internal/overrides.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "scenarios/internal/kinds.h"
#include "scenarios/internal/kubernetes_fields.h"
#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {
namespace {

struct Component {
  enum class Type { kField, kIndex, kName };
  Type type;
  std::string text;  // field name, item name, or index digits
  std::size_t index = 0;
  int column;           // 1-based, in the --set text
  std::string spelled;  // as written: ".field" or "[sel]" (for messages)
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

class OverrideApplier {
 public:
  OverrideApplier(std::vector<Document>& docs, Diagnostics& diagnostics, Locator& locator,
                  std::string text, int number)
      : docs_(docs),
        diagnostics_(diagnostics),
        locator_(locator),
        text_(std::move(text)),
        file_("<--set " + std::to_string(number) + ">") {}

  // Applies the override; returns where it went, or nothing after reporting why it could not.
  std::optional<AppliedOverride> apply();

 private:
  void error(Code code, int column, const std::string& detail, std::string_view suggestion = {}) {
    diagnostics_.report(code, {file_, 1, column}, {text_, detail}, suggestion);
  }
  bool parse_path(std::string_view path, std::size_t offset, std::vector<Component>& out);
  Document* find_document(std::string_view lhs, std::size_t& path_start);
  bool has_effect(const Document& doc, const std::vector<Component>& path, const YAML::Node& value);
  // MSH0406 when the override reaches nothing meshsim reads: a field of a Kubernetes Service or
  // Deployment that no reader looks at, or any field of a kind that is not simulated.  True if
  // it reported.
  bool report_if_not_read(const Document& doc, const std::vector<FieldStep>& steps);

  std::vector<Document>& docs_;
  Diagnostics& diagnostics_;
  Locator& locator_;
  std::string text_;
  std::string file_;
};

// Components of ".a.b[0][name].c", starting at text offset `offset` (0-based).
bool OverrideApplier::parse_path(std::string_view path, std::size_t offset,
                                 std::vector<Component>& out) {
  std::size_t i = 0;
  while (i < path.size()) {
    const int column = static_cast<int>(offset + i + 1);
    if (path[i] == '.') {
      std::size_t j = i + 1;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      if (j == i + 1) {
        diagnostics_.report(Code::kBadOverrideSyntax, {file_, 1, column},
                            {text_, "empty field name"});
        return false;
      }
      const std::string name(path.substr(i + 1, j - i - 1));
      out.push_back({Component::Type::kField, name, 0, column + 1, "." + name});
      i = j;
    } else if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos || close == i + 1) {
        diagnostics_.report(
            Code::kBadOverrideSyntax, {file_, 1, column},
            {text_, close == std::string_view::npos ? "unclosed '['" : "empty '[]'"});
        return false;
      }
      const std::string sel(path.substr(i + 1, close - i - 1));
      Component c{Component::Type::kName, sel, 0, column + 1, "[" + sel + "]"};
      if (std::all_of(sel.begin(), sel.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        c.type = Component::Type::kIndex;
        c.index = std::stoul(sel);
      }
      out.push_back(c);
      i = close + 1;
    } else {
      diagnostics_.report(
          Code::kBadOverrideSyntax, {file_, 1, column},
          {text_, "expected '.' or '[' before '" + std::string(path.substr(i)) + "'"});
      return false;
    }
  }
  if (out.empty()) {
    diagnostics_.report(Code::kBadOverrideSyntax, {file_, 1, static_cast<int>(offset + 1)},
                        {text_, "no field path after the document"});
    return false;
  }
  return true;
}

// The document "KIND[/NAME]" at the start of lhs names; path_start receives where its path
// begins.  Reports and returns null when there is none or several.
Document* OverrideApplier::find_document(std::string_view lhs, std::size_t& path_start) {
  const std::size_t kind_end = lhs.find_first_of("/.[");
  const std::string kind(lhs.substr(0, kind_end));
  if (kind.empty()) {
    diagnostics_.report(Code::kBadOverrideSyntax, {file_, 1, 1}, {text_, "no KIND"});
    return nullptr;
  }
  std::vector<Document*> of_kind;
  std::vector<std::string> kinds;
  for (Document& d : docs_) {
    if (d.kind == kind) of_kind.push_back(&d);
    if (!d.kind.empty() && std::find(kinds.begin(), kinds.end(), d.kind) == kinds.end()) {
      kinds.push_back(d.kind);
    }
  }
  if (of_kind.empty()) {  // be forgiving about case: "experiment.spec.seed=7"
    for (Document& d : docs_) {
      if (iequals(d.kind, kind)) of_kind.push_back(&d);
    }
  }
  if (of_kind.empty()) {
    error(Code::kOverridePathNotFound, 1, "the scenario has no " + kind + " document",
          suggest(kind, kinds));
    return nullptr;
  }
  const std::string& kind_name = of_kind.front()->kind;
  if (kind_end == std::string_view::npos) {
    diagnostics_.report(Code::kBadOverrideSyntax, {file_, 1, static_cast<int>(lhs.size() + 1)},
                        {text_, "no field path after '" + kind + "'"});
    return nullptr;
  }
  if (lhs[kind_end] != '/') {
    if (of_kind.size() > 1) {
      diagnostics_.report(Code::kOverrideAmbiguous, {file_, 1, 1},
                          {text_, std::to_string(of_kind.size()), kind_name});
      return nullptr;
    }
    path_start = kind_end;
    return of_kind.front();
  }
  // NAME may contain dots (Kubernetes names are DNS subdomains): take the longest document name
  // that the text continues with, followed by '.', '[' or the end.
  const std::string_view rest = lhs.substr(kind_end + 1);
  Document* best = nullptr;
  std::vector<Document*> same_name;
  for (Document* d : of_kind) {
    const std::string& n = d->name;
    if (n.empty() || rest.substr(0, n.size()) != n) continue;
    if (rest.size() > n.size() && rest[n.size()] != '.' && rest[n.size()] != '[') continue;
    if (!best || n.size() > best->name.size()) {
      best = d;
      same_name.clear();
    }
    if (best->name == n) same_name.push_back(d);
  }
  const int name_column = static_cast<int>(kind_end + 2);
  if (!best) {
    const std::string typed(rest.substr(0, rest.find_first_of(".[")));
    std::vector<std::string> names;
    for (Document* d : of_kind) names.push_back(d->name);
    error(Code::kOverridePathNotFound, name_column, "no " + kind_name + " named '" + typed + "'",
          suggest(typed, names));
    return nullptr;
  }
  if (same_name.size() > 1) {
    // Several documents of one kind and name: in one namespace, a later manifest replaces an
    // earlier one (kubectl apply, MSH0008), so the override goes to the one in force, the last.
    // Across namespaces --set cannot tell them apart.
    const bool one_namespace = std::all_of(same_name.begin(), same_name.end(), [&](const Document* d) {
      return d->namespace_ == same_name.front()->namespace_;
    });
    if (!one_namespace) {
      error(Code::kOverridePathNotFound, name_column,
            kind_name + " '" + best->name +
                "' exists in several namespaces; --set cannot tell them apart");
      return nullptr;
    }
    best = same_name.back();
  }
  path_start = kind_end + 1 + best->name.size();
  return best;
}

// An Experiment's spec.include is followed when the files are read, before any override
// applies, so an override of it (or of the whole spec, with an include) would change nothing:
// reported (MSH0014) rather than silently dropped.
bool OverrideApplier::has_effect(const Document& doc, const std::vector<Component>& path,
                                 const YAML::Node& value) {
  if (doc.family != Family::kMeshsim || doc.kind != "Experiment") return true;
  auto field = [&](std::size_t i, const char* name) {
    return path.size() > i && path[i].type == Component::Type::kField && path[i].text == name;
  };
  int column = 0;
  if (field(0, "spec") && field(1, "include")) {
    column = path[1].column;
  } else if (path.size() == 1 && field(0, "spec") && value.IsMap() && value["include"].IsDefined()) {
    column = path[0].column;
  } else {
    return true;
  }
  error(Code::kOverrideHasNoEffect, column,
        "an Experiment's include is followed when the files are read, before overrides apply; "
        "name the files on the command line instead");
  return false;
}

bool OverrideApplier::report_if_not_read(const Document& doc, const std::vector<FieldStep>& steps) {
  if (doc.family == Family::kMeshsim) return false;
  const std::string what = doc.kind + " '" + doc.name + "'";
  const KindVerdict v = classify_kind(doc.api_version, doc.kind);
  if (v.status == KindVerdict::Status::kNotSimulated) {
    diagnostics_.report(Code::kOverrideNotRead, {file_, 1, 1},
                        {text_, what + " is of a kind meshsim does not simulate (" + v.what + ")"});
    return true;
  }
  if (doc.api_version.starts_with("chaos-mesh.org/") || doc.api_version.starts_with("litmuschaos.io/"))
    return false;  // chaos_mesh.cc and litmus.cc name what they leave out
  if (doc.family != Family::kKubernetes || v.status != KindVerdict::Status::kSimulated ||
      kubernetes_path_is_read(doc.kind, steps)) {
    return false;  // Istio's simulated kinds check their own fields (unknown: error; MSH0310)
  }
  diagnostics_.report(Code::kOverrideNotRead, {file_, 1, 1},
                      {text_, "meshsim does not read that field of " + what + "; of a " +
                                  doc.kind + " it reads " + kubernetes_read_fields(doc.kind)});
  return true;
}

std::optional<AppliedOverride> OverrideApplier::apply() {
  const std::size_t eq = text_.find('=');
  if (eq == std::string::npos) {
    diagnostics_.report(Code::kBadOverrideSyntax, {file_, 1, 1}, {text_, "no '='"});
    return std::nullopt;
  }
  const std::string_view lhs = std::string_view(text_).substr(0, eq);
  std::size_t path_start = 0;
  Document* doc = find_document(lhs, path_start);
  if (!doc) return std::nullopt;
  std::vector<Component> path;
  if (!parse_path(lhs.substr(path_start), path_start, path)) return std::nullopt;
  AppliedOverride applied{text_, doc->kind, doc->name, ""};
  for (const Component& c : path) {
    applied.path += (applied.path.empty() && c.type == Component::Type::kField) ? c.text : c.spelled;
  }

  YAML::Node value;
  try {
    value = YAML::Load(text_.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    diagnostics_.report(Code::kOverrideBadValue,
                        {file_, 1, static_cast<int>(eq) + 2 + std::max(e.mark.column, 0)},
                        {text_, e.msg});
    return std::nullopt;
  }
  if (!has_effect(*doc, path, value)) return std::nullopt;
  locator_.add_tree(value, file_, static_cast<int>(eq) + 1);

  // Walk to the parent of the last component.  yaml-cpp's Node is a handle with odd assignment:
  // `a = b` makes a's node share b's data (that is how a value is replaced in the document),
  // while `a.reset(b)` rebinds the handle (that is how we walk).
  YAML::Node cur = doc->root;
  std::string where = doc->kind + " '" + doc->name + "'";
  std::string walked;  // "spec.workloads[0]"
  std::vector<FieldStep> steps;  // the path with list items resolved to their indices
  auto at = [&]() { return walked.empty() ? where : where + " " + walked; };
  for (std::size_t i = 0; i < path.size(); ++i) {
    const Component& c = path[i];
    const bool last = i + 1 == path.size();
    if (c.type == Component::Type::kField) {
      steps.push_back({false, c.text, 0});
      if (!cur.IsMap()) {
        error(Code::kOverridePathNotFound, c.column,
              "'" + c.text + "' cannot be reached: " + at() + " is not a mapping");
        return std::nullopt;
      }
      YAML::Node child(YAML::NodeType::Undefined);
      std::vector<std::string> keys;
      for (auto it = cur.begin(); it != cur.end(); ++it) {
        if (!it->first.IsScalar()) continue;
        keys.push_back(it->first.Scalar());
        if (it->first.Scalar() == c.text) child.reset(it->second);
      }
      if (!child.IsDefined()) {
        if (!last) {
          error(Code::kOverridePathNotFound, c.column, "'" + c.text + "' names nothing in " + at(),
                suggest(c.text, keys));
          return std::nullopt;
        }
        YAML::Node key(c.text);
        locator_.add(key, {file_, 1, c.column});
        cur.force_insert(key, value);
        if (!report_if_not_read(*doc, steps) && doc->family != Family::kMeshsim) {
          diagnostics_.report(Code::kOverrideAddsField, {file_, 1, c.column},
                              {text_, c.text, at()});
        }
        return applied;
      }
      if (last) {
        child = value;  // assignment rebinds the document's node to the value's data
        report_if_not_read(*doc, steps);
        return applied;
      }
      cur.reset(child);
    } else {
      if (!cur.IsSequence()) {
        error(Code::kOverridePathNotFound, c.column,
              "'" + c.spelled + "' cannot be reached: " + at() + " is not a list");
        return std::nullopt;
      }
      std::size_t index = cur.size();
      if (c.type == Component::Type::kIndex) {
        if (c.index >= cur.size()) {
          error(Code::kOverridePathNotFound, c.column,
                "index " + c.text + " is out of range in " + at() + " (" +
                    std::to_string(cur.size()) + " items)");
          return std::nullopt;
        }
        index = c.index;
      } else {
        std::vector<std::string> names;
        for (std::size_t k = 0; k < cur.size(); ++k) {
          const YAML::Node item = cur[k];
          if (!item.IsMap()) continue;
          const YAML::Node name = item["name"];
          if (!name.IsDefined() || !name.IsScalar()) continue;
          names.push_back(name.Scalar());
          if (name.Scalar() == c.text && index == cur.size()) index = k;
        }
        if (index == cur.size()) {
          error(Code::kOverridePathNotFound, c.column, "no item named '" + c.text + "' in " + at(),
                suggest(c.text, names));
          return std::nullopt;
        }
      }
      steps.push_back({true, "", index});
      YAML::Node child = cur[index];
      if (last) {
        child = value;
        report_if_not_read(*doc, steps);
        return applied;
      }
      cur.reset(child);
    }
    walked += (walked.empty() && c.type == Component::Type::kField) ? c.text : c.spelled;
  }
  return applied;  // not reached: the last component returns
}

}  // namespace

std::vector<AppliedOverride> apply_overrides(std::vector<Document>& docs,
                                             const std::vector<std::string>& overrides,
                                             Diagnostics& diagnostics, Locator& locator) {
  std::vector<AppliedOverride> applied;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    auto a = OverrideApplier(docs, diagnostics, locator, overrides[i], static_cast<int>(i + 1)).apply();
    if (a) applied.push_back(std::move(*a));
  }
  return applied;
}

}  // namespace meshsim::scenarios::internal
