// load_scenario: read -> override -> check headers -> convert each document -> cross-check ->
// Istio traffic (VirtualServices, DestinationRules) -> throw every error, or return the Scenario.
// See scenario.h; each step lives in internal/.
#include "scenarios/scenario.h"

#include <algorithm>
#include <map>

#include "scenarios/internal/documents.h"
#include "scenarios/internal/kinds.h"
#include "scenarios/internal/draft.h"
#include "scenarios/internal/chaos_mesh.h"
#include "scenarios/internal/istio_envoy_filter.h"
#include "scenarios/internal/litmus.h"
#include "scenarios/internal/istio_traffic.h"
#include "scenarios/internal/kubernetes.h"
#include "scenarios/internal/meshsim_kinds.h"
#include "scenarios/internal/overrides.h"
#include "scenarios/internal/validate.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios {
namespace {

using internal::Context;
using internal::Diagnostics;
using internal::Document;
using internal::DocumentReader;
using internal::Draft;
using internal::Family;
using internal::Locator;

// Diagnostics in reading order: by file (in load order; --set pseudo-files last), line, column.
std::vector<Diagnostic> sorted(std::vector<Diagnostic> ds, const std::vector<SourceFile>& sources) {
  auto rank = [&](const std::string& file) -> std::size_t {
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (sources[i].path == file) return i;
    }
    if (file.rfind("<--set ", 0) == 0) return sources.size() + 1 + std::stoul(file.substr(7));
    return sources.size();
  };
  std::stable_sort(ds.begin(), ds.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    const std::size_t ra = rank(a.where.file);
    const std::size_t rb = rank(b.where.file);
    if (ra != rb) return ra < rb;
    if (a.where.line != b.where.line) return a.where.line < b.where.line;
    return a.where.column < b.where.column;
  });
  return ds;
}

class Loader {
 public:
  explicit Loader(const LoadOptions& options)
      : options_(options), reader_(diag_, locator_, out_.sources) {}

  Scenario load(const std::vector<std::string>& paths) {
    for (const std::string& p : paths) reader_.read_path(p, docs_);
    // Nothing read and nothing wrong with reading: an empty directory (or files of comments),
    // which would otherwise "run" a mesh of nothing and succeed.  (Text is exempt: an empty
    // string is the way to ask for the defaults.)
    if (docs_.empty() && !diag_.has_errors()) {
      std::string given;
      for (const std::string& p : paths) given += (given.empty() ? "" : ", ") + p;
      diag_.report(Code::kEmptyScenario, {paths.empty() ? "" : paths.front(), 0, 0}, {given});
    }
    return finish();
  }
  Scenario load_text(const std::string& text, const std::string& name) {
    reader_.read_text(text, name, docs_);
    return finish();
  }

 private:
  Scenario finish();
  std::vector<Document*> select_documents();
  void name_override(Diagnostic& d) const;

  LoadOptions options_;
  Diagnostics diag_;
  Locator locator_;
  Scenario out_;
  DocumentReader reader_;
  std::vector<Document> docs_;
};

// Checks headers; drops documents that a later one with the same kind, namespace and name
// replaces (Kubernetes and Istio, as kubectl apply would) and reports duplicate meshsim ones.
std::vector<Document*> Loader::select_documents() {
  std::vector<Document*> active;
  std::map<std::string, std::size_t> seen;  // kind/namespace/name -> index in active
  for (Document& doc : docs_) {
    const Context ctx(diag_, locator_, doc.file);
    internal::check_header(ctx, doc);
    if (!doc.header_ok) continue;
    const std::string key = doc.kind + "/" + doc.namespace_ + "/" + doc.name;
    auto [it, fresh] = seen.emplace(key, active.size());
    if (fresh) {
      active.push_back(&doc);
      continue;
    }
    Document* first = active[it->second];
    const SourceLocation first_where = locator_.locate(first->root, first->file);
    if (doc.family == Family::kMeshsim) {
      if (doc.kind == "Experiment") {
        active.push_back(&doc);  // read_experiment reports MSH0009, which says more
      } else {
        ctx.report(Code::kDuplicateDocument, doc.root,
                   {doc.kind, doc.name, first_where.to_string()});
      }
      continue;
    }
    ctx.report(Code::kReplacedManifest, doc.root, {doc.kind, doc.name, first_where.to_string()});
    active[it->second] = nullptr;
    it->second = active.size();
    active.push_back(&doc);
  }
  active.erase(std::remove(active.begin(), active.end(), nullptr), active.end());
  return active;
}

Scenario Loader::finish() {
  out_.overrides = internal::apply_overrides(docs_, options_.overrides, diag_, locator_);
  Draft draft;
  struct Ignored {
    std::string kind;
    int count;
    std::string what;
    SourceLocation first;
  };
  std::vector<Ignored> ignored;
  std::vector<internal::ChaosDoc> chaos;   // Chaos Mesh experiments (chaos_mesh.h)
  std::vector<internal::ChaosDoc> litmus;  // LitmusChaos engines (litmus.h)
  for (Document* doc : select_documents()) {
    const Context ctx(diag_, locator_, doc->file);
    if (doc->family != Family::kMeshsim) {
      const internal::KindVerdict v = internal::classify_kind(doc->api_version, doc->kind);
      using S = internal::KindVerdict::Status;
      if (v.status == S::kUnknownKind) {
        ctx.report(Code::kUnknownApiKind, doc->root["kind"], {doc->kind, doc->api_version}, v.suggestion);
        continue;
      }
      if (v.status == S::kUnsupportedVersion) {
        ctx.report(Code::kUnsupportedApiVersion, doc->root["apiVersion"], {doc->api_version, v.versions});
        continue;
      }
      if (v.status == S::kNotSimulated) {
        auto it = std::find_if(ignored.begin(), ignored.end(), [&](const auto& e) { return e.kind == doc->kind; });
        if (it == ignored.end())
          ignored.push_back({doc->kind, 1, v.what, locator_.locate(doc->root["kind"], doc->file)});
        else
          ++it->count;
        // Istio's kinds stay in the scenario's manifests (the reference checks read ServiceEntry
        // hosts); the others are read no further.
        if (doc->family == Family::kKubernetes) continue;
      }
    }
    switch (doc->family) {
      case Family::kIstio:
        draft.istio.push_back({doc->api_version, doc->kind, doc->name, doc->namespace_,
                               locator_.locate(doc->root, doc->file), doc->root});
        break;
      case Family::kKubernetes:
        draft.kubernetes.push_back(*doc);
        if (doc->api_version == "v1" && doc->kind == "Service") {
          internal::read_service(ctx, *doc, draft);
        } else if (doc->api_version == "apps/v1" && doc->kind == "Deployment") {
          internal::read_deployment(ctx, *doc, draft);
        } else if (doc->api_version == "chaos-mesh.org/v1alpha1") {
          chaos.push_back({doc, std::nullopt});  // after the Experiment is read: they start at its warm-up's end
        } else if (doc->api_version == "litmuschaos.io/v1alpha1") {
          litmus.push_back({doc, std::nullopt});  // likewise
        }
        break;
      case Family::kMeshsim:
        if (doc->kind == "Topology") internal::read_topology(ctx, *doc, draft);
        if (doc->kind == "Load") internal::read_load(ctx, *doc, draft);
        if (doc->kind == "Timeline") internal::read_timeline(ctx, *doc, draft, reader_);
        if (doc->kind == "Experiment") internal::read_experiment(ctx, *doc, draft);
        break;
    }
  }
  for (const auto& [doc, at] : draft.applied_chaos)  // a Timeline applies them at a time
    (doc.api_version.starts_with("chaos-mesh.org/") ? chaos : litmus).push_back({&doc, at});
  internal::read_chaos_mesh(chaos, diag_, locator_, draft);
  internal::read_litmus(litmus, diag_, locator_, draft);
  for (const Ignored& i : ignored)
    diag_.report(Code::kNotSimulated, i.first, {i.kind, std::to_string(i.count), i.what});
  // A document that could not be read or identified (MSH0001-0006, 0011, 0012) would make the checks across
  // documents report its consequences (every reference to what it defined), not its cause.
  const bool all_documents_read =
      std::none_of(diag_.items().begin(), diag_.items().end(), [](const Diagnostic& d) {
        return d.level == Level::kError && ((d.code >= "MSH0001" && d.code <= "MSH0006") ||
                                             d.code == "MSH0011" || d.code == "MSH0012");
      });
  // Each VirtualService and DestinationRule on its own, so it is read even when another
  // document could not be; read once, here, for the run and for the reference checks.
  internal::read_traffic(draft.istio, diag_, locator_, draft.mesh.traffic, draft.virtual_services);
  internal::read_envoy_filters(draft.istio, diag_, locator_, draft.mesh.traffic);
  if (all_documents_read) internal::validate(draft, diag_, locator_);
  draft.mesh.traffic.istio_version = draft.mesh.experiment.istio_version;

  std::vector<Diagnostic> errors;
  for (Diagnostic& d : sorted(diag_.items(), out_.sources)) {
    name_override(d);
    (d.level == Level::kError ? errors : out_.warnings).push_back(d);
  }
  if (!errors.empty()) throw ScenarioError(std::move(errors));
  out_.mesh = std::move(draft.mesh);
  out_.istio = std::move(draft.istio);
  for (const Ignored& i : ignored) out_.ignored_kinds.push_back(i.kind + " (" + std::to_string(i.count) + ")");
  return std::move(out_);
}

// A diagnostic found in a --set value by the field's own check ("rate: expected a number") names
// the override it came from, as the override's own diagnostics do ("--set 'TEXT': ...").
void Loader::name_override(Diagnostic& d) const {
  const std::string& file = d.where.file;
  if (!file.starts_with("<--set ") || d.message.starts_with("--set '")) return;
  const std::size_t n = std::stoul(file.substr(7));
  if (n >= 1 && n <= options_.overrides.size())
    d.message = "--set '" + options_.overrides[n - 1] + "': " + d.message;
}

}  // namespace

Scenario load_scenario(const std::vector<std::string>& files_or_dirs, const LoadOptions& options) {
  return Loader(options).load(files_or_dirs);
}

Scenario load_scenario_text(const std::string& yaml, const std::string& name,
                            const LoadOptions& options) {
  return Loader(options).load_text(yaml, name);
}

}  // namespace meshsim::scenarios
