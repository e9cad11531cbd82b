// The fleet scan: finds every reference to a set of datasets in every file of a set of
// repositories.
//
// One walking thread (the caller's) streams the folders of one repository at a time, depth
// first, into a bounded queue of files; `threads` scanning threads read each file with read()
// into their own reusable buffer and run the ReferenceMatcher over it. A file bigger than
// `chunk_bytes` is read in chunks that overlap by kChunkOverlap, so memory stays bounded whatever
// the fleet's or a file's size: roughly threads x (chunk_bytes + 8 KiB) plus the queue plus
// the references found. Line and column are computed for hits only.
//
// Skipped: hidden files and folders (a name starting with '.', so `.git` too), symbolic links,
// special files, and binary files (a NUL byte in the first 8 KiB, ripgrep's heuristic).
// .gitignore is not read: a fresh clone holds no ignored files.
//
// Thread-safety: ScanRepositories is reentrant; it starts and joins its own threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "discover/reference.h"
#include "discover/reference_matcher.h"

namespace skein {

struct Repository {
  std::string name;  // the folder's name
  std::string path;  // absolute, canonical (a string: fleets hold many repositories)
};

// The repositories under the folders given by the user. A folder that holds `.git` is one
// repository; any other folder holds one repository per immediate non-hidden subfolder (sorted
// by name; files directly in it are not scanned). A folder given twice counts once. Memory: about
// 200 bytes per repository.
// InvalidInput naming a folder that does not exist or is not a folder.
Result<std::vector<Repository>> ResolveRepositories(const std::vector<std::filesystem::path>& roots);

struct ScanProgress {
  uint64_t files = 0;  // files scanned so far
  uint64_t bytes = 0;  // bytes scanned so far
};

struct ScanOptions {
  int threads = 0;                       // scanning threads; 0: one per hardware thread
  size_t chunk_bytes = size_t{1} << 20;  // files bigger than this are read in chunks of this size
  size_t queue_files = 4096;             // files walked but not yet scanned, at most
  // Called on the walking thread at most every `progress_every` while the scan runs. Optional.
  std::function<void(const ScanProgress&)> on_progress;
  std::chrono::milliseconds progress_every{250};
};

struct ScanStats {
  uint64_t repositories = 0;
  uint64_t files_scanned = 0;
  uint64_t bytes_scanned = 0;
  uint64_t binary_files_skipped = 0;
  uint64_t unreadable = 0;  // files or folders that could not be read (see warnings)
};

struct ScanReport {
  std::vector<Reference> references;  // sorted by ReferenceOrder: the same for any thread count
  ScanStats stats;
  std::vector<std::string> warnings;  // "path: why", sorted; at most 20
};

// Scans every file of every repository for the matcher's datasets.
ScanReport ScanRepositories(const std::vector<Repository>& repos, const ReferenceMatcher& matcher,
                            const ScanOptions& options = {});

}  // namespace skein
