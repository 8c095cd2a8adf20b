#pragma once
// systemd readiness (sd_notify(3) protocol, Type=notify in rcas-cassd.service): one datagram
// "READY=1" once the sockets are bound and served, "STOPPING=1" when the drain starts. The
// protocol is one sendto on the AF_UNIX datagram socket named by $NOTIFY_SOCKET, documented as
// stable for reimplementation, so libsystemd is not linked for it.

#include <string_view>

namespace rcas::tools::cassd {

// Notify sends `state` to $NOTIFY_SOCKET ("/path" or "@abstract"); without the variable it does
// nothing. Returns false only when the variable is set and the send failed (worth a log line:
// systemd would time the start out).
bool Notify(std::string_view state);

}  // namespace rcas::tools::cassd
