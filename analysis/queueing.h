// Closed-form steady-state results for the queues the simulator is validated against.
//
// A simulated pod with Poisson arrivals and exponential service is an M/M/c queue, a pod with
// general service an M/G/1 queue, and a mesh of such pods with probabilistic routing an open
// Jackson network.  The validation suite runs those configurations and compares the simulated
// means and tails with the formulas here, so the formulas must be trustworthy on their own:
// each is the textbook result (Kleinrock vol. 1; Gross & Harris), computed in a numerically
// stable way, and each has a hand-computed unit test.
//
// Units: rates are per second, times are seconds (double; these are analytic results, not
// simulated time, so simcore::Time is not used).  Every type validates its inputs once in the
// constructor and is immutable afterwards: bad inputs (negative or non-finite rates, zero
// servers, a routing row summing above 1) throw std::invalid_argument; a queue that has no
// steady state (utilisation rho >= 1) or a singular routing matrix throws std::domain_error.
// Thread safety: immutable after construction, so safe to share between threads.
#pragma once

#include <cstddef>
#include <vector>

#include <Eigen/Core>

namespace meshsim::analysis {

// M/M/1: Poisson arrivals at rate lambda, one exponential server at rate mu.
class MM1 {
 public:
  MM1(double lambda, double mu);

  double lambda() const { return lambda_; }
  double mu() const { return mu_; }
  double rho() const { return lambda_ / mu_; }  // utilisation
  double mean_number_in_system() const;         // L  = rho / (1 - rho)
  double mean_number_in_queue() const;          // Lq = rho^2 / (1 - rho)
  double mean_response_time() const;            // W  = 1 / (mu - lambda)
  double mean_wait() const;                     // Wq = rho / (mu - lambda)
  // The q-quantile of the response time, which is exponential with rate mu - lambda:
  // -ln(1 - q) / (mu - lambda).  q in [0, 1), else std::invalid_argument.
  double response_time_quantile(double q) const;
  // P(N = n) = (1 - rho) rho^n.  n >= 0, else std::invalid_argument.
  double prob_number_in_system(int n) const;

 private:
  double lambda_;
  double mu_;
};

// M/M/c: Poisson arrivals at rate lambda, c exponential servers each at rate mu.  The Erlang C
// probability is computed through the Erlang B recursion B(k) = a B(k-1) / (k + a B(k-1)),
// a = lambda / mu, which neither overflows nor cancels for large c, then
// C = B / (1 - rho (1 - B)).
class MMc {
 public:
  MMc(double lambda, double mu, int servers);

  double lambda() const { return lambda_; }
  double mu() const { return mu_; }
  int servers() const { return servers_; }
  double offered_load() const { return lambda_ / mu_; }                           // a, in Erlangs
  double rho() const { return lambda_ / (static_cast<double>(servers_) * mu_); }  // a / c
  double prob_wait() const { return erlang_c_; }  // Erlang C: P(an arrival waits)
  double mean_wait() const;                       // Wq = C / (c mu - lambda)
  double mean_response_time() const;              // W  = Wq + 1 / mu
  double mean_number_in_queue() const;            // Lq = lambda Wq
  double mean_number_in_system() const;           // L  = lambda W
  // P(Wq > t) = C exp(-(c mu - lambda) t), t >= 0 in seconds.
  double prob_wait_exceeds(double t) const;
  // The q-quantile of the waiting time: 0 when q <= 1 - C, else ln(C / (1 - q)) / (c mu - lambda).
  // q in [0, 1), else std::invalid_argument.
  double wait_quantile(double q) const;

 private:
  double lambda_;
  double mu_;
  int servers_;
  double erlang_c_;
};

// M/G/1 by Pollaczek-Khinchine: Poisson arrivals at rate lambda, one server whose service time S
// has mean mean_service (seconds) and squared coefficient of variation scv_service =
// Var[S] / E[S]^2 (0 for deterministic service, i.e. M/D/1; 1 for exponential, i.e. M/M/1).
class MG1 {
 public:
  MG1(double lambda, double mean_service, double scv_service);

  double lambda() const { return lambda_; }
  double mean_service() const { return mean_service_; }
  double scv_service() const { return scv_service_; }
  double rho() const { return lambda_ * mean_service_; }
  // Wq = lambda E[S^2] / (2 (1 - rho)), with E[S^2] = (1 + scv) E[S]^2.
  double mean_wait() const;
  double mean_response_time() const;     // W  = Wq + E[S]
  double mean_number_in_queue() const;   // Lq = lambda Wq
  double mean_number_in_system() const;  // L  = lambda W

 private:
  double lambda_;
  double mean_service_;
  double scv_service_;
};

// An open Jackson network of M/M/c stations.  Jobs arrive from outside at station i at rate
// gamma_i; a job finishing at i moves to j with probability P(i, j) and leaves with probability
// 1 - sum_j P(i, j).  The traffic equations lambda = gamma + P^T lambda are solved once, in the
// constructor, by a partial-pivot LU of (I - P^T); by Jackson's theorem each station then
// behaves as an independent M/M/c queue with arrival rate lambda_i.
class JacksonNetwork {
 public:
  struct Station {
    int servers = 1;            // c_i >= 1
    double service_rate = 0.0;  // mu_i > 0, per server, per second
  };
  struct StationResult {
    double arrival_rate = 0.0;        // lambda_i, from the traffic equations
    double visit_ratio = 0.0;         // lambda_i / sum(gamma): visits per external job
    double utilisation = 0.0;         // rho_i = lambda_i / (c_i mu_i)
    double mean_number = 0.0;         // L_i (M/M/c)
    double mean_response_time = 0.0;  // W_i per visit, waiting plus service (M/M/c)
  };

  // external_arrivals has one entry per station (>= 0, at least one > 0); routing is square of
  // the same size with entries in [0, 1] and row sums <= 1.
  JacksonNetwork(std::vector<Station> stations, const Eigen::VectorXd& external_arrivals,
                 const Eigen::MatrixXd& routing);

  size_t size() const { return results_.size(); }
  const Station& station(size_t i) const { return stations_.at(i); }
  const StationResult& result(size_t i) const { return results_.at(i); }
  const std::vector<StationResult>& results() const { return results_; }

  // Jobs per second through the network: in steady state what enters leaves, so sum(gamma).
  double throughput() const { return throughput_; }
  // Sum of L_i over the stations.
  double mean_number_in_network() const { return mean_number_; }
  // Mean time from a job's arrival to its departure, by Little's law: sum(L_i) / sum(gamma)
  // (equivalently sum_i visit_ratio_i * W_i).
  double mean_sojourn_time() const { return mean_number_ / throughput_; }

 private:
  std::vector<Station> stations_;
  std::vector<StationResult> results_;
  double throughput_ = 0.0;
  double mean_number_ = 0.0;
};

}  // namespace meshsim::analysis
