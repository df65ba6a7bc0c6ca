#pragma once
// Writing result files so that a reader (or a resumed run) never sees a partial one, and output
// paths as users give them:
//   "-"                      standard output;
//   a regular file (or none) replaced atomically (temporary beside it, fsync, rename);
//   anything else that exists (a symlink, a FIFO, /dev/stdout, a device) written through: opened
//                            and written in place, never replaced by a regular file.
#include <string>
#include <utility>
#include <vector>

namespace infsim::driver {

// Writes `content` to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: after a crash or power loss the file is either the old one or the new
// one, never a mix. UsageError if it cannot be written.
void write_file_atomically(const std::string& path, const std::string& content);

// All of `files` (path -> content) or none: every temporary is written first, then the written-
// through targets ("-", FIFOs, symlinks, devices), and only when all of them are written are the
// temporaries renamed into place; on any failure the temporaries are removed and UsageError names
// the path. A command's outputs (--json, --csv, --out DIR) go through this, so a bad second path
// never leaves the first file behind.
void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

// Checks a command's output paths before it does any work: at most one of them is "-" (standard
// output), no path is given twice, and each other path's directory exists. Each pair is (option,
// path), e.g. ("--json", "-"); UsageError naming the option otherwise.
void check_output_paths(const std::vector<std::pair<std::string, std::string>>& option_paths);

// True for "-": the output goes to standard output (the command then prints its human-readable
// report on stderr, so that stdout stays parseable).
bool is_stdout_path(const std::string& path);

// The first half of that: writes and fsyncs a temporary file beside `path` and returns its name,
// for callers that publish it some other way (e.g. link(), which fails if `path` exists).
std::string write_temporary_beside(const std::string& path, const std::string& content);

// A file written while a command runs (a trace, streamed as the simulation goes) and published
// once everything succeeded: `staging` is where it is written, `target` what the user named.
struct StagedFile {
  std::string staging;
  std::string target;
};

// Where to write `target` until it is published: beside it ("TARGET.partial") when it will be
// replaced, in the temporary directory when it is written through ("-", a FIFO, a symlink, a
// device), so that nothing appears beside /dev/stdout or in the current directory for "-".
StagedFile stage_file(const std::string& target);

// Publishes a staged file: renamed over a regular target (and the directory synced), copied into
// a written-through one (standard output, a FIFO, ...); the staging file is gone afterwards.
// UsageError naming the target if it cannot be written.
void publish_staged(const StagedFile& file);

// Removes a staged file that will not be published (no error if it does not exist).
void discard_staged(const StagedFile& file);

// fsyncs a directory, so that a rename or link in it survives a power loss.
void sync_directory(const std::string& dir);

}  // namespace infsim::driver
