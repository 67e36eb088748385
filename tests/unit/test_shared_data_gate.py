"""A test that needs ../shared/data fails in CI where the folder is absent, and skips,
saying why, elsewhere."""

from __future__ import annotations

import conftest
import pytest


def test_absent_shared_data_fails_in_ci_and_skips_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "SHARED_DATA", tmp_path / "absent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        conftest.require_shared_data()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="shared public data not found at"):
        conftest.require_shared_data()
    monkeypatch.setattr(conftest, "SHARED_DATA", tmp_path)
    assert conftest.require_shared_data() == tmp_path
