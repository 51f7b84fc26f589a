// Kubernetes Service and Deployment documents; see kubernetes.h.
#include "scenarios/internal/kubernetes.h"

#include <algorithm>
#include <cctype>

#include "policies/protocol.h"

namespace meshsim::scenarios::internal {
namespace {

constexpr uint64_t kMaxReplicas = 100'000;

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
        s.config.ports.push_back(port);
      }
    }
  }
  if (s.config.ports.empty()) s.config.ports.push_back({"http", 80, models::Protocol::kHttp, ""});
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
  if (auto sa = pod.string("serviceAccountName")) {
    w.config.service_account = *sa;
  } else if (auto old = pod.string("serviceAccount")) {  // the deprecated spelling
    w.config.service_account = *old;
  }
  draft.deployments.push_back(std::move(w));
}

}  // namespace meshsim::scenarios::internal
