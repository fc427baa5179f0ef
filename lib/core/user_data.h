#pragma once

#include <cstdint>

namespace ptrscan {

/// What an io_uring operation was for. Every SQE's user_data carries one.
enum class op_kind : uint8_t {
  none = 0,
  // 1 is free (it was a c-ares socket's poll).
  wakeup = 2,    // read on the shard's eventfd
  cancel = 3,    // completion of a cancel request itself; ignored
  smtp_io = 4,   // connect/recv/send of an SMTP session; index = session slot
  smtp_timeout = 5,  // the timeout linked to an smtp_io operation; ignored
  dns_recv = 6,      // multishot receive on a ring DNS socket; index = socket
  dns_send = 7,      // failed send of a DNS query (successes post nothing); index = query
  dns_tcp = 8,          // connect/send/recv of a truncated query's TCP retry; index = connection
  dns_tcp_timeout = 9,  // the timeout linked to a dns_tcp operation; ignored
  accept = 10,          // multishot accept on a listening socket; index = listener
  peer_recv = 11,       // receive on an accepted connection; index = session slot
  peer_send = 12,       // send on an accepted connection; index = session slot
  signal = 13,          // read on a signalfd
  dns_direct = 14,      // a direct_client poll (UDP socket or TCP try); index = slot
};

/// user_data is packed here and unpacked here only (liburing's proxy.c idea):
/// bits 56..63 op, 32..55 generation (24 bits), 0..31 index. The generation
/// lets a late completion for a recycled slot or fd be recognised and dropped.
struct user_data {
  op_kind op = op_kind::none;
  uint32_t generation = 0;
  uint32_t index = 0;

  static constexpr uint32_t generation_mask = 0xffffff;

  constexpr uint64_t pack() const {
    return (uint64_t{static_cast<uint8_t>(op)} << 56) |
           (uint64_t{generation & generation_mask} << 32) | uint64_t{index};
  }
  static constexpr user_data unpack(uint64_t v) {
    return user_data{static_cast<op_kind>(v >> 56),
                     static_cast<uint32_t>((v >> 32) & generation_mask),
                     static_cast<uint32_t>(v)};
  }
};

}  // namespace ptrscan
