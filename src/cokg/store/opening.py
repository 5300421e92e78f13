"""Opening a store from a spec: a directory, "memory:", an endpoint URL or the default."""

from __future__ import annotations

import re
from pathlib import Path

from cokg import paths
from cokg.errors import ParameterError, StoreMissing
from cokg.store.building import ensure_built, is_stale
from cokg.store.oxigraph import EmbeddedStore, MemoryStore, _command
from cokg.store.protocol import Store
from cokg.store.remote import RemoteStore, remote_config

# host:port, with or without a path: a server address given without http://
_LOOKS_LIKE_SERVER = re.compile(r"^[A-Za-z0-9.-]+:\d{1,5}(/|$)")


def refuse_bare_address(text: str) -> None:
    """A server address given without http:// ("127.0.0.1:7878/query") was taken for a store
    folder ("no store at ...: build one there with `cokg build --store 127.0.0.1:...`")."""
    if _LOOKS_LIKE_SERVER.match(text) and not Path(text).exists():
        raise ParameterError(
            f"{text!r} looks like a server address without its scheme: write it as "
            f"http://{text} (a store folder by that name does not exist)"
        )


def open_store(
    spec: str | Path | None = None,
    *,
    read_only: bool = False,
    allow_network: bool = False,
    method: str | None = None,
    wait: float | None = None,
) -> Store:
    """Open a store. `spec`: None (COKG_ENDPOINT, then `.cokg/config.toml`, then the default
    embedded store `.cokg/store`), "memory:", an http(s) endpoint URL, or a store directory.
    `wait`: seconds a writer waits for its turn on an embedded store (None: $COKG_WAIT)."""
    cfg = remote_config() if spec is None else {}
    if spec is None and cfg.get("endpoint"):
        spec = cfg["endpoint"]
    if spec is None:
        return EmbeddedStore(
            paths.default_store_dir(), read_only=read_only, allow_network=allow_network, wait=wait
        )
    text = str(spec)
    if text == "memory:":
        return MemoryStore(allow_network=allow_network)
    if re.match(r"https?://", text):
        if not cfg:
            cfg = remote_config()
        same = cfg.get("endpoint") == text
        remote = RemoteStore(
            text,
            update_endpoint=cfg.get("update_endpoint") if same else None,
            gsp_endpoint=cfg.get("gsp_endpoint") if same else None,
            method=method or cfg.get("method", "gsp"),
            allow_network=allow_network,
        )
        if not read_only:  # a writer: its turn on the server, as on an embedded store
            remote.take_lease(wait, command=_command())
        return remote
    if "://" in text:
        raise ParameterError(f"unsupported store {text!r}: use a directory, memory: or http(s)")
    refuse_bare_address(text)
    return EmbeddedStore(Path(text), read_only=read_only, allow_network=allow_network, wait=wait)


def open_for_reading(spec: str | Path | None = None, *, allow_network: bool = False) -> Store:
    """A store to read from. An embedded store is opened read-only, which writes nothing to its
    directory and lets readers share it; when it is empty or built from project files that
    have changed, it is (re)built first under the writer lock and then reopened read-only, and
    so is the default store when it is missing. A store named by a path that holds none is an
    error (StoreMissing): a mistyped --store must not quietly answer from a new store.
    An in-memory store is built; a remote endpoint is never written to from here."""
    try:
        store = open_store(spec, read_only=True, allow_network=allow_network)
    except StoreMissing:
        if spec is not None:  # a store named by path: a typo must not become a new store
            raise StoreMissing(
                f"no store at {spec}: build one there with `cokg build --store {spec}` (a "
                "reading command creates a store only where the default one belongs)"
            ) from None
    else:
        if isinstance(store, RemoteStore):
            return store
        if isinstance(store, MemoryStore):
            return ensure_built(store)
        if store.graphs() and not is_stale(store):
            return store
        store.close()
    with open_store(spec, allow_network=allow_network) as writer:
        ensure_built(writer)
    return open_store(spec, read_only=True, allow_network=allow_network)
