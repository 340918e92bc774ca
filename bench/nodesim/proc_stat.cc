#include "bench/nodesim/proc_stat.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace flyover::bench {

std::optional<double> CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 2));
  std::vector<std::string> f;
  for (std::string word; fields >> word && f.size() < 13;) f.push_back(word);
  if (f.size() < 13) return std::nullopt;
  // After the name: state(3) ... utime is field 14 and stime field 15 of the whole line.
  double ticks = std::stod(f[11]) + std::stod(f[12]);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace flyover::bench
