#pragma once
// Telling a person through a Slack- or Discord-style incoming webhook: one JSON POST whose
// "text" (Slack) and "content" (Discord) carry the same message, each escaped for its
// reader so that text quoted from a journal or a log cannot mention anyone or add links.

#include "base/error.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace qops::net {

// Slack's form: &, < and > as entities (which disarms <!channel>, <!here>, <@U…>, links),
// and a zero-width space after each '@' so "@channel" is not a mention either.
std::string slack_text(std::string_view text);

// Discord's form: a zero-width space after each '@' (@everyone, @here, <@id>, <@&role>)
// and inside "](" (masked links), cut to Discord's 2000-character limit on a character
// boundary. allowed_mentions in the payload disarms mentions a second time.
std::string discord_text(std::string_view text);

// The POST body: {"text", "content", "allowed_mentions": {"parse": []}}.
std::string webhook_payload(std::string_view text);

// POSTs webhook_payload(text). Errors: unavailable, with the HTTP status or curl's reason
// (never the URL: it is a secret).
Result<void> post_webhook(const std::string& url, std::string_view text, std::chrono::milliseconds timeout);

} // namespace qops::net
