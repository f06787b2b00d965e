"""Measuring only (evaluation, WER/CER, DNSMOS, prosody, bench): scripts and tests use it,
the runtime never imports it."""
