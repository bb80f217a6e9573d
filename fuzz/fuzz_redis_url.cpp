// The Redis URL forms of the contract, and the password sources they name.
#include "fuzz.hpp"
#include "redis/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace qops;
    auto url = redis::parse_url(fuzz::text(data, size));
    if (!url) return 0;
    if (url->kind == redis::Url::Kind::sentinel)
        fuzz::require(!url->sentinels.empty(), "a sentinel URL without sentinels");
    return 0;
}
