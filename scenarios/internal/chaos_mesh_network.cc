// Chaos Mesh NetworkChaos as a Timeline `network` event; see chaos_mesh_reader.h.  Fields,
// defaults and checks: chaos-mesh api/v1alpha1/networkchaos_types.go and networkchaos_webhook.go;
// how each action is installed: controllers/chaosimpl/networkchaos/{trafficcontrol,partition},
// pkg/chaosdaemon/tc_server.go (convertNetemToArgs, convertTbfToArgs).  Summary and sources:
// scenarios/README.md "Network faults".
#include <charconv>
#include <optional>
#include <string>

#include "scenarios/internal/chaos_mesh_reader.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/pod_selector.h"
#include "scenarios/internal/timeline_network.h"

namespace meshsim::scenarios::internal {
namespace {

using simcore::Time;
using Kind = models::NetworkFault::Kind;
using Direction = models::NetworkFault::Direction;

// A FloatStr ("25"), parsed as strconv.ParseFloat does; tc's parse_percent then refuses a value
// outside 0..100, so the experiment would fail to inject: an error here.
std::optional<double> percent(const Context& ctx, const YAML::Node& n, const std::string& field) {
  if (!n.IsDefined()) return 0.0;
  const std::string text = n.IsScalar() ? n.Scalar() : "";
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!n.IsScalar() || ec != std::errc() || end != text.data() + text.size()) {
    ctx.report(Code::kWrongType, n, {field, "a number in a string (\"25\")", describe(n)});
    return std::nullopt;
  }
  if (v < 0 || v > 100) {
    ctx.report(Code::kOutOfRange, n, {field, "0 to 100 (tc refuses other percents)", text});
    return std::nullopt;
  }
  return v;
}

// A `{<name>: P, correlation: C}` spec (loss, duplicate, corrupt).
bool percent_pair(const Context& ctx, const YAML::Node& spec, const char* name, double& p, double& c) {
  const YAML::Node n = child(spec, name);
  if (!n.IsDefined()) return true;
  const YAML::Node value = child(n, name);
  if (!value.IsDefined()) {
    ctx.report(Code::kMissingField, n, {name, std::string(name) + " (Chaos Mesh requires it)"});
    return false;
  }
  auto pv = percent(ctx, value, name);
  auto cv = percent(ctx, child(n, "correlation"), "correlation");
  p = pv.value_or(0);
  c = cv.value_or(0);
  return pv && cv;
}

// Chaos Mesh passes latency and jitter to tc only when the string is greater than "0ms" as text
// (tc_server.go convertNetemToArgs): "0.5ms" sorts below it and is silently dropped.
bool passes_text_compare(const std::string& s) { return s > "0ms"; }

}  // namespace

bool read_network_chaos(const ChaosMeshReader& r, const YAML::Node& spec, models::TimelineEvent& ev,
                        EventSite& site) {
  const Context& ctx = r.ctx;
  models::NetworkFault f;
  bool ok = read_chaos_mode(ctx, spec, f.pods);
  ok = r.selector(spec, f.pods, site) && ok;
  std::optional<std::string> action;
  if (const YAML::Node a = child(spec, "action"); !a.IsDefined()) {
    ctx.report(Code::kMissingField, spec, {"action", r.label});
  } else {
    action = read_enum(ctx, a, "action", {"netem", "delay", "loss", "duplicate", "corrupt", "partition", "bandwidth"});
  }
  ok = ok && action;
  if (const YAML::Node d = child(spec, "direction"); d.IsDefined()) {
    auto dir = read_enum(ctx, d, "direction", {"to", "from", "both"});
    ok = ok && dir;
    if (dir) f.direction = *dir == "to" ? Direction::kTo : *dir == "from" ? Direction::kFrom : Direction::kBoth;
  }
  if (const YAML::Node t = child(spec, "target"); t.IsDefined()) {
    models::PodSelector target;
    EventSite scratch;
    const bool mode_ok = read_chaos_mode(ctx, t, target);
    if (r.selector(t, target, scratch) && mode_ok) {
      f.target = target;
      site.where_target = ctx.at(t);
    } else {
      ok = false;
    }
  }
  std::optional<Time> duration;
  if (const YAML::Node n = child(spec, "duration"); n.IsDefined()) {
    duration = read_duration(ctx, n, "duration", DurationRule::kPositive);
    ok = ok && duration;
  }
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (key == "action" || key == "mode" || key == "value" || key == "selector" || key == "duration" ||
        key == "direction" || key == "target" || key == "delay" || key == "loss" || key == "duplicate" ||
        key == "corrupt" || key == "bandwidth" || key == "rate" || key == "externalTargets")
      continue;
    if ((key == "device" || key == "targetDevice") && it->second.IsScalar() &&
        (it->second.Scalar().empty() || it->second.Scalar().rfind("eth0", 0) == 0))
      continue;  // Chaos Mesh's default interface
    if (key == "device" || key == "targetDevice") {
      r.not_simulated(it->first, key + ": " + (it->second.IsScalar() ? it->second.Scalar() : std::string("?")),
                      "meshsim's pods have one interface, eth0, which this fault leaves alone; the experiment is left out");
      ok = false;
      continue;
    }
    r.not_simulated(it->first, key, key == "remoteCluster" ? "one cluster is simulated" : "left out");
  }
  if (!ok) return false;
  if (const YAML::Node x = child(spec, "externalTargets"); x.IsDefined()) {
    if (f.direction != Direction::kTo && *action != "partition") {  // the webhook skips partitions
      ctx.report(Code::kConflictingFields, x, {"externalTargets", "direction from or both (Chaos Mesh refuses it)"});
      return false;
    }
    r.not_simulated(x, "externalTargets", "meshsim has no hosts outside the mesh; only the target's pods are affected");
    if (!f.target) {
      r.not_simulated(x, "externalTargets without a target", "nothing meshsim models is affected; the experiment is left out");
      return false;
    }
  }
  const bool netem = *action != "partition" && *action != "bandwidth";
  if (f.direction != Direction::kTo && !f.target && *action != "partition") {
    ctx.report(Code::kMissingField, spec, {"target", r.label + " with direction from or both (Chaos Mesh requires it)"});
    return false;
  }
  // The action picks the qdisc; Chaos Mesh ignores the other kind's parameters.
  for (const char* k : {"delay", "loss", "duplicate", "corrupt", "rate", "bandwidth"}) {
    const bool netem_param = std::string(k) != "bandwidth";
    if (child(spec, k).IsDefined() && (*action == "partition" || netem_param != netem))
      r.not_simulated(spec[k], k, "Chaos Mesh ignores it for action " + *action);
  }
  if (*action == "partition") {
    f.kind = Kind::kPartition;
  } else if (*action == "bandwidth") {
    f.kind = Kind::kBandwidth;
    const YAML::Node b = child(spec, "bandwidth");
    if (!b.IsDefined()) {
      ctx.report(Code::kMissingField, spec, {"bandwidth", r.label + " with action bandwidth"});
      return false;
    }
    const YAML::Node rate = child(b, "rate");
    std::optional<double> bytes = rate.IsDefined() && rate.IsScalar() ? parse_tc_rate(rate.Scalar()) : std::nullopt;
    if (!bytes || *bytes <= 0) {
      ctx.report(Code::kWrongType, rate.IsDefined() ? rate : b,
                 {"rate", "an unsigned integer and a unit (bit, kbit, mbit, gbit, tbit; bps, kbps, mbps, gbps, tbps)",
                  describe(rate)});
      return false;
    }
    f.rate_bytes_per_s = *bytes;
    for (auto [key, out] : {std::pair{"limit", &f.limit_bytes}, std::pair{"buffer", &f.buffer_bytes}}) {
      const YAML::Node n = child(b, key);
      if (!n.IsDefined()) {
        ctx.report(Code::kMissingField, b, {key, "bandwidth (Chaos Mesh requires it)"});
        return false;
      }
      auto v = read_integer(ctx, n, key, 1, 4'294'967'295);
      if (!v) return false;
      *out = *v;
    }
    for (const char* k : {"peakrate", "minburst"})
      if (child(b, k).IsDefined()) r.not_simulated(b[k], k, "tbf's peak rate is not simulated");
  } else {
    f.kind = Kind::kNetem;
    const YAML::Node d = child(spec, "delay");
    if (d.IsDefined()) {
      const YAML::Node lat = child(d, "latency");
      if (!lat.IsDefined()) {
        ctx.report(Code::kMissingField, d, {"latency", "delay (Chaos Mesh requires it)"});
        return false;
      }
      auto l = read_duration(ctx, lat, "latency", DurationRule::kNonNegative);
      if (!l) return false;
      const bool delay_installed = passes_text_compare(lat.Scalar());
      if (delay_installed) {
        f.latency = *l;
      } else if (*l > Time::zero()) {
        r.not_simulated(lat, "latency: " + lat.Scalar(),
                        "Chaos Mesh compares it with \"0ms\" as text, finds it smaller and installs no delay (nor "
                        "jitter); the dry run does the same (write it in a larger unit, e.g. 500us)");
      }
      const YAML::Node jit = child(d, "jitter");
      if (jit.IsDefined() && delay_installed) {  // tc gets the jitter inside the delay only
        auto j = read_duration(ctx, jit, "jitter", DurationRule::kNonNegative);
        if (!j) return false;
        if (passes_text_compare(jit.Scalar())) {
          f.jitter = *j;
          auto c = percent(ctx, child(d, "correlation"), "correlation");
          if (!c) return false;
          f.delay_correlation = *c;
        } else if (*j > Time::zero()) {
          r.not_simulated(jit, "jitter: " + jit.Scalar(), "Chaos Mesh compares it with \"0ms\" as text and drops it");
        }
        if (f.jitter > Time::from_ns(2'147'483'647)) {
          ctx.report(Code::kOutOfRange, jit, {"jitter", "below 2.147s (netem keeps it as a 32-bit count of ns)", jit.Scalar()});
          return false;
        }
      }
      if (child(d, "reorder").IsDefined())
        r.not_simulated(d["reorder"], "reorder", "meshsim's messages are not reordered packets");
    }
    if (!percent_pair(ctx, spec, "loss", f.loss, f.loss_correlation)) return false;
    if (!percent_pair(ctx, spec, "duplicate", f.duplicate, f.duplicate_correlation)) return false;
    if (!percent_pair(ctx, spec, "corrupt", f.corrupt, f.corrupt_correlation)) return false;
    if (child(spec, "rate").IsDefined()) r.not_simulated(spec["rate"], "rate", "netem's rate is not simulated");
    if (!d.IsDefined() && !child(spec, "loss").IsDefined() && !child(spec, "duplicate").IsDefined() &&
        !child(spec, "corrupt").IsDefined()) {
      ctx.report(Code::kMissingField, spec,
                 {"delay, loss, duplicate or corrupt", r.label + " (Chaos Mesh's netem needs at least one)"});
      return false;
    }
  }
  if (duration) ev.duration = *duration;
  std::string text = describe_network_fault(f) + " on " + picked_text(f.pods);
  if (f.target) text += (f.direction == Direction::kFrom ? " from " : f.direction == Direction::kBoth ? " to and from " : " towards ") + picked_text(*f.target);
  ev.description = r.doc.kind + " '" + r.doc.name + "': " + text + (duration ? " for " + format_duration(*duration) : "");
  ev.action = std::move(f);
  return true;
}

}  // namespace meshsim::scenarios::internal
