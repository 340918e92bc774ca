#include "worker/train/checkpoint_request.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "nlohmann/json.hpp"

namespace flyover::worker {
namespace {

// The request's sequence, or -1 when the text is not a request.
int64_t ParseSequence(const std::string& text) {
  nlohmann::json request = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object()) return -1;
  auto it = request.find("sequence");
  if (it == request.end() || !it->is_number_integer()) return -1;
  return it->get<int64_t>();
}

}  // namespace

int64_t CheckpointRequestWatcher::Sequence() {
  struct stat info {};
  if (path_.empty() || stat(path_.c_str(), &info) != 0) return sequence_;
  if (info.st_size == seen_size_ && info.st_mtim.tv_sec == seen_mtime_.tv_sec &&
      info.st_mtim.tv_nsec == seen_mtime_.tv_nsec) {
    return sequence_;
  }
  std::ifstream in(path_);
  if (!in) return sequence_;
  std::stringstream text;
  text << in.rdbuf();
  seen_size_ = info.st_size;
  seen_mtime_ = info.st_mtim;
  sequence_ = std::max(sequence_, ParseSequence(text.str()));
  return sequence_;
}

}  // namespace flyover::worker
