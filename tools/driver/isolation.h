#pragma once
// Process isolation: run a piece of work in a forked child and get back, as data, its result
// (a string: a JSON document, a file name, ...) or the UserError it threw, with kind, location
// and message intact. SystemC allows one elaboration per process; every simulation of run,
// table, sweep and validate goes through here.
//
//   std::string json = run_isolated([&] { return simulate(...).dump(); });  // blocking
//
//   IsolatedChild child([&] { run_point(...); return std::string(); }, {log_file});
//   while (!child.poll()) wait_a_little();        // or poll many children side by side
//   const IsolatedOutcome& o = child.outcome();   // value, user error, internal error or death
//
// A child that dies (signal, exit without writing) is an outcome too, not an exception, so a
// caller running many can record it and go on.

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "isa/user_error.h"

namespace infsim::driver {

// A UserError as data and back (kind by name, location fields, message).
nlohmann::json user_error_to_json(const UserError& e);
UserError user_error_from_json(const nlohmann::json& j);

struct IsolatedOutcome {
  enum class Status {
    kValue,          // the function returned `value`
    kUserError,      // it threw `error`
    kInternalError,  // it threw another exception: `message` is its what()
    kDied,           // the child ended without saying (a signal, a crash): `message` says how
  };
  Status status = Status::kDied;
  std::string value;
  std::optional<UserError> error;
  std::string message;
  int wait_status = 0;  // as waitpid() reported it

  // The value; a user error is rethrown as the UserError it was; the other two as
  // std::runtime_error (an internal error, as in the parent).
  const std::string& value_or_throw() const;
};

struct IsolationOptions {
  // When set, the child's stdout and stderr go to this file (truncated) and stdin is /dev/null.
  std::string log_file;
};

// A child process running `fn`. It dies with its parent (kill -9 included) and takes SIGINT and
// SIGTERM with their default action, whatever the parent installed.
class IsolatedChild {
 public:
  explicit IsolatedChild(const std::function<std::string()>& fn,
                         const IsolationOptions& options = {});
  ~IsolatedChild();  // a child still running is killed and reaped
  IsolatedChild(const IsolatedChild&) = delete;
  IsolatedChild& operator=(const IsolatedChild&) = delete;

  pid_t pid() const { return pid_; }
  // Reads what the child has sent so far; true once it has exited and the outcome is known.
  bool poll();
  // Blocks until the child exits.
  const IsolatedOutcome& wait();
  bool finished() const { return finished_; }
  const IsolatedOutcome& outcome() const { return outcome_; }
  // Sends `signal` to the child (e.g. SIGTERM when the parent is interrupted).
  void kill(int signal) const;

 private:
  void drain(bool block);
  void finish(int wait_status);

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string data_;
  bool finished_ = false;
  IsolatedOutcome outcome_;
};

// Runs `fn` in a child and returns its value; its UserError is rethrown here as UserError.
std::string run_isolated(const std::function<std::string()>& fn);

}  // namespace infsim::driver
