#include "tools/driver/isolation.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace infsim::driver {
namespace {

using nlohmann::json;

// What the child writes to the pipe: one line of JSON saying what it is, then the value's bytes
// (only for a value). A child that writes nothing has died.
std::string encode_value(const std::string& value) {
  return json{{"status", "value"}}.dump() + "\n" + value;
}
std::string encode_user_error(const UserError& e) {
  return json{{"status", "user_error"}, {"error", user_error_to_json(e)}}.dump() + "\n";
}
std::string encode_internal_error(const std::string& what) {
  return json{{"status", "internal_error"}, {"message", what}}.dump() + "\n";
}

void write_all(int fd, const std::string& data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

std::string describe_death(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "died of signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "exited with code " + std::to_string(WEXITSTATUS(status)) + " without a result";
}

[[noreturn]] void run_child(const std::function<std::string()>& fn, const IsolationOptions& options,
                            pid_t parent, int fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  const bool logged = !options.log_file.empty();
  if (logged) {
    const int log = ::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
      ::close(log);
    }
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
  }
  std::string message, shown;
  try {
    message = encode_value(fn());
  } catch (const UserError& e) {
    message = encode_user_error(e);
    shown = std::string("infsim: error: ") + e.what() + "\n";
  } catch (const std::exception& e) {
    message = encode_internal_error(e.what());
    shown = std::string("infsim: internal error: ") + e.what() + "\n";
  }
  std::cout.flush();
  // A log file stands in for the terminal: it ends with what main would have printed.
  if (logged) std::cerr << shown;
  std::cerr.flush();
  std::fflush(nullptr);
  write_all(fd, message);
  ::close(fd);
  ::_exit(0);
}

}  // namespace

json user_error_to_json(const UserError& e) {
  const ErrorLocation& w = e.where();
  return {{"kind", error_kind_name(e.kind())},
          {"message", e.what()},
          {"file", w.file},
          {"line", w.line},
          {"yaml_path", w.yaml_path},
          {"node", w.node},
          {"op", w.op}};
}

UserError user_error_from_json(const json& j) {
  const std::optional<ErrorKind> kind = error_kind_from_name(j.at("kind").get<std::string>());
  if (!kind) throw std::runtime_error("unknown error kind " + j.at("kind").dump());
  ErrorLocation w;
  w.file = j.at("file");
  w.line = j.at("line");
  w.yaml_path = j.at("yaml_path");
  w.node = j.at("node");
  w.op = j.at("op");
  return UserError(*kind, j.at("message").get<std::string>(), std::move(w));
}

const std::string& IsolatedOutcome::value_or_throw() const {
  switch (status) {
    case Status::kValue:
      return value;
    case Status::kUserError:
      throw *error;
    case Status::kInternalError:
      throw std::runtime_error(message);
    case Status::kDied:
      break;
  }
  throw std::runtime_error("the isolated process " + message);
}

IsolatedChild::IsolatedChild(const std::function<std::string()>& fn,
                             const IsolationOptions& options) {
  // Buffered output would otherwise be written twice, by the parent and by the child.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string("cannot start a process: ") + std::strerror(err));
  }
  if (pid_ == 0) {
    ::close(fds[0]);
    run_child(fn, options, parent, fds[1]);
  }
  ::close(fds[1]);
  fd_ = fds[0];
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

IsolatedChild::~IsolatedChild() {
  if (!finished_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (fd_ >= 0) ::close(fd_);
}

void IsolatedChild::drain(bool block) {
  char buf[65536];
  while (fd_ >= 0) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      data_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      ::close(fd_);
      fd_ = -1;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!block) return;
      ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    } else {
      ::close(fd_);
      fd_ = -1;
    }
  }
}

bool IsolatedChild::poll() {
  if (finished_) return true;
  drain(false);
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  drain(true);  // the child has exited: the rest is in the pipe
  finish(status);
  return true;
}

const IsolatedOutcome& IsolatedChild::wait() {
  if (!finished_) {
    drain(true);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    finish(status);
  }
  return outcome_;
}

void IsolatedChild::kill(int signal) const {
  if (!finished_ && pid_ > 0) ::kill(pid_, signal);
}

void IsolatedChild::finish(int wait_status) {
  finished_ = true;
  outcome_.wait_status = wait_status;
  const std::size_t nl = data_.find('\n');
  const json header =
      nl == std::string::npos ? json() : json::parse(data_.substr(0, nl), nullptr, false);
  const std::string status = header.is_object() ? header.value("status", "") : "";
  if (status == "value") {
    outcome_.status = IsolatedOutcome::Status::kValue;
    outcome_.value = data_.substr(nl + 1);
  } else if (status == "user_error") {
    outcome_.status = IsolatedOutcome::Status::kUserError;
    outcome_.error = user_error_from_json(header.at("error"));
    outcome_.message = outcome_.error->what();
  } else if (status == "internal_error") {
    outcome_.status = IsolatedOutcome::Status::kInternalError;
    outcome_.message = header.value("message", "");
  } else {
    outcome_.status = IsolatedOutcome::Status::kDied;
    outcome_.message = describe_death(wait_status);
  }
  data_.clear();
}

std::string run_isolated(const std::function<std::string()>& fn) {
  IsolatedChild child(fn);
  return child.wait().value_or_throw();
}

}  // namespace infsim::driver
