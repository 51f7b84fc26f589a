// The Experiment's `expect:` and `check:` sections: what `meshsim check` asserts about a run and
// how `check` and `compare` run it.  See README.md, "Expectations".  Names (services, workloads,
// loads, timeline events) are resolved in validate.cc, once every document is read.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "policies/response_flags.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/meshsim_kinds.h"
#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {
namespace {

using models::ExpectationConfig;
using Metric = ExpectationConfig::Metric;
using Bound = ExpectationConfig::Bound;

// "99.5%" -> 0.995.  Rates and shares are written as percentages, never as bare fractions, so
// that 0.99 and 99 cannot be confused.
std::optional<double> read_percent(const Context& ctx, const YAML::Node& node,
                                   std::string_view field) {
  std::string text = node.IsScalar() ? node.Scalar() : std::string();
  double pct = 0;
  const bool has_sign = !text.empty() && text.back() == '%';
  if (has_sign) text.pop_back();
  const auto r = std::from_chars(text.data(), text.data() + text.size(), pct);
  if (!has_sign || text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    ctx.report(Code::kWrongType, node, {std::string(field), "a percentage like '99.5%'",
                                        describe(node)});
    return std::nullopt;
  }
  if (!(pct >= 0 && pct <= 100)) {
    ctx.report(Code::kOutOfRange, node, {std::string(field), "between 0% and 100%", node.Scalar()});
    return std::nullopt;
  }
  return pct / 100;
}

// "p99" -> 99, "p99.9" -> 99.9, "mean" -> 0.
std::optional<double> percentile_key(std::string_view key) {
  if (key == "mean") return 0.0;
  if (key.size() < 2 || key[0] != 'p') return std::nullopt;
  double p = 0;
  const auto r = std::from_chars(key.data() + 1, key.data() + key.size(), p);
  if (r.ec != std::errc() || r.ptr != key.data() + key.size() || !(p > 0 && p <= 100))
    return std::nullopt;
  return p;
}

std::string percentile_label(double p) {
  std::string label = p == 0 ? "mean" : "p";  // (not "p" + ...: GCC 12's -Wrestrict misfires)
  if (p != 0) label += format_number(p);
  return label;
}

const std::vector<std::string>& flag_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& f : policies::response_flag_table()) n.emplace_back(f.name);
    return n;
  }();
  return names;
}

}  // namespace

void read_check_settings(const Context& ctx, const YAML::Node& node, models::CheckConfig& out) {
  const Mapping m(ctx, node, "Experiment spec.check",
                  {"replications", "confidence", "regression", "multipleTesting"});
  if (!m.is_mapping()) return;
  if (auto r = m.integer("replications", 2, 10'000)) out.replications = static_cast<uint32_t>(*r);
  if (const YAML::Node t = m.get("multipleTesting"); t.IsDefined()) {
    if (auto v = read_enum(ctx, t, "multipleTesting", {"holm", "bh"})) out.false_discovery_rate = *v == "bh";
  }
  if (const YAML::Node c = m.get("confidence"); c.IsDefined()) {
    if (auto v = read_percent(ctx, c, "confidence")) {
      if (*v < 0.5 || *v >= 1) {
        ctx.report(Code::kOutOfRange, c, {"confidence", "at least 50% and below 100%", c.Scalar()});
      } else {
        out.confidence = *v;
      }
    }
  }
  if (const YAML::Node r = m.get("regression"); r.IsDefined()) {
    const Mapping g(ctx, r, "Experiment spec.check.regression",
                    {"successRate", "latency", "retryAmplification", "slowerProbability"});
    if (!g.is_mapping()) return;
    if (const YAML::Node n = g.get("successRate"); n.IsDefined()) {
      if (auto v = read_percent(ctx, n, "regression.successRate")) out.max_success_drop = *v;
    }
    if (const YAML::Node n = g.get("latency"); n.IsDefined()) {
      std::string text = n.IsScalar() ? n.Scalar() : std::string();
      // A relative increase: "10%"; up to 10000 %.
      if (!text.empty() && text.back() == '%') {
        double pct = 0;
        text.pop_back();
        const auto res = std::from_chars(text.data(), text.data() + text.size(), pct);
        if (res.ec == std::errc() && res.ptr == text.data() + text.size() && pct >= 0 &&
            pct <= 10'000) {
          out.max_latency_increase = pct / 100;
        } else {
          ctx.report(Code::kOutOfRange, n,
                     {"regression.latency", "a relative increase between 0% and 10000%",
                      n.Scalar()});
        }
      } else {
        ctx.report(Code::kWrongType, n,
                   {"regression.latency", "a relative increase like '10%'", describe(n)});
      }
    }
    if (auto v = g.number("retryAmplification", 0, 1e6)) out.max_amplification_increase = *v;
    if (const YAML::Node n = g.get("slowerProbability"); n.IsDefined()) {
      if (auto v = read_percent(ctx, n, "regression.slowerProbability")) {
        if (*v < 0.5) {
          ctx.report(Code::kOutOfRange, n,
                     {"regression.slowerProbability", "at least 50%", n.Scalar()});
        } else {
          out.max_slower_probability = *v;
        }
      }
    }
  }
}

void read_expectations(const Context& ctx, const Document& doc, const YAML::Node& node,
                       Draft& draft) {
  if (!node.IsSequence()) {
    ctx.report(Code::kWrongType, node, {"expect", "a list of expectations", describe(node)});
    return;
  }
  int index = 0;
  for (auto it = node.begin(); it != node.end(); ++it) {
    ++index;
    const std::string owner = "expectation " + std::to_string(index);
    const Mapping m(ctx, *it, owner,
                    {"name", "service", "workload", "version", "from", "load", "during",
                     "minSuccessRate", "maxSuccessRate", "maxLatency", "maxRetryAmplification",
                     "maxAttemptsPerRequest", "maxFlagShare", "minThroughput"});
    if (!m.is_mapping()) continue;
    ExpectationConfig base;
    ExpectationSite site;
    site.namespace_ = doc.namespace_;
    base.namespace_ = doc.namespace_;
    const auto service = m.required_string("service");
    if (!service) continue;
    base.service = *service;
    base.workload = m.string("workload").value_or("");
    base.version = m.string("version").value_or("");
    base.from = m.string("from").value_or("");
    base.load = m.string("load").value_or("");
    if (!base.workload.empty() && !base.version.empty()) {
      ctx.report(Code::kConflictingFields, m.get("version"), {"version", "'workload'"});
    }
    site.where_service = m.where("service");
    site.where_workload = m.where("workload");
    site.where_version = m.where("version");
    site.where_from = m.where("from");
    site.where_load = m.where("load");
    site.where_during = m.where("during");
    if (const YAML::Node d = m.get("during"); d.IsDefined()) {
      if (d.IsScalar()) {
        base.during = d.Scalar();  // a timeline event's name, resolved in validate.cc
      } else {
        const Mapping w(ctx, d, owner + " during", {"from", "to"});
        if (!w.is_mapping()) continue;
        if (const YAML::Node f = w.get("from"); f.IsDefined()) {
          if (auto t = read_duration(ctx, f, "during.from", DurationRule::kNonNegative))
            base.window_from = *t;
        }
        if (const YAML::Node t = w.get("to"); t.IsDefined()) {
          if (auto v = read_duration(ctx, t, "during.to", DurationRule::kPositive))
            base.window_to = *v;
        }
        if (base.window_to <= base.window_from) {
          ctx.report(Code::kOutOfRange, w.get("to"),
                     {"during.to", "after during.from (" + format_duration(base.window_from) + ")",
                      format_duration(base.window_to)});
        }
      }
    }
    const std::string label = m.string("name").value_or("");
    std::string scope = base.service;
    if (!base.workload.empty()) scope += " (" + base.workload + ")";
    if (!base.version.empty()) scope += " " + base.version;
    if (!base.from.empty()) scope = base.from + " -> " + scope;
    if (!base.load.empty()) scope += " [load " + base.load + "]";
    if (!base.during.empty()) scope += " during " + base.during;
    if (base.during.empty() && (base.window_from > simcore::Time::zero() ||
                                base.window_to != simcore::Time::max())) {
      scope += " during " + format_duration(base.window_from) + "-" +
               format_duration(base.window_to);
    }

    auto add = [&](Metric metric, Bound bound, double threshold, const YAML::Node& at,
                   const std::string& what) {
      ExpectationConfig e = base;
      e.metric = metric;
      e.bound = bound;
      e.threshold = threshold;
      e.where = ctx.at(at).to_string();
      e.name = (label.empty() ? scope : label) + ": " + what;
      draft.mesh.experiment.expectations.push_back(std::move(e));
      draft.expectation_sites.push_back(site);
    };
    if (const YAML::Node n = m.get("minSuccessRate"); n.IsDefined()) {
      if (auto v = read_percent(ctx, n, "minSuccessRate"))
        add(Metric::kSuccessRate, Bound::kAtLeast, *v, n, "success rate >= " + n.Scalar());
    }
    if (const YAML::Node n = m.get("maxSuccessRate"); n.IsDefined()) {
      // "At most": that an outage shows (a window where failures are expected).
      if (auto v = read_percent(ctx, n, "maxSuccessRate"))
        add(Metric::kSuccessRate, Bound::kAtMost, *v, n, "success rate <= " + n.Scalar());
    }
    if (const YAML::Node n = m.get("maxLatency"); n.IsDefined()) {
      const Mapping l = Mapping::lenient(ctx, n, owner + " maxLatency");
      if (l.is_mapping()) {
        if (l.entries().empty()) {
          ctx.report(Code::kWrongType, n,
                     {"maxLatency", "percentiles and durations like {p99: 500ms}", "{}"});
        }
        for (const auto& [key, kv] : l.entries()) {
          const auto p = percentile_key(key);
          if (!p) {
            ctx.report(Code::kWrongType, kv.first,
                       {"maxLatency key", "'mean' or a percentile like p50, p99, p99.9", key});
            continue;
          }
          if (auto t = read_duration(ctx, kv.second, "maxLatency." + key,
                                     DurationRule::kPositive)) {
            base.percentile = *p;
            add(Metric::kLatency, Bound::kAtMost, t->to_seconds(), kv.second,
                percentile_label(*p) + " latency <= " + kv.second.Scalar());
          }
        }
      }
    }
    if (const YAML::Node n = m.get("maxRetryAmplification"); n.IsDefined()) {
      if (auto v = read_number(ctx, n, "maxRetryAmplification", 1, 1e6))
        add(Metric::kRetryAmplification, Bound::kAtMost, *v, n,
            "retry amplification <= " + n.Scalar());
    }
    if (const YAML::Node n = m.get("maxAttemptsPerRequest"); n.IsDefined()) {
      if (auto v = read_number(ctx, n, "maxAttemptsPerRequest", 0, 1e9))
        add(Metric::kAttemptsPerRoot, Bound::kAtMost, *v, n,
            "attempts per load request <= " + n.Scalar());
    }
    if (const YAML::Node n = m.get("maxFlagShare"); n.IsDefined()) {
      const Mapping f = Mapping::lenient(ctx, n, owner + " maxFlagShare");
      if (f.is_mapping()) {
        if (f.entries().empty()) {
          ctx.report(Code::kWrongType, n,
                     {"maxFlagShare", "flags and percentages like {UO: 1%}", "{}"});
        }
        for (const auto& [key, kv] : f.entries()) {
          if (std::find(flag_names().begin(), flag_names().end(), key) == flag_names().end()) {
            ctx.report(Code::kUnknownValue, kv.first,
                       {"maxFlagShare", key, quote_join(flag_names())}, suggest(key, flag_names()));
            continue;
          }
          if (auto v = read_percent(ctx, kv.second, "maxFlagShare." + key)) {
            base.flag = key;
            add(Metric::kFlagShare, Bound::kAtMost, *v, kv.second,
                key + " share <= " + kv.second.Scalar());
          }
        }
      }
    }
    if (const YAML::Node n = m.get("minThroughput"); n.IsDefined()) {
      if (auto v = read_number(ctx, n, "minThroughput", 0, 1e12))
        add(Metric::kThroughput, Bound::kAtLeast, *v, n, "throughput >= " + n.Scalar() + " rps");
    }
    const auto criteria = m.present({"minSuccessRate", "maxSuccessRate", "maxLatency", "maxRetryAmplification",
                                     "maxAttemptsPerRequest", "maxFlagShare", "minThroughput"});
    if (criteria.empty() && !m.misspelt_any({"minSuccessRate", "maxSuccessRate", "maxLatency", "maxRetryAmplification",
                                          "maxAttemptsPerRequest", "maxFlagShare",
                                          "minThroughput"})) {
      ctx.report(Code::kMissingField, *it,
                 {"a criterion (minSuccessRate, maxSuccessRate, maxLatency, maxRetryAmplification, "
                  "maxAttemptsPerRequest, maxFlagShare or minThroughput)",
                  owner});
    }
  }
}

}  // namespace meshsim::scenarios::internal
