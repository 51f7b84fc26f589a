// Kubernetes manifests -> services and workloads: v1 Service and apps/v1 Deployment.  Internal to
// scenarios/.  Real manifests carry many fields meshsim does not model, so unknown fields are
// ignored here; the fields meshsim reads are type-checked.
#pragma once

#include "scenarios/internal/documents.h"
#include "scenarios/internal/draft.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {

// True for the Kubernetes kinds meshsim models (v1 Service, apps/v1 Deployment).
bool is_modelled_kubernetes_kind(const Document& doc);

// Appends to draft.services: name, namespace, ports (the protocol from appProtocol, else from
// the port name's prefix, as Istio does; targetPort, a number or a container port name),
// selector, type (ExternalName and its externalName; clusterIP None = headless).
void read_service(const Context& ctx, const Document& doc, Draft& draft);
// Appends to draft.deployments: replicas, template labels, service account, the containers'
// ports (what named targetPorts resolve against).
void read_deployment(const Context& ctx, const Document& doc, Draft& draft);

// The protocol Istio gives `port` (policies::convert_protocol over its appProtocol, name and
// number, and the Service port's `protocol`), stored in port.protocol and returned.  A port left
// to protocol sniffing is reported at `at` as istioctl analyze does (MSH0217, IST0118).
models::Protocol protocol_for_port(const Context& ctx, const YAML::Node& at, models::PortConfig& port,
                                   const std::string& kube_protocol, const std::string& target_port);

}  // namespace meshsim::scenarios::internal
