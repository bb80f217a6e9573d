#pragma once
// Reading the systemd journal through sd-journal: the local journal or a directory of
// journal files (systemd-journal-remote's output for a fleet), positioned by cursor or
// time, one entry at a time. sd-journal is the only reader of journal files here.

#include "base/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

typedef struct sd_journal sd_journal; // NOLINT(modernize-use-using): libsystemd's own spelling

namespace qops::systemd {

// An entry's place in its journal's sequence, from the s= and i= fields of a cursor.
struct CursorPosition {
    std::string seqnum_id; // 32 lowercase hex digits
    uint64_t seqnum = 0;
};

// Nothing when the text is not a journal cursor with both fields.
std::optional<CursorPosition> parse_cursor(std::string_view cursor);

// The journal files sd_journal_open_directory() would open in dir: *.journal and
// *.journal~ in it and in its machine-id subdirectories, sorted. Only names are looked
// at. Errors: unavailable (dir cannot be read).
Result<std::vector<std::string>> journal_files(const std::string& dir);

class Journal {
public:
    // The local system journal, as journalctl reads it. Errors: unavailable (none of its
    // files is readable: not in the systemd-journal group).
    static Result<Journal> open_local();
    // Exactly these journal files. Errors: unavailable (one cannot be opened).
    static Result<Journal> open_files(const std::vector<std::string>& paths);

    // The matches journalctl -u adds for unit. Errors: usage.
    Result<void> match_unit(const std::string& unit);
    // ANDs FIELD=value with the matches added before. Errors: usage.
    Result<void> match_also(std::string_view field, std::string_view value);
    // Removes every match: all entries are read again.
    void clear_matches();
    struct UniqueValues {
        std::vector<std::string> values;
        int errors = 0; // data objects that could not be read (a corrupt file): values may be missing
    };
    // The distinct values of field in the files (e.g. every _MACHINE_ID), in no order,
    // from the files' field indexes rather than by reading entries. Errors: unavailable.
    Result<UniqueValues> unique_values(const std::string& field);

    // Seeks to cursor: true when the journal still holds that entry (confirmed with
    // sd_journal_test_cursor); next() then returns the entry after it.
    bool seek_after_cursor(const std::string& cursor);
    // Seeks to just before the first entry at or after usec. Errors: unavailable.
    Result<void> seek_realtime(int64_t usec);
    // Seeks before the oldest or after the newest entry. Errors: unavailable.
    Result<void> seek_head();
    Result<void> seek_tail();

    enum class Step { entry, end, unreadable };
    // Moves to the next entry. unreadable: this step hit data that cannot be read (a file
    // rotated, vacuumed or corrupt under us); the caller may step again.
    Step next();
    // Moves to the previous entry, as next() does forwards.
    Step previous();

    // Of the current entry. realtime: nullopt when unreadable.
    std::optional<int64_t> realtime() const;
    std::string cursor() const;
    // The field's value (without "NAME="): nullopt when the entry has no such field.
    // Errors: unavailable (the field's data cannot be read).
    Result<std::optional<std::string_view>> field(std::string_view name) const;

    // Realtime of the oldest entry held (0 when empty).
    int64_t cutoff_realtime() const;

private:
    struct Close {
        void operator()(sd_journal* j) const noexcept;
    };
    explicit Journal(sd_journal* j) : m_j(j) {}
    std::unique_ptr<sd_journal, Close> m_j;
};

} // namespace qops::systemd
