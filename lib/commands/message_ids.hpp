#pragma once
// The journal's MESSAGE_ID of each kind of event the tools log (CONTRACT.md, "Journal
// fields"). Each id was made once with `systemd-id128 new` and never changes: operators
// filter on it (`journalctl MESSAGE_ID=...`) and ops/catalog/quantum-ops.catalog explains
// it under the same id (`journalctl -x`). A new kind of event gets a new id, and its
// catalog entry in the same commit (tests/commands/test_message_ids.cpp checks both).

#include <array>
#include <string_view>

namespace qops::commands::ids {

// A 128-bit journal message id, as 32 lowercase hex digits.
struct MessageId {
    std::string_view hex;
};

// policy-refresh
inline constexpr MessageId policy_stored{"9eada67b682c419089285ff76bfdbc46"};       // saved and validated
inline constexpr MessageId policy_check_failed{"ca5e2f8573c04f9c91a763d39bc860ff"}; // read-back check failed
inline constexpr MessageId policy_lock_held{"df144c879c814e71a595793cdd9ddc46"};    // another refresh runs
inline constexpr MessageId policy_not_written{"dc77de49556b4e8d8e7caca9e0e2ce76"};  // lock lost / newer stored
inline constexpr MessageId policy_audit_failed{"f0f094b8ffd34d5a861ed07e2949a466"}; // audit XADD failed
// policy-show
inline constexpr MessageId policy_valid{"eaa087daacdc463abbd4aee54e249e6c"};
inline constexpr MessageId policy_near_expiry{"67afba38662d47d4b85cc847aa5d3829"};
inline constexpr MessageId policy_rejected{"e44be250b7954ab6afcfb728fa65ca31"}; // no valid policy (fail-closed)
// exit-owner-watch
inline constexpr MessageId exit_owner_violation{"ccef00867ec542fcb4b3061674c6cf27"};
inline constexpr MessageId exit_owner_clean{"c72fa07e0632428b9971800fb2d59195"};
inline constexpr MessageId exit_owner_alert_stored{"ddc848506fa741f4ba2071ec46afad2c"};
inline constexpr MessageId exit_owner_gap{"d6423ec9dd1e4b0c8b5e89b3e93d075d"}; // events may have been missed
// emergency-stop
inline constexpr MessageId ess_tripped{"64ed1c7078374a889e41c8ec91a6c03c"};
inline constexpr MessageId ess_enforced{"d7f0ca438f134f1290adca855086ee2c"};
inline constexpr MessageId ess_enforce_failed{"e3e496afe2b4447192102447c38756c6"};
inline constexpr MessageId ess_unit_stopped{"972fcfe9425b4fa08b977f7a85ce13f6"};
inline constexpr MessageId ess_unit_not_stopped{"ef882977e36e4bd9ac2edc748c06228c"};
inline constexpr MessageId ess_reset{"066bf64e14cd44799474eafb20013844"};
// audit-summary
inline constexpr MessageId audit_summary_delivered{"3681d72bc966466784c76116dd612ce8"};
inline constexpr MessageId audit_summary_not_delivered{"2f612fde4ca44bc8920bcf3fb29c5e2c"};
// notifications (every tool that tells a person)
inline constexpr MessageId notify_delivered{"a1e62ecd73a142edb28f04a775e0b03b"};
inline constexpr MessageId notify_failed{"74b27cff6f9943ffb4a62b4db895a4aa"};
inline constexpr MessageId notify_dropped{"b8a5adc64e49483bb9a3d52cfe848a0e"};
// quantum-status
inline constexpr MessageId status_report{"34509c5186a54db7834850564b40cb06"};
// any tool: the FAIL line of an error that ended the run (commands::run)
inline constexpr MessageId tool_failed{"89be80594c334de59095e2982051a880"};
// audit-log and ops-ledger-append (wired in by their own commands)
inline constexpr MessageId audit_appended{"5f093b92e7724c76a270d76157e90c0a"};
inline constexpr MessageId audit_verify_ok{"af940d0987b64fa6ba77b8b7b5ffc6c2"};
inline constexpr MessageId audit_verify_failed{"0208a794ba754faa8a021875edc72827"};
inline constexpr MessageId audit_rotated{"d2af99d66bf64339a6f0fa0ff34a4950"};
inline constexpr MessageId checkpoint_published{"c782ac4c19874e64b854d4aacbe3a289"};
inline constexpr MessageId checkpoint_witness_failed{"e9ba0c26087e4dc3a151a4746d2228bf"};
inline constexpr MessageId ledger_appended{"f66372de194146918208d9acbbadefd7"};
inline constexpr MessageId ledger_verify_ok{"b4a2fe3a8b844b7d81512fcb38e59999"};
inline constexpr MessageId ledger_verify_failed{"bdf3c3708a5143619dce36e0f77d64dc"};

// Every id above, for the catalog's test.
inline constexpr std::array k_all{
    policy_stored,
    policy_check_failed,
    policy_lock_held,
    policy_not_written,
    policy_audit_failed,
    policy_valid,
    policy_near_expiry,
    policy_rejected,
    exit_owner_violation,
    exit_owner_clean,
    exit_owner_alert_stored,
    exit_owner_gap,
    ess_tripped,
    ess_enforced,
    ess_enforce_failed,
    ess_unit_stopped,
    ess_unit_not_stopped,
    ess_reset,
    audit_summary_delivered,
    audit_summary_not_delivered,
    notify_delivered,
    notify_failed,
    notify_dropped,
    status_report,
    tool_failed,
    audit_appended,
    audit_verify_ok,
    audit_verify_failed,
    audit_rotated,
    checkpoint_published,
    checkpoint_witness_failed,
    ledger_appended,
    ledger_verify_ok,
    ledger_verify_failed,
};

} // namespace qops::commands::ids
