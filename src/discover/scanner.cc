// ScanRepositories: the walking thread, the bounded file queue and the scanning threads.
#include "discover/scanner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace skein {
namespace {

constexpr size_t kBinaryProbeBytes = 8192;
constexpr size_t kMaxWarnings = 20;
constexpr size_t kBatchFiles = 32;  // files handed over per queue operation

struct FileTask {
  uint32_t repo;
  std::string relative;  // '/'-separated, relative to the repository
};
using FileBatch = std::vector<FileTask>;

// A bounded multi-consumer queue of file batches. Push blocks while it is full, which is what
// bounds the walk's memory; Pop blocks until a batch comes or the queue is closed and empty.
class FileQueue {
 public:
  explicit FileQueue(size_t capacity_batches) : capacity_(std::max<size_t>(1, capacity_batches)) {}

  void Push(FileBatch batch) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return batches_.size() < capacity_; });
    batches_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  bool Pop(FileBatch* batch) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !batches_.empty() || closed_; });
    if (batches_.empty()) return false;
    *batch = std::move(batches_.front());
    batches_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<FileBatch> batches_;
  size_t capacity_;
  bool closed_ = false;
};

// Counters shared by the threads, for progress and the final statistics.
struct SharedCounters {
  std::atomic<uint64_t> files{0};
  std::atomic<uint64_t> bytes{0};
};

// One scanning thread: its buffer, its findings, its statistics.
class FileScanner {
 public:
  FileScanner(const std::vector<Repository>& repos, const ReferenceMatcher& matcher, size_t chunk_bytes,
              SharedCounters& counters)
      : repos_(repos),
        matcher_(matcher),
        capacity_(std::max<size_t>(chunk_bytes, 1) + 2 * kChunkOverlap),
        buffer_(new char[capacity_]),
        counters_(counters) {}

  void Run(FileQueue& queue) {
    FileBatch batch;
    while (queue.Pop(&batch)) {
      for (const FileTask& task : batch) ScanFile(task);
    }
  }

  std::vector<Reference>& references() { return references_; }
  const ScanStats& stats() const { return stats_; }
  std::vector<std::string>& warnings() { return warnings_; }

 private:
  void Warn(const std::string& path, const char* what, int error) {
    ++stats_.unreadable;
    if (warnings_.size() < kMaxWarnings)
      warnings_.push_back(path + ": " + what + ": " + std::strerror(error));
  }

  // Reads until the buffer is full or the file ends. False on a read error.
  bool Fill(int fd, size_t* filled, bool* eof) {
    while (*filled < capacity_) {
      ssize_t n = ::read(fd, buffer_.get() + *filled, capacity_ - *filled);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      if (n == 0) {
        *eof = true;
        return true;
      }
      *filled += static_cast<size_t>(n);
    }
    return true;
  }

  // Finds the references owned by [own_begin, own_end) of `view` (file bytes from offset `base`)
  // and records them; `lines` moves forward to each one.
  void AddReferences(std::string_view view, uint64_t base, size_t own_begin, size_t own_end,
                     const Repository& repo, const FileTask& task, LineTracker* lines) {
    raw_.clear();
    matcher_.FindInBuffer(view, own_begin, own_end, &raw_);
    std::sort(raw_.begin(), raw_.end(), [](const RawMatch& a, const RawMatch& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.dataset < b.dataset;
    });
    for (const RawMatch& match : raw_) {
      lines->AdvanceTo(view, base, base + match.begin);
      Reference& ref = references_.emplace_back();
      ref.dataset = match.dataset;
      ref.repo = repo.name;
      ref.repo_path = repo.path;
      ref.file = task.relative;
      ref.line = lines->line();
      ref.col = lines->column();
      ref.offset = base + match.begin;
      ref.text.assign(view.substr(match.begin, match.end - match.begin));
      ref.form = match.form;
    }
  }

  void ScanFile(const FileTask& task) {
    const Repository& repo = repos_[task.repo];
    path_.assign(repo.path);
    path_ += '/';
    path_ += task.relative;
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      Warn(path_, "cannot open", errno);
      return;
    }
    // Buffer invariant: buffer_[0, filled) holds the file from offset `base`; this round owns
    // the candidates in [own_begin, own_end); a later round keeps kChunkOverlap bytes before
    // its own region so every context check sees what it needs.
    uint64_t base = 0;
    uint64_t own_begin = 0;
    size_t filled = 0;
    LineTracker committed;  // never past a position a later chunk's match may start at
    size_t first_reference = references_.size();
    for (bool first = true;; first = false) {
      bool eof = false;
      if (!Fill(fd, &filled, &eof)) {
        Warn(path_, "read failed", errno);
        references_.resize(first_reference);
        break;
      }
      if (first && std::memchr(buffer_.get(), 0, std::min(filled, kBinaryProbeBytes)) != nullptr) {
        ++stats_.binary_files_skipped;
        break;
      }
      std::string_view view(buffer_.get(), filled);
      uint64_t own_end = eof ? base + filled : base + filled - kChunkOverlap;
      LineTracker cursor = committed;
      AddReferences(view, base, own_begin - base, own_end - base, repo, task, &cursor);
      stats_.bytes_scanned += own_end - own_begin;
      counters_.bytes.fetch_add(own_end - own_begin, std::memory_order_relaxed);
      if (eof) {
        ++stats_.files_scanned;
        break;
      }
      // The next chunk's matches start no earlier than own_end - kMaxLookBehind.
      uint64_t safe = own_end - kMaxLookBehind;
      if (cursor.position() <= safe) committed = cursor;
      committed.AdvanceTo(view, base, safe);
      size_t keep_from = filled - 2 * kChunkOverlap;
      std::memmove(buffer_.get(), buffer_.get() + keep_from, filled - keep_from);
      filled -= keep_from;
      base += keep_from;
      own_begin = own_end;
    }
    counters_.files.fetch_add(1, std::memory_order_relaxed);
    ::close(fd);
  }

  const std::vector<Repository>& repos_;
  const ReferenceMatcher& matcher_;
  const size_t capacity_;
  std::unique_ptr<char[]> buffer_;
  SharedCounters& counters_;
  std::string path_;
  std::vector<RawMatch> raw_;
  std::vector<Reference> references_;
  ScanStats stats_;
  std::vector<std::string> warnings_;
};

// The walking thread: streams each repository's files into the queue, depth first, holding only
// the folders still to visit (not a list of files).
class Walker {
 public:
  Walker(const std::vector<Repository>& repos, FileQueue& queue, const SharedCounters& counters,
         const ScanOptions& options)
      : repos_(repos), queue_(queue), counters_(counters), options_(options) {}

  void Run() {
    last_progress_ = std::chrono::steady_clock::now();
    for (uint32_t i = 0; i < repos_.size(); ++i) WalkRepository(i);
    if (!batch_.empty()) queue_.Push(std::move(batch_));
  }

  uint64_t unreadable() const { return unreadable_; }
  std::vector<std::string>& warnings() { return warnings_; }

 private:
  void WalkRepository(uint32_t repo) {
    std::vector<std::string> folders = {""};
    std::string full;
    while (!folders.empty()) {
      std::string relative = std::move(folders.back());
      folders.pop_back();
      full.assign(repos_[repo].path);
      if (!relative.empty()) full += '/' + relative;
      DIR* dir = ::opendir(full.c_str());
      if (dir == nullptr) {
        ++unreadable_;
        if (warnings_.size() < kMaxWarnings)
          warnings_.push_back(full + ": cannot list: " + std::strerror(errno));
        continue;
      }
      while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.') continue;  // hidden, `.git`, `.` and `..`
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN) {
          struct stat st;
          if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
          type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type != DT_DIR && type != DT_REG) continue;
        std::string child = relative.empty() ? std::string(entry->d_name) : relative + '/' + entry->d_name;
        if (type == DT_DIR) {
          folders.push_back(std::move(child));
        } else {
          batch_.push_back(FileTask{repo, std::move(child)});
          if (batch_.size() >= kBatchFiles) Flush();
        }
      }
      ::closedir(dir);
    }
  }

  void Flush() {
    queue_.Push(std::move(batch_));
    batch_ = FileBatch();
    batch_.reserve(kBatchFiles);
    if (options_.on_progress) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_progress_ >= options_.progress_every) {
        last_progress_ = now;
        options_.on_progress(ScanProgress{counters_.files.load(), counters_.bytes.load()});
      }
    }
  }

  const std::vector<Repository>& repos_;
  FileQueue& queue_;
  const SharedCounters& counters_;
  const ScanOptions& options_;
  FileBatch batch_;
  uint64_t unreadable_ = 0;
  std::vector<std::string> warnings_;
  std::chrono::steady_clock::time_point last_progress_;
};

}  // namespace

Result<std::vector<Repository>> ResolveRepositories(const std::vector<std::filesystem::path>& roots) {
  namespace fs = std::filesystem;
  // Plain strings, not fs::path, for the per-repository bookkeeping: a path costs ~300 bytes.
  std::vector<Repository> repos;
  std::set<std::string> seen;
  auto add = [&](const fs::path& path) {
    std::error_code ec;
    fs::path canonical = fs::canonical(path, ec);
    if (ec) canonical = fs::absolute(path);
    if (!seen.insert(canonical.native()).second) return;
    repos.push_back(Repository{canonical.filename().string(), canonical.native()});
  };
  for (const fs::path& root : roots) {
    std::error_code ec;
    fs::file_status status = fs::status(root, ec);
    if (!fs::exists(status))
      return Status::InvalidInput("repository folder '" + root.string() + "' does not exist");
    if (!fs::is_directory(status)) return Status::InvalidInput("'" + root.string() + "' is not a folder");
    if (fs::exists(root / ".git", ec)) {
      add(root);
      continue;
    }
    std::vector<std::string> children;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      std::error_code dir_ec;
      if (it->is_directory(dir_ec)) children.push_back(std::move(name));
    }
    if (ec) return Status::IoError("cannot list '" + root.string() + "': " + ec.message());
    std::sort(children.begin(), children.end());
    for (const std::string& child : children) add(root / child);
  }
  return repos;
}

ScanReport ScanRepositories(const std::vector<Repository>& repos, const ReferenceMatcher& matcher,
                            const ScanOptions& options) {
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(threads, 1);
  FileQueue queue(options.queue_files / kBatchFiles);
  SharedCounters counters;
  std::vector<std::unique_ptr<FileScanner>> scanners;
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    scanners.push_back(std::make_unique<FileScanner>(repos, matcher, options.chunk_bytes, counters));
    pool.emplace_back([&queue, scanner = scanners.back().get()] { scanner->Run(queue); });
  }
  Walker walker(repos, queue, counters, options);
  walker.Run();
  queue.Close();
  for (std::thread& thread : pool) thread.join();

  ScanReport report;
  report.stats.repositories = repos.size();
  report.stats.unreadable = walker.unreadable();
  report.warnings = std::move(walker.warnings());
  for (auto& scanner : scanners) {
    const ScanStats& stats = scanner->stats();
    report.stats.files_scanned += stats.files_scanned;
    report.stats.bytes_scanned += stats.bytes_scanned;
    report.stats.binary_files_skipped += stats.binary_files_skipped;
    report.stats.unreadable += stats.unreadable;
    auto& refs = scanner->references();
    report.references.insert(report.references.end(), std::make_move_iterator(refs.begin()),
                             std::make_move_iterator(refs.end()));
    auto& warnings = scanner->warnings();
    report.warnings.insert(report.warnings.end(), warnings.begin(), warnings.end());
  }
  std::sort(report.references.begin(), report.references.end(), ReferenceOrder);
  std::sort(report.warnings.begin(), report.warnings.end());
  if (report.warnings.size() > kMaxWarnings) report.warnings.resize(kMaxWarnings);
  return report;
}

}  // namespace skein
