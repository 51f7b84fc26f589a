// Reading files into documents and checking their headers; see documents.h.
#include "scenarios/internal/documents.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string>& meshsim_kinds() {
  static const std::vector<std::string> k = {"Topology", "Load", "Timeline", "Experiment"};
  return k;
}

// A defined scalar child of a mapping, or "".  Quiet.
std::string scalar_child(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return {};
  const YAML::Node n = map[key];
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : std::string();
}

Family family_of(const std::string& api_version) {
  const auto slash = api_version.find('/');
  const std::string group =
      slash == std::string::npos ? std::string() : api_version.substr(0, slash);
  if (group == kMeshsimGroup) return Family::kMeshsim;
  if (group == "networking.istio.io" || group == "security.istio.io" ||
      group == "telemetry.istio.io" || group == "extensions.istio.io") {
    return Family::kIstio;
  }
  return Family::kKubernetes;
}

// A "---" line starts a document (YAML: three dashes followed by white space or the line end).
bool is_separator(std::string_view line) {
  return line.size() >= 3 && line.substr(0, 3) == "---" &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

struct Chunk {
  int first_line;  // 0-based
  std::string text;
};

std::vector<Chunk> split_documents(const std::string& text) {
  std::vector<Chunk> chunks{{0, {}}};
  int line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    const std::size_t next = end == std::string::npos ? text.size() : end + 1;
    const std::string_view l(text.data() + pos,
                             (end == std::string::npos ? text.size() : end) - pos);
    if (is_separator(l)) chunks.push_back({line, {}});
    chunks.back().text.append(text, pos, next - pos);
    pos = next;
    ++line;
  }
  return chunks;
}

bool read_whole_file(const fs::path& p, std::string& out, std::string& error) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return false;
  }
  out = ss.str();
  return true;
}

std::string canonical_key(const std::string& path) {
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(fs::path(path), ec);
  return ec ? path : c.string();
}

}  // namespace

// ---- Headers ----------------------------------------------------------------------------

void peek_header(Document& doc) {
  const YAML::Node& root = doc.root;  // const: a non-const operator[] would add keys
  doc.api_version = scalar_child(root, "apiVersion");
  doc.kind = scalar_child(root, "kind");
  const YAML::Node meta = root.IsMap() ? root["metadata"] : YAML::Node(YAML::NodeType::Undefined);
  doc.name = scalar_child(meta, "name");
  const std::string ns = scalar_child(meta, "namespace");
  doc.namespace_ = ns.empty() ? "default" : ns;
  doc.family = family_of(doc.api_version);
}

void check_header(const Context& ctx, Document& doc) {
  peek_header(doc);
  doc.header_ok = false;
  const YAML::Node& root = doc.root;
  if (!root.IsMap()) {
    ctx.report(Code::kNotAMapping, root, {describe(root)});
    return;
  }
  const std::string what = doc.kind.empty() ? "document" : doc.kind + " document";
  bool ok = true;
  for (const char* key : {"apiVersion", "kind"}) {
    const YAML::Node n = root[key];
    if (!n.IsDefined() || !n.IsScalar() || n.Scalar().empty()) {
      ctx.report(Code::kMissingHeader, n.IsDefined() ? n : root, {key, what});
      ok = false;
    }
  }
  const YAML::Node meta = root["metadata"];
  const YAML::Node name = meta.IsDefined() && meta.IsMap() ? meta["name"] : YAML::Node();
  if (!name.IsDefined() || !name.IsScalar() || name.Scalar().empty()) {
    ctx.report(Code::kMissingHeader, meta.IsDefined() ? meta : root, {"metadata.name", what});
    ok = false;
  }
  if (meta.IsDefined() && meta.IsMap()) {
    const YAML::Node ns = meta["namespace"];
    if (ns.IsDefined() && !ns.IsNull() && !ns.IsScalar()) {
      ctx.report(Code::kWrongType, ns, {"metadata.namespace", "a string", describe(ns)});
      ok = false;
    }
  }
  if (doc.family == Family::kMeshsim) {
    if (doc.api_version != kMeshsimApiVersion) {
      ctx.report(Code::kUnsupportedVersion, root["apiVersion"],
                 {doc.api_version, kMeshsimApiVersion});
      ok = false;
    }
    const auto& kinds = meshsim_kinds();
    if (!doc.kind.empty() && std::find(kinds.begin(), kinds.end(), doc.kind) == kinds.end()) {
      ctx.report(Code::kUnknownKind, root["kind"], {doc.kind, doc.api_version},
                 suggest(doc.kind, kinds));
      ok = false;
    }
    // meshsim's own documents are strict at every level, the header included.
    Mapping top(ctx, root, what, {"apiVersion", "kind", "metadata", "spec"});
    if (meta.IsDefined() && meta.IsMap()) {
      Mapping m(ctx, meta, "metadata", {"name", "namespace", "labels", "annotations"});
    }
  }
  doc.header_ok = ok;
}

// ---- Reading ----------------------------------------------------------------------------

void DocumentReader::read_path(const std::string& path, std::vector<Document>& out,
                               const SourceLocation* from) {
  std::error_code ec;
  const fs::path p(path);
  const fs::file_status st = fs::status(p, ec);
  if (ec || !fs::exists(st)) {
    diagnostics_->report(Code::kReadFailed, from ? *from : SourceLocation{path, 0, 0},
                         {path, "no such file or directory"});
    return;
  }
  if (!fs::is_directory(st)) {
    read_file(path, out, from, true);
    return;
  }
  std::vector<std::string> files;
  for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string ext = it->path().extension().string();
    if (ext == ".yaml" || ext == ".yml") files.push_back(it->path().generic_string());
  }
  if (ec) {
    diagnostics_->report(Code::kReadFailed, from ? *from : SourceLocation{path, 0, 0},
                         {path, ec.message()});
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    diagnostics_->report(Code::kNoYamlFiles, from ? *from : SourceLocation{path, 0, 0}, {path});
  }
  for (const std::string& f : files) read_file(f, out, nullptr, true);
}

void DocumentReader::read_text(const std::string& text, const std::string& name,
                               std::vector<Document>& out) {
  read_.emplace(canonical_key(name), sources_->size());
  sources_->push_back({name, text});
  parse(text, name, out, true);
}

void DocumentReader::read_file(const std::string& path, std::vector<Document>& out,
                               const SourceLocation* from, bool follow) {
  const std::string key = canonical_key(path);
  if (read_.count(key)) return;  // included twice, or named on the command line and included
  std::string text;
  std::string error;
  if (!read_whole_file(path, text, error)) {
    diagnostics_->report(Code::kReadFailed, from ? *from : SourceLocation{path, 0, 0},
                         {path, error});
    return;
  }
  read_.emplace(key, sources_->size());
  sources_->push_back({path, text});
  parse(text, path, out, follow);
}

bool DocumentReader::read_file_documents(const std::string& path, std::vector<Document>& out,
                                         const SourceLocation& from) {
  const std::string key = canonical_key(path);
  std::string text;
  if (auto it = read_.find(key); it != read_.end()) {
    text = (*sources_)[it->second].text;
  } else {
    std::error_code ec;
    std::string error = "no such file or directory";
    if (fs::is_directory(fs::path(path), ec)) error = "is a directory";
    if (!fs::is_regular_file(fs::path(path), ec) || !read_whole_file(path, text, error)) {
      diagnostics_->report(Code::kReadFailed, from, {path, error});
      return false;
    }
    read_.emplace(key, sources_->size());
    sources_->push_back({path, text});
  }
  parse(text, path, out, false);
  return true;
}

void DocumentReader::parse(const std::string& text, const std::string& name,
                           std::vector<Document>& out, bool follow) {
  std::vector<std::size_t> experiments;
  for (Chunk& chunk : split_documents(text)) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(static_cast<std::size_t>(chunk.first_line), '\n') + chunk.text);
    } catch (const YAML::Exception& e) {
      diagnostics_->report(Code::kYamlSyntax, {name, e.mark.line + 1, e.mark.column + 1}, {e.msg});
      continue;
    }
    if (!root.IsDefined() || root.IsNull()) continue;  // empty, or comments only
    Document doc;
    doc.file = name;
    doc.root = root;
    doc.text = std::move(chunk.text);
    peek_header(doc);
    if (is_list(doc)) {
      expand_list(doc, out);
      continue;
    }
    if (doc.family == Family::kMeshsim && doc.kind == "Experiment")
      experiments.push_back(out.size());
    out.push_back(std::move(doc));
  }
  if (!follow) return;
  for (std::size_t i : experiments) {
    const Document exp = out[i];  // a copy: out grows while its includes are read
    follow_includes(exp, out);
  }
}

// `kubectl get -o yaml` of several objects writes one `apiVersion: v1, kind: List` whose `items`
// are the objects; kubectl apply takes each item as a document of its own, and so does meshsim.
// An item keeps its own nodes (so diagnostics point into the List); its text is re-emitted.
bool DocumentReader::is_list(const Document& doc) { return doc.api_version == "v1" && doc.kind == "List"; }

void DocumentReader::expand_list(const Document& list, std::vector<Document>& out) {
  const YAML::Node& root = list.root;
  const YAML::Node items = root["items"];
  if (!items.IsDefined() || items.IsNull()) return;  // an empty List
  if (!items.IsSequence()) {
    diagnostics_->report(Code::kWrongType, locator_->locate(items, list.file),
                         {"List items", "a list of manifests", describe(items)});
    return;
  }
  for (auto it = items.begin(); it != items.end(); ++it) {
    Document doc;
    doc.file = list.file;
    doc.root.reset(*it);  // the item itself, not a copy: its marks are the file's
    YAML::Emitter text;
    text << doc.root;
    doc.text = text.c_str();
    peek_header(doc);
    if (is_list(doc)) {
      expand_list(doc, out);
      continue;
    }
    out.push_back(std::move(doc));
  }
}

void DocumentReader::follow_includes(const Document& doc, std::vector<Document>& out) {
  const YAML::Node spec = doc.root["spec"];
  if (!spec.IsDefined() || !spec.IsMap()) return;
  const YAML::Node include = spec["include"];
  if (!include.IsDefined()) return;
  const fs::path base = fs::path(doc.file).parent_path();
  const Context ctx(*diagnostics_, *locator_, doc.file);
  auto follow_one = [&](const YAML::Node& item) {
    if (!item.IsScalar()) return;  // the Experiment's conversion reports the type
    const SourceLocation where = ctx.at(item);
    read_path((base / item.Scalar()).lexically_normal().generic_string(), out, &where);
  };
  if (include.IsSequence()) {
    for (auto it = include.begin(); it != include.end(); ++it) follow_one(*it);
  } else {
    follow_one(include);
  }
}

}  // namespace meshsim::scenarios::internal
