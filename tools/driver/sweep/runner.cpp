#include "tools/driver/sweep/runner.h"
#include "tools/driver/atomic_file.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/driver/experiment/experiment.h"
#include "tools/driver/isolation.h"
#include "tools/driver/sweep/plot.h"
#include "tools/driver/sweep/point_store.h"
#include "tools/driver/sweep/results.h"

namespace infsim::driver {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kInterruptedExit = 130;

volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signal) {
  g_stop_signal = signal;
}

// SIGINT/SIGTERM set a flag for the runner's loop for as long as this object lives.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789/._-+=:,@") == std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<std::string> worker_argv(const std::string& executable, const std::string& study_file,
                                     int index, const std::string& dir) {
  return {executable, "sweep", study_file, "--point", std::to_string(index), "--out", dir};
}

std::string format_duration(double seconds) {
  long s = std::lround(std::max(0.0, seconds));
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  }
  return text;
}

class Progress {
 public:
  Progress(std::ostream& err, std::size_t total, std::size_t already_done)
      : err_(err),
        total_(total),
        resumed_(already_done),
        done_(already_done),
        tty_(::isatty(STDERR_FILENO) != 0),
        start_(Clock::now()),
        last_draw_(start_) {}

  void finished_one() {
    ++done_;
    draw(false);
  }

  void tick() { draw(false); }

  void end() {
    draw(true);
    if (tty_) err_ << "\n";
  }

 private:
  void draw(bool force) {
    auto now = Clock::now();
    double since_draw = std::chrono::duration<double>(now - last_draw_).count();
    if (!force && since_draw < (tty_ ? 0.2 : 5.0)) return;
    last_draw_ = now;
    double elapsed = std::chrono::duration<double>(now - start_).count();
    std::size_t done_here = done_ - resumed_;
    std::string eta = "--:--";
    if (done_here > 0) {
      eta = format_duration(elapsed / static_cast<double>(done_here) *
                            static_cast<double>(total_ - done_));
    }
    constexpr int kWidth = 30;
    int filled = total_ == 0 ? kWidth : static_cast<int>(kWidth * done_ / total_);
    std::string line = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] " +
                       std::to_string(done_) + "/" + std::to_string(total_) + " points" +
                       (resumed_ > 0 ? " (" + std::to_string(resumed_) + " resumed)" : "") +
                       "  elapsed " + format_duration(elapsed) + "  ETA " + eta;
    if (tty_) {
      err_ << "\r" << line << "\033[K" << std::flush;
    } else {
      err_ << line << "\n" << std::flush;
    }
  }

  std::ostream& err_;
  std::size_t total_;
  std::size_t resumed_;
  std::size_t done_;
  bool tty_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return std::string("worker died of signal ") + std::to_string(sig) + " (" + strsignal(sig) +
           ")";
  }
  return "worker exited with code " + std::to_string(WEXITSTATUS(status)) +
         " without writing its result";
}

std::string absolute(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

}  // namespace

std::string self_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw UsageError("cannot find the infsim executable (/proc/self/exe): " + ec.message());
  return exe.string();
}

namespace {

// The study's `set` and config-key parameters that a point's configuration ignores, warned once
// (warn_ignored_overrides) before any point runs: a flat curve then says why. A point whose
// configuration does not load reports that as its own status.
void warn_ignored_study_overrides(const Study& study) {
  const bool runs = std::find(study.modes.begin(), study.modes.end(), "run") != study.modes.end();
  std::string instance = kDefaultInstance, framework = kDefaultFramework;
  if (!study.base.experiment.empty()) {
    const Experiment ex = load_experiment(study.base.experiment);
    instance = ex.instance;
    framework = ex.framework;
  }
  for (const PointSpec& p : study.points()) {
    try {
      warn_ignored_overrides(load_instance(p.field("instance", instance), p.overrides,
                                           p.field("framework", framework)),
                             p.overrides, runs ? ConfigUse::kRun : ConfigUse::kMachine);
    } catch (const UserError&) {
    }
  }
}

}  // namespace

int run_sweep(const Study& study, const SweepOptions& options, std::ostream& out,
              std::ostream& err) {
  const std::string dir = absolute(options.out_dir);
  prepare_sweep_dir(dir, study);
  clean_stale_temp_files(dir);
  for (const auto& w : study.warnings) err << "infsim: warning: " << w << "\n";
  warn_ignored_study_overrides(study);

  const std::size_t total = study.point_count();
  const std::set<int> done = finished_points(dir, study);
  std::vector<int> todo;
  for (std::size_t i = 0; i < total; ++i) {
    if (!done.count(static_cast<int>(i))) todo.push_back(static_cast<int>(i));
  }
  int jobs = options.jobs > 0 ? options.jobs
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  out << "sweep " << study.name << ": " << total << " points";
  if (!done.empty()) out << ", " << done.size() << " already done (resuming)";
  if (todo.empty()) {
    out << ", nothing left to run -> " << dir << "\n";
  } else {
    out << ", " << std::min<std::size_t>(static_cast<std::size_t>(jobs), todo.size())
        << " workers -> " << dir << "\n";
  }
  out << std::flush;

  StopSignals signals;
  Progress progress(err, total, done.size());
  std::map<int, std::unique_ptr<IsolatedChild>> running;  // point -> its worker
  std::size_t next = 0;
  std::optional<UserError> fatal;
  while (true) {
    while (g_stop_signal == 0 && !fatal && static_cast<int>(running.size()) < jobs &&
           next < todo.size()) {
      const int index = todo[next++];
      IsolationOptions isolation;
      isolation.log_file = log_file(dir, index);
      running[index] = std::make_unique<IsolatedChild>(
          [&study, index, &dir] {
            run_point(study, index, dir, std::cout);
            return std::string();
          },
          isolation);
    }
    if (running.empty()) break;
    bool any_finished = false;
    for (auto it = running.begin(); it != running.end();) {
      if (!it->second->poll()) {
        ++it;
        continue;
      }
      const int index = it->first;
      const IsolatedOutcome& o = it->second->outcome();
      const int status = o.wait_status;
      const bool stopped_by_signal =
          WIFSIGNALED(status) &&
          (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGHUP);
      if (read_point(dir, study, index)) {
        progress.finished_one();
      } else if (stopped_by_signal || g_stop_signal != 0) {
        // Killed from outside (Ctrl-C reaches the whole process group): not a result.
        if (g_stop_signal == 0) g_stop_signal = WTERMSIG(status);
      } else if (o.status == IsolatedOutcome::Status::kUserError) {
        // A user mistake in a worker (a point file of another study, ...) makes the whole sweep
        // wrong, not one point: stop instead of recording it.
        fatal = UserError(o.error->kind(),
                          "worker for point " + std::to_string(index) + " failed: " + o.message,
                          o.error->where());
      } else {
        // A crash is deterministic for a point: record it so the rest of the study completes
        // and the CSV says which point broke and where its log is.
        PointResult crashed;
        crashed.status = kStatusError;
        crashed.message = (o.status == IsolatedOutcome::Status::kInternalError
                               ? "worker failed with an internal error: " + o.message
                               : describe_exit(status)) +
                          "; see " + log_file(dir, index);
        write_point(dir, study, study.point(static_cast<std::size_t>(index)), crashed);
        progress.finished_one();
      }
      it = running.erase(it);
      any_finished = true;
    }
    if (any_finished) continue;
    if (g_stop_signal != 0) {
      for (const auto& [index, child] : running) child->kill(SIGTERM);
    }
    progress.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  progress.end();
  if (fatal) throw *fatal;
  if (g_stop_signal != 0) {
    std::size_t finished = finished_points(dir, study).size();
    err << "infsim: interrupted: " << finished << " of " << total
        << " points are done and kept; run the same command again to resume\n";
    return kInterruptedExit;
  }
  finish_sweep(study, dir, options.plot, out, err);
  return 0;
}

void run_point(const Study& study, int index, const std::string& out_dir, std::ostream& out) {
  if (index < 0 || static_cast<std::size_t>(index) >= study.point_count()) {
    throw UsageError("--point " + std::to_string(index) + " is out of range: study " + study.name +
                     " has points 0.." + std::to_string(study.point_count() - 1));
  }
  prepare_sweep_dir(out_dir, study);
  if (read_point(out_dir, study, index)) {
    out << "point " << index << " is already done: " << point_file(out_dir, index) << "\n";
    return;
  }
  PointSpec spec = study.point(static_cast<std::size_t>(index));
  out << "point " << index << ":";
  for (const auto& [name, value] : spec.parameters) out << " " << name << "=" << value;
  out << "\n" << std::flush;
  PointResult result = evaluate_point(study.modes, study.base, spec);
  write_point(out_dir, study, spec, result);
  out << result.status << (result.message.empty() ? "" : ": " + result.message) << "\n";
}

void finish_sweep(const Study& study, const std::string& out_dir, bool plot, std::ostream& out,
                  std::ostream& err) {
  std::vector<std::optional<PointResult>> results;
  std::vector<int> missing;
  std::map<std::string, int> by_status;
  for (std::size_t i = 0; i < study.point_count(); ++i) {
    results.push_back(read_point(out_dir, study, static_cast<int>(i)));
    if (!results.back()) missing.push_back(static_cast<int>(i));
    ++by_status[results.back() ? results.back()->status : kStatusMissing];
  }
  if (!missing.empty()) {
    std::string list;
    for (std::size_t k = 0; k < missing.size() && k < 20; ++k)
      list += " " + std::to_string(missing[k]);
    err << "infsim: warning: " << missing.size() << " point(s) have no result yet:" << list
        << (missing.size() > 20 ? " ..." : "") << " (status \"missing\" in the CSV)\n";
  }
  ResultTable table = make_result_table(study, results);
  std::vector<Sensitivity> sens = sensitivities(table);
  const fs::path dir(out_dir);
  write_file_atomically((dir / "results.csv").string(), results_csv(table));
  write_file_atomically((dir / "results.json").string(), results_json(table).dump(2) + "\n");
  write_file_atomically((dir / "sensitivity.csv").string(), sensitivity_csv(sens));
  write_file_atomically((dir / "sensitivity.txt").string(), sensitivity_text(sens));

  out << study.name << ": " << study.point_count() << " points:";
  for (const auto& [status, count] : by_status) out << " " << count << " " << status;
  out << "\n" << sensitivity_text(sens);
  if (plot) {
    for (const auto& w : plot_results(table, out_dir, plot_script_path())) {
      err << "infsim: warning: " << w << "\n";
    }
  }
  out << "results: " << (dir / "results.csv").string() << ", " << (dir / "results.json").string()
      << ", " << (dir / "sensitivity.csv").string();
  if (plot) out << ", " << (dir / "plots").string() << "/";
  out << "\n";
}

void emit_jobs(const Study& study, const std::string& study_file, const std::string& dir,
               const std::string& executable, std::ostream& out) {
  const std::string abs_dir = absolute(dir);
  const std::string abs_study = absolute(study_file);
  prepare_sweep_dir(abs_dir, study);
  const std::size_t n = study.point_count();
  std::string jobs;
  for (std::size_t i = 0; i < n; ++i) {
    std::string line;
    for (const auto& a : worker_argv(executable, abs_study, static_cast<int>(i), abs_dir)) {
      line += (line.empty() ? "" : " ") + shell_quote(a);
    }
    jobs += line + "\n";
  }
  const fs::path d(abs_dir);
  write_file_atomically((d / "jobs.txt").string(), jobs);

  std::string slurm =
      "#!/bin/bash\n"
      "# infsim sweep " +
      study.name +
      ": one array task per point.\n"
      "#SBATCH --job-name=infsim-" +
      study.name +
      "\n"
      "#SBATCH --array=0-" +
      std::to_string(n - 1) +
      "\n"
      "#SBATCH --ntasks=1\n"
      "#SBATCH --output=" +
      (d / "logs" / "slurm-%A_%a.out").string() +
      "\n"
      "exec " +
      shell_quote(executable) + " sweep " + shell_quote(abs_study) +
      " --point \"$SLURM_ARRAY_TASK_ID\" --out " + shell_quote(abs_dir) + "\n";
  write_file_atomically((d / "slurm.sh").string(), slurm);
  fs::permissions(d / "slurm.sh",
                  fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add);

  std::string readme = "infsim sweep " + study.name + ": " + std::to_string(n) +
                       " points, one command each.\n"
                       "Run them anywhere that sees this directory and " +
                       executable +
                       " (e.g. a shared file "
                       "system), in any order, as often as needed (finished points are skipped):\n"
                       "  GNU parallel:  parallel --sshloginfile HOSTS --jobs 1 < " +
                       (d / "jobs.txt").string() +
                       "\n"
                       "                 (locally: parallel < " +
                       (d / "jobs.txt").string() +
                       ")\n"
                       "  Slurm:         sbatch " +
                       (d / "slurm.sh").string() +
                       "   (arrays above the cluster's "
                       "MaxArraySize need splitting)\n"
                       "Then gather the results:  infsim sweep --merge " +
                       abs_dir + "\n";
  write_file_atomically((d / "README.txt").string(), readme);
  out << "wrote " << n << " jobs for " << study.name << " to " << (d / "jobs.txt").string()
      << " and " << (d / "slurm.sh").string() << "\n"
      << readme;
}

}  // namespace infsim::driver
