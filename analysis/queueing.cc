// The queueing formulas of queueing.h, with input validation done once per constructor.
//
// Validation distinguishes two failures, because callers treat them differently: a malformed
// model (negative rate, zero servers, a routing row summing above 1) is std::invalid_argument,
// while a well-formed model that simply has no steady state (rho >= 1, or jobs that can never
// leave) is std::domain_error.  Messages name the offending quantity and its value.
#include "analysis/queueing.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include <Eigen/LU>

namespace meshsim::analysis {
namespace {

// Tolerance for "a routing row sums to at most 1" and for "the LU is singular".
constexpr double kRowSumSlack = 1e-12;
constexpr double kMinReciprocalCondition = 1e-12;

template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  out.precision(10);
  (out << ... << parts);
  return out.str();
}

void require_rate(const char* who, const char* name, double v) {
  if (!std::isfinite(v) || v < 0.0) {
    throw std::invalid_argument(cat(who, ": ", name, " must be finite and >= 0, got ", v));
  }
}

void require_positive(const char* who, const char* name, double v) {
  if (!std::isfinite(v) || v <= 0.0) {
    throw std::invalid_argument(cat(who, ": ", name, " must be finite and > 0, got ", v));
  }
}

void require_stable(const char* who, double rho) {
  if (!(rho < 1.0)) {
    throw std::domain_error(
        cat(who, ": unstable, utilisation rho = ", rho, " >= 1 (no steady state)"));
  }
}

void require_probability_below_one(const char* who, double q) {
  if (!(q >= 0.0 && q < 1.0)) {
    throw std::invalid_argument(cat(who, ": quantile q must be in [0, 1), got ", q));
  }
}

// Erlang C for c servers at offered load a < c, through the Erlang B recursion.
double erlang_c(double a, int c) {
  double b = 1.0;  // B(0)
  for (int k = 1; k <= c; ++k) b = a * b / (static_cast<double>(k) + a * b);
  const double rho = a / static_cast<double>(c);
  return b / (1.0 - rho * (1.0 - b));
}

}  // namespace

// ---- M/M/1 ----

MM1::MM1(double lambda, double mu) : lambda_(lambda), mu_(mu) {
  require_rate("MM1", "lambda", lambda);
  require_positive("MM1", "mu", mu);
  require_stable("MM1", rho());
}

double MM1::mean_number_in_system() const { return rho() / (1.0 - rho()); }
double MM1::mean_number_in_queue() const { return rho() * rho() / (1.0 - rho()); }
double MM1::mean_response_time() const { return 1.0 / (mu_ - lambda_); }
double MM1::mean_wait() const { return rho() / (mu_ - lambda_); }

double MM1::response_time_quantile(double q) const {
  require_probability_below_one("MM1::response_time_quantile", q);
  return -std::log1p(-q) / (mu_ - lambda_);
}

double MM1::prob_number_in_system(int n) const {
  if (n < 0) throw std::invalid_argument(cat("MM1::prob_number_in_system: n < 0, got ", n));
  return (1.0 - rho()) * std::pow(rho(), static_cast<double>(n));
}

// ---- M/M/c ----

MMc::MMc(double lambda, double mu, int servers)
    : lambda_(lambda), mu_(mu), servers_(servers), erlang_c_(0.0) {
  require_rate("MMc", "lambda", lambda);
  require_positive("MMc", "mu", mu);
  if (servers < 1) throw std::invalid_argument(cat("MMc: servers must be >= 1, got ", servers));
  require_stable("MMc", rho());
  erlang_c_ = erlang_c(offered_load(), servers_);
}

double MMc::mean_wait() const {
  return erlang_c_ / (static_cast<double>(servers_) * mu_ - lambda_);
}
double MMc::mean_response_time() const { return mean_wait() + 1.0 / mu_; }
double MMc::mean_number_in_queue() const { return lambda_ * mean_wait(); }
double MMc::mean_number_in_system() const { return lambda_ * mean_response_time(); }

double MMc::prob_wait_exceeds(double t) const {
  if (!(t >= 0.0)) throw std::invalid_argument(cat("MMc::prob_wait_exceeds: t < 0, got ", t));
  return erlang_c_ * std::exp(-(static_cast<double>(servers_) * mu_ - lambda_) * t);
}

double MMc::wait_quantile(double q) const {
  require_probability_below_one("MMc::wait_quantile", q);
  if (q <= 1.0 - erlang_c_) return 0.0;  // the atom at zero: arrivals that find a free server
  return std::log(erlang_c_ / (1.0 - q)) / (static_cast<double>(servers_) * mu_ - lambda_);
}

// ---- M/G/1 ----

MG1::MG1(double lambda, double mean_service, double scv_service)
    : lambda_(lambda), mean_service_(mean_service), scv_service_(scv_service) {
  require_rate("MG1", "lambda", lambda);
  require_positive("MG1", "mean_service", mean_service);
  require_rate("MG1", "scv_service", scv_service);
  require_stable("MG1", rho());
}

double MG1::mean_wait() const {
  const double second_moment = (1.0 + scv_service_) * mean_service_ * mean_service_;
  return lambda_ * second_moment / (2.0 * (1.0 - rho()));
}
double MG1::mean_response_time() const { return mean_wait() + mean_service_; }
double MG1::mean_number_in_queue() const { return lambda_ * mean_wait(); }
double MG1::mean_number_in_system() const { return lambda_ * mean_response_time(); }

// ---- Jackson network ----

JacksonNetwork::JacksonNetwork(std::vector<Station> stations,
                               const Eigen::VectorXd& external_arrivals,
                               const Eigen::MatrixXd& routing)
    : stations_(std::move(stations)) {
  const auto n = static_cast<Eigen::Index>(stations_.size());
  if (n == 0) throw std::invalid_argument("JacksonNetwork: no stations");
  if (external_arrivals.size() != n) {
    throw std::invalid_argument(cat("JacksonNetwork: ", n, " stations but ",
                                    external_arrivals.size(), " external arrival rates"));
  }
  if (routing.rows() != n || routing.cols() != n) {
    throw std::invalid_argument(cat("JacksonNetwork: routing matrix is ", routing.rows(), "x",
                                    routing.cols(), ", expected ", n, "x", n));
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    const Station& s = stations_[static_cast<size_t>(i)];
    if (s.servers < 1) {
      throw std::invalid_argument(
          cat("JacksonNetwork: station ", i, ": servers must be >= 1, got ", s.servers));
    }
    if (!std::isfinite(s.service_rate) || s.service_rate <= 0.0) {
      throw std::invalid_argument(cat("JacksonNetwork: station ", i,
                                      ": service_rate must be finite and > 0, got ",
                                      s.service_rate));
    }
    const double gamma = external_arrivals(i);
    if (!std::isfinite(gamma) || gamma < 0.0) {
      throw std::invalid_argument(cat("JacksonNetwork: station ", i,
                                      ": external arrival rate must be finite and >= 0, got ",
                                      gamma));
    }
    double row_sum = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double p = routing(i, j);
      if (!std::isfinite(p) || p < 0.0 || p > 1.0) {
        throw std::invalid_argument(
            cat("JacksonNetwork: routing(", i, ", ", j, ") must be in [0, 1], got ", p));
      }
      row_sum += p;
    }
    if (row_sum > 1.0 + kRowSumSlack) {
      throw std::invalid_argument(
          cat("JacksonNetwork: routing row ", i, " sums to ", row_sum, " > 1"));
    }
  }
  throughput_ = external_arrivals.sum();
  if (!(throughput_ > 0.0)) {
    throw std::invalid_argument(
        "JacksonNetwork: no external arrivals (an open network needs some gamma_i > 0)");
  }

  const Eigen::MatrixXd a = Eigen::MatrixXd::Identity(n, n) - routing.transpose();
  const Eigen::PartialPivLU<Eigen::MatrixXd> lu(a);
  if (!(lu.rcond() > kMinReciprocalCondition)) {
    throw std::domain_error(
        "JacksonNetwork: singular routing, I - P^T is not invertible: some stations route "
        "among themselves with probability 1 and jobs there never leave");
  }
  const Eigen::VectorXd lambda = lu.solve(external_arrivals);

  results_.reserve(stations_.size());
  for (Eigen::Index i = 0; i < n; ++i) {
    const Station& s = stations_[static_cast<size_t>(i)];
    // The exact solution is >= 0 ((I - P^T)^-1 is non-negative); clip rounding below zero.
    const double rate = std::max(0.0, lambda(i));
    const double rho = rate / (static_cast<double>(s.servers) * s.service_rate);
    if (!(rho < 1.0)) {
      throw std::domain_error(cat(
          "JacksonNetwork: station ", i, " is unstable: arrival rate ", rate, " against capacity ",
          static_cast<double>(s.servers) * s.service_rate, " gives utilisation ", rho, " >= 1"));
    }
    const MMc queue(rate, s.service_rate, s.servers);
    StationResult r;
    r.arrival_rate = rate;
    r.visit_ratio = rate / throughput_;
    r.utilisation = rho;
    r.mean_number = queue.mean_number_in_system();
    r.mean_response_time = queue.mean_response_time();
    results_.push_back(r);
    mean_number_ += r.mean_number;
  }
}

}  // namespace meshsim::analysis
