// The server sidecar: its passes and its HTTP filter chain; see sidecar.h and filter.h.
#include "models/inbound/sidecar.h"

#include "models/runtime.h"

namespace meshsim::models {
namespace {

// Istio's EnvoyFilter scope: its namespace (the root namespace: every namespace), and its
// workloadSelector's labels among the workload's (none: every workload there).
bool selects(const InboundHttpFilter& f, const WorkloadConfig& w) {
  if (f.namespace_ != "istio-system" && f.namespace_ != w.namespace_) return false;
  if (!f.workload_selector) return true;
  for (const auto& [k, v] : *f.workload_selector) {
    auto it = w.labels.find(k);
    if (it == w.labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

void StatsFilter::encode(FilterContext& ctx) const {
  const Exchange& x = ctx.exchange;
  const PodRt& pod = ctx.topo.pods[x.pod];
  // The Service the request was sent to (the client's cluster), not a property of the pod: a pod
  // selected by several Services reports each request under the one it came through.
  const uint32_t service = x.service.value;
  const uint32_t code = x.abandoned ? 0 : x.status;
  const uint32_t flags =
      x.abandoned ? uint32_t{policies::ResponseFlag::kDownstreamConnectionTermination} : x.server_flags;
  ctx.telemetry.emit(Reporter::kDestination, x.dest_start, x.dest_end, ctx.source_workload, pod.workload.value,
                     service, x.load.value, code, {x.grpc, x.grpc_status}, 1, flags);
  if (x.trace != 0)
    ctx.telemetry.span(x.trace, x.server_span, x.client_span != 0 ? x.client_span : ctx.parent_span, x.dest_start,
                       x.dest_end, pod.workload.value, service, code, flags, Reporter::kDestination);
}

InboundSidecar::InboundSidecar(Runtime& rt, const Topology& topo) : rt_(rt), topo_(topo) {
  const auto version =
      policies::IstioVersion::parse(rt.cfg.traffic.istio_version).value_or(policies::IstioVersion::current());
  refused_flags_ = policies::ResponseFlag::kUpstreamConnectionFailure |
                   (version.at_least(1, 24) ? uint32_t{policies::ResponseFlag::kUpstreamRetryLimitExceeded} : 0u);
  const uint64_t seed = rt.cfg.experiment.seed;
  for (const WorkloadRt& w : topo.workloads) {
    std::vector<InboundFilter> chain;
    if (w.cfg->sidecar) {
      chain.emplace_back(StatsFilter{});
      uint8_t mark = 1;
      for (const InboundHttpFilter& f : rt.cfg.traffic.inbound_http_filters) {
        if (!selects(f, *w.cfg) || mark == 0) continue;
        if (const auto* ac = std::get_if<policies::AdaptiveConcurrencyConfig>(&f.filter)) {
          auto st = std::make_unique<AdaptiveConcurrencyState>();
          st->local_reply_status = f.local_reply_status;
          for (PodId p : w.pods)  // Envoy builds the controller when the filter loads
            st->pods.emplace_back(*ac, simcore::Time::zero(),
                                  simcore::Stream(seed, topo.pods[p].name, "adaptive-concurrency"));
          chain.emplace_back(AdaptiveConcurrencyFilter{st.get(), mark});
          adaptive_.push_back(std::move(st));
        } else {
          const auto& cfg = std::get<policies::AdmissionControlConfig>(f.filter);
          auto st = std::make_unique<AdmissionControlState>();
          st->config = cfg;
          for (PodId p : w.pods) {
            st->pods.emplace_back(cfg.sampling_window);
            st->rng.emplace_back(seed, topo.pods[p].name, "admission-control");
          }
          chain.emplace_back(AdmissionControlFilter{st.get(), mark});
          admission_.push_back(std::move(st));
        }
        mark = static_cast<uint8_t>(mark << 1);  // at most 8 overload filters per chain
      }
    }
    chains_.push_back(std::move(chain));
  }
}

simcore::Time InboundSidecar::request_pass(const Exchange& x) const {
  return topo_.has_sidecar(x.pod) ? x.sidecar_pass : simcore::Time::zero();
}

FilterContext InboundSidecar::context(uint32_t xi) {
  Exchange& x = rt_.exchanges[xi];
  const bool caller_alive = rt_.app.is(x.call, x.call_gen);
  const Call& c = rt_.app[x.call];
  const uint32_t source = caller_alive && !c.caller.is_load() ? topo_.pods[c.caller.as_pod()].workload.value : kNoWorkload;
  return FilterContext{x, xi, topo_, rt_.telemetry, rt_.sched.now(), source, caller_alive ? c.parent_span : 0};
}

void InboundSidecar::on_request(uint32_t xi) {
  Exchange& x = rt_.exchanges[xi];
  if (x.tcp_conn != kNone) {
    // tcp_proxy: no HTTP filter chain.  An app that no longer listens has closed the
    // connection (the kernel answers RST): the connection is reset under the request.
    switch (rt_.pods[x.pod].phase) {
      case PodPhase::kServing:
        rt_.pods.arrive(xi);
        return;
      case PodPhase::kHostLost:
        x.phase = Exchange::kLost;
        return;
      default:
        x.phase = Exchange::kToCaller;
        rt_.tcp.reset(x.tcp_conn, x.tcp_conn_gen);
        return;
    }
  }
  switch (rt_.pods[x.pod].phase) {
    case PodPhase::kServing:
      break;
    case PodPhase::kAppDown:
      if (topo_.has_sidecar(x.pod)) {
        x.reached_pod = true;  // the server sidecar answers: a 503 response, not a connect failure
        x.status = 503;
        x.server_flags = refused_flags_;
        rt_.pods.respond(xi);
      } else {
        rt_.exchanges.refused_at_pod(xi);
      }
      return;
    case PodPhase::kGone:
      rt_.exchanges.refused_at_pod(xi);
      return;
    case PodPhase::kHostLost:
      x.phase = Exchange::kLost;
      return;
  }
  const auto& chain = chains_[topo_.pods[x.pod].workload];
  if (!chain.empty()) {
    FilterContext ctx = context(xi);
    for (const InboundFilter& f : chain) {
      const FilterStatus s = std::visit([&](const auto& filter) { return filter.decode(ctx); }, f);
      // (a filter that answers is the last to decode; on the way out every filter's encode
      // runs, and those after it find no mark of theirs on the exchange)
      if (s == FilterStatus::kLocalReply) {
        rt_.exchanges[xi].reached_pod = true;  // the sidecar answered: no connection failure
        rt_.pods.respond(xi);
        return;
      }
    }
  }
  rt_.pods.arrive(xi);
}

void InboundSidecar::on_response(uint32_t xi) {
  if (rt_.exchanges[xi].tcp_conn != kNone) return;  // TCP: connection records only (models/tcp)
  const auto& chain = chains_[topo_.pods[rt_.exchanges[xi].pod].workload];
  if (chain.empty()) return;
  FilterContext ctx = context(xi);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    std::visit([&](const auto& filter) { filter.encode(ctx); }, *it);
}

}  // namespace meshsim::models
