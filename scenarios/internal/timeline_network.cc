// The Timeline's `network` action; see timeline_network.h.
#include "scenarios/internal/timeline_network.h"

#include <cctype>
#include <charconv>

#include "scenarios/internal/durations.h"
#include "scenarios/internal/pod_selector.h"

namespace meshsim::scenarios::internal {
namespace {

using simcore::Time;
using Direction = models::NetworkFault::Direction;
using Kind = models::NetworkFault::Kind;

// netem's jitter is the kernel's s32 sigma in nanoseconds (tabledist).
constexpr Time kMaxJitter = Time::from_ns(2'147'483'647);

// `{percent: P, correlation: C}` of loss, duplicate or corrupt.
bool read_percent_pair(const Mapping& a, const char* key, double& percent, double& correlation) {
  if (!a.has(key)) return true;
  const Mapping m(a.ctx(), a.get(key), std::string(key) + " of " + a.what(), {"percent", "correlation"});
  if (!m.is_mapping()) return false;
  const YAML::Node p = m.require("percent");
  auto pv = m.number("percent", 0, 100);
  auto cv = m.number("correlation", 0, 100);
  if (cv) correlation = *cv;
  if (pv) percent = *pv;
  return p.IsDefined() && pv && (cv || !m.has("correlation"));
}

}  // namespace

std::vector<std::string> network_action_keys() {
  return with_selector_keys({"target", "direction", "delay", "loss", "duplicate", "corrupt", "bandwidth", "partition"});
}

std::optional<double> parse_tc_rate(const std::string& text) {
  std::string t;
  for (char ch : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc() || end == t.data()) return std::nullopt;
  const std::string unit(end, static_cast<const char*>(t.data() + t.size()));
  // Chaos Mesh's isValidRateUnit list; iproute2's get_rate multipliers (SI, "bps" = bytes).
  static const std::pair<const char*, double> kUnits[] = {
      {"bit", 1.0 / 8},  {"kbit", 1e3 / 8}, {"mbit", 1e6 / 8}, {"gbit", 1e9 / 8}, {"tbit", 1e12 / 8},
      {"bps", 1.0},      {"kbps", 1e3},     {"mbps", 1e6},     {"gbps", 1e9},     {"tbps", 1e12}};
  for (const auto& [u, bytes] : kUnits) {
    if (unit == u) return static_cast<double>(n) * bytes;
  }
  return std::nullopt;
}

std::string describe_network_fault(const models::NetworkFault& f) {
  auto pct = [](double p, double c) {
    return format_number(p) + "%" + (c > 0 ? " (" + format_number(c) + "% correlated)" : "");
  };
  if (f.kind == Kind::kPartition) return "partition";
  if (f.kind == Kind::kBandwidth) return "bandwidth " + format_number(f.rate_bytes_per_s) + " B/s";
  std::string d;
  auto add = [&](const std::string& s) { d += (d.empty() ? "" : ", ") + s; };
  if (f.latency > Time::zero() || f.jitter > Time::zero())
    add("delay " + format_duration(f.latency) +
        (f.jitter > Time::zero() ? " ± " + format_duration(f.jitter) : std::string()) +
        (f.jitter > Time::zero() && f.delay_correlation > 0 ? " (" + format_number(f.delay_correlation) + "% correlated)"
                                                             : std::string()));
  if (f.loss > 0) add("loss " + pct(f.loss, f.loss_correlation));
  if (f.duplicate > 0) add("duplicate " + pct(f.duplicate, f.duplicate_correlation));
  if (f.corrupt > 0) add("corrupt " + pct(f.corrupt, f.corrupt_correlation));
  return d.empty() ? "netem (no effect)" : d;
}

std::string read_network_action(const Mapping& a, EventSite& site, models::NetworkFault& f, bool& ok) {
  const Context& ctx = a.ctx();
  if (!a.is_mapping()) {
    ok = false;
    return {};
  }
  f.pods = read_selector(a, site, ok);
  if (a.has("target")) {
    const Mapping t(ctx, a.get("target"), "target of " + a.what(), with_selector_keys({}));
    if (!t.is_mapping()) {
      ok = false;
    } else {
      EventSite target_site;
      f.target = read_selector(t, target_site, ok);
      site.where_target = t.where();
    }
  }
  if (auto d = a.string("direction")) {
    if (*d == "to" || *d == "from" || *d == "both") {
      f.direction = *d == "to" ? Direction::kTo : *d == "from" ? Direction::kFrom : Direction::kBoth;
    } else {
      ctx.report(Code::kWrongType, a.get("direction"), {"direction", "to, from or both", "'" + *d + "'"});
      ok = false;
    }
  } else if (a.has("direction")) {
    ok = false;
  }
  const bool netem = a.has("delay") || a.has("loss") || a.has("duplicate") || a.has("corrupt");
  const int kinds = int{netem} + int{a.has("bandwidth")} + int{a.has("partition")};
  if (kinds != 1) {
    ctx.report(Code::kExactlyOneOf, a.node(),
               {a.what(), "netem fields (delay, loss, duplicate, corrupt), 'bandwidth' or 'partition'",
                kinds == 0 ? "none" : "several"});
    ok = false;
    return {};
  }
  if (a.has("partition")) {
    f.kind = Kind::kPartition;
    auto on = a.boolean("partition");
    if (on && !*on) {
      ctx.report(Code::kOutOfRange, a.get("partition"), {"partition", "true (leave the event out instead)", "false"});
      ok = false;
    }
    ok = ok && on;
  } else if (a.has("bandwidth")) {
    f.kind = Kind::kBandwidth;
    const Mapping b(ctx, a.get("bandwidth"), "bandwidth of " + a.what(), {"rate", "limit", "buffer"});
    if (!b.is_mapping()) {
      ok = false;
    } else {
      const YAML::Node r = b.require("rate");
      const YAML::Node l = b.require("limit");
      const YAML::Node u = b.require("buffer");
      if (auto rs = b.string("rate")) {
        auto rate = parse_tc_rate(*rs);
        if (!rate || *rate <= 0) {
          ctx.report(Code::kWrongType, r, {"rate", "a positive integer and a unit (bit, kbit, mbit, gbit, tbit; bps, kbps, mbps, gbps, tbps = bytes/s)", "'" + *rs + "'"});
          ok = false;
        } else {
          f.rate_bytes_per_s = *rate;
        }
      }
      auto lim = b.integer("limit", 1, 4'294'967'295);
      auto buf = b.integer("buffer", 1, 4'294'967'295);
      ok = ok && r.IsDefined() && l.IsDefined() && u.IsDefined() && lim && buf;
      f.limit_bytes = lim.value_or(0);
      f.buffer_bytes = buf.value_or(0);
    }
  } else {
    f.kind = Kind::kNetem;
    if (a.has("delay")) {
      const Mapping d(ctx, a.get("delay"), "delay of " + a.what(), {"latency", "jitter", "correlation"});
      if (!d.is_mapping()) {
        ok = false;
      } else {
        const YAML::Node l = d.require("latency");
        auto lat = l.IsDefined() ? read_duration(ctx, l, "latency", DurationRule::kNonNegative) : std::nullopt;
        ok = ok && lat;
        f.latency = lat.value_or(Time::zero());
        if (const YAML::Node j = d.get("jitter"); j.IsDefined()) {
          auto jit = read_duration(ctx, j, "jitter", DurationRule::kNonNegative);
          if (jit && *jit > kMaxJitter) {
            ctx.report(Code::kOutOfRange, j, {"jitter", "below 2.147s (netem keeps it as a 32-bit count of ns)", format_duration(*jit)});
            jit.reset();
          }
          ok = ok && jit;
          f.jitter = jit.value_or(Time::zero());
        }
        if (auto c = d.number("correlation", 0, 100))
          f.delay_correlation = *c;
        else if (d.has("correlation"))
          ok = false;
      }
    }
    ok = read_percent_pair(a, "loss", f.loss, f.loss_correlation) && ok;
    ok = read_percent_pair(a, "duplicate", f.duplicate, f.duplicate_correlation) && ok;
    ok = read_percent_pair(a, "corrupt", f.corrupt, f.corrupt_correlation) && ok;
  }
  if (f.direction != Direction::kTo && !f.target && f.kind != Kind::kPartition) {
    ctx.report(Code::kMissingField, a.get("direction"), {"target", "direction " + a.string("direction").value_or("") + " (Chaos Mesh requires a target for from and both)"});
    ok = false;
  }
  std::string text = describe_network_fault(f) + " on " + picked_text(f.pods);
  if (f.target) {
    const char* dir = f.direction == Direction::kTo ? " towards " : f.direction == Direction::kFrom ? " from " : " to and from ";
    text += std::string(f.kind == Kind::kPartition ? " from " : dir) + picked_text(*f.target);
  }
  return text;
}

}  // namespace meshsim::scenarios::internal
