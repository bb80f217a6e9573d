#include "crypto/ed25519.hpp"

#include "base/env.hpp"
#include "base/fd.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <vector>

namespace qops::crypto {
namespace {

constexpr size_t k_max_pem_bytes = 16 * 1024;

// Live private keys; the process is non-dumpable while there is one.
std::atomic<int> g_live_keys{0};
std::atomic<int> g_dumpable_before{1};

void hold_key() {
    if (g_live_keys.fetch_add(1) == 0) {
        g_dumpable_before = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
        ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

void drop_key() {
    if (g_live_keys.fetch_sub(1) == 1 && g_dumpable_before.load() > 0)
        ::prctl(PR_SET_DUMPABLE, g_dumpable_before.load(), 0, 0, 0);
}

struct BioFree {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// The PEM text, wiped when it goes out of scope.
struct SecretBuffer {
    std::vector<char> bytes;
    ~SecretBuffer() {
        if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
    }
};

} // namespace

void SigningKey::Free::operator()(EVP_PKEY* key) const noexcept {
    EVP_PKEY_free(key); // OpenSSL clears the private scalar when it frees the key
}

SigningKey::SigningKey(std::unique_ptr<EVP_PKEY, Free> key) : m_key(std::move(key)) {
    size_t n = m_public.size();
    if (EVP_PKEY_get_raw_public_key(m_key.get(), m_public.data(), &n) != 1 || n != m_public.size())
        throw Failure(ExitCode::unavailable, "Ed25519: cannot derive the public key");
    hold_key();
}

SigningKey::SigningKey(SigningKey&& other) noexcept : m_key(std::move(other.m_key)), m_public(other.m_public) {}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
    if (this != &other) {
        if (m_key) drop_key();
        m_key = std::move(other.m_key);
        m_public = other.m_public;
    }
    return *this;
}

SigningKey::~SigningKey() {
    if (m_key) drop_key();
}

Result<SigningKey> SigningKey::load_pem_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return usage_error(fmt::format("cannot open private key file {}: {}", path, errno_text(errno)));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return usage_error(fmt::format("cannot stat private key file {}: {}", path, errno_text(errno)));
    if (!S_ISREG(st.st_mode)) return usage_error(fmt::format("private key file {} is not a regular file", path));
    // A key others can read is a key others may have copied: refuse it rather than sign with it.
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return usage_error(fmt::format("private key file {} is accessible by group or others (mode {:04o}); "
                                       "chmod 600 it",
                                       path, st.st_mode & 07777));
    if (st.st_size <= 0 || static_cast<uint64_t>(st.st_size) > k_max_pem_bytes)
        return usage_error(fmt::format("private key file {} is empty or larger than {} bytes", path, k_max_pem_bytes));
    SecretBuffer pem;
    pem.bytes.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < pem.bytes.size()) {
        const ssize_t n = ::read(fd.get(), pem.bytes.data() + got, pem.bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return usage_error(fmt::format("cannot read private key file {}: {}", path, errno_text(errno)));
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.bytes.data(), static_cast<int>(got)));
    if (!bio) throw std::bad_alloc();
    std::unique_ptr<EVP_PKEY, Free> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key || EVP_PKEY_is_a(key.get(), "ED25519") != 1)
        return usage_error(fmt::format("private key file {} does not hold an Ed25519 private key in PEM "
                                       "(make one with: openssl genpkey -algorithm ed25519)",
                                       path));
    return SigningKey(std::move(key));
}

Result<SigningKey> SigningKey::load_from_env_or_credential(const char* env_var, const std::string& credential) {
    if (auto file = env(env_var)) return load_pem_file(*file);
    if (auto cred = credential_path(credential)) return load_pem_file(*cred);
    return usage_error(fmt::format("no signing key: set {} to a private key file or pass the systemd credential {} "
                                   "(LoadCredential={}:/etc/quantum/{})",
                                   env_var, credential, credential, credential));
}

SigningKey SigningKey::generate() {
    std::unique_ptr<EVP_PKEY, Free> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key) throw Failure(ExitCode::unavailable, "Ed25519: key generation failed");
    return SigningKey(std::move(key));
}

Result<void> SigningKey::write_pem_file(const std::string& path) const {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return unavailable(fmt::format("cannot create {}: {}", path, errno_text(errno)));
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return unavailable("Ed25519: cannot encode the private key");
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    for (long off = 0; off < len;) {
        const ssize_t n = ::write(fd.get(), data + off, static_cast<size_t>(len - off));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return unavailable(fmt::format("cannot write {}: {}", path, errno_text(errno)));
        off += n;
    }
    OPENSSL_cleanse(data, static_cast<size_t>(len));
    return {};
}

Signature SigningKey::sign(std::string_view message) const {
    MdCtx ctx(EVP_MD_CTX_new());
    Signature sig{};
    size_t len = sig.size();
    // Ed25519 hashes internally: the digest is NULL and the message goes in one shot.
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, m_key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        len != sig.size())
        throw Failure(ExitCode::unavailable, "Ed25519: signing failed");
    return sig;
}

bool verify(const PublicKey& public_key, std::string_view message, const Signature& signature) {
    struct PkeyFree {
        void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
    };
    std::unique_ptr<EVP_PKEY, PkeyFree> key(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
    if (!key) return false;
    MdCtx ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

} // namespace qops::crypto
