// Kubernetes Service and Deployment documents; see kubernetes.h.
#include "scenarios/internal/kubernetes.h"

#include "scenarios/internal/cpu_quantity.h"

#include <algorithm>
#include <cctype>

namespace meshsim::scenarios::internal {
namespace {

constexpr uint64_t kMaxReplicas = 100'000;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The first container's readinessProbe (the app; an injected istio-proxy is not in the manifest):
// the timing fields, Kubernetes' defaults when absent (k8s API core/v1 Probe).
void read_readiness_probe(const Context& ctx, const Mapping& pod, models::WorkloadConfig::ReadinessProbe& r) {
  const YAML::Node containers = pod.get("containers");
  if (!containers.IsDefined() || !containers.IsSequence() || containers.size() == 0) return;
  const Mapping c = Mapping::lenient(ctx, containers[0], "container");
  const YAML::Node probe = c.get("readinessProbe");
  if (!probe.IsDefined()) return;
  const Mapping p = Mapping::lenient(ctx, probe, "readinessProbe");
  if (auto v = p.integer("initialDelaySeconds", 0, 86'400)) r.initial_delay = simcore::Time::from_s(static_cast<int64_t>(*v));
  if (auto v = p.integer("periodSeconds", 1, 86'400)) r.period = simcore::Time::from_s(static_cast<int64_t>(*v));
  if (auto v = p.integer("failureThreshold", 1, 1'000)) r.failure_threshold = static_cast<uint32_t>(*v);
  if (auto v = p.integer("successThreshold", 1, 1'000)) r.success_threshold = static_cast<uint32_t>(*v);
}

}  // namespace

bool is_modelled_kubernetes_kind(const Document& doc) {
  return (doc.api_version == "v1" && doc.kind == "Service") ||
         (doc.api_version == "apps/v1" && doc.kind == "Deployment");
}

models::Protocol protocol_for_port(const std::string& name, const std::string& app_protocol) {
  const std::string p = lower(app_protocol.empty() ? name : app_protocol);
  auto is = [&p](std::string_view prefix) {
    return p == prefix || (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 &&
                           p[prefix.size()] == '-');
  };
  if (is("grpc") || is("grpc-web")) return models::Protocol::kGrpc;
  if (is("http2") || p == "kubernetes.io/h2c") return models::Protocol::kHttp2;
  return models::Protocol::kHttp;
}

void read_service(const Context& ctx, const Document& doc, Draft& draft) {
  ServiceDraft s;
  s.config.name = doc.name;
  s.config.namespace_ = doc.namespace_;
  s.where = ctx.at(doc.root);
  const Mapping top = Mapping::lenient(ctx, doc.root, doc.label());
  const Mapping spec = Mapping::lenient(ctx, top.get("spec"), doc.label() + " spec");
  if (const YAML::Node ports = spec.get("ports"); ports.IsDefined()) {
    if (!ports.IsSequence()) {
      ctx.report(Code::kWrongType, ports, {"ports", "a list", describe(ports)});
    } else {
      for (auto it = ports.begin(); it != ports.end(); ++it) {
        const Mapping p = Mapping::lenient(ctx, *it, "port");
        if (!p.is_mapping()) continue;
        models::PortConfig port;
        port.name = p.string("name").value_or("");
        const auto number =
            p.require("port").IsDefined() ? p.integer("port", 1, 65535) : std::nullopt;
        if (!number) continue;
        port.number = static_cast<uint32_t>(*number);
        port.protocol = protocol_for_port(port.name, p.string("appProtocol").value_or(""));
        s.config.ports.push_back(port);
      }
    }
  }
  if (s.config.ports.empty()) s.config.ports.push_back({"http", 80, models::Protocol::kHttp});
  if (auto sel = spec.string_map("selector")) s.config.selector = *sel;
  draft.services.push_back(std::move(s));
}

void read_deployment(const Context& ctx, const Document& doc, Draft& draft) {
  WorkloadDraft w;
  w.config.name = doc.name;
  w.config.namespace_ = doc.namespace_;
  w.config.service_account = "default";
  w.where = ctx.at(doc.root);
  const Mapping top = Mapping::lenient(ctx, doc.root, doc.label());
  const Mapping spec = Mapping::lenient(ctx, top.get("spec"), doc.label() + " spec");
  if (auto r = spec.integer("replicas", 0, kMaxReplicas))
    w.config.replicas = static_cast<uint32_t>(*r);
  const Mapping tmpl = Mapping::lenient(ctx, spec.get("template"), "template");
  const Mapping meta = Mapping::lenient(ctx, tmpl.get("metadata"), "template metadata");
  if (auto labels = meta.string_map("labels")) w.config.labels = *labels;
  const Mapping pod = Mapping::lenient(ctx, tmpl.get("spec"), "pod spec");
  if (auto cpu = read_pod_cpu_limit(ctx, pod.node())) w.config.cpu_limit = *cpu;
  if (auto sa = pod.string("serviceAccountName")) {
    w.config.service_account = *sa;
  } else if (auto old = pod.string("serviceAccount")) {  // the deprecated spelling
    w.config.service_account = *old;
  }
  read_readiness_probe(ctx, pod, w.config.readiness);
  draft.deployments.push_back(std::move(w));
}

}  // namespace meshsim::scenarios::internal
