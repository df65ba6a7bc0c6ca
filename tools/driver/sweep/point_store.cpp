#include "tools/driver/sweep/point_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"

namespace infsim::driver {

namespace fs = std::filesystem;

namespace {

// write_temporary_beside names its files ".<name>.tmp.<pid>".
constexpr const char* kTempMarker = ".tmp.";

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw UsageError("cannot " + what + " " + path + ": " + std::strerror(errno));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) io_error("read", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string manifest(const Study& study) {
  nlohmann::json j = study_to_json(study);
  j["hash"] = study.hash();
  j["points"] = study.point_count();
  return j.dump(2) + "\n";
}

}  // namespace

void prepare_sweep_dir(const std::string& dir, const Study& study) {
  std::error_code ec;
  for (const char* sub : {"points", "logs"}) {
    fs::create_directories(fs::path(dir) / sub, ec);
    if (ec)
      throw UsageError("cannot create " + (fs::path(dir) / sub).string() + ": " + ec.message());
  }
  const std::string path = (fs::path(dir) / "study.json").string();
  const std::string content = manifest(study);
  // Many workers may start at once on a cluster: link() publishes the file only if none exists,
  // so exactly one of them writes it and the others compare.
  const std::string temp = write_temporary_beside(path, content);
  int linked = ::link(temp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked == 0) {
    sync_directory(dir);
    return;
  }
  if (link_errno != EEXIST) {
    errno = link_errno;
    io_error("create", path);
  }
  std::string existing_hash;
  try {
    existing_hash = nlohmann::json::parse(read_text(path)).at("hash").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    throw UsageError(path + " is not a sweep manifest; use another --out directory");
  }
  if (existing_hash != study.hash()) {
    throw UsageError(dir + " holds results of a different study (hash " + existing_hash +
                     ", this study " + study.hash() + "): the study file changed since those " +
                     "points ran. Use another --out directory, or delete " + dir +
                     " to start over");
  }
}

Study read_sweep_dir_study(const std::string& dir) {
  const std::string path = (fs::path(dir) / "study.json").string();
  if (!fs::is_regular_file(path)) {
    throw UsageError(dir +
                     " is not a sweep directory (no study.json); run `infsim sweep STUDY.yaml "
                     "--emit-jobs " +
                     dir + "` or a sweep with --out " + dir + " first");
  }
  try {
    nlohmann::json j = nlohmann::json::parse(read_text(path));
    Study study = study_from_json(j);
    if (j.at("hash").get<std::string>() != study.hash()) {
      throw UsageError(path + " was edited: its hash does not match its content");
    }
    return study;
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(path + " is not a valid sweep manifest: " + e.what());
  }
}

std::string point_file(const std::string& dir, int index) {
  return (fs::path(dir) / "points" / (std::to_string(index) + ".json")).string();
}

std::string log_file(const std::string& dir, int index) {
  return (fs::path(dir) / "logs" / (std::to_string(index) + ".log")).string();
}

void write_point(const std::string& dir, const Study& study, const PointSpec& spec,
                 const PointResult& result) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [name, value] : result.metrics) {
    metrics[name] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
  }
  nlohmann::json j = {{"index", spec.index},
                      {"study_hash", study.hash()},
                      {"parameters", spec.parameters},
                      {"status", result.status},
                      {"message", result.message},
                      {"metrics", metrics},
                      {"config_hash", result.config_hash},
                      {"framework", result.framework}};
  write_file_atomically(point_file(dir, spec.index), j.dump(2) + "\n");
}

std::optional<PointResult> read_point(const std::string& dir, const Study& study, int index) {
  const std::string path = point_file(dir, index);
  if (!fs::exists(path)) return std::nullopt;
  try {
    nlohmann::json j = nlohmann::json::parse(read_text(path));
    if (j.at("study_hash").get<std::string>() != study.hash() ||
        j.at("index").get<int>() != index) {
      throw UsageError(path + " belongs to another study or point; delete it to redo the point");
    }
    PointResult r;
    r.status = j.at("status").get<std::string>();
    r.message = j.at("message").get<std::string>();
    r.config_hash = j.value("config_hash", "");
    r.framework = j.value("framework", "");
    for (const auto& [name, value] : j.at("metrics").items()) {
      r.metrics[name] =
          value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(path + " is not a valid point file (" + e.what() +
                     "); delete it to redo the point");
  }
}

std::set<int> finished_points(const std::string& dir, const Study& study) {
  std::set<int> done;
  for (std::size_t i = 0; i < study.point_count(); ++i) {
    if (read_point(dir, study, static_cast<int>(i))) done.insert(static_cast<int>(i));
  }
  return done;
}

void clean_stale_temp_files(const std::string& dir) {
  for (const char* sub : {"points", "."}) {
    fs::path d = fs::path(dir) / sub;
    if (!fs::is_directory(d)) continue;
    for (const auto& entry : fs::directory_iterator(d)) {
      std::string name = entry.path().filename().string();
      if (name.size() > 1 && name[0] == '.' && name.find(kTempMarker) != std::string::npos) {
        fs::remove(entry.path());
      }
    }
  }
}

}  // namespace infsim::driver
