#pragma once
// A fresh directory under $TMPDIR for one test, removed with everything in it.

#include <string>
#include <vector>

namespace qops::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const noexcept { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }
    // Writes content to path()/name and returns the full path.
    std::string write(const std::string& name, const std::string& content) const;

private:
    std::string m_path;
};

// Reads a whole file (empty string if missing).
std::string slurp(const std::string& path);

// The lines of text, without their newlines.
std::vector<std::string> lines_of(const std::string& text);

} // namespace qops::test
