#include "systemd/journal.hpp"

#include <catch2/catch.hpp>

using namespace qops;

TEST_CASE("journal: cursors are parsed for their sequence and number") {
    const auto p = systemd::parse_cursor("s=7cf1ab135a2f4a699f0c7df5c70f84d8;i=f4232;b=6c;m=b2;t=66;x=a2");
    REQUIRE(p);
    CHECK(p->seqnum_id == "7cf1ab135a2f4a699f0c7df5c70f84d8");
    CHECK(p->seqnum == 0xf4232);
    CHECK_FALSE(systemd::parse_cursor("s=7cf1;i=1"));
    CHECK_FALSE(systemd::parse_cursor("s=7cf1ab135a2f4a699f0c7df5c70f84d8;i=zz"));
    CHECK_FALSE(systemd::parse_cursor("s=7cf1ab135a2f4a699f0c7df5c70f84d8"));
    CHECK_FALSE(systemd::parse_cursor(""));
}
