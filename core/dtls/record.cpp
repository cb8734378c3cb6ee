#include "core/dtls/record.hpp"

namespace polyrtc::dtls {

bool parse_records(ByteView datagram, std::vector<Record>& out) {
    out.clear();
    ByteReader reader(datagram);
    if (reader.empty()) return false;
    while (!reader.empty()) {
        if (reader.remaining() < kRecordHeaderSize) return false;
        auto type = reader.read_u8();
        auto version = reader.read_u16();
        auto epoch = reader.read_u16();
        auto seq_hi = reader.read_u16();
        auto seq_lo = reader.read_u32();
        auto length = reader.read_u16();
        if (!type || !version || !epoch || !seq_hi || !seq_lo || !length) return false;
        if (*type < 20 || *type > 23) return false;
        if (*version != 0xfefd && *version != 0xfeff) return false;
        if (*length > kMaxRecordLength) return false;
        auto fragment = reader.read_bytes(*length);
        if (!fragment) return false;
        out.push_back({*type, *version, *epoch, (uint64_t{*seq_hi} << 32) | *seq_lo, *fragment});
    }
    return true;
}

}  // namespace polyrtc::dtls
