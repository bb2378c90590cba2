from __future__ import annotations

import json
import os
import stat

import pytest

from sync.keystore import SECRET_ENV, FileKeyStore, KeyStoreError, secret_from_env


def test_keys_survive_a_reopen_with_the_secret(tmp_path):
    created = FileKeyStore.create(tmp_path / "k.json", b"s3cret", "T-9")
    opened = FileKeyStore.open(tmp_path / "k.json", b"s3cret")
    assert opened.terminal_id == "T-9"
    assert opened.public_key() == created.public_key()
    assert opened.token_key() == created.token_key()
    blob = created.envelope().seal(b"x", b"aad")
    assert opened.envelope().open(blob, b"aad") == b"x"


def test_file_is_private_and_holds_no_key_in_clear(tmp_path):
    store = FileKeyStore.create(tmp_path / "k.json", b"s3cret", "T-9")
    path = tmp_path / "k.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_text()
    assert store.signing_key().private_bytes().hex() not in raw
    assert store.token_key().hex() not in raw
    assert "s3cret" not in raw
    assert "T-9" in repr(store) and store.token_key().hex() not in repr(store)


def test_wrong_secret_is_a_clear_error(tmp_path):
    FileKeyStore.create(tmp_path / "k.json", b"s3cret", "T-9")
    with pytest.raises(KeyStoreError, match="wrong key store secret"):
        FileKeyStore.open(tmp_path / "k.json", b"guess")


def test_refuses_a_world_readable_file(tmp_path):
    FileKeyStore.create(tmp_path / "k.json", b"s3cret", "T-9")
    os.chmod(tmp_path / "k.json", 0o644)
    with pytest.raises(KeyStoreError, match="chmod 600"):
        FileKeyStore.open(tmp_path / "k.json", b"s3cret")


def test_never_overwrites_existing_keys(tmp_path):
    first = FileKeyStore.create(tmp_path / "k.json", b"s3cret", "T-9")
    with pytest.raises(KeyStoreError, match="already exists"):
        FileKeyStore.create(tmp_path / "k.json", b"s3cret", "T-9")
    assert FileKeyStore.open(tmp_path / "k.json", b"s3cret").public_key() == first.public_key()


def test_altered_header_or_garbage_is_refused(tmp_path):
    FileKeyStore.create(tmp_path / "k.json", b"s3cret", "T-9")
    document = json.loads((tmp_path / "k.json").read_text())
    document["terminal_id"] = "T-EVIL"  # bound into the wrapping as associated data
    (tmp_path / "k.json").write_text(json.dumps(document))
    with pytest.raises(KeyStoreError, match="altered"):
        FileKeyStore.open(tmp_path / "k.json", b"s3cret")
    (tmp_path / "k.json").write_text("not json at all")
    with pytest.raises(KeyStoreError, match="not an edgepos key store"):
        FileKeyStore.open(tmp_path / "k.json", b"s3cret")
    with pytest.raises(KeyStoreError, match="no key store"):
        FileKeyStore.open(tmp_path / "missing.json", b"s3cret")


def test_secret_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(KeyStoreError, match=SECRET_ENV):
        secret_from_env()
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert secret_from_env() == b"from-env"
