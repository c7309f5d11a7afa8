"""Interface text in Korean (default) and English; templates call ``t(key)``."""

from pathlib import Path

from minwon import shipped_yaml

_DIR = Path(__file__).parent / "i18n"
LANGUAGES = ("ko", "en")


def _load() -> dict[str, dict[str, str]]:
    return {
        lang: shipped_yaml.read((_DIR / f"{lang}.yaml").read_text("utf-8")) for lang in LANGUAGES
    }


MESSAGES = _load()


def translate(lang: str, key: str, **params: object) -> str:
    """The text for ``key`` in ``lang``, falling back to Korean, then to the key itself."""
    text = MESSAGES.get(lang, {}).get(key)
    if text is None:
        text = MESSAGES["ko"].get(key, key)
    return text.format(**params) if params else text
