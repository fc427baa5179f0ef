#pragma once

#include <string>
#include <vector>

namespace ptrscan {

/// `ptrscan listen [-l ADDR:PORT ...] [-o OUT] [options]`: an SMTP responder
/// that records, for every connection, who the client is the way a mail
/// receiver sees it (lib/listen). `args` are the words after `listen`.
///
/// Exit status: 0 stopped (SIGINT/SIGTERM or --max-connections); 2 usage
/// error or an address it cannot listen on; 1 runtime failure (an output
/// write error).
int listen_main(const std::vector<std::string>& args);

}  // namespace ptrscan
