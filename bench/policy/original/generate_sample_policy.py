#!/usr/bin/env python3
"""The comparison point: the original system's sample policy generator (prints the
policy document as JSON), kept here only to measure the original way."""
import json
import time

UNIVERSE = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT",
            "ADAUSDT", "DOGEUSDT", "AVAXUSDT", "LINKUSDT", "DOTUSDT"]

def main():
    now = time.time()
    policy = {
        "policy_version": "1.0.0-ai-sample",
        "generator": "generate_sample_policy",
        "universe": UNIVERSE,
        "leverage": {"min": 6.0, "max": 15.0},
        "exit_owner": "exitbrain_v3_5",
        "created_at_epoch": int(now),
        "valid_until_epoch": now + 3600,
    }
    print(json.dumps(policy, sort_keys=True))

if __name__ == "__main__":
    main()
