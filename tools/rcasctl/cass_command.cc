// `rcasctl cass ctl --socket PATH REQUEST...`: one request to a running rcas-cassd over its
// control socket (docs/cassd.md, "Control socket"). The words are sent as one line; the answer's
// lines go to stdout up to its last line: `ok` exits 0, `error: <reason>` prints the reason as
// rcasctl's error line and exits 1, as does a daemon that is not there, closes early or does not
// answer within --timeout.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tools/rcasctl/command.h"

namespace rcas::tools {
namespace {

struct CtlArgs {
  std::string socket;
  std::vector<std::string> words;
  int timeout_s = 30;
};

// Fd closes the socket however the command ends.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) {
      close(fd);
    }
  }
};

int RunCassCtl(const CtlArgs& a) {
  std::string request;
  for (const std::string& w : a.words) {
    if (w.find_first_of("\r\n") != std::string::npos) {
      return Fail("a request word may not contain a line break");
    }
    request += (request.empty() ? "" : " ") + w;
  }
  request += "\n";
  sockaddr_un addr{};
  if (a.socket.size() >= sizeof addr.sun_path) {
    return Fail("--socket: path longer than " + std::to_string(sizeof addr.sun_path - 1));
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, a.socket.c_str(), a.socket.size() + 1);
  Fd s{socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0 || connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Fail(a.socket + ": " + std::strerror(errno) + " (is rcas-cassd running?)");
  }
  if (send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return Fail(a.socket + ": send: " + std::strerror(errno));
  }
  shutdown(s.fd, SHUT_WR);  // one request: the daemon closes after the answer
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_s);
  std::string in;
  for (;;) {
    for (size_t nl = in.find('\n'); nl != std::string::npos; nl = in.find('\n')) {
      const std::string line = in.substr(0, nl);
      in.erase(0, nl + 1);
      if (line == "ok") {
        return kExitOk;
      }
      if (line.rfind("error: ", 0) == 0) {
        return Fail("rcas-cassd: " + line.substr(7));
      }
      std::cout << line << '\n';
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up - std::chrono::steady_clock::now());
    pollfd p{s.fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1) {
      return Fail("no answer from " + a.socket + " within " + std::to_string(a.timeout_s) + " s");
    }
    char chunk[4096];
    const ssize_t n = recv(s.fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return Fail(a.socket + ": closed before the answer ended");
    }
    in.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

void AddCassCommand(CLI::App& app, int& exit_code) {
  CLI::App* cass = app.add_subcommand("cass", "the running CASS daemon (rcas-cassd)");
  cass->require_subcommand(1);
  auto a = std::make_shared<CtlArgs>();
  CLI::App* ctl = cass->add_subcommand(
      "ctl", "one request over the control socket: status, image, campaign, cam (help lists them)");
  ctl->add_option("--socket", a->socket, "the daemon's [cass].control_socket")->required();
  ctl->add_option("--timeout", a->timeout_s, "seconds to wait for the answer")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  ctl->add_option("REQUEST", a->words, "the request's words, e.g. image list")->required();
  ctl->callback([a, &exit_code] { exit_code = RunCassCtl(*a); });
}

}  // namespace rcas::tools
