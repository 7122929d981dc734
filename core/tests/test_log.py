"""Secrets never reach a log handler installed by the CLI."""

from __future__ import annotations

import logging

from osc_build import log as logsetup


def test_registered_secret_and_secret_keys_are_redacted(tmp_path, monkeypatch):
    monkeypatch.delenv("OSC_BUILD_LOG", raising=False)
    path = tmp_path / "debug.log"
    logsetup.configure(debug=True, log_path=str(path))
    logsetup.register_secret("S3CR3T-VALUE-123")
    logger = logging.getLogger("osc_build.test")
    logger.debug("calling with %s", "S3CR3T-VALUE-123")
    logger.debug('response {"PrivateKey": "-----BEGIN-KEY-abc", "Name": "kp"}')
    logger.info("secret_key=plainvalue99 region=eu-west-2")
    text = path.read_text()
    assert "S3CR3T-VALUE-123" not in text
    assert "BEGIN-KEY-abc" not in text
    assert "plainvalue99" not in text
    assert text.count("<redacted>") == 3
    assert "region=eu-west-2" in text and '"Name": "kp"' in text
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_osc_build", False):
            logging.getLogger().removeHandler(handler)
            handler.close()
