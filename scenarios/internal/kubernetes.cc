// Kubernetes Service and Deployment documents; see kubernetes.h.
#include "scenarios/internal/kubernetes.h"

#include "scenarios/internal/cpu_quantity.h"

#include <algorithm>
#include <cctype>

#include "policies/protocol.h"

namespace meshsim::scenarios::internal {
namespace {

constexpr uint64_t kMaxReplicas = 100'000;

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

// Kubernetes' IntOrString targetPort: digits are a number (1-65535), anything else a port name,
// which validation requires to be an IANA_SVC_NAME (k8s validation.IsValidPortName: at most 15
// lower-case letters, digits and '-', with a letter, no '-' at either end nor "--").
void read_target_port(const Mapping& p, models::PortConfig& port) {
  const YAML::Node t = p.get("targetPort");
  if (!t.IsDefined()) return;
  const std::string s = t.IsScalar() ? t.Scalar() : "";
  const bool digits = !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
  if (digits && t.Tag() != "!") {  // a quoted "8080" is a string, as in Kubernetes' JSON
    if (auto n = p.integer("targetPort", 1, 65535)) port.target_port = static_cast<uint32_t>(*n);
    return;
  }
  const bool name_ok = !s.empty() && s.size() <= 15 && s.front() != '-' && s.back() != '-' &&
                       s.find("--") == std::string::npos &&
                       std::all_of(s.begin(), s.end(), [](unsigned char c) {
                         return std::islower(c) || std::isdigit(c) || c == '-';
                       }) &&
                       std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::islower(c); });
  if (!name_ok) {
    p.ctx().report(Code::kWrongType, t,
                   {"targetPort", "a port number (1-65535) or a container port name (IANA_SVC_NAME: "
                                  "at most 15 of a-z, 0-9 and '-', with a letter)",
                    describe(t)});
    return;
  }
  port.target_port_name = s;
}

// The ports of a pod template's containers, and of its native sidecars (init containers with
// restartPolicy Always), which Kubernetes' FindPort also searches.
void read_container_ports(const Context& ctx, const Mapping& pod, models::WorkloadConfig& w) {
  for (const char* list : {"containers", "initContainers"}) {
    const YAML::Node cs = pod.get(list);
    if (!cs.IsDefined() || !cs.IsSequence()) continue;
    for (auto c = cs.begin(); c != cs.end(); ++c) {
      const Mapping container = Mapping::lenient(ctx, *c, "container");
      if (!container.is_mapping()) continue;
      if (std::string(list) == "initContainers" && container.string("restartPolicy").value_or("") != "Always")
        continue;
      const YAML::Node ports = container.get("ports");
      if (!ports.IsDefined() || !ports.IsSequence()) continue;
      for (auto it = ports.begin(); it != ports.end(); ++it) {
        const Mapping cp = Mapping::lenient(ctx, *it, "container port");
        if (!cp.is_mapping()) continue;
        const auto number = cp.integer("containerPort", 1, 65535);
        if (!number) continue;
        w.container_ports.push_back({cp.string("name").value_or(""), static_cast<uint32_t>(*number)});
      }
    }
  }
}

}  // namespace

bool is_modelled_kubernetes_kind(const Document& doc) {
  return (doc.api_version == "v1" && doc.kind == "Service") ||
         (doc.api_version == "apps/v1" && doc.kind == "Deployment");
}

models::Protocol protocol_for_port(const Context& ctx, const YAML::Node& at, models::PortConfig& port,
                                   const std::string& kube_protocol, const std::string& target_port) {
  const std::optional<std::string_view> app =
      port.app_protocol.empty() ? std::nullopt : std::optional<std::string_view>(port.app_protocol);
  // Istio's releases differ only for kubernetes.io/ws and wss (sniffed before 1.24), which meshsim
  // runs the same either way (ws as HTTP, wss as TCP); the current release's rule is used.
  const models::Protocol p = policies::convert_protocol(port.number, port.name, kube_protocol, app);
  if (p == models::Protocol::kAuto) {
    ctx.report(Code::kPortNameIsNotUnderNamingConvention, at,
               {port.name, std::to_string(port.number),
                target_port.empty() ? std::to_string(port.number) : target_port});
  }
  port.protocol = p;
  return p;
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
        port.app_protocol = p.string("appProtocol").value_or("");
        const YAML::Node target = p.get("targetPort");
        protocol_for_port(ctx, *it, port, p.string("protocol").value_or(""),
                          target.IsDefined() && target.IsScalar() ? target.Scalar() : "");
        read_target_port(p, port);
        s.config.ports.push_back(port);
      }
    }
  }
  if (s.config.ports.empty()) s.config.ports.push_back({"http", 80, models::Protocol::kHttp, ""});
  if (auto sel = spec.string_map("selector")) s.config.selector = *sel;
  if (auto type = spec.string("type")) {
    s.type = *type;
    s.where_type = spec.where("type");
  }
  if (auto ip = spec.string("clusterIP")) s.config.headless = *ip == "None";
  if (s.type == "ExternalName") {
    s.config.selector.clear();  // Kubernetes ignores an ExternalName Service's selector
    s.config.headless = false;
    if (auto target = spec.string("externalName")) s.external_name = *target;
  }
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
  read_container_ports(ctx, pod, w.config);
  draft.deployments.push_back(std::move(w));
}

}  // namespace meshsim::scenarios::internal
