// Timeline documents: chaos and configuration changes at given times; see meshsim_kinds.h and
// README.md "Timeline".
#include <filesystem>

#include "scenarios/internal/distributions.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/istio_traffic.h"
#include "scenarios/internal/kinds.h"
#include "scenarios/internal/kubernetes.h"
#include "scenarios/internal/meshsim_kinds.h"
#include "scenarios/internal/pod_selector.h"
#include "scenarios/internal/timeline_network.h"

namespace meshsim::scenarios::internal {
namespace {

using simcore::Time;

const std::vector<std::string>& actions() {
  static const std::vector<std::string> a = {"killPods",     "zoneOutage",  "addLatency",
                                             "injectErrors", "cpuSlowdown", "cpuStress",
                                             "partition",    "network",     "apply",
                                             "remove"};
  return a;
}

// "100ms" for a constant, else the distribution's own description.
std::string describe_latency(const simcore::Distribution& d) {
  if (d.kind() == simcore::Distribution::Kind::Constant) {
    return format_duration(Time::from_seconds(d.mean()));
  }
  return d.describe();
}

// An applied manifest must itself be a valid Istio or Kubernetes document.
bool check_applied(const Context& timeline_ctx, Document& doc) {
  const Context ctx(timeline_ctx.diagnostics(), timeline_ctx.locator(), doc.file);
  check_header(ctx, doc);
  if (!doc.header_ok) return false;
  if (doc.family == Family::kMeshsim) {
    ctx.report(Code::kApplyMeshsimKind, doc.root, {doc.kind});
    return false;
  }
  if (doc.family == Family::kKubernetes && is_modelled_kubernetes_kind(doc)) {
    Draft scratch;  // type-checks the fields meshsim reads; the result is applied at run time
    if (doc.kind == "Service")
      read_service(ctx, doc, scratch);
    else
      read_deployment(ctx, doc, scratch);
  }
  return true;
}

// Whether applying `d` at `at` changes the run.  A Chaos Mesh / LitmusChaos experiment is kept
// to start then (chaos_mesh.h, litmus.h) and needs no ApplyManifest event; a kind applied at a
// time to no effect is MSH0238.
bool applied_changes_run(const Context& ctx, const Document& d, Time at, Draft& draft) {
  const bool chaos_mesh = d.api_version == "chaos-mesh.org/v1alpha1";
  if ((chaos_mesh || d.api_version == "litmuschaos.io/v1alpha1") &&
      classify_kind(d.api_version, d.kind).status == KindVerdict::Status::kSimulated) {
    draft.applied_chaos.emplace_back(d, at);
    return false;
  }
  if (d.family == Family::kIstio && is_traffic_manifest(d.api_version, d.kind)) return true;
  const KindVerdict v = classify_kind(d.api_version, d.kind);
  if (v.status == KindVerdict::Status::kUnknownKind) {  // as at the top level
    ctx.report(Code::kUnknownApiKind, d.root["kind"], {d.kind, d.api_version}, v.suggestion);
    return false;
  }
  if (v.status == KindVerdict::Status::kUnsupportedVersion) {
    ctx.report(Code::kUnsupportedApiVersion, d.root["apiVersion"], {d.api_version, v.versions});
    return false;
  }
  const std::string why = v.status == KindVerdict::Status::kNotSimulated
                              ? d.kind + " is not simulated: " + v.what
                              : "a " + d.kind + " is read once, at the start; at a time meshsim applies "
                                "VirtualServices and DestinationRules and starts chaos experiments";
  ctx.report(Code::kAppliedManifestChangesNothing, d.root, {d.kind, d.name, format_duration(at), why});
  return false;
}

const char* mode_text(models::PodLossMode m) {
  switch (m) {
    case models::PodLossMode::kGraceful: return " (graceful)";
    case models::PodLossMode::kCrash: return " (crash)";
    case models::PodLossMode::kNode: return " (node loss)";
  }
  return "";
}

// killPods' `mode` and the fields that belong to one mode only: `replace`, `appServesFor` and
// `terminationDrainDuration` to graceful, `restart` to crash.
bool read_loss_mode(const Mapping& a, models::KillPods& k) {
  const Context& ctx = a.ctx();
  bool ok = true;
  if (a.has("mode")) {
    const auto m = read_enum(ctx, a.get("mode"), "mode", {"graceful", "crash", "node"});
    if (!m) return false;
    k.mode = *m == "graceful" ? models::PodLossMode::kGraceful
             : *m == "crash"  ? models::PodLossMode::kCrash
                              : models::PodLossMode::kNode;
  }
  const std::string mode = a.string("mode").value_or("crash");
  auto only_with = [&](const char* key, models::PodLossMode allowed, const char* allowed_text) {
    if (!a.has(key) || k.mode == allowed) return true;
    ctx.report(Code::kConflictingFields, a.get(key), {key, "mode: " + mode + " (it belongs to mode: " +
                                                               std::string(allowed_text) + ")"});
    return false;
  };
  ok = only_with("replace", models::PodLossMode::kGraceful, "graceful") && ok;
  ok = only_with("appServesFor", models::PodLossMode::kGraceful, "graceful") && ok;
  ok = only_with("terminationDrainDuration", models::PodLossMode::kGraceful, "graceful") && ok;
  ok = only_with("restart", models::PodLossMode::kCrash, "crash") && ok;
  for (const char* key : {"replace", "restart"}) {
    if (!a.has(key)) continue;
    if (auto b = a.boolean(key))
      k.replace = *b;
    else
      ok = false;
  }
  if (const YAML::Node n = a.get("appServesFor"); n.IsDefined()) {
    if (auto t = read_duration(ctx, n, "appServesFor", DurationRule::kNonNegative))
      k.app_serves_for = *t;
    else
      ok = false;
  }
  if (const YAML::Node n = a.get("terminationDrainDuration"); n.IsDefined()) {
    if (auto t = read_duration(ctx, n, "terminationDrainDuration", DurationRule::kNonNegative))
      k.termination_drain_duration = *t;
    else
      ok = false;
  }
  return ok;
}

struct EventBase {
  std::string name;
  Time at;
  Time duration = Time::max();
  std::string suffix;  // " for 30s"
};

}  // namespace

void read_timeline(const Context& ctx, const Document& doc, Draft& draft, DocumentReader& reader) {
  const YAML::Node& root = doc.root;
  const YAML::Node spec_node = root["spec"];
  if (!spec_node.IsDefined() || spec_node.IsNull()) {
    ctx.report(Code::kMissingField, root, {"spec", doc.label()});
    return;
  }
  const Mapping spec(ctx, spec_node, doc.label() + " spec", {"events"});
  const YAML::Node events = spec.require("events");
  if (!events.IsDefined()) return;
  if (!events.IsSequence()) {
    ctx.report(Code::kWrongType, events, {"events", "a list of events", describe(events)});
    return;
  }
  int index = 0;
  for (auto it = events.begin(); it != events.end(); ++it) {
    ++index;
    const std::string owner = doc.label() + " event " + std::to_string(index);
    const Mapping m(ctx, *it, owner,
                    {"name", "at", "duration", "killPods", "zoneOutage", "addLatency", "injectErrors",
                     "cpuSlowdown", "cpuStress", "partition", "network", "apply", "remove"});
    if (!m.is_mapping()) continue;
    EventBase base;
    base.name = m.string("name").value_or("");
    const YAML::Node at = m.require("at");
    auto t =
        at.IsDefined() ? read_duration(ctx, at, "at", DurationRule::kNonNegative) : std::nullopt;
    if (t) base.at = *t;
    if (const YAML::Node d = m.get("duration"); d.IsDefined()) {
      if (auto dur = read_duration(ctx, d, "duration", DurationRule::kPositive)) {
        base.duration = *dur;
        base.suffix = " for " + format_duration(*dur);
      }
    }
    std::vector<std::string> given;
    for (const std::string& a : actions()) {
      if (m.has(a)) given.push_back(a);
    }
    if (given.size() != 1) {
      if (given.empty() && m.misspelt_any({"killPods", "zoneOutage", "addLatency", "injectErrors",
                                           "cpuSlowdown", "cpuStress", "partition", "network", "apply",
                                           "remove"})) {
        continue;  // the misspelt action was reported
      }
      ctx.report(Code::kExactlyOneOf, *it,
                 {owner, "the actions (" + join(actions(), " or ") + ")",
                  given.empty() ? "none" : quote_join(given)});
      continue;
    }
    const std::string& action = given[0];
    const YAML::Node body = m.get(action);
    EventSite site;
    site.namespace_ = doc.namespace_;
    site.where_action = ctx.at(body);
    site.where_service = site.where_workload = site.where_zone = site.where_action;
    models::TimelineEvent ev;
    ev.name = base.name;
    ev.at = base.at;
    ev.duration = base.duration;
    bool ok = t.has_value();
    const std::string what = action + " in " + owner;

    if (action == "killPods") {
      const Mapping a(ctx, body, what,
                      with_selector_keys({"count", "percent", "mode", "replace", "restart",
                                          "appServesFor", "terminationDrainDuration"}));
      models::KillPods k{read_selector(a, site, ok)};
      ok = read_loss_mode(a, k) && ok;
      if (a.has("count") && a.has("percent")) {
        ctx.report(Code::kConflictingFields, a.get("percent"), {"percent", "'count'"});
        ok = false;
      }
      for (const char* first : {"count", "percent"}) {
        if (a.has(first) && a.has("select")) {
          ctx.report(Code::kConflictingFields, a.get(first),
                     {first, "'select' (count and percent take the first pods; select picks at random)"});
          ok = false;
        }
      }
      if (auto c = a.integer("count", 1, 100'000))
        k.pods.count = static_cast<uint32_t>(*c);
      else if (a.has("count"))
        ok = false;
      if (auto p = a.number("percent", 0, 100)) {
        if (*p <= 0) {
          ctx.report(Code::kOutOfRange, a.get("percent"),
                     {"percent", "> 0 and <= 100", format_number(*p)});
          ok = false;
        }
        k.pods.percent = *p;
      } else if (a.has("percent")) {
        ok = false;
      }
      ev.description =
          (k.pods.pick != models::PodSelector::Pick::kFirst
               ? "kill " + picked_text(k.pods)
           : k.pods.count
               ? "kill " + std::to_string(k.pods.count) + " pod(s) of " + target_text(k.pods)
           : k.pods.percent > 0
               ? "kill " + format_number(k.pods.percent) + "% of the pods of " + target_text(k.pods)
               : "kill all pods of " + target_text(k.pods)) +
          (a.has("mode") ? mode_text(k.mode) : "");
      ev.action = k;
    } else if (action == "zoneOutage") {
      const Mapping a(ctx, body, what, {"zone"});
      auto z = a.required_string("zone");
      ok = ok && z;
      site.where_zone = a.where("zone");
      ev.action = models::ZoneOutage{z.value_or("")};
      ev.description = "zone outage of " + z.value_or("");
    } else if (action == "addLatency") {
      const Mapping a(ctx, body, what, with_selector_keys({"latency"}));
      models::PodSelector s = read_selector(a, site, ok);
      const YAML::Node l = a.require("latency");
      auto d = l.IsDefined() ? read_distribution(ctx, l, "latency") : std::nullopt;
      ok = ok && d;
      if (d) {
        ev.description = "add latency " + describe_latency(*d) + " to " + picked_text(s);
        ev.action = models::AddLatency{s, *d};
      }
    } else if (action == "injectErrors") {
      const Mapping a(ctx, body, what, with_selector_keys({"probability", "status", "grpcStatus"}));
      models::InjectErrors e{read_selector(a, site, ok)};
      if (auto p = a.number("probability", 0, 1))
        e.probability = *p;
      else if (a.has("probability"))
        ok = false;
      if (auto s = a.integer("status", 100, 599))
        e.status = static_cast<uint32_t>(*s);
      else if (a.has("status"))
        ok = false;
      if (a.has("grpcStatus")) {
        if (auto g = read_grpc_status(ctx, a.get("grpcStatus"), "grpcStatus"))
          e.grpc_status = *g;
        else
          ok = false;
      }
      ev.description = "inject " + format_number(e.probability * 100) + "% errors (HTTP " +
                       std::to_string(e.status) +
                       (e.grpc_status == policies::kNoGrpcStatus
                            ? std::string()
                            : ", gRPC " + std::string(policies::grpc_status_name(e.grpc_status))) +
                       ") into " + picked_text(e.pods);
      ev.action = e;
    } else if (action == "cpuSlowdown") {
      const Mapping a(ctx, body, what, with_selector_keys({"factor"}));
      models::CpuSlowdown c{read_selector(a, site, ok)};
      if (auto f = a.number("factor", 0, 1000)) {
        if (*f <= 0) {
          ctx.report(Code::kOutOfRange, a.get("factor"), {"factor", "> 0", format_number(*f)});
          ok = false;
        }
        c.factor = *f;
      } else if (a.has("factor")) {
        ok = false;
      }
      ev.description =
          "slow the CPU of " + picked_text(c.pods) + " by " + format_number(c.factor) + "x";
      ev.action = c;
    } else if (action == "cpuStress") {
      const Mapping a(ctx, body, what, with_selector_keys({"workers", "load"}));
      models::CpuStress c{read_selector(a, site, ok)};
      if (auto w = a.integer("workers", 1, 8192))
        c.workers = static_cast<uint32_t>(*w);
      else if (a.has("workers"))
        ok = false;
      if (auto l = a.integer("load", 0, 100))
        c.load = static_cast<uint32_t>(*l);
      else if (a.has("load"))
        ok = false;
      ev.description = "CPU stress (" + std::to_string(c.workers) + " worker(s) at " + std::to_string(c.load) +
                       "%) in " + picked_text(c.pods);
      ev.action = c;
    } else if (action == "partition") {
      const Mapping a(ctx, body, what, {"from", "to"});
      auto from = a.required_string("from");
      auto to = a.required_string("to");
      site.where_from = a.where("from");
      site.where_to = a.where("to");
      if (from && to && *from == *to) {
        ctx.report(Code::kConflictingFields, a.get("to"), {"to: " + *to, "the same 'from'"});
        ok = false;
      }
      ok = ok && from && to;
      ev.action = models::Partition{from.value_or(""), to.value_or("")};
      ev.description = "partition " + from.value_or("") + " from " + to.value_or("");
    } else if (action == "network") {
      const Mapping a(ctx, body, what, network_action_keys());
      models::NetworkFault f;
      ev.description = read_network_action(a, site, f, ok);
      ev.action = f;
    } else if (action == "remove") {
      const Mapping a(ctx, body, what, {"kind", "name", "namespace"});
      auto kind = a.required_string("kind");
      auto name = a.required_string("name");
      ok = ok && kind && name;
      models::RemoveManifest r{kind.value_or(""), name.value_or(""),
                               a.string("namespace").value_or(doc.namespace_)};
      ev.description = "remove " + r.kind + " '" + r.name + "'";
      ev.action = r;
    } else {  // apply: one event per document
      const Mapping a(ctx, body, what, {"file", "manifest"});
      if (!a.is_mapping()) continue;
      const auto forms = a.present({"file", "manifest"});
      if (forms.size() != 1) {
        if (forms.empty() && a.misspelt_any({"file", "manifest"})) continue;
        ctx.report(Code::kExactlyOneOf, body,
                   {what, "'file' or 'manifest'", forms.empty() ? "none" : "both"});
        continue;
      }
      std::vector<Document> docs;
      if (forms[0] == "file") {
        auto file = a.string("file");
        if (!file) continue;
        const std::string path = (std::filesystem::path(ctx.file()).parent_path() / *file)
                                     .lexically_normal()
                                     .generic_string();
        if (!reader.read_file_documents(path, docs, a.where("file"))) continue;
        if (docs.empty()) {
          ctx.report(Code::kWrongType, a.get("file"),
                     {"file", "a file with a manifest", "an empty file"});
          continue;
        }
      } else {
        Document d;
        d.file = ctx.file();
        d.root = a.get("manifest");
        YAML::Emitter out;
        out << d.root;
        d.text = out.c_str();
        docs.push_back(std::move(d));
      }
      for (Document& d : docs) {
        if (!check_applied(ctx, d)) continue;
        if (!applied_changes_run(ctx, d, ev.at, draft)) continue;
        models::ApplyManifest apply;
        apply.document = d.text;
        // Parsed now, errors at the applied document's nodes, so the runtime only swaps configs.
        EventSite s = site;
        if (d.family == Family::kIstio && is_traffic_manifest(d.api_version, d.kind)) {
          const Context dctx(ctx.diagnostics(), ctx.locator(), d.file);
          if (d.kind == "VirtualService") {
            s.applied_virtual_service = read_virtual_service(dctx, d.root, d.name, d.namespace_);
            apply.virtual_service = s.applied_virtual_service->config;
          } else {
            apply.destination_rule = read_destination_rule(dctx, d.root, d.name, d.namespace_);
            s.applied_destination_rule = apply.destination_rule;
          }
        }
        if (!ok) continue;
        models::TimelineEvent e = ev;
        e.description = "apply " + d.kind + " '" + d.name + "'" + base.suffix;
        e.action = std::move(apply);
        s.applied = d;
        draft.mesh.timeline.push_back(std::move(e));
        draft.event_sites.push_back(std::move(s));
      }
      continue;
    }
    if (!ok) continue;
    ev.description += base.suffix;
    draft.mesh.timeline.push_back(std::move(ev));
    draft.event_sites.push_back(std::move(site));
  }
}

}  // namespace meshsim::scenarios::internal
