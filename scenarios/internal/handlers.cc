// Handler scripts: a workload's answer to a request as steps (compute, call, parallel calls);
// see meshsim_kinds.h and README.md "Handlers".
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "scenarios/internal/distributions.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/meshsim_kinds.h"

namespace meshsim::scenarios::internal {
namespace {

constexpr uint64_t kMaxBytes = 1'000'000'000'000;  // 1 TB: anything larger is a typo
constexpr uint64_t kMaxRetries = 100;

std::optional<std::string> read_path_prefix(const Mapping& m, std::string_view key) {
  auto p = m.string(key);
  if (p && (p->empty() || (*p)[0] != '/')) {
    m.ctx().report(Code::kOutOfRange, m.get(key),
                   {std::string(key), "a path starting with '/'", *p});
    return std::nullopt;
  }
  return p;
}

namespace {

// retryThrottling {maxTokens, tokenRatio} (gRPC A6: maxTokens in (0, 1000], tokenRatio > 0 with
// 3 decimals kept) and adaptiveThrottling {k, window} (SRE book: K = 2, 2 minutes).
bool read_throttling(const Mapping& m, models::CallStep& call) {
  const Context& ctx = m.ctx();
  bool ok = true;
  if (m.has("retryThrottling")) {
    const Mapping t(ctx, m.get("retryThrottling"), "retryThrottling", {"maxTokens", "tokenRatio"});
    models::CallStep::RetryThrottling r;
    const auto max = t.integer("maxTokens", 1, 1000);
    const auto ratio = t.number("tokenRatio", 0, 1e6);
    if (!t.is_mapping() || !max || !ratio) {
      if (t.is_mapping() && (!t.has("maxTokens") || !t.has("tokenRatio")))
        ctx.report(Code::kMissingField, m.get("retryThrottling"),
                   {t.has("maxTokens") ? "tokenRatio" : "maxTokens", "retryThrottling (gRPC requires both)"});
      ok = false;
    } else if (policies::grpc_milli_token_ratio(*ratio) <= 0) {
      ctx.report(Code::kOutOfRange, t.get("tokenRatio"),
                 {"tokenRatio", "at least 0.001 (gRPC keeps 3 decimals and refuses 0)", format_number(*ratio)});
      ok = false;
    } else {
      r.max_tokens = static_cast<uint32_t>(*max);
      r.token_ratio = *ratio;
      call.retry_throttling = r;
    }
  }
  if (m.has("adaptiveThrottling")) {
    const Mapping t(ctx, m.get("adaptiveThrottling"), "adaptiveThrottling", {"k", "window"});
    policies::AdaptiveThrottlingConfig a;
    if (!t.is_mapping()) return false;
    if (t.has("k")) {
      if (auto k = t.number("k", 1, 1000)) a.k = *k; else ok = false;
    }
    if (t.has("window")) {
      if (auto w = read_duration(ctx, t.get("window"), "window", DurationRule::kPositive)) a.window = *w; else ok = false;
    }
    if (ok) call.adaptive_throttling = a;
  }
  return ok;
}

}  // namespace

std::optional<models::CallStep> read_call(const Context& ctx, const YAML::Node& node,
                                          const std::string& owner, std::vector<CallSite>& calls) {
  // The target is read first, quietly, so every message can name the call.
  std::string target;
  if (node.IsMap()) {
    const YAML::Node s = node["service"];
    if (s.IsDefined() && s.IsScalar()) target = s.Scalar();
  }
  const std::string what = (target.empty() ? "call" : "call to '" + target + "'") + " in " + owner;
  const Mapping m(ctx, node, what,
                  {"service", "port", "path", "method", "headers", "probability", "requestBytes",
                   "responseBytes", "timeout", "retries", "onFailure", "deadline",
                   "propagateDeadline", "tcpClient", "retryThrottling", "adaptiveThrottling"});
  if (!m.is_mapping()) return std::nullopt;
  models::CallStep call;
  CallSite site;
  site.where = m.where();
  bool ok = true;
  if (auto s = m.required_string("service")) {
    call.service = *s;
    site.where_service = m.where("service");
  } else {
    ok = false;
  }
  site.where_port = site.where;
  if (m.has("port")) {
    if (auto p = m.integer("port", 1, 65535)) {
      call.port = static_cast<uint32_t>(*p);
      site.where_port = m.where("port");
      site.port_given = true;
    } else {
      ok = false;
    }
  }
  if (m.has("path")) {
    if (auto p = read_path_prefix(m, "path"))
      call.path = *p;
    else
      ok = false;
  }
  if (auto method = m.string("method")) {
    std::transform(method->begin(), method->end(), method->begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    call.method = *method;
  }
  if (m.has("headers")) {
    if (auto h = m.headers("headers"))
      call.headers = *h;
    else
      ok = false;
  }
  if (m.has("probability")) {
    if (auto p = m.number("probability", 0, 1))
      call.probability = *p;
    else
      ok = false;
  }
  if (m.has("requestBytes")) {
    if (auto b = m.integer("requestBytes", 0, kMaxBytes))
      call.request_bytes = *b;
    else
      ok = false;
  }
  if (m.has("responseBytes")) {
    if (auto b = m.integer("responseBytes", 0, kMaxBytes))
      call.response_bytes = *b;
    else
      ok = false;
  }
  if (m.has("timeout")) {
    if (auto t = read_duration(ctx, m.get("timeout"), "timeout", DurationRule::kPositive)) {
      call.timeout = *t;
    } else {
      ok = false;
    }
  }
  if (m.has("retries")) {
    if (auto r = m.integer("retries", 0, kMaxRetries))
      call.retries = static_cast<uint32_t>(*r);
    else
      ok = false;
  }
  if (m.has("onFailure")) {
    if (auto f = read_enum(ctx, m.get("onFailure"), "onFailure", {"fail", "degrade", "ignore"})) {
      call.on_failure = *f == "fail"      ? models::OnFailure::kFail
                        : *f == "degrade" ? models::OnFailure::kDegrade
                                          : models::OnFailure::kIgnore;
    } else {
      ok = false;
    }
  }
  if (m.has("deadline")) {
    if (auto t = read_duration(ctx, m.get("deadline"), "deadline", DurationRule::kPositive))
      call.deadline = *t;
    else
      ok = false;
  }
  if (m.has("propagateDeadline")) {
    if (auto b = m.boolean("propagateDeadline"))
      call.propagate_deadline = *b;
    else
      ok = false;
  }
  for (const char* f : {"path", "method", "headers"})
    if (m.has(f)) site.http_fields.emplace_back(f, m.where(f));
  if (m.has("tcpClient")) {
    site.where_tcp_client = m.where("tcpClient");
    const Mapping t(ctx, m.get("tcpClient"), "tcpClient", {"connections", "multiplexed"});
    if (!t.is_mapping()) {
      ok = false;
    } else {
      if (t.has("connections")) {
        if (auto n = t.integer("connections", 1, 100000))
          call.tcp_client.connections = static_cast<uint32_t>(*n);
        else
          ok = false;
      }
      if (t.has("multiplexed")) {
        if (auto b = t.boolean("multiplexed"))
          call.tcp_client.multiplexed = *b;
        else
          ok = false;
      }
    }
  }
  ok = read_throttling(m, call) && ok;
  if (!ok) return std::nullopt;
  calls.push_back(site);
  return call;
}

// How many times a repeat runs: an integer, {uniform: {min, max}} or {poisson: {mean}}.
std::optional<simcore::Count> read_count(const Context& ctx, const YAML::Node& node) {
  if (node.IsScalar()) {
    auto n = read_integer(ctx, node, "times", 0, simcore::Count::kMaxCount);
    if (!n) return std::nullopt;
    return simcore::Count::constant(*n);
  }
  const Mapping m(ctx, node, "times", {"uniform", "poisson"});
  if (!m.is_mapping()) return std::nullopt;
  const auto kinds = m.present({"uniform", "poisson"});
  if (kinds.size() != 1) {
    if (kinds.empty() && m.misspelt_any({"uniform", "poisson"})) return std::nullopt;
    ctx.report(Code::kExactlyOneOf, node,
               {"times", "an integer, 'uniform' or 'poisson'",
                kinds.empty() ? "none" : quote_join(kinds)});
    return std::nullopt;
  }
  try {
    if (kinds[0] == "uniform") {
      const Mapping u(ctx, m.get("uniform"), "uniform", {"min", "max"});
      if (!u.is_mapping()) return std::nullopt;
      const YAML::Node lo_node = u.require("min"), hi_node = u.require("max");
      if (!lo_node.IsDefined() || !hi_node.IsDefined()) return std::nullopt;
      const auto lo = u.integer("min", 0, simcore::Count::kMaxCount);
      const auto hi = u.integer("max", 0, simcore::Count::kMaxCount);
      if (!lo || !hi) return std::nullopt;
      return simcore::Count::uniform(*lo, *hi);
    }
    const Mapping p(ctx, m.get("poisson"), "poisson", {"mean"});
    if (!p.is_mapping() || !p.require("mean").IsDefined()) return std::nullopt;
    const auto mean = p.number("mean", 0, simcore::Count::kMaxPoissonMean);
    if (!mean) return std::nullopt;
    return simcore::Count::poisson(*mean);
  } catch (const std::invalid_argument& e) {
    ctx.report(Code::kInvalidDistribution, node, {std::string("times: ") + e.what()});
    return std::nullopt;
  }
}

// One step, appended to `out`; a repeat appends itself and then its steps (config.h,
// RepeatStep).  False if anything was wrong (reported).
bool read_step(const Context& ctx, const YAML::Node& node, const std::string& owner,
               std::vector<CallSite>& calls, bool in_repeat, std::vector<models::Step>& out) {
  const Mapping m(ctx, node, "step of " + owner, {"compute", "call", "parallel", "repeat"});
  if (!m.is_mapping()) return false;
  const auto kinds = m.present({"compute", "call", "parallel", "repeat"});
  if (kinds.size() != 1) {
    if (kinds.empty() && m.misspelt_any({"compute", "call", "parallel", "repeat"})) return false;
    ctx.report(Code::kExactlyOneOf, node,
               {"a step", "'compute', 'call', 'parallel' or 'repeat'",
                kinds.empty() ? "none" : quote_join(kinds)});
    return false;
  }
  if (kinds[0] == "compute") {
    auto d = read_distribution(ctx, m.get("compute"), "compute");
    if (!d) return false;
    out.emplace_back(models::ComputeStep{*d});
    return true;
  }
  if (kinds[0] == "call") {
    auto c = read_call(ctx, m.get("call"), owner, calls);
    if (!c) return false;
    out.emplace_back(std::move(*c));
    return true;
  }
  if (kinds[0] == "repeat") {
    const Mapping r(ctx, m.get("repeat"), "repeat in " + owner, {"times", "steps"});
    if (!r.is_mapping()) return false;
    if (in_repeat) {
      ctx.report(Code::kOutOfRange, m.get("repeat"),
                 {"repeat", "steps without a repeat (one level of repeat only)", "a repeat inside a repeat"});
      return false;
    }
    const YAML::Node times_node = r.require("times");
    const YAML::Node steps = r.require("steps");
    if (!times_node.IsDefined() || !steps.IsDefined()) return false;
    auto times = read_count(ctx, times_node);
    if (!steps.IsSequence() || steps.size() == 0) {
      ctx.report(Code::kWrongType, steps, {"steps", "a non-empty list of steps", describe(steps)});
      return false;
    }
    std::vector<models::Step> body;
    bool ok = times.has_value();
    for (auto s = steps.begin(); s != steps.end(); ++s)
      ok = read_step(ctx, *s, owner, calls, /*in_repeat=*/true, body) && ok;
    if (!ok) return false;
    out.emplace_back(models::RepeatStep{*times, static_cast<uint32_t>(body.size())});
    for (auto& b : body) out.push_back(std::move(b));
    return true;
  }
  const YAML::Node list = m.get("parallel");
  if (!list.IsSequence() || list.size() == 0) {
    ctx.report(Code::kWrongType, list,
               {"parallel", "a non-empty list of {call: ...}", describe(list)});
    return false;
  }
  models::ParallelStep par;
  bool ok = true;
  for (auto it = list.begin(); it != list.end(); ++it) {
    const Mapping item(ctx, *it, "parallel step of " + owner, {"call"});
    if (!item.is_mapping()) {
      ok = false;
      continue;
    }
    const YAML::Node c = item.require("call");
    if (!c.IsDefined()) {
      ok = false;
      continue;
    }
    if (auto call = read_call(ctx, c, owner, calls))
      par.calls.push_back(*call);
    else
      ok = false;
  }
  if (!ok) return false;
  out.emplace_back(std::move(par));
  return true;
}

}  // namespace

std::optional<std::vector<models::HandlerConfig>> read_handlers(const Context& ctx,
                                                                const YAML::Node& node,
                                                                const std::string& owner,
                                                                std::vector<CallSite>& calls) {
  if (!node.IsSequence()) {
    ctx.report(Code::kWrongType, node, {"handlers", "a list of handlers", describe(node)});
    return std::nullopt;
  }
  std::vector<models::HandlerConfig> out;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const Mapping m(ctx, *it, "handler of " + owner,
                    {"path", "method", "headers", "steps", "errorProbability", "errorStatus", "errorGrpcStatus",
                     "responseBytes"});
    if (!m.is_mapping()) {
      ok = false;
      continue;
    }
    models::HandlerConfig h;
    if (m.has("path")) {
      if (auto p = read_path_prefix(m, "path"))
        h.path_prefix = *p;
      else
        ok = false;
    }
    if (auto method = m.string("method")) {
      std::transform(method->begin(), method->end(), method->begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      h.method = *method;
    }
    if (m.has("headers")) {
      if (auto hs = m.headers("headers"))
        h.headers = *hs;
      else
        ok = false;
    }
    if (m.has("errorProbability")) {
      if (auto p = m.number("errorProbability", 0, 1))
        h.error_probability = *p;
      else
        ok = false;
    }
    if (m.has("errorStatus")) {
      if (auto s = m.integer("errorStatus", 100, 599))
        h.error_status = static_cast<uint32_t>(*s);
      else
        ok = false;
    }
    if (m.has("errorGrpcStatus")) {
      if (auto g = read_grpc_status(ctx, m.get("errorGrpcStatus"), "errorGrpcStatus"))
        h.error_grpc_status = *g;
      else
        ok = false;
    }
    if (m.has("responseBytes")) {
      if (auto b = m.integer("responseBytes", 0, kMaxBytes))
        h.response_bytes = *b;
      else
        ok = false;
    }
    if (const YAML::Node steps = m.get("steps"); steps.IsDefined()) {
      if (!steps.IsSequence()) {
        ctx.report(Code::kWrongType, steps, {"steps", "a list of steps", describe(steps)});
        ok = false;
      } else {
        for (auto s = steps.begin(); s != steps.end(); ++s)
          ok = read_step(ctx, *s, owner, calls, /*in_repeat=*/false, h.steps) && ok;
      }
    }
    out.push_back(std::move(h));
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace meshsim::scenarios::internal
