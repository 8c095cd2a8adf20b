#pragma once
// Fleet: the built rcas-cam run in the background by a test, its stdout and stderr in a file;
// Wait is bounded, and the destructor kills a fleet that still runs. Used from the test's thread
// only.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace rcas::testing {

class Fleet {
 public:
  ~Fleet() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Start runs `binary` with `args`, output to the file `out`.
  void Start(const std::string& binary, const std::vector<std::string>& args,
             const std::string& out) {
    // Everything the child needs is built before fork: another thread of the test (a relay)
    // may hold the heap's lock at the fork.
    std::vector<char*> argv{const_cast<char*>("rcas-cam")};
    for (const std::string& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      dup2(fd, 1);
      dup2(fd, 2);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  // Wait returns the exit status, or -1 if it still runs after `ms` (a pidfd wakes it at the
  // exit).
  int Wait(int ms) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    pollfd p{pidfd, POLLIN, 0};
    const bool exited = pidfd >= 0 && poll(&p, 1, ms) == 1;
    close(pidfd);
    int status = 0;
    if (!exited || waitpid(pid_, &status, 0) != pid_) {
      return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace rcas::testing
